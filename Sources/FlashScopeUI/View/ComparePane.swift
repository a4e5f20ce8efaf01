import FlashFormats
import FlashModel
import ScreenKit

/// Compare mode on screen: B's name in the header, both boot predictions on the boot line, each
/// partition's verdict from the engine's ``FlashDiff``, and the hex pane with B's bytes under A's.
/// Nothing here decides what differs: ``Compare`` and the engine do; this draws what they found.
enum ComparePane {
    /// The mark of a differing byte or partition (the ASCII screen shows it as `!`).
    static let differs = "≠"

    /// " vs B.bin" after A's name in the header.
    static func headerSpans(_ s: AppState) -> [Span] {
        guard let c = s.compare else { return [] }
        var out = [Span(" vs ", role: .dim), Span(c.name, role: .changed, bold: true)]
        if c.bytes.sizeB != c.bytes.sizeA { out.append(Span(" (\(Screen.sizeWords(c.bytes.sizeB)))", role: .warning)) }
        return out
    }

    /// "· 3 differ from B" (or the comparison's progress) after the Partitions title.
    static func partitionsTitle(_ s: AppState) -> [Span] {
        guard let c = s.compare else { return [] }
        let dot = s.glyphs.middleDot
        guard let d = c.diff else { return [Span(" \(dot) comparing \(c.percent)%", role: .dim)] }
        let changed = d.partitions.filter(\.changed).count
        var out = [Span(" \(dot) ", role: .dim),
                   Span(changed == 0 ? "none differs from B" : "\(changed) differ from B", role: changed == 0 ? .valid : .changed)]
        let onlyB = d.partitions.filter { $0.a == nil }.count
        if onlyB > 0 { out.append(Span(" \(dot) \(onlyB) only in B", role: .warning)) }
        return out
    }

    /// The status cell of a partition row in compare mode: the engine's verdict for the partition.
    static func status(_ s: AppState, _ p: PartitionInfo) -> Derived.Status? {
        guard let c = s.compare else { return nil }
        guard let d = c.diff else { return Derived.Status(text: "\(s.glyphs.ellipsis) \(c.percent)%", role: .dim) }
        guard let change = d.partitions.first(where: { $0.name == p.name }) else { return Derived.Status(text: "= same", role: .dim) }
        if change.b == nil { return Derived.Status(text: "− not in B", role: .warning) }
        if let a = change.a, let b = change.b, a != b {
            let what = a.offset != b.offset ? "moved" : a.size != b.size ? "resized" : "row"
            return Derived.Status(text: "\(differs) \(what)", role: .changed)
        }
        guard change.changed else { return Derived.Status(text: "= same", role: .dim) }
        let n = change.sectorCount
        return Derived.Status(text: "\(differs) \(n) sec", role: .changed)
    }

    // MARK: Boot line

    /// "A ▶ boots factory (…) │ B ▶ boots ota_1 (…)": both predictions, each from its own analysis.
    static func drawBoot(_ buf: inout ScreenBuffer, _ s: AppState, x: Int, y: Int, width: Int) {
        guard let c = s.compare else { return }
        let g = s.glyphs
        let half = max(1, (width - 3) / 2)
        let a = s.layout.boot, b = c.layout?.boot
        let same = a?.loaded == b?.loaded && a?.selected == b?.selected
        buf.drawSpans(bootSpans("A", s.layout, g), x: x, y: y, width: half, glyphs: g)
        buf.put(same ? " = " : " \(differs) ", x: x + half, y: y, role: same ? .dim : .changed, bold: !same)
        buf.drawSpans(bootSpans("B", c.layout, g), x: x + half + 3, y: y, width: width - half - 3, glyphs: g)
    }

    static func bootSpans(_ side: String, _ l: FlashLayout?, _ g: Glyphs) -> [Span] {
        let label = Span("\(side) ", role: .accent, bold: true)
        guard let l else { return [label, Span("not an image FlashScope can read", role: .warning)] }
        guard l.kind == .flashImage, let b = l.boot else { return [label, Span("no boot decision", role: .dim)] }
        let reason = Span(" (\(b.reason))", role: .dim)
        switch b.outcome {
        case .unknown: return [label, Span("? unknown", role: .warning, bold: true), reason]
        case .nothingLoads: return [label, Span("\(g.crossMark) nothing boots", role: .invalid, bold: true), reason]
        case .loads: return [label, Span("\(g.arrowRight) boots \(b.loaded ?? "?")", role: .boot, bold: true), reason]
        }
    }

    // MARK: Hex

    /// A's lines as in the hex pane, each followed by B's bytes at the same offsets; differing bytes are
    /// bold in the changed colour in both rows and B's carry `≠` (`!` in ASCII) in front. A collapsed run
    /// of A says whether B differs inside it (from the comparison, once it has got there). A is not empty
    /// (``HexPane/draw(_:_:_:)`` says so before calling this).
    static func drawHex(_ buf: inout ScreenBuffer, _ s: AppState, _ rect: Rect) {
        guard let c = s.compare else { return }
        let g = s.glyphs
        let doc = s.document
        let view = HexView(doc: doc, runs: s.runs, cursor: s.hex.cursor)
        let lines = view.lines(from: s.hex.top, count: max(1, rect.height / 2))
        let showASCII = rect.width >= HexPane.asciiColumn(16) + 16
        for (i, line) in lines.enumerated() {
            let y = rect.y + 2 * i
            guard y + 1 < rect.maxY else { break }
            if line.isCollapsed {
                HexPane.drawCollapsed(&buf, s, line, x: rect.x, y: y, width: rect.width)
                drawCollapsedB(&buf, s, c, line.start..<line.end, x: rect.x, y: y + 1, width: rect.width)
                continue
            }
            let range = line.start..<min(line.end, line.start + HexView.rowSize)
            let diffs = ByteComparison.differences(doc, c.document, in: range)
            let a = doc.bytes(range)
            let bRange = range.clamped(to: 0..<c.document.count)
            let b = c.document.bytes(bRange)
            buf.put(Hex.padded(line.start, 8), x: rect.x + HexPane.offsetColumn, y: y, role: line.start == s.hex.cursor / 16 * 16 ? .accent : .dim)
            buf.put("B", x: rect.x + HexPane.offsetColumn + 7, y: y + 1, role: .dim)
            if !diffs.isEmpty { buf.put(differs, x: rect.x, y: y + 1, role: .changed, bold: true) }
            if showASCII {
                buf.put(String(g.box.vertical), x: rect.x + HexPane.asciiColumn(16) - 1, y: y, role: .border)
                buf.put(String(g.box.vertical), x: rect.x + HexPane.asciiColumn(16) - 1, y: y + 1, role: .border)
            }
            for j in 0..<a.count {
                let offset = range.lowerBound + j
                let differing = diffs.contains { $0.contains(offset) }
                let isCursor = offset == s.hex.cursor
                let roleA: Role = isCursor ? .selected : differing ? .changed : HexPane.byteRole(a[j])
                var text = Hex.padded(a[j], 2)
                if isCursor, let hi = s.hex.pendingNibble { text = Hex.padded(hi, 1) + "_" }
                buf.put(text, x: rect.x + HexPane.hexColumn(j), y: y, role: roleA, bold: differing || isCursor)
                if showASCII {
                    buf.put(String(HexPane.asciiChar(a[j], g)), x: rect.x + HexPane.asciiColumn(16) + j, y: y, role: isCursor ? .selected : roleA)
                }
                guard j < b.count else {
                    buf.put("--", x: rect.x + HexPane.hexColumn(j), y: y + 1, role: .warning)
                    continue
                }
                let roleB: Role = differing ? .changed : .dim
                if differing { buf.put(differs, x: rect.x + HexPane.hexColumn(j) - 1, y: y + 1, role: .changed, bold: true) }
                buf.put(Hex.padded(b[j], 2), x: rect.x + HexPane.hexColumn(j), y: y + 1, role: roleB, bold: differing)
                if showASCII {
                    buf.put(String(HexPane.asciiChar(b[j], g)), x: rect.x + HexPane.asciiColumn(16) + j, y: y + 1, role: roleB, bold: differing)
                }
            }
        }
    }

    /// Under a collapsed run of A: whether B's bytes there are the same, from the comparison.
    static func drawCollapsedB(_ buf: inout ScreenBuffer, _ s: AppState, _ c: CompareState, _ range: Range<Int>, x: Int, y: Int, width: Int) {
        let g = s.glyphs
        buf.put("B", x: x + HexPane.offsetColumn + 7, y: y, role: .dim)
        let text: String
        let role: Role
        if !c.covers(range) {
            text = "not compared yet (\(c.percent)%)"
            role = .dim
        } else {
            let inside = ByteComparison.clip(c.bytes.exact, to: range)
            // Past the exact ranges the engine keeps, only the changed sectors are known.
            let pastExact = c.bytes.exactTruncated && range.lowerBound >= (c.bytes.exact.last?.upperBound ?? 0)
            let sectors = pastExact && inside.isEmpty ? ByteComparison.clip(c.bytes.sectors, to: range) : []
            if let first = sectors.first {
                text = "\(differs) differs here, in the sector at \(Hex.padded(first.lowerBound / ByteComparison.sectorSize * ByteComparison.sectorSize, 8)) (n goes there)"
                role = .changed
                buf.put(differs, x: x, y: y, role: .changed, bold: true)
            } else if inside.isEmpty {
                text = "same bytes"
                role = .dim
            } else {
                let n = inside.reduce(0) { $0 + $1.count }
                text = "\(differs) \(n) byte\(n == 1 ? "" : "s") differ here, the first at \(Hex.padded(inside[0].lowerBound, 8)) (n goes there)"
                role = .changed
                buf.put(differs, x: x, y: y, role: .changed, bold: true)
            }
        }
        buf.drawText(text, x: x + HexPane.hexColumn(0), y: y, width: width - HexPane.hexColumn(0), role: role, glyphs: g)
    }

    /// The offset of the byte drawn at (`x`, `y`) in the compare hex pane (A's or B's row of a line), if any.
    static func offset(_ s: AppState, _ rect: Rect, x: Int, y: Int) -> Int? {
        let lines = HexView(doc: s.document, runs: s.runs, cursor: s.hex.cursor).lines(from: s.hex.top, count: rect.height)
        let row = (y - rect.y) / 2   // each line has B's row below
        guard row >= 0, row < lines.count, !lines[row].isCollapsed, let col = HexPane.byteColumn(x - rect.x) else { return nil }
        return lines[row].start + col
    }
}
