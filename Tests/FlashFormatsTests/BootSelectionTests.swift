import Testing
@testable import FlashFormats

private func table(factory: Bool = true, ota: Int = 2, test: Bool = false, otadataSize: UInt32 = 0x2000) -> [PartitionEntry] {
    var e = [PartitionEntry(name: "otadata", type: 1, subtype: 0, offset: 0xD000, size: otadataSize)]
    if factory { e.append(PartitionEntry(name: "factory", type: 0, subtype: 0, offset: 0x10000, size: 0x100000)) }
    for k in 0..<ota { e.append(PartitionEntry(name: "ota_\(k)", type: 0, subtype: UInt8(0x10 + k), offset: UInt32(0x110000 + k * 0x100000), size: 0x100000)) }
    if test { e.append(PartitionEntry(name: "test", type: 0, subtype: 0x20, offset: 0x800000, size: 0x100000)) }
    return e
}

private func decide(_ entries: [PartitionEntry], _ e0: OTAEntry?, _ e1: OTAEntry?, rollback: Bool = false,
                    broken: Set<String> = []) -> BootDecision {
    BootDecision.decide(slots: BootSlots(entries), otadata: OTAData(offset: 0xD000, entries: [e0, e1]), rollback: rollback) {
        BootVerdict(failure: broken.contains($0.name) ? .sha256Mismatch(stored: [0], computed: [1]) : nil)
    }
}

@Test func freshOtadataBootsFactory() {
    let d = decide(table(), .erased, .erased)
    #expect(d.selected == "factory" && d.loaded == "factory" && d.writes.isEmpty)
}

@Test func noFactoryTriesOTA0AndWritesInitialContents() {
    let d = decide(table(factory: false), .erased, .erased)
    #expect(d.selected == "ota_0" && d.loaded == "ota_0")
    #expect(d.writes == [BootloaderWrite(sector: 0, entry: OTAEntry(seq: 1, state: OTAState.valid), why: .initialContents)])
}

@Test func activeEntrySelectsSlot() {
    let d = decide(table(), OTAEntry(seq: 2, state: OTAState.undefined), .erased)
    #expect(d.selected == "ota_1" && d.loaded == "ota_1" && d.activeSector == 0)
}

@Test func fallbackOrderDownThenUpThenTest() {
    // Selected ota_1 broken → ota_0 → factory.
    let a = decide(table(ota: 3), OTAEntry(seq: 2, state: 0xFFFF_FFFF), .erased, broken: ["ota_1"])
    #expect(a.loaded == "ota_0" && a.attempts.map(\.partition) == ["ota_1", "ota_0"])
    let b = decide(table(ota: 3), OTAEntry(seq: 2, state: 0xFFFF_FFFF), .erased, broken: ["ota_1", "ota_0"])
    #expect(b.loaded == "factory")
    let c = decide(table(ota: 3, test: true), OTAEntry(seq: 2, state: 0xFFFF_FFFF), .erased, broken: ["ota_1", "ota_0", "factory"])
    #expect(c.loaded == "ota_2" && c.attempts.map(\.partition) == ["ota_1", "ota_0", "factory", "ota_2"])
    let d = decide(table(ota: 3, test: true), OTAEntry(seq: 2, state: 0xFFFF_FFFF), .erased, broken: ["ota_1", "ota_0", "factory", "ota_2"])
    #expect(d.loaded == "test")
    let none = decide(table(ota: 1), OTAEntry(seq: 1, state: 0xFFFF_FFFF), .erased, broken: ["ota_0", "factory"])
    #expect(none.loaded == nil && none.selected == "ota_0")
}

@Test func rollbackStateMachine() {
    // NEW is selected and becomes PENDING_VERIFY.
    let a = decide(table(), OTAEntry(seq: 1, state: OTAState.valid), OTAEntry(seq: 2, state: OTAState.new), rollback: true)
    #expect(a.loaded == "ota_1")
    #expect(a.writes == [BootloaderWrite(sector: 1, entry: OTAEntry(seq: 2, state: OTAState.pendingVerify), why: .markPending)])
    // PENDING_VERIFY seen again: ABORTED, boots the other one.
    let b = decide(table(), OTAEntry(seq: 1, state: OTAState.valid), OTAEntry(seq: 2, state: OTAState.pendingVerify), rollback: true)
    #expect(b.loaded == "ota_0")
    #expect(b.writes == [BootloaderWrite(sector: 1, entry: OTAEntry(seq: 2, state: OTAState.aborted), why: .abortPending)])
    // Without rollback the same bytes boot ota_1 and nothing is written.
    let c = decide(table(), OTAEntry(seq: 1, state: OTAState.valid), OTAEntry(seq: 2, state: OTAState.pendingVerify))
    #expect(c.loaded == "ota_1" && c.writes.isEmpty)
}

@Test func invalidCRCFallsBackToFactory() {
    let d = decide(table(), OTAEntry(seq: 2, state: 0xFFFF_FFFF, crc: 0), .erased)
    #expect(d.selected == "factory")
    #expect(d.choice == .noValidEntry(factory: true) && d.reason.contains("CRC"))
}

@Test func bootloaderCountsEveryOTARow() {
    // ota_0 and ota_2 only: the bootloader counts 2 rows, so slot 1 (missing) and ota_2 is unreachable.
    var e = table(ota: 1)
    e.append(PartitionEntry(name: "ota_2", type: 0, subtype: 0x12, offset: 0x400000, size: 0x100000))
    let slots = BootSlots(e)
    #expect(slots.appCount == 2 && slots.partition(at: 2) == nil && slots.partition(at: 1) == nil)
    let d = decide(e, OTAEntry(seq: 2, state: 0xFFFF_FFFF), .erased)
    #expect(d.selectedIndex == 1 && d.selected == nil && d.loaded == "ota_0")
}

@Test func noOtadataOrTooSmall() {
    let plain = BootDecision.decide(slots: BootSlots(Array(table().dropFirst())), otadata: nil, rollback: false) { _ in BootVerdict() }
    #expect(plain.loaded == "factory")
    let small = decide(table(otadataSize: 0x1000), .erased, .erased)
    #expect(small.selected == nil && small.loaded == nil)
}
