// Fuzz target: app and bootloader image parsing (header, segments, checksum, SHA-256, descriptors, signatures).
import FlashFormats
import FlashModel

enum FuzzTarget {
    static func run(_ bytes: [UInt8]) {
        let src = ByteArray(bytes)
        for isBootloader in [false, true] {
            if case .image(let img) = AppImage.inspect(src, at: 0, isBootloader: isBootloader) {
                _ = img.lengthWithSignature
                _ = img.structurallyValid
            }
            // Inside a partition smaller than the file, and at an unaligned flash address.
            _ = AppImage.inspect(src, at: 0, limit: bytes.count / 2, flashAddress: 0x10020, isBootloader: isBootloader)
        }
        // As a single-file document, the way `flashscope info app.bin` reads it.
        if let layout = try? FlashLayout.analyze(src) { _ = Report.json(layout, file: "fuzz").serialized() }
    }

    static func seeds() -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = []
        for chip in [Chip.esp32, .esp32s2, .esp32c3, .esp32s3, .esp32c6, .esp32p4] {
            out.append(("app-\(chip.name).bin", Seeds.app(chip)))
        }
        out.append(("app-nohash.bin", Seeds.app(hash: false)))
        out.append(("bootloader-esp32.bin", FlashImageBuilder.bootloader(chip: .esp32, flashSize: 4 << 20)))
        out.append(("bootloader-c3.bin", FlashImageBuilder.bootloader(chip: .esp32c3, flashSize: 4 << 20)))
        return out
    }
}
