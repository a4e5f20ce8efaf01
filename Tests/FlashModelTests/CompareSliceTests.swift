import Testing
import FlashFormats
@testable import FlashModel

/// The comparison the TUI's compare mode builds a slice at a time, and the window comparison it draws
/// from: the same answers as the one-shot comparison `flashscope diff` makes.
@Suite struct CompareSliceTests {
    /// Two images from the project's encoders: ota_0 rewritten and otadata switched, B 8 KiB longer.
    static func pair() -> ([UInt8], [UInt8]) {
        var a = DiffTests.base()
        let bytesA = a.bytes()
        a.app("ota_0", DiffTests.app("1.5.0", seed: 9, code: 0x7000))
        a.otadata(OTAEntry(seq: 1, state: OTAState.valid), OTAEntry(seq: 2, state: OTAState.undefined))
        return (bytesA, a.bytes() + [UInt8](repeating: 0x11, count: 0x2000))
    }

    @Test func sliceBySliceEqualsOneShot() {
        let (a, b) = Self.pair()
        let whole = ByteComparison(ByteArray(a), ByteArray(b))
        #expect(!whole.identical && whole.isComplete)
        for step in [0x1000, 0x3000, 1 << 20] {
            var c = ByteComparison(sizeA: a.count, sizeB: b.count)
            #expect(!c.isComplete && c.compared == 0)
            var slices = 0
            while !c.isComplete {
                let before = c.compared
                c.advance(ByteArray(a), ByteArray(b), by: step)
                #expect(c.compared - before <= step, "a slice compares at most its step")
                slices += 1
            }
            #expect(slices >= a.count / step)
            #expect(c == whole, "step \(step)")
        }
        // Sources of other sizes than announced are refused, not compared.
        var wrong = ByteComparison(sizeA: a.count, sizeB: b.count)
        wrong.advance(ByteArray(a), ByteArray(a), by: 0x1000)
        #expect(wrong.compared == 0)
    }

    @Test func partialComparisonFindsOnlyWhatItHasSeen() {
        let (a, b) = Self.pair()
        let whole = ByteComparison(ByteArray(a), ByteArray(b))
        var c = ByteComparison(sizeA: a.count, sizeB: b.count)
        c.advance(ByteArray(a), ByteArray(b), by: 0x10000)
        let firstSeen = whole.exact.first { $0.lowerBound < 0x10000 }?.lowerBound
        #expect(firstSeen != nil, "otadata sector 1 (0xe000) differs")
        #expect(c.nextDifference(from: -1) == firstSeen)
        #expect(c.nextDifference(from: 0x10000) == nil, "nothing past what was compared")
        #expect(whole.nextDifference(from: 0x10000) != nil)
    }

    @Test func windowDifferencesMatchTheWholeComparison() {
        let (a, b) = Self.pair()
        let whole = ByteComparison(ByteArray(a), ByteArray(b))
        for window in [0..<16, 0xe000..<0xe020, 0x110000..<0x110400, (a.count - 0x20)..<(a.count + 0x40), (b.count - 8)..<(b.count + 100)] {
            let w = ByteComparison.differences(ByteArray(a), ByteArray(b), in: window)
            let expected = ByteComparison.clip(whole.exact, to: window.clamped(to: 0..<b.count))
            #expect(w == expected, "window \(window)")
        }
        #expect(ByteComparison.differences(ByteArray(a), ByteArray(b), in: 0xe000..<0xe020).isEmpty == false, "otadata sector 1 differs")
    }
}
