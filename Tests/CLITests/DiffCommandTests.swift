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
