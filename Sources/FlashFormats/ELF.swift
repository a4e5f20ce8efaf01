/// The symbol table of a 32-bit little-endian ELF file (an ESP-IDF app ELF), for naming backtrace
/// addresses: section headers, the `SHT_SYMTAB` section and the string table it links to.
///
/// Facts: the System V ABI ELF32 layout (header 52 bytes; `e_shoff` +32, `e_shentsize` +46,
/// `e_shnum` +48; section header 40 bytes with `sh_type` +4, `sh_offset` +16, `sh_size` +20,
/// `sh_link` +24, `sh_entsize` +36; symbol 16 bytes: `st_name`, `st_value`, `st_size`, `st_info`,
/// `st_other`, `st_shndx`). Untrusted input: every offset is bounds-checked.

extension DiagnosticCode {
    public static let elfNotELF32: DiagnosticCode = "elf_not_elf32"
    public static let elfBadSections: DiagnosticCode = "elf_bad_sections"
    public static let elfNoSymbols: DiagnosticCode = "elf_no_symbols"
}

public struct ELFSymbol: Sendable, Equatable {
    public let name: String
    public let address: UInt32
    public let size: UInt32
    /// STT_FUNC (2) or STT_NOTYPE (0) or STT_OBJECT (1)…
    public let type: UInt8
}

public struct ELFSymbols: Sendable {
    public let machine: UInt16
    /// Function symbols sorted by address.
    public let functions: [ELFSymbol]
    public var diagnostics: [Diagnostic] = []

    /// Most symbols read (an ESP-IDF app has tens of thousands).
    public static let maxSymbols = 2_000_000

    public static func parse<S: ByteSource>(_ s: S) -> ELFSymbols {
        var diags: [Diagnostic] = []
        guard s.u32(at: 0) == 0x464C_457F, s.u8(at: 4) == 1, s.u8(at: 5) == 1 else {
            return ELFSymbols(machine: 0, functions: [], diagnostics: [.error(0, .elfNotELF32, "not a 32-bit little-endian ELF file")])
        }
        let machine = s.u16(at: 18) ?? 0
        let shoff = Int(s.u32(at: 32) ?? 0), shentsize = Int(s.u16(at: 46) ?? 0), shnum = Int(s.u16(at: 48) ?? 0)
        guard shentsize >= 40, shnum > 0, shoff > 0, shoff + shentsize * shnum <= s.count else {
            return ELFSymbols(machine: machine, functions: [], diagnostics: [.error(32, .elfBadSections, "section headers missing or past the end of the file")])
        }
        func section(_ i: Int) -> (type: UInt32, offset: Int, size: Int, link: Int, entsize: Int)? {
            guard i >= 0, i < shnum else { return nil }
            let h = shoff + i * shentsize
            guard let t = s.u32(at: h + 4), let o = s.u32(at: h + 16), let z = s.u32(at: h + 20), let l = s.u32(at: h + 24),
                  let e = s.u32(at: h + 36) else { return nil }
            return (t, Int(o), Int(z), Int(l), Int(e))
        }
        var out: [ELFSymbol] = []
        for i in 0..<shnum {
            guard let sec = section(i), sec.type == 2 else { continue }
            guard let str = section(sec.link), sec.offset + sec.size <= s.count, str.offset + str.size <= s.count else {
                diags.append(.error(shoff + i * shentsize, .elfBadSections, "symbol table \(i) or its string table runs past the end of the file"))
                continue
            }
            let entsize = Swift.max(16, sec.entsize)
            let n = Swift.min(sec.size / entsize, maxSymbols)
            for k in 0..<n {
                let e = sec.offset + k * entsize
                guard let nameOff = s.u32(at: e), let value = s.u32(at: e + 4), let size = s.u32(at: e + 8),
                      let info = s.u8(at: e + 12) else { break }
                let type = info & 0xF
                // Functions, and untyped symbols (ROM functions come from linker-script PROVIDEs: NOTYPE, size 0).
                guard type == 2 || type == 0, value != 0, Int(nameOff) < str.size else { continue }
                // The name: NUL-terminated, at most 512 bytes read.
                let start = str.offset + Int(nameOff)
                let raw = s.bytes(start..<Swift.min(str.offset + str.size, start + 512)).prefix { $0 != 0 }
                guard !raw.isEmpty else { continue }
                out.append(ELFSymbol(name: String(decoding: raw, as: UTF8.self), address: value, size: size, type: type))
            }
        }
        if out.isEmpty { diags.append(.warning(nil, .elfNoSymbols, "the ELF has no function symbols (stripped?)")) }
        out.sort { ($0.address, $1.size) < ($1.address, $0.size) }
        return ELFSymbols(machine: machine, functions: out, diagnostics: diags)
    }

    /// The function containing `address`, as `(symbol, offset)`: the nearest sized symbol at or below it that
    /// covers it, or a size-0 symbol exactly at it. A size-0 symbol is not stretched over the addresses after it:
    /// ROM functions appear in an app ELF only as size-0 linker-script symbols, and naming a ROM address after
    /// the nearest of them would be a guess (GDB names them from the separate ROM ELF).
    public func lookup(_ address: UInt32) -> (symbol: ELFSymbol, offset: UInt32)? {
        // Last symbol with address <= target.
        var lo = 0, hi = functions.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if functions[mid].address <= address { lo = mid + 1 } else { hi = mid }
        }
        var i = lo - 1
        var exact: ELFSymbol?
        var steps = 0
        while i >= 0, steps < 256 {
            let f = functions[i]
            let off = address - f.address
            if f.size > 0, off < f.size { return (f, off) }
            if f.size == 0, off == 0, exact == nil { exact = f }
            i -= 1; steps += 1
        }
        return exact.map { ($0, 0) }
    }

    /// "name+0x1c" for a frame's PC. A caller frame's PC is a return address, which may lie just past the
    /// end of a function that ends in a call: as GDB does, the function is looked up at PC − 1.
    public func describe(_ pc: UInt32, isReturnAddress: Bool) -> String? {
        guard let hit = lookup(isReturnAddress && pc > 0 ? pc - 1 : pc) else { return nil }
        let off = pc &- hit.symbol.address
        return off == 0 ? hit.symbol.name : "\(hit.symbol.name)+\(Hex.short(off))"
    }
}
