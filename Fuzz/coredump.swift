// Fuzz target: the core-dump reader (header, checksum, ELF notes and loads, binary task records, the
// Xtensa frame walk) and the partition-content recognisers. Hostile lengths, note sizes, segment counts,
// stack pointers outside every segment and cyclic frame chains must end in diagnostics, never a trap or a loop.
import FlashFormats
import FlashModel

enum FuzzTarget {
    static func run(_ bytes: [UInt8]) {
        let src = ByteArray(bytes)
        let d = CoreDump.parse(src, at: 0, limit: bytes.count)
        precondition(d.backtrace.count <= CoreDump.maxDepth, "walk exceeded its depth limit")
        _ = CoreDumpFinding(partition: "coredump", dump: d, matchingApps: []).sentence
        _ = Report.coreDumpJSON(CoreDumpFinding(partition: nil, dump: d, matchingApps: [])).serialized()
        // At an offset with a limit that disagrees with the bytes.
        _ = CoreDump.parse(src, at: 0x10, limit: 0x10000)
        // The same bytes as every kind of data partition.
        for sub: UInt8 in [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x81, 0x82, 0x83, 0x90] {
            let e = PartitionEntry(name: "p", type: 1, subtype: sub, offset: 0, size: UInt32(truncatingIfNeeded: bytes.count))
            _ = PartitionContent.recognise(src, entry: e)
        }
        _ = ELFSymbols.parse(src).lookup(0x400D_0000)
    }

    static func seeds() -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = []
        for f: UInt16 in [0x0001, 0x0002, 0x0003, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104] {
            out.append(("esp32-\(f).raw", CoreDumpBuilder.esp32Sample(format: f).raw()))
        }
        out.append(("esp32-0102.partition", CoreDumpBuilder.esp32Sample().partition(size: 0x4000)))
        var rv = CoreDumpBuilder.esp32Sample()
        rv.chipID = 5
        out.append(("c3.raw", rv.raw()))
        out.append(("elf-only.core", CoreDumpBuilder.esp32Sample().elfBody()))
        out += [("fatwl.bin", PartitionContentBuilder.fatWL(size: 0x8000, records: 1)),
                ("spiffs.bin", PartitionContentBuilder.spiffs(size: 0x4000)),
                ("littlefs.bin", PartitionContentBuilder.littlefs(blockCount: 4)),
                ("phy.bin", PartitionContentBuilder.phyInit()),
                ("tee.bin", PartitionContentBuilder.teeOtadata()),
                ("mcuboot.bin", PartitionContentBuilder.mcuboot(size: 0x1000)),
                ("nvs.bin", PartitionContentBuilder.nvs(size: 0x2000))]
        return out
    }
}
