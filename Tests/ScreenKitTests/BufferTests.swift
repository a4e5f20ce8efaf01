import Testing
import ScreenKit

@Suite("ScreenBuffer")
struct BufferTests {
    @Test("lines() trims trailing spaces but keeps inner and leading ones")
    func linesTrim() {
        var buffer = ScreenBuffer(width: 10, height: 3)
        buffer.put("  a  b", x: 0, y: 0)
        buffer.fill(Rect(x: 0, y: 2, width: 10, height: 1), role: .selected)
        #expect(buffer.lines() == ["  a  b", "", ""])
    }

    @Test("init(lines:) round-trips through lines()")
    func fromLines() {
        let lines = ["┌─┐", "│x│", "└─┘", ""]
        let buffer = ScreenBuffer(lines: lines)
        #expect(buffer.width == 3 && buffer.height == 4)
        #expect(buffer.lines() == lines)
    }

    @Test("diff of identical buffers is empty")
    func diffIdentical() {
        var buffer = ScreenBuffer(width: 5, height: 2)
        buffer.put("abc", x: 1, y: 1, role: .valid)
        #expect(buffer.diff(from: buffer).isEmpty)
    }

    @Test("diff reports exactly the changed cells, including role- and bold-only changes")
    func diffChanges() {
        let old = ScreenBuffer(lines: ["hello", "world"])
        var new = old
        new.put("J", x: 0, y: 0)
        new.setRole(.invalid, in: Rect(x: 2, y: 1, width: 1, height: 1))
        new.set(Cell(char: "d", bold: true), atX: 4, y: 1)
        let changes = new.diff(from: old)
        #expect(changes.map(\.x) == [0, 2, 4])
        #expect(changes.map(\.y) == [0, 1, 1])
        #expect(changes.map(\.cell) == [Cell(char: "J"), Cell(char: "r", role: .invalid), Cell(char: "d", bold: true)])
    }

    @Test("diff against a buffer of another size returns every cell")
    func diffResize() {
        let small = ScreenBuffer(width: 2, height: 2)
        let big = ScreenBuffer(lines: ["abc", "def"])
        let changes = big.diff(from: small)
        #expect(changes.count == 6)
        #expect(changes.map { "\($0.x),\($0.y)" } == ["0,0", "1,0", "2,0", "0,1", "1,1", "2,1"])
        #expect(changes.last?.cell == Cell(char: "f"))
    }

    @Test("put sanitizes control characters and wide graphemes to one column each")
    func sanitize() {
        var buffer = ScreenBuffer(width: 12, height: 1)
        let end = buffer.put("a\tb\u{1B}[2J中😀e\u{301}✓", x: 0, y: 0)
        #expect(buffer.lines() == ["a?b?[2J??e\u{301}✓"])
        #expect(end == 11)
    }

    @Test("put returns the column after the text, for chaining")
    func chaining() {
        var buffer = ScreenBuffer(width: 20, height: 1)
        var x = buffer.put("CRC ", x: 0, y: 0)
        x = buffer.put("0x1A2B3C4D", x: x, y: 0, role: .accent)
        buffer.put(" ✓", x: x, y: 0, role: .valid)
        #expect(buffer.lines() == ["CRC 0x1A2B3C4D ✓"])
        #expect(buffer.role(atX: 4, y: 0) == .accent)
        #expect(buffer.role(atX: 15, y: 0) == .valid)
    }

    @Test("maxWidth limits without an ellipsis")
    func maxWidth() {
        var buffer = ScreenBuffer(width: 10, height: 1)
        let end = buffer.put("abcdef", x: 1, y: 0, maxWidth: 3)
        #expect(buffer.lines() == [" abc"])
        #expect(end == 4)
    }

    @Test("Role has a dense raw value per case")
    func roles() {
        #expect(Role.allCases.count == 23)
        #expect(Role.allCases.map { Int($0.rawValue) } == Array(0..<23))
    }
}
