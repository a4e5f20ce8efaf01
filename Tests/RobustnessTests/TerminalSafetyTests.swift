import Testing
import FlashFormats
import FlashModel

/// Strings from an image (partition labels, app descriptors) reach the terminal in `flashscope info`.
/// A hostile image must not be able to send escape sequences through them.
@Suite struct TerminalSafetyTests {
    static let title = "\u{1B}]0;pwned\u{07}"      // sets the window title
    static let clear = "\u{1B}[2J\u{1B}[8m"         // clears the screen, then hides what follows

    static func hostileImage() -> [UInt8] {
        var parts = Fixture.partitions
        parts[3] = PartitionEntry(name: title, type: 0, subtype: 0x00, offset: 0x10000, size: 0x10000)
        var f = FlashImageBuilder(chip: .esp32, flashSize: 4 << 20, partitions: parts)
        var app = AppImageBuilder(chip: .esp32)
        let desc = AppDescriptorBuilder(projectName: clear, version: "\u{9B}31m\u{202E}1.0", idfVersion: "v5.5.1",
                                        date: "Nov 24 2026", time: "12:00:00").bytes()
        app.segments = [.init(loadAddress: 0x3F40_0020, data: desc + [UInt8](repeating: 1, count: 0x40))]
        f.contents.append((0x10000, app.bytes()))
        return Array(f.bytes().prefix(0x40000))
    }

    /// Our own colour codes are the only escapes: ESC always starts an SGR `ESC [ digits ; m`.
    static func onlyColourEscapes(_ text: String) -> Bool {
        let s = Array(text.unicodeScalars)
        var i = 0
        while i < s.count {
            let v = s[i].value
            if v == 0x1B {
                guard i + 1 < s.count, s[i + 1] == "[" else { return false }
                var j = i + 2
                while j < s.count, s[j].properties.numericType != nil || s[j] == ";" { j += 1 }
                guard j < s.count, s[j] == "m" else { return false }
                i = j + 1
                continue
            }
            if (v < 0x20 && v != 0x0A) || (0x7F...0x9F).contains(v) || v == 0x202E { return false }
            i += 1
        }
        return true
    }

    @Test func hostileLabelsAndDescriptorsArePrintedAsEscapes() throws {
        let l = try FlashLayout.analyze(ByteArray(Self.hostileImage()))
        #expect(l.partitions[3].name == Self.title)   // the model keeps the real label
        for colour in [false, true] {
            let text = TextReport(colour: colour).render(l, file: "evil\u{1B}[2J.bin")
            #expect(Self.onlyColourEscapes(text), "\(colour ? "colour" : "plain") report lets an escape through")
            #expect(text.contains("\\x1b]0;pwned\\x07"))
            #expect(text.contains("\\x1b[2J\\x1b[8m"))
            #expect(text.contains("\\x9b31m\\u{202e}1.0"))
            #expect(text.contains("evil\\x1b[2J.bin"))
        }
        let json = Report.json(l, file: "x").serialized()
        #expect(!json.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x9B })
        #expect(json.contains("\\u001b]0;pwned\\u0007"))
    }

    @Test func plainTextIsUnchanged() {
        #expect("ota_0 · ✓ “quoted” 日本".terminalSafe == "ota_0 · ✓ “quoted” 日本")
        #expect("a\nb\tc".terminalSafe == "a\\x0ab\\x09c")
    }
}
