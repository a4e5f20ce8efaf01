/// A key press, decoded by the terminal backend.
///
/// It lives in ScreenKit (not in the ncurses backend) so the application target can bind keys
/// without importing anything that talks to a terminal.
///
/// Decoding conventions used by the ncurses backend:
/// - Enter is ``enter`` whether the terminal sends CR, LF or the keypad Enter key.
/// - Backspace is ``backspace`` whether the terminal sends DEL (0x7f), BS (0x08 = Ctrl-H) or the
///   terminfo `kbs` key; the Delete key is ``delete``.
/// - Control letters are ``ctrl(_:)`` with a lowercase letter (`Ctrl-A` → `.ctrl("a")`); Tab,
///   Enter, Escape and Backspace keep their own cases even though they are control codes.
///   Ctrl-Space / Ctrl-@ is `.ctrl("@")`; 0x1c...0x1f are `.ctrl("\\")`, `.ctrl("]")`,
///   `.ctrl("^")`, `.ctrl("_")`.
/// - Ctrl-C and Ctrl-\ normally never arrive as keys: the terminal turns them into SIGINT and
///   SIGQUIT, which the backend reports through `pendingSignal()`.
/// - Alt-x arrives as ``escape`` followed by `.char("x")`.
public enum Key: Hashable, Sendable {
    /// A printable character (any script; never a control character).
    case char(Character)
    case up, down, left, right
    case pageUp, pageDown, home, end
    case enter, escape, tab, backTab, backspace, delete
    /// A control combination, with the lowercase letter or punctuation (`Ctrl-O` → `.ctrl("o")`).
    case ctrl(Character)
    /// A function key, F1 → `.function(1)`.
    case function(Int)
}

/// One input event from the terminal.
///
/// Signals (SIGINT, SIGTERM, ...) are not events: the backend records them and the run loop
/// asks for them after each `readEvent` (see `TerminalBackend.pendingSignal()`).
public enum InputEvent: Equatable, Sendable {
    /// A key press.
    case key(Key)
    /// A primary-button press at a 0-based screen cell.
    case mouse(x: Int, y: Int)
    /// The terminal changed size; query the new size and redraw.
    case resize
}

extension Key {
    /// Decodes one character code as a terminal sends it in cbreak or raw mode.
    ///
    /// Follows the conventions listed on ``Key``: CR and LF are ``enter``, DEL and BS are
    /// ``backspace``, ESC is ``escape``, HT is ``tab``, other C0 codes are ``ctrl(_:)``.
    /// Returns `nil` for C1 control codes (0x80–0x9F), surrogates and values beyond Unicode.
    ///
    /// - Parameter code: A Unicode scalar value (or a byte, in a non-UTF-8 locale).
    public init?(terminalCharacter code: UInt32) {
        switch code {
        case 27: self = .escape
        case 9: self = .tab
        case 10, 13: self = .enter
        case 8, 127: self = .backspace
        case 0: self = .ctrl("@")
        case 1...26: self = .ctrl(Character(Unicode.Scalar(UInt8(code) + 0x60)))
        case 28: self = .ctrl("\\")
        case 29: self = .ctrl("]")
        case 30: self = .ctrl("^")
        case 31: self = .ctrl("_")
        case 0x80...0x9F: return nil
        default:
            guard let scalar = Unicode.Scalar(code) else { return nil }
            self = .char(Character(scalar))
        }
    }
}
