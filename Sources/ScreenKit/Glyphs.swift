/// The characters of one box style: corners, lines, and the tees where a rule meets the sides.
public struct BoxGlyphs: Hashable, Sendable {
    public var topLeft: Character
    public var topRight: Character
    public var bottomLeft: Character
    public var bottomRight: Character
    public var horizontal: Character
    public var vertical: Character
    /// Where a light horizontal rule meets the left side (`├`).
    public var teeLeft: Character
    /// Where a light horizontal rule meets the right side (`┤`).
    public var teeRight: Character

    public init(topLeft: Character, topRight: Character, bottomLeft: Character, bottomRight: Character,
                horizontal: Character, vertical: Character, teeLeft: Character, teeRight: Character) {
        self.topLeft = topLeft
        self.topRight = topRight
        self.bottomLeft = bottomLeft
        self.bottomRight = bottomRight
        self.horizontal = horizontal
        self.vertical = vertical
        self.teeLeft = teeLeft
        self.teeRight = teeRight
    }
}

/// Every non-letter glyph the UI draws, in a Unicode set and an ASCII fallback set.
///
/// Both sets contain only one-column characters, so a screen has the same layout in either
/// mode and goldens differ only in the glyphs. Pick the set once at start-up
/// (``forEnvironment(_:)``, or the backend's own locale check) and pass it to the drawing
/// helpers. The ASCII set is for terminals and locales without UTF-8 (`LANG=C`, serial
/// consoles) — the same fallback idea as ncdu's `--graph-style` and htop's ASCII meters.
public struct Glyphs: Hashable, Sendable {
    /// True for the Unicode set.
    public var isUnicode: Bool
    /// Box of an unfocused pane.
    public var box: BoxGlyphs
    /// Box of the focused pane (heavy lines, or `=` in ASCII), readable without colour.
    public var focusedBox: BoxGlyphs
    /// ✓ / `+`: a check passed.
    public var check: Character
    /// ✗ / `x`: a check failed.
    public var crossMark: Character
    /// ▶ / `>`: current item, or "boots".
    public var arrowRight: Character
    /// ◀ / `<`.
    public var arrowLeft: Character
    /// ▲ / `^`.
    public var arrowUp: Character
    /// ▼ / `v`.
    public var arrowDown: Character
    /// █ / `#`: full block for bar charts.
    public var blockFull: Character
    /// ▓ / `=`: dark shade.
    public var blockDark: Character
    /// ▒ / `+`: medium shade.
    public var blockMedium: Character
    /// ░ / `-`: light shade.
    public var blockLight: Character
    /// … / `~`: marks truncated text.
    public var ellipsis: Character
    /// · / `.`: a quiet separator or placeholder (e.g. erased bytes in the hex pane).
    public var middleDot: Character

    /// The four bar-chart shades from darkest to lightest.
    public var shades: [Character] { [blockFull, blockDark, blockMedium, blockLight] }

    public init(isUnicode: Bool, box: BoxGlyphs, focusedBox: BoxGlyphs, check: Character, crossMark: Character,
                arrowRight: Character, arrowLeft: Character, arrowUp: Character, arrowDown: Character,
                blockFull: Character, blockDark: Character, blockMedium: Character, blockLight: Character,
                ellipsis: Character, middleDot: Character) {
        self.isUnicode = isUnicode
        self.box = box
        self.focusedBox = focusedBox
        self.check = check
        self.crossMark = crossMark
        self.arrowRight = arrowRight
        self.arrowLeft = arrowLeft
        self.arrowUp = arrowUp
        self.arrowDown = arrowDown
        self.blockFull = blockFull
        self.blockDark = blockDark
        self.blockMedium = blockMedium
        self.blockLight = blockLight
        self.ellipsis = ellipsis
        self.middleDot = middleDot
    }

    /// Box drawing and symbols from Unicode (needs a UTF-8 locale and a font with the glyphs).
    public static let unicode = Glyphs(
        isUnicode: true,
        box: BoxGlyphs(topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
                       horizontal: "─", vertical: "│", teeLeft: "├", teeRight: "┤"),
        focusedBox: BoxGlyphs(topLeft: "┏", topRight: "┓", bottomLeft: "┗", bottomRight: "┛",
                              horizontal: "━", vertical: "┃", teeLeft: "┠", teeRight: "┨"),
        check: "✓", crossMark: "✗",
        arrowRight: "▶", arrowLeft: "◀", arrowUp: "▲", arrowDown: "▼",
        blockFull: "█", blockDark: "▓", blockMedium: "▒", blockLight: "░",
        ellipsis: "…", middleDot: "·")

    /// Plain 7-bit ASCII replacements, one column each.
    public static let ascii = Glyphs(
        isUnicode: false,
        box: BoxGlyphs(topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
                       horizontal: "-", vertical: "|", teeLeft: "+", teeRight: "+"),
        focusedBox: BoxGlyphs(topLeft: "#", topRight: "#", bottomLeft: "#", bottomRight: "#",
                              horizontal: "=", vertical: "|", teeLeft: "+", teeRight: "+"),
        check: "+", crossMark: "x",
        arrowRight: ">", arrowLeft: "<", arrowUp: "^", arrowDown: "v",
        blockFull: "#", blockDark: "=", blockMedium: "+", blockLight: "-",
        ellipsis: "~", middleDot: ".")

    /// Whether a POSIX environment selects a UTF-8 character set.
    ///
    /// Follows POSIX precedence: the first non-empty of `LC_ALL`, `LC_CTYPE`, `LANG` decides;
    /// UTF-8 when it names `UTF-8`/`utf8` (any case). With none set the locale is "C": ASCII.
    public static func environmentIsUTF8(_ environment: [String: String]) -> Bool {
        let locale = ["LC_ALL", "LC_CTYPE", "LANG"].lazy
            .compactMap { environment[$0] }
            .first { !$0.isEmpty } ?? ""
        let lowered = locale.lowercased()
        return lowered.contains("utf-8") || lowered.contains("utf8")
    }

    /// The glyph set a POSIX environment calls for: ``unicode`` under a UTF-8 locale, otherwise
    /// ``ascii``. `FLASHSCOPE_ASCII=1` forces ASCII.
    public static func forEnvironment(_ environment: [String: String]) -> Glyphs {
        if let force = environment["FLASHSCOPE_ASCII"], !force.isEmpty, force != "0" { return .ascii }
        return environmentIsUTF8(environment) ? .unicode : .ascii
    }
}
