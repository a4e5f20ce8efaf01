// ChipMemoryMap.swift
//
// The "Memory types" column of `esptool image-info` (esptool v5.6.0).
//
// esptool names a segment's memory types from the MEMORY_MAP table of the chip's
// ROM loader class: every row whose half-open range [start, end) contains the
// segment's *load address* (only the start address; the segment length plays no
// part) contributes its name, in table order, and the names are joined with ", ".
// No match gives an empty column.
//
// The ranges below are the MEMORY_MAP tables of esptool v5.6.0
// (esptool/targets/*.py), including class inheritance: ESP32-H2 defines no
// MEMORY_MAP of its own and uses the ESP32-C6 table. Overlapping and duplicated
// ranges are intentional: they reproduce esptool's output (e.g. "DROM, IROM").

public enum ChipMemoryMap {
    /// One MEMORY_MAP row: a half-open address range [start, end) and its name.
    public typealias Region = (start: UInt32, end: UInt32, name: String)

    /// Memory-type names esptool prints for a segment loaded at `address` on the chip with this image chip_id
    /// (esp_chip_id_t: 0 ESP32, 2 S2, 9 S3, 5 C3, 12 C2, 13 C6, 16 H2, 18 P4, 20 C61, 23 C5, 25 H21, 28 H4, 32 S31;
    /// also 31 E22). Empty when unknown.
    ///
    /// Names are in esptool's table order; join them with ", " to get the printed column.
    ///
    /// Note: when esptool auto-detects the chip it reads only the low byte of the
    /// 16-bit chip_id field (header byte 12), so this lookup uses `chipID & 0xFF`
    /// too: an image whose chip_id is 0x0105 is shown with the ESP32-C3 map
    /// (while esptool's "Chip ID:" line says "261 (Unknown ID)").
    public static func memoryTypes(chipID: UInt16, address: UInt32) -> [String] {
        guard let table = regions(chipID: chipID) else { return [] }
        var names: [String] = []
        for region in table where region.start <= address && address < region.end {
            names.append(region.name)
        }
        return names
    }

    /// The MEMORY_MAP table esptool uses for images with this chip_id, or nil when
    /// esptool knows no chip with that id (it then treats the file as an ESP8266 image).
    public static func regions(chipID: UInt16) -> [Region]? {
        switch chipID & 0xFF {
        case 0: return esp32
        case 2: return esp32s2
        case 9: return esp32s3
        case 5: return esp32c3
        case 12: return esp32c2
        case 13: return esp32c6
        case 16: return esp32c6  // ESP32-H2 inherits the ESP32-C6 MEMORY_MAP
        case 18: return esp32p4
        case 20: return esp32c61
        case 23: return esp32c5
        case 25: return esp32h21
        case 28: return esp32h4
        case 31: return esp32e22
        case 32: return esp32s31
        default: return nil
        }
    }

    // MARK: - Tables (esptool v5.6.0), in esptool's row order

    static let esp32: [Region] = [
        (0x0000_0000, 0x0001_0000, "PADDING"),
        (0x3F40_0000, 0x3F80_0000, "DROM"),
        (0x3F80_0000, 0x3FC0_0000, "EXTRAM_DATA"),
        (0x3FF8_0000, 0x3FF8_2000, "RTC_DRAM"),
        (0x3FF9_0000, 0x4000_0000, "BYTE_ACCESSIBLE"),
        (0x3FFA_E000, 0x4000_0000, "DRAM"),
        (0x3FFE_0000, 0x3FFF_FFFC, "DIRAM_DRAM"),
        (0x4000_0000, 0x4007_0000, "IROM"),
        (0x4007_0000, 0x4007_8000, "CACHE_PRO"),
        (0x4007_8000, 0x4008_0000, "CACHE_APP"),
        (0x4008_0000, 0x400A_0000, "IRAM"),
        (0x400A_0000, 0x400B_FFFC, "DIRAM_IRAM"),
        (0x400C_0000, 0x400C_2000, "RTC_IRAM"),
        (0x400D_0000, 0x4040_0000, "IROM"),
        (0x5000_0000, 0x5000_2000, "RTC_DATA"),
    ]

    static let esp32s2: [Region] = [
        (0x0000_0000, 0x0001_0000, "PADDING"),
        (0x3F00_0000, 0x3FF8_0000, "DROM"),
        (0x3F50_0000, 0x3FF8_0000, "EXTRAM_DATA"),
        (0x3FF9_E000, 0x3FFA_0000, "RTC_DRAM"),
        (0x3FF9_E000, 0x4000_0000, "BYTE_ACCESSIBLE"),
        (0x3FF9_E000, 0x4007_2000, "MEM_INTERNAL"),
        (0x3FFB_0000, 0x4000_0000, "DRAM"),
        (0x4000_0000, 0x4001_A100, "IROM_MASK"),
        (0x4002_0000, 0x4007_0000, "IRAM"),
        (0x4007_0000, 0x4007_2000, "RTC_IRAM"),
        (0x4008_0000, 0x4080_0000, "IROM"),
        (0x5000_0000, 0x5000_2000, "RTC_DATA"),
    ]

    static let esp32s3: [Region] = [
        (0x0000_0000, 0x0001_0000, "PADDING"),
        (0x3C00_0000, 0x3D00_0000, "DROM"),
        (0x3D00_0000, 0x3E00_0000, "EXTRAM_DATA"),
        (0x600F_E000, 0x6010_0000, "RTC_DRAM"),
        (0x3FC8_8000, 0x3FD0_0000, "BYTE_ACCESSIBLE"),
        (0x3FC8_8000, 0x403E_2000, "MEM_INTERNAL"),
        (0x3FC8_8000, 0x3FD0_0000, "DRAM"),
        (0x4000_0000, 0x4001_A100, "IROM_MASK"),
        (0x4037_0000, 0x403E_0000, "IRAM"),
        (0x600F_E000, 0x6010_0000, "RTC_IRAM"),
        (0x4200_0000, 0x4280_0000, "IROM"),
        (0x5000_0000, 0x5000_2000, "RTC_DATA"),
    ]

    static let esp32c3: [Region] = [
        (0x0000_0000, 0x0001_0000, "PADDING"),
        (0x3C00_0000, 0x3C80_0000, "DROM"),
        (0x3FC8_0000, 0x3FCE_0000, "DRAM"),
        (0x3FC8_8000, 0x3FD0_0000, "BYTE_ACCESSIBLE"),
        (0x3FF0_0000, 0x3FF2_0000, "DROM_MASK"),
        (0x4000_0000, 0x4006_0000, "IROM_MASK"),
        (0x4200_0000, 0x4280_0000, "IROM"),
        (0x4037_C000, 0x403E_0000, "IRAM"),
        (0x5000_0000, 0x5000_2000, "RTC_IRAM"),
        (0x5000_0000, 0x5000_2000, "RTC_DRAM"),
        (0x600F_E000, 0x6010_0000, "MEM_INTERNAL2"),
    ]

    static let esp32c2: [Region] = [
        (0x0000_0000, 0x0001_0000, "PADDING"),
        (0x3C00_0000, 0x3C40_0000, "DROM"),
        (0x3FCA_0000, 0x3FCE_0000, "DRAM"),
        (0x3FC8_8000, 0x3FD0_0000, "BYTE_ACCESSIBLE"),
        (0x3FF0_0000, 0x3FF5_0000, "DROM_MASK"),
        (0x4000_0000, 0x4009_0000, "IROM_MASK"),
        (0x4200_0000, 0x4240_0000, "IROM"),
        (0x4037_C000, 0x403C_0000, "IRAM"),
    ]

    /// ESP32-C6; also used for ESP32-H2 (no MEMORY_MAP of its own).
    static let esp32c6: [Region] = [
        (0x0000_0000, 0x0001_0000, "PADDING"),
        (0x4200_0000, 0x4300_0000, "DROM"),
        (0x4080_0000, 0x4088_0000, "DRAM"),
        (0x4080_0000, 0x4088_0000, "BYTE_ACCESSIBLE"),
        (0x4004_AC00, 0x4005_0000, "DROM_MASK"),
        (0x4000_0000, 0x4004_AC00, "IROM_MASK"),
        (0x4200_0000, 0x4300_0000, "IROM"),
        (0x4080_0000, 0x4088_0000, "IRAM"),
        (0x5000_0000, 0x5000_4000, "RTC_IRAM"),
        (0x5000_0000, 0x5000_4000, "RTC_DRAM"),
        (0x600F_E000, 0x6010_0000, "MEM_INTERNAL2"),
    ]

    static let esp32c61: [Region] = [
        (0x0000_0000, 0x0001_0000, "PADDING"),
        (0x4200_0000, 0x4400_0000, "DROM"),
        (0x4080_0000, 0x4086_0000, "DRAM"),
        (0x4080_0000, 0x4086_0000, "BYTE_ACCESSIBLE"),
        (0x4004_AC00, 0x4005_0000, "DROM_MASK"),
        (0x4000_0000, 0x4004_AC00, "IROM_MASK"),
        (0x4200_0000, 0x4400_0000, "IROM"),
        (0x4080_0000, 0x4086_0000, "IRAM"),
        (0x5000_0000, 0x5000_4000, "RTC_IRAM"),
        (0x5000_0000, 0x5000_4000, "RTC_DRAM"),
        (0x600F_E000, 0x6010_0000, "MEM_INTERNAL2"),
    ]

    static let esp32c5: [Region] = [
        (0x0000_0000, 0x0001_0000, "PADDING"),
        (0x4200_0000, 0x4400_0000, "DROM"),
        (0x4080_0000, 0x4086_0000, "DRAM"),
        (0x4080_0000, 0x4086_0000, "BYTE_ACCESSIBLE"),
        (0x4003_A000, 0x4004_0000, "DROM_MASK"),
        (0x4000_0000, 0x4003_A000, "IROM_MASK"),
        (0x4200_0000, 0x4400_0000, "IROM"),
        (0x4080_0000, 0x4086_0000, "IRAM"),
        (0x5000_0000, 0x5000_4000, "RTC_IRAM"),
        (0x5000_0000, 0x5000_4000, "RTC_DRAM"),
        (0x600F_E000, 0x6010_0000, "MEM_INTERNAL2"),
    ]

    static let esp32h21: [Region] = [
        (0x0000_0000, 0x0001_0000, "PADDING"),
        (0x4200_0000, 0x4300_0000, "DROM"),
        (0x4080_0000, 0x4085_0000, "DRAM"),
        (0x4080_0000, 0x4085_0000, "BYTE_ACCESSIBLE"),
        (0x4000_0000, 0x4002_0000, "DROM_MASK"),
        (0x4000_0000, 0x4002_0000, "IROM_MASK"),
        (0x4200_0000, 0x4300_0000, "IROM"),
        (0x4080_0000, 0x4085_0000, "IRAM"),
        (0x5000_0000, 0x5000_1000, "RTC_IRAM"),
        (0x5000_0000, 0x5000_1000, "RTC_DRAM"),
        (0x4080_0000, 0x4085_0000, "MEM_INTERNAL"),
    ]

    static let esp32h4: [Region] = [
        (0x0000_0000, 0x0001_0000, "PADDING"),
        (0x4200_0000, 0x4400_0000, "DROM"),
        (0x4081_0000, 0x4086_0000, "DRAM"),
        (0x4081_0000, 0x4086_0000, "BYTE_ACCESSIBLE"),
        (0x4000_0000, 0x4002_0000, "DROM_MASK"),
        (0x4000_0000, 0x4002_0000, "IROM_MASK"),
        (0x4200_0000, 0x4400_0000, "IROM"),
        (0x4081_0000, 0x4086_0000, "IRAM"),
        (0x4081_0000, 0x4086_0000, "MEM_INTERNAL"),
    ]

    static let esp32p4: [Region] = [
        (0x0000_0000, 0x0001_0000, "PADDING"),
        (0x4000_0000, 0x4C00_0000, "DROM"),
        (0x4FF0_0000, 0x4FFA_0000, "DRAM"),
        (0x4FF0_0000, 0x4FFA_0000, "BYTE_ACCESSIBLE"),
        (0x4FC0_0000, 0x4FC2_0000, "DROM_MASK"),
        (0x4FC0_0000, 0x4FC2_0000, "IROM_MASK"),
        (0x4000_0000, 0x4C00_0000, "IROM"),
        (0x4FF0_0000, 0x4FFA_0000, "IRAM"),
        (0x5010_8000, 0x5011_0000, "RTC_IRAM"),
        (0x5010_8000, 0x5011_0000, "RTC_DRAM"),
        (0x600F_E000, 0x6010_0000, "MEM_INTERNAL2"),
    ]

    static let esp32s31: [Region] = [
        (0x0000_0000, 0x0001_0000, "PADDING"),
        (0x4000_0000, 0x5400_0000, "DROM"),
        (0x2F00_0000, 0x2F08_0000, "DRAM"),
        (0x2F00_0000, 0x2F08_0000, "BYTE_ACCESSIBLE"),
        (0x2F80_0000, 0x2F85_0000, "DROM_MASK"),
        (0x2F80_0000, 0x2F85_0000, "IROM_MASK"),
        (0x4000_0000, 0x5400_0000, "IROM"),
        (0x2F00_0000, 0x2F08_0000, "IRAM"),
        (0x2E00_0000, 0x2E00_8000, "RTC_IRAM"),
        (0x2E00_0000, 0x2E00_8000, "RTC_DRAM"),
    ]

    static let esp32e22: [Region] = [
        (0x0000_0000, 0x0001_0000, "PADDING"),
        (0x3C00_0000, 0x4000_0000, "DROM"),
        (0x3100_0000, 0x3120_0000, "DRAM"),
        (0x3100_0000, 0x3120_0000, "BYTE_ACCESSIBLE"),
        (0x3000_0000, 0x3012_0000, "DROM_MASK"),
        (0x3000_0000, 0x3012_0000, "IROM_MASK"),
        (0x3C00_0000, 0x4000_0000, "IROM"),
        (0x30FE_0000, 0x3120_0000, "IRAM"),
        (0xC000_0000, 0xC000_8000, "RTC_IRAM"),
        (0xC000_0000, 0xC000_8000, "RTC_DRAM"),
    ]
}
