import Testing
@testable import ScreenKit

/// Every drawing entry point must accept any coordinates and any buffer size without trapping
/// (the same contract as a parser that must survive any bytes).
@Suite("Clipping never traps")
struct ClippingTests {
    static let coordinates = [Int.min, Int.min + 1, -1_000, -3, -1, 0, 1, 5, 9, 79, 1_000, Int.max - 1, Int.max]
    static let sizes = [(0, 0), (1, 1), (0, 5), (5, 0), (10, 4)]
    static let extents = [Int.min, -1, 0, 1, 2, 7, Int.max]

    @Test("put, fill, setRole and set at extreme coordinates", arguments: coordinates, coordinates)
    func primitives(x: Int, y: Int) {
        for (width, height) in Self.sizes {
            var buffer = ScreenBuffer(width: width, height: height)
            buffer.put("hello, world", x: x, y: y, role: .title)
            buffer.put("abc", x: x, y: y, maxWidth: Int.max)
            buffer.put("abc", x: x, y: y, maxWidth: Int.min)
            buffer.put("abc", x: x, y: y, clip: Rect(x: x, y: y, width: Int.max, height: Int.max))
            buffer.set(Cell(char: "x"), atX: x, y: y)
            for extent in Self.extents {
                let rect = Rect(x: x, y: y, width: extent, height: extent)
                buffer.fill(rect, char: "#", role: .free)
                buffer.setRole(.selected, in: rect)
                _ = buffer.cell(atX: x, y: y)
                _ = buffer.role(atX: x, y: y)
            }
            #expect(buffer.width == width && buffer.height == height)
            #expect(buffer.cells.count == width * height)
        }
    }

    @Test("widgets at extreme coordinates and sizes", arguments: coordinates, extents)
    func widgets(origin: Int, extent: Int) {
        let table = Table(columns: [TableColumn("A", width: .fixed(3)), TableColumn("B", width: .fraction(0.5)),
                                    TableColumn("C", width: .fill, alignment: .right)],
                          rows: (0..<20).map { TableRow(["row \($0)", "b", "c"]) }, selectedRow: 15)
        for (width, height) in Self.sizes {
            var buffer = ScreenBuffer(width: width, height: height)
            let rect = Rect(x: origin, y: origin, width: extent, height: extent)
            for glyphs in [Glyphs.unicode, .ascii] {
                buffer.drawBox(rect, title: "Title", focused: true, glyphs: glyphs)
                buffer.drawBox(rect, title: "", focused: false, glyphs: glyphs)
                buffer.drawRule(x: origin, y: origin, width: extent, title: "Rule", joinsBox: true, glyphs: glyphs)
                buffer.drawRule(x: origin, y: origin, width: extent, title: "Rule", glyphs: glyphs)
                buffer.drawText("some text", x: origin, y: origin, width: extent, alignment: .right, glyphs: glyphs)
                buffer.drawText("some text", x: origin, y: origin, width: extent, alignment: .center, glyphs: glyphs)
                buffer.drawSpans(["a", Span("b", role: .valid)], x: origin, y: origin, width: extent, glyphs: glyphs)
                buffer.drawTable(table, in: rect, glyphs: glyphs)
                buffer.drawKeyHints([KeyHint("q", "Quit")], x: origin, y: origin, width: extent)
            }
            #expect(buffer.cells.count == width * height)
        }
    }

    @Test("negative x skips the left part instead of shifting it")
    func negativeXSkips() {
        var buffer = ScreenBuffer(width: 6, height: 1)
        let end = buffer.put("hello", x: -2, y: 0)
        #expect(buffer.lines() == ["llo"])
        #expect(end == 3)
    }

    @Test("text is clipped at the right edge and at a clip rectangle")
    func rightEdge() {
        var buffer = ScreenBuffer(width: 6, height: 2)
        buffer.put("abcdefgh", x: 3, y: 0)
        buffer.put("abcdefgh", x: 0, y: 1, clip: Rect(x: 1, y: 0, width: 2, height: 5))
        #expect(buffer.lines() == ["   abc", " bc"])
    }

    @Test("a zero-size buffer has no lines and no diff")
    func zeroSize() {
        let empty = ScreenBuffer(width: 0, height: 0)
        #expect(empty.lines().isEmpty)
        #expect(empty.diff(from: empty).isEmpty)
        #expect(ScreenBuffer(width: -5, height: 3).width == 0)
        #expect(ScreenBuffer(width: Int.max, height: Int.max).cells.isEmpty)
    }
}
