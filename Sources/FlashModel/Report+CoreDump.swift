import FlashFormats

/// `coredump --json` (the full dump) and the `coredump` summary in `info --json`.
extension Report {
    /// The `coredump` key of `info --json`: null when the table has no coredump partition.
    public static func coreDumpSummaryJSON(_ l: FlashLayout) -> (String, JSON) {
        guard let f = l.coreDump else { return ("coredump", .null) }
        let d = f.dump
        return ("coredump", .object([
            ("partition", .opt(f.partition)), ("offset", .num(f.offset)), ("state", .string(d.state.rawValue)),
            ("checksum_ok", .opt(d.checksumOK)), ("app_elf_sha256", .opt(d.appELFSHA256)),
            ("crashed_app", .opt(f.crashedApp)), ("panic_reason", .opt(d.panicReason)),
            ("exception_cause", d.exception.map { .num($0.cause) } ?? .null),
            ("exception_cause_name", .opt(d.exception.flatMap { XtensaException.panicName($0.cause) })),
            ("pc", .opt(d.crashedTask?.pc)), ("task", .opt(d.crashedTask?.name)),
            ("summary", .string(f.sentence)),
        ]))
    }

    /// The ELF given with `--elf`: its symbols and whether its SHA-256 is the one the dump names.
    public struct CoreDumpELF: Sendable {
        public let path: String
        public let sha256: [UInt8]
        public let symbols: ELFSymbols
        public init(path: String, sha256: [UInt8], symbols: ELFSymbols) { self.path = path; self.sha256 = sha256; self.symbols = symbols }
        /// nil when the dump stores no SHA (binary format).
        public func matches(_ d: CoreDump) -> Bool? {
            guard let p = d.appELFSHA256, !p.isEmpty else { return nil }
            return Hex.bytes(sha256).hasPrefix(p)
        }
        /// Symbol + offset of frame `index`'s PC (frames after the first hold return addresses).
        public func name(_ pc: UInt32, frame index: Int) -> String? { symbols.describe(pc, isReturnAddress: index > 0) }
    }

    /// `flashscope coredump --json`: the contract in README.md.
    public static func coreDumpJSON(_ f: CoreDumpFinding, elf: CoreDumpELF? = nil) -> JSON {
        let d = f.dump
        var kv: [(String, JSON)] = [
            ("partition", .opt(f.partition)), ("offset", .num(f.offset)), ("state", .string(d.state.rawValue)),
            ("version", .opt(d.version)), ("format", .opt(d.format?.rawValue)), ("chip", .opt(d.chip?.name)),
            ("checksum_ok", .opt(d.checksumOK)), ("app_elf_sha256", .opt(d.appELFSHA256)),
            ("crashed_app", .opt(f.crashedApp)), ("panic_reason", .opt(d.panicReason)),
        ]
        let crashed = d.crashedTask
        if let e = d.exception {
            kv.append(("exception", .object([
                ("cause", .num(e.cause)), ("cause_name", .opt(XtensaException.panicName(e.cause))),
                ("vaddr", .num(e.vaddr)), ("pc", .opt(crashed?.pc)),
                ("cause_name_esp_coredump", .opt(XtensaException.espCoredumpName(e.cause))),
                ("epc", .object(e.epc.keys.sorted().map { ("\($0)", .num(e.epc[$0]!)) })),
                ("in_isr", .opt(e.inISR)),
            ])))
        } else {
            kv.append(("exception", .null))
        }
        if let t = crashed {
            var ct: [(String, JSON)] = [
                ("name", .opt(t.name)), ("tcb", .num(t.tcb)), ("pc", .num(t.pc)),
                ("backtrace", .array(d.backtrace.map { .num($0.pc) })),
                ("sp", .num(t.sp)),
                ("backtrace_end", .opt(d.backtraceEnd?.rawValue)),
                ("frames", .array(d.backtrace.enumerated().map { i, fr in
                    var o: [(String, JSON)] = [("pc", .num(fr.pc)), ("sp", .num(fr.sp)), ("stack_offset", .opt(fr.stackOffset))]
                    if let elf { o.append(("symbol", .opt(elf.name(fr.pc, frame: i)))) }
                    return .object(o)
                })),
            ]
            if d.arch == .riscv {
                ct.append(("backtrace_note", .string("RISC-V: PC and RA only; the callers' return addresses are at function-specific offsets that only the ELF's DWARF call-frame information describes")))
            }
            kv.append(("crashed_task", .object(ct)))
        } else {
            kv.append(("crashed_task", .null))
        }
        kv.append(("tasks", .array(d.tasks.map { t in
            .object([("name", .opt(t.name)), ("tcb", .num(t.tcb)), ("pc", .num(t.pc)), ("sp", .num(t.sp))])
        })))
        kv.append(("diagnostics", .array((d.diagnostics + (elf?.symbols.diagnostics ?? [])).map(diagnosticJSON))))
        // Beyond the contract.
        kv += [
            ("summary", .string(f.sentence)),
            ("crashed_app_candidates", .array(f.matchingApps.map(JSON.string))),
            ("data_length", .opt(d.header?.dataLength)), ("version_word", .opt(d.header?.versionWord)),
            ("chip_revision", .opt(d.header?.chipRevision)),
            ("checksum", d.checksumKind.map { k in .object([
                ("kind", .string(k.rawValue)), ("offset", .opt(d.checksumOffset)),
                ("stored", .opt(d.checksumStored.map(Hex.bytes))), ("computed", .opt(d.checksumComputed.map(Hex.bytes))),
            ]) } ?? .null),
            ("crashed_tcb_stored", .opt(d.crashedTCBStored)),
            ("riscv_trap", d.riscvTrap.map { r in .object([("mcause", .num(r.mcause)), ("mtval", .num(r.mtval)), ("name", .opt(r.name)), ("offset", .num(r.offset))]) } ?? .null),
            ("segments", .array(d.segments.map { s in
                .object([("address", .num(s.address)), ("length", .num(s.length)), ("offset", .num(s.offset)), ("kind", .string(s.kind.rawValue))])
            })),
        ]
        if let elf {
            kv.append(("elf", .object([
                ("path", .string(elf.path)), ("sha256", .string(Hex.bytes(elf.sha256))),
                ("matches_dump", .opt(elf.matches(d))),
                ("symbols", .num(elf.symbols.functions.count)),
            ])))
        }
        return .object(kv)
    }
}

extension Report {
    /// `partitions[].content` and `content_detail`.
    static func contentJSON(_ c: PartitionContent) -> [(String, JSON)] {
        [("content", .string(c.kind.rawValue)),
         ("content_detail", .object([("summary", .string(c.summary))] + c.detail.map { k, v in
             switch v {
             case .int(let i): (k, .int(i))
             case .string(let s): (k, .string(s))
             case .bool(let b): (k, .bool(b))
             case .null: (k, .null)
             }
         }))]
    }
}
