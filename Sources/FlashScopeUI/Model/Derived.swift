import FlashFormats
import FlashModel
import ScreenKit

/// Words and verdicts computed from the state for the panes: pure functions, no caching.
enum Derived {
    // MARK: Boot line

    /// The boot prediction in one sentence, the question users open a dump to answer.
    static func bootSpans(_ s: AppState) -> [Span] {
        let g = s.glyphs
        let l = s.layout
        guard l.kind == .flashImage else {
            let what: String = switch l.kind {
            case .appImage: "an app image"
            case .bootloaderImage: "a bootloader image"
            case .partitionTable: "a partition table"
            case .otadata: "an otadata partition"
            case .flashImage: "a flash image"
            }
            let missing = l.kind == .partitionTable ? "no partition contents" : "no partition table"
            return [Span("\(g.middleDot) \(what) on its own: \(missing), no boot decision", role: .dim)]
        }
        guard let b = l.boot else { return [Span("no boot decision", role: .invalid)] }
        var out: [Span] = []
        guard let loaded = b.loaded else {
            out.append(Span("\(g.crossMark) nothing boots", role: .invalid, bold: true))
            out.append(Span(": \(b.reason)"))
            return out
        }
        out.append(Span("\(g.arrowRight) boots \(loaded)", role: .boot, bold: true))
        if let sel = b.selected, sel != loaded {
            out.append(Span(": \(sel) selected but \(problemPhrase(b, sel))", role: .warning))
        } else {
            out.append(Span(" (\(howSelected(s))"))
            out.append(Span(")"))
        }
        let slots = l.bootSlots
        for w in b.writes {
            let app = w.entry.slot(count: slots.appCount).flatMap { slots.ota[$0]?.name } ?? "sector \(w.sector)"
            let what: String = switch w.why {
            case .abortPending: "aborts \(app) (was PENDING_VERIFY)"
            case .markPending: "\(app): NEW \(g.arrow) PENDING_VERIFY"
            case .initialContents: "writes initial otadata (seq \(w.entry.seq))"
            }
            out.append(Span(" \(g.middleDot) \(what)", role: .warning))
        }
        if b.writes.isEmpty, let d = l.app(named: loaded)?.image?.appDescriptor {
            out.append(Span(" \(g.middleDot) \"\(d.projectName)\" \(d.version)", role: .dim))
        }
        return out
    }

    /// "otadata sector 0, seq 2" or the reason when otadata did not decide.
    static func howSelected(_ s: AppState) -> String {
        let l = s.layout
        guard let b = l.boot else { return "" }
        if let k = b.activeSector, let e = l.otadata?.entries[k] {
            return "otadata sector \(k), seq \(e.seq)"
        }
        if l.otadataPartition == nil { return "no otadata partition" }
        if let o = l.otadata, o.entries.allSatisfy({ $0?.isErased ?? true }) { return "otadata erased" }
        // "both otadata entries empty or invalid → factory" → the part before the arrow.
        return beforeArrow(b.reason)
    }

    /// The part of a reason before its first " → ".
    static func beforeArrow(_ text: String) -> String {
        let chars = Array(text)
        for i in chars.indices where i + 2 < chars.count && chars[i] == " " && chars[i + 1] == "→" && chars[i + 2] == " " {
            return String(chars[..<i])
        }
        return text
    }

    /// Why the selected slot was passed over, as the end of "ota_1 selected but …".
    static func problemPhrase(_ b: BootDecision, _ selected: String) -> String {
        guard let a = b.attempts.first(where: { $0.partition == selected }), let p = a.problem else {
            return "it is absent or empty"
        }
        if p.hasPrefix("SHA-256") || p.hasPrefix("checksum") || p.hasPrefix("image") { return "its \(p)" }
        if p.hasPrefix("empty") || p.hasPrefix("absent") { return "it is \(p)" }
        return "it fails verification: \(p)"
    }

    // MARK: Partition rows

    struct Status {
        var text: String
        var role: Role
    }

    /// The status cell of a partition row: image verdict, erased, overlap, partial.
    static func status(_ s: AppState, _ p: PartitionInfo, width: Int = 20) -> Status {
        let g = s.glyphs
        switch p.presence {
        case .absent: return Status(text: "absent", role: .warning)
        case .partial where !p.entry.isApp: return Status(text: "partial", role: .warning)
        default: break
        }
        if overlaps(s, p) { return Status(text: "\(g.crossMark) overlap", role: .invalid) }
        let e = p.entry
        if e.isApp, let a = s.layout.app(named: p.name) {
            switch a.content {
            case .absent: return Status(text: "absent", role: .warning)
            case .erased: return Status(text: "empty", role: .erased)
            case .noImage: return Status(text: "no image", role: .warning)
            case .image(let img):
                if a.verdict.bootable {
                    let version = img.appDescriptor?.version ?? ""
                    return Status(text: "\(g.check) " + (!version.isEmpty && version.count + 2 <= width ? version : "valid"), role: .valid)
                }
                return Status(text: "\(g.crossMark) " + shortProblem(a.verdict.problem), role: .invalid)
            }
        }
        if e.isOTAData, let o = s.layout.otadata {
            let badCRC = o.entries.contains { e in e.map { $0.seq != 0xFFFF_FFFF && !$0.crcOK } ?? false }
            if badCRC { return Status(text: width >= 9 ? "\(g.crossMark) bad CRC" : "\(g.crossMark) CRC", role: .invalid) }
            if let k = o.activeSector, let entry = o.entries[k] { return Status(text: "\(g.check) seq \(entry.seq)", role: .valid) }
            if o.entries.allSatisfy({ $0?.isErased ?? true }) { return Status(text: "erased", role: .erased) }
            return Status(text: "\(g.crossMark) no valid", role: .invalid)
        }
        if e.type == PartitionType.data, e.subtype == 0x02, let n = nvs(s.document, range(s, p)) {
            if n.used == 0 { return Status(text: "erased", role: .erased) }
            return Status(text: "NVS \(n.used)/\(n.total)", role: .normal)
        }
        if let erased = isErased(s, p) { return erased ? Status(text: "erased", role: .erased) : Status(text: "data", role: .normal) }
        return Status(text: "\(g.middleDot)", role: .dim)
    }

    /// What a partition holds, in a few words (the wide table's "content" column).
    static func content(_ s: AppState, _ p: PartitionInfo) -> String {
        let e = p.entry
        if e.isApp, let img = s.layout.app(named: p.name)?.image {
            if let d = img.appDescriptor { return d.projectName }
            return "image, \(img.segmentCount) segments"
        }
        if e.isOTAData, let o = s.layout.otadata {
            if let k = o.activeSector, let entry = o.entries[k] {
                let slots = s.layout.bootSlots
                let target = entry.slot(count: slots.appCount).flatMap { slots.ota[$0]?.name } ?? "?"
                return "sector \(k) \(s.glyphs.arrowRight) \(target)"
            }
            return "no valid entry"
        }
        if e.type == PartitionType.data, e.subtype == 0x02, let n = nvs(s.document, range(s, p)) {
            return "\(n.used)/\(n.total) pages used"
        }
        if let c = CoreDumpPane.shortContent(s, p) { return c }
        if let scan = s.scans[ScanKey(range(s, p))] { return scan.erased ? "all 0xff" : "CRC-32 \(Hex.padded(scan.crc32, 8))" }
        return ""
    }

    static func shortProblem(_ p: String?) -> String {
        guard let p else { return "invalid" }
        if p.hasPrefix("SHA-256") { return "SHA-256" }
        if p.hasPrefix("checksum") { return "checksum" }
        if p.contains("cut off") { return "cut off" }
        if p.contains("does not fit") { return "too big" }
        if p.contains("image is for") { return "wrong chip" }
        return "invalid"
    }

    static func range(_ s: AppState, _ p: PartitionInfo) -> Range<Int> {
        min(Int(p.entry.offset), s.document.count)..<min(Int(p.entry.end), s.document.count)
    }

    /// Erased (all 0xFF)? Known for small partitions, and for others once scanned.
    static func isErased(_ s: AppState, _ p: PartitionInfo) -> Bool? {
        let r = range(s, p)
        if let scan = s.scans[ScanKey(r)] { return scan.erased }
        if r.count <= 0x10000 { return s.document.isAll(0xFF, in: r) }
        return nil
    }

    static func overlaps(_ s: AppState, _ p: PartitionInfo) -> Bool {
        s.layout.partitions.contains { q in
            q.index != p.index && UInt64(q.entry.offset) < p.entry.end && UInt64(p.entry.offset) < q.entry.end
                && q.entry.size > 0 && p.entry.size > 0
        }
    }

    // MARK: NVS

    struct NVSPages {
        var active = 0, full = 0, freeing = 0, corrupt = 0, empty = 0, other = 0
        var total: Int { active + full + freeing + corrupt + empty + other }
        var used: Int { total - empty }
    }

    /// Page states of an NVS partition (nvs_page.hpp `PageState`, the first word of each 4 KiB page).
    static func nvs(_ doc: FlashDocument, _ r: Range<Int>) -> NVSPages? {
        guard r.count >= 0x1000 else { return nil }
        var n = NVSPages()
        var at = r.lowerBound
        while at + 0x1000 <= r.upperBound {
            switch doc.u32(at: at) ?? 0 {
            case 0xFFFF_FFFF: n.empty += 1
            case 0xFFFF_FFFE: n.active += 1
            case 0xFFFF_FFFC: n.full += 1
            case 0xFFFF_FFF8: n.freeing += 1
            case 0xFFFF_FFF0: n.corrupt += 1
            default: n.other += 1
            }
            at += 0x1000
        }
        return n
    }

    // MARK: Integrity

    /// One stored-versus-computed check.
    struct Check {
        var label: String
        var what: String
        var stored: String?
        var computed: String?
        /// nil: not applicable (erased entry, nothing stored).
        var ok: Bool?
        var note: String?
    }

    static func otadataChecks(_ s: AppState) -> [Check] {
        guard let o = s.layout.otadata else { return [] }
        return o.entries.enumerated().map { k, e in
            let label = "otadata \(k) @\(Hex.short(o.offset + k * otadataSectorSize))"
            guard let e else { return Check(label: label, what: "CRC", stored: nil, computed: nil, ok: nil, note: "not in the file") }
            if e.seq == 0xFFFF_FFFF {
                return Check(label: label, what: "CRC", stored: Hex.padded(e.crc, 8), computed: Hex.padded(e.expectedCRC, 8), ok: nil,
                             note: e.isErased ? "erased: not checked" : "seq erased: ignored")
            }
            return Check(label: label, what: "CRC", stored: Hex.padded(e.crc, 8), computed: Hex.padded(e.expectedCRC, 8),
                         ok: e.crcOK, note: "seq \(e.seq) \(OTAState.name(e.state))")
        }
    }

    static func tableCheck(_ s: AppState) -> Check? {
        guard let t = s.layout.table else { return nil }
        let label = "table @\(Hex.short(t.offset))"
        switch t.md5 {
        case .absent: return Check(label: label, what: "MD5", stored: nil, computed: nil, ok: nil, note: "no MD5 row")
        case .ok, .mismatch:
            return Check(label: label, what: "MD5", stored: t.md5Stored.map(Hex.bytes), computed: t.md5Computed.map(Hex.bytes),
                         ok: t.md5 == .ok, note: t.bootloaderAccepts ? nil : "bootloader rejects: \(t.bootloaderReason ?? "")")
        }
    }

    static func imageChecks(_ label: String, _ img: AppImage) -> [Check] {
        var out = [Check(label: label, what: "checksum", stored: img.checksumStored.map { Hex.padded($0, 2) },
                         computed: img.checksumComputed.map { Hex.padded($0, 2) }, ok: img.checksumValid,
                         note: img.checksumStored == nil ? "not readable" : nil)]
        if img.hashAppended {
            out.append(Check(label: label, what: "SHA-256", stored: img.sha256Stored.map(Hex.bytes),
                             computed: img.sha256Computed.map(Hex.bytes), ok: img.hashValid,
                             note: img.sha256Stored == nil ? "not readable" : nil))
        }
        return out
    }

    /// Every integrity value that matters for what is selected: otadata, table, bootloader, and
    /// the selected partition's image and CRC-32.
    static func checks(_ s: AppState) -> [Check] {
        var out = otadataChecks(s)
        if let t = tableCheck(s) { out.append(t) }
        if let b = s.layout.bootloader { out += imageChecks("bootloader @\(Hex.short(b.offset))", b.image) }
        if s.layout.kind != .flashImage, let img = s.layout.image { out += imageChecks("image", img) }
        if let p = s.selectedPartition, p.entry.isApp, let img = s.layout.app(named: p.name)?.image {
            out += imageChecks("\(p.name) image", img)
        }
        return out
    }

    /// The CRC-32 line of the selected region: value when scanned, else pending.
    static func regionCRC(_ s: AppState) -> (label: String, value: String?, erased: Bool)? {
        guard let p = s.selectedPartition, let r = s.selectedRange else { return nil }
        let scan = s.scans[ScanKey(r)]
        return ("\(p.name) CRC-32", scan.map { Hex.padded($0.crc32, 8) }, scan?.erased ?? false)
    }
}

extension Glyphs {
    /// ● / `*`: changed and not saved.
    var changedMark: Character { isUnicode ? "●" : "*" }
    /// ≠ / `!`: stored differs from computed.
    var notEqual: Character { isUnicode ? "≠" : "!" }
    /// – / `-`: not applicable.
    var dash: Character { isUnicode ? "–" : "-" }
    /// → / `>`.
    var arrow: String { isUnicode ? "→" : "->" }
    /// ┬ ┴ ┼ where rules and dividers meet.
    var teeDown: Character { isUnicode ? "┬" : "+" }
    var teeUp: Character { isUnicode ? "┴" : "+" }
    var cross: Character { isUnicode ? "┼" : "+" }
}
