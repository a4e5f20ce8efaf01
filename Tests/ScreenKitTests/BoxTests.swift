import Testing
import ScreenKit

@Suite("Boxes and rules")
struct BoxTests {
    @Test("a box with a title, as literal lines")
    func titledBox() {
        var buffer = ScreenBuffer(width: 20, height: 4)
        let inner = buffer.drawBox(buffer.area, title: "Partitions", glyphs: .unicode)
        #expect(buffer.lines() == [
            "┌ Partitions ──────┐",
            "│                  │",
            "│                  │",
            "└──────────────────┘",
        ])
        #expect(inner == Rect(x: 1, y: 1, width: 18, height: 2))
        #expect(buffer.role(atX: 0, y: 0) == .border)
        #expect(buffer.role(atX: 2, y: 0) == .title)
        #expect(buffer.role(atX: 1, y: 0) == .border)
    }

    @Test("the focused box uses heavy lines and the focus role")
    func focusedBox() {
        var buffer = ScreenBuffer(width: 12, height: 3)
        buffer.drawBox(buffer.area, title: "Hex", focused: true, glyphs: .unicode)
        #expect(buffer.lines() == [
            "┏ Hex ━━━━━┓",
            "┃          ┃",
            "┗━━━━━━━━━━┛",
        ])
        #expect(buffer.role(atX: 11, y: 1) == .focusBorder)
        #expect(buffer.cell(atX: 2, y: 0)?.bold == true)
    }

    @Test("ASCII fallback draws the same layout with 7-bit glyphs")
    func asciiBox() {
        var buffer = ScreenBuffer(width: 14, height: 5)
        buffer.drawBox(Rect(x: 0, y: 0, width: 14, height: 5), title: "OTA data", glyphs: .ascii)
        buffer.drawRule(x: 0, y: 2, width: 14, title: "CRC", joinsBox: true, glyphs: .ascii)
        #expect(buffer.lines() == [
            "+ OTA data --+",
            "|            |",
            "+ CRC -------+",
            "|            |",
            "+------------+",
        ])
        var focused = ScreenBuffer(width: 8, height: 2)
        focused.drawBox(focused.area, title: "Go", focused: true, glyphs: .ascii)
        #expect(focused.lines() == ["# Go ==#", "#======#"])
        #expect(buffer.lines().joined().unicodeScalars.allSatisfy { $0.isASCII })
    }

    @Test("long titles are truncated with the ellipsis glyph, then dropped")
    func titleTruncation() {
        func top(_ width: Int, _ title: String, _ glyphs: Glyphs = .unicode) -> String {
            var buffer = ScreenBuffer(width: width, height: 2)
            buffer.drawBox(buffer.area, title: title, glyphs: glyphs)
            return buffer.lines()[0]
        }
        #expect(top(10, "Partitions") == "┌ Part… ─┐")
        #expect(top(10, "Partitions", .ascii) == "+ Part~ -+")
        #expect(top(7, "Partitions") == "┌ P… ─┐")
        #expect(top(6, "Partitions") == "┌────┐")
        #expect(top(6, "A") == "┌ A ─┐")
        #expect(top(5, "A") == "┌───┐")
        #expect(top(2, "A") == "┌┐")
        #expect(top(1, "A") == "")
    }

    @Test("a box offset inside a larger buffer, partly off-screen")
    func offsetBox() {
        var buffer = ScreenBuffer(width: 8, height: 3)
        buffer.drawBox(Rect(x: 3, y: 1, width: 10, height: 4), title: "Wide", glyphs: .unicode)
        #expect(buffer.lines() == [
            "",
            "   ┌ Wid",
            "   │",
        ])
    }

    @Test("a rule with a title, alone and as a divider")
    func rules() {
        var buffer = ScreenBuffer(width: 12, height: 3)
        buffer.drawRule(x: 0, y: 0, width: 12, title: "CRC", glyphs: .unicode)
        buffer.drawRule(x: 0, y: 1, width: 12, glyphs: .unicode)
        buffer.drawRule(x: 0, y: 2, width: 12, title: "CRC", joinsBox: true, glyphs: .unicode)
        #expect(buffer.lines() == [
            "─ CRC ──────",
            "────────────",
            "├ CRC ─────┤",
        ])
        #expect(buffer.role(atX: 2, y: 0) == .title)
    }
}
