import Testing
import FlashFormats
import FlashModel

/// Deterministic mutations of every fixture: truncations at and around every structure boundary,
/// every single-bit flip in every header field, and fills (0x00, 0xFF, random) of many sizes. Each
/// input must give a layout or a clean `AnalysisError` (never a trap), a well-formed report, and
/// the damage must show: a cut-short input has diagnostics, a flipped bit changes the report, and a
/// flip under a checksum, CRC, MD5 or SHA-256 is reported as a problem.
@Suite struct MutationTests {
    /// Header byte 23 (`hash_appended`) going from 1 to 0 turns the digest check off: the bootloader
    /// boots such an image without Secure Boot, so it is shown (the report changes) but is no error.
    static func disablesDigest(_ f: Field, byte: Int, bit: Int, image: [UInt8]) -> Bool {
        f.name.hasSuffix(" header") && byte == f.range.lowerBound + 23 && bit == 0 && image[byte] == 1
    }

    /// Flips every bit of every field; checks each result; returns how many inputs were run.
    static func flipAll(_ bytes: [UInt8], fields: [Field], pristine: Outcome, suite: String, planning: Bool = false) -> Int {
        var n = 0
        for f in fields {
            for i in f.range where i < bytes.count {
                for bit in 0..<8 {
                    var m = bytes
                    m[i] ^= 1 << bit
                    let o = Examine.run(m, planning: planning)
                    n += 1
                    let label = "\(suite): \(f.name) byte \(Hex.short(i)) bit \(bit)"
                    guard Examine.wellFormed(o, label) else { continue }
                    if o.refusal == nil && o.json == pristine.json {
                        Issue.record("\(label): the report is identical to the undamaged one")
                    }
                    if f.guarded && !disablesDigest(f, byte: i, bit: bit, image: bytes) && o.refusal == nil
                        && o.problems.isEmpty && o.notBootable == pristine.notBootable {
                        Issue.record("\(label): a guarded field changed and nothing reports a problem")
                    }
                }
            }
        }
        return n
    }

    /// Truncates at each length; each result is refused or carries diagnostics, unless `complete` says
    /// the cut leaves a whole structure (e.g. a table file cut after its end marker).
    static func truncateAll(_ bytes: [UInt8], lengths: [Int], suite: String, planning: Bool = false,
                            complete: (Int, FlashLayout) -> Bool = { _, _ in false }) -> Int {
        for len in lengths {
            let o = Examine.run(Array(bytes.prefix(len)), planning: planning)
            let label = "\(suite): first \(len) bytes"
            guard Examine.wellFormed(o, label) else { continue }
            if let l = o.layout, l.diagnostics.isEmpty, !complete(len, l) {
                Issue.record("\(label): analysed as a \(l.kind.rawValue) with no diagnostic")
            }
        }
        return lengths.count
    }

    // MARK: Fixtures are clean, so every finding below is caused by the mutation

    @Test func fixturesAreCleanAndDetected() throws {
        let cases: [(String, [UInt8], FileKind)] = [
            ("flash", Fixture.flash(), .flashImage), ("flash C3", Fixture.flash(chip: .esp32c3), .flashImage),
            ("table", Fixture.table(), .partitionTable), ("otadata", Fixture.otadata(), .otadata),
            ("app", Fixture.app(), .appImage), ("bootloader", Fixture.bootloader(), .bootloaderImage),
        ]
        for (name, bytes, kind) in cases {
            let o = Examine.run(bytes, planning: true)
            let l = try #require(o.layout, "\(name) refused: \(String(describing: o.refusal))")
            #expect(l.kind == kind, "\(name)")
            #expect(l.diagnostics.isEmpty, "\(name): \(l.diagnostics.map(\.message))")
            #expect(o.notBootable.isEmpty, "\(name): \(o.notBootable)")
        }
        let l = try #require(Examine.run(Fixture.flash()).layout)
        #expect(l.boot?.loaded == "ota_1")
        #expect(l.apps.count == 3 && l.bootloader != nil && l.otadata != nil)
    }

    // MARK: Whole flash image

    @Test func flashImageTruncations() throws {
        let bytes = Fixture.flash()
        let pristine = try #require(Examine.run(bytes).layout)
        let lengths = Structure.truncations(Structure.boundaries(of: pristine), count: bytes.count)
        #expect(lengths.count > 150)
        InputCounter.shared.add("flash image truncations", Self.truncateAll(bytes, lengths: lengths, suite: "flash", planning: true))
    }

    @Test func flashImageBitFlips() throws {
        let bytes = Fixture.flash()
        let pristine = Examine.run(bytes)
        let fields = Structure.fields(of: try #require(pristine.layout))
        #expect(fields.count > 20)
        InputCounter.shared.add("flash image bit flips", Self.flipAll(bytes, fields: fields, pristine: pristine, suite: "flash"))
    }

    @Test func flashImageC3BitFlipsInHeaders() throws {
        // Bootloader at 0x0 instead of 0x1000: the other detection path.
        let bytes = Fixture.flash(chip: .esp32c3)
        let pristine = Examine.run(bytes)
        let fields = Structure.fields(of: try #require(pristine.layout)).filter { $0.name.hasPrefix("bootloader") && !$0.name.hasSuffix("_t") }
        #expect(!fields.isEmpty)
        InputCounter.shared.add("flash image (C3) bootloader bit flips", Self.flipAll(bytes, fields: fields, pristine: pristine, suite: "flash C3"))
        let bootloader = try #require(pristine.layout?.bootloader?.image)
        let lengths = Structure.truncations(Structure.boundaries(of: bootloader, base: 0), count: bytes.count)
        // Cut right after the bootloader, the file is a complete bootloader image (and is reported as one).
        InputCounter.shared.add("flash image (C3) truncations", Self.truncateAll(bytes, lengths: lengths, suite: "flash C3") { len, l in
            l.kind == .bootloaderImage && len >= bootloader.length ?? Int.max
        })
    }

    // MARK: Single structures as files

    @Test func tableFile() throws {
        let bytes = Fixture.table()
        let pristine = Examine.run(bytes)
        let l = try #require(pristine.layout)
        let rows = 32 * ((l.table?.endRow ?? 99) + 1)
        // The 0xFF padding after the end marker is optional: from there on the table is complete.
        var n = Self.truncateAll(bytes, lengths: Array(0..<bytes.count), suite: "table") { len, _ in len >= rows }
        n += Self.flipAll(bytes, fields: Structure.fields(of: try #require(l.table)), pristine: pristine, suite: "table")
        // The same table read where it sits in a dump, cut at every length, straight through the parser.
        for len in 0..<bytes.count {
            let t = PartitionTable.parse(ByteArray(Array(bytes.prefix(len))), at: 0, chipSize: 4 << 20)
            #expect(!t.bootloaderAccepts || len >= 32 * 8, "table cut to \(len) bytes accepted")
            n += 1
        }
        InputCounter.shared.add("partition table", n)
    }

    @Test func otadataFile() throws {
        let bytes = Fixture.otadata()
        let pristine = Examine.run(bytes)
        let l = try #require(pristine.layout)
        var n = Self.truncateAll(bytes, lengths: Array(0..<bytes.count), suite: "otadata")
        n += Self.flipAll(bytes, fields: Structure.fields(of: try #require(l.otadata)), pristine: pristine, suite: "otadata")
        for len in Structure.truncations(Structure.boundaries(of: l.otadata!), count: bytes.count) {
            let o = OTAData.parse(ByteArray(Array(bytes.prefix(len))), at: 0)
            // Both entries are read once the file holds sector 1's first 32 bytes; before that, one is missing.
            if len < otadataSectorSize + otaEntrySize {
                #expect(!o.diagnostics.isEmpty, "otadata cut to \(len) bytes has no diagnostic")
                #expect(o.entries.contains { $0 == nil })
            }
            _ = o.activeSector
            _ = try? o.planSetBoot(slot: 1, count: 2, rollback: true, idf: .v5)
            n += 1
        }
        InputCounter.shared.add("otadata", n)
    }

    @Test func appFile() throws {
        let bytes = Fixture.app()
        let pristine = Examine.run(bytes)
        let l = try #require(pristine.layout)
        var n = Self.truncateAll(bytes, lengths: Array(0..<bytes.count), suite: "app")
        n += Self.flipAll(bytes, fields: Structure.fields(of: try #require(l.image), base: 0, name: "app"), pristine: pristine, suite: "app")
        InputCounter.shared.add("app image", n)
    }

    @Test func bootloaderFile() throws {
        let bytes = Fixture.bootloader()
        let pristine = Examine.run(bytes)
        let img = try #require(pristine.layout?.image)
        let lengths = Structure.truncations(Structure.boundaries(of: img, base: 0) + stride(from: 0, to: bytes.count, by: 0x100), count: bytes.count)
        var n = Self.truncateAll(bytes, lengths: lengths, suite: "bootloader")
        n += Self.flipAll(bytes, fields: Structure.fields(of: img, base: 0, name: "bootloader"), pristine: pristine, suite: "bootloader")
        InputCounter.shared.add("bootloader image", n)
    }

    @Test func csvEveryPrefix() {
        let text = PartitionCSV.emit(Fixture.partitions) + "storage,data,fat,,-0x100000,encrypted:readonly\n"
        let chars = Array(text)
        for len in 0...chars.count {
            let prefix = String(chars.prefix(len))
            if let entries = try? PartitionCSV.parse(prefix) {
                _ = PartitionCSV.verify(entries)
                _ = PartitionTable.parse(ByteArray(PartitionTable.encode(entries)), at: 0)
            }
        }
        InputCounter.shared.add("partition CSV prefixes", chars.count + 1)
    }

    // MARK: Not images at all

    static let fillSizes = [1, 2, 3, 4, 8, 15, 16, 23, 24, 25, 31, 32, 33, 64, 96, 100, 255, 256, 1000, 0xBFF, 0xC00, 0xC01,
                            0xFFF, 0x1000, 0x1001, 0x1FFF, 0x2000, 0x2001, 0x4000, 0x7FFF, 0x8000, 0x8001, 0x8FFF, 0x9000,
                            0x9001, 0x10000, 0x20000, 0x40000, 0x100000]

    static func fills(_ size: Int) -> [(String, [UInt8])] {
        var rng = Random(seed: UInt64(size) &* 0x9E37_79B9)
        let random = rng.bytes(size)
        var imageHeader = random; imageHeader[0] = imageMagic
        var tableMagic = random; if size >= 2 { tableMagic[0] = 0xAA; tableMagic[1] = 0x50 }
        var tableAt8000 = [UInt8](repeating: 0xFF, count: size)
        if size > 0x8002 { tableAt8000.replaceSubrange(0x8000..<min(size, 0x8C00), with: random[0x8000..<min(size, 0x8C00)]); tableAt8000[0x8000] = 0xAA; tableAt8000[0x8001] = 0x50 }
        var headerAt1000 = [UInt8](repeating: 0, count: size)
        if size > 0x1018 { headerAt1000.replaceSubrange(0x1000..<0x1018, with: random[0x1000..<0x1018]); headerAt1000[0x1000] = imageMagic; headerAt1000[0x1001] = 3; headerAt1000[0x100C] = 0; headerAt1000[0x1017] = 0 }
        return [("0x00", [UInt8](repeating: 0, count: size)), ("0xFF", [UInt8](repeating: 0xFF, count: size)),
                ("random", random), ("0xE9 + random", imageHeader), ("0xAA50 + random", tableMagic),
                ("0xFF with a random table at 0x8000", tableAt8000), ("0x00 with an image header at 0x1000", headerAt1000)]
    }

    /// A blank otadata partition (8 KiB of 0xFF) is a legitimate file with nothing to report.
    static func legitimatelyClean(_ bytes: [UInt8]) -> Bool { bytes.count == otadataSize && bytes.allSatisfy { $0 == 0xFF } }

    @Test(arguments: fillSizes)
    func fillsAndRandomFiles(size: Int) {
        var n = 0
        for (name, bytes) in Self.fills(size) {
            let o = Examine.run(bytes, planning: true)
            n += 1
            let label = "\(size) bytes of \(name)"
            guard Examine.wellFormed(o, label) else { continue }
            if let l = o.layout, o.problems.isEmpty, !Self.legitimatelyClean(bytes) {
                Issue.record("\(label): analysed as a \(l.kind.rawValue) without a warning or error")
            }
            // Each parser directly, at the start and at an unaligned offset.
            let src = ByteArray(bytes)
            for at in [0, 3] {
                _ = PartitionTable.parse(src, at: at, chipSize: 4 << 20)
                _ = OTAData.parse(src, at: at)
                _ = AppImage.inspect(src, at: at, isBootloader: at == 3)
                n += 3
            }
            _ = try? PartitionCSV.parse(String(decoding: bytes, as: UTF8.self))
            n += 1
        }
        InputCounter.shared.add("fills of \(size) bytes", n)
    }
}
