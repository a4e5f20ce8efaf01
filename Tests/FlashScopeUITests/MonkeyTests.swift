#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import FlashFormats
import FlashModel
@testable import FlashScopeUI
import ScreenKit

/// Images the monkey and the agreement test walk: the samples and generated ones the samples lack.
enum WalkImages {
    static func all() -> [(name: String, bytes: [UInt8])] {
        var out = SampleImages.all().map { ($0.name, $0.bytes) }
        let ota1 = Fixtures.bytes("ota1-active.bin")
        // Partial dumps: the first 128 KiB (factory beyond the end), and one cut inside ota_0.
        out.append(("partial-0x20000.bin", Array(ota1.prefix(0x20000))))
        out.append(("truncated-in-ota0.bin", Array(ota1.prefix(0x12F3A1))))
        out.append(("encrypted-looking.bin", FlashImageBuilder.encryptedLooking(size: 0x120000)))
        out.append(("table.bin", IssueTenTests.bareTable()))
        // An nvs partition with values, so that the NVS pane's keys (o, /, a, h, Enter) act on rows.
        if let nvs = try? SampleImages.nvsDemo() { out.append((nvs.name, nvs.bytes)) }
        if let od = SampleImages.all().first(where: { $0.name == "rollback-pending.bin" }) {
            out.append(("otadata.bin", Array(od.bytes[0xD000..<0xF000])))
        }
        return out
    }
}

@Suite("Monkey: random input never crashes, never hangs")
struct MonkeyTests {
    /// Actions per image (the issue asks for at least 20,000); FLASHSCOPE_MONKEY_ACTIONS overrides it.
    static let actionsPerImage: Int = {
        if let v = getenv("FLASHSCOPE_MONKEY_ACTIONS"), let n = Int(String(cString: v)), n > 0 { return n }
        return 20_000
    }()

    @Test("20,000 seeded random actions per sample (4,000 per generated image): keys, prompts, edits, undo/redo, saves, toggles, clicks, resizes 40×12…250×70",
          arguments: WalkImages.all().map(\.name))
    func monkey(image: String) throws {
        let bytes = try #require(WalkImages.all().first { $0.name == image }?.bytes)
        // Every sample gets the full count; the generated images (partial, encrypted, table, otadata) a fifth each.
        let actions = Fixtures.samples[image] != nil ? Self.actionsPerImage : max(1, Self.actionsPerImage / 5)
        let dir = Fixtures.tempDirectory()
        defer { Fixtures.remove(dir) }
        Fixtures.write(Fixtures.bytes("app-2.1.0.bin"), to: "\(dir)/app.bin")
        var seed: UInt64 = 0x5EED_0010 &+ UInt64(image.utf8.reduce(0) { $0 &* 31 &+ Int($1) } & 0xFFFF)
        var rng = SplitMix64(seed: &seed)
        var monkey = Monkey(saveDirectory: dir, stageFile: "\(dir)/app.bin") { rng.nextByte() }
        monkey.renderEvery = 4
        // Compare mode against another sample (edited sectors, another boot): o opens it.
        let other = image == "ota1-active.bin" ? "rollback-pending.bin" : "ota1-active.bin"
        Fixtures.write(Fixtures.bytes(other), to: "\(dir)/b.bin")
        monkey.compareFile = "\(dir)/b.bin"

        func fresh() throws -> Program {
            let state = try AppState(document: FlashDocument(bytes: bytes), displayName: image, width: 80, height: 24)
            return Program(state: state)
        }
        var p = try fresh()
        var restarts = 0
        var sent = 0
        while sent < actions {
            if !monkey.step(p) {
                // Only q (or y at the quit guard) ended it: start again over the same image.
                restarts += 1
                p = try fresh()
            }
            sent += 1
        }
        // The input bytes are never changed by anything the monkey did.
        #expect(p.state.document.base.bytes(0..<bytes.count) == bytes)
        let c = monkey.counts
        #expect(c.keys + c.typed + c.clicks + c.resizes >= actions / 2)
        #expect(c.renders >= actions / 8)
        print("monkey \(image): \(sent) actions (\(c.keys) keys, \(c.typed) words, \(c.clicks) clicks, \(c.resizes) resizes, "
              + "\(c.saves) saves, \(c.stages) stage prompts, \(c.compares) compare prompts, \(c.quits) quits) \(restarts) restarts")
    }
}

/// SplitMix64 over a seed the caller owns.
struct SplitMix64 {
    var state: UInt64
    init(seed: inout UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextByte() -> UInt8 { UInt8(truncatingIfNeeded: next() >> 24) }
}
