import FlashFormats
import FlashModel
import ScreenKit

/// Both otadata sectors side by side: seq, state, stored and computed CRC, validity, the slot
/// each selects, the active marker, and the previous values after an edit.
enum OTAPane {
    static func title(_ s: AppState, width: Int) -> [Span] {
        let g = s.glyphs
        let settings = " \(g.middleDot) rollback \(s.settings.rollback ? "on" : "off") \(g.middleDot) IDF \(s.settings.idf == .v6 ? "6" : "5")"
        if width >= 44, let od = s.layout.otadataPartition {
            return [Span("OTA data", role: .title), Span(" @\(Hex.short(od.offset))", role: .dim), Span(settings, role: .dim)]
        }
        return [Span("otadata", role: .title), Span(settings, role: .dim)]
    }

    /// The label column and the two sector columns.
    static func columns(_ rect: Rect) -> (Rect, Rect) {
        let label = rect.width >= 44 ? 7 : 6
        let rest = rect.width - label - 1
        let w0 = rest / 2
        return (Rect(x: rect.x + 1 + label, y: rect.y, width: w0, height: rect.height),
                Rect(x: rect.x + 1 + label + w0, y: rect.y, width: rest - w0, height: rect.height))
    }

    static func draw(_ buf: inout ScreenBuffer, _ s: AppState, _ l: Layout) {
        guard s.showsOTAPane else { return }
        let g = s.glyphs
        let rect = l.otadata
        if s.layout.kind == .partitionTable {
            buf.drawText("no otadata in a table file", x: rect.x + 1, y: rect.y, width: rect.width - 2, role: .dim, glyphs: g)
            return
        }
        guard s.layout.kind == .otadata || s.layout.otadataPartition != nil else {
            // Wrapped to the pane (one pane at a time at 40 columns) rather than cut.
            let lines = [[Span("no otadata partition", role: .warning, bold: true)]]
                + [Span("The bootloader starts factory (or the first app that verifies); commit is not possible.", role: .dim)]
                    .wrapped(to: rect.width - 2, indent: 0)
            for (i, spans) in lines.enumerated() where i < rect.height {
                buf.drawSpans(spans, x: rect.x + 1, y: rect.y + i, width: rect.width - 2, glyphs: g)
            }
            return
        }
        guard let data = s.layout.otadata else {
            buf.drawText("otadata @\(Hex.short(s.layout.otadataPartition?.offset ?? 0)) is not in the file", x: rect.x + 1, y: rect.y, width: rect.width - 2, role: .warning, glyphs: g)
            return
        }
        let wide = rect.width >= 44
        let (c0, c1) = columns(rect)
        let cols = [c0, c1]
        let slots = s.layout.bootSlots
        // The sector the bootloader decides with (after its own rollback writes), else the app's view.
        let active = Derived.activeSector(s)
        let bootWrites = s.layout.boot?.writes ?? []
        let labelX = rect.x + 1

        var labels = ["", "seq", "state", "crc", "calc", "valid", "slot"]
        if wide { labels.append("label") }
        if s.previousOTA != nil { labels.append("was") }
        for (i, t) in labels.enumerated() where i < rect.height {
            buf.put(t, x: labelX, y: rect.y + i, role: .dim)
        }

        for k in 0..<2 {
            let c = cols[k]
            let w = c.width - 1
            var y = rect.y
            // Header: "sector 0 ◀ active".
            let isActive = active == k
            var head = "sector \(k)"
            if isActive { head += wide ? " \(g.arrowLeft) active" : " \(g.arrowLeft)" }
            let headRole: Role = s.otaSector == k && s.focus == .otadata ? .selected : (isActive ? .boot : .header)
            buf.drawText(head, x: c.x, y: y, width: w, role: headRole, bold: isActive, glyphs: g)
            if s.otaSector == k && s.focus != .otadata { buf.setRole(.selected, in: Rect(x: c.x, y: y, width: min(w, head.count), height: 1)) }
            y += 1
            guard k < data.entries.count, let e = data.entries[k] else {
                buf.drawText("not in the file", x: c.x, y: y, width: w, role: .warning, glyphs: g)
                continue
            }
            let before = s.previousOTA.flatMap { k < $0.count ? $0[k] : nil }
            let changedEntry = s.previousOTA != nil && before != e
            func cell(_ text: String, _ role: Role, changed: Bool = false, bold: Bool = false) {
                guard y < rect.maxY else { return }
                buf.drawText(text, x: c.x, y: y, width: w, role: changed ? .changed : role, bold: bold || changed, glyphs: g)
                y += 1
            }
            let erasedSeq = e.seqErased
            cell(erasedSeq ? "ffffffff" : String(e.seq), erasedSeq ? .erased : .normal, changed: changedEntry && before?.seq != e.seq)
            // The full name; a narrow column ends it with an ellipsis rather than cutting it silently.
            let stateName = OTAState.name(e.state)
            cell(stateName, e.state == OTAState.undefined ? .dim : stateRole(e.state),
                 changed: changedEntry && before?.state != e.state)
            // Stored CRC with the verdict, then the CRC the bootloader computes over seq.
            let verdict: (Character, Role) = erasedSeq ? (g.dash, .dim) : e.crcOK ? (g.check, .valid) : (g.crossMark, .invalid)
            if y < rect.maxY {
                let x = buf.put(Hex.padded(e.crc, 8), x: c.x, y: y, role: changedEntry && before?.crc != e.crc ? .changed : (erasedSeq ? .erased : verdict.1),
                                bold: changedEntry && before?.crc != e.crc)
                buf.put(" \(verdict.0)", x: x, y: y, role: verdict.1, bold: true)
                if !erasedSeq && !e.crcOK && w >= 17 { buf.put(" wrong", x: x + 2, y: y, role: .invalid, bold: true) }
                y += 1
            }
            let relation = erasedSeq ? "" : (e.crcOK ? "= " : "\(g.notEqual) ")
            cell(relation + Hex.padded(e.expectedCRC, 8), erasedSeq ? .dim : (e.crcOK ? .dim : .invalid))
            if e.status != .valid {
                let short: String = switch e.status {
                case .crcMismatch: "bad CRC"
                case .stateInvalid: "INVALID"
                case .stateAborted: "ABORTED"
                case .seqErased: "seq erased"
                case .erased, .valid: "erased"
                }
                cell(e.isErased ? "erased" : "no: \(short)", e.isErased ? .erased : .invalid)
            } else if let w = bootWrites.first(where: { $0.sector == k }) {
                cell(w.why == .abortPending ? "yes, aborts" : w.why == .markPending ? "yes, pending" : "yes", .warning)
            } else {
                cell("yes", .valid)
            }
            // The slot this entry selects: (seq − 1) mod the bootloader's app count.
            if let slot = e.slot(count: slots.appCount), !erasedSeq {
                let name = slots.ota[slot]?.name ?? "ota_\(slot) (missing)"
                let text = e.isValid ? "\(g.arrow) \(name)" : "(\(g.arrow) \(name))"
                cell(text, e.isValid ? (isActive ? .boot : .normal) : .dim, bold: e.isValid && isActive)
            } else {
                cell(String(g.dash), .dim)
            }
            if wide {
                cell(labelText(e.seqLabel, g), .dim)
            }
            if s.previousOTA != nil {
                if !changedEntry {
                    cell("unchanged", .dim)
                } else if let b = before {
                    cell(b.isErased ? "erased" : "seq \(b.seqErased ? "ffffffff" : String(b.seq)) \(shortState(b.state))", .dim)
                } else {
                    cell("not in file", .dim)
                }
            }
        }
    }

    static func stateRole(_ state: UInt32) -> Role {
        switch state {
        case OTAState.valid: .valid
        case OTAState.invalid, OTAState.aborted: .invalid
        case OTAState.pendingVerify, OTAState.new: .warning
        default: .normal
        }
    }

    static func shortState(_ state: UInt32) -> String {
        switch state {
        case OTAState.pendingVerify: "PENDING"
        case OTAState.undefined: "UNDEF"
        default: OTAState.name(state)
        }
    }

    /// seq_label: "ff×20" when erased, else the printable text or hex.
    static func labelText(_ b: [UInt8], _ g: Glyphs) -> String {
        if b.allSatisfy({ $0 == 0xFF }) { return g.isUnicode ? "ff×20" : "ff*20" }
        if b.allSatisfy({ $0 == 0 }) { return g.isUnicode ? "00×20" : "00*20" }
        let text = b.prefix { $0 != 0 && $0 != 0xFF }
        if !text.isEmpty, text.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return "\"" + String(decoding: text, as: UTF8.self) + "\"" }
        return Hex.bytes(Array(b.prefix(8))) + String(g.ellipsis)
    }
}
