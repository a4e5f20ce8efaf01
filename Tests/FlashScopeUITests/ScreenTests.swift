import Testing
import FlashFormats
import FlashModel
import FlashScopeUI
import ScreenKit

/// Golden screens: whole frames at 80×24 and 120×40, reached through the same update function
/// and key table as the real app. Colour-free text; roles are checked separately.
@Suite("Golden screens")
struct ScreenTests {
    static let sizes = [(80, 24), (120, 40)]

    @Test("fresh image: otadata erased, factory boots", arguments: sizes)
    func fresh(size: (Int, Int)) throws {
        let p = try Fixtures.program("fresh-two-ota.bin", width: size.0, height: size.1)
        assertSnapshot(p.screen, named: "fresh-\(size.0)x\(size.1)")
    }

    @Test("ota_1 active: sector 0 seq 2", arguments: sizes)
    func otaActive(size: (Int, Int)) throws {
        let p = try Fixtures.program("ota1-active.bin", width: size.0, height: size.1)
        assertSnapshot(p.screen, named: "ota1-active-\(size.0)x\(size.1)")
    }

    @Test("corrupt CRC: sector 0 ignored, OTA pane focused on it", arguments: sizes)
    func corruptCRC(size: (Int, Int)) throws {
        let p = try Fixtures.program("otadata-crc-corrupt.bin", width: size.0, height: size.1)
        p.press(.tab, .left)
        assertSnapshot(p.screen, named: "crc-corrupt-\(size.0)x\(size.1)")
    }

    @Test("rollback pending, with the rollback setting turned on", arguments: sizes)
    func rollbackPending(size: (Int, Int)) throws {
        let p = try Fixtures.program("rollback-pending.bin", width: size.0, height: size.1)
        p.press(.char("r"))
        assertSnapshot(p.screen, named: "rollback-pending-\(size.0)x\(size.1)")
    }

    @Test("staged into ota_0, not committed", arguments: sizes)
    func staged(size: (Int, Int)) throws {
        let dir = Fixtures.tempDirectory()
        defer { Fixtures.remove(dir) }
        Fixtures.write(Fixtures.bytes("app-2.1.0.bin"), to: "\(dir)/app-2.1.0.bin")
        let p = try Fixtures.program("ota1-active.bin", width: size.0, height: size.1)
        p.press(.up, .char("s"))
        p.type("\(dir)/app-2.1.0.bin")
        p.press(.enter)
        p.press(.enter)
        assertSnapshot(p.screen, named: "staged-\(size.0)x\(size.1)")
    }

    @Test("terminal too small", arguments: [(39, 20), (80, 11)])
    func tooSmall(size: (Int, Int)) throws {
        let p = try Fixtures.program("ota1-active.bin", width: size.0, height: size.1)
        assertSnapshot(p.screen, named: "too-small-\(size.0)x\(size.1)")
    }

    @Test("40×12: one pane at a time (partitions, then the OTA pane after Tab)")
    func tiny() throws {
        let p = try Fixtures.program("ota1-active.bin", width: 40, height: 12)
        assertSnapshot(p.screen, named: "tiny-partitions-40x12")
        p.press(.tab)
        assertSnapshot(p.screen, named: "tiny-otadata-40x12")
    }

    @Test("commit preview for ota_0")
    func commitPreview() throws {
        let p = try Fixtures.program("ota1-active.bin")
        p.press(.up, .char("c"))
        assertSnapshot(p.screen, named: "commit-preview-80x24")
    }

    @Test("hex pane on the corrupt otadata")
    func hexOnOtadata() throws {
        let p = try Fixtures.program("otadata-crc-corrupt.bin")
        p.press(.char("g"))
        p.type("otadata")
        p.press(.enter)
        assertSnapshot(p.screen, named: "hex-otadata-80x24")
    }

    @Test("help screen")
    func help() throws {
        let p = try Fixtures.program("ota1-active.bin")
        p.press(.char("?"))
        assertSnapshot(p.screen, named: "help-80x24")
    }

    @Test("ASCII glyphs")
    func ascii() throws {
        let p = try Fixtures.program("ota1-active.bin", glyphs: .ascii)
        assertSnapshot(p.screen, named: "ascii-80x24")
    }
}
