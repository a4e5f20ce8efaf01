import Testing
import FlashModel
import TestSupport

/// The command line's visible contract pinned by golden files in Golden/: `info --json` on every
/// sample, and `--help` of every command. They change only on purpose:
/// `FLASHSCOPE_UPDATE_GOLDEN=1 swift test --filter Golden` rewrites them; review the diff and commit.
@Suite("Golden: info --json per sample, --help per command")
struct GoldenTests {
    static let golden = String(#filePath[..<#filePath.lastIndex(of: "/")!]) + "/Golden"
    static let samples = FlashScopeBinary.packageRoot + "/Samples"

    @Test("every sample has a golden info --json, and every golden a sample")
    func infoGoldensMatchSamples() {
        let samples = Golden.files(in: Self.samples, suffix: ".bin").map { String($0.dropLast(4)) }
        let goldens = Golden.files(in: Self.golden + "/info", suffix: ".json").map { String($0.dropLast(5)) }
        #expect(!samples.isEmpty)
        if !Golden.updating {
            #expect(samples == goldens, "Samples/*.bin and Golden/info/*.json differ: FLASHSCOPE_UPDATE_GOLDEN=1 swift test --filter Golden writes the missing ones")
        }
    }

    @Test("info --json on each sample is exactly its golden file",
          arguments: Golden.files(in: GoldenTests.samples, suffix: ".bin"))
    func infoJSON(sample: String) throws {
        // Run inside Samples/ so the "file" key is the bare name, as on any checkout.
        let r = try FlashScopeBinary.run(["info", "--json", sample], directory: Self.samples)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(JSONParser.parse(r.stdout) != nil, "not JSON")
        let name = String(sample.dropLast(4))
        if let problem = Golden.check(r.stdout, against: "\(Self.golden)/info/\(name).json") { Issue.record(Comment(rawValue: problem)) }
    }

    /// Every command path (`[]` is the root), from the root command's configuration as
    /// swift-argument-parser dumps it, hidden commands included.
    static func commandPaths() throws -> [[String]] {
        let r = try FlashScopeBinary.run(["--experimental-dump-help"])
        guard r.status == 0, let tool = JSONParser.parse(r.stdout), let root = tool["command"] else {
            throw DumpHelpFailed(output: r.stdout + r.stderr)
        }
        var out: [[String]] = []
        func walk(_ c: JSON, _ path: [String]) {
            out.append(path)
            guard case .array(let subs)? = c["subcommands"] else { return }
            for s in subs {
                guard case .string(let name)? = s["commandName"] else { continue }
                if name == "help" { continue }   // argument-parser's own
                walk(s, path + [name])
            }
        }
        walk(root, [])
        return out
    }
    struct DumpHelpFailed: Error { let output: String }

    static func goldenName(_ path: [String]) -> String { (["flashscope"] + path).joined(separator: "-") + ".txt" }

    @Test("--help of every command is exactly its golden text; a new command without one fails")
    func helpTexts() throws {
        let paths = try Self.commandPaths()
        #expect(paths.contains(["info"]) && paths.contains(["scan"]), "the walk found \(paths)")
        for path in paths {
            let r = try FlashScopeBinary.run(path + ["--help"], environment: ["COLUMNS": "100"])
            #expect(r.status == 0, "\(path): \(r.stderr)")
            let file = "\(Self.golden)/help/\(Self.goldenName(path))"
            if let problem = Golden.check(r.stdout, against: file) {
                Issue.record(Comment(rawValue: "flashscope \(path.joined(separator: " ")) --help: \(problem)"))
            }
        }
        // A golden whose command is gone is stale.
        if !Golden.updating {
            let expected = Set(paths.map(Self.goldenName))
            for name in Golden.files(in: Self.golden + "/help", suffix: ".txt") where !expected.contains(name) {
                Issue.record("Golden/help/\(name) has no command any more: delete it")
            }
        }
    }
}
