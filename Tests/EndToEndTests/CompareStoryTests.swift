import Foundation
import Testing
import TestSupport

/// Compare mode in a real terminal: two samples made by `flashscope make-samples` (the project's encoders),
/// opened with `--compare`, then B closed and opened again with `o`.
@Suite("Compare mode in tmux", .serialized, .enabled(if: Tmux.shouldRun, "tmux is not installed (set CI=1 to make this a failure)"))
struct CompareStoryTests {
    @Test("A --compare B: changed partitions marked, both boot lines, n goes to the first difference, O and o")
    func compareStory() throws {
        let dir = Paths.tempDirectory()
        defer { _ = shell("rm -rf \(quote(dir))") }
        #expect(shell("\(quote(Paths.binary)) make-samples \(quote(dir))").status == 0)
        let a = try #require(Paths.read(dir + "/fresh-two-ota.bin"))
        let b = try #require(Paths.read(dir + "/ota1-active.bin"))
        let first = try #require(a.indices.first { $0 < b.count && a[$0] != b[$0] }, "the samples differ")
        let hexFirst = "0x" + String(first, radix: 16).leftPadded(to: 8)

        let t = try Tmux("\(quote(Paths.binary)) fresh-two-ota.bin --compare ota1-active.bin", directory: dir)
        defer { t.kill() }
        try #require(t.waitFor("3 differ from B"))
        let screen = t.screen()
        #expect(screen[0].contains("fresh-two-ota.bin vs ota1-active.bin"))
        #expect(screen[1].contains("A ▶ boots factory"), "A's boot line: \(screen[1])")
        #expect(screen[1].contains("B ▶ boots ota_1"), "B's boot line: \(screen[1])")
        func row(_ name: String) -> String? { t.lastScreen.first { $0.contains(" \(name) ") && $0.contains(" 0x") } }
        #expect(row("otadata")?.contains("≠") == true, "otadata marked: \(row("otadata") ?? "-")")
        #expect(row("ota_1")?.contains("≠") == true)
        #expect(row("factory")?.contains("= same") == true)

        // From the start of the image, n goes to the first differing byte.
        t.press("g")
        try #require(t.waitFor("Go to offset"))
        t.type("0")
        t.press("Enter")
        t.press("n")
        try #require(t.waitFor("difference at \(hexFirst)"))
        #expect(t.screen().contains { $0.contains("\(hexFirst) · otadata+0x0") }, "the hex position shows the cursor there")
        #expect(t.lastScreen.contains { $0.contains("       B ≠") }, "B's row under A's, the differing byte marked")

        // Leave compare mode, then come back with o and the path prompt (Tab completes the name).
        t.press("O")
        try #require(t.waitFor("comparison with ota1-active.bin closed"))
        #expect(!t.screen()[0].contains(" vs "))
        t.press("o")
        try #require(t.waitFor("Compare with file:"))
        t.type("ota1-a")
        t.press("Tab")
        try #require(t.waitFor("ota1-active.bin"))
        t.press("Enter")
        try #require(t.waitFor("3 differ from B"))
        // An unreadable B: one line in the status row, the comparison open stays.
        t.press("o")
        try #require(t.waitFor("Compare with file:"))
        t.type("no-such.bin")
        t.press("Enter")
        try #require(t.waitFor("cannot compare with no-such.bin"))
        #expect(t.screen()[0].contains("vs ota1-active.bin"))
        t.press("q")
        #expect(t.waitForExit() == 0)
    }
}

private extension String {
    func leftPadded(to n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}
