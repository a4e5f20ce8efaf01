// Fuzz target: Secure Boot V2 signature blocks and sectors, V1 signatures and digest block, and
// flash decryption of a hostile dump (SecureBoot.swift, FlashEncryption.swift, FlashDecryption.swift).
import FlashFormats
import FlashModel

enum FuzzTarget {
    static let key = FlashEncryptionKey([UInt8](repeating: 0x5A, count: 32))!

    static func run(_ bytes: [UInt8]) {
        let src = ByteArray(bytes)
        // Every 1216-byte window at a block boundary, as a block, with and without digests.
        var at = 0
        while at + SecureBoot.blockSize <= bytes.count {
            let block = Array(bytes[at..<(at + SecureBoot.blockSize)])
            _ = SecureBoot.parseBlock(block, index: 0, offset: at, digest256: nil, digest384: nil)
            _ = SecureBoot.parseBlock(block, index: 0, offset: at, digest256: Checksums.sha256(block), digest384: [UInt8](repeating: 1, count: 48))
            at += SecureBoot.blockSize
        }
        // The image at 0 with its sector wherever its own header says; and forced image lengths.
        if case .image(let img) = AppImage.inspect(src, at: 0) { _ = img.secureBoot; _ = img.lengthWithSignature }
        for length in [0, 1, 4095, 4096, bytes.count / 2, bytes.count] {
            _ = SecureBoot.sector(src, imageStart: 0, imageLength: length, available: bytes.count, digests: DirectDigests(src))
            _ = SecureBoot.v1Signature(src, at: length, signedStart: 0, available: bytes.count)
        }
        _ = SecureBoot.v1DigestBlock(src)
        // Decryption: both schemes over the whole input, then the region search.
        let aligned = Array(bytes.prefix(bytes.count & ~15))
        _ = FlashEncryption.decryptKeepingErased(aligned, at: 0x1000, key: key, scheme: .esp32(cryptConf: 0xF))
        _ = FlashEncryption.transform(aligned, at: 0x40, key: key, scheme: .xts, decrypt: true)
        _ = try? FlashDecryption.decrypt(src, key: key, scheme: nil)
        if let layout = try? FlashLayout.analyze(src) { _ = Report.json(layout, file: "fuzz").serialized() }
    }

    static func seeds() -> [(String, [UInt8])] {
        let app = Seeds.app(.esp32c6)
        let padded = app + [UInt8](repeating: 0xFF, count: (4096 - app.count % 4096) % 4096)
        let digest = Checksums.sha256(padded)
        func block(_ s: SecureBootScheme) -> [UInt8] {
            let n = s == .rsa3072 ? 384 : s == .ecdsaP192 ? 24 : s == .ecdsaP256 ? 32 : 48
            let d = s == .ecdsaP384 ? digest + Array(digest.prefix(16)) : digest
            return SecureBootV2BlockBuilder(scheme: s, imageDigest: d,
                                            publicKey: AppImageBuilder.pattern(count: s == .rsa3072 ? n : 2 * n, seed: 3),
                                            signature: AppImageBuilder.pattern(count: s == .rsa3072 ? n : 2 * n, seed: 4)).bytes()
        }
        var out: [(String, [UInt8])] = []
        for s in SecureBootScheme.allCases {
            out.append(("signed-\(s.rawValue).bin", SecureBootV2BlockBuilder.signedImage(app, blocks: [block(s)])))
        }
        out.append(("signed-mixed.bin", SecureBootV2BlockBuilder.signedImage(app, blocks: [block(.rsa3072), block(.ecdsaP256), block(.ecdsaP384)])))
        let v1 = Seeds.app(.esp32)
        out.append(("v1-signed.bin", v1 + [0, 0, 0, 0] + AppImageBuilder.pattern(count: 64, seed: 7)))
        return out
    }
}
