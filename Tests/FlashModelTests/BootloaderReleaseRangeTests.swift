import FlashFormats
@testable import FlashModel

import Testing

/// A bootloader without `esp_bootloader_desc_t` (every real v4.4–v5.1 bootloader) is judged with every
/// run of releases it can be from. Test names follow the ESP-IDF function whose rule moves inside that range.

private func app(_ chip: Chip, efuse: (UInt16, UInt16) = (0, 0), seed: UInt8 = 3) -> [UInt8] {
    var b = AppImageBuilder.typicalApp(chip: chip, project: "range", version: "1.0", seed: seed)
    var desc = AppDescriptorBuilder(projectName: "range", version: "1.0", idfVersion: "v5.1.7", date: "d", time: "t")
    desc.minEfuseBlockRevision = efuse.0
    desc.maxEfuseBlockRevision = efuse.1
    b.segments[0].data.replaceSubrange(0..<AppDescriptor.size, with: desc.bytes())
    return b.bytes()
}

/// nvs + factory, the bootloader without a descriptor; `maxFull` as ESP-IDF v4.4.5+/v5.0.1+ writes it, or 0xFFFF.
private func noDescriptor(_ chip: Chip, maxFull: UInt16, factory: [UInt8]) -> FlashImageBuilder {
    var b = FlashImageBuilder(chip: chip, partitions: [
        PartitionEntry(name: "nvs", type: 1, subtype: 2, offset: 0x9000, size: 0x6000),
        PartitionEntry(name: "factory", type: 0, subtype: 0, offset: 0x10000, size: 0x100000),
    ])
    b.bootloaderIDF = nil
    b.bootloaderMaxChipRevisionFull = maxFull
    b.app("factory", factory)
    return b
}

private func analyze(_ b: FlashImageBuilder, _ options: AnalysisOptions = AnalysisOptions()) throws -> FlashLayout {
    try FlashLayout.analyze(ByteArray(b.bytes()), options: options)
}

@Test func checkEfuseBlkValidity_noBootloaderDescriptorDependsOnV517() throws {
    // A C3 bootloader as v4.4.5+/v5.0.1+/v5.1.x build it; the app needs eFuse block ≥ v2.0, the chip has v0.0.
    let b = noDescriptor(.esp32c3, maxFull: 199, factory: app(.esp32c3, efuse: (200, 199)))
    let options = AnalysisOptions(efuseBlockRevision: ChipRevision(0, 0))
    let l = try analyze(b, options)
    let spans = try #require(l.releases?.spans)
    #expect(spans.map(\.description) == ["v4.4.5–v4.4.8", "v5.0.1–v5.0.9", "v5.1–v5.1.6", "v5.1.7+"])
    #expect(l.rules.source == .noBootloaderDescriptor && l.rules.declared == nil && l.rules.version == IDFVersion(5, 1, 7))
    let boot = try #require(l.boot)
    #expect(boot.outcome == .unknown)
    let dep = try #require(boot.releaseDependence)
    #expect(dep.rules.map(\.rule) == [.efuseBlockRevisionCheck])
    #expect(dep.rules[0].words == "v5.1.7+ checks the eFuse block revision")
    #expect(dep.results.map { $0.spans.map(\.description) } == [["v5.1.7+"], ["v4.4.5–v4.4.8", "v5.0.1–v5.0.9", "v5.1–v5.1.6"]])
    #expect(dep.results.map(\.boot.outcome) == [.nothingLoads, .loads] && dep.results[1].boot.loaded == "factory")
    #expect(boot.outcomeSentence.hasPrefix("depends on the bootloader's release: v5.1.7+ checks the eFuse block revision"))
    let json = Report.json(l, file: "x").serialized(pretty: false)
    #expect(json.contains("\"outcome\":\"unknown\"") && json.contains("\"depends_on_release\":{"))
    #expect(json.contains("\"rule\":\"efuse_blk_revision_check\",\"function\":\"bootloader_common_check_efuse_blk_validity\""))
    #expect(json.contains("\"bootloader_releases\":[\"v4.4.5–v4.4.8\",\"v5.0.1–v5.0.9\",\"v5.1–v5.1.6\",\"v5.1.7+\"]"))
    let text = TextReport(colour: false).render(l, file: "x")
    #expect(text.contains("unknown: depends on the bootloader's release: v5.1.7+ checks the eFuse block revision"))
    // --bootloader-idf pins one release on each side of the boundary.
    let v516 = try analyze(b, AnalysisOptions(bootloaderIDF: IDFVersion(5, 1, 6), efuseBlockRevision: ChipRevision(0, 0)))
    #expect(v516.boot?.outcome == .loads && v516.boot?.releaseDependence == nil && v516.releases == nil)
    let v517 = try analyze(b, AnalysisOptions(bootloaderIDF: IDFVersion(5, 1, 7), efuseBlockRevision: ChipRevision(0, 0)))
    #expect(v517.boot?.outcome == .nothingLoads)
}

/// `bootOnly` (what `nvs` analyses with) does not judge the boot again with every release's rules: the
/// primary boot, and so the NVS rules, are the full analysis's.
@Test func bootOnlySkipsTheOtherReleases() throws {
    for efuse in [(UInt16(200), UInt16(199)), (0, 99)] {
        let b = noDescriptor(.esp32c3, maxFull: 199, factory: app(.esp32c3, efuse: efuse))
        var options = AnalysisOptions(efuseBlockRevision: ChipRevision(0, 0))
        let full = try analyze(b, options)
        options.bootOnly = true
        let boot = try analyze(b, options)
        #expect(full.releases != nil && boot.releases == nil && boot.boot?.releaseDependence == nil)
        #expect(boot.boot?.loaded == full.boot?.loaded && boot.rules.version == full.rules.version)
        #expect(NVSReading.rules(boot) == NVSReading.rules(full))
    }
}

@Test func checkEfuseBlkValidity_noBootloaderDescriptorSameVerdictIsStated() throws {
    // The window admits v0.0: every release in the range starts factory, so the verdict stands.
    let l = try analyze(noDescriptor(.esp32c3, maxFull: 199, factory: app(.esp32c3, efuse: (0, 99))),
                        AnalysisOptions(efuseBlockRevision: ChipRevision(0, 0)))
    #expect(l.boot?.outcome == .loads && l.boot?.loaded == "factory" && l.boot?.releaseDependence == nil)
    #expect(l.releases?.spans.count == 4 && l.releases?.dependence == nil)
    #expect(TextReport(colour: false).render(l, file: "x").contains("the same verdict for all"))
    // The ESP32 never checks the eFuse block window: no dependence even for an impossible one.
    let esp32 = try analyze(noDescriptor(.esp32, maxFull: 399, factory: app(.esp32, efuse: (200, 199))),
                            AnalysisOptions(efuseBlockRevision: ChipRevision(0, 0)))
    #expect(esp32.boot?.outcome == .loads && esp32.boot?.releaseDependence == nil)
}

@Test func checkChipValidity_revisionFieldsOfTheHeaderNarrowTheReleases() throws {
    // esptool_py/project_include.cmake passes --min/max-rev-full from v4.4.5 and v5.0.1: a header with
    // max_chip_rev_full set comes from those releases (full window check), one without from before
    // (legacy byte-14 check).
    let set = try analyze(noDescriptor(.esp32c3, maxFull: 199, factory: app(.esp32c3)))
    #expect(set.releases?.evidence.contains(.revisionFieldsSet(max: 199)) == true)
    #expect(set.releases?.spans.allSatisfy { BootloaderRules(assumed: $0.first, chip: .esp32c3).checksFullChipRevision } == true)
    let unset = try analyze(noDescriptor(.esp32c3, maxFull: 0xFFFF, factory: app(.esp32c3)))
    #expect(unset.releases?.evidence.contains(.revisionFieldsUnset) == true)
    #expect(unset.releases?.spans.map(\.description) == ["v4.4–v4.4.1", "v4.4.2–v4.4.4", "v5.0"])
    #expect(unset.rules.version == IDFVersion(5, 0) && unset.boot?.outcome == .loads)
    // ESP-IDF supports the C6 from v5.1: only v5.1.x remains.
    let c6 = try analyze(noDescriptor(.esp32c6, maxFull: 99, factory: app(.esp32c6)))
    #expect(c6.releases?.spans.map(\.description) == ["v5.1–v5.1.6", "v5.1.7+"])
    #expect(c6.releases?.evidence.contains(.chipSupported(.esp32c6, since: IDFVersion(5, 1))) == true)
}

@Test func updateFlashConfig_noBootloaderDescriptorS3SizeCode5DependsOnV442() throws {
    // ESP32-S3 bootloader header size code 5 (32 MB), no revision fields (before v4.4.5), a data row at
    // 3 MB: v4.4.0–v4.4.1 read code 5 as 2 MB and reject the table, v4.4.2+ read 32 MB.
    var b = noDescriptor(.esp32s3, maxFull: 0xFFFF, factory: app(.esp32s3))
    b.partitions.append(PartitionEntry(name: "edge", type: 1, subtype: 0x81, offset: 0x300000, size: 0x1000))
    b.bootloaderSizeCode = 5
    let l = try analyze(b)
    let dep = try #require(l.boot?.releaseDependence)
    #expect(l.boot?.outcome == .unknown)
    #expect(dep.rules.map(\.rule) == [.flashSizeCode])
    #expect(dep.results.first { $0.spans.map(\.description) == ["v4.4–v4.4.1"] }?.boot.outcome == .nothingLoads)
    #expect(dep.results.first { $0.spans.contains(ReleaseSpan(IDFVersion(4, 4, 2), IDFVersion(4, 4, 4))) }?.boot.loaded == "factory")
    #expect(try analyze(b, AnalysisOptions(bootloaderIDF: IDFVersion(4, 4, 1))).boot?.outcome == .nothingLoads)
    #expect(try analyze(b, AnalysisOptions(bootloaderIDF: IDFVersion(4, 4, 2))).boot?.outcome == .loads)
}
