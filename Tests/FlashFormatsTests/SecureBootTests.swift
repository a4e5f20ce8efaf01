import Crypto
import Foundation
import Testing
@testable import FlashFormats

/// Secure Boot V2 blocks signed by keys the tests make (P-256, P-384 via swift-crypto) and by fixed test keys
/// signed once with espsecure (RSA-3072, P-192: Fixtures/README.md).
struct SecureBootTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
        return [UInt8](try Data(contentsOf: url))
    }

    static let app = AppImageBuilder.smallApp(chip: .esp32c6, project: "signed", version: "1.0.0")

    /// The image padded to 4 KiB: the bytes a block signs.
    static var signedBytes: [UInt8] { app + [UInt8](repeating: 0xFF, count: (4096 - app.count % 4096) % 4096) }

    static func p256Block(_ key: P256.Signing.PrivateKey, over bytes: [UInt8]) throws -> [UInt8] {
        let digest = SHA256.hash(data: bytes)
        let sig = try key.signature(for: digest)
        return SecureBootV2BlockBuilder(scheme: .ecdsaP256, imageDigest: Array(digest), publicKey: Array(key.publicKey.rawRepresentation),
                                        signature: Array(sig.rawRepresentation)).bytes()
    }

    static func p384Block(_ key: P384.Signing.PrivateKey, over bytes: [UInt8]) throws -> [UInt8] {
        let digest = SHA384.hash(data: bytes)
        let sig = try key.signature(for: digest)
        return SecureBootV2BlockBuilder(scheme: .ecdsaP384, imageDigest: Array(digest), publicKey: Array(key.publicKey.rawRepresentation),
                                        signature: Array(sig.rawRepresentation)).bytes()
    }

    static func sector(_ image: [UInt8]) -> SecureBootV2Sector? {
        guard case .image(let img) = AppImage.inspect(ByteArray(image), at: 0), case .v2(let s)? = img.secureBoot else { return nil }
        return s
    }

    @Test func p256BlockVerifiesAndKeyDigestIsOverCurveIdAndPoint() throws {
        let key = P256.Signing.PrivateKey()
        let image = SecureBootV2BlockBuilder.signedImage(Self.app, blocks: [try Self.p256Block(key, over: Self.signedBytes)])
        let s = try #require(Self.sector(image))
        #expect(s.offset == Self.signedBytes.count)
        #expect(s.signedRange == 0..<Self.signedBytes.count)
        let b = try #require(s.blocks.first)
        #expect(b.scheme == .ecdsaP256 && b.crcOK && b.digestOK == true && b.signatureValid == true)
        // curve id 2, then X and Y little-endian (SECURITY.md §2.6).
        let raw = Array(key.publicKey.rawRepresentation)
        let fields: [UInt8] = [2] + Array(raw[0..<32].reversed()) + Array(raw[32..<64].reversed())
        #expect(b.keyDigest == Array(SHA256.hash(data: fields)))
    }

    @Test func p384BlockSignsSHA384AndVerifies() throws {
        let key = P384.Signing.PrivateKey()
        let image = SecureBootV2BlockBuilder.signedImage(Self.app, blocks: [try Self.p384Block(key, over: Self.signedBytes)])
        let b = try #require(Self.sector(image)?.blocks.first)
        #expect(b.scheme == .ecdsaP384 && b.imageDigest.count == 48 && b.digestOK == true && b.signatureValid == true)
        let raw = Array(key.publicKey.rawRepresentation)
        #expect(b.keyDigest == Array(SHA256.hash(data: [3] + Array(raw[0..<48].reversed()) + Array(raw[48..<96].reversed()))))
    }

    @Test func aFlippedImageByteBreaksDigestAndSignature() throws {
        let key = P256.Signing.PrivateKey()
        var image = SecureBootV2BlockBuilder.signedImage(Self.app, blocks: [try Self.p256Block(key, over: Self.signedBytes)])
        image[0x30] ^= 1
        let b = try #require(Self.sector(image)?.blocks.first)
        #expect(b.crcOK && b.digestOK == false && b.signatureValid == false)
    }

    @Test func aRewrittenDigestFieldWithFreshCRCIsStillCaughtByTheSignature() throws {
        let key = P256.Signing.PrivateKey()
        let block = try Self.p256Block(key, over: Self.signedBytes)
        var tampered = Self.app
        tampered[0x30] ^= 1
        let padded = tampered + [UInt8](repeating: 0xFF, count: Self.signedBytes.count - tampered.count)
        var forged = block
        forged.replaceSubrange(4..<36, with: Array(SHA256.hash(data: padded)))
        let crc = Checksums.crc32(Array(forged[0..<1196]))
        for i in 0..<4 { forged[1196 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        let b = try #require(Self.sector(SecureBootV2BlockBuilder.signedImage(tampered, blocks: [forged]))?.blocks.first)
        #expect(b.crcOK && b.digestOK == true && b.signatureValid == false)
    }

    @Test func aBrokenCRCIsReportedAndTheBlockStillShown() throws {
        var block = try Self.p256Block(P256.Signing.PrivateKey(), over: Self.signedBytes)
        block[500] ^= 0xFF   // inside the zero fill: key and signature untouched
        let b = try #require(Self.sector(SecureBootV2BlockBuilder.signedImage(Self.app, blocks: [block]))?.blocks.first)
        #expect(!b.crcOK && b.signatureValid == true && b.keyDigest != nil)
        guard case .image(let img) = AppImage.inspect(ByteArray(SecureBootV2BlockBuilder.signedImage(Self.app, blocks: [block])), at: 0) else {
            Issue.record("no image"); return
        }
        #expect(img.diagnostics.contains { $0.code == .secureBootBlockBadCRC })
    }

    /// RSA-3072 and P-192 (which swift-crypto cannot make): signed once by espsecure, verified through OpenSSL.
    @Test(arguments: [("tiny_app_sbv2_rsa.bin", SecureBootScheme.rsa3072, "sb_test_rsa3072.digest.bin"),
                      ("tiny_app_sbv2_p192.bin", SecureBootScheme.ecdsaP192, "sb_test_p192.digest.bin")])
    func fixtureSignedByEspsecureVerifies(file: String, scheme: SecureBootScheme, digestFile: String) throws {
        let image = try Self.fixture(file)
        let b = try #require(Self.sector(image)?.blocks.first)
        #expect(b.scheme == scheme && b.crcOK && b.digestOK == true && b.signatureValid == true)
        #expect(b.keyDigest == (try Self.fixture(digestFile)))
        var flipped = image
        flipped[0x40] ^= 1
        let f = try #require(Self.sector(flipped)?.blocks.first)
        #expect(f.digestOK == false && f.signatureValid == false)
    }

    @Test func aSectorMixingRSAAndECDSAIsReportedBlockByBlock() throws {
        let rsa = try Self.fixture("tiny_app_sbv2_rsa.bin")
        let p192 = try Self.fixture("tiny_app_sbv2_p192.bin")
        let base = Array(rsa[0..<4096])
        let tiny = try Self.fixture("tiny_app_esp32.bin")
        let p256 = try Self.p256Block(P256.Signing.PrivateKey(), over: base)
        let image = SecureBootV2BlockBuilder.signedImage(tiny, blocks: [Array(rsa[4096..<5312]), Array(p192[4096..<5312]), p256])
        let s = try #require(Self.sector(image))
        #expect(s.blocks.map(\.scheme) == [.rsa3072, .ecdsaP192, .ecdsaP256])
        #expect(s.blocks.map(\.index) == [0, 1, 2])
        #expect(s.blocks.allSatisfy { $0.signatureValid == true && $0.digestOK == true && $0.crcOK })
    }

    @Test func garbageBlocksAndCutSectorsNeverTrap() throws {
        var image = SecureBootV2BlockBuilder.signedImage(Self.app, blocks: [])
        let at = Self.signedBytes.count
        image[at] = 0xE7; image[at + 1] = 0x03; image[at + 2] = 0; image[at + 36] = 9   // unknown curve
        let s = try #require(Self.sector(image))
        #expect(s.blocks.first?.scheme == nil && s.blocks.first?.signatureValid == nil)
        image[at + 36] = 2   // P-256 with a point that is not on the curve
        #expect(Self.sector(image)?.blocks.first?.signatureValid == nil)
        image[at + 1] = 0x02   // RSA with a zero modulus
        image.replaceSubrange((at + 36)..<(at + 420), with: [UInt8](repeating: 0, count: 384))
        #expect(Self.sector(image)?.blocks.first?.signatureValid == nil)
        // The file ends inside the sector: no sector, no trap.
        #expect(Self.sector(Array(image.prefix(at + 600))) == nil)
    }

    @Test func chipPolicy() {
        #expect(SecureBoot.blocksChecked(by: .esp32) == 1 && SecureBoot.blocksChecked(by: .esp32c2) == 1)
        #expect(SecureBoot.blocksChecked(by: .esp32c3) == 3 && SecureBoot.blocksChecked(by: .esp32s3) == 3)
        #expect(SecureBoot.burnedDigestLength(for: .esp32c2) == 16 && SecureBoot.burnedDigestLength(for: .esp32c6) == 32)
    }

    @Test func v1SignatureAfterAnESP32AppIsRecognised() throws {
        let app = AppImageBuilder.smallApp(chip: .esp32, project: "v1", version: "1")
        let sig: [UInt8] = [0, 0, 0, 0] + AppImageBuilder.pattern(count: 64, seed: 9)
        guard case .image(let img) = AppImage.inspect(ByteArray(app + sig + [UInt8](repeating: 0xFF, count: 64)), at: 0),
              case .v1(let v1)? = img.secureBoot else { Issue.record("no V1 signature"); return }
        #expect(v1.offset == app.count && v1.signedRange == 0..<app.count && v1.r == Array(sig[4..<36]))
        #expect(img.lengthWithSignature == app.count + 68)
    }
}
