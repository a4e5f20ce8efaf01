import FlashFormats

/// An image being looked at and possibly edited: the original bytes plus an overlay of changed
/// 4 KiB sectors (flash is erased per sector), with undo and redo.
///
/// Every reader (analysis, hex view, saving) goes through `ByteSource`, so it sees the edits. The
/// original is never written; an edit of one sector costs one sector of memory.
public final class FlashDocument: ByteSource {
    public static let sectorSize = 0x1000

    /// What the document was opened from.
    public let base: any ByteSource
    /// The mapped input file, when there is one.
    public let file: MappedFile?
    public var count: Int { base.count }

    /// Changed sectors by index. The last sector of an odd-sized file is shorter.
    private var overlay: [Int: [UInt8]] = [:]
    /// Bumped each time a sector's content changes, for the digest cache.
    private var generation: [Int: Int] = [:]
    private var clock = 0

    public struct Edit: Sendable {
        public let label: String
        /// Sector contents before and after (nil = original bytes).
        let before: [Int: [UInt8]?]
        let after: [Int: [UInt8]?]
        public var sectors: [Int] { after.keys.sorted() }
    }
    public private(set) var undoStack: [Edit] = []
    public private(set) var redoStack: [Edit] = []

    public init(_ base: any ByteSource, file: MappedFile? = nil) {
        self.base = base
        self.file = file
    }

    public convenience init(file: MappedFile) { self.init(file, file: file) }

    /// A scratch copy that starts from `other`'s current bytes (its edits become this one's base).
    public convenience init(_ other: FlashDocument) { self.init(other.snapshot()) }

    /// The current bytes as a source that does not change when this document is edited later.
    public func snapshot() -> any ByteSource { Snapshot(base: base, overlay: overlay) }
    public convenience init(bytes: [UInt8]) { self.init(ByteArray(bytes)) }

    public var isModified: Bool { !overlay.isEmpty }
    public var canUndo: Bool { !undoStack.isEmpty }
    public var canRedo: Bool { !redoStack.isEmpty }

    public func forEachChunk(in range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        let r = clip(range)
        guard !r.isEmpty else { return }
        if overlay.isEmpty { return try base.forEachChunk(in: r, body) }
        var pos = r.lowerBound
        while pos < r.upperBound {
            let sector = pos / Self.sectorSize
            let sectorStart = sector * Self.sectorSize
            if let data = overlay[sector] {
                let end = Swift.min(r.upperBound, sectorStart + data.count)
                try data.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[(pos - sectorStart)..<(end - sectorStart)])) }
                pos = end
            } else {
                // Run of untouched sectors straight from the base.
                var end = Swift.min(r.upperBound, sectorStart + Self.sectorSize)
                while end < r.upperBound, overlay[end / Self.sectorSize] == nil {
                    end = Swift.min(r.upperBound, end + Self.sectorSize)
                }
                try base.forEachChunk(in: pos..<end, body)
                pos = end
            }
        }
    }

    // MARK: Editing

    public enum EditError: Error, CustomStringConvertible, Equatable {
        case outOfRange(Range<Int>, size: Int)
        public var description: String {
            switch self {
            case .outOfRange(let r, let size):
                "[\(Hex.short(r.lowerBound)), \(Hex.short(r.upperBound))) is outside the image (\(Hex.short(size)) bytes)"
            }
        }
    }

    /// A group of writes and erases that undo as one step.
    public struct Transaction {
        fileprivate var sectors: [Int: [UInt8]] = [:]
        fileprivate let doc: FlashDocument

        fileprivate mutating func sector(_ i: Int) -> [UInt8] {
            if let s = sectors[i] { return s }
            let start = i * FlashDocument.sectorSize
            let s = doc.bytes(start..<Swift.min(doc.count, start + FlashDocument.sectorSize))
            sectors[i] = s
            return s
        }

        /// Writes `bytes` at `offset` (no erase: the bytes simply replace what is there).
        public mutating func write(_ bytes: [UInt8], at offset: Int) throws(EditError) {
            guard offset >= 0, let end = offset.addingReportingOverflowChecked(bytes.count), end <= doc.count else {
                throw .outOfRange(offset..<(offset &+ bytes.count), size: doc.count)
            }
            var i = 0
            while i < bytes.count {
                let pos = offset + i
                let idx = pos / FlashDocument.sectorSize
                var s = sector(idx)
                let within = pos - idx * FlashDocument.sectorSize
                let n = Swift.min(bytes.count - i, s.count - within)
                s.replaceSubrange(within..<(within + n), with: bytes[i..<(i + n)])
                sectors[idx] = s
                i += n
            }
        }

        /// Sets `range` to 0xFF, as a flash erase does.
        public mutating func erase(_ range: Range<Int>) throws(EditError) {
            try write([UInt8](repeating: 0xFF, count: range.count), at: range.lowerBound)
        }
    }

    /// Applies `body`'s writes as one undoable edit named `label`. Nothing changes if `body` throws.
    @discardableResult
    public func edit<E: Error>(_ label: String, _ body: (inout Transaction) throws(E) -> Void) throws(E) -> Edit? {
        var tx = Transaction(doc: self)
        try body(&tx)
        var before: [Int: [UInt8]?] = [:]
        var after: [Int: [UInt8]?] = [:]
        for (idx, data) in tx.sectors {
            let original = overlay[idx]
            let current = original ?? baseSector(idx)
            guard data != current else { continue }
            before[idx] = original
            after[idx] = data == baseSector(idx) ? nil : data
        }
        guard !after.isEmpty else { return nil }
        let e = Edit(label: label, before: before, after: after)
        apply(e.after)
        undoStack.append(e)
        redoStack.removeAll()
        return e
    }

    /// Convenience for a single write.
    public func write(_ bytes: [UInt8], at offset: Int, label: String) throws(EditError) {
        try edit(label) { (tx: inout Transaction) throws(EditError) in try tx.write(bytes, at: offset) }
    }

    @discardableResult
    public func undo() -> Edit? {
        guard let e = undoStack.popLast() else { return nil }
        apply(e.before)
        redoStack.append(e)
        return e
    }

    @discardableResult
    public func redo() -> Edit? {
        guard let e = redoStack.popLast() else { return nil }
        apply(e.after)
        undoStack.append(e)
        return e
    }

    /// Drops every edit (after a save into the same file, or on request).
    public func discardEdits() {
        for idx in overlay.keys { bump(idx) }
        overlay.removeAll()
        undoStack.removeAll()
        redoStack.removeAll()
    }

    private func baseSector(_ idx: Int) -> [UInt8] {
        let start = idx * Self.sectorSize
        return base.bytes(start..<Swift.min(base.count, start + Self.sectorSize))
    }

    private func apply(_ state: [Int: [UInt8]?]) {
        for (idx, data) in state {
            overlay[idx] = data
            bump(idx)
        }
    }

    private func bump(_ idx: Int) {
        clock += 1
        generation[idx] = clock
    }

    /// Sectors whose bytes differ from the original, merged into ranges.
    public var changedRanges: [Range<Int>] {
        var out: [Range<Int>] = []
        for idx in overlay.keys.sorted() {
            let start = idx * Self.sectorSize
            let end = Swift.min(count, start + Self.sectorSize)
            if let last = out.last, last.upperBound == start { out[out.count - 1] = last.lowerBound..<end }
            else { out.append(start..<end) }
        }
        return out
    }

    /// True when `offset` lies in a changed sector.
    public func isChanged(_ offset: Int) -> Bool { overlay[offset / Self.sectorSize] != nil }

    /// The original (unedited) byte at `offset`.
    public func originalByte(at offset: Int) -> UInt8? { base.u8(at: offset) }

    // MARK: Digest cache

    private struct CacheKey: Hashable { let lo: Int; let hi: Int }
    private var shaCache: [CacheKey: (stamp: Int, digest: [UInt8])] = [:]
    private var xorCache: [[CacheKey]: (stamp: Int, value: UInt8)] = [:]

    /// A value that changes whenever any sector touching `range` changes.
    private func stamp(_ ranges: [Range<Int>]) -> Int {
        var h = 0
        for (idx, gen) in generation {
            let s = idx * Self.sectorSize, e = s + Self.sectorSize
            if ranges.contains(where: { $0.lowerBound < e && s < $0.upperBound }) { h = h &* 31 &+ gen &* 1_000_003 &+ idx }
        }
        return h
    }

    public var digests: DocumentDigests { DocumentDigests(doc: self) }

    fileprivate func cachedSHA(_ range: Range<Int>) -> [UInt8] {
        let key = CacheKey(lo: range.lowerBound, hi: range.upperBound)
        let st = stamp([range])
        if let c = shaCache[key], c.stamp == st { return c.digest }
        let d = Checksums.sha256(self, range)
        shaCache[key] = (st, d)
        return d
    }

    fileprivate func cachedXOR(_ ranges: [Range<Int>]) -> UInt8 {
        let key = ranges.map { CacheKey(lo: $0.lowerBound, hi: $0.upperBound) }
        let st = stamp(ranges)
        if let c = xorCache[key], c.stamp == st { return c.value }
        let v = Checksums.xorChecksum(self, ranges: ranges)
        xorCache[key] = (st, v)
        return v
    }
}

/// Frozen view of a document: its base plus a copy of the overlay.
struct Snapshot: ByteSource {
    let base: any ByteSource
    let overlay: [Int: [UInt8]]
    var count: Int { base.count }
    func forEachChunk(in range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        let r = clip(range)
        var pos = r.lowerBound
        while pos < r.upperBound {
            let sector = pos / FlashDocument.sectorSize
            let start = sector * FlashDocument.sectorSize
            let end = Swift.min(r.upperBound, start + FlashDocument.sectorSize)
            if let data = overlay[sector] {
                try data.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[(pos - start)..<(end - start)])) }
            } else {
                try base.forEachChunk(in: pos..<end, body)
            }
            pos = end
        }
    }
}

/// Digests of a document's bytes, computed once and reused until those bytes change.
public struct DocumentDigests: DigestProvider {
    let doc: FlashDocument
    public func sha256(_ range: Range<Int>) -> [UInt8] { doc.cachedSHA(range) }
    public func xorChecksum(_ ranges: [Range<Int>]) -> UInt8 { doc.cachedXOR(ranges) }
}
