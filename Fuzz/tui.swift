// Fuzz target: the TUI's update + render driven by a byte-chosen sequence of keys, typing, clicks and
// resizes (FlashScopeUI.Monkey), over a small image: one of a few 64–256 KiB images built by the
// project's encoders (bootloader, table at 0x8000, NVS at 0x9000, otadata at 0xd000, apps from 0x10000,
// a core dump) with bytes from the input patched into their structures, or an image taken whole from
// the input. Small images and a bounded number of actions per input keep it at thousands of
// executions per 15 s (a 4 MiB sample and an unbounded session ran ~4 per second).
//
// Input layout:
//   byte 0   bit 7 set: base image (byte & 0x7f) mod the base count, then byte 1 = patch count (low 2 bits),
//            each patch = region index, 16-bit offset in the region (LE, mod 4 KiB), length (mod 65), bytes;
//            bit 7 clear: the image is the input's next N bytes (N from bytes 1–2, LE, at most what is there).
//   next     terminal size (40×12, 80×24, 120×40, 200×60) and rollback on/off.
//   rest     drives Monkey for at most `maxSteps` inputs; the run ends when the bytes run out or the
//            program quits. Nothing is saved (save prompts are cancelled) and stage prompts read a path
//            that does not exist.
import FlashFormats
import FlashModel
import FlashScopeUI

enum FuzzTarget {
    /// Inputs sent to the program per fuzz input (each a key, a typed word, a click, a resize or a
    /// burst of hex digits, followed by a frame).
    static let maxSteps = 24
    static let renderEvery = 12

    /// Where patches go: bootloader header, table, NVS, both otadata sectors, each app's header, the
    /// core dump partition.
    static let regions = [0x1000, 0x8000, 0x9000, 0xD000, 0xE000, 0x10000, 0x20000, 0x30000, 0x3C000]

    static let sizes: [(Int, Int)] = [(80, 24), (40, 12), (120, 40), (200, 60), (60, 20), (100, 30)]

    static let bases: [[UInt8]] = {
        let nvsCSV = "key,type,encoding,value\nstorage,namespace,,\nu8key,data,u8,200\nstrkey,data,string,hello\n"
        let nvs = (try? NVSBuilder.generate(csv: nvsCSV, size: 0x3000, readFile: { _ in nil })) ?? []
        func compact(_ e0: OTAEntry?, _ e1: OTAEntry?) -> [UInt8] {
            var f = Seeds.compact(otadata: (e0, e1))
            f.contents.append((0x9000, nvs))
            return f.bytes()
        }
        let ota1 = compact(OTAEntry(seq: 2, state: OTAState.undefined), nil)
        var withCore = FlashImageBuilder(flashSize: 0x40000, partitions: [
            PartitionEntry(name: "nvs", type: 1, subtype: 0x02, offset: 0x9000, size: 0x4000),
            PartitionEntry(name: "otadata", type: 1, subtype: 0x00, offset: 0xD000, size: 0x2000),
            PartitionEntry(name: "factory", type: 0, subtype: 0x00, offset: 0x10000, size: 0x10000),
            PartitionEntry(name: "ota_0", type: 0, subtype: 0x10, offset: 0x20000, size: 0x10000),
            PartitionEntry(name: "ota_1", type: 0, subtype: 0x11, offset: 0x30000, size: 0xC000),
            PartitionEntry(name: "coredump", type: 1, subtype: 0x03, offset: 0x3C000, size: 0x4000),
        ])
        withCore.app("factory", Seeds.app(version: "factory", seed: 1))
        withCore.app("ota_0", Seeds.app(version: "1.0.0", seed: 2))
        withCore.otadata(OTAEntry(seq: 1, state: OTAState.valid), nil)
        withCore.contents.append((0x9000, nvs))
        withCore.contents.append((0x3C000, CoreDumpBuilder.esp32Sample().partition(size: 0x4000)))
        return [
            ota1,
            compact(OTAEntry(seq: 1, state: OTAState.valid), OTAEntry(seq: 2, state: OTAState.pendingVerify)),
            compact(nil, nil),
            compact(OTAEntry(seq: 3, state: OTAState.undefined, crc: Checksums.otaCRC(seq: 3) ^ 1), OTAEntry(seq: 2, state: OTAState.undefined)),
            compact(OTAEntry(seq: 5, state: OTAState.aborted), OTAEntry(seq: 6, state: OTAState.new)),
            withCore.bytes(),
            Array(ota1.prefix(0x18000)),            // a partial dump ending inside factory
            Seeds.encryptedLooking(size: 0x10000),
        ]
    }()

    static func run(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        var rest = ArraySlice(bytes.dropFirst())
        func take() -> Int? {
            guard let b = rest.first else { return nil }
            rest = rest.dropFirst()
            return Int(b)
        }
        var image: [UInt8]
        if first & 0x80 != 0 {
            image = bases[Int(first & 0x7F) % bases.count]
            for _ in 0..<((take() ?? 0) & 3) {
                guard let r = take(), let lo = take(), let hi = take(), let n = take() else { break }
                let at = regions[r % regions.count] + ((lo | hi << 8) & 0xFFF)
                let len = min(n % 65, rest.count, max(0, image.count - at))
                guard len > 0 else { continue }
                image.replaceSubrange(at..<(at + len), with: rest.prefix(len))
                rest = rest.dropFirst(len)
            }
        } else {
            let n = (take() ?? 0) | (take() ?? 0) << 8
            let len = min(n, rest.count)
            image = Array(rest.prefix(len))
            rest = rest.dropFirst(len)
        }
        let shape = take() ?? 0
        let (w, h) = sizes[(shape & 0x7F) % sizes.count]
        guard let state = try? AppState(document: FlashDocument(bytes: image), displayName: "fuzz.bin",
                                         settings: OTASettings(rollback: shape & 0x80 != 0), width: w, height: h) else { return }
        let program = Program(state: state)
        var input = rest.makeIterator()
        var exhausted = false
        var monkey = Monkey(saveDirectory: nil, stageFile: nil) {
            if let b = input.next() { return b }
            exhausted = true
            return 0
        }
        // Every input is updated; frames are drawn after every `renderEvery`-th input, every resize and
        // at the end (a frame costs more than the update before it, and most of a frame repeats).
        monkey.renderEvery = renderEvery
        var steps = 0
        while !exhausted && steps < maxSteps {
            // A quit ends the session: what follows would be a fresh start, which another input covers.
            guard monkey.step(program) else { return }
            steps += 1
        }
        _ = render(program.state)
    }

    static func seeds() -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = []
        var rng: UInt64 = 0x10
        func noise(_ n: Int) -> [UInt8] {
            (0..<n).map { _ in rng = rng &* 6364136223846793005 &+ 1442695040888963407; return UInt8(truncatingIfNeeded: rng >> 33) }
        }
        for i in 0..<bases.count {
            out.append(("base-\(i).bin", [0x80 + UInt8(i), 0, UInt8(i)] + noise(300)))
        }
        // A patched otadata entry and table row, at 40×12 with rollback on.
        out.append(("patched.bin", [0x80, 2, 3, 0, 0, 8] + [2, 0, 0, 0, 0, 0, 0, 0] + [1, 0x10, 0, 8] + [0x41, 0x50, 0, 0x10, 0, 0, 2, 0]
                    + [0x81] + noise(300)))
        // Small images inside the input: an app, an otadata pair.
        let small = Seeds.app()
        let len = min(small.count, 0xFFFF)
        out.append(("app.bin", [0x00, UInt8(len & 0xFF), UInt8(len >> 8)] + small.prefix(len) + [0] + noise(300)))
        let od = encodeOTAData([OTAEntry(seq: 1, state: OTAState.valid), OTAEntry(seq: 2, state: OTAState.pendingVerify)])
        out.append(("otadata.bin", [0x00, UInt8(od.count & 0xFF), UInt8(od.count >> 8)] + od + [1] + noise(300)))
        return out
    }
}
