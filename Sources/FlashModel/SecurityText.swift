import FlashFormats

/// Plain-text lines about an image's Secure Boot signature, shared by the text report and the TUI's detail
/// pane (they only add colour). Facts come from AppImage.secureBoot.
public enum SecurityText {
    /// One line per V2 block (or one for a V1 signature), then what the dump cannot say.
    public static func imageLines(_ img: AppImage) -> [String] {
        func yn(_ b: Bool?) -> String { b.map { $0 ? "✓" : "✗" } ?? "–" }
        switch img.secureBoot {
        case nil:
            return []
        case .v2(let sector)?:
            var out = ["Secure Boot V2 signature sector @\(Hex.short(sector.offset)) · \(sector.blocks.count) block\(sector.blocks.count == 1 ? "" : "s")"
                       + (img.chip.map { " · \($0.name) checks \(SecureBoot.blocksChecked(by: $0) == 1 ? "block 0 only" : "up to 3 blocks")" } ?? "")]
            for b in sector.blocks {
                var line = "  block \(b.index) \(b.scheme?.rawValue ?? "unknown (version \(Hex.short(b.version)))") · CRC \(yn(b.crcOK)) · digest \(yn(b.digestOK)) · signature "
                if let v = b.signatureValid { line += v ? "valid" : "INVALID" } else { line += "not verified" + (b.unverifiedReason.map { ": \($0)" } ?? "") }
                out.append(line)
                if let k = b.keyDigest {
                    let burned = img.chip.map { SecureBoot.burnedDigestLength(for: $0) } ?? 32
                    out.append("    key digest \(Hex.bytes(k))" + (burned < 32 ? " (\(img.chip?.name ?? "chip") burns the first \(burned) bytes: \(Hex.bytes(Array(k.prefix(burned)))))" : ""))
                }
            }
            out.append("  which digests are burned and which keys are revoked is in eFuse (espefuse summary), not in the dump")
            return out
        case .v1(let sig)?:
            return ["Secure Boot V1 signature @\(Hex.short(sig.offset)) (68 bytes: ECDSA P-256 over \(sig.signedRange.count) bytes; key is in the bootloader, not verified)"]
        }
    }
}

extension TextReport {
    /// The "Security" block of a flash image's report: summary, V1 digest, table signature.
    func securityLines(_ l: FlashLayout) -> [String] {
        var out: [String] = []
        if let summary = l.security.summary { out.append(paint("Security", "1") + " " + summary) }
        if l.security.v1Digest != nil { out.append("  secure boot v1 in use: digest block at 0x0 (IV 128 bytes, digest 64 bytes at 0x80)") }
        if let at = l.security.tableSignatureOffset, l.security.tableSignature != nil {
            out.append("  partition table Secure Boot V1 signature at \(Hex.short(at))")
        }
        if !out.isEmpty { out.append("") }
        return out
    }
}
