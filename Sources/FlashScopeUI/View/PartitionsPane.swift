import FlashFormats
import FlashModel
import ScreenKit

/// The partition table: one row per partition with a status cell.
enum PartitionsPane {
    static func title(_ s: AppState) -> [Span] {
        guard s.hasPartitions else { return [Span(s.layout.kind == .flashImage ? "Partitions" : "File", role: .title)] }
        return [Span("Partitions", role: .title), Span(" \(s.layout.partitions.count)", role: .dim)] + ComparePane.partitionsTitle(s)
    }

    /// Index of the first row shown (the table scrolls to keep the selection visible).
    static func firstRow(_ s: AppState, _ l: Layout) -> Int {
        let visible = l.partitions.height - 1
        let n = s.layout.partitions.count
        guard visible > 0, n > visible else { return 0 }
        return s.selected >= visible ? min(s.selected - visible + 1, n - visible) : 0
    }

    static func draw(_ buf: inout ScreenBuffer, _ s: AppState, _ l: Layout) {
        let g = s.glyphs
        let rect = l.partitions
        guard s.hasPartitions else {
            drawNoTable(&buf, s, rect)
            return
        }
        let wide = rect.width >= 62
        let parts = s.layout.partitions
        // Offsets and sizes are never cut: their columns are as wide as the longest value.
        let offsetWidth = max(6, parts.map { Hex.short($0.entry.offset).count }.max() ?? 6)
        let sizeWidth = max(wide ? 5 : 4, parts.map { TextReport.size(Int($0.entry.size)).count }.max() ?? 4)
        var nameWidth = min(16, max(4, parts.map(\.name.count).max() ?? 4))
        // A narrow pane drops the subtype column, then narrows the names, before the status gets
        // fewer than `minimumStatus` columns ("✓ seq 12", "erased").
        let minimumStatus = 8
        let room = rect.width - 1
        func statusRoom(sub: Bool) -> Int { room - (1 + nameWidth + (sub ? 7 : 0) + offsetWidth + sizeWidth) - (sub ? 5 : 4) }
        let showSub = wide || statusRoom(sub: true) >= minimumStatus
        if !wide, !showSub, statusRoom(sub: false) < minimumStatus {
            nameWidth = max(4, nameWidth - (minimumStatus - statusRoom(sub: false)))
        }
        var columns = [TableColumn("", width: .fixed(1)), TableColumn("name", width: .fixed(nameWidth))]
        if wide { columns.append(TableColumn("type", width: .fixed(4))) }
        if showSub { columns.append(TableColumn(wide ? "subtype" : "sub", width: .fixed(7))) }
        columns += [TableColumn("offset", width: .fixed(offsetWidth), alignment: .right),
                    TableColumn("size", width: .fixed(sizeWidth), alignment: .right)]
        if wide {
            columns.append(TableColumn("content", width: .fill))
            columns.append(TableColumn("status", width: .fixed(11)))
        } else {
            columns.append(TableColumn("status", width: .fill))
        }
        let fixed = columns.reduce(0) { sum, c in if case .fixed(let n) = c.width { return sum + n } else { return sum } }
        let statusWidth = rect.width - 1 - fixed - (columns.count - 1)
        let boot = s.layout.boot?.loaded
        let changed = s.isDirty ? s.document.changedRanges : []
        let rows: [TableRow] = parts.map { p in
            let e = p.entry
            let isBoot = p.name == boot
            let isChanged = changed.contains { $0.overlaps(Int(e.offset)..<Int(min(e.end, UInt64(Int.max)))) }
            // ▶ boots; ● holds unsaved changes.
            let marker = isBoot ? String(g.arrowRight) : isChanged ? String(g.changedMark) : " "
            var cells: [Span] = [Span(marker, role: isBoot ? .boot : .staged, bold: true),
                                 Span(p.name, role: isBoot ? .boot : .normal, bold: isBoot)]
            let typeRole: Role = e.isApp ? .app : .data
            if wide { cells.append(Span(e.typeName ?? Hex.short(e.type), role: typeRole)) }
            if showSub { cells.append(Span(e.subtypeName ?? Hex.short(e.subtype), role: typeRole)) }
            cells.append(Span(Hex.short(e.offset), role: .dim))
            cells.append(Span(TextReport.size(Int(e.size))))
            let st = ComparePane.status(s, p) ?? Derived.status(s, p, width: wide ? 11 : statusWidth)
            if wide {
                var content = Derived.content(s, p)
                if e.encrypted { content = "encrypted " + content }
                if e.readonly { content = "readonly " + content }
                cells.append(Span(content, role: .dim))
            }
            cells.append(Span(st.text, role: st.role))
            return TableRow(cells)
        }
        let table = Table(columns: columns, rows: rows, selectedRow: s.selected, scrollOffset: firstRow(s, l))
        var area = rect
        area.width -= 1
        area.x += 1
        buf.drawTable(table, in: area, glyphs: g)
        // Keep the status colour visible on the selected row: only the name is reversed.
        if s.layout.partitions.indices.contains(s.selected) {
            let y = rect.y + 1 + s.selected - firstRow(s, l)
            if y < rect.maxY, s.focus != .partitions {
                // Without focus, the selection is shown by the marker column only.
                buf.setRole(.normal, in: Rect(x: area.x, y: y, width: area.width, height: 1))
                redrawRow(&buf, rows[s.selected], table, area, y, g)
                buf.setRole(.selected, in: Rect(x: area.x + 2, y: y, width: nameWidth, height: 1))
            }
        }
    }

    /// Draws one row's cells with their own roles (used to undo the full-row highlight).
    static func redrawRow(_ buf: inout ScreenBuffer, _ row: TableRow, _ table: Table, _ area: Rect, _ y: Int, _ g: Glyphs) {
        let rects = area.splitColumns(table.columns.map(\.width), spacing: table.columnSpacing)
        for (i, r) in rects.enumerated() where i < row.cells.count {
            let c = row.cells[i]
            buf.fill(Rect(x: r.x, y: y, width: r.width, height: 1))
            buf.drawText(c.text, x: r.x, y: y, width: r.width, role: c.role, bold: c.bold, alignment: table.columns[i].alignment, glyphs: g)
        }
    }

    /// For a file that is not a whole flash: what it is, in place of the table.
    static func drawNoTable(_ buf: inout ScreenBuffer, _ s: AppState, _ rect: Rect) {
        let g = s.glyphs
        var lines: [[Span]] = []
        let l = s.layout
        switch l.kind {
        case .flashImage:
            lines.append([Span("\(g.crossMark) no partition table found", role: .invalid, bold: true)])
            lines.append([Span("0x8000 and every 4 KiB-aligned offset below 16 MiB hold no table the bootloader accepts.", role: .dim)])
            lines.append([Span("Try --pt-offset, or look at the hex pane (Tab).", role: .dim)])
        case .appImage, .bootloaderImage:
            if let img = l.image {
                lines.append([Span(l.kind == .appImage ? "App image" : "Bootloader image", role: .title, bold: true),
                              Span(" \(g.middleDot) \(s.document.count) bytes \(g.middleDot) open a flash dump and press s there to stage it", role: .dim)])
                lines += DetailPane.imageLines(s, img, partitionSize: nil).flatMap {
                    DetailPane.flow($0, width: rect.width - 2, separator: " \(g.middleDot) ")
                }
            }
        case .partitionTable:
            lines.append([Span("Partition table file", role: .title, bold: true)])
        case .otadata:
            lines.append([Span("otadata partition file", role: .title, bold: true)])
        }
        for (i, spans) in lines.enumerated() where i < rect.height {
            buf.drawSpans(spans, x: rect.x + 1, y: rect.y + i, width: rect.width - 2, glyphs: g)
        }
    }
}
