// Fuzz target: the partition table parser and what is derived from its rows.
import FlashFormats

enum FuzzTarget {
    static func run(_ bytes: [UInt8]) {
        let src = ByteArray(bytes)
        for chipSize in [nil, 0x40_0000] as [Int?] {
            let t = PartitionTable.parse(src, at: 0, chipSize: chipSize)
            _ = PartitionTable.toolFindings(t.entries, tableOffset: 0x8000)
            _ = PartitionCSV.verify(t.entries, flashSize: chipSize)
            let slots = BootSlots(t.entries)
            _ = slots.partition(at: 0)
            let csv = PartitionCSV.emit(t.entries)
            _ = try? PartitionCSV.parse(csv)
            _ = PartitionTable.parse(ByteArray(PartitionTable.encode(t.entries)), at: 0)
        }
        // The same bytes at an offset inside a larger source (row arithmetic near the end).
        _ = PartitionTable.parse(SliceSource(src, base: 3, length: bytes.count), at: 0)
    }

    static func seeds() -> [(String, [UInt8])] {
        let two: [PartitionEntry] = [
            PartitionEntry(name: "nvs", type: 1, subtype: 0x02, offset: 0x9000, size: 0x4000),
            PartitionEntry(name: "otadata", type: 1, subtype: 0x00, offset: 0xD000, size: 0x2000),
            PartitionEntry(name: "phy_init", type: 1, subtype: 0x01, offset: 0xF000, size: 0x1000),
            PartitionEntry(name: "factory", type: 0, subtype: 0x00, offset: 0x10000, size: 0x100000),
            PartitionEntry(name: "ota_0", type: 0, subtype: 0x10, offset: 0x110000, size: 0x100000),
            PartitionEntry(name: "ota_1", type: 0, subtype: 0x11, offset: 0x210000, size: 0x100000, flags: 1),
        ]
        var badMD5 = PartitionTable.encode(two)
        badMD5[6 * 32 + 16] ^= 1
        let noEnd = Array(PartitionTable.encode(Array(two.prefix(3)), md5: false).prefix(96))
        return [
            ("two-ota.bin", PartitionTable.encode(two)),
            ("two-ota-nomd5.bin", PartitionTable.encode(two, md5: false)),
            ("two-ota-badmd5.bin", badMD5),
            ("no-end-96.bin", noEnd),
            ("empty.bin", PartitionTable.encode([])),
        ]
    }
}
