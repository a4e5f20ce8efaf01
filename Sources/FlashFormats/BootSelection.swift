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
    case tableRejected(reason: String)
    /// No table found (`covered`: the file holds the bytes where it should be).
    case noTable(covered: Bool)
    case encrypted

    /// Stable snake_case name of the case (JSON `boot.choice`).
    public var kind: String {
        switch self {
        case .otadataTooSmall: "otadata_too_small"
        case .otadataNotInFile: "otadata_not_in_file"
        case .noOTAApps: "no_ota_apps"
        case .bothEntriesInvalid: "both_entries_invalid"
        case .activeEntry: "active_entry"
        case .noValidEntry: "no_valid_entry"
        case .noOTADataPartition: "no_otadata_partition"
        case .tableRejected: "table_rejected"
        case .noTable: "no_table"
        case .encrypted: "encrypted"
        }
    }

    /// The bootloader stops before it looks at any app.
    public var stops: Bool {
        switch self {
        case .otadataTooSmall, .otadataNotInFile, .tableRejected, .noTable, .encrypted: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .otadataTooSmall(let size):
            "otadata partition is \(Hex.short(size)) bytes (< \(Hex.short(otadataSize))): the bootloader stops and resets"
        case .otadataNotInFile: "otadata is not in the file: cannot tell which slot is selected"
        case .noOTAApps(let factory): factory ? "no OTA app partitions → factory" : "no OTA app partitions and no factory → tries OTA 0"
        case .bothEntriesInvalid(let factory):
            factory ? "both otadata entries empty or invalid → factory" : "both otadata entries empty or invalid and no factory → tries OTA 0"
        case .activeEntry(let sector, let seq, let count, let slot): "otadata sector \(sector), seq \(seq) → (\(seq)−1) mod \(count) = \(slot)"
        case .noValidEntry(let factory):
            factory ? "otadata invalid (CRC) → falls back to factory" : "otadata invalid and no factory → tries every partition"
        case .noOTADataPartition: "no otadata partition → factory"
        case .tableRejected(let reason): "bootloader rejects the partition table: \(reason)"
        case .noTable: "no partition table found: the bootloader stops"
        case .encrypted: "the flash looks encrypted: only the device, with its key, can read the table and apps"
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
        switch choice {
        case .otadataNotInFile, .encrypted: return .unknown
        case .noTable(let covered): return covered ? .nothingLoads : .unknown
        case .otadataTooSmall, .tableRejected: return .nothingLoads
        default: break
        }
        if undecidedAttempt != nil { return .unknown }
        return loaded == nil ? .nothingLoads : .loads
    }

    /// One line: why this partition.
    public var reason: String {
        var r = choice.description
        guard !choice.stops, let start = selectedIndex else { return r }
        if let loaded, loadedIndex != start {
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
    public var bootable: Bool { failure == nil }
    public var problem: String? { failure?.description }
    public init(failure: ImageProblem? = nil) { self.failure = failure }
}

extension BootDecision {
    /// Decides the boot for a table the bootloader accepted.
    /// - Parameters:
    ///   - otadata: both entries as read (nil when the otadata partition's bytes are not in the file).
    ///   - rollback: CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE.
    ///   - verify: the result of verifying the image in a partition (esp_image_verify plus chip check).
    public static func decide(slots: BootSlots, otadata: OTAData?, rollback: Bool,
                              verify: (PartitionEntry) -> BootVerdict) -> BootDecision {
        var d = BootDecision(.noOTADataPartition)
        var start = factoryIndex
        var initialContents = false

        if let part = slots.otadata {
            guard Int(part.size) >= otadataSize else {
                d.choice = .otadataTooSmall(size: part.size)
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
            let factory = slots.factory != nil
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
