#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import FlashFormats
import FlashModel
@testable import FlashScopeUI
import ScreenKit

/// Compare mode: `o` (or `--compare`) opens a second image B; the engine compares, the panes show it.
@Suite("Compare mode")
struct CompareTests {
    /// fresh-two-ota (A, boots factory) compared with ota1-active (B, boots ota_1), written to a scratch dir.
    func comparing(_ b: [UInt8] = Fixtures.bytes("ota1-active.bin"), name: String = "ota1-active.bin",
                   width: Int = 80, height: Int = 24, glyphs: Glyphs = .unicode) throws -> (Program, String) {
        let dir = Fixtures.tempDirectory()
        Fixtures.write(b, to: "\(dir)/\(name)")
        let p = try Fixtures.program("fresh-two-ota.bin", width: width, height: height, glyphs: glyphs)
        p.openCompare("\(dir)/\(name)")
        p.settle()
        return (p, dir)
    }

    /// First offset at or after `from` where the two arrays differ (the test's own oracle, byte by byte).
    func firstDifference(_ a: [UInt8], _ b: [UInt8], from: Int) -> Int? {
        var i = from
        while i < min(a.count, b.count) {
            if a[i] != b[i] { return i }
            i += 1
        }
        return nil
    }

    func row(_ p: Program, _ name: String) -> String? {
        p.text.split(separator: "\n").map(String.init).first { $0.contains(" \(name) ") && $0.contains(" 0x") }
    }

    @Test("the partitions pane marks the partitions that differ, from the engine's FlashDiff")
    func partitionsMarked() throws {
        let (p, dir) = try comparing()
        defer { Fixtures.remove(dir) }
        let diff = try #require(p.state.compare?.diff)
        #expect(Set(diff.partitions.filter(\.changed).map(\.name)) == ["otadata", "ota_0", "ota_1"])
        for name in ["otadata", "ota_0", "ota_1"] {
            let r = try #require(row(p, name))
            #expect(r.contains("≠"), "\(name) row: \(r)")
        }
        for name in ["nvs", "phy_init", "factory"] {
            let r = try #require(row(p, name))
            #expect(r.contains("= same") && !r.contains("≠"), "\(name) row: \(r)")
        }
        #expect(p.text.contains("Partitions 6 · 3 differ from B"))
        #expect(p.text.split(separator: "\n")[0].contains("fresh-two-ota.bin vs ota1-active.bin"))
    }

    @Test("the boot line shows A's and B's predictions")
    func bothBootLines() throws {
        let (p, dir) = try comparing()
        defer { Fixtures.remove(dir) }
        let boot = String(p.text.split(separator: "\n")[1])
        #expect(boot.contains("A ▶ boots factory"), "\(boot)")
        #expect(boot.contains("B ▶ boots ota_1"), "\(boot)")
        #expect(boot.contains("≠"), "the predictions differ: \(boot)")
    }

    @Test("n and N jump between differences; the hex pane shows B's bytes under A's, marked")
    func nextDifference() throws {
        let a = Fixtures.bytes("fresh-two-ota.bin"), b = Fixtures.bytes("ota1-active.bin")
        let (p, dir) = try comparing()
        defer { Fixtures.remove(dir) }
        let first = try #require(firstDifference(a, b, from: 0))
        p.press(.char("g"))
        p.type("0")
        p.press(.enter)
        p.press(.char("n"))
        #expect(p.state.hex.cursor == first)
        #expect(p.state.focus == .hex)
        #expect(p.state.message?.text.contains("difference at 0x\(Hex.padded(first, 8))") == true)
        // The second run of differing bytes starts after the first run ends.
        var end = first
        while end < a.count && a[end] != b[end] { end += 1 }
        let second = try #require(firstDifference(a, b, from: end))
        p.press(.char("n"))
        #expect(p.state.hex.cursor == second)
        p.press(.char("N"))
        #expect(p.state.hex.cursor == first)
        // The hex pane: A's row, then B's at the same offsets, the differing bytes marked.
        let lines = p.text.split(separator: "\n").map(String.init)
        let rowStart = first / 16 * 16
        let ai = try #require(lines.firstIndex { $0.hasPrefix("│ " + Hex.padded(rowStart, 8) + "  ") })
        let bLine = lines[ai + 1]
        #expect(bLine.contains("       B"), "B's row under A's: \(bLine)")
        #expect(bLine.contains("≠" + Hex.padded(b[first], 2)), "B's differing byte marked: \(bLine)")
        // Colour too: the differing byte is drawn in the changed role, bold.
        let screen = p.screen
        let y = ai
        let x = try #require((HexPane.hexColumn(0)..<screen.width).first { screen.cell(atX: $0, y: y + 1)?.char == "≠" })
        #expect(screen.cell(atX: x + 1, y: y + 1)?.role == .changed)
        #expect(screen.cell(atX: x + 1, y: y + 1)?.bold == true)
    }

    @Test("ASCII and monochrome: the marks are ASCII glyphs")
    func asciiMarks() throws {
        let (p, dir) = try comparing(glyphs: .ascii)
        defer { Fixtures.remove(dir) }
        p.press(.char("n"))
        let text = p.text
        #expect(text.allSatisfy { $0.isASCII })
        #expect(text.contains("A > boots factory") && text.contains("B > boots ota_1"))
        #expect(row(p, "otadata")?.contains("! ") == true)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains("       B") && $0.contains("!") })
    }

    @Test("o opens a prompt with path completion; O leaves compare mode")
    func promptAndLeave() throws {
        let dir = Fixtures.tempDirectory()
        defer { Fixtures.remove(dir) }
        Fixtures.write(Fixtures.bytes("ota1-active.bin"), to: "\(dir)/other-dump.bin")
        let p = try Fixtures.program("fresh-two-ota.bin")
        p.press(.char("o"))
        #expect(p.state.prompt?.kind == .compareWith)
        #expect(p.text.contains("Compare with file:"))
        p.press(.ctrl("u"))
        p.type("\(dir)/other")
        p.press(.tab)
        #expect(p.state.prompt?.text == "\(dir)/other-dump.bin")
        p.press(.enter)
        #expect(p.state.compare?.name == "other-dump.bin")
        #expect(p.state.compare?.diff != nil)
        p.press(.escape)
        #expect(p.text.contains("n next diff"))
        #expect(p.text.contains("O close compare"))
        p.press(.char("O"))
        #expect(p.state.compare == nil)
        #expect(!p.text.contains("vs other-dump.bin"))
        #expect(p.text.split(separator: "\n")[1].contains("▶ boots factory"))
        // n without a comparison or search: the search's message, as before.
        p.press(.char("n"))
        #expect(p.state.message?.kind == .error)
    }

    @Test("an unreadable B is one message in the status line, and nothing else changes")
    func unreadable() throws {
        let dir = Fixtures.tempDirectory()
        defer { Fixtures.remove(dir) }
        let p = try Fixtures.program("fresh-two-ota.bin")
        let before = p.text
        for path in ["\(dir)/missing.bin", dir] {
            p.openCompare(path)
            p.settle()
            #expect(p.state.compare == nil)
            #expect(p.state.message?.kind == .error)
            #expect(p.state.message?.text.hasPrefix("cannot compare with \(path)") == true)
            let status = try #require(p.text.split(separator: "\n").last)
            #expect(status.contains("cannot compare with"))
        }
        Fixtures.write([], to: "\(dir)/empty.bin")
        p.openCompare("\(dir)/empty.bin")
        #expect(p.state.compare == nil)
        #expect(p.state.message?.text.contains("empty") == true)
        p.press(.escape)
        #expect(p.text.split(separator: "\n").dropLast() == before.split(separator: "\n").dropLast())
    }

    @Test("different sizes: the shorter B is compared where it has bytes; a longer B's tail is said, not shown")
    func differentSizes() throws {
        let a = Fixtures.bytes("fresh-two-ota.bin")
        // B: ota1-active cut to 1 MiB (a partial dump).
        let short = Array(Fixtures.bytes("ota1-active.bin").prefix(1 << 20))
        let (p, dir) = try comparing(short, name: "short.bin")
        defer { Fixtures.remove(dir) }
        let d = try #require(p.state.compare?.diff)
        #expect(d.sizeB == 1 << 20)
        #expect(p.text.split(separator: "\n")[0].contains("vs short.bin (1 MiB)"))
        // Past B's end every byte differs: go there and see "--" in B's row.
        p.send(.command(.goto))
        p.type("0x100000")
        p.press(.enter)
        #expect(p.state.hex.cursor == 1 << 20)
        #expect(p.text.split(separator: "\n").contains { $0.contains("       B") && $0.contains("-- --") })
        // A longer B: n at the end says where B's extra bytes are.
        let long = a + [UInt8](repeating: 0x55, count: 4096)
        let (q, dir2) = try comparing(long, name: "long.bin")
        defer { Fixtures.remove(dir2) }
        #expect(q.state.compare?.diff?.bytes.differingBytes == 4096)
        q.press(.char("n"))
        #expect(q.state.message?.text.contains("long.bin is longer") == true)
        #expect(q.state.hex.cursor < a.count)
    }

    @Test("a search made in compare mode takes n/N; Esc gives them back to the differences")
    func searchWins() throws {
        let (p, dir) = try comparing()
        defer { Fixtures.remove(dir) }
        p.press(.char("/"))
        p.press(.ctrl("u"))
        p.type("flashscope-demo")
        p.press(.enter)
        let match = p.state.hex.cursor
        #expect(p.state.message?.text.contains("found") == true)
        p.press(.char("n"))
        #expect(p.state.message?.text.contains("found") == true, "n goes to the search's next match")
        #expect(p.state.hex.cursor == match, "the only match (A holds one app), wrapped around")
        p.press(.escape)
        #expect(p.state.lastSearch == nil)
        p.press(.home)
        p.press(.char("n"))
        #expect(p.state.message?.text.contains("difference at") == true)
    }

    @Test("big images: the comparison runs a slice per step between keys, never all at once")
    func lazy() throws {
        let size = 4 * Compare.step
        let sample = Fixtures.bytes("fresh-two-ota.bin")
        let a = sample + [UInt8](repeating: 0xFF, count: size - sample.count)
        var b = a
        b[size - 10] = 0
        let dir = Fixtures.tempDirectory()
        defer { Fixtures.remove(dir) }
        Fixtures.write(b, to: "\(dir)/b.bin")
        let state = try AppState(document: FlashDocument(bytes: a), displayName: "a.bin", width: 80, height: 24)
        let p = Program(state: state)
        p.openCompare("\(dir)/b.bin")
        #expect(p.state.compare?.bytes.compared == 0, "opening B compares nothing yet")
        #expect(p.hasDeferredWork)
        p.runDeferred()
        #expect(p.state.compare?.bytes.compared == Compare.step)
        #expect(p.state.compare?.diff == nil)
        // n before the comparison has got there: said, not blocked on.
        p.send(.key(.char("n")))
        #expect(p.state.message?.text.contains("still comparing") == true)
        #expect(p.text.contains("comparing 25%") || p.text.contains("25%"))
        p.settle()
        #expect(p.state.compare?.diff != nil)
        p.send(.key(.char("n")))
        #expect(p.state.hex.cursor == size - 10)
    }

    @Test("an edit to A compares again; the marks follow")
    func editRecompares() throws {
        let (p, dir) = try comparing(Fixtures.bytes("fresh-two-ota.bin"), name: "same.bin")
        defer { Fixtures.remove(dir) }
        #expect(p.state.compare?.diff?.identical == true)
        #expect(p.text.contains("none differs from B"))
        p.send(.command(.goto))
        p.type("nvs")
        p.press(.enter)
        p.press(.char("e"), .char("1"), .char("2"), .escape)
        #expect(p.state.compare?.diff?.identical == false)
        #expect(row(p, "nvs")?.contains("≠ 1 sec") == true)
        p.press(.char("n"))
        #expect(p.state.hex.cursor == 0x9000)
    }
    @Test("past the engine's cap on exact ranges, a collapsed run says which sector differs")
    func collapsedPastTheExactCap() throws {
        var b = Fixtures.bytes("fresh-two-ota.bin")
        // Every other byte of 256 KiB of free space: more one-byte ranges than the engine keeps exactly.
        for i in stride(from: 0x310000, to: 0x350000, by: 2) { b[i] = 0 }
        b[0x3F0100] = 0x12
        let (p, dir) = try comparing(b, name: "noisy.bin")
        defer { Fixtures.remove(dir) }
        let c = try #require(p.state.compare)
        #expect(c.bytes.exactTruncated)
        p.send(.command(.goto))
        p.type("0x3f0000")
        p.press(.enter)
        #expect(p.text.contains("B  ≠ differs here, in the sector at 003f0000"), "\(p.text)")
    }
}

