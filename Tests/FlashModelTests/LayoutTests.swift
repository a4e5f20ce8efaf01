import Testing
import FlashFormats
@testable import FlashModel

@Test(arguments: [
    ("fresh-two-ota.bin", false, "factory", "factory"),
    ("ota1-active.bin", false, "ota_1", "ota_1"),
    ("rollback-pending.bin", false, "ota_1", "ota_1"),
    ("rollback-pending.bin", true, "ota_0", "ota_0"),
    ("otadata-crc-corrupt.bin", false, "ota_1", "ota_1"),
])
func samplesBootAsDescribed(name: String, rollback: Bool, selected: String, loaded: String) throws {
    let l = try analyze(FlashDocument(bytes: sample(name)), rollback: rollback)
    #expect(l.kind == .flashImage && l.chip == .esp32 && l.bootloader?.offset == 0x1000)
    #expect(l.table?.md5 == .ok && l.table?.bootloaderAccepts == true)
    #expect(l.boot?.selected == selected && l.boot?.loaded == loaded)
    #expect(!l.hasErrors, "\(l.diagnostics)")
}

@Test func committedSamplesAreWhatTheEncodersMake() throws {
    for s in SampleImages.all() {
        let path = packageRoot() + "/Samples/" + s.name
        #expect(readFile(path) == s.bytes, "\(s.name) differs from the encoders' output: run flashscope make-samples Samples --force")
    }
}

@Test func detectsEachKindOfFile() throws {
    let app = sample("app-2.1.0.bin")
    #expect(try FlashLayout.analyze(ByteArray(app)).kind == .appImage)
    let bl = FlashImageBuilder.bootloader(chip: .esp32c3, flashSize: 4 << 20)
    #expect(try FlashLayout.analyze(ByteArray(bl)).kind == .bootloaderImage)
    let table = PartitionTable.encode(FlashImageBuilder.twoOTA().partitions)
    #expect(try FlashLayout.analyze(ByteArray(table)).kind == .partitionTable)
    #expect(try FlashLayout.analyze(ByteArray(encodeOTAData([nil, nil]))).kind == .otadata)
    #expect(throws: AnalysisError.self) { try FlashLayout.analyze(ByteArray([])) }
    #expect(throws: AnalysisError.self) { try FlashLayout.analyze(ByteArray([1, 2, 3])) }
}

@Test func tableFoundAwayFromTheDefaultOffset() throws {
    var b = FlashImageBuilder(chip: .esp32, flashSize: 2 << 20, tableOffset: 0x10000, partitions: [
        PartitionEntry(name: "nvs", type: 1, subtype: 2, offset: 0x11000, size: 0x6000),
        PartitionEntry(name: "factory", type: 0, subtype: 0, offset: 0x20000, size: 0x100000),
    ])
    b.app("factory", sample("app-2.1.0.bin"))
    let l = try FlashLayout.analyze(ByteArray(b.bytes()))
    #expect(l.table?.offset == 0x10000 && l.boot?.loaded == "factory")
    #expect(l.diagnostics.contains { $0.code == .tableNotDefaultOffset })
}

@Test func partialDumpsSayWhatIsMissing() throws {
    let full = sample("ota1-active.bin")
    let cut = Array(full[0..<0x130000])   // inside ota_0 (after its image), before ota_1
    let l = try FlashLayout.analyze(ByteArray(cut))
    #expect(l.partitions.first { $0.name == "ota_0" }?.presence == .partial)
    #expect(l.partitions.first { $0.name == "ota_1" }?.presence == .absent)
    #expect(l.boot?.selected == "ota_1" && l.boot?.loaded == "ota_0")
    #expect(l.app(named: "ota_1")?.verdict.failure == .absent && l.app(named: "ota_1")?.verdict.problem == "absent from the file")
    // ota_0 verifies in the file, but the bootloader tries ota_1 first: whether ota_1 starts is unknown.
    #expect(l.boot?.outcome == .unknown)
    #expect(l.boot?.outcomeSentence == "selects ota_1; ota_1 is not in this dump, so whether it starts is unknown")
    // The whole image: ota_1 verifies.
    #expect(try FlashLayout.analyze(ByteArray(full)).boot?.outcome == .loads)
}

@Test func bootOutcomeIsUnknownOnlyWhenMissingBytesDecide() throws {
    // Cut inside ota_1's image: cut off by the end of the file, so unknown.
    let full = sample("ota1-active.bin")
    let cutInside = try FlashLayout.analyze(ByteArray(Array(full[0..<0x211000])))
    #expect(cutInside.app(named: "ota_1")?.verdict.failure == .cutByFileEnd)
    #expect(cutInside.boot?.outcome == .unknown && cutInside.boot?.loaded == "ota_0")
    // Every app erased in a whole image: nothing loads, and that is known.
    var b = FlashImageBuilder.twoOTA()
    b.otadata(OTAEntry(seq: 2, state: OTAState.undefined), nil)
    let empty = try FlashLayout.analyze(ByteArray(b.bytes()))
    #expect(empty.boot?.selected == "ota_1" && empty.boot?.loaded == nil && empty.boot?.outcome == .nothingLoads)
    // The file ends before otadata: the selection itself is unknown.
    let noOtadata = try FlashLayout.analyze(ByteArray(Array(full[0..<0xD000])))
    #expect(noOtadata.boot?.choice == .otadataNotInFile && noOtadata.boot?.outcome == .unknown)
}

@Test func chipMismatchIsNotBootable() throws {
    var b = FlashImageBuilder.twoOTA()
    b.app("factory", AppImageBuilder.typicalApp(chip: .esp32s3, project: "wrong", version: "1").bytes())
    let l = try FlashLayout.analyze(ByteArray(b.bytes()))
    #expect(l.app(named: "factory")?.verdict.bootable == false)
    #expect(l.boot?.loaded == nil)
}

@Test func jsonContractKeys() throws {
    let l = try analyze(FlashDocument(bytes: sample("ota1-active.bin")))
    let j = Report.json(l, file: "x.bin")
    for k in ["kind", "file", "size", "chip", "bootloader", "partition_table", "partitions", "otadata", "apps", "boot", "diagnostics"] {
        #expect(j[k] != nil, "missing \(k)")
    }
    #expect(j["partition_table"]?["md5"] == .string("ok"))
    #expect(j["otadata"]?["active_sector"] == .int(0))
    guard case .array(let sectors)? = j["otadata"]?["sectors"], case .array(let parts)? = j["partitions"],
          case .array(let apps)? = j["apps"] else { Issue.record("shape"); return }
    for k in ["sector", "seq", "state", "state_name", "crc", "crc_expected", "crc_ok", "valid"] { #expect(sectors[0][k] != nil, "\(k)") }
    for k in ["name", "type", "subtype", "type_name", "subtype_name", "offset", "size", "encrypted", "readonly", "in_dump"] { #expect(parts[0][k] != nil, "\(k)") }
    for k in ["partition", "offset", "present", "chip", "segments", "checksum_valid", "hash_valid", "bootable", "project_name", "version", "idf_ver"] {
        #expect(apps[0][k] != nil, "\(k)")
    }
    #expect(j["boot"]?["selected"] == .string("ota_1"))
    // The serializer round-trips through the parser.
    #expect(JSONParser.parse(j.serialized()) == j)
    let single = Report.json(try FlashLayout.analyze(ByteArray(sample("app-2.1.0.bin"))), file: "a.bin")
    #expect(single["kind"] == .string("app_image") && single["project_name"] == .string("flashscope-demo") && single["checksum_valid"] == .bool(true))
}

/// The fixtures' two-OTA table (`FlashImageBuilder.twoOTA`) is ESP-IDF's partitions_two_ota.csv: it
/// encodes to the gen_esp32part v5.5.5 output of spec §1.9 (its MD5 row, copied from that output).
@Test func twoOTABuilderIsTheGenEsp32partVector() {
    let bin = PartitionTable.encode(FlashImageBuilder.twoOTA().partitions)
    #expect(Array(bin[0xC0..<0xD0]) == [0xEB, 0xEB] + [UInt8](repeating: 0xFF, count: 14))
    #expect(Array(bin[0xD0..<0xE0]) == [0xBF, 0x25, 0x82, 0x2C, 0x0F, 0xA6, 0xD8, 0x64, 0x1B, 0xD9, 0x30, 0x25, 0x1E, 0x06, 0xB4, 0xC4])
}

/// A JSON object with the same key twice is read differently by different parsers (first or last wins), so
/// `info --json` must never print one. Walks the report of every sample, of its bare table, its otadata sectors and
/// its first app, and of a bootloader image.
@Test func infoJSONHasNoDuplicateKeysInAnyObject() throws {
    func duplicates(_ j: JSON, at path: String) -> [String] {
        switch j {
        case .object(let kv):
            var seen = Set<String>(), out: [String] = []
            for (k, v) in kv {
                if !seen.insert(k).inserted { out.append("\(path).\(k)") }
                out += duplicates(v, at: "\(path).\(k)")
            }
            return out
        case .array(let a): return a.enumerated().flatMap { duplicates($1, at: "\(path)[\($0)]") }
        default: return []
        }
    }
    var views: [(String, [UInt8])] = SampleImages.all().map { ($0.name, $0.bytes) }
    let flash = sample("ota1-active.bin")
    views.append(("table", Array(flash[0x8000..<0x9000])))
    views.append(("otadata", Array(flash[0xD000..<0xF000])))
    views.append(("app", Array(flash[0x10000..<0x20000])))
    views.append(("bootloader", FlashImageBuilder.bootloader(chip: .esp32c3, flashSize: 4 << 20)))
    var kinds = Set<String>()
    for (name, bytes) in views {
        let l = try FlashLayout.analyze(ByteArray(bytes))
        kinds.insert(l.kind.rawValue)
        let found = duplicates(Report.json(l, file: name), at: "$")
        #expect(found.isEmpty, "\(name): duplicate keys \(found)")
    }
    #expect(kinds.count == 5, "every kind of file is walked: \(kinds.sorted())")
}
