/// The OTA data partition: two `esp_ota_select_entry_t`, one at the start of each 4 KiB sector.
///
/// Mirrors bootloader_common_loader.c (`bootloader_common_ota_select_crc/_invalid/_valid`,
/// `bootloader_common_select_otadata`) and esp_ota_ops.c (`esp_rewrite_ota_data`, `rewrite_ota_seq`).

/// Size of the otadata partition the bootloader requires, and of each of its two sectors.
public let otadataSize = 0x2000
public let otadataSectorSize = 0x1000
/// Bytes in one `esp_ota_select_entry_t`.
public let otaEntrySize = 32

extension DiagnosticCode {
    public static let otadataTooSmall: DiagnosticCode = "otadata_too_small"
    public static let otadataCRCMismatch: DiagnosticCode = "otadata_crc_mismatch"
    public static let otadataSectorNotErased: DiagnosticCode = "otadata_sector_not_erased"
    public static let otadataSectorMissing: DiagnosticCode = "otadata_sector_missing"
}

/// `esp_ota_img_states_t`.
public enum OTAState {
    public static let new: UInt32 = 0
    public static let pendingVerify: UInt32 = 1
    public static let valid: UInt32 = 2
    public static let invalid: UInt32 = 3
    public static let aborted: UInt32 = 4
    public static let undefined: UInt32 = 0xFFFF_FFFF

    public static func name(_ state: UInt32) -> String {
        switch state {
        case new: "NEW"
        case pendingVerify: "PENDING_VERIFY"
        case valid: "VALID"
        case invalid: "INVALID"
        case aborted: "ABORTED"
        case undefined: "UNDEFINED"
        default: "unknown (\(Hex.short(state)))"
        }
    }

    public static func value(_ name: String) -> UInt32? {
        switch name.uppercased() {
        case "NEW": new
        case "PENDING_VERIFY", "PENDING": pendingVerify
        case "VALID": valid
        case "INVALID": invalid
        case "ABORTED": aborted
        case "UNDEFINED": undefined
        default: Hex.parseInt(name).flatMap { UInt32(exactly: $0) }
        }
    }
}

/// One `esp_ota_select_entry_t`.
public struct OTAEntry: Sendable, Equatable {
    public var seq: UInt32
    /// 20 bytes, unused by ESP-IDF's logic and preserved on rewrite.
    public var seqLabel: [UInt8]
    public var state: UInt32
    public var crc: UInt32

    /// Field offsets inside the 32-byte entry.
    public static let seqOffset = 0
    public static let seqLabelOffset = 4
    public static let stateOffset = 24
    public static let crcOffset = 28
    /// The value of an erased `ota_seq`: the bootloader treats the entry as empty.
    public static let erasedSeq: UInt32 = 0xFFFF_FFFF

    public init(seq: UInt32, seqLabel: [UInt8] = [UInt8](repeating: 0xFF, count: 20), state: UInt32, crc: UInt32? = nil) {
        self.seq = seq
        self.seqLabel = seqLabel
        self.state = state
        self.crc = crc ?? Checksums.otaCRC(seq: seq)
    }

    /// An erased entry (all 0xFF).
    public static let erased = OTAEntry(seq: erasedSeq, state: OTAState.undefined, crc: 0xFFFF_FFFF)

    public init?(_ bytes: [UInt8]) {
        guard bytes.count >= otaEntrySize else { return nil }
        let a = ByteArray(bytes)
        seq = a.u32(at: Self.seqOffset)!
        seqLabel = Array(bytes[Self.seqLabelOffset..<Self.stateOffset])
        state = a.u32(at: Self.stateOffset)!
        crc = a.u32(at: Self.crcOffset)!
    }

    public func bytes() -> [UInt8] {
        var out = [UInt8]()
        out.appendLE(seq)
        out += seqLabel.prefix(20) + [UInt8](repeating: 0xFF, count: Swift.max(0, 20 - seqLabel.count))
        out.appendLE(state)
        out.appendLE(crc)
        return out
    }

    public var expectedCRC: UInt32 { Checksums.otaCRC(seq: seq) }
    public var crcOK: Bool { crc == expectedCRC }
    /// `ota_seq` holds the erased value 0xffffffff.
    public var seqErased: Bool { seq == Self.erasedSeq }
    /// `bootloader_common_ota_select_invalid`: erased seq, or state INVALID/ABORTED. No CRC check.
    public var selectInvalid: Bool {
        seqErased || state == OTAState.invalid || state == OTAState.aborted
    }
    /// `bootloader_common_ota_select_valid`: not invalid and CRC correct.
    public var isValid: Bool { !selectInvalid && crcOK }
    /// True when every byte is 0xFF.
    public var isErased: Bool { self == .erased }
    /// Erased seq or a wrong CRC: what the bootloader's "initial contents" test and
    /// `esp_ota_erase_last_boot_app_partition` treat as "no entry".
    public var seqErasedOrCRCWrong: Bool { seqErased || !crcOK }

    /// The entry's status as the bootloader judges it, first reason first.
    public var status: OTAEntryStatus {
        if seqErased { return isErased ? .erased : .seqErased }
        if state == OTAState.invalid { return .stateInvalid }
        if state == OTAState.aborted { return .stateAborted }
        if !crcOK { return .crcMismatch(stored: crc, expected: expectedCRC) }
        return .valid
    }

    /// Why the entry is not valid, in words; nil when it is.
    public var invalidReason: String? { status == .valid ? nil : status.description }

    /// OTA slot this entry selects for `count` slots: `(seq − 1) mod count` in unsigned 32-bit arithmetic
    /// (`bootloader_utility_get_selected_boot_partition`, `esp_ota_get_boot_partition`).
    public func slot(count: Int) -> Int? {
        guard count > 0 else { return nil }
        return Int((seq &- 1) % UInt32(count))
    }
}

/// What the bootloader makes of one otadata entry.
public enum OTAEntryStatus: Sendable, Equatable, CustomStringConvertible {
    /// All 32 bytes 0xFF.
    case erased
    /// seq is 0xffffffff but other bytes are not.
    case seqErased
    case stateInvalid
    case stateAborted
    case crcMismatch(stored: UInt32, expected: UInt32)
    case valid

    public var description: String {
        switch self {
        case .erased: "erased"
        case .seqErased: "seq 0xffffffff (erased value)"
        case .stateInvalid: "state INVALID"
        case .stateAborted: "state ABORTED"
        case .crcMismatch(let s, let e): "CRC \(Hex.padded(s, 8)) ≠ \(Hex.padded(e, 8))"
        case .valid: "valid"
        }
    }
}

/// Both otadata entries as read from a source.
public struct OTAData: Sendable, Equatable {
    /// Where the otadata partition starts.
    public let offset: Int
    /// Entry 0 and entry 1; nil when the entry is not in the file.
    public let entries: [OTAEntry?]
    public let diagnostics: [Diagnostic]

    public init(offset: Int, entries: [OTAEntry?], diagnostics: [Diagnostic] = []) {
        self.offset = offset; self.entries = entries; self.diagnostics = diagnostics
    }

    public static func parse<S: ByteSource>(_ s: S, at offset: Int, size: Int = otadataSize) -> OTAData {
        var diags: [Diagnostic] = []
        if size < otadataSize {
            diags.append(.error(offset, .otadataTooSmall, "otadata partition is \(Hex.short(size)) bytes; the bootloader needs \(Hex.short(otadataSize)) and will not boot"))
        }
        var entries: [OTAEntry?] = []
        for k in 0..<2 {
            let at = offset + k * otadataSectorSize
            if let b = s.bytes(at: at, length: otaEntrySize), k * otadataSectorSize + otaEntrySize <= Swift.max(size, 0) {
                let e = OTAEntry(b)!
                entries.append(e)
                if !e.selectInvalid && !e.crcOK {
                    diags.append(.warning(at + OTAEntry.crcOffset, .otadataCRCMismatch, "otadata sector \(k): CRC \(Hex.padded(e.crc, 8)) does not match seq \(e.seq) (expected \(Hex.padded(e.expectedCRC, 8)))"))
                }
                if !e.isErased, !s.isAll(0xFF, in: (at + otaEntrySize)..<(at + otadataSectorSize)) {
                    diags.append(.info(at + otaEntrySize, .otadataSectorNotErased, "otadata sector \(k): bytes after the entry are not erased"))
                }
            } else {
                entries.append(nil)
                diags.append(.error(at, .otadataSectorMissing, "otadata sector \(k) is not in the file"))
            }
        }
        return OTAData(offset: offset, entries: entries, diagnostics: diags)
    }

    /// `bootloader_common_get_active_otadata`: both valid → larger seq (tie → 0); one valid → it; else nil.
    public var activeSector: Int? { Self.select(entries, max: true, where: { $0.isValid }) }

    /// `bootloader_common_select_otadata` over a predicate.
    public static func select(_ entries: [OTAEntry?], max: Bool, where pred: (OTAEntry) -> Bool) -> Int? {
        let ok = entries.prefix(2).map { $0.map(pred) ?? false }
        guard ok.count == 2 else { return ok.first == true ? 0 : nil }
        switch (ok[0], ok[1]) {
        case (true, true):
            let a = entries[0]!.seq, b = entries[1]!.seq
            if max { return a >= b ? 0 : 1 }
            return a <= b ? 0 : 1
        case (true, false): return 0
        case (false, true): return 1
        default: return nil
        }
    }

    /// Both entries "invalid" for the bootloader's factory fallback test (CRC ignored).
    public var bothSelectInvalid: Bool { entries.allSatisfy { $0?.selectInvalid ?? true } }

    /// Both entries erased or with a wrong CRC: the bootloader's "initial contents" case.
    public var initialContents: Bool {
        entries.allSatisfy { $0?.seqErasedOrCRCWrong ?? true }
    }
}

/// Which ESP-IDF release's `esp_rewrite_ota_data` rules apply.
public enum IDFBehaviour: String, Sendable, CaseIterable {
    /// v4.4 … v5.5: always write the other sector.
    case v5
    /// v6.0+: re-selecting the running slot rewrites the active sector with the same seq.
    case v6
}

/// The result of planning `esp_rewrite_ota_data` for one slot.
public struct OTAWrite: Sendable, Equatable {
    public let sector: Int
    public let entry: OTAEntry
}

public enum OTAPlanError: Error, Equatable, Sendable, CustomStringConvertible {
    case slotOutOfRange(slot: Int, count: Int)
    case sequenceOverflow(active: UInt32, slot: Int, count: Int, deviceHangs: Bool)

    public var description: String {
        switch self {
        case .slotOutOfRange(let slot, let count):
            return "ESP_ERR_INVALID_ARG: ota_\(slot) is not among the \(count) consecutive OTA slots the app counts"
        case .sequenceOverflow(let active, let slot, let count, let hangs):
            let what = hangs
                ? "on the device esp_ota_set_boot_partition would never return (its seq search loops forever)"
                : "on the device esp_ota_set_boot_partition would write seq 0xffffffff, which reads as erased: the switch silently does nothing"
            return "active seq \(Hex.short(active)) is too close to 0xffffffff to select ota_\(slot) of \(count): \(what). Erase otadata first, then select the slot from a fresh state."
        }
    }
}

extension OTAData {
    /// Plans `esp_rewrite_ota_data(subtype)`: which sector is written and with what entry.
    /// - Parameters:
    ///   - slot: OTA slot (subtype & 0x0F).
    ///   - count: the app-side OTA partition count (consecutive ota_0…).
    ///   - rollback: CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE (state NEW instead of UNDEFINED).
    public func planSetBoot(slot: Int, count: Int, rollback: Bool, idf: IDFBehaviour) throws(OTAPlanError) -> OTAWrite {
        guard count > 0, slot >= 0, slot < count else { throw .slotOutOfRange(slot: slot, count: count) }
        let state = rollback ? OTAState.new : OTAState.undefined
        func label(_ sector: Int) -> [UInt8] {
            (sector < entries.count ? entries[sector]?.seqLabel : nil) ?? [UInt8](repeating: 0xFF, count: 20)
        }
        guard let active = activeSector, let activeEntry = entries[active] else {
            return OTAWrite(sector: 0, entry: OTAEntry(seq: UInt32(slot + 1), seqLabel: label(0), state: state))
        }
        let cur = activeEntry.seq
        if idf == .v6, activeEntry.slot(count: count) == slot {
            return OTAWrite(sector: active, entry: OTAEntry(seq: cur, seqLabel: label(active), state: state))
        }
        // Smallest base + i·N ≥ cur, in unsigned 32-bit arithmetic as the C loop runs.
        let n = UInt32(count)
        let base = UInt32((slot + 1) % count)
        var seq = base
        if cur > base {
            let steps = (UInt64(cur - base) + UInt64(n) - 1) / UInt64(n)
            let candidate = UInt64(base) + steps * UInt64(n)
            if candidate > 0xFFFF_FFFF {
                // The C loop wraps; whether it ends depends on the wrapped values.
                throw .sequenceOverflow(active: cur, slot: slot, count: count,
                                        deviceHangs: Self.cLoopHangs(cur: cur, base: base, n: n))
            }
            seq = UInt32(candidate)
        }
        if seq == OTAEntry.erasedSeq {
            throw .sequenceOverflow(active: cur, slot: slot, count: count, deviceHangs: false)
        }
        let target = 1 - active
        return OTAWrite(sector: target, entry: OTAEntry(seq: seq, seqLabel: label(target), state: state))
    }

    /// Follows the device's `while (cur > base + i*N) i++` loop in 32-bit arithmetic one wrap-around
    /// ("lap") at a time: within a lap the candidates only grow, so a lap either ends the loop or
    /// wraps to a new starting value; a starting value seen twice means the loop never ends.
    static func cLoopHangs(cur: UInt32, base: UInt32, n: UInt32) -> Bool {
        let n64 = UInt64(n), cur64 = UInt64(cur), wrap = UInt64(1) << 32
        var start = UInt64(base)
        var seen: Set<UInt64> = []
        while seen.insert(start).inserted {
            let last = start + (0xFFFF_FFFF - start) / n64 * n64
            if last >= cur64 { return false }
            start = last + n64 - wrap
        }
        return true
    }
}

/// Encodes a whole otadata partition image: two erased sectors, each with its entry at the start.
public func encodeOTAData(_ entries: [OTAEntry?]) -> [UInt8] {
    var out = [UInt8](repeating: 0xFF, count: otadataSize)
    for (k, e) in entries.prefix(2).enumerated() {
        if let e { out.replaceSubrange((k * otadataSectorSize)..<(k * otadataSectorSize + otaEntrySize), with: e.bytes()) }
    }
    return out
}

/// The app's OTA slots: `esp_ota_get_app_partition_count` counts app/ota_0, app/ota_1, … for as long as
/// `esp_partition_find_first` finds the next one; slot k is the first such row (a duplicate is never seen).
public struct AppOTASlots: Sendable, Equatable {
    /// ota_0 … ota_(count−1), in slot order.
    public let partitions: [PartitionEntry]
    public var count: Int { partitions.count }

    /// The most OTA slots ESP-IDF counts (ota_0 … ota_15).
    public static let maximum = 16
    /// `esp_ota_get_app_partition_count` asserts: all 16 slots exist and the next subtype it asks for,
    /// OTA_MIN + 16 = 0x20, is a test partition, so `assert(ota_app_count < 16)` fails and the app aborts
    /// (with ESP-IDF's default CONFIG_COMPILER_OPTIMIZATION_ASSERTIONS_ENABLE). The test row's name.
    public let countAssertsOn: String?

    /// - Parameter entries: the partitions the app sees, in table order.
    public init(_ entries: [PartitionEntry]) {
        var out: [PartitionEntry] = []
        while out.count < Self.maximum, let e = entries.first(where: { $0.isOTAApp(slot: out.count) }) { out.append(e) }
        partitions = out
        countAssertsOn = out.count == Self.maximum ? entries.first(where: \.isTest)?.name : nil
    }

    /// The partition of OTA slot `slot`, if the app counts it.
    public func partition(slot: Int) -> PartitionEntry? { slot >= 0 && slot < count ? partitions[slot] : nil }

    /// The partition an otadata entry selects for the app (`esp_ota_get_boot_partition`'s arithmetic).
    public func partition(selectedBy entry: OTAEntry) -> PartitionEntry? { entry.slot(count: count).flatMap(partition(slot:)) }
}

extension BootSlots {
    /// The partition an otadata entry selects for the bootloader; nil for an empty or missing slot.
    public func partition(selectedBy entry: OTAEntry) -> PartitionEntry? { entry.slot(count: appCount).flatMap { ota[$0] } }
}
