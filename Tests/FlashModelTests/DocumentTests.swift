import Testing
import FlashFormats
@testable import FlashModel

@Test func overlayReadsThroughAndUndoRedoIsByteIdentical() throws {
    let original = (0..<0x5000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    let doc = FlashDocument(bytes: original)
    try doc.write([1, 2, 3, 4], at: 0xFFE, label: "straddle")
    #expect(doc.bytes(0xFFC..<0x1004) == [original[0xFFC], original[0xFFD], 1, 2, 3, 4, original[0x1002], original[0x1003]])
    #expect(doc.changedRanges == [0..<0x2000])
    try doc.edit("erase") { (tx: inout FlashDocument.Transaction) throws(FlashDocument.EditError) in try tx.erase(0x3000..<0x4000) }
    #expect(doc.bytes(0x3000..<0x4000).allSatisfy { $0 == 0xFF })
    let edited = doc.bytes(0..<doc.count)
    doc.undo(); doc.undo()
    #expect(doc.bytes(0..<doc.count) == original && !doc.isModified)
    doc.redo(); doc.redo()
    #expect(doc.bytes(0..<doc.count) == edited)
    // Writing the original bytes back leaves no change behind.
    try doc.write(Array(original[0xFFE..<0x1002]), at: 0xFFE, label: "restore")
    #expect(doc.changedRanges == [0x3000..<0x4000])
}

@Test func editsOutsideTheImageAreRefusedAndChangeNothing() {
    let doc = FlashDocument(bytes: [UInt8](repeating: 0, count: 100))
    #expect(throws: FlashDocument.EditError.self) { try doc.write([1, 2], at: 99, label: "x") }
    #expect(throws: FlashDocument.EditError.self) { try doc.write([1], at: -1, label: "x") }
    #expect(!doc.isModified && !doc.canUndo)
}

@Test func digestCacheFollowsEdits() throws {
    let doc = FlashDocument(bytes: [UInt8](repeating: 0xAB, count: 0x4000))
    let a = doc.digests.sha256(0..<0x2000)
    #expect(a == Checksums.sha256([UInt8](repeating: 0xAB, count: 0x2000)))
    try doc.write([0], at: 0x3000, label: "elsewhere")
    #expect(doc.digests.sha256(0..<0x2000) == a)
    try doc.write([0], at: 0x1000, label: "inside")
    #expect(doc.digests.sha256(0..<0x2000) != a)
    doc.undo()
    #expect(doc.digests.sha256(0..<0x2000) == a)
}

@Test func snapshotsDoNotFollowLaterEdits() throws {
    let doc = FlashDocument(bytes: [UInt8](repeating: 0, count: 0x2000))
    try doc.write([9], at: 5, label: "a")
    let copy = FlashDocument(doc)
    try doc.write([8], at: 6, label: "b")
    #expect(copy.bytes(4..<8) == [0, 9, 0, 0])
}
