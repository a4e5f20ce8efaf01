import FlashFormats
import FlashModel
import ScreenKit

/// offset | 8 + 8 bytes | ASCII, for the visible lines only. Runs of identical rows collapse to
/// one `*` line; structure fields are coloured (otadata seq/state/CRC, table magics and MD5,
/// image magic, checksum and SHA-256); bytes that differ from the input are marked as staged.
enum HexPane {
    static func title(_ s: AppState) -> [Span] {
        var out = [Span("Hex", role: .title)]
        if s.hex.editing { out.append(Span(" \(s.glyphs.middleDot) EDIT", role: .prompt, bold: true)) }
        return out
    }

    /// "0x0000d01c · otadata+0x1c".
    static func position(_ s: AppState) -> String {
        let c = s.hex.cursor
        var t = "0x" + Hex.padded(c, 8)
        if let p = s.layout.partitions.first(where: { Int($0.entry.offset) <= c && c < Int($0.entry.end) }) {
            t += " \(s.glyphs.middleDot) \(p.name)+\(Hex.short(c - Int(p.entry.offset)))"
        } else if let b = s.layout.bootloader, c >= b.offset, c < (s.layout.table?.offset ?? b.offset + 0x7000) {
            t += " \(s.glyphs.middleDot) bootloader+\(Hex.short(c - b.offset))"
        } else if let t0 = s.layout.table?.offset, c >= t0, c < t0 + 0x1000 {
            t += " \(s.glyphs.middleDot) table+\(Hex.short(c - t0))"
        }
        return t
    }

    /// Column of byte `i` (0–15, or 0–7 / 0–3 on a narrow pane) in the hex area.
    static func hexColumn(_ i: Int) -> Int { 11 + 3 * i + (i >= 8 ? 1 : 0) }
    static let offsetColumn = 1
    /// Column of the ASCII area for `perRow` bytes a row (62 for 16): after the hex and a bar.
    static func asciiColumn(_ perRow: Int) -> Int { hexColumn(perRow - 1) + 5 }

    /// Bytes a display row shows in a pane `width` columns wide: 16, or 8 or 4 on a narrow pane, so
    /// that no byte is cut (a 16-byte line of the hex view then takes 2 or 4 display rows).
    static func bytesPerRow(width: Int) -> Int {
        if width >= hexColumn(15) + 2 { return 16 }
        if width >= hexColumn(7) + 2 { return 8 }
        return 4
    }

    /// Display rows one 16-byte line of the hex view takes in a pane `width` columns wide.
    static func rowsPerLine(width: Int) -> Int { HexView.rowSize / bytesPerRow(width: width) }

    /// The ASCII column is shown when it fits whole.
    static func showsASCII(width: Int) -> Bool {
        let k = bytesPerRow(width: width)
        return width >= asciiColumn(k) + k
    }

    /// The byte at pane column `x` of a row of `perRow` bytes, in the hex or the ASCII area.
    static func byteColumn(_ x: Int, perRow: Int = 16) -> Int? {
        for i in 0..<perRow where x >= hexColumn(i) && x < hexColumn(i) + 2 { return i }
        if x >= asciiColumn(perRow), x < asciiColumn(perRow) + perRow { return x - asciiColumn(perRow) }
        return nil
    }

    /// A display row: the bytes `start..<end` of a data line, or a collapsed line.
    struct Row { var line: HexView.Line; var start: Int; var end: Int }

    /// The display rows of the pane `rect`, top to bottom (a data line splits into rows of
    /// ``bytesPerRow(width:)`` bytes; a collapsed line is one row).
    static func rows(_ s: AppState, _ rect: Rect) -> [Row] {
        guard s.document.count > 0, rect.height > 0 else { return [] }
        let view = HexView(doc: s.document, runs: s.runs, cursor: s.hex.cursor)
        let k = bytesPerRow(width: rect.width)
        var out: [Row] = []
        for line in view.lines(from: s.hex.top, count: rect.height) {
            if line.isCollapsed {
                out.append(Row(line: line, start: line.start, end: line.end))
            } else {
                var at = line.start
                repeat {
                    out.append(Row(line: line, start: at, end: min(line.end, at + k)))
                    at += k
                } while at < line.end && out.count < rect.height
            }
            if out.count >= rect.height { break }
        }
        return Array(out.prefix(rect.height))
    }

    /// The byte under a click at (`x`, `y`) on the pane `rect`, if any.
    static func offset(_ s: AppState, _ rect: Rect, x: Int, y: Int) -> Int? {
        let rows = rows(s, rect)
        let i = y - rect.y
        guard rows.indices.contains(i), !rows[i].line.isCollapsed,
              let col = byteColumn(x - rect.x, perRow: bytesPerRow(width: rect.width)) else { return nil }
        let at = rows[i].start + col
        return at < rows[i].end ? at : nil
    }

    static func draw(_ buf: inout ScreenBuffer, _ s: AppState, _ rect: Rect) {
        let g = s.glyphs
        let doc = s.document
        guard doc.count > 0 else {
            buf.drawText("empty file", x: rect.x + 1, y: rect.y, width: rect.width - 1, role: .dim, glyphs: g)
            return
        }
        if s.compare != nil { ComparePane.drawHex(&buf, s, rect); return }
        let rows = rows(s, rect)
        let k = bytesPerRow(width: rect.width)
        let showASCII = showsASCII(width: rect.width)
        let ascii = asciiColumn(k)
        let visible = (rows.first?.start ?? 0)..<(rows.last?.end ?? 0)
        let marks = annotations(s, in: visible)
        let cursorRow = s.hex.cursor / k * k
        for (i, row) in rows.enumerated() {
            let y = rect.y + i
            if row.line.isCollapsed {
                drawCollapsed(&buf, s, row.line, x: rect.x, y: y, width: rect.width)
                continue
            }
            let bytes = doc.bytes(row.start..<row.end)
            // Marked: bytes that differ from what was last saved (the input before any save).
            let rowChanged = s.mayBeUnsaved(row.start) || s.mayBeUnsaved(row.end - 1)
            buf.put(Hex.padded(row.start, 8), x: rect.x + offsetColumn, y: y, role: row.start == cursorRow ? .accent : .dim)
            if rowChanged, (0..<bytes.count).contains(where: { s.savedByte(at: row.start + $0) != bytes[$0] }) {
                buf.put(String(g.changedMark), x: rect.x, y: y, role: .staged)
            }
            if showASCII {
                buf.put(String(g.box.vertical), x: rect.x + ascii - 1, y: y, role: .border)
            }
            for (j, b) in bytes.enumerated() {
                let offset = row.start + j
                let isCursor = offset == s.hex.cursor
                let staged = rowChanged && s.savedByte(at: offset) != b
                let mark = marks.first { $0.range.contains(offset) }?.role
                var role: Role = mark ?? byteRole(b)
                var bold = false
                if staged {
                    if mark != nil { bold = true } else { role = .staged }
                }
                if isCursor { role = .selected; bold = true }
                var text = Hex.padded(b, 2)
                if isCursor, let hi = s.hex.pendingNibble { text = Hex.padded(hi, 1) + "_" }
                buf.put(text, x: rect.x + hexColumn(j), y: y, role: role, bold: bold)
                if showASCII {
                    buf.put(String(asciiChar(b, g)), x: rect.x + ascii + j, y: y, role: isCursor ? .selected : (staged ? .staged : byteRole(b)))
                }
            }
        }
    }

    static func drawCollapsed(_ buf: inout ScreenBuffer, _ s: AppState, _ line: HexView.Line, x: Int, y: Int, width: Int) {
        let g = s.glyphs
        let pattern = s.document.bytes((line.start - 16)..<line.start)
        let what: String
        if let first = pattern.first, pattern.allSatisfy({ $0 == first }) {
            what = "of \(Hex.padded(first, 2))"
        } else {
            what = "same as above"
        }
        buf.put("*", x: x + offsetColumn, y: y, role: .dim, bold: true)
        let rows = line.rowCount
        let text = "\(rows) more rows \(what) (\(Hex.short(line.end - line.start)) bytes) to \(Hex.padded(line.end - 1, 8))"
        let role: Role = what == "of ff" ? .erased : .dim
        buf.drawText(text, x: x + hexColumn(0), y: y, width: width - hexColumn(0), role: role, glyphs: g)
    }

    static func byteRole(_ b: UInt8) -> Role {
        switch b {
        case 0xFF: .erased
        case 0x00: .dim
        default: .normal
        }
    }

    static func asciiChar(_ b: UInt8, _ g: Glyphs) -> Character {
        if b >= 0x20 && b < 0x7F { return Character(Unicode.Scalar(b)) }
        if !g.isUnicode { return "." }
        switch b {
        case 0x00: return g.middleDot
        case 0xFF: return "×"
        default: return "."
        }
    }

    struct Mark { var range: Range<Int>; var role: Role }

    /// Structure fields that overlap `visible`, with the role that says what they are.
    static func annotations(_ s: AppState, in visible: Range<Int>) -> [Mark] {
        var out: [Mark] = []
        func add(_ r: Range<Int>, _ role: Role) { if r.overlaps(visible) { out.append(Mark(range: r, role: role)) } }
        let l = s.layout
        if let o = l.otadata {
            for (k, e) in o.entries.enumerated() {
                guard let e else { continue }
                let at = o.offset + k * otadataSectorSize
                if e.isErased { continue }
                add(at..<(at + 4), .accent)
                add((at + 24)..<(at + 28), .accent)
                add((at + 28)..<(at + 32), e.seqErased ? .erased : (e.crcOK ? .valid : .invalid))
            }
        }
        if let t = l.table {
            for i in 0..<(t.entries.count) { add((t.offset + 32 * i)..<(t.offset + 32 * i + 2), .structField) }
            if let m = t.md5Row {
                let at = t.offset + 32 * m
                add(at..<(at + 2), .structField)
                add((at + 16)..<(at + 32), t.md5 == .ok ? .valid : .invalid)
            }
        }
        var images: [AppImage] = []
        if let b = l.bootloader { images.append(b.image) }
        images += l.apps.compactMap(\.image)
        if let img = l.image { images.append(img) }
        for img in images {
            add(img.offset..<(img.offset + 1), .structField)
            if img.appDescriptor != nil { add((img.offset + 0x20)..<(img.offset + 0x24), .structField) }
            if let c = img.checksumOffset {
                add((img.offset + c)..<(img.offset + c + 1), img.checksumValid == true ? .valid : .invalid)
                if img.hashAppended { add((img.offset + c + 1)..<(img.offset + c + 33), img.hashValid == true ? .valid : .invalid) }
            }
        }
        out += NVSPane.hexMarks(s, in: visible)
        return out
    }
}
