#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Dispatch
import FlashFormats
import FlashModel

/// `flashscope scan DIR`: every dump under a folder, one table row or one JSON line each.
struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Report every dump under a folder: one table row (or JSON line) per file, analysed in parallel.",
        discussion: """
            Looks at the *.bin files under DIR and its subfolders (--all: every regular file). A file that \
            cannot be analysed is reported in its row and does not stop the others; the exit status is then 2.
            """).leaf

    @Argument(help: "Folder holding the dumps.") var directory: String
    @Flag(help: "Every regular file, not only *.bin.") var all = false
    @Flag(help: "Evaluate the boot as a bootloader built with CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE.") var rollback = false
    @Flag(help: "One JSON object per line: the object `info --json` prints for each file.") var json = false
    @Flag(help: "Exit 1 when any file has an error-level diagnostic.") var strict = false

    func run() throws {
        let files = try DumpFolder.files(under: directory, all: all)
        guard !files.isEmpty else {
            throw CLIError("\(directory): no \(all ? "" : "*.bin ")files found (--all takes every file)", code: CLIError.Code.noInput)
        }
        try Batch(options: AnalysisOptions(rollback: rollback), json: json, strict: strict).run(files)
    }
}

/// The files under a folder, sorted by path; symbolic links to folders are not followed.
enum DumpFolder {
    static func files(under root: String, all: Bool) throws -> [String] {
        var st = stat()
        guard stat(root, &st) == 0 else {
            throw CLIError(FileError(errno == ENOENT ? .notFound : .unreadable, root, errno == ENOENT ? "does not exist" : String(cString: strerror(errno))))
        }
        guard st.st_mode & S_IFMT == S_IFDIR else {
            throw CLIError("\(root): is not a folder (to look at one file: flashscope info FILE)", code: CLIError.Code.notRegular)
        }
        var out: [String] = []
        var pending = [root]
        while let dir = pending.popLast() {
            guard let d = opendir(dir) else {
                throw CLIError(FileError(.unreadable, dir, String(cString: strerror(errno))))
            }
            defer { closedir(d) }
            while let e = readdir(d) {
                let name = withUnsafePointer(to: &e.pointee.d_name) {
                    String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
                }
                if name == "." || name == ".." { continue }
                let path = dir.hasSuffix("/") ? dir + name : dir + "/" + name
                var s = stat()
                guard lstat(path, &s) == 0 else { continue }
                switch s.st_mode & S_IFMT {
                case S_IFDIR: pending.append(path)
                case S_IFREG, S_IFLNK:
                    if s.st_mode & S_IFMT == S_IFLNK { guard stat(path, &s) == 0, s.st_mode & S_IFMT == S_IFREG else { continue } }
                    if all || name.lowercased().hasSuffix(".bin") { out.append(path) }
                default: continue
                }
            }
        }
        return out.sorted()
    }
}

/// Many files at once (`info A B …`, `scan DIR`): analysed in parallel on every core, printed in the
/// order given, as an aligned table or as JSON lines.
struct Batch: Sendable {
    let options: AnalysisOptions
    let json: Bool
    let strict: Bool

    /// Exit status when at least one file could not be analysed (README: exit codes).
    static let someFailed: Int32 = 2

    /// What one file gave: its table cells or its JSON line, or why it failed.
    struct Outcome: Sendable {
        var cells: [String] = []
        var jsonLine = ""
        var failed = false
        var hasErrors = false
    }

    static let header = ["file", "chip", "flash", "boots", "apps", "otadata", "problems"]

    func run(_ files: [String]) throws {
        let results = Results(count: files.count, progress: isatty(STDERR_FILENO) == 1)
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            results.set(i, analyse(files[i]))
        }
        let outcomes = results.finish()
        if json {
            writeStdout(outcomes.map { $0.jsonLine + "\n" }.joined())
        } else {
            writeStdout(Self.table([Self.header] + outcomes.map(\.cells)))
        }
        if outcomes.contains(where: \.failed) { throw ExitCode(Self.someFailed) }
        if strict && outcomes.contains(where: \.hasErrors) { throw ExitCode(CLIError.Code.refused) }
    }

    func analyse(_ path: String) -> Outcome {
        do {
            let o = try Opened(path: path, options: options)
            var out = Outcome(hasErrors: o.layout.hasErrors)
            if json {
                out.jsonLine = Report.json(o.layout, file: path, nvsSource: o.document).serialized(pretty: false)
            } else {
                out.cells = Self.cells(o.layout, file: path)
            }
            return out
        } catch {
            let e = error as? CLIError ?? CLIError("\(path): \(error)", code: CLIError.Code.io)
            var out = Outcome(failed: true)
            if json {
                out.jsonLine = JSON.object([("file", .string(path)), ("error", .string(e.message)),
                                            ("exit_code", .num(e.code))]).serialized(pretty: false)
            } else {
                out.cells = [path.terminalSafe, "error: \(e.message.terminalSafe) (exit \(e.code))"]
            }
            return out
        }
    }

    /// One row: file, chip, flash size (bootloader header), what boots, each app slot's version,
    /// the otadata sector in use, and the diagnostics.
    static func cells(_ l: FlashLayout, file: String) -> [String] {
        let none = "–"
        let chip = l.chip?.name ?? "?"
        let header = l.bootloader?.image ?? l.image
        let flash = header?.flash.flashSizeName ?? "?"
        let boots: String
        let apps: String
        let ota: String
        switch l.kind {
        case .flashImage:
            boots = l.boot?.loaded ?? "nothing"
            apps = l.apps.isEmpty ? none : l.apps.map { a in
                "\(a.partition.name) " + (a.image?.appDescriptor?.version ?? (a.image == nil ? none : "?"))
            }.joined(separator: ", ")
            ota = otadataCell(l)
        default:
            boots = "(\(l.kind.rawValue))"
            apps = l.image?.appDescriptor?.version ?? none
            ota = l.otadata.map { _ in otadataCell(l) } ?? none
        }
        let errors = l.diagnostics.filter { $0.severity == .error }
        let warnings = l.diagnostics.filter { $0.severity == .warning }
        var problems: [String] = []
        if !errors.isEmpty { problems.append("\(errors.count) error\(errors.count == 1 ? "" : "s")") }
        if !warnings.isEmpty { problems.append("\(warnings.count) warning\(warnings.count == 1 ? "" : "s")") }
        var problemText = problems.isEmpty ? none : problems.joined(separator: ", ")
        if let first = errors.first ?? warnings.first { problemText += ": \(first.message)" }
        return [file, chip, flash, boots, apps, ota, problemText].map(\.terminalSafe)
    }

    static func otadataCell(_ l: FlashLayout) -> String {
        guard let o = l.otadata else { return "none" }
        if let k = o.activeSector, let e = o.entries[k] {
            return "sector \(k) seq \(e.seq) \(OTAState.name(e.state))"
        }
        return o.entries.allSatisfy { $0?.isErased ?? true } ? "erased" : "no valid entry"
    }

    /// Left-aligned columns two spaces apart; a row with fewer cells (a failed file) runs on.
    static func table(_ rows: [[String]]) -> String {
        var widths: [Int] = []
        for r in rows where r.count == header.count {
            for (i, c) in r.enumerated() {
                if i == widths.count { widths.append(0) }
                widths[i] = max(widths[i], c.count)
            }
        }
        return rows.map { r in
            r.enumerated().map { i, c in
                i == r.count - 1 ? c : c + String(repeating: " ", count: max(0, widths[i] - c.count))
            }.joined(separator: "  ") + "\n"
        }.joined()
    }
}

/// The outcomes, filled in from worker threads, and the progress bar (stderr, only on a terminal).
private final class Results: @unchecked Sendable {
    private var outcomes: [Batch.Outcome?]
    private var done = 0
    private var lastDrawn = -1.0
    private let progress: Bool
    private let lock = PThreadMutex()

    init(count: Int, progress: Bool) {
        outcomes = Array(repeating: nil, count: count)
        self.progress = progress
    }

    func set(_ i: Int, _ o: Batch.Outcome) {
        lock.locked {
            outcomes[i] = o
            done += 1
            guard progress else { return }
            let now = Self.now()
            if now - lastDrawn >= 0.1 || done == outcomes.count {
                lastDrawn = now
                let width = 30, filled = done * width / max(1, outcomes.count)
                writeStderr("\r[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                            + "] \(done)/\(outcomes.count) files")
            }
        }
    }

    func finish() -> [Batch.Outcome] {
        lock.locked {
            if progress { writeStderr("\r\u{1B}[K") }
            return outcomes.map { $0 ?? Batch.Outcome(cells: ["?"], failed: true) }
        }
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// A pthread mutex (the CLI does not link Foundation for `NSLock`).
private final class PThreadMutex: @unchecked Sendable {
    private let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    init() { pthread_mutex_init(m, nil) }
    deinit { pthread_mutex_destroy(m); m.deallocate() }
    func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(m)
        defer { pthread_mutex_unlock(m) }
        return body()
    }
}
