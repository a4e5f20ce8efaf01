#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlashFormats
import FlashModel
import ScreenKit

/// Runs the Elm loop: actions go through ``update(_:_:)``, the effects it returns are performed
/// here (file I/O, saving, scans), and their results come back as actions.
///
/// Region scans (CRC-32 of a partition) are deferred: the run loop draws the frame first and
/// computes them afterwards, so a key press never waits for a big partition's CRC.
public final class Program {
    public private(set) var state: AppState
    /// Scans requested but not yet computed.
    public private(set) var deferred: [ScanKey] = []
    /// Called for ``Effect/redraw``.
    public var onRedraw: () -> Void = {}
    /// Called for ``Effect/clipboard(_:)``: the terminal writes OSC 52.
    public var onClipboard: (String) -> Void = { _ in }
    /// What the clipboard was last asked to hold (tests read it).
    public private(set) var clipboard: String?

    public init(state: AppState) {
        self.state = state
    }

    /// The exit status once the program asked to quit.
    public var exitStatus: Int32? { state.exitStatus }

    /// Exit status when the input file changed on disk under the program (EX_TEMPFAIL, as the CLI's).
    public static let fileChangedStatus: Int32 = 75

    /// Set when the input file shrank while open (reads past its new end were answered with zeros by
    /// the file guard): nothing shown from then on is the file's content, so the program stops.
    public private(set) var fileChangedMessage: String?

    /// Checks the input file's guard; after a fault, ends the program with ``fileChangedStatus``.
    /// Returns true when it did.
    @discardableResult
    public func checkInputFile() -> Bool {
        guard fileChangedMessage == nil, let f = state.document.file, f.changedWhileOpen else { return fileChangedMessage != nil }
        let unsaved = state.isDirty ? " Unsaved edits were dropped: they were made over bytes that are no longer the file's." : ""
        fileChangedMessage = "\(f.path): the file shrank on disk while it was open (truncated or rewritten by another program); "
            + "what it holds now is not what was shown, so FlashScope stopped.\(unsaved) Open it again."
        state.exitStatus = Self.fileChangedStatus
        return true
    }

    /// Applies an action and performs its immediate effects (and theirs, recursively).
    public func send(_ action: Action) {
        var queue = [action]
        while !queue.isEmpty {
            let a = queue.removeFirst()
            for effect in update(&state, a) {
                if let next = perform(effect) { queue.append(next) }
            }
        }
    }

    /// A region scan in progress: CRC-32 and "all 0xff" so far.
    struct ScanJob {
        let key: ScanKey
        let historyID: Int
        let document: ObjectIdentifier
        var position: Int
        var crc: UInt32 = 0
        var erased = true
    }
    private var job: ScanJob?
    /// Bytes scanned per step: a step takes a few milliseconds, so keys stay responsive.
    public static let scanStep = 4 << 20

    /// Whether deferred work is waiting.
    public var hasDeferredWork: Bool { job != nil || !deferred.isEmpty || state.search != nil || Compare.needsWork(state) }

    /// Does one step of deferred work: a slice of the wanted region scan. Returns false when
    /// there was nothing to do. A scan that is no longer wanted (the selection moved) is dropped;
    /// one whose bytes changed meanwhile starts again.
    @discardableResult
    public func runDeferred() -> Bool {
        // A running search goes first: the user is waiting for it.
        if state.search != nil {
            send(.searchSlice)
            return true
        }
        if Compare.needsWork(state) {
            send(.compare(.slice))
            return true
        }
        let wanted = Set(Update.scanEffects(state).compactMap { e -> ScanKey? in if case .scan(let k) = e { k } else { nil } })
        deferred.removeAll { !wanted.contains($0) }
        if let j = job, !wanted.contains(j.key) { job = nil }
        if job == nil {
            guard !deferred.isEmpty else { return false }
            let key = deferred.removeFirst()
            job = ScanJob(key: key, historyID: state.currentID, document: ObjectIdentifier(state.document), position: key.lo)
        }
        guard var j = job else { return false }
        let doc = state.document
        if j.historyID != state.currentID || j.document != ObjectIdentifier(doc) {
            j = ScanJob(key: j.key, historyID: state.currentID, document: ObjectIdentifier(doc), position: j.key.lo)
        }
        let end = min(j.key.hi, j.position + Self.scanStep)
        let slice = j.position..<end
        j.crc = Checksums.crc32(doc, slice, seed: j.crc)
        if j.erased { j.erased = Self.allErased(doc, slice) }
        doc.releasePages(slice)   // a scan of a big partition must not stay in our memory
        j.position = end
        if end >= j.key.hi {
            job = nil
            send(.scanned(j.key, RegionScan(crc32: j.crc, erased: j.erased)))
        } else {
            job = j
            send(.scanProgress(j.key, done: end - j.key.lo))
        }
        return true
    }

    /// Sends every action, then computes every deferred scan (what the run loop does between keys).
    public func settle(_ actions: [Action] = []) {
        for a in actions { send(a) }
        while runDeferred() {}
    }

    func perform(_ effect: Effect) -> Action? {
        switch effect {
        case .scan(let key):
            if !deferred.contains(key) && job?.key != key { deferred.append(key) }
            return nil
        case .readFile(let path):
            do {
                let f = try MappedFile(path: path)
                return .fileLoaded(path: path, bytes: f.bytes(0..<f.count))
            } catch {
                return .fileFailed(path: path, message: error.detail)
            }
        case .save(let path, let mode):
            return save(path, mode)
        case .openCompare(let path):
            do {
                return .compare(.opened(path: path, document: FlashDocument(file: try MappedFile(path: path))))
            } catch {
                return .compare(.failed(path: path, message: error.detail))
            }
        case .completePath(let prefix):
            return .completed(prefix: prefix, candidates: PathCompletion.candidates(prefix))
        case .reopen(let path):
            do {
                return .reopened(FlashDocument(file: try MappedFile(path: path)))
            } catch {
                return .saveFailed("saved, but reopening \(path) failed: \(error.detail)")
            }
        case .redraw:
            onRedraw()
            return nil
        case .clipboard(let text):
            clipboard = text
            onClipboard(text)
            return nil
        case .quit:
            return nil
        }
    }

    func save(_ path: String, _ mode: SaveMode) -> Action {
        let doc = state.document
        if mode == .createNew {
            var st = stat()
            if stat(path, &st) == 0 {
                if let f = doc.file, UInt64(st.st_dev) == f.device, UInt64(st.st_ino) == f.inode {
                    return .saveBlocked(path: path, why: .isInput)
                }
                return .saveBlocked(path: path, why: .exists)
            }
        }
        do {
            let r = try ImageSaver.save(doc, to: path, inPlace: mode == .inPlace, force: mode != .createNew, chip: state.layout.chip)
            return .saved(r, inPlace: mode == .inPlace)
        } catch {
            return .saveFailed(error.description)
        }
    }

    /// Whether every byte of `range` is 0xFF.
    static func allErased(_ doc: FlashDocument, _ range: Range<Int>) -> Bool {
        let erased = Replicated([UInt8](repeating: 0xFF, count: HexView.rowSize))
        var allFF = true
        doc.forEachChunk(in: range) { chunk in
            guard allFF else { return }
            if erased.firstMismatch(chunk, phase: 0) != nil { allFF = false }
        }
        return allFF
    }
}

/// Milliseconds from a monotonic clock.
func monotonicMs() -> Int {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return t.tv_sec * 1000 + t.tv_nsec / 1_000_000
}

/// The interactive loop over any ``TerminalBackend`` (ncurses in the app, a memory terminal in
/// tests): read an event, update, draw; deferred scans run between key presses.
///
/// - Parameters:
///   - terminal: The terminal to draw on and read from.
///   - program: The program holding the state.
/// - Returns: The exit status (0, or 128 + signal number).
public func runLoop(_ terminal: some TerminalBackend, _ program: Program) -> Int32 {
    var (w, h) = terminal.size()
    program.send(.resize(width: w, height: h))
    var dirty = true
    // While a search runs, its progress is redrawn at most every 100 ms (keys redraw at once).
    var lastProgressDraw = monotonicMs()
    while program.exitStatus == nil {
        if let sig = terminal.pendingSignal() {
            program.send(.signal(sig))
            dirty = true
            continue
        }
        if dirty {
            terminal.draw(render(program.state, size: (w, h)))
            dirty = false
        }
        // The frame (or a scan) read bytes the file no longer has: stop before showing more of them.
        if program.checkInputFile() { break }
        // Background work goes one slice at a time between polls for input.
        let searching = program.state.search != nil
        let busy = program.runDeferred()
        if program.checkInputFile() { break }
        if busy {
            if !searching || program.state.search == nil || monotonicMs() - lastProgressDraw >= 100 {
                dirty = true
                lastProgressDraw = monotonicMs()
            }
        }
        guard let event = terminal.readEvent(timeoutMs: busy ? 0 : 250) else { continue }
        switch event {
        case .key(let k): program.send(.key(k))
        case .mouse(let x, let y): program.send(.click(x: x, y: y))
        case .resize:
            (w, h) = terminal.size()
            program.send(.resize(width: w, height: h))
        }
        dirty = true
    }
    return program.exitStatus ?? 0
}
