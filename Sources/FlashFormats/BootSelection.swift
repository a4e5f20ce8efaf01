/// Which app the second-stage bootloader starts.
///
/// Mirrors `bootloader_utility_load_partition_table` (slot bookkeeping),
/// `bootloader_utility_get_selected_boot_partition` (the otadata decision, non-anti-rollback build) and
/// `bootloader_utility_load_boot_image` (the fallback order), including the otadata writes the
/// bootloader itself makes (rollback state changes and the "initial contents" fix-up).

/// The bootloader's view of the table: `bootloader_state_t`.
public struct BootSlots: Sendable {
    /// Rows with `subtype & 0x0F == k`, by k (last row wins, as in the C loop).
    public var ota: [Int: PartitionEntry] = [:]
    /// Number of app rows with an OTA subtype, duplicates and gaps included (`app_count`).
    public var appCount = 0
    public var factory: PartitionEntry?
    public var test: PartitionEntry?
    public var otadata: PartitionEntry?

    public init(_ entries: [PartitionEntry]) {
        for e in entries {
            if e.isApp {
                if e.isFactory { factory = e }
                else if e.isTest { test = e }
                else if let k = e.otaSlot { ota[k] = e; appCount += 1 }
            } else if e.isOTAData {
                otadata = e
            }
        }
    }

    /// `index_to_partition`: −1 factory, −2 test, 0…appCount−1 OTA; nil for empty or out of range.
    public func partition(at index: Int) -> PartitionEntry? {
        switch index {
        case BootDecision.factoryIndex: factory.flatMap { $0.size == 0 ? nil : $0 }
        case BootDecision.testIndex: test.flatMap { $0.size == 0 ? nil : $0 }
        case 0..<appCount: ota[index].flatMap { $0.size == 0 ? nil : $0 }
        default: nil
        }
    }
}

/// Why the bootloader would not start the image in a partition (`esp_image_verify` and the checks
/// `bootloader_utility_load_boot_image` makes around it), with the values it compared.
public enum ImageProblem: Sendable, Equatable, CustomStringConvertible {
    /// No byte of the partition is in the file.
    case absent
    /// The first bytes are erased.
    case erased
    /// The first byte is not the image magic.
    case noImage(magic: UInt8)
    /// The file ends inside the image (a partial dump): on the device the bytes go on.
    case cutByFileEnd
    /// `bootloader_common_check_chip_id`: the image's chip id is not the bootloader's.
    case chipMismatch(image: UInt16, bootloader: UInt16)
    case checksumMismatch(stored: UInt8, computed: UInt8)
    case sha256Mismatch(stored: [UInt8], computed: [UInt8])
    /// The partition is larger than the bootloader maps (`ESP_IMAGE_MAX_FLASH_ADDR_SIZE`).
    case partitionTooLarge(size: Int, limit: Int)
    /// The image (with its signature sector, when present) is longer than its partition.
    case doesNotFit(length: Int, partitionSize: Int)
    /// Another check of the image format failed (the parser's finding).
    case invalid(code: DiagnosticCode, offset: Int?, message: String)
    /// Not an app partition.
    case notAnApp
    /// The given chip (or eFuse block) revision is outside the image's window.
    case revisionOutsideWindow(kind: RevisionRequirement.Kind, window: RevisionWindow, actual: ChipRevision)
    /// No revision of the chip family is inside the image's window.
    case revisionImpossible(kind: RevisionRequirement.Kind, window: RevisionWindow)
    /// v5.4+ on chips with a configurable MMU page: segment 0 does not start with `esp_app_desc_t`.
    case noAppDescriptor
    /// Segment 0 is shorter than `esp_app_desc_t` (bootloaders after v6.1).
    case segment0TooShort(length: Int, minimum: Int)
    /// The image verifies, but `unpack_load_app` asserts: not exactly two flash-mapped segments on a chip
    /// with a shared instruction/data MMU. The bootloader resets instead of trying another slot.
    case mappedSegmentCount(Int)

    /// The bootloader stops (and resets) here instead of falling back to the next partition.
    public var haltsBootloader: Bool { if case .mappedSegmentCount = self { true } else { false } }
    /// ESP-IDF's own `esp_image_verify` (the app side: esp_ota_end, esp_ota_set_boot_partition) passes.
    public var passesImageVerify: Bool { haltsBootloader }

    /// Stable snake_case name of the case (JSON `failure.kind`).
    public var kind: String {
        switch self {
        case .absent: "absent"
        case .erased: "erased"
        case .noImage: "no_image"
        case .cutByFileEnd: "cut_by_file_end"
        case .chipMismatch: "chip_mismatch"
        case .checksumMismatch: "checksum_mismatch"
        case .sha256Mismatch: "sha256_mismatch"
        case .partitionTooLarge: "partition_too_large"
        case .doesNotFit: "does_not_fit"
        case .invalid: "invalid_image"
        case .notAnApp: "not_an_app"
        case .revisionOutsideWindow: "revision_outside_window"
        case .revisionImpossible: "revision_impossible"
        case .noAppDescriptor: "no_app_descriptor"
        case .segment0TooShort: "segment0_too_short"
        case .mappedSegmentCount: "mapped_segment_count"
        }
    }

    /// True when the verdict depends on bytes the file does not hold.
    public var dependsOnMissingBytes: Bool {
        switch self {
        case .absent, .cutByFileEnd: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .absent: "absent from the file"
        case .erased: "empty (erased)"
        case .noImage(let m): "no image (magic \(Hex.short(m)), not \(Hex.short(imageMagic)))"
        case .cutByFileEnd: "image cut off by the end of the file"
        case .chipMismatch(let i, let b): "image is for \(Chip.describe(id: i)), bootloader for \(Chip.describe(id: b))"
        case .checksumMismatch: "checksum is wrong"
        case .sha256Mismatch: "SHA-256 is wrong"
        case .partitionTooLarge(let size, let limit): "partition size \(Hex.short(size)) invalid, larger than \(limit >> 20)MB"
        case .doesNotFit(let len, _): "image (\(len) bytes) does not fit the partition"
        case .invalid(_, _, let m): m
        case .notAnApp: "not an app partition"
        case .revisionOutsideWindow(let kind, let w, let actual):
            "\(kind == .chip ? "chip" : "eFuse block") revision \(actual) is outside the image's window \(w.min)…\(w.max.map(\.description) ?? "any")"
        case .revisionImpossible(let kind, let w):
            "no \(kind == .chip ? "chip" : "eFuse block") revision can run it: the image needs \(w.min)…\(w.max.map(\.description) ?? "any"), the family goes up to \(w.familyMax)"
        case .noAppDescriptor: "segment 0 does not start with esp_app_desc_t (needed for the MMU page size)"
        case .segment0TooShort(let len, let min): "segment 0 is \(len) bytes, shorter than esp_app_desc_t (\(min))"
        case .mappedSegmentCount(let n):
            "verifies, but has \(n) flash-mapped segment\(n == 1 ? "" : "s") where this chip's bootloader needs exactly 2: it aborts while starting the app and resets (boot loop)"
        }
    }
}

public struct BootAttempt: Sendable, Equatable {
    public let index: Int
    public let partition: String
    /// Why the image was refused; nil when it verifies.
    public let failure: ImageProblem?
    public var bootable: Bool { failure == nil }
    /// Why the image was refused, in words.
    public var problem: String? { failure?.description }
    public init(index: Int, partition: String, failure: ImageProblem?) {
        self.index = index; self.partition = partition; self.failure = failure
    }
}

/// A write the bootloader makes to otadata during this boot.
public struct BootloaderWrite: Sendable, Equatable {
    public enum Why: String, Sendable { case abortPending = "PENDING_VERIFY → ABORTED", markPending = "NEW → PENDING_VERIFY", initialContents = "initial contents" }
    public let sector: Int
    public let entry: OTAEntry
    public let why: Why
}

/// Why the bootloader starts where it starts (or stops before choosing).
public enum BootChoice: Sendable, Equatable {
    /// The otadata partition is smaller than 0x2000: the bootloader stops.
    case otadataTooSmall(size: UInt32)
    /// The otadata partition is larger than `bootloader_mmap` maps at once (ESP32: 0x320000): the whole
    /// partition is mapped to read it, the mapping fails, the bootloader resets.
    case otadataTooLarge(size: UInt32, limit: Int)
    /// The otadata partition's bytes are not (all) in the file.
    case otadataNotInFile
    /// No app row with an OTA subtype (`app_count == 0`).
    case noOTAApps(factory: Bool)
    /// Both entries erased or INVALID/ABORTED (CRC not looked at).
    case bothEntriesInvalid(factory: Bool)
    /// The active entry selects a slot.
    case activeEntry(sector: Int, seq: UInt32, count: Int, slot: Int)
    /// Some entry is not "invalid" but none has a correct CRC.
    case noValidEntry(factory: Bool)
    case noOTADataPartition
    /// `bootloader_utility_load_boot_image` finds no partition to try (no app row, or only empty ones):
    /// "No bootable app partitions in the partition table", then `bootloader_reset()`. Whatever the
    /// selection step chose (factory when there is no otadata) names nothing.
    case noAppPartitions
    case tableRejected(reason: String)
    /// No table found (`covered`: the file holds the bytes where it should be).
    case noTable(covered: Bool)
    case encrypted
    /// `bootloader_check_bootloader_validity`: the bootloader's own header needs another chip revision
    /// (`actual` nil: no revision of the family meets it).
    case bootloaderRefusesChip(window: RevisionWindow, actual: ChipRevision?)

    /// Stable snake_case name of the case (JSON `boot.choice`).
    public var kind: String {
        switch self {
        case .otadataTooSmall: "otadata_too_small"
        case .otadataTooLarge: "otadata_too_large"
        case .otadataNotInFile: "otadata_not_in_file"
        case .noOTAApps: "no_ota_apps"
        case .bothEntriesInvalid: "both_entries_invalid"
        case .activeEntry: "active_entry"
        case .noValidEntry: "no_valid_entry"
        case .noOTADataPartition: "no_otadata_partition"
        case .noAppPartitions: "no_app_partitions"
        case .tableRejected: "table_rejected"
        case .noTable: "no_table"
        case .encrypted: "encrypted"
        case .bootloaderRefusesChip: "bootloader_refuses_chip"
        }
    }

    /// The bootloader stops before it looks at any app.
    public var stops: Bool {
        switch self {
        case .otadataTooSmall, .otadataTooLarge, .otadataNotInFile, .tableRejected, .noTable, .encrypted, .bootloaderRefusesChip, .noAppPartitions: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .otadataTooSmall(let size):
            "otadata partition is \(Hex.short(size)) bytes (< \(Hex.short(otadataSize))): the bootloader stops and resets"
        case .otadataTooLarge(let size, let limit):
            "otadata partition is \(Hex.short(size)) bytes (> \(Hex.short(limit)), what bootloader_mmap maps at once): reading it fails, the bootloader resets"
        case .otadataNotInFile: "otadata is not in the file: cannot tell which slot is selected"
        case .noOTAApps(let factory): factory ? "no OTA app partitions → factory" : "no OTA app partitions and no factory → tries OTA 0"
        case .bothEntriesInvalid(let factory):
            factory ? "both otadata entries empty or invalid → factory" : "both otadata entries empty or invalid and no factory → tries OTA 0"
        case .activeEntry(let sector, let seq, let count, let slot): "otadata sector \(sector), seq \(seq) → (\(seq)−1) mod \(count) = \(slot)"
        case .noValidEntry(let factory):
            factory ? "otadata invalid (CRC) → falls back to factory" : "otadata invalid and no factory → tries every partition"
        case .noOTADataPartition: "no otadata partition → factory"
        case .noAppPartitions: "No bootable app partitions in the partition table: the bootloader resets"
        case .tableRejected(let reason): "bootloader rejects the partition table: \(reason)"
        case .noTable: "no partition table found: the bootloader stops"
        case .encrypted: "the flash looks encrypted: only the device, with its key, can read the table and apps"
        case .bootloaderRefusesChip(let w, let actual):
            "the bootloader's own header needs chip \(w.words)" + (actual.map { ", the chip is \($0)" } ?? ", which no revision of the family is")
                + ": it resets before reading the table"
        }
    }
}

/// Whether anything starts: known from the file, or depending on bytes it lacks.
public enum BootOutcome: String, Sendable, Equatable {
    case loads
    case nothingLoads = "nothing_loads"
    case unknown
}

public struct BootDecision: Sendable {
    public static let factoryIndex = -1
    public static let testIndex = -2

    public var choice: BootChoice
    /// The partition `get_selected_boot_partition` picks; nil when the bootloader stops before choosing.
    public var selected: String?
    public var selectedIndex: Int?
    /// The first partition in `load_boot_image`'s order whose image in the file verifies; nil when none does.
    public var loaded: String?
    public var loadedIndex: Int?
    /// Active otadata sector used for the decision, if any.
    public var activeSector: Int?
    public var attempts: [BootAttempt] = []
    /// What the bootloader writes to otadata on this boot (rollback builds and the initial-contents case).
    public var writes: [BootloaderWrite] = []
    /// Set when the bootloader's release is known only as a range and the releases in it decide
    /// differently: the outcome is then `unknown`.
    public var releaseDependence: ReleaseDependence?

    public init(_ choice: BootChoice) { self.choice = choice }

    /// The first attempt, before any that verifies, whose verdict depends on bytes the file lacks.
    public var undecidedAttempt: BootAttempt? {
        for a in attempts {
            if a.bootable { return nil }
            if a.failure?.dependsOnMissingBytes == true { return a }
        }
        return nil
    }

    /// `loads` when an app verifies and everything tried before it fails on bytes in the file;
    /// `unknown` when the answer depends on bytes the file lacks; else `nothing_loads`.
    public var outcome: BootOutcome {
        if releaseDependence != nil { return .unknown }
        switch choice {
        case .otadataNotInFile, .encrypted: return .unknown
        case .noTable(let covered): return covered ? .nothingLoads : .unknown
        case .otadataTooSmall, .otadataTooLarge, .tableRejected, .bootloaderRefusesChip, .noAppPartitions: return .nothingLoads
        default: break
        }
        if undecidedAttempt != nil { return .unknown }
        return loaded == nil ? .nothingLoads : .loads
    }

    /// One line: why this partition.
    public var reason: String {
        let r = choiceReason
        return releaseDependence.map { "\(r); \($0)" } ?? r
    }

    private var choiceReason: String {
        var r = choice.description
        guard !choice.stops, let start = selectedIndex else { return r }
        if let last = attempts.last, let f = last.failure, f.haltsBootloader {
            r += "; \(last.partition) \(f)"
        } else if let loaded, loadedIndex != start {
            let sel = selected ?? "slot \(start)"
            let problem = attempts.first?.problem.map { ": \($0)" } ?? ""
            r += attempts.first?.index == start ? "; \(sel) fails verification\(problem) → \(loaded)" : "; \(sel) is absent → \(loaded)"
        } else if loaded == nil {
            r += undecidedAttempt == nil ? "; no bootable app partition" : "; no app in the file verifies"
        }
        return r
    }

    /// One sentence on whether the selected app starts, for reports ("selects factory; factory is not
    /// in this dump, so whether it starts is unknown").
    public var outcomeSentence: String {
        let sel = selected ?? selectedIndex.map { "slot \($0)" } ?? "nothing"
        switch outcome {
        case .loads:
            return loaded == selected ? "selects \(sel) and starts it" : "selects \(sel); starts \(loaded ?? "?")"
        case .nothingLoads:
            return choice.stops ? "stops: \(choice.description)" : "selects \(sel); no app verifies, nothing starts"
        case .unknown:
            if let dep = releaseDependence { return dep.description }
            if let a = undecidedAttempt {
                let what = a.failure == .absent ? "is not in this dump" : "is cut off by the end of this dump"
                return "selects \(sel); \(a.partition) \(what), so whether it starts is unknown"
            }
            return "\(choice.description), so what starts is unknown"
        }
    }
}

/// The bootloader's image verdict for one partition.
public struct BootVerdict: Sendable, Equatable {
    public var failure: ImageProblem?
    /// Revision windows the image needs that not every chip of the family meets (when no revision was given).
    public var requirements: [RevisionRequirement] = []
    /// For the app side's `esp_image_verify`: what the bootloader will still refuse at start-up.
    public var startWarning: ImageProblem?
    public var bootable: Bool { failure == nil }
    public var problem: String? { failure?.description }
    public init(failure: ImageProblem? = nil, requirements: [RevisionRequirement] = []) {
        self.failure = failure; self.requirements = requirements
    }
}

extension BootDecision {
    /// Decides the boot for a table the bootloader accepted.
    /// - Parameters:
    ///   - otadata: both entries as read (nil when the otadata partition's bytes are not in the file).
    ///   - rollback: CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE.
    ///   - verify: the result of verifying the image in a partition (esp_image_verify plus chip check).
    ///   - mmapLimit: the most `bootloader_mmap` maps at once (nil: not known for this chip).
    public static func decide(slots: BootSlots, otadata: OTAData?, rollback: Bool, mmapLimit: Int? = nil,
                              verify: (PartitionEntry) -> BootVerdict) -> BootDecision {
        var d = BootDecision(.noOTADataPartition)
        var start = factoryIndex
        var initialContents = false

        // "exists" is `offset != 0` for otadata and factory (bootloader_utility_get_selected_boot_partition).
        if let part = slots.otadata, part.offset != 0 {
            guard Int(part.size) >= otadataSize else {
                d.choice = .otadataTooSmall(size: part.size)
                return d
            }
            if let mmapLimit, Int(part.size) > mmapLimit {
                d.choice = .otadataTooLarge(size: part.size, limit: mmapLimit)
                return d
            }
            guard let otadata, otadata.entries.allSatisfy({ $0 != nil }) else {
                d.choice = .otadataNotInFile
                return d
            }
            var entries = otadata.entries.map { $0! }
            if rollback {
                for i in 0..<2 where entries[i].state == OTAState.pendingVerify {
                    entries[i].state = OTAState.aborted
                    d.writes.append(BootloaderWrite(sector: i, entry: entries[i], why: .abortPending))
                }
            }
            let bothInvalid = entries.allSatisfy(\.selectInvalid)
            let factory = (slots.factory?.offset ?? 0) != 0
            if bothInvalid || slots.appCount == 0 {
                d.choice = slots.appCount == 0 ? .noOTAApps(factory: factory) : .bothEntriesInvalid(factory: factory)
                if !factory {
                    start = 0
                    initialContents = entries.allSatisfy(\.seqErasedOrCRCWrong)
                }
            } else if let active = OTAData.select(entries, max: true, where: { $0.isValid }),
                      let slot = entries[active].slot(count: slots.appCount) {
                let e = entries[active]
                start = slot
                d.activeSector = active
                d.choice = .activeEntry(sector: active, seq: e.seq, count: slots.appCount, slot: slot)
                if rollback && e.state == OTAState.new {
                    var pending = e
                    pending.state = OTAState.pendingVerify
                    d.writes.append(BootloaderWrite(sector: active, entry: pending, why: .markPending))
                }
            } else {
                d.choice = .noValidEntry(factory: factory)
            }
        }

        d.selectedIndex = start
        d.selected = name(slots, start)

        // load_boot_image: start, downwards to factory, then upwards, then test.
        var order: [Int] = []
        if start >= factoryIndex { order += stride(from: start, through: factoryIndex, by: -1) }
        if start + 1 < slots.appCount { order += (start + 1)..<slots.appCount }
        order.append(testIndex)
        for index in order {
            guard let p = slots.partition(at: index) else { continue }
            let v = verify(p)
            d.attempts.append(BootAttempt(index: index, partition: p.name, failure: v.failure))
            if v.failure?.haltsBootloader == true { break }
            if v.bootable {
                d.loaded = p.name
                d.loadedIndex = index
                if initialContents && index > factoryIndex {
                    let e = OTAEntry(seq: UInt32(index + 1), state: OTAState.valid)
                    d.writes.append(BootloaderWrite(sector: 0, entry: e, why: .initialContents))
                }
                break
            }
        }
        // Nothing in the order exists: load_boot_image's own error, whatever the selection said.
        if d.attempts.isEmpty { d.choice = .noAppPartitions }
        return d
    }

    static func name(_ slots: BootSlots, _ index: Int) -> String? {
        switch index {
        case factoryIndex: slots.factory?.name
        case testIndex: slots.test?.name
        default: slots.ota[index]?.name
        }
    }
}

/// Where the app's view of the table (`esp_partition`, used by the OTA calls) and the bootloader's
/// (`bootloader_utility_load_partition_table`, used to boot) disagree.
public enum TableViewDifference: Sendable, Equatable, CustomStringConvertible {
    /// With CONFIG_PARTITION_TABLE_MD5 the app discards the whole table.
    case appCannotRead(AppTableView.LoadError)
    /// Rows the bootloader sees (or at least bound-checks) that lie after the MD5 row: the app never reads them.
    case hiddenFromApp([String])
    /// Rows the app sees that the bootloader never walks (the last row before the end marker when the
    /// MD5 row is not last).
    case hiddenFromBootloader([String])
    /// Several data/ota rows: the app writes the first, the bootloader reads the last.
    case otadataDiffers(app: String?, bootloader: String?)
    /// The two sides count OTA slots differently (consecutive vs every OTA-subtype row).
    case slotCountDiffers(app: Int, bootloader: Int)
    /// Duplicate factory / ota_k rows: first for the app, last for the bootloader.
    case partitionDiffers(role: String, app: String, bootloader: String)
    /// A data/ota row at offset 0: the bootloader treats it as absent, the app would write flash 0x0.
    case otadataAtOffsetZero

    public var kind: String {
        switch self {
        case .appCannotRead: "app_cannot_read"
        case .hiddenFromApp: "hidden_from_app"
        case .hiddenFromBootloader: "hidden_from_bootloader"
        case .otadataDiffers: "otadata_differs"
        case .slotCountDiffers: "slot_count_differs"
        case .partitionDiffers: "partition_differs"
        case .otadataAtOffsetZero: "otadata_at_offset_zero"
        }
    }

    public var description: String {
        switch self {
        case .appCannotRead(.noMD5Row):
            "the app cannot read this table: it has no MD5 row, and an app built with CONFIG_PARTITION_TABLE_MD5 (the default) then finds no partitions (every OTA call fails, ESP_ERR_NOT_FOUND)"
        case .appCannotRead(.md5Mismatch):
            "the app cannot read this table: its MD5 does not match (ESP_ERR_INVALID_STATE in esp_partition)"
        case .hiddenFromApp(let names): "the app cannot see \(names.joined(separator: ", ")): \(names.count == 1 ? "it lies" : "they lie") after the MD5 row"
        case .hiddenFromBootloader(let names): "the bootloader never sees \(names.joined(separator: ", ")) (the MD5 row is not the last row)"
        case .otadataDiffers(let a, let b):
            "the app writes otadata \(a ?? "nowhere") (its first data/ota row), the bootloader reads \(b ?? "none") (its last): switches made on the device do not take effect"
        case .slotCountDiffers(let a, let b): "the app counts \(a) OTA slot\(a == 1 ? "" : "s") (ota_0… consecutive), the bootloader \(b) (every OTA row): seq numbers map to different slots"
        case .partitionDiffers(let role, let a, let b): "two \(role) rows: the app uses \(a), the bootloader \(b)"
        case .otadataAtOffsetZero: "the otadata row is at offset 0: the bootloader ignores it (no otadata), the app would overwrite the bootloader"
        }
    }

    /// Compares the two views of one parsed table.
    public static func between(app: AppTableView, bootloader rows: [PartitionEntry], table: PartitionTable) -> [TableViewDifference] {
        if let e = app.loadError { return [.appCannotRead(e)] }
        var out: [TableViewDifference] = []
        let appNames = Set(app.rows.map(\.name)), blNames = Set(rows.map(\.name))
        let afterMD5 = table.entries.filter { !appNames.contains($0.name) }.map(\.name)
        if !afterMD5.isEmpty { out.append(.hiddenFromApp(afterMD5)) }
        let notWalked = table.entries.filter { !blNames.contains($0.name) }.map(\.name)
        if !notWalked.isEmpty { out.append(.hiddenFromBootloader(notWalked)) }
        let bl = BootSlots(rows)
        if let o = bl.otadata, o.offset == 0 { out.append(.otadataAtOffsetZero) }
        if app.otadata != bl.otadata { out.append(.otadataDiffers(app: app.otadata?.name, bootloader: bl.otadata?.name)) }
        if app.slots.count != bl.appCount { out.append(.slotCountDiffers(app: app.slots.count, bootloader: bl.appCount)) }
        if let a = app.factory, let b = bl.factory, a != b { out.append(.partitionDiffers(role: "factory", app: a.name, bootloader: b.name)) }
        for (k, p) in app.slots.partitions.enumerated() {
            if let b = bl.ota[k], b != p { out.append(.partitionDiffers(role: "ota_\(k)", app: p.name, bootloader: b.name)) }
        }
        return out
    }
}
