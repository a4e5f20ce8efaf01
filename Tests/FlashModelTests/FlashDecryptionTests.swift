import FlashFormats
import Foundation
import Testing
@testable import FlashModel

/// Flash-encrypted dumps made here: a plaintext image from the encoders, the regions ESP-IDF encrypts
/// encrypted with FlashEncryption (its vectors are pinned to espsecure in FlashEncryptionTests).
struct FlashDecryptionTests {
    static let key = FlashEncryptionKey(AppImageBuilder.pattern(count: 32, seed: 77))!

    static func plaintext(_ chip: Chip) -> (bytes: [UInt8], regions: [Range<Int>]) {
        var f = FlashImageBuilder.twoOTA(chip: chip, flashSize: 0x80000, appSize: 0x20000)
        let app = AppImageBuilder.smallApp(chip: chip, project: "enc", version: "1.0.0")
        f.app("ota_0", app)
        f.otadata(OTAEntry(seq: 1, state: OTAState.undefined), nil)
        var bytes = f.bytes()
        bytes.replaceSubrange(0x9000..<0x9010, with: [UInt8](repeating: 0x42, count: 16))   // nvs: stays plaintext
        let bl = chip.bootloaderOffset
        let blLen = AppImage.inspect(ByteArray(bytes), at: bl, isBootloader: true).image?.length ?? 0x1000
        return (bytes, [bl..<(bl + (blLen + 0xFFF) & ~0xFFF), 0x8000..<0x9000, 0xD000..<0xF000, 0x30000..<0x31000])
    }

    static func encrypt(_ plain: [UInt8], _ regions: [Range<Int>], _ scheme: FlashEncryptionScheme) -> [UInt8] {
        var out = plain
        for r in regions {
            out.replaceSubrange(r, with: FlashEncryption.transform(Array(plain[r]), at: r.lowerBound, key: key, scheme: scheme, decrypt: false)!)
        }
        return out
    }

    @Test(arguments: [(Chip.esp32, FlashEncryptionScheme.esp32(cryptConf: 0xF)), (.esp32, .esp32(cryptConf: 0)), (.esp32c3, .xts), (.esp32s3, .xts)])
    func decryptGivesThePlaintextBack(chip: Chip, scheme: FlashEncryptionScheme) throws {
        let (plain, regions) = Self.plaintext(chip)
        let dump = Self.encrypt(plain, regions, scheme)
        let cryptConf: UInt8 = if case .esp32(let c) = scheme { c } else { 0xF }
        let d = try FlashDecryption.decrypt(ByteArray(dump), key: Self.key, scheme: nil, cryptConf: cryptConf)
        #expect(d.scheme == scheme)
        #expect(d.tableOffset == 0x8000)
        #expect(d.plaintext == plain)
        #expect(d.regions.map(\.range).contains(0x30000..<0x50000))   // ota_0 decrypted whole; its tail was erased
        #expect(!d.regions.map(\.range).contains { $0.contains(0x9000) })  // nvs untouched
        // Without the key: likely encrypted.
        let layout = try FlashLayout.analyze(ByteArray(dump))
        #expect(layout.security.flashEncryption == .likely)
    }

    @Test func aWrongKeyIsAClearError() {
        let (plain, regions) = Self.plaintext(.esp32)
        let dump = Self.encrypt(plain, regions, .esp32(cryptConf: 0xF))
        #expect(throws: DecryptionError.self) {
            try FlashDecryption.decrypt(ByteArray(dump), key: FlashEncryptionKey([UInt8](repeating: 1, count: 32))!, scheme: nil)
        }
    }

    @Test func editsInTheDecryptedViewAreSavedReEncrypted() throws {
        let dir = makeTempDir()
        defer { removeTree(dir) }
        let (plain, regions) = Self.plaintext(.esp32c3)
        writeFile("\(dir)/enc.bin", Self.encrypt(plain, regions, .xts))
        let file = try MappedFile(path: "\(dir)/enc.bin")
        let d = try FlashDecryption.decrypt(file, key: Self.key, scheme: nil)
        let doc = FlashDocument(bytes: d.plaintext)
        doc.encryptedView = EncryptedView(file: file, key: Self.key, scheme: d.scheme, encryptedRanges: d.encryptedOnWrite)
        let entry = OTAEntry(seq: 2, state: OTAState.undefined).bytes()
        try doc.write(entry, at: 0xE000, label: "otadata")           // encrypted on write
        try doc.write([1, 2, 3, 4], at: 0x9100, label: "nvs")        // plaintext partition
        let r = try ImageSaver.save(doc, to: "\(dir)/out.bin")
        let saved = try #require(readFile("\(dir)/out.bin"))
        #expect(Array(saved[0x9100..<0x9104]) == [1, 2, 3, 4])
        #expect(Array(saved[0xE000..<0xE020]) != entry)                        // ciphertext
        let back = try FlashDecryption.decrypt(ByteArray(saved), key: Self.key, scheme: nil)
        #expect(back.plaintext == doc.bytes(0..<doc.count))
        #expect(r.esptoolCommand.contains("--encrypt-files 0xe000"))
        #expect(!r.esptoolCommand.contains("--encrypt-files 0x9000"))
    }

    /// The saved file is what `esptool write-flash --encrypt-files` of the printed region files leaves on the
    /// chip: esptool encrypts every byte it writes, so the erased-looking (0xFF) plaintext after the otadata
    /// entry becomes ciphertext; nothing of a written sector stays 0xFF.
    @Test(arguments: [(Chip.esp32, FlashEncryptionScheme.esp32(cryptConf: 0xF)), (.esp32, .esp32(cryptConf: 0)), (.esp32c3, .xts)])
    func theSavedFileIsWhatFlashingTheRegionFilesLeaves(chip: Chip, scheme: FlashEncryptionScheme) throws {
        let dir = makeTempDir()
        defer { removeTree(dir) }
        let (plain, regions) = Self.plaintext(chip)
        let cipher = Self.encrypt(plain, regions, scheme)
        writeFile("\(dir)/enc.bin", cipher)
        let file = try MappedFile(path: "\(dir)/enc.bin")
        let cryptConf: UInt8 = if case .esp32(let c) = scheme { c } else { 0xF }
        let d = try FlashDecryption.decrypt(file, key: Self.key, scheme: nil, cryptConf: cryptConf)
        let doc = FlashDocument(bytes: d.plaintext)
        doc.encryptedView = EncryptedView(file: file, key: Self.key, scheme: d.scheme, encryptedRanges: d.encryptedOnWrite)
        try doc.write(OTAEntry(seq: 2, state: OTAState.undefined).bytes(), at: 0xE000, label: "otadata 1")
        try doc.write([9, 8, 7, 6], at: 0x9100, label: "nvs")
        try doc.write([UInt8](repeating: 0xFF, count: 0x1000), at: 0xD000, label: "otadata 0 erased")
        let r = try ImageSaver.save(doc, to: "\(dir)/out.bin", chip: chip)
        let saved = try #require(readFile("\(dir)/out.bin"))
        #expect(r.regionFiles.map(\.offset) == [0x9000, 0xD000, 0xE000])
        // What the chip holds after the esptool command: the encrypted file encrypted whole at its address,
        // the plain one as it is, everything else as before.
        var flashed = cipher
        let otaFile = try #require(readFile("\(dir)/out.bin.0xe000.plain.bin"))
        #expect(otaFile.count == 0x1000 && otaFile[0x20...].allSatisfy { $0 == 0xFF })
        flashed.replaceSubrange(0xE000..<0xF000, with: try #require(FlashEncryption.transform(otaFile, at: 0xE000, key: Self.key, scheme: scheme, decrypt: false)))
        flashed.replaceSubrange(0x9000..<0xA000, with: try #require(readFile("\(dir)/out.bin.0x9000.bin")))
        // The erased otadata sector is written plainly as 0xFF: erased flash, as the device's own erase leaves it.
        flashed.replaceSubrange(0xD000..<0xE000, with: try #require(readFile("\(dir)/out.bin.0xd000.bin")))
        #expect(saved[0xD000..<0xE000].allSatisfy { $0 == 0xFF })
        #expect(saved == flashed)
        #expect(!stride(from: 0xE000, to: 0xF000, by: 16).contains { saved[$0..<($0 + 16)].allSatisfy { $0 == 0xFF } })
        #expect(r.esptoolCommand.hasSuffix("write-flash 0x9000 \(dir)/out.bin.0x9000.bin 0xd000 \(dir)/out.bin.0xd000.bin --encrypt-files 0xe000 \(dir)/out.bin.0xe000.plain.bin"))
        // Read back with the key it is the edited plaintext.
        #expect(try FlashDecryption.decrypt(ByteArray(saved), key: Self.key, scheme: nil, cryptConf: cryptConf).plaintext == doc.bytes(0..<doc.count))
    }

    /// An encrypted range that begins inside a sector cannot be flashed piecewise without esptool erasing
    /// the sector's first part: saving refuses and writes nothing.
    @Test func anEncryptedRangeInsideASectorIsRefused() throws {
        let dir = makeTempDir()
        defer { removeTree(dir) }
        let (plain, regions) = Self.plaintext(.esp32c3)
        writeFile("\(dir)/enc.bin", Self.encrypt(plain, regions, .xts))
        let file = try MappedFile(path: "\(dir)/enc.bin")
        let doc = FlashDocument(bytes: plain)
        doc.encryptedView = EncryptedView(file: file, key: Self.key, scheme: .xts, encryptedRanges: [0x9800..<0xA000])
        try doc.write([1], at: 0x9100, label: "x")
        #expect(throws: FileError.self) { try ImageSaver.save(doc, to: "\(dir)/out.bin") }
        #expect(readFile("\(dir)/out.bin") == nil)
    }

    /// Without the key, erased sectors encrypted with FLASH_CRYPT_CONF 0 (plain ECB) repeat one ciphertext
    /// block: the ranges are facts of the layout, listed in `info --json` (`encryption.repeating_pattern`) and
    /// the text report. Any address tweak (conf ≠ 0, XTS) makes every block differ: no such range.
    @Test(arguments: [(FlashEncryptionScheme.esp32(cryptConf: 0), true), (.esp32(cryptConf: 0xF), false), (.esp32(cryptConf: 0x5), false)])
    func repeatingPatternRangesAreReported(scheme: FlashEncryptionScheme, repeats: Bool) throws {
        let (plain, regions) = Self.plaintext(.esp32)
        let l = try FlashLayout.analyze(ByteArray(Self.encrypt(plain, regions, scheme)))
        let enc = try #require(l.encryption)
        #expect(enc.repeatingPattern.contains(0xD000..<0xF000) == repeats, "\(enc.repeatingPattern)")
        if !repeats { #expect(enc.repeatingPattern.isEmpty) }
        #expect(enc.ciphertextRanges == (enc.highEntropy + enc.repeatingPattern).sorted { $0.lowerBound < $1.lowerBound })
        let json = try #require(try JSONSerialization.jsonObject(with: Data(Report.json(l, file: "enc.bin").serialized().utf8)) as? [String: Any])
        let listed = try #require((json["encryption"] as? [String: Any])?["repeating_pattern"] as? [[Int]])
        #expect(listed == enc.repeatingPattern.map { [$0.lowerBound, $0.upperBound] })
        #expect(listed.contains([0xD000, 0xF000]) == repeats)
        let text = TextReport(colour: false).render(l, file: "enc.bin")
        #expect(text.contains("one ciphertext block repeating at") == repeats)
        if repeats { #expect(text.contains("0xd000–0xf000")) }
    }
}
