#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization
import Testing
import FlashFormats
import FlashModel

/// The input file is untrusted too: it may vanish, shrink, grow or be replaced while FlashScope has
/// it open, or not be a regular file at all. None of that may crash the program or reach the output.
@Suite struct InputFileTests {
    static func tempDir() -> String {
        var template = Array("/tmp/flashscope-robust-XXXXXX".utf8CString)
        return String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
    }
    static func remove(_ dir: String) { if dir.hasPrefix("/tmp/flashscope-robust-") { _ = system("rm -rf '\(dir)'") } }
    static func kind(_ body: () throws -> Void) -> FileError.Kind? {
        do { try body(); return nil } catch let e as FileError { return e.kind } catch { return nil }
    }

    /// A memory-mapped file truncated by another process would raise SIGBUS on the next read past its
    /// new end. The mapping's SIGBUS guard turns the vanished pages into zeros and records it: reading
    /// completes, the file reports itself changed, and saving refuses.
    @Test func truncatedAfterOpenIsHarmless() throws {
        let dir = Self.tempDir(); defer { Self.remove(dir) }
        let path = dir + "/in.bin", out = dir + "/out.bin"
        let original = Fixture.flash()
        try AtomicFile.write(original, to: path, overwrite: true)
        let f = try MappedFile(path: path)
        #expect(!f.changedWhileOpen)
        #expect(truncate(path, 4096) == 0)
        let after = f.bytes(0..<f.count)          // would have been SIGBUS
        #expect(after.count == original.count)
        #expect(Array(after[0..<4096]) == Array(original[0..<4096]))
        #expect(after[4096...].allSatisfy { $0 == 0 }, "vanished pages read as zeros")
        #expect(f.changedWhileOpen && f.changedOnDisk())
        _ = try FlashLayout.analyze(f)            // no trap on the zeroed pages either
        let doc = FlashDocument(file: f)
        try doc.write([0], at: 0xE000, label: "edit")
        #expect(Self.kind { _ = try ImageSaver.save(doc, to: out) } == .changedOnDisk)
        #expect(access(out, F_OK) != 0)
        #expect(Self.kind { _ = try ImageSaver.save(doc, to: path, inPlace: true) } == .changedOnDisk)
        #expect(access(path + ".bak", F_OK) != 0)
    }

    /// An in-place rewrite is noticed by its new modification time (compared to the nanosecond).
    /// (A rewrite that also puts the old nanosecond mtime back is not: the mapping shows the file's
    /// current bytes, so there is nothing older to compare them with.)
    @Test func sameSizeRewriteIsNoticed() throws {
        let dir = Self.tempDir(); defer { Self.remove(dir) }
        let path = dir + "/in.bin"
        var bytes = Fixture.flash()
        try AtomicFile.write(bytes, to: path, overwrite: true)
        let f = try MappedFile(path: path)
        var ts = timespec(); clock_gettime(CLOCK_REALTIME, &ts)
        while true { var now = timespec(); clock_gettime(CLOCK_REALTIME, &now); if now.tv_nsec != ts.tv_nsec || now.tv_sec != ts.tv_sec { break } }
        bytes[0xD000] ^= 0xFF
        let fd = open(path, O_WRONLY)
        #expect(fd >= 0)
        _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + 0xD000, 1, 0xD000) }
        close(fd)
        #expect(f.changedOnDisk())
        let doc = FlashDocument(file: f)
        #expect(Self.kind { _ = try ImageSaver.save(doc, to: dir + "/out.bin") } == .changedOnDisk)
        #expect(access(dir + "/out.bin", F_OK) != 0)
    }

    @Test func grownOrReplacedAfterOpenIsNoticed() throws {
        let dir = Self.tempDir(); defer { Self.remove(dir) }
        let a = dir + "/a.bin", b = dir + "/b.bin"
        try AtomicFile.write(Fixture.flash(), to: a, overwrite: true)
        let f = try MappedFile(path: a)
        #expect(!f.changedOnDisk())
        let fd = open(a, O_WRONLY | O_APPEND)
        var one: UInt8 = 0xFF
        #expect(write(fd, &one, 1) == 1)
        close(fd)
        #expect(f.changedOnDisk())
        let g = try MappedFile(path: a)
        try AtomicFile.write(Fixture.flash(), to: b, overwrite: true)
        #expect(rename(b, a) == 0)
        #expect(g.changedOnDisk())
    }

    @Test func notRegularFilesAreRefusedWithoutBlocking() throws {
        let dir = Self.tempDir(); defer { Self.remove(dir) }
        #expect(mkfifo(dir + "/fifo", 0o600) == 0)
        // Opening a FIFO for reading would wait for a writer forever; it must be refused at once.
        #expect(Self.kind { _ = try MappedFile(path: dir + "/fifo") } == .notRegular)
        #expect(Self.kind { _ = try MappedFile(path: dir) } == .notRegular)
        #expect(Self.kind { _ = try MappedFile(path: "/dev/null") } == .notRegular)
        #expect(Self.kind { _ = try MappedFile(path: "/dev/zero") } == .notRegular)
        #expect(Self.kind { _ = try MappedFile(path: dir + "/missing.bin") } == .notFound)
        #expect(Self.kind { _ = try MappedFile(path: dir + "/missing/x.bin") } == .notFound)
        let empty = try MappedFile(path: { try! AtomicFile.write([], to: dir + "/empty", overwrite: true); return dir + "/empty" }())
        #expect(empty.count == 0 && empty.bytes(0..<10).isEmpty)
    }

    /// A sparse file of several GiB is refused from its size alone: no memory, no time.
    @Test func hugeSparseFileIsRefusedCheaply() throws {
        let dir = Self.tempDir(); defer { Self.remove(dir) }
        let path = dir + "/huge.bin"
        let fd = open(path, O_CREAT | O_WRONLY, 0o644)
        #expect(ftruncate(fd, 6 << 30) == 0)
        close(fd)
        let clock = ContinuousClock()
        let t = clock.measure {
            #expect(Self.kind { _ = try MappedFile(path: path) } == .tooLarge)
        }
        #expect(t < .seconds(1))
        // Just over the limit is refused; at the limit is read.
        #expect(truncate(path, off_t(MappedFile.maxSize + 1)) == 0)
        #expect(Self.kind { _ = try MappedFile(path: path) } == .tooLarge)
    }

    /// Opens a file over and over while another thread keeps truncating and rewriting it. Every open
    /// either gets a consistent size or is refused as changed; nothing crashes (a memory map did).
    @Test func fileChangingUnderConcurrentOpensNeverCrashes() throws {
        let dir = Self.tempDir(); defer { Self.remove(dir) }
        let path = dir + "/busy.bin"
        let big = [UInt8](repeating: 0xAA, count: 1 << 20), small = [UInt8](repeating: 0xBB, count: 1 << 16)
        try AtomicFile.write(big, to: path, overwrite: true)
        let stop = Atomic<Bool>(false)
        let writer = Thread {
            let fd = open(path, O_WRONLY)
            var flip = false
            while !stop.load(ordering: .relaxed) {
                let data = flip ? small : big
                _ = ftruncate(fd, 0)
                _ = data.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, 0) }
                flip.toggle()
            }
            close(fd)
        }
        writer.start()
        defer { stop.store(true, ordering: .relaxed) }
        var opened = 0, refused = 0
        for _ in 0..<300 {
            do {
                let f = try MappedFile(path: path)
                #expect(f.count <= big.count)
                _ = try? FlashLayout.analyze(f)
                opened += 1
            } catch {
                #expect(error.kind == .changedOnDisk || error.kind == .io, "\(error)")
                refused += 1
            }
        }
        #expect(opened + refused == 300)
    }
}
