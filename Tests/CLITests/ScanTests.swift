#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import FlashModel
import TestSupport

/// Many dumps at once through the real binary: `info A B …` and `scan DIR`.
@Suite struct ScanTests {
    /// A folder with the samples (written by the encoders), one in a subfolder, and a file that is not an image.
    static func folder() throws -> String {
        let dir = FlashScopeBinary.tempDirectory()
        mkdir(dir + "/sub", 0o755)
        for s in SampleImages.all() { try AtomicFile.write(s.bytes, to: "\(dir)/\(s.name)", overwrite: true) }
        try AtomicFile.write(SampleImages.all()[1].bytes, to: "\(dir)/sub/copy.bin", overwrite: true)
        try AtomicFile.write(Array("not a dump\n".utf8), to: "\(dir)/sub/notes.bin", overwrite: true)
        try AtomicFile.write(Array("readme\n".utf8), to: "\(dir)/README.txt", overwrite: true)
        return dir
    }

    @Test("scan --json prints, per *.bin file in path order, the object info --json prints; a bad file is an error line and exit 2")
    func scanJSONLines() throws {
        let dir = try Self.folder()
        defer { _ = system("rm -rf '\(dir)'") }
        let r = try FlashScopeBinary.run(["scan", dir, "--json"])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.isEmpty, "no progress bar when stderr is not a terminal")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let names = SampleImages.all().map(\.name).sorted()
        let expectedFiles = (names.map { "\(dir)/\($0)" } + ["\(dir)/sub/copy.bin", "\(dir)/sub/notes.bin"]).sorted()
        #expect(lines.count == expectedFiles.count)
        for (line, file) in zip(lines, expectedFiles) {
            let obj = try #require(JSONParser.parse(line), "not JSON: \(line)")
            #expect(obj["file"] == .string(file))
            if file.hasSuffix("notes.bin") {
                #expect(obj["exit_code"] == .int(65))
                #expect(obj["error"] != nil)
                continue
            }
            let single = try FlashScopeBinary.run(["info", "--json", file])
            #expect(single.status == 0)
            #expect(JSONParser.parse(single.stdout) == obj, "\(file): the scan line differs from info --json")
        }
    }

    @Test("info A B: one table row per file with boot, versions and otadata; the same exit codes")
    func infoManyTable() throws {
        let dir = try Self.folder()
        defer { _ = system("rm -rf '\(dir)'") }
        let r = try FlashScopeBinary.run(["info", "\(dir)/ota1-active.bin", "\(dir)/fresh-two-ota.bin", "\(dir)/rollback-pending.bin"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.stdout.split(separator: "\n").map { $0.split(separator: "  ", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespaces) } }
        #expect(rows.count == 4)
        #expect(rows.first == ["file", "chip", "flash", "boots", "apps", "otadata", "problems"])
        #expect(rows[1] == ["\(dir)/ota1-active.bin", "ESP32", "4MB", "ota_1", "factory factory-1.0, ota_0 1.0.0, ota_1 2.0.0",
                            "sector 0 seq 2 UNDEFINED", "–"])
        #expect(rows[2] == ["\(dir)/fresh-two-ota.bin", "ESP32", "4MB", "factory", "factory factory-1.0, ota_0 –, ota_1 –", "erased", "–"])
        #expect(rows[3][5] == "sector 1 seq 2 PENDING_VERIFY")

        let bad = try FlashScopeBinary.run(["info", "\(dir)/ota1-active.bin", "\(dir)/missing.bin", "\(dir)/sub/notes.bin"])
        #expect(bad.status == 2)
        let lines = bad.stdout.split(separator: "\n")
        #expect(lines.count == 4, "the good file is still reported")
        #expect(lines[2].contains("missing.bin: no such file (exit 66)"))
        #expect(lines[3].contains("(exit 65)"))
    }

    @Test("scan: a missing folder, a file instead of a folder, a folder without dumps")
    func scanRefusals() throws {
        let dir = FlashScopeBinary.tempDirectory()
        defer { _ = system("rm -rf '\(dir)'") }
        #expect(try FlashScopeBinary.run(["scan", dir + "/nope"]).status == 66)
        try AtomicFile.write([0xE9], to: dir + "/one.bin", overwrite: true)
        #expect(try FlashScopeBinary.run(["scan", dir + "/one.bin"]).status == 67)
        mkdir(dir + "/empty", 0o755)
        let empty = try FlashScopeBinary.run(["scan", dir + "/empty"])
        #expect(empty.status == 66)
        #expect(empty.stderr.hasPrefix("flashscope: error: "))
    }
}
