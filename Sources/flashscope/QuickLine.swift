import ArgumentParser
import FlashModel

/// The command lines scripts run most, read without the argument parser.
///
/// swift-argument-parser builds a command by reflection: it walks the command's properties with `Mirror`,
/// instantiates the generic metadata of every `@Option`/`@Flag` type and decodes the values through
/// `Decodable`, and the Swift runtime answers each first-time protocol-conformance question by scanning
/// every conformance record in the binary. For `nvs FILE --json` on a full 1 MiB partition that was a fifth
/// of the whole run (11.6 of 65.4 million instructions), however small the command line.
///
/// `QuickLine` accepts only plain forms: `--name` flags and `--name VALUE` options that the command has,
/// each at most once, and one positional. Anything else (`--name=VALUE`, a repeated option, `--`,
/// a value or file name beginning with `-`, an empty value, help, a name it does not know, a line the
/// command's `validate()` refuses) is declined, and the argument parser reads the line exactly as before:
/// its errors and help stay the only ones users see. What it accepts must come out as the argument parser
/// would have it: the hidden `check-quick-line` command compares the two on every line it is given, and
/// the CLI tests feed it the plain forms in every order with awkward tokens around them.
struct QuickLine {
    /// `flashscope nvs …` for reading, `args` without the subcommand's name: ImageOptions' names and the
    /// reading options (the CSV import and export, and `--nvs-version`, go through the parser). Nil when
    /// the line is not one of the plain forms.
    static func nvs(_ args: ArraySlice<String>) -> NVSRequest? {
        var r = NVSRequest(image: ImageRequest(file: ""))
        var seen = Set<String>()
        var file: String?
        var i = args.startIndex
        while i < args.endIndex {
            let token = args[i]
            i += 1
            guard token.first == "-" else {
                if file != nil || token.isEmpty { return nil }
                file = token
                continue
            }
            guard seen.insert(token).inserted else { return nil }
            switch token {
            case "--json": r.json = true
            case "--all": r.all = true
            case "--rollback": r.image.rollback = true
            case "--no-table-md5": r.image.noTableMD5 = true
            default:
                // An option: its value is the next argument, which must not look like an option.
                guard i < args.endIndex, let first = args[i].first, first != "-" else { return nil }
                let value = args[i]
                i += 1
                switch token {
                case "--partition": r.partition = value
                case "--nvs-keys": r.nvsKeys = value
                case "--idf-version": r.idfVersion = value
                case "--pt-offset": r.image.ptOffset = value
                case "--bootloader-idf": r.image.bootloaderIDF = value
                case "--chip-rev": r.image.chipRev = value
                case "--efuse-blk-rev": r.image.efuseBlkRev = value
                case "--flash-key": r.image.flashKey.flashKey = value
                case "--flash-crypt-conf": r.image.flashKey.cryptConf = value
                case "--flash-scheme": r.image.flashKey.scheme = value
                default: return nil
                }
            }
        }
        guard let file else { return nil }
        r.image.file = file
        guard (try? r.validate()) != nil else { return nil }
        return r
    }

    /// The request for a whole command line (`flashscope SUBCOMMAND …`), when it is one of the plain forms.
    static func command(_ arguments: [String]) -> NVSRequest? {
        guard arguments.first == "nvs" else { return nil }
        return nvs(arguments.dropFirst())
    }
}

/// Compares `QuickLine` with the argument parser on the command lines in FILE, one JSON array of strings
/// per line, `flashscope` left out (hidden: the CLI tests drive it). Prints, per line, `quick` (both read
/// it, alike), `parser` (QuickLine declined it; the parser reads or refuses it) or `DIFFERENT …`, and
/// exits 1 if any line differed.
struct CheckQuickLineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-quick-line", shouldDisplay: false).leaf
    @Argument(help: "Command lines, one JSON array of strings per line (without flashscope).") var file: String

    func run() throws {
        let text: String
        do { let f = try MappedFile(path: file); text = String(decoding: f.bytes(0..<f.count), as: UTF8.self) } catch { throw CLIError(error) }
        var different = false
        var out = ""
        for line in text.split(separator: "\n") {
            guard case .array(let items)? = JSONParser.parse(String(line)) else { throw CLIError("not a JSON array: \(line)", code: CLIError.Code.usage) }
            let args = items.compactMap { item -> String? in if case .string(let s) = item { return s } else { return nil } }
            guard args.count == items.count else { throw CLIError("not an array of strings: \(line)", code: CLIError.Code.usage) }
            // A line QuickLine declines goes to the parser whatever the parser makes of it: nothing to compare.
            guard let quick = QuickLine.command(args) else { out += "parser\n"; continue }
            // The parser as `flashscope` runs it: the subcommand alone, else the whole command tree.
            let command = FlashScope.fastParse(args) ?? (try? FlashScope.parseAsRoot(args))
            let parsed = (command as? NVSCommand)?.request
            if parsed == quick {
                out += "quick\n"
            } else {
                different = true
                out += "DIFFERENT \(line): quick \(quick), parser \(parsed.map { "\($0)" } ?? "refuses")\n"
            }
        }
        writeStdout(out)
        if different { throw ExitCode(1) }
    }
}
