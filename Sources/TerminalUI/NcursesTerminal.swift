import CNcurses
import ScreenKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the terminal could not be started.
public enum TerminalError: Error, Equatable, CustomStringConvertible {
    /// Standard input or output is not a terminal (piped, redirected, or run from a script).
    case notATerminal
    /// ncurses has no terminfo entry for `$TERM` (the value, if set).
    case unknownTerminal(String?)
    /// The terminal cannot position the cursor (`TERM=dumb`, an editor's shell buffer).
    case incapableTerminal(String?)
    /// Another `NcursesTerminal` is still active; ncurses supports one screen here.
    case alreadyActive

    public var description: String {
        switch self {
        case .notATerminal:
            "the interactive view needs a terminal: standard input and output must be a TTY"
        case .unknownTerminal(let term?):
            "cannot use terminal type '\(term)': no terminfo entry (try TERM=xterm-256color)"
        case .unknownTerminal(nil):
            "cannot start the interactive view: TERM is not set"
        case .incapableTerminal(let term):
            "terminal type '\(term ?? "")' cannot position the cursor; the interactive view needs a full-screen terminal"
        case .alreadyActive:
            "the terminal is already in use by another screen"
        }
    }
}

/// The ncurses backend: shows ``ScreenBuffer`` frames and reads keys, mouse clicks and resizes.
///
/// The application owns the run loop; this class only makes the terminal easy and safe to
/// drive:
///
/// ```swift
/// try NcursesTerminal.withTerminal(noColor: options.noColor) { terminal in
///     while true {
///         if terminal.pendingSignal() != nil { break }          // Ctrl-C, SIGTERM, SIGHUP
///         let (width, height) = terminal.size()
///         terminal.draw(view(state, width: width, height: height, glyphs: terminal.glyphs))
///         guard let event = terminal.readEvent(timeoutMs: 250) else { continue }
///         if !update(&state, event) { break }
///     }
/// }   // the terminal is restored here, also when the body throws
/// ```
///
/// Frames are diffed against the previous one and only changed cells are sent (ratatui's
/// `Terminal::draw`). Safety nets, installed by `init` and removed by ``restore()``:
/// SIGINT/SIGTERM/SIGHUP/SIGQUIT only set a flag (read it with ``pendingSignal()``; a second
/// unread signal restores the tty and exits), an `atexit` hook calls `endwin`, and crash
/// signals (a Swift `fatalError` traps) restore the tty before the default handling runs.
/// Ctrl-Z suspends and resumes through ncurses.
///
/// **Not `Sendable`, by design.** ncurses keeps process-global, unsynchronised state (the
/// screen, the tty modes, the input queue), so this object must stay on the thread that created
/// it — normally the main thread running the synchronous loop above. Leaving it non-`Sendable`
/// lets Swift 6's region-based isolation enforce that: the compiler rejects sending it to
/// another task or thread. Only one instance can be active at a time
/// (``TerminalError/alreadyActive``).
public final class NcursesTerminal: TerminalBackend {
    /// The glyph set this terminal can show: Unicode under a UTF-8 locale, else ASCII.
    public let glyphs: Glyphs
    /// Whether the locale is UTF-8 (if not, non-ASCII characters are drawn as `?`).
    public let isUTF8: Bool
    /// Whether colours are in use (false under `NO_COLOR`, `noColor`, or a monochrome terminal).
    public let usesColor: Bool
    /// The theme in effect (colours already removed when ``usesColor`` is false).
    public let theme: Theme

    /// Per role: colour pair (0 = none) and attributes, resolved once at start-up.
    private let styles: [(pair: Int32, style: TerminalStyle)]
    private var previous: ScreenBuffer?
    private var needsFullRedraw = true
    private var isRestored = false

    /// Starts curses mode on standard input/output.
    ///
    /// - Parameters:
    ///   - noColor: Use the monochrome theme. `NO_COLOR` (set and non-empty, see no-color.org)
    ///     and terminals with fewer than 8 colours or too few colour pairs have the same effect.
    ///   - theme: The colour theme; ``Theme/color`` by default.
    ///   - mouse: Report primary-button clicks as ``InputEvent/mouse(x:y:)``. Mouse reporting
    ///     makes the terminal's own text selection need Shift.
    ///   - escapeDelayMs: How long ncurses waits after ESC for the rest of an escape sequence
    ///     (`set_escdelay`); small, so a lone Escape key is reported promptly.
    /// - Throws: ``TerminalError`` when there is no usable terminal. The process is unchanged
    ///   in that case (no handlers left installed).
    public init(noColor: Bool = false, theme: Theme = .color, mouse: Bool = true, escapeDelayMs: Int = 25) throws {
        // Install the safety nets before the tty changes, so there is no window without them.
        cncurses_install_signal_handlers()
        cncurses_install_atexit_restore()
        cncurses_install_crash_restore()

        let result = cncurses_init(Int32(clamping: escapeDelayMs), mouse ? 1 : 0)
        guard result == Int32(CNCURSES_INIT_OK.rawValue) else {
            cncurses_uninstall_crash_restore()
            cncurses_uninstall_signal_handlers()
            switch result {
            case Int32(CNCURSES_INIT_NOT_A_TTY.rawValue): throw TerminalError.notATerminal
            case Int32(CNCURSES_INIT_ALREADY_ACTIVE.rawValue): throw TerminalError.alreadyActive
            case Int32(CNCURSES_INIT_INCAPABLE.rawValue): throw TerminalError.incapableTerminal(Self.environment("TERM"))
            default: throw TerminalError.unknownTerminal(Self.environment("TERM"))
            }
        }

        isUTF8 = cncurses_locale_is_utf8() != 0
        let forceASCII = Self.environment("FLASHSCOPE_ASCII").map { !$0.isEmpty && $0 != "0" } ?? false
        glyphs = isUTF8 && !forceASCII ? .unicode : .ascii

        let colorWanted = !noColor && (Self.environment("NO_COLOR") ?? "").isEmpty
        let colorReady = colorWanted && cncurses_start_color() != 0 && cncurses_colors() >= 8
            && Int(cncurses_color_pairs()) > Role.allCases.count
        usesColor = colorReady && theme.usesColor
        self.theme = usesColor ? theme : theme.withoutColor

        var styles: [(pair: Int32, style: TerminalStyle)] = []
        for role in Role.allCases {
            let style = self.theme[role]
            var pair: Int32 = 0
            if usesColor, style.usesColor {
                pair = Int32(role.rawValue) + 1
                if cncurses_init_pair(pair, Int32(style.foreground.rawValue), Int32(style.background.rawValue)) != 0 {
                    pair = 0
                }
            }
            styles.append((pair, style))
        }
        self.styles = styles
    }

    deinit {
        restore()
    }

    /// Runs `body` with a started terminal and always restores it afterwards, also when `body`
    /// throws.
    ///
    /// - Parameters:
    ///   - noColor: Passed to ``init(noColor:theme:mouse:escapeDelayMs:)``.
    ///   - body: The application's run loop.
    /// - Returns: What `body` returns.
    /// - Throws: ``TerminalError`` if the terminal cannot start, or what `body` throws.
    public static func withTerminal<R>(noColor: Bool = false, _ body: (NcursesTerminal) throws -> R) throws -> R {
        let terminal = try NcursesTerminal(noColor: noColor)
        defer { terminal.restore() }
        return try body(terminal)
    }

    // MARK: TerminalBackend

    /// The screen size in cells (`getmaxyx`); `(0, 0)` after ``restore()``.
    public func size() -> (width: Int, height: Int) {
        var width: Int32 = 0
        var height: Int32 = 0
        cncurses_get_size(&width, &height)
        return (Int(width), Int(height))
    }

    /// Shows `buffer`, writing only the cells that differ from the previous frame.
    ///
    /// The first frame, a frame of a different size, and the first frame after a resize event
    /// or ``invalidate()`` repaint everything. Parts of the buffer beyond the screen are
    /// ignored. Does nothing after ``restore()``.
    public func draw(_ buffer: ScreenBuffer) {
        guard !isRestored else { return }
        let (screenWidth, screenHeight) = size()
        var base: ScreenBuffer
        if needsFullRedraw || previous?.width != buffer.width || previous?.height != buffer.height {
            // After erase the screen is blank, so diffing against a blank buffer skips blanks.
            cncurses_clear()
            base = ScreenBuffer(width: buffer.width, height: buffer.height)
        } else {
            base = previous ?? ScreenBuffer(width: buffer.width, height: buffer.height)
        }

        // Group consecutive changed cells of one style into runs: one style change and one
        // write per run instead of per cell.
        var run: [UInt32] = []
        var runStart = (x: 0, y: 0)
        var runNext = (x: -1, y: -1)
        var runStyle: Cell? = nil
        func flush() {
            guard let style = runStyle, !run.isEmpty else { return }
            apply(role: style.role, bold: style.bold)
            _ = run.withUnsafeBufferPointer { scalars in
                cncurses_put(Int32(runStart.x), Int32(runStart.y), scalars.baseAddress, Int32(scalars.count))
            }
            run.removeAll(keepingCapacity: true)
        }
        for change in buffer.diff(from: base) where change.x < screenWidth && change.y < screenHeight {
            let cell = change.cell
            let continues = change.y == runNext.y && change.x == runNext.x
                && runStyle?.role == cell.role && runStyle?.bold == cell.bold
            if !continues {
                flush()
                runStart = (change.x, change.y)
                runStyle = cell
            }
            appendScalars(of: cell.char, to: &run)
            runNext = (change.x + 1, change.y)
        }
        flush()
        cncurses_refresh()
        previous = buffer
        needsFullRedraw = false
    }

    /// Forces the next ``draw(_:)`` to repaint the whole screen (for Ctrl-L, or after another
    /// program wrote to the terminal).
    public func invalidate() {
        needsFullRedraw = true
    }

    /// Asks the terminal to put `text` on the clipboard (OSC 52), written straight to the tty after
    /// ncurses' own output, which is flushed at the end of every draw.
    public func copyToClipboard(_ text: String) {
        guard !isRestored else { return }
        let bytes = Array(OSC52.sequence(text).utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            done += n
        }
    }

    /// Waits up to `timeoutMs` milliseconds for input.
    ///
    /// - Parameter timeoutMs: The longest wait; negative waits forever (not recommended: the
    ///   loop should wake up regularly to check ``pendingSignal()``).
    /// - Returns: The event, or `nil` on timeout, when a signal interrupted the wait, for keys
    ///   this backend does not translate (Insert, keypad centre), or after ``restore()``.
    public func readEvent(timeoutMs: Int) -> InputEvent? {
        guard !isRestored else { return nil }
        var event = cncurses_event()
        let type = cncurses_read_event(Int32(clamping: timeoutMs), &event)
        switch type {
        case Int32(CNCURSES_EVENT_CHAR.rawValue):
            return Key(terminalCharacter: UInt32(bitPattern: event.code)).map(InputEvent.key)
        case Int32(CNCURSES_EVENT_KEY.rawValue):
            return Self.functionKey(event).map(InputEvent.key)
        case Int32(CNCURSES_EVENT_MOUSE.rawValue):
            return .mouse(x: Int(event.x), y: Int(event.y))
        case Int32(CNCURSES_EVENT_RESIZE.rawValue):
            needsFullRedraw = true
            return .resize
        default:
            return nil
        }
    }

    /// The terminating signal received since the last call (SIGINT for Ctrl-C, SIGQUIT for
    /// Ctrl-\, SIGTERM, SIGHUP), or `nil`. Reading it clears it. Still answers after
    /// ``restore()``, so the caller can exit with status 128 + signal.
    public func pendingSignal() -> Int32? {
        let signal = cncurses_pending_signal()
        return signal == 0 ? nil : signal
    }

    /// Leaves curses mode (`endwin`), restores the saved tty modes and the previous signal
    /// handlers. Idempotent; afterwards ``draw(_:)`` and ``readEvent(timeoutMs:)`` do nothing.
    public func restore() {
        guard !isRestored else { return }
        isRestored = true
        cncurses_end()
        cncurses_uninstall_crash_restore()
        cncurses_uninstall_signal_handlers()
    }

    // MARK: Helpers

    /// Sets the ncurses style for a role, with the cell's extra bold.
    private func apply(role: Role, bold: Bool) {
        let entry = styles[Int(role.rawValue)]
        let style = entry.style
        cncurses_set_style(entry.pair, (style.bold || bold) ? 1 : 0, style.reverse ? 1 : 0,
                           style.underline ? 1 : 0, style.dim ? 1 : 0)
    }

    /// Appends a cell's scalars, replacing non-ASCII with `?` when the locale cannot show it.
    private func appendScalars(of character: Character, to run: inout [UInt32]) {
        if isUTF8 {
            for scalar in character.unicodeScalars { run.append(scalar.value) }
        } else {
            let scalar = character.unicodeScalars.first?.value ?? 0x3F
            run.append(character.unicodeScalars.count == 1 && scalar < 0x80 ? scalar : 0x3F)
        }
    }

    /// Translates a shim function-key event into a ``Key``.
    private static func functionKey(_ event: cncurses_event) -> Key? {
        switch UInt32(bitPattern: event.key) {
        case CNCURSES_KEY_UP.rawValue: .up
        case CNCURSES_KEY_DOWN.rawValue: .down
        case CNCURSES_KEY_LEFT.rawValue: .left
        case CNCURSES_KEY_RIGHT.rawValue: .right
        case CNCURSES_KEY_PAGE_UP.rawValue: .pageUp
        case CNCURSES_KEY_PAGE_DOWN.rawValue: .pageDown
        case CNCURSES_KEY_HOME.rawValue: .home
        case CNCURSES_KEY_END.rawValue: .end
        case CNCURSES_KEY_ENTER.rawValue: .enter
        case CNCURSES_KEY_BACKTAB.rawValue: .backTab
        case CNCURSES_KEY_BACKSPACE.rawValue: .backspace
        case CNCURSES_KEY_DELETE.rawValue: .delete
        case CNCURSES_KEY_FUNCTION.rawValue: .function(Int(event.function_number))
        default: nil
        }
    }

    /// An environment variable, or `nil` when unset.
    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
