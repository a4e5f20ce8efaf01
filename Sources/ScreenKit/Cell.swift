/// One character cell of the screen: a glyph, its semantic role, and a bold flag.
///
/// **Width assumption.** ScreenKit assumes every cell holds exactly one grapheme that occupies
/// exactly one terminal column. All glyphs ScreenKit itself draws satisfy this (box drawing
/// `┌─┐│`, `✓ ✗ ▶ ◀ █ ▓ ▒ ░ · …` and ASCII). Text that comes from outside (strings found in a
/// flash image, file names) is passed through ``Character/terminalSafe`` by
/// ``ScreenBuffer/put(_:x:y:role:bold:maxWidth:clip:)``: control characters, zero-width and
/// double-width graphemes (CJK, emoji) are replaced by `?`, so the one-column invariant — and
/// with it every layout computation — always holds. Mirrors SwiftTUI's `Cell` and ratatui's
/// `Cell`, minus their double-width handling, which we do not need.
public struct Cell: Equatable, Hashable, Sendable {
    /// The grapheme shown in this cell (one terminal column).
    public var char: Character
    /// What the cell means; the backend's theme turns it into colours and attributes.
    public var role: Role
    /// Draw in bold on top of whatever the role's style is.
    public var bold: Bool

    /// Creates a cell.
    ///
    /// - Parameters:
    ///   - char: One grapheme of display width 1 (not checked here; see the type's notes).
    ///   - role: The semantic style.
    ///   - bold: Extra bold on top of the role's style.
    public init(char: Character, role: Role = .normal, bold: Bool = false) {
        self.char = char
        self.role = role
        self.bold = bold
    }

    /// An empty cell: a space in the normal role.
    public static let blank = Cell(char: " ")
}
