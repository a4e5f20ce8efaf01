/// What a run loop needs from a terminal: size, draw a frame, read input, signals, restore.
///
/// The ncurses backend (`TerminalUI.NcursesTerminal`) and ``MemoryTerminal`` conform, so a run
/// loop written against this protocol can be tested without a TTY (bubbletea's injected
/// input/output, ratatui's `TestBackend`). Conformers are classes confined to one thread; the
/// protocol is deliberately not `Sendable`.
public protocol TerminalBackend: AnyObject {
    /// The current size in cells.
    func size() -> (width: Int, height: Int)
    /// Shows `buffer`, sending only what changed since the previous frame.
    func draw(_ buffer: ScreenBuffer)
    /// Waits up to `timeoutMs` milliseconds for input; `nil` on timeout or when a signal
    /// interrupted the wait (check ``pendingSignal()`` after every call).
    func readEvent(timeoutMs: Int) -> InputEvent?
    /// The terminating signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT) received since the last call,
    /// if any; reading it clears it.
    func pendingSignal() -> Int32?
    /// Gives the terminal back to the shell. Idempotent.
    func restore()
}

/// An in-memory ``TerminalBackend`` for tests: scripted input, recorded frames.
///
/// Events are returned in order, one per ``readEvent(timeoutMs:)``; once they run out it
/// returns `nil` (a timeout). A ``Script/signal(_:)`` step makes that `readEvent` return `nil`
/// and ``pendingSignal()`` report the signal, as when a signal interrupts the real backend.
public final class MemoryTerminal: TerminalBackend {
    /// One step of scripted input.
    public enum Script: Equatable, Sendable {
        case event(InputEvent)
        case signal(Int32)
        /// Change the size, then deliver ``InputEvent/resize``.
        case resize(width: Int, height: Int)
    }

    /// The current size.
    public private(set) var width: Int
    public private(set) var height: Int
    /// Every frame passed to ``draw(_:)``, oldest first.
    public private(set) var frames: [ScreenBuffer] = []
    /// How many cells each ``draw(_:)`` would have sent to a real terminal.
    public private(set) var cellsWritten: [Int] = []
    /// Whether ``restore()`` has been called.
    public private(set) var isRestored = false
    private var script: [Script]
    private var signal: Int32?

    /// Creates a terminal of the given size that will replay `script`.
    public init(width: Int = 80, height: Int = 24, script: [Script] = []) {
        self.width = width
        self.height = height
        self.script = script
    }

    /// The last frame drawn, if any.
    public var lastFrame: ScreenBuffer? { frames.last }

    /// Appends more scripted input.
    public func enqueue(_ steps: Script...) {
        script.append(contentsOf: steps)
    }

    public func size() -> (width: Int, height: Int) { (width, height) }

    public func draw(_ buffer: ScreenBuffer) {
        let changed = frames.last.map { buffer.diff(from: $0).count } ?? buffer.width * buffer.height
        frames.append(buffer)
        cellsWritten.append(changed)
    }

    public func readEvent(timeoutMs: Int) -> InputEvent? {
        guard !script.isEmpty else { return nil }
        switch script.removeFirst() {
        case .event(let event):
            return event
        case .signal(let number):
            signal = number
            return nil
        case .resize(let w, let h):
            width = w
            height = h
            return .resize
        }
    }

    public func pendingSignal() -> Int32? {
        defer { signal = nil }
        return signal
    }

    public func restore() {
        isRestored = true
    }
}
