import Foundation
import Testing
import FlashFormats
import FlashModel

/// A flash-encrypted dump (ciphertext where bootloader, table and apps are; plaintext otadata sectors
/// left over at 0xe000/0xf000, as in the corpus's real encrypted ESP32 dump) is recognised as such:
/// one clear finding, not a pile of errors, and the plaintext that remains is still shown.
@Suite struct EncryptedDumpTests {
    @Test func encryptedLookingDumpGivesOneClearFinding() throws {
        let bytes = Fixture.encryptedLooking()
        let l = try FlashLayout.analyze(ByteArray(bytes))
        #expect(l.kind == .flashImage)
        let enc = try #require(l.encryption)
        #expect(enc.highEntropy == [0..<0xE000, 0x10000..<0x120000])
        #expect(l.diagnostics.count == 1, "\(l.diagnostics.map(\.message))")
        let d = try #require(l.diagnostics.first)
        #expect(d.severity == .warning && d.offset == 0 && d.code == .flashEncrypted)
        #expect(d.message.hasPrefix("no plaintext bootloader at 0x0, 0x1000 or 0x2000"))
        #expect(d.message.contains("high entropy from 0x0 to 0xe000 and 0x10000 to 0x120000: likely flash-encrypted"))
        // The plaintext left over is still shown.
        #expect(l.strayOTA.map(\.offset) == [0xE000, 0xF000])
        #expect(l.strayOTA.map(\.entry.seq) == [1, 0])
        #expect(l.boot?.loaded == nil && l.boot?.choice == .encrypted && l.boot?.outcome == .unknown)

        let text = TextReport(colour: false).render(l, file: "enc.bin")
        #expect(text.contains("Flash encryption likely: random-looking bytes at 0x0–0xe000, 0x10000–0x120000"))
        #expect(text.contains("Bootloader not readable (ciphertext)"))
        #expect(text.contains("@0xe000  seq 1  state UNDEFINED  crc 4743989a ✓"))
        #expect(!text.contains("error"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(Report.json(l, file: "enc.bin").serialized().utf8)) as? [String: Any])
        let e = try #require(json["encryption"] as? [String: Any])
        #expect(e["likely"] as? Bool == true)
        #expect((e["high_entropy"] as? [[Int]])?.first == [0, 0xE000])
        #expect((json["stray_otadata"] as? [Any])?.count == 2)
    }

    @Test func ciphertextOnlyInTheFirstSectorsStillCounts() throws {
        // A partial read (0x0–0x10000): ciphertext up to the otadata-like sectors.
        let l = try FlashLayout.analyze(ByteArray(Array(Fixture.encryptedLooking().prefix(0x10000))))
        #expect(l.encryption?.highEntropy == [0..<0xE000])
        #expect(l.diagnostics.count == 1)
    }

    @Test func blankOrPlainDumpsAreNotCalledEncrypted() throws {
        // Erased flash: nothing found, but nothing random either — the plain findings stay.
        let blank = try FlashLayout.analyze(ByteArray([UInt8](repeating: 0xFF, count: 0x100000)))
        #expect(blank.encryption == nil)
        #expect(blank.diagnostics.contains { $0.code == .bootloaderNotFound })
        #expect(blank.diagnostics.contains { $0.severity == .error && $0.code == .tableNotFound })

        // Random bytes everywhere except a plaintext table: the table is readable, so no hint.
        var withTable = Fixture.encryptedLooking()
        withTable.replaceSubrange(0x8000..<0x8C00, with: Fixture.table())
        let t = try FlashLayout.analyze(ByteArray(withTable))
        #expect(t.encryption == nil && t.table != nil)

        // Random-looking data inside partitions of a good image (compressed assets) is no hint either.
        var noisy = Fixture.flash()
        var rng = Random(seed: 7)
        noisy.replaceSubrange(0x9000..<0xD000, with: rng.bytes(0x4000))
        let n = try FlashLayout.analyze(ByteArray(noisy))
        #expect(n.encryption == nil && n.bootloader != nil)
    }

    @Test(arguments: [
        ([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0], "an ELF file"),
        ([0x50, 0x4B, 0x03, 0x04, 20, 0, 0, 0], "a ZIP archive"),
        ([0x1F, 0x8B, 8, 0, 0, 0, 0, 0], "a gzip file"),
        (Array("name,type,subtype,offset,size\n".utf8), "a text file"),
        (Array(":020000040000FA\n".utf8), "an Intel HEX file"),
    ] as [([UInt8], String)])
    func foreignFilesAreNamed(head: [UInt8], what: String) {
        for size in [0x100, 0x20000] {
            var bytes = head
            bytes += (head.first ?? 0) < 0x80 && head.allSatisfy({ $0 >= 0x0A && $0 < 0x7F })
                ? [UInt8](repeating: 0x41, count: size - head.count) : Array(repeating: 0, count: size - head.count)
            #expect {
                try FlashLayout.analyze(ByteArray(bytes))
            } throws: { error in
                guard let e = error as? AnalysisError, case .notAnImage(let why) = e else { return false }
                return why.hasPrefix("it is \(what)")
            }
        }
    }
}
