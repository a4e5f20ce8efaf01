import Testing
@testable import FlashFormats

/// NVS reader and encoder: fixtures come from the project's own encoder (NVSBuilder), pinned to the
/// spec's vectors (NVS.md §12), and hand-built states the generator never writes.
@Suite struct NVSTests {
    static func gen(_ csv: String, _ size: Int = 0x3000, version: NVSBuilder.Version = .v2, keys: NVS.Keys? = nil,
                    files: [String: [UInt8]] = [:]) throws -> [UInt8] {
        try NVSBuilder.generate(csv: csv, size: size, version: version, keys: keys) { files[$0] }
    }
    static func read(_ b: [UInt8], keys: NVS.Keys? = nil, rules: NVS.Rules = .latest) -> NVS.Partition {
        NVS.read(ByteArray(b), offset: 0, size: b.count, keys: keys, rules: rules)
    }
    static func values(_ p: NVS.Partition) -> [String] {
        p.values.map { v in
            let s: String
            switch v.value {
            case .unsigned(let u): s = String(u)
            case .signed(let i): s = String(i)
            case .string: s = "\"" + (v.value.text ?? "") + "\""
            case .blob(let b): s = Hex.bytes(b)
            case .float(let f): s = "\(f)"
            case .double(let d): s = "\(d)"
            }
            return "\(v.namespace)/\(v.key):\(v.type.csvName)=\(s)"
        }
    }
    static func hex(_ s: String) -> [UInt8] { NVSBuilder.hexBytes(s.filter { !$0.isWhitespace })! }

    /// A 32-byte item header with its CRC.
    static func item(ns: UInt8, type: UInt8, span: UInt8 = 1, chunk: UInt8 = 0xFF, key: String, data: [UInt8]) -> [UInt8] {
        var e = [ns, type, span, chunk, 0, 0, 0, 0]
        e += Array(key.utf8) + [UInt8](repeating: 0, count: 16 - key.utf8.count)
        e += data + [UInt8](repeating: 0xFF, count: 8 - data.count)
        e.putLE(NVS.headerCRC(e), at: 4)
        return e
    }
    /// A page with `items` from entry 0 on, all WRITTEN (unless `bitmap` overrides entry states).
    static func page(state: UInt32, seq: UInt32, _ items: [[UInt8]], states: [Int: NVS.EntryState] = [:]) -> [UInt8] {
        var p = [UInt8](repeating: 0xFF, count: 4096)
        p.putLE(state, at: 0); p.putLE(seq, at: 4); p[8] = 0xFE
        p.putLE(NVS.pageHeaderCRC(p), at: 28)
        var slot = 0
        for it in items {
            p.replaceSubrange((64 + slot * 32)..<(64 + slot * 32 + it.count), with: it)
            slot += it.count / 32
        }
        func set(_ i: Int, _ s: NVS.EntryState) {
            let bit = 2 * (i % 4)
            p[32 + i / 4] = (p[32 + i / 4] & ~(3 << UInt8(bit))) | (s.rawValue << UInt8(bit))
        }
        for i in 0..<slot { set(i, .written) }
        for (i, s) in states { set(i, s) }
        return p
    }
    static let empty = [UInt8](repeating: 0xFF, count: 4096)
    static func ns(_ name: String, _ i: UInt8) -> [UInt8] { item(ns: 0, type: 0x01, key: name, data: [i]) }
    static func u8(_ key: String, _ v: UInt8, ns: UInt8 = 1) -> [UInt8] { item(ns: ns, type: 0x01, key: key, data: [v]) }
    static func string(_ key: String, _ s: String, ns: UInt8 = 1) -> [UInt8] {
        let d = Array(s.utf8) + [0]
        var h = [UInt8](); h.appendLE(UInt16(d.count)); h += [0xFF, 0xFF]; h.appendLE(Checksums.crc32(d, seed: 0xFFFF_FFFF))
        let span = UInt8((d.count + 31) / 32 + 1)
        return item(ns: ns, type: 0x21, span: span, key: key, data: h) + d + [UInt8](repeating: 0xFF, count: (32 - d.count % 32) % 32)
    }
    static func chunk(_ key: String, _ d: [UInt8], index: UInt8, ns: UInt8 = 1) -> [UInt8] {
        var h = [UInt8](); h.appendLE(UInt16(d.count)); h += [0xFF, 0xFF]; h.appendLE(Checksums.crc32(d, seed: 0xFFFF_FFFF))
        return item(ns: ns, type: 0x42, span: UInt8((d.count + 31) / 32 + 1), chunk: index, key: key, data: h) + d + [UInt8](repeating: 0xFF, count: (32 - d.count % 32) % 32)
    }
    static func blobIndex(_ key: String, size: UInt32, count: UInt8, start: UInt8, ns: UInt8 = 1) -> [UInt8] {
        var d = [UInt8](); d.appendLE(size); d += [count, start, 0xFF, 0xFF]
        return item(ns: ns, type: 0x48, key: key, data: d)
    }

    // MARK: Spec vectors

    static let basicCSV = """
    key,type,encoding,value
    storage,namespace,,
    u8key,data,u8,200
    i32key,data,i32,-5
    strkey,data,string,hello world
    blobkey,data,hex2bin,000102030405060708090a0b0c0d0e0f1011
    """

    @Test func v1PageVector() throws {
        let b = try Self.gen(Self.basicCSV)
        #expect(b.count == 0x3000)
        #expect(Array(b[0..<12]) == Self.hex("feffffff 00000000 feffffff"))
        #expect(Array(b[28..<32]) == Self.hex("842dbab9"))          // crc32(page[4:28]) = b9ba2d84
        #expect(Array(b[32..<35]) == Self.hex("aaaaff"))
        #expect(Array(b[0x40..<0x48]) == Self.hex("000101ff09a95007"))
        #expect(Array(b[0x60..<0x68]) == Self.hex("010101ff3e6322f7")) // u8key header CRC f722633e
        #expect(Array(b[0xa0..<0xa8]) == Self.hex("012102ff5b19e352"))
        #expect(Array(b[0xb8..<0xc0]) == Self.hex("0c00ffffa3ebf7cb")) // crc32("hello world\\0") = cbf7eba3
        #expect(Array(b[0xe0..<0xe8]) == Self.hex("01420200fb2d91d6"))
        #expect(Array(b[0xf8..<0x100]) == Self.hex("1200ffff374f1144"))
        #expect(Array(b[0x120..<0x128]) == Self.hex("014801ff4a39513b"))
        #expect(Array(b[0x138..<0x140]) == Self.hex("1200000001 00ffff"))
        #expect(b[0x1000..<0x3000].allSatisfy { $0 == 0xFF })
        let p = Self.read(b)
        #expect(Self.values(p) == ["storage/u8key:u8=200", "storage/i32key:i32=-5", "storage/strkey:string=\"hello world\"",
                                   "storage/blobkey:blob=000102030405060708090a0b0c0d0e0f1011"])
        #expect(p.diagnostics.isEmpty)
        #expect(p.pages.map(\.state) == [.active, .empty, .empty])
        #expect(p.entries.allSatisfy { $0.fate == .written })
    }

    /// The inline entry type: flash layout in memory, the same CRCs, hashes and keys as the byte-array forms.
    @Test func slotsAreEntriesAsOnFlash() {
        #expect(MemoryLayout<NVS.Slot>.size == 32 && MemoryLayout<NVS.Slot>.stride == 32)
        var page = [UInt8](repeating: 0xFF, count: NVS.pageSize)
        for i in 64..<NVS.pageSize { page[i] = UInt8(truncatingIfNeeded: i &* 31 &+ i >> 8) }
        let slots = page.withUnsafeBytes { p in (0..<NVS.entryCount).map { NVS.PageSlots(base: p.baseAddress! + 64)[$0] } }
        let firstWords = page.withUnsafeBytes { p in (0..<NVS.entryCount).map { NVS.PageSlots(base: p.baseAddress! + 64).firstWord($0) } }
        #expect(firstWords == slots.map { $0.le32(at: 0) })
        for (n, s) in slots.enumerated() {
            let e = Array(page[(64 + n * 32)..<(96 + n * 32)])
            #expect(Array(s) == e && s.bytes == e && s.keyBytes == Array(e[8..<24]))
            #expect(NVS.headerCRC(s) == NVS.headerCRC(e) && NVS.itemHash(s) == NVS.itemHash(ns: e[0], key: Array(e[8..<24]), chunk: e[3]))
            #expect(s.normalizedKey == NVS.normalizedKey(Array(e[8..<24])))
            #expect(s.le32(at: 24) == e.le32(at: 24) && s.le16(at: 4) == e.le16(at: 4))
            #expect(NVS.ItemKey(s) == NVS.ItemKey(ns: e[0], normalized: NVS.normalizedKey(Array(e[8..<24]))))
        }
        #expect(slots.withUnsafeBytes { Array($0) } == Array(page[64...]))
        #expect(NVS.Slot.erased.isErased && !slots[0].isErased && [UInt8](repeating: 0xFF, count: 32).withUnsafeBytes { NVS.Slot($0.baseAddress!) }.isErased)
    }

    /// The PMK the generator stores for a Wi-Fi passphrase: IEEE 802.11i H.4's vector, and RFC 6070's for
    /// the PBKDF2-HMAC-SHA1 underneath (its first 20 bytes).
    @Test func wifiPMKVectors() {
        #expect(WiFiPMK.derive(password: Array("password".utf8), ssid: Array("IEEE".utf8))
                == Self.hex("f42c6fc52df0ebef9ebb4b90b38a5f902e83fe1b135a70e23aed762e9710a12e"))
        #expect(Array(WiFiPMK.derive(password: Array("password".utf8), ssid: Array("salt".utf8)).prefix(20))
                == Self.hex("4b007901b765489abead49d926f721d065a429c1"))
    }

    @Test func headerCRCVectors() {
        func h(_ seq: UInt32, _ v: UInt8) -> UInt32 {
            var p = [UInt8](repeating: 0xFF, count: 32); p.putLE(seq, at: 4); p[8] = v; return NVS.pageHeaderCRC(p)
        }
        #expect(h(0, 0xFE) == 0xb9ba2d84)
        #expect(h(1, 0xFE) == 0x389f48a3)
        #expect(h(5, 0xFE) == 0x5199d6fc)
        #expect(h(0, 0xFF) == 0xdcdd16c2)
    }

    @Test func multiPageBlobVector() throws {
        let blob = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        let b = try Self.gen("key,type,encoding,value\nblobs,namespace,,\nbig,data,hex2bin,\(Hex.bytes(blob))\n", 0x6000)
        #expect(Array(b[0..<4]) == Self.hex("fcffffff"))               // page 0 FULL
        #expect(b[32..<63].allSatisfy { $0 == 0xaa } && b[63] == 0xfa)
        #expect(Array(b[0x60..<0x64]) == Self.hex("01427d00"))          // chunk 0, span 125
        #expect(Array(b[0x78..<0x7c]) == Self.hex("800fffff"))          // 3968 bytes
        #expect(Array(b[0x1000..<0x1008]) == Self.hex("feffffff01000000"))
        #expect(Array(b[0x101c..<0x1020]) == Self.hex("a3489f38"))
        #expect(Array(b[0x1040..<0x1044]) == Self.hex("01422201"))      // chunk 1, span 34
        #expect(Array(b[0x1058..<0x105c]) == Self.hex("0804ffff"))      // 1032 bytes
        #expect(Array(b[0x1480..<0x1484]) == Self.hex("014801ff"))
        #expect(Array(b[0x1498..<0x14a0]) == Self.hex("8813000002 00ffff"))
        let p = Self.read(b)
        #expect(p.values.count == 1)
        #expect(p.values.first?.value == .blob(blob))
        #expect(p.values.first?.entries.count == 125 + 34 + 1)
    }

    @Test func encryptionVector() throws {
        let keys = NVS.Keys(dataKey: Self.hex("96354dbd1b6628d20a39cc2e30bc6d273a2948ddf462272b7e5d4519d3b5e1b0"),
                            tweakKey: Self.hex("58c031323c78a47ff648996c4ebd577c2cf7483ba271900af853123499b2f517"))
        #expect(Array(keys.image()[64..<68]) == Self.hex("69145df8"))
        #expect(NVS.Keys.parse(keys.image()) == .success(keys))
        let plain0 = Self.ns("secure", 1)
        #expect(keys.crypt(plain0, relative: 0x40, encrypt: true) == Self.hex("9d5819920aa5fd43cf1b0d66672d9ade78e17284a1cb3662bfa42ecefe3e3753"))
        let enc = try Self.gen("key,type,encoding,value\nsecure,namespace,,\ntoken,data,string,s3cr3t-t0ken\ncounter,data,u32,42\n", 0x4000, keys: keys)
        #expect(Array(enc[0x40..<0x60]) == Self.hex("9d5819920aa5fd43cf1b0d66672d9ade78e17284a1cb3662bfa42ecefe3e3753"))
        #expect(Array(enc[0x60..<0x80]) == Self.hex("2ca6a6bab3d0a905f66acb9a31f3a0f686162bed5458ea97c088422508adb974"))
        let locked = Self.read(enc)
        #expect(locked.encrypted && !locked.decrypted && locked.values.isEmpty)
        #expect(locked.diagnostics.contains { $0.code == .nvsEncrypted })
        let open = Self.read(enc, keys: keys)
        #expect(open.decrypted)
        #expect(Self.values(open) == ["secure/token:string=\"s3cr3t-t0ken\"", "secure/counter:u32=42"])
        var wrong = keys.image(); wrong[0] ^= 1; wrong.putLE(Checksums.crc32(Array(wrong[0..<64]), seed: 0xFFFF_FFFF), at: 64)
        let bad = Self.read(enc, keys: try NVS.Keys.parse(wrong).get())
        #expect(!bad.decrypted && bad.diagnostics.contains { $0.code == .nvsWrongKey })
    }

    @Test func version1Page() throws {
        let b = try Self.gen("key,type,encoding,value\nlegacy,namespace,,\ncount,data,u16,513\nblob,data,hex2bin,\(Hex.bytes((0..<100).map { UInt8($0) }))\n", version: .v1)
        #expect(Array(b[28..<32]) == Self.hex("c216dddc"))
        #expect(Array(b[0x80..<0x84]) == Self.hex("014105ff"))
        #expect(Self.values(Self.read(b)).count == 2)
    }

    @Test func everyTypeAndExtremes() throws {
        let csv = #"""
        key,type,encoding,value
        # comment
        t,namespace,,
        a,data,u8,255
        b,data,i8,-128
        c,data,u16,65535
        d,data,i16,-32768
        e,data,u32,4294967295
        f,data,i32,-2147483648
        g,data,u64,18446744073709551615
        h,data,i64,-9223372036854775808
        fifteen_chars__,data,string,"Küche, ""quoted"""
        empty,data,string,
        z,data,base64,aGVsbG8=
        """#
        let p = Self.read(try Self.gen(csv))
        #expect(Self.values(p) == ["t/a:u8=255", "t/b:i8=-128", "t/c:u16=65535", "t/d:i16=-32768", "t/e:u32=4294967295",
                                   "t/f:i32=-2147483648", "t/g:u64=18446744073709551615", "t/h:i64=-9223372036854775808",
                                   "t/fifteen_chars__:string=\"Küche, \"quoted\"\"", "t/empty:string=\"\"", "t/z:blob=68656c6c6f"])
    }

    @Test func csvErrorsGiveLines() {
        #expect(throws: NVSBuilder.CSVError(line: 3, "Length of key `sixteen_chars___` should be <= 15 characters.")) {
            try Self.gen("key,type,encoding,value\nn,namespace,,\nsixteen_chars___,data,u8,1\n")
        }
        #expect(throws: NVSBuilder.CSVError.self) { try Self.gen("key,type,encoding,value\nn,namespace,,\nx,data,u8,256\n") }
        #expect(throws: NVSBuilder.CSVError.self) { try Self.gen("key,type,encoding,value\nn,namespace,,\nx,data,hex2bin,abc\n") }
        #expect(throws: NVSBuilder.CSVError.self) { try Self.gen("key,type,encoding,value\nn,namespace,,\nx,data,float,1.5\n") }
        // Too much data for the partition.
        let many = (0..<400).map { "k\($0),data,u8,1" }.joined(separator: "\n")
        #expect(throws: NVSBuilder.CSVError.self) { try Self.gen("key,type,encoding,value\nn,namespace,,\n" + many) }
    }

    @Test func csvRoundTrip() throws {
        let big = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 31) }
        let csv = "key,type,encoding,value\nA,namespace,,\nx,data,i16,-7\ns,data,string,\"a,b\"\nB,namespace,,\nbig,file,binary,big.bin\none,data,hex2bin,01\n"
        let first = Self.read(try Self.gen(csv, 0x40000, files: ["big.bin": big]))
        let out = NVSBuilder.csv(first.values) { ns, key in "\(ns).\(key).bin" }
        #expect(out.files.count == 1 && out.files[0].bytes == big)
        let again = Self.read(try Self.gen(out.text, 0x40000, files: [out.files[0].path: big]))
        #expect(Self.values(again) == Self.values(first))
        #expect(first.values.count == 4)
    }

    /// Python's csv module splits and quotes by code point: reading, a quote or comma with a combining mark
    /// after it is still a quote or comma, and a quoted line break is kept once; writing, such a value must be
    /// quoted and its quotes doubled.
    @Test func csvQuotesByCodePoint() throws {
        let tricky = ["a\r\nb", "x,\u{301}y", "q\"\u{301}r", "\"\u{301}", "plain"]
        let csv = "key,type,encoding,value\nn,namespace,,\n" + tricky.enumerated().map { i, t in
            "s\(i),data,string,\"" + t.unicodeScalars.map { $0 == "\"" ? "\"\"" : String($0) }.joined() + "\""
        }.joined(separator: "\n") + "\n"
        let first = Self.read(try Self.gen(csv))
        // What esp-idf-nvs-partition-gen 0.3.0 reads from the same CSV (Python 3.11: open(..., 'rt'), csv.DictReader):
        // universal newlines turn CR LF into LF; a doubled quote is one quote, whatever follows it.
        #expect(first.values.map { $0.value.text } == ["a\nb", "x,\u{301}y", "q\"\u{301}r", "\"\u{301}", "plain"])
        let out = NVSBuilder.csv(first.values) { ns, key in "\(ns).\(key).bin" }
        let again = Self.read(try Self.gen(out.text))
        #expect(Self.values(again) == Self.values(first), "\(out.text)")
    }

    @Test func rulesFromVersions() {
        #expect(NVS.Rules.forIDF("v5.0.7").strictHeaderCheck == false)
        #expect(NVS.Rules.forIDF("v5.0.8").strictHeaderCheck == true)
        #expect(NVS.Rules.forIDF("v5.1.5-dirty").strictHeaderCheck == false)
        #expect(NVS.Rules.forIDF("v5.3.2").strictHeaderCheck == true)
        #expect(NVS.Rules.forIDF("v4.4.8").strictHeaderCheck == false)
        #expect(NVS.Rules.forIDF("v6.0.2").floatTypes == false)
        #expect(NVS.Rules.forIDF("v6.1-dev-123-gabc").floatTypes == true)
        #expect(NVS.Rules.forIDF("garbage") == .latest)
    }

    // MARK: States the generator never writes

    @Test func erasedEntryIsSkipped() {
        let p = Self.page(state: 0xFFFF_FFFE, seq: 0, [Self.ns("n", 1), Self.u8("a", 1), Self.u8("b", 2), Self.u8("c", 3)], states: [2: .erased])
        #expect(Array(p[32..<33]) == [0x8a])
        let r = Self.read(p + Self.empty + Self.empty)
        #expect(Self.values(r) == ["n/a:u8=1", "n/c:u8=3"])
        #expect(r.entries.first { $0.key == "b" }?.fate == .erased)
    }

    @Test func halfWrittenAndAfterFirstEmpty() {
        // Entry 2 holds a complete item but its bitmap slot is EMPTY; entry 4 is WRITTEN after an EMPTY slot 3.
        var p = Self.page(state: 0xFFFF_FFFE, seq: 0, [Self.ns("n", 1), Self.u8("a", 1), Self.u8("half", 2)], states: [2: .empty])
        let late = Self.u8("late", 4)
        p.replaceSubrange((64 + 4 * 32)..<(64 + 5 * 32), with: late)
        p[33] = (p[33] & ~0x03) | 0x02   // entry 4 WRITTEN
        let r = Self.read(p + Self.empty + Self.empty)
        #expect(Self.values(r) == ["n/a:u8=1"])
        #expect(r.entries.first { $0.key == "half" }?.drop == .halfWritten)
        #expect(r.entries.first { $0.key == "late" }?.drop == .afterFirstEmpty)
        #expect(r.diagnostics.contains { $0.code == .nvsHalfWritten && $0.offset == 64 + 2 * 32 })
    }

    @Test func stringWithUnwrittenDataIsDropped() {
        let s = Self.string("s", "hello")
        let p = Self.page(state: 0xFFFF_FFFE, seq: 0, [Self.ns("n", 1), s], states: [2: .empty])
        // The data entry is EMPTY in the bitmap but holds bytes: half-written, and the header's span is incomplete.
        let r = Self.read(p + Self.empty + Self.empty)
        #expect(r.values.isEmpty)
    }

    @Test func duplicateAcrossPagesNewerWins() {
        // Physical order: newer page (seq 7) first, older (seq 3) second.
        let newer = Self.page(state: 0xFFFF_FFFE, seq: 7, [Self.u8("k", 2)])
        let older = Self.page(state: 0xFFFF_FFFC, seq: 3, [Self.ns("n", 1), Self.u8("k", 1)])
        let r = Self.read(newer + older + Self.empty)
        #expect(Self.values(r) == ["n/k:u8=2"])
        #expect(r.entries.first { $0.page == 1 && $0.key == "k" }?.drop == .duplicate)
        // Two copies neither rule removes (not the last item): the lower seq is read.
        let newer2 = Self.page(state: 0xFFFF_FFFE, seq: 7, [Self.u8("k", 2), Self.u8("other", 9)])
        let r2 = Self.read(newer2 + older + Self.empty)
        #expect(Self.values(r2).first == "n/k:u8=1")
        #expect(r2.diagnostics.contains { $0.code == .nvsDuplicateKey })
    }

    @Test func sameKeyTwiceInActivePageLaterWins() {
        let p = Self.page(state: 0xFFFF_FFFE, seq: 0, [Self.ns("n", 1), Self.u8("k", 1), Self.u8("x", 5),
                                                       Self.item(ns: 1, type: 0x02, key: "k", data: [0x34, 0x12])])
        let r = Self.read(p + Self.empty + Self.empty)
        #expect(Self.values(r) == ["n/x:u8=5", "n/k:u16=4660"])
    }

    @Test func freeingPageRecovery() {
        let freeing = Self.page(state: 0xFFFF_FFF8, seq: 1, [Self.ns("n", 1), Self.u8("a", 1), Self.u8("b", 2)])
        let partial = Self.page(state: 0xFFFF_FFFE, seq: 2, [Self.ns("n", 1), Self.u8("a", 1), Self.u8("only", 3)])
        let r = Self.read(freeing + partial + Self.empty)
        #expect(Self.values(r) == ["n/a:u8=1", "n/b:u8=2"])
        #expect(r.entries.first { $0.key == "only" }?.drop == .pageErasedAtStartup)
        #expect(r.diagnostics.contains { $0.code == .nvsFreeingPage })
        // Read from the page start-up writes, whose entries came from the FREEING page's slots 1 and 2.
        #expect(r.values.map(\.entries) == [[0x60], [0x80]] && r.values.map(\.page) == [0, 0] && r.values.map(\.slot) == [1, 2])
    }

    /// A source that hands out its bytes in small pieces (an image with edits inside the partition):
    /// the read copies the partition once and must say exactly what it says when reading in place.
    struct Pieces: ByteSource {
        let bytes: [UInt8]
        let piece: Int
        var count: Int { bytes.count }
        func forEachChunk(in range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
            var at = clip(range).lowerBound
            let end = clip(range).upperBound
            while at < end {
                let n = min(piece, end - at)
                try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[at..<(at + n)])) }
                at += n
            }
        }
    }

    @Test func readInPlaceOrFromPiecesAlike() throws {
        let keys = NVS.Keys(dataKey: [UInt8](repeating: 0x11, count: 32), tweakKey: [UInt8](repeating: 0x22, count: 32))
        let blob = (0..<9000).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) }
        let csv = Self.basicCSV + "\nbig,data,hex2bin,\(Hex.bytes(blob))\n"
        let plain = try Self.gen(csv, 0x6000), enc = try Self.gen(csv, 0x6000, keys: keys)
        func same(_ a: NVS.Partition, _ b: NVS.Partition) {
            #expect(a.values == b.values && a.entries == b.entries && a.pages == b.pages && a.diagnostics == b.diagnostics)
            #expect(a.encrypted == b.encrypted && a.decrypted == b.decrypted && a.namespaces == b.namespaces)
        }
        let prefix = [UInt8](repeating: 0x5A, count: 0x1000)
        for (image, k) in [(plain, nil), (enc, keys), (enc, nil)] as [([UInt8], NVS.Keys?)] {
            for cut in [image.count, image.count - 1, 0x2000, 0x2100, 0] {
                let b = prefix + Array(image.prefix(cut))
                let whole = NVS.read(ByteArray(b), offset: 0x1000, size: 0x6000, keys: k)
                for piece in [1000, 4096, 7] {
                    same(whole, NVS.read(Pieces(bytes: b, piece: piece), offset: 0x1000, size: 0x6000, keys: k))
                }
                if cut == image.count {
                    #expect(whole.values.contains { $0.key == "big" && $0.value == .blob(blob) } == (k != nil || image == plain))
                }
            }
        }
    }

    @Test func blobRewrittenWithOtherChunkStart() {
        let old0 = [UInt8](repeating: 1, count: 40), old1 = [UInt8](repeating: 2, count: 10)
        let new0 = [UInt8](repeating: 3, count: 30), new1 = [UInt8](repeating: 4, count: 20)
        let p = Self.page(state: 0xFFFF_FFFE, seq: 0, [Self.ns("n", 1), Self.chunk("cal", old0, index: 0), Self.chunk("cal", old1, index: 1),
                                                       Self.chunk("cal", new0, index: 0x80), Self.chunk("cal", new1, index: 0x81),
                                                       Self.blobIndex("cal", size: 50, count: 2, start: 0x80)])
        let r = Self.read(p + Self.empty + Self.empty)
        #expect(r.values.map(\.value) == [.blob(new0 + new1)])
        #expect(r.entries.filter { $0.drop == .orphanChunk }.count == 2)
        // The new chunks without their index: the old blob stays.
        let q = Self.page(state: 0xFFFF_FFFE, seq: 0, [Self.ns("n", 1), Self.chunk("cal", old0, index: 0), Self.chunk("cal", old1, index: 1),
                                                       Self.blobIndex("cal", size: 50, count: 2, start: 0),
                                                       Self.chunk("cal", new0, index: 0x80), Self.chunk("cal", new1, index: 0x81)])
        #expect(Self.read(q + Self.empty + Self.empty).values.map(\.value) == [.blob(old0 + old1)])
    }

    @Test func blobWhoseChunksDoNotAddUp() {
        let p = Self.page(state: 0xFFFF_FFFE, seq: 0, [Self.ns("n", 1), Self.chunk("cal", [1, 2, 3], index: 0),
                                                       Self.blobIndex("cal", size: 4, count: 1, start: 0)])
        let r = Self.read(p + Self.empty + Self.empty)
        #expect(r.values.isEmpty)
        #expect(r.diagnostics.contains { $0.code == .nvsBlobMismatch })
    }

    /// A blob index whose chunks each claim 65,535 bytes but span two entries: the sizes add up, so start-up
    /// keeps them (before the strict check); the app's read then walks the first chunk, whose payload is
    /// short, and erases it (`Page::readItem`), as for a bad data CRC. Only what the chunks can hold is
    /// allocated, not the size claimed.
    @Test func blobIndexClaimingMoreThanItsChunksHold() {
        for count in [1, 4] {
            var items = [Self.ns("n", 1)]
            for i in 0..<count {
                var c = Self.chunk("cal", [7, 7, 7], index: UInt8(i))   // span 2: one data entry
                c[24] = 0xFF; c[25] = 0xFF                             // claims 65,535 bytes
                c.putLE(NVS.headerCRC(Array(c[0..<32])), at: 4)
                items.append(c)
            }
            items.append(Self.blobIndex("cal", size: UInt32(count) * 65_535, count: UInt8(count), start: 0))
            let p = Self.page(state: 0xFFFF_FFFE, seq: 0, items)
            let r = Self.read(p + Self.empty + Self.empty, rules: .forIDF("v5.0.0"))
            #expect(r.values.isEmpty)
            let chunks = r.entries.filter { $0.type == .blobData }
            #expect(chunks.count == count && chunks[0].drop == .badDataCRC, "\(count)")
            #expect(chunks.dropFirst().allSatisfy { $0.fate == .written }, "\(count)")   // the read stops at the first
            #expect(r.entries.first { $0.type == .blobIndex }?.fate == .written)
        }
    }

    /// Fuzz find (stop 18): an ACTIVE page whose slot 0 is empty and slot 1 written. Start-up's first used
    /// entry (1) lies past the end of the used entries (0); listing what is live trapped on that range.
    @Test func activePageWrittenOnlyAfterItsFirstEmptySlot() {
        let erased32 = [UInt8](repeating: 0xFF, count: 32)
        let p = Self.page(state: 0xFFFF_FFFE, seq: 0, [erased32, Self.ns("n", 1), Self.u8("a", 1)], states: [0: .empty])
        let r = Self.read(p + Self.empty + Self.empty)
        #expect(r.values.isEmpty)
        #expect(r.entries.count == 2 && r.entries.allSatisfy { $0.fate == .ignored && $0.drop == .afterFirstEmpty })
    }

    @Test func badCRCs() {
        var badHeader = Self.u8("a", 1); badHeader[24] = 9   // value changed, CRC not
        var badData = Self.string("s", "hello"); badData[32] ^= 0xFF
        let p = Self.page(state: 0xFFFF_FFFE, seq: 0, [Self.ns("n", 1), badHeader, badData, Self.u8("ok", 1)])
        let r = Self.read(p + Self.empty + Self.empty)
        #expect(Self.values(r) == ["n/ok:u8=1"])
        #expect(r.diagnostics.contains { $0.code == .nvsBadEntryCRC && $0.offset == 64 + 32 + 4 })
        #expect(r.diagnostics.contains { $0.code == .nvsBadDataCRC })
        var corrupt = Self.page(state: 0xFFFF_FFFC, seq: 0, [Self.ns("n", 1), Self.u8("x", 1)])
        corrupt[28] ^= 1
        let c = Self.read(corrupt + Self.empty + Self.empty)
        #expect(c.pages[0].state == .corrupt && c.values.isEmpty)
        #expect(c.diagnostics.contains { $0.code == .nvsBadHeaderCRC && $0.offset == 28 })
    }

    @Test func strictCheckFollowsVersion() {
        // A u8 with span 2 and a good CRC: dropped since v5.0.8, kept before.
        let odd = Self.item(ns: 1, type: 0x01, span: 2, key: "odd", data: [5])
        // The firmware trusts the span of a good-CRC header: erasing `odd` (strict) also erases `hidden`
        // after it, and keeping it (older rules) skips `hidden` when indexing the page.
        let p = Self.page(state: 0xFFFF_FFFC, seq: 0, [Self.ns("n", 1), odd, Self.u8("hidden", 7), Self.u8("pad", 0)])
        let b = p + Self.empty + Self.empty
        #expect(Self.read(b, rules: .forIDF("v5.0.8")).values.map(\.key) == ["pad"])
        #expect(Self.read(b, rules: .forIDF("v5.0.7")).values.map(\.key) == ["odd", "pad"])
        // float: unknown before v6.1.
        var bits = [UInt8](); bits.appendLE(Float(1.5).bitPattern)
        let f = Self.page(state: 0xFFFF_FFFE, seq: 0, [Self.ns("n", 1), Self.item(ns: 1, type: 0x24, key: "f", data: bits)])
        #expect(Self.values(Self.read(f + Self.empty + Self.empty, rules: .forIDF("v6.1"))) == ["n/f:float=1.5"])
        let old = Self.read(f + Self.empty + Self.empty, rules: .forIDF("v6.0.2"))
        #expect(old.values.isEmpty && old.diagnostics.contains { $0.code == .nvsUnknownType })
    }

    @Test func namespaceProblemsAndInitFailures() {
        let p = Self.page(state: 0xFFFF_FFFE, seq: 0, [Self.ns("n", 1), Self.u8("a", 1), Self.u8("lost", 2, ns: 7)])
        let r = Self.read(p + Self.empty + Self.empty)
        #expect(Self.values(r) == ["n/a:u8=1"])
        #expect(r.diagnostics.contains { $0.code == .nvsNoNamespace })
        // No free page: init fails, nothing is read.
        let full = Self.page(state: 0xFFFF_FFFC, seq: 0, [Self.ns("n", 1)])
        let noFree = Self.read(full + Self.page(state: 0xFFFF_FFFE, seq: 1, [Self.u8("a", 1)]))
        #expect(noFree.initError == "ESP_ERR_NVS_NO_FREE_PAGES" && noFree.values.isEmpty)
        var newer = Self.page(state: 0xFFFF_FFFE, seq: 0, [Self.ns("n", 1)])
        newer[8] = 0xFD; newer.putLE(NVS.pageHeaderCRC(newer), at: 28)
        #expect(Self.read(newer + Self.empty + Self.empty).initError == "ESP_ERR_NVS_NEW_VERSION_FOUND")
    }

    @Test func truncatedAndHostileInputNeverTrap() {
        let b = (try? Self.gen(Self.basicCSV)) ?? []
        for cut in [0, 1, 31, 64, 100, 4095, 4096, 5000] {
            let p = NVS.read(ByteArray(Array(b.prefix(cut))), offset: 0, size: 0x3000)
            #expect(p.pages.count == 3)
        }
        var x = b
        for i in stride(from: 64, to: 0x140, by: 7) { x[i] = UInt8(truncatingIfNeeded: i * 13) }
        _ = Self.read(x)
        _ = NVS.read(ByteArray(b), offset: 0x2000, size: -5)
        _ = NVS.read(ByteArray(b), offset: Int.max - 10, size: 0x2000)
    }
}
