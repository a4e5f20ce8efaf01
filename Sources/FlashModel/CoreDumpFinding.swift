import FlashFormats

/// The core dump in an image (the first data/coredump partition, as ESP-IDF uses), or in a bare dump
/// file, and which app in the image wrote it.
public struct CoreDumpFinding: Sendable {
    /// The partition's name; nil for a bare dump file.
    public let partition: String?
    public let dump: CoreDump
    /// App partitions whose `app_elf_sha256` starts with the dump's stored prefix.
    public let matchingApps: [String]
    /// The app that crashed when exactly one app matches (a 9-digit prefix is strong evidence, not proof).
    public var crashedApp: String? { matchingApps.count == 1 ? matchingApps[0] : nil }
    public var offset: Int { dump.offset }

    /// Partition data/coredump (type 1, subtype 3).
    public static let coredumpSubtype: UInt8 = 0x03

    public init(partition: String?, dump: CoreDump, matchingApps: [String]) {
        self.partition = partition; self.dump = dump; self.matchingApps = matchingApps
    }

    /// A bare dump file: the whole source is the dump.
    public static func bare(_ s: some ByteSource) -> CoreDumpFinding {
        CoreDumpFinding(partition: nil, dump: CoreDump.parse(s, at: 0, limit: s.count), matchingApps: [])
    }

    /// The first coredump partition of `layout` that is at least partly in the file.
    static func find(in layout: FlashLayout, source s: some ByteSource) -> CoreDumpFinding? {
        guard let p = layout.partitions.first(where: { $0.entry.type == PartitionType.data && $0.entry.subtype == coredumpSubtype }),
              p.presence != .absent else { return nil }
        let dump = CoreDump.parse(s, at: Int(p.entry.offset), limit: Int(p.entry.size))
        var matches: [String] = []
        if let prefix = dump.appELFSHA256, !prefix.isEmpty {
            for a in layout.apps {
                guard let d = a.image?.appDescriptor else { continue }
                if Hex.bytes(d.elfSHA256).hasPrefix(prefix) { matches.append(a.partition.name) }
            }
        }
        return CoreDumpFinding(partition: p.name, dump: dump, matchingApps: matches)
    }

    /// One sentence for the top of a report: "ota_1 crashed: LoadProhibited at 0x400d3a1c in task main, 9 frames".
    public var sentence: String {
        let d = dump
        switch d.state {
        case .empty: return "no core dump (partition erased)"
        case .cleared: return "no core dump (cleared by esp_core_dump_image_erase)"
        case .corrupt: return "core dump unreadable (\(d.diagnostics.first { $0.severity == .error }?.message ?? "corrupt"))"
        case .written: break
        }
        let who = crashedApp ?? (matchingApps.count > 1 ? matchingApps.joined(separator: " or ") : (partition == nil ? "the app" : "an app not in this image"))
        var what = "crashed"
        if let e = d.exception {
            what += ": " + (XtensaException.panicName(e.cause) ?? "cause \(e.cause)")
        } else if let trap = d.riscvTrap, let n = trap.name {
            what += ": " + n
        }
        if let t = d.crashedTask {
            what += " at \(Hex.short(t.pc)) in task \(t.name ?? Hex.short(t.tcb))"
        }
        what += ", \(d.backtrace.count) frame\(d.backtrace.count == 1 ? "" : "s")"
        if d.checksumOK == false { what += " (checksum wrong)" }
        return "\(who) \(what)"
    }
}
