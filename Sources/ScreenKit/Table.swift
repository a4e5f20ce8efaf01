/// One column of a ``Table``: header text, width and alignment.
public struct TableColumn: Hashable, Sendable {
    public var title: String
    /// How wide the column is; resolved with ``Rect/splitColumns(_:spacing:)``.
    public var width: Length
    public var alignment: TextAlignment

    public init(_ title: String, width: Length, alignment: TextAlignment = .left) {
        self.title = title
        self.width = width
        self.alignment = alignment
    }
}

/// One row of a ``Table``: styled cells, one per column, plus an optional role for the whole row.
public struct TableRow: Hashable, Sendable {
    /// The cells, left to right; missing trailing cells are blank, extra cells are ignored.
    public var cells: [Span]
    /// A role applied to the row's cells that keep the default ``Role/normal`` (e.g. ``Role/boot``).
    public var role: Role?

    public init(_ cells: [Span], role: Role? = nil) {
        self.cells = cells
        self.role = role
    }

    /// A row of plain strings.
    public init(_ texts: [String], role: Role? = nil) {
        self.init(texts.map { Span($0) }, role: role)
    }
}

/// A table: a header row, then data rows, one of which may be selected.
///
/// Rendering resolves column widths across the target rectangle (with `columnSpacing` blank
/// columns between them), clears each shown row, draws each cell with
/// ``ScreenBuffer/drawText(_:x:y:width:role:bold:alignment:glyphs:)`` (truncated with the
/// ellipsis glyph, aligned per column), and paints the selected row with ``Role/selected`` across the full width
/// (reverse video in every theme, so it is visible in monochrome). When there are more rows than
/// fit, the view scrolls just enough to keep the selected row visible, starting from
/// `scrollOffset` (pass back ``TableLayout/firstRow`` to keep scrolling stable between frames).
/// A value like ratatui's `Table` plus `TableState`.
public struct Table: Hashable, Sendable {
    public var columns: [TableColumn]
    public var rows: [TableRow]
    /// The index in `rows` of the highlighted row, if any.
    public var selectedRow: Int?
    /// The first data row to show, before adjusting to keep `selectedRow` visible.
    public var scrollOffset: Int
    /// Whether the first line is the column headers (role ``Role/header``).
    public var showsHeader: Bool
    /// Blank columns between neighbouring columns.
    public var columnSpacing: Int

    public init(columns: [TableColumn], rows: [TableRow], selectedRow: Int? = nil, scrollOffset: Int = 0,
                showsHeader: Bool = true, columnSpacing: Int = 1) {
        self.columns = columns
        self.rows = rows
        self.selectedRow = selectedRow
        self.scrollOffset = scrollOffset
        self.showsHeader = showsHeader
        self.columnSpacing = columnSpacing
    }
}

/// Where a rendered ``Table`` put things, for scrolling state and mouse hit-testing.
public struct TableLayout: Hashable, Sendable {
    /// Index of the first data row shown.
    public var firstRow: Int
    /// How many data rows fit.
    public var visibleRows: Int
    /// The screen row of the first data row.
    public var firstRowY: Int
    /// The resolved column rectangles (header row included).
    public var columnRects: [Rect]

    /// The data-row index under screen row `y`, or `nil` when `y` is not on a shown data row.
    public func rowIndex(atY y: Int, rowCount: Int) -> Int? {
        let offset = y - firstRowY
        guard offset >= 0, offset < visibleRows else { return nil }
        let index = firstRow + offset
        return index < rowCount ? index : nil
    }
}

extension ScreenBuffer {
    /// Draws `table` inside `rect` (see ``Table`` for the rules).
    ///
    /// - Parameters:
    ///   - table: The columns, rows and selection.
    ///   - rect: The area to use; nothing is drawn outside it.
    ///   - glyphs: Supplies the ellipsis for truncated cells.
    /// - Returns: Where the rows went.
    @discardableResult
    public mutating func drawTable(_ table: Table, in rect: Rect, glyphs: Glyphs) -> TableLayout {
        let columnRects = rect.splitColumns(table.columns.map(\.width), spacing: table.columnSpacing)
        var body = rect
        if table.showsHeader, rect.height > 0 {
            let (header, rest) = rect.splitTop(1)
            body = rest
            fill(header, role: .header)
            for (column, area) in zip(table.columns, columnRects) {
                drawText(column.title, x: area.x, y: header.y, width: area.width, role: .header,
                         alignment: column.alignment, glyphs: glyphs)
            }
        }

        let visible = body.height
        let first = Table.firstVisibleRow(rowCount: table.rows.count, visible: visible,
                                          selected: table.selectedRow, offset: table.scrollOffset)
        let shown = min(visible, table.rows.count - first)
        for (offset, row) in (first ..< first + shown).enumerated() {
            let y = saturatingAdd(body.y, offset)
            guard y >= 0 else { continue }
            guard y < height else { break }
            let data = table.rows[row]
            let isSelected = row == table.selectedRow
            fill(Rect(x: body.x, y: y, width: body.width, height: 1), role: isSelected ? .selected : .normal)
            for (index, area) in columnRects.enumerated() where index < data.cells.count {
                let span = data.cells[index]
                let role: Role = isSelected ? .selected : (span.role == .normal ? (data.role ?? .normal) : span.role)
                drawText(span.text, x: area.x, y: y, width: area.width, role: role, bold: span.bold,
                         alignment: table.columns[index].alignment, glyphs: glyphs)
            }
        }
        return TableLayout(firstRow: first, visibleRows: visible, firstRowY: body.y, columnRects: columnRects)
    }
}

extension Table {
    /// The first row to show so that `selected` is visible, moving as little as possible from
    /// `offset`, and never scrolling past the end.
    static func firstVisibleRow(rowCount: Int, visible: Int, selected: Int?, offset: Int) -> Int {
        guard visible > 0, rowCount > visible else { return 0 }
        var first = min(max(0, offset), rowCount - visible)
        if let selected, selected >= 0, selected < rowCount {
            if selected < first { first = selected }
            if selected >= first + visible { first = selected - visible + 1 }
        }
        return first
    }
}
