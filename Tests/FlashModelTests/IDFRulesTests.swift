import FlashFormats
@testable import FlashModel

import Testing

/// Whole images built by the encoders, judged with each bootloader release's rules, and the app's view of
/// the table used by the OTA operations. Test names follow the ESP-IDF function whose rule they pin.

private func analyze(_ b: FlashImageBuilder, _ options: AnalysisOptions = AnalysisOptions()) throws -> FlashLayout {
    try FlashLayout.analyze(ByteArray(b.bytes()), options: options)
}

private func planner(_ bytes: [UInt8], _ options: AnalysisOptions = AnalysisOptions(), settings: OTASettings = OTASettings()) throws -> OTAPlanner {
    let doc = FlashDocument(bytes: bytes)
    return OTAPlanner(document: doc, layout: try FlashLayout.analyze(doc, digests: doc.digests, options: options), settings: settings)
}

private func espError(_ body: () throws -> Void) -> ESPError? {
    do { try body() } catch let e as OTAError { return e.error } catch { return nil }
    return nil
}

/// An app for `chip` whose descriptor carries `mmuLog2` and whose segment 0 is (or is not) the descriptor.
private func app(_ chip: Chip, mmuLog2: UInt8 = 16, minFull: UInt16 = 0, withDescriptor: Bool = true, seed: UInt8 = 3) -> [UInt8] {
    var b = AppImageBuilder.typicalApp(chip: chip, project: "rules", version: "1.0", seed: seed)
    var desc = AppDescriptorBuilder(projectName: "rules", version: "1.0", idfVersion: "v5.5.1", date: "d", time: "t")
    desc.mmuPageSizeLog2 = mmuLog2
    b.segments[0].data.replaceSubrange(0..<AppDescriptor.size, with: desc.bytes())
    if !withDescriptor { b.segments[0].data.replaceSubrange(0..<4, with: [0, 0, 0, 0]) }
    b.minChipRevisionFull = minFull
    return b.bytes()
}

private func factoryOnly(_ chip: Chip, factoryAt: UInt32 = 0x10000, size: UInt32 = 0x100000) -> FlashImageBuilder {
    FlashImageBuilder(chip: chip, partitions: [
        PartitionEntry(name: "nvs", type: 1, subtype: 2, offset: 0x9000, size: 0x6000),
        PartitionEntry(name: "factory", type: 0, subtype: 0, offset: factoryAt, size: size),
    ])
}

// MARK: esp_bootloader_desc_t → rules

@Test func rulesComeFromTheBootloaderDescriptorOrTheOption() throws {
    var b = FlashImageBuilder.twoOTA()
    b.bootloaderIDF = "v5.3.2"
    let l = try analyze(b)
    #expect(l.rules.source == .bootloaderDescriptor && l.rules.version == IDFVersion(5, 3, 2))
    let o = try analyze(b, AnalysisOptions(bootloaderIDF: IDFVersion(4, 4)))
    #expect(o.rules.source == .option && o.rules.version == IDFVersion(4, 4))
    b.bootloaderIDF = nil
    let old = try analyze(b)
    // No descriptor and no revision fields: v4.4.0–v4.4.4 or v5.0.0; the newest is applied, the others compared.
    #expect(old.rules.source == .noBootloaderDescriptor && old.rules.version == IDFVersion(5, 0) && old.rules.declared == nil)
    #expect(old.releases?.spans.count == 3 && old.boot?.releaseDependence == nil)
    let json = Report.json(l, file: "x")["rules"]?.serialized(pretty: false) ?? ""
    #expect(json.contains("\"bootloader_idf\":\"5.3.2\"") && json.contains("\"source\":\"bootloader_desc\""))
}

// MARK: update_flash_config + esp_partition_table_verify

@Test func updateFlashConfig_32MBHeaderMeans2MBToAV543Bootloader() throws {
    // ESP32 header size code 5 (32 MB); a partition from 2 MB to 3 MB.
    var b = FlashImageBuilder(chip: .esp32, flashSize: 4 << 20, partitions: [
        PartitionEntry(name: "factory", type: 0, subtype: 0, offset: 0x10000, size: 0x100000),
        PartitionEntry(name: "storage", type: 1, subtype: 0x81, offset: 0x200000, size: 0x100000),
    ])
    b.bootloaderSizeCode = 5
    b.app("factory", app(.esp32))
    b.bootloaderIDF = "v5.4.3"
    let old = try analyze(b)
    #expect(old.bootloaderFlashSize == 2 << 20 && old.table?.bootloaderAccepts == false && old.boot?.outcome == .nothingLoads)
    b.bootloaderIDF = "v5.4.4"
    let new = try analyze(b)
    #expect(new.bootloaderFlashSize == 32 << 20 && new.table?.bootloaderAccepts == true && new.boot?.loaded == "factory")
}

// MARK: verify_segment_header

@Test func verifySegmentHeader_c6AppPageFromItsDescriptorFromV54() throws {
    // The factory partition starts 32 KiB past a 64 KiB boundary: the IROM segment matches its load
    // address modulo 32 KiB only. The app says it was built for 32 KiB pages (log2 15).
    var b = factoryOnly(.esp32c6, factoryAt: 0x18000)
    b.app("factory", app(.esp32c6, mmuLog2: 15))
    b.bootloaderIDF = "v5.3.5"
    let v535 = try analyze(b)
    #expect(v535.app(named: "factory")?.verdict.failure.map { if case .invalid(let c, _, _) = $0 { c == .imageMMUMisaligned } else { false } } == true)
    b.bootloaderIDF = "v5.4.0"
    #expect(try analyze(b).app(named: "factory")?.verdict.bootable == true)
}

@Test func verifySegmentHeader_configurableChipsNeedTheDescriptorFromV54() throws {
    var b = factoryOnly(.esp32c6)
    b.app("factory", app(.esp32c6, withDescriptor: false))
    b.bootloaderIDF = "v5.3.5"
    #expect(try analyze(b).app(named: "factory")?.verdict.bootable == true)
    b.bootloaderIDF = "v5.4.0"
    #expect(try analyze(b).app(named: "factory")?.verdict.failure == .noAppDescriptor)
    // The ESP32-C3's page is fixed: no descriptor needed in any release.
    var c3 = factoryOnly(.esp32c3)
    c3.app("factory", app(.esp32c3, withDescriptor: false))
    c3.bootloaderIDF = "v6.0"
    #expect(try analyze(c3).app(named: "factory")?.verdict.bootable == true)
}

// MARK: image_load

@Test func imageLoad_s3PartitionOver16MiBFromV534() throws {
    var b = FlashImageBuilder(chip: .esp32s3, flashSize: 4 << 20, partitions: [
        PartitionEntry(name: "factory", type: 0, subtype: 0, offset: 0x10000, size: 0x100_1000),
    ])
    b.bootloaderSizeCode = 5
    b.app("factory", app(.esp32s3))
    b.bootloaderIDF = "v5.3.3"
    #expect(try analyze(b).app(named: "factory")?.verdict.failure == .partitionTooLarge(size: 0x100_1000, limit: 16 << 20))
    b.bootloaderIDF = "v5.3.4"
    let l = try analyze(b)
    #expect(l.app(named: "factory")?.verdict.bootable == true)
    // The file ends inside the partition, after the image: the image is whole, so it verifies.
    #expect(l.boot?.outcome == .loads)
}

// MARK: bootloader_common_check_chip_validity

@Test func checkChipValidity_needsAChipRevisionOrRunsOnNone() throws {
    var b = factoryOnly(.esp32)
    b.app("factory", app(.esp32, minFull: 300))
    let any = try analyze(b)
    let v = try #require(any.app(named: "factory")?.verdict)
    #expect(v.bootable && v.requirements.map(\.words) == ["needs chip ≥ v3.0"])
    let json = Report.json(any, file: "x").serialized(pretty: false)
    #expect(json.contains("\"revision_requirements\":[{\"kind\":\"chip\",\"min\":\"v3.0\""))
    let v1 = try analyze(b, AnalysisOptions(chipRevision: ChipRevision(1, 0)))
    #expect(v1.app(named: "factory")?.verdict.failure == .revisionOutsideWindow(
        kind: .chip, window: RevisionWindow(min: ChipRevision(3, 0), max: nil, familyMax: ChipRevision(full: 399)), actual: ChipRevision(1, 0)))
    #expect(v1.boot?.outcome == .nothingLoads)
    #expect(try analyze(b, AnalysisOptions(chipRevision: ChipRevision(3, 1))).app(named: "factory")?.verdict.requirements.isEmpty == true)
    var never = factoryOnly(.esp32)
    never.app("factory", app(.esp32, minFull: 400))
    #expect(try analyze(never).app(named: "factory")?.verdict.failure.map { if case .revisionImpossible = $0 { true } else { false } } == true)
}

// MARK: bootloader_utility_get_selected_boot_partition

@Test func getSelectedBootPartition_otadataAtOffsetZeroIsNoOtadata() throws {
    var b = FlashImageBuilder(chip: .esp32, partitions: [
        PartitionEntry(name: "otadata", type: 1, subtype: 0, offset: 0, size: 0x2000),
        PartitionEntry(name: "factory", type: 0, subtype: 0, offset: 0x10000, size: 0x100000),
        PartitionEntry(name: "ota_0", type: 0, subtype: 0x10, offset: 0x110000, size: 0x100000),
    ])
    b.app("factory", app(.esp32))
    b.app("ota_0", app(.esp32, seed: 9))
    let l = try analyze(b)
    #expect(l.boot?.choice == .noOTADataPartition && l.boot?.loaded == "factory")
    #expect(l.viewDifferences.contains(.otadataAtOffsetZero))
}

// MARK: load_partitions (the app's view) vs bootloader_utility_load_partition_table

@Test func loadPartitions_appStopsAtTheMD5Row() throws {
    // Rows: nvs, otadata, factory, ota_0, MD5 (over those), ota_1, phy, end. The app reads the first four;
    // the bootloader walks seven raw rows (the MD5 row as a row, ota_1) and drops phy.
    let parts = FlashImageBuilder.twoOTA().partitions
    let before = [parts[0], parts[1], parts[3], parts[4]]
    var table = PartitionTable.encode(before)
    let md5Row = Array(table[0x80..<0xA0])
    table.replaceSubrange(0x80..<0xA0, with: md5Row)
    table.replaceSubrange(0xA0..<0xC0, with: parts[5].bytes())
    table.replaceSubrange(0xC0..<0xE0, with: parts[2].bytes())
    var b = FlashImageBuilder.twoOTA()
    b.contents.append((0x8000, table))
    b.app("factory", app(.esp32))
    b.app("ota_1", app(.esp32, seed: 7))
    b.otadata(OTAEntry(seq: 2, state: OTAState.undefined), nil)
    let bytes = b.bytes()
    let l = try FlashLayout.analyze(ByteArray(bytes))
    #expect(l.table?.bootloaderAccepts == true)
    #expect(l.appView?.partitions.map(\.name) == ["nvs", "otadata", "factory", "ota_0"])
    #expect(l.viewDifferences.contains(.hiddenFromApp(["ota_1", "phy_init"])))
    #expect(l.viewDifferences.contains(.slotCountDiffers(app: 1, bootloader: 2)))
    // The bootloader boots ota_1; the app cannot even find it.
    #expect(l.boot?.loaded == "ota_1")
    #expect(espError { _ = try planner(bytes).setBoot("ota_1") } == .notFound)
    #expect(espError { _ = try planner(bytes).stage("ota_1", image: app(.esp32)) } == .notFound)
    let text = TextReport(colour: false).render(l, file: "x")
    #expect(text.contains("the app cannot see ota_1, phy_init: they lie after the MD5 row"))
}

@Test func loadPartitions_noMD5RowMeansNoPartitionsForTheApp() throws {
    var b = FlashImageBuilder.twoOTA()
    b.contents.append((0x8000, PartitionTable.encode(b.partitions, md5: false)))
    b.app("factory", app(.esp32))
    b.app("ota_0", app(.esp32, seed: 5))
    let bytes = b.bytes()
    let l = try FlashLayout.analyze(ByteArray(bytes))
    #expect(l.boot?.loaded == "factory" && l.viewDifferences == [.appCannotRead(.noMD5Row)])
    #expect(espError { _ = try planner(bytes).setBoot("ota_0") } == .notFound)
    // An app built with CONFIG_PARTITION_TABLE_MD5=n reads it.
    let plan = try planner(bytes, AnalysisOptions(appTableMD5: false)).setBoot("ota_0")
    #expect(plan.otadataChanges.first?.after?.seq == 1)
}

@Test func espPartitionFindFirst_appWritesTheFirstOtadataTheBootloaderReadsTheLast() throws {
    var parts = FlashImageBuilder.twoOTA().partitions
    parts.append(PartitionEntry(name: "otadata2", type: 1, subtype: 0, offset: 0x310000, size: 0x2000))
    var b = FlashImageBuilder(chip: .esp32, partitions: parts)
    b.app("factory", app(.esp32))
    b.app("ota_0", app(.esp32, seed: 5))
    let bytes = b.bytes()
    let l = try FlashLayout.analyze(ByteArray(bytes))
    #expect(l.otadataPartition?.name == "otadata2" && l.appView?.otadata?.name == "otadata")
    #expect(l.viewDifferences.contains(.otadataDiffers(app: "otadata", bootloader: "otadata2")))
    let plan = try planner(bytes).setBoot("ota_0")
    #expect(plan.otadataChanges.first?.offset == 0xD000)
}

// MARK: esp_ota_begin / esp_ota_write / esp_ota_end

@Test func espOtaBegin_imageLargerThanTheSlotFailsInTheErase() throws {
    let p = try planner(sample("fresh-two-ota.bin"))
    let huge = [UInt8](sample("app-2.1.0.bin")) + [UInt8](repeating: 0, count: 0x100000)
    #expect(espError { _ = try p.stage("ota_0", image: huge) } == .invalidSize)
    // A first byte that is not the magic: esp_ota_write.
    var notImage = sample("app-2.1.0.bin"); notImage[0] = 0xE8
    #expect(espError { _ = try p.stage("ota_0", image: notImage) } == .otaValidateFailed)
}

@Test func espOtaBegin_readonlySlotRefusedFromV52() throws {
    var parts = FlashImageBuilder.twoOTA().partitions
    parts[5].flags = partitionFlagReadonly
    var b = FlashImageBuilder(chip: .esp32, partitions: parts)
    b.app("factory", app(.esp32))
    let bytes = b.bytes()
    let image = sample("app-2.1.0.bin")
    #expect(espError { _ = try planner(bytes, settings: OTASettings(appIDF: IDFVersion(5, 2))).stage("ota_1", image: image) } == .notAllowed)
    #expect(try planner(bytes, settings: OTASettings(appIDF: IDFVersion(5, 1, 7))).stage("ota_1", image: image).steps.count == 2)
}

@Test func espOtaBegin_rollbackErasesTheInactiveSectorFromV55() throws {
    // ota_0 confirmed (seq 1), ota_1 runs (seq 2); staging into ota_0 with rollback on.
    var b = FlashImageBuilder.twoOTA()
    b.app("factory", app(.esp32))
    b.app("ota_0", app(.esp32, seed: 5))
    b.app("ota_1", app(.esp32, seed: 6))
    b.otadata(OTAEntry(seq: 1, state: OTAState.valid), OTAEntry(seq: 2, state: OTAState.valid))
    let bytes = b.bytes()
    let image = sample("app-2.1.0.bin")
    let v54 = try planner(bytes, AnalysisOptions(rollback: true), settings: OTASettings(rollback: true, appIDF: IDFVersion(5, 4, 4))).stage("ota_0", image: image)
    #expect(v54.otadataChanges.isEmpty)
    let v55 = try planner(bytes, AnalysisOptions(rollback: true), settings: OTASettings(rollback: true, appIDF: IDFVersion(5, 5))).stage("ota_0", image: image)
    #expect(v55.otadataChanges.map(\.sector) == [0] && v55.otadataChanges.first?.after == nil)
}

/// info, stage and set-boot judge an image with one function and the same inputs.
@Test func espOtaEnd_andSetBootJudgeAsInfoDoes() throws {
    var b = factoryOnly(.esp32c6, factoryAt: 0x20000)
    b.partitions += [PartitionEntry(name: "otadata", type: 1, subtype: 0, offset: 0xF000, size: 0x2000),
                     PartitionEntry(name: "ota_0", type: 0, subtype: 0x10, offset: 0x128000, size: 0x100000)]
    b.app("factory", app(.esp32c6))
    let image = app(.esp32c6, mmuLog2: 15, seed: 4)   // fits ota_0 (32 KiB past a 64 KiB boundary) only with 32 KiB pages
    b.bootloaderIDF = "v5.3.5"
    let bytes = b.bytes()
    let p = try planner(bytes)
    #expect(espError { _ = try p.stage("ota_0", image: image) } == .otaValidateFailed)
    let forced = try p.stage("ota_0", image: image, force: true)
    try p.document.apply(forced)
    let after = try FlashLayout.analyze(p.document, digests: p.document.digests)
    #expect(after.app(named: "ota_0")?.verdict.bootable == false)
    #expect(espError { _ = try OTAPlanner(document: p.document, layout: after, settings: OTASettings()).setBoot("ota_0") } == .otaValidateFailed)
    // A v5.4 bootloader reads the page from the descriptor: all three accept.
    b.bootloaderIDF = "v5.4.0"
    let p54 = try planner(b.bytes())
    let plan = try p54.stage("ota_0", image: image)
    try p54.document.apply(plan)
    let l54 = try FlashLayout.analyze(p54.document, digests: p54.document.digests)
    #expect(l54.app(named: "ota_0")?.verdict.bootable == true)
    #expect(try OTAPlanner(document: p54.document, layout: l54, settings: OTASettings()).setBoot("ota_0").steps.count == 2)
}

// MARK: bootloader_check_bootloader_validity

@Test func checkBootloaderValidity_theBootloaderChecksItsOwnMinimumRevision() throws {
    var b = factoryOnly(.esp32)
    b.app("factory", app(.esp32))
    var bytes = b.bytes()
    bytes[0x1000 + 15] = 0x2C; bytes[0x1000 + 16] = 0x01   // min_chip_rev_full = 300 (v3.0)
    let any = try FlashLayout.analyze(ByteArray(bytes))
    #expect(any.bootloaderRequirement?.words == "needs chip ≥ v3.0" && any.boot?.loaded == "factory")
    let v1 = try FlashLayout.analyze(ByteArray(bytes), options: AnalysisOptions(chipRevision: ChipRevision(1, 0)))
    #expect(v1.boot?.choice == .bootloaderRefusesChip(
        window: RevisionWindow(min: ChipRevision(3, 0), max: nil, familyMax: ChipRevision(full: 399)), actual: ChipRevision(1, 0)))
    #expect(v1.boot?.outcome == .nothingLoads && v1.boot?.selected == nil)
}

// MARK: unpack_load_app

@Test func unpackLoadApp_sharedMMUChipsNeedTwoMappedSegmentsFromV51() throws {
    // factory: one flash-mapped segment (DROM only); ota_0 a full app. otadata erased → factory first.
    var b = FlashImageBuilder.twoOTA(chip: .esp32c6)
    b.app("factory", AppImageBuilder.smallApp(chip: .esp32c6, project: "one", version: "1"))
    b.app("ota_0", app(.esp32c6, seed: 8))
    b.bootloaderIDF = "v5.0.9"
    let v50 = try analyze(b)
    #expect(v50.boot?.loaded == "factory" && v50.boot?.outcome == .loads)
    b.bootloaderIDF = "v5.1"
    let v51 = try analyze(b)
    // It verifies, then the bootloader asserts while mapping it: no fallback to ota_0, a boot loop.
    #expect(v51.app(named: "factory")?.verdict.failure == .mappedSegmentCount(1))
    #expect(v51.boot?.attempts.map(\.partition) == ["factory"] && v51.boot?.loaded == nil && v51.boot?.outcome == .nothingLoads)
    // ESP-IDF's esp_ota_set_boot_partition still accepts it (its esp_image_verify passes).
    let plan = try planner(b.bytes()).setBoot("factory")
    #expect(plan.notes.contains { $0.contains("needs exactly 2") })
    // The same layout on an ESP32-C3 starts.
    var c3 = FlashImageBuilder.twoOTA(chip: .esp32c3)
    c3.app("factory", AppImageBuilder.smallApp(chip: .esp32c3, project: "one", version: "1"))
    #expect(try analyze(c3).boot?.loaded == "factory")
}

// MARK: esp_partition_table_verify / bootloader_utility_load_partition_table on odd table shapes

/// std rows of the oracle fixtures: nvs, otadata, phy, factory, ota_0, ota_1.
private func stdRows() -> [PartitionEntry] {
    [PartitionEntry(name: "nvs", type: 1, subtype: 2, offset: 0x9000, size: 0x4000),
     PartitionEntry(name: "otadata", type: 1, subtype: 0, offset: 0xD000, size: 0x2000),
     PartitionEntry(name: "phy_init", type: 1, subtype: 1, offset: 0xF000, size: 0x1000),
     PartitionEntry(name: "factory", type: 0, subtype: 0, offset: 0x10000, size: 0x100000),
     PartitionEntry(name: "ota_0", type: 0, subtype: 0x10, offset: 0x110000, size: 0x100000),
     PartitionEntry(name: "ota_1", type: 0, subtype: 0x11, offset: 0x210000, size: 0x100000)]
}

private func stdImage(_ chip: Chip, idf: String, table: [UInt8], seq: UInt32?) -> FlashImageBuilder {
    var b = FlashImageBuilder(chip: chip, partitions: stdRows())
    b.bootloaderIDF = idf
    b.contents.append((0x8000, table))
    b.app("factory", app(chip))
    b.app("ota_0", app(chip, seed: 5))
    b.app("ota_1", app(chip, seed: 7))
    if let seq { b.otadata(OTAEntry(seq: seq, state: OTAState.valid), nil) }
    return b
}

@Test func bootloaderUtilityLoadPartitionTable_md5RowAsRowZeroIsWalkedAsARow() throws {
    // MD5 of no rows, then the six rows: accepted; the bootloader walks raw rows 0…5 (MD5 row skipped as
    // type 0xFF), never sees ota_1, so one OTA slot: seq 2 → slot 0.
    var table = PartitionTable.encode([])
    table.replaceSubrange(0x20..<0x20 + 6 * 0x20, with: stdRows().flatMap { $0.bytes() })
    let l = try analyze(stdImage(.esp32c3, idf: "v5.5.1", table: table, seq: 2))
    #expect(l.kind == .flashImage && l.table?.offset == 0x8000 && l.table?.bootloaderAccepts == true)
    #expect(l.table?.bootloaderEntries.map(\.name) == ["nvs", "otadata", "phy_init", "factory", "ota_0"])
    #expect(l.boot?.loaded == "ota_0" && l.boot?.selectedIndex == 0)
    // Only the MD5 row and the end marker: accepted, no partitions, nothing to boot.
    let only = try analyze(stdImage(.esp32c3, idf: "v4.4.8", table: PartitionTable.encode([]), seq: nil))
    #expect(only.kind == .flashImage && only.table?.bootloaderAccepts == true && only.table?.entries.isEmpty == true)
    #expect(only.boot?.outcome == .nothingLoads)
}

@Test func bootloaderUtilityLoadPartitionTable_midTableMD5RowIsWalkedByItsBytes() throws {
    // nvs, otadata, phy, factory, ota_0, MD5 row with bytes 2–15 = TT SS 0…, ota_1, end.
    func image(type: UInt8, subtype: UInt8, seq: UInt32?) throws -> FlashLayout {
        let rows = stdRows()
        let pre = rows[0..<5].flatMap { $0.bytes() }
        var md5: [UInt8] = [0xEB, 0xEB, type, subtype] + [UInt8](repeating: 0, count: 12) + Checksums.md5(pre)
        md5 = Array(md5.prefix(32))
        var table = pre + md5 + rows[5].bytes()
        table += [UInt8](repeating: 0xFF, count: partitionTableMaxLength - table.count)
        return try analyze(stdImage(.esp32c3, idf: "v5.5.1", table: table, seq: seq))
    }
    // Walked as a factory at offset 0, size 0: no factory → slot 0 (ota_0).
    let asFactory = try image(type: 0, subtype: 0, seq: nil)
    #expect(asFactory.table?.bootloaderAccepts == true)
    #expect(asFactory.boot?.loaded == "ota_0" && asFactory.boot?.selectedIndex == 0)
    // Walked as a second ota_0 {0, 0}: both slots empty → factory.
    for seq: UInt32 in [1, 2] {
        #expect(try image(type: 0, subtype: 0x10, seq: seq).boot?.loaded == "factory")
    }
    // Walked as data/ota at offset 0 (last wins): no otadata → factory.
    #expect(try image(type: 1, subtype: 0, seq: 1).boot?.loaded == "factory")
    // gen_esp32part's 0xFF padding: type 0xFF, skipped; ota_1 still dropped.
    let padded = try image(type: 0xFF, subtype: 0xFF, seq: 1)
    #expect(padded.table?.bootloaderEntries.map(\.name) == ["nvs", "otadata", "phy_init", "factory", "ota_0"])
}

@Test func espPartitionTableVerify_emptyTableAcceptedBeforeV55() throws {
    for chip in [Chip.esp32, .esp32c3] {
        let old = try analyze(stdImage(chip, idf: "v4.4.8", table: [UInt8](repeating: 0xFF, count: 0xC00), seq: nil))
        #expect(old.kind == .flashImage && old.table?.bootloaderAccepts == true && old.table?.entries.isEmpty == true)
        #expect(old.boot?.outcome == .nothingLoads)
        let v54 = try analyze(stdImage(chip, idf: "v5.4.4", table: [UInt8](repeating: 0xFF, count: 0xC00), seq: nil))
        #expect(v54.table?.bootloaderAccepts == true)
        let new = try analyze(stdImage(chip, idf: "v5.5.1", table: [UInt8](repeating: 0xFF, count: 0xC00), seq: nil))
        #expect(new.kind == .flashImage && new.table?.bootloaderAccepts == false && new.boot?.outcome == .nothingLoads)
    }
}

@Test func bootloaderCommonReadOtadata_esp32OtadataLargerThanTheMmapWindowResets() throws {
    func image(otadataSize: UInt32) throws -> FlashLayout {
        var b = FlashImageBuilder(chip: .esp32, flashSize: 8 << 20, partitions: [
            PartitionEntry(name: "nvs", type: 1, subtype: 2, offset: 0x9000, size: 0x4000),
            PartitionEntry(name: "factory", type: 0, subtype: 0, offset: 0x10000, size: 0x70000),
            PartitionEntry(name: "ota_0", type: 0, subtype: 0x10, offset: 0x80000, size: 0x100000),
            PartitionEntry(name: "otadata", type: 1, subtype: 0, offset: 0x180000, size: otadataSize),
        ])
        b.app("factory", app(.esp32))
        b.app("ota_0", app(.esp32, seed: 5))
        b.otadata(OTAEntry(seq: 1, state: OTAState.valid), nil)
        return try analyze(b)
    }
    let fits = try image(otadataSize: 0x320000)
    #expect(fits.boot?.loaded == "ota_0", "\(String(describing: fits.boot?.choice)) \(String(describing: fits.boot?.loaded))")
    let big = try image(otadataSize: 0x321000)
    #expect(big.boot?.choice == .otadataTooLarge(size: 0x321000, limit: 0x320000) && big.boot?.outcome == .nothingLoads)
}

@Test func checkBootloaderValidity_aGivenRevisionIsJudgedAsGivenEvenOutsideTheFamily() throws {
    // C3 bootloader needing v3.1 (beyond the family's known revisions), chip given as v3.1: min ≤ rev passes.
    var b = factoryOnly(.esp32c3)
    b.app("factory", app(.esp32c3))
    var bytes = b.bytes()
    bytes[15] = 0x2D; bytes[16] = 0x01   // min_chip_rev_full = 301
    let v31 = try FlashLayout.analyze(ByteArray(bytes), options: AnalysisOptions(chipRevision: ChipRevision(3, 1)))
    #expect(v31.boot?.loaded == "factory")
    let v11 = try FlashLayout.analyze(ByteArray(bytes), options: AnalysisOptions(chipRevision: ChipRevision(1, 1)))
    #expect(v11.boot?.outcome == .nothingLoads)
    // No revision given: no C3 meets it.
    #expect(try FlashLayout.analyze(ByteArray(bytes)).boot?.outcome == .nothingLoads)
}

// MARK: bootloader_utility_load_boot_image

@Test func bootloaderUtilityLoadBootImage_noAppPartitionsIsItsOwnErrorUpToV544() throws {
    // Empty table: v4.4.8 … v5.4.4 accept it; get_selected_boot_partition returns the factory index (no
    // otadata, silently), then load_boot_image finds nothing to try: "No bootable app partitions in the
    // partition table" and a reset. v5.5+ rejects the table first.
    let empty = [UInt8](repeating: 0xFF, count: 0xC00)
    for idf in ["v4.4.8", "v5.4.4"] {
        let l = try analyze(stdImage(.esp32c3, idf: idf, table: empty, seq: nil))
        let boot = try #require(l.boot)
        #expect(boot.choice == .noAppPartitions && boot.outcome == .nothingLoads && boot.attempts.isEmpty, "\(idf)")
        #expect(boot.reason == "No bootable app partitions in the partition table: the bootloader resets")
        let json = Report.json(l, file: "x")["boot"]?.serialized(pretty: false) ?? ""
        #expect(json.contains("\"choice\":\"no_app_partitions\""))
    }
    #expect(try analyze(stdImage(.esp32c3, idf: "v5.5.1", table: empty, seq: nil)).boot?.choice.kind == "table_rejected")
    // otadata present, no app row at all: "No factory image, trying OTA 0" names nothing either.
    var b = FlashImageBuilder(chip: .esp32c3, partitions: Array(stdRows()[0..<3]))
    b.bootloaderIDF = "v5.1.7"
    #expect(try analyze(b).boot?.choice == .noAppPartitions)
    // A factory row of size 0 is skipped as well (try_load_partition: zero-length partition).
    var zero = FlashImageBuilder(chip: .esp32c3, partitions: [PartitionEntry(name: "factory", type: 0, subtype: 0, offset: 0x10000, size: 0)])
    zero.bootloaderIDF = "v6.0.2"
    #expect(try analyze(zero).boot?.choice == .noAppPartitions)
}

// MARK: esp_ota_get_app_partition_count

@Test func espOtaGetAppPartitionCount_sixteenSlotsAndATestRowAssert() throws {
    // ota_0 … ota_15, then a test row: the count loop's 17th lookup (subtype 0x10 + 16 = 0x20) finds the
    // test partition and assert(ota_app_count < 16) aborts the app, in every release v4.4.8 … v6.0.2.
    func image(test: Bool) -> [UInt8] {
        var rows = [PartitionEntry(name: "otadata", type: 1, subtype: 0, offset: 0xD000, size: 0x2000)]
        for k in 0..<16 { rows.append(PartitionEntry(name: "ota_\(k)", type: 0, subtype: UInt8(0x10 + k), offset: UInt32(0x10000 + k * 0x10000), size: 0x10000)) }
        if test { rows.append(PartitionEntry(name: "test", type: 0, subtype: 0x20, offset: 0x110000, size: 0x10000)) }
        var b = FlashImageBuilder(chip: .esp32, flashSize: 2 << 20, partitions: rows)
        b.otadata(OTAEntry(seq: 1, state: OTAState.valid), nil)
        return b.bytes()
    }
    let withTest = try planner(image(test: true))
    #expect(withTest.layout.appSlots.count == AppOTASlots.maximum && withTest.layout.appSlots.countAssertsOn == "test")
    #expect(espError { _ = try withTest.setBoot("ota_3", skipValidate: true) } == .deviceAborts)
    #expect(espError { _ = try withTest.markValid() } == .deviceAborts)
    // factory/test targets never count the slots: esp_ota_set_boot_partition(factory) only erases otadata.
    let plain = try planner(image(test: false))
    #expect(plain.layout.appSlots.countAssertsOn == nil)
    let plan = try plain.setBoot("ota_15", skipValidate: true)
    // seq 1 selects slot 0; slot 15 of 16: the smallest 16 + 16·i ≥ 1 is 16.
    #expect(plan.otadataChanges.first?.after?.seq == 16 && plan.otadataChanges.first?.sector == 1)
    let json = Report.json(withTest.layout, file: "x")["app_view"]?.serialized(pretty: false) ?? ""
    #expect(json.contains("\"slot_count_asserts_on\":\"test\""))
}
