#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import TestSupport
import FlashModel

/// The real binary in tmux under what users do by accident: a file truncated under it, a cat on
/// the keyboard.
@Suite("End to end: never crash, never hang", .serialized, .enabled(if: Tmux.shouldRun, "tmux is not installed (set CI=1 to make this a failure)"))
struct RobustStoryTests {
    let sample = Paths.root + "/Samples/ota1-active.bin"

    func copy(_ path: String) throws -> (dir: String, file: String) {
        let dir = Paths.tempDirectory()
        let bytes = try #require(Paths.read(path), "cannot read \(path)")
        let file = dir + "/device.bin"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return (dir, file)
    }

    func sttyWords(_ dir: String) throws -> [String] {
        let stty = String(decoding: try #require(Paths.read(dir + "/stty.txt")), as: UTF8.self)
        return stty.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" }).map(String.init)
    }

    @Test("11: the file truncated while open: a clear message, the terminal restored, exit 75")
    func truncatedWhileOpen() throws {
        let (dir, file) = try copy(sample)
        defer { _ = shell("rm -rf \(quote(dir))") }
        let script = "\(quote(Paths.binary)) tui device.bin 2> err.txt; echo $? > status; stty -a > stty.txt"
        let t = try Tmux("sh -c \(quote(script))", directory: dir)
        defer { t.kill() }
        try #require(t.waitFor("Partitions"))
        #expect(truncate(file, 0x1000) == 0)
        // Any redraw shows bytes the file no longer has (the hex pane sits on ota_1, far past 0x1000).
        t.press("j")
        #expect(t.waitForExit() == 0)
        let status = String(decoding: try #require(Paths.read(dir + "/status")), as: UTF8.self)
        #expect(status.trimmingCharacters(in: .whitespacesAndNewlines) == "75")
        let err = String(decoding: try #require(Paths.read(dir + "/err.txt")), as: UTF8.self)
        #expect(err.hasPrefix("flashscope: error: "), "stderr: \(err)")
        #expect(err.contains("shrank on disk while it was open"), "stderr: \(err)")
        let words = try sttyWords(dir)
        #expect(words.contains("icanon") && words.contains("echo") && !words.contains("-icanon"), "restored: \(words)")
    }

    @Test("random keys for a few seconds: still alive, then q (and y at the quit guard) restores the terminal")
    func monkeyAtTheKeyboard() throws {
        let (dir, _) = try copy(sample)
        defer { _ = shell("rm -rf \(quote(dir))") }
        let script = "\(quote(Paths.binary)) tui device.bin; echo $? > status; stty -a > stty.txt"
        let t = try Tmux("sh -c \(quote(script))", directory: dir)
        defer { t.kill() }
        try #require(t.waitFor("Partitions"))
        // Everything but q and Ctrl-C (the only quit keys): letters, digits, arrows, Enter, Esc, Tab, F, /, g.
        let keys = ["j", "k", "h", "l", "Tab", "BTab", "Enter", "Escape", "Up", "Down", "Left", "Right", "PageUp", "PageDown",
                    "Home", "End", "s", "c", "v", "x", "b", "E", "D", "r", "i", "u", "U", "g", "e", "f", "F", "?", "w",
                    "0", "1", "7", "a", "/", "n", "N", "y", "BSpace", "C-u", "C-l", "Space", "z", "9"]
        var lcg: UInt64 = 0x10   // a fixed seed: the same keys every run
        let start = Date()
        var sent = 0
        while Date().timeIntervalSince(start) < 4 {
            var batch: [String] = []
            for _ in 0..<4 {
                lcg = lcg &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                batch.append(keys[Int((lcg >> 33) % UInt64(keys.count))])
            }
            shell("tmux -L \(t.socket) send-keys -t 0 " + batch.map { quote($0) }.joined(separator: " "))
            sent += batch.count
            usleep(40_000)
        }
        #expect(sent > 100)
        // Alive: the pane still runs flashscope and answers a redraw.
        #expect(t.exitStatus() == nil, "flashscope exited while keys were typed")
        // Let it work through what was typed: the screen stops changing.
        var previous: [String] = []
        for _ in 0..<60 {
            let now = t.screen()
            if now == previous { break }
            previous = now
            usleep(500_000)
        }
        #expect(t.exitStatus() == nil, "flashscope exited while working through the keys")
        // Leave whatever is open, then quit (y discards edits at the quit guard).
        // (Escape needs a pause after it, or the terminal reads it with the next key as Alt+key.)
        for _ in 0..<4 { t.press("Escape"); usleep(150_000) }
        t.press("C-u")
        for _ in 0..<3 { t.press("Escape"); usleep(150_000) }
        t.press("q")
        // Clean (nothing edited) it quits at once; with edits, the quit guard asks and y discards them.
        var exit: Int32?
        for _ in 0..<40 where exit == nil { exit = t.exitStatus(); if exit == nil { usleep(50_000) } }
        if exit == nil {
            #expect(t.screen().contains { $0.contains("Quit FlashScope?") }, "q neither quit nor asked:\n\(t.lastScreen.joined(separator: "\n"))")
            t.press("y")
            exit = t.waitForExit()
        }
        #expect(exit == 0)
        let status = String(decoding: try #require(Paths.read(dir + "/status")), as: UTF8.self)
        #expect(status.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        let words = try sttyWords(dir)
        #expect(words.contains("icanon") && words.contains("echo") && !words.contains("-echo"), "restored: \(words)")
    }
}
