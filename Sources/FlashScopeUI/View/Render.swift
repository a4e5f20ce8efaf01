import FlashFormats
import FlashModel
import ScreenKit

/// Draws the whole screen for `state` at its current size. Pure: reads the state (and the
/// visible bytes), writes a new buffer.
public func render(_ state: AppState) -> ScreenBuffer {
    render(state, size: (state.width, state.height))
}

/// Draws the whole screen for `state` into a `size.width × size.height` buffer.
public func render(_ state: AppState, size: (width: Int, height: Int)) -> ScreenBuffer {
    var s = state
    s.width = size.width
    s.height = size.height
    var buf = ScreenBuffer(width: size.width, height: size.height)
    let l = Layout.compute(width: size.width, height: size.height, state: s)
    guard l.mode != .tooSmall else {
        Screen.drawTooSmall(&buf, s)
        if !s.glyphs.isUnicode { Screen.asciiOnly(&buf) }
        return buf
    }
    Screen.drawFrame(&buf, s, l)
    if l.mode != .single || s.focus == .partitions { PartitionsPane.draw(&buf, s, l) }
    if l.mode != .single || s.focus == .otadata { OTAPane.draw(&buf, s, l) }
    MapBar.draw(&buf, s, l)
    if let r = l.detail { DetailPane.draw(&buf, s, r) }
    if let r = l.hex { HexPane.draw(&buf, s, r) }
    if let r = l.integrity { IntegrityPane.draw(&buf, s, r, wide: l.mode == .wide) }
    Screen.drawStatus(&buf, s, l)
    NVSPane.drawViewer(&buf, s)
    if let m = s.modal { Modals.draw(&buf, s, m, l) }
    if !s.glyphs.isUnicode { Screen.asciiOnly(&buf) }
    return buf
}

/// The frame, header, boot line, dividers and status row.
enum Screen {
    /// Replaces what is left of non-ASCII text (engine messages such as "(2−1) mod 2", names read
    /// from the image) with ASCII look-alikes, for the ASCII glyph set.
    static func asciiOnly(_ buf: inout ScreenBuffer) {
        for y in 0..<buf.height {
            for x in 0..<buf.width {
                guard var c = buf.cell(atX: x, y: y), !c.char.isASCII else { continue }
                c.char = switch c.char {
                case "→", "▶", "»": ">"
                case "←", "◀", "«": "<"
                case "−", "–", "—", "─", "━": "-"
                case "…": "~"
                case "×", "✗": "x"
                case "≠": "!"
                case "·", "•": "."
                case "✓": "+"
                case "●": "*"
                case "│", "┃": "|"
                default: "?"
                }
                buf.set(c, atX: x, y: y)
            }
        }
    }

    static func drawTooSmall(_ buf: inout ScreenBuffer, _ s: AppState) {
        let g = s.glyphs
        let w = buf.width, h = buf.height
        guard w > 0, h > 0 else { return }
        let lines: [(String, Role)] = [
            ("FlashScope", .title),
            ("Terminal too small: \(w)×\(h)", .warning),
            ("needs at least \(Layout.minimumWidth)×\(Layout.minimumHeight)", .normal),
            ("enlarge the window, or press q to quit", .dim),
        ]
        let boxW = min(w, max(lines.map { $0.0.count }.max()! + 4, 20))
        let boxH = min(h, lines.count + 2)
        let box = buf.area.centered(width: boxW, height: boxH)
        if box.width >= 4 && box.height >= 3 {
            let inner = buf.drawBox(box, glyphs: g)
            for (i, (text, role)) in lines.enumerated() where i < inner.height {
                buf.drawText(text, x: inner.x, y: inner.y + i, width: inner.width, role: role, bold: i == 0, alignment: .center, glyphs: g)
            }
        } else {
            for (i, (text, role)) in lines.enumerated() where i < h {
                buf.drawText(text, x: 0, y: i, width: w, role: role, glyphs: g)
            }
        }
    }

    static func drawFrame(_ buf: inout ScreenBuffer, _ s: AppState, _ l: Layout) {
        let g = s.glyphs
        buf.drawBox(l.frame, glyphs: g)
        drawHeader(&buf, s, l)
        if s.compare != nil { ComparePane.drawBoot(&buf, s, x: 2, y: l.bootRow, width: l.width - 4) }
        else { buf.drawSpans(Derived.bootSpans(s), x: 2, y: l.bootRow, width: l.width - 4, glyphs: g) }
        if l.mode == .single {
            // One pane: its name highlighted among the others on the rule above it; Tab cycles.
            buf.drawRule(x: 0, y: l.upperDivider, width: l.width, joinsBox: true, glyphs: g)
            buf.fill(Rect(x: 1, y: l.upperDivider, width: l.width - 2, height: 1), char: g.focusedBox.horizontal, role: .focusBorder)
            for (pane, range) in l.tabs where range.upperBound < l.width - 1 {
                let shown = pane == s.focus
                buf.put(" \(Layout.shortTitle(pane)) ", x: range.lowerBound, y: l.upperDivider, role: shown ? .selected : .dim, bold: shown)
            }
            if let unsaved = unsavedText(s) {
                let text = " \(unsaved) "
                let x = l.width - 2 - text.count
                if x > l.width / 2 { buf.put(text, x: x, y: l.frame.y, role: .changed, bold: true) }
            }
            return
        }

        if let y = l.mapDivider {
            buf.drawRule(x: 0, y: y, width: l.width, joinsBox: true, glyphs: g)
            title(&buf, x: 1, y: y, width: l.width - 2, [Span("Flash map", role: .title)], focused: false, g)
            let total = MapBar.total(s)
            let note = "\(sizeWords(total)) \(g.middleDot) a column is about \(approximate(total / max(1, l.mapBar.width)))"
            rightTitle(&buf, y: y, right: l.width - 2, note, g)
        }

        // Partitions | OTA data.
        buf.drawRule(x: 0, y: l.upperDivider, width: l.width, joinsBox: true, glyphs: g)
        if s.showsOTAPane {
            buf.set(Cell(char: g.teeDown, role: .border), atX: l.upperSplit, y: l.upperDivider)
            buf.fill(Rect(x: l.upperSplit, y: l.upperDivider + 1, width: 1, height: l.lowerDivider - l.upperDivider - 1),
                     char: g.box.vertical, role: .border)
        }
        title(&buf, x: 1, y: l.upperDivider, width: l.partitions.width, PartitionsPane.title(s), focused: s.focus == .partitions, g)
        if s.showsOTAPane {
            title(&buf, x: l.upperSplit + 1, y: l.upperDivider, width: l.otadata.width, OTAPane.title(s, width: l.otadata.width), focused: s.focus == .otadata, g)
        }

        // Lower area.
        buf.drawRule(x: 0, y: l.lowerDivider, width: l.width, joinsBox: true, glyphs: g)
        if s.showsOTAPane {
            buf.set(Cell(char: l.lowerSplit == l.upperSplit ? g.cross : g.teeUp, role: .border), atX: l.upperSplit, y: l.lowerDivider)
        }
        if l.mode == .wide, let split = l.lowerSplit, let detail = l.detail, let hex = l.hex, let iy = l.integrityDivider,
           let integrity = l.integrity {
            if split != l.upperSplit || !s.showsOTAPane {
                buf.set(Cell(char: g.teeDown, role: .border), atX: split, y: l.lowerDivider)
            }
            buf.fill(Rect(x: split, y: detail.y, width: 1, height: detail.height), char: g.box.vertical, role: .border)
            title(&buf, x: 1, y: l.lowerDivider, width: detail.width, DetailPane.title(s), focused: s.focus == .detail, g)
            title(&buf, x: split + 1, y: l.lowerDivider, width: hex.width, HexPane.title(s), focused: s.focus == .hex, g)
            rightTitle(&buf, y: l.lowerDivider, right: l.width - 2, HexPane.position(s), g)
            buf.drawRule(x: 0, y: iy, width: l.width, joinsBox: true, glyphs: g)
            buf.set(Cell(char: g.teeUp, role: .border), atX: split, y: iy)
            title(&buf, x: 1, y: iy, width: integrity.width, [Span("Integrity", role: .title), Span(" · stored vs computed, live", role: .dim)],
                  focused: s.focus == .integrity, g)
        } else {
            drawTabs(&buf, s, l)
            drawIntegritySummary(&buf, s, l)
        }
        if let unsaved = unsavedText(s) {
            let y = l.frame.y
            let text = " \(unsaved) "
            let x = l.width - 2 - text.count
            if x > l.width / 2 { buf.put(text, x: x, y: y, role: .changed, bold: true) }
        }
    }

    static func unsavedText(_ s: AppState) -> String? {
        guard s.isDirty else { return nil }
        let g = s.glyphs
        if let n = s.unsavedEditCount, n > 0 { return "\(g.changedMark) \(n) unsaved" }
        return "\(g.changedMark) unsaved"
    }

    static func drawHeader(_ buf: inout ScreenBuffer, _ s: AppState, _ l: Layout) {
        let g = s.glyphs
        let lay = s.layout
        var facts: [Span] = [Span(s.displayName, role: .accent, bold: true)] + ComparePane.headerSpans(s) + [Span(" \(g.middleDot) \(sizeWords(s.document.count))")]
        if Derived.isPartialDump(s) {
            facts.append(Span(" \(g.middleDot) "))
            facts.append(Span("partial dump: ends at \(Hex.short(s.document.count))", role: .warning, bold: true))
        }
        if let c = lay.chip { facts.append(Span(" \(g.middleDot) \(c.name)")) }
        var flash: Span?
        if let b = lay.bootloader?.image {
            let freq = b.chip?.flashFrequencyName(b.flash.frequencyCode) ?? "?"
            flash = Span(" \(g.middleDot) \(b.flash.modeName) \(freq) \(b.flash.flashSizeName ?? "size?")")
            facts.append(flash!)
        }
        if let t = lay.table {
            facts.append(Span(" \(g.middleDot) table @\(Hex.short(t.offset)) "))
            switch t.md5 {
            case .ok: facts.append(Span("MD5 \(g.check)", role: .valid))
            case .mismatch: facts.append(Span("MD5 \(g.crossMark)", role: .invalid))
            case .absent: facts.append(Span("no MD5", role: .warning))
            }
        } else if lay.kind == .flashImage {
            facts.append(Span(" \(g.middleDot) "))
            facts.append(Span("no partition table", role: .invalid))
        }
        for part in lay.security.summaryParts { facts.append(Span(" \(g.middleDot) \(part)", role: .warning)) }
        let reserve = unsavedText(s).map { $0.count + 3 } ?? 0
        let width = l.width - 4 - reserve
        // The product name goes first when everything fits; the facts matter more.
        let brand = [Span("FlashScope", role: .title, bold: true), Span(" \(g.box.horizontal) ", role: .border)]
        func fits(_ spans: [Span]) -> Bool { spans.map(\.text.count).reduce(0, +) <= width }
        var spans = brand + facts
        if !fits(spans) { spans = facts }
        if !fits(spans), let flash { spans = facts.filter { $0 != flash } }
        buf.put(" ", x: 1, y: 0, role: .border)
        let end = buf.drawSpans(spans, x: 2, y: 0, width: width, glyphs: g)
        buf.put(" ", x: end, y: 0, role: .border)
    }

    /// "35 KiB", "1.2 MiB".
    static func approximate(_ n: Int) -> String {
        if n >= 1 << 20 { return "\(n >> 20).\((n % (1 << 20)) * 10 >> 20) MiB" }
        if n >= 1024 { return "\(n >> 10) KiB" }
        return "\(n) bytes"
    }

    static func sizeWords(_ n: Int) -> String {
        if n >= 1 << 20 && n % (1 << 20) == 0 { return "\(n >> 20) MiB" }
        if n >= 1024 && n % 1024 == 0 { return "\(n >> 10) KiB" }
        return "\(n) bytes"
    }

    /// A pane title on a rule; the focused pane's part of the rule is heavy and its title bold.
    static func title(_ buf: inout ScreenBuffer, x: Int, y: Int, width: Int, _ spans: [Span], focused: Bool, _ g: Glyphs) {
        guard width > 4 else { return }
        if focused {
            buf.fill(Rect(x: x, y: y, width: width, height: 1), char: g.focusedBox.horizontal, role: .focusBorder)
        }
        let lead = x + 1
        buf.put(" ", x: lead, y: y, role: .border)
        var styled = spans
        if focused, !styled.isEmpty {
            styled[0] = Span(styled[0].text, role: .focusBorder, bold: true)
        }
        let end = buf.drawSpans(styled, x: lead + 1, y: y, width: width - 4, glyphs: g)
        buf.put(" ", x: end, y: y, role: .border)
    }

    /// Text at the right end of a rule.
    static func rightTitle(_ buf: inout ScreenBuffer, y: Int, right: Int, _ text: String, _ g: Glyphs) {
        let t = " \(text) "
        buf.put(t, x: right - t.count, y: y, role: .dim)
    }

    /// "─ Detail ─ Hex ─ Integrity ─" on the lower divider of the compact layout.
    static func drawTabs(_ buf: inout ScreenBuffer, _ s: AppState, _ l: Layout) {
        let g = s.glyphs
        let focusedLower = Pane.lower.contains(s.focus)
        if focusedLower {
            let end = l.upperSplit > 0 && s.showsOTAPane ? l.upperSplit : l.width - 1
            buf.fill(Rect(x: 1, y: l.lowerDivider, width: end - 1, height: 1), char: g.focusedBox.horizontal, role: .focusBorder)
        }
        for (pane, range) in l.tabs {
            let shown = pane == s.lowerPane
            let role: Role = shown ? (focusedLower ? .selected : .title) : .dim
            buf.put(" \(pane.title) ", x: range.lowerBound, y: l.lowerDivider, role: role, bold: shown)
        }
        if let p = s.selectedPartition, s.lowerPane != .hex {
            rightTitle(&buf, y: l.lowerDivider, right: l.width - 2, p.name, g)
        } else if s.lowerPane == .hex {
            let t = HexPane.position(s) + (s.hex.editing ? " \(g.middleDot) EDIT" : "")
            let x = l.width - 2 - t.count - 2
            if x > (l.tabs.last?.1.upperBound ?? 0) + 2 { buf.put(" \(t) ", x: x, y: l.lowerDivider, role: .dim) }
        }
    }

    /// One-line integrity verdicts in the bottom border (compact layout).
    static func drawIntegritySummary(_ buf: inout ScreenBuffer, _ s: AppState, _ l: Layout) {
        let g = s.glyphs
        var spans: [Span] = []
        func mark(_ ok: Bool?) -> Span {
            switch ok {
            case .some(true): Span(String(g.check), role: .valid)
            case .some(false): Span(String(g.crossMark), role: .invalid, bold: true)
            case .none: Span(String(g.dash), role: .dim)
            }
        }
        func sep() { spans.append(Span(" \(g.middleDot) ", role: .border)) }
        let od = Derived.otadataChecks(s)
        if !od.isEmpty {
            spans.append(Span("otadata"))
            for (k, c) in od.enumerated() { spans.append(Span(" \(k)")); spans.append(mark(c.ok)) }
        }
        if let t = Derived.tableCheck(s) {
            if !spans.isEmpty { sep() }
            spans.append(Span("MD5 ")); spans.append(mark(t.ok))
        }
        if let b = s.layout.bootloader?.image {
            if !spans.isEmpty { sep() }
            spans.append(Span("bootloader ")); spans.append(mark(imageOK(b)))
        }
        for a in s.layout.apps {
            guard let img = a.image else { continue }
            if !spans.isEmpty { sep() }
            spans.append(Span("\(a.partition.name) ")); spans.append(mark(imageOK(img)))
        }
        if s.layout.kind != .flashImage, let img = s.layout.image {
            spans.append(Span("image ")); spans.append(mark(imageOK(img)))
        }
        guard !spans.isEmpty else { return }
        buf.put(" ", x: 1, y: l.bottomBorder, role: .border)
        let end = buf.drawSpans(spans, x: 2, y: l.bottomBorder, width: l.width - 5, glyphs: g)
        buf.put(" ", x: end, y: l.bottomBorder, role: .border)
    }

    static func imageOK(_ img: AppImage) -> Bool? {
        guard let c = img.checksumValid else { return false }
        return c && (img.hashValid ?? true)
    }

    // MARK: Status row

    static func drawStatus(_ buf: inout ScreenBuffer, _ s: AppState, _ l: Layout) {
        let g = s.glyphs
        let y = l.statusRow
        let w = l.width
        if let p = s.prompt {
            // A narrow terminal keeps at least half the row for the text: the label gives way.
            let label = p.label.count > w / 2 ? String(p.label.prefix(max(0, w / 2 - 1))) + String(g.ellipsis) : p.label
            var x = buf.put(label, x: 0, y: y, role: .prompt, bold: true) + 1
            // Show the end of a long path.
            let room = max(2, w - x - 2)
            let text = p.text.count > room ? String(g.ellipsis) + String(p.text.suffix(room - 1)) : p.text
            x = buf.put(text, x: x, y: y, role: .normal)
            buf.put(" ", x: x, y: y, role: .selected)
            if !p.completions.isEmpty {
                let list = p.completions.map(baseNameKeepingSlash).joined(separator: "  ")
                buf.drawText(list, x: x + 2, y: y, width: w - x - 2, role: .dim, glyphs: g)
            } else if let m = s.message, x + 4 < w {
                buf.drawText(m.text, x: x + 3, y: y, width: w - x - 3, role: m.kind == .error ? .warning : .dim, glyphs: g)
            }
            return
        }
        if let m = s.message {
            let (icon, role): (String, Role) = switch m.kind {
            case .error: ("\(g.crossMark) ", .invalid)
            case .success: ("\(g.check) ", .valid)
            case .info: ("", .normal)
            }
            buf.drawSpans([Span(icon, role: role, bold: true), Span(m.text, role: m.kind == .error ? .warning : .normal)],
                          x: 0, y: y, width: w, glyphs: g)
            return
        }
        if let job = s.search, s.modal == nil {
            let total = max(1, s.document.count)
            buf.drawSpans([Span("searching \(job.pattern.display) \(g.ellipsis) \(min(100, job.covered * 100 / total))%", role: .accent),
                           Span("  keys still work \(g.middleDot) Esc stops", role: .dim)], x: 0, y: y, width: w, glyphs: g)
            return
        }
        // A dialog shows its own keys.
        if s.modal == nil { buf.drawKeyHints(KeyMap.hints(s), x: 0, y: y, width: w) }
    }

    static func baseNameKeepingSlash(_ p: String) -> String {
        let trimmed = p.hasSuffix("/") ? String(p.dropLast()) : p
        return baseName(trimmed) + (p.hasSuffix("/") ? "/" : "")
    }
}
