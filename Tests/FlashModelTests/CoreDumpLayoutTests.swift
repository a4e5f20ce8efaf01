import Testing
import FlashFormats
@testable import FlashModel

/// Which app crashed: the dump's stored ELF SHA-256 prefix against every app image in the flash.

func imageWithDump(_ dump: [UInt8], ota0SHA: [UInt8], ota1SHA: [UInt8]) throws -> FlashLayout {
    let fb = FlashImageBuilder.withCoreDump(dump, apps: [("ota_0", ota0SHA), ("ota_1", ota1SHA)])
    return try analyze(FlashDocument(ByteArray(fb.bytes())))
}

let crashedSHA = FlashImageBuilder.sampleCrashedELFSHA256
let otherSHA: [UInt8] = [0x33, 0xCE, 0x37, 0x52] + [UInt8](repeating: 0x22, count: 28)

@Test func crashedAppIsTheSlotWhoseELFSHAMatches() throws {
    let l = try imageWithDump(CoreDumpBuilder.esp32Sample().partition(), ota0SHA: otherSHA, ota1SHA: crashedSHA)
    let f = try #require(l.coreDump)
    #expect(f.partition == "coredump" && f.offset == 0x310000)
    #expect(f.crashedApp == "ota_1" && f.matchingApps == ["ota_1"])
    #expect(f.sentence == "ota_1 crashed: StoreProhibited at 0x4008110d in task main, 9 frames")
    let j = Report.json(l, file: "x")
    let cd = try #require(j["coredump"])
    #expect(cd["crashed_app"] == .string("ota_1") && cd["state"] == .string("written") && cd["checksum_ok"] == .bool(true))
    #expect(cd["exception_cause"] == .int(29) && cd["task"] == .string("main") && cd["pc"] == .int(0x4008_110D))
    #expect(cd["panic_reason"] == .string("abort() was called at PC 0x400d66b9 on core 0"))
    // partitions[].content for every row.
    guard case .array(let parts)? = j["partitions"] else { Issue.record("no partitions"); return }
    let contents = parts.map { $0["content"] }
    #expect(contents == [.string("erased"), .string("erased"), .string("erased"), .string("erased"), .string("app_image"),
                         .string("app_image"), .string("coredump")])
    // The full contract.
    let full = Report.coreDumpJSON(f)
    #expect(full["crashed_app"] == .string("ota_1") && full["version"] == .int(258) && full["format"] == .string("elf"))
    #expect(full["chip"] == .string("ESP32") && full["app_elf_sha256"] == .string("1b43c5e74"))
    #expect(full["crashed_task"]?["backtrace"] == .array(sampleBacktraceJSON))
    #expect(full["exception"]?["cause_name"] == .string("StoreProhibited"))
}

let sampleBacktraceJSON: [JSON] = [0x4008_110D, 0x4008_510C, 0x4008_A6F0, 0x400D_66BC, 0x4000_7C78, 0x4000_814B,
                                   0x400D_66D4, 0x400E_40A3, 0x4008_5910].map { JSON.int($0) }

@Test func noMatchAndSeveralMatches() throws {
    let none = try imageWithDump(CoreDumpBuilder.esp32Sample().partition(), ota0SHA: otherSHA, ota1SHA: otherSHA)
    #expect(none.coreDump?.crashedApp == nil && none.coreDump?.matchingApps == [])
    #expect(none.coreDump?.sentence.hasPrefix("an app not in this image crashed") == true)
    let both = try imageWithDump(CoreDumpBuilder.esp32Sample().partition(), ota0SHA: crashedSHA, ota1SHA: crashedSHA)
    #expect(both.coreDump?.crashedApp == nil && both.coreDump?.matchingApps == ["ota_0", "ota_1"])
    // The binary format stores no SHA: no app can be named.
    let bin = try imageWithDump(CoreDumpBuilder.esp32Sample(format: 0x0003).partition(), ota0SHA: crashedSHA, ota1SHA: otherSHA)
    #expect(bin.coreDump?.crashedApp == nil && bin.coreDump?.dump.appELFSHA256 == nil)
}

@Test func emptyAndClearedPartitions() throws {
    let empty = try imageWithDump([UInt8](repeating: 0xFF, count: 0x10000), ota0SHA: otherSHA, ota1SHA: otherSHA)
    #expect(empty.coreDump?.dump.state == .empty)
    #expect(Report.json(empty, file: "x")["coredump"]?["state"] == .string("empty"))
    var cleared = [UInt8](repeating: 0xFF, count: 0x10000)
    for i in 4..<16 { cleared[i] = 0 }
    let c = try imageWithDump(cleared, ota0SHA: otherSHA, ota1SHA: otherSHA)
    #expect(c.coreDump?.dump.state == .cleared)
    #expect(Report.json(c, file: "x")["partitions"].map { j -> Bool in
        if case .array(let a) = j { return a.last?["content"] == .string("coredump") } else { return false } } == true)
}

@Test func imageWithoutCoredumpPartitionHasNullSummary() throws {
    let l = try analyze(FlashDocument(ByteArray(FlashImageBuilder.twoOTA().bytes())))
    #expect(l.coreDump == nil)
    #expect(Report.json(l, file: "x")["coredump"] == .null)
}

/// `bootOnly` (what `nvs` analyses with): the same table, otadata, apps and boot as the full analysis,
/// and no more (the core dump and partition contents are not looked at).
@Test func bootOnlyAnalysisStopsAfterTheBoot() throws {
    let fb = FlashImageBuilder.withCoreDump(CoreDumpBuilder.esp32Sample().partition(), apps: [("ota_0", otherSHA), ("ota_1", crashedSHA)])
    let bytes = ByteArray(fb.bytes())
    var options = AnalysisOptions()
    let full = try FlashLayout.analyze(bytes, options: options)
    options.bootOnly = true
    let boot = try FlashLayout.analyze(bytes, options: options)
    #expect(full.coreDump != nil && !full.contents.isEmpty)
    #expect(boot.coreDump == nil && boot.contents.isEmpty)
    #expect(boot.boot?.loaded == full.boot?.loaded && boot.boot?.loaded != nil)
    #expect(boot.partitions.map(\.name) == full.partitions.map(\.name) && boot.apps.map(\.verdict) == full.apps.map(\.verdict))
    #expect(NVSReading.rules(boot) == NVSReading.rules(full))
}
