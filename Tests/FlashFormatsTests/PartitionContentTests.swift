import Testing
@testable import FlashFormats

/// One fixture per partition kind (PartitionContentBuilder, by the spec), recognised from its bytes.

func recognise(_ bytes: [UInt8], type: UInt8 = 1, subtype: UInt8, name: String = "p") -> PartitionContent {
    let e = PartitionEntry(name: name, type: type, subtype: subtype, offset: 0, size: UInt32(bytes.count))
    return PartitionContent.recognise(ByteArray(bytes), entry: e)
}

func int(_ c: PartitionContent, _ k: String) -> Int? { if case .int(let v)? = c.value(k) { return v }; return nil }
func str(_ c: PartitionContent, _ k: String) -> String? { if case .string(let v)? = c.value(k) { return v }; return nil }
func bool(_ c: PartitionContent, _ k: String) -> Bool? { if case .bool(let v)? = c.value(k) { return v }; return nil }

@Test func phyInitBothSizes() {
    let c = recognise(PartitionContentBuilder.phyInit(), subtype: 0x01)
    #expect(c.kind == .phyInit && int(c, "size") == 144 && bool(c, "multiple_bin") == false)
    let c5 = recognise(PartitionContentBuilder.phyInit(params: 256), subtype: 0x01)
    #expect(int(c5, "size") == 272)
    var broken = PartitionContentBuilder.phyInit()
    broken[136] = 0
    let b = recognise(broken, subtype: 0x01)
    #expect(b.kind == .phyInit && b.diagnostics.contains { $0.code == .contentBadMagic })
}

@Test func fatWithWearLevelling() {
    let fresh = recognise(PartitionContentBuilder.fatWL(), subtype: 0x81)
    #expect(fresh.kind == .fat)
    #expect(bool(fresh, "config_crc_ok") == true && bool(fresh, "state1_crc_ok") == true && bool(fresh, "state2_crc_ok") == true)
    #expect(int(fresh, "dummy_sector") == 0 && int(fresh, "fat_boot_sector_offset") == 0x1000)
    #expect(str(fresh, "oem_name") == "MSDOS5.0" && int(fresh, "bytes_per_sector") == 4096)
    #expect(fresh.diagnostics.isEmpty)
    // After the dummy sector moved three times, the boot sector is found at the start.
    let moved = recognise(PartitionContentBuilder.fatWL(records: 3), subtype: 0x81)
    #expect(int(moved, "dummy_sector") == 3 && int(moved, "fat_boot_sector_offset") == 0 && str(moved, "oem_name") == "MSDOS5.0")
    // A broken state copy is a diagnostic; the other copy still gives the mapping.
    var bad = PartitionContentBuilder.fatWL()
    bad[0x40000 - 0x3000 + 8] ^= 1
    let b = recognise(bad, subtype: 0x81)
    #expect(bool(b, "state1_crc_ok") == false && bool(b, "state2_crc_ok") == true && int(b, "fat_boot_sector_offset") == 0x1000)
    #expect(b.diagnostics.contains { $0.code == .contentBadCRC })
    // FAT without wear levelling: the boot sector at 0.
    var plain = [UInt8](repeating: 0xFF, count: 0x10000)
    plain.replaceSubrange(0..<0x1000, with: PartitionContentBuilder.fatBootSector(sectors: 16))
    let p = recognise(plain, subtype: 0x81)
    #expect(p.kind == .fat && int(p, "boot_sector_offset") == 0)
}

@Test func spiffsMagicMatchesTheSpecExample() {
    // Spec §11.2: 64 KiB, block 0 magic 0x0439 at 0xFC, block 1 0x0426, block 2 0x0427.
    #expect(PartitionContent.spiffsMagic(pageSize: 256, blockCount: 16, index: 0) == 0x0439)
    #expect(PartitionContent.spiffsMagic(pageSize: 256, blockCount: 16, index: 1) == 0x0426)
    #expect(PartitionContent.spiffsMagic(pageSize: 256, blockCount: 16, index: 2) == 0x0427)
    let img = PartitionContentBuilder.spiffs()
    #expect(img[0xFC] == 0x39 && img[0xFD] == 0x04)
    let c = recognise(img, subtype: 0x82)
    #expect(c.kind == .spiffs && int(c, "page_size") == 256 && int(c, "block_count") == 16)
    let c512 = recognise(PartitionContentBuilder.spiffs(pageSize: 512), subtype: 0x82)
    #expect(c512.kind == .spiffs && int(c512, "page_size") == 512)
}

@Test func littlefsSuperblock() {
    let c = recognise(PartitionContentBuilder.littlefs(), subtype: 0x83)
    #expect(c.kind == .littlefs && str(c, "version") == "2.1" && int(c, "block_size") == 4096 && int(c, "block_count") == 32)
    #expect(int(c, "superblock_offset") == 0x1000)   // block 1 has the larger revision
    #expect(c.diagnostics.isEmpty)
    // Often in a spiffs-subtype partition (Arduino): recognised by its bytes.
    let inSpiffs = recognise(PartitionContentBuilder.littlefs(revisions: (5, 4)), subtype: 0x82)
    #expect(inSpiffs.kind == .littlefs && int(inSpiffs, "superblock_offset") == 0)
    // Geometry that disagrees with the partition is a diagnostic.
    var small = PartitionContentBuilder.littlefs()
    small = Array(small.prefix(0x10000))
    #expect(recognise(small, subtype: 0x83).diagnostics.contains { $0.code == .contentBadGeometry })
}

@Test func teeOtadataMCUbootNVSAndKeys() {
    let t = recognise(PartitionContentBuilder.teeOtadata(), subtype: 0x90)
    #expect(t.kind == .teeOtadata && str(t, "boot_partition") == "tee_0" && str(t, "state") == "VALID" && bool(t, "crc_ok") == true)
    var badTee = PartitionContentBuilder.teeOtadata(); badTee[6] = 0x55
    #expect(recognise(badTee, subtype: 0x90).diagnostics.contains { $0.code == .contentBadCRC })
    let m = recognise(PartitionContentBuilder.mcuboot(), type: 0, subtype: 0x10)
    #expect(m.kind == .mcuboot && str(m, "version") == "1.2.3+4" && int(m, "image_size") == 0x400 && bool(m, "tlv_ok") == true)
    let n = recognise(PartitionContentBuilder.nvs(), subtype: 0x02)
    #expect(n.kind == .nvs && int(n, "active") == 1 && int(n, "bad_header_crc") == 0)
    let k = recognise(PartitionContentBuilder.nvsKeys(), subtype: 0x04)
    #expect(k.kind == .nvsKeys && bool(k, "crc_ok") == true)
}

@Test func efuseErasedEncryptedUnknownAbsent() {
    var ef = [UInt8](repeating: 0xFF, count: 0x2000)
    for i in 0..<32 { ef[i] = UInt8(i) }
    #expect(recognise(ef, subtype: 0x05).kind == .efuseEm)
    let erased = recognise([UInt8](repeating: 0xFF, count: 0x20000), subtype: 0x82)
    #expect(erased.kind == .erased && int(erased, "checked_bytes") == 0x11000)   // 64 KiB + the last sector
    var seed: UInt32 = 1
    let random = (0..<0x8000).map { _ -> UInt8 in seed = seed &* 1_103_515_245 &+ 12345; return UInt8(truncatingIfNeeded: seed >> 16) }
    let enc = recognise(random, subtype: 0x82)
    #expect(enc.kind == .encrypted)
    var text = [UInt8](repeating: 0xFF, count: 0x4000)
    for i in 0..<100 { text[i] = 0x41 }
    let u = recognise(text, subtype: 0x82)
    #expect(u.kind == .unknown && u.diagnostics.contains { $0.code == .contentNotAsSubtype })
    let e = PartitionEntry(name: "far", type: 1, subtype: 0x82, offset: 0x100000, size: 0x1000)
    #expect(PartitionContent.recognise(ByteArray([0, 1, 2]), entry: e).kind == .absent)
}

@Test func coredumpPartitionContent() {
    let c = recognise(CoreDumpBuilder.esp32Sample().partition(), subtype: 0x03)
    #expect(c.kind == .coredump && str(c, "state") == "written" && bool(c, "checksum_ok") == true)
    var cleared = [UInt8](repeating: 0xFF, count: 0x10000)
    for i in 4..<16 { cleared[i] = 0 }
    #expect(str(recognise(cleared, subtype: 0x03), "state") == "cleared")
}

/// Found by the coredump fuzz target: a LittleFS superblock whose block size × block count overflows Int
/// (both are u32 fields, 0xffffffff each) trapped in the geometry check; now it is a diagnostic.
@Test func littlefsGeometryProductOverflowIsADiagnostic() {
    var bytes = PartitionContentBuilder.littlefs(revisions: (5, 4))
    for i in 24..<32 { bytes[i] = 0xFF }   // block_size and block_count of the superblock at 0
    let c = recognise(bytes, subtype: 0x83)
    #expect(c.kind == .littlefs)
    #expect(c.diagnostics.contains { $0.code == .contentBadGeometry && $0.message.contains("more than") })
}
