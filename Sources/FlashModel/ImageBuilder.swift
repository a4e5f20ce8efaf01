import FlashFormats

/// Builds whole flash images from parts with the project's own encoders: a bootloader at the chip's
/// offset, a partition table, otadata and app images, everything else erased (0xFF).
///
/// Used for `Samples/`, test fixtures and benchmark images.
public struct FlashImageBuilder: Sendable {
    public var chip: Chip
    public var flashSize: Int
    public var tableOffset: Int
    public var partitions: [PartitionEntry]
    /// Bytes to place at absolute offsets, applied in order after the bootloader and table.
    public var contents: [(offset: Int, bytes: [UInt8])] = []
    /// Write the bootloader image (true) or leave its region erased.
    public var includeBootloader = true
    /// `esp_bootloader_desc_t.idf_ver` of the bootloader; nil builds one without the descriptor (pre-v5.2).
    public var bootloaderIDF: String? = "v5.5.1"
    /// The bootloader header's flash size code, when it should differ from `flashSize`.
    public var bootloaderSizeCode: UInt8?
    /// The bootloader header's `max_chip_rev_full` (ESP-IDF sets it from v4.4.5/v5.0.1; 0xFFFF: not set).
    public var bootloaderMaxChipRevisionFull: UInt16 = 0xFFFF

    public init(chip: Chip = .esp32, flashSize: Int = 4 << 20, tableOffset: Int = defaultPartitionTableOffset,
                partitions: [PartitionEntry]) {
        self.chip = chip; self.flashSize = flashSize; self.tableOffset = tableOffset; self.partitions = partitions
    }

    /// ESP-IDF's "factory app, two OTA definitions" layout (partitions_two_ota.csv), placed for `flashSize`.
    public static func twoOTA(chip: Chip = .esp32, flashSize: Int = 4 << 20, appSize: Int = 0x100000) -> FlashImageBuilder {
        FlashImageBuilder(chip: chip, flashSize: flashSize, partitions: [
            PartitionEntry(name: "nvs", type: 1, subtype: 0x02, offset: 0x9000, size: 0x4000),
            PartitionEntry(name: "otadata", type: 1, subtype: 0x00, offset: 0xD000, size: 0x2000),
            PartitionEntry(name: "phy_init", type: 1, subtype: 0x01, offset: 0xF000, size: 0x1000),
            PartitionEntry(name: "factory", type: 0, subtype: 0x00, offset: 0x10000, size: UInt32(appSize)),
            PartitionEntry(name: "ota_0", type: 0, subtype: 0x10, offset: UInt32(0x10000 + appSize), size: UInt32(appSize)),
            PartitionEntry(name: "ota_1", type: 0, subtype: 0x11, offset: UInt32(0x10000 + 2 * appSize), size: UInt32(appSize)),
        ])
    }

    /// Ciphertext-looking bytes (xorshift) everywhere except two plaintext otadata-like sectors at
    /// 0xe000 (seq 1) and 0xf000 (seq 0): what `esptool read-flash` returns from a flash-encrypted ESP32.
    public static func encryptedLooking(size: Int, seed: UInt8 = 0x5A) -> [UInt8] {
        var out = AppImageBuilder.pattern(count: size, seed: seed)
        for (at, seq) in [(0xE000, UInt32(1)), (0xF000, UInt32(0))] where at + 0x1000 <= size {
            out.replaceSubrange(at..<(at + 0x1000), with: [UInt8](repeating: 0xFF, count: 0x1000))
            out.replaceSubrange(at..<(at + 32), with: OTAEntry(seq: seq, state: OTAState.undefined).bytes())
        }
        return out
    }

    public func partition(_ name: String) -> PartitionEntry? { partitions.first { $0.name == name } }

    /// Places an app image at the start of partition `name`.
    public mutating func app(_ name: String, _ image: [UInt8]) {
        guard let p = partition(name) else { return }
        contents.append((Int(p.offset), image))
    }

    /// Writes both otadata sectors (each erased, entry at its start).
    public mutating func otadata(_ e0: OTAEntry?, _ e1: OTAEntry?) {
        guard let p = partitions.first(where: \.isOTAData) else { return }
        contents.append((Int(p.offset), encodeOTAData([e0, e1])))
    }

    /// A second-stage bootloader image for the chip: RAM-only segments, `esp_bootloader_desc_t` first.
    public static func bootloader(chip: Chip, flashSize: Int, idf: String? = "v5.5.1", sizeCode: UInt8? = nil,
                                  maxChipRevisionFull: UInt16 = 0xFFFF) -> [UInt8] {
        var b = AppImageBuilder(chip: chip)
        b.maxChipRevisionFull = maxChipRevisionFull
        let sizeCode = sizeCode ?? UInt8(max(0, min(7, (flashSize >> 20).trailingZeroBitCount)))
        b.flashSizeFreqByte = (sizeCode & 0x0F) << 4
        let (dram, iram): (UInt32, UInt32) = switch chip.id {
        case Chip.esp32.id: (0x3FFF_0030, 0x4007_8000)
        case Chip.esp32s2.id: (0x3FFE_6100, 0x4005_0000)
        case Chip.esp32s3.id, Chip.esp32c3.id, Chip.esp32c2.id: (0x3FCD_5820, 0x403C_C710)
        default: (0x4085_0000, 0x4086_0000)
        }
        let desc = idf.map { bootloaderDescriptorBytes(version: 1, idf: $0, dateTime: "Nov 24 2026 12:00:00") }
            ?? [UInt8](repeating: 0, count: 80)
        b.segments = [
            .init(loadAddress: dram, data: desc + AppImageBuilder.pattern(count: 0x800, seed: 0x42)),
            .init(loadAddress: iram, data: AppImageBuilder.pattern(count: 0x3000, seed: 0x43)),
        ]
        b.entry = iram + 0x100
        return b.bytes()
    }

    public func bytes() -> [UInt8] {
        var out = [UInt8](repeating: 0xFF, count: flashSize)
        func put(_ bytes: [UInt8], _ at: Int) {
            guard at >= 0, at < out.count else { return }
            let n = min(bytes.count, out.count - at)
            out.replaceSubrange(at..<(at + n), with: bytes[0..<n])
        }
        if includeBootloader {
            put(Self.bootloader(chip: chip, flashSize: flashSize, idf: bootloaderIDF, sizeCode: bootloaderSizeCode,
                                maxChipRevisionFull: bootloaderMaxChipRevisionFull), chip.bootloaderOffset)
        }
        put(PartitionTable.encode(partitions), tableOffset)
        for c in contents { put(c.bytes, c.offset) }
        return out
    }
}

/// The images shipped in `Samples/`, built by the encoders above (`flashscope make-samples DIR`).
public enum SampleImages {
    public struct Sample: Sendable {
        public let name: String
        public let bytes: [UInt8]
        public let about: String
    }

    static func app(_ project: String, _ version: String, seed: UInt8, code: Int = 0x6000) -> [UInt8] {
        AppImageBuilder.typicalApp(chip: .esp32, project: project, version: version, codeSize: code, seed: seed).bytes()
    }

    public static func all() -> [Sample] {
        let factory = app("flashscope-demo", "factory-1.0", seed: 1)
        let v1 = app("flashscope-demo", "1.0.0", seed: 2)
        let v2 = app("flashscope-demo", "2.0.0", seed: 3, code: 0x8000)

        var fresh = FlashImageBuilder.twoOTA()
        fresh.app("factory", factory)
        fresh.otadata(nil, nil)

        var ota1 = FlashImageBuilder.twoOTA()
        ota1.app("factory", factory)
        ota1.app("ota_0", v1)
        ota1.app("ota_1", v2)
        ota1.otadata(OTAEntry(seq: 2, state: OTAState.undefined), nil)

        // ota_0 confirmed (seq 1, VALID); ota_1 installed and booted once, not yet confirmed.
        var rollback = FlashImageBuilder.twoOTA()
        rollback.app("factory", factory)
        rollback.app("ota_0", v1)
        rollback.app("ota_1", v2)
        rollback.otadata(OTAEntry(seq: 1, state: OTAState.valid), OTAEntry(seq: 2, state: OTAState.pendingVerify))

        var corrupt = FlashImageBuilder.twoOTA()
        corrupt.app("factory", factory)
        corrupt.app("ota_0", v1)
        corrupt.app("ota_1", v2)
        corrupt.otadata(OTAEntry(seq: 3, state: OTAState.undefined, crc: Checksums.otaCRC(seq: 3) ^ 1),
                        OTAEntry(seq: 2, state: OTAState.undefined))

        return [
            Sample(name: "fresh-two-ota.bin", bytes: fresh.bytes(),
                   about: "Fresh ESP32 4 MB flash, factory + ota_0 + ota_1 (both empty), otadata erased: boots factory."),
            Sample(name: "ota1-active.bin", bytes: ota1.bytes(),
                   about: "ota_0 holds 1.0.0, ota_1 holds 2.0.0; otadata sector 0 seq 2 (what esp_ota_set_boot_partition(ota_1) writes from fresh): boots ota_1."),
            Sample(name: "rollback-pending.bin", bytes: rollback.bytes(),
                   about: "Sector 0 seq 1 VALID (ota_0), sector 1 seq 2 PENDING_VERIFY (ota_1 booted once, unconfirmed). Without rollback: boots ota_1. With --rollback the bootloader marks it ABORTED and boots ota_0."),
            Sample(name: "otadata-crc-corrupt.bin", bytes: corrupt.bytes(),
                   about: "Sector 0 seq 3 with a corrupted CRC (would select ota_0), sector 1 seq 2 valid: the bootloader ignores sector 0 and boots ota_1."),
            Sample(name: "app-2.1.0.bin", bytes: app("flashscope-demo", "2.1.0", seed: 4, code: 0xA000),
                   about: "A valid ESP32 app image (flashscope-demo 2.1.0) to stage into a slot."),
        ]
    }
}
