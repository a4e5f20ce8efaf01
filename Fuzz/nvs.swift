// Fuzz target: NVS partitions: pages, entries, the start-up model (load, duplicates, FREEING recovery,
// blob clean-up), value reads, decryption with a key, and the CSV encoder/writer on the values found.
import FlashFormats

enum FuzzTarget {
    static let keys = NVS.Keys(dataKey: (0..<32).map { UInt8($0) }, tweakKey: (0..<32).map { UInt8(0x80 + $0) })

    static func run(_ bytes: [UInt8]) {
        // The first byte picks rules and a declared size that may disagree with the bytes.
        let sel = bytes.first ?? 0
        let rules: NVS.Rules = [.latest, .forIDF("v5.0.7"), .forIDF("v6.0.2"), .forIDF("v4.4.8")][Int(sel & 3)]
        let size = (sel & 4) != 0 ? bytes.count : ((bytes.count + 0xFFF) / 0x1000 + Int(sel >> 6)) * 0x1000
        let p = NVS.read(ByteArray(bytes), offset: 0, size: size, rules: rules, readOnly: sel & 8 != 0)
        for v in p.values { _ = v.value.text }
        _ = NVSBuilder.csv(p.values) { "\($0).\($1).bin" }
        if sel & 16 != 0 { _ = NVS.read(ByteArray(bytes), offset: 0, size: size, keys: keys, rules: rules) }
        _ = NVS.Keys.parse(bytes)
        if sel & 32 != 0, let text = String(validating: bytes.dropFirst(), as: UTF8.self) {
            _ = try? NVSBuilder.generate(csv: text, size: 0x3000) { _ in [1, 2, 3] }
        }
    }

    /// Seeds: the project's shared NVS sample (NVSBuilder.sample: every common type, a rewritten key,
    /// a blob, a long string), encrypted and as v1, a blob spanning pages, and the sample's CSV.
    static func seeds() -> [(String, [UInt8])] {
        let blob = "key,type,encoding,value\nb,namespace,,\nbig,data,hex2bin," + String(repeating: "a5", count: 5000) + "\n"
        var out: [(String, [UInt8])] = []
        if let b = try? NVSBuilder.sample(size: 0x4000) { out.append(("sample.bin", b)) }
        if let b = try? NVSBuilder.generate(csv: blob, size: 0x4000, readFile: { _ in nil }) { out.append(("multipage.bin", b)) }
        if let b = try? NVSBuilder.sample(size: 0x4000, keys: keys) { out.append(("encrypted.bin", [0x10] + b.dropFirst())) }
        if let b = try? NVSBuilder.generate(csv: NVSBuilder.sampleCSV, size: 0x4000, version: .v1, readFile: { _ in nil }) { out.append(("v1.bin", b)) }
        out.append(("csv.txt", [0x20] + Array(NVSBuilder.sampleCSV.utf8)))
        return out
    }
}
