import Testing
import FlashFormats
@testable import FlashModel

private func planner(_ doc: FlashDocument, rollback: Bool = false, idf: IDFBehaviour = .v6) throws -> OTAPlanner {
    OTAPlanner(document: doc, layout: try analyze(doc, rollback: rollback), settings: OTASettings(rollback: rollback, idf: idf))
}

@Test func stageThenCommitBootsTheNewImageAndUndoRestoresEveryByte() throws {
    let original = sample("fresh-two-ota.bin")
    let doc = FlashDocument(bytes: original)
    let app = sample("app-2.1.0.bin")
    let stage = try planner(doc).stage("ota_0", image: app)
    #expect(stage.checks.allSatisfy { $0.passed })
    try doc.apply(stage)
    let commit = try planner(doc).setBoot("ota_0")
    #expect(commit.otadataChanges.count == 1 && commit.otadataChanges[0].after?.seq == 1)
    #expect(commit.powerLoss.first?.loaded == "factory", "erased sector 0 and nothing else: factory still boots")
    try doc.apply(commit)
    let after = try analyze(doc)
    #expect(after.boot?.loaded == "ota_0")
    #expect(after.app(named: "ota_0")?.image?.appDescriptor?.version == "2.1.0")
    #expect(doc.changedRanges == [0xD000..<0xE000, 0x110000..<(0x110000 + (app.count + 0xFFF) / 0x1000 * 0x1000)])
    doc.undo(); doc.undo()
    #expect(doc.bytes(0..<doc.count) == original)
}

@Test func stageRefusesWhatTheBootloaderWouldRefuse() throws {
    let doc = FlashDocument(bytes: sample("fresh-two-ota.bin"))
    let p = try planner(doc)
    let s3 = AppImageBuilder.typicalApp(chip: .esp32s3, project: "x", version: "1").bytes()
    // esp_ota_end's esp_image_verify: the same verdicts as info, typed.
    #expect { try p.stage("ota_0", image: s3) } throws: {
        ($0 as? OTAError)?.refusal == .imageInvalid(partition: "ota_0", problem: .chipMismatch(image: Chip.esp32s3.id, bootloader: Chip.esp32.id))
    }
    var corrupt = sample("app-2.1.0.bin"); corrupt[0x200] ^= 1
    #expect { try p.stage("ota_0", image: corrupt) } throws: {
        guard let e = $0 as? OTAError, e.error == .otaValidateFailed, case .imageInvalid(_, .checksumMismatch) = e.refusal else { return false }
        return true
    }
    // Larger than the slot: esp_ota_begin's erase fails first, with ESP_ERR_INVALID_SIZE.
    let huge = AppImageBuilder.typicalApp(chip: .esp32, project: "x", version: "1", codeSize: 0x110000).bytes()
    #expect { try p.stage("ota_0", image: huge) } throws: { ($0 as? OTAError)?.error == .invalidSize }
    #expect { try p.stage("nvs", image: sample("app-2.1.0.bin")) } throws: { ($0 as? OTAError)?.code == "ESP_ERR_INVALID_ARG" }
    #expect { try p.stage("factory", image: sample("app-2.1.0.bin")) } throws: { ($0 as? OTAError)?.code == "ESP_ERR_INVALID_ARG" }
    let active = FlashDocument(bytes: sample("ota1-active.bin"))
    #expect { try planner(active).stage("ota_1", image: sample("app-2.1.0.bin")) } throws: { ($0 as? OTAError)?.code == "ESP_ERR_OTA_PARTITION_CONFLICT" }
    // --force stages anyway and says what is wrong.
    let forced = try p.stage("ota_0", image: corrupt, force: true)
    #expect(forced.checks.contains { $0.name == "verify" && !$0.passed && $0.detail.contains("checksum") })
    #expect(forced.notes.contains { $0.contains("forced past: verify") })
    #expect(!doc.isModified, "planning never writes")
}

@Test func setBootFactoryErasesOtadataAndRespectsValidation() throws {
    let doc = FlashDocument(bytes: sample("ota1-active.bin"))
    let plan = try planner(doc).setBoot("factory")
    #expect(plan.steps == [.erase(0xD000..<0xF000)])
    try doc.apply(plan)
    #expect(try analyze(doc).boot?.loaded == "factory")
    let fresh = FlashDocument(bytes: sample("fresh-two-ota.bin"))
    #expect { try planner(fresh).setBoot("ota_1") } throws: { ($0 as? OTAError)?.code == "ESP_ERR_OTA_VALIDATE_FAILED" }
    #expect { try planner(fresh).setBoot("nvs") } throws: { ($0 as? OTAError)?.code == "ESP_ERR_OTA_VALIDATE_FAILED" }
    #expect { try planner(fresh).setBoot("nope") } throws: { ($0 as? OTAError)?.code == "ESP_ERR_NOT_FOUND" }
}

@Test func rollbackStoryMarkValidAndInvalid() throws {
    let doc = FlashDocument(bytes: sample("ota1-active.bin"))
    // Commit ota_0 with rollback: NEW in sector 1.
    try doc.apply(try planner(doc, rollback: true).setBoot("ota_0"))
    var l = try analyze(doc, rollback: true)
    #expect(l.otadata?.entries[1]?.state == OTAState.new && l.boot?.loaded == "ota_0")
    // Boot once: NEW → PENDING_VERIFY.
    let boot1 = try planner(doc, rollback: true).nextBoot()
    try doc.apply(boot1.plan)
    l = try analyze(doc, rollback: true)
    #expect(l.otadata?.entries[1]?.state == OTAState.pendingVerify)
    // The app marks itself invalid: rollback target is ota_1 (sector 0 still valid).
    let invalid = try planner(doc, rollback: true).markInvalid()
    #expect(invalid.notes.contains { $0.contains("ota_1") })
    try doc.apply(invalid)
    #expect(try analyze(doc, rollback: true).boot?.loaded == "ota_1")
    doc.undo()
    // Or it confirms: VALID, and a second mark valid writes nothing.
    try doc.apply(try planner(doc, rollback: true).markValid())
    #expect(try analyze(doc, rollback: true).otadata?.entries[1]?.state == OTAState.valid)
    #expect(try planner(doc, rollback: true).markValid().isNoOp)
}

@Test func preconditionFailuresChangeNothing() throws {
    let fresh = FlashDocument(bytes: sample("fresh-two-ota.bin"))
    #expect { try planner(fresh).markValid() } throws: { ($0 as? OTAError)?.message.contains("factory") == true }
    #expect { try planner(fresh).markInvalid() } throws: { ($0 as? OTAError)?.code == "ESP_FAIL" }
    #expect { try planner(fresh).eraseLastBootApp() } throws: { ($0 as? OTAError)?.code == "ESP_FAIL" }
    // Only one valid entry and no bootable factory → rollback impossible.
    var b = FlashImageBuilder.twoOTA()
    b.app("ota_0", sample("app-2.1.0.bin"))
    b.otadata(OTAEntry(seq: 1, state: OTAState.pendingVerify), nil)
    let noFactory = FlashDocument(bytes: b.bytes())
    #expect { try planner(noFactory).markInvalid() } throws: { ($0 as? OTAError)?.code == "ESP_ERR_OTA_ROLLBACK_FAILED" }
    #expect(!fresh.isModified && !noFactory.isModified)
}

@Test func eraseLastBootApp() throws {
    let doc = FlashDocument(bytes: sample("ota1-active.bin"))
    try doc.apply(try planner(doc).setBoot("ota_0"))   // sector 1 seq 3 → ota_0 runs, sector 0 seq 2 (ota_1) is the last boot app
    let plan = try planner(doc).eraseLastBootApp()
    #expect(plan.steps == [.erase(0x210000..<0x310000), .erase(0xD000..<0xE000)])
    try doc.apply(plan)
    let l = try analyze(doc)
    #expect(l.boot?.loaded == "ota_0")
    if case .erased = l.app(named: "ota_1")!.content {} else { Issue.record("ota_1 should be erased") }
}

@Test func v5AndV6DifferWhenReselectingTheRunningSlot() throws {
    let v6 = try planner(FlashDocument(bytes: sample("ota1-active.bin")), idf: .v6).setBoot("ota_1")
    let v5 = try planner(FlashDocument(bytes: sample("ota1-active.bin")), idf: .v5).setBoot("ota_1")
    #expect(v6.otadataChanges.map(\.sector) == [0] && v6.otadataChanges[0].after?.seq == 2)
    #expect(v5.otadataChanges.map(\.sector) == [1] && v5.otadataChanges[0].after?.seq == 2)
}

@Test func sequenceOverflowIsRefusedWithTheDeviceOutcome() throws {
    var b = FlashImageBuilder.twoOTA()
    b.app("factory", sample("app-2.1.0.bin")); b.app("ota_0", sample("app-2.1.0.bin")); b.app("ota_1", sample("app-2.1.0.bin"))
    b.otadata(OTAEntry(seq: 0xFFFF_FFFE, state: OTAState.undefined), nil)
    let doc = FlashDocument(bytes: b.bytes())
    // N = 2, active seq 0xfffffffe → slot 1; selecting ota_0 needs seq 0xffffffff (base 1 + 2i): wraps.
    #expect { try planner(doc).setBoot("ota_0") } throws: { ($0 as? OTAError)?.code == "SEQ_WRAPS" }
}

@Test func stageWithRollbackFollowsEspOtaBegin() throws {
    // ota_0 committed with rollback and booted once: PENDING_VERIFY → a new update is refused.
    let doc = FlashDocument(bytes: sample("ota1-active.bin"))
    try doc.apply(try planner(doc, rollback: true).setBoot("ota_0"))
    try doc.apply(try planner(doc, rollback: true).nextBoot().plan)
    #expect { try planner(doc, rollback: true).stage("ota_1", image: sample("app-2.1.0.bin")) }
        throws: { ($0 as? OTAError)?.code == "ESP_ERR_OTA_ROLLBACK_INVALID_STATE" }
    // Once confirmed, v5.5+/v6 esp_ota_begin also erases the inactive otadata sector (the old ota_1 entry).
    try doc.apply(try planner(doc, rollback: true).markValid())
    let plan = try planner(doc, rollback: true, idf: .v6).stage("ota_1", image: sample("app-2.1.0.bin"))
    #expect(plan.otadataChanges.map(\.sector) == [0] && plan.otadataChanges[0].after == nil)
    let old = try planner(doc, rollback: true, idf: .v5).stage("ota_1", image: sample("app-2.1.0.bin"))
    #expect(old.otadataChanges.isEmpty)
}

@Test func setBootOnATestAppSelectsItsLowNibbleSlot() throws {
    var b = FlashImageBuilder.twoOTA()
    b.partitions.append(PartitionEntry(name: "test", type: 0, subtype: 0x20, offset: 0x310000, size: 0x80000))
    b.app("factory", sample("app-2.1.0.bin")); b.app("test", sample("app-2.1.0.bin"))
    let doc = FlashDocument(bytes: b.bytes())
    let plan = try planner(doc).setBoot("test")
    #expect(plan.otadataChanges.first?.after?.seq == 1, "subtype 0x20 & 0x0F = slot 0 → seq 1")
    #expect(plan.notes.contains { $0.contains("not an OTA slot") })
}
