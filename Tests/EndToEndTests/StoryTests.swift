#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import TestSupport
import FlashModel

/// The real binary in a real terminal (tmux): the stories a user would recognise.
@Suite("End to end in tmux", .serialized, .enabled(if: Tmux.shouldRun, "tmux is not installed (set CI=1 to make this a failure)"))
struct StoryTests {
    let sample = Paths.root + "/Samples/ota1-active.bin"
    let app = Paths.root + "/Samples/app-2.1.0.bin"

    /// A copy of a sample in a fresh directory.
    func copy(_ path: String) throws -> (dir: String, file: String, bytes: [UInt8]) {
        let dir = Paths.tempDirectory()
        let bytes = try #require(Paths.read(path), "cannot read \(path)")
        let file = dir + "/device.bin"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return (dir, file, bytes)
    }

    @Test("open a sample, select ota_0, stage app-2.1.0, commit, save as a new file, quit")
    func stageCommitSave() throws {
        let (dir, input, original) = try copy(sample)
        defer { _ = shell("rm -rf \(quote(dir))") }
        let t = try Tmux("\(quote(Paths.binary)) tui device.bin", directory: dir)
        defer { t.kill() }

        try #require(t.waitFor("Partitions"))
        #expect(t.screen().contains { $0.contains("boots ota_1") })
        t.press("k")
        try #require(t.waitFor("ota_0 · app ota_0"))

        t.press("s")
        try #require(t.waitFor("Stage app image into ota_0"))
        t.type(app)
        t.press("Enter")
        try #require(t.waitFor("Checks (esp_ota_end"))
        #expect(!t.lastScreen.contains { $0.contains("✗") }, "every stage check passes")
        t.press("Enter")
        try #require(t.waitFor("staged app-2.1.0.bin into ota_0"))

        t.press("c")
        try #require(t.waitFor("Commit: boot ota_0 next"))
        #expect(t.lastScreen.contains { $0.contains("ffffffff → 3") })
        t.press("Enter")
        try #require(t.waitFor("committed: boots ota_0 next"))
        try #require(t.waitFor("boots ota_0 · sector 1, seq 3 → (3−1) mod 2 = 0"))

        t.press("w")
        try #require(t.waitFor("Save as:"))
        t.press("C-u")
        t.type("saved.bin")
        t.press("Enter")
        try #require(t.waitFor("Saved saved.bin"))
        t.press("Enter")
        t.press("q")
        #expect(t.waitForExit() == 0)

        let info = shell("\(quote(Paths.binary)) info --json \(quote(dir + "/saved.bin"))")
        #expect(info.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(info.output.utf8)) as? [String: Any]
        let boot = json?["boot"] as? [String: Any]
        #expect(boot?["selected"] as? String == "ota_0")
        #expect(Paths.read(input) == original, "the input file is unchanged")
    }

    @Test("Ctrl-C restores the terminal")
    func ctrlCRestoresTerminal() throws {
        let (dir, _, _) = try copy(sample)
        defer { _ = shell("rm -rf \(quote(dir))") }
        let script = "trap : INT; \(quote(Paths.binary)) tui device.bin; echo $? > status; stty -a > stty.txt"
        let t = try Tmux("sh -c \(quote(script))", directory: dir)
        defer { t.kill() }
        try #require(t.waitFor("Partitions"))
        t.press("C-c")
        #expect(t.waitForExit() == 0)
        let stty = String(decoding: try #require(Paths.read(dir + "/stty.txt")), as: UTF8.self)
        let words = stty.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" }).map(String.init)
        #expect(words.contains("icanon"), "icanon restored:\n\(stty)")
        #expect(words.contains("echo"), "echo restored:\n\(stty)")
        #expect(!words.contains("-icanon") && !words.contains("-echo"))
        let status = String(decoding: try #require(Paths.read(dir + "/status")), as: UTF8.self)
        #expect(status.trimmingCharacters(in: .whitespacesAndNewlines) == "130")
    }

    @Test("SIGTERM and SIGHUP restore the terminal too", arguments: [SIGTERM, SIGHUP])
    func signalRestoresTerminal(signal: Int32) throws {
        let (dir, _, _) = try copy(sample)
        defer { _ = shell("rm -rf \(quote(dir))") }
        // The inner shell records its pid and becomes flashscope (a background job would get
        // /dev/null as its input, not the terminal).
        let inner = "echo $$ > pid; exec \(quote(Paths.binary)) tui device.bin"
        let script = "sh -c \(quote(inner)); echo $? > status; stty -a > stty.txt"
        let t = try Tmux("sh -c \(quote(script))", directory: dir)
        defer { t.kill() }
        try #require(t.waitFor("Partitions"))
        let pid = try #require(Paths.read(dir + "/pid").flatMap { Int32(String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) })
        Glibc.kill(pid, signal)
        #expect(t.waitForExit() == 0)
        let stty = String(decoding: try #require(Paths.read(dir + "/stty.txt")), as: UTF8.self)
        let words = stty.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" }).map(String.init)
        #expect(words.contains("icanon") && words.contains("echo"), "restored:\n\(stty)")
        let status = String(decoding: try #require(Paths.read(dir + "/status")), as: UTF8.self)
        #expect(status.trimmingCharacters(in: .whitespacesAndNewlines) == String(128 + signal))
    }

    @Test("resize to one pane at a time (60×20), below 40×12, and back")
    func resize() throws {
        let (dir, _, _) = try copy(sample)
        defer { _ = shell("rm -rf \(quote(dir))") }
        let t = try Tmux("\(quote(Paths.binary)) tui device.bin", directory: dir)
        defer { t.kill() }
        try #require(t.waitFor("Partitions"))
        shell("tmux -L \(t.socket) resize-window -t 0 -x 60 -y 20")
        try #require(t.waitFor(" Parts "))
        shell("tmux -L \(t.socket) resize-window -t 0 -x 30 -y 10")
        try #require(t.waitFor("Terminal too small"))
        shell("tmux -L \(t.socket) resize-window -t 0 -x 120 -y 40")
        try #require(t.waitFor("Flash map"))
        t.press("q")
        #expect(t.waitForExit() == 0)
    }
}
