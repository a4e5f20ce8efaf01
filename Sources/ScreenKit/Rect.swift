/// An axis-aligned rectangle of cells: origin at the top-left, `x` grows right, `y` grows down.
///
/// Width and height are never negative: every initializer and helper clamps them at zero, and
/// all arithmetic saturates instead of trapping, so any `Int` coordinates are safe. Mirrors
/// ratatui's `Rect`.
public struct Rect: Hashable, Sendable, CustomStringConvertible {
    /// Left column.
    public var x: Int
    /// Top row.
    public var y: Int
    /// Number of columns (never negative).
    public var width: Int { didSet { if width < 0 { width = 0 } } }
    /// Number of rows (never negative).
    public var height: Int { didSet { if height < 0 { height = 0 } } }

    /// Creates a rectangle; negative sizes become zero.
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    /// The empty rectangle at the origin.
    public static let zero = Rect(x: 0, y: 0, width: 0, height: 0)

    /// One past the right-most column (`x + width`, saturating).
    public var maxX: Int { saturatingAdd(x, width) }
    /// One past the bottom row (`y + height`, saturating).
    public var maxY: Int { saturatingAdd(y, height) }
    /// True when the rectangle covers no cell.
    public var isEmpty: Bool { width == 0 || height == 0 }
    /// `width × height`, saturating.
    public var area: Int { saturatingMul(width, height) }

    public var description: String { "Rect(x: \(x), y: \(y), \(width)×\(height))" }

    /// Whether the cell at (`x`, `y`) lies inside the rectangle.
    public func contains(x px: Int, y py: Int) -> Bool {
        px >= x && px < maxX && py >= y && py < maxY
    }

    /// The overlap of two rectangles; empty (at the overlap's corner) when they do not meet.
    public func intersection(_ other: Rect) -> Rect {
        let left = max(x, other.x)
        let top = max(y, other.y)
        let right = min(maxX, other.maxX)
        let bottom = min(maxY, other.maxY)
        return Rect(x: left, y: top, width: saturatingSub(right, left), height: saturatingSub(bottom, top))
    }

    /// Shrinks the rectangle by the given margins; it never turns negative or moves outside itself.
    ///
    /// - Parameters:
    ///   - top: Rows removed at the top.
    ///   - left: Columns removed on the left.
    ///   - bottom: Rows removed at the bottom.
    ///   - right: Columns removed on the right.
    /// - Returns: The inner rectangle; negative margins are treated as zero.
    public func inset(top: Int = 0, left: Int = 0, bottom: Int = 0, right: Int = 0) -> Rect {
        let t = min(max(0, top), height)
        let l = min(max(0, left), width)
        let b = min(max(0, bottom), height - t)
        let r = min(max(0, right), width - l)
        return Rect(x: saturatingAdd(x, l), y: saturatingAdd(y, t), width: width - l - r, height: height - t - b)
    }

    /// Shrinks the rectangle by `dx` columns on each side and `dy` rows at top and bottom.
    public func inset(dx: Int, dy: Int) -> Rect {
        inset(top: dy, left: dx, bottom: dy, right: dx)
    }

    /// Shrinks the rectangle by `amount` on all four sides (a box border is `inset(by: 1)`).
    public func inset(by amount: Int) -> Rect {
        inset(top: amount, left: amount, bottom: amount, right: amount)
    }

    /// A rectangle of at most `width × height`, centred in this one (for dialogs).
    public func centered(width w: Int, height h: Int) -> Rect {
        let cw = min(max(0, w), width)
        let ch = min(max(0, h), height)
        return Rect(x: saturatingAdd(x, (width - cw) / 2), y: saturatingAdd(y, (height - ch) / 2), width: cw, height: ch)
    }

    /// The single row `row` (relative to the top) as a rectangle; empty when out of range.
    public func row(_ row: Int) -> Rect {
        guard row >= 0, row < height else { return Rect(x: x, y: y, width: 0, height: 0) }
        return Rect(x: x, y: saturatingAdd(y, row), width: width, height: 1)
    }

    // MARK: Carving

    /// Splits off up to `n` rows at the top.
    public func splitTop(_ n: Int) -> (top: Rect, rest: Rect) {
        let h = min(max(0, n), height)
        return (Rect(x: x, y: y, width: width, height: h),
                Rect(x: x, y: saturatingAdd(y, h), width: width, height: height - h))
    }

    /// Splits off up to `n` rows at the bottom.
    public func splitBottom(_ n: Int) -> (rest: Rect, bottom: Rect) {
        let h = min(max(0, n), height)
        return (Rect(x: x, y: y, width: width, height: height - h),
                Rect(x: x, y: saturatingAdd(y, height - h), width: width, height: h))
    }

    /// Splits off up to `n` columns on the left.
    public func splitLeft(_ n: Int) -> (left: Rect, rest: Rect) {
        let w = min(max(0, n), width)
        return (Rect(x: x, y: y, width: w, height: height),
                Rect(x: saturatingAdd(x, w), y: y, width: width - w, height: height))
    }

    /// Splits off up to `n` columns on the right.
    public func splitRight(_ n: Int) -> (rest: Rect, right: Rect) {
        let w = min(max(0, n), width)
        return (Rect(x: x, y: y, width: width - w, height: height),
                Rect(x: saturatingAdd(x, width - w), y: y, width: w, height: height))
    }

    // MARK: Layout

    /// Splits the rectangle horizontally into side-by-side columns.
    ///
    /// - Parameters:
    ///   - lengths: One ``Length`` per column, left to right.
    ///   - spacing: Blank columns between neighbours.
    /// - Returns: One rectangle per length, all inside `self`, never negative.
    public func splitColumns(_ lengths: [Length], spacing: Int = 0) -> [Rect] {
        Length.resolve(lengths, total: width, spacing: spacing).map { segment in
            Rect(x: saturatingAdd(x, segment.offset), y: y, width: segment.size, height: height)
        }
    }

    /// Splits the rectangle vertically into stacked rows.
    ///
    /// - Parameters:
    ///   - lengths: One ``Length`` per row, top to bottom.
    ///   - spacing: Blank rows between neighbours.
    /// - Returns: One rectangle per length, all inside `self`, never negative.
    public func splitRows(_ lengths: [Length], spacing: Int = 0) -> [Rect] {
        Length.resolve(lengths, total: height, spacing: spacing).map { segment in
            Rect(x: x, y: saturatingAdd(y, segment.offset), width: width, height: segment.size)
        }
    }
}

/// How much of a split one segment gets: a tiny layout solver (a small subset of ratatui's
/// `Constraint`).
///
/// Sizes are resolved in three passes, so the result is predictable when space is short:
/// 1. ``fixed(_:)`` segments, in order, each clamped to what is left;
/// 2. ``fraction(_:)`` segments, each a share of the whole (minus spacing), rounded down and
///    clamped to what is left;
/// 3. ``fill`` segments share the remainder equally (earlier ones get the odd cells).
public enum Length: Hashable, Sendable {
    /// Exactly this many cells (fewer if the space runs out).
    case fixed(Int)
    /// This share (0...1) of the available cells, rounded down.
    case fraction(Double)
    /// An equal share of whatever the other segments left.
    case fill

    /// Resolves lengths into `(offset, size)` segments along one axis of `total` cells.
    static func resolve(_ lengths: [Length], total: Int, spacing: Int) -> [(offset: Int, size: Int)] {
        guard !lengths.isEmpty else { return [] }
        let total = max(0, total)
        let gap = max(0, spacing)
        let gaps = saturatingMul(gap, lengths.count - 1)
        let available = max(0, saturatingSub(total, gaps))
        var sizes = [Int](repeating: 0, count: lengths.count)
        var remaining = available

        for (i, length) in lengths.enumerated() {
            if case .fixed(let n) = length {
                sizes[i] = min(max(0, n), remaining)
                remaining -= sizes[i]
            }
        }
        for (i, length) in lengths.enumerated() {
            if case .fraction(let f) = length {
                let share = f.isFinite ? min(max(f, 0), 1) : 0
                let exact = (Double(available) * share).rounded(.down)
                let wanted = exact >= Double(Int.max) ? Int.max : Int(exact)
                sizes[i] = min(max(0, wanted), remaining)
                remaining -= sizes[i]
            }
        }
        let fillIndices = lengths.indices.filter { lengths[$0] == .fill }
        if !fillIndices.isEmpty {
            let each = remaining / fillIndices.count
            var extra = remaining % fillIndices.count
            for i in fillIndices {
                sizes[i] = each + (extra > 0 ? 1 : 0)
                extra -= 1
            }
        }

        var result: [(offset: Int, size: Int)] = []
        result.reserveCapacity(lengths.count)
        var offset = 0
        for size in sizes {
            let start = min(offset, total)
            result.append((start, min(size, total - start)))
            offset = saturatingAdd(saturatingAdd(offset, size), gap)
        }
        return result
    }
}
