#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import FlashFormats
import FlashModel
import TestSupport

private func write(_ path: String, _ bytes: [UInt8]) throws { try AtomicFile.write(bytes, to: path, overwrite: true) }
private func read(_ path: String) throws -> [UInt8] { let f = try MappedFile(path: path); return f.bytes(0..<f.count) }

/// Issue 3's end-to-end story through the real binary: stage a sample app into ota_0, commit, save;
/// the saved file boots ota_0 with a valid image, the input is untouched, and only the reported
/// regions differ.
@Test func stageCommitSaveStory() throws {
    let dir = FlashScopeBinary.tempDirectory()
    defer { _ = system("rm -rf '\(dir)'") }
    let samples = SampleImages.all()
    let input = dir + "/device.bin", app = dir + "/app.bin", out = dir + "/new.bin"
    try write(input, samples.first { $0.name == "fresh-two-ota.bin" }!.bytes)
    try write(app, samples.first { $0.name == "app-2.1.0.bin" }!.bytes)
    let inputDigest = Checksums.sha256(try read(input))

    let r = try FlashScopeBinary.run(["stage", input, "--slot", "ota_0", "--app", app, "--commit", "-o", out, "--json"])
    #expect(r.status == 0, "\(r.stderr)")
    let report = try #require(JSONParser.parse(r.stdout))
    #expect(report["boot_after"]?["loaded"] == .string("ota_0"))
    guard case .array(let ranges)? = report["saved"]?["changed_ranges"] else { Issue.record("no ranges"); return }
    let changed: [Range<Int>] = ranges.compactMap {
        if case .array(let p) = $0, case .int(let lo) = p[0], case .int(let hi) = p[1] { return lo..<hi }
        return nil
    }
    #expect(changed.count == 2)

    let info = try FlashScopeBinary.run(["info", "--json", out])
    let j = try #require(JSONParser.parse(info.stdout))
    #expect(j["boot"]?["selected"] == .string("ota_0") && j["boot"]?["loaded"] == .string("ota_0"))
    guard case .array(let apps)? = j["apps"] else { Issue.record("no apps"); return }
    let ota0 = apps.first { $0["partition"] == .string("ota_0") }
    #expect(ota0?["checksum_valid"] == .bool(true) && ota0?["hash_valid"] == .bool(true) && ota0?["version"] == .string("2.1.0"))

    #expect(Checksums.sha256(try read(input)) == inputDigest, "the input must not change")
    let before = try read(input), after = try read(out)
    #expect(before.count == after.count)
    let differing = (0..<after.count).filter { before[$0] != after[$0] }
    #expect(!differing.isEmpty && differing.allSatisfy { o in changed.contains { $0.contains(o) } })
    // The region files hold exactly the saved bytes of each region.
    for rg in changed {
        let piece = try read(out + ".0x" + String(rg.lowerBound, radix: 16) + ".bin")
        #expect(piece == Array(after[rg]))
    }
}

@Test func dryRunWritesNothingAndPrintsTheEntries() throws {
    let dir = FlashScopeBinary.tempDirectory()
    defer { _ = system("rm -rf '\(dir)'") }
    let input = dir + "/device.bin"
    try write(input, SampleImages.all().first { $0.name == "ota1-active.bin" }!.bytes)
    let r = try FlashScopeBinary.run(["set-boot", input, "--slot", "ota_0", "--dry-run"])
    #expect(r.status == 0)
    #expect(r.stdout.contains("otadata sector 1 @0xe000"))
    #expect(r.stdout.contains("after  03000000ffffffffffffffffffffffffffffffffffffffffffffffff11504aed  seq 3 · state UNDEFINED · crc ed4a5011"))
    #expect(r.stdout.contains("if power fails after erasing otadata sector 1, before the write: boots ota_1"))
    #expect(r.stdout.contains("dry run: nothing written"))
    let listing = try FlashScopeBinary.run(["info", "--json", input])
    #expect(JSONParser.parse(listing.stdout)?["boot"]?["loaded"] == .string("ota_1"))
}

@Test func refusedOperationsExitOneWithESPIDFsReason() throws {
    let dir = FlashScopeBinary.tempDirectory()
    defer { _ = system("rm -rf '\(dir)'") }
    let input = dir + "/device.bin"
    try write(input, SampleImages.all().first { $0.name == "fresh-two-ota.bin" }!.bytes)
    let r = try FlashScopeBinary.run(["mark", input, "--invalid", "-o", dir + "/x.bin"])
    #expect(r.status == 1)
    #expect(r.stderr == "flashscope: error: ESP_FAIL: Running firmware is factory (no valid otadata entry)\n")
    let e = try FlashScopeBinary.run(["set-boot", input, "--slot", "ota_1", "-o", dir + "/x.bin"])
    #expect(e.status == 1 && e.stderr.contains("ESP_ERR_OTA_VALIDATE_FAILED"))
    #expect(access(dir + "/x.bin", F_OK) != 0)
}

@Test func bootSimulationTellsTheRollbackStory() throws {
    let dir = FlashScopeBinary.tempDirectory()
    defer { _ = system("rm -rf '\(dir)'") }
    let input = dir + "/device.bin", staged = dir + "/staged.bin", app = dir + "/app.bin"
    try write(input, SampleImages.all().first { $0.name == "ota1-active.bin" }!.bytes)
    try write(app, SampleImages.all().first { $0.name == "app-2.1.0.bin" }!.bytes)
    #expect(try FlashScopeBinary.run(["stage", input, "--slot", "ota_0", "--app", app, "--commit", "--rollback", "-o", staged]).status == 0)
    let r = try FlashScopeBinary.run(["boot", staged, "--rollback", "--boots", "3", "--json"])
    guard case .array(let boots)? = JSONParser.parse(r.stdout)?["boots"] else { Issue.record("no boots: \(r.stderr)"); return }
    #expect(boots.map { $0["loaded"] } == [.string("ota_0"), .string("ota_1"), .string("ota_1")])
    #expect(boots[0]["writes"].map { "\($0)" }?.contains("PENDING_VERIFY") == true)
    let kept = try FlashScopeBinary.run(["boot", staged, "--rollback", "--boots", "3", "--app-confirms", "--json"])
    guard case .array(let ok)? = JSONParser.parse(kept.stdout)?["boots"] else { Issue.record("no boots"); return }
    #expect(ok.map { $0["loaded"] } == [.string("ota_0"), .string("ota_0"), .string("ota_0")])
}
