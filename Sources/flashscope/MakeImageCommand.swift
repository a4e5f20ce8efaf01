import ArgumentParser
import FlashFormats
import FlashModel

/// Writes the benchmark images (hidden: used by `scripts/bench`), built by the project's own encoders.
///
/// Layouts (all ESP32, bootloader at 0x1000, table at 0x8000, otadata selecting ota_0):
/// - `4m`: 4 MiB, factory + ota_0 + ota_1 slots of 1 MiB, each holding a ~1 MB app.
/// - `16m`: 16 MiB, ota_0…ota_3 slots of 3 MiB, each holding a ~2.8 MB app, plus a 3.9 MiB spiffs left erased.
/// - `64m`, `128m`: factory + ota_0 + ota_1 slots of 2 MiB with ~1.6 MB apps, and a 48 MiB spiffs (64m)
///   or 112 MiB fat (128m) data partition full of pseudo-random bytes.
///
/// `--app-size N` instead writes one app image of about N bytes, to stage into a slot.
struct MakeImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "make-image",
                                                    abstract: "Write a benchmark flash image (4m, 16m, 64m, 128m) or an app of a given size.",
                                                    shouldDisplay: false).leaf
    @Option(help: "Image layout: 4m, 16m, 64m or 128m.") var layout: String?
    @Option(name: .customLong("app-size"), help: "Write a single app image of about this many bytes instead.") var appSize: String?
    @Option(help: "Version string of the apps (esp_app_desc_t.version).") var version = "1.0.0"
    @Option(name: .shortAndLong) var output: String
    @Flag var force = false

    func validate() throws {
        if (layout == nil) == (appSize == nil) { throw ValidationError("give exactly one of --layout or --app-size") }
        if let layout, BenchImages.layout(named: layout) == nil {
            throw ValidationError("unknown layout '\(layout)' (use 4m, 16m, 64m or 128m)")
        }
    }

    func run() throws {
        let bytes: [UInt8]
        let what: String
        if let appSize {
            let n = try parseNumber(appSize, what: "--app-size")
            bytes = BenchImages.app(size: n, version: version, seed: 9)
            what = "ESP32 app, version \(version)"
        } else {
            let l = BenchImages.layout(named: layout!)!
            bytes = BenchImages.image(l, version: version)
            what = l.about
        }
        do { try AtomicFile.write(bytes, to: output, overwrite: force) } catch { throw CLIError(error) }
        writeStdout("\(output): \(bytes.count) bytes, \(what)\n")
    }
}

enum BenchImages {
    struct Layout {
        let flashSize: Int
        let partitions: [PartitionEntry]
        /// Slots that get an app, and the app's total size.
        let apps: [(slot: String, size: Int)]
        /// A data partition filled with pseudo-random bytes.
        let randomData: String?
        let about: String
    }

    static func data(_ name: String, _ subtype: UInt8, _ offset: Int, _ size: Int) -> PartitionEntry {
        PartitionEntry(name: name, type: 1, subtype: subtype, offset: UInt32(offset), size: UInt32(size))
    }

    static func appSlot(_ name: String, _ subtype: UInt8, _ offset: Int, _ size: Int) -> PartitionEntry {
        PartitionEntry(name: name, type: 0, subtype: subtype, offset: UInt32(offset), size: UInt32(size))
    }

    /// nvs, otadata and phy_init as in ESP-IDF's default tables.
    static let system = [data("nvs", 0x02, 0x9000, 0x4000), data("otadata", 0x00, 0xD000, 0x2000), data("phy_init", 0x01, 0xF000, 0x1000)]

    static func layout(named name: String) -> Layout? {
        let mib = 1 << 20
        switch name.lowercased() {
        case "4m":
            return Layout(flashSize: 4 * mib,
                          partitions: system + [appSlot("factory", 0x00, 0x10000, mib), appSlot("ota_0", 0x10, 0x110000, mib),
                                                appSlot("ota_1", 0x11, 0x210000, mib)],
                          apps: [("factory", 1_000_000), ("ota_0", 1_000_000), ("ota_1", 1_000_000)], randomData: nil,
                          about: "4 MiB: factory + ota_0 + ota_1 (1 MiB slots, ~1 MB apps), boots ota_0")
        case "16m":
            var parts = system
            for i in 0..<4 { parts.append(appSlot("ota_\(i)", PartitionType.otaSubtypeBase + UInt8(i), 0x10000 + i * 3 * mib, 3 * mib)) }
            parts.append(data("storage", 0x82, 0x10000 + 12 * mib, 16 * mib - 0x10000 - 12 * mib))
            return Layout(flashSize: 16 * mib, partitions: parts,
                          apps: (0..<4).map { ("ota_\($0)", 2_800_000) }, randomData: nil,
                          about: "16 MiB: ota_0…ota_3 (3 MiB slots, ~2.8 MB apps) + spiffs (erased), boots ota_0")
        case "64m", "128m":
            let size = name.lowercased() == "64m" ? 64 * mib : 128 * mib
            let dataName = size == 64 * mib ? "storage" : "fatfs"
            let dataSubtype: UInt8 = size == 64 * mib ? 0x82 : 0x81
            let dataSize = size == 64 * mib ? 48 * mib : 112 * mib
            return Layout(flashSize: size,
                          partitions: system + [appSlot("factory", 0x00, 0x10000, 2 * mib), appSlot("ota_0", 0x10, 0x210000, 2 * mib),
                                                appSlot("ota_1", 0x11, 0x410000, 2 * mib), data(dataName, dataSubtype, 8 * mib, dataSize)],
                          apps: [("factory", 1_600_000), ("ota_0", 1_600_000), ("ota_1", 1_600_000)], randomData: dataName,
                          about: "\(size / mib) MiB: factory + ota_0 + ota_1 (2 MiB slots, ~1.6 MB apps) + \(dataSize / mib) MiB \(dataSubtype == 0x82 ? "spiffs" : "fat") of pseudo-random bytes, boots ota_0")
        default:
            return nil
        }
    }

    /// An app image of `size` bytes or a little less (the IROM segment is sized to fit).
    static func app(size: Int, version: String, seed: UInt8) -> [UInt8] {
        // typicalApp puts the IROM data at image offset 0x10020; after it come up to 16 bytes of
        // padding plus the checksum, then the 32-byte digest.
        let code = Swift.max(4, (size - 0x10020 - 48) & ~3)
        return AppImageBuilder.typicalApp(chip: .esp32, project: "flashscope-bench", version: version,
                                          codeSize: code, seed: seed).bytes()
    }

    static func image(_ l: Layout, version: String) -> [UInt8] {
        var b = FlashImageBuilder(chip: .esp32, flashSize: l.flashSize, partitions: l.partitions)
        for (i, a) in l.apps.enumerated() {
            b.app(a.slot, app(size: a.size, version: "\(version)-\(a.slot)", seed: UInt8(10 + i)))
        }
        b.otadata(OTAEntry(seq: 1, state: OTAState.undefined), nil)
        var out = b.bytes()
        if let name = l.randomData, let p = b.partition(name) {
            fillRandom(&out, Int(p.offset)..<Swift.min(out.count, Int(p.end)), seed: 0x5EED_F1A5)
        }
        return out
    }

    /// Deterministic pseudo-random bytes (xorshift64), eight at a time.
    static func fillRandom(_ out: inout [UInt8], _ range: Range<Int>, seed: UInt64) {
        var x = seed | 1
        out.withUnsafeMutableBytes { buf in
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17
                buf.storeBytes(of: x.littleEndian, toByteOffset: i, as: UInt64.self)
                i += 8
            }
            while i < range.upperBound {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17
                buf[i] = UInt8(truncatingIfNeeded: x)
                i += 1
            }
        }
    }
}
