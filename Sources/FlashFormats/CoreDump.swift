/// An ESP-IDF core dump, read without the app ELF: the `coredump` partition (or a raw dump file as
/// `esp-coredump --core FILE -t raw` reads it).
///
/// Facts (shared/spec/COREDUMP.md, from ESP-IDF `components/espcoredump`: `esp_core_dump_types.h`,
/// `core_dump_flash.c`, `core_dump_elf.c`, `core_dump_binary.c`, `port/xtensa`, `port/riscv`, and
/// esp-coredump's `loader.py` / `xtensa.py` / `riscv.py`):
/// - word 0 `data_len` counts header + body + zero padding + checksum; word 1 is
///   `(chip_id << 16) | format`; the header is 16, 20, 24 or 12 bytes by format;
/// - the checksum (zlib CRC-32 or SHA-256) covers `[0, data_len - checksum length)`;
/// - formats 0x0001–0x0003 are the binary layout (task records), 0x0100–0x0104 an ELF32 core file whose
///   offsets count from the ELF start;
/// - the Xtensa backtrace is the windowed-ABI walk over the base-save areas the panic path spilled.
///
/// Every length, offset, count and stack pointer in a dump is untrusted: reads are bounds-checked against
/// the dump and its saved segments, every loop is bounded.

// MARK: - Diagnostic codes

extension DiagnosticCode {
    public static let coreDumpTruncated: DiagnosticCode = "coredump_truncated"
    public static let coreDumpBadLength: DiagnosticCode = "coredump_bad_length"
    public static let coreDumpUnknownVersion: DiagnosticCode = "coredump_unknown_version"
    public static let coreDumpBadChecksum: DiagnosticCode = "coredump_bad_checksum"
    public static let coreDumpStaleData: DiagnosticCode = "coredump_stale_data"
    public static let coreDumpBadELF: DiagnosticCode = "coredump_bad_elf"
    public static let coreDumpBadSegment: DiagnosticCode = "coredump_bad_segment"
    public static let coreDumpBadNote: DiagnosticCode = "coredump_bad_note"
    public static let coreDumpBadTask: DiagnosticCode = "coredump_bad_task"
    public static let coreDumpBadTaskName: DiagnosticCode = "coredump_bad_task_name"
    public static let coreDumpNoCrashedTask: DiagnosticCode = "coredump_no_crashed_task"
    public static let coreDumpNoExceptionInfo: DiagnosticCode = "coredump_no_exception_info"
    public static let coreDumpBacktraceCut: DiagnosticCode = "coredump_backtrace_cut"
    public static let coreDumpUnknownChip: DiagnosticCode = "coredump_unknown_chip"
}

// MARK: - Values

/// What the partition holds.
public enum CoreDumpState: String, Sendable {
    /// Every byte looked at is 0xFF: never written.
    case empty
    /// Erased by `esp_core_dump_image_erase`: 0xFFFFFFFF then 12 zero bytes.
    case cleared
    /// A dump with a known header whose body parses (its checksum is judged separately).
    case written
    /// Not erased, but the length, version or body is impossible.
    case corrupt
}

public enum CoreDumpFormat: String, Sendable { case elf, bin }
public enum CoreDumpChecksumKind: String, Sendable { case crc32, sha256 }
public enum CoreDumpArch: String, Sendable { case xtensa, riscv }

/// The partition header (`core_dump_header_t` of the ESP-IDF release that wrote it).
public struct CoreDumpHeader: Sendable, Equatable {
    public let dataLength: UInt32
    /// The whole version word: chip id in the high half, the format in the low half.
    public let versionWord: UInt32
    public var chipID: UInt16 { UInt16(truncatingIfNeeded: versionWord >> 16) }
    public var formatVersion: UInt16 { UInt16(truncatingIfNeeded: versionWord) }
    /// Header size in bytes: 16, 20, 24 or 12.
    public let length: Int
    public let format: CoreDumpFormat
    public let checksumKind: CoreDumpChecksumKind
    /// Binary format: task count, TCB size, memory-segment count (zero in ELF-format headers).
    public let tasksNum: UInt32
    public let tcbSize: UInt32
    public let memSegmentsNum: UInt32
    /// `efuse_hal_chip_revision()` (major × 100 + minor) when the header has it.
    public let chipRevision: UInt32?

    public var checksumLength: Int { checksumKind == .crc32 ? 4 : 32 }

    /// Header length, body format and checksum for each known format word, or nil.
    public static func layout(format: UInt16) -> (length: Int, format: CoreDumpFormat, checksum: CoreDumpChecksumKind)? {
        switch format {
        case 0x0001: (16, .bin, .crc32)
        case 0x0002: (20, .bin, .crc32)
        case 0x0003: (24, .bin, .crc32)
        case 0x0100: (20, .elf, .crc32)
        case 0x0101: (20, .elf, .sha256)
        case 0x0102: (24, .elf, .crc32)
        case 0x0103: (24, .elf, .sha256)
        case 0x0104: (12, .elf, .sha256)
        default: nil
        }
    }
}

/// A memory range the dump saved (an ELF PT_LOAD, or a task's TCB/stack in the binary format).
public struct CoreDumpSegment: Sendable, Equatable {
    public enum Kind: String, Sendable { case tcb, stack, memory }
    public let address: UInt32
    /// Absolute offset of its first byte in the source.
    public let offset: Int
    public let length: Int
    public var kind: Kind
    public func contains(_ address: UInt32, length n: Int = 1) -> Bool {
        let a = Int(address), lo = Int(self.address)
        return a >= lo && a + n <= lo + length
    }
}

/// One FreeRTOS task as the dump saved it.
public struct CoreDumpTask: Sendable, Equatable {
    public let tcb: UInt32
    /// `pcTaskName` from the TCB (nil when the TCB is not saved or its name is not printable text).
    public var name: String?
    public let pc: UInt32
    /// a1 (Xtensa) or sp (RISC-V).
    public let sp: UInt32
    /// a0 (Xtensa, with the call increment in its top bits) or ra (RISC-V).
    public let returnAddress: UInt32
    /// Absolute offset of the saved register set (CORE note registers, or the frame on the stack).
    public let registersOffset: Int
    /// Absolute offset of the saved TCB, when saved.
    public var tcbOffset: Int?
}

/// The Xtensa exception registers (ESP_EXTRA_INFO note, or the crashed task's exception frame).
public struct XtensaException: Sendable, Equatable {
    public let cause: UInt32
    public let vaddr: UInt32
    /// EPC1…EPC7 by level (only those stored); sampled when the dump was written, not at the fault.
    public let epc: [Int: UInt32]
    public let eps: [Int: UInt32]
    /// nil when the format stores no ISR flag (binary format).
    public let inISR: Bool?

    /// The name ESP-IDF's panic handler prints (`panic_arch.c` `reason[]`, pseudo-causes from
    /// `panic_reason.h`), or nil for a value it has no name for.
    public static func panicName(_ cause: UInt32) -> String? { causeNames[cause]?.idf }
    /// The name esp-coredump prints (`XTENSA_EXCEPTION_CAUSE_DICT`).
    public static func espCoredumpName(_ cause: UInt32) -> String? { causeNames[cause]?.tool }

    static let causeNames: [UInt32: (idf: String, tool: String)] = {
        var t: [UInt32: (idf: String, tool: String)] = [
            0: ("IllegalInstruction", "IllegalInstructionCause"), 1: ("Syscall", "SyscallCause"),
            2: ("InstructionFetchError", "InstructionFetchErrorCause"), 3: ("LoadStoreError", "LoadStoreErrorCause"),
            4: ("Level1Interrupt", "Level1InterruptCause"), 5: ("Alloca", "AllocaCause"),
            6: ("IntegerDivideByZero", "IntegerDivideByZeroCause"), 8: ("Privileged", "PrivilegedCause"),
            9: ("LoadStoreAlignment", "LoadStoreAlignmentCause"), 12: ("InstrPDAddrError", "InstrPIFDataErrorCause"),
            13: ("LoadStorePIFDataError", "LoadStorePIFDataErrorCause"), 14: ("InstrPIFAddrError", "InstrPIFAddrErrorCause"),
            15: ("LoadStorePIFAddrError", "LoadStorePIFAddrErrorCause"), 16: ("InstTLBMiss", "InstTLBMissCause"),
            17: ("InstTLBMultiHit", "InstTLBMultiHitCause"), 18: ("InstFetchPrivilege", "InstFetchPrivilegeCause"),
            20: ("InstrFetchProhibited", "InstFetchProhibitedCause"), 24: ("LoadStoreTLBMiss", "LoadStoreTLBMissCause"),
            25: ("LoadStoreTLBMultihit", "LoadStoreTLBMultiHitCause"), 26: ("LoadStorePrivilege", "LoadStorePrivilegeCause"),
            28: ("LoadProhibited", "LoadProhibitedCause"), 29: ("StoreProhibited", "StoreProhibitedCause"),
            64: ("Unknown reason", "UnknownException"), 65: ("Unhandled debug exception", "DebugException"),
            66: ("Double exception", "DoubleException"), 67: ("Unhandled kernel exception", "KernelException"),
            68: ("Coprocessor exception", "CoprocessorException"), 69: ("Interrupt wdt timeout on CPU0", "InterruptWDTTimoutCPU0"),
            70: ("Interrupt wdt timeout on CPU1", "InterruptWDTTimoutCPU1"), 71: ("Cache error", "CacheError"),
            0xFFFF: ("no cause recorded", "InvalidCauseRegister"),
        ]
        for n in 0..<8 { t[UInt32(32 + n)] = ("Cp\(n)Dis", "Coprocessor\(n)Disabled") }
        t[7] = ("PCValue", "")
        return t
    }()
}

/// One frame of the crashed task's backtrace.
public struct CoreDumpFrame: Sendable, Equatable {
    /// Frame 0: the PC; later frames: the return address mapped back to the code region (as GDB prints).
    public let pc: UInt32
    public let sp: UInt32
    /// Absolute offset of this frame's stack bytes at its SP − 16 (the base-save area holding the
    /// caller's a0/a1), when that lies in a saved segment.
    public let stackOffset: Int?
}

/// Why the backtrace ends where it does.
public enum BacktraceEnd: String, Sendable {
    /// a0 = 0: the task's entry function (normal end).
    case returnAddressZero = "return_address_zero"
    /// The next base-save area is not in any saved segment.
    case stackOutsideSegments = "stack_outside_segments"
    /// The caller's SP is not above the current one (a loop or garbage).
    case stackNotIncreasing = "stack_not_increasing"
    case stackMisaligned = "stack_misaligned"
    /// A return address that maps outside the chip's code regions.
    case pcNotExecutable = "pc_not_executable"
    case depthLimit = "depth_limit"
    /// RISC-V: callers' return addresses need the ELF's DWARF call-frame information.
    case needsDWARF = "needs_dwarf"
    /// No crashed task, or its registers are not saved.
    case noRegisters = "no_registers"
}

/// The RISC-V trap cause read from the crashed task's `RvExcFrame` (informative: esp-coredump does not print it).
public struct RISCVTrap: Sendable, Equatable {
    public let mcause: UInt32
    public let mtval: UInt32
    /// Absolute offset of the mcause word.
    public let offset: Int
    public var name: String? {
        if mcause & 0x8000_0000 != 0 { return "interrupt \(mcause & 0x7FFF_FFFF)" }
        return [0: "Instruction address misaligned", 1: "Instruction access fault", 2: "Illegal instruction",
                3: "Breakpoint", 4: "Load address misaligned", 5: "Load access fault", 6: "Store address misaligned",
                7: "Store access fault", 8: "Environment call from U-mode", 9: "Environment call from S-mode",
                11: "Environment call from M-mode", 12: "Instruction page fault", 13: "Load page fault",
                15: "Store page fault"][mcause]
    }
}

/// Everything read from one core dump.
public struct CoreDump: Sendable {
    /// Absolute offset of the dump (the partition offset, or 0 for a file).
    public let offset: Int
    public var state: CoreDumpState = .corrupt
    public var header: CoreDumpHeader?
    public var format: CoreDumpFormat?
    public var chip: Chip?
    public var arch: CoreDumpArch?
    public var checksumKind: CoreDumpChecksumKind?
    public var checksumStored: [UInt8]?
    public var checksumComputed: [UInt8]?
    /// nil when there is no checksum to judge (not written, or a bare ELF file).
    public var checksumOK: Bool?
    /// Absolute offset of the stored checksum.
    public var checksumOffset: Int?
    /// The app ELF SHA-256 prefix as stored (lower-case hex), ELF format only.
    public var appELFSHA256: String?
    public var panicReason: String?
    public var exception: XtensaException?
    public var riscvTrap: RISCVTrap?
    public var tasks: [CoreDumpTask] = []
    /// Index into `tasks` of the task that crashed.
    public var crashedTaskIndex: Int?
    /// The crashed TCB as the dump names it (0xDEADBEEF when the current task could not be saved).
    public var crashedTCBStored: UInt32?
    public var backtrace: [CoreDumpFrame] = []
    public var backtraceEnd: BacktraceEnd?
    public var segments: [CoreDumpSegment] = []
    public var diagnostics: [Diagnostic] = []

    public var crashedTask: CoreDumpTask? { crashedTaskIndex.flatMap { tasks.indices.contains($0) ? tasks[$0] : nil } }
    public var version: UInt16? { header?.formatVersion }

    /// `COREDUMP_CURR_TASK_MARKER`: the crashed task did not pass the snapshot checks.
    public static let currentTaskMarker: UInt32 = 0xDEAD_BEEF
    /// How deep the Xtensa walk goes at most (ESP-IDF's summary stops at 16; real stacks stay far below this).
    public static let maxDepth = 64
    /// Most notes, segments or task records read from one dump.
    public static let maxItems = 4096
    /// How many bytes are looked at to call a never-written partition empty.
    public static let emptyCheckLength = 0x10000

    // MARK: Parsing

    /// Reads the dump at `offset` in `source`, at most `limit` bytes long (the partition size or file length).
    public static func parse<S: ByteSource>(_ source: S, at offset: Int, limit: Int) -> CoreDump {
        var d = CoreDump(offset: offset)
        let avail = source.clip(offset..<(offset.addingReportingOverflowChecked(Swift.max(0, limit)) ?? source.count))
        let limit = avail.count
        guard let w0 = source.u32(at: offset) else {
            d.diagnostics.append(.error(offset, .coreDumpTruncated, "core dump: fewer than 4 bytes"))
            return d
        }
        // A raw ELF core file without the partition header (esp-coredump accepts these).
        if w0 == 0x464C_457F {
            d.state = .written
            d.format = .elf
            parseELF(source, elf: offset..<avail.upperBound, into: &d)
            d.finish(source)
            return d
        }
        if w0 == 0xFFFF_FFFF {
            let word1to3 = source.bytes(at: offset + 4, length: 12)
            if word1to3 == [UInt8](repeating: 0, count: 12) {
                d.state = .cleared
                if !source.isAll(0xFF, in: (offset + 16)..<(offset + Swift.min(limit, emptyCheckLength))) {
                    d.diagnostics.append(.info(offset + 16, .coreDumpStaleData, "core dump: cleared (erased by esp_core_dump_image_erase), but older bytes follow the 16-byte marker"))
                }
            } else {
                d.state = .empty
                if !source.isAll(0xFF, in: (offset + 4)..<(offset + Swift.min(limit, emptyCheckLength))) {
                    d.diagnostics.append(.warning(offset, .coreDumpStaleData, "core dump: data_len is erased (0xffffffff) so ESP-IDF sees no dump, but the partition is not blank"))
                }
            }
            return d
        }
        guard let w1 = source.u32(at: offset + 4) else {
            d.diagnostics.append(.error(offset, .coreDumpTruncated, "core dump: header cut off"))
            return d
        }
        let format = UInt16(truncatingIfNeeded: w1)
        guard let lay = CoreDumpHeader.layout(format: format) else {
            d.diagnostics.append(.error(offset + 4, .coreDumpUnknownVersion, "core dump: unknown format \(Hex.short(format)) in version word \(Hex.short(w1))"))
            return d
        }
        let chipID = UInt16(truncatingIfNeeded: w1 >> 16)
        d.chip = Chip.from(id: chipID)
        if d.chip == nil {
            d.diagnostics.append(.warning(offset + 6, .coreDumpUnknownChip, "core dump: unknown chip id \(chipID)"))
        }
        d.arch = [0, 2, 9].contains(chipID) ? .xtensa : .riscv
        d.format = lay.format
        d.checksumKind = lay.checksum
        let csLen = lay.checksum == .crc32 ? 4 : 32
        guard Int(w0) >= lay.length + csLen, Int(w0) <= limit else {
            let why = Int(w0) > limit ? "longer than the \(limit) bytes available" : "shorter than header and checksum"
            d.diagnostics.append(.error(offset, .coreDumpBadLength, "core dump: data_len \(w0) is \(why)"))
            return d
        }
        let field = { (at: Int) -> UInt32 in source.u32(at: offset + at) ?? 0 }
        let header = CoreDumpHeader(
            dataLength: w0, versionWord: w1, length: lay.length, format: lay.format, checksumKind: lay.checksum,
            tasksNum: lay.length >= 16 ? field(8) : 0, tcbSize: lay.length >= 16 ? field(12) : 0,
            memSegmentsNum: lay.length >= 20 ? field(16) : 0,
            chipRevision: lay.length == 24 ? field(20) : lay.length == 12 ? field(8) : nil)
        d.header = header
        d.format = lay.format
        d.checksumKind = lay.checksum
        d.state = .written

        // Checksum over [0, data_len - checksum length).
        let end = offset + Int(w0)
        let csOffset = end - csLen
        d.checksumOffset = csOffset
        d.checksumStored = source.bytes(at: csOffset, length: csLen)
        if lay.checksum == .crc32 {
            var b = [UInt8](); b.appendLE(Checksums.crc32(source, offset..<csOffset))
            d.checksumComputed = b
        } else {
            d.checksumComputed = Checksums.sha256(source, offset..<csOffset)
        }
        d.checksumOK = d.checksumStored == d.checksumComputed
        if d.checksumOK == false {
            let show = { (b: [UInt8]?) -> String in
                guard let b else { return "?" }
                return lay.checksum == .crc32 ? Hex.padded(ByteArray(b).u32(at: 0) ?? 0, 8) : Hex.bytes(b)
            }
            d.diagnostics.append(.error(csOffset, .coreDumpBadChecksum, "core dump: \(lay.checksum == .crc32 ? "CRC-32" : "SHA-256") stored \(show(d.checksumStored)), computed \(show(d.checksumComputed)) (ESP-IDF and esp-coredump refuse this dump)"))
        }

        let bodyStart = offset + lay.length
        switch lay.format {
        case .elf:
            parseELF(source, elf: bodyStart..<csOffset, into: &d)
        case .bin:
            parseBinary(source, header: header, body: bodyStart..<csOffset, into: &d)
        }
        d.finish(source)
        return d
    }

    /// Crashed task, exception, backtrace: what follows from the parsed notes/records.
    mutating func finish<S: ByteSource>(_ source: S) {
        // Task names from the saved TCBs.
        for i in tasks.indices {
            let t = tasks[i]
            guard let seg = segments.first(where: { $0.kind == .tcb && $0.address == t.tcb }) ?? segments.first(where: { $0.contains(t.tcb, length: 0x44) }) else { continue }
            let at = seg.offset + Int(t.tcb - seg.address) + 0x34
            tasks[i].tcbOffset = seg.offset + Int(t.tcb - seg.address)
            guard seg.contains(t.tcb &+ 0x34, length: 16), let raw = source.bytes(at: at, length: 16) else { continue }
            let text = raw.prefix { $0 != 0 }
            if !text.isEmpty, text.allSatisfy({ (0x20...0x7E).contains($0) }) {
                tasks[i].name = String(decoding: text, as: UTF8.self)
            } else {
                diagnostics.append(.warning(at, .coreDumpBadTaskName, "core dump: task \(Hex.short(t.tcb)) has no printable name at TCB+0x34"))
            }
        }
        if crashedTaskIndex == nil, !tasks.isEmpty {
            if let stored = crashedTCBStored, stored != CoreDump.currentTaskMarker, let i = tasks.firstIndex(where: { $0.tcb == stored }) {
                crashedTaskIndex = i
            } else {
                // The writer puts the crashed (current) task first.
                crashedTaskIndex = 0
            }
        }
        if crashedTCBStored == CoreDump.currentTaskMarker {
            diagnostics.append(.warning(nil, .coreDumpNoCrashedTask, "core dump: the crashed task could not be saved (TCB marker 0xdeadbeef); the first saved task is shown"))
        }
        if state == .written, tasks.isEmpty {
            diagnostics.append(.error(offset, .coreDumpNoCrashedTask, "core dump: no task saved"))
        }
        guard let t = crashedTask else { backtraceEnd = .noRegisters; return }
        switch arch {
        case .riscv:
            backtrace = [CoreDumpFrame(pc: t.pc, sp: t.sp, stackOffset: locate(t.sp))]
            if t.returnAddress != 0 { backtrace.append(CoreDumpFrame(pc: t.returnAddress, sp: t.sp, stackOffset: nil)) }
            backtraceEnd = .needsDWARF
            // RvExcFrame (0xA0 bytes) right below the SP the frame restores.
            let frame = t.sp &- 0xA0
            if let mc = read32(source, frame &+ 0x88), let mt = read32(source, frame &+ 0x8C), let at = locate(frame &+ 0x88) {
                riscvTrap = RISCVTrap(mcause: mc, mtval: mt, offset: at)
            }
        case .xtensa, nil:
            walkXtensa(source, from: t)
        }
    }

    /// Where `address` is saved in the source (absolute offset), if it is.
    public func locate(_ address: UInt32, length: Int = 1) -> Int? {
        guard let s = segments.first(where: { $0.contains(address, length: length) }) else { return nil }
        return s.offset + Int(address - s.address)
    }

    /// The saved u32 at a target address.
    func read32<S: ByteSource>(_ source: S, _ address: UInt32) -> UInt32? {
        guard let at = locate(address, length: 4) else { return nil }
        return source.u32(at: at)
    }

    /// Whether a PC lies in one of the chip's code regions (unknown chip: any).
    func executable(_ pc: UInt32) -> Bool {
        guard let chip else { return true }
        guard ChipMemoryMap.regions(chipID: chip.id) != nil else { return true }
        return ChipMemoryMap.memoryTypes(chipID: chip.id, address: pc).contains { $0.contains("IRAM") || $0.contains("IROM") || $0.contains("CACHE") }
    }

    /// Xtensa windowed-ABI walk: each frame's caller a0/a1 are in the 4-word base-save area below its SP.
    mutating func walkXtensa<S: ByteSource>(_ source: S, from t: CoreDumpTask) {
        var sp = t.sp
        var next = t.returnAddress
        backtrace = [CoreDumpFrame(pc: t.pc, sp: sp, stackOffset: locate(sp &- 16, length: 16))]
        var seen: Set<UInt32> = [sp]
        while true {
            if next == 0 { backtraceEnd = .returnAddressZero; break }
            if backtrace.count >= CoreDump.maxDepth { backtraceEnd = .depthLimit; break }
            let pc = (next & 0x3FFF_FFFF) | 0x4000_0000
            guard executable(pc) else { backtraceEnd = .pcNotExecutable; break }
            guard let area = locate(sp &- 16, length: 16), let callerRA = source.u32(at: area),
                  let callerSP = source.u32(at: area + 4) else {
                backtrace.append(CoreDumpFrame(pc: pc, sp: 0, stackOffset: nil))
                backtraceEnd = .stackOutsideSegments
                break
            }
            let frameOK = callerSP > sp && callerSP % 16 == 0 && !seen.contains(callerSP)
            backtrace.append(CoreDumpFrame(pc: pc, sp: callerSP, stackOffset: locate(callerSP &- 16, length: 16)))
            if !frameOK {
                backtraceEnd = callerSP % 16 != 0 ? .stackMisaligned : .stackNotIncreasing
                break
            }
            seen.insert(callerSP)
            sp = callerSP
            next = callerRA
        }
        if let end = backtraceEnd, end != .returnAddressZero {
            let why: String = switch end {
            case .stackOutsideSegments: "the next frame's stack is not in the dump"
            case .stackNotIncreasing: "the caller's stack pointer does not lie above the callee's"
            case .stackMisaligned: "the caller's stack pointer is not 16-byte aligned"
            case .pcNotExecutable: "a return address points outside the code regions"
            case .depthLimit: "more than \(CoreDump.maxDepth) frames"
            default: end.rawValue
            }
            diagnostics.append(.warning(backtrace.last?.stackOffset, .coreDumpBacktraceCut, "core dump: backtrace stops after \(backtrace.count) frames: \(why)"))
        }
    }

    // MARK: Binary format

    static func parseBinary<S: ByteSource>(_ s: S, header h: CoreDumpHeader, body: Range<Int>, into d: inout CoreDump) {
        var at = body.lowerBound
        let tcbSize = Int(h.tcbSize)
        guard h.tasksNum <= UInt32(maxItems), h.memSegmentsNum <= UInt32(maxItems), tcbSize <= 0x10000 else {
            d.diagnostics.append(.error(d.offset + 8, .coreDumpBadTask, "core dump: implausible header (\(h.tasksNum) tasks, TCB size \(h.tcbSize), \(h.memSegmentsNum) memory segments)"))
            d.state = .corrupt
            return
        }
        func fail(_ where_: Int, _ what: String) {
            d.diagnostics.append(.error(where_, .coreDumpTruncated, "core dump: \(what) runs past the end of the dump"))
        }
        for k in 0..<Int(h.tasksNum) {
            guard at + 12 <= body.upperBound, let tcb = s.u32(at: at), let start = s.u32(at: at + 4), let end = s.u32(at: at + 8) else {
                fail(at, "task record \(k)"); d.state = k == 0 ? .corrupt : d.state; return
            }
            let lo = Swift.min(start, end), len = (Int(Swift.max(start, end) - lo) + 3) & ~3
            let tcbAt = at + 12, stackAt = tcbAt + tcbSize
            guard stackAt + len <= body.upperBound else { fail(at, "task \(k) (\(Hex.short(tcb)))"); if k == 0 { d.state = .corrupt }; return }
            d.segments.append(CoreDumpSegment(address: tcb, offset: tcbAt, length: tcbSize, kind: .tcb))
            d.segments.append(CoreDumpSegment(address: lo, offset: stackAt, length: len, kind: .stack))
            if let task = taskFromFrame(s, at: stackAt, length: len, tcb: tcb, arch: d.arch ?? .xtensa, into: &d, crashed: k == 0) {
                d.tasks.append(task)
            }
            at = stackAt + len
        }
        for k in 0..<Int(h.memSegmentsNum) {
            guard at + 8 <= body.upperBound, let start = s.u32(at: at), let size = s.u32(at: at + 4),
                  at + 8 + Int(size) <= body.upperBound else { fail(at, "memory segment \(k)"); return }
            d.segments.append(CoreDumpSegment(address: start, offset: at + 8, length: Int(size), kind: .memory))
            at += 8 + Int(size)
        }
        if !d.tasks.isEmpty { d.crashedTaskIndex = 0 }
    }

    /// Registers from the frame at the start of a saved stack (esp-coredump's `get_registers_from_stack`).
    static func taskFromFrame<S: ByteSource>(_ s: S, at: Int, length: Int, tcb: UInt32, arch: CoreDumpArch,
                                           into d: inout CoreDump, crashed: Bool) -> CoreDumpTask? {
        func w(_ i: Int) -> UInt32? { i * 4 + 4 <= length ? s.u32(at: at + i * 4) : nil }
        switch arch {
        case .xtensa:
            guard let exit = w(0) else {
                d.diagnostics.append(.warning(at, .coreDumpBadTask, "core dump: task \(Hex.short(tcb)) has no stack frame saved"))
                return nil
            }
            if exit != 0 {
                // XtExcFrame: exit, pc, ps, a0…a15, sar, exccause, excvaddr, …
                guard let pc = w(1), let a0 = w(3), let a1 = w(4) else { return nil }
                if crashed, let cause = w(20), let vaddr = w(21) {
                    d.exception = XtensaException(cause: cause, vaddr: vaddr, epc: [:], eps: [:], inISR: nil)
                }
                return CoreDumpTask(tcb: tcb, name: nil, pc: pc, sp: a1, returnAddress: a0, registersOffset: at)
            }
            // XtSolFrame: exit, pc, ps, next, a0, a1, a2, a3
            guard let pc = w(1), let a0 = w(4), let a1 = w(5) else { return nil }
            return CoreDumpTask(tcb: tcb, name: nil, pc: pc, sp: a1, returnAddress: a0, registersOffset: at)
        case .riscv:
            guard let pc = w(0), let ra = w(1), let sp = w(2) else { return nil }
            return CoreDumpTask(tcb: tcb, name: nil, pc: pc, sp: sp, returnAddress: ra, registersOffset: at)
        }
    }
}

// MARK: - ELF body

extension CoreDump {
    static let noteCore: UInt32 = 1          // NT_PRSTATUS, one per task
    static let noteInfo: UInt32 = 8266       // ESP_CORE_DUMP_INFO
    static let noteExtra: UInt32 = 677       // ESP_EXTRA_INFO
    static let notePanic: UInt32 = 679       // ESP_PANIC_DETAILS

    /// The ELF32 core file in `elf` (offsets in it count from its first byte): program headers, notes, loads.
    static func parseELF<S: ByteSource>(_ s: S, elf: Range<Int>, into d: inout CoreDump) {
        let base = elf.lowerBound
        func bad(_ at: Int, _ why: String) {
            d.diagnostics.append(.error(at, .coreDumpBadELF, "core dump: \(why)"))
            d.state = .corrupt
        }
        guard elf.count >= 52, s.u32(at: base) == 0x464C_457F else { return bad(base, "no ELF header where the body starts") }
        guard s.u8(at: base + 4) == 1, s.u8(at: base + 5) == 1 else { return bad(base + 4, "ELF is not 32-bit little-endian") }
        let type = s.u16(at: base + 16) ?? 0, machine = s.u16(at: base + 18) ?? 0
        if type != 4 { d.diagnostics.append(.warning(base + 16, .coreDumpBadELF, "core dump: ELF type \(type), not 4 (core)")) }
        switch machine {
        case 94: d.arch = .xtensa
        case 243: d.arch = .riscv
        default: return bad(base + 18, "ELF machine \(machine) is neither Xtensa (94) nor RISC-V (243)")
        }
        let phoff = Int(s.u32(at: base + 28) ?? 0), phentsize = Int(s.u16(at: base + 42) ?? 0), phnum = Int(s.u16(at: base + 44) ?? 0)
        guard phentsize >= 32, phnum <= maxItems, phoff >= 0, phoff + phentsize * phnum <= elf.count else {
            return bad(base + 28, "program headers (\(phnum) × \(phentsize) bytes at \(Hex.short(phoff))) do not fit the ELF")
        }
        var noteRanges: [Range<Int>] = []
        for k in 0..<phnum {
            let ph = base + phoff + k * phentsize
            guard let pt = s.u32(at: ph), let off = s.u32(at: ph + 4), let vaddr = s.u32(at: ph + 8),
                  let filesz = s.u32(at: ph + 16) else { continue }
            let start = Int(off), len = Int(filesz)
            guard start <= elf.count, len <= elf.count - start else {
                d.diagnostics.append(.error(ph, .coreDumpBadSegment, "core dump: program header \(k) (\(len) bytes at ELF \(Hex.short(start))) runs past the end of the dump"))
                continue
            }
            switch pt {
            case 1:
                guard len > 0 else { continue }
                guard Int(vaddr) + len <= 1 << 32 else {
                    d.diagnostics.append(.error(ph, .coreDumpBadSegment, "core dump: segment \(k) wraps past the end of the address space"))
                    continue
                }
                d.segments.append(CoreDumpSegment(address: vaddr, offset: base + start, length: len, kind: .memory))
            case 4:
                noteRanges.append((base + start)..<(base + start + len))
            default: break
            }
        }
        var cores: [(tcb: UInt32, desc: Range<Int>)] = []
        var notesRead = 0
        for r in noteRanges {
            var at = r.lowerBound
            while at + 12 <= r.upperBound, notesRead < maxItems {
                notesRead += 1
                guard let namesz = s.u32(at: at), let descsz = s.u32(at: at + 4), let ntype = s.u32(at: at + 8) else { break }
                let nameLen = (Int(namesz) + 3) & ~3, descLen = (Int(descsz) + 3) & ~3
                let descAt = at + 12 + nameLen
                guard namesz < 0x1000, descsz < 0x100000, descAt + Int(descsz) <= r.upperBound else {
                    d.diagnostics.append(.error(at, .coreDumpBadNote, "core dump: note (name \(namesz) bytes, descriptor \(descsz) bytes) runs past its segment"))
                    break
                }
                let desc = descAt..<(descAt + Int(descsz))
                switch ntype {
                case noteCore:
                    if let tcb = s.u32(at: desc.lowerBound + 24) { cores.append((tcb, desc)) }
                case noteInfo:
                    if desc.count > 4 {
                        let raw = s.bytes((desc.lowerBound + 4)..<desc.upperBound).prefix { $0 != 0 }
                        if raw.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) || (0x41...0x46).contains($0) }) {
                            d.appELFSHA256 = String(decoding: raw, as: UTF8.self).lowercased()
                        } else {
                            d.diagnostics.append(.warning(desc.lowerBound + 4, .coreDumpBadNote, "core dump: the app ELF SHA-256 in ESP_CORE_DUMP_INFO is not hex text"))
                        }
                    }
                case noteExtra:
                    parseExtraInfo(s, desc, into: &d)
                case notePanic:
                    let raw = s.bytes(desc).prefix { $0 != 0 }
                    d.panicReason = String(decoding: raw.map { (0x20...0x7E).contains($0) || $0 == 0x0A || $0 == 0x09 ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
                        .trimmingWhitespace()
                default: break
                }
                at = descAt + descLen
            }
        }
        // Registers of each task from its CORE note.
        for (tcb, desc) in cores {
            let regs = desc.lowerBound + 72
            switch d.arch {
            case .riscv:
                guard desc.count >= 84, let pc = s.u32(at: regs), let ra = s.u32(at: regs + 4), let sp = s.u32(at: regs + 8) else {
                    d.diagnostics.append(.warning(desc.lowerBound, .coreDumpBadTask, "core dump: CORE note of \(Hex.short(tcb)) too short for the registers")); continue
                }
                d.tasks.append(CoreDumpTask(tcb: tcb, name: nil, pc: pc, sp: sp, returnAddress: ra, registersOffset: regs))
            default:
                guard desc.count >= 336, let pc = s.u32(at: regs), let a0 = s.u32(at: regs + 256), let a1 = s.u32(at: regs + 260) else {
                    d.diagnostics.append(.warning(desc.lowerBound, .coreDumpBadTask, "core dump: CORE note of \(Hex.short(tcb)) too short for the registers")); continue
                }
                d.tasks.append(CoreDumpTask(tcb: tcb, name: nil, pc: pc, sp: a1, returnAddress: a0, registersOffset: regs))
            }
        }
        // Label the segments: a TCB is a segment starting at a task's TCB address; a task's stack holds its SP.
        let tcbs = Set(d.tasks.map(\.tcb))
        for i in d.segments.indices where tcbs.contains(d.segments[i].address) { d.segments[i].kind = .tcb }
        for t in d.tasks {
            if let i = d.segments.firstIndex(where: { $0.kind != .tcb && $0.contains(t.sp) }) { d.segments[i].kind = .stack }
        }
        if d.arch == .xtensa, d.exception == nil {
            d.diagnostics.append(.warning(nil, .coreDumpNoExceptionInfo, "core dump: no ESP_EXTRA_INFO note: exception cause unknown"))
        }
        if let stored = d.crashedTCBStored, stored != currentTaskMarker {
            if let i = d.tasks.firstIndex(where: { $0.tcb == stored }) { d.crashedTaskIndex = i } else {
                d.diagnostics.append(.warning(nil, .coreDumpNoCrashedTask, "core dump: the crashed task \(Hex.short(stored)) named by ESP_EXTRA_INFO has no CORE note"))
            }
        }
    }

    /// ESP_EXTRA_INFO: Xtensa (TCB, then register-number/value pairs, then isr_context) or RISC-V (TCB, isr_context).
    static func parseExtraInfo<S: ByteSource>(_ s: S, _ desc: Range<Int>, into d: inout CoreDump) {
        let words = desc.count / 4
        guard words >= 2, let tcb = s.u32(at: desc.lowerBound) else {
            d.diagnostics.append(.warning(desc.lowerBound, .coreDumpBadNote, "core dump: ESP_EXTRA_INFO too short")); return
        }
        d.crashedTCBStored = tcb
        if d.arch == .riscv { return }
        guard words >= 5 else {
            d.diagnostics.append(.warning(desc.lowerBound, .coreDumpBadNote, "core dump: ESP_EXTRA_INFO too short for EXCCAUSE/EXCVADDR")); return
        }
        var cause: UInt32?, vaddr: UInt32?
        var epc: [Int: UInt32] = [:], eps: [Int: UInt32] = [:]
        // Pairs fill words 1…(words − 2); the last word is isr_context (an even word count).
        let pairEnd = words % 2 == 0 ? words - 1 : words
        var i = 1
        while i + 1 < pairEnd {
            guard let reg = s.u32(at: desc.lowerBound + 4 * i), let val = s.u32(at: desc.lowerBound + 4 * i + 4) else { break }
            switch reg {
            case 232: cause = val
            case 238: vaddr = val
            case 177...183: epc[Int(reg) - 176] = val
            case 194...199: eps[Int(reg) - 192] = val
            default: break
            }
            i += 2
        }
        let isr = words % 2 == 0 ? s.u32(at: desc.lowerBound + 4 * (words - 1)).map { $0 != 0 } : nil
        if let cause {
            d.exception = XtensaException(cause: cause, vaddr: vaddr ?? 0, epc: epc, eps: eps, inISR: isr)
        }
    }
}
