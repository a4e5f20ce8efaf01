/// The ESP-IDF partition table (`esp_partition_info_t` rows, the MD5 row, the end marker).
///
/// Mirrors `esp_partition_table_verify` (bootloader_support/src/flash_partitions.c) for what the
/// bootloader accepts, and gen_esp32part.py's `from_binary`/`to_binary`/`verify` for the encoder
/// and for the warnings a build would have raised.

/// `CONFIG_PARTITION_TABLE_OFFSET` default.
public let defaultPartitionTableOffset = 0x8000
/// `ESP_PARTITION_TABLE_MAX_LEN`: the bytes the bootloader reads.
public let partitionTableMaxLength = 0xC00
/// 32-byte rows in `ESP_PARTITION_TABLE_MAX_LEN`.
public let partitionTableMaxRows = partitionTableMaxLength / 32
/// Row magics (esp_flash_partitions.h).
public let partitionMagic: UInt16 = 0x50AA
public let partitionMD5Magic: UInt16 = 0xEBEB
/// Flag bits.
public let partitionFlagEncrypted: UInt32 = 1 << 0
public let partitionFlagReadonly: UInt32 = 1 << 1
/// Bytes in one `esp_partition_info_t` row.
public let partitionRowSize = 32

extension DiagnosticCode {
    public static let tableFileEnds: DiagnosticCode = "table_file_ends"
    public static let tableExceedsFlash: DiagnosticCode = "table_exceeds_flash"
    public static let tableUnknownFlags: DiagnosticCode = "table_unknown_flags"
    public static let tableSecondMD5: DiagnosticCode = "table_second_md5"
    public static let tableMD5Mismatch: DiagnosticCode = "table_md5_mismatch"
    public static let tableMD5RowPadding: DiagnosticCode = "table_md5_row_padding"
    public static let tableEndRowNotErased: DiagnosticCode = "table_end_row_not_erased"
    public static let tableBadMagic: DiagnosticCode = "table_bad_magic"
    public static let tableNoEndMarker: DiagnosticCode = "table_no_end_marker"
    public static let tableEmpty: DiagnosticCode = "table_empty"
    public static let tableNoMD5: DiagnosticCode = "table_no_md5"
    public static let tableMD5NotLast: DiagnosticCode = "table_md5_not_last"
    // gen_esp32part.py `verify()` and `from_binary()` objections, one code each.
    public static let genMD5Mismatch: DiagnosticCode = "gen_esp32part_md5_mismatch"
    public static let genAppOffsetUnaligned: DiagnosticCode = "gen_esp32part_app_offset_unaligned"
    public static let genOffsetUnaligned: DiagnosticCode = "gen_esp32part_offset_unaligned"
    public static let genAppSizeUnaligned: DiagnosticCode = "gen_esp32part_app_size_unaligned"
    public static let genAlwaysReadWrite: DiagnosticCode = "gen_esp32part_always_read_write"
    public static let genSmallNVSNotReadonly: DiagnosticCode = "gen_esp32part_small_nvs_not_readonly"
    public static let genDuplicateName: DiagnosticCode = "gen_esp32part_duplicate_name"
    public static let genOffsetBelowTable: DiagnosticCode = "gen_esp32part_offset_below_table"
    public static let genOverlap: DiagnosticCode = "gen_esp32part_overlap"
    public static let genMultipleOTAData: DiagnosticCode = "gen_esp32part_multiple_otadata"
    public static let genOTADataSize: DiagnosticCode = "gen_esp32part_otadata_size"
    public static let genMultipleTEEOTAData: DiagnosticCode = "gen_esp32part_multiple_tee_otadata"
    public static let genTEEOTADataSize: DiagnosticCode = "gen_esp32part_tee_otadata_size"
    public static let genTableTooLong: DiagnosticCode = "gen_esp32part_table_too_long"
    public static let genMissingEndMarker: DiagnosticCode = "gen_esp32part_missing_end_marker"
    // Layout notes of ours about OTA rows the bootloader and the app count differently.
    public static let tableDuplicateOTASubtype: DiagnosticCode = "table_duplicate_ota_subtype"
    public static let tableOTASlotsNotContiguous: DiagnosticCode = "table_ota_slots_not_contiguous"
}

/// One objection gen_esp32part would raise (or a layout note of ours), with the row it is about.
public struct TableFinding: Sendable, Equatable, CustomStringConvertible {
    public let code: DiagnosticCode
    /// Absolute offset of the row the finding is about; the table's offset for table-wide findings.
    public let offset: Int?
    /// In gen_esp32part's words where it has them.
    public let message: String
    public init(_ code: DiagnosticCode, _ offset: Int?, _ message: String) {
        self.code = code; self.offset = offset; self.message = message
    }
    public var description: String { message }
}

public struct PartitionEntry: Sendable, Equatable, Hashable {
    public var type: UInt8
    public var subtype: UInt8
    public var offset: UInt32
    public var size: UInt32
    /// The 16 label bytes exactly as stored.
    public var labelBytes: [UInt8]
    public var flags: UInt32

    public init(name: String, type: UInt8, subtype: UInt8, offset: UInt32, size: UInt32, flags: UInt32 = 0) {
        self.type = type; self.subtype = subtype; self.offset = offset; self.size = size; self.flags = flags
        let u = Array(name.utf8.prefix(16))
        labelBytes = u + [UInt8](repeating: 0, count: 16 - u.count)
    }

    init(type: UInt8, subtype: UInt8, offset: UInt32, size: UInt32, labelBytes: [UInt8], flags: UInt32) {
        self.type = type; self.subtype = subtype; self.offset = offset; self.size = size
        self.labelBytes = labelBytes; self.flags = flags
    }

    /// The label as the C side sees it: up to 16 bytes, cut at the first NUL.
    public var name: String { AppImage.cString(labelBytes) }
    public var encrypted: Bool { flags & partitionFlagEncrypted != 0 }
    public var readonly: Bool { flags & partitionFlagReadonly != 0 }
    public var end: UInt64 { UInt64(offset) + UInt64(size) }

    public var isApp: Bool { type == PartitionType.app }
    public var isOTAApp: Bool { isApp && subtype & 0xF0 == PartitionType.otaSubtypeBase }
    /// OTA slot number for app/ota_N (`subtype & 0x0F`).
    public var otaSlot: Int? { isOTAApp ? Int(subtype & 0x0F) : nil }
    /// `SUB_TYPE_ID(subtype)`: the low nibble ESP-IDF uses as a slot number for any app subtype.
    public var subtypeID: Int { Int(subtype & 0x0F) }
    public var isFactory: Bool { isApp && subtype == PartitionType.factorySubtype }
    public var isTest: Bool { isApp && subtype == PartitionType.testSubtype }
    /// app/ota_`slot`.
    public func isOTAApp(slot: Int) -> Bool { isApp && Int(subtype) == Int(PartitionType.otaSubtypeBase) + slot }
    public var isOTAData: Bool { type == PartitionType.data && subtype == PartitionType.otadataSubtype }
    /// data/nvs: a partition `nvs_flash` reads.
    public var isNVS: Bool { type == PartitionType.data && subtype == PartitionType.nvsSubtype }

    public var typeName: String? { PartitionType.typeName(type) }
    public var subtypeName: String? { PartitionType.subtypeName(type: type, subtype: subtype) }

    public func bytes() -> [UInt8] {
        var out = [UInt8]()
        out.appendLE(partitionMagic)
        out += [type, subtype]
        out.appendLE(offset)
        out.appendLE(size)
        out += labelBytes.prefix(16) + [UInt8](repeating: 0, count: Swift.max(0, 16 - labelBytes.count))
        out.appendLE(flags)
        return out
    }
}

/// Type and subtype keywords known to ESP-IDF (esp_partition.h, gen_esp32part.py).
public enum PartitionType {
    public static let app: UInt8 = 0x00
    public static let data: UInt8 = 0x01
    public static let bootloader: UInt8 = 0x02
    public static let partitionTable: UInt8 = 0x03
    /// app subtypes: factory, ota_0 (+ slot), test; data/ota.
    public static let factorySubtype: UInt8 = 0x00
    public static let otaSubtypeBase: UInt8 = 0x10
    public static let testSubtype: UInt8 = 0x20
    public static let otadataSubtype: UInt8 = 0x00
    public static let nvsSubtype: UInt8 = 0x02

    static let typeNames: [(String, UInt8)] = [("app", 0), ("data", 1), ("bootloader", 2), ("partition_table", 3)]
    static let subtypeNames: [UInt8: [(String, UInt8)]] = {
        var app: [(String, UInt8)] = [("factory", 0x00), ("test", 0x20), ("tee_0", 0x30), ("tee_1", 0x31)]
        for n in 0..<16 { app.append(("ota_\(n)", UInt8(0x10 + n))) }
        return [
            0: app,
            1: [("ota", 0x00), ("phy", 0x01), ("nvs", 0x02), ("coredump", 0x03), ("nvs_keys", 0x04),
                ("efuse", 0x05), ("undefined", 0x06), ("esphttpd", 0x80), ("fat", 0x81), ("spiffs", 0x82),
                ("littlefs", 0x83), ("tee_ota", 0x90)],
            2: [("primary", 0x00), ("ota", 0x01), ("recovery", 0x02)],
            3: [("primary", 0x00), ("ota", 0x01)],
        ]
    }()

    public static func typeName(_ t: UInt8) -> String? { typeNames.first { $0.1 == t }?.0 }
    public static func subtypeName(type: UInt8, subtype: UInt8) -> String? {
        subtypeNames[type]?.first { $0.1 == subtype }?.0
    }
    public static func typeValue(_ name: String) -> UInt8? { typeNames.first { $0.0 == name.lowercased() }?.1 }
    public static func subtypeValue(type: UInt8, _ name: String) -> UInt8? {
        subtypeNames[type]?.first { $0.0 == name.lowercased() }?.1
    }
    /// Every subtype keyword of every type (for gen_esp32part's name warnings).
    static var allSubtypeKeywords: Set<String> { Set(subtypeNames.values.flatMap { $0.map(\.0) }) }
}

public struct PartitionTable: Sendable {
    public enum MD5Status: String, Sendable { case ok, mismatch, absent }

    /// Where the table starts in its source.
    public let offset: Int
    /// Partition rows in stored order.
    public let entries: [PartitionEntry]
    /// The raw row index of each entry.
    public let entryRows: [Int]
    public let md5: MD5Status
    public let md5Stored: [UInt8]?
    public let md5Computed: [UInt8]?
    /// Row index of the MD5 row and of the end marker, when found.
    public let md5Row: Int?
    public let endRow: Int?
    /// The MD5 row read as a partition row (bytes 2–11 as type, subtype, offset, size), as
    /// `bootloader_utility_load_partition_table` does when the row lies among the rows it walks.
    public let md5RowAsEntry: PartitionEntry?
    /// Would `esp_partition_table_verify` accept it (against `chipSize` when one was given)?
    public let bootloaderAccepts: Bool
    /// Why not, in the bootloader's words.
    public let bootloaderReason: String?
    /// gen_esp32part's verdict: errors it would raise, as warnings (a foreign dump is not ours to reject).
    public let toolFindings: [TableFinding]
    public let diagnostics: [Diagnostic]

    /// The rows `bootloader_utility_load_partition_table` walks: the first (rows before the end marker −
    /// MD5 rows) raw rows, without re-checking their magic. A row after a mid-table MD5 row is never seen,
    /// and the MD5 row itself is walked as a partition by its bytes 2–11: harmless with gen_esp32part's
    /// 0xFF padding (type 0xFF is skipped), an app or data row when those bytes say so.
    public var bootloaderEntries: [PartitionEntry] {
        guard let end = endRow else { return entries }
        let n = end - (md5Row == nil ? 0 : 1)
        var walked = zip(entries, entryRows).filter { $0.1 < n }
        if let m = md5Row, m < n, let e = md5RowAsEntry, e.type == PartitionType.app || e.type == PartitionType.data {
            walked.append((e, m))
            walked.sort { $0.1 < $1.1 }
        }
        return walked.map { $0.0 }
    }

    /// A row starts with the table magic (quick probe used to locate a table).
    /// `esp_partition_table_verify` also accepts an MD5 row as row 0 (the MD5 of no rows).
    public static func looksLikeTable<S: ByteSource>(_ s: S, at offset: Int) -> Bool {
        let m = s.u16(at: offset)
        return m == partitionMagic || m == partitionMD5Magic
    }

    /// The first row is the end marker: an empty table (accepted by bootloaders before v5.5).
    public static func isEmptyTable<S: ByteSource>(_ s: S, at offset: Int) -> Bool {
        guard let row = s.bytes(at: offset, length: partitionRowSize) else { return false }
        return row.allSatisfy { $0 == 0xFF }
    }

    /// Reads the table at `offset` the way the bootloader does.
    /// - Parameters:
    ///   - chipSize: the flash size the bootloader configured from its header; rows must fit below it.
    ///   - boundsWrap: the bootloader adds offset and size in 32 bits (releases before v6.1), so a row
    ///     whose end passes 4 GiB wraps and is accepted.
    ///   - rejectEmpty: the bootloader refuses a table whose first row is the end marker (v5.5+).
    public static func parse<S: ByteSource>(_ s: S, at offset: Int, chipSize: Int? = nil, boundsWrap: Bool = false,
                                            rejectEmpty: Bool = false) -> PartitionTable {
        var entries: [PartitionEntry] = []
        var entryRows: [Int] = []
        var diags: [Diagnostic] = []
        var md5Row: Int?
        var md5RowAsEntry: PartitionEntry?
        var endRow: Int?
        var md5Stored: [UInt8]?
        var md5Computed: [UInt8]?
        var reject: String?
        var md5Status = MD5Status.absent
        var missingEnd = false
        let maxRows = partitionTableMaxRows

        rows: for i in 0..<maxRows {
            let at = offset + i * partitionRowSize
            guard let row = s.bytes(at: at, length: partitionRowSize) else {
                let have = s.clip(at..<(at + partitionRowSize)).count
                diags.append(.error(at, .tableFileEnds, have == 0
                    ? "file ends after \(i) rows, before the end-of-table marker"
                    : "file ends inside row \(i)"))
                reject = reject ?? "no end-of-table marker in the file"
                missingEnd = true
                break
            }
            let r = ByteArray(row)
            let magic = r.u16(at: 0)!
            switch magic {
            case partitionMagic:
                let e = PartitionEntry(type: row[2], subtype: row[3], offset: r.u32(at: 4)!, size: r.u32(at: 8)!,
                                       labelBytes: Array(row[12..<28]), flags: r.u32(at: 28)!)
                if let chipSize {
                    let end = boundsWrap ? Int(e.offset &+ e.size) : Int(e.offset) + Int(e.size)
                    if Int(e.offset) > chipSize || end > chipSize {
                        diags.append(.error(at, .tableExceedsFlash, "partition \(i) \"\(e.name)\" [\(Hex.short(e.offset)), +\(Hex.short(e.size))) exceeds the flash size \(Hex.short(chipSize)) declared by the bootloader header"))
                        reject = reject ?? "partition \(i) invalid - offset \(Hex.short(e.offset)) size \(Hex.short(e.size)) exceeds flash chip size \(Hex.short(chipSize))"
                    }
                }
                if e.flags & ~(partitionFlagEncrypted | partitionFlagReadonly) != 0 {
                    diags.append(.warning(at + 28, .tableUnknownFlags, "partition \"\(e.name)\" has unknown flag bits \(Hex.short(e.flags))"))
                }
                entries.append(e)
                entryRows.append(i)
            case partitionMD5Magic:
                if md5Row != nil {
                    diags.append(.error(at, .tableSecondMD5, "a second MD5 row: only one MD5 checksum is allowed"))
                    reject = reject ?? "Only one MD5 checksum is allowed"
                    break rows
                }
                md5Row = i
                md5RowAsEntry = PartitionEntry(type: row[2], subtype: row[3], offset: r.u32(at: 4)!, size: r.u32(at: 8)!,
                                               labelBytes: Array(row[12..<28]), flags: r.u32(at: 28)!)
                md5Stored = Array(row[16..<32])
                md5Computed = Checksums.md5(s, offset..<at)
                if md5Stored == md5Computed {
                    md5Status = .ok
                } else {
                    md5Status = .mismatch
                    diags.append(.error(at + 16, .tableMD5Mismatch, "table MD5 \(Hex.bytes(md5Stored!)) does not match the rows (\(Hex.bytes(md5Computed!)))"))
                    reject = reject ?? "Incorrect MD5 checksum"
                    break rows
                }
                if !row[2..<16].allSatisfy({ $0 == 0xFF }) {
                    diags.append(.info(at + 2, .tableMD5RowPadding, "MD5 row bytes 2–15 are not 0xFF (not checked by ESP-IDF)"))
                }
            case 0xFFFF where row[2] == 0xFF && row[3] == 0xFF:
                endRow = i
                if !row.allSatisfy({ $0 == 0xFF }) {
                    diags.append(.warning(at, .tableEndRowNotErased, "end-of-table row is not all 0xFF (gen_esp32part would reject it)"))
                }
                break rows
            default:
                diags.append(.error(at, .tableBadMagic, "row \(i): invalid magic \(Hex.short(magic))"))
                reject = reject ?? "partition \(i) invalid magic number \(Hex.short(magic))"
                break rows
            }
            if i == maxRows - 1 {
                diags.append(.error(at, .tableNoEndMarker, "no end-of-table marker within \(maxRows) rows"))
                reject = reject ?? "partition table has no terminating entry"
                missingEnd = true
            }
        }
        if reject == nil && entries.isEmpty {
            if rejectEmpty && md5Row == nil && endRow == 0 {
                diags.append(.error(offset, .tableEmpty, "the table is empty: this bootloader (v5.5+) rejects it"))
                reject = "partition 0 invalid magic number 0xffff"
            } else {
                diags.append(.warning(offset, .tableEmpty, "the table is empty (ESP-IDF v5.5+ bootloaders reject an empty table)"))
            }
        }
        if md5Row == nil && reject == nil {
            diags.append(.warning(offset, .tableNoMD5, "no MD5 row: the bootloader accepts the table, an app built with CONFIG_PARTITION_TABLE_MD5 (the default) does not"))
        }
        var findings = toolFindings(entries, tableOffset: offset, rows: entryRows, endRowClean: !missingEnd)
        if md5Status == .mismatch, let c = md5Computed, let st = md5Stored, let m = md5Row {
            findings.insert(TableFinding(.genMD5Mismatch, offset + partitionRowSize * m,
                                         "MD5 checksums don't match! (computed: 0x\(Hex.bytes(c)), parsed: 0x\(Hex.bytes(st)))"), at: 0)
        }
        for f in findings { diags.append(.warning(f.offset, f.code, "gen_esp32part: \(f.message)")) }
        if let end = endRow, let m = md5Row, m != end - 1, reject == nil {
            let lost = zip(entries, entryRows).filter { $0.1 >= end - 1 }.map { $0.0.name }
            diags.append(.warning(offset + partitionRowSize * m, .tableMD5NotLast, "the MD5 row is not the last row: the bootloader walks the first \(end - 1) rows, so it never sees \(lost.joined(separator: ", "))"))
        }
        return PartitionTable(offset: offset, entries: entries, entryRows: entryRows, md5: md5Status, md5Stored: md5Stored,
                              md5Computed: md5Computed, md5Row: md5Row, endRow: endRow, md5RowAsEntry: md5RowAsEntry,
                              bootloaderAccepts: reject == nil, bootloaderReason: reject,
                              toolFindings: findings, diagnostics: diags)
    }

    /// Everything gen_esp32part would object to, plus layout notes of ours (OTA slots that the bootloader
    /// and the app would count differently), for showing on a foreign table.
    /// - Parameter rows: each entry's raw row index (default: consecutive from 0), for the findings' offsets.
    public static func toolFindings(_ entries: [PartitionEntry], tableOffset: Int, rows: [Int]? = nil,
                                    endRowClean: Bool = true) -> [TableFinding] {
        let rows = rows ?? Array(entries.indices)
        var out = genErrors(entries, tableOffset: tableOffset, rows: rows)
        var otaRows: [UInt8: [Int]] = [:]
        for (i, e) in entries.enumerated() where e.isOTAApp { otaRows[e.subtype, default: []].append(i) }
        if let dup = otaRows.values.filter({ $0.count > 1 }).map({ $0[1] }).min() {
            out.append(TableFinding(.tableDuplicateOTASubtype, tableOffset + partitionRowSize * rows[dup],
                                    "duplicate OTA app subtypes (the bootloader counts every row, the app only the first)"))
        }
        let slots = otaRows.keys.map { Int($0 & 0x0F) }.sorted()
        if !slots.isEmpty && slots != Array(0..<slots.count) {
            out.append(TableFinding(.tableOTASlotsNotContiguous, tableOffset,
                                    "OTA slots are not contiguous from ota_0 (\(slots.map { "ota_\($0)" }.joined(separator: ", "))): bootloader and app disagree on the slot count"))
        }
        if (entries.count + 1) * partitionRowSize >= partitionTableMaxLength {
            out.append(TableFinding(.genTableTooLong, tableOffset, "Binary partition table length (\((entries.count + 1) * partitionRowSize)) longer than max"))
        }
        if !endRowClean { out.append(TableFinding(.genMissingEndMarker, tableOffset, "Partition table is missing an end-of-table marker")) }
        return out
    }

    /// The errors gen_esp32part.py `verify()` raises (current master rules), in its words, each at its row.
    public static func genErrors(_ entries: [PartitionEntry], tableOffset: Int, rows: [Int]? = nil) -> [TableFinding] {
        let rows = rows ?? Array(entries.indices)
        func at(_ i: Int) -> Int { tableOffset + partitionRowSize * (i < rows.count ? rows[i] : i) }
        var out: [TableFinding] = []
        for (i, e) in entries.enumerated() {
            let name = e.name
            let appAlign: UInt32 = 0x10000
            if e.isApp && e.offset % appAlign != 0 {
                out.append(TableFinding(.genAppOffsetUnaligned, at(i), "Partition \(name) invalid: Offset \(Hex.short(e.offset)) is not aligned to \(Hex.short(appAlign))"))
            } else if !e.isApp && e.offset % 0x1000 != 0 {
                out.append(TableFinding(.genOffsetUnaligned, at(i), "Partition \(name) invalid: Offset \(Hex.short(e.offset)) is not aligned to 0x1000"))
            }
            if e.isApp && e.size % 0x1000 != 0 {
                out.append(TableFinding(.genAppSizeUnaligned, at(i), "Partition \(name) invalid: Size \(Hex.short(e.size)) is not aligned to 0x1000"))
            }
            if e.type == PartitionType.data && (e.subtype == 0x00 || e.subtype == 0x03) && e.readonly {
                out.append(TableFinding(.genAlwaysReadWrite, at(i), "'\(name)' partition of type \(e.type) and subtype \(e.subtype) is always read-write and cannot be read-only"))
            }
            if e.isNVS && e.size < 0x3000 && !e.readonly {
                out.append(TableFinding(.genSmallNVSNotReadonly, at(i), "'\(name)' partition of type \(e.type) and subtype \(e.subtype) of this size (\(Hex.short(e.size))) must be flagged as 'readonly' (the size of read/write NVS has to be at least 0x3000)"))
            }
        }
        var seen: [String: [Int]] = [:]
        for (i, e) in entries.enumerated() { seen[e.name, default: []].append(i) }
        let dups = seen.filter { $0.value.count > 1 }
        if !dups.isEmpty {
            let firstSecond = dups.values.map { $0[1] }.min()!
            out.append(TableFinding(.genDuplicateName, at(firstSecond), "Partition names must be unique (duplicated: \(dups.keys.sorted().joined(separator: ", ")))"))
        }
        let exempt: (PartitionEntry) -> Bool = {
            ($0.type == PartitionType.bootloader && $0.subtype == 0) || ($0.type == PartitionType.partitionTable && $0.subtype == 0)
        }
        let sorted = entries.indices.sorted { entries[$0].offset < entries[$1].offset }
        var last: PartitionEntry?
        for i in sorted where !exempt(entries[i]) {
            let e = entries[i]
            if Int(e.offset) < tableOffset + 0x1000 {
                out.append(TableFinding(.genOffsetBelowTable, at(i), "Partition offset \(Hex.short(e.offset)) is below \(Hex.short(tableOffset + 0x1000))"))
            }
            if let p = last, UInt64(e.offset) < p.end {
                out.append(TableFinding(.genOverlap, at(i), "Partition at \(Hex.short(e.offset)) overlaps \(Hex.short(p.offset))-\(Hex.short(p.end - 1))"))
            }
            last = e
        }
        let otadata = entries.indices.filter { entries[$0].isOTAData }
        if otadata.count > 1 {
            out.append(TableFinding(.genMultipleOTAData, at(otadata[1]), "Found multiple otadata partitions. Only one partition can be defined with type=\"data\"(1) and subtype=\"ota\"(0)."))
        }
        if let o = otadata.first, Int(entries[o].size) != otadataSize {
            out.append(TableFinding(.genOTADataSize, at(o), "otadata partition must have size = 0x2000"))
        }
        let teeOTA = entries.indices.filter { entries[$0].type == PartitionType.data && entries[$0].subtype == 0x90 }
        if teeOTA.count > 1 {
            out.append(TableFinding(.genMultipleTEEOTAData, at(teeOTA[1]), "Found multiple TEE otadata partitions. Only one partition can be defined with type=\"data\"(1) and subtype=\"tee_ota\"(0x90)."))
        }
        if let t = teeOTA.first, Int(entries[t].size) != otadataSize {
            out.append(TableFinding(.genTEEOTADataSize, at(t), "TEE otadata partition must have size = 0x2000"))
        }
        return out
    }

    /// Encodes `entries` exactly as gen_esp32part `to_binary`: rows, optional MD5 row, 0xFF to 0xC00 bytes.
    public static func encode(_ entries: [PartitionEntry], md5: Bool = true) -> [UInt8] {
        var out = entries.flatMap { $0.bytes() }
        if md5 {
            let digest = Checksums.md5(out)
            out.appendLE(partitionMD5Magic)
            out += [UInt8](repeating: 0xFF, count: 14) + digest
        }
        out += [UInt8](repeating: 0xFF, count: Swift.max(0, partitionTableMaxLength - out.count))
        return out
    }
}

/// The table as the app's `esp_partition` component reads it (`load_partitions`, partition.c): rows in order
/// until the first row whose magic is not the partition magic (the MD5 row, the end marker, anything else);
/// with `CONFIG_PARTITION_TABLE_MD5` (the default) the MD5 row must be there and match, else the app has
/// no partitions at all. Lookups return the first matching row (`esp_partition_find_first`), where the
/// bootloader keeps the last.
public struct AppTableView: Sendable, Equatable {
    public enum LoadError: String, Sendable, Equatable {
        /// "No MD5 found in partition table": ESP_ERR_NOT_FOUND.
        case noMD5Row = "no_md5_row"
        /// "Partition table MD5 mismatch": ESP_ERR_INVALID_STATE.
        case md5Mismatch = "md5_mismatch"
    }

    /// The rows the walk reads, in table order.
    public let rows: [PartitionEntry]
    /// Why the app discards them all (MD5 required).
    public let loadError: LoadError?
    /// CONFIG_PARTITION_TABLE_MD5.
    public let md5Required: Bool

    public init(_ table: PartitionTable, md5Required: Bool = true) {
        self.md5Required = md5Required
        let stop = table.md5Row ?? Int.max
        rows = zip(table.entries, table.entryRows).filter { $0.1 < stop }.map(\.0)
        if md5Required {
            loadError = table.md5 == .mismatch ? .md5Mismatch : table.md5Row == nil ? .noMD5Row : nil
        } else {
            loadError = nil
        }
    }

    /// The partitions the app can find (none after a load error).
    public var partitions: [PartitionEntry] { loadError == nil ? rows : [] }
    public func partition(named name: String) -> PartitionEntry? { partitions.first { $0.name == name } }
    /// `read_otadata`: the first data/ota row.
    public var otadata: PartitionEntry? { partitions.first(where: \.isOTAData) }
    public var factory: PartitionEntry? { partitions.first(where: \.isFactory) }
    public var slots: AppOTASlots { AppOTASlots(partitions) }
}
