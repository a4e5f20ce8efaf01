import Testing
@testable import FlashFormats

/// Spec §2.3 test vectors: seq → CRC (zlib CRC-32 of le32(seq) seeded with 0xFFFFFFFF).
@Test(arguments: [
    (UInt32(0x0000_0000), UInt32(0xFFFF_FFFF)), (0x0000_0001, 0x4743_989A), (0x0000_0002, 0x55F6_3774),
    (0x0000_0003, 0xED4A_5011), (0x0000_0004, 0x709D_68A8), (0x0000_0005, 0xC821_0FCD),
    (0x0000_0010, 0xAFE6_A860), (0x0000_0011, 0x175A_CF05), (0x0000_0100, 0xFE3D_95C8),
    (0x7FFF_FFFF, 0xCCFC_5C3C), (0xFFFF_FFFE, 0x99F8_B879), (0xFFFF_FFFF, 0x2144_DF1C),
])
func otaCRCVectors(seq: UInt32, crc: UInt32) {
    #expect(Checksums.otaCRC(seq: seq) == crc)
}

@Test func otaCRCSeedIsNotTheStandardOne() {
    // The standard CRC-32 (seed 0) of le32(1) is a different value: this pins the seed.
    #expect(Checksums.crc32([1, 0, 0, 0]) == 0x99F8_B879)
    #expect(Checksums.otaCRC(seq: 1) == 0x4743_989A)
    // Cross-check from the spec: ota-crc(seq) == standard CRC-32 of le32(~seq).
    for seq: UInt32 in [0, 1, 7, 0x1234_5678, 0xFFFF_FFFD] {
        var b = [UInt8](); b.appendLE(~seq)
        #expect(Checksums.otaCRC(seq: seq) == Checksums.crc32(b))
    }
}

@Test func fullEntryVectors() {
    func hex(_ s: String) -> [UInt8] {
        var out = [UInt8](); var i = s.startIndex
        while i < s.endIndex { let j = s.index(i, offsetBy: 2); out.append(UInt8(s[i..<j], radix: 16)!); i = j }
        return out
    }
    let ff20 = String(repeating: "ff", count: 20)
    #expect(OTAEntry(seq: 1, state: OTAState.undefined).bytes() == hex("01000000" + ff20 + "ffffffff" + "9a984347"))
    #expect(OTAEntry(seq: 1, state: OTAState.new).bytes() == hex("01000000" + ff20 + "00000000" + "9a984347"))
    #expect(OTAEntry(seq: 2, state: OTAState.valid).bytes() == hex("02000000" + ff20 + "02000000" + "7437f655"))
    let parsed = OTAEntry(hex("02000000" + ff20 + "02000000" + "7437f655"))!
    #expect(parsed.seq == 2 && parsed.state == OTAState.valid && parsed.crcOK && parsed.isValid)
}

@Test func validityPredicates() {
    #expect(OTAEntry(seq: 0, state: OTAState.undefined).isValid, "seq 0 with crc 0xffffffff is valid")
    #expect(OTAEntry(seq: 0, state: OTAState.undefined).crc == 0xFFFF_FFFF)
    #expect(!OTAEntry.erased.isValid)
    #expect(OTAEntry.erased.selectInvalid)
    #expect(OTAEntry(seq: 3, state: OTAState.aborted).selectInvalid)
    #expect(OTAEntry(seq: 3, state: OTAState.invalid).selectInvalid)
    #expect(!OTAEntry(seq: 3, state: OTAState.pendingVerify).selectInvalid)
    #expect(!OTAEntry(seq: 3, state: 77).selectInvalid, "unknown states are bootable")
    let badCRC = OTAEntry(seq: 3, state: OTAState.undefined, crc: 0xED4A_5010)
    #expect(!badCRC.selectInvalid && !badCRC.isValid, "the invalid() test ignores the CRC, valid() does not")
    #expect(badCRC.invalidReason?.contains("CRC") == true)
}

@Test func activeSectorSelection() {
    func active(_ a: OTAEntry?, _ b: OTAEntry?) -> Int? { OTAData(offset: 0, entries: [a, b]).activeSector }
    #expect(active(OTAEntry(seq: 3, state: 0xFFFF_FFFF), OTAEntry(seq: 2, state: 0xFFFF_FFFF)) == 0)
    #expect(active(OTAEntry(seq: 2, state: 0xFFFF_FFFF), OTAEntry(seq: 3, state: 0xFFFF_FFFF)) == 1)
    #expect(active(OTAEntry(seq: 5, state: 0xFFFF_FFFF), OTAEntry(seq: 5, state: 0xFFFF_FFFF)) == 0, "tie → entry 0")
    #expect(active(OTAEntry(seq: 0xFFFF_FFFD, state: 0xFFFF_FFFF), OTAEntry(seq: 2, state: 0xFFFF_FFFF)) == 0, "unsigned compare")
    #expect(active(OTAEntry(seq: 3, state: OTAState.aborted), OTAEntry(seq: 2, state: OTAState.valid)) == 1)
    #expect(active(.erased, .erased) == nil)
    #expect(active(OTAEntry(seq: 3, state: 0xFFFF_FFFF, crc: 1), .erased) == nil)
}

@Test func slotMappingIsUnsigned() {
    #expect(OTAEntry(seq: 1, state: 0).slot(count: 2) == 0)
    #expect(OTAEntry(seq: 2, state: 0).slot(count: 2) == 1)
    #expect(OTAEntry(seq: 0, state: 0).slot(count: 3) == Int(UInt32.max % 3), "seq 0 → 0xffffffff mod N")
    #expect(OTAEntry(seq: 0xFFFF_FFFD, state: 0).slot(count: 2) == 0)
    #expect(OTAEntry(seq: 5, state: 0).slot(count: 0) == nil)
}

/// Spec §2.8 worked table: (N, seq0, seq1, slot) → pre-v6 (sector, seq), v6 (sector, seq).
@Test(arguments: [
    (2, UInt32.max, UInt32.max, 0, (0, UInt32(1)), (0, UInt32(1))),
    (2, UInt32.max, UInt32.max, 1, (0, 2), (0, 2)),
    (2, 1, UInt32.max, 0, (1, 1), (0, 1)),
    (2, 1, UInt32.max, 1, (1, 2), (1, 2)),
    (2, 1, 2, 0, (0, 3), (0, 3)),
    (2, 1, 2, 1, (0, 2), (1, 2)),
    (3, 5, 4, 0, (1, 7), (1, 7)),
    (3, 5, 4, 1, (1, 5), (0, 5)),
    (4, 7, UInt32.max, 0, (1, 9), (1, 9)),
    (4, UInt32.max, 3, 2, (0, 3), (1, 3)),
])
func setBootWorkedTable(n: Int, seq0: UInt32, seq1: UInt32, slot: Int, v5: (Int, UInt32), v6: (Int, UInt32)) throws {
    func entry(_ s: UInt32) -> OTAEntry { s == .max ? .erased : OTAEntry(seq: s, state: OTAState.undefined) }
    let data = OTAData(offset: 0, entries: [entry(seq0), entry(seq1)])
    for (idf, want) in [(IDFBehaviour.v5, v5), (.v6, v6)] {
        let w = try data.planSetBoot(slot: slot, count: n, rollback: false, idf: idf)
        #expect(w.sector == want.0 && w.entry.seq == want.1, "\(idf) N=\(n) (\(seq0),\(seq1)) slot \(slot)")
        #expect(w.entry.state == OTAState.undefined && w.entry.crcOK)
    }
    let r = try data.planSetBoot(slot: slot, count: n, rollback: true, idf: .v6)
    #expect(r.entry.state == OTAState.new, "rollback builds write NEW")
}

@Test func setBootKeepsTheSeqLabelOfTheRewrittenSector() throws {
    var label = [UInt8](repeating: 0xFF, count: 20); label[0] = 0x42
    let data = OTAData(offset: 0, entries: [OTAEntry(seq: 1, state: OTAState.valid), OTAEntry(seq: 7, seqLabel: label, state: OTAState.aborted)])
    let w = try data.planSetBoot(slot: 1, count: 2, rollback: false, idf: .v6)
    #expect(w.sector == 1 && w.entry.seqLabel == label)
    #expect(w.entry.state == OTAState.undefined, "unlike otatool, the stale ABORTED state is replaced")
}

@Test func setBootRejectsSlotsTheAppDoesNotCount() {
    let data = OTAData(offset: 0, entries: [.erased, .erased])
    #expect(throws: OTAPlanError.slotOutOfRange(slot: 2, count: 2)) { try data.planSetBoot(slot: 2, count: 2, rollback: false, idf: .v6) }
}

/// Spec §2.8a: sequence overflow near 0xffffffff, found by running ESP-IDF's own C.
@Test func sequenceOverflowIsRefusedNotReproduced() {
    func plan(_ n: Int, _ seq: UInt32, _ slot: Int) -> OTAPlanError? {
        let d = OTAData(offset: 0, entries: [OTAEntry(seq: seq, state: OTAState.undefined), .erased])
        do { _ = try d.planSetBoot(slot: slot, count: n, rollback: false, idf: .v5); return nil } catch { return error }
    }
    #expect(plan(4, 0xFFFF_FFFD, 3) == .sequenceOverflow(active: 0xFFFF_FFFD, slot: 3, count: 4, deviceHangs: true))
    #expect(plan(4, 0xFFFF_FFFE, 0) == .sequenceOverflow(active: 0xFFFF_FFFE, slot: 0, count: 4, deviceHangs: true))
    #expect(plan(3, 0xFFFF_FFFE, 0) == .sequenceOverflow(active: 0xFFFF_FFFE, slot: 0, count: 3, deviceHangs: false))
    #expect(plan(2, 0xFFFF_FFFD, 0) == nil, "0xfffffffd → slot 1 target base+... fits")
    #expect(plan(3, 0xFFFF_FFF0, 0) == nil)
}

@Test func parseBothSectorsAndReportMissingOnes() {
    var flash = encodeOTAData([OTAEntry(seq: 2, state: OTAState.undefined), nil])
    let o = OTAData.parse(ByteArray(flash), at: 0)
    #expect(o.entries[0]?.seq == 2 && o.entries[1]?.isErased == true && o.activeSector == 0)
    flash.removeLast(0x1000)
    let cut = OTAData.parse(ByteArray(flash), at: 0)
    #expect(cut.entries[1] == nil && cut.diagnostics.contains { $0.severity == .error })
    let small = OTAData.parse(ByteArray(encodeOTAData([nil, nil])), at: 0, size: 0x1000)
    #expect(small.diagnostics.contains { $0.code == .otadataTooSmall && $0.message.contains("0x2000") })
}
