#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import FlashFormats
@testable import FlashModel

// Correctness of the fast paths behind the benchmarks (issue 6): reading an overlaid document in
// runs, scratch copies that share the digest cache, and saving through copy_file_range. No timing here: `scripts/bench` measures.

/// Deterministic bytes that differ from sector to sector.
private func noise(_ n: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
    var x = seed
    return (0..<n).map { _ in x ^= x << 13; x ^= x >> 7; x ^= x << 17; return UInt8(truncatingIfNeeded: x) }
}

@Test func overlaidReadsMatchTheBytesWhateverTheRange() throws {
    // An odd size: the last sector is short.
    var expected = noise(20 * 0x1000 + 123)
    let doc = FlashDocument(bytes: expected)
    for (at, n) in [(0, 5), (0x1FF0, 0x20), (0x5000, 0x1000), (0x9000, 0x3000), (20 * 0x1000 + 100, 23)] {
        let data = [UInt8](repeating: UInt8(n & 0xFF), count: n)
        try doc.write(data, at: at, label: "w")
        expected.replaceSubrange(at..<(at + n), with: data)
    }
    let size = expected.count
    for lo in stride(from: 0, to: size, by: 0x7F3) {
        for len in [0, 1, 0xFFF, 0x1000, 0x1001, 0x4321, size] {
            let hi = min(size, lo + len)
            #expect(doc.bytes(lo..<hi) == Array(expected[lo..<hi]))
        }
    }
    // The pieces: one per changed sector, one per run of untouched ones, in order, covering the range.
    var pos = 0
    var edited = 0
    doc.forEachOverlaidPiece(in: 0..<size) { piece in
        switch piece {
        case .edited(let b): pos += b.count; edited += 1
        case .original(let r): #expect(r.lowerBound == pos); pos = r.upperBound
        }
    }
    #expect(pos == size)
    #expect(edited == doc.changedRanges.reduce(0) { $0 + ($1.count + 0xFFF) / 0x1000 })
    // A frozen snapshot keeps the bytes of the moment.
    let snap = doc.snapshot()
    try doc.write([1, 2, 3], at: 0x2000, label: "later")
    #expect(snap.bytes(0..<size) == expected)
    #expect(FlashDocument(scratchOver: doc).bytes(0..<size) == doc.bytes(0..<size))
    doc.undo()
    #expect(doc.bytes(0..<size) == expected)
}

@Test func scratchCopiesShareTheDigestCacheOnlyWhereNothingChanged() throws {
    let doc = FlashDocument(bytes: noise(64 * 0x1000))
    let a = 0x1000..<0x9000, b = 0x10000..<0x30000
    let d = doc.digests
    _ = d.sha256(a)
    let scratch = FlashDocument(scratchOver: doc)
    try scratch.write([0xFF], at: b.lowerBound + 5, label: "power loss")
    // Untouched range: the parent's value; touched range: computed on the scratch bytes.
    #expect(scratch.digests.sha256(a) == Checksums.sha256(doc, a))
    #expect(scratch.digests.sha256(b) == Checksums.sha256(scratch, b))
    #expect(scratch.digests.sha256(b) != Checksums.sha256(doc, b))
    #expect(scratch.digests.xorChecksum([a, b]) == Checksums.xorChecksum(scratch, ranges: [a, b]))
    // Once the parent changes, the scratch no longer borrows from it.
    try doc.write([0], at: a.lowerBound, label: "edit parent")
    #expect(scratch.digests.sha256(a) == Checksums.sha256(scratch, a))
    #expect(doc.digests.sha256(a) == Checksums.sha256(doc, a))
}

@Test func savingCopiesUnchangedRunsAndWritesEdits() throws {
    let dir = makeTempDir(); defer { removeTree(dir) }
    let input = dir + "/in.bin"
    var expected = noise(300 * 0x1000 + 7)
    writeFile(input, expected)
    let doc = FlashDocument(file: try MappedFile(path: input))
    for at in [0, 0x1234, 0x80000, expected.count - 3] {
        try doc.write([9, 8, 7], at: at, label: "e")
        expected.replaceSubrange(at..<(at + 3), with: [9, 8, 7])
    }
    let out = dir + "/out.bin"
    _ = try ImageSaver.save(doc, to: out, regionFiles: false)
    #expect(readFile(out) == expected)
    // An unedited document and the in-place backup go through the same path.
    let plain = FlashDocument(file: try MappedFile(path: out))
    try AtomicFile.write(plain, to: dir + "/copy.bin", overwrite: false)
    #expect(readFile(dir + "/copy.bin") == expected)
    _ = try ImageSaver.save(doc, to: input, inPlace: true, regionFiles: false)
    #expect(readFile(input) == expected)
    #expect(readFile(input + ".bak") == noise(300 * 0x1000 + 7))
}
