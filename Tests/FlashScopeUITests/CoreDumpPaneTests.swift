import Testing
import FlashFormats
import FlashModel
@testable import FlashScopeUI
import ScreenKit

/// The coredump partition in the TUI: the sentence first, the backtrace, Enter on a frame shows its stack bytes.
@Suite("Core dump pane")
struct CoreDumpPaneTests {
    static func program(width: Int = 80, height: Int = 24) throws -> Program {
        let fb = FlashImageBuilder.withCoreDump(CoreDumpBuilder.esp32Sample().partition(),
                                                apps: [("ota_1", FlashImageBuilder.sampleCrashedELFSHA256)])
        let doc = FlashDocument(bytes: fb.bytes())
        let state = try AppState(document: doc, displayName: "crash.bin", inputPath: nil, settings: OTASettings(),
                                 glyphs: .unicode, width: width, height: height)
        let p = Program(state: state)
        p.settle([.resize(width: width, height: height)])
        return p
    }

    @Test("the detail pane leads with one sentence; frames and tasks follow")
    func sentenceFirst() throws {
        let p = try Self.program()
        p.press(.end)   // the coredump partition is the last row
        #expect(p.state.selectedPartition?.name == "coredump")
        let lines = p.screen.lines()
        let detailTop = try #require(lines.firstIndex { $0.contains("Detail") })
        #expect(lines[detailTop + 1].contains("ota_1 crashed: StoreProhibited at 0x4008110d in task main, 9 frames"))
        let all = DetailPane.lines(p.state, width: 200).map { $0.map(\.text).joined() }
        #expect(all.first == "ota_1 crashed: StoreProhibited at 0x4008110d in task main, 9 frames")
        #expect(all.contains { $0.contains("#8 40085910") })
        #expect(all.contains { $0.contains("IDLE0") && $0.contains("3ffafcf8") })
        // The partitions pane names the crash in its content cell (wide layout).
        let wide = try Self.program(width: 160, height: 48)
        #expect(wide.screen.lines().contains { $0.contains("coredump") && $0.contains("core dump: StoreProhibited") })
    }

    @Test("↓ picks a frame and Enter puts the hex cursor on its stack bytes")
    func enterJumpsToStack() throws {
        let p = try Self.program()
        p.press(.end)
        while p.state.focus != .detail { p.press(.tab) }
        p.press(.down, .down)
        #expect(p.state.coreDumpFrame == 2)
        p.press(.enter)
        let f = try #require(p.state.layout.coreDump)
        let want = try #require(f.dump.backtrace[2].stackOffset)
        #expect(p.state.hex.cursor == want)
        #expect(p.state.focus == .hex)
        // The bytes there are the caller's a0 and a1: a1 is frame 3's SP.
        #expect(p.state.document.u32(at: want + 4) == f.dump.backtrace[3].sp)
        // Past the last frame the selection stays on it.
        while p.state.focus != .detail { p.press(.tab) }
        for _ in 0..<20 { p.press(.down) }
        #expect(p.state.coreDumpFrame == 8)
    }
}
