/// Writes ESP-IDF core dumps (ELF and binary formats, every header version) for tests, fuzz seeds and
/// samples, laid out as `core_dump_flash.c` writes a partition or `core_dump_uart.c` a raw stream.
/// The layout facts are those `CoreDump` reads (shared/spec/COREDUMP.md §2–§4).
public struct CoreDumpBuilder: Sendable {
    public struct Task: Sendable {
        public var tcb: UInt32
        public var name: String
        public var pc: UInt32
        /// a1 / sp.
        public var sp: UInt32
        /// a0 (Xtensa, encoded with the call increment) / ra.
        public var returnAddress: UInt32
        /// Lowest saved stack address, and the bytes from there.
        public var stackBase: UInt32
        public var stack: [UInt8]
        public var tcbSize = 0x154

        public init(tcb: UInt32, name: String, pc: UInt32, sp: UInt32, returnAddress: UInt32, stackBase: UInt32, stack: [UInt8], tcbSize: Int = 0x154) {
            self.tcb = tcb; self.name = name; self.pc = pc; self.sp = sp; self.returnAddress = returnAddress
            self.stackBase = stackBase; self.stack = stack; self.tcbSize = tcbSize
        }

        /// An Xtensa task whose windowed call chain is `pc` then the `callers` (mapped return addresses),
        /// frame k at `sps[k]`; the last frame's caller a0 is 0. `sps` has `callers.count + 1` entries, increasing.
        public static func xtensa(tcb: UInt32, name: String, pc: UInt32, callers: [UInt32], sps: [UInt32]) -> Task {
            precondition(sps.count == callers.count + 1)
            let base = sps[0] - 0x80
            let top = (sps.last ?? sps[0]) + 0x40
            var stack = [UInt8](repeating: 0, count: Int(top - base))
            func enc(_ r: UInt32) -> UInt32 { (r & 0x3FFF_FFFF) | 0x8000_0000 }
            for k in 0..<callers.count {
                let at = Int(sps[k] - 16 - base)
                stack.putLE(k + 1 < callers.count ? enc(callers[k + 1]) : 0, at: at)
                stack.putLE(sps[k + 1], at: at + 4)
            }
            return Task(tcb: tcb, name: name, pc: pc, sp: sps[0], returnAddress: callers.first.map(enc) ?? 0, stackBase: base, stack: stack)
        }
    }

    public var chipID: UInt16 = 0
    /// The format word (0x0001…0x0003 binary, 0x0100…0x0104 ELF).
    public var format: UInt16 = 0x0102
    public var chipRevision: UInt32 = 300
    public var tasks: [Task] = []
    /// ESP_EXTRA_INFO crashed TCB (default: the first task's).
    public var crashedTCB: UInt32?
    public var exceptionCause: UInt32 = 29
    public var exceptionVAddr: UInt32 = 0
    public var epc1: UInt32 = 0x4008_4013
    public var inISR = false
    public var appELFSHA256: String? = "1b43c5e74"
    public var panicReason: String?
    /// Note `namesz` as v5.2–v5.4 write it (rounded up to 4) instead of strlen + 1.
    public var roundedNoteNames = false
    public var extraSegments: [(address: UInt32, bytes: [UInt8])] = []

    public init() {}

    public var isXtensa: Bool { [0, 2, 9].contains(chipID) }
    var headerLength: Int { CoreDumpHeader.layout(format: format)?.length ?? 24 }
    var sha: Bool { CoreDumpHeader.layout(format: format)?.checksum == .sha256 }

    // MARK: Bodies

    func tcbBytes(_ t: Task) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: t.tcbSize)
        let name = Array(t.name.utf8.prefix(16))
        if 0x34 + 16 <= b.count { for (i, c) in name.enumerated() { b[0x34 + i] = c } }
        return b
    }

    func note(_ name: String, _ type: UInt32, _ desc: [UInt8]) -> [UInt8] {
        let n = Array(name.utf8) + [0]
        let namesz = roundedNoteNames ? (n.count + 3) & ~3 : n.count
        var out = [UInt8]()
        out.appendLE(UInt32(namesz)); out.appendLE(UInt32(desc.count)); out.appendLE(type)
        out += n + [UInt8](repeating: 0, count: ((namesz + 3) & ~3) - n.count)
        out += desc + [UInt8](repeating: 0, count: ((desc.count + 3) & ~3) - desc.count)
        return out
    }

    func prstatus(_ t: Task) -> [UInt8] {
        var d = [UInt8](repeating: 0, count: isXtensa ? 588 : 204)
        d.putLE(t.tcb, at: 24)
        d.putLE(t.pc, at: 72)
        if isXtensa {
            d.putLE(t.returnAddress, at: 328)
            d.putLE(t.sp, at: 332)
        } else {
            d.putLE(t.returnAddress, at: 76)
            d.putLE(t.sp, at: 80)
        }
        return d
    }

    public func elfBody() -> [UInt8] {
        var infoNotes = [UInt8]()
        var info = [UInt8](); info.appendLE(UInt32(chipID) << 16 | UInt32(format))
        var shaField = Array((appELFSHA256 ?? "").utf8.prefix(65)); shaField += [UInt8](repeating: 0, count: 68 - shaField.count)
        info += shaField
        infoNotes += note("ESP_CORE_DUMP_INFO", 8266, info)
        var extra = [UInt8]()
        extra.appendLE(crashedTCB ?? tasks.first?.tcb ?? 0)
        if isXtensa {
            extra.appendLE(UInt32(232)); extra.appendLE(exceptionCause)
            extra.appendLE(UInt32(238)); extra.appendLE(exceptionVAddr)
            for k in 2...6 { extra.appendLE(UInt32(192 + k)); extra.appendLE(UInt32(0)) }
            for k in 1...6 { extra.appendLE(UInt32(176 + k)); extra.appendLE(k == 1 ? epc1 : UInt32(0)) }
            for _ in 0..<5 { extra.appendLE(UInt32(0)); extra.appendLE(UInt32(0)) }
        }
        extra.appendLE(UInt32(inISR ? 1 : 0))
        infoNotes += note("ESP_EXTRA_INFO", 677, extra)
        if let panicReason { infoNotes += note("ESP_PANIC_DETAILS", 679, Array(panicReason.utf8)) }
        let coreNotes = tasks.flatMap { note("CORE", 1, prstatus($0)) }
        var loads: [(UInt32, [UInt8])] = []
        for t in tasks { loads.append((t.tcb, tcbBytes(t))); loads.append((t.stackBase, t.stack)) }
        loads += extraSegments.map { ($0.address, $0.bytes) }
        let phnum = 2 + loads.count
        var offset = 52 + 32 * phnum
        var ph = [UInt8](), data = [UInt8]()
        func phdr(_ type: UInt32, _ vaddr: UInt32, _ bytes: [UInt8]) {
            ph.appendLE(type); ph.appendLE(UInt32(offset)); ph.appendLE(vaddr); ph.appendLE(vaddr)
            ph.appendLE(UInt32(bytes.count)); ph.appendLE(UInt32(bytes.count)); ph.appendLE(UInt32(type == 1 ? 6 : 0)); ph.appendLE(UInt32(4))
            data += bytes
            offset += bytes.count
        }
        phdr(4, 0, coreNotes)
        for (a, b) in loads { phdr(1, a, b) }
        phdr(4, 0, infoNotes)
        var h: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 1, 1, 1, 0] + [UInt8](repeating: 0, count: 8)
        h.appendLE(UInt16(4)); h.appendLE(UInt16(isXtensa ? 94 : 243)); h.appendLE(UInt32(1))
        h.appendLE(UInt32(0)); h.appendLE(UInt32(52)); h.appendLE(UInt32(0)); h.appendLE(UInt32(0))
        h.appendLE(UInt16(52)); h.appendLE(UInt16(32)); h.appendLE(UInt16(phnum)); h.appendLE(UInt16(40))
        h.appendLE(UInt16(0)); h.appendLE(UInt16(0))
        return h + ph + data
    }

    /// The frame the binary format's reader takes registers from, written over the start of the stack.
    func framedStack(_ t: Task, crashed: Bool) -> [UInt8] {
        var s = t.stack
        let need = isXtensa ? 25 * 4 : 32 * 4
        if s.count < need { s += [UInt8](repeating: 0, count: need - s.count) }
        if isXtensa {
            if crashed {
                s.putLE(CoreDump.currentTaskMarker, at: 0); s.putLE(t.pc, at: 4)
                s.putLE(t.returnAddress, at: 12); s.putLE(t.sp, at: 16)
                s.putLE(exceptionCause, at: 80); s.putLE(exceptionVAddr, at: 84)
            } else {
                s.putLE(0, at: 0); s.putLE(t.pc, at: 4); s.putLE(t.returnAddress, at: 16); s.putLE(t.sp, at: 20)
            }
        } else {
            s.putLE(t.pc, at: 0); s.putLE(t.returnAddress, at: 4); s.putLE(t.sp, at: 8)
        }
        return s
    }

    public func binaryBody() -> [UInt8] {
        var out = [UInt8]()
        for (i, t) in tasks.enumerated() {
            let st = framedStack(t, crashed: i == 0)
            out.appendLE(t.tcb); out.appendLE(t.stackBase); out.appendLE(t.stackBase + UInt32(st.count))
            out += tcbBytes(t) + st + [UInt8](repeating: 0, count: ((st.count + 3) & ~3) - st.count)
        }
        for seg in extraSegments { out.appendLE(seg.address); out.appendLE(UInt32(seg.bytes.count)); out += seg.bytes }
        return out
    }

    // MARK: Whole dumps

    func header(dataLength: Int) -> [UInt8] {
        var h = [UInt8]()
        h.appendLE(UInt32(dataLength))
        h.appendLE(UInt32(chipID) << 16 | UInt32(format))
        let bin = format < 0x0100
        switch headerLength {
        case 12: h.appendLE(chipRevision)
        default:
            h.appendLE(bin ? UInt32(tasks.count) : 0)
            h.appendLE(bin ? UInt32(tasks.first?.tcbSize ?? 0) : 0)
            if headerLength >= 20 { h.appendLE(bin ? UInt32(extraSegments.count) : 0) }
            if headerLength == 24 { h.appendLE(chipRevision) }
        }
        return h
    }

    func checksum(_ b: [UInt8]) -> [UInt8] {
        if sha { return Checksums.sha256(b) }
        var c = [UInt8](); c.appendLE(Checksums.crc32(b)); return c
    }

    /// The dump as the UART writer sends it (what `esp-coredump -t raw` reads): no padding.
    public func raw() -> [UInt8] {
        let body = format < 0x0100 ? binaryBody() : elfBody()
        let csLen = sha ? 32 : 4
        var out = header(dataLength: headerLength + body.count + csLen) + body
        out += checksum(out)
        return out
    }

    /// The dump as the flash writer lays it out in a partition of `size` bytes: padding to 32, the
    /// checksum (a CRC followed by 28 zero bytes), the rest 0xFF.
    public func partition(size: Int = 0x10000) -> [UInt8] {
        let body = format < 0x0100 ? binaryBody() : elfBody()
        let csLen = sha ? 32 : 4
        let padded = (headerLength + body.count + 31) & ~31
        var out = header(dataLength: padded + csLen) + body
        out += [UInt8](repeating: 0, count: padded - out.count)
        out += checksum(out)
        if !sha { out += [UInt8](repeating: 0, count: 28) }
        if out.count < size { out += [UInt8](repeating: 0xFF, count: size - out.count) }
        return out
    }

    /// A three-task ESP32 dump shaped like the corpus's (task main crashed, a 9-frame chain).
    public static func esp32Sample(format: UInt16 = 0x0102) -> CoreDumpBuilder {
        var b = CoreDumpBuilder()
        b.format = format
        b.panicReason = "abort() was called at PC 0x400d66b9 on core 0"
        b.tasks = [
            .xtensa(tcb: 0x3FFA_FBA0, name: "main", pc: 0x4008_110D,
                    callers: [0x4008_510C, 0x4008_A6F0, 0x400D_66BC, 0x4000_7C78, 0x4000_814B, 0x400D_66D4, 0x400E_40A3, 0x4008_5910],
                    sps: [0x3FFB_4EC0, 0x3FFB_4EE0, 0x3FFB_4F00, 0x3FFB_4F20, 0x3FFB_4F40, 0x3FFB_4F60, 0x3FFB_4F80, 0x3FFB_4FA0, 0x3FFB_4FC0]),
            .xtensa(tcb: 0x3FFA_FCF8, name: "IDLE0", pc: 0x4008_5908, callers: [0x4008_5910], sps: [0x3FFB_56B0, 0x3FFB_56D0]),
            .xtensa(tcb: 0x3FFA_F354, name: "ipc0", pc: 0x4000_BFF0, callers: [], sps: [0x3FFA_F240]),
        ]
        return b
    }
}
