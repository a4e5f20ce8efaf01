import FlashFormats

/// Plain-text lines about an image's Secure Boot signature, shared by the text report and the TUI's detail
/// pane (they only add colour). Facts come from AppImage.secureBoot.
public enum SecurityText {
    /// The marks a line uses: Unicode for the text report, the TUI's glyph set (ASCII with `--ascii`).
    public struct Marks: Sendable {
        public var yes: String, no: String, unknown: String, dot: String
        public init(yes: String, no: String, unknown: String, dot: String) {
            self.yes = yes; self.no = no; self.unknown = unknown; self.dot = dot
        }
        public static let unicode = Marks(yes: "✓", no: "✗", unknown: "–", dot: "·")
    }

    /// The repeating-pattern ranges of a likely-encrypted dump (EncryptionHint.repeatingPattern), one line.
    public static func repeatingPatternLine(_ enc: EncryptionHint, dash: String = "–", more: String = "…") -> String? {
        guard !enc.repeatingPattern.isEmpty else { return nil }
        let ranges = enc.repeatingPattern.prefix(4).map { "\(Hex.short($0.lowerBound))\(dash)\(Hex.short($0.upperBound))" }.joined(separator: ", ")
        return "one ciphertext block repeating at \(ranges)\(enc.repeatingPattern.count > 4 ? ", \(more)" : ""): erased flash encrypted without an address tweak (ESP32 FLASH_CRYPT_CONF 0)"
    }

    /// One line per V2 block (or one for a V1 signature), then what the dump cannot say.
    public static func imageLines(_ img: AppImage, marks m: Marks = .unicode) -> [String] {
        func yn(_ b: Bool?) -> String { b.map { $0 ? m.yes : m.no } ?? m.unknown }
        switch img.secureBoot {
        case nil:
            return []
        case .v2(let sector)?:
            var out = ["Secure Boot V2 signature sector @\(Hex.short(sector.offset)) \(m.dot) \(sector.blocks.count) block\(sector.blocks.count == 1 ? "" : "s")"
                       + (img.chip.map { " \(m.dot) \($0.name) checks \(SecureBoot.blocksChecked(by: $0) == 1 ? "block 0 only" : "up to 3 blocks")" } ?? "")]
            for b in sector.blocks {
                var line = "  block \(b.index) \(b.scheme?.rawValue ?? "unknown (version \(Hex.short(b.version)))") \(m.dot) CRC \(yn(b.crcOK)) \(m.dot) digest \(yn(b.digestOK)) \(m.dot) signature "
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
    /// Under "Flash encryption likely": where erased sectors encrypt to a repeating block.
    func encryptionPatternLines(_ enc: EncryptionHint) -> [String] {
        SecurityText.repeatingPatternLine(enc).map { ["  " + dim($0)] } ?? []
    }

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
