/// Bounds-checked, little-endian access to flash bytes, whatever holds them.
///
/// Parsers in this module read only through this protocol, so the same code works on a
/// memory-mapped dump, on an edit overlay and on a plain array. Every read is clipped to
/// `count`: asking for bytes that are not there returns `nil` or fewer bytes, never traps.
public protocol ByteSource {
    /// Number of bytes available (the file length for a dump).
    var count: Int { get }

    /// Calls `body` with consecutive contiguous pieces that together cover
    /// `range` clipped to `0..<count`, in order. Pieces may be of any size.
    func forEachChunk(in range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows
}

extension ByteSource {
    /// `range` clipped to what is available.
    @inlinable
    public func clip(_ range: Range<Int>) -> Range<Int> {
        let lo = Swift.min(Swift.max(range.lowerBound, 0), count)
        let hi = Swift.min(Swift.max(range.upperBound, lo), count)
        return lo..<hi
    }

    /// The bytes of `range` that are available (possibly fewer than asked for).
    public func bytes(_ range: Range<Int>) -> [UInt8] {
        let r = clip(range)
        // One allocation, each piece copied as a block.
        return [UInt8](unsafeUninitializedCapacity: r.count) { out, filled in
            filled = 0
            forEachChunk(in: r) { piece in
                let n = Swift.min(piece.count, r.count - filled)
                guard n > 0, let src = piece.baseAddress else { return }
                UnsafeMutableRawPointer(out.baseAddress! + filled).copyMemory(from: src, byteCount: n)
                filled += n
            }
        }
    }

    /// `length` bytes from `offset`, or `nil` unless all of them are available.
    public func bytes(at offset: Int, length: Int) -> [UInt8]? {
        guard length >= 0, offset >= 0, let end = offset.addingReportingOverflowChecked(length),
              end <= count else { return nil }
        return bytes(offset..<end)
    }

    public func u8(at offset: Int) -> UInt8? {
        guard offset >= 0, offset < count else { return nil }
        var v: UInt8 = 0
        forEachChunk(in: offset..<(offset + 1)) { v = $0[0] }
        return v
    }

    public func u16(at offset: Int) -> UInt16? {
        guard let v = littleEndian(at: offset, length: 2) else { return nil }
        return UInt16(truncatingIfNeeded: v)
    }

    public func u32(at offset: Int) -> UInt32? {
        guard let v = littleEndian(at: offset, length: 4) else { return nil }
        return UInt32(truncatingIfNeeded: v)
    }

    /// `length` (≤ 8) bytes at `offset` as a little-endian number, without allocating (the parsers
    /// read thousands of fields); nil unless all of them are available.
    @inline(__always)
    func littleEndian(at offset: Int, length: Int) -> UInt64? {
        guard offset >= 0, let end = offset.addingReportingOverflowChecked(length), end <= count else { return nil }
        var v: UInt64 = 0
        var shift: UInt64 = 0
        forEachChunk(in: offset..<end) { chunk in
            for b in chunk {
                v |= UInt64(b) << shift
                shift += 8
            }
        }
        return v
    }

    /// True when every available byte of `range` equals `value` (vacuously true when none is available).
    public func isAll(_ value: UInt8, in range: Range<Int>) -> Bool {
        var all = true
        forEachChunk(in: clip(range)) { chunk in
            guard all else { return }
            for b in chunk where b != value { all = false; return }
        }
        return all
    }

    /// How much of `range` is in the source.
    public func presence(of range: Range<Int>) -> Presence {
        let r = clip(range)
        if r.count == range.count { return .full }
        return r.isEmpty ? .absent : .partial
    }
}

/// How much of a structure's bytes a dump holds.
public enum Presence: String, Sendable, Codable {
    case full, partial, absent
}

extension Int {
    /// `self + other`, or `nil` on overflow.
    @inlinable
    public func addingReportingOverflowChecked(_ other: Int) -> Int? {
        let (v, o) = addingReportingOverflow(other)
        return o ? nil : v
    }
}

/// A byte array as a source: fixtures, staged app files, small tables.
public struct ByteArray: ByteSource, Sendable, Equatable {
    public var storage: [UInt8]
    public init(_ storage: [UInt8]) { self.storage = storage }
    public var count: Int { storage.count }
    public func forEachChunk(in range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        let r = clip(range)
        guard !r.isEmpty else { return }
        try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[r])) }
    }
}

/// A view of another source shifted by `base`: offset 0 of the slice is `base` in the parent.
public struct SliceSource<Parent: ByteSource>: ByteSource {
    public let parent: Parent
    public let base: Int
    public let count: Int
    public init(_ parent: Parent, base: Int, length: Int) {
        self.parent = parent
        self.base = Swift.max(0, Swift.min(base, parent.count))
        self.count = Swift.max(0, Swift.min(length, parent.count - self.base))
    }
    public func forEachChunk(in range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        let r = clip(range)
        guard !r.isEmpty else { return }
        try parent.forEachChunk(in: (r.lowerBound + base)..<(r.upperBound + base), body)
    }
}

/// Little-endian encoding helpers for the encoders, and field readers for fixed-size records held in
/// an array (an NVS entry or page): a field past the end reads as zero, never a trap.
extension Array where Element == UInt8 {
    @inline(__always)
    public func le16(at i: Int) -> UInt16 {
        guard i >= 0, i <= count - 2 else { return 0 }
        return UInt16(self[i]) | UInt16(self[i + 1]) << 8
    }
    @inline(__always)
    public func le32(at i: Int) -> UInt32 {
        guard i >= 0, i <= count - 4 else { return 0 }
        return UInt32(self[i]) | UInt32(self[i + 1]) << 8 | UInt32(self[i + 2]) << 16 | UInt32(self[i + 3]) << 24
    }

    public mutating func appendLE(_ v: UInt16) { append(UInt8(v & 0xFF)); append(UInt8(v >> 8)) }
    public mutating func appendLE(_ v: UInt32) {
        for s in stride(from: 0, to: 32, by: 8) { append(UInt8((v >> UInt32(s)) & 0xFF)) }
    }
    public mutating func putLE(_ v: UInt32, at i: Int) {
        for k in 0..<4 { self[i + k] = UInt8((v >> UInt32(8 * k)) & 0xFF) }
    }
}
