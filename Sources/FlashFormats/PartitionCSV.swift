/// gen_esp32part.py's CSV partition-table format: reading (`from_csv`, auto-placement, size suffixes,
/// negative sizes), checking (`verify`) and writing (`to_csv`).

public struct PartitionCSVError: Error, Equatable, Sendable, CustomStringConvertible {
    public let line: Int?
    public let message: String
    public var description: String { line.map { "line \($0): \(message)" } ?? message }
}

public enum PartitionCSV {
    /// Parses CSV text into table rows, placing rows without an offset as gen_esp32part does.
    /// - Parameters:
    ///   - tableOffset: `--offset` (where the table itself lives).
    ///   - bootloaderOffset: `--primary-bootloader-offset`, for a `bootloader,primary` row (none by default:
    ///     such a row is then an error, as in gen_esp32part).
    ///   - recoveryBootloaderOffset: `--recovery-bootloader-offset`, for a `bootloader,recovery` row.
    ///   - environment: values for `$VAR` / `${VAR}` expansion.
    public static func parse(_ text: String, tableOffset: Int = defaultPartitionTableOffset,
                             bootloaderOffset: Int? = nil, recoveryBootloaderOffset: Int? = nil,
                             environment: [String: String] = [:]) throws(PartitionCSVError) -> [PartitionEntry] {
        struct Row { var name: String; var type: UInt8; var subtype: UInt8; var offset: Int?; var size: Int?; var flags: UInt32; var line: Int; var fixed: Bool }
        var rows: [Row] = []
        var body = text
        if body.hasPrefix("\u{FEFF}") { body.removeFirst() }
        let lines = body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        for (i, raw) in lines.enumerated() {
            let lineNo = i + 1
            let expanded = try expand(String(raw), environment, line: lineNo)
            let line = expanded.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            var fields = line.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingWhitespace() }
            while fields.count < 6 { fields.append("") }
            let name = fields[0]
            guard !fields[1].isEmpty else { throw PartitionCSVError(line: lineNo, message: "Field 'type' can't be left empty.") }
            guard let type = intField(fields[1], keywords: { PartitionType.typeValue($0) }), let t = UInt8(exactly: type) else {
                throw PartitionCSVError(line: lineNo, message: "Value '\(fields[1])' is not valid. Known keywords: app, data, bootloader, partition_table")
            }
            var subtype: UInt8
            if fields[2].isEmpty {
                if t == PartitionType.app { throw PartitionCSVError(line: lineNo, message: "App partition cannot have an empty subtype") }
                subtype = 0x06
            } else {
                guard let v = intField(fields[2], keywords: { PartitionType.subtypeValue(type: t, $0) }), let s = UInt8(exactly: v) else {
                    throw PartitionCSVError(line: lineNo, message: "Value '\(fields[2])' is not valid for type \(fields[1])")
                }
                subtype = s
            }
            var offset: Int? = nil
            var size: Int? = nil
            // gen_esp32part v5.5+: every bootloader row is sized (table offset − primary bootloader offset) and
            // every partition_table row 0x1000; the primary ones (and recovery) also get their offsets.
            let primaryBootloader = t == PartitionType.bootloader && subtype == 0
            let primaryTable = t == PartitionType.partitionTable && subtype == 0
            let recovery = t == PartitionType.bootloader && subtype == 2
            if t == PartitionType.bootloader {
                guard let b = bootloaderOffset else {
                    throw PartitionCSVError(line: lineNo, message: "Primary bootloader offset is not provided")
                }
                size = tableOffset - b
                if primaryBootloader { offset = b }
                else if recovery {
                    guard let r = recoveryBootloaderOffset else {
                        throw PartitionCSVError(line: lineNo, message: "Recovery bootloader offset is not provided")
                    }
                    offset = r
                } else if !fields[3].isEmpty {
                    guard let v = Hex.parseInt(fields[3]) else { throw PartitionCSVError(line: lineNo, message: "Invalid field value \(fields[3])") }
                    offset = v
                }
            } else if t == PartitionType.partitionTable {
                size = 0x1000
                if primaryTable { offset = tableOffset }
                else if !fields[3].isEmpty {
                    guard let v = Hex.parseInt(fields[3]) else { throw PartitionCSVError(line: lineNo, message: "Invalid field value \(fields[3])") }
                    offset = v
                }
            } else {
                if !fields[3].isEmpty {
                    guard let v = Hex.parseInt(fields[3]) else { throw PartitionCSVError(line: lineNo, message: "Invalid field value \(fields[3])") }
                    offset = v
                }
                guard !fields[4].isEmpty else { throw PartitionCSVError(line: lineNo, message: "Size field can't be empty") }
                guard let v = Hex.parseInt(fields[4]) else { throw PartitionCSVError(line: lineNo, message: "Invalid field value \(fields[4])") }
                size = v
            }
            var flags: UInt32 = 0
            // Tokens are not trimmed (gen_esp32part: "encrypted: readonly" is an unknown flag " readonly").
            for f in fields[5].split(separator: ":", omittingEmptySubsequences: false).map(String.init) {
                switch f {
                case "encrypted": flags |= partitionFlagEncrypted
                case "readonly": flags |= partitionFlagReadonly
                case "": break
                default: throw PartitionCSVError(line: lineNo, message: "CSV flag column contains unknown flag '\(f)'")
                }
            }
            rows.append(Row(name: name, type: t, subtype: subtype, offset: offset, size: size, flags: flags, line: lineNo,
                            fixed: primaryBootloader || primaryTable || recovery))
        }
        // Auto-placement and negative sizes, in file order.
        var lastEnd = tableOffset + 0x1000
        for i in rows.indices where !rows[i].fixed {
            if let o = rows[i].offset, o < lastEnd {
                let first = !rows[..<i].contains { !$0.fixed }
                throw PartitionCSVError(line: rows[i].line, message: first
                    ? "Partitions overlap. Partition sets offset \(Hex.short(o)). But partition table occupies the whole sector \(Hex.short(tableOffset)). Use a free offset \(Hex.short(lastEnd)) or higher."
                    : "Partitions overlap. Partition sets offset \(Hex.short(o)). Previous partition ends \(Hex.short(lastEnd))")
            }
            if rows[i].offset == nil {
                let align = rows[i].type == PartitionType.app ? 0x10000 : 0x1000
                if lastEnd % align != 0 { lastEnd += align - lastEnd % align }
                rows[i].offset = lastEnd
            }
            // Table fields are 32-bit: refuse bigger numbers before doing arithmetic with them
            // (a hostile CSV can carry values near Int.max; found by fuzzing).
            let limit = Int(UInt32.max)
            guard let offset = rows[i].offset, (0...limit).contains(offset),
                  let size = rows[i].size, (-limit...limit).contains(size) else {
                throw PartitionCSVError(line: rows[i].line, message: "offset or size out of range")
            }
            if size < 0 { rows[i].size = -size - offset }
            lastEnd = offset + rows[i].size!
        }
        return try rows.map { r throws(PartitionCSVError) in
            guard let o = UInt32(exactly: r.offset!), let s = UInt32(exactly: r.size!) else {
                throw PartitionCSVError(line: r.line, message: "offset or size out of range")
            }
            return PartitionEntry(name: r.name, type: r.type, subtype: r.subtype, offset: o, size: s, flags: r.flags)
        }
    }

    /// gen_esp32part's `verify()` errors for rows about to be written (the build would stop on any).
    public static func verify(_ entries: [PartitionEntry], tableOffset: Int = defaultPartitionTableOffset,
                              md5: Bool = true, flashSize: Int? = nil) -> [String] {
        var errs = PartitionTable.genErrors(entries, tableOffset: tableOffset).map(\.message)
        if (entries.count + (md5 ? 1 : 0)) * 32 >= partitionTableMaxLength {
            errs.append("Binary partition table length (\((entries.count + (md5 ? 1 : 0)) * 32)) longer than max")
        }
        if let flashSize, let top = entries.map(\.end).max(), top > UInt64(flashSize) {
            errs.append("Partitions occupy \(Hex.short(top)) bytes, which does not fit the configured flash size \(Hex.short(flashSize))")
        }
        return errs
    }

    /// `to_csv`: the two header lines, then one row per entry, no spaces, trailing newline.
    public static func emit(_ entries: [PartitionEntry]) -> String {
        var out = "# ESP-IDF Partition Table\n# Name, Type, SubType, Offset, Size, Flags\n"
        for e in entries {
            let type = e.typeName ?? String(e.type)
            let sub = e.subtypeName ?? String(e.subtype)
            let size: String
            if e.size % 0x100000 == 0 { size = "\(e.size / 0x100000)M" }
            else if e.size % 0x400 == 0 { size = "\(e.size / 0x400)K" }
            else { size = Hex.short(e.size) }
            var flags: [String] = []
            if e.encrypted { flags.append("encrypted") }
            if e.readonly { flags.append("readonly") }
            out += "\(e.name),\(type),\(sub),\(Hex.short(e.offset)),\(size),\(flags.joined(separator: ":"))\n"
        }
        return out
    }

    static func intField(_ text: String, keywords: (String) -> UInt8?) -> Int? {
        if let v = Hex.parseInt(text) { return v }
        return keywords(text).map(Int.init)
    }

    /// `os.path.expandvars` then gen_esp32part's check for an unknown `$VAR` at the start of the line.
    static func expand(_ line: String, _ env: [String: String], line lineNo: Int) throws(PartitionCSVError) -> String {
        guard line.contains("$") else { return line }
        var out = ""
        var chars = Array(line)[...]
        while let c = chars.popFirst() {
            guard c == "$" else { out.append(c); continue }
            var name = ""
            var braced = false
            if chars.first == "{" { braced = true; chars.removeFirst() }
            while let n = chars.first, n == "_" || n.isLetter || n.isNumber, n.isASCII { name.append(n); chars.removeFirst() }
            if braced {
                if chars.first == "}" { chars.removeFirst() } else { out += "${" + name; continue }
            }
            if !name.isEmpty, let v = env[name] { out += v } else { out += braced ? "${\(name)}" : "$\(name)" }
        }
        if out.hasPrefix("$"), let f = out.dropFirst().first, f == "_" || f.isLetter {
            let name = out.dropFirst().prefix { $0 == "_" || $0.isLetter || $0.isNumber }
            throw PartitionCSVError(line: lineNo, message: "unknown variable '\(name)'")
        }
        return out
    }
}
