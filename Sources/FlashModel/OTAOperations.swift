import FlashFormats

/// Edits an image exactly as ESP-IDF's OTA code would on the device.
///
/// Each operation is planned first (`OTAPlan`: the erases and writes, the otadata entries before and
/// after, what boots if power fails between the erase and the write), then applied to a
/// `FlashDocument` as one undoable edit. A failed ESP-IDF precondition throws `OTAError` with
/// ESP-IDF's reason, and nothing changes.

/// Build settings that change what the OTA functions write.
public struct OTASettings: Sendable, Equatable {
    /// CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE.
    public var rollback: Bool
    /// Which ESP-IDF release's `esp_rewrite_ota_data` rules.
    public var idf: IDFBehaviour
    public init(rollback: Bool = false, idf: IDFBehaviour = .v6) { self.rollback = rollback; self.idf = idf }
}

/// The error an ESP-IDF call returns (`esp_err_t` names), plus FlashScope's own two refusals where the
/// device would hang or silently do nothing.
public enum ESPError: String, Sendable, Equatable, CaseIterable {
    case fail = "ESP_FAIL"
    case invalidArg = "ESP_ERR_INVALID_ARG"
    case invalidState = "ESP_ERR_INVALID_STATE"
    case invalidSize = "ESP_ERR_INVALID_SIZE"
    case notFound = "ESP_ERR_NOT_FOUND"
    case notAllowed = "ESP_ERR_NOT_ALLOWED"
    case otaValidateFailed = "ESP_ERR_OTA_VALIDATE_FAILED"
    case otaPartitionConflict = "ESP_ERR_OTA_PARTITION_CONFLICT"
    case otaRollbackFailed = "ESP_ERR_OTA_ROLLBACK_FAILED"
    case otaRollbackInvalidState = "ESP_ERR_OTA_ROLLBACK_INVALID_STATE"
    /// Not an ESP-IDF error: `esp_ota_set_boot_partition` would loop forever.
    case deviceHangs = "DEVICE_HANGS"
    /// Not an ESP-IDF error: `esp_ota_set_boot_partition` would write the erased seq.
    case seqWraps = "SEQ_WRAPS"
}

/// Why an OTA operation is refused, with the values that decided it.
public enum OTARefusal: Sendable, Equatable, CustomStringConvertible {
    case notAFlashImage
    case noTable
    case tableRejected(reason: String)
    case noOTADataPartition
    case otadataTooSmall(size: UInt32)
    case otadataNotInFile
    case noSuchPartition(name: String, available: [String])
    case notAnApp(partition: String)
    case imageInvalid(partition: String, problem: ImageProblem)
    case setBootPlan(OTAPlanError)
    case runningIsFactory
    case rollbackImpossible
    case noLastBootEntry(sector: Int)
    case noOTAPartition(slot: Int)
    case lastBootIsRunning(partition: String)
    case notAnOTASlot(partition: String)
    case partitionConflict(partition: String)
    case runningPendingVerify(partition: String)
    case partitionNotInFile(partition: String)
    case checksFailed([StageCheck])
    case imageLargerThanPartition(imageSize: Int, partition: String, partitionSize: Int)

    public var description: String {
        switch self {
        case .notAFlashImage: "this file is not a flash image"
        case .noTable: "no partition table in this file"
        case .tableRejected(let r): "the bootloader rejects this partition table (\(r)); fix it first"
        case .noOTADataPartition: "the partition table has no otadata (data/ota) partition"
        case .otadataTooSmall(let size): "otadata partition is \(Hex.short(size)) bytes, needs \(Hex.short(otadataSize))"
        case .otadataNotInFile: "the otadata partition is not (completely) in this file"
        case .noSuchPartition(let name, let names): "no partition named '\(name)' (partitions: \(names.joined(separator: ", ")))"
        case .notAnApp(let name): "\(name) is not an app partition"
        case .imageInvalid(let name, let problem): "\(name): \(problem)"
        case .setBootPlan(let e): e.description
        case .runningIsFactory: "Running firmware is factory (no valid otadata entry)"
        case .rollbackImpossible: "Rollback is not possible, do not have any suitable apps in slots"
        case .noLastBootEntry(let sector): "the inactive otadata entry (sector \(sector)) is erased or has a bad CRC: there is no last boot app"
        case .noOTAPartition(let slot): "no ota_\(slot) partition"
        case .lastBootIsRunning(let name): "\(name) is the running partition"
        case .notAnOTASlot(let name): "esp_ota_begin only writes OTA slots (ota_0…ota_15), not \(name); use --force to write it anyway, as esptool write-flash would"
        case .partitionConflict(let name): "\(name) is the partition the device runs"
        case .runningPendingVerify(let name): "the running app \(name) is PENDING_VERIFY: confirm it (mark --valid) or roll back before an update"
        case .partitionNotInFile(let name): "\(name) is not (completely) in this file, so the image cannot be written into it"
        case .checksFailed(let checks): checks.map { "\($0.name): \($0.detail)" }.joined(separator: "; ")
        case .imageLargerThanPartition(let size, let name, let psize): "the file (\(size) bytes) is larger than \(name) (\(psize) bytes)"
        }
    }
}

public struct OTAError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What ESP-IDF returns.
    public let error: ESPError
    public let refusal: OTARefusal
    public init(_ error: ESPError, _ refusal: OTARefusal) { self.error = error; self.refusal = refusal }
    /// ESP-IDF's error name (`ESP_ERR_INVALID_ARG`, `ESP_FAIL`, …).
    public var code: String { error.rawValue }
    public var message: String { refusal.description }
    public var description: String { "\(code): \(message)" }
}

/// One step of a plan, in order.
public enum OTAStep: Sendable, Equatable {
    case erase(Range<Int>)
    case write(offset: Int, bytes: [UInt8])
}

/// An otadata entry being rewritten (or erased: `after == nil`).
public struct OTAEntryChange: Sendable, Equatable {
    public let sector: Int
    public let offset: Int
    public let before: OTAEntry?
    public let after: OTAEntry?
}

/// What boots if power fails at one point of the plan.
public struct PowerLossOutcome: Sendable, Equatable {
    /// "after erasing otadata sector 1, before writing it"
    public let when: String
    public let selected: String?
    public let loaded: String?
    public let reason: String
    public let outcome: BootOutcome
}

/// A check made before staging an image, as the bootloader would make it.
public struct StageCheck: Sendable, Equatable {
    public let name: String
    public let passed: Bool
    public let detail: String
}

public struct OTAPlan: Sendable {
    /// Short label for undo lists ("set boot ota_1").
    public let label: String
    /// The ESP-IDF call mirrored, e.g. `esp_ota_set_boot_partition(ota_1)`.
    public let function: String
    public let steps: [OTAStep]
    public let otadataChanges: [OTAEntryChange]
    public var powerLoss: [PowerLossOutcome] = []
    public var checks: [StageCheck] = []
    /// Things the user should know (forced past a failed check, behaviour differences).
    public var notes: [String] = []

    /// Nothing to write (e.g. marking an already VALID entry valid).
    public var isNoOp: Bool { steps.isEmpty }
}

extension FlashDocument {
    /// Applies a plan as one undoable edit.
    @discardableResult
    public func apply(_ plan: OTAPlan) throws(EditError) -> Edit? {
        try edit(plan.label) { (tx: inout Transaction) throws(EditError) in try tx.perform(plan.steps) }
    }
}

extension FlashDocument.Transaction {
    /// Performs erase and write steps in order.
    public mutating func perform(_ steps: [OTAStep]) throws(FlashDocument.EditError) {
        for step in steps {
            switch step {
            case .erase(let r): try erase(r)
            case .write(let o, let b): try write(b, at: o)
            }
        }
    }
}

/// Plans OTA operations against a document and its current analysis.
public struct OTAPlanner {
    public let document: FlashDocument
    public let layout: FlashLayout
    public let settings: OTASettings

    /// The app the device runs now (`esp_ota_get_running_partition`): what the bootloader started last,
    /// i.e. the boot decision on the current bytes without the state changes a rollback bootloader makes
    /// on the *next* boot (a PENDING_VERIFY app is the running one until then). Decided once per planner.
    let running: String?

    public init(document: FlashDocument, layout: FlashLayout, settings: OTASettings) {
        self.document = document; self.layout = layout; self.settings = settings
        running = Self.runningPartition(layout)
    }

    // MARK: Preconditions shared by every otadata operation

    func otadataPartition() throws(OTAError) -> PartitionEntry {
        guard layout.kind == .flashImage, let t = layout.table else {
            throw OTAError(.notFound, .noTable)
        }
        guard t.bootloaderAccepts else {
            throw OTAError(.invalidState, .tableRejected(reason: t.bootloaderReason ?? "invalid"))
        }
        guard let p = layout.otadataPartition else {
            throw OTAError(.notFound, .noOTADataPartition)
        }
        guard Int(p.size) >= otadataSize else {
            throw OTAError(.invalidSize, .otadataTooSmall(size: p.size))
        }
        guard document.presence(of: Int(p.offset)..<(Int(p.offset) + otadataSize)) == .full else {
            throw OTAError(.invalidSize, .otadataNotInFile)
        }
        return p
    }

    func entries(_ p: PartitionEntry) -> [OTAEntry?] { OTAData.parse(document, at: Int(p.offset)).entries }

    /// `esp_ota_get_app_partition_count`: consecutive ota_0, ota_1, … .
    var appSlots: AppOTASlots { layout.appSlots }
    var appCount: Int { appSlots.count }

    func partition(named name: String) throws(OTAError) -> PartitionEntry {
        guard let p = layout.partition(named: name)?.entry else {
            throw OTAError(.notFound, .noSuchPartition(name: name, available: layout.partitions.map(\.name)))
        }
        return p
    }

    /// The steps of `rewrite_ota_seq`: erase the sector, write the 32-byte entry at its start.
    func rewrite(_ p: PartitionEntry, sector: Int, entry: OTAEntry) -> [OTAStep] {
        let at = Int(p.offset) + sector * otadataSectorSize
        return [.erase(at..<(at + otadataSectorSize)), .write(offset: at, bytes: entry.bytes())]
    }

    func change(_ p: PartitionEntry, _ sector: Int, _ before: [OTAEntry?], _ after: OTAEntry?) -> OTAEntryChange {
        OTAEntryChange(sector: sector, offset: Int(p.offset) + sector * otadataSectorSize, before: before[sector], after: after)
    }

    /// `image_validate(partition, ESP_IMAGE_VERIFY)` as far as a dump can tell.
    func verifyImage(_ p: PartitionEntry) -> BootVerdict {
        let content = AppImage.inspect(document, at: Int(p.offset), limit: Int(p.size), digests: document.digests)
        return FlashLayout.judge(content, presence: document.presence(of: Int(p.offset)..<Int(p.end)),
                                 chip: layout.bootloader?.chip, partitionSize: Int(p.size))
    }

    // MARK: esp_ota_set_boot_partition

    /// `esp_ota_set_boot_partition(p)`.
    /// - Parameter skipValidate: as `esp_ota_set_boot_partition_skip_validate` (v6.1+), or `--force`.
    public func setBoot(_ name: String, skipValidate: Bool = false) throws(OTAError) -> OTAPlan {
        let target = try partition(named: name)
        var notes: [String] = []
        // esp_ota_set_boot_partition validates the image before it looks at the partition type.
        let verdict = verifyImage(target)
        if !verdict.bootable {
            if skipValidate {
                notes.append("image check skipped (--force): \(verdict.problem ?? "not bootable"); the bootloader will refuse this slot")
            } else if let failure = verdict.failure {
                throw OTAError(.otaValidateFailed, .imageInvalid(partition: name, problem: failure))
            }
        }
        guard target.isApp else {
            throw OTAError(.invalidArg, .notAnApp(partition: name))
        }
        let od = try otadataPartition()
        let before = entries(od)
        var plan: OTAPlan
        if target.isFactory {
            let r = Int(od.offset)..<(Int(od.offset) + Int(od.size))
            plan = OTAPlan(label: "set boot \(name)", function: "esp_ota_set_boot_partition(\(name))",
                           steps: [.erase(r)],
                           otadataChanges: [change(od, 0, before, nil), change(od, 1, before, nil)])
            notes.append("factory: the whole otadata partition is erased")
        } else {
            // esp_rewrite_ota_data takes SUB_TYPE_ID(subtype) = subtype & 0x0F for any non-factory app:
            // a test app (0x20) or tee_1 (0x31) selects OTA slot 0 or 1.
            let slot = target.subtypeID
            if !target.isOTAApp {
                notes.append("\(name) is not an OTA slot: ESP-IDF uses subtype & 0x0F = \(slot), i.e. it selects OTA slot \(slot)")
            }
            let data = OTAData(offset: Int(od.offset), entries: before)
            let w: OTAWrite
            do {
                w = try data.planSetBoot(slot: slot, count: appCount, rollback: settings.rollback, idf: settings.idf)
            } catch {
                switch error {
                case .slotOutOfRange: throw OTAError(.invalidArg, .setBootPlan(error))
                case .sequenceOverflow(_, _, _, let hangs): throw OTAError(hangs ? .deviceHangs : .seqWraps, .setBootPlan(error))
                }
            }
            plan = OTAPlan(label: "set boot \(name)", function: "esp_ota_set_boot_partition(\(name))",
                           steps: rewrite(od, sector: w.sector, entry: w.entry),
                           otadataChanges: [change(od, w.sector, before, w.entry)])
            if let a = data.activeSector, a == w.sector, settings.idf == .v6 {
                notes.append("ESP-IDF v6: \(name) is already selected, so the active sector is rewritten with the same seq (only the state changes)")
            } else if let a = data.activeSector, settings.idf == .v5, before[a]?.slot(count: appCount) == slot {
                notes.append("ESP-IDF before v6: re-selecting the running slot writes the other sector with the same seq")
            }
        }
        plan.notes = notes
        plan.powerLoss = powerLoss(plan)
        return plan
    }

    // MARK: mark valid / invalid

    func activeEntry(_ od: PartitionEntry) throws(OTAError) -> (sector: Int, entries: [OTAEntry?]) {
        let e = entries(od)
        guard let active = OTAData(offset: Int(od.offset), entries: e).activeSector, appCount != 0 else {
            throw OTAError(.fail, .runningIsFactory)
        }
        return (active, e)
    }

    /// `esp_ota_mark_app_valid_cancel_rollback()`.
    public func markValid() throws(OTAError) -> OTAPlan {
        let od = try otadataPartition()
        let (active, before) = try activeEntry(od)
        var e = before[active]!
        guard e.state != OTAState.valid else {
            return OTAPlan(label: "mark valid", function: "esp_ota_mark_app_valid_cancel_rollback()", steps: [],
                           otadataChanges: [], notes: ["already VALID: ESP-IDF writes nothing"])
        }
        e.state = OTAState.valid
        e.crc = e.expectedCRC
        var plan = OTAPlan(label: "mark valid", function: "esp_ota_mark_app_valid_cancel_rollback()",
                           steps: rewrite(od, sector: active, entry: e), otadataChanges: [change(od, active, before, e)])
        plan.powerLoss = powerLoss(plan)
        return plan
    }

    /// `esp_ota_mark_app_invalid_rollback()` (v5.5+; `…_and_reboot()` before, which also restarts).
    public func markInvalid() throws(OTAError) -> OTAPlan {
        let od = try otadataPartition()
        let (active, before) = try activeEntry(od)
        guard let why = rollbackPossible(od, before, active) else {
            throw OTAError(.otaRollbackFailed, .rollbackImpossible)
        }
        var e = before[active]!
        e.state = OTAState.invalid
        e.crc = e.expectedCRC
        var plan = OTAPlan(label: "mark invalid", function: "esp_ota_mark_app_invalid_rollback()",
                           steps: rewrite(od, sector: active, entry: e), otadataChanges: [change(od, active, before, e)])
        plan.notes = ["rollback target: \(why)"]
        plan.powerLoss = powerLoss(plan)
        return plan
    }

    /// `check_rollback_is_possible()`: the app (or factory) a rollback would land on, or nil.
    func rollbackPossible(_ od: PartitionEntry, _ e: [OTAEntry?], _ active: Int) -> String? {
        let other = 1 - active
        let otherValid = e[other]?.isValid ?? false
        if !otherValid, let f = layout.partitions.first(where: { $0.entry.isFactory })?.entry, verifyImage(f).bootable {
            return f.name
        }
        if otherValid, let entry = e[other], let p = appSlots.partition(selectedBy: entry), verifyImage(p).bootable {
            return p.name
        }
        return nil
    }

    // MARK: erase

    /// Erases the whole otadata partition (what `otatool.py erase_otadata` and set_boot(factory) do).
    public func eraseOTAData() throws(OTAError) -> OTAPlan {
        let od = try otadataPartition()
        let before = entries(od)
        var plan = OTAPlan(label: "erase otadata", function: "esp_partition_erase_range(otadata, 0, 0x2000)",
                           steps: [.erase(Int(od.offset)..<(Int(od.offset) + Int(od.size)))],
                           otadataChanges: [change(od, 0, before, nil), change(od, 1, before, nil)])
        plan.powerLoss = powerLoss(plan)
        return plan
    }

    /// `esp_ota_erase_last_boot_app_partition()`.
    public func eraseLastBootApp() throws(OTAError) -> OTAPlan {
        let od: PartitionEntry
        do { od = try otadataPartition() } catch { throw OTAError(.fail, error.refusal) }
        let (active, before) = try activeEntry(od)
        let inactive = 1 - active
        guard let ie = before[inactive], !ie.seqErasedOrCRCWrong else {
            throw OTAError(.fail, .noLastBootEntry(sector: inactive))
        }
        guard let last = appSlots.partition(selectedBy: ie) else {
            throw OTAError(.fail, .noOTAPartition(slot: ie.slot(count: appCount) ?? 0))
        }
        if let running = running, running == last.name {
            throw OTAError(.fail, .lastBootIsRunning(partition: last.name))
        }
        let sectorAt = Int(od.offset) + inactive * otadataSectorSize
        var plan = OTAPlan(label: "erase \(last.name)", function: "esp_ota_erase_last_boot_app_partition()",
                           steps: [.erase(Int(last.offset)..<Int(last.end)), .erase(sectorAt..<(sectorAt + otadataSectorSize))],
                           otadataChanges: [change(od, inactive, before, nil)])
        plan.powerLoss = powerLoss(plan)
        return plan
    }

    // MARK: stage

    /// Writes an app image into an app partition as `esp_ota_begin(size)` + `esp_ota_write` + `esp_ota_end`:
    /// the sectors the image needs are erased, the image written, and `esp_ota_end`'s verification is run
    /// first. A failing check throws unless `force`.
    public func stage(_ name: String, image: [UInt8], force: Bool = false) throws(OTAError) -> OTAPlan {
        let target = try partition(named: name)
        guard layout.kind == .flashImage else { throw OTAError(.notFound, .notAFlashImage) }
        guard target.isApp else { throw OTAError(.invalidArg, .notAnApp(partition: name)) }
        var notes: [String] = []
        if !target.isOTAApp {
            // esp_ota_begin accepts ota_0…ota_15 only; writing factory/test is what esptool write-flash does.
            guard force else {
                throw OTAError(.invalidArg, .notAnOTASlot(partition: name))
            }
            notes.append("\(name) is not an OTA slot: written as esptool write-flash would (esp_ota_begin refuses it)")
        }
        if let running = running, running == name {
            guard force else {
                throw OTAError(.otaPartitionConflict, .partitionConflict(partition: name))
            }
            notes.append("\(name) is the running partition (ESP_ERR_OTA_PARTITION_CONFLICT on a device)")
        }
        if settings.rollback, let running = running, let state = runningState(running), state == OTAState.pendingVerify {
            guard force else {
                throw OTAError(.otaRollbackInvalidState, .runningPendingVerify(partition: running))
            }
            notes.append("the running app is PENDING_VERIFY (ESP_ERR_OTA_ROLLBACK_INVALID_STATE on a device)")
        }
        let start = Int(target.offset)
        let eraseLen = (image.count + otadataSectorSize - 1) / otadataSectorSize * otadataSectorSize
        guard document.presence(of: start..<(start + Swift.min(eraseLen, Int(target.size)))) == .full else {
            throw OTAError(.invalidSize, .partitionNotInFile(partition: name))
        }
        var checks: [StageCheck] = []
        let slot = AppImage.inspect(ByteArray(image), at: 0, flashAddress: start)
        let img = slot.image
        checks.append(StageCheck(name: "magic", passed: img != nil,
                                 detail: img != nil ? Hex.short(imageMagic) : "first byte \(Hex.short(image.first ?? 0)), expected \(Hex.short(imageMagic))"))
        if let img {
            let digestCodes: Set<DiagnosticCode> = [.imageChecksumMismatch, .imageSHA256Mismatch]
            let structural = img.diagnostics.filter { $0.severity == .error && !digestCodes.contains($0.code) }
            checks.append(StageCheck(name: "segments", passed: structural.isEmpty && !img.truncated,
                                     detail: structural.first?.message ?? "\(img.segmentCount) segments, MMU alignment ok at \(Hex.short(start))"))
            checks.append(StageCheck(name: "checksum", passed: img.checksumValid == true,
                                     detail: img.checksumStored.map { s in "\(Hex.padded(s, 2)) vs calculated \(Hex.padded(img.checksumComputed ?? 0, 2))" } ?? "not readable"))
            if img.hashAppended {
                checks.append(StageCheck(name: "SHA-256", passed: img.hashValid == true,
                                         detail: img.hashValid == true ? "matches" : "stored digest does not match the image"))
            }
            let blChip = layout.bootloader?.chip
            checks.append(StageCheck(name: "chip", passed: blChip == nil || img.chip == blChip,
                                     detail: "image \(Chip.describe(id: img.chipID)), bootloader \(blChip?.name ?? "unknown")"))
            let len = img.lengthWithSignature ?? image.count
            checks.append(StageCheck(name: "size", passed: len <= Int(target.size) && image.count <= Int(target.size),
                                     detail: "\(len) bytes into \(Int(target.size)) (\(len * 100 / Swift.max(1, Int(target.size)))%)"))
        }
        let failed = checks.filter { !$0.passed }
        if !failed.isEmpty && !force {
            throw OTAError(.otaValidateFailed, .checksFailed(failed))
        }
        guard image.count <= Int(target.size) else {
            throw OTAError(.invalidSize, .imageLargerThanPartition(imageSize: image.count, partition: name, partitionSize: Int(target.size)))
        }
        var steps: [OTAStep] = [.erase(start..<(start + eraseLen))]
        var changes: [OTAEntryChange] = []
        // v5.5+ with rollback: esp_ota_begin calls esp_ota_invalidate_inactive_ota_data_slot() after the erase
        // (same preconditions as erase_last_boot_app_partition; failures ignored).
        if settings.rollback, settings.idf == .v6, target.isOTAApp, let (sector, od, before) = inactiveSlotToInvalidate() {
            let at = Int(od.offset) + sector * otadataSectorSize
            steps.append(.erase(at..<(at + otadataSectorSize)))
            changes.append(change(od, sector, before, nil))
            notes.append("ESP-IDF v5.5+ with rollback: esp_ota_begin erases the inactive otadata sector \(sector)")
        }
        steps.append(.write(offset: start, bytes: image))
        var plan = OTAPlan(label: "stage into \(name)", function: "esp_ota_begin(\(name), \(image.count)) + esp_ota_write + esp_ota_end",
                           steps: steps, otadataChanges: changes)
        plan.checks = checks
        plan.notes = notes
        if !failed.isEmpty { plan.notes.append("forced past: " + failed.map(\.name).joined(separator: ", ")) }
        plan.powerLoss = changes.isEmpty ? [] : powerLoss(plan)
        return plan
    }

    static func runningPartition(_ layout: FlashLayout) -> String? {
        guard let t = layout.table, t.bootloaderAccepts else { return nil }
        if !layout.options.rollback { return layout.boot?.loaded }
        let verdicts = Dictionary(layout.apps.map { ($0.partition, $0.verdict) }, uniquingKeysWith: { a, _ in a })
        return BootDecision.decide(slots: layout.bootSlots, otadata: layout.otadata, rollback: false) {
            verdicts[$0] ?? BootVerdict(failure: .notAnApp)
        }.loaded
    }

    /// `esp_ota_get_state_partition` for the running app: the first entry whose slot is its slot and whose CRC is right.
    func runningState(_ name: String) -> UInt32? {
        guard let p = layout.partition(named: name)?.entry, let slot = p.otaSlot, let od = layout.otadataPartition else { return nil }
        for e in entries(od) {
            if let e, e.crcOK, e.slot(count: appCount) == slot { return e.state }
        }
        return nil
    }

    /// The sector `esp_ota_invalidate_inactive_ota_data_slot` would erase, if its preconditions hold.
    func inactiveSlotToInvalidate() -> (Int, PartitionEntry, [OTAEntry?])? {
        guard let od = try? otadataPartition() else { return nil }
        let e = entries(od)
        guard let active = OTAData(offset: Int(od.offset), entries: e).activeSector, appCount != 0 else { return nil }
        let inactive = 1 - active
        guard let ie = e[inactive], !ie.seqErasedOrCRCWrong, let p = appSlots.partition(selectedBy: ie),
              p.name != running else { return nil }
        return (inactive, od, e)
    }

    // MARK: power loss

    /// For each erase of an otadata sector that is followed by a write, the boot decision if power fails
    /// right after the erase.
    func powerLoss(_ plan: OTAPlan) -> [PowerLossOutcome] {
        guard let od = layout.otadataPartition else { return [] }
        let odRange = Int(od.offset)..<(Int(od.offset) + otadataSize)
        var out: [PowerLossOutcome] = []
        var applied: [OTAStep] = []
        for step in plan.steps {
            applied.append(step)
            guard case .erase(let r) = step, r.overlaps(odRange) else { continue }
            let sectors = stride(from: Swift.max(r.lowerBound, odRange.lowerBound), to: Swift.min(r.upperBound, odRange.upperBound), by: otadataSectorSize)
                .map { ($0 - odRange.lowerBound) / otadataSectorSize }
            let when = "after erasing otadata sector\(sectors.count > 1 ? "s" : "") \(sectors.map(String.init).joined(separator: " and ")), before \(applied.count < plan.steps.count ? "the write" : "anything else")"
            // Evaluate on a scratch document: the current bytes plus the steps so far.
            let scratch = FlashDocument(scratchOver: document)
            _ = try? scratch.edit("power loss") { (tx: inout FlashDocument.Transaction) throws(FlashDocument.EditError) in
                try tx.perform(applied)
            }
            if let l = try? FlashLayout.analyze(scratch, digests: scratch.digests, options: layout.options), let b = l.boot {
                out.append(PowerLossOutcome(when: when, selected: b.selected, loaded: b.loaded, reason: b.reason, outcome: b.outcome))
            }
        }
        return out
    }

    // MARK: boot simulation

    /// What the bootloader itself writes on the next boot (rollback state changes, initial contents),
    /// as a plan; empty when the boot writes nothing.
    public func nextBoot() -> (decision: BootDecision?, plan: OTAPlan) {
        var steps: [OTAStep] = []
        var changes: [OTAEntryChange] = []
        guard let d = layout.boot, let od = layout.otadataPartition else {
            return (layout.boot, OTAPlan(label: "boot", function: "bootloader", steps: [], otadataChanges: []))
        }
        let before = entries(od)
        for w in d.writes {
            steps += rewrite(od, sector: w.sector, entry: w.entry)
            changes.append(change(od, w.sector, before, w.entry))
        }
        return (d, OTAPlan(label: "boot → \(d.loaded ?? "nothing")", function: "bootloader (\(d.writes.map(\.why.rawValue).joined(separator: ", ")))",
                           steps: steps, otadataChanges: changes))
    }
}
