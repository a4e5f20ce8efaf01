import Testing
@testable import FlashModel

/// The JSON writer: exact escaping (its eight-bytes-at-a-time scan against a byte-by-byte reference),
/// numbers, layout, and the streamed output equal to the one-piece text.
@Suite struct JSONTests {
    /// The escaping rules written out plainly, one scalar at a time.
    static func reference(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20 || (0x7F...0x9F).contains(u.value):
                let h = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    @Test func escapingMatchesTheReferenceOnEveryPosition() {
        // Each troublesome scalar at every position of a 0–40 scalar string of hex digits, and beside
        // multi-byte scalars (C2 xx outside C1, other two-, three- and four-byte forms).
        let specials: [Unicode.Scalar] = ["\u{0}", "\u{1}", "\u{1f}", "\"", "\\", "\n", "\r", "\t", "\u{7f}", "\u{80}", "\u{85}", "\u{9f}",
                                          "\u{a0}", "\u{c2}", "é", "\u{2028}", "€", "😀", " ", "~"]
        for len in 0...40 {
            for pos in 0..<max(1, len) {
                for sp in specials {
                    var scalars = String.UnicodeScalarView()
                    for i in 0..<len { scalars.append(i == pos ? sp : Unicode.Scalar(UInt8(ascii: "a") + UInt8(i % 6))) }
                    let s = String(scalars)
                    #expect(JSON.string(s).serialized() == Self.reference(s), "\(Array(s.utf8))")
                }
            }
        }
    }

    @Test func randomStringsMatchTheReference() {
        // A fixed-seed LCG (Knuth's MMIX constants): the same strings on every run.
        var state: UInt64 = 0x5eed
        func next() -> UInt64 { state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407; return state >> 33 }
        let pool: [Unicode.Scalar] = (0x00...0xFF).compactMap(Unicode.Scalar.init) + ["€", "😀", "\u{2028}", "ā"]
        for _ in 0..<3000 {
            let n = Int(next() % 70)
            var scalars = String.UnicodeScalarView()
            for _ in 0..<n {
                // Mostly ASCII letters so that whole clean words occur, then the rest of the pool.
                scalars.append(next() % 4 == 0 ? pool[Int(next() % UInt64(pool.count))] : Unicode.Scalar(UInt8(0x41 + next() % 26)))
            }
            let s = String(scalars)
            #expect(JSON.string(s).serialized() == Self.reference(s))
        }
    }

    @Test func numbersAndLayout() {
        let v = JSON.object([("a", .int(0)), ("b", .int(-42)), ("c", .int(Int.min)), ("d", .int(Int.max)), ("e", .number("18446744073709551615")),
                             ("f", .array([])), ("g", .object([])), ("h", .array([.null, .bool(true), .bool(false)]))])
        #expect(v.serialized(pretty: false) == #"{"a":0,"b":-42,"c":-9223372036854775808,"d":9223372036854775807,"e":18446744073709551615,"f":[],"g":{},"h":[null,true,false]}"#)
        #expect(JSON.array([.object([("k", .string("v"))])]).serialized() == "[\n  {\n    \"k\": \"v\"\n  }\n]")
    }

    @Test func bytesAsHex() {
        #expect(JSON.hex([]).serialized() == "\"\"")
        #expect(JSON.hex([0x00, 0x09, 0x0a, 0xab, 0xff]).serialized() == "\"00090aabff\"")
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        let digits = bytes.map { b -> String in let h = String(b, radix: 16); return h.count == 1 ? "0" + h : h }.joined()
        #expect(JSON.hex(bytes) == JSON.string(digits))
        #expect(JSONParser.parse(JSON.array([.hex([1, 2])]).serialized()) == .array([.string("0102")]))
        // Every length around the four-byte words, every byte value at every place in a word.
        for n in 0..<12 {
            for first in stride(from: 0, to: 256, by: 3) {
                let b = (0..<n).map { UInt8(truncatingIfNeeded: first &+ $0 &* 85) }
                #expect(JSON.hex(b) == JSON.string(b.map { b -> String in let h = String(b, radix: 16); return h.count == 1 ? "0" + h : h }.joined()))
            }
        }
    }

    @Test func elementsMadeWhileWrittenReadAsTheArray() {
        let made = JSON.elements(3) { i in .object([("i", .int(i)), ("hex", .hex([UInt8(i)]))]) }
        let array = JSON.array((0..<3).map { i in .object([("i", .int(i)), ("hex", .hex([UInt8(i)]))]) })
        for pretty in [true, false] { #expect(made.serialized(pretty: pretty) == array.serialized(pretty: pretty)) }
        #expect(made == array)
        // Over a collection, also one whose indices do not start at 0.
        #expect(JSON.elements([5, 6, 7]) { .int($0) } == .array([.int(5), .int(6), .int(7)]))
        #expect(JSON.elements([0, 1, 2, 3][2...]) { .int($0) } == .array([.int(2), .int(3)]))
        #expect(JSON.elements(0) { _ in .null }.serialized() == "[]" && JSON.elements(-1) { _ in .null } == .array([]))
        #expect(JSONParser.parse(JSON.object([("a", made)]).serialized()) == .object([("a", array)]))
        // Each element is made once, in order, only when written.
        final class Calls: @unchecked Sendable { var order: [Int] = [] }
        let calls = Calls()
        let logged = JSON.elements(4) { i in calls.order.append(i); return .int(i) }
        #expect(calls.order.isEmpty)
        _ = logged.serialized(pretty: false)
        #expect(calls.order == [0, 1, 2, 3])
    }

    @Test func streamedOutputEqualsTheWholeText() {
        // Large strings (beyond the 64 KiB flush size) and many small values.
        let big = String(repeating: "0123456789abcdef", count: 20_000)
        let v = JSON.object([("blobs", .array((0..<5).map { .string(String(big.prefix(70_000 * $0 + 3))) })),
                             ("hex", .array((0..<4).map { n in .hex((0..<(50_000 * n + 1)).map { UInt8(truncatingIfNeeded: $0) }) })),
                             ("many", .array((0..<20_000).map { .int($0 * 7919 - 1_000_000) })),
                             ("made", .elements(20_000) { .object([("n", .int($0)), ("s", .string("é\($0)"))]) }),
                             ("deep", (0..<200).reduce(JSON.string("x\u{1}")) { acc, _ in .array([acc]) })])
        for pretty in [true, false] {
            var bytes: [UInt8] = []
            var pieces = 0
            v.write(pretty: pretty) { bytes.append(contentsOf: $0); pieces += 1 }
            #expect(String(decoding: bytes, as: UTF8.self) == v.serialized(pretty: pretty))
            #expect(pieces > 1)
        }
    }
}
