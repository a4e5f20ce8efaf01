#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
import FlashFormats
import FlashModel

/// `flashscope diff` through the real binary: exit status as cmp(1) — 0 identical, 1 different,
/// 2 for any trouble (missing file, bad arguments, not an image) — and the JSON contract.
@Test func diffExitStatusIsCmpLike() throws {
    let dir = FlashScopeBinary.tempDirectory()
    defer { _ = system("rm -rf '\(dir)'") }
    let samples = SampleImages.all()
    let fresh = samples.first { $0.name == "fresh-two-ota.bin" }!.bytes
    let ota1 = samples.first { $0.name == "ota1-active.bin" }!.bytes
    try AtomicFile.write(fresh, to: dir + "/a.bin", overwrite: true)
    try AtomicFile.write(fresh, to: dir + "/a2.bin", overwrite: true)
    try AtomicFile.write(ota1, to: dir + "/b.bin", overwrite: true)
    try AtomicFile.write(Array("hello, not an image\n".utf8), to: dir + "/t.txt", overwrite: true)

    let same = try FlashScopeBinary.run(["diff", dir + "/a.bin", dir + "/a2.bin"])
    #expect(same.status == 0 && same.stdout.contains("are identical"))
    let differ = try FlashScopeBinary.run(["diff", dir + "/a.bin", dir + "/b.bin"])
    #expect(differ.status == 1)
    #expect(differ.stdout.contains("ota_0: empty → 1.0.0") && differ.stdout.contains("after  boots ota_1"))
    for args in [["diff", dir + "/a.bin", dir + "/missing.bin"], ["diff", dir + "/a.bin"], ["diff", "--bogus", dir + "/a.bin", dir + "/b.bin"],
                 ["diff", dir + "/a.bin", dir + "/t.txt"], ["diff", dir, dir + "/a.bin"]] {
        let r = try FlashScopeBinary.run(args)
        #expect(r.status == 2, "\(args): \(r.status) \(r.stderr)")
        #expect(r.stderr.hasPrefix("flashscope: error: ") && r.stdout.isEmpty)
    }
    let j = try FlashScopeBinary.run(["diff", "--json", dir + "/a.bin", dir + "/b.bin"])
    #expect(j.status == 1)
    let json = try #require(JSONParser.parse(j.stdout))
    #expect(json["identical"] == .bool(false) && json["size_a"] == .int(fresh.count) && json["table_changed"] == .bool(false))
    #expect(json["boot"]?["a"]?["loaded"] == .string("factory") && json["boot"]?["b"]?["loaded"] == .string("ota_1"))
}

/// `diff --nvs-keys`: encrypted NVS compared key by key with the given nvs_keys (both images), and
/// `diff --flash-key`: flash-encrypted dumps compared as the plaintext the chip reads.
@Test func diffReadsEncryptedNVSAndFlashWithKeys() throws {
    let dir = FlashScopeBinary.tempDirectory()
    defer { _ = system("rm -rf '\(dir)'") }
    let keys = NVS.Keys(dataKey: [UInt8](repeating: 0x11, count: 32), tweakKey: [UInt8](repeating: 0x22, count: 32))
    func withNVS(_ value: String) throws -> [UInt8] {
        var img = SampleImages.all().first { $0.name == "ota1-active.bin" }!.bytes
        let nvs = try NVSBuilder.generate(csv: "key,type,encoding,value\nsec,namespace,,\ntoken,data,string,\(value)\nn,data,u8,1\n",
                                          size: 0x4000, keys: keys) { _ in nil }
        img.replaceSubrange(0x9000..<0xD000, with: nvs)
        return img
    }
    try AtomicFile.write(try withNVS("one"), to: dir + "/a.bin", overwrite: true)
    try AtomicFile.write(try withNVS("two"), to: dir + "/b.bin", overwrite: true)
    try AtomicFile.write(keys.image(), to: dir + "/keys.bin", overwrite: true)
    try AtomicFile.write([UInt8](repeating: 0xFF, count: 4096), to: dir + "/erased-keys.bin", overwrite: true)

    let without = try FlashScopeBinary.run(["diff", "--json", dir + "/a.bin", dir + "/b.bin"])
    #expect(without.status == 1)
    let j0 = try #require(JSONParser.parse(without.stdout))
    #expect(j0["nvs"]?["parsed"] == .bool(false) && j0["nvs"]?["changed"] == .array([]))
    let with = try FlashScopeBinary.run(["diff", "--json", "--nvs-keys", dir + "/keys.bin", dir + "/a.bin", dir + "/b.bin"])
    #expect(with.status == 1, "\(with.stderr)")
    let j1 = try #require(JSONParser.parse(with.stdout))
    #expect(j1["nvs"]?["parsed"] == .bool(true))
    #expect(j1["nvs"]?["changed"] == .array([.string("sec/token")]))
    #expect(j1["nvs"]?["added"] == .array([]) && j1["nvs"]?["removed"] == .array([]))
    let text = try FlashScopeBinary.run(["diff", "--nvs-keys", dir + "/keys.bin", dir + "/a.bin", dir + "/b.bin"])
    #expect(text.stdout.contains("nvs: sec/token changed"), "\(text.stdout)")
    // Keys that are not keys, or no file: trouble (2), one line.
    for k in [dir + "/erased-keys.bin", dir + "/missing-keys.bin"] {
        let r = try FlashScopeBinary.run(["diff", "--nvs-keys", k, dir + "/a.bin", dir + "/b.bin"])
        #expect(r.status == 2 && r.stderr.hasPrefix("flashscope: error: ") && r.stdout.isEmpty, "\(k): \(r.status) \(r.stderr)")
    }

    // Flash encryption (ESP32-C3, XTS): otadata, table and bootloader encrypted; B boots the other slot.
    let key = AppImageBuilder.pattern(count: 32, seed: 77)
    func encrypted(seq: UInt32) -> [UInt8] {
        var f = FlashImageBuilder.twoOTA(chip: .esp32c3, flashSize: 0x80000, appSize: 0x20000)
        f.app("ota_0", AppImageBuilder.smallApp(chip: .esp32c3, project: "enc", version: "1.0.0"))
        f.app("ota_1", AppImageBuilder.smallApp(chip: .esp32c3, project: "enc", version: "2.0.0"))
        f.otadata(OTAEntry(seq: seq, state: OTAState.undefined), nil)
        var bytes = f.bytes()
        let bl = Chip.esp32c3.bootloaderOffset
        let blLen = AppImage.inspect(ByteArray(bytes), at: bl, isBootloader: true).image?.length ?? 0x1000
        let plain = bytes
        for r in [bl..<(bl + (blLen + 0xFFF) & ~0xFFF), 0x8000..<0x9000, 0xD000..<0xF000] {
            bytes.replaceSubrange(r, with: FlashEncryption.transform(Array(plain[r]), at: r.lowerBound, key: FlashEncryptionKey(key)!,
                                                                      scheme: .xts, decrypt: false)!)
        }
        return bytes
    }
    try AtomicFile.write(encrypted(seq: 1), to: dir + "/ea.bin", overwrite: true)
    try AtomicFile.write(encrypted(seq: 2), to: dir + "/eb.bin", overwrite: true)
    try AtomicFile.write(key, to: dir + "/flash.key", overwrite: true)
    let e = try FlashScopeBinary.run(["diff", "--json", "--flash-key", dir + "/flash.key", dir + "/ea.bin", dir + "/eb.bin"])
    #expect(e.status == 1, "\(e.stderr)")
    let je = try #require(JSONParser.parse(e.stdout))
    #expect(je["boot"]?["a"]?["loaded"] == .string("ota_0") && je["boot"]?["b"]?["loaded"] == .string("ota_1"))
    #expect(je["table_changed"] == .bool(false), "the same table, decrypted on both sides")
    guard case .array(let parts)? = je["partitions"] else { Issue.record("no partitions list"); return }
    let changed = parts.filter { $0["changed"] == .bool(true) }.map { $0["name"] }
    #expect(changed == [.string("otadata")])
    let bad = try FlashScopeBinary.run(["diff", "--flash-crypt-conf", "3", dir + "/ea.bin", dir + "/eb.bin"])
    #expect(bad.status == 2 && bad.stderr.hasPrefix("flashscope: error: "), "\(bad.status) \(bad.stderr)")
}
