#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import FlashFormats
import FlashModel

/// A failure that ends the program with one line on stderr and a specific exit code.
struct CLIError: Error {
    let message: String
    let code: Int32

    /// Exit codes (documented in README.md).
    enum Code {
        static let refused: Int32 = 1        // --strict found errors, or an operation's precondition failed
        static let usage: Int32 = 64         // bad command line
        static let notAnImage: Int32 = 65    // empty file, or not a flash/app/table/otadata file
        static let noInput: Int32 = 66       // input file does not exist
        static let notRegular: Int32 = 67    // input is a directory, FIFO, device…
        static let unavailable: Int32 = 69  // esptool missing, or it failed to talk to the device
        static let cannotCreate: Int32 = 73  // output exists (without --force) or cannot be created
        static let io: Int32 = 74            // read or write failed
        static let changed: Int32 = 75       // input changed on disk since it was opened
        static let permission: Int32 = 77    // input not readable
    }

    init(_ message: String, code: Int32) { self.message = message; self.code = code }

    init(_ e: FileError) {
        let code: Int32 = switch e.kind {
        case .notFound: Code.noInput
        case .notRegular: Code.notRegular
        case .unreadable: Code.permission
        case .io: Code.io
        case .outputExists, .outputUnwritable: Code.cannotCreate
        case .changedOnDisk: Code.changed
        case .tooLarge: Code.notAnImage
        }
        self.init(e.description, code: code)
    }
}

func writeStderr(_ s: String) { writeAll(2, s) }
func writeStdout(_ s: String) { writeAll(1, s) }

/// Prints a JSON document and a newline, streamed in pieces (megabytes of NVS blobs are never one string).
func writeStdout(_ json: JSON, pretty: Bool = true) {
    json.write(pretty: pretty) { writeAll(1, $0) }
    writeAll(1, "\n")
}

func writeAll(_ fd: Int32, _ buf: UnsafeRawBufferPointer) {
    guard let base = buf.baseAddress else { return }
    var off = 0
    while off < buf.count {
        let n = write(fd, base + off, buf.count - off)
        if n < 0 { if errno == EINTR { continue }; return }
        off += n
    }
}

/// Writes a whole string to a file descriptor (unbuffered; the CLI prints each report in one piece).
func writeAll(_ fd: Int32, _ s: String) {
    var s = s
    s.withUTF8 { writeAll(fd, UnsafeRawBufferPointer($0)) }
}

/// Parses an offset or size from the command line (`0x8000`, `32768`, `32K`).
func parseNumber(_ text: String, what: String) throws -> Int {
    guard let v = Hex.parseInt(text), v >= 0, v <= Int(UInt32.max) else {
        throw ValidationError("\(what) '\(text)' is not a number between 0 and \(Hex.short(UInt32.max)) (use 0x… for hex, K/M suffixes allowed)")
    }
    return v
}

/// Parses an ESP-IDF release ("5.1", "v5.5.2", or just "5"/"6" for 5.4/6.0) that FlashScope has rules for.
func parseIDF(_ text: String, what: String) throws -> IDFVersion {
    let t = text.trimmingWhitespace()
    if t == "5" { return OTASettings.v5Default }
    if t == "6" { return OTASettings.v6Default }
    guard let v = IDFVersion(parsing: t), v.major >= 4, v.major <= 6 else {
        throw ValidationError("\(what) '\(text)' is not an ESP-IDF release between 4.4 and 6.x (e.g. 5.1 or v5.5.2)")
    }
    return v
}

/// Parses a chip or eFuse block revision ("v3.0", "3.1", "1").
func parseRevision(_ text: String, what: String) throws -> ChipRevision {
    guard let r = ChipRevision(parsing: text) else {
        throw ValidationError("\(what) '\(text)' is not a revision like v3.0 or 1.2")
    }
    return r
}

/// Opens the input and reads it.
struct Opened {
    let file: MappedFile
    let document: FlashDocument
    let layout: FlashLayout
    /// Set when the file was opened through its flash-encryption key: `document` is the plaintext view.
    let decrypted: OpenedDecryption?
    /// The options `layout` was analysed with (the command line's, and `decryptedView` when decrypted):
    /// the TUI analyses every edit with these, so it judges as `info` does.
    let options: AnalysisOptions

    init(path: String, options: AnalysisOptions, flashKey: FlashKeyRequest? = nil) throws {
        do {
            file = try MappedFile(path: path)
        } catch {
            throw CLIError(error)
        }
        var options = options
        if let flashKey, let d = try flashKey.decrypt(file, tableOffset: options.tableOffset) {
            decrypted = d
            document = FlashDocument(bytes: d.dump.plaintext)
            document.encryptedView = EncryptedView(file: file, key: d.key, scheme: d.dump.scheme, encryptedRanges: d.dump.encryptedOnWrite)
            options.decryptedView = true
        } else {
            decrypted = nil
            document = FlashDocument(file: file)
        }
        self.options = options
        do {
            layout = try FlashLayout.analyze(document, digests: document.digests, options: options)
        } catch {
            throw CLIError("\(path): \(error)", code: CLIError.Code.notAnImage)
        }
        // The file shrank while it was being read: what was read past its new end is not its content.
        if file.changedWhileOpen {
            throw CLIError("\(path): shrank while being read; nothing was done (try again when it no longer changes)", code: CLIError.Code.changed)
        }
    }
}

struct ImageOptions: ParsableArguments {
    @Argument(help: "Flash image, app image, partition table or otadata file.")
    var file: String

    @Option(name: .customLong("pt-offset"), help: "Partition table offset (default: 0x8000, else found by scanning).")
    var ptOffset: String?

    @Flag(help: "Evaluate the boot as a bootloader built with CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE.")
    var rollback = false

    @Option(name: .customLong("bootloader-idf"), help: "Apply this ESP-IDF release's bootloader rules (e.g. 5.1, v5.5.2) instead of the version in the bootloader's esp_bootloader_desc_t.")
    var bootloaderIDF: String?

    @Option(name: .customLong("chip-rev"), help: "The chip's revision (e.g. v3.0); default: judge against every revision of the chip family.")
    var chipRev: String?

    @Option(name: .customLong("efuse-blk-rev"), help: "The chip's eFuse block revision (e.g. v1.2); default: every revision the family can have.")
    var efuseBlkRev: String?

    @Flag(name: .customLong("no-table-md5"), help: "The app was built with CONFIG_PARTITION_TABLE_MD5=n (it then reads a table without an MD5 row).")
    var noTableMD5 = false

    @OptionGroup var flashKey: FlashKeyOptions

    var request: ImageRequest {
        ImageRequest(file: file, ptOffset: ptOffset, rollback: rollback, bootloaderIDF: bootloaderIDF, chipRev: chipRev,
                     efuseBlkRev: efuseBlkRev, noTableMD5: noTableMD5, flashKey: flashKey.request)
    }
    func analysisOptions() throws -> AnalysisOptions { try request.analysisOptions() }
    /// `bootOnly`: analyse no further than the boot decision (AnalysisOptions.bootOnly).
    func open(bootOnly: Bool = false) throws -> Opened { try request.open(bootOnly: bootOnly) }
}

/// What ImageOptions asks for, as plain values (what `QuickLine` fills in without the argument parser).
struct ImageRequest: Equatable {
    var file: String
    var ptOffset: String? = nil
    var rollback = false
    var bootloaderIDF: String? = nil
    var chipRev: String? = nil
    var efuseBlkRev: String? = nil
    var noTableMD5 = false
    var flashKey = FlashKeyRequest()

    func analysisOptions() throws -> AnalysisOptions {
        AnalysisOptions(tableOffset: try ptOffset.map { o in
            let v = try parseNumber(o, what: "--pt-offset")
            guard v % 0x1000 == 0 else { throw ValidationError("--pt-offset \(o) is not a multiple of 0x1000") }
            return v
        }, rollback: rollback, bootloaderIDF: try bootloaderIDF.map { try parseIDF($0, what: "--bootloader-idf") },
           chipRevision: try chipRev.map { try parseRevision($0, what: "--chip-rev") },
           efuseBlockRevision: try efuseBlkRev.map { try parseRevision($0, what: "--efuse-blk-rev") },
           appTableMD5: !noTableMD5)
    }

    /// `bootOnly`: analyse no further than the boot decision (AnalysisOptions.bootOnly).
    func open(bootOnly: Bool = false) throws -> Opened {
        var options = try analysisOptions()
        options.bootOnly = bootOnly
        return try Opened(path: file, options: options, flashKey: flashKey)
    }
}

func useColour() -> Bool {
    if let v = getenv("NO_COLOR"), v.pointee != 0 { return false }
    return isatty(STDOUT_FILENO) == 1
}

@main
struct FlashScope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flashscope",
        abstract: "See what the ESP-IDF bootloader sees in an ESP32 flash image, and edit it safely.",
        version: "0.1.0",
        subcommands: [TUICommand.self, InfoCommand.self, TableCommand.self, StageCommand.self, SetBootCommand.self,
                      MarkCommand.self, EraseOTADataCommand.self, EraseLastBootCommand.self, BootCommand.self,
                      MakeSamplesCommand.self, MakeAppCommand.self, MakeImageCommand.self, NVSCommand.self,
                      CoreDumpCommand.self, DecryptCommand.self, DiffCommand.self, ReadCommand.self, FlashCommand.self,
                      ScanCommand.self, CheckQuickLineCommand.self],
        defaultSubcommand: TUICommand.self
    )

    static func main() {
        do {
            if let request = QuickLine.command(Array(CommandLine.arguments.dropFirst())) {
                try request.run()
            } else {
                var command = try fastParse() ?? parseAsRoot()
                try command.run()
            }
        } catch let e as CLIError {
            // One line, and nothing a terminal would act on (paths and labels can hold escapes).
            writeStderr("flashscope: error: \(e.message.terminalSafe)\n")
            terminate(e.code)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                writeStdout(fullMessage(for: error) + "\n")
                terminate(0)
            }
            if let e = error as? ExitCode { terminate(e.rawValue) }
            let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            writeStderr("flashscope: error: \(message.terminalSafe) (see 'flashscope help')\n")
            // diff exits like cmp(1): 2 for any trouble, so 1 keeps meaning "different".
            terminate(CommandLine.arguments.dropFirst().first == "diff" ? DiffCommand.troubleCode : CLIError.Code.usage)
        }
    }
}

extension FlashScope {
    /// `flashscope SUBCOMMAND ARGS…` parsed by the subcommand alone: the argument parser then reflects
    /// over one command instead of the whole tree (milliseconds at start-up). Anything it does not accept
    /// (help, a typo, a bad value) returns nil, and the full parse runs again to report it exactly as
    /// before; so it changes nothing but the time taken.
    static func fastParse(_ args: [String] = Array(CommandLine.arguments.dropFirst())) -> ParsableCommand? {
        guard let name = args.first,
              let sub = configuration.subcommands.first(where: { $0.configuration.commandName == name }),
              sub.configuration.subcommands.isEmpty else { return nil }
        // Every subcommand is declared with `.leaf` (so this parse skips the completion-script passes); a
        // debug build, which the CLI tests run, stops on one that is not.
        assert(sub.configuration._superCommandName == configuration.commandName, "\(sub) is not declared with .leaf")
        // Help of any kind is thrown (CleanExit) or comes back as the parser's own help command: either
        // way the full parse runs and names the whole command path.
        guard let command = try? sub.parseAsRoot(Array(args.dropFirst())), type(of: command) == sub else { return nil }
        return command
    }
}

extension CommandConfiguration {
    /// A subcommand's configuration, marked for `fastParse`: the argument parser reads
    /// `_superCommandName` only from the root of a command stack (usage lines, and whether to look for
    /// `--generate-completion-script`), so the full parse, whose root is `flashscope`, never sees it.
    /// When `fastParse` parses the subcommand as its own root, it skips the two extra passes that look
    /// for a completion-script request; such a request is an unknown option to the subcommand, so the
    /// full parse answers it as before.
    var leaf: CommandConfiguration {
        var c = self
        c._superCommandName = "flashscope"
        return c
    }
}

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Report everything in an image: bootloader, table, otadata, apps, boot decision.").leaf

    @OptionGroup var image: ImageOptions
    @Argument(help: "More files: then one table row (or JSON line) per file, analysed in parallel (exit 2 if any fails).")
    var more: [String] = []
    @Flag(help: "Print one JSON object (the shape is documented in README.md).") var json = false
    @Flag(help: "Exit 1 when any error-level diagnostic was found.") var strict = false

    func run() throws {
        if !more.isEmpty {
            return try Batch(options: image.analysisOptions(), json: json, strict: strict).run([image.file] + more)
        }
        let o = try image.open()
        if json {
            writeStdout(Report.json(o.layout, file: image.file, nvsSource: o.document))
        } else {
            writeStdout(TextReport(colour: useColour()).render(o.layout, file: image.file))
        }
        if strict && o.layout.hasErrors { throw ExitCode(CLIError.Code.refused) }
    }
}

/// Writes the sample images (hidden: used to regenerate `Samples/` and by the benchmarks).
struct MakeSamplesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "make-samples", abstract: "Write the sample images into DIR.",
                                                    shouldDisplay: false).leaf
    @Argument var directory: String
    @Flag var force = false

    func run() throws {
        for s in SampleImages.all() {
            do { try AtomicFile.write(s.bytes, to: directory + "/" + s.name, overwrite: force) } catch { throw CLIError(error) }
            writeStdout("\(s.name)  \(s.bytes.count) bytes  \(s.about)\n")
        }
    }
}
