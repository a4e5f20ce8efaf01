#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything in FlashModel that differs between Linux (Glibc) and macOS (Darwin); the rest of the
/// target calls through here.
enum Platform {
    /// The modification time of a `stat` result: `st_mtim` on Linux, `st_mtimespec` on Darwin.
    static func modified(_ st: stat) -> timespec {
        #if canImport(Darwin)
        st.st_mtimespec
        #else
        st.st_mtim
        #endif
    }

    /// write(2), named through its module (inside types that have a `write` method of their own).
    static func write(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.write(fd, buffer, count)
        #else
        Darwin.write(fd, buffer, count)
        #endif
    }

    typealias CopyFileRange = @convention(c) (Int32, UnsafeMutablePointer<Int64>?, Int32, UnsafeMutablePointer<Int64>?, Int, UInt32) -> Int
    /// glibc's `copy_file_range` (2.27+), looked up at run time: Swift's Glibc module does not export
    /// it. nil on Darwin, which has none: saving then writes the bytes it holds (the mapped input).
    static let copyFileRange: CopyFileRange? = {
        #if os(Linux)
        guard let sym = dlsym(dlopen(nil, RTLD_NOW), "copy_file_range") else { return nil }
        return unsafeBitCast(sym, to: CopyFileRange.self)
        #else
        return nil
        #endif
    }()
}
