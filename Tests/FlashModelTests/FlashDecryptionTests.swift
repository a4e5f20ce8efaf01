import FlashFormats
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
        #expect(saved[0xE020..<0xF000].allSatisfy { $0 == 0xFF })             // the rest of the sector erased
        let back = try FlashDecryption.decrypt(ByteArray(saved), key: Self.key, scheme: nil)
        #expect(back.plaintext == doc.bytes(0..<doc.count))
        #expect(r.esptoolCommand.contains("--encrypt-files 0xe000"))
        #expect(!r.esptoolCommand.contains("--encrypt-files 0x9000"))
    }
}
