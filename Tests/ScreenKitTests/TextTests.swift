import Testing
import ScreenKit

@Suite("Text utilities")
struct TextTests {
    @Test("truncation with an ellipsis", arguments: [
        ("abcdef", 4, "abc…"),
        ("abcdef", 6, "abcdef"),
        ("abcdef", 7, "abcdef"),
        ("abcdef", 1, "…"),
        ("abcdef", 0, ""),
        ("abcdef", -3, ""),
        ("", 3, ""),
    ])
    func truncate(input: String, width: Int, expected: String) {
        #expect(input.truncated(to: width) == expected)
    }

    @Test("truncation with the ASCII ellipsis or none")
    func truncateVariants() {
        #expect("firmware.bin".truncated(to: 6, ellipsis: Glyphs.ascii.ellipsis) == "firmw~")
        #expect("firmware.bin".truncated(to: 6, ellipsis: nil) == "firmwa")
    }

    @Test("padding, right alignment and fitting")
    func padding() {
        #expect("ab".padded(to: 5) == "ab   ")
        #expect("ab".padded(to: 5, alignment: .center) == " ab  ")
        #expect("ab".rightAligned(to: 5) == "   ab")
        #expect("abcdef".padded(to: 3) == "abcdef")
        #expect("0x10000".rightAligned(to: 8) == " 0x10000")
        #expect("abcdef".fitted(to: 4) == "abc…")
        #expect("ab".fitted(to: 4, alignment: .right) == "  ab")
    }

    @Test("drawText truncates with the glyph set's ellipsis and aligns")
    func drawText() {
        var buffer = ScreenBuffer(width: 10, height: 4)
        buffer.drawText("application", x: 0, y: 0, width: 8, glyphs: .unicode)
        buffer.drawText("application", x: 0, y: 1, width: 8, glyphs: .ascii)
        buffer.drawText("app", x: 0, y: 2, width: 8, alignment: .right, glyphs: .unicode)
        buffer.drawText("app", x: 0, y: 3, width: 8, alignment: .center, glyphs: .unicode)
        #expect(buffer.lines() == ["applica…", "applica~", "     app", "  app"])
    }

    @Test("spans truncate at the field edge and keep their roles")
    func spans() {
        var buffer = ScreenBuffer(width: 20, height: 2)
        let spans: [Span] = ["CRC ", Span("0x1A2B3C4D", role: .accent), Span(" ✗", role: .invalid, bold: true)]
        buffer.drawSpans(spans, x: 0, y: 0, width: 20, glyphs: .unicode)
        buffer.drawSpans(spans, x: 0, y: 1, width: 9, glyphs: .unicode)
        #expect(buffer.lines() == ["CRC 0x1A2B3C4D ✗", "CRC 0x1A…"])
        #expect(buffer.role(atX: 15, y: 0) == .invalid)
        #expect(buffer.cell(atX: 15, y: 0)?.bold == true)
        #expect(buffer.role(atX: 8, y: 1) == .accent)
    }

    @Test("single-column classification")
    func singleColumn() {
        for c: Character in ["a", "┌", "█", "✓", "✗", "▶", "…", "·", "é", "e\u{301}", "Ж", "ｱ"] {
            #expect(c.isSingleColumn, "\(c)")
        }
        for c: Character in ["\u{0}", "\n", "\r\n", "\u{7F}", "\u{85}", "\u{200B}", "\u{202E}", "中", "😀", "✔\u{FE0F}", "Ａ"] {
            #expect(!c.isSingleColumn, "\(c.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        #expect("ok\u{7}".terminalSafe == "ok?")
    }
}
