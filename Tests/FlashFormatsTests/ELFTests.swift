import Testing
@testable import FlashFormats

/// A minimal ELF32 with a symbol table: null section, .symtab, .strtab (System V ABI layout).
func elfWithSymbols(_ syms: [(String, UInt32, UInt32, UInt8)]) -> [UInt8] {
    var strtab: [UInt8] = [0]
    var symtab = [UInt8](repeating: 0, count: 16)   // symbol 0 is null
    for (name, value, size, type) in syms {
        let off = UInt32(strtab.count)
        strtab += Array(name.utf8) + [0]
        symtab.appendLE(off); symtab.appendLE(value); symtab.appendLE(size)
        symtab += [0x10 | type, 0]; symtab.appendLE(UInt16(1))
    }
    let symOff = 52, strOff = symOff + symtab.count, shOff = (strOff + strtab.count + 3) & ~3
    var h: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 1, 1, 1, 0] + [UInt8](repeating: 0, count: 8)
    h.appendLE(UInt16(2)); h.appendLE(UInt16(94)); h.appendLE(UInt32(1)); h.appendLE(UInt32(0x4008_0000))
    h.appendLE(UInt32(0)); h.appendLE(UInt32(shOff)); h.appendLE(UInt32(0))
    h.appendLE(UInt16(52)); h.appendLE(UInt16(0)); h.appendLE(UInt16(0)); h.appendLE(UInt16(40)); h.appendLE(UInt16(3)); h.appendLE(UInt16(0))
    var out = h + symtab + strtab
    out += [UInt8](repeating: 0, count: shOff - out.count)
    func sh(_ type: UInt32, _ off: Int, _ size: Int, _ link: UInt32, _ entsize: UInt32) {
        out.appendLE(UInt32(0)); out.appendLE(type); out.appendLE(UInt32(0)); out.appendLE(UInt32(0))
        out.appendLE(UInt32(off)); out.appendLE(UInt32(size)); out.appendLE(link); out.appendLE(UInt32(0))
        out.appendLE(UInt32(4)); out.appendLE(entsize)
    }
    sh(0, 0, 0, 0, 0)
    sh(2, symOff, symtab.count, 2, 16)
    sh(3, strOff, strtab.count, 0, 0)
    return out
}

@Test func symbolLookupGivesFunctionAndOffset() {
    let elf = elfWithSymbols([("panic_abort", 0x4008_1100, 0x20, 2), ("esp_system_abort", 0x4008_5100, 0x30, 2),
                              ("a_variable", 0x3FFB_0000, 4, 1), ("app_main", 0x400D_66C0, 0x40, 2)])
    let s = ELFSymbols.parse(ByteArray(elf))
    #expect(s.machine == 94 && s.functions.count == 3 && s.diagnostics.isEmpty)
    #expect(s.lookup(0x4008_110D)?.symbol.name == "panic_abort" && s.lookup(0x4008_110D)?.offset == 0xD)
    #expect(s.lookup(0x4008_510C)?.symbol.name == "esp_system_abort")
    #expect(s.lookup(0x400D_66D4)?.symbol.name == "app_main" && s.lookup(0x400D_66D4)?.offset == 0x14)
    // Past the end of every sized symbol, or below all: nothing.
    #expect(s.lookup(0x4008_1200) == nil)
    #expect(s.lookup(0x4000_0000) == nil)
    // A size-0 symbol (a ROM function from a linker script) names only its own address.
    let rom = ELFSymbols.parse(ByteArray(elfWithSymbols([("ets_printf", 0x4000_7D54, 0, 0)])))
    #expect(rom.lookup(0x4000_7D54)?.symbol.name == "ets_printf" && rom.lookup(0x4000_814B) == nil)
    // Return addresses are looked up at PC − 1 (a call that ends a function returns past its end).
    #expect(s.describe(0x4008_1120, isReturnAddress: true) == "panic_abort+0x20")
    #expect(s.describe(0x4008_1120, isReturnAddress: false) == nil)
}

@Test func notAnELFAndHostileSections() {
    #expect(ELFSymbols.parse(ByteArray([1, 2, 3])).diagnostics.first?.code == .elfNotELF32)
    var elf = elfWithSymbols([("f", 0x4000_1000, 4, 2)])
    elf.putLE(0xFFFF_FF00, at: 32)   // e_shoff past the end
    #expect(ELFSymbols.parse(ByteArray(elf)).diagnostics.first?.code == .elfBadSections)
    var big = elfWithSymbols([("f", 0x4000_1000, 4, 2)])
    // .symtab size claims far more than the file.
    let shOff = Int(ByteArray(big).u32(at: 32)!)
    big.putLE(0x7FFF_FFFF, at: shOff + 40 + 20)
    #expect(ELFSymbols.parse(ByteArray(big)).diagnostics.contains { $0.code == .elfBadSections })
}
