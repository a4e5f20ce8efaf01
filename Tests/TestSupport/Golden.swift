#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlashModel

/// Golden files: text a test must reproduce exactly, kept next to the tests and regenerated only on
/// purpose with `FLASHSCOPE_UPDATE_GOLDEN=1 swift test --filter Golden`.
public enum Golden {
    public static var updating: Bool {
        guard let v = getenv("FLASHSCOPE_UPDATE_GOLDEN") else { return false }
        return v.pointee != 0 && String(cString: v) != "0"
    }

    /// Compares `actual` with the file at `path`. Returns nil when they are equal (or the file was
    /// rewritten because `FLASHSCOPE_UPDATE_GOLDEN` is set), else a message for the test to record: a
    /// missing golden is a failure too, so a new one is always looked at before it is trusted.
    public static func check(_ actual: String, against path: String) -> String? {
        let existing = (try? MappedFile(path: path)).map { String(decoding: $0.bytes(0..<$0.count), as: UTF8.self) }
        if updating {
            if existing != actual {
                do { try AtomicFile.write(Array(actual.utf8), to: path, overwrite: true) } catch { return "cannot write \(path): \(error)" }
            }
            return nil
        }
        guard let existing else {
            return "no golden file \(path); run FLASHSCOPE_UPDATE_GOLDEN=1 swift test --filter Golden, check the new file and commit it"
        }
        guard existing != actual else { return nil }
        let a = existing.split(separator: "\n", omittingEmptySubsequences: false)
        let b = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let line = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
        let expected = line < a.count ? String(a[line]) : "(end of file)"
        let got = line < b.count ? String(b[line]) : "(end of output)"
        return "differs from \(path) at line \(line + 1) (FLASHSCOPE_UPDATE_GOLDEN=1 regenerates it on purpose)\n  expected: \(expected)\n  actual:   \(got)"
    }

    /// The regular files in `dir` whose names end in `suffix`, sorted.
    public static func files(in dir: String, suffix: String) -> [String] {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var out: [String] = []
        while let e = readdir(d) {
            let name = withUnsafePointer(to: &e.pointee.d_name) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
            if name.hasSuffix(suffix) && !name.hasPrefix(".") { out.append(name) }
        }
        return out.sorted()
    }
}
