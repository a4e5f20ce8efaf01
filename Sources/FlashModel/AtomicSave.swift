#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlashFormats

/// Writes files so that the target is either untouched or completely written: a temp file in the
/// target's directory, written and fsynced, then moved into place, then the directory fsynced.
public enum AtomicFile {
    /// Test seam: `FLASHSCOPE_FAIL_WRITE=ENOSPC:65536` (or `EIO:0`) makes the write fail with that
    /// errno once that many bytes were written, as a full or failing disk would.
    static func injectedFailure() -> (errno: Int32, after: Int)? {
        guard let raw = getenv("FLASHSCOPE_FAIL_WRITE") else { return nil }
        let parts = String(cString: raw).split(separator: ":")
        guard parts.count == 2, let n = Int(parts[1]) else { return nil }
        let code: Int32 = switch parts[0] { case "ENOSPC": ENOSPC; case "EIO": EIO; case "EDQUOT": EDQUOT; default: EIO }
        return (code, n)
    }

    public static func write(_ bytes: [UInt8], to path: String, overwrite: Bool) throws(FileError) {
        try write(ByteArray(bytes), to: path, overwrite: overwrite)
    }

    /// Writes all of `source` to `path`.
    /// - Parameter overwrite: replace an existing regular file; otherwise an existing path is refused.
    public static func write(_ source: some ByteSource, to path: String, overwrite: Bool) throws(FileError) {
        let (dir, name) = split(path)
        var st = stat()
        if lstat(path, &st) == 0 {
            guard st.st_mode & S_IFMT == S_IFREG else {
                throw FileError(.outputUnwritable, path, "exists and is not a regular file; refusing to write over it")
            }
            guard overwrite else { throw FileError(.outputExists, path, "already exists (use --force to replace it)") }
        }
        var dst = stat()
        guard stat(dir, &dst) == 0, dst.st_mode & S_IFMT == S_IFDIR else {
            throw FileError(.outputUnwritable, path, "directory \(dir) does not exist")
        }
        var template = Array("\(dir)/.\(name).flashscope-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw FileError(.outputUnwritable, path, "cannot create a file in \(dir): \(errnoText())") }
        let temp = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var done = false
        defer {
            if !done { unlink(temp) }
        }
        _ = fchmod(fd, 0o644)
        let fault = injectedFailure()
        var written = 0
        var failure: Int32 = 0
        source.forEachChunk(in: 0..<source.count) { chunk in
            guard failure == 0, let base = chunk.baseAddress else { return }
            var off = 0
            while off < chunk.count {
                var n = chunk.count - off
                if let fault {
                    if written >= fault.after { failure = fault.errno; return }
                    n = Swift.min(n, fault.after - written)
                }
                let r = Glibc.write(fd, base + off, n)
                if r < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                off += r
                written += r
            }
        }
        if failure == 0 && fsync(fd) != 0 { failure = errno }
        if close(fd) != 0 && failure == 0 { failure = errno }
        if failure != 0 {
            throw FileError(.io, path, "write failed after \(written) bytes: \(errnoText(failure)); nothing was written to \(path)")
        }
        if overwrite {
            guard rename(temp, path) == 0 else { throw FileError(.io, path, "cannot move the new file into place: \(errnoText())") }
        } else {
            // link() refuses to replace an existing name: no race with another writer.
            guard link(temp, path) == 0 else {
                let e = errno
                throw FileError(e == EEXIST ? .outputExists : .io, path,
                                e == EEXIST ? "already exists (use --force to replace it)" : "cannot create: \(errnoText(e))")
            }
            unlink(temp)
        }
        done = true
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }

    static func split(_ path: String) -> (dir: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let dir = String(path[..<slash])
        return (dir.isEmpty ? "/" : dir, String(path[path.index(after: slash)...]))
    }
}
