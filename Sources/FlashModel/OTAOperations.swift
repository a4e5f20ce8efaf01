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
    /// The ESP-IDF release the app (its `esp_ota_ops.c` and `esp_partition`) was built with.
    public var appIDF: IDFVersion
    /// What `--idf 5` means: the last release before esp_ota_begin's rollback erase (v5.5) and the v6.0
    /// `esp_rewrite_ota_data` change.
    public static let v5Default = IDFVersion(5, 4)
    public static let v6Default = IDFVersion(6, 0)

    public init(rollback: Bool = false, appIDF: IDFVersion = OTASettings.v6Default) { self.rollback = rollback; self.appIDF = appIDF }
    public init(rollback: Bool = false, idf: IDFBehaviour) {
        self.init(rollback: rollback, appIDF: idf == .v6 ? Self.v6Default : Self.v5Default)
    }

    /// Which `esp_rewrite_ota_data` rule (v6.0+: re-selecting the running slot keeps its seq).
    public var idf: IDFBehaviour {
        get { appIDF >= Self.v6Default ? .v6 : .v5 }
        set { appIDF = newValue == .v6 ? Self.v6Default : Self.v5Default }
    }
    /// v5.2+: `esp_partition_erase_range`/`write` refuse a readonly partition (ESP_ERR_NOT_ALLOWED).
    public var honoursReadonly: Bool { appIDF >= IDFVersion(5, 2) }
    /// v5.5+ with rollback: `esp_ota_begin` erases the inactive otadata sector.
    public var beginInvalidatesInactiveSlot: Bool { rollback && appIDF >= IDFVersion(5, 5) }
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
    /// Not an ESP-IDF error: an ESP-IDF assert fails and the app aborts (panic, reboot).
    case deviceAborts = "DEVICE_ABORTS"
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
    case appCannotReadTable(AppTableView.LoadError)
    case hiddenFromApp(partition: String)
    case readonly(partition: String)
    case notAnImage(first: UInt8)
    case imageLargerThanPartition(imageSize: Int, partition: String, partitionSize: Int)
    /// `esp_ota_get_app_partition_count`: ota_0 … ota_15 and a test row (subtype 0x20 = OTA_MIN + 16).
    case slotCountAssert(testPartition: String)

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
        case .appCannotReadTable(let e): TableViewDifference.appCannotRead(e).description
        case .hiddenFromApp(let name): "\(name) is not among the partitions the app reads (it lies after the MD5 row)"
        case .readonly(let name): "\(name) is flagged readonly: esp_partition refuses to erase or write it (ESP-IDF v5.2+)"
        case .notAnImage(let b): "esp_ota_write: the first byte is \(Hex.short(b)), not \(Hex.short(imageMagic))"
        case .imageLargerThanPartition(let size, let name, let psize): "the file (\(size) bytes) is larger than \(name) (\(psize) bytes)"
        case .slotCountAssert(let test): "esp_ota_get_app_partition_count aborts the app: ota_0…ota_15 all exist and its next lookup, subtype 0x20, finds the test partition \(test), so assert(ota_app_count < 16) fails"
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

    /// The app's table (`esp_partition`): refused when the app cannot read it.
    func appView() throws(OTAError) -> AppTableView {
        guard layout.kind == .flashImage, let t = layout.table, let view = layout.appView else {
            throw OTAError(.notFound, .noTable)
        }
        guard t.bootloaderAccepts else {
            throw OTAError(.invalidState, .tableRejected(reason: t.bootloaderReason ?? "invalid"))
        }
        if let e = view.loadError { throw OTAError(e == .noMD5Row ? .notFound : .invalidState, .appCannotReadTable(e)) }
        return view
    }

    /// `read_otadata`: the first data/ota row the app sees.
    func otadataPartition() throws(OTAError) -> PartitionEntry {
        guard let p = try appView().otadata else {
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

    /// Operations that call `esp_ota_get_app_partition_count` abort when it asserts (16 slots + a test row).
    func checkSlotCount() throws(OTAError) {
        if let test = appSlots.countAssertsOn { throw OTAError(.deviceAborts, .slotCountAssert(testPartition: test)) }
    }

    /// The partition the app finds by this label (the first row with it).
    func partition(named name: String) throws(OTAError) -> PartitionEntry {
        let view = try appView()
        if let p = view.partition(named: name) { return p }
        if layout.partition(named: name) != nil { throw OTAError(.notFound, .hiddenFromApp(partition: name)) }
        throw OTAError(.notFound, .noSuchPartition(name: name, available: view.partitions.map(\.name)))
    }

    /// `esp_partition_erase_range` / `esp_partition_write` on a readonly partition (v5.2+).
    func checkWritable(_ p: PartitionEntry) throws(OTAError) {
        if p.readonly && settings.honoursReadonly { throw OTAError(.notAllowed, .readonly(partition: p.name)) }
    }

    /// The steps of `rewrite_ota_seq`: erase the sector, write the 32-byte entry at its start.
    func rewrite(_ p: PartitionEntry, sector: Int, entry: OTAEntry) -> [OTAStep] {
        let at = Int(p.offset) + sector * otadataSectorSize
        return [.erase(at..<(at + otadataSectorSize)), .write(offset: at, bytes: entry.bytes())]
    }

    func change(_ p: PartitionEntry, _ sector: Int, _ before: [OTAEntry?], _ after: OTAEntry?) -> OTAEntryChange {
        OTAEntryChange(sector: sector, offset: Int(p.offset) + sector * otadataSectorSize, before: before[sector], after: after)
    }

    /// `image_validate(partition, ESP_IMAGE_VERIFY)`: the same check, with the same inputs, as `info`.
    /// A verdict that only the bootloader's start-up makes (it verifies, then aborts) passes here, as on the
    /// device, with a note.
    func verifyImage(_ p: PartitionEntry, in source: FlashDocument? = nil) -> BootVerdict {
        let doc = source ?? document
        var v = ImageVerifier.verify(doc, partition: p, presence: doc.presence(of: Int(p.offset)..<Int(p.end)),
                                     context: layout.verifyContext, digests: doc.digests).1
        if v.failure?.passesImageVerify == true {
            v.startWarning = v.failure
            v.failure = nil
        }
        return v
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
        if let w = verdict.startWarning { notes.append("\(name) \(w)") }
        guard target.isApp else {
            throw OTAError(.invalidArg, .notAnApp(partition: name))
        }
        let od = try otadataPartition()
        let before = entries(od)
        var plan: OTAPlan
        if target.isFactory {
            try checkWritable(od)
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
            try checkSlotCount()
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
            try checkWritable(od)
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
        if OTAData(offset: Int(od.offset), entries: e).activeSector != nil { try checkSlotCount() }
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
        try checkWritable(od)
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
        try checkWritable(od)
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
        if !otherValid, let f = layout.appView?.factory, verifyImage(f).bootable {
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
        try checkWritable(od)
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
        // The app partition is erased first, then the otadata sector; each erase returns its own error.
        try checkWritable(last)
        try checkWritable(od)
        let sectorAt = Int(od.offset) + inactive * otadataSectorSize
        var plan = OTAPlan(label: "erase \(last.name)", function: "esp_ota_erase_last_boot_app_partition()",
                           steps: [.erase(Int(last.offset)..<Int(last.end)), .erase(sectorAt..<(sectorAt + otadataSectorSize))],
                           otadataChanges: [change(od, inactive, before, nil)])
        plan.powerLoss = powerLoss(plan)
        return plan
    }

    // MARK: stage

    /// Writes an app image into an app partition as `esp_ota_begin(size)` + `esp_ota_write` + `esp_ota_end`,
    /// refusing with the error of the call that fails first: `esp_ota_begin` (partition not found, not an OTA
    /// slot, the running one, a PENDING_VERIFY running app, then its erase: readonly, larger than the
    /// partition), `esp_ota_write` (first byte not the image magic), `esp_ota_end` (`esp_image_verify` of the
    /// written partition: the same check `info` makes). `force` writes anyway where FlashScope can.
    public func stage(_ name: String, image: [UInt8], force: Bool = false) throws(OTAError) -> OTAPlan {
        guard layout.kind == .flashImage else { throw OTAError(.notFound, .notAFlashImage) }
        let target = try partition(named: name)
        guard target.isApp else { throw OTAError(.invalidArg, .notAnApp(partition: name)) }
        var notes: [String] = []
        // esp_ota_begin
        if !target.isOTAApp {
            // esp_ota_begin accepts ota_0…ota_15 only; writing factory/test is what esptool write-flash does.
            guard force else { throw OTAError(.invalidArg, .notAnOTASlot(partition: name)) }
            notes.append("\(name) is not an OTA slot: written as esptool write-flash would (esp_ota_begin refuses it)")
        }
        if let running = running, running == name {
            guard force else { throw OTAError(.otaPartitionConflict, .partitionConflict(partition: name)) }
            notes.append("\(name) is the running partition (ESP_ERR_OTA_PARTITION_CONFLICT on a device)")
        }
        if settings.rollback, let running = running, let state = runningState(running), state == OTAState.pendingVerify {
            guard force else { throw OTAError(.otaRollbackInvalidState, .runningPendingVerify(partition: running)) }
            notes.append("the running app is PENDING_VERIFY (ESP_ERR_OTA_ROLLBACK_INVALID_STATE on a device)")
        }
        // esp_ota_begin's erase: esp_partition_erase_range(partition, 0, ALIGN_UP(size, 4 KiB)).
        try checkWritable(target)
        let start = Int(target.offset)
        let eraseLen = (image.count + FlashDocument.sectorSize - 1) / FlashDocument.sectorSize * FlashDocument.sectorSize
        guard eraseLen <= Int(target.size) else {
            throw OTAError(.invalidSize, .imageLargerThanPartition(imageSize: image.count, partition: name, partitionSize: Int(target.size)))
        }
        guard document.presence(of: start..<(start + eraseLen)) == .full else {
            throw OTAError(.invalidSize, .partitionNotInFile(partition: name))
        }
        var steps: [OTAStep] = [.erase(start..<(start + eraseLen))]
        var changes: [OTAEntryChange] = []
        // v5.5+ with rollback: esp_ota_begin calls esp_ota_invalidate_inactive_ota_data_slot() after the erase
        // (same preconditions as erase_last_boot_app_partition; failures ignored).
        if settings.beginInvalidatesInactiveSlot, target.isOTAApp, let (sector, od, before) = inactiveSlotToInvalidate() {
            let at = Int(od.offset) + sector * otadataSectorSize
            steps.append(.erase(at..<(at + otadataSectorSize)))
            changes.append(change(od, sector, before, nil))
            notes.append("ESP-IDF v5.5+ with rollback: esp_ota_begin erases the inactive otadata sector \(sector)")
        }
        steps.append(.write(offset: start, bytes: image))

        // esp_ota_write: the first byte; esp_ota_end: esp_image_verify on the written partition.
        var checks: [StageCheck] = []
        let first = image.first ?? 0xFF
        checks.append(StageCheck(name: "magic", passed: first == imageMagic,
                                 detail: first == imageMagic ? Hex.short(imageMagic) : "first byte \(Hex.short(first)), expected \(Hex.short(imageMagic)) (esp_ota_write)"))
        let scratch = FlashDocument(scratchOver: document)
        _ = try? scratch.edit("stage") { (tx: inout FlashDocument.Transaction) throws(FlashDocument.EditError) in try tx.perform(steps) }
        let verdict = verifyImage(target, in: scratch)
        let context = layout.verifyContext
        let ruleWords = "bootloader rules ESP-IDF \(context.rules.version)"
        checks.append(StageCheck(name: "verify", passed: verdict.bootable,
                                 detail: verdict.problem.map { "\($0) (esp_ota_end)" } ?? "esp_image_verify passes (\(ruleWords))"))
        for r in verdict.requirements { notes.append("\(name) \(r.words)") }
        if let w = verdict.startWarning { notes.append("\(name) \(w)") }
        if let img = AppImage.inspect(ByteArray(image), at: 0, flashAddress: start, digests: NoDigests()).image {
            let len = img.lengthWithSignature ?? image.count
            checks.append(StageCheck(name: "size", passed: len <= Int(target.size),
                                     detail: "\(len) bytes into \(Int(target.size)) (\(len * 100 / Swift.max(1, Int(target.size)))%)"))
        }
        if first != imageMagic && !force { throw OTAError(.otaValidateFailed, .notAnImage(first: first)) }
        if let failure = verdict.failure, !force { throw OTAError(.otaValidateFailed, .imageInvalid(partition: name, problem: failure)) }
        let failed = checks.filter { !$0.passed }
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
