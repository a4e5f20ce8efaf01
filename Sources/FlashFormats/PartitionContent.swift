/// What a partition holds, recognised from its bytes (shared/spec/COREDUMP.md §11, ESP-FORMATS.md):
/// phy_init (`esp_phy_init.h`), FAT with wear levelling (`WL_Flash.cpp`, `WL_Config.h`, `WL_State.h`),
/// FAT without it, SPIFFS block magic (`spiffs_nucleus.h`), the LittleFS superblock (littlefs `SPEC.md`),
/// eFuse emulation (by subtype: no magic), TEE otadata (`esp_tee_ota_utils.h`), an app image, an MCUboot
/// slot (`design.md`), NVS page headers, otadata entries, a core dump, all-0xFF, random-looking bytes.
///
/// Only a few pages of each partition are read (the first and last sectors, a few block headers, at most
/// 64 KiB for the erased/entropy checks), so recognising a 16 MiB partition costs as much as a 64 KiB one.
/// A wrong magic or CRC is a diagnostic; a guess is never reported as a fact.

extension DiagnosticCode {
    public static let contentBadCRC: DiagnosticCode = "content_bad_crc"
    public static let contentNotAsSubtype: DiagnosticCode = "content_not_as_subtype"
    public static let contentBadGeometry: DiagnosticCode = "content_bad_geometry"
    public static let contentBadMagic: DiagnosticCode = "content_bad_magic"
}

/// The word `info --json` puts in `partitions[].content`.
public enum PartitionContentKind: String, Sendable, CaseIterable {
    case appImage = "app_image", otadata, nvs, nvsKeys = "nvs_keys", coredump, phyInit = "phy_init", fat, spiffs
    case littlefs, efuseEm = "efuse_em", teeOtadata = "tee_otadata", mcuboot, erased, encrypted, unknown, absent
}

/// A fact found, for `content_detail` (ordered, typed; the JSON layer renders it).
public enum ContentValue: Sendable, Equatable {
    case int(Int), string(String), bool(Bool), null
}

public struct PartitionContent: Sendable, Equatable {
    public var kind: PartitionContentKind
    public var detail: [(String, ContentValue)]
    /// A short phrase for the partitions pane and the text report.
    public var summary: String
    public var diagnostics: [Diagnostic] = []

    public init(_ kind: PartitionContentKind, _ summary: String, _ detail: [(String, ContentValue)] = [], diagnostics: [Diagnostic] = []) {
        self.kind = kind; self.summary = summary; self.detail = detail; self.diagnostics = diagnostics
    }

    public static func == (a: PartitionContent, b: PartitionContent) -> Bool {
        a.kind == b.kind && a.summary == b.summary && a.diagnostics == b.diagnostics
            && a.detail.map(\.0) == b.detail.map(\.0) && a.detail.map(\.1) == b.detail.map(\.1)
    }

    public func value(_ key: String) -> ContentValue? { detail.first { $0.0 == key }?.1 }

    /// How much is read for the erased and entropy checks.
    public static let sampleLength = 0x10000

    // MARK: Recognition

    /// Recognises the bytes of `entry` (absolute offsets in `s`). `coreDump` / `image` are what the
    /// whole-image analysis already read for this partition, so they are not parsed twice.
    public static func recognise<S: ByteSource>(_ s: S, entry e: PartitionEntry, image: AppImage? = nil,
                                                coreDump: CoreDump? = nil) -> PartitionContent {
        let base = Int(e.offset), size = Int(e.size)
        let presence = s.presence(of: base..<(base + size))
        if presence == .absent || size == 0 { return PartitionContent(.absent, "not in the file") }
        let part = SliceSource(s, base: base, length: size)
        var c = recogniseBytes(part, entry: e, image: image, coreDump: coreDump)
        // Offsets inside the slice → absolute.
        c.diagnostics = c.diagnostics.map { d in
            var d = d
            d.offset = d.offset.map { $0 + base }
            d.message = "\(e.name): " + d.message
            return d
        }
        if presence == .partial {
            c.detail.append(("partial", .bool(true)))
        }
        return c
    }

    static func recogniseBytes<P: ByteSource>(_ p: P, entry e: PartitionEntry, image: AppImage?, coreDump: CoreDump?) -> PartitionContent {
        let isData = e.type == PartitionType.data
        let sub = e.subtype
        let sample = 0..<Swift.min(p.count, sampleLength)
        let tail = Swift.max(sample.upperBound, p.count - 0x1000)..<p.count
        if p.isAll(0xFF, in: sample) && p.isAll(0xFF, in: tail) {
            let checked = sample.count + tail.count
            return PartitionContent(.erased, checked == p.count ? "erased (all 0xff)" : "erased (first \(sample.count / 1024)K and last sector all 0xff)",
                                    [("checked_bytes", .int(checked))])
        }
        // Core dump partitions: whatever the core-dump reader found.
        if isData && sub == 0x03 {
            let d = coreDump ?? CoreDump.parse(p, at: 0, limit: p.count)
            return PartitionContent(.coredump, "core dump \(d.state.rawValue)" + (d.checksumOK == false ? ", checksum wrong" : ""),
                                    [("state", .string(d.state.rawValue))] + (d.checksumOK.map { [("checksum_ok", .bool($0))] } ?? []))
        }
        if let app = appImage(p, image: image) { return app }
        if let m = mcuboot(p) { return m }
        if let x = phyInit(p) { return x }
        if let x = teeOtadata(p) { return x }
        if let x = otadata(p, subtype: sub, isData: isData) { return x }
        if isData, sub == 0x04, let x = nvsKeys(p) { return x }
        if let x = nvs(p, keys: isData && sub == 0x04) { return x }
        if let x = littlefs(p) { return x }
        if let x = spiffs(p) { return x }
        if let x = fatWL(p) { return x }
        if let x = fat(p, at: 0) { return PartitionContent(.fat, "FAT (no wear levelling) · " + x.summary, x.detail, diagnostics: x.diagnostics) }
        // eFuse emulation: no header, no CRC; recognisable only by its subtype.
        if isData && sub == 0x05 {
            let stored = (0..<Swift.min(p.count, 0x1000)).reduce(0) { n, i in n + (p.u8(at: i) == 0xFF ? 0 : 1) }
            return PartitionContent(.efuseEm, "eFuse emulation (virtual eFuse blocks; no magic, known by subtype)", [("non_erased_bytes_first_sector", .int(stored))])
        }
        var diags: [Diagnostic] = []
        let expected = expectedWord(type: e.type, subtype: sub)
        let h = entropy(p.bytes(sample))
        if h > 7.9 && sample.count >= 0x1000 {
            if let expected { diags.append(.info(0, .contentNotAsSubtype, "subtype says \(expected) but the bytes look random (possibly flash-encrypted)")) }
            return PartitionContent(.encrypted, "random-looking, possibly flash-encrypted", [("entropy_bits_per_byte", .string(String(format1(h)))), ("encrypted_flag", .bool(e.encrypted))], diagnostics: diags)
        }
        if let expected { diags.append(.warning(0, .contentNotAsSubtype, "subtype says \(expected) but no \(expected) structure was found")) }
        return PartitionContent(.unknown, "unrecognised content", [("first_bytes", .string(Hex.bytes(p.bytes(0..<Swift.min(16, p.count)))))], diagnostics: diags)
    }

    static func format1(_ v: Double) -> String {
        let r = (v * 100).rounded() / 100
        return String(r)
    }

    static func expectedWord(type: UInt8, subtype: UInt8) -> String? {
        if type == PartitionType.app { return "an app image" }
        guard type == PartitionType.data else { return nil }
        return [0x00: "otadata", 0x01: "phy_init data", 0x02: "NVS", 0x04: "NVS keys", 0x81: "FAT", 0x82: "SPIFFS",
                0x83: "LittleFS", 0x90: "TEE otadata"][subtype]
    }

    /// Shannon entropy of the bytes, in bits per byte (8 = uniformly random).
    public static func entropy(_ b: [UInt8]) -> Double {
        guard !b.isEmpty else { return 0 }
        var counts = [Int](repeating: 0, count: 256)
        for x in b { counts[Int(x)] += 1 }
        var h = 0.0
        let n = Double(b.count)
        for c in counts where c > 0 { let q = Double(c) / n; h -= q * log2(q) }
        return h
    }

    // MARK: App image, MCUboot

    static func appImage<P: ByteSource>(_ p: P, image: AppImage?) -> PartitionContent? {
        let img: AppImage
        if let image { img = image } else {
            guard p.u8(at: 0) == imageMagic, p.u32(at: 0x20) == appDescriptorMagic,
                  case .image(let i) = AppImage.inspect(p, at: 0, limit: p.count, digests: SkipDigests()) else { return nil }
            img = i
        }
        let d = img.appDescriptor
        var detail: [(String, ContentValue)] = [("segments", .int(Int(img.segmentCount)))]
        if let d { detail += [("project_name", .string(d.projectName)), ("version", .string(d.version))] }
        if let c = img.chip { detail.append(("chip", .string(c.name))) }
        return PartitionContent(.appImage, "app image" + (d.map { " \"\($0.projectName)\" \($0.version)" } ?? ""), detail)
    }

    /// Digests not computed: recognition reads headers only.
    struct SkipDigests: DigestProvider {
        func sha256(_ range: Range<Int>) -> [UInt8] { [] }
        func xorChecksum(_ ranges: [Range<Int>]) -> UInt8 { 0 }
    }

    static func mcuboot<P: ByteSource>(_ p: P) -> PartitionContent? {
        guard p.u32(at: 0) == 0x96F3_B83D, let hdr = p.u16(at: 8), let imgSize = p.u32(at: 12),
              let major = p.u8(at: 20), let minor = p.u8(at: 21), let rev = p.u16(at: 22), let build = p.u32(at: 24) else { return nil }
        var diags: [Diagnostic] = []
        var detail: [(String, ContentValue)] = [("version", .string("\(major).\(minor).\(rev)+\(build)")), ("header_size", .int(Int(hdr))),
                                               ("image_size", .int(Int(imgSize)))]
        let tlvAt = Int(hdr) + Int(imgSize)
        let tlv = p.u16(at: tlvAt)
        let tlvOK = tlv == 0x6907 || tlv == 0x6908
        detail.append(("tlv_ok", .bool(tlvOK)))
        if !tlvOK { diags.append(.warning(tlvAt < p.count ? tlvAt : 0, .contentBadMagic, "MCUboot TLV magic not found at header + image size (\(Hex.short(tlvAt)))")) }
        if p.u32(at: Int(hdr)) == 0xACE6_37D3 { detail.append(("esp_load_header", .bool(true))) }
        return PartitionContent(.mcuboot, "MCUboot image \(major).\(minor).\(rev)+\(build), \(imgSize) bytes" + (tlvOK ? "" : ", TLV missing"), detail, diagnostics: diags)
    }

    // MARK: phy_init

    static let phyMagic = Array("PHYINIT".utf8) + [0]

    static func phyInit<P: ByteSource>(_ p: P) -> PartitionContent? {
        guard p.bytes(at: 0, length: 8) == phyMagic else { return nil }
        // 128 parameter bytes (256 on ESP32-C5) between the two magics.
        for n in [128, 256] where p.bytes(at: 8 + n, length: 8) == phyMagic {
            let multi = (p.u8(at: 8 + 125) ?? 0) != 0
            return PartitionContent(.phyInit, "PHY init data, \(n) parameter bytes" + (multi ? ", multiple-bin mode" : ""),
                                    [("size", .int(n + 16)), ("params", .int(n)), ("multiple_bin", .bool(multi))])
        }
        return PartitionContent(.phyInit, "PHY init data: start magic without the closing magic", [("size", .null)],
                                diagnostics: [.warning(0, .contentBadMagic, "PHYINIT start magic found, but no closing magic after 128 or 256 parameter bytes")])
    }

    // MARK: otadata, TEE otadata, NVS, NVS keys

    static func otadata<P: ByteSource>(_ p: P, subtype: UInt8, isData: Bool) -> PartitionContent? {
        guard isData && subtype == 0x00 else { return nil }
        var valid = 0, bad = 0
        var diags: [Diagnostic] = []
        for k in 0..<2 {
            let at = k * otadataSectorSize
            guard let b = p.bytes(at: at, length: otaEntrySize), let e = OTAEntry(b) else { continue }
            if b.allSatisfy({ $0 == 0xFF }) { continue }
            if e.crcOK { valid += 1 } else { bad += 1; diags.append(.warning(at + 28, .contentBadCRC, "otadata sector \(k): CRC \(Hex.short(e.crc)) does not match seq \(e.seq)")) }
        }
        return PartitionContent(.otadata, "otadata, \(valid) entr\(valid == 1 ? "y" : "ies") with a valid CRC" + (bad > 0 ? ", \(bad) bad" : ""),
                                [("valid_entries", .int(valid)), ("bad_entries", .int(bad))], diagnostics: diags)
    }

    static func teeOtadata<P: ByteSource>(_ p: P) -> PartitionContent? {
        var found: [(sector: Int, boot: UInt8, state: UInt8, crcOK: Bool)] = []
        var diags: [Diagnostic] = []
        for k in 0..<2 {
            let at = k * 0x1000
            guard p.u32(at: at) == 0x4337_E1E1, let boot = p.u8(at: at + 5), let state = p.u8(at: at + 6),
                  let crc = p.u32(at: at + 28) else { continue }
            let ok = Checksums.crc32(p, at..<(at + 28)) == crc
            if !ok { diags.append(.warning(at + 28, .contentBadCRC, "TEE otadata sector \(k): CRC wrong")) }
            found.append((k, boot, state, ok))
        }
        guard let first = found.first(where: \.crcOK) ?? found.first else { return nil }
        let stateName = [0x00: "NEW", 0x33: "PENDING_VERIFY", 0x55: "INVALID", 0xAA: "VALID", 0xFF: "UNDEFINED"][first.state] ?? Hex.short(first.state)
        let slot = first.boot == 0x30 ? "tee_0" : first.boot == 0x31 ? "tee_1" : Hex.short(first.boot)
        return PartitionContent(.teeOtadata, "TEE otadata: boots \(slot), \(stateName)" + (first.crcOK ? "" : " (CRC wrong)"),
                                [("boot_partition", .string(slot)), ("state", .string(stateName)), ("crc_ok", .bool(first.crcOK)),
                                 ("entries", .int(found.count))], diagnostics: diags)
    }

    static func nvsKeys<P: ByteSource>(_ p: P) -> PartitionContent? {
        guard let crc = p.u32(at: 64), p.count >= 68 else { return nil }
        let ok = Checksums.crc32(p, 0..<64, seed: 0xFFFF_FFFF) == crc
        return PartitionContent(.nvsKeys, "NVS encryption keys, CRC " + (ok ? "✓" : "✗"), [("crc_ok", .bool(ok))],
                                diagnostics: ok ? [] : [.warning(64, .contentBadCRC, "NVS keys CRC does not match the 64 key bytes")])
    }

    static func nvs<P: ByteSource>(_ p: P, keys: Bool) -> PartitionContent? {
        var active = 0, full = 0, freeing = 0, badCRC = 0, empty = 0, pages = 0
        var diags: [Diagnostic] = []
        let n = Swift.min(p.count / 0x1000, 8)
        for k in 0..<n {
            let at = k * 0x1000
            guard let state = p.u32(at: at) else { break }
            pages += 1
            switch state {
            case 0xFFFF_FFFF: empty += 1; continue
            case 0xFFFF_FFFE: active += 1
            case 0xFFFF_FFFC: full += 1
            case 0xFFFF_FFF8: freeing += 1
            default: continue
            }
            if let crc = p.u32(at: at + 28), Checksums.crc32(p, (at + 4)..<(at + 28), seed: 0xFFFF_FFFF) != crc {
                badCRC += 1
                diags.append(.warning(at + 28, .contentBadCRC, "NVS page \(k): header CRC wrong"))
            }
        }
        let used = active + full + freeing
        guard used > 0, used > badCRC else { return nil }
        return PartitionContent(keys ? .nvsKeys : .nvs, "NVS, \(used) of the first \(pages) pages in use" + (badCRC > 0 ? ", \(badCRC) bad header CRC" : ""),
                                [("pages_checked", .int(pages)), ("active", .int(active)), ("full", .int(full)), ("freeing", .int(freeing)),
                                 ("bad_header_crc", .int(badCRC))], diagnostics: diags)
    }

    // MARK: LittleFS, SPIFFS

    static func littlefs<P: ByteSource>(_ p: P) -> PartitionContent? {
        // The superblock pair: blocks 0 and 1; the name sits at block offset 8. Block sizes 4 KiB … 64 KiB.
        var candidates: [(at: Int, rev: UInt32)] = []
        if p.bytes(at: 8, length: 8) == Array("littlefs".utf8), let r = p.u32(at: 0) { candidates.append((0, r)) }
        var bs = 0x1000
        while bs <= 0x10000 {
            if p.bytes(at: bs + 8, length: 8) == Array("littlefs".utf8), let r = p.u32(at: bs) { candidates.append((bs, r)); break }
            bs *= 2
        }
        // The block with the larger revision (sequence comparison) is current.
        guard let cur = candidates.max(by: { Int32(bitPattern: $1.rev &- $0.rev) > 0 }),
              let version = p.u32(at: cur.at + 20), let blockSize = p.u32(at: cur.at + 24), let blockCount = p.u32(at: cur.at + 28) else { return nil }
        var detail: [(String, ContentValue)] = [
            ("version", .string("\(version >> 16).\(version & 0xFFFF)")), ("block_size", .int(Int(blockSize))),
            ("block_count", .int(Int(blockCount))), ("revision", .int(Int(cur.rev))), ("superblock_offset", .int(cur.at)),
        ]
        if let nm = p.u32(at: cur.at + 32), let fm = p.u32(at: cur.at + 36), let am = p.u32(at: cur.at + 40) {
            detail += [("name_max", .int(Int(nm))), ("file_max", .int(Int(fm))), ("attr_max", .int(Int(am)))]
        }
        var diags: [Diagnostic] = []
        // Both fields are u32: their product can exceed Int.max (a hostile superblock must not trap).
        let (declared, overflow) = Int(blockSize).multipliedReportingOverflow(by: Int(blockCount))
        if overflow || declared != p.count {
            let total = overflow ? "more than \(Int.max)" : "\(declared)"
            diags.append(.warning(cur.at + 24, .contentBadGeometry, "LittleFS declares \(blockCount) blocks of \(blockSize) bytes = \(total) bytes; the partition is \(p.count)"))
        }
        return PartitionContent(.littlefs, "LittleFS v\(version >> 16).\(version & 0xFFFF), \(blockCount) × \(blockSize)-byte blocks", detail, diagnostics: diags)
    }

    /// The SPIFFS block magic for block `index` (`SPIFFS_MAGIC` with `CONFIG_SPIFFS_USE_MAGIC_LENGTH`).
    public static func spiffsMagic(pageSize: Int, blockCount: Int, index: Int) -> UInt16 {
        UInt16(truncatingIfNeeded: 0x2014_0529 ^ UInt32(truncatingIfNeeded: pageSize) ^ UInt32(truncatingIfNeeded: blockCount - index))
    }

    static func spiffs<P: ByteSource>(_ p: P) -> PartitionContent? {
        let blockSize = 0x1000
        let blocks = p.count / blockSize
        guard blocks >= 2 else { return nil }
        for page in [256, 512] {
            // One u16 object id per page of the block; the lookup pages hold them; magic in the second-last slot.
            let lookupPages = Swift.max(1, (blockSize / page * 2 + page - 1) / page)
            let magicAt = lookupPages * page - 4
            var ok = 0
            for b in 0..<Swift.min(blocks, 4) {
                if p.u16(at: b * blockSize + magicAt) == spiffsMagic(pageSize: page, blockCount: blocks, index: b) { ok += 1 }
            }
            if ok >= 2 {
                return PartitionContent(.spiffs, "SPIFFS, \(page)-byte pages, \(blocks) blocks of 4K", [("page_size", .int(page)), ("block_size", .int(blockSize)),
                                        ("block_count", .int(blocks)), ("magic_blocks_ok", .int(ok)), ("blocks_checked", .int(Swift.min(blocks, 4)))])
            }
            // Without the length term (CONFIG_SPIFFS_USE_MAGIC_LENGTH off).
            let plain = UInt16(truncatingIfNeeded: 0x2014_0529 ^ UInt32(page))
            if p.u16(at: magicAt) == plain, p.u16(at: blockSize + magicAt) == plain {
                return PartitionContent(.spiffs, "SPIFFS, \(page)-byte pages (magic without length)", [("page_size", .int(page)), ("block_size", .int(blockSize)), ("block_count", .int(blocks))])
            }
        }
        return nil
    }

    // MARK: FAT

    /// A FAT boot sector at `at`: jump, OEM name, bytes per sector, 0x55AA.
    static func fat<P: ByteSource>(_ p: P, at: Int) -> PartitionContent? {
        guard let j = p.u8(at: at), j == 0xEB || j == 0xE9, p.u16(at: at + 510) == 0xAA55,
              let bps = p.u16(at: at + 11), [512, 1024, 2048, 4096].contains(Int(bps)) else { return nil }
        let oem = String(decoding: p.bytes((at + 3)..<(at + 11)).map { (0x20...0x7E).contains($0) ? $0 : 0x3F }, as: UTF8.self).trimmingWhitespace()
        let sectors16 = Int(p.u16(at: at + 19) ?? 0), sectors32 = Int(p.u32(at: at + 32) ?? 0)
        let total = sectors16 != 0 ? sectors16 : sectors32
        return PartitionContent(.fat, "\"\(oem)\", \(bps)-byte sectors, \(total) sectors",
                                [("oem_name", .string(oem)), ("bytes_per_sector", .int(Int(bps))), ("sectors", .int(total)), ("boot_sector_offset", .int(at))])
    }

    /// FAT behind ESP-IDF wear levelling: config in the last sector, two state copies before it.
    static func fatWL<P: ByteSource>(_ p: P) -> PartitionContent? {
        let sector = 0x1000
        guard p.count >= 4 * sector else { return nil }
        let cfgAt = p.count - sector
        guard let full = p.u32(at: cfgAt + 4), let page = p.u32(at: cfgAt + 8), let sec = p.u32(at: cfgAt + 12),
              let wr = p.u32(at: cfgAt + 20), let ver = p.u32(at: cfgAt + 24), let cfgCRC = p.u32(at: cfgAt + 32) else { return nil }
        let cfgOK = Checksums.crc32(p, cfgAt..<(cfgAt + 32), seed: 0xFFFF_FFFF) == cfgCRC
        // Plausible WL config even when its CRC is wrong (then a diagnostic says so).
        guard Int(full) == p.count, page == UInt32(sector), sec == UInt32(sector), wr == 16, (1...2).contains(ver) else { return nil }
        var diags: [Diagnostic] = []
        if !cfgOK { diags.append(.warning(cfgAt + 32, .contentBadCRC, "wear-levelling config CRC wrong")) }
        // state_size: one sector unless the position records need more (WL_Flash::config).
        let need = 64 + (p.count / sector) * 16
        let stateSize = ((need + sector - 1) / sector) * sector
        let s1 = p.count - sector - 2 * stateSize, s2 = p.count - sector - stateSize
        guard s1 >= 0 else { return nil }
        func state(_ at: Int) -> (ok: Bool, pos: UInt32, maxPos: UInt32, move: UInt32, device: UInt32, version: UInt32)? {
            guard let pos = p.u32(at: at), let maxPos = p.u32(at: at + 4), let move = p.u32(at: at + 8),
                  let v = p.u32(at: at + 24), let dev = p.u32(at: at + 28), let crc = p.u32(at: at + 60) else { return nil }
            let len = v == 1 ? 28 : 60
            return (Checksums.crc32(p, at..<(at + len), seed: 0xFFFF_FFFF) == crc, pos, maxPos, move, dev, v)
        }
        let a = state(s1), b = state(s2)
        let ok1 = a?.ok ?? false, ok2 = b?.ok ?? false
        if !ok1 { diags.append(.warning(s1 + 60, .contentBadCRC, "wear-levelling state copy 1 CRC wrong")) }
        if !ok2 { diags.append(.warning(s2 + 60, .contentBadCRC, "wear-levelling state copy 2 CRC wrong")) }
        var detail: [(String, ContentValue)] = [("wl_version", .int(Int(ver))), ("config_crc_ok", .bool(cfgOK)),
                                               ("state1_crc_ok", .bool(ok1)), ("state2_crc_ok", .bool(ok2))]
        let st = ok1 ? a : ok2 ? b : nil
        guard let st else {
            diags.append(.warning(s1, .contentBadCRC, "neither wear-levelling state copy is valid: ESP-IDF would re-initialise the state and lose the sector mapping"))
            return PartitionContent(.fat, "FAT with wear levelling: state lost (both copies bad)", detail, diagnostics: diags)
        }
        // The dummy sector: the number of written position records after the state (WL_Flash::recoverPos).
        let flashSize = Int(st.maxPos > 0 ? st.maxPos - 1 : 0) * sector
        guard flashSize > 0, flashSize <= p.count else {
            diags.append(.warning(s1 + 4, .contentBadGeometry, "wear-levelling max_pos \(st.maxPos) does not fit the partition"))
            return PartitionContent(.fat, "FAT with wear levelling: bad geometry", detail, diagnostics: diags)
        }
        var pos = 0
        let recBase = s1 + 64
        while pos < Int(st.maxPos), pos < stateSize / 16 {
            var written = true
            for k in 0..<4 {
                var w = [UInt8](); w.appendLE(st.device &+ UInt32(truncatingIfNeeded: pos * 4 + k))
                if p.u32(at: recBase + pos * 16 + k * 4) != Checksums.crc32(w, seed: 0xFFFF_FFFF) { written = false; break }
            }
            if !written { break }
            pos += 1
        }
        if pos == Int(st.maxPos) { pos -= 1 }
        // Logical sector 0 (the FAT boot sector), WL_Flash::calcAddr.
        let moved = Int(st.move) % Swift.max(1, Int(st.maxPos))
        var phys = ((flashSize - (moved * sector) % flashSize) % flashSize)
        if phys >= pos * sector { phys += sector }
        detail += [("dummy_sector", .int(pos)), ("move_count", .int(Int(st.move))), ("max_pos", .int(Int(st.maxPos))),
                   ("fat_boot_sector_offset", .int(phys))]
        if let f = fat(p, at: phys) {
            detail += f.detail.filter { $0.0 != "boot_sector_offset" }
            return PartitionContent(.fat, "FAT with wear levelling, boot sector at +\(Hex.short(phys)) · " + f.summary, detail, diagnostics: diags)
        }
        diags.append(.warning(phys, .contentBadMagic, "wear levelling maps the FAT boot sector to +\(Hex.short(phys)), but no boot sector is there"))
        return PartitionContent(.fat, "FAT with wear levelling, no boot sector at +\(Hex.short(phys))", detail, diagnostics: diags)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
