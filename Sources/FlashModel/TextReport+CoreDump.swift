import FlashFormats

/// The text form of `flashscope coredump` (and the lines the TUI's core-dump pane shows).
public enum CoreDumpText {
    public static func render(_ f: CoreDumpFinding, elf: Report.CoreDumpELF? = nil) -> String {
        lines(f, elf: elf).joined(separator: "\n") + "\n"
    }

    public static func lines(_ f: CoreDumpFinding, elf: Report.CoreDumpELF? = nil) -> [String] {
        let d = f.dump
        var out: [String] = [f.sentence]
        let place = f.partition.map { "partition \($0) at \(Hex.short(f.offset))" } ?? "file"
        out.append("\(place) · state \(d.state.rawValue)")
        if let h = d.header {
            let rev = h.chipRevision.map { " rev v\($0 / 100).\($0 % 100)" } ?? ""
            out.append("\(d.chip?.name ?? "chip \(h.chipID)")\(rev) · format \(d.format?.rawValue ?? "?") \(Hex.short(h.formatVersion)) · \(h.dataLength) bytes")
        } else if d.format == .elf {
            out.append("raw ELF core file (no partition header, no checksum)")
        }
        if let ok = d.checksumOK, let k = d.checksumKind {
            out.append("checksum \(k == .crc32 ? "CRC-32" : "SHA-256") \(ok ? "✓ matches" : "✗ stored \(Hex.bytes(d.checksumStored ?? [])) computed \(Hex.bytes(d.checksumComputed ?? []))")")
        }
        if let sha = d.appELFSHA256 {
            let which = f.crashedApp.map { "→ \($0)" } ?? (f.matchingApps.isEmpty ? (f.partition == nil ? "" : "→ no app in this image matches") : "→ \(f.matchingApps.joined(separator: ", ")) (several match)")
            out.append("app ELF SHA-256 \(sha)… \(which)")
        } else if d.state == .written {
            out.append("app ELF SHA-256 not stored (binary format): the crashed app cannot be identified")
        }
        if let elf {
            let m = elf.matches(d).map { $0 ? "✓ matches the dump" : "✗ does not match the dump" } ?? "(the dump names no SHA)"
            out.append("ELF \(elf.path) SHA-256 \(Hex.bytes(elf.sha256).prefix(16))… \(m)")
        }
        if let r = d.panicReason { out.append("panic reason: \(r)") }
        if let e = d.exception {
            var line = "exception \(e.cause) \(XtensaException.panicName(e.cause) ?? "?") · EXCVADDR \(Hex.short(e.vaddr))"
            if let isr = e.inISR { line += isr ? " · in ISR" : " · not in ISR" }
            out.append(line)
            if !e.epc.isEmpty {
                out.append("EPC " + e.epc.keys.sorted().map { "\($0)=\(Hex.short(e.epc[$0]!))" }.joined(separator: " ") + " (sampled when the dump was written)")
            }
        }
        if let r = d.riscvTrap {
            out.append("mcause \(r.mcause) \(r.name ?? "") · mtval \(Hex.short(r.mtval)) (from the exception frame on the stack)")
        }
        if let t = d.crashedTask {
            out.append("crashed task \(t.name ?? "?") (TCB \(Hex.short(t.tcb))) pc \(Hex.short(t.pc)) sp \(Hex.short(t.sp))")
            out.append("backtrace:")
            for (i, fr) in d.backtrace.enumerated() {
                let sym = elf.map { e in e.name(fr.pc, frame: i).map { "  \($0)" } ?? "  (no symbol in the ELF: ROM code or unknown)" } ?? ""
                out.append("  #\(i) \(Hex.padded(fr.pc, 8))  sp \(Hex.padded(fr.sp, 8))\(sym)")
            }
            switch d.backtraceEnd {
            case .needsDWARF?: out.append("  (RISC-V: PC and RA only; the rest needs the ELF's DWARF call-frame information)")
            case .returnAddressZero?, nil: break
            case let e?: out.append("  (stops: \(e.rawValue))")
            }
        }
        if !d.tasks.isEmpty {
            out.append("tasks:")
            for t in d.tasks {
                out.append("  \(pad(t.name ?? "?", 16)) TCB \(Hex.padded(t.tcb, 8))  pc \(Hex.padded(t.pc, 8))  sp \(Hex.padded(t.sp, 8))")
            }
        }
        for g in d.diagnostics { out.append("\(g.severity.rawValue): \(g.message)") }
        return out
    }

    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
}

extension TextReport {
    /// `info`'s "Contents" (what each partition's bytes are) and "Core dump" (one sentence) sections.
    func contentLines(_ l: FlashLayout) -> [String] {
        guard !l.contents.isEmpty else { return [] }
        var out = ["", head("Contents")]
        for p in l.partitions {
            guard let c = l.content(of: p) else { continue }
            out.append("  " + p.name.terminalSafe.padded(9) + " " + c.kind.rawValue.padded(11) + " " + dim(c.summary.terminalSafe))
        }
        if let f = l.coreDump {
            out.append("")
            out.append(head("Core dump") + " \((f.partition ?? "").terminalSafe) @\(Hex.short(f.offset))")
            let sentence = f.sentence.terminalSafe
            out.append("  " + (f.dump.state == .written ? bad(sentence) : dim(sentence)))
            if f.dump.state == .written { out.append("  " + dim("flashscope coredump FILE shows the backtrace and every task")) }
        }
        return out
    }
}
