import Testing
import FlashFormats
import FlashModel
import FlashScopeUI
import ScreenKit

/// Secure Boot facts on screen: key digests go to the clipboard (OSC 52) through the copy box, and the
/// detail pane's security lines follow the glyph set (ASCII with `--ascii`).
@Suite struct SecurityScreenTests {
    /// An app with a V2 signature sector of RSA-3072 blocks whose keys are fixed patterns (the key digest
    /// does not depend on whether the signature verifies).
    static func signedApp(chip: Chip, blocks: Int) -> [UInt8] {
        let app = AppImageBuilder.smallApp(chip: chip, project: "signed", version: "2.0.0")
        let sb = (0..<blocks).map { i in
            SecureBootV2BlockBuilder(scheme: .rsa3072, imageDigest: [UInt8](repeating: UInt8(i), count: 32),
                                     publicKey: AppImageBuilder.pattern(count: 384, seed: UInt8(40 + i)),
                                     signature: AppImageBuilder.pattern(count: 384, seed: UInt8(80 + i))).bytes()
        }
        return SecureBootV2BlockBuilder.signedImage(app, blocks: sb)
    }

    static func program(_ bytes: [UInt8], glyphs: Glyphs = .unicode, width: Int = 120, height: Int = 50) throws -> Program {
        let state = try AppState(document: FlashDocument(bytes: bytes), displayName: "signed.bin", inputPath: nil,
                                 settings: OTASettings(), glyphs: glyphs, width: width, height: height)
        let p = Program(state: state)
        p.settle([.resize(width: width, height: height)])
        return p
    }

    static func digests(_ bytes: [UInt8]) throws -> [[UInt8]] {
        let img = try #require(AppImage.inspect(ByteArray(bytes), at: 0).image)
        guard case .v2(let sector)? = img.secureBoot else { Issue.record("no signature sector"); return [] }
        return sector.blocks.compactMap(\.keyDigest)
    }

    @Test func keyDigestsGoToTheClipboardWithK() throws {
        let bytes = Self.signedApp(chip: .esp32c3, blocks: 2)
        let digests = try Self.digests(bytes)
        #expect(digests.count == 2 && digests[0] != digests[1])
        let p = try Self.program(bytes)
        p.press(.char("K"))
        guard case .copy(let box) = p.state.modal else { Issue.record("no copy box: \(p.state.message?.text ?? "")"); return }
        #expect(box.items.map(\.value) == digests.map { Hex.bytes($0) })
        #expect(box.items[0].label.contains("RSA-3072 key in block 0"))
        #expect(p.text.contains("digest of the RSA-3072 key in block 1"))
        p.press(.down, .enter)
        #expect(p.clipboard == Hex.bytes(digests[1]))
        #expect(p.clipboard?.count == 64)
        #expect(p.state.modal == nil)
    }

    @Test func onAnESP32C2TheBurnedSixteenBytesAreOfferedToo() throws {
        let bytes = Self.signedApp(chip: .esp32c2, blocks: 1)
        let d = try #require(try Self.digests(bytes).first)
        let p = try Self.program(bytes)
        p.press(.char("K"))
        guard case .copy(let box) = p.state.modal else { Issue.record("no copy box"); return }
        #expect(box.items.map(\.value) == [Hex.bytes(d), Hex.bytes(Array(d.prefix(16)))])
        #expect(box.items[1].label.contains("first 16 bytes"))
        p.press(.down, .enter)
        #expect(p.clipboard == Hex.bytes(Array(d.prefix(16))))
    }

    @Test func theHexCursorInABootloaderSignatureSectorPicksItsDigests() throws {
        // A flash image whose bootloader carries a signature sector: no partition shows it, the hex cursor does.
        var f = FlashImageBuilder.twoOTA(chip: .esp32c3, flashSize: 0x80000, appSize: 0x20000)
        f.app("ota_0", AppImageBuilder.smallApp(chip: .esp32c3, project: "plain", version: "1.0"))
        var bytes = f.bytes()
        let blLen = try #require(AppImage.inspect(ByteArray(bytes), at: 0, isBootloader: true).image?.length)
        let sectorAt = (blLen + 0xFFF) & ~0xFFF      // ALIGN_UP(bootloader end incl. its SHA-256, 4096)
        let block = SecureBootV2BlockBuilder(scheme: .rsa3072, imageDigest: [UInt8](repeating: 7, count: 32),
                                             publicKey: AppImageBuilder.pattern(count: 384, seed: 99),
                                             signature: AppImageBuilder.pattern(count: 384, seed: 98)).bytes()
        bytes.replaceSubrange(sectorAt..<(sectorAt + block.count), with: block)
        let p = try Self.program(bytes)
        let l = p.state.layout
        guard case .v2(let sector)? = l.bootloader?.image.secureBoot else { Issue.record("no bootloader signature sector"); return }
        // Not in the hex pane: the detail pane shows a partition without a signature.
        p.press(.char("K"))
        #expect(p.state.modal == nil)
        #expect(p.state.message?.text.hasPrefix("no Secure Boot V2 key digest here") == true)
        p.press(.char("g"))
        p.type(Hex.short(sector.offset))
        p.press(.enter)
        #expect(p.state.focus == .hex && p.state.hex.cursor == sector.offset)
        p.press(.char("K"))
        guard case .copy(let box) = p.state.modal else { Issue.record("no copy box: \(p.state.message?.text ?? "")"); return }
        #expect(box.items.map(\.value) == sector.blocks.compactMap(\.keyDigest).map { Hex.bytes($0) })
    }

    @Test func helpListsTheKey() throws {
        let p = try Self.program(Self.signedApp(chip: .esp32c3, blocks: 1), height: 200)
        p.press(.char("?"))
        #expect(p.text.contains("K") && p.text.contains("copy a Secure Boot V2 key digest"))
    }

    @Test(arguments: [true, false])
    func securityLinesFollowTheGlyphSet(ascii: Bool) throws {
        let p = try Self.program(Self.signedApp(chip: .esp32c3, blocks: 2), glyphs: ascii ? .ascii : .unicode)
        let rows = p.screen.lines()
        let blockRows = rows.filter { $0.contains("block 0 RSA-3072") || $0.contains("block 1 RSA-3072") }
        #expect(blockRows.count >= 2, "\(p.text)")   // the File pane and the Detail pane
        for r in blockRows {
            if ascii {
                #expect(r.contains("RSA-3072 . CRC + . digest x"), "\(r)")
                #expect(!r.contains("✓") && !r.contains("✗") && !r.contains("·") && !r.contains("–"), "\(r)")
            } else {
                #expect(r.contains("RSA-3072 · CRC ✓ · digest ✗"), "\(r)")
            }
        }
        #expect(rows.contains { $0.contains("Secure Boot V2 signature sector @0x1000 \(ascii ? "." : "·") 2 blocks") })
        if ascii { #expect(rows.allSatisfy { $0.allSatisfy(\.isASCII) }, "\(p.text)") }
    }

    /// A dump encrypted with FLASH_CRYPT_CONF 0 seen without the key: the detail pane lists the ranges where
    /// one ciphertext block repeats (erased flash), and the map marks them encrypted.
    @Test func repeatingCiphertextRangesAreShown() throws {
        var bytes = FlashImageBuilder.twoOTA(chip: .esp32, flashSize: 0x40000, appSize: 0x10000).bytes()
        let key = FlashEncryptionKey(AppImageBuilder.pattern(count: 32, seed: 5))!
        for r in [0x1000..<0x9000, 0xD000..<0xF000] {
            bytes.replaceSubrange(r, with: try #require(FlashEncryption.transform(Array(bytes[r]), at: r.lowerBound, key: key,
                                                                                  scheme: .esp32(cryptConf: 0), decrypt: false)))
        }
        let p = try Self.program(bytes, height: 60)
        let enc = try #require(p.state.layout.encryption)
        #expect(enc.repeatingPattern.contains(0xD000..<0xF000))
        #expect(p.text.contains("encrypted 0xd000–0xefff (8K, one"), "\(p.text)")   // the line goes on: "ciphertext block repeating…"
        let wide = try Self.program(bytes, width: 260, height: 60)
        #expect(wide.text.contains("encrypted 0xd000–0xefff (8K, one ciphertext block repeating: erased flash, no address tweak)"), "\(wide.text)")
    }
}
