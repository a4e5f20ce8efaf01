#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import FlashModel
import TestSupport

/// Runs the built `flashscope` with posix_spawn: exit status or signal, both streams, peak memory
/// (wait4's rusage) and wall time, with a hard timeout. Unlike `system()`, nothing goes through a shell.
enum Spawn {
    struct Result {
        let status: Int32?       // exit status, nil when killed by a signal
        let signal: Int32?
        let timedOut: Bool
        let stdout: String
        let stderr: String
        let maxRSSKiB: Int
        let seconds: Double
        var stderrLines: [Substring] { stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast() }
    }

    static var isRoot: Bool { geteuid() == 0 }

    /// A copy of the binary that nobody can execute wherever the checkout lives (a clone under a
    /// private home directory is not traversable by other users). Its libraries are found through the
    /// absolute Swift runtime path in its RUNPATH.
    static let nobodyBinary: String = {
        precondition(access("/usr/bin/setpriv", X_OK) == 0, "running as root: the unreadable-file and read-only-directory rows need setpriv (util-linux) to drop root")
        let dir = nobodyDir()
        mkdir(dir, 0o755)
        chmod(dir, 0o755)
        let copy = dir + "/flashscope"
        if link(FlashScopeBinary.path, copy) != 0 {   // another file system: copy instead
            try! AtomicFile.write(try! MappedFile(path: FlashScopeBinary.path), to: copy, overwrite: true)
        }
        chmod(copy, 0o755)
        atexit { Spawn.removeDir(Spawn.nobodyDir()) }
        return copy
    }()

    static func nobodyDir() -> String { "/tmp/flashscope-cli-bin-\(getpid())" }

    /// - Parameters:
    ///   - asNobody: run as uid/gid 65534 (root ignores file modes; this is how a mode-000 file or a
    ///     read-only directory is tested while the suite runs as root). Ignored when not root.
    ///   - measureMemory: report the binary's own peak RSS. wait4's figure is useless here: exec keeps
    ///     the high-water mark of the memory it replaces, and a child spawned from this (large) test
    ///     process starts with this process's. So a small python3 forks the binary and reports
    ///     RUSAGE_CHILDREN, whose only child started from python's small image.
    static func run(_ args: [String], env: [String: String] = [:], asNobody: Bool = false, timeout: Double = 120,
                    measureMemory: Bool = false, binary: String = FlashScopeBinary.path) -> Result {
        var argv = [binary] + args
        if asNobody && isRoot {
            argv = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", nobodyBinary] + args
        }
        let dir = tempDir()
        defer { removeDir(dir) }
        var env = env
        if measureMemory {
            env["FLASHSCOPE_TEST_RSS"] = dir + "/rss"
            argv = ["/usr/bin/env", "python3", "-c", """
                import os, resource, sys
                pid = os.fork()
                if pid == 0:
                    os.execv(sys.argv[1], sys.argv[1:])
                _, st = os.waitpid(pid, 0)
                open(os.environ['FLASHSCOPE_TEST_RSS'], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
                sys.exit(os.waitstatus_to_exitcode(st) if os.WIFEXITED(st) else 128 + os.WTERMSIG(st))
                """] + argv
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, dir + "/out", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, dir + "/err", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        for (k, v) in env { environment[k] = v }
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }
        var pid: pid_t = 0
        let start = Date()
        let rc = posix_spawn(&pid, argv[0], &actions, nil, cArgs, cEnv)
        precondition(rc == 0, "posix_spawn \(argv[0]): \(String(cString: strerror(rc)))")
        var status: Int32 = 0
        var usage = rusage()
        var timedOut = false
        while true {
            let r = wait4(pid, &status, WNOHANG, &usage)
            if r == pid { break }
            if r < 0 && errno != EINTR { break }
            if Date().timeIntervalSince(start) > timeout && !timedOut { timedOut = true; kill(pid, SIGKILL) }
            usleep(1000)
        }
        let seconds = Date().timeIntervalSince(start)
        let sig = status & 0x7F
        let rss = measureMemory ? Int(read(dir + "/rss")) ?? Int.max : usage.ru_maxrss
        return Result(status: sig == 0 ? (status >> 8) & 0xFF : nil, signal: sig == 0 ? nil : sig, timedOut: timedOut,
                      stdout: read(dir + "/out"), stderr: read(dir + "/err"), maxRSSKiB: rss, seconds: seconds)
    }

    static func read(_ path: String) -> String {
        guard let f = try? MappedFile(path: path) else { return "" }
        return String(decoding: f.bytes(0..<f.count), as: UTF8.self)
    }

    /// A temporary directory that other users may traverse (for the runs as nobody).
    static func tempDir() -> String {
        var template = Array("/tmp/flashscope-cli-XXXXXX".utf8CString)
        let p = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
        chmod(p, 0o755)
        return p
    }

    static func removeDir(_ path: String) {
        guard path.hasPrefix("/tmp/flashscope-cli-") else { return }
        _ = system("chmod -R u+rwx '\(path)' 2>/dev/null; rm -rf '\(path)'")
    }

    static func entries(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }
}
