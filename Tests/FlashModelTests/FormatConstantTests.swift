import Foundation
import Testing

/// Format constants live in FlashFormats only: every other file names them (`partitionMagic`,
/// `OTAEntry.erasedSeq`, `OTAEntry.crcOffset`, `entry.slot(count:)`, `PartitionType.otaSubtypeBase`…).
/// A literal copy elsewhere drifts when the format is corrected in one place.
@Suite struct FormatConstantTests {
    /// Literal spellings of otadata/table/image constants and of the seq → slot arithmetic.
    static let patterns: [(what: String, regex: String)] = [
        ("table row magic 0x50AA", #"0x[aA][aA]_?50|0x50_?[aA][aA]"#),
        ("MD5 row magic 0xEBEB", #"0x[eE][bB]_?[eE][bB]"#),
        ("image magic 0xE9", #"\b0x[eE]9\b"#),
        ("erased seq 0xFFFFFFFF", #"0x[fF]{4}_?[fF]{4}\b"#),
        ("seq → slot arithmetic", #"seq\s*&?-\s*1\s*\)\s*%"#),
        ("byte offset inside an otadata sector", #"[sS]ectorSize\s*\+\s*[0-9]"#),
        ("OTA app subtype base 0x10 + n", #"0x10\s*\+"#),
        ("table row arithmetic (32-byte rows)", #"\*\s*32\b|\b32\s*\*"#),
        ("table length 0xC00", #"\b0x[cC]00\b"#),
    ]

    /// Files outside FlashFormats that may still spell a constant, each with why. A file leaves the list
    /// as soon as it no longer spells one (``everyAllowedFileStillNeedsIt`` fails until it does).
    static let allowed: Set<String> = [
        // The partition table's 32-byte rows in the hex pane's field colours (`t.offset + 32 * i`).
        "Sources/FlashScopeUI/View/HexPane.swift",
    ]

    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func swiftFiles(under dir: URL) -> [URL] {
        let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil)
        return (e?.allObjects as? [URL] ?? []).filter { $0.pathExtension == "swift" }
    }

    /// `(file, line, what)` for every literal constant in `text`, comments excluded.
    static func hits(in text: String, file: String) -> [String] {
        var out: [String] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.range(of: "//").map { String(raw[..<$0.lowerBound]) } ?? String(raw)
            for p in patterns where line.range(of: p.regex, options: .regularExpression) != nil {
                out.append("\(file):\(n + 1): \(p.what): \(raw.trimmingCharacters(in: .whitespaces))")
            }
        }
        return out
    }

    @Test func noFormatConstantOutsideFlashFormats() throws {
        let sources = Self.root.appendingPathComponent("Sources")
        let files = Self.swiftFiles(under: sources)
        #expect(files.count > 20, "Sources/ not found from \(#filePath)")
        var found: [String] = []
        for url in files {
            let rel = "Sources/" + url.path.dropFirst(sources.path.count + 1)
            if rel.hasPrefix("Sources/FlashFormats/") || Self.allowed.contains(rel) { continue }
            found += Self.hits(in: try String(contentsOf: url, encoding: .utf8), file: rel)
        }
        #expect(found.isEmpty, "format constants outside FlashFormats:\n\(found.joined(separator: "\n"))")
    }

    @Test func everyAllowedFileExists() {
        for f in Self.allowed {
            #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(f).path), "\(f) is listed but gone")
        }
    }

    /// The list cannot go stale: a file on it that no longer spells any constant must leave it.
    @Test func everyAllowedFileStillNeedsIt() throws {
        for f in Self.allowed {
            let url = Self.root.appendingPathComponent(f)
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }   // everyAllowedFileExists reports it
            #expect(!Self.hits(in: text, file: f).isEmpty, "\(f) no longer spells a format constant: remove it from `allowed`")
        }
    }

    /// The check itself must catch each spelling (a grep that matches nothing proves nothing).
    @Test func patternsCatchEachSpelling() {
        let samples = ["if m == 0x50AA {", "magic 0xEBEB", "b == 0xe9 {", "seq == 0xFFFF_FFFF", "(e.seq &- 1) % n",
                       "at + k * otadataSectorSize + 28", "UInt8(0x10 + k)", "t.offset + 32 * i", "len = 0xC00"]
        for s in samples { #expect(!Self.hits(in: s, file: "x").isEmpty, "\(s) not caught") }
        #expect(Self.hits(in: "let x = OTAEntry.erasedSeq // 0xFFFF_FFFF", file: "x").isEmpty)
    }
}

/// Every diagnostic code declared in Sources/ is listed in README's "Diagnostic codes".
@Test func everyDiagnosticCodeIsDocumented() throws {
    let root = FormatConstantTests.root
    let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
    var missing: [String] = []
    var count = 0
    for url in FormatConstantTests.swiftFiles(under: root.appendingPathComponent("Sources")) {
        let text = try String(contentsOf: url, encoding: .utf8)
        for line in text.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
            guard let r = line.range(of: #"DiagnosticCode = "[a-z0-9_]+""#, options: .regularExpression) else { continue }
            let code = line[r].split(separator: "\"")[1]
            count += 1
            if !readme.contains("`\(code)`") { missing.append(String(code)) }
        }
    }
    #expect(count > 50)
    #expect(missing.isEmpty, "codes missing from README: \(missing)")
}
