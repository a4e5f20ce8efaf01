#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlashFormats

/// Which bytes of two images differ: sector-granular (what a flasher has to rewrite) and exact.
///
/// The two sources are walked side by side a block at a time; each 4 KiB sector is compared with
/// `memcmp` and only a differing sector is scanned byte by byte. Mapped files have the pages of each
/// block released once compared, so comparing two 128 MiB dumps keeps a few MiB resident.
public struct ByteComparison: Sendable, Equatable {
    public static let sectorSize = 0x1000
    /// Exact ranges recorded at most; past that only sectors and byte counts are kept (a dump compared
    /// with random bytes would otherwise make millions of one-byte ranges).
    public static let exactLimit = 100_000

    public let sizeA: Int
    public let sizeB: Int
    /// 4 KiB-aligned runs holding at least one differing byte, merged; bytes only one image has count
    /// as differing (the last run ends at the longer image's end).
    public private(set) var sectors: [Range<Int>] = []
    /// Exact differing byte ranges, merged (first `exactLimit` of them).
    public private(set) var exact: [Range<Int>] = []
    public private(set) var exactTruncated = false
    /// Number of differing bytes, including the bytes only the longer image has.
    public private(set) var differingBytes = 0

    /// Bytes of the common part (from offset 0) compared so far; the comparison is complete once this
    /// reaches the shorter size (see ``advance(_:_:by:)``).
    public private(set) var compared = 0

    public var identical: Bool { sizeA == sizeB && differingBytes == 0 }
    /// Every byte has been compared (always true for a comparison made by ``init(_:_:block:)``).
    public var isComplete: Bool { compared >= Swift.min(sizeA, sizeB) && tailAdded }
    private var tailAdded = false

    public init<A: ByteSource, B: ByteSource>(_ a: A, _ b: B, block: Int = 1 << 20) {
        self.init(sizeA: a.count, sizeB: b.count)
        let block = Swift.max(Self.sectorSize, block / Self.sectorSize * Self.sectorSize)
        while !isComplete { advance(a, b, by: block) }
    }

    /// A comparison of two sources of these sizes with nothing compared yet: ``advance(_:_:by:)``
    /// compares the next piece, so a caller that must stay responsive (the TUI) spreads the work.
    public init(sizeA: Int, sizeB: Int) {
        self.sizeA = Swift.max(0, sizeA)
        self.sizeB = Swift.max(0, sizeB)
    }

    /// Compares the next `by` bytes (rounded to whole sectors) of the common part, releasing the mapped
    /// pages once compared; after the last of them, records the bytes only the longer source has.
    /// `a` and `b` must be the sources of the sizes given at creation.
    public mutating func advance<A: ByteSource, B: ByteSource>(_ a: A, _ b: B, by amount: Int) {
        guard !isComplete, a.count == sizeA, b.count == sizeB else { return }
        let common = Swift.min(sizeA, sizeB)
        let step = Swift.max(Self.sectorSize, amount / Self.sectorSize * Self.sectorSize)
        if compared < common {
            let end = compared + Swift.min(step, common - compared)
            compareBlock(a, b, compared..<end)
            Self.release(a, compared..<end)
            Self.release(b, compared..<end)
            compared = end
        }
        guard compared >= common, !tailAdded else { return }
        tailAdded = true
        let longer = Swift.max(sizeA, sizeB)
        if longer > common {
            addExact(common..<longer)
            differingBytes += longer - common
            addSectors(common..<longer)
        }
    }

    /// The exact differing byte ranges inside `window` (bytes only the longer source has count as
    /// differing): what a screen of both images marks. Work is proportional to the window.
    public static func differences<A: ByteSource, B: ByteSource>(_ a: A, _ b: B, in window: Range<Int>) -> [Range<Int>] {
        let longer = Swift.max(a.count, b.count), common = Swift.min(a.count, b.count)
        let w = window.clamped(to: 0..<longer)
        guard !w.isEmpty else { return [] }
        var c = ByteComparison(sizeA: a.count, sizeB: b.count)
        let both = w.clamped(to: 0..<common)
        if !both.isEmpty { c.compareBlock(a, b, both) }
        let tail = w.clamped(to: common..<longer)
        if !tail.isEmpty { c.addExact(tail) }
        return c.exact
    }

    /// Gives a mapped file's pages of `range` back (a document or a plain mapped file).
    private static func release<S: ByteSource>(_ s: S, _ range: Range<Int>) {
        if let f = s as? MappedFile { f.releasePages(range) } else if let d = s as? FlashDocument { d.releasePages(range) }
    }

    /// Compares `range` (both sources have it), chunk against chunk.
    private mutating func compareBlock<A: ByteSource, B: ByteSource>(_ a: A, _ b: B, _ range: Range<Int>) {
        var pos = range.lowerBound
        a.forEachChunk(in: range) { ca in
            let aStart = pos
            b.forEachChunk(in: aStart..<(aStart + ca.count)) { cb in
                let at = pos
                let pa = UnsafeRawBufferPointer(rebasing: ca[(at - aStart)..<(at - aStart + cb.count)])
                compare(pa, cb, at: at)
                pos += cb.count
            }
        }
    }

    /// Compares two equal-length buffers that hold flash bytes from `at`, sector by sector.
    private mutating func compare(_ pa: UnsafeRawBufferPointer, _ pb: UnsafeRawBufferPointer, at: Int) {
        guard let ba = pa.baseAddress, let bb = pb.baseAddress else { return }
        var i = 0
        let n = pa.count
        while i < n {
            // Up to the next sector boundary of the flash address.
            let next = Swift.min(n, (at + i) / Self.sectorSize * Self.sectorSize + Self.sectorSize - at)
            if memcmp(ba + i, bb + i, next - i) != 0 {
                addSectors((at + i)..<(at + next))
                var j = i
                while j < next {
                    guard pa[j] != pb[j] else { j += 1; continue }
                    let s = j
                    while j < next && pa[j] != pb[j] { j += 1 }
                    differingBytes += j - s
                    addExact((at + s)..<(at + j))
                }
            }
            i = next
        }
    }

    private mutating func addExact(_ r: Range<Int>) {
        if let last = exact.last, last.upperBound == r.lowerBound { exact[exact.count - 1] = last.lowerBound..<r.upperBound; return }
        guard exact.count < Self.exactLimit else { exactTruncated = true; return }
        exact.append(r)
    }

    /// Marks the sectors `r` touches (the range is widened to sector bounds, the end to the longer size).
    private mutating func addSectors(_ r: Range<Int>) {
        let longer = Swift.max(sizeA, sizeB)
        let lo = r.lowerBound / Self.sectorSize * Self.sectorSize
        let hi = Swift.min(longer, (r.upperBound + Self.sectorSize - 1) / Self.sectorSize * Self.sectorSize)
        if let last = sectors.last, last.upperBound >= lo {
            sectors[sectors.count - 1] = last.lowerBound..<Swift.max(last.upperBound, hi)
        } else {
            sectors.append(lo..<hi)
        }
    }

    /// The start of the next run of differing bytes after `offset` (or, going back, the start of the last
    /// run that begins before it): what a "next difference" key jumps to. Past the recorded exact ranges
    /// it falls back to the changed sectors.
    public func nextDifference(from offset: Int, forward: Bool = true) -> Int? {
        let runs = exactTruncated ? exact + sectors.filter { $0.lowerBound >= (exact.last?.upperBound ?? 0) } : exact
        if forward { return runs.first { $0.lowerBound > offset }?.lowerBound }
        return runs.last { $0.lowerBound < offset }?.lowerBound
    }

    /// The parts of `ranges` inside `window`.
    public static func clip(_ ranges: [Range<Int>], to window: Range<Int>) -> [Range<Int>] {
        // Ranges are sorted and disjoint: find the first that ends after the window starts.
        var lo = 0, hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[mid].upperBound <= window.lowerBound { lo = mid + 1 } else { hi = mid }
        }
        var out: [Range<Int>] = []
        var i = lo
        while i < ranges.count, ranges[i].lowerBound < window.upperBound {
            let r = ranges[i].clamped(to: window)
            if !r.isEmpty { out.append(r) }
            i += 1
        }
        return out
    }
}

/// What differs between two images, in the terms of the bootloader and the app: partitions, the
/// table, otadata and the boot decision, the apps in each slot, NVS keys.
public struct FlashDiff: Sendable {
    /// Where a changed region lies.
    public enum Area: String, Sendable {
        case bootloader, partitionTable = "partition_table", partition, unpartitioned
    }

    /// A run of changed 4 KiB sectors inside one area (what `esptool write-flash` has to rewrite).
    public struct Region: Sendable, Equatable {
        public let range: Range<Int>
        public let area: Area
        /// The partition holding it (after's table first, else before's).
        public let partition: String?
    }

    public struct PartitionChange: Sendable {
        public let name: String
        /// The row in each table (nil when the partition is only in one).
        public let a: PartitionEntry?
        public let b: PartitionEntry?
        /// Differing bytes inside the partition's flash range (both ranges when it moved).
        public let changedBytes: Int
        /// Exact differing byte ranges inside it.
        public let ranges: [Range<Int>]
        /// Changed 4 KiB sectors inside it.
        public let sectors: [Range<Int>]
        public var sectorCount: Int { sectors.reduce(0) { $0 + ($1.count + ByteComparison.sectorSize - 1) / ByteComparison.sectorSize } }
        /// Its bytes differ, or its row does (added, removed, moved, resized, retyped).
        public var changed: Bool { changedBytes > 0 || a != b }
    }

    public struct TableChange: Sendable, Equatable {
        public enum Kind: String, Sendable { case added, removed, moved, resized, retyped, flags }
        public let kind: Kind
        public let name: String
        public let a: PartitionEntry?
        public let b: PartitionEntry?
    }

    /// One side of an app slot.
    public struct AppSide: Sendable, Equatable {
        public let version: String?
        public let projectName: String?
        /// SHA-256 of the image as the bootloader reads it (header through checksum).
        public let sha256: [UInt8]?
        public let length: Int?
        public let bootable: Bool
    }

    public struct AppChange: Sendable {
        public let partition: String
        /// nil when the slot holds no image (or the partition is not in that image's table).
        public let a: AppSide?
        public let b: AppSide?
        /// What is there when there is no image: "empty", "absent", "no image", "no partition".
        public let contentA: String
        public let contentB: String
        public let changedSectors: Int
    }

    /// NVS keys (`namespace/key`) added, removed and changed. `parsed` is false while FlashScope has no
    /// NVS parser: the lists are then empty and the NVS partition is compared as bytes only.
    public struct NVSChanges: Sendable, Equatable {
        /// Both sides' NVS partitions were read key by key (a partition missing on one side counts as
        /// having no keys).
        public var parsed: Bool
        /// `namespace/key` (prefixed `partition:` when the images have more than one NVS partition).
        public var added: [String] = []
        public var removed: [String] = []
        /// Same key on both sides, another type or value.
        public var changed: [String] = []
        /// Why the keys were not compared (nil when `parsed`, or when neither image has an NVS partition).
        public var reason: String? = nil
        public static let notParsed = NVSChanges(parsed: false)
    }

    public let bytes: ByteComparison
    /// The two analyses (nil for a side FlashScope cannot read as any image kind).
    public let a: FlashLayout?
    public let b: FlashLayout?
    public let regions: [Region]
    public let partitions: [PartitionChange]
    public let tableChanges: [TableChange]
    /// The table's bytes, offset or rows differ.
    public let tableChanged: Bool
    public let apps: [AppChange]
    public let nvs: NVSChanges

    public var identical: Bool { bytes.identical }
    public var sizeA: Int { bytes.sizeA }
    public var sizeB: Int { bytes.sizeB }

    /// Compares two images. The analyses are the caller's (made once when each file was opened).
    /// `nvsKeys`: the nvs_keys for encrypted NVS partitions on both sides (else each dump's own
    /// plaintext nvs_keys partition is used, as `flashscope nvs` does).
    public init<A: ByteSource, B: ByteSource>(_ sa: A, _ sb: B, layoutA: FlashLayout?, layoutB: FlashLayout?, nvsKeys: NVS.Keys? = nil) {
        self.init(sa, sb, comparison: ByteComparison(sa, sb), layoutA: layoutA, layoutB: layoutB, nvsKeys: nvsKeys)
    }

    /// Compares two images whose bytes were already compared (a complete ``ByteComparison`` of `sa`
    /// and `sb`, made piece by piece by a caller that must stay responsive).
    public init<A: ByteSource, B: ByteSource>(_ sa: A, _ sb: B, comparison cmp: ByteComparison, layoutA: FlashLayout?, layoutB: FlashLayout?,
                                              nvsKeys: NVS.Keys? = nil) {
        bytes = cmp
        a = layoutA
        b = layoutB
        let rowsA = layoutA?.partitions.map(\.entry) ?? []
        let rowsB = layoutB?.partitions.map(\.entry) ?? []

        // Table rows, matched by name.
        var changes: [TableChange] = []
        for e in rowsA where !rowsB.contains(where: { $0.name == e.name }) { changes.append(TableChange(kind: .removed, name: e.name, a: e, b: nil)) }
        for e in rowsB {
            guard let old = rowsA.first(where: { $0.name == e.name }) else {
                changes.append(TableChange(kind: .added, name: e.name, a: nil, b: e)); continue
            }
            if old.offset != e.offset { changes.append(TableChange(kind: .moved, name: e.name, a: old, b: e)) }
            if old.size != e.size { changes.append(TableChange(kind: .resized, name: e.name, a: old, b: e)) }
            if old.type != e.type || old.subtype != e.subtype { changes.append(TableChange(kind: .retyped, name: e.name, a: old, b: e)) }
            if old.flags != e.flags { changes.append(TableChange(kind: .flags, name: e.name, a: old, b: e)) }
        }
        tableChanges = changes
        let tA = layoutA?.table, tB = layoutB?.table
        let tableBytesDiffer = [tA?.offset, tB?.offset].compactMap { $0 }.contains { o in
            !ByteComparison.clip(cmp.exact, to: o..<(o + partitionTableMaxLength)).isEmpty
        }
        tableChanged = !changes.isEmpty || tA?.offset != tB?.offset || tableBytesDiffer || rowsA != rowsB

        // Partitions: the after image's rows in order, then those only the before image has.
        var names: [String] = rowsB.map(\.name)
        for e in rowsA where !names.contains(e.name) { names.append(e.name) }
        partitions = names.map { name in
            let ea = rowsA.first { $0.name == name }, eb = rowsB.first { $0.name == name }
            let spans = Self.merge([ea, eb].compactMap { $0.map { Int($0.offset)..<Int(Swift.min($0.end, UInt64(Int.max))) } })
            let exact = spans.flatMap { ByteComparison.clip(cmp.exact, to: $0) }
            let sectors = spans.flatMap { ByteComparison.clip(cmp.sectors, to: $0) }
            return PartitionChange(name: name, a: ea, b: eb, changedBytes: exact.reduce(0) { $0 + $1.count },
                                   ranges: exact, sectors: sectors)
        }

        // Regions: changed sector runs split where the area changes.
        let tableOffset = tB?.offset ?? tA?.offset
        let bootloaderOffset = layoutB?.bootloader?.offset ?? layoutA?.bootloader?.offset
        let rows = rowsB + rowsA.filter { e in !rowsB.contains { $0.name == e.name } }
        func area(at o: Int) -> (Area, String?) {
            if let row = rows.first(where: { UInt64(o) >= UInt64($0.offset) && UInt64(o) < $0.end }) { return (.partition, row.name) }
            if let t = tableOffset, (t..<(t + ByteComparison.sectorSize)).contains(o) { return (.partitionTable, nil) }
            if let bl = bootloaderOffset, let t = tableOffset, (bl..<t).contains(o) { return (.bootloader, nil) }
            return (.unpartitioned, nil)
        }
        var regions: [Region] = []
        for run in cmp.sectors {
            var start = run.lowerBound
            var current = area(at: start)
            var o = start + ByteComparison.sectorSize
            while o < run.upperBound {
                let here = area(at: o)
                if here != current {
                    regions.append(Region(range: start..<o, area: current.0, partition: current.1))
                    start = o; current = here
                }
                o += ByteComparison.sectorSize
            }
            regions.append(Region(range: start..<run.upperBound, area: current.0, partition: current.1))
        }
        self.regions = regions

        // App slots, by partition name.
        var appNames: [String] = (layoutB?.apps ?? []).map(\.partition.name)
        for s in layoutA?.apps ?? [] where !appNames.contains(s.partition.name) { appNames.append(s.partition.name) }
        let parts = partitions
        apps = appNames.map { name in
            let slotA = layoutA?.app(named: name), slotB = layoutB?.app(named: name)
            return AppChange(partition: name, a: Self.side(slotA, sa), b: Self.side(slotB, sb),
                             contentA: Self.content(slotA), contentB: Self.content(slotB),
                             changedSectors: parts.first { $0.name == name }?.sectorCount ?? 0)
        }

        nvs = Self.nvsChanges(sa, layoutA, sb, layoutB, keys: nvsKeys)
    }

    /// NVS keys added, removed and changed between the two images' NVS partitions, from the NVS engine's
    /// resolved view (what `nvs_get_*` returns after `nvs_flash_init`): where an item sits on flash does
    /// not matter, only each key's type and value. Partitions are matched by name; one missing on a side
    /// has no keys there. An encrypted partition without usable keys (or an image FlashScope cannot
    /// analyse) makes the keys not comparable: `parsed` false, empty lists and a `reason`.
    static func nvsChanges<A: ByteSource, B: ByteSource>(_ sa: A, _ la: FlashLayout?, _ sb: B, _ lb: FlashLayout?, keys: NVS.Keys? = nil) -> NVSChanges {
        let readA = la.map { NVSReading.read($0, sa, keys: keys) } ?? []
        let readB = lb.map { NVSReading.read($0, sb, keys: keys) } ?? []
        var names: [String] = readA.map(\.name)
        for r in readB where !names.contains(r.name) { names.append(r.name) }
        if names.isEmpty { return .notParsed }
        if la == nil || lb == nil {
            return NVSChanges(parsed: false, reason: "\(la == nil ? "A" : "B") is not an image FlashScope can analyse")
        }
        for (side, reads) in [("A", readA), ("B", readB)] {
            if let r = reads.first(where: { $0.partition.encrypted && !$0.partition.decrypted }) {
                return NVSChanges(parsed: false, reason: "\(r.name) in \(side) is encrypted and no key fits (--nvs-keys gives them): not comparable")
            }
        }
        var out = NVSChanges(parsed: true)
        for name in names {
            let prefix = names.count > 1 ? "\(name):" : ""
            let ka = keyed(readA.first { $0.name == name }?.partition.values ?? [])
            let kb = keyed(readB.first { $0.name == name }?.partition.values ?? [])
            for (k, vb) in kb.list {
                if let va = ka.map[k] {
                    if !sameValue(va, vb) { out.changed.append(prefix + k) }
                } else {
                    out.added.append(prefix + k)
                }
            }
            for (k, _) in ka.list where kb.map[k] == nil { out.removed.append(prefix + k) }
        }
        return out
    }

    /// `namespace/key` → value, in flash order, the first occurrence winning (the one the app reads).
    static func keyed(_ values: [NVS.Resolved]) -> (list: [(String, NVS.Resolved)], map: [String: NVS.Resolved]) {
        var list: [(String, NVS.Resolved)] = []
        var map: [String: NVS.Resolved] = [:]
        for v in values {
            let k = "\(v.namespace)/\(v.key)"
            if map[k] == nil { map[k] = v; list.append((k, v)) }
        }
        return (list, map)
    }

    /// Same type and same value; floating-point values compare by their bits (a NaN equals itself).
    static func sameValue(_ a: NVS.Resolved, _ b: NVS.Resolved) -> Bool {
        guard a.type == b.type else { return false }
        switch (a.value, b.value) {
        case (.float(let x), .float(let y)): return x.bitPattern == y.bitPattern
        case (.double(let x), .double(let y)): return x.bitPattern == y.bitPattern
        default: return a.value == b.value
        }
    }

    static func side<S: ByteSource>(_ slot: AppSlotInfo?, _ source: S) -> AppSide? {
        guard let slot, let img = slot.image else { return nil }
        var sha = img.sha256Computed
        if sha == nil, let len = img.length, !img.truncated { sha = Checksums.sha256(source, img.offset..<(img.offset + len)) }
        return AppSide(version: img.appDescriptor?.version, projectName: img.appDescriptor?.projectName, sha256: sha,
                       length: img.length, bootable: slot.verdict.bootable)
    }

    static func content(_ slot: AppSlotInfo?) -> String {
        guard let slot else { return "no partition" }
        switch slot.content {
        case .absent: return "absent"
        case .erased: return "empty"
        case .noImage: return "no image"
        case .image: return "image"
        }
    }

    static func merge(_ ranges: [Range<Int>]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) where !r.isEmpty {
            if let last = out.last, last.upperBound >= r.lowerBound { out[out.count - 1] = last.lowerBound..<Swift.max(last.upperBound, r.upperBound) }
            else { out.append(r) }
        }
        return out
    }
}
