import FlashFormats
import FlashModel
import ScreenKit

/// The core dump partition's detail (one sentence, then backtrace and tasks; ↑↓ pick a frame and Enter
/// shows its stack bytes in hex) and the content line of every other data partition.
enum CoreDumpPane {
    /// The core dump read from `p`, when `p` is the coredump partition the analysis used.
    static func finding(_ s: AppState, _ p: PartitionInfo) -> CoreDumpFinding? {
        guard let f = s.layout.coreDump, f.partition == p.name, f.offset == Int(p.entry.offset) else { return nil }
        return f
    }

    /// The selected partition's core dump with a backtrace to pick frames from.
    static func selectedFinding(_ s: AppState) -> CoreDumpFinding? {
        guard let p = s.selectedPartition, let f = finding(s, p), !f.dump.backtrace.isEmpty else { return nil }
        return f
    }

    static func frameIndex(_ s: AppState, _ f: CoreDumpFinding) -> Int {
        min(max(0, s.coreDumpFrame), max(0, f.dump.backtrace.count - 1))
    }

    /// Detail lines for the coredump partition (nil for any other partition): `lead` is the one sentence
    /// that goes above everything else, `rest` the facts, backtrace and tasks.
    static func lines(_ s: AppState, _ p: PartitionInfo, width: Int = 200) -> (lead: [[Span]], rest: [[Span]])? {
        guard let f = finding(s, p) else { return nil }
        let g = s.glyphs
        let dot = " \(g.middleDot) "
        let d = f.dump
        var out: [[Span]] = []
        let crashed = d.state == .written
        let role: Role = crashed ? .invalid : (d.state == .corrupt ? .warning : .erased)
        let lead = wrap(f.sentence, width: max(20, width)).map { [Span($0, role: role, bold: crashed)] }
        guard crashed else { return (lead, out) }
        var head: [Span] = [Span(d.chip?.name ?? "chip ?")]
        if let rev = d.header?.chipRevision { head.append(Span(" v\(rev / 100).\(rev % 100)", role: .dim)) }
        head.append(Span(dot + "format \(d.format?.rawValue ?? "?")" + (d.version.map { " \(Hex.short($0))" } ?? "")))
        if let ok = d.checksumOK, let k = d.checksumKind {
            head.append(Span(dot + (k == .crc32 ? "CRC-32 " : "SHA-256 ")))
            head.append(ok ? Span("\(g.check)", role: .valid) : Span("\(g.crossMark) wrong", role: .invalid, bold: true))
        }
        out.append(head)
        if let sha = d.appELFSHA256 {
            let who = f.crashedApp ?? (f.matchingApps.isEmpty ? "no app in this image" : f.matchingApps.joined(separator: ", "))
            out.append([Span("app ELF SHA-256 \(sha)\(g.ellipsis) ", role: .dim), Span("\(g.arrowRight) \(who)", role: f.crashedApp == nil ? .warning : .accent)])
        } else {
            out.append([Span("binary format: no app ELF SHA-256 stored, the crashed app cannot be named", role: .dim)])
        }
        if let r = d.panicReason { out.append([Span("panic ", role: .dim), Span(r, role: .accent)]) }
        if let e = d.exception {
            var line = [Span("EXCCAUSE \(e.cause) \(XtensaException.panicName(e.cause) ?? "?")", role: .invalid), Span(dot + "EXCVADDR \(Hex.short(e.vaddr))")]
            if let isr = e.inISR { line.append(Span(dot + (isr ? "in ISR" : "not in ISR"), role: isr ? .warning : .dim)) }
            out.append(line)
            if let epc1 = e.epc[1] { out.append([Span("EPC1 \(Hex.short(epc1)) (sampled when the dump was written; not the faulting PC)", role: .dim)]) }
        }
        if let t = d.riscvTrap { out.append([Span("mcause \(t.mcause) \(t.name ?? "")", role: .invalid), Span(dot + "mtval \(Hex.short(t.mtval))", role: .dim)]) }
        out.append([Span("Backtrace", role: .header), Span(" (↑↓ pick a frame, Enter shows its stack bytes)", role: .dim)])
        let sel = frameIndex(s, f)
        let focused = s.focus == .detail
        for (i, fr) in d.backtrace.enumerated() {
            let mark = i == sel && focused ? String(g.arrowRight) : " "
            out.append([Span(mark, role: .boot), Span("#\(i)"), Span(" \(Hex.padded(fr.pc, 8))", role: .accent),
                        Span("  sp \(Hex.padded(fr.sp, 8))", role: .dim),
                        Span(fr.stackOffset.map { "  @\(Hex.short($0))" } ?? "  (stack not saved)", role: .dim)])
        }
        switch d.backtraceEnd {
        case .needsDWARF?: out.append([Span("RISC-V: PC and RA only; callers need the ELF's DWARF call-frame information", role: .dim)])
        case .returnAddressZero?, nil: break
        case let end?: out.append([Span("walk stopped: \(end.rawValue.replacingUnderscores)", role: .warning)])
        }
        out.append([Span("Tasks", role: .header), Span(" \(d.tasks.count)", role: .dim)])
        for (i, t) in d.tasks.enumerated() {
            out.append([Span(i == d.crashedTaskIndex ? "\(g.crossMark) " : "  ", role: .invalid),
                        Span((t.name ?? "?").padded(to: 16)), Span(" TCB \(Hex.padded(t.tcb, 8))", role: .dim),
                        Span(" pc \(Hex.padded(t.pc, 8))", role: .accent), Span(" sp \(Hex.padded(t.sp, 8))", role: .dim)])
        }
        return (lead, out)
    }

    /// Words of `text` in lines of at most `width` columns (continuations indented by two).
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var cur = ""
        for word in text.split(separator: " ") {
            let indent = lines.isEmpty ? "" : "  "
            if !cur.isEmpty, indent.count + cur.count + 1 + word.count > width {
                lines.append(indent + cur)
                cur = String(word)
            } else {
                cur += (cur.isEmpty ? "" : " ") + word
            }
        }
        if !cur.isEmpty { lines.append((lines.isEmpty ? "" : "  ") + cur) }
        return lines
    }

    /// One line about what any other data partition holds (from `PartitionContent`).
    static func contentLines(_ s: AppState, _ p: PartitionInfo) -> [[Span]] {
        guard !p.entry.isApp, finding(s, p) == nil, let c = s.layout.content(of: p) else { return [] }
        switch c.kind {
        case .erased, .absent, .otadata, .nvs: return []
        default: break
        }
        var line = [Span("content ", role: .dim), Span(c.summary, role: c.kind == .unknown || c.kind == .encrypted ? .warning : .accent)]
        let facts = c.detail.compactMap { k, v -> String? in
            switch v {
            case .int(let i): "\(k) \(i)"
            case .string(let t): "\(k) \(t)"
            case .bool(let b): "\(k) \(b ? "yes" : "no")"
            case .null: nil
            }
        }
        if !facts.isEmpty { line.append(Span(" \(s.glyphs.middleDot) " + facts.joined(separator: ", "), role: .dim)) }
        return [line]
    }

    /// The partitions pane's content cell for data partitions this recogniser knows more about.
    static func shortContent(_ s: AppState, _ p: PartitionInfo) -> String? {
        if let f = finding(s, p) {
            let d = f.dump
            switch d.state {
            case .written:
                let what = d.exception.flatMap { XtensaException.panicName($0.cause) } ?? d.riscvTrap?.name ?? "crash"
                return "core dump: \(what)" + (d.crashedTask?.name.map { " in \($0)" } ?? "")
            case .empty: return nil
            case .cleared: return "core dump cleared"
            case .corrupt: return "core dump corrupt"
            }
        }
        guard let c = s.layout.content(of: p) else { return nil }
        switch c.kind {
        case .erased, .absent, .otadata, .nvs, .appImage, .unknown: return nil
        case .phyInit: return "PHY init data"
        case .fat: return "FAT" + (c.value("dummy_sector") != nil ? " + wear levelling" : "")
        case .spiffs: return "SPIFFS"
        case .littlefs: return "LittleFS"
        case .efuseEm: return "eFuse emulation"
        case .teeOtadata: return "TEE otadata"
        case .mcuboot: return "MCUboot image"
        case .nvsKeys: return "NVS keys"
        case .encrypted: return "random (encrypted?)"
        case .coredump: return "core dump"
        }
    }

    // MARK: Keys

    /// ↑↓ Home End in the detail pane pick a backtrace frame of the coredump partition; true when handled.
    static func move(_ s: inout AppState, _ c: Command) -> Bool {
        guard s.focus == .detail, let f = selectedFinding(s) else { return false }
        let n = f.dump.backtrace.count
        var i = frameIndex(s, f)
        switch c {
        case .up: i = max(0, i - 1)
        case .down: i = min(n - 1, i + 1)
        case .home: i = 0
        case .end: i = n - 1
        default: return false
        }
        s.coreDumpFrame = i
        keepFrameVisible(&s, i)
        return true
    }

    /// Scrolls the detail pane so that frame `i`'s line is on screen.
    static func keepFrameVisible(_ s: inout AppState, _ i: Int) {
        let l = Layout.compute(width: s.width, height: s.height, state: s)
        guard let rect = l.detail else { return }
        let sep = " \(s.glyphs.middleDot) "
        let all = DetailPane.lines(s, width: rect.width - 2).flatMap { DetailPane.flow($0, width: rect.width - 2, separator: sep) }
        guard let row = all.firstIndex(where: { $0.count > 1 && $0[1].text == "#\(i)" }) else { return }
        if row < s.detailScroll { s.detailScroll = row }
        if row >= s.detailScroll + rect.height { s.detailScroll = row - rect.height + 1 }
    }

    /// Enter in the detail pane: the hex pane shows the selected frame's stack bytes. True when handled.
    static func activate(_ s: inout AppState) -> Bool {
        guard s.focus == .detail, let f = selectedFinding(s) else { return false }
        let fr = f.dump.backtrace[frameIndex(s, f)]
        guard let at = fr.stackOffset else {
            s.message = StatusMessage("frame #\(frameIndex(s, f)): its stack (sp \(Hex.short(fr.sp))) is not saved in the dump", kind: .error)
            return true
        }
        Update.goto(&s, Hex.short(at))
        s.message = StatusMessage("frame #\(frameIndex(s, f)) pc \(Hex.short(fr.pc)): base-save area at sp−16 (caller's a0, then a1)")
        return true
    }
}

extension String {
    fileprivate var replacingUnderscores: String { String(map { $0 == "_" ? " " : $0 }) }
}
