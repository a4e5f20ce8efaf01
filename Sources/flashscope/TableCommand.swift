#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import FlashFormats
import FlashModel

struct TableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table",
        abstract: "Print a partition table as gen_esp32part CSV, or build the binary from CSV.",
        discussion: """
        flashscope table FILE --csv             table of an image, table binary or dump, as CSV
        flashscope table --from-csv parts.csv -o table.bin
        """).leaf

    @Argument(help: "Image, dump or partition-table binary.") var file: String?
    @Flag(help: "Print gen_esp32part CSV.") var csv = false
    @Flag(help: "Print JSON.") var json = false
    @Option(name: .customLong("from-csv"), help: "Build a binary table from this CSV.") var fromCSV: String?
    @Option(name: .shortAndLong, help: "Output file for --from-csv.") var output: String?
    @Option(name: .customLong("offset"), help: "Table offset used for auto-placement (default 0x8000).") var offset: String?
    @Option(name: .customLong("pt-offset"), help: "Where the table is inside FILE (default: found).") var ptOffset: String?
    @Option(name: .customLong("flash-size"), help: "Check that the partitions fit this flash size (e.g. 4MB).") var flashSize: String?
    @Flag(name: .customLong("disable-md5sum"), help: "Do not write an MD5 row.") var disableMD5 = false
    @Option(name: .customLong("primary-bootloader-offset"), help: "For bootloader rows (gen_esp32part v5.5+).") var primaryBootloaderOffset: String?
    @Option(name: .customLong("recovery-bootloader-offset"), help: "For a bootloader,recovery row.") var recoveryBootloaderOffset: String?
    @Flag(help: "Overwrite an existing output file.") var force = false

    func validate() throws {
        if fromCSV == nil && file == nil { throw ValidationError("give an image FILE, or --from-csv CSV -o OUT") }
        if fromCSV != nil && output == nil { throw ValidationError("--from-csv needs -o OUT") }
        if fromCSV != nil && file != nil { throw ValidationError("give either FILE or --from-csv, not both") }
    }

    func run() throws {
        let tableOffset = try offset.map { try parseNumber($0, what: "--offset") } ?? defaultPartitionTableOffset
        if let fromCSV, let output {
            let text = try readText(fromCSV)
            var env: [String: String] = [:]
            var p = environ
            while let e = p.pointee {
                let s = String(cString: e)
                if let eq = s.firstIndex(of: "=") { env[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
                p += 1
            }
            let entries: [PartitionEntry]
            let primary = try primaryBootloaderOffset.map { try parseNumber($0, what: "--primary-bootloader-offset") }
            let recovery = try recoveryBootloaderOffset.map { try parseNumber($0, what: "--recovery-bootloader-offset") }
            do {
                entries = try PartitionCSV.parse(text, tableOffset: tableOffset, bootloaderOffset: primary,
                                                 recoveryBootloaderOffset: recovery, environment: env)
            }
            catch { throw CLIError("\(fromCSV): \(error)", code: CLIError.Code.notAnImage) }
            let size = try flashSize.map { s -> Int in
                let t = s.uppercased().replacing("MB", with: "M")
                return try parseNumber(t, what: "--flash-size")
            }
            let errors = PartitionCSV.verify(entries, tableOffset: tableOffset, md5: !disableMD5, flashSize: size)
            if let first = errors.first { throw CLIError("\(fromCSV): \(first)", code: CLIError.Code.notAnImage) }
            let bytes = PartitionTable.encode(entries, md5: !disableMD5)
            do { try AtomicFile.write(bytes, to: output, overwrite: force) } catch { throw CLIError(error) }
            writeStderr("wrote \(entries.count) partitions (\(bytes.count) bytes) to \(output)\n")
            return
        }
        guard let file else { return }
        let opened = try Opened(path: file, options: AnalysisOptions(tableOffset: try ptOffset.map { try parseNumber($0, what: "--pt-offset") }))
        guard let t = opened.layout.table else { throw CLIError("\(file): no partition table found", code: CLIError.Code.notAnImage) }
        if json {
            writeStdout(Report.json(opened.layout, file: file)["partitions"].map { $0.serialized() + "\n" } ?? "[]\n")
        } else if csv {
            for f in t.toolFindings { writeStderr("flashscope: warning: gen_esp32part would reject or warn: \(f.message)\n") }
            writeStdout(PartitionCSV.emit(t.entries))
        } else {
            writeStdout(TextReport(colour: useColour()).tableText(opened.layout))
        }
    }

    func readText(_ path: String) throws -> String {
        let f: MappedFile
        do { f = try MappedFile(path: path) } catch { throw CLIError(error) }
        return String(decoding: f.bytes(0..<f.count), as: UTF8.self)
    }
}
