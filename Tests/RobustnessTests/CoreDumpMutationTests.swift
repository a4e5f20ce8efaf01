import Testing
import FlashFormats
import FlashModel

/// Deterministic hostile core dumps: every 32-bit word of encoder-made dumps (ELF and binary, raw and
/// partition form) replaced by hostile values — lengths, counts, note sizes, offsets, stack pointers,
/// return addresses — and truncations. The reader must return (no trap, no endless walk), keep its walk
/// within the depth limit, and point only inside the input.
@Suite("Core dump mutations")
struct CoreDumpMutationTests {
    static let hostile: [UInt32] = [0, 0xFFFF_FFFF, 0x8000_0000, 0xFFFF_FFF0, 0x3FFB_4EB0]

    static func inputs() -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = []
        for f: UInt16 in [0x0003, 0x0104] {
            let b = CoreDumpBuilder.esp32Sample(format: f)
            out.append(("\(f) raw", b.raw()))
        }
        var rv = CoreDumpBuilder.esp32Sample()
        rv.chipID = 5
        out.append(("riscv raw", rv.raw()))
        return out
    }

    static func check(_ d: CoreDump, count: Int, _ label: String) {
        #expect(d.backtrace.count <= CoreDump.maxDepth, "\(label)")
        for fr in d.backtrace { if let o = fr.stackOffset { #expect(o >= 0 && o < count, "\(label)") } }
        for s in d.segments { #expect(s.offset >= 0 && s.offset + s.length <= count, "\(label)") }
        for t in d.tasks { #expect(t.registersOffset >= 0 && t.registersOffset < count, "\(label)") }
        _ = Report.coreDumpJSON(CoreDumpFinding(partition: nil, dump: d, matchingApps: [])).serialized()
        _ = CoreDumpFinding(partition: nil, dump: d, matchingApps: []).sentence
    }

    @Test("every word replaced by hostile values, every checksum recomputed so the body is parsed")
    func everyWordHostile() {
        var n = 0
        for (name, base) in Self.inputs() {
            let csLen = [0x0101, 0x0103, 0x0104].contains(Int(base[4]) | Int(base[5]) << 8) ? 32 : 4
            for at in stride(from: 0, to: base.count - csLen, by: 4) {
                for v in Self.hostile {
                    var m = base
                    m.putLE(v, at: at)
                    // Recompute the checksum so the mutation reaches the body, not only the checksum verdict.
                    let body = Array(m[0..<(m.count - csLen)])
                    if csLen == 4 { m.putLE(Checksums.crc32(body), at: m.count - 4) } else { m.replaceSubrange((m.count - 32)..<m.count, with: Checksums.sha256(body)) }
                    let d = CoreDump.parse(ByteArray(m), at: 0, limit: m.count)
                    Self.check(d, count: m.count, "\(name) word @\(at) = \(Hex.short(v))")
                    n += 1
                }
            }
        }
        InputCounter.shared.add("core dump word mutations", n)
        #expect(n > 1000)
    }

    @Test("truncations and partition contents of mutated dumps")
    func truncationsAndContents() {
        var n = 0
        for (name, base) in Self.inputs() {
            for len in stride(from: 0, through: base.count, by: 13) {
                let m = Array(base.prefix(len))
                let d = CoreDump.parse(ByteArray(m), at: 0, limit: 0x10000)
                Self.check(d, count: m.count, "\(name) cut at \(len)")
                for sub: UInt8 in [0x01, 0x03, 0x81, 0x82, 0x83] {
                    _ = PartitionContent.recognise(ByteArray(m), entry: PartitionEntry(name: "p", type: 1, subtype: sub, offset: 0, size: UInt32(max(1, len))))
                }
                n += 6
            }
        }
        InputCounter.shared.add("core dump truncations", n)
    }

    @Test("a chain of base-save areas that points back at itself ends")
    func selfReferencingChain() {
        // Every base-save area names the same SP and a non-zero return address: the walk must stop at once.
        var b = CoreDumpBuilder.esp32Sample()
        var t = b.tasks[0]
        for k in stride(from: 0, to: t.stack.count - 8, by: 16) {
            t.stack.putLE(0x8008_0000, at: k)
            t.stack.putLE(t.sp, at: k + 4)
        }
        b.tasks[0] = t
        let d = CoreDump.parse(ByteArray(b.partition()), at: 0, limit: 0x10000)
        #expect(d.backtraceEnd == .stackNotIncreasing && d.backtrace.count == 2)
    }
}
