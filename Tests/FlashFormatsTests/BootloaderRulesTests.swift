import Testing
@testable import FlashFormats

/// Each version-dependent bootloader rule, one test per boundary (the last release without the change
/// and the first with it). Sources: docs/esp-idf-rules.md.
private func rules(_ v: String, _ chip: Chip) -> BootloaderRules {
    BootloaderRules(version: IDFVersion(parsing: v)!, source: .option, chip: chip)
}

@Test func idfVersionsParseLikeTheirTags() {
    #expect(IDFVersion(parsing: "v5.1.2") == IDFVersion(5, 1, 2))
    #expect(IDFVersion(parsing: "5.1") == IDFVersion(5, 1, 0))
    #expect(IDFVersion(parsing: "v6.1-beta1") == IDFVersion(6, 1))
    #expect(IDFVersion(parsing: "v5.2-dev-2934-g3f1c6b0e2c-dirty") == IDFVersion(5, 2))
    for bad in ["", "v", "5", "five", "v5.x", "5.1.2.3", "v5.1a", "99999.1"] { #expect(IDFVersion(parsing: bad) == nil, "\(bad)") }
    #expect(IDFVersion(5, 4, 4) < IDFVersion(5, 5) && IDFVersion(5, 5) < IDFVersion(5, 5, 2))
    #expect(ChipRevision(parsing: "v3.1")?.full == 301 && ChipRevision(parsing: "1")?.full == 100)
    #expect(ChipRevision(parsing: "v3.100") == nil && ChipRevision(parsing: "v-1") == nil)
}

// MARK: update_flash_config

@Test func updateFlashConfig_unknownCodesAreTwoMegabytesInEveryRelease() {
    for v in ["4.4", "5.0", "5.4.4", "6.0", "6.1"] {
        for chip in [Chip.esp32, .esp32s3, .esp32c3, .esp32p4] {
            for code: UInt8 in 8...15 { #expect(rules(v, chip).flashSize(code: code) == 2 << 20) }
            #expect(rules(v, chip).flashSize(code: 4) == 16 << 20)
        }
    }
}

@Test func updateFlashConfig_esp32LargeCodesArriveIn544And552() {
    #expect(rules("5.4.3", .esp32).flashSize(code: 5) == 2 << 20)
    #expect(rules("5.4.4", .esp32).flashSize(code: 5) == 32 << 20)
    #expect(rules("5.5.1", .esp32).flashSize(code: 7) == 2 << 20)
    #expect(rules("5.5.2", .esp32).flashSize(code: 7) == 128 << 20)
    #expect(rules("6.0", .esp32c3).flashSize(code: 6) == 64 << 20)
}

@Test func updateFlashConfig_s3FromV442_p4FromV532_c5Code5In550() {
    #expect(rules("4.4.1", .esp32s3).flashSize(code: 5) == 2 << 20)
    #expect(rules("4.4.2", .esp32s3).flashSize(code: 5) == 32 << 20)
    #expect(rules("5.3.1", .esp32p4).flashSize(code: 6) == 2 << 20)
    #expect(rules("5.3.2", .esp32p4).flashSize(code: 6) == 64 << 20)
    #expect(rules("5.5.0", .esp32c5).flashSize(code: 5) == 32 << 20)
    #expect(rules("5.5.0", .esp32c5).flashSize(code: 6) == 2 << 20)
    #expect(rules("5.4.3", .esp32c5).flashSize(code: 5) == 2 << 20)
}

// MARK: esp_partition_table_verify

@Test func espPartitionTableVerify_boundsWrapUntilV61() {
    // A row whose end wraps past 4 GiB: offset 0x10000 + size 0xFFFF0000 = 0 in 32 bits.
    let rows = [PartitionEntry(name: "wrap", type: 1, subtype: 0x81, offset: 0x10000, size: 0xFFFF_0000)]
    let bin = ByteArray(PartitionTable.encode(rows))
    let v602 = PartitionTable.parse(bin, at: 0, chipSize: 4 << 20, boundsWrap: rules("6.0.2", .esp32).tableBoundsWrap)
    let v61 = PartitionTable.parse(bin, at: 0, chipSize: 4 << 20, boundsWrap: rules("6.1", .esp32).tableBoundsWrap)
    #expect(v602.bootloaderAccepts && !v61.bootloaderAccepts)
    // One byte past the flash end is refused by both.
    let over = ByteArray(PartitionTable.encode([PartitionEntry(name: "x", type: 1, subtype: 0x81, offset: 0x3F0000, size: 0x10001)]))
    #expect(!PartitionTable.parse(over, at: 0, chipSize: 4 << 20, boundsWrap: true).bootloaderAccepts)
    let exact = ByteArray(PartitionTable.encode([PartitionEntry(name: "x", type: 1, subtype: 0x81, offset: 0x3F0000, size: 0x10000)]))
    #expect(PartitionTable.parse(exact, at: 0, chipSize: 4 << 20, boundsWrap: true).bootloaderAccepts)
}

@Test func espPartitionTableVerify_emptyTableRejectedFromV55() {
    let empty = ByteArray([UInt8](repeating: 0xFF, count: partitionTableMaxLength))
    #expect(PartitionTable.parse(empty, at: 0, rejectEmpty: rules("5.4.4", .esp32).rejectsEmptyTable).bootloaderAccepts)
    let v55 = PartitionTable.parse(empty, at: 0, rejectEmpty: rules("5.5", .esp32).rejectsEmptyTable)
    #expect(!v55.bootloaderAccepts && v55.diagnostics.contains { $0.code == .tableEmpty && $0.severity == .error })
}

// MARK: verify_segment_header

@Test func verifySegmentHeader_mmuPageFromTheAppDescriptorFromV54() {
    // ESP32-C6 with a 4 MB bootloader: the bootloader's own page is 64 KiB.
    #expect(rules("5.3.5", .esp32c6).mmuPage(flashSize: 4 << 20, appPageLog2: 15) == 0x10000)
    #expect(rules("5.4", .esp32c6).mmuPage(flashSize: 4 << 20, appPageLog2: 15) == 0x8000)
    #expect(rules("5.4", .esp32c6).mmuPage(flashSize: 4 << 20, appPageLog2: 0) == 0x10000)
    // Not configurable on the C3 (fixed 64 KiB), nor on the C5 after v5.3.
    #expect(rules("6.0", .esp32c3).mmuPage(flashSize: 4 << 20, appPageLog2: 15) == 0x10000)
    #expect(rules("5.3", .esp32c5).hasConfigurableMMUPage && !rules("5.4", .esp32c5).hasConfigurableMMUPage)
    // After v6.1 only 8…256 KiB are taken from the descriptor.
    #expect(rules("6.1", .esp32h2).mmuPage(flashSize: 4 << 20, appPageLog2: 12) == 0x1000)
    #expect(rules("6.2", .esp32h2).mmuPage(flashSize: 4 << 20, appPageLog2: 12) == 0x10000)
    // The bootloader's own page follows its build's flash size on configurable chips.
    #expect(rules("5.1", .esp32c6).bootloaderMMUPage(flashSize: 1 << 20) == 0x4000)
    #expect(rules("5.0", .esp32c6).bootloaderMMUPage(flashSize: 1 << 20) == 0x10000)
    #expect(rules("5.0", .esp32c2).bootloaderMMUPage(flashSize: 2 << 20) == 0x8000)
}

@Test func verifySegmentHeader_segment0LengthOnlyAfterV61() {
    #expect(rules("6.1", .esp32).segment0MinimumLength == nil)
    #expect(rules("6.2", .esp32).segment0MinimumLength == AppDescriptor.size)
}

// MARK: image_load

@Test func imageLoad_partitionSizeLimitPerChipAndRelease() {
    #expect(rules("5.3.3", .esp32s3).partitionSizeLimit == 16 << 20)
    #expect(rules("5.3.4", .esp32s3).partitionSizeLimit == nil)
    #expect(rules("5.4.1", .esp32p4).partitionSizeLimit == 16 << 20)
    #expect(rules("5.4.2", .esp32p4).partitionSizeLimit == nil)
    #expect(rules("5.4.4", .esp32c5).partitionSizeLimit == 16 << 20)
    #expect(rules("5.5", .esp32c5).partitionSizeLimit == nil)
    #expect(rules("5.5.4", .esp32c61).partitionSizeLimit == 16 << 20)
    #expect(rules("5.5.5", .esp32c61).partitionSizeLimit == nil)
    #expect(rules("6.0", .esp32c61).partitionSizeLimit == 16 << 20)
    #expect(rules("6.0.1", .esp32c61).partitionSizeLimit == nil)
    #expect(rules("6.0.2", .esp32s31).partitionSizeLimit == 16 << 20)
    #expect(rules("6.1", .esp32s31).partitionSizeLimit == nil)
    #expect(rules("6.1", .esp32).partitionSizeLimit == 16 << 20)
}

// MARK: bootloader_common_check_chip_validity / bootloader_common_check_efuse_blk_validity

private func app(chip: Chip, minFull: UInt16 = 0, maxFull: UInt16 = 0xFFFF, legacy: UInt8? = nil,
                 efuse: (UInt16, UInt16) = (0, 0)) -> AppImage {
    var b = AppImageBuilder.typicalApp(chip: chip, project: "p", version: "1")
    var desc = AppDescriptorBuilder(projectName: "p", version: "1", idfVersion: "v5.5.1", date: "d", time: "t")
    desc.minEfuseBlockRevision = efuse.0
    desc.maxEfuseBlockRevision = efuse.1
    b.segments[0].data.replaceSubrange(0..<AppDescriptor.size, with: desc.bytes())
    b.minChipRevisionFull = minFull
    b.maxChipRevisionFull = maxFull
    b.legacyMinChipRevision = legacy
    return AppImage.inspect(ByteArray(b.bytes()), at: 0, flashAddress: 0x10000).image!
}

@Test func checkChipValidity_fullWindowFromV445() {
    // min_full 0, legacy byte 14 = 3 on an ESP32-C3 (minor 3): v4.4.4 needs v0.3, v4.4.5 needs nothing.
    let img = app(chip: .esp32c3, legacy: 3)
    #expect(rules("4.4.4", .esp32c3).chipWindow(img, isBootloader: false)?.min == ChipRevision(0, 3))
    #expect(rules("4.4.5", .esp32c3).chipWindow(img, isBootloader: false)?.min == ChipRevision(0, 0))
    #expect(rules("5.0", .esp32c3).chipWindow(img, isBootloader: false)?.min == ChipRevision(0, 3))
    #expect(rules("5.0.1", .esp32c3).chipWindow(img, isBootloader: false)?.min == ChipRevision(0, 0))
    // Max is checked for apps only; 0 and 0xFFFF mean "not set".
    let capped = app(chip: .esp32c3, maxFull: 99)
    #expect(rules("5.5", .esp32c3).chipWindow(capped, isBootloader: false)?.max == ChipRevision(full: 99))
    #expect(rules("5.5", .esp32c3).chipWindow(capped, isBootloader: true)?.max == nil)
    #expect(rules("5.5", .esp32c3).chipWindow(app(chip: .esp32c3, maxFull: 0), isBootloader: false)?.max == nil)
}

@Test func checkChipValidity_windowAgainstTheFamily() throws {
    let r = rules("5.5", .esp32)
    let needsV3 = try #require(r.chipWindow(app(chip: .esp32, minFull: 300), isBootloader: false))
    #expect(!needsV3.impossible && needsV3.restrictive && needsV3.words == "≥ v3.0")
    #expect(needsV3.admits(ChipRevision(3, 1)) && !needsV3.admits(ChipRevision(1, 0)))
    // ESP32 revisions end at v3.99: an image needing v4.0 runs on none.
    #expect(try #require(r.chipWindow(app(chip: .esp32, minFull: 400), isBootloader: false)).impossible)
    // min above max: nothing runs it.
    #expect(try #require(r.chipWindow(app(chip: .esp32, minFull: 300, maxFull: 200), isBootloader: false)).impossible)
    #expect(try #require(rules("5.5", .esp32c3).chipWindow(app(chip: .esp32c3, maxFull: 99), isBootloader: false)).words == "≤ v0.99")
}

@Test func checkEfuseBlkValidity_releasesThatCheckIt() {
    let s3 = rules("5.4", .esp32s3)
    #expect(s3.checksEfuseBlockRevision && !rules("5.4", .esp32).checksEfuseBlockRevision)
    for (before, after) in [("5.1.6", "5.1.7"), ("5.2.2", "5.2.3"), ("5.3.1", "5.3.2")] {
        #expect(!rules(before, .esp32s3).checksEfuseBlockRevision, "\(before)")
        #expect(rules(after, .esp32s3).checksEfuseBlockRevision, "\(after)")
    }
    #expect(!rules("5.0.9", .esp32c3).checksEfuseBlockRevision)
}

@Test func checkEfuseBlkValidity_impossibleWindowRefusedEverywhere() throws {
    let img = app(chip: .esp32s3, efuse: (200, 199))
    let w = try #require(rules("5.4", .esp32s3).efuseBlockWindow(img))
    #expect(w.impossible)
    let ctx = VerifyContext(rules: rules("5.4", .esp32s3), flashSize: 4 << 20)
    let v = ImageVerifier.judge(.image(img), partitionSize: 0x100000, context: ctx)
    #expect(v.failure == .revisionImpossible(kind: .efuseBlock, window: w))
    // A bootloader that does not check the window starts it.
    let old = VerifyContext(rules: rules("5.3.1", .esp32s3), flashSize: 4 << 20)
    #expect(ImageVerifier.judge(.image(img), partitionSize: 0x100000, context: old).bootable)
}

@Test func checkEfuseBlkValidity_readsSegment0WithoutTheDescriptorMagic() throws {
    // Segment 0 is not a descriptor but holds min = 0x0001 at +176: the bootloader still compares it.
    var b = AppImageBuilder.typicalApp(chip: .esp32c3, project: "p", version: "1")
    b.segments[0].data.replaceSubrange(0..<4, with: [0, 0, 0, 0])
    b.segments[0].data.replaceSubrange(176..<180, with: [1, 0, 0, 0])
    let img = try #require(AppImage.inspect(ByteArray(b.bytes()), at: 0, flashAddress: 0x10000).image)
    #expect(img.appDescriptor == nil)
    let w = try #require(rules("5.4", .esp32c3).efuseBlockWindow(img))
    #expect(w.min == ChipRevision(full: 1) && w.restrictive && !w.impossible)
    let at00 = VerifyContext(rules: rules("5.4", .esp32c3), flashSize: 4 << 20, efuseBlockRevision: ChipRevision(0, 0))
    #expect(ImageVerifier.judge(.image(img), partitionSize: 0x100000, context: at00).failure
            == .revisionOutsideWindow(kind: .efuseBlock, window: w, actual: ChipRevision(0, 0)))
    let unknown = VerifyContext(rules: rules("5.4", .esp32c3), flashSize: 4 << 20)
    #expect(ImageVerifier.judge(.image(img), partitionSize: 0x100000, context: unknown).requirements.map(\.words) == ["needs eFuse block rev ≥ v0.1"])
}
