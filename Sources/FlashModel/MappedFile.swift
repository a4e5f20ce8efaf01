#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlashFormats

/// Why a file could not be opened, with the exit code the CLI uses for it.
public struct FileError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case notFound, notRegular, unreadable, io, outputExists, outputUnwritable, changedOnDisk }
    public let kind: Kind
    public let path: String
    public let detail: String
    public init(_ kind: Kind, _ path: String, _ detail: String) { self.kind = kind; self.path = path; self.detail = detail }
    public var description: String { "\(path): \(detail)" }
}

func errnoText(_ e: Int32 = errno) -> String { String(cString: strerror(e)) }

/// A read-only memory map of a whole file: the only place FlashScope reads an input file.
///
/// Immutable after `init`; the mapping lives as long as the object, so sharing it across threads is
/// safe (`@unchecked Sendable`: the pointer is never written through).
public final class MappedFile: ByteSource, @unchecked Sendable {
    public let path: String
    public let count: Int
    /// Identity of the file when it was opened, to notice changes before saving over it.
    public let device: UInt64
    public let inode: UInt64
    public let modified: timespec
    private let base: UnsafeRawPointer?

    public init(path: String) throws(FileError) {
        self.path = path
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw FileError(errno == ENOENT ? .notFound : .unreadable, path, errnoText())
        }
        let type = st.st_mode & S_IFMT
        if type == S_IFDIR { throw FileError(.notRegular, path, "is a directory, not a flash image") }
        guard type == S_IFREG else { throw FileError(.notRegular, path, "is not a regular file (a FIFO, socket or device); copy it to a file first") }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(.unreadable, path, "cannot open: \(errnoText())") }
        defer { close(fd) }
        var fst = stat()
        guard fstat(fd, &fst) == 0 else { throw FileError(.io, path, errnoText()) }
        device = UInt64(fst.st_dev)
        inode = UInt64(fst.st_ino)
        modified = fst.st_mtim
        let size = Int(fst.st_size)
        count = size
        if size == 0 {
            base = nil
            return
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw FileError(.io, path, "cannot map \(size) bytes: \(errnoText())")
        }
        _ = madvise(p, size, MADV_RANDOM)
        base = UnsafeRawPointer(p)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }

    public func forEachChunk(in range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        let r = clip(range)
        guard !r.isEmpty, let base else { return }
        try body(UnsafeRawBufferPointer(start: base + r.lowerBound, count: r.count))
    }

    /// True when the file on disk is no longer the one mapped (replaced, resized or modified).
    public func changedOnDisk() -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return true }
        return UInt64(st.st_dev) != device || UInt64(st.st_ino) != inode || Int(st.st_size) != count
            || st.st_mtim.tv_sec != modified.tv_sec || st.st_mtim.tv_nsec != modified.tv_nsec
    }
}
