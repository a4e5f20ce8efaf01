import ScreenKit

/// One of the eight ANSI colours, or the terminal's own default (`-1` for ncurses).
public enum TerminalColor: Int16, Hashable, Sendable {
    case `default` = -1
    case black = 0, red, green, yellow, blue, magenta, cyan, white
}

/// How one ``Role`` looks: colours plus attributes.
public struct TerminalStyle: Hashable, Sendable {
    public var foreground: TerminalColor
    public var background: TerminalColor
    public var bold: Bool
    public var reverse: Bool
    public var underline: Bool
    public var dim: Bool

    public init(foreground: TerminalColor = .default, background: TerminalColor = .default,
                bold: Bool = false, reverse: Bool = false, underline: Bool = false, dim: Bool = false) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.reverse = reverse
        self.underline = underline
        self.dim = dim
    }

    /// Whether the style needs a colour pair (any non-default colour).
    public var usesColor: Bool { foreground != .default || background != .default }

    /// The style with colours removed, attributes kept.
    public var withoutColor: TerminalStyle {
        TerminalStyle(bold: bold, reverse: reverse, underline: underline, dim: dim)
    }
}

/// The table that turns semantic ``Role``s into terminal styles.
///
/// One row per role, as in ncdu's `UI_COLORS`; ``color`` and ``monochrome`` are the two
/// columns. The monochrome theme uses only bold, reverse, underline and dim, and everything
/// the UI must convey without colour is also carried by glyphs (✓/✗, shades, heavy borders).
/// Both built-in themes are written as exhaustive `switch`es, so adding a ``Role`` case fails to
/// compile until it has a style in each.
public struct Theme: Hashable, Sendable {
    private var styles: [TerminalStyle]

    /// Builds a theme by asking `style` for every role.
    public init(_ style: (Role) -> TerminalStyle) {
        styles = Role.allCases.map(style)
    }

    /// The style of `role`.
    public subscript(role: Role) -> TerminalStyle {
        get { styles[Int(role.rawValue)] }
        set { styles[Int(role.rawValue)] = newValue }
    }

    /// Whether any role uses a colour.
    public var usesColor: Bool { styles.contains(where: \.usesColor) }

    /// This theme with every colour removed (attributes kept).
    public var withoutColor: Theme { Theme { self[$0].withoutColor } }

    /// The default colour theme for 8-colour terminals and up.
    public static let color = Theme { role in
        switch role {
        case .normal: TerminalStyle()
        case .dim: TerminalStyle(dim: true)
        case .title: TerminalStyle(bold: true)
        case .border: TerminalStyle()
        case .selected: TerminalStyle(reverse: true)
        case .focusBorder: TerminalStyle(foreground: .cyan, bold: true)
        case .valid: TerminalStyle(foreground: .green)
        case .invalid: TerminalStyle(foreground: .red, bold: true)
        case .warning: TerminalStyle(foreground: .yellow, bold: true)
        case .erased: TerminalStyle(foreground: .blue)
        case .staged: TerminalStyle(foreground: .magenta, bold: true)
        case .boot: TerminalStyle(foreground: .cyan, bold: true)
        case .app: TerminalStyle(foreground: .blue)
        case .data: TerminalStyle(foreground: .yellow)
        case .bootloader: TerminalStyle(foreground: .magenta)
        case .table: TerminalStyle(foreground: .cyan)
        case .free: TerminalStyle(dim: true)
        case .accent: TerminalStyle(foreground: .cyan)
        case .key: TerminalStyle(foreground: .black, background: .cyan)
        case .header: TerminalStyle(bold: true, underline: true)
        case .prompt: TerminalStyle(foreground: .yellow, bold: true)
        case .structField: TerminalStyle(foreground: .black, background: .yellow)
        case .changed: TerminalStyle(foreground: .yellow, bold: true)
        }
    }

    /// Attributes only: for `NO_COLOR`, `--no-color` and terminals without colour.
    public static let monochrome = Theme { role in
        switch role {
        case .normal: TerminalStyle()
        case .dim: TerminalStyle(dim: true)
        case .title: TerminalStyle(bold: true)
        case .border: TerminalStyle()
        case .selected: TerminalStyle(reverse: true)
        case .focusBorder: TerminalStyle(bold: true)
        case .valid: TerminalStyle()
        case .invalid: TerminalStyle(bold: true)
        case .warning: TerminalStyle(bold: true)
        case .erased: TerminalStyle(dim: true)
        case .staged: TerminalStyle(bold: true, underline: true)
        case .boot: TerminalStyle(bold: true)
        case .app: TerminalStyle()
        case .data: TerminalStyle()
        case .bootloader: TerminalStyle()
        case .table: TerminalStyle()
        case .free: TerminalStyle(dim: true)
        case .accent: TerminalStyle(bold: true)
        case .key: TerminalStyle(reverse: true)
        case .header: TerminalStyle(bold: true, underline: true)
        case .prompt: TerminalStyle(bold: true)
        case .structField: TerminalStyle(underline: true)
        case .changed: TerminalStyle(bold: true)
        }
    }
}
