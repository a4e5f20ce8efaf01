#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlashFormats
import FlashModel

/// Runs of identical 16-byte rows found so far, so that a collapsed run of 0xFF is scanned once,
/// not on every key press. Each entry is a maximal run of at least three identical full rows.
///
/// A memo over the document's bytes: edits drop the runs they touch (``invalidate(_:)``).
final class RunCache {
    private(set) var runs: [Range<Int>] = []

    func clear() { runs.removeAll() }

    /// Forgets every run that touches or borders one of `ranges` (an edit can split a run or
    /// extend its neighbour).
    func invalidate(_ ranges: [Range<Int>]) {
        let row = HexView.rowSize
        runs.removeAll { r in ranges.contains { e in r.lowerBound <= e.upperBound + row && e.lowerBound - row <= r.upperBound } }
    }

    func lookup(_ offset: Int) -> Range<Int>? {
        var lo = 0, hi = runs.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if runs[mid].upperBound <= offset { lo = mid + 1 } else { hi = mid }
        }
        return lo < runs.count && runs[lo].contains(offset) ? runs[lo] : nil
    }

    func insert(_ r: Range<Int>) {
        let i = runs.firstIndex { $0.lowerBound > r.lowerBound } ?? runs.count
        runs.insert(r, at: i)
    }
}

/// The hex pane's display lines over the whole image: one line per 16-byte row, except that a
/// run of identical rows shows its first row and then one collapsed line for the rest. The row
/// under the cursor is always shown, splitting a run around it.
///
/// The segmentation is canonical (it depends only on the bytes and the cursor), so scrolling is
/// a walk from line to line; runs are found with `memcmp` and remembered in a ``RunCache``, which
/// keeps every operation proportional to what is on screen once a run has been seen.
struct HexView {
    static let rowSize = 16
    /// Shortest run that collapses: its first row plus at least two more.
    static let minimumCollapsed = 2 * rowSize

    struct Line: Equatable {
        var start: Int
        var end: Int
        var isCollapsed: Bool
        func contains(_ offset: Int) -> Bool { start <= offset && offset < end }
        var rowCount: Int { (end - start + HexView.rowSize - 1) / HexView.rowSize }
    }

    let doc: FlashDocument
    let runs: RunCache
    var cursor: Int

    init(doc: FlashDocument, runs: RunCache, cursor: Int) {
        self.doc = doc; self.runs = runs; self.cursor = cursor
    }

    var count: Int { doc.count }
    /// End of the last complete row; a shorter last row is always shown on its own.
    var fullRowsEnd: Int { count / Self.rowSize * Self.rowSize }

    // MARK: Lines

    /// The display line containing `offset`.
    func line(at offset: Int) -> Line {
        let row = max(0, offset) / Self.rowSize * Self.rowSize
        let data = Line(start: row, end: min(row + Self.rowSize, max(count, row + 1)), isCollapsed: false)
        guard row + Self.rowSize <= count else { return data }
        let run = self.run(containing: row)
        guard run.count > Self.minimumCollapsed, row != run.lowerBound else { return data }
        let tail = (run.lowerBound + Self.rowSize)..<run.upperBound
        let c = cursor / Self.rowSize * Self.rowSize
        let segment: Range<Int>
        if tail.contains(c) {
            if row == c { return data }
            segment = row < c ? tail.lowerBound..<c : (c + Self.rowSize)..<tail.upperBound
        } else {
            segment = tail
        }
        return segment.count >= Self.minimumCollapsed ? Line(start: segment.lowerBound, end: segment.upperBound, isCollapsed: true) : data
    }

    /// Up to `count` display lines starting with the one that contains `top`.
    func lines(from top: Int, count wanted: Int) -> [Line] {
        var out: [Line] = []
        guard count > 0 else { return out }
        var pos = line(at: min(max(0, top), count - 1)).start
        while out.count < wanted, pos < count {
            let l = line(at: pos)
            out.append(l)
            pos = l.end
        }
        return out
    }

    /// Start of the nearest uncollapsed line ending at or before `start`.
    func previousDataLine(before start: Int) -> Int? {
        var p = start
        while p > 0 {
            let l = line(at: p - 1)
            if !l.isCollapsed { return l.start }
            p = l.start
        }
        return nil
    }

    /// Start of the first uncollapsed line at or after `end`.
    func nextDataLine(after end: Int) -> Int? {
        var p = end
        while p < count {
            let l = line(at: p)
            if !l.isCollapsed { return l.start }
            p = l.end
        }
        return nil
    }

    /// The line start `k` display lines above the line containing `top`.
    func walkBack(from top: Int, lines k: Int) -> Int {
        guard count > 0 else { return 0 }
        var p = line(at: min(max(0, top), count - 1)).start
        var left = k
        while left > 0, p > 0 {
            p = line(at: p - 1).start
            left -= 1
        }
        return p
    }

    /// The top that shows the last line at the bottom of a pane of `rows` lines.
    func maxTop(rows: Int) -> Int {
        guard count > 0 else { return 0 }
        return walkBack(from: count - 1, lines: max(0, rows - 1))
    }

    /// `top`, moved as little as possible so that the cursor's line is among the first `rows`.
    func scrolledToShowCursor(top: Int, rows: Int) -> Int {
        guard count > 0 else { return 0 }
        let cursorLine = line(at: cursor)
        let t = line(at: min(max(0, top), count - 1)).start
        guard rows > 0 else { return cursorLine.start }
        if cursorLine.start < t { return cursorLine.start }
        let shown = lines(from: t, count: rows)
        if shown.contains(where: { $0.start == cursorLine.start }) {
            // Near the end, use the whole pane rather than leave empty rows below the last line.
            return shown.count < rows && t > 0 ? min(t, maxTop(rows: rows)) : t
        }
        return walkBack(from: cursorLine.start, lines: rows - 1)
    }

    // MARK: Runs

    /// The maximal run of identical full rows that contains `row` (just the row when its
    /// neighbours differ).
    func run(containing row: Int) -> Range<Int> {
        if let r = runs.lookup(row) { return r }
        let size = Self.rowSize
        let pattern = doc.bytes(row..<(row + size))
        let before = row >= size && doc.bytes((row - size)..<row) == pattern
        let after = row + 2 * size <= count && doc.bytes((row + size)..<(row + 2 * size)) == pattern
        if !before && !after { return row..<(row + size) }
        let start = before ? scanBackward(from: row, pattern: pattern) : row
        let end = after ? scanForward(from: row, pattern: pattern) : row + size
        let r = start..<end
        if r.count > Self.minimumCollapsed { runs.insert(r) }
        return r
    }

    /// First full row after `row` that differs from `pattern` (or the end of the full rows).
    func scanForward(from row: Int, pattern: [UInt8]) -> Int {
        let limit = fullRowsEnd
        let rep = Replicated(pattern)
        var pos = row + Self.rowSize
        let block = 1 << 20
        while pos < limit {
            let end = min(limit, pos + block)
            var chunkStart = pos
            var found: Int?
            doc.forEachChunk(in: pos..<end) { chunk in
                guard found == nil else { return }
                if let m = rep.firstMismatch(chunk, phase: chunkStart % Self.rowSize) { found = chunkStart + m }
                chunkStart += chunk.count
            }
            if let found { return found / Self.rowSize * Self.rowSize }
            pos = end
        }
        return limit
    }

    /// First row of the run of `pattern` rows that ends with `row`.
    func scanBackward(from row: Int, pattern: [UInt8]) -> Int {
        let rep = Replicated(pattern)
        var pos = row
        let block = 1 << 20
        while pos > 0 {
            let start = max(0, pos - block)
            var chunkStart = start
            var last: Int?
            doc.forEachChunk(in: start..<pos) { chunk in
                if let m = rep.lastMismatch(chunk, phase: chunkStart % Self.rowSize) { last = chunkStart + m }
                chunkStart += chunk.count
            }
            if let last { return (last / Self.rowSize + 1) * Self.rowSize }
            pos = start
        }
        return 0
    }
}

/// A 16-byte pattern repeated over 4 KiB (plus two rows of slack for the phase), for `memcmp`.
struct Replicated {
    static let span = 4096
    let bytes: [UInt8]

    init(_ pattern: [UInt8]) {
        var b = [UInt8]()
        b.reserveCapacity(Self.span + 2 * HexView.rowSize)
        while b.count < Self.span + 2 * HexView.rowSize { b += pattern }
        bytes = b
    }

    /// Index of the first byte of `chunk` that differs from the pattern, where chunk byte 0
    /// corresponds to pattern byte `phase`.
    func firstMismatch(_ chunk: UnsafeRawBufferPointer, phase: Int) -> Int? {
        guard let base = chunk.baseAddress else { return nil }
        return bytes.withUnsafeBytes { rep -> Int? in
            var i = 0
            while i < chunk.count {
                let n = min(Self.span, chunk.count - i)
                if memcmp(base + i, rep.baseAddress! + phase, n) != 0 {
                    for j in 0..<n where chunk[i + j] != rep[phase + j] { return i + j }
                }
                i += n
            }
            return nil
        }
    }

    /// Index of the last byte of `chunk` that differs from the pattern.
    func lastMismatch(_ chunk: UnsafeRawBufferPointer, phase: Int) -> Int? {
        guard let base = chunk.baseAddress else { return nil }
        return bytes.withUnsafeBytes { rep -> Int? in
            var end = chunk.count
            while end > 0 {
                // Pieces that keep the pattern phase: start on the same phase as byte 0.
                let startAligned = max(0, end - Self.span) / HexView.rowSize * HexView.rowSize
                let n = end - startAligned
                if memcmp(base + startAligned, rep.baseAddress! + phase, n) != 0 {
                    for j in stride(from: n - 1, through: 0, by: -1) where chunk[startAligned + j] != rep[phase + j] {
                        return startAligned + j
                    }
                }
                end = startAligned
            }
            return nil
        }
    }
}
