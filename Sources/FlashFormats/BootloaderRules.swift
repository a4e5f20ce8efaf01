/// The rules a second-stage bootloader applies, which move between ESP-IDF releases and chips.
///
/// Each rule names the ESP-IDF function it follows; docs/esp-idf-rules.md has the table with the tags
/// read. Versions are release tags (v5.5.2 …); a pre-release ("v6.1-beta1", "v5.2-dev-…") counts as its
/// release (6.1.0, 5.2.0).

/// An ESP-IDF release number.
public struct IDFVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let major: Int
    public let minor: Int
    public let patch: Int
    public init(_ major: Int, _ minor: Int, _ patch: Int = 0) { self.major = major; self.minor = minor; self.patch = patch }

    /// Reads "v5.1.2", "5.1", "v6.1-beta1", "v5.2-dev-2934-g3f1c6b0e2c-dirty"; nil for anything else.
    public init?(parsing text: String) {
        var s = Substring(text.trimmingWhitespace())
        if s.first == "v" || s.first == "V" { s = s.dropFirst() }
        let numeric = s.prefix { $0.isASCIIDigit || $0 == "." }
        let parts = numeric.split(separator: ".", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.count <= 4 }),
              let a = Int(parts[0]), let b = Int(parts[1]) else { return nil }
        let rest = s.dropFirst(numeric.count)
        guard rest.isEmpty || rest.first == "-" || rest.first == "+" || rest.first == " " else { return nil }
        self.init(a, b, parts.count == 3 ? Int(parts[2]) ?? 0 : 0)
    }

    public static func < (a: IDFVersion, b: IDFVersion) -> Bool {
        (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
    }
    public var description: String { patch == 0 ? "\(major).\(minor)" : "\(major).\(minor).\(patch)" }

    /// True when this is one of `ranges` (each `from..<to` of releases; `to == nil`: and later).
    func within(_ ranges: [(IDFVersion, IDFVersion?)]) -> Bool {
        ranges.contains { self >= $0.0 && ($0.1.map { self < $0 } ?? true) }
    }
}

/// A chip or eFuse block revision, `major × 100 + minor` as stored in headers ("v3.1" = 301).
public struct ChipRevision: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let full: Int
    public init(full: Int) { self.full = full }
    public init(_ major: Int, _ minor: Int) { full = major * 100 + minor }
    /// Reads "v3.1", "3.1", "3" (→ v3.0); nil for anything else.
    public init?(parsing text: String) {
        var s = Substring(text.trimmingWhitespace())
        if s.first == "v" || s.first == "V" { s = s.dropFirst() }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.count <= 2 && $0.allSatisfy(\.isASCIIDigit) }),
              let major = Int(parts[0]), let minor = parts.count == 2 ? Int(parts[1]) : 0 else { return nil }
        self.init(major, minor)
    }
    public static func < (a: ChipRevision, b: ChipRevision) -> Bool { a.full < b.full }
    public var description: String { "v\(full / 100).\(full % 100)" }
}

/// Where the bootloader's version came from.
public enum RulesSource: String, Sendable {
    /// `esp_bootloader_desc_t.idf_ver` of the bootloader in the image.
    case bootloaderDescriptor = "bootloader_desc"
    /// `--bootloader-idf`.
    case option
    /// A bootloader without `esp_bootloader_desc_t`: built by ESP-IDF before v5.2.
    case noBootloaderDescriptor = "no_bootloader_desc"
    /// No bootloader to read: the default applies.
    case unknown
}

/// The revision window an image declares, judged against the chip family or a given revision.
public struct RevisionWindow: Sendable, Equatable {
    public let min: ChipRevision
    /// nil when not set (0 or 0xFFFF in the image).
    public let max: ChipRevision?
    /// The highest revision ESP-IDF knows for the chip family (`<CHIP>_REV_MAX_FULL`-style maximum).
    public let familyMax: ChipRevision

    public init(min: ChipRevision, max: ChipRevision?, familyMax: ChipRevision) {
        self.min = min; self.max = max; self.familyMax = familyMax
    }

    /// No revision of the family satisfies the window.
    public var impossible: Bool { min > familyMax || (max.map { $0 < min } ?? false) }
    /// Some revisions of the family are excluded: the image needs a particular chip.
    public var restrictive: Bool { min.full > 0 || (max.map { $0 < familyMax } ?? false) }
    public func admits(_ r: ChipRevision) -> Bool { r >= min && (max.map { r <= $0 } ?? true) }

    /// "≥ v3.0", "≤ v0.99", "v1.0 … v1.99".
    public var words: String {
        switch (min.full > 0, max.map { $0 < familyMax } ?? false) {
        case (true, true): "\(min) … \(max!)"
        case (true, false): "≥ \(min)"
        case (false, true): "≤ \(max!)"
        case (false, false): "any"
        }
    }
}

/// The rules of one bootloader build: its ESP-IDF version and chip.
public struct BootloaderRules: Sendable, Equatable {
    /// The version the rules follow (the read one, or the default when none was read).
    public let version: IDFVersion
    /// The version as read from the bootloader or given; nil when unknown.
    public private(set) var declared: IDFVersion?
    public let source: RulesSource
    public let chip: Chip?

    /// Assumed when the bootloader's version cannot be read: the newest release these rules cover.
    public static let defaultVersion = IDFVersion(6, 0)
    /// Assumed for a bootloader without `esp_bootloader_desc_t` (added in v5.2): the last release before it.
    public static let preDescriptorVersion = IDFVersion(5, 1)

    public init(version: IDFVersion?, source: RulesSource, chip: Chip?) {
        declared = version
        self.source = source
        self.chip = chip
        self.version = version ?? (source == .noBootloaderDescriptor ? Self.preDescriptorVersion : Self.defaultVersion)
    }

    private func v(_ a: Int, _ b: Int, _ c: Int = 0) -> IDFVersion { IDFVersion(a, b, c) }
    private var chipID: UInt16? { chip?.id }
    private func chipIs(_ chips: Chip...) -> Bool { chips.contains { $0.id == chipID } }

    // MARK: update_flash_config (bootloader_flash_config_<chip>.c)

    /// Flash size the bootloader configures from the size code of its own header: codes 0–4 are
    /// 1–16 MB everywhere; 5–7 (32/64/128 MB) only where that release's switch handles them; every other
    /// code falls to the `default:` case, 2 MB.
    public func flashSize(code: UInt8) -> Int {
        let mb = 1 << 20
        if code <= 4 { return mb << Int(code) }
        guard code <= 7, largeSizeCodeUnderstood(code) else { return 2 * mb }
        return mb << Int(code)
    }

    func largeSizeCodeUnderstood(_ code: UInt8) -> Bool {
        let late: [(IDFVersion, IDFVersion?)] = [(v(5, 4, 4), v(5, 5)), (v(5, 5, 2), nil)]
        switch chipID {
        case Chip.esp32s2.id, Chip.esp32s3.id: return version >= v(4, 4, 2)
        case Chip.esp32p4.id: return version.within([(v(5, 3, 2), nil)])
        case Chip.esp32h21.id, Chip.esp32h4.id: return version >= v(5, 5, 2)
        case Chip.esp32s31.id: return true
        case Chip.esp32c5.id:
            if code == 5, version.within([(v(5, 5), v(5, 5, 2))]) { return true }
            return version.within(late)
        default: return version.within(late)   // ESP32, C2, C3, C6, H2, C61 (and unknown chips)
        }
    }

    // MARK: esp_partition_table_verify (flash_partitions.c)

    /// v6.1+ compares `size > chip_size − offset`; earlier releases compute `offset + size` in 32 bits,
    /// which wraps (a row whose end passes 4 GiB is accepted).
    public var tableBoundsWrap: Bool { version < v(6, 1) }
    /// v5.5+ rejects a table whose first row is the end marker.
    public var rejectsEmptyTable: Bool { version >= v(5, 5) }

    // MARK: verify_segment_header (esp_image_format.c)

    /// Chips whose MMU page size is a build option (`SOC_MMU_PAGE_SIZE_CONFIGURABLE`) in this release.
    public var hasConfigurableMMUPage: Bool {
        guard version >= v(5, 0) else { return false }
        if chipIs(.esp32c2) { return true }
        if version < v(5, 1) { return false }
        if chipIs(.esp32c6, .esp32h2) { return true }
        if version < v(5, 3) { return false }
        if chipIs(.esp32c61) { return true }
        if chipIs(.esp32c5) { return version < v(5, 4) }
        if chipIs(.esp32h21, .esp32h4) { return version >= v(5, 5) }
        return false
    }

    /// `SPI_FLASH_MMU_PAGE_SIZE` of the bootloader build: 64 KiB, or on configurable chips the Kconfig
    /// default for the build's flash size (1 MB → 16 KiB, 2 MB → 32 KiB, else 64 KiB), taken from the
    /// bootloader header's size (esptool writes the build's size there).
    public func bootloaderMMUPage(flashSize: Int?) -> Int {
        guard hasConfigurableMMUPage, let flashSize else { return 0x10000 }
        if flashSize <= 1 << 20 { return 0x4000 }
        if flashSize <= 2 << 20 { return 0x8000 }
        return 0x10000
    }

    /// v5.4+ on configurable chips: the page comes from the app's `esp_app_desc_t.mmu_page_size`
    /// (log2; 0 → the bootloader's own), and an app whose segment 0 lacks the descriptor magic is refused.
    public var readsMMUPageFromApp: Bool { hasConfigurableMMUPage && version >= v(5, 4) }

    /// The page `verify_segment_header` checks an app against.
    /// - Parameter appPageLog2: `esp_app_desc_t.mmu_page_size` (nil when the image has no descriptor).
    public func mmuPage(flashSize: Int?, appPageLog2: UInt8?) -> Int {
        let own = bootloaderMMUPage(flashSize: flashSize)
        guard readsMMUPageFromApp, let n = appPageLog2, n > 0 else { return own }
        // After v6.1 only 8 KiB … 256 KiB are taken; earlier any value, and 1 << n for n ≥ 32 is undefined.
        if version > v(6, 1), !(13...18).contains(n) { return own }
        return n < 31 ? 1 << Int(n) : own
    }

    // MARK: image_load / verify_segment_header size limits

    /// `ESP_IMAGE_MAX_FLASH_ADDR_SIZE`: nil where the chip maps 32-bit cache addresses in this release.
    public var partitionSizeLimit: Int? {
        let full = version.within([(v(5, 3, 4), v(5, 4)), (v(5, 4, 2), nil)])
        if full && chipIs(.esp32s3, .esp32p4) { return nil }
        if chipIs(.esp32c5) && version >= v(5, 5) { return nil }
        if chipIs(.esp32c61) && version.within([(v(5, 5, 5), v(6, 0)), (v(6, 0, 1), nil)]) { return nil }
        if chipIs(.esp32h4, .esp32s31) && version >= v(6, 1) { return nil }
        return 16 << 20
    }

    /// Apps' segment 0 must hold an `esp_app_desc_t` (256 bytes): only after v6.1 (not in a release yet).
    public var segment0MinimumLength: Int? { version > v(6, 1) ? AppDescriptor.size : nil }

    // MARK: unpack_load_app (bootloader_utility.c)

    /// Chips whose instruction and data windows share one MMU (`SOC_MMU_DI_VADDR_SHARED`): the app must
    /// have exactly two flash-mapped segments, or the bootloader asserts while starting it (after the
    /// image verified, so it does not try another slot).
    public var requiresTwoMappedSegments: Bool {
        if chipIs(.esp32c6, .esp32h2) { return version >= v(5, 1) }
        if chipIs(.esp32c5, .esp32c61, .esp32p4) { return version >= v(5, 3) }
        if chipIs(.esp32h21, .esp32h4) { return version >= v(5, 5) }
        if chipIs(.esp32s31) { return version > v(6, 1) }
        return false
    }

    // MARK: bootloader_common_check_chip_validity / _check_efuse_blk_validity (bootloader_common_loader.c)

    /// v4.4.5+, v5.0.1+: `min_chip_rev_full` / `max_chip_rev_full`; before, only header byte 14 and no max.
    public var checksFullChipRevision: Bool { version.within([(v(4, 4, 5), v(5, 0)), (v(5, 0, 1), nil)]) }

    /// The eFuse block revision window from `esp_app_desc_t` is checked (never on the ESP32).
    public var checksEfuseBlockRevision: Bool {
        guard !chipIs(.esp32) else { return false }
        return version.within([(v(5, 1, 7), v(5, 2)), (v(5, 2, 3), v(5, 3)), (v(5, 3, 2), nil)])
    }

    /// The highest chip revision ESP-IDF supports for the family (master's `<CHIP>_REV_MAX_FULL`).
    public static func familyMaxChipRevision(_ chip: Chip) -> ChipRevision {
        switch chip.id {
        case Chip.esp32.id, Chip.esp32p4.id: ChipRevision(full: 399)
        case Chip.esp32c2.id: ChipRevision(full: 299)
        case Chip.esp32s2.id, Chip.esp32c3.id, Chip.esp32c5.id, Chip.esp32c61.id, Chip.esp32h2.id: ChipRevision(full: 199)
        default: ChipRevision(full: 99)
        }
    }

    /// The highest eFuse block revision ESP-IDF supports for the family (`ESP_EFUSE_BLOCK_REV_MAX_FULL`).
    public static func familyMaxEfuseBlockRevision(_ chip: Chip) -> ChipRevision {
        switch chip.id {
        case Chip.esp32s3.id, Chip.esp32c3.id, Chip.esp32c61.id, Chip.esp32p4.id: ChipRevision(full: 199)
        default: ChipRevision(full: 99)
        }
    }

    /// "Not set" for a revision bound: 0 or 0xFFFF (`IS_FIELD_SET`).
    static func isSet(_ v: UInt16) -> Bool { v != 0 && v != 0xFFFF }

    /// The chip revisions an app (or, without the max, a bootloader) admits.
    public func chipWindow(_ img: AppImage, isBootloader: Bool) -> RevisionWindow? {
        guard let chip = img.chip ?? chip else { return nil }
        let familyMax = Self.familyMaxChipRevision(chip)
        if checksFullChipRevision {
            let max = !isBootloader && Self.isSet(img.maxChipRevisionFull) ? ChipRevision(full: Int(img.maxChipRevisionFull)) : nil
            return RevisionWindow(min: ChipRevision(full: Int(img.minChipRevisionFull)), max: max, familyMax: familyMax)
        }
        // Legacy: header byte 14 against the major (ESP32, S2, H2; C2 in v5.0.0) or the minor revision.
        let majorChips = [Chip.esp32.id, Chip.esp32s2.id, Chip.esp32h2.id] + (version >= v(5, 0) ? [Chip.esp32c2.id] : [])
        let byMajor = majorChips.contains(chip.id)
        let legacy = Int(img.minChipRevision)
        return RevisionWindow(min: byMajor ? ChipRevision(legacy, 0) : ChipRevision(full: legacy), max: nil, familyMax: familyMax)
    }

    /// The eFuse block revisions an app admits, when this bootloader checks them: bytes 176–179 of
    /// segment 0, read without looking for the descriptor's magic.
    public func efuseBlockWindow(_ img: AppImage) -> RevisionWindow? {
        guard checksEfuseBlockRevision, let chip = img.chip ?? chip, let r = img.segment0EfuseBlockRevisions else { return nil }
        let min = Self.isSet(r.min) ? Int(r.min) : 0
        let max = Self.isSet(r.max) ? ChipRevision(full: Int(r.max)) : nil
        return RevisionWindow(min: ChipRevision(full: min), max: max, familyMax: Self.familyMaxEfuseBlockRevision(chip))
    }
}

// MARK: bootloaders that do not say their release

/// A run of releases with the same bootloader rules ("v5.1–v5.1.6"); `last` nil: this and later
/// patch releases of the same minor.
public struct ReleaseSpan: Sendable, Hashable, CustomStringConvertible {
    public let first: IDFVersion
    public let last: IDFVersion?
    public init(_ first: IDFVersion, _ last: IDFVersion?) { self.first = first; self.last = last }
    public func contains(_ v: IDFVersion) -> Bool { v >= first && (last.map { v <= $0 } ?? (v.major == first.major && v.minor == first.minor)) }
    public var description: String {
        guard let last else { return "v\(first)+" }
        return last == first ? "v\(first)" : "v\(first)–v\(last)"
    }
    /// "v4.4.5–v4.4.8, v5.0.1–v5.0.9 and v5.1.7+".
    public static func list(_ spans: [ReleaseSpan]) -> String {
        let words = spans.map(\.description)
        return words.count <= 1 ? words.first ?? "none" : words.dropLast().joined(separator: ", ") + " and " + words.last!
    }
}

/// What the bootloader's bytes tell about its release when it has no `esp_bootloader_desc_t`.
public enum ReleaseEvidence: Sendable, Equatable, CustomStringConvertible {
    /// No `esp_bootloader_desc_t` (it exists in every bootloader from v5.2).
    case noBootloaderDescriptor
    /// ESP-IDF supports this chip from `since` (ESP32-C2 v5.0, ESP32-C6 and ESP32-H2 v5.1).
    case chipSupported(Chip, since: IDFVersion)
    /// The header's `min/max_chip_rev_full` are set: the build passed `--min-rev-full/--max-rev-full` to
    /// esptool elf2image, which ESP-IDF does from v4.4.5 and v5.0.1 (esptool_py/project_include.cmake).
    case revisionFieldsSet(max: UInt16)
    /// Neither is set (0 or 0xFFFF): built before v4.4.5, or by v5.0.0.
    case revisionFieldsUnset

    public var kind: String {
        switch self {
        case .noBootloaderDescriptor: "no_bootloader_desc"
        case .chipSupported: "chip_supported_since"
        case .revisionFieldsSet: "chip_rev_full_fields_set"
        case .revisionFieldsUnset: "chip_rev_full_fields_unset"
        }
    }

    public var description: String {
        switch self {
        case .noBootloaderDescriptor: "no esp_bootloader_desc_t: built before v5.2"
        case .chipSupported(let c, let v): "\(c.name) is supported from v\(v)"
        case .revisionFieldsSet(let max): "header max_chip_rev_full \(ChipRevision(full: Int(max))) is set: built by v4.4.5+ or v5.0.1+"
        case .revisionFieldsUnset: "header max_chip_rev_full is not set: built before v4.4.5, or by v5.0.0"
        }
    }
}

/// A bootloader rule that moves between releases, as one comparable setting.
public enum ReleaseRule: String, Sendable, CaseIterable {
    case flashSizeCode = "flash_size_code"
    case tableBoundsWrap = "table_bounds_wrap"
    case rejectsEmptyTable = "rejects_empty_table"
    case mmuPage = "mmu_page"
    case mmuPageFromApp = "mmu_page_from_app"
    case partitionSizeLimit = "partition_size_limit"
    case fullChipRevisionCheck = "full_chip_revision_check"
    case efuseBlockRevisionCheck = "efuse_blk_revision_check"
    case twoMappedSegments = "two_mapped_segments"

    /// The ESP-IDF function that applies the rule.
    public var function: String {
        switch self {
        case .flashSizeCode: "update_flash_config"
        case .tableBoundsWrap, .rejectsEmptyTable: "esp_partition_table_verify"
        case .mmuPage, .mmuPageFromApp: "verify_segment_header"
        case .partitionSizeLimit: "image_load"
        case .fullChipRevisionCheck: "bootloader_common_check_chip_validity"
        case .efuseBlockRevisionCheck: "bootloader_common_check_efuse_blk_validity"
        case .twoMappedSegments: "unpack_load_app"
        }
    }

    /// The rule's setting under `r` for a bootloader whose header has `sizeCode` (nil: no bootloader).
    public func setting(_ r: BootloaderRules, sizeCode: UInt8?) -> Int {
        func b(_ x: Bool) -> Int { x ? 1 : 0 }
        switch self {
        case .flashSizeCode: return sizeCode.map { r.flashSize(code: $0) } ?? 0
        case .tableBoundsWrap: return b(r.tableBoundsWrap)
        case .rejectsEmptyTable: return b(r.rejectsEmptyTable)
        case .mmuPage: return r.bootloaderMMUPage(flashSize: sizeCode.map { r.flashSize(code: $0) })
        case .mmuPageFromApp: return b(r.readsMMUPageFromApp)
        case .partitionSizeLimit: return r.partitionSizeLimit ?? 0
        case .fullChipRevisionCheck: return b(r.checksFullChipRevision)
        case .efuseBlockRevisionCheck: return b(r.checksEfuseBlockRevision)
        case .twoMappedSegments: return b(r.requiresTwoMappedSegments)
        }
    }

    /// What releases with `setting` do ("checks the eFuse block revision", "reads size code 5 as 32 MB").
    public func words(setting: Int, sizeCode: UInt8?, plural: Bool) -> String {
        let s = plural ? "" : "s"
        let does = setting != 0
        switch self {
        case .flashSizeCode: return "read\(s) flash size code \(sizeCode ?? 0) as \(setting >> 20) MB"
        case .tableBoundsWrap: return does ? "add\(s) offset + size in 32 bits (wraps)" : "compare\(s) size with chip size − offset"
        case .rejectsEmptyTable: return does ? "reject\(s) an empty table" : "accept\(s) an empty table"
        case .mmuPage: return "check\(s) alignment against a \(setting >> 10) KiB MMU page"
        case .mmuPageFromApp: return does ? "take\(s) the MMU page from the app's descriptor" : "use\(s) the bootloader's own MMU page"
        case .partitionSizeLimit: return setting == 0 ? "allow\(s) partitions above 16 MiB" : "refuse\(s) partitions above \(setting >> 20) MiB"
        case .fullChipRevisionCheck:
            return does ? "check\(s) the chip revision window (min/max_chip_rev_full)" : "check\(s) only header byte 14 against the chip revision"
        case .efuseBlockRevisionCheck: return does ? "check\(s) the eFuse block revision" : "do\(plural ? "" : "es") not check the eFuse block revision"
        case .twoMappedSegments: return does ? "need\(s) exactly two flash-mapped segments" : "map\(s) any number of flash segments"
        }
    }
}

extension BootloaderRules {
    /// The runs of releases, v4.4 … v5.1.x, within which no bootloader rule changes: the candidates for
    /// a bootloader without `esp_bootloader_desc_t` (docs/esp-idf-rules.md lists the boundaries).
    public static let preDescriptorSpans: [ReleaseSpan] = [
        ReleaseSpan(IDFVersion(4, 4, 0), IDFVersion(4, 4, 1)), ReleaseSpan(IDFVersion(4, 4, 2), IDFVersion(4, 4, 4)),
        ReleaseSpan(IDFVersion(4, 4, 5), IDFVersion(4, 4, 8)), ReleaseSpan(IDFVersion(5, 0, 0), IDFVersion(5, 0, 0)),
        ReleaseSpan(IDFVersion(5, 0, 1), IDFVersion(5, 0, 9)), ReleaseSpan(IDFVersion(5, 1, 0), IDFVersion(5, 1, 6)),
        ReleaseSpan(IDFVersion(5, 1, 7), nil),
    ]

    /// First release that supports `chip` among those without a bootloader descriptor (nil: v4.4 or earlier).
    static func firstRelease(of chip: Chip) -> IDFVersion? {
        switch chip.id {
        case Chip.esp32c2.id: IDFVersion(5, 0)
        case Chip.esp32c6.id, Chip.esp32h2.id: IDFVersion(5, 1)
        default: nil
        }
    }

    /// The releases a bootloader without `esp_bootloader_desc_t` can be from, narrowed by what ESP-IDF
    /// reliably leaves in its header: the chip (supported from some release on) and whether
    /// `min/max_chip_rev_full` are set (the build passes them from v4.4.5/v5.0.1).
    public static func preDescriptorReleases(_ bootloader: AppImage) -> (spans: [ReleaseSpan], evidence: [ReleaseEvidence]) {
        var spans = preDescriptorSpans
        var evidence: [ReleaseEvidence] = [.noBootloaderDescriptor]
        if let chip = bootloader.chip, let since = firstRelease(of: chip) {
            spans.removeAll { $0.first < since }
            evidence.append(.chipSupported(chip, since: since))
        }
        let full = isSet(bootloader.maxChipRevisionFull) || isSet(bootloader.minChipRevisionFull)
        let withFields = spans.filter { BootloaderRules(assumed: $0.first, chip: bootloader.chip).checksFullChipRevision == full }
        if !withFields.isEmpty {
            spans = withFields
            evidence.append(full ? .revisionFieldsSet(max: bootloader.maxChipRevisionFull) : .revisionFieldsUnset)
        }
        return (spans, evidence)
    }

    /// Rules of a release assumed (not read) for a bootloader without `esp_bootloader_desc_t`.
    public init(assumed version: IDFVersion, chip: Chip?) {
        self.init(version: version, source: .noBootloaderDescriptor, chip: chip)
        self.declared = nil
    }
}

/// What one bootloader release does with an image, for comparing releases.
public struct BootSummary: Sendable, Equatable {
    public let outcome: BootOutcome
    public let choice: String
    public let selected: String?
    public let loaded: String?
    public init(_ d: BootDecision) {
        outcome = d.outcome; choice = d.choice.kind; selected = d.selected; loaded = d.loaded
    }
    public var words: String {
        switch outcome {
        case .loads: "starts \(loaded ?? "?")"
        case .nothingLoads: "nothing starts"
        case .unknown: "unknown"
        }
    }
}

/// The boot verdict differs between the releases a bootloader may come from (it has no
/// `esp_bootloader_desc_t`): which rules differ, and what each group of releases does.
public struct ReleaseDependence: Sendable, Equatable, CustomStringConvertible {
    public struct Setting: Sendable, Equatable {
        public let value: Int
        public let spans: [ReleaseSpan]
        public let words: String
    }
    public struct RuleDifference: Sendable, Equatable {
        public let rule: ReleaseRule
        /// The rule's settings, the newest releases' first.
        public let settings: [Setting]
        /// "v5.1.7+ checks the eFuse block revision".
        public var words: String { settings.first.map { "\(ReleaseSpan.list($0.spans)) \($0.words)" } ?? rule.rawValue }
    }
    public struct Result: Sendable, Equatable {
        public let spans: [ReleaseSpan]
        public let boot: BootSummary
    }
    public let rules: [RuleDifference]
    /// The newest releases' result first.
    public let results: [Result]

    /// Compares the verdicts of `runs` (one per span, oldest first); nil when all agree.
    /// - Parameter sizeCode: the bootloader header's flash size code.
    public static func compare(_ runs: [(span: ReleaseSpan, rules: BootloaderRules, boot: BootSummary)], sizeCode: UInt8?) -> ReleaseDependence? {
        guard let first = runs.first, runs.contains(where: { $0.boot != first.boot }) else { return nil }
        let newestFirst = Array(runs.reversed())
        var results: [Result] = []
        for run in newestFirst {
            if let i = results.firstIndex(where: { $0.boot == run.boot }) {
                results[i] = Result(spans: results[i].spans + [run.span], boot: run.boot)
            } else {
                results.append(Result(spans: [run.span], boot: run.boot))
            }
        }
        for i in results.indices { results[i] = Result(spans: results[i].spans.sorted { $0.first < $1.first }, boot: results[i].boot) }
        // A rule explains the difference when its setting differs between releases whose verdicts differ.
        var rules: [RuleDifference] = []
        for rule in ReleaseRule.allCases {
            let explains = runs.contains { a in
                runs.contains { b in a.boot != b.boot && rule.setting(a.rules, sizeCode: sizeCode) != rule.setting(b.rules, sizeCode: sizeCode) }
            }
            guard explains else { continue }
            var settings: [Setting] = []
            for run in newestFirst {
                let v = rule.setting(run.rules, sizeCode: sizeCode)
                if let i = settings.firstIndex(where: { $0.value == v }) {
                    settings[i] = Setting(value: v, spans: settings[i].spans + [run.span], words: settings[i].words)
                } else {
                    settings.append(Setting(value: v, spans: [run.span], words: ""))
                }
            }
            settings = settings.map { s in
                let spans = s.spans.sorted { $0.first < $1.first }
                return Setting(value: s.value, spans: spans, words: rule.words(setting: s.value, sizeCode: sizeCode, plural: spans.count > 1))
            }
            rules.append(RuleDifference(rule: rule, settings: settings))
        }
        return ReleaseDependence(rules: rules, results: results)
    }

    /// "depends on the bootloader's release: v5.1.7+ checks the eFuse block revision (v5.1.7+: nothing
    /// starts; v4.4.5–v4.4.8 and v5.1–v5.1.6: starts factory)".
    public var description: String {
        let why = rules.isEmpty ? "its rules differ" : rules.map(\.words).joined(separator: "; ")
        let what = results.map { "\(ReleaseSpan.list($0.spans)): \($0.boot.words)" }.joined(separator: "; ")
        return "depends on the bootloader's release: \(why) (\(what))"
    }
}
