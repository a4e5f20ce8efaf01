/// Horizontal placement of text inside a field.
public enum TextAlignment: Hashable, Sendable {
    case left, center, right
}

extension Character {
    /// Whether this grapheme can be put in one cell: printable and exactly one column wide.
    ///
    /// Rejected: control characters (C0, DEL, C1), format characters (zero-width joiners, bidi
    /// overrides), line/paragraph separators, lone combining marks, surrogates/unassigned code
    /// points, and double-width graphemes (East Asian wide/fullwidth ranges, emoji presentation,
    /// variation selector 16, ZWJ sequences). The width table is a deliberately small
    /// approximation of Unicode's East Asian Width property: it errs towards rejecting, since a
    /// rejected grapheme only becomes `?` while a misjudged wide one would shift the whole row.
    public var isSingleColumn: Bool {
        let scalars = unicodeScalars
        guard let first = scalars.first else { return false }
        // Fast path: printable ASCII.
        if first.value >= 0x20, first.value < 0x7f, scalars.count == 1 { return true }
        switch first.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned,
             .privateUse, .nonspacingMark, .enclosingMark, .spacingMark:
            return false
        default:
            break
        }
        for scalar in scalars {
            let v = scalar.value
            if v == 0xFE0F || v == 0x200D { return false }  // emoji presentation / ZWJ sequence
            if scalar.properties.isEmojiPresentation { return false }
            if Character.isWide(v) { return false }
        }
        return true
    }

    /// This grapheme if it is ``isSingleColumn``, otherwise `?`.
    public var terminalSafe: Character {
        isSingleColumn ? self : "?"
    }

    /// East Asian Wide / Fullwidth ranges (approximate, see ``isSingleColumn``).
    private static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF,
             0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3,
             0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF,
             0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }
}

extension String {
    /// The string with every grapheme that is not ``Character/isSingleColumn`` replaced by `?`,
    /// so that its `count` equals the number of terminal columns it occupies.
    ///
    /// Use it for anything that did not come from our own code (names read from an image)
    /// before measuring it. ``ScreenBuffer/put(_:x:y:role:bold:maxWidth:clip:)`` applies it
    /// itself.
    public var terminalSafe: String {
        if allSatisfy(\.isSingleColumn) { return self }
        return String(map(\.terminalSafe))
    }

    /// The string cut to at most `width` columns, ending in `ellipsis` when something was cut.
    ///
    /// - Parameters:
    ///   - width: The maximum number of columns; zero or less gives `""`.
    ///   - ellipsis: The mark that replaces the last kept column (`Glyphs.ellipsis`), or `nil`
    ///     to cut without a mark.
    /// - Returns: `self` when it already fits, else a string of exactly `width` columns.
    public func truncated(to width: Int, ellipsis: Character? = "…") -> String {
        guard width > 0 else { return "" }
        if count <= width { return self }
        guard let ellipsis else { return String(prefix(width)) }
        return String(prefix(width - 1)) + String(ellipsis)
    }

    /// The string padded with spaces to at least `width` columns (never truncated).
    ///
    /// - Parameters:
    ///   - width: The target width.
    ///   - alignment: Where the text sits; `.center` puts the odd space on the right.
    public func padded(to width: Int, alignment: TextAlignment = .left) -> String {
        let missing = width - count
        guard missing > 0 else { return self }
        switch alignment {
        case .left:
            return self + String(repeating: " ", count: missing)
        case .right:
            return String(repeating: " ", count: missing) + self
        case .center:
            let left = missing / 2
            return String(repeating: " ", count: left) + self + String(repeating: " ", count: missing - left)
        }
    }

    /// The string right-aligned in a field of `width` columns (padded on the left, never truncated).
    public func rightAligned(to width: Int) -> String {
        padded(to: width, alignment: .right)
    }

    /// The string truncated (with `ellipsis`) and then padded, so it is exactly `width` columns.
    public func fitted(to width: Int, alignment: TextAlignment = .left, ellipsis: Character? = "…") -> String {
        truncated(to: width, ellipsis: ellipsis).padded(to: width, alignment: alignment)
    }
}
