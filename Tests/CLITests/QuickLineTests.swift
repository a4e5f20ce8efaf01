#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
import FlashModel

/// `nvs` command lines read without the argument parser (QuickLine) must come out exactly as the parser
/// reads them, or be left to it. The hidden `check-quick-line` command reads each line both ways; here it
/// gets every ordered pair of plain pieces with the file in each place, every awkward piece in each place,
/// and seeded random lines mixing both.
@Test func quickLineAgreesWithTheArgumentParser() throws {
    // Plain pieces QuickLine takes (each line also gets one file name, somewhere).
    let plain: [[String]] = [
        ["--json"], ["--all"], ["--partition", "nvs"], ["--nvs-keys", "keys.bin"], ["--idf-version", "v5.1.4"],
        ["--pt-offset", "0x9000"], ["--rollback"], ["--bootloader-idf", "5.1"], ["--chip-rev", "v3.0"],
        ["--efuse-blk-rev", "v1.2"], ["--no-table-md5"], ["--flash-key", "fk.bin"], ["--flash-crypt-conf", "0xf"],
        ["--flash-scheme", "xts"], ["--partition", "a b"], ["--idf-version", "nonsense"], ["--pt-offset", "0x1234"],
    ]
    let files = ["img.bin", "a b.bin", "ü.bin", "x=y", "nvs", "help", "0x9000"]
    // Pieces it leaves to the parser.
    let awkward: [[String]] = [
        ["--partition=nvs"], ["--partition"], ["--partition", "-x"], ["--partition", ""], ["--partition", "--json"],
        ["--nvs-keys", "-"], ["-"], [""], ["--"], ["-h"], ["--help"], ["--json=true"], ["-json"], ["--csv"],
        ["-o", "out.csv"], ["--output", "out.csv"], ["--from-csv", "x.csv"], ["--dry-run"], ["--force"],
        ["--nvs-version", "1"], ["--nvs-version", "3"], ["--unknown"], ["-x"], ["--generate-completion-script", "bash"],
        ["--version"], ["second.bin"], ["--json"], ["--partition", "other"],
    ]
    var lines: [[String]] = [["nvs"]]
    // Every ordered pair of plain pieces, the file before, between or after them.
    for (i, a) in plain.enumerated() {
        for (j, b) in plain.enumerated() {
            let f = [files[(i + j) % files.count]]
            lines.append(["nvs"] + [f + a + b, a + f + b, a + b + f][(i * plain.count + j) % 3])
        }
    }
    // Every awkward piece before, between and after a plain piece and a file.
    for (i, w) in awkward.enumerated() {
        let p = plain[i % plain.count], f = ["img.bin"]
        lines += [["nvs"] + w + p + f, ["nvs"] + p + w + f, ["nvs"] + p + f + w, ["nvs"] + w]
    }
    // Seeded random lines: two to six plain pieces and a file, one in four with an awkward piece.
    var state: UInt64 = 0x5EED_11
    func below(_ n: Int) -> Int {   // a 64-bit LCG (Knuth's MMIX constants), high bits
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(n))
    }
    for _ in 0..<300 {
        var parts = (0..<(2 + below(5))).map { _ in plain[below(plain.count)] }
        parts.insert([files[below(files.count)]], at: below(parts.count + 1))
        if below(4) == 0 { parts.insert(awkward[below(awkward.count)], at: below(parts.count + 1)) }
        lines.append(["nvs"] + parts.flatMap { $0 })
    }
    // The forms scripts run, and lines the parser must keep.
    let common = [["nvs", "img.bin", "--json"], ["nvs", "--json", "img.bin"], ["nvs", "--partition", "nvs", "img.bin"],
                  ["nvs", "img.bin", "--nvs-keys", "keys.bin"], ["nvs", "--flash-key", "fk.bin", "img.bin"]]
    let declined = [["nvs", "img.bin", "--csv"], ["nvs", "--partition=nvs", "img.bin"], ["nvs", "--", "img.bin"], ["nvs", "-h"],
                    ["nvs", "img.bin", "-"], ["nvs", "img.bin", "--json", "--json"], ["nvs"],
                    // Other subcommands are never taken.
                    ["info", "img.bin", "--json"], ["table", "img.bin"], ["img.bin"], [], ["--json", "nvs", "img.bin"]]
    lines += common + declined

    let dir = FlashScopeBinary.tempDirectory()
    defer { _ = system("rm -rf '\(dir)'") }
    let text = lines.map { JSON.array($0.map(JSON.string)).serialized(pretty: false) }.joined(separator: "\n") + "\n"
    try AtomicFile.write(Array(text.utf8), to: dir + "/lines", overwrite: true)
    let r = try FlashScopeBinary.run(["check-quick-line", dir + "/lines"])
    #expect(r.status == 0, "\(r.stderr)\n\(r.stdout.split(separator: "\n").filter { $0.hasPrefix("DIFFERENT") }.prefix(5).joined(separator: "\n"))")
    let verdicts = r.stdout.split(separator: "\n").map(String.init)
    try #require(verdicts.count == lines.count)
    let verdict = Dictionary(zip(lines.map { $0.joined(separator: "\u{1}") }, verdicts), uniquingKeysWith: { a, _ in a })
    func v(_ line: [String]) -> String? { verdict[line.joined(separator: "\u{1}")] }
    // The forms scripts run are taken (so the comparison is not vacuous), and the others are the parser's.
    for line in common { #expect(v(line) == "quick", "\(line)") }
    for line in declined { #expect(v(line) == "parser", "\(line)") }
    let taken = verdicts.filter { $0 == "quick" }.count
    #expect(taken > 300, "only \(taken) of \(lines.count) lines were taken by QuickLine")
    print("quick-line: \(taken) of \(lines.count) lines read both ways, alike")
}
