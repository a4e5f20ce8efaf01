import FlashFormats

/// `info --json` keys for Secure Boot and flash encryption (README "Secure Boot and flash encryption").
extension Report {
    /// Per image: `secure_boot` {version, signature_sector_offset, blocks_checked, blocks[…]}.
    static func secureBootJSON(_ img: AppImage) -> JSON {
        var kv: [(String, JSON)] = []
        switch img.secureBoot {
        case nil:
            return .object([("version", .null), ("signature_sector_offset", .null), ("blocks", .array([]))])
        case .v2(let sector)?:
            kv = [("version", .string("v2")), ("signature_sector_offset", .num(sector.offset)),
                  ("signature_sector_offset_in_image", .num(sector.offset - img.offset)),
                  ("chip_checks_blocks", .opt(img.chip.map { SecureBoot.blocksChecked(by: $0) })),
                  ("key_digest_burned_bytes", .opt(img.chip.map { SecureBoot.burnedDigestLength(for: $0) })),
                  ("key_revocation", .string("in eFuse (KEY_REVOKEn), not in the dump")),
                  ("blocks", .array(sector.blocks.map { blockJSON($0, burnedBytes: img.chip.map { SecureBoot.burnedDigestLength(for: $0) }) }))]
        case .v1(let sig)?:
            kv = [("version", .string("v1")), ("signature_sector_offset", .num(sig.offset)),
                  ("signature_offset", .num(sig.offset)), ("signed_length", .num(sig.signedRange.count)),
                  ("r", .string(Hex.bytes(sig.r))), ("s", .string(Hex.bytes(sig.s))),
                  ("signature_valid", .null),
                  ("unverified_reason", .string("the public key is compiled into the bootloader; not verified")),
                  ("blocks", .array([]))]
        }
        return .object(kv)
    }

    /// One V2 block; `key_digest_burned` is the part of the key digest the chip burns in eFuse (all 32 bytes,
    /// or the first 16 on ESP32-C2, as `espefuse burn-key-digest` writes BLOCK_KEY0_HI_128); null for an unknown chip.
    static func blockJSON(_ b: SecureBootV2Block, burnedBytes: Int?) -> JSON {
        .object([
            ("index", .num(b.index)), ("offset", .num(b.offset)), ("scheme", .opt(b.scheme?.rawValue)),
            ("crc_ok", .bool(b.crcOK)), ("crc", .num(b.crcStored)), ("crc_computed", .num(b.crcComputed)),
            ("image_digest", .string(Hex.bytes(b.imageDigest))),
            ("digest_ok", .opt(b.digestOK)), ("signature_valid", .opt(b.signatureValid)),
            ("unverified_reason", .opt(b.unverifiedReason)),
            ("key_digest", .opt(b.keyDigest.map(Hex.bytes))),
            ("key_digest_burned", .opt(burnedBytes.flatMap { n in b.keyDigest.map { Hex.bytes(Array($0.prefix(n))) } })),
        ])
    }

    /// The older `signatures` list (kept: the JSON contract only grows).
    static func signaturesJSON(_ img: AppImage) -> JSON {
        switch img.secureBoot {
        case .v2(let sector)?:
            return .array(sector.blocks.map { b in
                .object([("scheme", .string(b.scheme == .rsa3072 ? "RSA-3072" : "ECDSA")), ("offset", .num(b.offset - img.offset)),
                         ("crc_valid", .bool(b.crcOK))])
            })
        case .v1(let sig)?:
            return .array([.object([("scheme", .string("Secure Boot V1 ECDSA")), ("offset", .num(sig.offset - img.offset)), ("crc_valid", .null)])])
        case nil:
            return .array([])
        }
    }

    /// `partition_table.signature` (Secure Boot V1: offset, present) on ESP32 dumps; null elsewhere.
    static func tableSignatureJSON(_ l: FlashLayout) -> [(String, JSON)] {
        guard let at = l.security.tableSignatureOffset else { return [("signature", .null)] }
        return [("signature", .object([("offset", .num(at)), ("present", .bool(l.security.tableSignature != nil))]))]
    }

    /// In `encryption` (no key, likely encrypted): `repeating_pattern`, the [start, end) ranges whose sectors
    /// repeat one ciphertext block (erased flash encrypted without an address tweak, e.g. FLASH_CRYPT_CONF 0).
    static func encryptionPatternJSON(_ enc: EncryptionHint) -> [(String, JSON)] {
        [("repeating_pattern", .array(enc.repeatingPattern.map { .array([.num($0.lowerBound), .num($0.upperBound)]) }))]
    }

    /// Top level: `secure_boot_v1_digest`, `flash_encryption`, `security_summary`.
    static func securityTopJSON(_ l: FlashLayout) -> [(String, JSON)] {
        [("secure_boot_v1_digest", .opt(l.security.v1Digest?.offset)),
         ("flash_encryption", .string(l.security.flashEncryption.rawValue)),
         ("security_summary", .opt(l.security.summary))]
    }
}
