#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import FlashFormats
import FlashModel

/// Set by SIGINT/SIGTERM while esptool runs: esptool (same process group) is interrupted too, and the
/// command cleans up its temporary files and writes nothing under the final name.
nonisolated(unsafe) var deviceInterrupted: sig_atomic_t = 0
/// The esptool process running now (0: none), for the signal handler to pass the interrupt on to.
nonisolated(unsafe) var deviceChild: pid_t = 0

/// Options every device command shares.
struct DeviceOptions: ParsableArguments {
    @Option(help: "Serial port of the device (/dev/ttyUSB0, socket://127.0.0.1:PORT, rfc2217://…).") var port: String
    @Option(help: "Baud rate for esptool (default: esptool's).") var baud: Int?
    @Option(help: "Chip: auto (default), esp32, esp32c3, … (passed to esptool --chip).") var chip: String = "auto"
    @Option(help: "How to run esptool (default: esptool or esptool.py on PATH), e.g. 'python3 -m esptool'.") var esptool: String?

    func validate() throws {
        if chip != "auto" && Chip.named(chip) == nil {
            throw ValidationError("--chip '\(chip)' is not a chip FlashScope knows (auto, esp32, esp32s3, esp32c3, …)")
        }
    }

    func runner() throws -> Esptool {
        let words = esptool.map { $0.split(separator: " ").map(String.init) } ?? []
        if let first = words.first {
            guard Esptool.which(first) != nil else {
                throw CLIError("--esptool '\(esptool!)': \(first) not found; install esptool with `pip install esptool`", code: CLIError.Code.unavailable)
            }
            return Esptool(command: words, port: port, baud: baud, chip: chip)
        }
        for name in ["esptool", "esptool.py"] where Esptool.which(name) != nil {
            return Esptool(command: [name], port: port, baud: baud, chip: chip)
        }
        throw CLIError("esptool not found on PATH: install it with `pip install esptool` (or give --esptool CMD)", code: CLIError.Code.unavailable)
    }
}

/// Runs esptool, the transport to the device (FlashScope never speaks the serial protocol itself),
/// with its output passed through as it comes and its progress turned into one bar.
struct Esptool {
    let command: [String]
    let port: String
    let baud: Int?
    let chip: String

    static func which(_ name: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        guard let path = getenv("PATH").map({ String(cString: $0) }) else { return nil }
        for dir in path.split(separator: ":") where access("\(dir)/\(name)", X_OK) == 0 { return "\(dir)/\(name)" }
        return nil
    }

    /// The esptool command line for `args`: connection options first, as esptool wants them.
    func argv(_ args: [String], noStub: Bool = false) -> [String] {
        var a = command + ["--port", port]
        if let baud { a += ["--baud", String(baud)] }
        if chip != "auto" { a += ["--chip", Chip.named(chip).map(Esptool.chipArgument) ?? chip] }
        if noStub { a.append("--no-stub") }
        return a + args
    }

    static func chipArgument(_ c: Chip) -> String { c.name.lowercased().filter { $0 != "-" } }

    /// One printable command line.
    static func line(_ argv: [String]) -> String { argv.map(shellWord).joined(separator: " ") }

    static func shellWord(_ s: String) -> String {
        s.allSatisfy { $0.isLetter || $0.isNumber || "-_./+:=@,".contains($0) } ? s : "'" + s.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }

    struct Run {
        let status: Int32
        let lines: [String]
        var ok: Bool { status == 0 }
    }

    /// Runs esptool with `args`; `progress` gets each fraction it reports. Lines that are not progress
    /// are shown as they come when `echo` is set (esptool's own errors are never swallowed).
    func run(_ args: [String], noStub: Bool = false, echo: Bool = true, progress: ((Double) -> Void)? = nil) throws -> Run {
        let av = argv(args, noStub: noStub)
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw CLIError("cannot create a pipe: \(String(cString: strerror(errno)))", code: CLIError.Code.io) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var pid: pid_t = 0
        let cargs = av.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        // Progress bars of rich/tqdm go to a pipe as lines; keep Python's output unbuffered.
        setenv("PYTHONUNBUFFERED", "1", 1)
        let rc = posix_spawnp(&pid, av[0], &actions, nil, cargs, environ)
        close(fds[1])
        deviceChild = rc == 0 ? pid : 0
        defer { deviceChild = 0 }
        guard rc == 0 else {
            close(fds[0])
            throw CLIError("cannot run \(av[0]): \(String(cString: strerror(rc))); install esptool with `pip install esptool`", code: CLIError.Code.unavailable)
        }
        var lines: [String] = []
        var pending: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        func emit(_ bytes: [UInt8]) {
            let line = String(decoding: bytes, as: UTF8.self)
            if let p = EsptoolOutput.progress(line) { progress?(p); return }
            lines.append(line)
            if lines.count > 400 { lines.removeFirst(100) }
            if echo && !line.trimmingSpaces().isEmpty { ProgressBar.clear(); writeStderr("  esptool: \(line.terminalSafe)\n") }
        }
        while true {
            let n = buf.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            for b in buf[0..<n] {
                if b == 0x0A || b == 0x0D { if !pending.isEmpty { emit(pending); pending.removeAll() } } else { pending.append(b) }
            }
        }
        if !pending.isEmpty { emit(pending) }
        close(fds[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code: Int32 = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Run(status: code, lines: lines)
    }

    /// The chip and flash size on the port (`esptool flash-id`).
    func deviceInfo() throws -> DeviceInfo {
        let r = try run(["flash-id"], echo: false)
        try check(r, "flash-id")
        return EsptoolOutput.deviceInfo(r.lines)
    }

    /// Stops with esptool's own words when it failed.
    func check(_ r: Run, _ what: String) throws {
        if deviceInterrupted != 0 { throw CLIError("interrupted during esptool \(what)", code: 130) }
        guard !r.ok else { return }
        for l in r.lines.suffix(6) where !l.trimmingSpaces().isEmpty { writeStderr("  esptool: \(l.terminalSafe)\n") }
        throw CLIError("esptool \(what) failed (exit \(r.status))" + (EsptoolOutput.failure(r.lines).map { ": \($0)" } ?? ""),
                       code: CLIError.Code.unavailable)
    }

    /// True when this esptool's write-flash has --diff-with (esptool 5.1 and later).
    func hasDiffWith() -> Bool {
        (try? run(["write-flash", "--help"], echo: false))?.lines.contains { $0.contains("--diff-with") } ?? false
    }

    static func installInterruptHandlers() {
        // A terminal's Ctrl-C reaches esptool too (same process group); a signal sent to FlashScope alone
        // is passed on, so esptool stops now rather than at the end of its read.
        signal(SIGINT) { _ in deviceInterrupted = 1; if deviceChild > 0 { kill(deviceChild, SIGINT) } }
        signal(SIGTERM) { _ in deviceInterrupted = 1; if deviceChild > 0 { kill(deviceChild, SIGTERM) } }
    }
}

/// One progress line on stderr: bar, percent, rate and time left. On a terminal it redraws in place;
/// otherwise it prints a line every 10 %.
enum ProgressBar {
    nonisolated(unsafe) static var shown = false
    nonisolated(unsafe) static var lastDecile = -1

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    static func show(_ label: String, done: Int, total: Int, since start: Double) {
        let fraction = total > 0 ? Swift.min(1, Double(done) / Double(total)) : 0
        let elapsed = Swift.max(0.001, now() - start)
        let rate = Double(done) / elapsed
        let eta = rate > 0 && done < total ? Double(total - done) / rate : 0
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let text = "\(label) [\(bar)] \(Int(fraction * 100))% \(rateText(rate)) ETA \(Int(eta) / 60):\(String(format2(Int(eta) % 60)))"
        if isatty(STDERR_FILENO) == 1 {
            writeStderr("\r\u{1B}[K" + text)
            shown = true
        } else {
            let decile = Int(fraction * 10)
            if decile != lastDecile { lastDecile = decile; writeStderr(text + "\n") }
        }
    }

    static func format2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    static func rateText(_ r: Double) -> String {
        let (v, unit) = r >= Double(1 << 20) ? (r / Double(1 << 20), "MiB/s") : (r / 1024, "KiB/s")
        let tenths = Int(v * 10)
        return "\(tenths / 10).\(tenths % 10) \(unit)"
    }

    static func clear() {
        if shown { writeStderr("\r\u{1B}[K"); shown = false }
    }

    static func finish() {
        if shown { writeStderr("\n"); shown = false }
        lastDecile = -1
    }
}
