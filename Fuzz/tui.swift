// Fuzz target: the TUI's update + render driven by a byte-chosen sequence of keys, typing, clicks and
// resizes (FlashScopeUI.Monkey), over an image taken from the fuzzer's input or one of the samples.
//
// Input layout: byte 0 picks the image — below 0x80 the image is the input's next N bytes (N from
// bytes 1–2, little-endian, at most what is there); otherwise sample (byte 0 − 0x80) mod the sample
// count. The rest drives the UI; when it runs out, the run ends. Nothing is saved (save prompts are
// cancelled) and stage prompts read a path that does not exist.
import FlashFormats
import FlashModel
import FlashScopeUI

enum FuzzTarget {
    static let samples = SampleImages.all().map(\.bytes)

    static func run(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        var rest = ArraySlice(bytes.dropFirst())
        let image: [UInt8]
        if first < 0x80 {
            let n = rest.count >= 2 ? Int(rest[rest.startIndex]) | Int(rest[rest.startIndex + 1]) << 8 : 0
            rest = rest.dropFirst(2)
            let take = min(n, rest.count)
            image = Array(rest.prefix(take))
            rest = rest.dropFirst(take)
        } else {
            image = samples[Int(first - 0x80) % samples.count]
        }
        guard let state = try? AppState(document: FlashDocument(bytes: image), displayName: "fuzz.bin",
                                         width: 80, height: 24) else { return }
        var program = Program(state: state)
        var input = rest.makeIterator()
        var exhausted = false
        var monkey = Monkey(saveDirectory: nil, stageFile: nil) {
            if let b = input.next() { return b }
            exhausted = true
            return 0
        }
        var steps = 0
        while !exhausted && steps < 4096 {
            if !monkey.step(program) {
                guard let again = try? AppState(document: FlashDocument(bytes: image), displayName: "fuzz.bin") else { return }
                program = Program(state: again)
            }
            steps += 1
        }
    }

    static func seeds() -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = []
        var rng: UInt64 = 0x10
        func noise(_ n: Int) -> [UInt8] {
            (0..<n).map { _ in rng = rng &* 6364136223846793005 &+ 1442695040888963407; return UInt8(truncatingIfNeeded: rng >> 33) }
        }
        for i in 0..<SampleImages.all().count {
            out.append(("sample-\(i).bin", [0x80 + UInt8(i)] + noise(600)))
        }
        // Small images inside the input: a compact flash image's first 4 KiB pages, an app, otadata.
        let small = Seeds.app()
        let len = min(small.count, 0xFFFF)
        out.append(("app.bin", [0x00, UInt8(len & 0xFF), UInt8(len >> 8)] + small.prefix(len) + noise(400)))
        let od = encodeOTAData([OTAEntry(seq: 1, state: OTAState.valid), OTAEntry(seq: 2, state: OTAState.pendingVerify)])
        out.append(("otadata.bin", [0x00, UInt8(od.count & 0xFF), UInt8(od.count >> 8)] + od + noise(400)))
        return out
    }
}
