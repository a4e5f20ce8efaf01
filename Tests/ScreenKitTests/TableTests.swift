import Testing
import ScreenKit

@Suite("Table and key hints")
struct TableTests {
    static let columns = [
        TableColumn("Name", width: .fixed(8)),
        TableColumn("Type", width: .fixed(4)),
        TableColumn("Offset", width: .fixed(8), alignment: .right),
        TableColumn("Size", width: .fill, alignment: .right),
    ]
    static let rows = [
        TableRow(["nvs", "data", "0x9000", "24K"]),
        TableRow(["otadata", "data", "0xf000", "8K"]),
        TableRow([Span("ota_0"), Span("app"), Span("0x10000"), Span("1M")], role: .boot),
        TableRow([Span("factory_long_name"), Span("app"), Span("0x110000"), Span("1M", role: .invalid)]),
    ]

    @Test("golden lines of a table with a selected row")
    func golden() {
        var buffer = ScreenBuffer(width: 30, height: 6)
        let table = Table(columns: Self.columns, rows: Self.rows, selectedRow: 1)
        let layout = buffer.drawTable(table, in: Rect(x: 0, y: 0, width: 30, height: 6), glyphs: .unicode)
        #expect(buffer.lines() == [
            "Name     Type   Offset    Size",
            "nvs      data   0x9000     24K",
            "otadata  data   0xf000      8K",
            "ota_0    app   0x10000      1M",
            "factory… app  0x110000      1M",
            "",
        ])
        #expect(layout.firstRow == 0 && layout.visibleRows == 5 && layout.firstRowY == 1)
        // The header, the selected row across the full width, a row role, a cell role.
        #expect((0..<30).allSatisfy { buffer.role(atX: $0, y: 0) == .header })
        #expect((0..<30).allSatisfy { buffer.role(atX: $0, y: 2) == .selected })
        #expect(buffer.role(atX: 0, y: 3) == .boot)
        #expect(buffer.role(atX: 29, y: 4) == .invalid)
        #expect(buffer.role(atX: 0, y: 4) == .normal)
        #expect(layout.rowIndex(atY: 3, rowCount: Self.rows.count) == 2)
        #expect(layout.rowIndex(atY: 0, rowCount: Self.rows.count) == nil)
        #expect(layout.rowIndex(atY: 5, rowCount: Self.rows.count) == nil)
    }

    @Test("ASCII table truncates with ~")
    func asciiTable() {
        var buffer = ScreenBuffer(width: 30, height: 2)
        let table = Table(columns: Self.columns, rows: [Self.rows[3]], showsHeader: false)
        buffer.drawTable(table, in: buffer.area, glyphs: .ascii)
        #expect(buffer.lines() == ["factory~ app  0x110000      1M", ""])
    }

    @Test("the view scrolls to keep the selected row visible")
    func scrolling() {
        var buffer = ScreenBuffer(width: 30, height: 3)
        let table = Table(columns: Self.columns, rows: Self.rows, selectedRow: 3)
        let layout = buffer.drawTable(table, in: buffer.area, glyphs: .unicode)
        #expect(layout.firstRow == 2)
        #expect(buffer.lines() == [
            "Name     Type   Offset    Size",
            "ota_0    app   0x10000      1M",
            "factory… app  0x110000      1M",
        ])
        // Scrolling back up: the offset is kept while the selection stays visible.
        var again = ScreenBuffer(width: 30, height: 3)
        let up = Table(columns: Self.columns, rows: Self.rows, selectedRow: 2, scrollOffset: layout.firstRow)
        #expect(again.drawTable(up, in: again.area, glyphs: .unicode).firstRow == 2)
        let top = Table(columns: Self.columns, rows: Self.rows, selectedRow: 0, scrollOffset: 2)
        #expect(again.drawTable(top, in: again.area, glyphs: .unicode).firstRow == 0)
    }

    @Test("key hints drop items that do not fit, never cutting one")
    func keyHints() {
        let hints = [KeyHint("q", "Quit"), KeyHint("Tab", "Next pane"), KeyHint("?", "Help")]
        var buffer = ScreenBuffer(width: 30, height: 3)
        let all = buffer.drawKeyHints(hints, x: 0, y: 0, width: 29)
        let some = buffer.drawKeyHints(hints, x: 0, y: 1, width: 20)
        let none = buffer.drawKeyHints(hints, x: 0, y: 2, width: 3)
        #expect(buffer.lines() == ["q Quit  Tab Next pane  ? Help", "q Quit  ? Help", ""])
        #expect(all.count == 3)
        #expect(some.map(\.key) == ["q", "?"])
        #expect(none.isEmpty)
        #expect(buffer.role(atX: 0, y: 0) == .key)
        #expect(buffer.role(atX: 2, y: 0) == .normal)
        #expect((8...10).allSatisfy { buffer.role(atX: $0, y: 0) == .key })
    }
}
