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
    /// Set when this document is the decrypted view of a flash-encrypted file: saving re-encrypts.
    public var encryptedView: EncryptedView?

    /// Changed sectors by index. The last sector of an odd-sized file is shorter.
    private var overlay: [Int: [UInt8]] = [:]
    /// `overlay`'s keys in ascending order, kept in step with it: readers jump from one changed sector
    /// to the next instead of probing every sector of a 128 MiB image.
    private var overlayKeys: [Int] = []
    /// For a scratch copy (`init(scratchOver:)`): the document copied and its clock at that moment.
    private var parent: (doc: FlashDocument, clock: Int)?
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

    /// A scratch copy for "what if" evaluations (power-loss outcomes, previews): starts from `other`'s
    /// current bytes without copying them, and takes the SHA-256 and checksum of every range its own
    /// edits do not touch from `other`'s digest cache (while `other` is not edited meanwhile).
    public convenience init(scratchOver other: FlashDocument) {
        self.init(other.snapshot())
        parent = (other, other.clock)
    }

    /// The current bytes as a source that does not change when this document is edited later.
    public func snapshot() -> any ByteSource { Snapshot(base: base, overlay: overlay, keys: overlayKeys) }
    public convenience init(bytes: [UInt8]) { self.init(ByteArray(bytes)) }

    /// Releases the input file's pages of `range` from this process (see `MappedFile.releasePages`).
    public func releasePages(_ range: Range<Int>) { file?.releasePages(range) }

    public var isModified: Bool { !overlay.isEmpty }
    public var canUndo: Bool { !undoStack.isEmpty }
    public var canRedo: Bool { !redoStack.isEmpty }

    public func forEachChunk(in range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        let r = clip(range)
        guard !r.isEmpty else { return }
        if overlayKeys.isEmpty { return try base.forEachChunk(in: r, body) }
        try Overlaid.forEachPiece(overlay, overlayKeys, in: r) { piece in
            switch piece {
            case .edited(let bytes): try body(bytes)
            case .original(let run): try base.forEachChunk(in: run, body)
            }
        }
    }

    /// `range` as edited sectors (their bytes) and runs of untouched bytes (ranges of `base`), in order.
    func forEachOverlaidPiece(in range: Range<Int>, _ body: (Overlaid.Piece) throws -> Void) rethrows {
        try Overlaid.forEachPiece(overlay, overlayKeys, in: clip(range), body)
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
            let baseBytes = baseSector(idx)
            guard data != (original ?? baseBytes) else { continue }
            before[idx] = original
            after[idx] = data == baseBytes ? nil : data
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
        overlayKeys.removeAll()
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
        overlayKeys = overlay.keys.sorted()
    }

    private func bump(_ idx: Int) {
        clock += 1
        generation[idx] = clock
    }

    /// Sectors whose bytes differ from the original, merged into ranges.
    public var changedRanges: [Range<Int>] {
        var out: [Range<Int>] = []
        for idx in overlayKeys {
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

    /// The document whose cache holds this range's digests: the parent of a scratch copy for ranges
    /// the copy has not changed (and while the parent has not changed either), else this one.
    private func digestOwner(_ ranges: [Range<Int>]) -> FlashDocument {
        guard let p = parent, p.doc.clock == p.clock,
              !ranges.contains(where: { Overlaid.touches(overlayKeys, $0) }) else { return self }
        return p.doc.digestOwner(ranges)
    }

    fileprivate func cachedSHA(_ range: Range<Int>) -> [UInt8] {
        let owner = digestOwner([range])
        if owner !== self { return owner.cachedSHA(range) }
        let key = CacheKey(lo: range.lowerBound, hi: range.upperBound)
        let st = stamp([range])
        if let c = shaCache[key], c.stamp == st { return c.digest }
        let d = Checksums.sha256(self, range)
        shaCache[key] = (st, d)
        return d
    }

    fileprivate func cachedXOR(_ ranges: [Range<Int>]) -> UInt8 {
        let owner = digestOwner(ranges)
        if owner !== self { return owner.cachedXOR(ranges) }
        let key = ranges.map { CacheKey(lo: $0.lowerBound, hi: $0.upperBound) }
        let st = stamp(ranges)
        if let c = xorCache[key], c.stamp == st { return c.value }
        let v = Checksums.xorChecksum(self, ranges: ranges)
        xorCache[key] = (st, v)
        return v
    }
}

/// Frozen view of a document: its base plus a copy of the overlay (copy-on-write: no bytes are copied).
struct Snapshot: ByteSource {
    let base: any ByteSource
    let overlay: [Int: [UInt8]]
    let keys: [Int]
    var count: Int { base.count }
    func forEachChunk(in range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        let r = clip(range)
        guard !r.isEmpty else { return }
        if keys.isEmpty { return try base.forEachChunk(in: r, body) }
        try Overlaid.forEachPiece(overlay, keys, in: r) { piece in
            switch piece {
            case .edited(let bytes): try body(bytes)
            case .original(let run): try base.forEachChunk(in: run, body)
            }
        }
    }
}

/// Walking a base overlaid with changed 4 KiB sectors.
enum Overlaid {
    enum Piece {
        /// Bytes of a changed sector (or of the part of it inside the range).
        case edited(UnsafeRawBufferPointer)
        /// A run of untouched bytes: read them from the base.
        case original(Range<Int>)
    }

    /// Index of the first key that is `>= sector`.
    static func firstKey(_ keys: [Int], atOrAfter sector: Int) -> Int {
        var lo = 0, hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if keys[mid] < sector { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// True when a changed sector overlaps `range`.
    static func touches(_ keys: [Int], _ range: Range<Int>) -> Bool {
        guard !range.isEmpty, !keys.isEmpty else { return false }
        let k = firstKey(keys, atOrAfter: range.lowerBound / FlashDocument.sectorSize)
        return k < keys.count && keys[k] * FlashDocument.sectorSize < range.upperBound
    }

    /// Calls `body` with the pieces of `r` (already clipped) in order: one per changed sector, one per
    /// maximal run of untouched sectors. Costs O(changed sectors in `r` + log(all changed)).
    static func forEachPiece(_ overlay: [Int: [UInt8]], _ keys: [Int], in r: Range<Int>,
                             _ body: (Piece) throws -> Void) rethrows {
        let size = FlashDocument.sectorSize
        var pos = r.lowerBound
        var k = firstKey(keys, atOrAfter: pos / size)
        while pos < r.upperBound {
            let sector = pos / size
            while k < keys.count && keys[k] < sector { k += 1 }
            if k < keys.count, keys[k] == sector, let data = overlay[sector] {
                let start = sector * size
                let end = Swift.min(r.upperBound, start + data.count)
                k += 1
                guard end > pos else { continue }
                try data.withUnsafeBytes { try body(.edited(UnsafeRawBufferPointer(rebasing: $0[(pos - start)..<(end - start)]))) }
                pos = end
            } else {
                if k < keys.count, keys[k] == sector { k += 1 }   // listed but not in the overlay: untouched
                let end = k < keys.count ? Swift.min(r.upperBound, Swift.max(keys[k] * size, pos + 1)) : r.upperBound
                try body(.original(pos..<end))
                pos = end
            }
        }
    }
}

/// Digests of a document's bytes, computed once and reused until those bytes change.
public struct DocumentDigests: DigestProvider {
    let doc: FlashDocument
    public func sha256(_ range: Range<Int>) -> [UInt8] { doc.cachedSHA(range) }
    public func xorChecksum(_ ranges: [Range<Int>]) -> UInt8 { doc.cachedXOR(ranges) }
}
