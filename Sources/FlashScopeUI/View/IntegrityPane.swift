import FlashFormats
import FlashModel
import ScreenKit

/// Every integrity value for what is selected, stored next to computed, recomputed after every
/// change: otadata CRCs, table MD5, bootloader and app checksum/SHA-256, and the CRC-32 of the
/// selected partition (computed once per content, see ``Effect/scan(_:)``).
enum IntegrityPane {
    /// Checks grouped into lines: one line per structure.
    static func groups(_ s: AppState) -> [[Derived.Check]] {
        var out: [[Derived.Check]] = []
        for c in Derived.checks(s) {
            if let last = out.last?.last, last.label == c.label { out[out.count - 1].append(c) } else { out.append([c]) }
        }
        return out
    }

    static func draw(_ buf: inout ScreenBuffer, _ s: AppState, _ rect: Rect, wide: Bool) {
        let g = s.glyphs
        var lines: [[Span]] = []
        // A narrow pane (one pane at a time below 80 columns) gives the labels no column of their own
        // and shortens digests further; every line wraps rather than being cut.
        let narrow = rect.width < 60
        let labelWidth = narrow ? 0 : min(22, max(12, groups(s).map { $0[0].label.count }.max() ?? 12) + 1)
        for group in groups(s) {
            var spans: [Span] = [Span(group[0].label.padded(to: max(labelWidth, group[0].label.count + 1)), role: .header)]
            for (i, c) in group.enumerated() {
                if i > 0 { spans.append(Span(" \(g.middleDot) ", role: .dim)) }
                // Whole digests when the pane has the room for stored = computed side by side.
                spans += checkSpans(c, g, digestWidth: narrow ? 9 : wide ? (rect.width >= 2 * 64 + labelWidth + 24 ? 64 : 16) : 12)
            }
            lines.append(spans)
        }
        // What gen_esp32part would refuse to build (the same findings `info` prints).
        for f in s.layout.table?.toolFindings ?? [] {
            lines.append([Span("gen_esp32part".padded(to: max(labelWidth, 14)), role: .header), Span("\(g.crossMark) \(f)", role: .invalid)])
        }
        if let crc = Derived.regionCRC(s) {
            var spans: [Span] = [Span(crc.label.padded(to: max(labelWidth, crc.label.count + 1)), role: .header)]
            switch crc.value {
            case .done(let scan, let r, let whole, let size):
                spans.append(Span(Hex.padded(scan.crc32, 8), role: .accent, bold: true))
                let over = whole
                    ? "whole partition, \(TextReport.size(r.count)) at \(Hex.short(r.lowerBound))"
                    : "over the \(r.count) bytes in this dump, \(Hex.short(r.lowerBound))–\(Hex.short(r.upperBound - 1)); the partition is \(TextReport.size(size)), the dump ends at \(Hex.short(r.upperBound))"
                spans.append(Span(scan.erased ? "  (\(over): every byte 0xff)" : "  (\(over); nothing stores it)", role: whole ? .dim : .warning))
            case .pending:
                var text = "computing\(g.ellipsis)"
                if let (key, done) = s.scanProgress, key == ScanKey(s.selectedRange ?? 0..<0), key.range.count > 0 {
                    text += " \(done * 100 / key.range.count)%"
                }
                spans.append(Span(text, role: .dim))
            case .notInFile(let end):
                spans.append(Span("not computed: the partition is not in this file (it ends at \(Hex.short(end)))", role: .warning))
            }
            lines.append(spans)
        }
        if let enc = s.layout.encryption {
            let ranges = enc.highEntropy.prefix(3).map { "\(Hex.short($0.lowerBound))–\(Hex.short($0.upperBound - 1))" }.joined(separator: ", ")
            lines.append([Span("encrypted".padded(to: max(labelWidth, 10)), role: .header),
                          Span("not checkable: ciphertext at \(ranges)\(enc.highEntropy.count > 3 ? ", \(g.ellipsis)" : "")", role: .warning)])
        }
        if lines.isEmpty { lines.append([Span("nothing to check in this file", role: .dim)]) }
        // Everything wrong is listed below the checks when there is room.
        let problems = s.layout.diagnostics.filter { $0.severity == .error }
        if !problems.isEmpty, lines.count + 1 < rect.height {
            lines.append([Span("Errors", role: .header)])
            for d in problems {
                lines.append([Span("\(g.crossMark) ", role: .invalid), Span(d.offset.map { "@\(Hex.short($0)) " } ?? "", role: .dim), Span(d.message)])
            }
        }
        let rows = lines.flatMap { $0.wrapped(to: rect.width - 2, indent: narrow ? 2 : labelWidth) }
        for (i, spans) in rows.prefix(rect.height).enumerated() {
            buf.drawSpans(spans, x: rect.x + 1, y: rect.y + i, width: rect.width - 2, glyphs: g)
        }
    }

    /// "CRC 55f63774 = 55f63774 ✓", "SHA-256 3f9c…e1 ≠ 77aa…01 ✗", "CRC ffffffff – erased".
    static func checkSpans(_ c: Derived.Check, _ g: Glyphs, digestWidth: Int) -> [Span] {
        func short(_ h: String) -> String {
            h.count <= digestWidth ? h : String(h.prefix(digestWidth - 5)) + String(g.ellipsis) + String(h.suffix(4))
        }
        var out: [Span] = [Span("\(c.what) ", role: .dim)]
        guard let stored = c.stored else {
            out.append(Span(c.note ?? "not stored", role: .dim))
            return out
        }
        switch c.ok {
        case .some(true):
            out.append(Span("\(short(stored)) = \(short(c.computed ?? "")) \(g.check)", role: .valid))
        case .some(false):
            out.append(Span("\(short(stored)) \(g.notEqual) \(short(c.computed ?? "?")) \(g.crossMark)", role: .invalid, bold: true))
        case .none:
            out.append(Span("\(short(stored)) \(g.dash)", role: .erased))
        }
        if let note = c.note { out.append(Span("  \(note)", role: c.ok == false ? .warning : .dim)) }
        return out
    }
}
