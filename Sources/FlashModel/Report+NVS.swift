import FlashFormats

/// The NVS partitions of an analysed image, read as the app's `nvs_flash_init` would.
public struct NVSReading: Sendable {
    public let name: String
    public let entry: PartitionEntry?
    public let partition: NVS.Partition
    public init(name: String, entry: PartitionEntry?, partition: NVS.Partition) { self.name = name; self.entry = entry; self.partition = partition }

    /// Keys from a plaintext nvs_keys partition in the dump, or why there are none usable.
    public static func dumpKeys<S: ByteSource>(_ layout: FlashLayout, _ source: S) -> (NVS.Keys?, Diagnostic?) {
        guard let kp = layout.partitions.first(where: { $0.entry.type == 1 && $0.entry.subtype == 0x04 }) else { return (nil, nil) }
        guard let b = source.bytes(at: Int(kp.entry.offset), length: 68) else { return (nil, nil) }
        switch NVS.Keys.parse(b) {
        case .success(let k): return (k, nil)
        case .failure(let e):
            return (nil, .info(Int(kp.entry.offset), .nvsKeysUnreadable, "nvs_keys partition '\(kp.name)': \(e)"))
        }
    }

    /// The rules of the ESP-IDF the NVS code on the device comes from: the app that boots (nvs_flash is
    /// linked into the app), else the bootloader; `latest` when neither names a version.
    public static func rules(_ layout: FlashLayout) -> NVS.Rules {
        if let loaded = layout.boot?.loaded, let app = layout.apps.first(where: { $0.partition.name == loaded }),
           let v = app.image?.appDescriptor?.idfVersion, NVS.Rules.parseVersion(v) != nil {
            return .forIDF(v)
        }
        if let v = layout.bootloader?.image.bootloaderDescriptor?.idfVersion ?? layout.bootloader?.image.appDescriptor?.idfVersion {
            return .forIDF(v)
        }
        return .latest
    }

    /// Every data/nvs partition (optionally only `name`), read with `keys` or the dump's own.
    public static func read<S: ByteSource>(_ layout: FlashLayout, _ source: S, only name: String? = nil,
                                           keys: NVS.Keys? = nil, rules: NVS.Rules? = nil) -> [NVSReading] {
        let r = rules ?? Self.rules(layout)
        var k = keys
        var keyNote: Diagnostic?
        if k == nil { (k, keyNote) = dumpKeys(layout, source) }
        return layout.partitions.filter { $0.entry.isNVS && (name == nil || $0.name == name) }.map { p in
            var part = NVS.read(source, offset: Int(p.entry.offset), size: Int(p.entry.size), keys: k, rules: r,
                                readOnly: p.entry.flags & 2 != 0)
            if part.encrypted && !part.decrypted, let n = keyNote { part.diagnostics.append(n) }
            return NVSReading(name: p.name, entry: p.entry, partition: part)
        }
    }

    /// A file that is one NVS partition by itself: its first page has a valid NVS header.
    public static func looksLikeBarePartition<S: ByteSource>(_ s: S) -> Bool {
        guard s.count >= NVS.pageSize, s.count % NVS.pageSize == 0 else { return false }
        for i in 0..<min(s.count / NVS.pageSize, 4) {
            guard let h = s.bytes(at: i * NVS.pageSize, length: 32), let w = s.u32(at: i * NVS.pageSize) else { return false }
            if [0xFFFF_FFFE, 0xFFFF_FFFC, 0xFFFF_FFF8].contains(w), NVS.pageHeaderCRC(h) == (s.u32(at: i * NVS.pageSize + 28) ?? 0), h[8] >= 0xFE { return true }
        }
        return false
    }
}

extension DiagnosticCode {
    public static let nvsKeysUnreadable: DiagnosticCode = "nvs_keys_unreadable"
}

extension Report {
    /// `info --json`'s `nvs`: one summary per NVS partition.
    public static func nvsSummary(_ l: FlashLayout, _ source: some ByteSource) -> JSON {
        .array(NVSReading.read(l, source).map { r in
            .object([
                ("name", .string(r.name)),
                ("keys", .num(r.partition.values.count)),
                ("namespaces", .num(Set(r.partition.namespaces.map(\.name)).count)),
                ("pages_used", .num(r.partition.pagesUsed)),
                ("errors", .num(r.partition.diagnostics.filter { $0.severity == .error }.count)),
            ])
        })
    }

    /// `nvs --json`: the public contract of the `nvs` command (README).
    public static func nvsJSON(_ readings: [NVSReading]) -> JSON {
        .object([("partitions", .array(readings.map(nvsPartitionJSON)))])
    }

    public static func nvsValueJSON(_ v: NVS.Value) -> JSON {
        switch v {
        case .unsigned(let u): .number(String(u))
        case .signed(let i): .number(String(i))
        case .float(let f): f.isFinite ? .number("\(f)") : .string("\(f)")
        case .double(let d): d.isFinite ? .number("\(d)") : .string("\(d)")
        case .string: .string(v.text ?? "")
        case .blob(let b): .hex(b)
        }
    }

    static func nvsPartitionJSON(_ r: NVSReading) -> JSON {
        let p = r.partition
        return .object([
            ("name", .string(r.name)),
            ("offset", .num(p.offset)),
            ("size", .num(p.size)),
            ("encrypted", .bool(p.encrypted)),
            ("decrypted", .bool(p.decrypted)),
            ("rules", .string(p.rules.label)),
            ("init_error", .opt(p.initError)),
            ("pages", .elements(p.pages) { pg in
                .object([("index", .num(pg.index)), ("offset", .num(pg.offset)), ("state", .string(pg.state.rawValue)),
                         ("seq", pg.hasSeq ? .num(pg.seq) : .null), ("version", .num(pg.version)), ("crc_ok", .bool(pg.crcOK))])
            }),
            ("values", .elements(p.values) { v in
                .object([("namespace", .string(v.namespace)), ("key", .string(v.key)), ("type", .string(v.type.csvName)),
                         ("value", nvsValueJSON(v.value))])
            }),
            ("entries", .elements(p.entries) { e in
                .object([("namespace", e.nsIndex == 0 ? .null : .opt(e.namespace)), ("ns_index", .num(e.nsIndex)), ("key", .string(e.key)),
                         ("type", .string(e.type?.entryName ?? Hex.short(e.typeCode))), ("page", .num(e.page)), ("slot", .num(e.slot)),
                         ("offset", .num(e.offset)), ("span", .num(e.span)), ("chunk_index", .num(e.chunkIndex)),
                         ("state", .string(e.fate.rawValue)), ("reason", .opt(e.drop?.rawValue)), ("crc_ok", .bool(e.crcOK))])
            }),
            ("diagnostics", .array(p.diagnostics.map(diagnosticJSON))),
        ])
    }
}
