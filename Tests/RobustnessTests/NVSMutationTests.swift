import Testing
import FlashFormats
import FlashModel

/// NVS fixtures in the mutation suite: every bit of every page header, of the used part of the bitmap
/// and of every item header flipped, and truncations at every page and entry boundary. Each input must
/// read without a trap, give well-formed JSON, and the flip must show (values or diagnostics change).
extension MutationTests {
    static func nvsFixtures() throws -> [(String, [UInt8], NVS.Keys?)] {
        let keys = NVS.Keys(dataKey: [UInt8](repeating: 0x11, count: 32), tweakKey: [UInt8](repeating: 0x22, count: 32))
        let csv = "key,type,encoding,value\nstorage,namespace,,\nu8key,data,u8,200\ni32key,data,i32,-5\nstrkey,data,string,hello world\nblobkey,data,hex2bin,000102030405060708090a0b0c0d0e0f1011\n"
        let big = "key,type,encoding,value\nb,namespace,,\nn,data,u16,7\nbig,data,hex2bin," + String(repeating: "5a", count: 4100) + "\ntail,data,string,end\n"
        return [
            ("nvs basic", try NVSBuilder.generate(csv: csv, size: 0x3000, readFile: { _ in nil }), nil),
            ("nvs multipage", try NVSBuilder.generate(csv: big, size: 0x4000, readFile: { _ in nil }), nil),
            ("nvs encrypted", try NVSBuilder.generate(csv: csv, size: 0x3000, keys: keys, readFile: { _ in nil }), keys),
        ]
    }

    static func nvsReport(_ b: [UInt8], keys: NVS.Keys?) -> String {
        let p = NVS.read(ByteArray(b), offset: 0, size: 0x1000 * max(3, (b.count + 0xFFF) / 0x1000), keys: keys)
        _ = NVSBuilder.csv(p.values) { "\($0)\($1)" }
        return Report.nvsJSON([NVSReading(name: "nvs", entry: nil, partition: p)]).serialized()
    }

    @Test func nvsBitFlipsShow() throws {
        var n = 0
        for (name, bytes, keys) in try Self.nvsFixtures() {
            let pristine = Self.nvsReport(bytes, keys: keys)
            let clean = NVS.read(ByteArray(bytes), offset: 0, size: bytes.count, keys: keys)
            #expect(clean.diagnostics.isEmpty, "\(name): \(clean.diagnostics.map(\.message))")
            #expect(!clean.values.isEmpty)
            var offsets: [Int] = []
            for pg in clean.pages where pg.state != .empty {
                offsets += pg.offset..<(pg.offset + 32)
                let used = pg.bitmap.lastIndex { $0 != .empty }.map { $0 / 4 + 1 } ?? 0
                offsets += (pg.offset + 32)..<(pg.offset + 32 + min(used, 31))
            }
            for e in clean.entries { offsets += e.offset..<(e.offset + 32) }
            for i in offsets {
                for bit in 0..<8 {
                    var m = bytes
                    m[i] ^= 1 << bit
                    let r = Self.nvsReport(m, keys: keys)
                    n += 1
                    if r == pristine { Issue.record("\(name): byte \(Hex.short(i)) bit \(bit): the report did not change") }
                    if JSONParser.parse(r) == nil { Issue.record("\(name): byte \(Hex.short(i)) bit \(bit): JSON does not parse") }
                }
            }
            // Truncations at every page and entry boundary (and one byte either side).
            var cuts = Set<Int>()
            for b in stride(from: 0, through: bytes.count, by: 32) { cuts.formUnion([b - 1, b, b + 1]) }
            for c in cuts where c >= 0 && c <= bytes.count {
                let r = NVS.read(ByteArray(Array(bytes.prefix(c))), offset: 0, size: bytes.count, keys: keys)
                n += 1
                if c < bytes.count && !r.pages.allSatisfy({ $0.state == .empty }) && r.diagnostics.isEmpty {
                    Issue.record("\(name): cut at \(c) without a diagnostic")
                }
            }
        }
        InputCounter.shared.add("nvs", n)
        #expect(n > 5000)
    }
}
