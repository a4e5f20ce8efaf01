#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import FlashFormats
import FlashModel
import FlashScopeUI
import ScreenKit

/// Sample images built in memory by the project's encoders (never read from disk).
enum Fixtures {
    static let samples: [String: [UInt8]] = Dictionary(uniqueKeysWithValues: SampleImages.all().map { ($0.name, $0.bytes) })

    static func bytes(_ name: String) -> [UInt8] {
        guard let b = samples[name] else { fatalError("no sample \(name)") }
        return b
    }

    /// A program over a sample, at a size, driven like the real app.
    static func program(_ name: String, width: Int = 80, height: Int = 24, glyphs: Glyphs = .unicode,
                        settings: OTASettings = OTASettings()) throws -> Program {
        let doc = FlashDocument(bytes: bytes(name))
        let state = try AppState(document: doc, displayName: name, inputPath: nil, settings: settings, glyphs: glyphs,
                                 width: width, height: height)
        let p = Program(state: state)
        p.settle([.resize(width: width, height: height)])
        return p
    }

    /// A scratch directory for files a test writes.
    static func tempDirectory() -> String {
        var template = Array("/tmp/flashscope-ui-XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        return String(cString: p!)
    }

    /// Removes a directory made by ``tempDirectory()``.
    static func remove(_ dir: String) {
        guard dir.hasPrefix("/tmp/flashscope-ui-") else { return }
        _ = system("rm -rf '\(dir)'")
    }

    static func write(_ bytes: [UInt8], to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0)
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    static func read(_ path: String) -> [UInt8]? {
        guard let f = try? MappedFile(path: path) else { return nil }
        return f.bytes(0..<f.count)
    }
}

extension Program {
    /// Presses keys (characters of a string, or named keys) and lets deferred work finish.
    func press(_ keys: Key...) { settle(keys.map { .key($0) }) }
    func type(_ text: String) { settle(text.map { .key(.char($0)) }) }
    var screen: ScreenBuffer { render(state) }
    var text: String { screen.lines().joined(separator: "\n") }
}

/// Compares a screen with `Snapshots/<name>.txt` next to this file. `RECORD_SNAPSHOTS=1`
/// rewrites it; a missing snapshot is written and the test fails, so a new golden is always
/// looked at before it is trusted.
func assertSnapshot(_ buffer: ScreenBuffer, named name: String, sourceLocation: SourceLocation = #_sourceLocation,
                    filePath: String = #filePath) {
    let dir = String(filePath[..<filePath.lastIndex(of: "/")!]) + "/Snapshots"
    let path = "\(dir)/\(name).txt"
    let actual = buffer.lines().joined(separator: "\n") + "\n"
    let record = (getenv("RECORD_SNAPSHOTS").map { String(cString: $0) } ?? "").isEmpty == false
    let existing = Fixtures.read(path).map { String(decoding: $0, as: UTF8.self) }
    if record || existing == nil {
        Fixtures.write(Array(actual.utf8), to: path)
        if existing == nil && !record {
            Issue.record("snapshot \(name) was missing; recorded it — check it and run again", sourceLocation: sourceLocation)
        }
        return
    }
    if existing != actual {
        Issue.record("screen differs from Snapshots/\(name).txt (RECORD_SNAPSHOTS=1 re-records)\n--- expected\n\(existing!)--- actual\n\(actual)",
                     sourceLocation: sourceLocation)
    }
}
