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
/// `QuickLine` accepts only plain forms: `--name` flags and `--name VALUE` options from the command's own
/// table, each at most once, and one positional. Anything else (`--name=VALUE`, a repeated option, `--`,
/// a value or file name beginning with `-`, an empty value, help, a name it does not know, a line the
/// command's `validate()` refuses) is declined, and the argument parser reads the line exactly as before:
/// its errors and help stay the only ones users see. What it accepts must come out as the argument parser
/// would have it: the hidden `check-quick-line` command compares the two on every line it is given, and
/// the CLI tests feed it every combination of the forms below with the awkward tokens around them.
struct QuickLine {
    enum Field<Request> {
        case flag(WritableKeyPath<Request, Bool>)
        case option(WritableKeyPath<Request, String?>)
    }

    /// `args` without the subcommand's name; nil when the line is not one of the plain forms.
    static func read<Request>(_ args: ArraySlice<String>, into request: Request, fields: [String: Field<Request>],
                              positional: WritableKeyPath<Request, String>) -> Request? {
        var request = request
        var seen = Set<String>()
        var havePositional = false
        var i = args.startIndex
        while i < args.endIndex {
            let token = args[i]
            i += 1
            guard token.first == "-" else {
                if havePositional || token.isEmpty { return nil }
                request[keyPath: positional] = token
                havePositional = true
                continue
            }
            guard let field = fields[token], seen.insert(token).inserted else { return nil }
            switch field {
            case .flag(let path):
                request[keyPath: path] = true
            case .option(let path):
                guard i < args.endIndex, let value = args[i].first, value != "-" else { return nil }
                request[keyPath: path] = args[i]
                i += 1
            }
        }
        return havePositional ? request : nil
    }

    /// `ImageOptions`' names (every command reading an image has them).
    static func imageFields<Request>(_ image: WritableKeyPath<Request, ImageRequest>) -> [String: Field<Request>] {
        [
            "--pt-offset": .option(image.appending(path: \.ptOffset)),
            "--rollback": .flag(image.appending(path: \.rollback)),
            "--bootloader-idf": .option(image.appending(path: \.bootloaderIDF)),
            "--chip-rev": .option(image.appending(path: \.chipRev)),
            "--efuse-blk-rev": .option(image.appending(path: \.efuseBlkRev)),
            "--no-table-md5": .flag(image.appending(path: \.noTableMD5)),
            "--flash-key": .option(image.appending(path: \.flashKey.flashKey)),
            "--flash-crypt-conf": .option(image.appending(path: \.flashKey.cryptConf)),
            "--flash-scheme": .option(image.appending(path: \.flashKey.scheme)),
        ]
    }

    /// `flashscope nvs …` for reading (the CSV import and export, and `--nvs-version`, go through the parser).
    static func nvs(_ args: ArraySlice<String>) -> NVSRequest? {
        var fields = imageFields(\NVSRequest.image)
        fields["--partition"] = .option(\.partition)
        fields["--json"] = .flag(\.json)
        fields["--all"] = .flag(\.all)
        fields["--nvs-keys"] = .option(\.nvsKeys)
        fields["--idf-version"] = .option(\.idfVersion)
        guard let r = read(args, into: NVSRequest(image: ImageRequest(file: "")), fields: fields, positional: \.image.file),
              (try? r.validate()) != nil else { return nil }
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
