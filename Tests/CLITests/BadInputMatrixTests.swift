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
import TestSupport

/// The bad-input matrix (docs/bad-input-matrix.md): every way an input, an output or an argument can
/// be wrong, through the real binary. Each must end with exactly one line on stderr, nothing on
/// stdout, and the exit code documented for its kind of failure, and leave no file behind.
@Suite struct BadInputMatrixTests {
    /// A 256 KiB two-OTA image (boots ota_1) and a small valid app.
    static let image: [UInt8] = {
        var f = FlashImageBuilder.twoOTA(appSize: 0x10000)
        for (slot, seed) in [("factory", UInt8(1)), ("ota_0", 2), ("ota_1", 3)] { f.app(slot, app(seed)) }
        f.otadata(OTAEntry(seq: 2, state: OTAState.undefined), nil)
        return Array(f.bytes().prefix(0x40000))
    }()

    static func app(_ seed: UInt8) -> [UInt8] {
        var b = AppImageBuilder(chip: .esp32)
        let desc = AppDescriptorBuilder(projectName: "matrix", version: "\(seed)", idfVersion: "v5.5.1", date: "Nov 24 2026", time: "12:00:00").bytes()
        b.segments = [.init(loadAddress: 0x3F40_0020, data: desc + AppImageBuilder.pattern(count: 0x40, seed: seed)),
                      .init(loadAddress: 0x3FFB_0000, data: AppImageBuilder.pattern(count: 0x40, seed: seed &+ 1))]
        return b.bytes()
    }

    /// A scratch directory with `in.bin` (the image) and `app.bin`.
    final class Scratch: Sendable {
        let dir = Spawn.tempDir()
        var input: String { dir + "/in.bin" }
        var app: String { dir + "/app.bin" }
        init() {
            try! AtomicFile.write(BadInputMatrixTests.image, to: dir + "/in.bin", overwrite: true)
            try! AtomicFile.write(BadInputMatrixTests.app(9), to: dir + "/app.bin", overwrite: true)
        }
        func path(_ name: String) -> String { dir + "/" + name }
        deinit { Spawn.removeDir(dir) }
    }

    /// Exactly one stderr line `flashscope: error: …` containing `message`, empty stdout, exit `code`.
    static func expectOneLine(_ r: Spawn.Result, code: Int32, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.signal == nil && !r.timedOut, "killed by signal \(r.signal ?? 0)", sourceLocation: sourceLocation)
        #expect(r.status == code, "exit \(String(describing: r.status)), stderr: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderrLines.count == 1, "stderr: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix("flashscope: error: ") && r.stderr.contains(message), "stderr: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stdout.isEmpty, "stdout: \(r.stdout)", sourceLocation: sourceLocation)
        print("matrix: exit \(r.status ?? -1) · \(r.stderr.trimmingCharacters(in: .newlines))")
    }

    // MARK: The input

    @Test func missingFile() {
        let s = Scratch()
        Self.expectOneLine(Spawn.run(["info", s.path("missing.bin")]), code: 66, "missing.bin: no such file")
        Self.expectOneLine(Spawn.run(["info", s.input + "/x.bin"]), code: 66, "no such file")
    }

    @Test func directory() {
        let s = Scratch()
        Self.expectOneLine(Spawn.run(["info", s.dir]), code: 67, "is a directory, not a flash image")
    }

    /// Root reads mode-000 files regardless, so as root the binary runs as nobody (setpriv), which the
    /// kernel holds to the file mode. The same run as root reads the file: the mode is what refuses.
    @Test func unreadableFile() {
        let s = Scratch()
        #expect(chmod(s.input, 0) == 0)
        Self.expectOneLine(Spawn.run(["info", s.input], asNobody: true), code: 77, "in.bin: permission denied")
        #expect(chmod(s.input, 0o644) == 0)
        #expect(Spawn.run(["info", s.input], asNobody: true).status == 0)
    }

    @Test func emptyFile() {
        let s = Scratch()
        try! AtomicFile.write([], to: s.path("empty.bin"), overwrite: true)
        Self.expectOneLine(Spawn.run(["info", s.path("empty.bin")]), code: 65, "empty.bin: the file is empty")
    }

    @Test func fifoDoesNotHang() {
        let s = Scratch()
        #expect(mkfifo(s.path("fifo"), 0o644) == 0)
        let r = Spawn.run(["info", s.path("fifo")], timeout: 20)
        Self.expectOneLine(r, code: 67, "is not a regular file (a FIFO, socket or device)")
        #expect(r.seconds < 10)
    }

    @Test func deviceAsInput() {
        Self.expectOneLine(Spawn.run(["info", "/dev/zero"]), code: 67, "/dev/zero: is not a regular file")
    }

    @Test func notAnImage() {
        let s = Scratch()
        try! AtomicFile.write(Array("hello, not firmware\n".utf8), to: s.path("text.bin"), overwrite: true)
        Self.expectOneLine(Spawn.run(["info", s.path("text.bin")]), code: 65, "not an ESP flash image")
        try! AtomicFile.write([0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 0x10000), to: s.path("a.zip"), overwrite: true)
        Self.expectOneLine(Spawn.run(["info", s.path("a.zip")]), code: 65, "it is a ZIP archive")
    }

    /// A sparse file of several GiB is refused from its size: no memory, no time.
    @Test func hugeSparseFileIsRefusedCheaply() {
        let s = Scratch()
        let fd = open(s.path("huge.bin"), O_CREAT | O_WRONLY, 0o644)
        #expect(ftruncate(fd, 6 << 30) == 0)
        close(fd)
        let r = Spawn.run(["info", s.path("huge.bin")], measureMemory: true)
        Self.expectOneLine(r, code: 65, "is 6.0 GiB (6442450944 bytes); no ESP flash is larger than 128 MiB")
        #expect(r.seconds < 5, "took \(r.seconds) s")
        #expect(r.maxRSSKiB < 40 << 10, "peak RSS \(r.maxRSSKiB) KiB")
        print("matrix: 6 GiB sparse file: exit \(r.status ?? -1) in \(Int(r.seconds * 1000)) ms, peak RSS \(r.maxRSSKiB >> 10) MiB")
    }

    /// The largest real flash (128 MiB), sparse, is read and reported, in bounded memory and time.
    @Test func largestFlashSizeIsHandled() {
        let s = Scratch()
        let fd = open(s.path("128m.bin"), O_CREAT | O_WRONLY, 0o644)
        #expect(ftruncate(fd, 128 << 20) == 0)
        _ = Self.image.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, 0) }
        close(fd)
        let r = Spawn.run(["info", s.path("128m.bin"), "--json"], measureMemory: true)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\"loaded\": \"ota_1\"") || r.stdout.contains("\"loaded\":\"ota_1\""))
        #expect(r.seconds < 60, "took \(r.seconds) s")
        #expect(r.maxRSSKiB < (128 + 64) << 10, "peak RSS \(r.maxRSSKiB) KiB")
        print("matrix: 128 MiB sparse file: exit \(r.status ?? -1) in \(Int(r.seconds * 1000)) ms, peak RSS \(r.maxRSSKiB >> 10) MiB")
    }

    /// The input is rewritten (alternately 256 KiB and cut to 96 KiB) while `set-boot` reads and saves it.
    /// Each run ends cleanly: a complete output that boots ota_0, or an error line and no output.
    /// With a memory map, a read past the cut killed the process with SIGBUS.
    @Test func inputChangingWhileOpen() throws {
        let s = Scratch()
        let full = Self.image, cut = Array(Self.image.prefix(0x18000))
        let stop = Atomic<Bool>(false)
        let input = s.input
        let writer = Thread {
            let fd = open(input, O_WRONLY)
            var flip = false
            while !stop.load(ordering: .relaxed) {
                let data = flip ? cut : full
                _ = data.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, 0) }
                _ = ftruncate(fd, off_t(data.count))
                flip.toggle()
                usleep(200)
            }
            close(fd)
        }
        writer.start()
        var codes: [Int32: Int] = [:]
        for i in 0..<40 {
            let out = s.path("out\(i).bin")
            let r = Spawn.run(["set-boot", s.input, "--slot", "ota_0", "-o", out])
            #expect(r.signal == nil, "run \(i) killed by signal \(r.signal ?? 0): \(r.stderr)")
            codes[r.status ?? -1, default: 0] += 1
            if r.status == 0 {
                let check = try FlashLayout.analyze(try MappedFile(path: out))
                #expect(check.boot?.loaded == "ota_0")
                #expect(check.size == full.count)
            } else {
                #expect([1, 65, 75].contains(r.status ?? -1), "run \(i): \(r.stderr)")
                #expect(r.stderrLines.count == 1)
                #expect(access(out, F_OK) != 0, "run \(i) failed but left \(out)")
            }
        }
        stop.store(true, ordering: .relaxed)
        print("matrix: input changing while open, 40 runs: exit codes \(codes.sorted { $0.key < $1.key })")
        #expect(!Spawn.entries(s.dir).contains { $0.contains(".flashscope-") }, "temp files left: \(Spawn.entries(s.dir))")
    }

    /// A file or partition named with terminal escapes cannot act on the terminal through an error line:
    /// the control characters (and the newline) are shown escaped, and the message stays one line.
    @Test func hostileNameInErrorLine() {
        let s = Scratch()
        let name = s.path("evil\u{1B}]0;pwned\u{07}\n\u{1B}[2J.bin")
        let r = Spawn.run(["info", name])
        Self.expectOneLine(r, code: 66, "evil\\x1b]0;pwned\\x07\\x0a\\x1b[2J.bin: no such file")
        #expect(!r.stderr.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
    }

    /// A flash-encrypted dump (random bytes where bootloader, table and apps are; plaintext otadata
    /// sectors at 0xe000/0xf000) is reported as such, with the plaintext it still holds; not as errors.
    @Test func encryptedDumpIsRecognised() {
        let s = Scratch()
        var bytes = [UInt8](repeating: 0, count: 0x120000)
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in bytes.indices { x ^= x << 13; x ^= x >> 7; x ^= x << 17; bytes[i] = UInt8(truncatingIfNeeded: x) }
        for (at, seq) in [(0xE000, UInt32(1)), (0xF000, UInt32(0))] {
            bytes.replaceSubrange(at..<(at + 0x1000), with: [UInt8](repeating: 0xFF, count: 0x1000))
            bytes.replaceSubrange(at..<(at + 32), with: OTAEntry(seq: seq, state: OTAState.undefined).bytes())
        }
        try! AtomicFile.write(bytes, to: s.path("enc.bin"), overwrite: true)
        let r = Spawn.run(["info", s.path("enc.bin"), "--strict"])
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
        #expect(r.stdout.contains("no plaintext bootloader at 0x0, 0x1000 or 0x2000 and no plaintext partition table; high entropy from 0x0 to 0xe000 and 0x10000 to 0x120000: likely flash-encrypted"))
        #expect(r.stdout.contains("@0xe000  seq 1  state UNDEFINED  crc 4743989a ✓"))
        #expect(r.stdout.contains("@0xf000  seq 0  state UNDEFINED  crc ffffffff ✓"))
        #expect(!r.stdout.contains("error"), "\(r.stdout)")
    }

    // MARK: The output

    @Test func outputInMissingDirectory() {
        let s = Scratch()
        Self.expectOneLine(Spawn.run(["set-boot", s.input, "--slot", "ota_0", "-o", s.path("nodir/out.bin")]), code: 73,
                           "directory \(s.dir)/nodir does not exist")
    }

    @Test func outputInReadOnlyDirectory() {
        let s = Scratch()
        #expect(mkdir(s.path("ro"), 0o555) == 0)
        Self.expectOneLine(Spawn.run(["set-boot", s.input, "--slot", "ota_0", "-o", s.path("ro/out.bin")], asNobody: true),
                           code: 73, "cannot create a file in \(s.dir)/ro: Permission denied")
        #expect(Spawn.entries(s.path("ro")).isEmpty)
    }

    /// Never write to or rename over a device, a directory or a FIFO, even with --force.
    @Test func outputIsNotARegularFile() {
        let s = Scratch()
        #expect(mkfifo(s.path("fifo"), 0o644) == 0)
        for target in ["/dev/null", s.dir, s.path("fifo")] {
            for force in [false, true] {
                Self.expectOneLine(Spawn.run(["set-boot", s.input, "--slot", "ota_0", "-o", target] + (force ? ["--force"] : [])),
                                   code: 73, "exists and is not a regular file; refusing to write over it")
            }
        }
        var st = stat()
        #expect(stat("/dev/null", &st) == 0 && st.st_mode & S_IFMT == S_IFCHR)
        #expect(Spawn.entries(s.dir) == ["app.bin", "fifo", "in.bin"])
    }

    @Test func outputExistsOrIsTheInput() {
        let s = Scratch()
        try! AtomicFile.write([1, 2, 3], to: s.path("old.bin"), overwrite: true)
        Self.expectOneLine(Spawn.run(["set-boot", s.input, "--slot", "ota_0", "-o", s.path("old.bin")]), code: 73,
                           "old.bin: already exists (use --force to replace it)")
        Self.expectOneLine(Spawn.run(["set-boot", s.input, "--slot", "ota_0", "-o", s.input, "--force"]), code: 73,
                           "is the input file")
        #expect(Spawn.read(s.path("old.bin")) == "\u{1}\u{2}\u{3}")
    }

    /// A full or failing disk, injected after 64 KiB and at the first byte: no partial output, no temp file.
    @Test(arguments: [("ENOSPC:65536", "write failed after 65536 bytes: No space left on device"),
                      ("EIO:0", "write failed after 0 bytes: Input/output error")])
    func writeFailsMidway(fault: String, message: String) {
        let s = Scratch()
        let before = Spawn.read(s.input)
        for cmd in [["set-boot", s.input, "--slot", "ota_0"], ["stage", s.input, "--slot", "ota_0", "--app", s.app, "--commit"]] {
            Self.expectOneLine(Spawn.run(cmd + ["-o", s.path("out.bin")], env: ["FLASHSCOPE_FAIL_WRITE": fault]), code: 74,
                               "out.bin: \(message); nothing was written to \(s.path("out.bin"))")
            #expect(Spawn.entries(s.dir) == ["app.bin", "in.bin"])
        }
        #expect(Spawn.read(s.input) == before)
    }

    /// A real full disk: a 128 KiB tmpfs in a private mount namespace (`unshare -r -m`, no privileges
    /// needed) as the output directory for a 256 KiB image. The kernel's ENOSPC, not the seam's.
    @Test func realDiskFull() {
        let s = Scratch()
        #expect(mkdir(s.path("full"), 0o755) == 0)
        for (i, cmd) in [["set-boot", s.input, "--slot", "ota_0"], ["stage", s.input, "--slot", "ota_0", "--app", s.app, "--commit"]].enumerated() {
            let quoted = ([FlashScopeBinary.path] + cmd + ["-o", s.path("full/out.bin")]).map { "'\($0)'" }.joined(separator: " ")
            let script = "mount -t tmpfs -o size=128k tmpfs '\(s.path("full"))' || exit 99; \(quoted); rc=$?; ls -A '\(s.path("full"))' > '\(s.path("left\(i)"))'; exit $rc"
            let r = Spawn.run(["-r", "-m", "sh", "-c", script], binary: "/usr/bin/unshare")
            Self.expectOneLine(r, code: 74, "out.bin: write failed after 131072 bytes: No space left on device; nothing was written to")
            #expect(Spawn.read(s.path("left\(i)")) == "", "left on the full disk: \(Spawn.read(s.path("left\(i)")))")
        }
    }

    // MARK: Arguments

    @Test(arguments: ["zzz", "-0x1000", "0x100000000", "99999999999999999999999", "0x8001", "0x", "4G", "", "0x1000000000000000000"])
    func badOffset(_ value: String) {
        let s = Scratch()
        Self.expectOneLine(Spawn.run(["info", s.input, "--pt-offset", value]), code: 64, "--pt-offset")
    }

    @Test func unknownSlot() {
        let s = Scratch()
        Self.expectOneLine(Spawn.run(["set-boot", s.input, "--slot", "ota_7", "-o", s.path("o.bin")]), code: 1,
                           "ESP_ERR_NOT_FOUND: no partition named 'ota_7'")
        // As esp_ota_set_boot_partition does, the image check comes first: a data partition fails it.
        Self.expectOneLine(Spawn.run(["set-boot", s.input, "--slot", "nvs", "-o", s.path("o.bin")]), code: 1,
                           "ESP_ERR_OTA_VALIDATE_FAILED: nvs")
        #expect(Spawn.entries(s.dir) == ["app.bin", "in.bin"])
    }

    @Test(arguments: [["--idf", "7"], ["--idf", "-1"], ["--idf", "99999999999999999999999"], ["--idf", "six"]])
    func badNumbersInOptions(_ extra: [String]) {
        let s = Scratch()
        Self.expectOneLine(Spawn.run(["set-boot", s.input, "--slot", "ota_0", "--dry-run"] + extra), code: 64, "--idf")
    }

    @Test(arguments: ["0", "-1", "1001", "18446744073709551616"])
    func badBootCount(_ n: String) {
        let s = Scratch()
        Self.expectOneLine(Spawn.run(["boot", s.input, "--boots", n]), code: 64, "boots")
    }

    @Test func garbageArguments() {
        let s = Scratch()
        Self.expectOneLine(Spawn.run(["info", s.input, "--frobnicate"]), code: 64, "--frobnicate")
        Self.expectOneLine(Spawn.run(["set-boot", s.input, "--slot", "ota_0"]), code: 64, "give -o OUT")
        Self.expectOneLine(Spawn.run(["mark", s.input, "--valid", "--invalid", "--dry-run"]), code: 64, "exactly one of")
        Self.expectOneLine(Spawn.run(["stage", s.input, "--slot", "ota_0", "--app", s.path("none.bin"), "-o", s.path("o.bin")]),
                           code: 66, "none.bin: no such file")
        Self.expectOneLine(Spawn.run(["stage", s.input, "--slot", "ota_0", "--app", s.dir, "-o", s.path("o.bin")]),
                           code: 67, "is a directory")
        Self.expectOneLine(Spawn.run(["info", s.input, "--pt-offset"]), code: 64, "--pt-offset")
    }
}
