import Testing
import FlashFormats
import FlashModel
@testable import FlashScopeUI
import ScreenKit

/// The support engineer's findings (issue 10), one test each: every one failed before its fix.
@Suite("Issue 10: what a support engineer found")
struct IssueTenTests {
    /// A partition table file on its own, with a row gen_esp32part refuses (factory size not 4 KiB aligned).
    static func bareTable() -> [UInt8] {
        var rows = FlashImageBuilder.twoOTA().partitions
        rows[3] = PartitionEntry(name: "factory", type: 0, subtype: 0x00, offset: 0x10000, size: 0xA2800)
        return PartitionTable.encode(rows)
    }

    static func program(bytes: [UInt8], name: String = "image.bin", width: Int = 80, height: Int = 24,
                        settings: OTASettings = OTASettings()) throws -> Program {
        let state = try AppState(document: FlashDocument(bytes: bytes), displayName: name, settings: settings,
                                 width: width, height: height)
        let p = Program(state: state)
        p.settle([.resize(width: width, height: height)])
        return p
    }

    // MARK: 1

    @Test("1: g then Enter on an empty go-to prompt is a message, not a trap; an overflowing offset too")
    func emptyGoto() throws {
        let p = try Fixtures.program("ota1-active.bin")
        let before = p.state.hex.cursor
        p.press(.char("g"), .enter)
        #expect(p.state.prompt == nil)
        #expect(p.state.message?.kind == .error)
        #expect(p.state.hex.cursor == before)
        p.press(.char("g"))
        p.type("factory+0x7fffffffffffffff")
        p.press(.enter)
        #expect(p.state.message?.kind == .error)
        p.press(.char("g"))
        p.type("+")
        p.press(.enter)
        #expect(p.state.message?.kind == .error)
    }

    // MARK: 2

    @Test("2: staging into the running slot is refused as `stage` refuses it; only F applies it, marked forced")
    func stageIntoRunningSlot() throws {
        let dir = Fixtures.tempDirectory()
        defer { Fixtures.remove(dir) }
        Fixtures.write(Fixtures.bytes("app-2.1.0.bin"), to: "\(dir)/app.bin")
        let p = try Fixtures.program("ota1-active.bin", width: 80, height: 24)
        #expect(p.state.selectedPartition?.name == "ota_1", "ota_1 runs")
        p.press(.char("s"))
        p.type("\(dir)/app.bin")
        p.press(.enter)
        guard case .plan(let preview) = p.state.modal else { Issue.record("no preview"); return }
        // The CLI's planner says the same.
        let planner = OTAPlanner(document: p.state.document, layout: p.state.layout, settings: p.state.settings)
        #expect(throws: OTAError.self) { try planner.stage("ota_1", image: Fixtures.bytes("app-2.1.0.bin")) }
        #expect(preview.error?.code == "ESP_ERR_OTA_PARTITION_CONFLICT")
        #expect(preview.plan == nil)
        // The whole reason is on screen, wrapped in the dialog, at 80 columns.
        let text = p.modalText(preferredWidth: 84)
        #expect(text.contains("ESP_ERR_OTA_PARTITION_CONFLICT"))
        #expect(text.contains("ota_1 is the partition the device runs"))
        p.press(.enter)
        #expect(!p.state.document.isModified, "Enter does not apply a refused step")
        p.press(.char("F"))
        guard case .plan(let forced) = p.state.modal else { Issue.record("no forced preview"); return }
        #expect(forced.forced && forced.plan != nil)
        #expect(p.text.contains("forced"))
        p.press(.enter)
        #expect(p.state.document.isModified)
        #expect(p.state.message?.text.contains("forced") == true)
        #expect(p.state.layout.app(named: "ota_1")?.image?.appDescriptor?.version == "2.1.0")
    }

    // MARK: 3

    @Test("3: a bare partition table file settles, is drawn at its own size, starts at 0 and shows gen_esp32part's rejection",
          arguments: [(80, 24), (120, 40)])
    func bareTableFile(size: (Int, Int)) throws {
        let p = try Self.program(bytes: Self.bareTable(), name: "table.bin", width: size.0, height: size.1)
        #expect(p.state.layout.kind == .partitionTable)
        #expect(!p.hasDeferredWork, "nothing waits for a scan that can never run")
        #expect(p.state.hex.cursor == 0, "the hex cursor opens at the start of the file")
        let all = [p.text] + [Pane.hex, .integrity].map { pane -> String in
            p.press(.tab)
            return p.text
        } + (0..<4).map { _ in p.press(.tab); return p.text }
        for text in all {
            #expect(!text.contains("computing"))
            #expect(!text.contains("scanning"))
            #expect(!text.contains("CRC-32computing"))
        }
        #expect(all.contains { $0.contains("gen_esp32part") && $0.contains("not aligned") })
        if size.0 >= 118 { #expect(p.text.contains("3 KiB")) }
    }
}

extension String {
    /// Runs of spaces as one space (for text wrapped over rows).
    var squeezed: String {
        var out = ""
        for c in self where !(c == " " && out.last == " ") { out.append(c) }
        return out
    }
}

extension Program {
    /// The text inside the centred dialog box, rows joined with spaces (wrapped facts read as one line).
    func modalText(preferredWidth: Int) -> String {
        let buf = screen
        let w = min(buf.width - 2, max(preferredWidth, 40))
        let x0 = (buf.width - w) / 2 + 2
        let rows = buf.lines().map { line -> String in
            let chars = Array(line)
            guard chars.count > x0 else { return "" }
            return String(chars[x0..<min(chars.count, x0 + w - 4)])
        }
        return rows.joined(separator: " ").squeezed
    }
}

/// Items 7–9, 12 and the hex tools.
@Suite("Issue 10: stale state, Enter in the OTA pane, clipped facts, hints, search, copy, small terminals")
struct IssueTenMoreTests {
    /// The text of a screen rectangle, rows joined with spaces and runs of spaces squeezed.
    static func regionText(_ buf: ScreenBuffer, _ r: Rect) -> String {
        let rows = buf.lines()
        var out: [String] = []
        for y in r.y..<min(rows.count, r.maxY) {
            let chars = Array(rows[y])
            guard chars.count > r.x else { continue }
            out.append(String(chars[r.x..<min(chars.count, r.maxX)]))
        }
        return out.joined(separator: " ").squeezed
    }

    static func save(_ p: Program, to path: String) {
        p.press(.char("w"))
        p.press(.ctrl("u"))
        p.type(path)
        p.press(.enter)
    }

    @Test("7: after saving, nothing says unsaved (header, detail, hex ● marks); undo back to clean drops the was row")
    func staleState() throws {
        let dir = Fixtures.tempDirectory()
        defer { Fixtures.remove(dir) }
        let p = try Fixtures.program("ota1-active.bin", width: 120, height: 40)
        p.press(.up)   // ota_0
        p.press(.char("c"), .enter)
        #expect(p.state.isDirty)
        p.press(.char("g"))
        p.type("otadata")
        p.press(.enter)
        #expect(p.state.selectedPartition?.name == "otadata")
        #expect(p.text.contains("unsaved"))
        #expect(p.text.contains("●"))
        Self.save(p, to: "\(dir)/saved.bin")
        guard case .info = p.state.modal else { Issue.record("no save report"); return }
        p.press(.enter)
        #expect(!p.state.isDirty)
        #expect(!p.text.contains("unsaved"), "nothing is unsaved after a save:\n\(p.text)")
        #expect(!p.text.contains("●"), "no hex row keeps its unsaved mark after a save")
        // Undo after the save: the bytes differ from the saved file again.
        p.press(.char("u"))
        #expect(p.text.contains("unsaved"))

        // Undo back to the input on a fresh program: the OTA pane's "was" row goes.
        let q = try Fixtures.program("ota1-active.bin", width: 120, height: 40)
        q.press(.up, .char("c"), .enter)
        #expect(q.state.previousOTA != nil)
        q.press(.char("u"))
        #expect(!q.state.isDirty)
        #expect(q.state.previousOTA == nil)
        let l = Layout.compute(width: 120, height: 40, state: q.state)
        #expect(!Self.regionText(q.screen, l.otadata).contains("was"))
    }

    @Test("8: Enter in the OTA pane edits the sector's entry in the hex pane: typed digits change bytes")
    func enterInOTAPaneEdits() throws {
        let p = try Fixtures.program("ota1-active.bin")
        p.press(.tab)
        #expect(p.state.focus == .otadata)
        p.press(.enter)
        #expect(p.state.focus == .hex)
        #expect(p.state.hex.editing)
        let at = p.state.hex.cursor
        #expect(at == p.state.layout.otadata!.offset + p.state.otaSector * otadataSectorSize)
        p.press(.char("0"), .char("5"))
        #expect(p.state.document.bytes(at..<(at + 1)) == [0x05])
    }

    @Test("9: facts wrap instead of being cut; seq is a number; PENDING_VERIFY ends with an ellipsis when cut")
    func clippedFacts() throws {
        // A dump cut inside ota_0: not bootable, dump ends at…, diagnostics — all whole in the 38-column detail pane.
        let bytes = Array(Fixtures.bytes("ota1-active.bin").prefix(0x112F3A))
        let p = try IssueTenTests.program(bytes: bytes, width: 120, height: 40)
        p.press(.char("g"))
        p.type("ota_0")
        p.press(.enter)
        let l = Layout.compute(width: 120, height: 40, state: p.state)
        // The whole detail pane, scrolled a row at a time.
        var detail = ""
        p.press(.backTab)
        #expect(p.state.focus == .detail)
        for _ in 0..<30 { detail += " " + Self.regionText(p.screen, try #require(l.detail)); p.press(.down) }
        detail = detail.squeezed
        let problem = try #require(p.state.layout.app(named: "ota_0")?.verdict.problem)
        #expect(detail.contains("not bootable: \(problem)".squeezed), "\(detail)")
        #expect(detail.contains("the dump ends at 0x112f3a"), "\(detail)")
        for d in p.state.layout.diagnostics where d.offset.map({ (0x110000..<0x210000).contains($0) }) ?? false {
            #expect(detail.contains(d.message.squeezed), "diagnostic cut: \(d.message)")
        }

        let ota = try Fixtures.program("ota1-active.bin", width: 120, height: 40)
        ota.press(.char("g"))
        ota.type("otadata")
        ota.press(.enter)
        let od = Self.regionText(ota.screen, try #require(Layout.compute(width: 120, height: 40, state: ota.state).detail))
        #expect(od.contains("seq 2"))
        #expect(!od.contains("seq 02000000"))

        let pending = try Fixtures.program("rollback-pending.bin", width: 80, height: 24)
        let lp = Layout.compute(width: 80, height: 24, state: pending.state)
        let otaText = Self.regionText(pending.screen, lp.otadata)
        #expect(otaText.contains("PENDING_VERIFY") || otaText.contains("PENDING_V"), "\(otaText)")
        #expect(otaText.contains("PENDING_VERIFY") || otaText.contains("…"), "cut with an ellipsis: \(otaText)")
    }

    @Test("9: the esptool command of a save is one line in the copy box and goes to the clipboard whole")
    func esptoolOneLine() throws {
        let dir = Fixtures.tempDirectory()
        defer { Fixtures.remove(dir) }
        let p = try Fixtures.program("ota1-active.bin", width: 80, height: 24)
        p.press(.up, .char("c"), .enter)
        Self.save(p, to: "\(dir)/saved.bin")
        let cmd = try #require(p.state.lastEsptoolCommand)
        #expect(cmd.count > 60)
        p.press(.char("y"))
        guard case .copy(let box) = p.state.modal else { Issue.record("no copy box"); return }
        #expect(box.items[box.selected].value == cmd)
        let rows = p.screen.lines()
        #expect(rows.contains { $0.contains(String(cmd.prefix(60))) }, "the command starts on one row")
        p.press(.right)
        p.press(.enter)
        #expect(p.clipboard == cmd)
        #expect(OSC52.sequence("hi") == "\u{1B}]52;c;aGk=\u{07}")
    }

    @Test("9: wide terminals use the room: full SHA-256 digests in the integrity pane at 200×60")
    func wideUsesRoom() throws {
        let p = try Fixtures.program("ota1-active.bin", width: 200, height: 60)
        let sha = try #require(p.state.layout.app(named: "ota_1")?.image?.sha256Computed)
        #expect(p.text.contains(Hex.bytes(sha)))
    }

    @Test("12: no rollback / IDF hints for a bare app file; help has a legend for · × ● ▶ ◀ –")
    func hintsAndLegend() throws {
        let p = try Fixtures.program("app-2.1.0.bin")
        let hints = KeyMap.hints(p.state).map(\.label)
        #expect(!hints.contains("rollback") && !hints.contains("IDF") && !hints.contains("commit"), "\(hints)")
        p.press(.char("?"))
        var help = ""
        for _ in 0..<40 { help += p.text; p.press(.pageDown) }
        #expect(help.contains("Glyphs"))
        for glyph in ["·", "×", "●", "▶", "◀", "–", "✗", "✓"] {
            #expect(help.split(separator: "\n").contains { $0.contains("  \(glyph)  ") }, "no legend row for \(glyph)")
        }
    }

    @Test("/ finds hex bytes with ?? and text across the image, between keys; n and N move on")
    func search() throws {
        let p = try Fixtures.program("ota1-active.bin")
        let doc = p.state.document
        p.press(.char("/"))
        p.type("e9 ?? 02")
        // Submit without letting deferred work run: the search has not finished, keys still work.
        p.send(.key(.enter))
        #expect(p.state.search != nil)
        p.send(.key(.char("?")))
        #expect({ if case .help = p.state.modal { true } else { false } }())
        p.send(.key(.escape))
        p.settle()
        #expect(p.state.search == nil)
        let first = p.state.hex.cursor
        #expect(doc.bytes(first..<(first + 3)).enumerated().allSatisfy { $0.offset == 1 || [0xE9, 0, 0x02][$0.offset] == $0.element })
        #expect(p.state.message?.text.contains("0x" + Hex.padded(first, 8)) == true)
        p.press(.char("n"))
        let second = p.state.hex.cursor
        #expect(second != first)
        #expect(doc.bytes(second..<(second + 1)) == [0xE9])
        p.press(.char("N"))
        #expect(p.state.hex.cursor == first)
        // Text.
        p.press(.char("/"))
        p.press(.ctrl("u"))
        p.type("flashscope-demo")
        p.press(.enter)
        let t = p.state.hex.cursor
        #expect(doc.bytes(t..<(t + 15)) == Array("flashscope-demo".utf8))
        // Not found.
        p.press(.char("/"), .ctrl("u"))
        p.type("no such text anywhere")
        p.press(.enter)
        #expect(p.state.message?.text.contains("not found") == true)
        #expect(p.state.hex.cursor == t)
    }

    @Test("40×12 and up: one pane at a time, Tab cycles through all of them; no 'too small' wall")
    func smallTerminal() throws {
        let p = try Fixtures.program("ota1-active.bin", width: 40, height: 12)
        #expect(!p.text.contains("too small"))
        var seen: Set<Pane> = []
        for _ in 0..<6 {
            seen.insert(p.state.focus)
            #expect(p.text.contains("boots ota_1") || p.text.contains("ota_1"))
            p.press(.tab)
        }
        #expect(seen == Set(Pane.allCases))
        p.press(.char("q"))
        #expect(p.exitStatus == 0)
    }
}

@Suite("Issue 10: the rollback toggle agrees with itself")
struct IssueTenRollbackTests {
    @Test("4: after r on rollback-pending every pane names sector 0 → ota_0; a second b writes nothing and offers nothing to apply")
    func rollbackToggle() throws {
        let p = try Fixtures.program("rollback-pending.bin", width: 120, height: 40)
        p.press(.char("r"))
        #expect(p.state.settings.rollback)
        let text = p.text
        #expect(text.contains("boots ota_0 · sector 0, seq 1"))
        #expect(text.contains("sector 0 ▶ ota_0"), "the otadata row follows the bootloader's sector")
        #expect(!text.contains("sector 1 ▶"))
        #expect(text.contains("sector 0 ◀ active"))
        #expect(Derived.status(p.state, p.state.layout.partition(named: "otadata")!).text.contains("seq 1"))
        p.press(.char("b"))
        guard case .plan(let first) = p.state.modal else { Issue.record("no boot simulation"); return }
        #expect(first.plan?.isNoOp == false)
        let planText = Modals.planLines(p.state, first).map { $0.map(\.text).joined() }.joined(separator: "\n")
        #expect(planText.contains("otadata sector 1 @0xe000 (active: sector 0)"), "\(planText)")
        p.press(.enter)
        p.press(.char("b"))
        guard case .plan(let second) = p.state.modal else { Issue.record("no second simulation"); return }
        #expect(second.plan?.isNoOp == true)
        #expect(!KeyMap.hints(p.state).map(\.label).contains("apply"))
        #expect(!p.text.contains("bootloader ()"))
        #expect(p.text.contains("nothing to write"))
    }
}

@Suite("Issue 10: partial and encrypted dumps")
struct IssueTenDumpTests {
    @Test("5: a dump whose factory lies beyond its end says unknown with the reason, never 'nothing boots'; a truncated one is a partial dump")
    func partialDumps() throws {
        let ota1 = Fixtures.bytes("fresh-two-ota.bin")
        let p = try IssueTenTests.program(bytes: Array(ota1.prefix(0x10000)), width: 120, height: 40)
        #expect(p.state.layout.boot?.outcome == .unknown)
        let boot = p.screen.lines()[1]
        #expect(boot.contains("unknown"), "\(boot)")
        #expect(boot.contains("factory is not in this dump"), "\(boot)")
        #expect(!boot.contains("nothing boots"))
        #expect(p.screen.lines()[0].contains("partial dump"))

        // Cut inside ota_1 (the booting slot): no "boots" stated as fact, the header says partial.
        let q = try IssueTenTests.program(bytes: Array(Fixtures.bytes("ota1-active.bin").prefix(0x212000)), width: 120, height: 40)
        #expect(q.screen.lines()[0].contains("partial dump: ends at 0x212000"))
        #expect(q.state.layout.boot?.outcome == .unknown)
        #expect(!q.screen.lines()[1].contains("boots ota_1"))
        #expect(q.screen.lines()[1].contains("unknown"))
    }

    @Test("5: the integrity pane says the CRC is over the bytes in the dump, not the whole partition")
    func partialCRC() throws {
        let p = try IssueTenTests.program(bytes: Array(Fixtures.bytes("ota1-active.bin").prefix(0x212000)), width: 120, height: 40)
        p.press(.char("g"))
        p.type("ota_1")
        p.press(.enter)
        #expect(p.text.contains("over the 8192 bytes in this dump"))
        #expect(!p.text.contains("whole partition"))
    }

    @Test("6: an encrypted-looking dump shows its encrypted ranges and stray otadata sectors in the map, detail and integrity panes")
    func encryptedDump() throws {
        let bytes = FlashImageBuilder.encryptedLooking(size: 0x120000)
        let p = try IssueTenTests.program(bytes: bytes, width: 120, height: 40)
        let l = p.state.layout
        #expect(l.encryption != nil)
        #expect(!l.strayOTA.isEmpty)
        let text = p.text
        #expect(!text.contains("nothing to check"))
        #expect(text.contains("encrypted"))
        let lay = Layout.compute(width: 120, height: 40, state: p.state)
        let map = IssueTenMoreTests.regionText(p.screen, lay.mapBar)
        #expect(map.contains("encrypted"), "map: \(map)")
        for stray in l.strayOTA {
            #expect(text.contains("otadata-like sector @\(Hex.short(stray.offset))"), "stray @\(Hex.short(stray.offset))")
        }
        #expect(text.contains("seq 1") && text.contains("seq 0"))
    }
}
