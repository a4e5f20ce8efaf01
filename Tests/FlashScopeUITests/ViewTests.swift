import Testing
import FlashFormats
import FlashModel
@testable import FlashScopeUI
import ScreenKit

/// Targeted checks of meaning that the colour-free goldens cannot show: roles, and the hex
/// pane's collapsing.
@Suite("Roles and the hex pane")
struct ViewTests {
    /// The first cell at or after (x, y) on the row whose text starts with `text`.
    func find(_ b: ScreenBuffer, _ text: String, from x0: Int = 0) -> (x: Int, y: Int)? {
        for (y, line) in b.lines().enumerated() {
            let chars = Array(line)
            guard chars.count >= text.count else { continue }
            for x in x0...(chars.count - text.count) where String(chars[x..<(x + text.count)]) == text { return (x, y) }
        }
        return nil
    }

    @Test("a wrong otadata CRC is .invalid, a right one .valid, the booting row .boot")
    func crcRoles() throws {
        let p = try Fixtures.program("otadata-crc-corrupt.bin")
        let b = p.screen
        let bad = try #require(find(b, "ed4a5010"))
        #expect(b.role(atX: bad.x, y: bad.y) == .invalid)
        let good = try #require(find(b, "55f63774 "))
        #expect(b.role(atX: good.x, y: good.y) == .valid)
        let boot = try #require(find(b, "▶ boots"))
        #expect(b.role(atX: boot.x, y: boot.y) == .boot)
        let summary = try #require(find(b, "otadata 0✗"))
        #expect(b.role(atX: summary.x + 9, y: summary.y) == .invalid)
    }

    @Test("the selected partition row is .selected; staged bytes are .staged in the hex pane")
    func selectionAndStaged() throws {
        let p = try Fixtures.program("ota1-active.bin")
        let b = p.screen
        let row = try #require(find(b, "ota_1    ota_1"))
        #expect(b.role(atX: row.x + 2, y: row.y) == .selected)

        p.press(.char("g")); p.type("otadata+4"); p.press(.enter, .char("e"))
        p.type("41")
        let h = p.screen
        let line = try #require(find(h, "0000d000"))
        // Byte 4 of the row is staged (changed, not saved); the cursor moved on to byte 5.
        #expect(h.role(atX: line.x + 10 + 3 * 4, y: line.y) == .staged)
        #expect(h.role(atX: line.x + 10 + 3 * 5, y: line.y) == .selected)
        #expect(h.cell(atX: line.x - 1, y: line.y)?.char == "●")
    }

    @Test("ASCII glyphs draw nothing outside 7-bit ASCII")
    func asciiOnly() throws {
        let p = try Fixtures.program("ota1-active.bin", width: 120, height: 40, glyphs: .ascii)
        for frame in [p.screen] {
            for line in frame.lines() { #expect(line.unicodeScalars.allSatisfy { $0.isASCII }, "\(line)") }
        }
        p.press(.up, .char("c"))
        for line in p.screen.lines() { #expect(line.unicodeScalars.allSatisfy { $0.isASCII }, "\(line)") }
    }

    @Test("runs of identical rows collapse; the cursor's row splits a run")
    func collapsing() throws {
        let doc = FlashDocument(bytes: Fixtures.bytes("fresh-two-ota.bin"))
        let runs = RunCache()
        var v = HexView(doc: doc, runs: runs, cursor: 0x110000)
        // From ota_0 (erased) to the end of the 4 MiB image everything is 0xff.
        let lines = v.lines(from: 0x110000, count: 10)
        #expect(lines.count == 2)
        #expect(lines[0] == HexView.Line(start: 0x110000, end: 0x110010, isCollapsed: false))
        #expect(lines[1].isCollapsed && lines[1].end == 0x400000)
        // The cursor in the middle of the run is shown, with collapsed lines around it (the run
        // starts where the factory image ends, so 0x110000 is inside it).
        v.cursor = 0x200005
        let around = v.lines(from: 0x110000, count: 10)
        #expect(around.map(\.isCollapsed) == [true, false, true])
        #expect(around[1] == HexView.Line(start: 0x200000, end: 0x200010, isCollapsed: false))
        #expect(around[2].end == 0x400000)
        // Down from the cursor skips the collapsed rest of the run; up lands on the run's first row.
        #expect(v.nextDataLine(after: v.line(at: v.cursor).end) == nil)
        let first = try #require(v.previousDataLine(before: 0x200000))
        #expect(first < 0x110000 && doc.bytes(first..<(first + 16)) == [UInt8](repeating: 0xFF, count: 16))
        #expect(runs.runs.count == 1)
    }

    @Test("a byte edit inside a run splits it; undo merges it back")
    func runInvalidation() throws {
        let p = try Fixtures.program("fresh-two-ota.bin")
        p.press(.char("g")); p.type("0x300000"); p.press(.enter, .char("e"))
        p.type("00")
        p.press(.escape, .char("g")); p.type("0x110000"); p.press(.enter)
        let v = HexView(doc: p.state.document, runs: p.state.runs, cursor: p.state.hex.cursor)
        #expect(v.lines(from: 0x110000, count: 10).count == 5)
        p.press(.char("u"))
        let w = HexView(doc: p.state.document, runs: p.state.runs, cursor: p.state.hex.cursor)
        #expect(w.lines(from: 0x110000, count: 10).count == 2)
    }

    @Test("page down and End reach the end of the image; Home the start")
    func paging() throws {
        let p = try Fixtures.program("fresh-two-ota.bin")
        p.press(.char("g")); p.type("0"); p.press(.enter)
        var last = -1
        for _ in 0..<2000 {
            p.press(.pageDown)
            if p.state.hex.cursor == last { break }
            last = p.state.hex.cursor
        }
        #expect(p.state.hex.cursor >= 0x3FFFF0)
        p.press(.home)
        #expect(p.state.hex.cursor == 0 && p.state.hex.top == 0)
        p.press(.end)
        #expect(p.state.hex.cursor == 0x3FFFFF)
        #expect(p.text.contains("003ffff0"))
        // A jump near the end still fills the pane.
        p.press(.char("g")); p.type("0x3ff000"); p.press(.enter)
        let rows = Layout.compute(width: 80, height: 24, state: p.state).hexRows
        let v = HexView(doc: p.state.document, runs: p.state.runs, cursor: p.state.hex.cursor)
        #expect(v.lines(from: p.state.hex.top, count: rows).count == rows)
    }
}

@Suite("Layouts beyond the samples")
struct LayoutTests {
    /// A table with more partitions than the pane has rows.
    static func manyPartitions() throws -> Program {
        var parts = [PartitionEntry(name: "otadata", type: 1, subtype: 0x00, offset: 0xD000, size: 0x2000)]
        for i in 0..<4 {
            parts.append(PartitionEntry(name: "ota_\(i)", type: 0, subtype: UInt8(0x10 + i), offset: UInt32(0x10000 + i * 0x100000), size: 0x100000))
        }
        for i in 0..<9 {
            parts.append(PartitionEntry(name: "data\(i)", type: 1, subtype: 0x82, offset: UInt32(0x410000 + i * 0x10000), size: 0x10000))
        }
        let b = FlashImageBuilder(chip: .esp32, flashSize: 8 << 20, partitions: parts)
        let state = try AppState(document: FlashDocument(bytes: b.bytes()), displayName: "many.bin")
        let p = Program(state: state)
        p.settle([.resize(width: 80, height: 24)])
        return p
    }

    @Test("a long table scrolls to keep the selection visible; clicks land on the row drawn")
    func longTable() throws {
        let p = try Self.manyPartitions()
        p.press(.end)
        #expect(p.state.selectedPartition?.name == "data8")
        let screen = p.screen
        #expect(screen.lines().contains { $0.contains("data8") })
        #expect(!screen.lines().contains { $0.contains(" otadata ") && $0.contains("0xd000") })
        let l = Layout.compute(width: 80, height: 24, state: p.state)
        let row = try #require(screen.lines().firstIndex { $0.contains("data7") })
        p.settle([.click(x: l.partitions.x + 4, y: row)])
        #expect(p.state.selectedPartition?.name == "data7")
        // Nothing bootable: the boot line says so in words.
        #expect(p.text.contains("nothing boots"))
    }
}
