#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import FlashFormats
import FlashModel

/// `flashscope nvs`: what the app will read from the NVS partitions, as text, JSON or the official CSV;
/// and `--from-csv`, which writes a partition built exactly as esp-idf-nvs-partition-gen would.
struct NVSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nvs", abstract: "Show what the app reads from NVS (as nvs_flash_init resolves it); export or import the official CSV.").leaf

    @OptionGroup var image: ImageOptions
    @Option(help: "Only this NVS partition (by label).") var partition: String?
    @Flag(help: "Print one JSON object (the shape is documented in README.md).") var json = false
    @Flag(help: "Also list every entry on flash with its state (written, erased, ignored) and the pages.") var all = false
    @Option(name: .customLong("nvs-keys"), help: "nvs_keys partition image (eky, tky, CRC) for encrypted NVS.") var nvsKeys: String?
    @Option(name: .customLong("idf-version"), help: "Follow the NVS rules of this ESP-IDF version (default: the version the dump's app or bootloader names).")
    var idfVersion: String?
    @Flag(help: "Print the values as a CSV that esp-idf-nvs-partition-gen generate accepts.") var csv = false
    @Option(name: .customLong("from-csv"), help: "Build the partition from this CSV (byte-identical to the generator) and write it into the image.")
    var fromCSV: String?
    @Option(name: .customLong("nvs-version"), help: "With --from-csv: NVS format version 2 (default, multi-page blobs) or 1 (the generator's --version).")
    var nvsVersion: Int = 2
    @Option(name: .shortAndLong, help: "Output: the CSV file for --csv; the new image for --from-csv.") var output: String?
    @Flag(help: "Replace an existing output file.") var force = false
    @Flag(name: .customLong("dry-run"), help: "With --from-csv: show what would be written, and write nothing.") var dryRun = false

    var request: NVSRequest {
        NVSRequest(image: image.request, partition: partition, json: json, all: all, nvsKeys: nvsKeys, idfVersion: idfVersion,
                   csv: csv, fromCSV: fromCSV, nvsVersion: nvsVersion, output: output, force: force, dryRun: dryRun)
    }
    func validate() throws { try request.validate() }
    func run() throws { try request.run() }
}

/// What `flashscope nvs` was asked, as plain values: filled in by the argument parser (NVSCommand), or by
/// `QuickLine` for the forms scripts run most (`nvs FILE --json`), which skips the parser's reflection.
struct NVSRequest: Equatable {
    var image: ImageRequest
    var partition: String? = nil
    var json = false
    var all = false
    var nvsKeys: String? = nil
    var idfVersion: String? = nil
    var csv = false
    var fromCSV: String? = nil
    var nvsVersion = 2
    var output: String? = nil
    var force = false
    var dryRun = false

    func validate() throws {
        if nvsVersion != 1 && nvsVersion != 2 { throw ValidationError("--nvs-version must be 1 or 2") }
        if csv && fromCSV != nil { throw ValidationError("--csv and --from-csv exclude each other") }
        if fromCSV != nil && output == nil && !dryRun { throw ValidationError("--from-csv needs -o OUT (a new file) or --dry-run") }
        if output != nil && !csv && fromCSV == nil { throw ValidationError("-o goes with --csv or --from-csv") }
    }

    func readKeys() throws -> NVS.Keys? { try Self.readKeys(nvsKeys) }

    /// The keys in an nvs_keys partition image file (`--nvs-keys`; also `diff`'s).
    static func readKeys(_ path: String?) throws -> NVS.Keys? {
        guard let path else { return nil }
        let f: MappedFile
        do { f = try MappedFile(path: path) } catch { throw CLIError(error) }
        switch NVS.Keys.parse(f.bytes(0..<min(f.count, 4096))) {
        case .success(let k): return k
        case .failure(let e): throw CLIError("\(path): \(e)", code: CLIError.Code.notAnImage)
        }
    }

    /// The readings, and the document they come from (a flash image, or one bare partition).
    func load() throws -> (readings: [NVSReading], document: FlashDocument, chip: Chip?, bare: Bool) {
        let keys = try readKeys()
        let rules = idfVersion.map { NVS.Rules.forIDF($0) }
        if let v = idfVersion, NVS.Rules.parseVersion(v) == nil { throw ValidationError("--idf-version '\(v)' is not a version such as v5.1.4") }
        var opened: Opened?
        var openError: CLIError?
        do { opened = try image.open(bootOnly: true) } catch let e as CLIError where e.code == CLIError.Code.notAnImage { openError = e }
        if let o = opened, o.layout.kind == .flashImage {
            let rs = NVSReading.read(o.layout, o.document, only: partition, keys: keys, rules: rules)
            if rs.isEmpty {
                throw CLIError(partition.map { "\(image.file): no NVS partition named '\($0)'" } ?? "\(image.file): the partition table has no NVS partition",
                               code: CLIError.Code.notAnImage)
            }
            return (rs, o.document, o.layout.chip, false)
        }
        // A bare NVS partition file.
        let file: MappedFile
        do { file = try MappedFile(path: image.file) } catch { throw CLIError(error) }
        let doc = FlashDocument(file: file)
        guard NVSReading.looksLikeBarePartition(doc) || (fromCSV != nil && doc.count % NVS.pageSize == 0 && doc.count > 0) else {
            throw openError ?? CLIError("\(image.file): not a flash image with a partition table, nor an NVS partition", code: CLIError.Code.notAnImage)
        }
        let part = NVS.read(doc, offset: 0, size: doc.count, keys: keys, rules: rules ?? .latest)
        return ([NVSReading(name: partition ?? "nvs", entry: nil, partition: part)], doc, nil, true)
    }

    func run() throws {
        let (readings, document, chip, bare) = try load()
        if let csvPath = fromCSV { return try importCSV(csvPath, readings: readings, document: document, chip: chip, bare: bare) }
        if csv { return try exportCSV(readings) }
        if json {
            // Then leave without tearing down megabytes of readings and JSON one object at a time.
            let doc = Report.nvsJSON(readings)
            withExtendedLifetime((doc, readings)) {
                writeStdout(doc)
                terminate(0)
            }
        } else {
            writeStdout(NVSText.render(readings, all: all, colour: useColour()))
        }
    }

    func exportCSV(_ readings: [NVSReading]) throws {
        guard readings.count == 1 else {
            throw ValidationError("the image has \(readings.count) NVS partitions (\(readings.map(\.name).joined(separator: ", "))); choose one with --partition")
        }
        let r = readings[0]
        if r.partition.encrypted && !r.partition.decrypted {
            throw CLIError("\(image.file): NVS partition '\(r.name)' is encrypted; give its keys with --nvs-keys", code: CLIError.Code.refused)
        }
        let base = output ?? "nvs"
        var used = Set<String>()
        let out = NVSBuilder.csv(r.partition.values) { ns, key in
            var name = "\(base).\(ns).\(key)".map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "_" }.reduce("") { $0 + String($1) } + ".bin"
            var n = 2
            while used.contains(name) { name = "\(base).\(ns).\(key).\(n).bin"; n += 1 }
            used.insert(name)
            return name
        }
        if let o = output {
            if !out.files.isEmpty && output == nil { throw ValidationError("blobs over 64 KiB need -o (they are written as files beside it)") }
            do {
                for f in out.files { try AtomicFile.write(f.bytes, to: f.path, overwrite: force) }
                try AtomicFile.write(Array(out.text.utf8), to: o, overwrite: force)
            } catch { throw CLIError(error) }
            writeStderr("wrote \(o)" + (out.files.isEmpty ? "" : " and \(out.files.count) blob file\(out.files.count == 1 ? "" : "s") beside it") + "\n")
        } else {
            if !out.files.isEmpty { throw ValidationError("blobs over 64 KiB need -o (they are written as files beside it)") }
            writeStdout(out.text)
        }
        for s in out.skipped { writeStderr("flashscope: warning: \(s.namespace)/\(s.key) (\(s.type.csvName)) cannot be written to the generator's CSV; left as a comment\n".terminalSafe) }
    }

    func importCSV(_ path: String, readings: [NVSReading], document: FlashDocument, chip: Chip?, bare: Bool) throws {
        guard readings.count == 1 else {
            throw ValidationError("the image has \(readings.count) NVS partitions (\(readings.map(\.name).joined(separator: ", "))); choose one with --partition")
        }
        let r = readings[0]
        let text: String
        do {
            let f = try MappedFile(path: path)
            text = String(decoding: f.bytes(0..<f.count), as: UTF8.self)
        } catch { throw CLIError(error) }
        // --nvs-keys writes an encrypted partition (as `encrypt --inputkey`); plaintext into an encrypted one is refused.
        let keys = try readKeys()
        if keys == nil && r.partition.encrypted {
            throw CLIError("NVS partition '\(r.name)' is encrypted: give --nvs-keys to write an encrypted partition", code: CLIError.Code.refused)
        }
        let bytes: [UInt8]
        do {
            bytes = try NVSBuilder.generate(csv: text, size: r.partition.size, version: nvsVersion == 1 ? .v1 : .v2, keys: keys) { p in
                guard let f = try? MappedFile(path: p) else { return nil }
                return f.bytes(0..<f.count)
            }
        } catch { throw CLIError("\(path): \(error)".terminalSafe, code: CLIError.Code.notAnImage) }
        // A read-only (< 0x3000) partition's output holds only the pages used: the rest is erased.
        let full = bytes + [UInt8](repeating: 0xFF, count: max(0, r.partition.size - bytes.count))
        let label = "nvs --from-csv \(path) into \(r.name)"
        do {
            try document.edit(label) { (tx: inout FlashDocument.Transaction) throws(FlashDocument.EditError) in
                try tx.write(full, at: r.partition.offset)
            }
        } catch { throw CLIError(error.description, code: CLIError.Code.io) }
        let after = NVS.read(document, offset: r.partition.offset, size: r.partition.size, keys: keys, rules: r.partition.rules)
        var lines = ["\(label): \(bytes.count) bytes generated for \(Hex.short(r.partition.size)) at \(Hex.short(r.partition.offset)) · \(after.values.count) keys in \(Set(after.namespaces.map(\.name)).count) namespaces"]
        if dryRun {
            lines.append("dry run: nothing written")
        } else {
            let res: ImageSaver.Result
            do { res = try ImageSaver.save(document, to: output!, force: force, chip: chip) } catch { throw CLIError(error) }
            let ranges = res.changedRanges.map { "\(Hex.short($0.lowerBound))–\(Hex.short($0.upperBound))" }
            lines.append("saved \(res.path) (\(document.count) bytes)")
            lines.append("changed: " + (ranges.isEmpty ? "nothing" : ranges.joined(separator: ", ")))
            if !res.esptoolCommand.isEmpty && !bare { lines.append("to program only these regions: \(res.esptoolCommand)") }
        }
        writeStdout(lines.joined(separator: "\n") + "\n")
    }
}

/// The readable list.
enum NVSText {
    static func render(_ readings: [NVSReading], all: Bool, colour: Bool) -> String {
        var out: [String] = []
        for r in readings {
            let p = r.partition
            var head = "\(r.name) @\(Hex.short(p.offset)) · \(p.size / 1024)K · \(p.pagesUsed) of \(p.pages.count) pages used · rules \(p.rules.label)"
            if p.encrypted { head += p.decrypted ? " · encrypted, decrypted" : " · encrypted (no key: pages only)" }
            out.append(head.terminalSafe)
            if let e = p.initError { out.append("  nvs_flash_init fails: \(e)") }
            if all || (p.encrypted && !p.decrypted) {
                out.append("  page  offset    state    seq   version  crc   written")
                for pg in p.pages where pg.state != .empty {
                    out.append("  \(String(pg.index).padding(5)) \(Hex.short(pg.offset).padding(9)) \(pg.state.rawValue.padding(8)) \((pg.hasSeq ? String(pg.seq) : "–").padding(5)) \(Hex.short(pg.version).padding(8)) \(pg.crcOK ? "✓" : "✗")     \(pg.writtenEntries)")
                }
            }
            if !(p.encrypted && !p.decrypted) {
                let w1 = max(9, p.values.map(\.namespace.count).max() ?? 0)
                let w2 = max(3, p.values.map(\.key.count).max() ?? 0)
                out.append("  " + "namespace".padding(w1) + "  " + "key".padding(w2) + "  type    value")
                for v in p.values {
                    out.append(("  " + v.namespace.padding(w1) + "  " + v.key.padding(w2) + "  " + v.type.csvName.padding(6) + "  " + valueText(v.value)).terminalSafe)
                }
                if p.values.isEmpty { out.append("  (no values)") }
            }
            if all {
                out.append("  every entry on flash:")
                out.append("  page slot  offset    ns  type        span chunk state    key")
                for e in p.entries {
                    let st = e.fate.rawValue + (e.drop.map { " (\($0.rawValue))" } ?? "")
                    out.append(("  \(String(e.page).padding(4)) \(String(e.slot).padding(5)) \(Hex.short(e.offset).padding(9)) \(String(e.nsIndex).padding(3)) \((e.type?.entryName ?? Hex.short(e.typeCode)).padding(11)) \(String(e.span).padding(4)) \((e.chunkIndex == 0xFF ? "–" : String(e.chunkIndex)).padding(5)) \(st.padding(8)) \(e.key)\(e.crcOK ? "" : " ✗crc")").terminalSafe)
                }
            }
            for d in p.diagnostics {
                out.append("  \(d.severity.rawValue): \(d.offset.map { Hex.short($0) + ": " } ?? "")\(d.message)".terminalSafe)
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func valueText(_ v: NVS.Value) -> String {
        switch v {
        case .unsigned(let u): String(u)
        case .signed(let i): String(i)
        case .float(let f): "\(f)"
        case .double(let d): "\(d)"
        case .string: "\"\(v.text ?? "")\""
        case .blob(let b): Hex.bytes(Array(b.prefix(24))) + (b.count > 24 ? "… " : " ") + "(\(b.count) bytes)"
        }
    }
}
