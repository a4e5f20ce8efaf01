import ArgumentParser
import FlashFormats
import FlashModel

/// `flashscope coredump FILE [--json] [--elf APP.elf]`: why it crashed, from the dump alone.
struct CoreDumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coredump",
        abstract: "Read the core dump partition (or a raw core dump file): crashed task, exception, backtrace, tasks.").leaf

    @OptionGroup var image: ImageOptions
    @Flag(help: "Print one JSON object (the shape is documented in README.md).") var json = false
    @Option(help: "The app ELF: names backtrace addresses and checks the ELF SHA-256 the dump names.") var elf: String?

    func run() throws {
        let finding = try load()
        var elfInfo: Report.CoreDumpELF?
        if let path = elf {
            let f: MappedFile
            do { f = try MappedFile(path: path) } catch { throw CLIError(error) }
            let symbols = ELFSymbols.parse(f)
            if symbols.machine == 0 {
                throw CLIError("\(path): not a 32-bit little-endian ELF file", code: CLIError.Code.notAnImage)
            }
            elfInfo = Report.CoreDumpELF(path: path, sha256: Checksums.sha256(f, 0..<f.count), symbols: symbols)
        }
        if json {
            writeStdout(Report.coreDumpJSON(finding, elf: elfInfo))
        } else {
            writeStdout(CoreDumpText.render(finding, elf: elfInfo))
        }
    }

    /// The coredump partition of a flash image, or the whole file as a raw dump.
    func load() throws -> CoreDumpFinding {
        let opened: Opened
        do {
            opened = try image.open()
        } catch let e as CLIError where e.code == CLIError.Code.notAnImage {
            return try bare(e)
        }
        if let f = opened.layout.coreDump { return f }
        if opened.layout.kind == .flashImage && opened.layout.table != nil {
            throw CLIError("\(image.file): the partition table has no coredump partition (data, subtype coredump)", code: CLIError.Code.notAnImage)
        }
        // No table: a coredump partition read on its own, or a raw dump.
        let finding = CoreDumpFinding.bare(opened.document)
        if Self.notADump(finding) {
            let what = opened.layout.kind == .flashImage ? "has no partition table and is not a core dump"
                : "is \(String(opened.layout.kind.rawValue.map { $0 == "_" ? " " : $0 })) file, not a core dump or flash image"
            throw CLIError("\(image.file): \(what) (\(finding.dump.diagnostics.first?.message ?? "no header"))", code: CLIError.Code.notAnImage)
        }
        return finding
    }

    /// Neither erased, cleared, nor a known header or ELF: not a core dump at all.
    static func notADump(_ f: CoreDumpFinding) -> Bool { f.dump.state == .corrupt && f.dump.header == nil && f.dump.format == nil }

    func bare(_ original: CLIError) throws -> CoreDumpFinding {
        let f: MappedFile
        do { f = try MappedFile(path: image.file) } catch { throw CLIError(error) }
        guard f.count >= 8 else { throw original }
        let finding = CoreDumpFinding.bare(f)
        if Self.notADump(finding) { throw original }
        return finding
    }
}
