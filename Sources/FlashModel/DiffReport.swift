import FlashFormats

/// `flashscope diff`: the JSON contract (README "diff --json") and the report in words.
public enum DiffReport {
    /// Exact ranges listed per partition at most; `ranges_truncated` says when more differ.
    public static let rangesShown = 1000

    public static func json(_ d: FlashDiff, fileA: String, fileB: String) -> JSON {
        func range(_ r: Range<Int>) -> JSON { .object([("offset", .num(r.lowerBound)), ("length", .num(r.count))]) }
        func row(_ e: PartitionEntry?) -> JSON {
            guard let e else { return .null }
            return .object([("offset", .num(e.offset)), ("size", .num(e.size)), ("type", .num(e.type)),
                            ("subtype", .num(e.subtype)), ("flags", .num(e.flags))])
        }
        func app(_ s: FlashDiff.AppSide?) -> JSON {
            guard let s else { return .null }
            return .object([("version", .opt(s.version)), ("project_name", .opt(s.projectName)),
                            ("sha256", .opt(s.sha256.map(Hex.bytes))), ("image_length", .opt(s.length)), ("bootable", .bool(s.bootable))])
        }
        func boot(_ l: FlashLayout?) -> JSON {
            guard let b = l?.boot else { return .null }
            return .object([("selected", .opt(b.selected)), ("loaded", .opt(b.loaded)), ("reason", .string(b.reason)),
                            ("active_sector", .opt(b.activeSector))])
        }
        func otadata(_ l: FlashLayout?) -> JSON {
            guard let l, let o = l.otadata else { return .null }
            return Report.otadataJSON(o, slots: l.boot == nil ? nil : l.bootSlots)
        }
        return .object([
            ("a", .string(fileA)), ("b", .string(fileB)),
            ("size_a", .num(d.sizeA)), ("size_b", .num(d.sizeB)),
            ("identical", .bool(d.identical)),
            ("differing_bytes", .num(d.bytes.differingBytes)),
            ("table_changed", .bool(d.tableChanged)),
            ("table_changes", .array(d.tableChanges.map { c in
                .object([("kind", .string(c.kind.rawValue)), ("name", .string(c.name)), ("a", row(c.a)), ("b", row(c.b))])
            })),
            ("regions", .array(d.regions.map { r in
                .object([("offset", .num(r.range.lowerBound)), ("length", .num(r.range.count)),
                         ("partition", .opt(r.partition)), ("area", .string(r.area.rawValue))])
            })),
            ("partitions", .array(d.partitions.map { p in
                .object([("name", .string(p.name)), ("changed", .bool(p.changed)), ("changed_bytes", .num(p.changedBytes)),
                         ("changed_sectors", .num(p.sectorCount)),
                         ("ranges", .array(p.ranges.prefix(rangesShown).map(range))),
                         ("ranges_truncated", .bool(p.ranges.count > rangesShown || d.bytes.exactTruncated)),
                         ("sectors", .array(p.sectors.map(range))),
                         ("a", row(p.a)), ("b", row(p.b))])
            })),
            ("boot", .object([("a", boot(d.a)), ("b", boot(d.b))])),
            ("otadata", .object([("a", otadata(d.a)), ("b", otadata(d.b))])),
            ("apps", .array(d.apps.map { x in
                .object([("partition", .string(x.partition)), ("a", app(x.a)), ("b", app(x.b)),
                         ("content_a", .string(x.contentA)), ("content_b", .string(x.contentB)),
                         ("changed_sectors", .num(x.changedSectors))])
            })),
            ("nvs", .object([("parsed", .bool(d.nvs.parsed)), ("added", .array(d.nvs.added.map(JSON.string))),
                             ("removed", .array(d.nvs.removed.map(JSON.string))), ("changed", .array(d.nvs.changed.map(JSON.string))),
                             ("reason", d.nvs.reason.map(JSON.string) ?? .null)])),
        ])
    }

    static func span(_ r: Range<Int>) -> String { "\(Hex.short(r.lowerBound))–\(Hex.short(r.upperBound))" }
    static func sectors(_ n: Int) -> String { n == 1 ? "1 sector" : "\(n) sectors" }
    static func bytesWord(_ n: Int) -> String { n == 1 ? "1 byte" : "\(n) bytes" }

    /// One line per app slot: "ota_1: 1.4.2 → 1.5.0, same size, 37 sectors differ".
    public static func appLine(_ x: FlashDiff.AppChange) -> String {
        func name(_ s: FlashDiff.AppSide?, _ content: String) -> String {
            guard let s else { return content }
            return s.version ?? "image without app description"
        }
        let before = name(x.a, x.contentA), after = name(x.b, x.contentB)
        guard x.changedSectors > 0 || x.a != x.b else { return "\(x.partition): unchanged (\(after))" }
        var parts = ["\(x.partition): \(before) → \(after)"]
        if let la = x.a?.length, let lb = x.b?.length {
            parts.append(la == lb ? "same size" : "\(lb > la ? "larger" : "smaller") (\(la) → \(lb) bytes)")
        }
        if let pa = x.a?.projectName, let pb = x.b?.projectName, pa != pb { parts.append("project \(pa) → \(pb)") }
        if let ha = x.a?.sha256, let hb = x.b?.sha256 {
            if ha == hb { parts.append("same SHA-256") } else { parts.append("SHA-256 \(Hex.bytes(Array(ha.prefix(4))))… → \(Hex.bytes(Array(hb.prefix(4))))…") }
        }
        if let a = x.a, let b = x.b, a.bootable != b.bootable { parts.append(b.bootable ? "now bootable" : "no longer bootable") }
        parts.append("\(sectors(x.changedSectors)) differ")
        return parts.joined(separator: ", ")
    }

    static func entryWords(_ e: OTAEntry?) -> String {
        guard let e else { return "not in the file" }
        if e.isErased { return "erased" }
        return "seq \(e.seq) · \(OTAState.name(e.state)) · crc \(Hex.padded(e.crc, 8)) \(e.crcOK ? "✓" : "✗ (expected \(Hex.padded(e.expectedCRC, 8)))")"
    }

    static func rowWords(_ e: PartitionEntry) -> String {
        "\(Hex.short(e.offset)), \(TextReport.size(Int(e.size)))"
    }

    /// The report in words.
    public static func text(_ d: FlashDiff, fileA: String, fileB: String) -> String {
        var out: [String] = []
        let a = fileA.terminalSafe, b = fileB.terminalSafe
        let sizes = d.sizeA == d.sizeB ? "both \(d.sizeA) bytes" : "\(d.sizeA) bytes vs \(d.sizeB) bytes"
        if d.identical {
            out.append("\(a) and \(b) are identical (\(sizes))")
            return out.joined(separator: "\n") + "\n"
        }
        let sectorCount = d.regions.reduce(0) { $0 + ($1.range.count + 0xFFF) / 0x1000 }
        out.append("\(a) → \(b): \(bytesWord(d.bytes.differingBytes)) differ in \(sectors(sectorCount)) (\(sizes))")
        if d.sizeA != d.sizeB {
            let (longer, n) = d.sizeA > d.sizeB ? (a, d.sizeA - d.sizeB) : (b, d.sizeB - d.sizeA)
            out.append("  only \(longer) has the last \(n) bytes (from \(Hex.short(Swift.min(d.sizeA, d.sizeB))))")
        }

        // Table.
        if !d.tableChanged {
            out.append("partition table: unchanged")
        } else {
            out.append("partition table: changed")
            if let ta = d.a?.table?.offset, let tb = d.b?.table?.offset, ta != tb { out.append("  moved from \(Hex.short(ta)) to \(Hex.short(tb))") }
            if d.a?.table == nil || d.b?.table == nil { out.append("  \(d.a?.table == nil ? a : b) has no partition table") }
            for c in d.tableChanges {
                switch c.kind {
                case .added: out.append("  \(c.name) added at \(rowWords(c.b!))")
                case .removed: out.append("  \(c.name) removed (was at \(rowWords(c.a!)))")
                case .moved: out.append("  \(c.name) moved from \(Hex.short(c.a!.offset)) to \(Hex.short(c.b!.offset))")
                case .resized: out.append("  \(c.name) resized from \(TextReport.size(Int(c.a!.size))) to \(TextReport.size(Int(c.b!.size)))")
                case .retyped: out.append("  \(c.name) type/subtype \(c.a!.type)/\(Hex.short(c.a!.subtype)) → \(c.b!.type)/\(Hex.short(c.b!.subtype))")
                case .flags: out.append("  \(c.name) flags \(Hex.short(c.a!.flags)) → \(Hex.short(c.b!.flags))")
                }
            }
            if d.tableChanges.isEmpty { out.append("  same rows; other bytes of the table sector differ (MD5 row or padding)") }
        }

        // Boot and otadata.
        func bootWords(_ l: FlashLayout?) -> String {
            guard let bd = l?.boot else { return "no boot decision (not a flash image)" }
            return "\(bd.loaded.map { "boots \($0)" } ?? "nothing boots") (\(bd.reason))"
        }
        let ba = d.a?.boot, bb = d.b?.boot
        if ba?.loaded == bb?.loaded && ba?.selected == bb?.selected && ba?.reason == bb?.reason {
            out.append("boot: unchanged, \(bootWords(d.b))")
        } else {
            out.append("boot: before \(bootWords(d.a))")
            out.append("      after  \(bootWords(d.b))")
        }
        let oa = d.a?.otadata, ob = d.b?.otadata
        if oa != nil || ob != nil {
            let n = Swift.max(oa?.entries.count ?? 0, ob?.entries.count ?? 0)
            for k in 0..<n {
                let ea = oa.flatMap { k < $0.entries.count ? $0.entries[k] : nil }
                let eb = ob.flatMap { k < $0.entries.count ? $0.entries[k] : nil }
                out.append(ea == eb ? "otadata sector \(k): unchanged, \(entryWords(eb))"
                                    : "otadata sector \(k): \(entryWords(ea)) → \(entryWords(eb))")
            }
        }

        // Apps.
        for x in d.apps { out.append(appLine(x)) }

        // Partitions.
        out.append("partitions:")
        let width = d.partitions.map(\.name.count).max() ?? 0
        for p in d.partitions {
            let name = p.name.terminalSafe + String(repeating: " ", count: Swift.max(0, width - p.name.count))
            if !p.changed { out.append("  \(name)  unchanged"); continue }
            var words: [String] = []
            if p.a == nil { words.append("only in \(b)") } else if p.b == nil { words.append("only in \(a)") }
            if p.changedBytes > 0 {
                let shown = p.ranges.prefix(3).map(span).joined(separator: ", ")
                words.append("\(bytesWord(p.changedBytes)) in \(sectors(p.sectorCount)) (\(shown)\(p.ranges.count > 3 ? ", …" : ""))")
            } else if p.a != nil && p.b != nil {
                words.append("same bytes, row changed")
            }
            out.append("  \(name)  changed: " + words.joined(separator: "; "))
        }

        // NVS.
        if let line = nvsLine(d.nvs) { out.append(line) }

        // Regions.
        out.append("regions to rewrite (4 KiB sectors):")
        for r in d.regions {
            let whereWords: String = switch r.area {
            case .partition: r.partition?.terminalSafe ?? "?"
            case .bootloader: "bootloader"
            case .partitionTable: "partition table"
            case .unpartitioned: "outside every partition"
            }
            out.append("  \(span(r.range))  \(sectors((r.range.count + 0xFFF) / 0x1000))  \(whereWords)")
        }
        return out.joined(separator: "\n") + "\n"
    }
}

extension DiffReport {
    /// "nvs: wifi/ssid changed, 2 keys added (app/a, app/b), 1 removed (cfg/x)"; nil without NVS.
    static func nvsLine(_ n: FlashDiff.NVSChanges) -> String? {
        guard n.parsed else { return n.reason.map { "nvs: keys not compared (\($0.terminalSafe))" } }
        func names(_ l: [String]) -> String {
            let shown = l.prefix(8).map(\.terminalSafe).joined(separator: ", ")
            return l.count > 8 ? shown + ", … \(l.count - 8) more" : shown
        }
        var parts: [String] = []
        if !n.changed.isEmpty { parts.append(n.changed.count <= 8 ? "\(names(n.changed)) changed" : "\(n.changed.count) keys changed (\(names(n.changed)))") }
        if !n.added.isEmpty { parts.append("\(n.added.count) key\(n.added.count == 1 ? "" : "s") added (\(names(n.added)))") }
        if !n.removed.isEmpty { parts.append("\(n.removed.count) removed (\(names(n.removed)))") }
        return "nvs: " + (parts.isEmpty ? "no key added, removed or changed" : parts.joined(separator: ", "))
    }
}
