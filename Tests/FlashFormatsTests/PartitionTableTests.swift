import Testing
@testable import FlashFormats

/// ESP-IDF's partitions_two_ota.csv spelled out on purpose: it is the input of the gen_esp32part vector
/// below, pinned independently of `FlashImageBuilder.twoOTA` (FlashModel, which this target does not
/// import); FlashModelTests checks that the builder's table encodes to this same vector.
let twoOTA: [PartitionEntry] = [
    PartitionEntry(name: "nvs", type: 1, subtype: 2, offset: 0x9000, size: 0x4000),
    PartitionEntry(name: "otadata", type: 1, subtype: 0, offset: 0xD000, size: 0x2000),
    PartitionEntry(name: "phy_init", type: 1, subtype: 1, offset: 0xF000, size: 0x1000),
    PartitionEntry(name: "factory", type: 0, subtype: 0, offset: 0x10000, size: 0x100000),
    PartitionEntry(name: "ota_0", type: 0, subtype: 0x10, offset: 0x110000, size: 0x100000),
    PartitionEntry(name: "ota_1", type: 0, subtype: 0x11, offset: 0x210000, size: 0x100000),
]

/// Spec §1.9 vector (gen_esp32part v5.5.5 output).
@Test func encoderMatchesGenEsp32partVector() {
    let bin = PartitionTable.encode(twoOTA)
    #expect(bin.count == 0xC00)
    #expect(Array(bin[0..<16]) == [0xAA, 0x50, 0x01, 0x02, 0x00, 0x90, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x6E, 0x76, 0x73, 0x00])
    #expect(Array(bin[0xC0..<0xD0]) == [0xEB, 0xEB] + [UInt8](repeating: 0xFF, count: 14))
    #expect(Array(bin[0xD0..<0xE0]) == [0xBF, 0x25, 0x82, 0x2C, 0x0F, 0xA6, 0xD8, 0x64, 0x1B, 0xD9, 0x30, 0x25, 0x1E, 0x06, 0xB4, 0xC4])
    #expect(bin[0xE0...].allSatisfy { $0 == 0xFF })
}

@Test func parseRoundTrip() {
    let t = PartitionTable.parse(ByteArray(PartitionTable.encode(twoOTA)), at: 0, chipSize: 4 << 20)
    #expect(t.entries == twoOTA)
    #expect(t.md5 == .ok && t.bootloaderAccepts && t.toolFindings.isEmpty)
    #expect(t.md5Row == 6 && t.endRow == 7)
    #expect(PartitionTable.encode(t.entries) == PartitionTable.encode(twoOTA))
}

@Test func bootloaderRules() {
    var bin = PartitionTable.encode(twoOTA)
    // Bigger than the flash the bootloader header declares: whole table rejected.
    let small = PartitionTable.parse(ByteArray(bin), at: 0, chipSize: 2 << 20)
    #expect(!small.bootloaderAccepts && small.bootloaderReason?.contains("exceeds flash chip size") == true)
    // MD5 digest corrupted.
    bin[0xD0] ^= 0xFF
    let bad = PartitionTable.parse(ByteArray(bin), at: 0)
    #expect(bad.md5 == .mismatch && !bad.bootloaderAccepts && bad.bootloaderReason == "Incorrect MD5 checksum")
    #expect(bad.toolFindings.first?.message.hasPrefix("MD5 checksums don't match!") == true)
    #expect(bad.toolFindings.first?.code == .genMD5Mismatch && bad.toolFindings.first?.offset == 0xC0)
    // No MD5 row: the bootloader accepts, with a warning about MD5-enabled apps.
    let noMD5 = PartitionTable.parse(ByteArray(PartitionTable.encode(twoOTA, md5: false)), at: 0)
    #expect(noMD5.bootloaderAccepts && noMD5.md5 == .absent)
    #expect(noMD5.diagnostics.contains { $0.code == .tableNoMD5 })
    // A stray magic.
    var junk = PartitionTable.encode(twoOTA); junk[0x20] = 0x12
    let j = PartitionTable.parse(ByteArray(junk), at: 0)
    #expect(!j.bootloaderAccepts && j.entries.count == 1 && j.bootloaderReason?.contains("invalid magic") == true)
    // File ends before the end marker (esptool's 96-byte table).
    let cut = PartitionTable.parse(ByteArray(Array(PartitionTable.encode(twoOTA, md5: false)[0..<96])), at: 0)
    #expect(!cut.bootloaderAccepts && cut.entries.count == 3)
    #expect(cut.toolFindings.contains { $0.code == .genMissingEndMarker && $0.message == "Partition table is missing an end-of-table marker" })
    // Two MD5 rows.
    var two = PartitionTable.encode(twoOTA)
    two.replaceSubrange(0xE0..<0x100, with: two[0xC0..<0xE0])
    #expect(!PartitionTable.parse(ByteArray(two), at: 0).bootloaderAccepts)
}

@Test func labelsAreSixteenBytesWithoutTerminator() {
    let e = PartitionEntry(name: "a_very_long_partition_name", type: 1, subtype: 0x82, offset: 0x300000, size: 0x10000)
    #expect(e.labelBytes.count == 16 && e.name == "a_very_long_part")
    let t = PartitionTable.parse(ByteArray(PartitionTable.encode([e])), at: 0)
    #expect(t.entries[0].name == "a_very_long_part")
}

@Test func genEsp32partFindings() {
    var entries = twoOTA
    entries.append(PartitionEntry(name: "nvs", type: 1, subtype: 0x82, offset: 0x300000, size: 0x800))
    entries.append(PartitionEntry(name: "odd", type: 0, subtype: 0x13, offset: 0x318000, size: 0xA2800))
    // Each finding carries its code and the offset of the row it is about (rows 6 and 7 are nvs and odd).
    let f = PartitionTable.toolFindings(entries, tableOffset: 0x8000)
    func has(_ code: DiagnosticCode, _ offset: Int?, _ message: String? = nil) -> Bool {
        f.contains { $0.code == code && $0.offset == offset && (message == nil || $0.message == message) }
    }
    #expect(has(.genDuplicateName, 0x8000 + 6 * 32))
    #expect(has(.genAppOffsetUnaligned, 0x8000 + 7 * 32, "Partition odd invalid: Offset 0x318000 is not aligned to 0x10000"))
    #expect(has(.genAppSizeUnaligned, 0x8000 + 7 * 32, "Partition odd invalid: Size 0xa2800 is not aligned to 0x1000"))
    #expect(has(.tableOTASlotsNotContiguous, 0x8000))
    let overlap = PartitionTable.toolFindings([twoOTA[0], PartitionEntry(name: "x", type: 1, subtype: 6, offset: 0xA000, size: 0x1000)], tableOffset: 0x8000)
    #expect(overlap.contains { $0.code == .genOverlap && $0.offset == 0x8020 && $0.message == "Partition at 0xa000 overlaps 0x9000-0xcfff" })
    let below = PartitionTable.toolFindings([PartitionEntry(name: "x", type: 1, subtype: 6, offset: 0x8000, size: 0x1000)], tableOffset: 0x8000)
    #expect(below.map(\.message).contains("Partition offset 0x8000 is below 0x9000"))
    let ota = PartitionTable.toolFindings([PartitionEntry(name: "otadata", type: 1, subtype: 0, offset: 0x9000, size: 0x1000)], tableOffset: 0x8000)
    #expect(ota.contains { $0.code == .genOTADataSize && $0.message == "otadata partition must have size = 0x2000" })
}

@Test func typeAndSubtypeNames() {
    #expect(PartitionType.subtypeName(type: 0, subtype: 0x1F) == "ota_15")
    #expect(PartitionType.subtypeName(type: 1, subtype: 0x83) == "littlefs")
    #expect(PartitionType.subtypeName(type: 0x40, subtype: 0x01) == nil)
    #expect(PartitionType.typeName(3) == "partition_table")
}

@Test func aMidTableMD5RowHidesTheLastPartitionFromTheBootloader() {
    // Rows: nvs, MD5 (over nvs), factory, end. The bootloader walks rows [0, 3 − 1) = nvs and the MD5 row.
    var bin = PartitionTable.encode([twoOTA[0]])
    let factory = PartitionEntry(name: "factory", type: 0, subtype: 0, offset: 0x10000, size: 0x100000).bytes()
    bin.replaceSubrange(0x40..<0x60, with: factory)
    let t = PartitionTable.parse(ByteArray(bin), at: 0)
    #expect(t.bootloaderAccepts && t.entries.map(\.name) == ["nvs", "factory"])
    #expect(t.bootloaderEntries.map(\.name) == ["nvs"])
    #expect(t.diagnostics.contains { $0.code == .tableMD5NotLast && $0.offset == 0x20 && $0.message.contains("never sees factory") })
}
