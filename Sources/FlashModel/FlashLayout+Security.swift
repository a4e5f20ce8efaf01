import FlashFormats

/// What a dump shows about flash encryption (JSON `flash_encryption`).
public enum FlashEncryptionState: String, Sendable {
    /// Bootloader and table read as plaintext (or nothing suggests ciphertext).
    case none
    /// Neither is plaintext and the bytes look like ciphertext (EncryptionHint).
    case likely
    /// The layout was read from the dump decrypted with a key (FlashDecryption).
    case decrypted
}

/// Secure Boot and flash-encryption findings of a whole dump (per-image signatures live in AppImage.secureBoot).
public struct SecurityFindings: Sendable {
    /// ESP32 Secure Boot V1 digest sector at 0x0.
    public var v1Digest: SecureBootV1DigestBlock?
    /// Where a Secure Boot V1 signature of the table would sit (table offset + 0xC00), on ESP32 dumps.
    public var tableSignatureOffset: Int?
    public var tableSignature: SecureBootV1Signature?
    public var flashEncryption: FlashEncryptionState = .none
    /// The header line's parts ("Secure Boot V2", "1 key", "flash encrypted (decrypted with key)"); empty
    /// when there is nothing to say. Renderers join them with their own separator.
    public var summaryParts: [String] = []
    /// The parts joined with " · ", or nil.
    public var summary: String? { summaryParts.isEmpty ? nil : summaryParts.joined(separator: " · ") }
}

extension DiagnosticCode {
    public static let flashEncryptionDecrypted: DiagnosticCode = "flash_encryption_decrypted"
}

extension FlashLayout {
    /// Fills `security` from the analysed layout; appends its findings to `diags`.
    static func analyzeSecurity(_ s: some ByteSource, into layout: inout FlashLayout, diags: inout [Diagnostic]) {
        var f = SecurityFindings()
        let esp32 = (layout.chip ?? .esp32) == .esp32
        if esp32, layout.bootloader?.offset == 0x1000, let d = SecureBoot.v1DigestBlock(s) {
            f.v1Digest = d
            diags.append(.info(0, .secureBootV1InUse, "secure boot v1 in use: digest block at 0x0 (128-byte IV, 64-byte bootloader digest at 0x80; checking it needs the device's secret eFuse key)"))
        }
        if esp32, let t = layout.table {
            let at = t.offset + partitionTableMaxLength
            f.tableSignatureOffset = at
            f.tableSignature = SecureBoot.v1Signature(s, at: at, signedStart: t.offset, available: Swift.min(s.count, t.offset + 0x1000))
        }
        // The TUI re-analyses its document with its own options: the document itself says it is a decrypted view.
        if layout.options.decryptedView || ((s as Any) as? FlashDocument)?.encryptedView != nil {
            f.flashEncryption = .decrypted
            diags.insert(.info(nil, .flashEncryptionDecrypted, "flash encrypted: shown decrypted with the key"), at: 0)
        } else if layout.encryption != nil {
            f.flashEncryption = .likely
        }
        layout.security = f
        layout.security.summaryParts = securitySummary(layout)
    }

    /// The parts of "Secure Boot V2 · 1 key · flash encrypted (decrypted with key)".
    static func securitySummary(_ l: FlashLayout) -> [String] {
        var parts: [String] = []
        let images = ([l.bootloader?.image, l.image] + l.apps.map(\.image)).compactMap { $0 }
        var keys = Set<[UInt8]>()
        var v2 = false, v1 = l.security.v1Digest != nil
        for img in images {
            switch img.secureBoot {
            case .v2(let sector)?:
                v2 = true
                for b in sector.blocks { if let k = b.keyDigest { keys.insert(k) } }
            case .v1?: v1 = true
            case nil: break
            }
        }
        if v2 { parts += ["Secure Boot V2", "\(keys.count) key\(keys.count == 1 ? "" : "s")"] }
        if v1 { parts.append("Secure Boot V1") }
        switch l.security.flashEncryption {
        case .decrypted: parts.append("flash encrypted (decrypted with key)")
        case .likely: parts.append("flash likely encrypted")
        case .none: break
        }
        return parts
    }
}
