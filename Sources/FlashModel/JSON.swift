/// A small JSON value with ordered keys, so `--json` output is stable and reads in a sensible order.
public enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    /// A number written exactly as given (integers beyond Int, such as u64 NVS values).
    case number(String)
    case string(String)
    /// Bytes, written as a string of lower-case hex digits (two per byte; megabytes of NVS blobs are
    /// written straight from the bytes). Reads back (`JSONParser`) as `.string`, and compares equal to it.
    case hex([UInt8])
    case array([JSON])
    /// An array made one element at a time as it is written, so its elements are never all held at once
    /// (the thousands of entry objects of a full NVS partition: each is built, written and freed, and the
    /// next reuses its memory). Reads back as `.array`, and compares equal to it.
    case elements(Int, @Sendable (Int) -> JSON)
    case object([(String, JSON)])

    public static func == (a: JSON, b: JSON) -> Bool { a.serialized() == b.serialized() }

    /// `.elements` over a collection: `make` turns each element into JSON as it is written.
    public static func elements<C: RandomAccessCollection & Sendable>(_ c: C, _ make: @escaping @Sendable (C.Element) -> JSON) -> JSON {
        .elements(c.count) { make(c[c.index(c.startIndex, offsetBy: $0)]) }
    }

    public static func num(_ v: some BinaryInteger) -> JSON { .int(Int(v)) }
    public static func opt(_ v: String?) -> JSON { v.map(JSON.string) ?? .null }
    public static func opt(_ v: Bool?) -> JSON { v.map(JSON.bool) ?? .null }
    public static func opt<T: BinaryInteger>(_ v: T?) -> JSON { v.map { .int(Int($0)) } ?? .null }

    /// Looks up a key of an object (tests and the corpus check use it).
    public subscript(key: String) -> JSON? {
        if case .object(let kv) = self { return kv.first { $0.0 == key }?.1 }
        return nil
    }

    public func serialized(pretty: Bool = true) -> String {
        var w = JSONByteWriter(flushAt: nil, sink: nil)
        write(&w, indent: pretty ? 0 : nil)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// Writes the serialization in pieces of about 64 KiB to `sink` (for megabytes of output: nothing
    /// the size of the whole text is ever held).
    public func write(pretty: Bool = true, to sink: (UnsafeRawBufferPointer) -> Void) {
        withoutActuallyEscaping(sink) { sink in
            var w = JSONByteWriter(flushAt: 1 << 16, sink: sink)
            write(&w, indent: pretty ? 0 : nil)
            w.flush()
        }
    }

    private func write(_ w: inout JSONByteWriter, indent: Int?) {
        switch self {
        case .null: w.ascii("null")
        case .bool(let b): w.ascii(b ? "true" : "false")
        case .int(let i): w.integer(i)
        case .number(let s): w.raw(s)
        case .string(let s): w.quoted(s)
        case .hex(let b): w.hex(b)
        case .array(let a):
            Self.writeArray(&w, indent: indent, count: a.count) { a[$0] }
        case .elements(let n, let make):
            Self.writeArray(&w, indent: indent, count: n, make)
        case .object(let kv):
            if kv.isEmpty { w.ascii("{}"); return }
            w.byte(UInt8(ascii: "{"))
            let inner = indent.map { $0 + 1 }
            for (i, (k, v)) in kv.enumerated() {
                if i > 0 { w.byte(UInt8(ascii: ",")) }
                w.newline(inner)
                w.quoted(k)
                if indent == nil { w.byte(UInt8(ascii: ":")) } else { w.ascii(": ") }
                v.write(&w, indent: inner)
            }
            w.newline(indent)
            w.byte(UInt8(ascii: "}"))
        }
        w.flushIfFull()
    }

    private static func writeArray(_ w: inout JSONByteWriter, indent: Int?, count: Int, _ element: (Int) -> JSON) {
        if count <= 0 { w.ascii("[]"); return }
        w.byte(UInt8(ascii: "["))
        let inner = indent.map { $0 + 1 }
        for i in 0..<count {
            if i > 0 { w.byte(UInt8(ascii: ",")) }
            w.newline(inner)
            element(i).write(&w, indent: inner)
        }
        w.newline(indent)
        w.byte(UInt8(ascii: "]"))
    }
}

/// The byte buffer `JSON` serializes into: UTF-8 written straight into one allocation, flushed to a sink
/// when one is given (the buffer is then reused), grown when not.
struct JSONByteWriter: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0
    let flushAt: Int?
    let sink: ((UnsafeRawBufferPointer) -> Void)?

    init(flushAt: Int?, sink: ((UnsafeRawBufferPointer) -> Void)?) {
        self.flushAt = flushAt
        self.sink = sink
        capacity = (flushAt ?? 1 << 12) + (1 << 12)
        base = .allocate(capacity: capacity)
    }
    deinit { base.deallocate() }

    /// The bytes written since the last flush.
    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    mutating func flushIfFull() {
        if let n = flushAt, count >= n { flush() }
    }
    mutating func flush() {
        guard let sink, count > 0 else { return }
        sink(UnsafeRawBufferPointer(bytes))
        count = 0
    }

    /// Room for `n` more bytes at the returned address: the caller writes them and calls `advance(n)`.
    /// With a sink, what is written so far goes out first when it does not fit; the buffer grows only
    /// for a piece larger than itself, or without a sink.
    @inline(__always) mutating func room(_ n: Int) -> UnsafeMutablePointer<UInt8> {
        if n > capacity - count { makeRoom(n) }
        return base + count
    }
    @inline(__always) mutating func advance(_ n: Int) { count += n }

    private mutating func makeRoom(_ n: Int) {
        if sink != nil { flush() }
        guard n > capacity - count else { return }
        let newCapacity = Swift.max(capacity * 2, count + n)
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.update(from: base, count: count)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }

    @inline(__always) mutating func byte(_ b: UInt8) {
        room(1).pointee = b
        count += 1
    }
    mutating func ascii(_ s: StaticString) {
        s.withUTF8Buffer { append($0) }
    }
    mutating func raw(_ s: String) {
        var s = s
        s.withUTF8 { appendLarge($0) }
    }
    @inline(__always) mutating func append(_ p: UnsafeBufferPointer<UInt8>) {
        guard let src = p.baseAddress, p.count > 0 else { return }
        room(p.count).update(from: src, count: p.count)
        count += p.count
    }

    /// Appends bytes; a piece larger than the flush size goes out through the buffer in slices.
    mutating func appendLarge(_ p: UnsafeBufferPointer<UInt8>) {
        guard let n = flushAt, p.count > n else { append(p); return }
        var off = 0
        while off < p.count {
            let k = Swift.min(n, p.count - off)
            append(UnsafeBufferPointer(rebasing: p[off..<(off + k)]))
            off += k
            flushIfFull()
        }
    }

    mutating func newline(_ indent: Int?) {
        guard let indent else { return }
        let n = 1 + 2 * Swift.max(0, indent)
        let o = room(n)
        o.pointee = UInt8(ascii: "\n")
        (o + 1).initialize(repeating: UInt8(ascii: " "), count: n - 1)
        count += n
    }

    mutating func integer(_ v: Int) {
        // 20 digits and a sign at most.
        let o = room(21)
        var m = v.magnitude
        var n = 0
        repeat { o[n] = UInt8(ascii: "0") + UInt8(m % 10); m /= 10; n += 1 } while m > 0
        if v < 0 { o[n] = UInt8(ascii: "-"); n += 1 }
        // The digits came least significant first.
        var i = 0, j = n - 1
        while i < j { (o[i], o[j]) = (o[j], o[i]); i += 1; j -= 1 }
        count += n
    }

    /// A JSON string: quotes, backslash and control characters (C0, DEL and C1) escaped; the rest as UTF-8.
    mutating func quoted(_ s: String) {
        var s = s
        s.withUTF8 { u in quoted(u) }
    }

    mutating func quoted(_ u: UnsafeBufferPointer<UInt8>) {
        // Fast path: nothing to escape (megabytes of blob hex take it).
        if Self.needsNoEscape(u) {
            if u.count <= (flushAt ?? Int.max) {
                let o = room(u.count + 2)
                o.pointee = UInt8(ascii: "\"")
                if let src = u.baseAddress { (o + 1).update(from: src, count: u.count) }
                o[u.count + 1] = UInt8(ascii: "\"")
                count += u.count + 2
            } else {
                byte(UInt8(ascii: "\""))
                appendLarge(u)
                byte(UInt8(ascii: "\""))
            }
            flushIfFull()
            return
        }
        byte(UInt8(ascii: "\""))
        var i = 0
        while i < u.count {
            let b = u[i]
            switch b {
            case 0x22: ascii("\\\"")
            case 0x5C: ascii("\\\\")
            case 0x0A: ascii("\\n")
            case 0x0D: ascii("\\r")
            case 0x09: ascii("\\t")
            case 0xC2 where i + 1 < u.count && u[i + 1] >= 0x80 && u[i + 1] <= 0x9F:
                unicodeEscape(u[i + 1]); i += 1
            case _ where b < 0x20 || b == 0x7F:
                unicodeEscape(b)
            default: byte(b)
            }
            i += 1
        }
        byte(UInt8(ascii: "\""))
        flushIfFull()
    }

    /// Two ASCII hex digits per byte value, as the little-endian UInt16 that stores them in order.
    private static let hexPairs: [UInt16] = (0..<256).map { v in
        let d = { (x: Int) -> UInt16 in UInt16(x < 10 ? 0x30 + x : 0x57 + x) }
        return d(v >> 4) | d(v & 0x0F) << 8
    }

    /// The eight hex digits of four bytes (the first byte in the low bits, as loaded from memory), the
    /// first digit in the low byte: each byte moved to its own 16-bit lane, its high nibble to the lane's
    /// low byte and its low nibble to the high byte, then '0' added to each digit, and 'a' - '0' - 10
    /// more to those above 9 (a digit d + 6 carries into bit 4 exactly when d > 9).
    @inline(__always) static func hexDigits(_ x: UInt32) -> UInt64 {
        var z = UInt64(x)
        z = (z | z << 16) & 0x0000_FFFF_0000_FFFF
        z = (z | z << 8) & 0x00FF_00FF_00FF_00FF
        let n = (z >> 4) & 0x000F_000F_000F_000F | (z & 0x000F_000F_000F_000F) << 8
        let above9 = ((n &+ 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101
        return n &+ 0x3030_3030_3030_3030 &+ above9 &* 0x27
    }

    /// `"` hex digits `"`, produced straight into the buffer in slices of the flush size.
    mutating func hex(_ b: [UInt8]) {
        byte(UInt8(ascii: "\""))
        let slice = (flushAt ?? (1 << 16)) / 2
        Self.hexPairs.withUnsafeBufferPointer { table in
            b.withUnsafeBufferPointer { src in
                var off = 0
                while off < src.count {
                    let k = Swift.min(src.count - off, slice)
                    let o = UnsafeMutableRawPointer(room(2 * k))
                    let from = UnsafeRawPointer(src.baseAddress! + off)
                    var i = 0
                    while i + 4 <= k {
                        (o + 2 * i).storeBytes(of: Self.hexDigits(UInt32(littleEndian: from.loadUnaligned(fromByteOffset: i, as: UInt32.self))).littleEndian,
                                               as: UInt64.self)
                        i += 4
                    }
                    while i < k {
                        (o + 2 * i).storeBytes(of: table[Int(from.load(fromByteOffset: i, as: UInt8.self))].littleEndian, as: UInt16.self)
                        i += 1
                    }
                    count += 2 * k
                    off += k
                    flushIfFull()
                }
            }
        }
        byte(UInt8(ascii: "\""))
    }

    /// True when no byte needs escaping: no C0 control, quote, backslash, DEL or C1 control (C2 80–C2 9F).
    /// Eight ASCII bytes at a time (exact tests for "some byte below 0x20" and "some byte equal to c"),
    /// byte by byte from the first word holding a non-ASCII byte.
    static func needsNoEscape(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = u.count
        var i = 0
        if let base = UnsafeRawPointer(u.baseAddress) {
            let ones: UInt64 = 0x0101_0101_0101_0101, high: UInt64 = 0x8080_8080_8080_8080
            @inline(__always) func hasZeroByte(_ x: UInt64) -> Bool { (x &- ones) & ~x & high != 0 }
            while i + 8 <= n {
                let w = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                if w & high != 0 { break }
                if (w &- 0x20 &* ones) & ~w & high != 0 || hasZeroByte(w ^ (0x22 &* ones))
                    || hasZeroByte(w ^ (0x5C &* ones)) || hasZeroByte(w ^ (0x7F &* ones)) { return false }
                i += 8
            }
        }
        // Bytes before i are ASCII, so no C2 lead byte is pending.
        var prevC2 = false
        while i < n {
            let b = u[i]
            if b < 0x20 || b == 0x22 || b == 0x5C || b == 0x7F || (prevC2 && b >= 0x80 && b <= 0x9F) { return false }
            prevC2 = b == 0xC2
            i += 1
        }
        return true
    }

    /// `\u00XX`, lower-case hex.
    private mutating func unicodeEscape(_ v: UInt8) {
        ascii("\\u00")
        withUnsafeBytes(of: Self.hexPairs[Int(v)].littleEndian) { append($0.bindMemory(to: UInt8.self)) }
    }
}

/// A minimal JSON reader, enough to check our own output and the corpus oracle in tests.
public enum JSONParser {
    public static func parse(_ text: String) -> JSON? {
        var p = Parser(chars: Array(text.unicodeScalars))
        guard let v = p.value() else { return nil }
        p.skip()
        return p.i == p.chars.count ? v : nil
    }

    struct Parser {
        let chars: [Unicode.Scalar]
        var i = 0
        mutating func skip() { while i < chars.count, " \n\r\t".unicodeScalars.contains(chars[i]) { i += 1 } }
        mutating func value() -> JSON? {
            skip()
            guard i < chars.count else { return nil }
            switch chars[i] {
            case "{":
                i += 1
                var kv: [(String, JSON)] = []
                skip()
                if i < chars.count, chars[i] == "}" { i += 1; return .object(kv) }
                while true {
                    skip()
                    guard case .string(let k)? = value() else { return nil }
                    skip()
                    guard i < chars.count, chars[i] == ":" else { return nil }
                    i += 1
                    guard let v = value() else { return nil }
                    kv.append((k, v))
                    skip()
                    guard i < chars.count else { return nil }
                    if chars[i] == "," { i += 1; continue }
                    if chars[i] == "}" { i += 1; return .object(kv) }
                    return nil
                }
            case "[":
                i += 1
                var a: [JSON] = []
                skip()
                if i < chars.count, chars[i] == "]" { i += 1; return .array(a) }
                while true {
                    guard let v = value() else { return nil }
                    a.append(v)
                    skip()
                    guard i < chars.count else { return nil }
                    if chars[i] == "," { i += 1; continue }
                    if chars[i] == "]" { i += 1; return .array(a) }
                    return nil
                }
            case "\"":
                i += 1
                var s = String.UnicodeScalarView()
                while i < chars.count, chars[i] != "\"" {
                    if chars[i] == "\\", i + 1 < chars.count {
                        i += 1
                        switch chars[i] {
                        case "n": s.append("\n")
                        case "t": s.append("\t")
                        case "r": s.append("\r")
                        case "u":
                            guard i + 4 < chars.count, let v = UInt32(String(String.UnicodeScalarView(chars[(i + 1)...(i + 4)])), radix: 16),
                                  let u = Unicode.Scalar(v) else { return nil }
                            s.append(u); i += 4
                        default: s.append(chars[i])
                        }
                    } else { s.append(chars[i]) }
                    i += 1
                }
                guard i < chars.count else { return nil }
                i += 1
                return .string(String(s))
            case "t": i += 4; return .bool(true)
            case "f": i += 5; return .bool(false)
            case "n": i += 4; return .null
            default:
                let start = i
                while i < chars.count, "-+0123456789.eE".unicodeScalars.contains(chars[i]) { i += 1 }
                let text = String(String.UnicodeScalarView(chars[start..<i]))
                if let v = Int(text) { return .int(v) }
                if let d = Double(text) { return .int(Int(d)) }
                return nil
            }
        }
    }

    }
