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

public struct BootAttempt: Sendable, Equatable {
    public let index: Int
    public let partition: String
    public let bootable: Bool
    /// Why the image was refused, when it was.
    public let problem: String?
}

/// A write the bootloader makes to otadata during this boot.
public struct BootloaderWrite: Sendable, Equatable {
    public enum Why: String, Sendable { case abortPending = "PENDING_VERIFY → ABORTED", markPending = "NEW → PENDING_VERIFY", initialContents = "initial contents" }
    public let sector: Int
    public let entry: OTAEntry
    public let why: Why
}

public struct BootDecision: Sendable {
    public static let factoryIndex = -1
    public static let testIndex = -2

    /// The partition `get_selected_boot_partition` picks; nil when the bootloader stops before choosing.
    public var selected: String?
    public var selectedIndex: Int?
    /// The partition `load_boot_image` would start; nil when nothing boots.
    public var loaded: String?
    public var loadedIndex: Int?
    /// Active otadata sector used for the decision, if any.
    public var activeSector: Int?
    /// One line: why this partition.
    public var reason: String
    public var attempts: [BootAttempt] = []
    /// What the bootloader writes to otadata on this boot (rollback builds and the initial-contents case).
    public var writes: [BootloaderWrite] = []

    public init(reason: String) { self.reason = reason }
}

public struct BootVerdict: Sendable {
    public var bootable: Bool
    public var problem: String?
    public init(bootable: Bool, problem: String? = nil) { self.bootable = bootable; self.problem = problem }
}

extension BootDecision {
    /// Decides the boot for a table the bootloader accepted.
    /// - Parameters:
    ///   - otadata: both entries as read (nil when the otadata partition's bytes are not in the file).
    ///   - rollback: CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE.
    ///   - verify: the result of verifying the image in a partition (esp_image_verify plus chip check).
    public static func decide(slots: BootSlots, otadata: OTAData?, rollback: Bool,
                              verify: (PartitionEntry) -> BootVerdict) -> BootDecision {
        var d = BootDecision(reason: "")
        var start: Int
        var initialContents = false

        if let part = slots.otadata {
            guard Int(part.size) >= otadataSize else {
                d.reason = "otadata partition is \(Hex.short(part.size)) bytes (< 0x2000): the bootloader stops and resets"
                return d
            }
            guard let otadata, otadata.entries.allSatisfy({ $0 != nil }) else {
                d.reason = "otadata is not in the file: cannot tell which slot is selected"
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
            if bothInvalid || slots.appCount == 0 {
                let why = slots.appCount == 0 ? "no OTA app partitions" : "both otadata entries empty or invalid"
                if slots.factory != nil {
                    start = factoryIndex
                    d.reason = "\(why) → factory"
                } else {
                    start = 0
                    d.reason = "\(why) and no factory → tries OTA 0"
                    initialContents = entries.allSatisfy { $0.seq == 0xFFFF_FFFF || !$0.crcOK }
                }
            } else if let active = OTAData.select(entries, max: true, where: { $0.isValid }) {
                let e = entries[active]
                start = Int((e.seq &- 1) % UInt32(slots.appCount))
                d.activeSector = active
                d.reason = "otadata sector \(active), seq \(e.seq) → (\(e.seq)−1) mod \(slots.appCount) = \(start)"
                if rollback && e.state == OTAState.new {
                    var pending = e
                    pending.state = OTAState.pendingVerify
                    d.writes.append(BootloaderWrite(sector: active, entry: pending, why: .markPending))
                }
            } else {
                start = factoryIndex
                d.reason = slots.factory != nil
                    ? "otadata invalid (CRC) → falls back to factory"
                    : "otadata invalid and no factory → tries every partition"
            }
        } else {
            start = factoryIndex
            d.reason = "no otadata partition → factory"
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
            d.attempts.append(BootAttempt(index: index, partition: p.name, bootable: v.bootable, problem: v.problem))
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
        if d.loaded == nil {
            d.reason += "; no bootable app partition"
        } else if d.loadedIndex != start {
            let sel = d.selected ?? "slot \(start)"
            let problem = d.attempts.first?.problem.map { ": \($0)" } ?? ""
            d.reason += d.attempts.first?.index == start
                ? "; \(sel) fails verification\(problem) → \(d.loaded!)"
                : "; \(sel) is absent → \(d.loaded!)"
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
