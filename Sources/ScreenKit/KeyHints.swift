/// One entry of the key-hint bar: the key as shown ("q", "Tab", "F2") and what it does.
public struct KeyHint: Hashable, Sendable {
    public var key: String
    public var label: String

    public init(_ key: String, _ label: String) {
        self.key = key
        self.label = label
    }
}

extension ScreenBuffer {
    /// Draws a key-hint bar like `q Quit  Tab Next pane  ? Help` on one row.
    ///
    /// Keys use ``Role/key`` and labels ``Role/normal``; items are separated by two spaces.
    /// Items are placed in order, and an item that does not fit in the remaining width is
    /// dropped (a later, shorter one may still fit) — list the most important keys first, as
    /// htop's `FunctionBar` and lazygit's options bar do. Nothing is ever cut in half.
    ///
    /// - Parameters:
    ///   - hints: The hints, most important first.
    ///   - x: The bar's first column.
    ///   - y: The row.
    ///   - width: The bar's width.
    /// - Returns: The hints that were drawn.
    @discardableResult
    public mutating func drawKeyHints(_ hints: [KeyHint], x: Int, y: Int, width: Int) -> [KeyHint] {
        let separator = 2
        var used = 0
        var drawn: [KeyHint] = []
        for hint in hints {
            let key = hint.key.terminalSafe
            let label = hint.label.terminalSafe
            let itemWidth = key.count + (label.isEmpty ? 0 : 1 + label.count)
            let needed = itemWidth + (drawn.isEmpty ? 0 : separator)
            guard used + needed <= width else { continue }
            var column = saturatingAdd(x, used + (drawn.isEmpty ? 0 : separator))
            column = put(key, x: column, y: y, role: .key)
            if !label.isEmpty {
                put(label, x: saturatingAdd(column, 1), y: y, role: .normal)
            }
            used += needed
            drawn.append(hint)
        }
        return drawn
    }
}
