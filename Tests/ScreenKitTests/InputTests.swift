import Testing
import ScreenKit

@Suite("Keys, glyphs and the memory terminal")
struct InputTests {
    @Test("terminal character codes decode to keys", arguments: [
        (27, Key.escape), (9, .tab), (13, .enter), (10, .enter), (127, .backspace), (8, .backspace),
        (1, .ctrl("a")), (12, .ctrl("l")), (26, .ctrl("z")), (0, .ctrl("@")), (31, .ctrl("_")),
        (0x71, .char("q")), (0x3F, .char("?")), (0x20, .char(" ")), (0x416, .char("Ж")),
    ] as [(UInt32, Key)])
    func decode(code: UInt32, key: Key) {
        #expect(Key(terminalCharacter: code) == key)
    }

    @Test("C1 controls and invalid scalars are not keys")
    func invalid() {
        #expect(Key(terminalCharacter: 0x9B) == nil)
        #expect(Key(terminalCharacter: 0xD800) == nil)
        #expect(Key(terminalCharacter: 0x110000) == nil)
    }

    @Test("glyph set from the locale environment")
    func glyphSelection() {
        #expect(Glyphs.forEnvironment(["LANG": "en_US.UTF-8"]) == .unicode)
        #expect(Glyphs.forEnvironment(["LANG": "C.utf8"]) == .unicode)
        #expect(Glyphs.forEnvironment(["LC_ALL": "C", "LANG": "en_US.UTF-8"]) == .ascii)
        #expect(Glyphs.forEnvironment(["LC_ALL": "", "LC_CTYPE": "de_DE.UTF-8"]) == .unicode)
        #expect(Glyphs.forEnvironment([:]) == .ascii)
        #expect(Glyphs.forEnvironment(["LANG": "C.UTF-8", "FLASHSCOPE_ASCII": "1"]) == .ascii)
    }

    @Test("both glyph sets are one column per glyph; ASCII is 7-bit")
    func glyphWidths() {
        for glyphs in [Glyphs.unicode, .ascii] {
            let all: [Character] = [glyphs.check, glyphs.crossMark, glyphs.arrowRight, glyphs.arrowLeft,
                                    glyphs.arrowUp, glyphs.arrowDown, glyphs.ellipsis, glyphs.middleDot]
                + glyphs.shades
                + [glyphs.box, glyphs.focusedBox].flatMap {
                    [$0.topLeft, $0.topRight, $0.bottomLeft, $0.bottomRight, $0.horizontal, $0.vertical,
                     $0.teeLeft, $0.teeRight]
                }
            #expect(all.allSatisfy { $0.isSingleColumn })
            if !glyphs.isUnicode { #expect(all.allSatisfy { $0.isASCII }) }
        }
        #expect(Set(Glyphs.unicode.shades).count == 4 && Set(Glyphs.ascii.shades).count == 4)
    }

    @Test("the memory terminal replays input, records frames and only counts changed cells")
    func memoryTerminal() {
        let terminal = MemoryTerminal(width: 10, height: 2, script: [
            .event(.key(.down)), .resize(width: 12, height: 3), .signal(2), .event(.key(.char("q"))),
        ])
        var frame = ScreenBuffer(width: 10, height: 2)
        frame.put("hello", x: 0, y: 0)
        terminal.draw(frame)
        frame.put("J", x: 0, y: 0)
        terminal.draw(frame)
        #expect(terminal.cellsWritten == [20, 1])
        #expect(terminal.readEvent(timeoutMs: 0) == .key(.down))
        #expect(terminal.readEvent(timeoutMs: 0) == .resize)
        #expect(terminal.size() == (12, 3))
        #expect(terminal.readEvent(timeoutMs: 0) == nil)
        #expect(terminal.pendingSignal() == 2)
        #expect(terminal.pendingSignal() == nil)
        #expect(terminal.readEvent(timeoutMs: 0) == .key(.char("q")))
        #expect(terminal.readEvent(timeoutMs: 0) == nil)
        terminal.restore()
        #expect(terminal.isRestored)
        #expect(terminal.lastFrame?.lines() == ["Jello", ""])
    }
}
