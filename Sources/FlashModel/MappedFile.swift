#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CFileGuard
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

/// A read-only memory map of an input file: the only place FlashScope reads one.
///
/// Mapping costs nothing up front and only the pages looked at are read, so a 128 MiB dump is shown
/// with a few MiB of memory. A mapped file that another process truncates would raise SIGBUS on the
/// next access past its new end; the mapping is registered with a SIGBUS guard (CFileGuard) that maps
/// zeros over the vanished pages instead and counts the fault, and `changedWhileOpen` reports it so
/// the caller refuses the result (exit 75) rather than dying. Files over `maxSize` are refused before
/// anything is mapped (no ESP flash is that large).
///
/// Immutable after `init`, so sharing it across threads is safe (`@unchecked Sendable`: nothing is
/// ever written through the pointer).
public final class MappedFile: ByteSource, @unchecked Sendable {
    /// Twice the largest flash an image header can declare (128 MiB).
    public static let maxSize = 256 << 20

    public let path: String
    public let count: Int
    /// Identity of the file when it was opened, to notice changes before saving over it.
    public let device: UInt64
    public let inode: UInt64
    public let modified: timespec
    private let base: UnsafeRawPointer?

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
        modified = Platform.modified(st)
        count = size
        guard size > 0 else { base = nil; return }
        _ = fg_install()
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw FileError(.io, path, "cannot map \(size) bytes: \(errnoText())")
        }
        _ = fg_register(p, size)
        base = UnsafeRawPointer(p)
    }

    deinit {
        if let base {
            fg_unregister(base)
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        }
    }

    public func forEachChunk(in range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        let r = clip(range)
        guard !r.isEmpty, let base else { return }
        try body(UnsafeRawBufferPointer(start: base + r.lowerBound, count: r.count))
    }

    /// Lets go of the pages of `range` this process has read (they stay in the page cache and are read
    /// back on the next access), so a long scan — a CRC-32 of a 112 MiB partition — does not leave its
    /// whole range counted in the process's memory.
    public func releasePages(_ range: Range<Int>) {
        guard let base else { return }
        let r = clip(range)
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let lo = (r.lowerBound + page - 1) / page * page, hi = r.upperBound / page * page
        guard hi > lo else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + lo), hi - lo, MADV_DONTNEED)
    }

    /// True when reading the mapping hit pages the file no longer has (it shrank while open): those
    /// bytes read as zeros, so nothing computed from them may be trusted.
    public var changedWhileOpen: Bool { base.map { fg_fault_count($0) > 0 } ?? false }

    /// True when the file on disk is no longer the one opened (replaced, resized, modified — the mtime
    /// is compared to the nanosecond), or it shrank while mapped.
    public func changedOnDisk() -> Bool {
        if changedWhileOpen { return true }
        var st = stat()
        guard stat(path, &st) == 0 else { return true }
        return UInt64(st.st_dev) != device || UInt64(st.st_ino) != inode || Int(st.st_size) != count
            || Platform.modified(st).tv_sec != modified.tv_sec || Platform.modified(st).tv_nsec != modified.tv_nsec
    }

    static func sizeText(_ n: Int) -> String {
        if n >= 1 << 30 { return "\(n >> 30).\((n % (1 << 30)) * 10 >> 30) GiB (\(n) bytes)" }
        return "\(n >> 20) MiB (\(n) bytes)"
    }
}
