/// Small, spec-exact partition contents for tests, fuzz seeds and samples: what ESP-IDF's generators
/// and runtime write at the places `PartitionContent` looks (shared/spec/COREDUMP.md §11).
public enum PartitionContentBuilder {
    static func erased(_ n: Int) -> [UInt8] { [UInt8](repeating: 0xFF, count: n) }

    /// The phy_init partition: "PHYINIT\0", `params` bytes, "PHYINIT\0", rest 0xFF.
    public static func phyInit(size: Int = 0x1000, params: Int = 128) -> [UInt8] {
        var out = erased(size)
        let magic = Array("PHYINIT".utf8) + [0]
        var body = magic + (0..<params).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) } + magic
        body[8 + 125] = 0   // single-bin mode
        out.replaceSubrange(0..<body.count, with: body)
        return out
    }

    /// A FAT boot sector ("MSDOS5.0", 4096-byte sectors) of a volume of `sectors` sectors.
    public static func fatBootSector(sectors: Int) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 0x1000)
        b[0] = 0xEB; b[1] = 0xFE; b[2] = 0x90
        for (i, c) in "MSDOS5.0".utf8.enumerated() { b[3 + i] = c }
        b[11] = 0x00; b[12] = 0x10          // 4096 bytes per sector
        b[13] = 1                           // sectors per cluster
        b[19] = UInt8(sectors & 0xFF); b[20] = UInt8(sectors >> 8)
        b[510] = 0x55; b[511] = 0xAA
        return b
    }

    /// A FAT volume behind ESP-IDF wear levelling as `wl_fatfsgen.py` lays it out (dummy sector at 0, the
    /// boot sector at +0x1000), with `moves` position records written after the state (each moves the
    /// dummy sector one place: the boot sector then sits elsewhere).
    public static func fatWL(size: Int = 0x40000, records: Int = 0, deviceID: UInt32 = 0x1234_5678) -> [UInt8] {
        let sector = 0x1000
        var out = erased(size)
        let stateSize = ((64 + (size / sector) * 16 + sector - 1) / sector) * sector
        let flashSize = ((size - 2 * stateSize - sector) / sector - 1) * sector
        let maxPos = UInt32(1 + flashSize / sector)
        // Config: start_addr, full_mem_size, page_size, sector_size, updaterate, wr_size, version, temp_buff_size, crc.
        var cfg = [UInt8]()
        for v: UInt32 in [0, UInt32(size), 0x1000, 0x1000, 16, 16, 2, 32] { cfg.appendLE(v) }
        cfg.appendLE(Checksums.crc32(cfg, seed: 0xFFFF_FFFF))
        out.replaceSubrange((size - sector)..<(size - sector + cfg.count), with: cfg)
        // State: pos, max_pos, move_count, access_count, max_count, block_size, version, device_id, reserved[7], crc.
        var st = [UInt8]()
        for v: UInt32 in [0, maxPos, 0, 0, 16, 0x1000, 2, deviceID] { st.appendLE(v) }
        st += [UInt8](repeating: 0, count: 28)
        st.appendLE(Checksums.crc32(st, seed: 0xFFFF_FFFF))
        for copy in 0..<2 {
            let at = size - sector - (2 - copy) * stateSize
            out.replaceSubrange(at..<(at + 64), with: st)
            for r in 0..<records {
                for k in 0..<4 {
                    var w = [UInt8](); w.appendLE(deviceID &+ UInt32(r * 4 + k))
                    out.putLE(Checksums.crc32(w, seed: 0xFFFF_FFFF), at: at + 64 + r * 16 + k * 4)
                }
            }
        }
        // Logical sector 0 at its physical place (WL_Flash::calcAddr with move_count 0, dummy at `records`).
        let phys = records <= 0 ? sector : 0
        let boot = fatBootSector(sectors: flashSize / sector)
        out.replaceSubrange(phys..<(phys + boot.count), with: boot)
        return out
    }

    /// SPIFFS as `spiffsgen.py` writes an empty file system: each block's lookup page all 0xFF except the
    /// block magic in the second-last id slot (erase count slot left 0xFFFF).
    public static func spiffs(size: Int = 0x10000, pageSize: Int = 256) -> [UInt8] {
        var out = erased(size)
        let blocks = size / 0x1000
        let lookupPages = Swift.max(1, (0x1000 / pageSize * 2 + pageSize - 1) / pageSize)
        for b in 0..<blocks {
            let at = b * 0x1000 + lookupPages * pageSize - 4
            let m = PartitionContent.spiffsMagic(pageSize: pageSize, blockCount: blocks, index: b)
            out[at] = UInt8(m & 0xFF); out[at + 1] = UInt8(m >> 8)
        }
        return out
    }

    /// The LittleFS superblock pair as the spec's worked example lays it out (revision, the "littlefs"
    /// name tag, the inline-struct tag, the superblock struct), in blocks 0 and 1.
    public static func littlefs(blockSize: Int = 0x1000, blockCount: Int = 32, revisions: (UInt32, UInt32) = (1, 2)) -> [UInt8] {
        var out = erased(blockSize * blockCount)
        for (block, rev) in [(0, revisions.0), (1, revisions.1)] {
            var b = [UInt8]()
            b.appendLE(rev)
            b += [0xF0, 0x0F, 0xFF, 0xF7] + Array("littlefs".utf8) + [0x2F, 0xE0, 0x00, 0x10]
            for v: UInt32 in [0x0002_0001, UInt32(blockSize), UInt32(blockCount), 255, 0x7FFF_FFFF, 1022] { b.appendLE(v) }
            out.replaceSubrange((block * blockSize)..<(block * blockSize + b.count), with: b)
        }
        return out
    }

    /// TEE otadata: one `esp_tee_ota_select_entry_t` in sector 0 (magic, version, boot partition, state, CRC).
    public static func teeOtadata(bootPartition: UInt8 = 0x30, state: UInt8 = 0xAA) -> [UInt8] {
        var out = erased(0x2000)
        var e = [UInt8]()
        e.appendLE(UInt32(0x4337_E1E1))
        e += [1, bootPartition, state, 0xFF]
        e += [UInt8](repeating: 0xFF, count: 20)
        e.appendLE(Checksums.crc32(e))
        out.replaceSubrange(0..<32, with: e)
        return out
    }

    /// An MCUboot image header (version `major.minor.rev+build`) with an unprotected TLV area after the image.
    public static func mcuboot(size: Int = 0x10000, imageSize: Int = 0x400, version: (UInt8, UInt8, UInt16, UInt32) = (1, 2, 3, 4)) -> [UInt8] {
        var out = erased(size)
        var h = [UInt8]()
        h.appendLE(UInt32(0x96F3_B83D)); h.appendLE(UInt32(0))
        h.appendLE(UInt16(0x20)); h.appendLE(UInt16(0)); h.appendLE(UInt32(imageSize)); h.appendLE(UInt32(0))
        h += [version.0, version.1]; h.appendLE(version.2); h.appendLE(version.3); h.appendLE(UInt32(0))
        out.replaceSubrange(0..<h.count, with: h)
        for i in 0..<imageSize { out[0x20 + i] = UInt8(truncatingIfNeeded: i) }
        let tlv = 0x20 + imageSize
        out[tlv] = 0x07; out[tlv + 1] = 0x69; out[tlv + 2] = 0x28; out[tlv + 3] = 0x00
        return out
    }

    /// An NVS partition whose first page is ACTIVE with a correct header CRC (no entries).
    public static func nvs(size: Int = 0x5000) -> [UInt8] {
        var out = erased(size)
        var h = [UInt8]()
        h.appendLE(UInt32(0xFFFF_FFFE)); h.appendLE(UInt32(0))   // state, seq
        h += [0xFE] + [UInt8](repeating: 0xFF, count: 19)        // version 2, unused
        h.appendLE(Checksums.crc32(Array(h[4..<28]), seed: 0xFFFF_FFFF))
        out.replaceSubrange(0..<32, with: h)
        return out
    }

    /// An nvs_keys partition: eky, tky and their CRC.
    public static func nvsKeys() -> [UInt8] {
        var out = erased(0x1000)
        let keys = (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        out.replaceSubrange(0..<64, with: keys)
        out.putLE(Checksums.crc32(keys, seed: 0xFFFF_FFFF), at: 64)
        return out
    }
}
