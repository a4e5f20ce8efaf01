import Testing
import FlashFormats
@testable import FlashModel

/// `flashscope diff`'s engine on images from the project's encoders: one test per kind of change.
@Suite struct DiffTests {
    static func app(_ version: String, seed: UInt8 = 2, code: Int = 0x6000, project: String = "demo") -> [UInt8] {
        AppImageBuilder.typicalApp(chip: .esp32, project: project, version: version, codeSize: code, seed: seed).bytes()
    }

    /// factory + ota_0 1.4.2 + ota_1 1.4.2, otadata selecting ota_0.
    static func base() -> FlashImageBuilder {
        var b = FlashImageBuilder.twoOTA()
        b.app("factory", app("factory-1", seed: 1))
        b.app("ota_0", app("1.4.2", seed: 2))
        b.app("ota_1", app("1.4.2", seed: 2))
        b.otadata(OTAEntry(seq: 1, state: OTAState.valid), nil)
        return b
    }

    static func diff(_ a: [UInt8], _ b: [UInt8]) throws -> FlashDiff {
        let la = try? FlashLayout.analyze(ByteArray(a)), lb = try? FlashLayout.analyze(ByteArray(b))
        return FlashDiff(ByteArray(a), ByteArray(b), layoutA: la, layoutB: lb)
    }

    @Test func identicalImagesHaveNoRegions() throws {
        let a = Self.base().bytes()
        let d = try Self.diff(a, a)
        #expect(d.identical && d.regions.isEmpty && d.bytes.differingBytes == 0 && !d.tableChanged)
        #expect(d.partitions.allSatisfy { !$0.changed } && d.partitions.count == 6)
        #expect(DiffReport.json(d, fileA: "a", fileB: "b")["identical"] == .bool(true))
    }

    @Test func newAppInSlotOfSameSize() throws {
        var after = Self.base()
        after.app("ota_1", Self.app("1.5.0", seed: 9))
        let a = Self.base().bytes(), b = after.bytes()
        let d = try Self.diff(a, b)
        #expect(!d.identical)
        let ota1 = try #require(d.partitions.first { $0.name == "ota_1" })
        #expect(ota1.changed && ota1.changedBytes > 0)
        #expect(d.partitions.filter(\.changed).map(\.name) == ["ota_1"])
        // Every exact range holds differing bytes, every byte outside them is equal.
        var marked = [Bool](repeating: false, count: a.count)
        for r in d.bytes.exact { for i in r { marked[i] = true } }
        #expect((0..<a.count).first { (a[$0] != b[$0]) != marked[$0] } == nil)
        #expect(d.bytes.differingBytes == zip(a, b).filter { $0 != $1 }.count)
        // Regions are whole sectors inside ota_1, covering every differing byte.
        let p = try #require(after.partition("ota_1"))
        for r in d.regions {
            #expect(r.range.lowerBound % 0x1000 == 0 && r.range.upperBound % 0x1000 == 0)
            #expect(r.partition == "ota_1" && r.area == .partition)
            #expect(r.range.lowerBound >= Int(p.offset) && r.range.upperBound <= Int(p.end))
        }
        let x = try #require(d.apps.first { $0.partition == "ota_1" })
        #expect(x.a?.version == "1.4.2" && x.b?.version == "1.5.0" && x.a?.sha256 != x.b?.sha256)
        // The digest covers the image without its appended SHA-256 (what the bootloader checks).
        #expect(x.a?.sha256 == Checksums.sha256(ByteArray(a), Int(p.offset)..<(Int(p.offset) + x.a!.length! - 32)))
        #expect(DiffReport.appLine(x) == "ota_1: 1.4.2 → 1.5.0, same size, SHA-256 \(Hex.bytes(Array(x.a!.sha256!.prefix(4))))… → \(Hex.bytes(Array(x.b!.sha256!.prefix(4))))…, \(x.changedSectors) sectors differ")
        #expect(x.changedSectors == ota1.sectorCount && x.changedSectors == d.regions.reduce(0) { $0 + $1.range.count / 0x1000 })
        #expect(DiffReport.appLine(try #require(d.apps.first { $0.partition == "ota_0" })) == "ota_0: unchanged (1.4.2)")
        // Boot unchanged: ota_0 still selected.
        #expect(d.a?.boot?.loaded == "ota_0" && d.b?.boot?.loaded == "ota_0")
    }

    @Test func otadataSwitchChangesTheBootDecision() throws {
        var after = Self.base()
        after.otadata(OTAEntry(seq: 1, state: OTAState.valid), OTAEntry(seq: 2, state: OTAState.undefined))
        let d = try Self.diff(Self.base().bytes(), after.bytes())
        #expect(d.partitions.filter(\.changed).map(\.name) == ["otadata"])
        #expect(d.regions.map(\.range) == [0xE000..<0xF000])
        #expect(d.a?.boot?.loaded == "ota_0" && d.b?.boot?.loaded == "ota_1")
        #expect(d.b?.otadata?.entries[1]?.seq == 2 && d.a?.otadata?.entries[1]?.isErased == true)
        let j = DiffReport.json(d, fileA: "a", fileB: "b")
        #expect(j["boot"]?["a"]?["loaded"] == .string("ota_0") && j["boot"]?["b"]?["loaded"] == .string("ota_1"))
        #expect(j["boot"]?["b"]?["reason"] == .string(d.b!.boot!.reason))
        let text = DiffReport.text(d, fileA: "a", fileB: "b")
        #expect(text.contains("otadata sector 1: erased → seq 2 · UNDEFINED"))
        #expect(text.contains("before boots ota_0") && text.contains("after  boots ota_1"))
    }

    @Test func tableRowsAddedRemovedMovedResized() throws {
        let before = Self.base()
        var after = Self.base()
        after.partitions = [
            PartitionEntry(name: "nvs", type: 1, subtype: 0x02, offset: 0x9000, size: 0x5000),         // resized
            PartitionEntry(name: "otadata", type: 1, subtype: 0x00, offset: 0xE000, size: 0x2000),     // moved
            PartitionEntry(name: "factory", type: 0, subtype: 0x00, offset: 0x10000, size: 0x100000),
            PartitionEntry(name: "ota_0", type: 0, subtype: 0x10, offset: 0x110000, size: 0x100000),
            PartitionEntry(name: "ota_1", type: 0, subtype: 0x11, offset: 0x210000, size: 0x100000),
            PartitionEntry(name: "storage", type: 1, subtype: 0x82, offset: 0x310000, size: 0x10000),  // added
        ]                                                                                              // phy_init removed
        let d = try Self.diff(before.bytes(), after.bytes())
        #expect(d.tableChanged)
        let kinds = Set(d.tableChanges.map { "\($0.kind.rawValue) \($0.name)" })
        #expect(kinds == ["resized nvs", "moved otadata", "added storage", "removed phy_init"])
        #expect(d.regions.contains { $0.area == .partitionTable && $0.range == 0x8000..<0x9000 })
        #expect(d.partitions.map(\.name) == ["nvs", "otadata", "factory", "ota_0", "ota_1", "storage", "phy_init"])
        let phy = try #require(d.partitions.first { $0.name == "phy_init" })
        #expect(phy.changed && phy.b == nil && phy.a != nil)
        let text = DiffReport.text(d, fileA: "a", fileB: "b")
        #expect(text.contains("storage added at 0x310000, 64K") && text.contains("phy_init removed") && text.contains("nvs resized from 16K to 20K")
                && text.contains("otadata moved from 0xd000 to 0xe000"))
    }

    @Test func sameRowsDifferentTableBytesIsATableChange() throws {
        let a = Self.base().bytes()
        var b = a
        b[0x8000 + 0xC00 - 1] ^= 0xFF    // the padding after the table
        let d = try Self.diff(a, b)
        #expect(d.tableChanged && d.tableChanges.isEmpty && d.regions.map(\.area) == [.partitionTable])
    }

    @Test func bootloaderAndUnpartitionedAreas() throws {
        let a = Self.base().bytes()
        var b = a
        b[0x1000 + 0x100] ^= 1
        b[0x3F_0000] = 0x00            // past the last partition
        let d = try Self.diff(a, b)
        #expect(d.regions.map(\.area) == [.bootloader, .unpartitioned])
        #expect(d.regions.map(\.range) == [0x1000..<0x2000, 0x3F_0000..<0x3F_1000])
        #expect(d.bytes.exact == [0x1100..<0x1101, 0x3F_0000..<0x3F_0001])
        #expect(d.bytes.nextDifference(from: 0) == 0x1100 && d.bytes.nextDifference(from: 0x1100) == 0x3F_0000)
        #expect(d.bytes.nextDifference(from: 0x3F_0000) == nil && d.bytes.nextDifference(from: 0x3F_0000, forward: false) == 0x1100)
        #expect(d.bytes.nextDifference(from: 0x1100, forward: false) == nil)
    }

    @Test func differentSizesAreNeverIdentical() throws {
        let a = Self.base().bytes()
        let b = Array(a.prefix(2 << 20))       // a 2 MiB partial read of the same flash
        let d = try Self.diff(a, b)
        #expect(!d.identical && d.sizeA == 4 << 20 && d.sizeB == 2 << 20)
        #expect(d.bytes.differingBytes == 2 << 20)
        #expect(d.bytes.sectors == [(2 << 20)..<(4 << 20)])
        let ota0 = try #require(d.partitions.first { $0.name == "ota_0" })   // 0x110000–0x210000 straddles 2 MiB
        #expect(ota0.changedBytes == 0x210000 - (2 << 20))
        #expect(d.partitions.first { $0.name == "factory" }?.changed == false)
        // Same bytes where both have them, but one file ends: still "different".
        let e = try Self.diff(Array(a.prefix(0x20000)), Array(a.prefix(0x20001)))
        #expect(!e.identical && e.bytes.differingBytes == 1 && e.bytes.sectors == [0x20000..<0x20001])
        #expect(DiffReport.json(e, fileA: "a", fileB: "b")["identical"] == .bool(false))
    }

    /// The base image with its 16 KiB nvs partition (0x9000) generated from `rows` (after the CSV header).
    static func withNVS(_ rows: String, keys: NVS.Keys? = nil, into b: FlashImageBuilder = base()) throws -> [UInt8] {
        var img = b.bytes()
        let nvs = try NVSBuilder.generate(csv: "key,type,encoding,value\n" + rows, size: 0x4000, keys: keys) { _ in nil }
        img.replaceSubrange(0x9000..<0xD000, with: nvs)
        return img
    }

    @Test func nvsKeysAddedRemovedAndChanged() throws {
        let a = try Self.withNVS("wifi,namespace,,\nssid,data,string,home\npass,data,string,secret\nboot,namespace,,\ncount,data,u8,7\nold,data,u32,1\nmode,data,u8,3\n")
        // ssid: new value; count: same number, wider type; old removed; two keys added; pass and mode untouched.
        let b = try Self.withNVS("wifi,namespace,,\nssid,data,string,office\npass,data,string,secret\nboot,namespace,,\ncount,data,u16,7\nmode,data,u8,3\nnew1,data,i32,-5\ncal,namespace,,\ntable,data,hex2bin,0102\n")
        let d = try Self.diff(a, b)
        #expect(d.nvs.parsed && d.nvs.reason == nil)
        #expect(d.nvs.changed == ["wifi/ssid", "boot/count"])
        #expect(d.nvs.added == ["boot/new1", "cal/table"])
        #expect(d.nvs.removed == ["boot/old"])
        let j = DiffReport.json(d, fileA: "a", fileB: "b")
        #expect(j["nvs"]?["changed"] == .array([.string("wifi/ssid"), .string("boot/count")]))
        #expect(j["nvs"]?["added"] == .array([.string("boot/new1"), .string("cal/table")]))
        #expect(j["nvs"]?["removed"] == .array([.string("boot/old")]) && j["nvs"]?["parsed"] == .bool(true))
        let text = DiffReport.text(d, fileA: "a", fileB: "b")
        #expect(text.contains("nvs: wifi/ssid, boot/count changed, 2 keys added (boot/new1, cal/table), 1 removed (boot/old)"))
        // The partition is still compared as bytes too.
        #expect(d.partitions.first { $0.name == "nvs" }?.changed == true)
    }

    @Test func nvsSameKeysInOtherSlotsAreNotChanged() throws {
        // The same two keys written in the other order: both sit at other offsets (the generator kept the
        // long string on the same page, so this is other slots rather than another page).
        let a = try Self.withNVS("cfg,namespace,,\ns,data,string,hello\nx,data,u8,9\n")
        let b = try Self.withNVS("cfg,namespace,,\nx,data,u8,9\ns,data,string,hello\n")
        let pa = NVS.read(ByteArray(a), offset: 0x9000, size: 0x4000), pb = NVS.read(ByteArray(b), offset: 0x9000, size: 0x4000)
        let sa = try #require(pa.values.first { $0.key == "s" }), sb = try #require(pb.values.first { $0.key == "s" })
        let xa = try #require(pa.values.first { $0.key == "x" }), xb = try #require(pb.values.first { $0.key == "x" })
        #expect(sa.entries != sb.entries && xa.entries != xb.entries)   // really written elsewhere
        let d = try Self.diff(a, b)
        #expect(d.partitions.first { $0.name == "nvs" }?.changed == true)
        #expect(d.nvs == FlashDiff.NVSChanges(parsed: true))
        #expect(DiffReport.text(d, fileA: "a", fileB: "b").contains("nvs: no key added, removed or changed"))
    }

    @Test func nvsMultiPageBlobChanged() throws {
        var blob = (0..<6000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let a = try Self.withNVS("cal,namespace,,\nbig,data,hex2bin,\(Hex.bytes(blob))\nn,data,u8,1\n")
        blob[5000] ^= 0x01   // a byte in the second chunk
        let b = try Self.withNVS("cal,namespace,,\nbig,data,hex2bin,\(Hex.bytes(blob))\nn,data,u8,1\n")
        let pa = NVS.read(ByteArray(a), offset: 0x9000, size: 0x4000)
        let big = try #require(pa.values.first { $0.key == "big" })
        #expect(Set(big.entries.map { ($0 - 0x9000) / NVS.pageSize }).count >= 2)   // spans pages
        let d = try Self.diff(a, b)
        #expect(d.nvs.parsed && d.nvs.changed == ["cal/big"] && d.nvs.added.isEmpty && d.nvs.removed.isEmpty)
        let same = try Self.diff(a, a)
        #expect(same.nvs == FlashDiff.NVSChanges(parsed: true))
    }

    @Test func nvsEncryptedWithoutKeysIsNotComparable() throws {
        let keys = NVS.Keys(dataKey: [UInt8](repeating: 0x11, count: 32), tweakKey: [UInt8](repeating: 0x22, count: 32))
        let a = try Self.withNVS("sec,namespace,,\ntoken,data,string,one\n", keys: keys)
        let b = try Self.withNVS("sec,namespace,,\ntoken,data,string,two\n", keys: keys)
        let d = try Self.diff(a, b)
        #expect(!d.nvs.parsed && d.nvs.added.isEmpty && d.nvs.removed.isEmpty && d.nvs.changed.isEmpty)
        #expect(d.nvs.reason?.contains("encrypted") == true)
        let j = DiffReport.json(d, fileA: "a", fileB: "b")
        #expect(j["nvs"]?["parsed"] == .bool(false) && j["nvs"]?["changed"] == .array([]))
        #expect(DiffReport.text(d, fileA: "a", fileB: "b").contains("nvs: keys not compared (nvs in A is encrypted"))
        #expect(d.partitions.first { $0.name == "nvs" }?.changed == true)   // still compared as bytes
    }

    @Test func nvsPartitionMissingOnOneSide() throws {
        let a = try Self.withNVS("wifi,namespace,,\nssid,data,string,home\n")
        var noNVS = Self.base()
        noNVS.partitions.removeAll { $0.name == "nvs" }
        let b = noNVS.bytes()
        let gone = try Self.diff(a, b)
        #expect(gone.nvs.parsed && gone.nvs.removed == ["wifi/ssid"] && gone.nvs.added.isEmpty)
        let back = try Self.diff(b, a)
        #expect(back.nvs.parsed && back.nvs.added == ["wifi/ssid"] && back.nvs.removed.isEmpty)
        // Neither image has one: nothing to say.
        let none = try Self.diff(b, b)
        #expect(none.nvs == .notParsed && DiffReport.nvsLine(none.nvs) == nil)
    }

    @Test func nvsGarbageIsParsedAsNoKeys() throws {
        let a = Self.base().bytes()
        var b = a
        b.replaceSubrange(0x9000..<0x9020, with: [UInt8](repeating: 0x11, count: 0x20))
        let d = try Self.diff(a, b)
        let nvs = try #require(d.partitions.first { $0.name == "nvs" })
        #expect(nvs.changed && nvs.changedBytes == 0x20 && nvs.ranges == [0x9000..<0x9020])
        #expect(d.nvs == FlashDiff.NVSChanges(parsed: true))
    }

    @Test func emptiedSlotAndChunkedSources() throws {
        let a = Self.base().bytes()
        // The same edit through a document overlay (many chunks) and a plain array must compare alike.
        let doc = FlashDocument(bytes: a)
        try doc.write([UInt8](repeating: 0xFF, count: 0x3000), at: 0x110000, label: "erase")
        try doc.write([0x42], at: 0x7FFF, label: "one byte")
        let flat = doc.bytes(0..<doc.count)
        let viaDoc = FlashDiff(ByteArray(a), doc, layoutA: try FlashLayout.analyze(ByteArray(a)), layoutB: try FlashLayout.analyze(doc))
        let viaArray = try Self.diff(a, flat)
        #expect(viaDoc.bytes == viaArray.bytes)
        #expect(viaDoc.bytes.sectors.first == 0x7000..<0x8000)
        let x = try #require(viaDoc.apps.first { $0.partition == "ota_0" })
        #expect(x.a?.version == "1.4.2" && x.b == nil && x.contentB == "empty")
        #expect(DiffReport.appLine(x).hasPrefix("ota_0: 1.4.2 → empty, "))
        #expect(viaDoc.b?.boot?.loaded != "ota_0")
    }

    @Test func jsonCarriesTheContractKeys() throws {
        var after = Self.base()
        after.app("ota_1", Self.app("1.5.0", seed: 9))
        let d = try Self.diff(Self.base().bytes(), after.bytes())
        let j = DiffReport.json(d, fileA: "A.bin", fileB: "B.bin")
        for k in ["a", "b", "size_a", "size_b", "identical", "table_changed", "regions", "partitions", "boot", "apps", "nvs"] {
            #expect(j[k] != nil, "missing \(k)")
        }
        guard case .array(let regions)? = j["regions"], case .array(let parts)? = j["partitions"], case .array(let apps)? = j["apps"] else {
            Issue.record("not arrays"); return
        }
        for r in regions { for k in ["offset", "length", "partition"] { #expect(r[k] != nil) } }
        for p in parts { for k in ["name", "changed", "changed_bytes", "ranges"] { #expect(p[k] != nil) } }
        let ota1 = try #require(apps.first { $0["partition"] == .string("ota_1") })
        #expect(ota1["b"]?["version"] == .string("1.5.0") && ota1["a"]?["project_name"] == .string("demo"))
        if case .string(let h)? = ota1["b"]?["sha256"] { #expect(h.count == 64) } else { Issue.record("sha256 missing") }
        for side in ["a", "b"] { for k in ["selected", "loaded", "reason"] { #expect(j["boot"]?[side]?[k] != nil) } }
        #expect(JSONParser.parse(j.serialized()) == j)
    }

    @Test func mappedFilesCompareLikeArrays() throws {
        let dir = makeTempDir()
        defer { removeTree(dir) }
        var after = Self.base()
        after.app("ota_1", Self.app("1.5.0", seed: 9))
        let a = Self.base().bytes(), b = after.bytes()
        writeFile(dir + "/a.bin", a); writeFile(dir + "/b.bin", b)
        let fa = try MappedFile(path: dir + "/a.bin"), fb = try MappedFile(path: dir + "/b.bin")
        let small = ByteComparison(fa, fb, block: 0x1000)
        #expect(small == ByteComparison(ByteArray(a), ByteArray(b)))
        #expect(small == ByteComparison(fa, fb))
    }
}

extension DiffTests {
    @Test func nvsEncryptedComparedWithTheGivenKeys() throws {
        let keys = NVS.Keys(dataKey: [UInt8](repeating: 0x11, count: 32), tweakKey: [UInt8](repeating: 0x22, count: 32))
        let a = try Self.withNVS("sec,namespace,,\ntoken,data,string,one\nn,data,u8,1\n", keys: keys)
        let b = try Self.withNVS("sec,namespace,,\ntoken,data,string,two\nn,data,u8,1\nm,data,u8,2\n", keys: keys)
        let la = try FlashLayout.analyze(ByteArray(a)), lb = try FlashLayout.analyze(ByteArray(b))
        let d = FlashDiff(ByteArray(a), ByteArray(b), layoutA: la, layoutB: lb, nvsKeys: keys)
        #expect(d.nvs.parsed && d.nvs.reason == nil)
        #expect(d.nvs.changed == ["sec/token"] && d.nvs.added == ["sec/m"] && d.nvs.removed.isEmpty)
        // Wrong keys: not comparable, as without keys.
        let wrong = NVS.Keys(dataKey: [UInt8](repeating: 0x33, count: 32), tweakKey: [UInt8](repeating: 0x44, count: 32))
        let w = FlashDiff(ByteArray(a), ByteArray(b), layoutA: la, layoutB: lb, nvsKeys: wrong)
        #expect(!w.nvs.parsed && w.nvs.reason?.contains("--nvs-keys") == true)
    }
}

extension DiffTests {
    /// B's NVS as the app leaves it after `nvs_set_str(wifi, ssid, …)` when page 0 is full: the old item's
    /// entries erased on page 0 (now FULL), the new one written on page 1 (ACTIVE, next seq). Both pages
    /// are the NVSBuilder's (page 1 is the first page of a partition generated with the new value, its
    /// namespace entry erased since the namespace is already on page 0).
    static func rewrittenOnPage1(ssid: String) throws -> (a: [UInt8], b: [UInt8]) {
        let a = try Self.withNVS("wifi,namespace,,\nssid,data,string,home\npass,data,string,secret\n")
        var nvs = Array(a[0x9000..<0xD000])
        let rewrite = try NVSBuilder.generate(csv: "key,type,encoding,value\nwifi,namespace,,\nssid,data,string,\(ssid)\n", size: 0x4000) { _ in nil }
        func setState(_ page: inout ArraySlice<UInt8>, _ slot: Int, _ state: NVS.EntryState) {
            let at = page.startIndex + 32 + slot / 4, bit = UInt8(2 * (slot % 4))
            page[at] = (page[at] & ~(3 << bit)) | (state.rawValue << bit)
        }
        // The slots of an item: its header and the data entries of its span (byte 2 of the header).
        func slots(_ page: ArraySlice<UInt8>, key: String, namespace ns: UInt8) -> [Int] {
            for slot in 0..<126 {
                let e = page.startIndex + 64 + 32 * slot
                let name = page[(e + 8)..<(e + 24)].prefix { $0 != 0 }
                if page[e] == ns, Array(name) == Array(key.utf8) { return Array(slot..<(slot + Int(page[e + 2]))) }
            }
            return []
        }
        var page0 = nvs[0..<0x1000]
        let old = slots(page0, key: "ssid", namespace: 1)
        #expect(old.count == 2, "header + one data entry for a short string")
        for s in old { setState(&page0, s, .erased) }
        page0.replaceSubrange(page0.startIndex..<(page0.startIndex + 4), with: [0xFC, 0xFF, 0xFF, 0xFF])   // FULL
        var page1 = rewrite[0..<0x1000]
        let seq0 = UInt32(page0[4]) | UInt32(page0[5]) << 8 | UInt32(page0[6]) << 16 | UInt32(page0[7]) << 24
        let seq1 = seq0 + 1
        page1.replaceSubrange(4..<8, with: [UInt8(seq1 & 0xFF), UInt8(seq1 >> 8 & 0xFF), UInt8(seq1 >> 16 & 0xFF), UInt8(seq1 >> 24)])
        let crc = NVS.pageHeaderCRC(Array(page1))
        page1.replaceSubrange(28..<32, with: [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 24)])
        let ns = slots(page1, key: "wifi", namespace: 0)
        #expect(ns.count == 1)
        for s in ns { setState(&page1, s, .erased) }
        nvs.replaceSubrange(0..<0x1000, with: page0)
        nvs.replaceSubrange(0x1000..<0x2000, with: page1)
        var b = a
        b.replaceSubrange(0x9000..<0xD000, with: nvs)
        return (a, b)
    }

    @Test(arguments: [("office", true), ("home", false)])
    func nvsKeyRewrittenOnAnotherPage(ssid: String, changed: Bool) throws {
        let (a, b) = try Self.rewrittenOnPage1(ssid: ssid)
        // What the app reads from B: the copy on page 1, and every other key as before.
        let lb = try FlashLayout.analyze(ByteArray(b))
        let read = try #require(NVSReading.read(lb, ByteArray(b)).first)
        let resolved = try #require(read.partition.values.first { $0.namespace == "wifi" && $0.key == "ssid" })
        #expect(resolved.page == 1, "the rewritten item is the one the app reads")
        #expect(resolved.value.text == ssid)
        #expect(read.partition.values.filter { $0.key == "ssid" }.count == 1)
        #expect(read.partition.values.contains { $0.key == "pass" && $0.value.text == "secret" })
        let d = try Self.diff(a, b)
        #expect(d.nvs.parsed)
        #expect(d.nvs.changed == (changed ? ["wifi/ssid"] : []), "\(d.nvs)")
        #expect(d.nvs.added.isEmpty && d.nvs.removed.isEmpty)
        #expect(d.partitions.first { $0.name == "nvs" }?.changed == true, "the bytes differ either way")
    }
}
