// Shared part of every fuzz target: the libFuzzer entry points and the seed fixtures.
//
// Each target is built from this file plus one `<target>.swift` that defines `FuzzTarget`
// (see scripts/fuzz). Nothing here is part of the package build.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlashFormats
import FlashModel

@_cdecl("LLVMFuzzerTestOneInput")
public func flashscopeFuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = (data != nil && size > 0) ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    FuzzTarget.run(bytes)
    return 0
}

/// `FLASHSCOPE_FUZZ_WRITE_SEEDS=DIR target` writes the target's seed inputs into DIR and exits
/// (the fixtures are built by the project's own encoders, so seeds need no checked-in binaries).
@_cdecl("LLVMFuzzerInitialize")
public func flashscopeFuzzInit(_ argc: UnsafeMutableRawPointer?, _ argv: UnsafeMutableRawPointer?) -> CInt {
    guard let raw = getenv("FLASHSCOPE_FUZZ_WRITE_SEEDS") else { return 0 }
    let dir = String(cString: raw)
    var n = 0
    for (name, bytes) in FuzzTarget.seeds() {
        do { try AtomicFile.write(bytes, to: "\(dir)/\(name)", overwrite: true) } catch {
            fputs("seed \(name): \(error)\n", stderr)
            exit(1)
        }
        n += 1
    }
    print("wrote \(n) seeds to \(dir)")
    exit(0)
}

/// Small, valid fixtures (the same shapes the robustness tests use).
enum Seeds {
    /// An app with a flash-mapped DROM segment holding `esp_app_desc_t` and one DRAM segment:
    /// under 1 KiB, valid checksum and SHA-256, MMU-consistent when placed on a 64 KiB boundary.
    static func app(_ chip: Chip = .esp32, version: String = "1.0.0", seed: UInt8 = 1, hash: Bool = true) -> [UInt8] {
        var b = AppImageBuilder(chip: chip)
        let (drom, dram): (UInt32, UInt32) = switch chip.id {
        case Chip.esp32.id: (0x3F40_0020, 0x3FFB_0000)
        case Chip.esp32s2.id: (0x3F00_0020, 0x3FFB_0000)
        case Chip.esp32c3.id, Chip.esp32s3.id, Chip.esp32c2.id: (0x3C00_0020, 0x3FC8_0000)
        default: (0x4200_0020, 0x4080_0000)
        }
        let desc = AppDescriptorBuilder(projectName: "fuzz", version: version, idfVersion: "v5.5.1",
                                        date: "Nov 24 2026", time: "12:00:00").bytes()
        b.segments = [.init(loadAddress: drom, data: desc + AppImageBuilder.pattern(count: 0x40, seed: seed)),
                      .init(loadAddress: dram, data: AppImageBuilder.pattern(count: 0x40, seed: seed &+ 1))]
        b.appendHash = hash
        return b.bytes()
    }

    /// A 256 KiB two-OTA image: bootloader, table at 0x8000, otadata at 0xd000, three 64 KiB app slots.
    static func compact(_ chip: Chip = .esp32, otadata: (OTAEntry?, OTAEntry?) = (OTAEntry(seq: 2, state: OTAState.undefined), nil),
                        apps: Bool = true) -> FlashImageBuilder {
        var f = FlashImageBuilder(chip: chip, flashSize: 0x40000, partitions: [
            PartitionEntry(name: "nvs", type: 1, subtype: 0x02, offset: 0x9000, size: 0x4000),
            PartitionEntry(name: "otadata", type: 1, subtype: 0x00, offset: 0xD000, size: 0x2000),
            PartitionEntry(name: "phy_init", type: 1, subtype: 0x01, offset: 0xF000, size: 0x1000),
            PartitionEntry(name: "factory", type: 0, subtype: 0x00, offset: 0x10000, size: 0x10000),
            PartitionEntry(name: "ota_0", type: 0, subtype: 0x10, offset: 0x20000, size: 0x10000),
            PartitionEntry(name: "ota_1", type: 0, subtype: 0x11, offset: 0x30000, size: 0x10000),
        ])
        if apps {
            f.app("factory", app(chip, version: "factory", seed: 1))
            f.app("ota_0", app(chip, version: "1.0.0", seed: 2))
            f.app("ota_1", app(chip, version: "2.0.0", seed: 3))
        }
        f.otadata(otadata.0, otadata.1)
        return f
    }

    /// Ciphertext-looking bytes (xorshift) where bootloader, table and apps would be, with two plaintext
    /// otadata-like sectors at 0xe000/0xf000 as a flash-encrypted ESP32's read-flash shows them.
    static func encryptedLooking(size: Int = 0x40000) -> [UInt8] {
        var out = AppImageBuilder.pattern(count: size, seed: 0x5A)
        for (at, seq) in [(0xE000, UInt32(1)), (0xF000, UInt32(0))] {
            out.replaceSubrange(at..<(at + 0x1000), with: [UInt8](repeating: 0xFF, count: 0x1000))
            let e = OTAEntry(seq: seq, state: OTAState.undefined)
            out.replaceSubrange(at..<(at + 32), with: e.bytes())
        }
        return out
    }
}
