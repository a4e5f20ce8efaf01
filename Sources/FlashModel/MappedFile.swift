#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlashFormats

/// Why a file could not be opened, with the exit code the CLI uses for it.
public struct FileError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case notFound, notRegular, unreadable, io, outputExists, outputUnwritable, changedOnDisk, tooLarge }
    public let kind: Kind
    public let path: String
    public let detail: String
    public init(_ kind: Kind, _ path: String, _ detail: String) { self.kind = kind; self.path = path; self.detail = detail }
    public var description: String { "\(path): \(detail)" }
}

func errnoText(_ e: Int32 = errno) -> String { String(cString: strerror(e)) }

/// An input file's bytes, copied into memory when it is opened: the only place FlashScope reads an
/// input file. (The name is historical: it used to be a memory map.)
///
/// Why a copy and not `mmap`: a mapped file that another process truncates raises SIGBUS on the next
/// access past its new end, which would kill the program in the middle of a report or a save. A copy
/// turns every change into an ordinary error instead: the bytes are read once with `read(2)`; a file
/// that ends early, grows, or whose size or modification time differs after the read was changed while
/// being read and is refused (`.changedOnDisk`). Later changes cannot touch the copy;
/// `changedOnDisk()` notices them before anything is saved.
///
/// Files over `maxSize` are refused before any byte is read (no ESP flash is that large), so a sparse
/// multi-GiB file costs neither memory nor time. Immutable after `init`, so sharing it across threads
/// is safe (`@unchecked Sendable`: the buffer is never written after `init`).
public final class MappedFile: ByteSource, @unchecked Sendable {
    /// Twice the largest flash an image header can declare (128 MiB).
    public static let maxSize = 256 << 20

    public let path: String
    public let count: Int
    /// Identity of the file when it was opened, to notice changes before saving over it.
    public let device: UInt64
    public let inode: UInt64
    public let modified: timespec
    private let base: UnsafeMutableRawPointer?

    public init(path: String) throws(FileError) {
        self.path = path
        // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused just below).
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else {
            let e = errno
            switch e {
            case ENOENT, ENOTDIR: throw FileError(.notFound, path, "no such file")
            case EACCES, EPERM: throw FileError(.unreadable, path, "permission denied (cannot read it)")
            default: throw FileError(.unreadable, path, "cannot open: \(errnoText(e))")
            }
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FileError(.io, path, errnoText()) }
        let type = st.st_mode & S_IFMT
        if type == S_IFDIR { throw FileError(.notRegular, path, "is a directory, not a flash image") }
        guard type == S_IFREG else {
            throw FileError(.notRegular, path, "is not a regular file (a FIFO, socket or device); copy it to a file first")
        }
        let size = Int(st.st_size)
        guard size <= Self.maxSize else {
            throw FileError(.tooLarge, path, "is \(Self.sizeText(size)); no ESP flash is larger than 128 MiB, so this is not a flash dump")
        }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        modified = st.st_mtim
        count = size
        guard size > 0 else { base = nil; return }

        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        var done = 0
        while done < size {
            let n = read(fd, buffer + done, size - done)
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                let e = errno
                buffer.deallocate()
                throw FileError(.io, path, "read failed after \(done) of \(size) bytes: \(errnoText(e))")
            }
            if n == 0 {
                buffer.deallocate()
                throw FileError(.changedOnDisk, path, "shrank from \(size) to \(done) bytes while being read; nothing was done (try again when it no longer changes)")
            }
            done += n
        }
        // The copy is only good if nothing changed during it: no more bytes, same size and mtime.
        var probe: UInt8 = 0
        var after = stat()
        if read(fd, &probe, 1) != 0 || fstat(fd, &after) != 0 || Int(after.st_size) != size
            || after.st_mtim.tv_sec != st.st_mtim.tv_sec || after.st_mtim.tv_nsec != st.st_mtim.tv_nsec {
            buffer.deallocate()
            throw FileError(.changedOnDisk, path, "changed while being read; nothing was done (try again when it no longer changes)")
        }
        base = buffer
    }

    deinit { base?.deallocate() }

    public func forEachChunk(in range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        let r = clip(range)
        guard !r.isEmpty, let base else { return }
        try body(UnsafeRawBufferPointer(start: base + r.lowerBound, count: r.count))
    }

    /// True when the file on disk is no longer the one read (replaced, resized or modified).
    /// - Parameter compareContent: also read the file again and compare it with the copy. File times
    ///   have a granularity of a few milliseconds, so a same-size rewrite right after the read can keep
    ///   the same mtime; saving uses this before it writes anything.
    public func changedOnDisk(compareContent: Bool = false) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return true }
        if UInt64(st.st_dev) != device || UInt64(st.st_ino) != inode || Int(st.st_size) != count
            || st.st_mtim.tv_sec != modified.tv_sec || st.st_mtim.tv_nsec != modified.tv_nsec { return true }
        guard compareContent, let base else { return false }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { return true }
        defer { close(fd) }
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var done = 0
        while done < count {
            let n = read(fd, buffer, Swift.min(chunk, count - done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0, memcmp(buffer, base + done, n) == 0 else { return true }
            done += n
        }
        return read(fd, buffer, 1) != 0
    }

    static func sizeText(_ n: Int) -> String {
        if n >= 1 << 30 { return "\(n >> 30).\((n % (1 << 30)) * 10 >> 30) GiB (\(n) bytes)" }
        return "\(n >> 20) MiB (\(n) bytes)"
    }
}
