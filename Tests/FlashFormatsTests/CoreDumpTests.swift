import Testing
@testable import FlashFormats

/// Core dumps from the project's own encoder (CoreDumpBuilder), read back without an ELF.

let sampleBacktrace: [UInt32] = [0x4008_110D, 0x4008_510C, 0x4008_A6F0, 0x400D_66BC, 0x4000_7C78, 0x4000_814B,
                                 0x400D_66D4, 0x400E_40A3, 0x4008_5910]

func parsed(_ bytes: [UInt8]) -> CoreDump { CoreDump.parse(ByteArray(bytes), at: 0, limit: bytes.count) }

@Test func elfPartitionReadsLikeTheCorpus() {
    let b = CoreDumpBuilder.esp32Sample()
    let bytes = b.partition()
    let d = parsed(bytes)
    #expect(d.state == .written)
    #expect(d.format == .elf && d.version == 0x0102 && d.chip == .esp32 && d.header?.chipRevision == 300)
    #expect(d.header?.length == 24 && d.checksumKind == .crc32 && d.checksumOK == true)
    // data_len: header + ELF padded to 32, plus the CRC; the CRC is followed by 28 zero bytes.
    let len = Int(d.header!.dataLength)
    #expect((len - 4) % 32 == 0)
    #expect(Array(bytes[len..<(len + 28)]) == [UInt8](repeating: 0, count: 28))
    #expect(d.appELFSHA256 == "1b43c5e74")
    #expect(d.panicReason == "abort() was called at PC 0x400d66b9 on core 0")
    #expect(d.exception?.cause == 29 && d.exception?.vaddr == 0 && d.exception?.inISR == false)
    #expect(d.exception?.epc[1] == 0x4008_4013)
    #expect(d.crashedTask?.name == "main" && d.crashedTask?.tcb == 0x3FFA_FBA0 && d.crashedTask?.pc == 0x4008_110D)
    #expect(d.backtrace.map(\.pc) == sampleBacktrace)
    #expect(d.backtraceEnd == .returnAddressZero)
    #expect(d.tasks.map(\.name) == ["main", "IDLE0", "ipc0"])
    #expect(d.tasks.map(\.sp) == [0x3FFB_4EC0, 0x3FFB_56B0, 0x3FFA_F240])
    #expect(d.diagnostics.isEmpty)
    // Every frame after the first points at the stack bytes it came from: the base-save area at SP − 16.
    let frame1 = d.backtrace[1]
    let area = frame1.stackOffset!
    #expect(ByteArray(bytes).u32(at: area + 4) == d.backtrace[2].sp)
}

@Test func rawAndPartitionFormsAgree() {
    let b = CoreDumpBuilder.esp32Sample()
    let raw = parsed(b.raw()), part = parsed(b.partition())
    #expect(raw.checksumOK == true && part.checksumOK == true)
    #expect(raw.header!.dataLength < part.header!.dataLength)
    #expect(raw.backtrace.map(\.pc) == part.backtrace.map(\.pc))
    #expect(raw.tasks == part.tasks)
}

@Test(arguments: [UInt16(0x0001), 0x0002, 0x0003, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104])
func everyHeaderVersion(format: UInt16) {
    let b = CoreDumpBuilder.esp32Sample(format: format)
    for bytes in [b.raw(), b.partition()] {
        let d = parsed(bytes)
        let lay = CoreDumpHeader.layout(format: format)!
        #expect(d.state == .written, "format \(format)")
        #expect(d.header?.length == lay.length)
        #expect(d.format == (format < 0x100 ? .bin : .elf))
        #expect(d.checksumKind == ([0x0101, 0x0103, 0x0104].contains(format) ? .sha256 : .crc32))
        #expect(d.checksumOK == true)
        #expect(d.crashedTask?.name == "main")
        #expect(d.backtrace.map(\.pc) == sampleBacktrace, "format \(format)")
        #expect(d.tasks.count == 3)
        // The binary format stores no SHA, no panic text, no ISR flag.
        if format < 0x100 {
            #expect(d.appELFSHA256 == nil && d.panicReason == nil && d.exception?.inISR == nil)
        } else {
            #expect(d.appELFSHA256 == "1b43c5e74")
        }
        #expect(d.exception?.cause == 29)
        #expect(d.header?.chipRevision == (lay.length == 24 || lay.length == 12 ? 300 : nil))
        #expect(!d.diagnostics.contains { $0.severity != .info })
    }
}

@Test func roundedNoteNamesParseTheSame() {
    var b = CoreDumpBuilder.esp32Sample()
    b.roundedNoteNames = true
    let d = parsed(b.partition())
    #expect(d.appELFSHA256 == "1b43c5e74" && d.exception?.cause == 29 && d.tasks.count == 3)
    #expect(d.panicReason != nil)
}

@Test func wrongChecksumIsAVerdictNotAFailure() {
    for format: UInt16 in [0x0102, 0x0103, 0x0003] {
        var bytes = CoreDumpBuilder.esp32Sample(format: format).partition()
        bytes[0x40] ^= 0x01   // inside the body (an ELF or task-record byte no fact depends on)
        let d = parsed(bytes)
        #expect(d.state == .written)
        #expect(d.checksumOK == false)
        #expect(d.diagnostics.contains { $0.code == .coreDumpBadChecksum && $0.severity == .error })
        #expect(d.checksumStored != d.checksumComputed)
    }
}

@Test func emptyClearedAndCorrupt() {
    let ff = [UInt8](repeating: 0xFF, count: 0x10000)
    #expect(parsed(ff).state == .empty)
    #expect(parsed(ff).diagnostics.isEmpty)
    var cleared = ff
    for i in 4..<16 { cleared[i] = 0 }
    #expect(parsed(cleared).state == .cleared)
    #expect(parsed(cleared).diagnostics.isEmpty)
    // Cleared over an older dump: the older bytes after the marker are reported.
    var stale = CoreDumpBuilder.esp32Sample().partition()
    for i in 0..<4 { stale[i] = 0xFF }
    for i in 4..<16 { stale[i] = 0 }
    #expect(parsed(stale).state == .cleared)
    #expect(parsed(stale).diagnostics.contains { $0.code == .coreDumpStaleData })
    // data_len longer than the partition.
    var long = CoreDumpBuilder.esp32Sample().partition(size: 0x4000)
    long.putLE(0x10000, at: 0)
    let dl = parsed(long)
    #expect(dl.state == .corrupt && dl.diagnostics.contains { $0.code == .coreDumpBadLength })
    // Unknown format word.
    var unknown = CoreDumpBuilder.esp32Sample().partition()
    unknown.putLE(0x0000_0200, at: 4)
    let du = parsed(unknown)
    #expect(du.state == .corrupt && du.diagnostics.contains { $0.code == .coreDumpUnknownVersion })
    // Body that is not an ELF.
    var notELF = CoreDumpBuilder.esp32Sample().raw()
    notELF[24] = 0
    let dn = parsed(notELF)
    #expect(dn.state == .corrupt && dn.diagnostics.contains { $0.code == .coreDumpBadELF })
}

@Test func causeNamesFollowThePanicHandlerAndEspCoredump() {
    #expect(XtensaException.panicName(28) == "LoadProhibited")
    #expect(XtensaException.panicName(29) == "StoreProhibited")
    #expect(XtensaException.panicName(20) == "InstrFetchProhibited")
    #expect(XtensaException.panicName(0) == "IllegalInstruction")
    #expect(XtensaException.panicName(33) == "Cp1Dis")
    #expect(XtensaException.panicName(69) == "Interrupt wdt timeout on CPU0")
    #expect(XtensaException.panicName(200) == nil)
    #expect(XtensaException.espCoredumpName(29) == "StoreProhibitedCause")
    #expect(XtensaException.espCoredumpName(20) == "InstFetchProhibitedCause")
}

@Test func isrFlagAndCrashedTCB() {
    var b = CoreDumpBuilder.esp32Sample()
    b.inISR = true
    b.exceptionCause = 28
    b.crashedTCB = b.tasks[1].tcb
    let d = parsed(b.partition())
    #expect(d.exception?.inISR == true && d.exception?.cause == 28)
    #expect(d.crashedTask?.name == "IDLE0")
    // 0xDEADBEEF: the current task could not be saved; the first task is shown, with a warning.
    b.crashedTCB = CoreDump.currentTaskMarker
    let m = parsed(b.partition())
    #expect(m.crashedTask?.name == "main")
    #expect(m.diagnostics.contains { $0.code == .coreDumpNoCrashedTask })
}

// MARK: The walk must stop on hostile stacks

func sampleWith(_ edit: (inout CoreDumpBuilder.Task) -> Void) -> CoreDump {
    var b = CoreDumpBuilder.esp32Sample()
    edit(&b.tasks[0])
    return parsed(b.partition())
}

@Test func walkStopsOnACycle() {
    // Frame 3's base-save area names frame 2's SP again.
    let d = sampleWith { t in
        let at = Int(0x3FFB_4F00 - 16 - t.stackBase)
        t.stack.putLE(0x3FFB_4EE0, at: at + 4)
    }
    #expect(d.backtraceEnd == .stackNotIncreasing)
    #expect(d.backtrace.count == 4)
    #expect(d.diagnostics.contains { $0.code == .coreDumpBacktraceCut })
}

@Test func walkStopsOnMisalignedAndOutsideSPs() {
    let mis = sampleWith { t in t.stack.putLE(0x3FFB_4EE4, at: Int(0x3FFB_4EC0 - 16 - t.stackBase) + 4) }
    #expect(mis.backtraceEnd == .stackMisaligned && mis.backtrace.count == 2)
    let outside = sampleWith { t in t.stack.putLE(0x5000_0000, at: Int(0x3FFB_4EC0 - 16 - t.stackBase) + 4) }
    // The caller's SP is accepted (it is larger and aligned) but its base-save area is in no segment.
    #expect(outside.backtraceEnd == .stackOutsideSegments)
    #expect(outside.backtrace.count == 3)
    let startOutside = sampleWith { t in t.sp = 0x2000_0010 }
    #expect(startOutside.backtraceEnd == .stackOutsideSegments && startOutside.backtrace.count == 2)
    let badPC = sampleWith { t in t.stack.putLE(0xC050_0000, at: Int(0x3FFB_4EC0 - 16 - t.stackBase)) }
    #expect(badPC.backtraceEnd == .pcNotExecutable)
}

@Test func walkStopsAtTheDepthLimit() {
    var b = CoreDumpBuilder.esp32Sample()
    let n = 200
    let sps = (0...n).map { UInt32(0x3FFB_0000 + 0x20 * $0) }
    b.tasks[0] = .xtensa(tcb: 0x3FFA_FBA0, name: "deep", pc: 0x400D_0000, callers: [UInt32](repeating: 0x400D_1234, count: n), sps: sps)
    let d = parsed(b.partition(size: 0x20000))
    #expect(d.backtraceEnd == .depthLimit)
    #expect(d.backtrace.count == CoreDump.maxDepth)
}

@Test func riscvGivesPCAndRAOnly() {
    var b = CoreDumpBuilder()
    b.chipID = 5
    b.chipRevision = 3
    b.appELFSHA256 = "7d946a8e8"
    var stack = [UInt8](repeating: 0, count: 0x200)
    stack.putLE(7, at: 0x88)            // mcause in the RvExcFrame at SP − 0xA0
    stack.putLE(0x1234, at: 0x8C)       // mtval
    b.tasks = [CoreDumpBuilder.Task(tcb: 0x3FC8_EC30, name: "main", pc: 0x4038_0698, sp: 0x3FC8_E9D0 + 0xA0,
                                    returnAddress: 0x4038_368E, stackBase: 0x3FC8_E9D0, stack: stack, tcbSize: 0x150)]
    let d = parsed(b.partition())
    #expect(d.arch == .riscv && d.chip == .esp32c3)
    #expect(d.backtrace.map(\.pc) == [0x4038_0698, 0x4038_368E])
    #expect(d.backtraceEnd == .needsDWARF)
    #expect(d.exception == nil)
    #expect(d.riscvTrap?.mcause == 7 && d.riscvTrap?.mtval == 0x1234 && d.riscvTrap?.name == "Store access fault")
    // Binary format on RISC-V: registers from the frame at the stack start.
    b.format = 0x0003
    let bin = parsed(b.partition())
    #expect(bin.crashedTask?.pc == 0x4038_0698 && bin.backtrace.count == 2)
}

@Test func bareELFWithoutHeader() {
    let elf = CoreDumpBuilder.esp32Sample().elfBody()
    let d = parsed(elf)
    #expect(d.state == .written && d.format == .elf && d.header == nil && d.checksumOK == nil)
    #expect(d.backtrace.map(\.pc) == sampleBacktrace)
}

@Test func everyTruncationIsSafe() {
    for format: UInt16 in [0x0102, 0x0003] {
        let full = CoreDumpBuilder.esp32Sample(format: format).raw()
        for n in stride(from: 0, to: full.count, by: 7) {
            let d = CoreDump.parse(ByteArray(Array(full.prefix(n))), at: 0, limit: 0x10000)
            #expect(d.state != .written || n == full.count)
        }
    }
}

@Test func hostileCountsAreBounded() {
    // An ELF claiming 65535 program headers, and notes claiming huge sizes.
    var b = CoreDumpBuilder.esp32Sample().raw()
    b[24 + 44] = 0xFF; b[24 + 45] = 0xFF
    let d = parsed(b)
    #expect(d.state == .corrupt)
    var n = CoreDumpBuilder.esp32Sample().raw()
    // First note's descsz (ELF offset of the first PT_NOTE data).
    let noteOff = 24 + Int(ByteArray(n).u32(at: 24 + 52 + 4)!)
    n.putLE(0xFFFF_FFF0, at: noteOff + 4)
    let dn = parsed(n)
    #expect(dn.diagnostics.contains { $0.code == .coreDumpBadNote })
    // A binary dump claiming 2^32−1 tasks.
    var bin = CoreDumpBuilder.esp32Sample(format: 0x0003).raw()
    bin.putLE(0xFFFF_FFFF, at: 8)
    #expect(parsed(bin).state == .corrupt)
}
