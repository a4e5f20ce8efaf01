import FlashFormats
import FlashModel
import ScreenKit

/// The proportional bar of the whole flash: bootloader, table, every partition, free space.
enum MapBar {
    enum Kind { case bootloader, table, app, data, free, missing, encrypted }

    struct Region {
        var range: Range<Int>
        var kind: Kind
        /// Labels from longest to shortest; the widest that fits is drawn.
        var labels: [String]
        /// The partition this region is, for selection and clicks.
        var partition: String?
    }

    struct Segment {
        var region: Region
        var columns: Range<Int>
        var partition: String? { region.partition }
    }

    /// Bytes the bar covers: the file, or further when the table describes a bigger flash.
    static func total(_ s: AppState) -> Int {
        // A lone table, app or otadata file: the bar is the file, not the flash its rows describe.
        guard s.layout.kind == .flashImage else { return max(1, s.document.count) }
        let ends = s.layout.partitions.map { Int(min($0.entry.end, UInt64(Int.max))) }
        let flash = s.layout.kind == .flashImage ? (s.layout.bootloader?.image.flash.flashSize ?? 0) : 0
        return max(s.document.count, ends.max() ?? 0, flash)
    }

    static func regions(_ s: AppState) -> [Region] {
        let l = s.layout
        let total = total(s)
        guard l.kind == .flashImage else {
            // A lone file: the image (or table, or otadata) and what follows it.
            let n = s.document.count
            let used = l.image?.lengthWithSignature.map { min($0, n) } ?? n
            let label: [String] = switch l.kind {
            case .appImage: ["app image", "app", "A"]
            case .bootloaderImage: ["bootloader image", "bootloader", "BL"]
            case .partitionTable: ["partition table", "table", "PT"]
            default: ["otadata", "ota", "o"]
            }
            var out = [Region(range: 0..<max(1, used), kind: l.kind == .appImage ? .app : .data, labels: label)]
            if used < n { out.append(Region(range: used..<n, kind: .free, labels: ["after the image", "rest", ""])) }
            return out
        }
        var named: [Region] = []
        if let b = l.bootloader {
            let end = l.table?.offset ?? (b.offset + (b.image.length ?? 0x1000))
            named.append(Region(range: b.offset..<max(b.offset + 1, end), kind: .bootloader, labels: ["bootloader", "boot", "BL", "B"]))
        }
        if let t = l.table {
            named.append(Region(range: t.offset..<(t.offset + 0x1000), kind: .table, labels: ["table", "PT", "T"]))
        }
        for p in l.partitions where p.entry.size > 0 {
            let lo = Int(p.entry.offset), hi = Int(min(p.entry.end, UInt64(Int.max)))
            let labels = abbreviations(p.name)
            named.append(Region(range: lo..<hi, kind: p.entry.isApp ? .app : .data, labels: labels, partition: p.name))
        }
        // A flash-encrypted dump: the engine's ciphertext ranges and the plaintext otadata-like sectors
        // it found outside any partition (`info` lists both).
        if l.table == nil {
            for r in l.encryption?.ciphertextRanges ?? [] {
                named.append(Region(range: r, kind: .encrypted, labels: ["encrypted", "enc", "E"]))
            }
            for stray in l.strayOTA {
                named.append(Region(range: stray.offset..<(stray.offset + otadataSectorSize), kind: .data, labels: ["otadata?", "od?", "o"]))
            }
        }
        named.sort { $0.range.lowerBound < $1.range.lowerBound }
        // Gaps between named regions (drop overlaps: the earlier one wins the columns).
        var out: [Region] = []
        var pos = 0
        for r in named {
            if r.range.lowerBound > pos { out.append(Region(range: pos..<r.range.lowerBound, kind: .free, labels: ["free", ""])) }
            let start = max(pos, r.range.lowerBound)
            if r.range.upperBound > start {
                var clipped = r
                clipped.range = start..<r.range.upperBound
                out.append(clipped)
                pos = r.range.upperBound
            }
        }
        if pos < total { out.append(Region(range: pos..<total, kind: .free, labels: ["free", ""])) }
        // Beyond the end of the file: not in this dump.
        let n = s.document.count
        var split: [Region] = []
        for r in out {
            if r.range.upperBound <= n { split.append(r); continue }
            if r.range.lowerBound < n {
                var inFile = r; inFile.range = r.range.lowerBound..<n
                split.append(inFile)
            }
            var missing = r
            missing.range = max(n, r.range.lowerBound)..<r.range.upperBound
            missing.kind = .missing
            missing.labels = ["not in file", "absent", ""]
            split.append(missing)
        }
        return split
    }

    /// Shorter and shorter names for a small segment: "ota_0" → ota0, o0; "phy_init" → pi;
    /// "factory" → fac, fa.
    static func abbreviations(_ name: String) -> [String] {
        var out = [name]
        let parts = name.split(separator: "_").filter { !$0.isEmpty }
        let digits = String(name.reversed().prefix { $0.isNumber }.reversed())
        if parts.count > 1 {
            out.append(parts.joined())
            let initials = parts.map { String($0.prefix(1)) }.joined()
            out.append(digits.isEmpty || initials.hasSuffix(digits) ? initials : String(initials.dropLast()) + digits)
        } else if name.count > 3 {
            out.append(String(name.prefix(3)))
        }
        out.append(String(name.prefix(2)))
        out.append(String(name.prefix(1)))
        var seen = Set<String>()
        return out.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    /// Columns per region: proportional to size, but every named region gets at least two
    /// columns (one when space is short) and tiny free gaps may get none.
    static func segments(_ s: AppState, width: Int) -> [Segment] {
        let regions = regions(s)
        guard width > 0, !regions.isEmpty else { return [] }
        let total = Double(max(1, regions.map(\.range.count).reduce(0, +)))
        let namedCount = regions.filter { $0.kind != .free }.count
        let minimum = namedCount * 3 <= width / 2 ? 3 : namedCount * 2 <= width / 2 ? 2 : 1
        var widths = regions.map { r -> Int in
            r.kind == .free ? (Double(r.range.count) / total * Double(width) >= 1 ? 1 : 0) : minimum
        }
        var remaining = width - widths.reduce(0, +)
        if remaining < 0 {
            // Not even the minimum fits: one column each until the bar is full.
            widths = regions.map { _ in 0 }
            for i in widths.indices where i < width { widths[i] = 1 }
            remaining = 0
        }
        // Share the rest by size (largest remainder).
        let shares = regions.map { Double($0.range.count) / total * Double(remaining) }
        var extra = shares.map { Int($0) }
        var left = remaining - extra.reduce(0, +)
        let order = shares.indices.sorted { shares[$0] - Double(extra[$0]) > shares[$1] - Double(extra[$1]) }
        for i in order where left > 0 { extra[i] += 1; left -= 1 }
        var out: [Segment] = []
        var x = 0
        for (i, r) in regions.enumerated() {
            let w = widths[i] + extra[i]
            guard w > 0 else { continue }
            out.append(Segment(region: r, columns: x..<(x + w)))
            x += w
        }
        return out
    }

    static func draw(_ buf: inout ScreenBuffer, _ s: AppState, _ l: Layout) {
        let g = s.glyphs
        let bar = l.mapBar
        let segs = segments(s, width: bar.width)
        let selectedName = s.selectedPartition?.name
        let boot = s.layout.boot?.loaded
        for seg in segs {
            let r = seg.region
            let x = bar.x + seg.columns.lowerBound
            let w = seg.columns.count
            let isSelected = r.partition != nil && r.partition == selectedName
            let (fill, role): (Character, Role) = switch r.kind {
            case .bootloader: (g.blockDark, .bootloader)
            case .table: (g.blockDark, .table)
            case .app: (g.blockFull, .app)
            case .data: (g.blockMedium, .data)
            case .free: (g.middleDot, .free)
            case .missing: (g.blockLight, .dim)
            case .encrypted: (g.blockLight, .warning)
            }
            // A label with at least one fill column on each side, centred; else the longest that
            // leaves one fill column as a separator from the neighbour; else whatever fits.
            var padded = true
            var label = r.labels.first { !$0.isEmpty && $0.count + 4 <= w } ?? ""
            if label.isEmpty {
                padded = false
                label = r.labels.first { !$0.isEmpty && $0.count < w } ?? r.labels.first { $0.count <= w } ?? ""
            }
            if r.partition != nil, r.partition == boot, r.kind == .app, padded, label.count + 5 <= w {
                label = "\(g.arrowRight)\(label)"
            }
            let changed = s.isDirty && s.document.changedRanges.contains { $0.overlaps(r.range) }
            if isSelected {
                buf.fill(Rect(x: x, y: bar.y, width: w, height: 1), char: " ", role: .selected)
            } else {
                buf.fill(Rect(x: x, y: bar.y, width: w, height: 1), char: fill, role: role)
            }
            if !label.isEmpty {
                let text = padded ? " \(label) " : label
                let lx = padded ? x + (w - text.count) / 2 : x
                buf.put(text, x: lx, y: bar.y, role: isSelected ? .selected : (changed ? .staged : role), bold: true)
            }
        }
        if let scale = l.mapScale { drawScale(&buf, s, segs, scale) }
    }

    /// Offsets under the bar at region starts, where they do not collide.
    static func drawScale(_ buf: inout ScreenBuffer, _ s: AppState, _ segs: [Segment], _ scale: Rect) {
        var nextFree = 0
        for seg in segs {
            let text = Hex.short(seg.region.range.lowerBound)
            let x = seg.columns.lowerBound
            guard x >= nextFree, x + text.count <= scale.width else { continue }
            buf.put(text, x: scale.x + x, y: scale.y, role: .dim)
            nextFree = x + text.count + 1
        }
        let end = Hex.short(total(s))
        if nextFree + end.count <= scale.width {
            buf.put(end, x: scale.x + scale.width - end.count, y: scale.y, role: .dim)
        }
    }
}
