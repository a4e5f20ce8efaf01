import Foundation
import Testing
import TestSupport
import FlashModel

/// The NVS pane in a real terminal (tmux, its own server socket): a dump whose nvs partition the
/// project's NVSBuilder wrote (SampleImages.nvsDemo), filtered for a key, a blob in full, every entry.
@Suite("NVS pane in tmux", .serialized, .enabled(if: Tmux.shouldRun, "tmux is not installed (set CI=1 to make this a failure)"))
struct NVSStoryTests {
    @Test("open the NVS pane, filter for a key, Enter on a blob, toggle to every entry, mark the slots in hex, quit")
    func nvsPaneStory() throws {
        let dir = Paths.tempDirectory()
        defer { _ = shell("rm -rf \(quote(dir))") }
        let bytes = try SampleImages.nvsDemo().bytes
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/device.bin"))
        let t = try Tmux("\(quote(Paths.binary)) tui device.bin", directory: dir)
        defer { t.kill() }

        try #require(t.waitFor("Partitions"))
        t.press("Home")
        try #require(t.waitFor("nvs · data nvs"))
        t.press("t")
        try #require(t.waitFor("what the app reads: 8 keys"))
        #expect(t.lastScreen.contains { $0.contains("ssid") && $0.contains("\"FlashScope-Lab\"") })

        t.press("/")
        try #require(t.waitFor("Filter NVS keys and namespaces:"))
        t.type("phy")
        t.press("Enter")
        try #require(t.waitFor("filter phy 1 match"))
        #expect(!t.lastScreen.contains { $0.contains("ssid") })

        t.press("Enter")
        // Each line is waited for: the box may be caught half drawn on a loaded machine.
        try #require(t.waitFor("cal / phy_cal"))
        #expect(t.waitFor("200 bytes"))
        #expect(t.waitFor("0000  0b 30 55 7a"))
        t.press("Escape")
        try #require(t.waitFor("what the app reads: 8 keys"))

        t.press("a")
        try #require(t.waitFor("every entry on flash:"))
        #expect(t.lastScreen.contains { $0.contains("phy_cal") && $0.contains("blob_index") && $0.contains("written") })
        t.press("/")
        try #require(t.waitFor("Filter NVS keys and namespaces:"))
        t.press("C-u")
        t.type("boot")
        t.press("Enter")
        try #require(t.waitFor("filter boot 2 match"))
        #expect(t.waitFor("written"))
        let rows = t.lastScreen.filter { $0.contains("boot_count") }
        #expect(rows.count == 2)
        #expect(rows.first?.contains("erased") == true)
        #expect(rows.last?.contains("written") == true)

        t.press("h")
        try #require(t.waitFor("coloured by field"))
        #expect(t.lastScreen.contains { $0.contains("nvs+0x") })
        t.press("q")
        #expect(t.waitForExit() == 0)
    }
}
