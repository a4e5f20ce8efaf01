#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import TestSupport
import FlashFormats
import FlashModel

/// Timings of the real binary on a 128 MiB image, measured from outside through tmux: time to
/// the first full frame, key-press-to-redraw for Page Down and for jumps, and peak RSS.
/// Runs only with `FLASHSCOPE_BENCH=1` (point `FLASHSCOPE_BIN` at a release build for the
/// figures in the notes). Resolution: one `tmux capture-pane` round trip (a few ms).
@Suite("Benchmark (FLASHSCOPE_BENCH=1)", .serialized,
       .enabled(if: ProcessInfo.processInfo.environment["FLASHSCOPE_BENCH"] == "1" && Tmux.available))
struct BenchTests {
    static let size = 128 << 20

    /// 128 MiB: bootloader, table, otadata selecting ota_1, three 4 MiB app slots with 3 MiB
    /// images, a 100 MiB data partition of noise, erased space at the end.
    static func image() -> [UInt8] {
        var b = FlashImageBuilder.twoOTA(flashSize: size, appSize: 0x40_0000)
        b.partitions.append(PartitionEntry(name: "storage", type: 1, subtype: 0x82, offset: 0xC1_0000, size: 100 << 20))
        for (name, seed) in [("factory", UInt8(1)), ("ota_0", 2), ("ota_1", 3)] {
            b.app(name, AppImageBuilder.typicalApp(chip: .esp32, project: "bench", version: "1.\(seed)", codeSize: 0x30_0000, seed: seed).bytes())
        }
        b.otadata(OTAEntry(seq: 2, state: OTAState.undefined), nil)
        var noise = [UInt8](repeating: 0, count: 100 << 20)
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        noise.withUnsafeMutableBytes { raw in
            let words = raw.bindMemory(to: UInt64.self)
            for i in words.indices {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17
                words[i] = x
            }
        }
        b.contents.append((0xC1_0000, noise))
        return b.bytes()
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Polls the screen as fast as tmux answers until `condition`; seconds since `start`.
    static func until(_ t: Tmux, since start: Double, timeout: Double = 30, _ condition: ([String]) -> Bool) -> Double? {
        while now() - start < timeout {
            if condition(t.screen()) { return now() - start }
        }
        return nil
    }

    static func ms(_ s: Double?) -> String { s.map { String(Int(($0 * 1000).rounded())) + " ms" } ?? "timeout" }

    static func summary(_ xs: [Double]) -> String {
        let v = xs.sorted()
        guard !v.isEmpty else { return "no samples" }
        return "median \(ms(v[v.count / 2])), p90 \(ms(v[min(v.count - 1, v.count * 9 / 10)])), max \(ms(v.last)) over \(v.count)"
    }

    @Test("128 MiB image: first frame, page down, jumps, peak memory", arguments: [(120, 40), (80, 24)])
    func bench(size: (Int, Int)) throws {
        let dir = Paths.tempDirectory()
        defer { _ = shell("rm -rf \(quote(dir))") }
        let path = dir + "/big.bin"
        try Data(Self.image()).write(to: URL(fileURLWithPath: path))
        if let keep = ProcessInfo.processInfo.environment["FLASHSCOPE_BENCH_IMAGE"] {
            _ = shell("cp \(quote(path)) \(quote(keep))")
        }
        var report = ["binary: \(Paths.binary)", "terminal: \(size.0)×\(size.1)"]

        let start = Self.now()
        let t = try Tmux("sh -c \(quote("echo $$ > pid; exec \(quote(Paths.binary)) tui big.bin"))", width: size.0, height: size.1, directory: dir)
        defer { t.kill() }
        let first = Self.until(t, since: start) { s in s.last?.contains("? help") == true && s.contains { $0.contains("boots ota_1") } }
        if first == nil { print("BENCH screen:\n" + t.screen().joined(separator: "\n")) }
        report.append("first full frame: \(Self.ms(first))")
        if size.0 >= 118 {
            let crc = Self.until(t, since: start) { s in s.contains { $0.contains("ota_1 CRC-32") } && !s.contains { $0.contains("computing") } }
            report.append("frame with the selected partition's CRC-32 (4 MiB): \(Self.ms(crc))")
        }

        func memory() -> String {
            let pid = Paths.read(dir + "/pid").map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
            let status = Paths.read("/proc/\(pid)/status").map { String(decoding: $0, as: UTF8.self) } ?? ""
            return status.split(separator: "\n").filter { $0.hasPrefix("VmHWM") || $0.hasPrefix("RssAnon") || $0.hasPrefix("RssFile") }
                .map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ") }.joined(separator: ", ")
        }
        report.append("memory after the first frame: \(memory())")

        // Into the hex pane, then to the noise partition.
        func position(_ s: [String]) -> String? {
            s.first { $0.contains("Hex") || $0.contains("Detail") }.flatMap { line in
                line.split(separator: " ").first { $0.hasPrefix("0x0") && $0.count == 10 }.map(String.init)
            }
        }
        t.press("g"); t.type("storage"); t.press("Enter")
        _ = Self.until(t, since: Self.now()) { position($0) == "0x00c10000" }

        var pageDown: [Double] = []
        for _ in 0..<30 {
            let before = position(t.screen())
            let s = Self.now()
            t.press("NPage")
            if let d = Self.until(t, since: s, { position($0) != before }) { pageDown.append(d) }
        }
        report.append("Page Down in data: \(Self.summary(pageDown))")

        var jumps: [Double] = []
        for target in [0x7F0_0000, 0x100, 0x500_0000, 0x420_0000, 0x7FF_FFF0, 0xC1_0000, 0x60_0000, 0x7A0_0000] {
            t.press("g"); t.type(Hex.short(target))
            let want = "0x" + Hex.padded(target, 8)
            let s = Self.now()
            t.press("Enter")
            if let d = Self.until(t, since: s, { position($0) == want }) { jumps.append(d) }
        }
        report.append("jump to offset (g, Enter): \(Self.summary(jumps))")

        // Page Down through erased space (collapsed runs) and from the end of the noise.
        t.press("g"); t.type("0xb00000"); t.press("Enter")
        _ = Self.until(t, since: Self.now()) { position($0) == "0x00b00000" }
        var erased: [Double] = []
        for _ in 0..<10 {
            let before = position(t.screen())
            let s = Self.now()
            t.press("NPage")
            if let d = Self.until(t, since: s, { position($0) != before }) { erased.append(d) }
        }
        report.append("Page Down across erased runs: \(Self.summary(erased))")

        report.append("memory at the end: \(memory())")
        t.press("q")
        _ = t.waitForExit()
        print("BENCH " + report.joined(separator: "\nBENCH "))
        #expect(first != nil)
    }
}
