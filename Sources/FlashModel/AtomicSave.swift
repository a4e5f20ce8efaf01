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
        // Small pieces (edited 4 KiB sectors) are gathered and written 1 MiB at a time.
        var pending: [UInt8] = []
        func put(_ chunk: UnsafeRawBufferPointer) {
            guard failure == 0, !chunk.isEmpty else { return }
            if chunk.count < 1 << 16 {
                if pending.isEmpty { pending.reserveCapacity(1 << 20) }
                pending.append(contentsOf: chunk)
                if pending.count >= 1 << 20 { flush() }
            } else {
                flush()
                writeOut(chunk)
            }
        }
        func flush() {
            guard !pending.isEmpty else { return }
            pending.withUnsafeBytes { writeOut($0) }
            pending.removeAll(keepingCapacity: true)
        }
        func writeOut(_ chunk: UnsafeRawBufferPointer) {
            guard failure == 0, let base = chunk.baseAddress else { return }
            var off = 0
            while off < chunk.count {
                var n = chunk.count - off
                if let fault {
                    if written >= fault.after { failure = fault.errno; return }
                    n = Swift.min(n, fault.after - written)
                }
                let r = Platform.write(fd, base + off, n)
                if r < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                off += r
                written += r
            }
        }
        var changedInput: MappedFile?
        if fault == nil, let pieces = source as? any PiecewiseSource {
            // Unchanged runs of the input file are copied by the kernel, file to file: a 4 KiB edit of a
            // 128 MiB image neither reads the image into this process nor copies it through user space.
            var copier: FileCopier?
            pieces.forEachPiece(in: 0..<source.count) { piece in
                guard failure == 0 else { return }
                switch piece {
                case .bytes(let b): put(b)
                case .file(let file, let r):
                    flush()
                    if copier?.file !== file { copier = FileCopier(file) }
                    var done = 0
                    if let c = copier { done = c.copy(r, to: fd, failure: &failure) }
                    written += done
                    if done < r.count && failure == 0 { file.forEachChunk(in: (r.lowerBound + done)..<r.upperBound, put) }
                }
            }
            if failure == 0, let c = copier, !c.unchanged() { changedInput = c.file }
        } else {
            source.forEachChunk(in: 0..<source.count, put)
        }
        flush()
        if failure == 0 && fsync(fd) != 0 { failure = errno }
        if close(fd) != 0 && failure == 0 { failure = errno }
        if failure != 0 {
            throw FileError(.io, path, "write failed after \(written) bytes: \(errnoText(failure)); nothing was written to \(path)")
        }
        if let f = changedInput {
            throw FileError(.changedOnDisk, f.path, "changed on disk while being saved; nothing was written to \(path) (open it again)")
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

/// Where a piece of a source's bytes comes from, for saving.
enum SourcePiece {
    case bytes(UnsafeRawBufferPointer)
    /// Bytes identical to this range of the input file.
    case file(MappedFile, Range<Int>)
}

/// A source that can say which of its bytes are an unchanged input file, so that saving lets the
/// kernel copy those (`copy_file_range`) instead of reading and writing them.
protocol PiecewiseSource: ByteSource {
    func forEachPiece(in range: Range<Int>, _ body: (SourcePiece) throws -> Void) rethrows
}

extension MappedFile: PiecewiseSource {
    func forEachPiece(in range: Range<Int>, _ body: (SourcePiece) throws -> Void) rethrows {
        let r = clip(range)
        if !r.isEmpty { try body(.file(self, r)) }
    }
}

extension FlashDocument: PiecewiseSource {
    func forEachPiece(in range: Range<Int>, _ body: (SourcePiece) throws -> Void) rethrows {
        let input = base as? MappedFile
        try forEachOverlaidPiece(in: range) { piece in
            switch piece {
            case .edited(let b): try body(.bytes(b))
            case .original(let r):
                if let input { try body(.file(input, r)) } else { try base.forEachChunk(in: r) { try body(.bytes($0)) } }
            }
        }
    }
}

/// Copies ranges of an input file into the output inside the kernel. Opened only when the file on disk
/// is still the one that was read (device, inode, size, modification time); otherwise, or where the
/// kernel cannot copy (another file system, an old kernel), the caller writes the bytes it holds.
final class FileCopier {
    let file: MappedFile
    private let fd: Int32

    /// `copy_file_range`, where the system has it (see `Platform.copyFileRange`).
    static let copyFileRange = Platform.copyFileRange

    init?(_ file: MappedFile) {
        guard Self.copyFileRange != nil else { return nil }
        let fd = open(file.path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { return nil }
        self.file = file
        self.fd = fd
        guard unchanged() else { return nil }   // deinit closes fd
    }

    deinit { close(fd) }

    /// True while the open file is the one that was read.
    func unchanged() -> Bool {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return false }
        return st.st_mode & S_IFMT == S_IFREG && UInt64(st.st_dev) == file.device && UInt64(st.st_ino) == file.inode
            && Int(st.st_size) == file.count
            && Platform.modified(st).tv_sec == file.modified.tv_sec && Platform.modified(st).tv_nsec == file.modified.tv_nsec
    }

    /// Appends `range` of the file to `out` (at its current position); returns how many bytes were
    /// copied. Stops early, without an error, where the kernel cannot copy; sets `failure` for a
    /// failure of the output (full disk, I/O error).
    func copy(_ range: Range<Int>, to out: Int32, failure: inout Int32) -> Int {
        guard let cfr = Self.copyFileRange else { return 0 }
        var offset = Int64(range.lowerBound)
        var done = 0
        while done < range.count {
            let n = cfr(fd, &offset, out, nil, Swift.min(range.count - done, 1 << 30), 0)
            if n > 0 { done += n; continue }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && [ENOSPC, EDQUOT, EIO, EFBIG].contains(errno) { failure = errno }
            break
        }
        return done
    }
}
