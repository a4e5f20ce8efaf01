/// Secure Boot V2 signature sectors and Secure Boot V1 signatures and digest block, as they sit in flash.
///
/// Facts (shared/spec/SECURITY.md §2–3): ESP-IDF `bootloader_support` (esp_image_format.c,
/// secure_boot_v2/secure_boot_signatures_*.c, secure_boot_v1), the ROM's `rom/secure_boot.h`, and esptool's
/// `espsecure` (`sign-data`, `verify-signature`, `signature-info-v2`, `digest-sbv2-public-key`).
/// Signatures are verified through the system's OpenSSL (CCrypto); nothing here implements RSA or ECDSA.
/// Parsing never traps: every field is read through bounds-checked accessors.
import CCrypto

extension DiagnosticCode {
    public static let secureBootBlockBadCRC: DiagnosticCode = "secure_boot_block_bad_crc"
    public static let secureBootBlockUnknown: DiagnosticCode = "secure_boot_block_unknown"
    public static let secureBootDigestMismatch: DiagnosticCode = "secure_boot_digest_mismatch"
    public static let secureBootSignatureInvalid: DiagnosticCode = "secure_boot_signature_invalid"
    public static let secureBootSignatureUnverified: DiagnosticCode = "secure_boot_signature_unverified"
    public static let secureBootV1InUse: DiagnosticCode = "secure_boot_v1_in_use"
}

/// The signature schemes a Secure Boot V2 block can carry (JSON `scheme`).
public enum SecureBootScheme: String, Sendable, CaseIterable {
    case rsa3072 = "RSA-3072"
    case ecdsaP192 = "ECDSA-P192"
    case ecdsaP256 = "ECDSA-P256"
    case ecdsaP384 = "ECDSA-P384"

    public var isECDSA: Bool { self != .rsa3072 }
    /// Bytes of the image digest the block signs: SHA-384 for P-384, SHA-256 otherwise.
    public var imageDigestLength: Int { self == .ecdsaP384 ? 48 : 32 }
}

/// One 1216-byte Secure Boot V2 signature block (a slot whose first byte is 0xE7).
public struct SecureBootV2Block: Sendable, Equatable {
    /// Slot 0, 1 or 2 of the sector.
    public let index: Int
    /// Offset of the block in its source (the flash address in a dump).
    public let offset: Int
    /// Byte 1: 0x02 RSA, 0x03 ECDSA.
    public let version: UInt8
    /// nil when the version byte or curve id is none the ROM knows.
    public let scheme: SecureBootScheme?
    public let crcStored: UInt32
    public let crcComputed: UInt32
    public var crcOK: Bool { crcStored == crcComputed }
    /// The image digest field (32 bytes; 48 for P-384).
    public let imageDigest: [UInt8]
    /// SHA-256 of the key fields exactly as laid out in the block: what `espsecure digest-sbv2-public-key`
    /// writes and what is burned into eFuse. nil for an unknown scheme.
    public let keyDigest: [UInt8]?
    /// The field equals the digest of the signed bytes present; nil when that digest was not computed.
    public let digestOK: Bool?
    /// The signature verifies with the block's key over the digest of the signed bytes present; nil when it
    /// could not be checked here (`unverifiedReason` says why).
    public let signatureValid: Bool?
    public let unverifiedReason: String?
}

/// A Secure Boot V2 signature sector: 4096 bytes at ALIGN_UP(image end, 4096), up to three blocks.
public struct SecureBootV2Sector: Sendable, Equatable {
    /// Offset of the sector in its source.
    public let offset: Int
    /// The bytes the blocks sign: [image start, sector start).
    public let signedRange: Range<Int>
    /// Present blocks (first byte 0xE7), in slot order.
    public let blocks: [SecureBootV2Block]
}

/// The 68-byte Secure Boot V1 signature: u32 version 0, then r ‖ s big-endian (ECDSA P-256 over SHA-256).
public struct SecureBootV1Signature: Sendable, Equatable {
    public let offset: Int
    public let signedRange: Range<Int>
    public let r: [UInt8]
    public let s: [UInt8]
    public static let size = 68
}

/// The Secure Boot V1 digest sector at flash 0x0: 128-byte IV, 64-byte digest, then 0xFF.
public struct SecureBootV1DigestBlock: Sendable, Equatable {
    public let offset: Int
    public let iv: [UInt8]
    public let digest: [UInt8]
}

/// What follows an image: a V2 signature sector or a V1 signature.
public enum ImageSignature: Sendable, Equatable {
    case v2(SecureBootV2Sector)
    case v1(SecureBootV1Signature)

    /// "v1" or "v2" (JSON `secure_boot.version`).
    public var version: String { if case .v2 = self { "v2" } else { "v1" } }
    /// Where the sector (V2) or the 68-byte signature (V1) starts in the source.
    public var offset: Int {
        switch self {
        case .v2(let s): s.offset
        case .v1(let s): s.offset
        }
    }
    /// First byte after it.
    public var end: Int {
        switch self {
        case .v2(let s): s.offset + SecureBoot.sectorSize
        case .v1(let s): s.offset + SecureBootV1Signature.size
        }
    }
}

public enum SecureBoot {
    public static let blockMagic: UInt8 = 0xE7
    public static let blockSize = 1216
    public static let sectorSize = 4096
    public static let maxBlocks = 3
    /// Bytes covered by the CRC.
    static let crcCovered = 1196

    /// How many blocks of a sector the chip's bootloader checks: ESP32 (rev ≥ 3) and ESP32-C2 one, the others
    /// up to three (SECURITY.md §2.7).
    public static func blocksChecked(by chip: Chip) -> Int {
        chip == .esp32 || chip == .esp32c2 ? 1 : maxBlocks
    }

    /// Bytes of the key digest the chip burns and compares: ESP32-C2 keeps only the first 16.
    public static func burnedDigestLength(for chip: Chip) -> Int { chip == .esp32c2 ? 16 : 32 }

    /// Reads the block in `bytes` (1216 bytes) found at `offset`; nil when the slot is empty (first byte not
    /// 0xE7). `digest256`/`digest384` are the digests of the signed bytes actually present (nil: not computed).
    public static func parseBlock(_ bytes: [UInt8], index: Int, offset: Int,
                                  digest256: [UInt8]?, digest384: [UInt8]?) -> SecureBootV2Block? {
        guard bytes.count == blockSize, bytes[0] == blockMagic else { return nil }
        let b = bytes
        let version = b[1]
        let stored = b.le32(at: 1196)
        let computed = Checksums.crc32(Array(b[0..<crcCovered]))
        let scheme: SecureBootScheme? = switch (version, b[2]) {
        case (0x02, _): .rsa3072
        case (0x03, 0): b[36] == 1 ? .ecdsaP192 : b[36] == 2 ? .ecdsaP256 : nil
        case (0x03, 1): b[52] == 3 ? .ecdsaP384 : nil
        default: nil
        }
        guard let scheme else {
            return SecureBootV2Block(index: index, offset: offset, version: version, scheme: nil, crcStored: stored,
                                     crcComputed: computed, imageDigest: Array(b[4..<36]), keyDigest: nil, digestOK: nil,
                                     signatureValid: nil, unverifiedReason: "unknown block version \(Hex.short(version)) or curve")
        }
        let field = Array(b[4..<(4 + scheme.imageDigestLength)])
        let keyRange: Range<Int> = switch scheme {
        case .rsa3072: 36..<812
        case .ecdsaP192, .ecdsaP256: 36..<101
        case .ecdsaP384: 52..<149
        }
        let keyDigest = Checksums.sha256(Array(b[keyRange]))
        let actual = scheme == .ecdsaP384 ? digest384 : digest256
        guard let actual, actual.count == scheme.imageDigestLength else {
            return SecureBootV2Block(index: index, offset: offset, version: version, scheme: scheme, crcStored: stored,
                                     crcComputed: computed, imageDigest: field, keyDigest: keyDigest, digestOK: nil,
                                     signatureValid: nil, unverifiedReason: "the signed bytes are not all in the file")
        }
        let verdict = verify(b, scheme: scheme, digest: actual)
        return SecureBootV2Block(index: index, offset: offset, version: version, scheme: scheme, crcStored: stored,
                                 crcComputed: computed, imageDigest: field, keyDigest: keyDigest, digestOK: field == actual,
                                 signatureValid: verdict, unverifiedReason: verdict == nil ? "the block's public key or signature is malformed, or this system's OpenSSL lacks the curve" : nil)
    }

    /// Verifies the block's signature over `digest` with the block's own key (true/false), or nil when the key
    /// cannot be used. Little-endian fields are reversed to the big-endian form OpenSSL takes.
    static func verify(_ b: [UInt8], scheme: SecureBootScheme, digest: [UInt8]) -> Bool? {
        func be(_ r: Range<Int>) -> [UInt8] { Array(b[r].reversed()) }
        let result: Int32
        switch scheme {
        case .rsa3072:
            let n = be(36..<420), sig = be(812..<1196)
            let e = b.le32(at: 420)
            result = n.withUnsafeBufferPointer { np in sig.withUnsafeBufferPointer { sp in digest.withUnsafeBufferPointer { dp in
                fs_rsa_pss_sha256_verify(np.baseAddress, np.count, e, dp.baseAddress, dp.count, sp.baseAddress, sp.count)
            } } }
        case .ecdsaP192, .ecdsaP256, .ecdsaP384:
            let (bits, point, sig): (Int, Int, Int) = switch scheme {
            case .ecdsaP192: (192, 37, 101)
            case .ecdsaP256: (256, 37, 101)
            default: (384, 53, 149)
            }
            let n = bits / 8
            let x = be(point..<(point + n)), y = be((point + n)..<(point + 2 * n))
            let r = be(sig..<(sig + n)), s = be((sig + n)..<(sig + 2 * n))
            result = x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in
                r.withUnsafeBufferPointer { rp in s.withUnsafeBufferPointer { sp in digest.withUnsafeBufferPointer { dp in
                    fs_ecdsa_verify(Int32(bits), xp.baseAddress, yp.baseAddress, rp.baseAddress, sp.baseAddress, dp.baseAddress, dp.count)
                } } } } }
        }
        return result < 0 ? nil : result == 1
    }

    /// The signature sector of the image at `imageStart` whose bytes end (with the appended hash) at
    /// `imageStart + imageLength`: ALIGN_UP of that length to 4096. nil when no slot of it holds a block or
    /// the sector is not wholly below `available`. `digests` computes SHA-256 of the signed bytes (a provider
    /// returning no bytes skips verification).
    public static func sector<S: ByteSource>(_ s: S, imageStart: Int, imageLength: Int, available: Int,
                                             digests: any DigestProvider) -> SecureBootV2Sector? {
        guard imageLength >= 0, let rel = imageLength.addingReportingOverflowChecked(sectorSize - 1) else { return nil }
        let at = imageStart + rel / sectorSize * sectorSize
        guard at >= imageStart, let end = at.addingReportingOverflowChecked(maxBlocks * blockSize), end <= available else { return nil }
        let slots = (0..<maxBlocks).map { at + $0 * blockSize }
        let present = slots.filter { s.u8(at: $0) == blockMagic && [0x02, 0x03].contains(s.u8(at: $0 + 1) ?? 0) }
        guard !present.isEmpty else { return nil }
        let signed = imageStart..<at
        let d256 = digests.sha256(signed)
        let have = d256.count == 32
        var d384: [UInt8]?
        var blocks: [SecureBootV2Block] = []
        for (k, o) in slots.enumerated() {
            guard let bytes = s.bytes(at: o, length: blockSize) else { continue }
            if have, d384 == nil, bytes[0] == blockMagic, bytes[1] == 0x03, bytes[2] == 1 {
                d384 = Checksums.sha384(s, signed)
            }
            if let blk = parseBlock(bytes, index: k, offset: o, digest256: have ? d256 : nil, digest384: d384) { blocks.append(blk) }
        }
        return SecureBootV2Sector(offset: at, signedRange: signed, blocks: blocks)
    }

    /// A Secure Boot V1 signature at `offset` signing [signedStart, offset): version word 0 and a non-trivial
    /// r ‖ s. nil when the 68 bytes are not all below `available` or do not look like one.
    public static func v1Signature<S: ByteSource>(_ s: S, at offset: Int, signedStart: Int, available: Int) -> SecureBootV1Signature? {
        guard offset >= signedStart, offset + SecureBootV1Signature.size <= available, s.u32(at: offset) == 0,
              let rs = s.bytes(at: offset + 4, length: 64),
              !rs.allSatisfy({ $0 == 0xFF }), !rs.allSatisfy({ $0 == 0 }) else { return nil }
        return SecureBootV1Signature(offset: offset, signedRange: signedStart..<offset, r: Array(rs[0..<32]), s: Array(rs[32..<64]))
    }

    /// Verifies a V1 signature with a 64-byte X ‖ Y big-endian public key (`espsecure extract-public-key
    /// --version 1`) over the SHA-256 of the signed bytes; nil when the key is unusable.
    public static func verifyV1<S: ByteSource>(_ sig: SecureBootV1Signature, in s: S, publicKey: [UInt8]) -> Bool? {
        guard publicKey.count == 64 else { return nil }
        let digest = Checksums.sha256(s, sig.signedRange)
        let x = Array(publicKey[0..<32]), y = Array(publicKey[32..<64])
        let r = x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in
            sig.r.withUnsafeBufferPointer { rp in sig.s.withUnsafeBufferPointer { sp in digest.withUnsafeBufferPointer { dp in
                fs_ecdsa_verify(256, xp.baseAddress, yp.baseAddress, rp.baseAddress, sp.baseAddress, dp.baseAddress, dp.count)
            } } } } }
        return r < 0 ? nil : r == 1
    }

    /// The Secure Boot V1 digest sector at 0x0 of an ESP32 dump whose bootloader is at 0x1000: byte 0 is not
    /// 0xE9, bytes 0x0–0xBF are not all 0xFF, bytes 0xC0–0xFFF are all 0xFF (SECURITY.md §3.1).
    public static func v1DigestBlock<S: ByteSource>(_ s: S) -> SecureBootV1DigestBlock? {
        guard s.count >= 0x1000, let first = s.u8(at: 0), first != imageMagic,
              !s.isAll(0xFF, in: 0..<0xC0), s.isAll(0xFF, in: 0xC0..<0x1000),
              let iv = s.bytes(at: 0, length: 128), let digest = s.bytes(at: 0x80, length: 64) else { return nil }
        return SecureBootV1DigestBlock(offset: 0, iv: iv, digest: digest)
    }
}

// MARK: - Encoder

/// Lays out a Secure Boot V2 block from a key and a signature that were made elsewhere (by espsecure, or
/// by a test with swift-crypto): little-endian fields, zero fill, CRC, zero padding. RSA's R⁻¹ and m′ (the
/// ROM's Montgomery helpers) are taken as given. Signs nothing itself.
public struct SecureBootV2BlockBuilder: Sendable {
    public var scheme: SecureBootScheme
    /// SHA-256 (SHA-384 for P-384) of the signed bytes.
    public var imageDigest: [UInt8]
    /// RSA: modulus n big-endian (384 bytes). ECDSA: X ‖ Y big-endian.
    public var publicKey: [UInt8]
    public var exponent: UInt32 = 65537
    public var rInverse: [UInt8] = [UInt8](repeating: 0, count: 384)
    public var mPrime: UInt32 = 0
    /// RSA: signature big-endian (384 bytes). ECDSA: r ‖ s big-endian.
    public var signature: [UInt8]

    public init(scheme: SecureBootScheme, imageDigest: [UInt8], publicKey: [UInt8], signature: [UInt8]) {
        self.scheme = scheme; self.imageDigest = imageDigest; self.publicKey = publicKey; self.signature = signature
    }

    public func bytes() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: SecureBoot.blockSize)
        func put(_ v: [UInt8], at o: Int, width: Int) {
            for (i, x) in v.prefix(width).enumerated() where o + i < b.count { b[o + i] = x }
        }
        func le(_ bigEndian: [UInt8], width: Int) -> [UInt8] {
            let v = Array(bigEndian.suffix(width))
            return Array(([UInt8](repeating: 0, count: width - v.count) + v).reversed())
        }
        func u32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        b[0] = SecureBoot.blockMagic
        switch scheme {
        case .rsa3072:
            b[1] = 0x02
            put(imageDigest, at: 4, width: 32)
            put(le(publicKey, width: 384), at: 36, width: 384)
            put(u32(exponent), at: 420, width: 4)
            put(le(rInverse, width: 384), at: 424, width: 384)
            put(u32(mPrime), at: 808, width: 4)
            put(le(signature, width: 384), at: 812, width: 384)
        case .ecdsaP192, .ecdsaP256, .ecdsaP384:
            let n = scheme == .ecdsaP192 ? 24 : scheme == .ecdsaP256 ? 32 : 48
            let (point, sig) = scheme == .ecdsaP384 ? (53, 149) : (37, 101)
            b[1] = 0x03
            b[2] = scheme == .ecdsaP384 ? 1 : 0
            put(imageDigest, at: 4, width: scheme.imageDigestLength)
            b[point - 1] = scheme == .ecdsaP192 ? 1 : scheme == .ecdsaP256 ? 2 : 3
            let half = publicKey.count / 2, sHalf = signature.count / 2
            put(le(Array(publicKey.prefix(half)), width: n), at: point, width: n)
            put(le(Array(publicKey.suffix(half)), width: n), at: point + n, width: n)
            put(le(Array(signature.prefix(sHalf)), width: n), at: sig, width: n)
            put(le(Array(signature.suffix(sHalf)), width: n), at: sig + n, width: n)
        }
        put(u32(Checksums.crc32(Array(b[0..<SecureBoot.crcCovered]))), at: 1196, width: 4)
        return b
    }

    /// `image` padded with 0xFF to a 4 KiB multiple, then a sector holding `blocks` (espsecure sign-data's layout).
    public static func signedImage(_ image: [UInt8], blocks: [[UInt8]]) -> [UInt8] {
        var out = image
        out += [UInt8](repeating: 0xFF, count: (SecureBoot.sectorSize - out.count % SecureBoot.sectorSize) % SecureBoot.sectorSize)
        var sector = blocks.prefix(SecureBoot.maxBlocks).flatMap { $0 }
        sector += [UInt8](repeating: 0xFF, count: SecureBoot.sectorSize - sector.count)
        return out + sector
    }
}
