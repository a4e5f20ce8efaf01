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
    static func app(_ chip: Chip = .esp32, version: String = "1.0.0", seed: UInt8 = 1, hash: Bool = true) -> [UInt8] {
        AppImageBuilder.smallApp(chip: chip, project: "fuzz", version: version, seed: seed, appendHash: hash)
    }

    /// A 256 KiB two-OTA image: bootloader, table at 0x8000, otadata at 0xd000, three 64 KiB app slots.
    static func compact(_ chip: Chip = .esp32, otadata: (OTAEntry?, OTAEntry?) = (OTAEntry(seq: 2, state: OTAState.undefined), nil),
                        apps: Bool = true) -> FlashImageBuilder {
        var f = FlashImageBuilder.twoOTA(chip: chip, flashSize: 0x40000, appSize: 0x10000)
        if apps {
            f.app("factory", app(chip, version: "factory", seed: 1))
            f.app("ota_0", app(chip, version: "1.0.0", seed: 2))
            f.app("ota_1", app(chip, version: "2.0.0", seed: 3))
        }
        f.otadata(otadata.0, otadata.1)
        return f
    }

    static func encryptedLooking(size: Int = 0x40000) -> [UInt8] { FlashImageBuilder.encryptedLooking(size: size) }
}
