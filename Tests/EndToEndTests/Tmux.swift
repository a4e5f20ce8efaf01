#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import TestSupport

/// Runs a command and returns its exit status and standard output (standard error is dropped).
@discardableResult
func shell(_ command: String) -> (status: Int32, output: String) {
    guard let pipe = popen(command + " 2>/dev/null", "r") else { return (-1, "") }
    var data = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = fread(&buffer, 1, buffer.count, pipe)
        if n <= 0 { break }
        data += buffer[0..<n]
    }
    let status = pclose(pipe)
    return ((status >> 8) & 0xFF, String(decoding: data, as: UTF8.self))
}

func quote(_ s: String) -> String {
    "'" + s.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
}

/// Where things are: the built binary, the repository, scratch directories.
enum Paths {
    /// The package root.
    static let root = FlashScopeBinary.packageRoot

    /// The built binary (see `FlashScopeBinary.path`).
    static let binary = FlashScopeBinary.path

    static func tempDirectory() -> String {
        var template = Array("/tmp/flashscope-e2e-XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        return String(cString: p!)
    }

    static func read(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }
}

/// A tmux server of its own (`tmux -L fs-<uuid>`) with one window running a command: keys in,
/// screen text out, polling instead of sleeping (fzf's test harness).
final class Tmux {
    static var available: Bool { shell("command -v tmux").status == 0 }
    /// CI must fail, not skip, when tmux is missing.
    static var required: Bool { (ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty == false }
    static var shouldRun: Bool { available || required }

    let socket = "fs-" + UUID().uuidString.lowercased()
    let configPath: String
    /// Where the wrapper shell writes the command's exit status (tmux 3.3's #{pane_dead_status}
    /// is sometimes left empty, so it cannot be relied on).
    let statusPath: String
    private(set) var lastScreen: [String] = []

    /// Starts `command` in a `width`×`height` window (no status line) in `directory`.
    init(_ command: String, width: Int = 80, height: Int = 24, directory: String, environment: [String: String] = [:]) throws {
        guard Tmux.available else {
            throw TmuxError("tmux is not installed (CI installs it; install it with apt-get install tmux)")
        }
        let scratch = Paths.tempDirectory()
        configPath = scratch + "/tmux.conf"
        statusPath = scratch + "/exit-status"
        // The pane stays after the command ends, so its status and last screen can be read.
        try "set -g status off\nset -g remain-on-exit on\nset -g escape-time 10\n".write(toFile: configPath, atomically: true, encoding: .utf8)
        var env = ["TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"]
        for (k, v) in environment { env[k] = v }
        let envArgs = env.sorted { $0.key < $1.key }.map { "-e \(quote("\($0.key)=\($0.value)"))" }.joined(separator: " ")
        // `trap : INT` keeps the wrapper alive through Ctrl-C so that it records the status.
        let wrapped = "sh -c \(quote("trap : INT; \(command); echo $? > \(quote(statusPath))"))"
        let r = shell("tmux -L \(socket) -f \(quote(configPath)) new-session -d -x \(width) -y \(height) -c \(quote(directory)) \(envArgs) \(quote(wrapped))")
        guard r.status == 0 else { throw TmuxError("tmux new-session failed (\(r.status))") }
    }

    deinit { kill() }

    func kill() {
        shell("tmux -L \(socket) kill-server")
        let dir = String(configPath.dropLast("/tmux.conf".count))
        if dir.hasPrefix("/tmp/flashscope-e2e-") { shell("rm -rf \(quote(dir))") }
    }

    /// Presses keys by tmux name ("Enter", "Escape", "C-c", "Up", "q").
    func press(_ keys: String...) {
        shell("tmux -L \(socket) send-keys -t 0 " + keys.map(quote).joined(separator: " "))
    }

    /// Types text literally.
    func type(_ text: String) {
        shell("tmux -L \(socket) send-keys -t 0 -l \(quote(text))")
    }

    /// The screen as lines, trailing spaces removed.
    func screen() -> [String] {
        let out = shell("tmux -L \(socket) capture-pane -p -t 0").output
        var lines = out.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var l = String(line)
            while l.last == " " { l.removeLast() }
            return l
        }
        while lines.last == "" { lines.removeLast() }
        lastScreen = lines
        return lastScreen
    }

    /// The command's exit status once it has ended.
    func exitStatus() -> Int32? {
        guard let b = Paths.read(statusPath), let s = Int32(String(decoding: b, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            return nil
        }
        return s
    }

    /// Polls every 50 ms until `condition` holds for the screen; on timeout records an issue with
    /// the last screen between markers and returns false.
    @discardableResult
    func waitFor(_ what: String, timeout: Double = 20, sourceLocation: SourceLocation = #_sourceLocation,
                 _ condition: ([String]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(screen()) { return true }
            usleep(50_000)
        }
        Issue.record("timed out after \(timeout) s waiting for \(what); last screen:\n>>>>\n\(screen().joined(separator: "\n"))\n<<<<",
                     sourceLocation: sourceLocation)
        return false
    }

    /// Waits until `text` appears anywhere on the screen.
    @discardableResult
    func waitFor(_ text: String, timeout: Double = 20, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        waitFor("\"\(text)\"", timeout: timeout, sourceLocation: sourceLocation) { $0.contains { $0.contains(text) } }
    }

    /// Waits until the command has ended; its exit status.
    func waitForExit(timeout: Double = 20, sourceLocation: SourceLocation = #_sourceLocation) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let s = exitStatus() { return s }
            usleep(50_000)
        }
        Issue.record("timed out waiting for the program to end; last screen:\n>>>>\n\(screen().joined(separator: "\n"))\n<<<<",
                     sourceLocation: sourceLocation)
        return nil
    }
}

struct TmuxError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
