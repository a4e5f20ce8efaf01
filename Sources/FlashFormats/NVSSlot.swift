extension NVS {
    /// One 32-byte NVS entry held inline (no heap storage), copied out of the page's bytes
    /// (`PageSlots`) when the start-up model looks at it. Its memory is the 32 bytes in flash order
    /// (four words, no padding), so fields read at their flash offsets.
    struct Slot: RandomAccessCollection, Hashable, Sendable {
        private var words: (UInt64, UInt64, UInt64, UInt64)

        /// An erased (all 0xFF) entry.
        static let erased = Slot(words: (.max, .max, .max, .max))

        private init(words: (UInt64, UInt64, UInt64, UInt64)) { self.words = words }

        /// The first 32 bytes at `base` (the caller guarantees they exist).
        init(_ base: UnsafeRawPointer) {
            words = (0, 0, 0, 0)
            withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(start: base, count: 32)) }
        }

        var startIndex: Int { 0 }
        var endIndex: Int { 32 }

        subscript(i: Int) -> UInt8 {
            precondition(i >= 0 && i < 32, "NVS entry byte index out of range")
            return withUnsafeBytes(of: words) { $0[i] }
        }

        mutating func withMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
            try withUnsafeMutableBytes(of: &words, body)
        }

        func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            try withUnsafeBytes(of: words, body)
        }

        /// Little-endian fields (in range by construction: callers pass fixed header offsets).
        func le16(at i: Int) -> UInt16 {
            precondition(i >= 0 && i <= 30, "NVS entry field out of range")
            return withBytes { UInt16(littleEndian: $0.loadUnaligned(fromByteOffset: i, as: UInt16.self)) }
        }
        func le32(at i: Int) -> UInt32 {
            precondition(i >= 0 && i <= 28, "NVS entry field out of range")
            return withBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: i, as: UInt32.self)) }
        }

        var isErased: Bool { words.0 == .max && words.1 == .max && words.2 == .max && words.3 == .max }

        /// The plain bytes (for public values such as `Entry.header`).
        var bytes: [UInt8] { withBytes { Array($0) } }

        /// Key bytes 8..<24 as stored.
        var keyBytes: [UInt8] { withBytes { Array($0[8..<24]) } }

        /// The stored key as `Item(…, key)` would hold it (`NVS.normalizedKey`).
        var normalizedKey: [UInt8] { withUnsafeBytes(of: normalizedKeyWords) { Array($0) } }
        var normalizedKeyWords: (UInt64, UInt64) { withBytes { NVS.normalizedKeyWords($0[8..<24]) } }

        /// zlib CRC-32 of bytes `range`, continued from `seed`.
        func crc32(_ range: Range<Int>, seed: UInt32) -> UInt32 {
            withBytes { Checksums.crc32(UnsafeRawBufferPointer(rebasing: $0[range]), seed: seed) }
        }

        static func == (a: Slot, b: Slot) -> Bool {
            a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
        }
        func hash(into h: inout Hasher) { h.combine(words.0); h.combine(words.1); h.combine(words.2); h.combine(words.3) }
    }

    /// The 126 entries of one page, read in place from the partition's bytes (or their decrypted copy):
    /// nothing is copied per page. The memory belongs to `NVS.read`, which holds it for the whole read;
    /// a `PageSlots` never leaves that read (the start-up model is local to it).
    struct PageSlots {
        /// Entry 0 (the page's start + 64). Any alignment: entries are copied out byte-wise.
        let base: UnsafeRawPointer

        subscript(i: Int) -> Slot {
            precondition(i >= 0 && i < NVS.entryCount, "NVS entry index out of range")
            return Slot(base + i * NVS.entrySize)
        }

        /// The entry's first 32-bit word as stored (the half-written test of `mLoadEntryTable`).
        func firstWord(_ i: Int) -> UInt32 {
            precondition(i >= 0 && i < NVS.entryCount, "NVS entry index out of range")
            return UInt32(littleEndian: base.loadUnaligned(fromByteOffset: i * NVS.entrySize, as: UInt32.self))
        }

        /// The bytes of all 126 entries, in flash order.
        var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: NVS.entryCount * NVS.entrySize) }
    }

    /// (namespace index, normalised key): the identity `findItem` compares, as a cheap dictionary key.
    struct ItemKey: Hashable, Sendable {
        let ns: UInt8
        let lo: UInt64
        let hi: UInt64

        /// A key, normalised here (normalising twice changes nothing).
        init(ns: UInt8, normalized k: [UInt8]) {
            self.ns = ns
            (lo, hi) = NVS.normalizedKeyWords(k)
        }

        /// The entry's own namespace index and normalised key.
        init(_ e: Slot) {
            ns = e[0]
            (lo, hi) = e.normalizedKeyWords
        }
    }
}

extension NVS {
    /// Absolute offsets of 32-byte entries, in order, held as runs of consecutive entries: a 900 KB
    /// blob spans 29,000 entries but only as many runs as it has chunks (plus its index).
    public struct EntryOffsets: RandomAccessCollection, Sendable, Equatable, ExpressibleByArrayLiteral {
        private struct Run: Sendable, Equatable { let start: Int; var count: Int }
        private var runs: [Run] = []
        /// Entries before run k ends (`ends[k]`), for indexing.
        private var ends: [Int] = []

        public init() {}
        public init(_ offsets: some Sequence<Int>) { for o in offsets { append(o) } }
        public init(arrayLiteral offsets: Int...) { self.init(offsets) }

        public var startIndex: Int { 0 }
        public var endIndex: Int { ends.last ?? 0 }

        public subscript(i: Int) -> Int {
            precondition(i >= 0 && i < endIndex, "entry offset index out of range")
            // The first run ending after i.
            var lo = 0, hi = ends.count - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if ends[mid] > i { hi = mid } else { lo = mid + 1 }
            }
            let before = lo == 0 ? 0 : ends[lo - 1]
            return runs[lo].start + (i - before) * NVS.entrySize
        }

        /// Adds one entry (continuing the last run when it follows it).
        public mutating func append(_ offset: Int) { append(run: offset, count: 1) }

        /// Adds `count` consecutive entries from `start`.
        public mutating func append(run start: Int, count: Int) {
            guard count > 0 else { return }
            if let last = runs.last, last.start + last.count * NVS.entrySize == start {
                runs[runs.count - 1].count += count
                ends[ends.count - 1] += count
            } else {
                runs.append(Run(start: start, count: count))
                ends.append(endIndex + count)
            }
        }
    }
}
