import FlashFormats
import FlashModel
import ScreenKit

/// Overlays: help, plan previews, messages, the quit guard.
enum Modals {
    static func draw(_ buf: inout ScreenBuffer, _ s: AppState, _ m: Modal, _ l: Layout) {
        let g = s.glyphs
        switch m {
        case .help(let scroll):
            let w = min(buf.width - 2, 92) - 4
            box(&buf, s, title: "FlashScope keys", lines: helpLines(s, width: w), hints: footer(s), preferredWidth: 92, scroll: scroll, fullHeight: true)
        case .plan(let p):
            box(&buf, s, title: p.kind.title, lines: planLines(s, p), hints: footer(s), preferredWidth: 84, scroll: p.scroll)
        case .info(let title, let spans, let isError):
            let lines = spans.flatMap { wrap($0, width: min(l.width - 6, 86)) }
            box(&buf, s, title: isError ? "\(g.crossMark) \(title)" : title, lines: lines, hints: footer(s), preferredWidth: 90, scroll: 0)
        case .copy(let box):
            drawCopyBox(&buf, s, box)
        case .quitGuard:
            let n = s.unsavedEditCount.map { "\($0) edit\($0 == 1 ? "" : "s")" } ?? "Changes"
            let lines: [[Span]] = [
                [Span("\(n) not saved.", role: .warning, bold: true)],
                [Span("The input file is never changed; quitting now drops the edits.", role: .dim)],
            ]
            box(&buf, s, title: "Quit FlashScope?", lines: lines, hints: footer(s), preferredWidth: 66, scroll: 0)
        }
    }

    static func footer(_ s: AppState) -> [KeyHint] { KeyMap.hints(s) }

    /// A centred box with a title, scrollable lines and key hints on its last inner row.
    static func box(_ buf: inout ScreenBuffer, _ s: AppState, title: String, lines: [[Span]], hints: [KeyHint],
                    preferredWidth: Int, scroll: Int, fullHeight: Bool = false, wrap: Bool = true) {
        let g = s.glyphs
        let w = min(buf.width - 2, max(preferredWidth, 40))
        // Every fact is wrapped onto the next row rather than cut at the box's edge.
        let lines = wrap ? lines.flatMap { $0.wrapped(to: max(1, w - 4)) } : lines
        let maxH = buf.height - 2
        let h = fullHeight ? maxH : min(maxH, lines.count + 4)
        let rect = buf.area.centered(width: w, height: h)
        buf.fill(rect)
        let inner = buf.drawBox(rect, title: title, focused: true, glyphs: g)
        let bodyRows = max(0, inner.height - 2)
        let maxScroll = max(0, lines.count - bodyRows)
        let first = min(scroll, maxScroll)
        for (i, spans) in lines.dropFirst(first).prefix(bodyRows).enumerated() {
            buf.drawSpans(spans, x: inner.x + 1, y: inner.y + i, width: inner.width - 2, glyphs: g)
        }
        if maxScroll > 0 {
            if first > 0 { buf.put(String(g.arrowUp), x: inner.maxX - 1, y: inner.y, role: .dim) }
            if first < maxScroll { buf.put(String(g.arrowDown), x: inner.maxX - 1, y: inner.y + bodyRows - 1, role: .dim) }
        }
        buf.drawKeyHints(hints, x: inner.x + 1, y: inner.maxY - 1, width: inner.width - 2)
    }

    /// Each value on one line (never wrapped: a command must paste as one line), scrolled sideways.
    static func drawCopyBox(_ buf: inout ScreenBuffer, _ s: AppState, _ copy: CopyBox) {
        let g = s.glyphs
        let w = min(buf.width - 2, 100)
        let inner = w - 4
        var lines: [[Span]] = []
        for (i, item) in copy.items.enumerated() {
            let isSel = i == copy.selected
            lines.append([Span(isSel ? "\(g.arrowRight) " : "  ", role: .accent, bold: true), Span(item.label, role: isSel ? .header : .dim)])
            let shift = isSel ? min(copy.hscroll, max(0, item.value.count - 1)) : 0
            var text = String(item.value.dropFirst(shift))
            let more = text.count > inner - 4
            if more { text = String(text.prefix(inner - 5)) }
            lines.append([Span(shift > 0 ? "  \(g.arrowLeft)" : "   ", role: .dim), Span(text, role: isSel ? .selected : .normal),
                          Span(more ? String(g.arrowRight) : "", role: .dim)])
        }
        lines.append([Span("Copied with OSC 52: the terminal (or tmux with set-clipboard on) puts it on the clipboard.", role: .dim)])
        box(&buf, s, title: "Copy", lines: lines, hints: footer(s), preferredWidth: 100, scroll: 0, wrap: false)
    }

    /// Words of `text` in lines of at most `width` columns.
    static func wrapWords(_ text: String, width: Int) -> [String] {
        var out: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > width { out.append(line); line = "" }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty || out.isEmpty { out.append(line) }
        return out
    }

    /// Splits a long single-style line at spaces to fit `width`.
    static func wrap(_ span: Span, width: Int) -> [[Span]] {
        guard span.text.count > width, width > 10 else { return [[span]] }
        var out: [[Span]] = []
        var line = ""
        for word in span.text.split(separator: " ", omittingEmptySubsequences: false) {
            if line.count + word.count + 1 > width, !line.isEmpty {
                out.append([Span(line, role: span.role, bold: span.bold)])
                line = "  "
            }
            line += (line.isEmpty || line == "  " ? "" : " ") + word
        }
        if !line.isEmpty { out.append([Span(line, role: span.role, bold: span.bold)]) }
        return out
    }

    // MARK: Help

    static func helpLines(_ s: AppState, width: Int = 200) -> [[Span]] {
        let g = s.glyphs
        var out: [[Span]] = []
        for text in ["What the ESP-IDF bootloader sees in this image, and what the OTA functions would write.",
                     "Nothing touches the input file: edits stay in memory until saved as a new file."] {
            out += wrapWords(text, width: width).map { [Span($0, role: .dim)] }
        }
        out.append([])
        let order: [KeyContext] = [.global, .partitions, .otadata, .hex, .hexEdit, .detail, .nvs, .nvsValue, .plan, .prompt, .copy, .quitGuard]
        for context in order {
            let bindings = KeyMap.bindings.filter { $0.context == context }
            guard !bindings.isEmpty else { continue }
            out.append([Span(context.rawValue, role: .header)])
            for b in bindings {
                let keys = b.keys.map { KeyMap.label($0, glyphs: g) }.joined(separator: " ")
                let keyWidth = 12
                var first = true
                for piece in wrapWords(b.help, width: max(10, width - keyWidth - 2)) {
                    out.append([Span("  " + (first ? keys : "").padded(to: keyWidth), role: .accent, bold: true), Span(piece)])
                    first = false
                }
            }
            out.append([])
        }
        out.append([Span("Mouse: click a partition row, a map segment, an otadata sector or a hex byte.", role: .dim)])
        out.append([])
        out += legendLines(s, width: width)
        return out
    }

    /// What the glyphs on the screen mean (in the glyph set in use).
    static func legendLines(_ s: AppState, width: Int) -> [[Span]] {
        let g = s.glyphs
        let entries: [(String, String)] = [
            (String(g.middleDot), "hex text column: a 0x00 byte; elsewhere it separates facts"),
            (g.isUnicode ? "×" : ".", "hex text column: an erased 0xff byte" + (g.isUnicode ? "" : " (ASCII: any unprintable byte is .)")),
            (String(g.crossMark), "a check failed (stored differs from computed), or nothing boots"),
            (String(g.check), "a check passed: stored equals computed"),
            (String(g.changedMark), "changed and not saved (a partition row, a hex row, the header's count)"),
            (String(g.arrowRight), "the partition the bootloader starts (partition row, boot line); in the otadata row, the slot the active sector selects"),
            (String(g.arrowLeft), "OTA data pane: the active sector, the one the bootloader decides with"),
            (String(g.dash), "not applicable (an erased seq has no CRC to check)"),
            ("*", "hex pane: a run of identical rows, collapsed"),
        ]
        var out: [[Span]] = [[Span("Glyphs", role: .header)]]
        for (glyph, meaning) in entries {
            var first = true
            for piece in wrapWords(meaning, width: max(10, width - 8)) {
                out.append([Span("  " + (first ? glyph : "").padded(to: 6), role: .accent, bold: true), Span(piece)])
                first = false
            }
        }
        return out
    }

    // MARK: Plans

    static func planLines(_ s: AppState, _ p: PlanPreview) -> [[Span]] {
        let g = s.glyphs
        let dot = " \(g.middleDot) "
        var out: [[Span]] = []
        var function = p.plan?.function ?? functionName(p.kind)
        if case .nextBoot = p.kind, p.plan?.isNoOp == true { function = "bootloader: nothing to write on this boot" }
        var head: [Span] = [Span(function, role: .accent, bold: true)]
        if p.kind.usesSettings {
            head.append(Span(dot + "ESP-IDF v\(s.settings.idf == .v6 ? "6" : "5") rules" + dot + "rollback \(s.settings.rollback ? "on" : "off")", role: .dim))
        }
        out.append(head)
        if let e = p.error {
            out.append([Span("\(g.crossMark) \(e.code)", role: .invalid, bold: true), Span(": \(e.message)")])
            if p.canForce && !p.forced {
                let how: String = switch p.kind {
                case .commit: "F forces it anyway (as set-boot --force: esp_ota_set_boot_partition without the image check); the bootloader will still verify the image."
                case .stage: "F forces it anyway (as stage --force); a device would refuse it with this error."
                default: "F forces it anyway."
                }
                out.append([Span(how, role: .warning)])
            }
        }
        if p.forced {
            out.append([Span("forced", role: .invalid, bold: true), Span(": applied past ESP-IDF's refusal" + (p.error.map { " (\($0.code))" } ?? ""), role: .warning)])
        }
        guard let plan = p.plan else { return out }

        if case .nextBoot = p.kind, let d = p.decision {
            out.append([Span("selects ", role: .dim), Span(d.selected ?? "nothing", role: .boot, bold: true), Span(dot + d.reason, role: .dim)])
            for a in d.attempts {
                out.append([Span("  tries \(a.partition): ", role: .dim),
                            a.bootable ? Span("\(g.check) verifies, starts it", role: .valid) : Span("\(g.crossMark) \(a.problem ?? "refused")", role: .invalid)])
            }
            if d.loaded == nil { out.append([Span("\(g.crossMark) nothing bootable", role: .invalid, bold: true)]) }
            if plan.isNoOp { out.append([Span("The bootloader writes nothing to otadata on this boot.", role: .dim)]) }
        }

        if !plan.checks.isEmpty {
            out.append([Span("Checks (esp_ota_end / image_validate)", role: .header)])
            for c in plan.checks {
                out.append([Span(c.passed ? "  \(g.check) " : "  \(g.crossMark) ", role: c.passed ? .valid : .invalid, bold: true),
                            Span(c.name.padded(to: 12)), Span(c.detail, role: c.passed ? .dim : .invalid)])
            }
            if plan.checks.contains(where: { !$0.passed }) && !p.forced {
                out.append([Span("A check failed: F stages it anyway, Esc cancels.", role: .warning, bold: true)])
            }
        }

        // The bytes: otadata entries before → after, other erases and writes.
        let od = s.layout.otadataPartition
        let odRange = od.map { Int($0.offset)..<(Int($0.offset) + Int($0.size)) }
        for c in plan.otadataChanges {
            let active = Derived.activeSector(s)
            var title = "otadata sector \(c.sector) @\(Hex.short(c.offset))"
            if let a = active { title += a == c.sector ? " (the active sector)" : " (active: sector \(a))" }
            out.append([Span(title, role: .header)])
            let sectorRange = c.offset..<(c.offset + otadataSectorSize)
            let ops = plan.steps.compactMap { step -> String? in
                switch step {
                case .erase(let r) where r.overlaps(sectorRange):
                    return "erase \(Hex.short(r.lowerBound))–\(Hex.short(r.upperBound - 1))"
                case .write(let o, let b) where sectorRange.contains(o):
                    return "write \(b.count) bytes at \(Hex.short(o))"
                default: return nil
                }
            }
            if !ops.isEmpty { out.append([Span("  " + ops.joined(separator: ", "), role: .dim)]) }
            guard let after = c.after else {
                out.append([Span("  \(g.arrow) erased (all ff): this entry stops counting", role: .erased)])
                continue
            }
            let b = c.before
            func row(_ name: String, _ old: String, _ new: String, changed: Bool, note: String = "") {
                out.append([Span("  " + name.padded(to: 7), role: .dim), Span(old, role: .dim), Span(" \(g.arrow) "),
                            Span(new, role: changed ? .changed : .normal, bold: changed), Span(note, role: .dim)])
            }
            func seqText(_ e: OTAEntry?) -> String { e.map { $0.seqErased ? "ffffffff" : String($0.seq) } ?? "?" }
            row("seq", seqText(b), seqText(after), changed: b?.seq != after.seq)
            row("state", b.map { OTAState.name($0.state) } ?? "?", OTAState.name(after.state), changed: b?.state != after.state)
            row("crc", b.map { Hex.padded($0.crc, 8) } ?? "?", Hex.padded(after.crc, 8), changed: b?.crc != after.crc,
                note: after.crcOK ? "  (CRC-32 of seq \(after.seq)) \(g.check)" : "  \(g.crossMark) wrong")
            if b?.seqLabel == after.seqLabel {
                out.append([Span("  label  ", role: .dim), Span(OTAPane.labelText(after.seqLabel, g)), Span(" (kept)", role: .dim)])
            } else {
                row("label", OTAPane.labelText(b?.seqLabel ?? [], g), OTAPane.labelText(after.seqLabel, g), changed: true)
            }
            let bytes = after.bytes()
            out.append([Span("  bytes  ", role: .dim), Span(Hex.bytes(Array(bytes[0..<4])), role: .accent),
                        Span(" " + (after.seqLabel.allSatisfy { $0 == 0xFF } ? "ff×20".replacingUnicode(g) : Hex.bytes(Array(bytes[4..<24])))),
                        Span(" " + Hex.bytes(Array(bytes[24..<28])), role: .accent), Span(" " + Hex.bytes(Array(bytes[28..<32])), role: .valid)])
        }
        for step in plan.steps {
            switch step {
            case .erase(let r) where odRange.map({ !$0.overlaps(r) }) ?? true:
                out.append([Span("erase ", role: .dim), Span("\(Hex.short(r.lowerBound))–\(Hex.short(r.upperBound - 1))"),
                            Span(" (\(TextReport.size(r.count)), \(r.count / 0x1000) sectors)", role: .dim)])
            case .write(let o, let b) where odRange.map({ !$0.contains(o) }) ?? true:
                out.append([Span("write ", role: .dim), Span("\(b.count) bytes at \(Hex.short(o))")])
            default: break
            }
        }
        if let a = p.after {
            let words = a.loaded.map { "boots \($0)" } ?? "nothing boots"
            out.append([Span("after: ", role: .header), Span(words, role: a.loaded == nil ? .invalid : .boot, bold: true),
                        Span(dot + a.reason, role: .dim)])
        }
        for pl in plan.powerLoss {
            let words = pl.loaded.map { "boots \($0)" } ?? "nothing boots"
            out.append([Span("if power fails ", role: .header), Span(pl.when + ":", role: .dim)])
            out.append([Span("  \(g.arrow) "), Span(words, role: pl.loaded == nil ? .invalid : .normal, bold: true),
                        Span(dot + pl.reason, role: .dim)])
        }
        for n in plan.notes { out.append([Span("note: ", role: .warning), Span(n, role: .dim)]) }
        if plan.isNoOp, p.kind != .nextBoot { out.append([Span("Nothing to write.", role: .dim)]) }
        return out
    }

    static func functionName(_ k: PlanKind) -> String {
        switch k {
        case .commit(let p): "esp_ota_set_boot_partition(\(p))"
        case .markValid: "esp_ota_mark_app_valid_cancel_rollback()"
        case .markInvalid: "esp_ota_mark_app_invalid_rollback()"
        case .eraseOTAData: "erase otadata"
        case .eraseLastBootApp: "esp_ota_erase_last_boot_app_partition()"
        case .nextBoot: "bootloader"
        case .stage(let p, _): "esp_ota_begin(\(p)) + esp_ota_write + esp_ota_end"
        }
    }
}

extension String {
    /// The ASCII stand-in for "×" when the glyph set is ASCII.
    func replacingUnicode(_ g: Glyphs) -> String {
        g.isUnicode ? self : String(map { $0 == "×" ? "*" : $0 })
    }
}
