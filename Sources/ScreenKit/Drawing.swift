/// A run of text in one style, for lines that mix roles ("CRC 0x1A2B3C4D " + "✓").
public struct Span: Hashable, Sendable, ExpressibleByStringLiteral {
    public var text: String
    public var role: Role
    public var bold: Bool

    public init(_ text: String, role: Role = .normal, bold: Bool = false) {
        self.text = text
        self.role = role
        self.bold = bold
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }
}

extension ScreenBuffer {
    /// Draws a box around `rect` with an optional title embedded in the top border.
    ///
    /// The result looks like `┌ Title ──────┐`; a title that does not fit is truncated with the
    /// ellipsis glyph, and dropped when fewer than two of its columns would show. The focused
    /// box uses ``Glyphs/focusedBox`` and ``Role/focusBorder``, so focus is visible without
    /// colour. Rectangles smaller than 2×2 draw nothing. The interior is not cleared.
    ///
    /// - Parameters:
    ///   - rect: The outer rectangle, border included.
    ///   - title: Text for the top border, or `nil`.
    ///   - focused: Whether this pane has keyboard focus.
    ///   - glyphs: The glyph set in use.
    /// - Returns: The interior (`rect.inset(by: 1)`).
    @discardableResult
    public mutating func drawBox(_ rect: Rect, title: String? = nil, focused: Bool = false, glyphs: Glyphs) -> Rect {
        let inner = rect.inset(by: 1)
        guard rect.width >= 2, rect.height >= 2 else { return inner }
        let g = focused ? glyphs.focusedBox : glyphs.box
        let role: Role = focused ? .focusBorder : .border
        let left = rect.x, top = rect.y
        let right = rect.maxX - 1, bottom = rect.maxY - 1
        let innerX = saturatingAdd(left, 1), innerY = saturatingAdd(top, 1)

        fill(Rect(x: innerX, y: top, width: rect.width - 2, height: 1), char: g.horizontal, role: role)
        fill(Rect(x: innerX, y: bottom, width: rect.width - 2, height: 1), char: g.horizontal, role: role)
        fill(Rect(x: left, y: innerY, width: 1, height: rect.height - 2), char: g.vertical, role: role)
        fill(Rect(x: right, y: innerY, width: 1, height: rect.height - 2), char: g.vertical, role: role)
        set(Cell(char: g.topLeft, role: role), atX: rect.x, y: rect.y)
        set(Cell(char: g.topRight, role: role), atX: right, y: rect.y)
        set(Cell(char: g.bottomLeft, role: role), atX: rect.x, y: bottom)
        set(Cell(char: g.bottomRight, role: role), atX: right, y: bottom)

        if let title {
            drawBorderTitle(title, x: innerX, y: top, width: rect.width - 2, lead: 0, focused: focused, glyphs: glyphs)
        }
        return inner
    }

    /// Draws a horizontal rule on row `y`, optionally with a title: `─ Title ──────`, or
    /// `├ Title ─────┤` when it divides a box.
    ///
    /// - Parameters:
    ///   - x: The first column.
    ///   - y: The row.
    ///   - width: The rule's length in columns.
    ///   - title: Text embedded after one line glyph, or `nil`.
    ///   - joinsBox: Draw tees (`├ … ┤`) at both ends, for a divider across a box of the same
    ///     `x` and `width`.
    ///   - focused: Use the focused box's tees and ``Role/focusBorder`` (the line itself stays light).
    ///   - glyphs: The glyph set in use.
    public mutating func drawRule(x: Int, y: Int, width: Int, title: String? = nil, joinsBox: Bool = false,
                                  focused: Bool = false, glyphs: Glyphs) {
        guard width > 0 else { return }
        let g = focused ? glyphs.focusedBox : glyphs.box
        let role: Role = focused ? .focusBorder : .border
        fill(Rect(x: x, y: y, width: width, height: 1), char: glyphs.box.horizontal, role: role)
        if joinsBox, width >= 2 {
            set(Cell(char: g.teeLeft, role: role), atX: x, y: y)
            set(Cell(char: g.teeRight, role: role), atX: saturatingAdd(x, width - 1), y: y)
            if let title {
                drawBorderTitle(title, x: saturatingAdd(x, 1), y: y, width: width - 2, lead: 0,
                                focused: focused, glyphs: glyphs)
            }
        } else if let title {
            drawBorderTitle(title, x: x, y: y, width: width, lead: 1, focused: focused, glyphs: glyphs)
        }
    }

    /// Draws one line of text in a field of `width` columns: truncated with the ellipsis glyph
    /// when too long, aligned when shorter. Only the text's own cells are written (the rest of
    /// the field keeps what was there).
    ///
    /// - Parameters:
    ///   - text: The text (sanitized by ``String/terminalSafe``).
    ///   - x: The field's first column.
    ///   - y: The row.
    ///   - width: The field width.
    ///   - role: The role of the text.
    ///   - bold: Whether the text is bold.
    ///   - alignment: Where the text sits in the field.
    ///   - glyphs: Supplies the ellipsis.
    /// - Returns: The column just past the written text.
    @discardableResult
    public mutating func drawText(_ text: String, x: Int, y: Int, width: Int, role: Role = .normal, bold: Bool = false,
                                  alignment: TextAlignment = .left, glyphs: Glyphs) -> Int {
        guard width > 0 else { return x }
        let shown = text.terminalSafe.truncated(to: width, ellipsis: glyphs.ellipsis)
        let slack = width - shown.count
        let offset: Int
        switch alignment {
        case .left: offset = 0
        case .right: offset = slack
        case .center: offset = slack / 2
        }
        return put(shown, x: saturatingAdd(x, offset), y: y, role: role, bold: bold)
    }

    /// Draws styled spans one after another in a field of `width` columns, truncating the span
    /// that crosses the edge with the ellipsis glyph and dropping the rest.
    ///
    /// - Returns: The column just past the last written cell.
    @discardableResult
    public mutating func drawSpans(_ spans: [Span], x: Int, y: Int, width: Int, glyphs: Glyphs) -> Int {
        var column = x
        var remaining = max(0, width)
        for (i, span) in spans.enumerated() {
            guard remaining > 0 else { break }
            let text = span.text.terminalSafe
            let restWidth = spans[(i + 1)...].reduce(0) { $0 + $1.text.count }
            // Truncate this span if it, or it plus the following spans, overflows the field.
            let shown: String
            if text.count > remaining || (text.count == remaining && restWidth > 0) {
                shown = text.truncated(to: remaining, ellipsis: glyphs.ellipsis)
            } else {
                shown = text
            }
            column = put(shown, x: column, y: y, role: span.role, bold: span.bold)
            remaining -= shown.count
            if shown.count < text.count { break }
        }
        return column
    }

    /// Writes ` title ` into a border row whose line glyphs span `x ..< x + width`, after `lead`
    /// line glyphs, keeping at least one line glyph after it. A title that cannot show at least
    /// two columns (or all of itself) is not drawn.
    private mutating func drawBorderTitle(_ title: String, x: Int, y: Int, width: Int, lead: Int,
                                          focused: Bool, glyphs: Glyphs) {
        let room = width - lead - 3
        let safe = title.terminalSafe
        guard !safe.isEmpty, room >= 1, room >= 2 || safe.count <= room else { return }
        let text = safe.truncated(to: room, ellipsis: glyphs.ellipsis)
        let borderRole: Role = focused ? .focusBorder : .border
        let start = saturatingAdd(x, lead)
        put(" ", x: start, y: y, role: borderRole)
        let end = put(text, x: saturatingAdd(start, 1), y: y, role: .title, bold: focused)
        put(" ", x: end, y: y, role: borderRole)
    }
}
