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
            var out = [Span("\(g.middleDot) \(what) on its own: \(missing), no boot decision", role: .dim)]
            if let t = l.table, !t.toolFindings.isEmpty {
                out.append(Span(" \(g.middleDot) \(g.crossMark) gen_esp32part: \(t.toolFindings[0])", role: .invalid, bold: true))
            }
            return out
        }
        guard let b = l.boot else { return [Span("no boot decision", role: .invalid)] }
        var out: [Span] = []
        // The engine's outcome decides the words: a partial dump is never stated as a device fact.
        switch b.outcome {
        case .unknown:
            out.append(Span("? unknown", role: .warning, bold: true))
            out.append(Span(": \(b.outcomeSentence)", role: .warning))
            out += whySpans(s, b)
            return out
        case .nothingLoads:
            out.append(Span("\(g.crossMark) nothing boots", role: .invalid, bold: true))
            out += whySpans(s, b)
            return out
        case .loads:
            break
        }
        guard let loaded = b.loaded else { return out }
        out.append(Span("\(g.arrowRight) boots \(loaded)", role: .boot, bold: true))
        out += whySpans(s, b)
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

    /// The why of the boot line: the deciding sector and its arithmetic, then each partition the
    /// bootloader tried with its image verdict: " · sector 0, seq 2 → (2−1) mod 2 = 1 → ota_1 ✓".
    static func whySpans(_ s: AppState, _ b: BootDecision) -> [Span] {
        let g = s.glyphs
        var out: [Span] = []
        if case .activeEntry(let k, let seq, let count, let slot) = b.choice {
            out.append(Span(" \(g.middleDot) sector \(k), seq \(seq) \(g.arrow) (\(seq)\u{2212}1) mod \(count) = \(slot)"))
        } else {
            out.append(Span(" \(g.middleDot) \(howSelected(s))"))
        }
        if b.attempts.isEmpty, let sel = b.selected {
            out.append(Span(" \(g.arrow) \(sel)"))
        }
        for a in b.attempts {
            out.append(Span(" \(g.arrow) \(a.partition) "))
            out.append(a.bootable ? Span(String(g.check), role: .valid, bold: true)
                                  : Span("\(g.crossMark) \(shortProblem(a.failure))", role: .invalid, bold: true))
        }
        return out
    }

    /// The file ends before the flash it describes: a partition (or the flash size in the bootloader
    /// header) reaches past its end.
    static func isPartialDump(_ s: AppState) -> Bool {
        guard s.layout.kind == .flashImage else { return false }
        if s.layout.partitions.contains(where: { $0.presence != .full }) { return true }
        if let size = s.layout.bootloader?.image.flash.flashSize, size > s.document.count { return true }
        return false
    }

    /// The sector the bootloader decides with (after its own rollback writes), else the app's view:
    /// the one truth every pane uses for "active".
    static func activeSector(_ s: AppState) -> Int? {
        s.layout.boot?.activeSector ?? s.layout.otadata?.activeSector
    }

    /// otadata entry `k`, when the sector is in the file.
    static func entry(_ l: FlashLayout, _ k: Int) -> OTAEntry? {
        guard let o = l.otadata, o.entries.indices.contains(k) else { return nil }
        return o.entries[k]
    }

    /// How the bootloader chose, in a few words (the engine's `BootChoice`, without its target: the
    /// attempts follow it on the boot line).
    static func howSelected(_ s: AppState) -> String {
        guard let b = s.layout.boot else { return "" }
        switch b.choice {
        case .activeEntry(let k, let seq, _, _): return "otadata sector \(k), seq \(seq)"
        case .bothEntriesInvalid: return s.layout.otadata?.entries.allSatisfy({ $0?.isErased ?? true }) == true
            ? "otadata erased" : "both otadata entries empty or invalid"
        case .noValidEntry: return "no otadata entry with a correct CRC"
        case .noOTAApps: return "no OTA app partitions"
        case .noOTADataPartition: return "no otadata partition"
        case .otadataNotInFile: return "otadata is not in this dump"
        case .otadataTooSmall, .otadataTooLarge, .tableRejected, .noTable, .encrypted, .bootloaderRefusesChip, .noAppPartitions: return b.choice.description
        }
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
                return Status(text: "\(g.crossMark) " + shortProblem(a.verdict.failure), role: .invalid)
            }
        }
        if e.isOTAData, let o = s.layout.otadata {
            let active = activeSector(s)
            let badCRC = o.entries.contains { e in e.map { !$0.seqErased && !$0.crcOK } ?? false }
            if badCRC { return Status(text: width >= 9 ? "\(g.crossMark) bad CRC" : "\(g.crossMark) CRC", role: .invalid) }
            if let k = active, let entry = entry(s.layout, k) { return Status(text: "\(g.check) seq \(entry.seq)", role: .valid) }
            if o.entries.allSatisfy({ $0?.isErased ?? true }) { return Status(text: "erased", role: .erased) }
            return Status(text: "\(g.crossMark) no valid", role: .invalid)
        }
        if e.isNVS, let n = nvs(s.document, range(s, p)) {
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
        if e.isOTAData, s.layout.otadata != nil {
            if let k = activeSector(s), let entry = entry(s.layout, k) {
                let slots = s.layout.bootSlots
                let target = entry.slot(count: slots.appCount).flatMap { slots.ota[$0]?.name } ?? "?"
                return "sector \(k) \(s.glyphs.arrowRight) \(target)"
            }
            return "no valid entry"
        }
        if e.isNVS, let n = nvs(s.document, range(s, p)) {
            return "\(n.used)/\(n.total) pages used"
        }
        if let c = CoreDumpPane.shortContent(s, p) { return c }
        if let scan = s.scans[ScanKey(range(s, p))] { return scan.erased ? "all 0xff" : "CRC-32 \(Hex.padded(scan.crc32, 8))" }
        return ""
    }

    /// The engine's image verdict in a word or two (a row's status cell, the boot line).
    static func shortProblem(_ p: ImageProblem?) -> String {
        guard let p else { return "invalid" }
        switch p {
        case .absent: return "absent"
        case .erased: return "empty"
        case .noImage: return "no image"
        case .cutByFileEnd: return "cut off"
        case .chipMismatch: return "wrong chip"
        case .checksumMismatch: return "checksum"
        case .sha256Mismatch: return "SHA-256"
        case .partitionTooLarge: return "too large"
        case .doesNotFit: return "too big"
        case .invalid: return "invalid"
        case .notAnApp: return "not an app"
        case .revisionOutsideWindow, .revisionImpossible: return "chip revision"
        case .noAppDescriptor: return "no app desc"
        case .segment0TooShort: return "segment 0"
        case .mappedSegmentCount: return "segments"
        }
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
        var used = 0, total = 0
    }

    /// Pages of an NVS partition and how many are in use (ACTIVE, FULL or FREEING with a good header),
    /// as the engine's `Page::load` model classifies them (FlashFormats/NVS.swift).
    static func nvs(_ doc: FlashDocument, _ r: Range<Int>) -> NVSPages? {
        let pages = NVS.pages(doc, offset: r.lowerBound, size: r.count)
        guard !pages.isEmpty else { return nil }
        return NVSPages(used: pages.filter(\.hasSeq).count, total: pages.count)
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

    /// CRCs of the otadata-like sectors outside any partition (a flash-encrypted dump keeps otadata plaintext).
    static func strayChecks(_ s: AppState) -> [Check] {
        s.layout.strayOTA.map { st in
            Check(label: "otadata-like sector @\(Hex.short(st.offset))", what: "CRC", stored: Hex.padded(st.entry.crc, 8),
                  computed: Hex.padded(st.entry.expectedCRC, 8), ok: st.entry.seqErased ? nil : st.entry.crcOK,
                  note: "seq \(st.entry.seq) \(OTAState.name(st.entry.state))")
        }
    }

    static func otadataChecks(_ s: AppState) -> [Check] {
        guard let o = s.layout.otadata else { return [] }
        return o.entries.enumerated().map { k, e in
            let label = "otadata \(k) @\(Hex.short(o.offset + k * otadataSectorSize))"
            guard let e else { return Check(label: label, what: "CRC", stored: nil, computed: nil, ok: nil, note: "not in the file") }
            if e.seqErased {
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
        var out = otadataChecks(s) + strayChecks(s)
        if let t = tableCheck(s) { out.append(t) }
        if let b = s.layout.bootloader { out += imageChecks("bootloader @\(Hex.short(b.offset))", b.image) }
        if s.layout.kind != .flashImage, let img = s.layout.image { out += imageChecks("image", img) }
        if let p = s.selectedPartition, p.entry.isApp, let img = s.layout.app(named: p.name)?.image {
            out += imageChecks("\(p.name) image", img)
        }
        return out
    }

    /// What the CRC-32 line of the selected region can say.
    enum RegionCRC: Equatable {
        /// None of the partition's bytes are in the file: nothing to compute, ever.
        case notInFile(dumpEnd: Int)
        /// Being computed (the scan runs between keys).
        case pending
        /// Computed over `range`; `whole` is false when the dump ends inside the partition.
        case done(RegionScan, range: Range<Int>, whole: Bool, partitionSize: Int)
    }

    /// The CRC-32 line of the selected region: value when scanned, pending while it runs, or why
    /// there is nothing to compute.
    static func regionCRC(_ s: AppState) -> (label: String, value: RegionCRC)? {
        guard let p = s.selectedPartition, let r = s.selectedRange else { return nil }
        let label = "\(p.name) CRC-32"
        guard !r.isEmpty else { return (label, .notInFile(dumpEnd: s.document.count)) }
        guard let scan = s.scans[ScanKey(r)] else { return (label, .pending) }
        let size = Int(clamping: p.entry.size)
        return (label, .done(scan, range: r, whole: r.count >= size, partitionSize: size))
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
