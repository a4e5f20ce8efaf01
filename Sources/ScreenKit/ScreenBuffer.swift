/// A width × height grid of ``Cell``s that widgets draw into, with no terminal attached.
///
/// This is the whole rendering model: every frame the application draws a fresh buffer, the
/// backend compares it with the previous one (``diff(from:)``) and sends only the changed cells
/// to the terminal. Tests render into a buffer and compare ``lines()`` with literal strings.
/// Mirrors ratatui's `Buffer`.
///
/// Every writing method clips: coordinates may be negative, huge or `Int.min`/`Int.max`, and the
/// buffer may be 0×0; nothing traps and nothing is written outside the grid.
public struct ScreenBuffer: Equatable, Sendable, CustomStringConvertible {
    /// Number of columns.
    public let width: Int
    /// Number of rows.
    public let height: Int
    /// Row-major cells, `width * height` of them.
    public private(set) var cells: [Cell]

    /// Creates a buffer filled with `fill`; negative sizes become zero.
    public init(width: Int, height: Int, fill: Cell = .blank) {
        let w = max(0, width)
        let h = max(0, height)
        // Refuse absurd sizes instead of trapping in the allocator: a terminal is never this big.
        let limit = 1 << 24
        let (w2, h2) = saturatingMul(w, h) > limit ? (0, 0) : (w, h)
        self.width = w2
        self.height = h2
        self.cells = Array(repeating: fill, count: w2 * h2)
    }

    /// Creates a buffer from lines of text (as ``lines()`` returns them), in one role.
    ///
    /// - Parameters:
    ///   - lines: One string per row; shorter rows are padded with blanks.
    ///   - width: The buffer width; defaults to the longest line.
    ///   - role: The role of every cell.
    public init(lines: [String], width: Int? = nil, role: Role = .normal) {
        let safe = lines.map(\.terminalSafe)
        self.init(width: width ?? safe.map(\.count).max() ?? 0, height: safe.count)
        for (row, line) in safe.enumerated() {
            put(line, x: 0, y: row, role: role)
        }
    }

    /// The whole buffer as a rectangle at the origin.
    public var area: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public var description: String { lines().joined(separator: "\n") }

    // MARK: Reading

    /// The cell at (`x`, `y`), or `nil` outside the buffer.
    public func cell(atX x: Int, y: Int) -> Cell? {
        guard let i = index(x, y) else { return nil }
        return cells[i]
    }

    /// The role of the cell at (`x`, `y`), or `nil` outside the buffer.
    public func role(atX x: Int, y: Int) -> Role? {
        cell(atX: x, y: y)?.role
    }

    /// The text of every row, with trailing spaces removed (the golden-test format).
    public func lines() -> [String] {
        (0..<height).map { row in
            var line = String()
            line.reserveCapacity(width)
            for cell in cells[row * width ..< (row + 1) * width] { line.append(cell.char) }
            while line.last == " " { line.removeLast() }
            return line
        }
    }

    /// The cells that differ from `previous`, in row-major order.
    ///
    /// - Parameter previous: The frame currently on screen.
    /// - Returns: The changed cells with their coordinates; every cell when the sizes differ.
    public func diff(from previous: ScreenBuffer) -> [(x: Int, y: Int, cell: Cell)] {
        var changes: [(x: Int, y: Int, cell: Cell)] = []
        let sameSize = previous.width == width && previous.height == height
        for i in cells.indices where !sameSize || cells[i] != previous.cells[i] {
            changes.append((x: i % width, y: i / width, cell: cells[i]))
        }
        return changes
    }

    // MARK: Writing

    /// Sets one cell; does nothing outside the buffer.
    ///
    /// The caller is responsible for `cell.char` being one column wide (see ``Cell``); use
    /// ``put(_:x:y:role:bold:maxWidth:clip:)`` for text from outside.
    public mutating func set(_ cell: Cell, atX x: Int, y: Int) {
        guard let i = index(x, y) else { return }
        cells[i] = cell
    }

    /// Writes a string on one row, one grapheme per cell, clipped to the buffer, `clip` and
    /// `maxWidth`.
    ///
    /// Graphemes that are not one column wide become `?` (``Character/terminalSafe``), so a
    /// string always advances by its `count`. Parts left of the buffer (negative `x`) are
    /// skipped, not shifted: `put("hello", x: -2, ...)` shows `llo` at column 0.
    ///
    /// - Parameters:
    ///   - string: The text; newlines and other control characters are shown as `?`.
    ///   - x: The column of the first grapheme (any value).
    ///   - y: The row (any value).
    ///   - role: The role of the written cells.
    ///   - bold: Whether the written cells are bold.
    ///   - maxWidth: At most this many columns are considered (no ellipsis; see `drawText`).
    ///   - clip: Only cells inside this rectangle are written.
    /// - Returns: The column just past the (width-limited) string, even where it was clipped,
    ///   so consecutive `put`s can be chained.
    @discardableResult
    public mutating func put(_ string: String, x: Int, y: Int, role: Role = .normal, bold: Bool = false,
                             maxWidth: Int? = nil, clip: Rect? = nil) -> Int {
        let length = min(string.count, maxWidth.map { max(0, $0) } ?? Int.max)
        let end = saturatingAdd(x, length)
        var bounds = area
        if let clip { bounds = bounds.intersection(clip) }
        guard y >= bounds.y, y < bounds.maxY, x < bounds.maxX, end > bounds.x else { return end }
        var column = x
        for character in string.prefix(length) {
            if column >= bounds.maxX { break }
            if column >= bounds.x {
                cells[y * width + column] = Cell(char: character.terminalSafe, role: role, bold: bold)
            }
            column += 1  // cannot overflow: column < bounds.maxX <= width
        }
        return end
    }

    /// Fills a rectangle (clipped to the buffer) with one character.
    ///
    /// - Parameters:
    ///   - rect: The area to fill; may extend past the buffer.
    ///   - char: The fill character (one column wide).
    ///   - role: The role of the filled cells.
    ///   - bold: Whether the filled cells are bold.
    public mutating func fill(_ rect: Rect, char: Character = " ", role: Role = .normal, bold: Bool = false) {
        let r = rect.intersection(area)
        guard !r.isEmpty else { return }
        let cell = Cell(char: char.terminalSafe, role: role, bold: bold)
        for row in r.y ..< r.maxY {
            let base = row * width
            for column in r.x ..< r.maxX { cells[base + column] = cell }
        }
    }

    /// Changes the role (and optionally boldness) of a rectangle's cells, keeping their glyphs.
    ///
    /// Used to highlight what is already drawn, e.g. the selected row of a list.
    public mutating func setRole(_ role: Role, in rect: Rect, bold: Bool? = nil) {
        let r = rect.intersection(area)
        guard !r.isEmpty else { return }
        for row in r.y ..< r.maxY {
            let base = row * width
            for column in r.x ..< r.maxX {
                cells[base + column].role = role
                if let bold { cells[base + column].bold = bold }
            }
        }
    }

    /// Resets every cell to blank.
    public mutating func clear() {
        for i in cells.indices { cells[i] = .blank }
    }

    /// The flat index of (`x`, `y`), or `nil` outside the buffer.
    private func index(_ x: Int, _ y: Int) -> Int? {
        guard x >= 0, y >= 0, x < width, y < height else { return nil }
        return y * width + x
    }
}
