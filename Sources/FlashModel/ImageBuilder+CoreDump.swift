import FlashFormats

extension FlashImageBuilder {
    /// ESP-IDF's two-OTA layout plus a 64 KiB data/coredump partition at 0x310000 holding `dump`, with an app
    /// in each named slot whose `esp_app_desc_t.app_elf_sha256` is the given bytes (tests and fuzz seeds).
    public static func withCoreDump(_ dump: [UInt8], apps: [(slot: String, elfSHA256: [UInt8])]) -> FlashImageBuilder {
        var fb = FlashImageBuilder.twoOTA()
        fb.partitions.append(PartitionEntry(name: "coredump", type: 1, subtype: 0x03, offset: 0x310000, size: 0x10000))
        for (i, a) in apps.enumerated() {
            var app = AppImageBuilder.typicalApp(project: "app\(i)", version: "1.0.0", seed: UInt8(truncatingIfNeeded: i + 1))
            let sha = Array(a.elfSHA256.prefix(32))
            app.segments[0].data.replaceSubrange(144..<(144 + sha.count), with: sha)
            fb.app(a.slot, app.bytes())
        }
        fb.contents.append((0x310000, dump))
        return fb
    }

    /// The ELF SHA-256 bytes `CoreDumpBuilder.esp32Sample()` names (prefix "1b43c5e74").
    public static let sampleCrashedELFSHA256: [UInt8] = [0x1B, 0x43, 0xC5, 0xE7, 0x4F, 0x2D] + [UInt8](repeating: 0x11, count: 26)
}
