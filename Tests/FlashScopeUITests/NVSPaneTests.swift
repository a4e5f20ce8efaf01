import Testing
import FlashFormats
import FlashModel
@testable import FlashScopeUI
import ScreenKit

/// The NVS pane: opened with `t` on a data/nvs partition, `/` filters, Enter shows a value in full,
/// `h` marks the slots in hex, `a` toggles to every entry. Screens are read from the in-memory buffer.
@Suite("NVS pane")
struct NVSPaneTests {
    static func program(_ bytes: [UInt8], width: Int = 80, height: Int = 24) throws -> Program {
        let doc = FlashDocument(bytes: bytes)
        let state = try AppState(document: doc, displayName: "nvs.bin", inputPath: nil, settings: OTASettings(),
                                 glyphs: .unicode, width: width, height: height)
        let p = Program(state: state)
        p.settle([.resize(width: width, height: height)])
        return p
    }

    static func demo(width: Int = 80, height: Int = 24) throws -> Program {
        try program(try SampleImages.nvsDemo().bytes, width: width, height: height)
    }

    /// Selects the nvs partition (the first row) and opens its pane.
    static func open(_ p: Program) {
        p.press(.home)
        p.type("t")
    }

    static func part(_ p: Program) throws -> NVS.Partition {
        let sel = try #require(p.state.selectedPartition)
        return try #require(NVSPane.partition(p.state, sel))
    }

    @Test("t on the nvs partition opens the pane: namespaces, keys, types and values the app reads")
    func opens() throws {
        let p = try Self.demo()
        #expect(KeyMap.hints(p.state).contains { $0.label == "NVS" } == false)   // ota_0 is selected
        Self.open(p)
        #expect(p.state.nvs != nil)
        #expect(p.state.focus == .detail)
        let text = p.text
        #expect(text.contains("what the app reads: 8 keys"))
        #expect(text.contains("ns   key        type   value"))
        #expect(text.contains("wifi") && text.contains("ssid") && text.contains("\"FlashScope-Lab\""))
        #expect(text.contains("boot_count") && text.contains("42"))
        #expect(!text.contains(" 41 "))
        #expect(text.contains("18446744073709551615"))
        #expect(text.contains("-120"))
        // The status bar offers the pane's keys.
        let hints = KeyMap.hints(p.state).map(\.key)
        #expect(hints.contains("/") && hints.contains("a") && hints.contains("h") && hints.contains("Enter"))
        // t again (the pane has focus) closes it; Esc does too.
        p.type("t")
        #expect(p.state.nvs == nil)
        p.type("t")
        p.press(.escape)
        #expect(p.state.nvs == nil)
        #expect(!p.text.contains("ns   key        type   value"))
        #expect(p.text.contains("t opens the NVS pane"))
    }

    @Test("/ filters by key or namespace as it is typed; a filter matching nothing says so; Esc clears it")
    func filters() throws {
        let p = try Self.demo()
        Self.open(p)
        p.type("/")
        #expect(p.state.prompt?.kind == .nvsFilter)
        p.type("wifi")
        // Live: the list follows the text before Enter.
        #expect(!p.text.contains("boot_count"))
        p.press(.enter)
        #expect(p.state.nvs?.filter == "wifi")
        let text = p.text
        #expect(text.contains("ssid") && text.contains("password") && text.contains("channel"))
        #expect(!text.contains("boot_count") && !text.contains("phy_cal"))
        #expect(text.contains("3 match"))
        // By key, case-insensitively.
        p.type("/")
        p.press(.ctrl("u"))
        p.type("BOOT")
        p.press(.enter)
        #expect(p.text.contains("boot_count") && !p.text.contains("ssid"))
        // Nothing matches: a sentence, no row, and the keys still work.
        p.type("/")
        p.press(.ctrl("u"))
        p.type("zzz")
        p.press(.enter)
        #expect(p.text.contains("no key or namespace contains 'zzz'"))
        p.press(.down, .enter, .end, .pageDown)
        p.type("h")
        #expect(p.state.nvs?.viewer == nil)
        // Empty filter shows everything; Esc clears a filter before it closes the pane.
        p.press(.escape)
        #expect(p.state.nvs?.filter == "")
        #expect(p.text.contains("ssid") && p.text.contains("boot_count"))
        p.type("/")
        p.press(.enter)
        #expect(p.text.contains("8 keys"))
    }

    @Test("/ in the hex pane still searches the image; in the NVS pane it filters (the key table decides by focus)")
    func slashByFocus() throws {
        let p = try Self.demo()
        Self.open(p)
        p.type("/")
        #expect(p.state.prompt?.kind == .nvsFilter)
        p.press(.escape)
        #expect(p.state.prompt == nil)
        while p.state.focus != .hex { p.press(.tab) }
        p.type("/")
        #expect(p.state.prompt?.kind == .search(forward: true))
        p.type("FlashScope-Lab")
        p.press(.enter)
        let part = try Self.part(p)
        let ssid = try #require(part.values.first { $0.key == "ssid" })
        // The string's data entry follows its header: the search lands inside the value's slots.
        #expect(ssid.entries.contains(p.state.hex.cursor / 32 * 32))
    }

    @Test("Enter shows a string and a blob in full in a scrollable box")
    func fullValues() throws {
        let p = try Self.demo(width: 80, height: 16)
        Self.open(p)
        p.type("/")
        p.type("cert")
        p.press(.enter, .enter)
        let viewer = try #require(p.state.nvs?.viewer)
        #expect(p.text.contains("cal / cert"))
        #expect(p.text.contains("-----BEGIN CERTIFICATE-----"))
        // The whole string is there, line after line, without a character lost.
        let lines = NVSPane.viewerLines(p.state, viewer.row, width: NVSPane.viewerWidth(p.state) - 4).map { $0.map(\.text).joined() }
        #expect(lines.dropFirst(2).joined() == NVSBuilder.sampleCertificate)
        #expect(!p.text.contains("END CERTIFICATE-----"))
        p.press(.end)
        #expect(p.text.contains("END CERTIFICATE-----"))
        #expect(!p.text.contains("21 slots from"))   // the first line scrolled away
        p.press(.home)
        #expect(p.state.nvs?.viewer?.scroll == 0)
        p.press(.escape)
        #expect(p.state.nvs?.viewer == nil)
        // The blob: a hex dump of all 200 bytes.
        p.type("/")
        p.press(.ctrl("u"))
        p.type("phy")
        p.press(.enter, .enter)
        let text = p.text
        #expect(text.contains("cal / phy_cal"))
        #expect(text.contains("200 bytes"))
        #expect(text.contains("0000  0b 30 55 7a"))
        #expect(!p.text.contains("00c0  "))
        p.press(.pageDown, .pageDown)
        #expect(p.text.contains("00c0  "))   // the last line (bytes 192–199)
        p.press(.enter)
        #expect(p.state.nvs?.viewer == nil)
    }

    @Test("a toggles to every entry on flash with its state, and back")
    func everyEntry() throws {
        let p = try Self.demo(width: 100, height: 40)
        Self.open(p)
        p.type("a")
        #expect(p.state.nvs?.view == .everyEntry)
        let part = try Self.part(p)
        let text = p.text
        #expect(text.contains("\(part.entries.count) entries"))
        #expect(text.contains("pg:slot") && text.contains("span chunk"))
        #expect(text.contains("blob_index") && text.contains("blob_data"))
        // The first boot_count was replaced: erased on flash; the second is written.
        let boot = text.split(separator: "\n").filter { $0.contains("boot_count") }
        #expect(boot.count == 2)
        #expect(boot[0].contains("erased") && boot[1].contains("written"))
        // Enter on an entry shows its header fields.
        p.type("/")
        p.type("boot")
        p.press(.enter, .enter)
        #expect(p.text.contains("state erased"))
        #expect(p.text.contains("stored") && p.text.contains("computed"))
        p.press(.escape)
        p.type("a")
        #expect(p.state.nvs?.view == .resolved)
        #expect(!p.text.contains("written"))
    }

    @Test("h puts the hex cursor on the entry's first slot and colours its header fields")
    func hexJump() throws {
        let p = try Self.demo(width: 140, height: 40)
        Self.open(p)
        p.type("/")
        p.type("ssid")
        p.press(.enter)
        p.type("h")
        let part = try Self.part(p)
        let ssid = try #require(part.values.first { $0.key == "ssid" })
        let at = try #require(ssid.entries.first)
        #expect(p.state.hex.cursor == at)
        #expect(p.state.focus == .hex)
        #expect(p.state.nvs?.marked == [at])
        let marks = HexPane.annotations(p.state, in: at..<(at + 64))
        func role(_ o: Int) -> Role? { marks.first { $0.range.contains(o) }?.role }
        #expect(role(at) == .data)               // ns
        #expect(role(at + 1) == .app)            // type
        #expect(role(at + 2) == .boot)           // span
        #expect(role(at + 3) == .bootloader)     // chunk index
        #expect(role(at + 4) == .valid)          // crc (good)
        #expect(role(at + 8) == .accent)         // key
        #expect(role(at + 24) == .structField)   // data
        #expect(role(at + 32) == .table)         // the string's payload
        // The screen shows the legend under the list (wide layout: both panes at once).
        #expect(p.text.contains("hex: ns type span chunk crc key data payload"))
        // A multi-chunk blob: every chunk header is marked.
        p.type("t")
        #expect(p.state.focus == .detail)
        p.type("/")
        p.press(.ctrl("u"))
        p.type("phy_cal")
        p.press(.enter)
        p.type("h")
        let blob = try #require(part.values.first { $0.key == "phy_cal" })
        #expect((p.state.nvs?.marked.count ?? 0) >= 2)
        #expect(p.state.hex.cursor == blob.entries.first)
    }

    @Test("encrypted NVS without a key: says so and lists the pages only")
    func encryptedPagesOnly() throws {
        var b = FlashImageBuilder.twoOTA()
        let keys = NVS.Keys(dataKey: [UInt8](repeating: 0x11, count: 32), tweakKey: [UInt8](repeating: 0x22, count: 32))
        b.contents.append((0x9000, try NVSBuilder.sample(size: 0x4000, keys: keys)))
        let p = try Self.program(b.bytes())
        Self.open(p)
        let text = p.text
        #expect(text.contains("encrypted, no key: pages only"))
        #expect(text.contains("ACTIVE") || text.contains("FULL"))
        #expect(!text.contains("ssid"))
        p.type("a")
        #expect(p.state.nvs?.view == .resolved)
        #expect(p.state.message?.kind == .error)
        p.press(.enter)
        #expect(p.text.contains("page 0"))
        #expect(p.text.contains("header CRC"))
        // h on a page row: the hex cursor goes to the page, its header and bitmap coloured by field.
        p.press(.escape)
        p.type("h")
        let at = 0x9000
        #expect(p.state.hex.cursor == at)
        #expect(p.state.nvs?.markedPages == [at] && p.state.nvs?.marked == [])
        let marks = HexPane.annotations(p.state, in: at..<(at + 64))
        func role(_ o: Int) -> Role? { marks.first { $0.range.contains(o) }?.role }
        #expect(role(at) == .boot && role(at + 3) == .boot)    // state word
        #expect(role(at + 4) == .data)                          // seq
        #expect(role(at + 8) == .bootloader)                    // version
        #expect(role(at + 28) == .valid)                        // header CRC (good)
        #expect(role(at + 32) == .structField && role(at + 63) == .structField)   // bitmap
        #expect(p.state.message?.text.contains("state seq version crc bitmap") == true)
        #expect(p.state.message?.text.contains("t goes back") == true)
        p.type("t")
        #expect(p.text.contains("hex: state seq version reserved crc bitmap"))
    }

    @Test("erased partition, partition without a page, and other partitions: a sentence, no crash")
    func emptyCases() throws {
        // Fresh sample: the nvs partition is erased.
        let fresh = try Fixtures.program("fresh-two-ota.bin")
        Self.open(fresh)
        #expect(fresh.text.contains("erased: no key stored"))
        fresh.press(.enter, .down, .end, .pageUp)
        fresh.type("ah/")
        fresh.press(.enter)
        #expect(fresh.text.contains("no entry on flash"))
        // A 2 KiB nvs partition: no page at all.
        var b = FlashImageBuilder.twoOTA()
        b.partitions[0] = PartitionEntry(name: "nvs", type: 1, subtype: 0x02, offset: 0x9000, size: 0x800)
        let tiny = try Self.program(b.bytes())
        Self.open(tiny)
        #expect(tiny.text.contains("no NVS page"))
        tiny.press(.enter, .down, .up)
        tiny.type("ha")
        // t on an app partition explains instead of opening.
        let p = try Self.demo()
        p.press(.end)
        p.type("t")
        #expect(p.state.nvs == nil)
        #expect(p.state.message?.kind == .error)
    }

    @Test("a click on a row of the NVS pane selects that row; clicks on its headers or below the list select nothing")
    func clickPicksRow() throws {
        let p = try Self.demo(width: 100, height: 40)
        Self.open(p)
        let l = Layout.compute(width: p.state.width, height: p.state.height, state: p.state)
        let d = try #require(l.detail)
        let part = try Self.part(p)
        let rows = NVSPane.rows(p.state, part)
        let listRows = d.height - NVSPane.headerRows - NVSPane.footerRows(p.state)
        #expect(rows.count > 3 && rows.count < listRows)   // the whole list shows, with space below it
        func line(_ y: Int) -> String { String(p.text.split(separator: "\n", omittingEmptySubsequences: false)[y]) }
        // The third row, as drawn: its key is on the line clicked.
        p.settle([.click(x: d.x + 3, y: d.y + NVSPane.headerRows + 2)])
        #expect(p.state.nvs?.selected == 2)
        #expect(p.state.focus == .detail)
        guard case .value(let v2) = rows[2] else { Issue.record("row 2 is not a value"); return }
        #expect(line(d.y + NVSPane.headerRows + 2).contains(part.values[v2].key))
        // The column names and the space below the list change nothing.
        p.settle([.click(x: d.x + 3, y: d.y + 1)])
        #expect(p.state.nvs?.selected == 2)
        p.settle([.click(x: d.x + 3, y: d.y + NVSPane.headerRows + rows.count + 1)])
        #expect(p.state.nvs?.selected == 2)
        // Enter opens the row clicked.
        p.settle([.click(x: d.x + 3, y: d.y + NVSPane.headerRows + 1)])
        p.press(.enter)
        #expect(p.state.nvs?.viewer?.row == rows[1])
    }

    @Test("40×12 up to 250×70: every step of the story renders at every size")
    func tinyTerminals() throws {
        let p = try Self.demo(width: 40, height: 12)
        Self.open(p)
        let steps: [(Program) -> Void] = [
            { _ in },
            { $0.type("/w") },
            { $0.press(.enter) },
            { $0.press(.enter) },
            { $0.press(.end) },
            { $0.press(.escape) },
            { $0.type("a") },
            { $0.press(.end, .enter) },
            { $0.press(.escape) },
            { $0.type("h") },
        ]
        for step in steps {
            step(p)
            for (w, h) in [(40, 12), (41, 13), (60, 20), (80, 24), (118, 34), (250, 70)] {
                let buf = render(p.state, size: (w, h))
                #expect(buf.width == w && buf.height == h)
            }
        }
        // At 40×12 the pane still shows a row.
        let q = try Self.demo(width: 40, height: 12)
        Self.open(q)
        #expect(q.text.contains("ssid") || q.text.contains("channel") || q.text.contains("password"))
    }

    @Test("the selection stays in range: moves past either end, a shrinking filter, an edit under the pane")
    func selectionClamps() throws {
        let p = try Self.demo()
        Self.open(p)
        for _ in 0..<30 { p.press(.down) }
        #expect(p.state.nvs?.selected == 7)
        p.press(.pageUp, .pageUp)
        #expect(p.state.nvs?.selected == 0)
        p.press(.end)
        p.type("/")
        p.type("ssid")
        p.press(.enter)
        #expect(p.state.nvs?.selected == 0)
        p.press(.enter)
        #expect(p.text.contains("wifi / ssid"))
        p.press(.escape)
        // Undo/edit elsewhere re-reads the partition: the pane follows the bytes.
        while p.state.focus != .hex { p.press(.tab) }
        p.type("e00")
        p.press(.escape)
        p.type("t")
        #expect(p.state.focus == .detail)
        _ = p.text
    }

    @Test("help lists the NVS pane's keys from the key table")
    func help() throws {
        let p = try Self.demo()
        let lines = Modals.helpLines(p.state).map { $0.map(\.text).joined() }
        #expect(lines.contains("NVS pane"))
        #expect(lines.contains("NVS value box"))
        #expect(lines.contains { $0.contains("every entry on flash") })
    }
}
