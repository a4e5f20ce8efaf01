/// ESP32-family chips as they appear in image headers (`esp_chip_id_t`, esptool `IMAGE_CHIP_ID`).
public struct Chip: Sendable, Equatable, Hashable {
    /// `chip_id` from the extended image header.
    public let id: UInt16
    /// esptool's name ("ESP32-S3").
    public let name: String
    /// Where the second-stage bootloader sits in flash (ESP_ROM_BOOTLOADER_OFFSET_FLASH / esptool BOOTLOADER_FLASH_OFFSET).
    public let bootloaderOffset: Int
    /// esptool flash-frequency names for header nibbles 0x0, 0x1, 0x2, 0xF (nil = not in esptool's table).
    let frequencyNames: [UInt8: String]
    /// Flash-mapped instruction and data windows as the bootloader's `should_map` sees them
    /// (soc/<chip>/include/soc/soc.h `SOC_IROM_*`/`SOC_DROM_*`, plus `SOC_EXTRAM_*` on P4 and S31).
    let flashMapped: [ClosedRange<UInt32>]

    public static let esp32 = Chip(id: 0, name: "ESP32", bootloaderOffset: 0x1000, frequencyNames: esp32Freq,
                                   flashMapped: [0x400D_0000...0x403F_FFFF, 0x3F40_0000...0x3F7F_FFFF])
    public static let esp32s2 = Chip(id: 2, name: "ESP32-S2", bootloaderOffset: 0x1000, frequencyNames: esp32Freq,
                                     flashMapped: [0x4008_0000...0x407F_FFFF, 0x3F00_0000...0x3FF7_FFFF])
    public static let esp32c3 = Chip(id: 5, name: "ESP32-C3", bootloaderOffset: 0, frequencyNames: esp32Freq,
                                     flashMapped: [0x4200_0000...0x427F_FFFF, 0x3C00_0000...0x3C7F_FFFF])
    public static let esp32s3 = Chip(id: 9, name: "ESP32-S3", bootloaderOffset: 0, frequencyNames: esp32Freq,
                                     flashMapped: [0x4200_0000...0x43FF_FFFF, 0x3C00_0000...0x3DFF_FFFF])
    public static let esp32c2 = Chip(id: 12, name: "ESP32-C2", bootloaderOffset: 0,
                                     frequencyNames: [0x0: "30m", 0x1: "20m", 0x2: "15m", 0xF: "60m"],
                                     flashMapped: [0x4200_0000...0x423F_FFFF, 0x3C00_0000...0x3C3F_FFFF])
    public static let esp32c6 = Chip(id: 13, name: "ESP32-C6", bootloaderOffset: 0,
                                     frequencyNames: [0x0: "80m", 0x2: "20m"], flashMapped: riscvUnified)
    public static let esp32h2 = Chip(id: 16, name: "ESP32-H2", bootloaderOffset: 0, frequencyNames: h2Freq,
                                     flashMapped: riscvUnified)
    public static let esp32p4 = Chip(id: 18, name: "ESP32-P4", bootloaderOffset: 0x2000, frequencyNames: esp32Freq,
                                     flashMapped: [0x4000_0000...0x43FF_FFFF, 0x4800_0000...0x4BFF_FFFF])
    public static let esp32c61 = Chip(id: 20, name: "ESP32-C61", bootloaderOffset: 0, frequencyNames: c5Freq,
                                      flashMapped: [0x4200_0000...0x43FF_FFFF])
    public static let esp32c5 = Chip(id: 23, name: "ESP32-C5", bootloaderOffset: 0x2000, frequencyNames: c5Freq,
                                     flashMapped: [0x4200_0000...0x43FF_FFFF])
    // esptool 5.6 knows only 24m and 48m for H21/H4 (the spec's 16m/12m is H2's table).
    public static let esp32h21 = Chip(id: 25, name: "ESP32-H21", bootloaderOffset: 0, frequencyNames: [0x0: "24m", 0xF: "48m"],
                                      flashMapped: riscvUnified)
    public static let esp32h4 = Chip(id: 28, name: "ESP32-H4", bootloaderOffset: 0x2000, frequencyNames: [0x0: "24m", 0xF: "48m"],
                                     flashMapped: [0x4200_0000...0x43FF_FFFF])
    /// Known to esptool (HEAD) only; not confirmed in ESP-IDF.
    public static let esp32e22 = Chip(id: 31, name: "ESP32-E22", bootloaderOffset: 0, frequencyNames: esp32Freq,
                                      flashMapped: [0x4200_0000...0x43FF_FFFF])
    public static let esp32s31 = Chip(id: 32, name: "ESP32-S31", bootloaderOffset: 0x2000, frequencyNames: c5Freq,
                                      flashMapped: [0x4000_0000...0x43FF_FFFF, 0x5000_0000...0x53FF_FFFF])

    public static let all: [Chip] = [esp32, esp32s2, esp32c3, esp32s3, esp32c2, esp32c6, esp32h2, esp32p4,
                                     esp32c61, esp32c5, esp32h21, esp32h4, esp32s31, esp32e22]

    private static let esp32Freq: [UInt8: String] = [0x0: "40m", 0x1: "26m", 0x2: "20m", 0xF: "80m"]
    private static let c5Freq: [UInt8: String] = [0x0: "40m", 0x2: "20m", 0xF: "80m"]
    private static let h2Freq: [UInt8: String] = [0x0: "24m", 0x1: "16m", 0x2: "12m", 0xF: "48m"]
    private static let riscvUnified: [ClosedRange<UInt32>] = [0x4200_0000...0x42FF_FFFF]

    /// The chip with this header id, if ESP-IDF knows it.
    public static func from(id: UInt16) -> Chip? { all.first { $0.id == id } }

    /// Chip names usable on the command line (`esp32s3`, `ESP32-S3`).
    public static func named(_ text: String) -> Chip? {
        let key = text.lowercased().replacingDashes()
        return all.first { $0.name.lowercased().replacingDashes() == key }
    }

    /// The esptool name of the flash frequency nibble, or nil when esptool calls it invalid.
    public func flashFrequencyName(_ nibble: UInt8) -> String? { frequencyNames[nibble & 0x0F] }

    /// True when `address` lies in a flash-mapped (cache) window, where the MMU alignment rule applies.
    public func isFlashMapped(_ address: UInt32) -> Bool { flashMapped.contains { $0.contains(address) } }

    /// `SPI_FLASH_MMU_PAGE_SIZE` of a default bootloader build of the newest release for this chip and flash
    /// size (the per-release rule is `BootloaderRules.bootloaderMMUPage`).
    public func defaultMMUPageSize(flashSize: Int?) -> Int {
        BootloaderRules(version: nil, source: .unknown, chip: self).bootloaderMMUPage(flashSize: flashSize)
    }

    /// Human name of an id, known or not ("ESP32-C3", "unknown chip 0x0042").
    public static func describe(id: UInt16) -> String {
        from(id: id)?.name ?? "unknown chip \(Hex.short(id))"
    }
}

/// Flash size, mode and frequency from header bytes 2–3 (esp_image_header_t spi_mode / spi_speed / spi_size).
public struct FlashParams: Sendable, Equatable {
    public let modeByte: UInt8
    public let sizeFreqByte: UInt8

    public init(modeByte: UInt8, sizeFreqByte: UInt8) {
        self.modeByte = modeByte
        self.sizeFreqByte = sizeFreqByte
    }

    public var sizeCode: UInt8 { sizeFreqByte >> 4 }
    public var frequencyCode: UInt8 { sizeFreqByte & 0x0F }

    /// Flash size in bytes (1MB << code for codes 0–7), nil for codes ESP-IDF does not define.
    public var flashSize: Int? { sizeCode <= 7 ? (1 << 20) << Int(sizeCode) : nil }

    /// esptool's name ("4MB"), or nil when invalid.
    public var flashSizeName: String? { flashSize.map { "\($0 >> 20)MB" } }

    /// esptool names QIO/QOUT/DIO/DOUT; ESP-IDF also defines FAST_READ and SLOW_READ.
    public var modeName: String {
        switch modeByte {
        case 0: "QIO"
        case 1: "QOUT"
        case 2: "DIO"
        case 3: "DOUT"
        case 4: "FAST_READ"
        case 5: "SLOW_READ"
        default: "unknown (\(Hex.short(modeByte)))"
        }
    }
}

extension String {
    fileprivate func replacingDashes() -> String { filter { $0 != "-" && $0 != "_" } }
}
