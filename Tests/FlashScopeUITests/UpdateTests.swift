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

/// Key paths through `update`: the same dispatch the real app uses.
@Suite("Update: what keys do")
struct UpdateTests {
    // MARK: Key table

    @Test("one binding per key and context, every binding documented")
    func keyTableIsConsistent() {
        for context in KeyContext.allCases {
            var seen: Set<KeyPattern> = []
            for b in KeyMap.bindings where b.context == context {
                #expect(!b.help.isEmpty)
                for k in b.keys {
                    #expect(!seen.contains(k), "\(k) bound twice in \(context)")
                    seen.insert(k)
                }
            }
        }
    }

    @Test("the status bar and the help screen come from the key table")
    func hintsAndHelpFromTable() throws {
        let p = try Fixtures.program("ota1-active.bin", width: 200, height: 50)
        // The bottom line of the drawn screen (not `KeyMap.hints`) shows the hint of every global binding
        // that means something here (undo and redo only once there is an edit to undo / redo).
        let statusBar = try #require(p.text.split(separator: "\n").last.map(String.init))
        let globalHints = KeyMap.bindings.filter { $0.context == .global && $0.hint != nil && KeyMap.meaningful($0.command!, p.state) }
        #expect(!globalHints.isEmpty)
        for b in globalHints {
            let shown = "\(KeyMap.label(b.keys[0], glyphs: p.state.glyphs)) \(b.hint!)"
            #expect(statusBar.contains(shown), "status bar lacks \(shown): \(statusBar)")
        }
        let help = Modals.helpLines(p.state).map { $0.map(\.text).joined() }.joined(separator: "\n")
        for b in KeyMap.bindings where b.context != .tooSmall && b.context != .help && b.context != .info {
            #expect(help.contains(b.help), "help lacks: \(b.help)")
        }
    }

    // MARK: Stage and commit

    @Test("stage app-2.1.0 into ota_0, commit, undo, redo")
    func stageAndCommit() throws {
        let dir = Fixtures.tempDirectory()
        defer { Fixtures.remove(dir) }
        Fixtures.write(Fixtures.bytes("app-2.1.0.bin"), to: "\(dir)/app.bin")
        let p = try Fixtures.program("ota1-active.bin")
        #expect(p.state.selectedPartition?.name == "ota_1")
        p.press(.up)
        #expect(p.state.selectedPartition?.name == "ota_0")
        p.press(.char("s"))
        #expect(p.state.prompt?.kind == .stagePath(partition: "ota_0"))
        p.type("\(dir)/app.bin")
        p.press(.enter)
        guard case .plan(let preview) = p.state.modal else { Issue.record("no stage preview"); return }
        #expect(preview.plan?.checks.allSatisfy(\.passed) == true)
        #expect(p.state.document.isModified == false, "nothing is written before confirming")
        p.press(.enter)
        #expect(p.state.layout.app(named: "ota_0")?.image?.appDescriptor?.version == "2.1.0")
        #expect(p.state.layout.boot?.loaded == "ota_1", "staging does not change the boot")
        #expect(p.state.isDirty)

        p.press(.char("c"))
        guard case .plan(let commit) = p.state.modal, let change = commit.plan?.otadataChanges.first else {
            Issue.record("no commit preview"); return
        }
        #expect(change.sector == 1)
        #expect(change.after?.seq == 3)
        #expect(change.after?.crc == 0xED4A_5011, "Python: zlib.crc32(struct.pack('<I', 3), 0xffffffff)")
        #expect(commit.after?.loaded == "ota_0")
        #expect(commit.plan?.powerLoss.first?.loaded == "ota_1")
        p.press(.enter)
        #expect(p.state.layout.boot?.selected == "ota_0")
        #expect(p.state.previousOTA?[1]?.isErased == true, "the OTA pane keeps the values from before the commit")
        #expect(p.state.unsavedEditCount == 2)

        p.press(.char("u"))
        #expect(p.state.layout.boot?.selected == "ota_1")
        p.press(.char("U"))
        #expect(p.state.layout.boot?.selected == "ota_0")
        p.press(.char("u"), .char("u"))
        #expect(!p.state.isDirty)
        #expect(!p.state.document.isModified)
    }

    @Test("committing an empty slot is refused with ESP-IDF's error; F forces it, the bootloader still refuses")
    func commitRefusedAndForced() throws {
        let p = try Fixtures.program("fresh-two-ota.bin")
        p.press(.down)
        #expect(p.state.selectedPartition?.name == "ota_0")
        p.press(.char("c"))
        guard case .plan(let preview) = p.state.modal else { Issue.record("no preview"); return }
        #expect(preview.error?.code == "ESP_ERR_OTA_VALIDATE_FAILED")
        #expect(preview.plan == nil)
        p.press(.enter)
        #expect(!p.state.document.isModified)
        p.press(.char("F"))
        guard case .plan(let forced) = p.state.modal else { Issue.record("no forced preview"); return }
        #expect(forced.plan != nil)
        #expect(forced.after?.loaded == "factory")
        p.press(.enter)
        #expect(p.state.layout.boot?.selected == "ota_0")
        #expect(p.state.layout.boot?.loaded == "factory")
        #expect(Derived.bootSpans(p.state).map(\.text).joined().contains("→ ota_0 ✗ empty → factory ✓"))
    }

    @Test("an engine error is a message, not a crash")
    func engineErrorsAreMessages() throws {
        let p = try Fixtures.program("fresh-two-ota.bin")
        p.press(.char("v"))
        #expect(p.state.modal == nil)
        #expect(p.state.message?.kind == .error)
        #expect(p.state.message?.text.contains("ESP_FAIL") == true)
        p.press(.char("s"))
        p.type("/nonexistent/app.bin")
        p.press(.enter)
        #expect(p.state.message?.kind == .error)
    }

    // MARK: Hex editing and fix CRC

    @Test("editing otadata bytes updates the CRC verdict and the boot prediction; fix CRC repairs it")
    func hexEditAndFixCRC() throws {
        let p = try Fixtures.program("ota1-active.bin")
        p.press(.char("g"))
        p.type("otadata")
        p.press(.enter)
        #expect(p.state.focus == .hex)
        #expect(p.state.hex.cursor == 0xD000)
        p.press(.char("e"))
        #expect(p.state.hex.editing)
        p.type("0")
        #expect(p.state.hex.pendingNibble == 0)
        #expect(!p.state.document.isModified)
        p.type("5")
        #expect(p.state.layout.otadata?.entries[0]?.seq == 5)
        #expect(p.state.layout.otadata?.entries[0]?.crcOK == false)
        #expect(p.state.layout.boot?.loaded == "factory", "sector 0 is now invalid and sector 1 erased")
        #expect(p.state.previousOTA?[0]?.seq == 2)
        #expect(p.state.hex.cursor == 0xD001)
        p.press(.escape)
        p.press(.char("f"))
        #expect(p.state.layout.otadata?.entries[0]?.crcOK == true)
        #expect(p.state.layout.boot?.loaded == "ota_0", "(5−1) mod 2 = 0")
        #expect(p.state.unsavedEditCount == 2)
    }

    @Test("fix CRC from the OTA pane on the corrupt sample")
    func fixCRCFromOTAPane() throws {
        let p = try Fixtures.program("otadata-crc-corrupt.bin")
        #expect(p.state.layout.boot?.loaded == "ota_1")
        p.press(.tab, .left, .char("f"))
        #expect(p.state.layout.otadata?.entries[0]?.crcOK == true)
        #expect(p.state.layout.boot?.loaded == "ota_0")
        #expect(p.state.message?.kind == .success)
        // Fixing again changes nothing.
        p.press(.char("f"))
        #expect(p.state.unsavedEditCount == 1)
    }

    @Test("rollback and IDF settings are toggled and change the plan")
    func settings() throws {
        let p = try Fixtures.program("rollback-pending.bin")
        #expect(p.state.layout.boot?.loaded == "ota_1")
        p.press(.char("r"))
        #expect(p.state.settings.rollback)
        #expect(p.state.layout.boot?.loaded == "ota_0")
        #expect(p.state.layout.boot?.writes.first?.why == .abortPending)
        p.press(.up, .char("c"))
        guard case .plan(let a) = p.state.modal else { Issue.record("no preview"); return }
        #expect(a.plan?.otadataChanges.first?.after?.state == OTAState.new)
        p.press(.char("r"))
        guard case .plan(let b) = p.state.modal else { Issue.record("no preview"); return }
        #expect(b.plan?.otadataChanges.first?.after?.state == OTAState.undefined)
        p.press(.char("i"))
        #expect(p.state.settings.idf == .v5)
        p.press(.escape)
        #expect(!p.state.document.isModified)
    }

    @Test("simulate the next boot with rollback: the bootloader aborts the pending app")
    func bootSimulation() throws {
        let p = try Fixtures.program("rollback-pending.bin", settings: OTASettings(rollback: true))
        p.press(.char("b"))
        guard case .plan(let sim) = p.state.modal else { Issue.record("no preview"); return }
        #expect(sim.decision?.loaded == "ota_0")
        p.press(.enter)
        #expect(p.state.layout.otadata?.entries[1]?.state == OTAState.aborted)
    }

    // MARK: Navigation

    @Test("go to offsets and partition names")
    func goto() throws {
        let p = try Fixtures.program("ota1-active.bin")
        p.press(.char("g")); p.type("0x210010"); p.press(.enter)
        #expect(p.state.hex.cursor == 0x210010)
        #expect(p.state.selectedPartition?.name == "ota_1")
        p.press(.char("g")); p.type("ota_0+0x20"); p.press(.enter)
        #expect(p.state.hex.cursor == 0x110020)
        #expect(p.state.selectedPartition?.name == "ota_0")
        p.press(.char("g")); p.type("nowhere"); p.press(.enter)
        #expect(p.state.message?.kind == .error)
        p.press(.char("g")); p.type("0x1000000"); p.press(.enter)
        #expect(p.state.message?.text.contains("outside") == true)
        p.press(.char("g")); p.type("ot"); p.press(.tab)
        #expect(p.state.prompt?.text == "ota")
        #expect(p.state.prompt?.completions.count == 3)
    }

    @Test("mouse: a row selects its partition, a column its otadata sector")
    func mouse() throws {
        let p = try Fixtures.program("ota1-active.bin")
        let l = Layout.compute(width: 80, height: 24, state: p.state)
        p.settle([.click(x: l.partitions.x + 4, y: l.partitions.y + 1)])
        #expect(p.state.selectedPartition?.name == "nvs")
        let (_, c1) = OTAPane.columns(l.otadata)
        p.settle([.click(x: c1.x + 2, y: c1.y + 2)])
        #expect(p.state.focus == .otadata)
        #expect(p.state.otaSector == 1)
        let bar = MapBar.segments(p.state, width: l.mapBar.width).first { $0.partition == "factory" }!
        p.settle([.click(x: l.mapBar.x + bar.columns.lowerBound + 1, y: l.mapBar.y)])
        #expect(p.state.selectedPartition?.name == "factory")
    }

    @Test("Tab cycles the lower pane on a small terminal")
    func tabCycles() throws {
        let p = try Fixtures.program("ota1-active.bin")
        var seen: [Pane] = []
        for _ in 0..<5 { p.press(.tab); seen.append(p.state.focus) }
        #expect(seen == [.otadata, .detail, .hex, .integrity, .partitions])
        #expect(p.state.lowerPane == .integrity)
        #expect(p.text.contains("Integrity"))
    }

    @Test("below 40×12 only q works")
    func tooSmall() throws {
        let p = try Fixtures.program("ota1-active.bin", width: 39, height: 20)
        p.press(.char("c"))
        #expect(p.state.modal == nil)
        #expect(p.text.contains("Terminal too small"))
        p.press(.char("q"))
        #expect(p.exitStatus == 0)
    }

    // MARK: Quitting and saving

    @Test("quit guard on unsaved changes; Ctrl-C twice quits; a clean quit is immediate")
    func quitGuard() throws {
        let p = try Fixtures.program("otadata-crc-corrupt.bin")
        p.press(.tab, .left, .char("f"))
        p.press(.char("q"))
        guard case .quitGuard = p.state.modal else { Issue.record("no guard"); return }
        p.press(.escape)
        #expect(p.exitStatus == nil)
        p.settle([.signal(SIGINT)])
        #expect(p.exitStatus == nil)
        p.settle([.signal(SIGINT)])
        #expect(p.exitStatus == 130)

        let clean = try Fixtures.program("ota1-active.bin")
        clean.press(.char("q"))
        #expect(clean.exitStatus == 0)
        let term = try Fixtures.program("ota1-active.bin")
        term.settle([.signal(SIGTERM)])
        #expect(term.exitStatus == 128 + SIGTERM)
    }

    @Test("save as: a new file; the input only after a second Enter, with a .bak")
    func saveAs() throws {
        let dir = Fixtures.tempDirectory()
        defer { Fixtures.remove(dir) }
        let input = "\(dir)/in.bin"
        let original = Fixtures.bytes("otadata-crc-corrupt.bin")
        Fixtures.write(original, to: input)
        let doc = FlashDocument(file: try MappedFile(path: input))
        let p = Program(state: try AppState(document: doc, displayName: "in.bin", inputPath: input))
        p.settle([.resize(width: 80, height: 24)])
        p.press(.tab, .left, .char("f"))
        p.press(.char("w"))
        #expect(p.state.prompt?.text == "\(dir)/in-edited.bin")
        p.press(.enter)
        guard case .info = p.state.modal else { Issue.record("no save report: \(String(describing: p.state.message))"); return }
        #expect(!p.state.isDirty)
        #expect(Fixtures.read(input) == original, "the input is untouched")
        let saved = try #require(Fixtures.read("\(dir)/in-edited.bin"))
        #expect(saved == p.state.document.bytes(0..<p.state.document.count))
        p.press(.enter)

        // Save over the input: refused once, done on the second Enter.
        p.press(.char("u"))
        p.press(.char("w"), .ctrl("u"))
        p.type(input)
        p.press(.enter)
        #expect(p.state.prompt?.armed == .inPlace)
        #expect(Fixtures.read(input) == original)
        p.press(.enter)
        #expect(Fixtures.read("\(input).bak") == original)
        #expect(Fixtures.read(input) == original, "after undo the content equals the input")
        #expect(!p.state.isDirty)

        // An existing other file: also asked twice.
        p.press(.tab, .tab, .tab, .tab, .tab)
        p.press(.char("g")); p.type("otadata"); p.press(.enter, .char("f"))
        p.press(.char("w"), .ctrl("u"))
        p.type("\(dir)/in-edited.bin")
        p.press(.enter)
        #expect(p.state.prompt?.armed == .replace)
        p.press(.enter)
        #expect(!p.state.isDirty)
    }

    @Test("path completion in the stage prompt")
    func completion() throws {
        let dir = Fixtures.tempDirectory()
        defer { Fixtures.remove(dir) }
        for n in ["app-a.bin", "app-b.bin", "other.bin"] { Fixtures.write([0xE9], to: "\(dir)/\(n)") }
        #expect(PathCompletion.candidates("\(dir)/app").count == 2)
        let p = try Fixtures.program("ota1-active.bin")
        p.press(.char("s"))
        p.type("\(dir)/o")
        p.press(.tab)
        #expect(p.state.prompt?.text == "\(dir)/other.bin")
        p.press(.ctrl("u"))
        p.type("\(dir)/ap")
        p.press(.tab)
        #expect(p.state.prompt?.text == "\(dir)/app-")
        #expect(p.state.prompt?.completions.count == 2)
    }

    // MARK: Lazy work

    @Test("the partition CRC-32 is computed once, not per key press, and again only after an edit inside it")
    func crcIsCached() throws {
        let p = try Fixtures.program("ota1-active.bin")
        let key = try #require(p.state.selectedRange.map(ScanKey.init))
        #expect(key.range == 0x210000..<0x310000)
        // Python: hex(zlib.crc32(open("Samples/ota1-active.bin", "rb").read()[0x210000:0x310000]))
        #expect(p.state.scans[key]?.crc32 == 0x45A4_4147)
        // Moving around inside the partition asks for nothing (on a copy of the state; no edits here).
        var s = p.state
        for k in [Key.tab, .tab, .tab, .down, .down, .pageDown, .right] {
            let effects = update(&s, .key(k))
            #expect(!effects.contains { if case .scan = $0 { true } else { false } }, "\(k) asked for a scan")
        }
        // An edit elsewhere (a byte of nvs) keeps it.
        p.press(.char("g")); p.type("nvs"); p.press(.enter, .char("e")); p.type("41"); p.press(.escape)
        #expect(p.state.document.u8(at: 0x9000) == 0x41)
        #expect(p.state.scans[key]?.crc32 == 0x45A4_4147, "an edit outside ota_1 kept its CRC")
        // An edit inside drops it. `send` runs no deferred scan, so the drop is visible.
        p.press(.char("g")); p.type("ota_1+0x100"); p.press(.enter, .char("e"))
        #expect(p.state.selectedRange == key.range)
        p.send(.key(.char("4")))
        p.send(.key(.char("1")))
        #expect(p.state.document.u8(at: 0x210100) == 0x41)
        #expect(p.state.scans[key] == nil, "the edit dropped the cached CRC")
        p.send(.key(.escape))
        // The hex pane is showing: nothing needs the CRC until the integrity pane is shown.
        #expect(!p.deferred.contains(key))
        p.send(.key(.tab))
        #expect(p.state.lowerPane == .integrity)
        #expect(p.deferred.contains(key))
        p.settle()
        // The same with byte 0x210100 set to 0x41 (was 0x00).
        #expect(p.state.scans[key]?.crc32 == 0x48AF_A07A)
    }

    // MARK: Run loop

    @Test("the run loop over a memory terminal: draws, quits on q, ends with 128+n on a signal")
    func runLoopMemory() throws {
        let p = try Fixtures.program("ota1-active.bin")
        let t = MemoryTerminal(width: 80, height: 24, script: [.event(.key(.down)), .resize(width: 120, height: 40), .event(.key(.char("q")))])
        #expect(runLoop(t, p) == 0)
        #expect(t.frames.count >= 3)
        #expect(t.lastFrame?.width == 120)

        let p2 = try Fixtures.program("ota1-active.bin")
        let t2 = MemoryTerminal(script: [.event(.key(.char("j"))), .signal(SIGHUP)])
        #expect(runLoop(t2, p2) == 128 + SIGHUP)
    }
}
