import Testing
import FlashFormats
import FlashModel
import FlashScopeUI
import ScreenKit

/// Below 80×24 (down to 40×12) one pane is shown at a time; the panes narrow rather than cut:
/// the partition table drops columns, the hex pane shows 8 or 4 bytes a row.
@Suite("Narrow layouts")
struct NarrowLayoutTests {
    /// Lines of the frame's inner area (between the side borders).
    static func paneLines(_ p: Program) -> [String] {
        p.screen.lines().map { line in
            let chars = Array(line)
            guard chars.count >= 2 else { return "" }
            return String(chars[1..<(chars.count - 1)])
        }
    }

    @Test("40×12: every partition row shows its offset, size and whole status (the subtype column goes first)")
    func partitionsFit() throws {
        let p = try Fixtures.program("ota1-active.bin", width: 40, height: 12)
        #expect(p.state.focus == .partitions)
        let lines = Self.paneLines(p)
        let header = try #require(lines.first { $0.contains("name") && $0.contains("offset") })
        #expect(header.contains("status"), "\(header)")
        #expect(!header.contains("sub"), "\(header)")
        // Rows of partitions that are on screen: none is cut with an ellipsis.
        let rows = lines.filter { l in l.contains(" 0x") && ["otadata", "factory", "ota_0", "ota_1", "phy_init"].contains { l.contains(" \($0) ") } }
        #expect(rows.count >= 4, "\(lines)")
        for row in rows { #expect(!row.contains("…"), "cut: \(row)") }
        #expect(rows.contains { $0.contains("ota_1") && $0.contains("0x210000") && $0.contains("1M") && $0.contains("✓ 2.0.0") }, "\(rows)")
        #expect(rows.contains { $0.contains("otadata") && $0.contains("✓ seq 2") }, "\(rows)")
    }

    @Test("80×24 keeps the subtype column")
    func compactKeepsSubtype() throws {
        let p = try Fixtures.program("ota1-active.bin")
        #expect(Self.paneLines(p).contains { $0.contains("name") && $0.contains("sub") && $0.contains("status") })
    }

    @Test("offsets past 16 MiB are shown whole (the offset column is as wide as its longest value)")
    func longOffsets() throws {
        let table = PartitionTable.encode([
            PartitionEntry(name: "nvs", type: 1, subtype: 0x02, offset: 0x9000, size: 0x6000),
            PartitionEntry(name: "factory", type: 0, subtype: 0x00, offset: 0x10000, size: 0x100000),
            PartitionEntry(name: "storage", type: 1, subtype: 0x82, offset: 0x1000000, size: 0x6000000),
        ])
        for (w, h) in [(40, 12), (80, 24), (120, 40)] {
            let state = try AppState(document: FlashDocument(bytes: table), displayName: "t.bin", width: w, height: h)
            let p = Program(state: state)
            p.settle([.resize(width: w, height: h)])
            #expect(p.text.contains("0x1000000"), "\(w)×\(h):\n\(p.text)")
            #expect(p.text.contains("96M"), "\(w)×\(h):\n\(p.text)")
        }
    }

    /// Hex rows drawn on the screen: (offset, whole bytes after it), read back from the text.
    static func hexRows(_ p: Program) -> [(Int, Int)] {
        let row = try! Regex("([0-9a-f]{8})  ((?:[0-9a-f]{2} {1,2})*[0-9a-f]{2})(?: |│|$)")
        return p.screen.lines().compactMap { line in
            guard let m = line.firstMatch(of: row), let off = m.output[1].substring, let bytes = m.output[2].substring,
                  let o = Int(off, radix: 16) else { return nil }
            return (o, bytes.split(separator: " ").count)
        }
    }

    @Test("40×12: the hex pane shows 8 whole bytes a row, ↓/↑ move a row of 8, a click picks the byte drawn",
          arguments: [(40, 12), (40, 20)])
    func hexFits(size: (Int, Int)) throws {
        let p = try Fixtures.program("ota1-active.bin", width: size.0, height: size.1)
        p.press(.char("g"))
        p.type("0x1020")
        p.press(.enter)
        #expect(p.state.focus == .hex)
        let rows = Self.hexRows(p)
        #expect(rows.count >= 3, "\(p.text)")
        for (i, r) in rows.enumerated() {
            #expect(r.1 == 8, "row \(i) at \(Hex.padded(r.0, 8)) shows \(r.1) bytes:\n\(p.text)")
            if i > 0 { #expect(r.0 == rows[i - 1].0 + 8) }
        }
        #expect(p.state.hex.cursor == 0x1020)
        p.press(.down)
        #expect(p.state.hex.cursor == 0x1028)
        p.press(.down)
        #expect(p.state.hex.cursor == 0x1030)
        p.press(.up, .up, .up)
        #expect(p.state.hex.cursor == 0x1018)
        p.press(.right)
        #expect(p.state.hex.cursor == 0x1019)
        // A click on the third byte of the row drawn for 0x28.
        let lines = p.screen.lines()
        let y = try #require(lines.firstIndex { $0.contains("00001028") })
        let x = Array(lines[y]).indices.first { i in
            let c = Array(lines[y]); return i + 8 < c.count && String(c[i..<(i + 8)]) == "00001028"
        }!
        p.settle([.click(x: x + 8 + 2 + 3 * 2, y: y)])
        #expect(p.state.hex.cursor == 0x102A, "cursor \(Hex.short(p.state.hex.cursor))")
    }

    @Test("the hex pane shows 16 bytes and the ASCII column where it fits", arguments: [(80, 24), (120, 40)])
    func hexWide(size: (Int, Int)) throws {
        let p = try Fixtures.program("ota1-active.bin", width: size.0, height: size.1)
        p.press(.char("g"))
        p.type("0x1000")
        p.press(.enter)
        let rows = Self.hexRows(p)
        #expect(!rows.isEmpty && rows.allSatisfy { $0.1 == 16 }, "\(p.text)")
        p.press(.down)
        #expect(p.state.hex.cursor == 0x1010)
    }

    @Test("40×12 hex pane (golden)")
    func hexGolden() throws {
        let p = try Fixtures.program("otadata-crc-corrupt.bin", width: 40, height: 12)
        p.press(.char("g"))
        p.type("otadata")
        p.press(.enter)
        assertSnapshot(p.screen, named: "tiny-hex-40x12")
    }

    @Test("40×12 and 60×20: the integrity pane wraps its checks instead of cutting them", arguments: [(40, 12), (60, 20), (40, 30)])
    func integrityWraps(size: (Int, Int)) throws {
        let p = try Fixtures.program("ota1-active.bin", width: size.0, height: size.1)
        for _ in 0..<4 where p.state.focus != .integrity { p.press(.tab) }
        #expect(p.state.focus == .integrity)
        let lines = Self.paneLines(p).dropFirst(4).dropLast()
        for line in lines {
            #expect(line.last(where: { $0 != " " }) != "…", "cut at \(size.0)×\(size.1): \(line)\n\(p.text)")
        }
        let text = lines.joined(separator: "\n")
        #expect(text.contains("MD5"), "\(p.text)")
        #expect(text.contains("✓"), "\(p.text)")
    }

    @Test("a flash image without otadata does not offer commit (esp_ota_set_boot_partition: ESP_ERR_NOT_FOUND)")
    func noCommitHintWithoutOTAData() throws {
        var f = FlashImageBuilder(flashSize: 0x200000, partitions: [
            PartitionEntry(name: "nvs", type: 1, subtype: 0x02, offset: 0x9000, size: 0x6000),
            PartitionEntry(name: "phy_init", type: 1, subtype: 0x01, offset: 0xF000, size: 0x1000),
            PartitionEntry(name: "factory", type: 0, subtype: 0x00, offset: 0x10000, size: 0x100000),
        ])
        f.app("factory", AppImageBuilder.smallApp(chip: .esp32, project: "p", version: "1", seed: 1, appendHash: true))
        let state = try AppState(document: FlashDocument(bytes: f.bytes()), displayName: "f.bin", width: 80, height: 24)
        let p = Program(state: state)
        let hints = KeyMap.hints(p.state).map(\.label)
        #expect(!hints.contains("commit"), "\(hints)")
        // At 40×12 the OTA pane's explanation wraps instead of being cut.
        p.settle([.resize(width: 40, height: 12), .key(.tab)])
        #expect(p.state.focus == .otadata)
        #expect(p.text.contains("possible."), "\(p.text)")
        let withOTA = try Fixtures.program("fresh-two-ota.bin")
        #expect(KeyMap.hints(withOTA.state).map(\.label).contains("commit"))
    }

    @Test("200×60: the detail pane is wide enough for whole digests and shows them; 80×24 keeps them short")
    func wideDetailDigests() throws {
        let p = try Fixtures.program("ota1-active.bin", width: 200, height: 60)
        let img = try #require(p.state.layout.app(named: "ota_1")?.image)
        let sha = Hex.bytes(try #require(img.sha256Computed))
        let elf = Hex.bytes(try #require(img.appDescriptor?.elfSHA256))
        let detail = p.screen.lines().map { String(Array($0).prefix(120)) }.joined(separator: "\n")
        #expect(detail.contains(sha), "\(p.text)")
        #expect(detail.contains(elf), "\(p.text)")
        let small = try Fixtures.program("ota1-active.bin")
        #expect(!small.text.contains(sha) && small.text.contains(String(sha.prefix(8)) + "…"))
    }
}
