#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlashFormats

extension DiagnosticCode {
    public static let bootloaderNotFound: DiagnosticCode = "bootloader_not_found"
    public static let tableNotDefaultOffset: DiagnosticCode = "table_not_default_offset"
    public static let partitionAbsent: DiagnosticCode = "partition_absent"
    public static let partitionPartial: DiagnosticCode = "partition_partial"
    public static let tableNotFound: DiagnosticCode = "table_not_found"
    public static let appChipMismatch: DiagnosticCode = "app_chip_mismatch"
    public static let flashEncrypted: DiagnosticCode = "flash_encrypted"
}

/// What a file is.
public enum FileKind: String, Sendable {
    case flashImage = "flash_image"
    case appImage = "app_image"
    case bootloaderImage = "bootloader_image"
    case partitionTable = "partition_table"
    case otadata
}

/// Options for reading an image.
public struct AnalysisOptions: Sendable {
    /// `--pt-offset`: where the partition table is, overriding detection.
    public var tableOffset: Int?
    /// Evaluate the boot as a bootloader built with CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE.
    public var rollback = false
    /// Treat the file as this kind instead of guessing.
    public var kind: FileKind?
    /// `--bootloader-idf`: apply this release's bootloader rules instead of the version read from the bootloader.
    public var bootloaderIDF: IDFVersion?
    /// `--chip-rev` / `--efuse-blk-rev`: the chip's revisions (else every revision of the family is considered).
    public var chipRevision: ChipRevision?
    public var efuseBlockRevision: ChipRevision?
    /// The app's CONFIG_PARTITION_TABLE_MD5 (default y): without a valid MD5 row the app sees no partitions.
    public var appTableMD5 = true
    /// The source is a flash-encrypted dump decrypted with its key (FlashDecryption).
    public var decryptedView = false
    /// Stop a flash image's analysis after the boot decision (bootloader, table, otadata, apps, which
    /// slot boots): for a command that needs no more, such as `nvs` (its rules follow the app that
    /// boots). Stray otadata, the encryption hint, security, partition contents and, for a bootloader
    /// without a descriptor, the boot judged again with every other release's rules are then not looked at.
    public var bootOnly = false
    public init(tableOffset: Int? = nil, rollback: Bool = false, kind: FileKind? = nil, bootloaderIDF: IDFVersion? = nil,
                chipRevision: ChipRevision? = nil, efuseBlockRevision: ChipRevision? = nil, appTableMD5: Bool = true) {
        self.tableOffset = tableOffset; self.rollback = rollback; self.kind = kind
        self.bootloaderIDF = bootloaderIDF; self.chipRevision = chipRevision; self.efuseBlockRevision = efuseBlockRevision
        self.appTableMD5 = appTableMD5
    }
}

public struct BootloaderInfo: Sendable {
    public let offset: Int
    public let image: AppImage
    public var chip: Chip? { image.chip }
}

public struct PartitionInfo: Sendable {
    public let index: Int
    public let entry: PartitionEntry
    /// Where the 32-byte row is.
    public let rowOffset: Int
    public let presence: Presence
    public var name: String { entry.name }
}

public struct AppSlotInfo: Sendable {
    public let partition: PartitionEntry
    public let presence: Presence
    public let content: ImageSlot
    public let verdict: BootVerdict
    public var image: AppImage? { content.image }
}

/// An otadata-looking sector outside any otadata partition (stale, or beside an encrypted table).
public struct StrayOTAEntry: Sendable {
    public let offset: Int
    public let entry: OTAEntry
}

/// Why a dump shows no plaintext bootloader or table: its bytes look like ciphertext.
public struct EncryptionHint: Sendable, Equatable {
    /// 4 KiB-aligned ranges whose bytes look random (Shannon entropy above 7.2 bits per byte), merged.
    public let highEntropy: [Range<Int>]
    /// 4 KiB-aligned ranges whose sectors are dominated by one repeating random-looking 16-byte block
    /// (ciphertext of erased flash encrypted without an address tweak, e.g. ESP32 FLASH_CRYPT_CONF 0), merged.
    public var repeatingPattern: [Range<Int>] = []
    /// Both kinds of ciphertext-looking range, in address order (what a map of the dump marks encrypted).
    public var ciphertextRanges: [Range<Int>] { (highEntropy + repeatingPattern).sorted { $0.lowerBound < $1.lowerBound } }
    /// One line for the report: where the plaintext was expected and where the ciphertext is.
    public var message: String {
        let all = ciphertextRanges
        let shown = all.prefix(4).map { "\(Hex.short($0.lowerBound)) to \(Hex.short($0.upperBound))" }
        let more = all.count > 4 ? " and \(all.count - 4) more ranges" : ""
        let list = shown.count > 1 ? shown.dropLast().joined(separator: ", ") + " and " + shown.last! : shown.first ?? ""
        return "no plaintext bootloader at 0x0, 0x1000 or 0x2000 and no plaintext partition table; high entropy from \(list)\(more): likely flash-encrypted (esptool read-flash returns ciphertext; only unencrypted sectors are readable)"
    }
}

/// Everything FlashScope reads from one image: the bootloader's view of it, and ours.
public struct FlashLayout: Sendable {
    public var kind: FileKind
    public var size: Int
    public var chip: Chip?
    public var bootloader: BootloaderInfo?
    public var table: PartitionTable?
    public var partitions: [PartitionInfo] = []
    public var otadataPartition: PartitionEntry?
    public var otadata: OTAData?
    public var apps: [AppSlotInfo] = []
    public var boot: BootDecision?
    /// For a single app or bootloader file: the image.
    public var image: AppImage?
    public var strayOTA: [StrayOTAEntry] = []
    /// Set when neither a bootloader nor a table is in plaintext and the bytes look encrypted.
    public var encryption: EncryptionHint?
    /// Secure Boot V1 digest, table signature, flash-encryption state (FlashLayout+Security.swift).
    public var security = SecurityFindings()
    public var diagnostics: [Diagnostic] = []
    public var options: AnalysisOptions
    /// The bootloader rules applied (version, where it came from, chip).
    public var rules = BootloaderRules(version: nil, source: .unknown, chip: nil)
    /// The flash size the bootloader configures from its header (`update_flash_config`).
    public var bootloaderFlashSize: Int?
    /// The app's view of the table (esp_partition), for the OTA operations.
    public var appView: AppTableView?
    /// A chip revision window the bootloader's own header needs (when no revision was given).
    public var bootloaderRequirement: RevisionRequirement?
    /// For a bootloader without `esp_bootloader_desc_t`: the releases it can be from (FlashLayout+Releases.swift).
    public var releases: BootloaderReleases?
    /// Where the app's and the bootloader's views of the table differ.
    public var viewDifferences: [TableViewDifference] = []
    /// The inputs every image verdict uses (info, stage, set-boot, TUI).
    public var verifyContext: VerifyContext {
        VerifyContext(rules: rules, flashSize: bootloaderFlashSize, chipRevision: options.chipRevision,
                      efuseBlockRevision: options.efuseBlockRevision)
    }
    /// The core dump partition read (FlashLayout+Contents.swift).
    public var coreDump: CoreDumpFinding?
    /// What each partition holds, by index in `partitions` (FlashLayout+Contents.swift).
    public var contents: [PartitionContent] = []

    public func app(named name: String) -> AppSlotInfo? { apps.first { $0.partition.name == name } }
    public func partition(named name: String) -> PartitionInfo? { partitions.first { $0.name == name } }
    /// OTA app partitions the app side counts (ota_0, ota_1, … consecutive), in slot order.
    public var appOTASlots: [PartitionEntry] { appSlots.partitions }
    /// The app's OTA slot bookkeeping (`esp_ota_get_app_partition_count` and friends), on the rows the app sees.
    public var appSlots: AppOTASlots { appView?.slots ?? AppOTASlots([]) }
    /// The bootloader's slot bookkeeping for this table (the rows it walks; empty without a table).
    public var bootSlots: BootSlots { BootSlots(table?.bootloaderEntries ?? []) }
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

public enum AnalysisError: Error, CustomStringConvertible, Sendable {
    case empty
    case notAnImage(String)
    public var description: String {
        switch self {
        case .empty: "the file is empty"
        case .notAnImage(let why): "not an ESP flash image, app image, partition table or otadata file: \(why)"
        }
    }
}

extension FlashLayout {
    /// Reads `source` as the bootloader would, plus what the official tools would say.
    public static func analyze(_ source: some ByteSource, digests: (any DigestProvider)? = nil,
                               options: AnalysisOptions = AnalysisOptions()) throws(AnalysisError) -> FlashLayout {
        guard source.count > 0 else { throw .empty }
        let digests = digests ?? DirectDigests(source)
        let kind: FileKind
        if let k = options.kind { kind = k } else { kind = try detectKind(source, options: options) }
        var layout = FlashLayout(kind: kind, size: source.count, options: options)
        switch kind {
        case .appImage, .bootloaderImage:
            let slot = AppImage.inspect(source, at: 0, flashAddress: 0, isBootloader: kind == .bootloaderImage, digests: digests)
            guard let img = slot.image else { throw .notAnImage("no image header (\(Hex.short(imageMagic))) at offset 0") }
            layout.image = img
            layout.chip = img.chip
            var diags = img.diagnostics
            analyzeSecurity(source, into: &layout, diags: &diags)
            layout.diagnostics = diags
        case .partitionTable:
            let t = PartitionTable.parse(source, at: 0)
            layout.table = t
            layout.partitions = partitionInfos(t, presenceIn: nil)
            layout.diagnostics = t.diagnostics
        case .otadata:
            let o = OTAData.parse(source, at: 0, size: source.count)
            layout.otadata = o
            layout.diagnostics = o.diagnostics
        case .flashImage:
            analyzeFlash(source, digests: digests, into: &layout, bootOnly: options.bootOnly)
            if !options.bootOnly { compareReleases(source, digests: digests, into: &layout) }
        }
        return layout
    }

    /// Bootloader candidates: an image header at the chip's own bootloader offset.
    static func findBootloader(_ s: some ByteSource) -> (offset: Int, chip: Chip)? {
        for offset in [0x1000, 0x0, 0x2000] {
            guard s.u8(at: offset) == imageMagic, let count = s.u8(at: offset + 1), (1...16).contains(count),
                  let h = s.u8(at: offset + 23), h <= 1, let id = s.u16(at: offset + 12),
                  let chip = Chip.from(id: id), chip.bootloaderOffset == offset else { continue }
            return (offset, chip)
        }
        return nil
    }

    /// First 4 KiB-aligned offset holding a table the bootloader would accept (0x8000 first).
    static func findTable(_ s: some ByteSource, from start: Int) -> Int? {
        if PartitionTable.looksLikeTable(s, at: defaultPartitionTableOffset) { return defaultPartitionTableOffset }
        var offset = Swift.max(0x1000, start)
        // A table sits below the first partition; 16 MiB covers every real CONFIG_PARTITION_TABLE_OFFSET.
        let end = Swift.min(s.count, 16 << 20)
        while offset < end {
            if offset != defaultPartitionTableOffset, PartitionTable.looksLikeTable(s, at: offset) {
                let t = PartitionTable.parse(s, at: offset)
                if t.bootloaderAccepts && !t.entries.isEmpty { return offset }
            }
            offset += 0x1000
        }
        // Nothing else: an erased 0x8000 below a bootloader is the empty table that bootloader reads
        // (esp_partition_table_verify accepts it before v5.5; the rules decide).
        if PartitionTable.isEmptyTable(s, at: defaultPartitionTableOffset), findBootloader(s) != nil {
            return defaultPartitionTableOffset
        }
        return nil
    }

    static func detectKind(_ s: some ByteSource, options: AnalysisOptions) throws(AnalysisError) -> FileKind {
        if options.tableOffset != nil { return .flashImage }
        if s.u16(at: 0) == partitionMagic && s.count <= 0x1000 { return .partitionTable }
        if s.count > 0x8000, findTable(s, from: 0x1000) != nil { return .flashImage }
        if s.u8(at: 0) == imageMagic {
            // A lone image at offset 0. A bootloader runs from RAM (no flash-mapped segment), is a few
            // segments and KiB long, and v5.2+ ones carry esp_bootloader_desc_t.
            if case .image(let img) = AppImage.inspect(s, at: 0, flashAddress: 0, isBootloader: true, digests: NoDigests()) {
                if img.bootloaderDescriptor != nil { return .bootloaderImage }
                let ramOnly = img.chip.map { c in !img.segments.contains { c.isFlashMapped($0.loadAddress) } } ?? false
                if ramOnly && img.segments.count >= 2 && (img.length ?? 0) >= 0x1000 && s.u32(at: 0x20) != appDescriptorMagic {
                    return .bootloaderImage
                }
                return .appImage
            }
        }
        if findBootloader(s) != nil { return .flashImage }   // an image at 0x1000/0x2000: a (partial) dump
        if s.u16(at: 0) == partitionMagic { return .partitionTable }
        if s.count == otadataSize { return .otadata }
        if let foreign = foreignFormat(s) { throw .notAnImage("it is \(foreign)") }
        if s.count >= 0x9000 { return .flashImage }   // a dump with nothing plaintext where expected
        let first = s.u8(at: 0) ?? 0
        throw .notAnImage("\(s.count) bytes starting with \(Hex.short(first)); no bootloader, partition table or image header found")
    }

    static func partitionInfos(_ t: PartitionTable, presenceIn s: (any ByteSource)?) -> [PartitionInfo] {
        t.entries.enumerated().map { i, e in
            let p = s.map { $0.presence(of: Int(e.offset)..<Int(e.end)) } ?? .absent
            return PartitionInfo(index: i, entry: e, rowOffset: t.offset + partitionRowSize * t.entryRows[i], presence: p)
        }
    }

    /// - Parameter bootOnly: stop after the boot decision (the other releases' verdicts in FlashLayout+Releases.swift).
    static func analyzeFlash(_ s: some ByteSource, digests: any DigestProvider, into layout: inout FlashLayout, bootOnly: Bool = false) {
        var diags: [Diagnostic] = []
        let found = findBootloader(s)
        let tableOffset = layout.options.tableOffset ?? findTable(s, from: (found?.offset ?? 0) + 0x1000)
        // Bootloader: everything below the table is its region.
        if let (offset, _) = found {
            let limit = (tableOffset ?? defaultPartitionTableOffset) - offset
            if case .image(let img) = AppImage.inspect(s, at: offset, limit: limit > 0 ? limit : nil, isBootloader: true, digests: digests) {
                layout.bootloader = BootloaderInfo(offset: offset, image: img)
                layout.chip = img.chip
                // The bootloader does not check its own simple hash without Secure Boot; report, don't fail.
                diags += img.diagnostics.map { d in
                    var d = d
                    d.message = "bootloader: " + d.message
                    return d
                }
            }
        } else {
            diags.append(.warning(nil, .bootloaderNotFound, "no plaintext bootloader image at 0x0, 0x1000 or 0x2000"))
        }

        // Partition table.
        layout.rules = rules(for: layout.bootloader?.image, options: layout.options)
        let chipSize = layout.bootloader.map { layout.rules.flashSize(code: $0.image.flash.sizeCode) }
        layout.bootloaderFlashSize = chipSize
        if let tableOffset {
            let t = PartitionTable.parse(s, at: tableOffset, chipSize: chipSize, boundsWrap: layout.rules.tableBoundsWrap,
                                         rejectEmpty: layout.rules.rejectsEmptyTable)
            let app = AppTableView(t, md5Required: layout.options.appTableMD5)
            layout.appView = app
            if t.bootloaderAccepts { layout.viewDifferences = TableViewDifference.between(app: app, bootloader: t.bootloaderEntries, table: t) }
            layout.table = t
            if tableOffset != defaultPartitionTableOffset && layout.options.tableOffset == nil {
                diags.append(.info(tableOffset, .tableNotDefaultOffset, "partition table found at \(Hex.short(tableOffset)) (not the default 0x8000)"))
            }
            diags += t.diagnostics
            layout.partitions = partitionInfos(t, presenceIn: s)
            for p in layout.partitions where p.presence != .full {
                diags.append(.info(Int(p.entry.offset), p.presence == .absent ? .partitionAbsent : .partitionPartial, "partition \(p.name) is \(p.presence == .absent ? "not in the file" : "only partly in the file")"))
            }
        } else {
            diags.append(.error(nil, .tableNotFound, "no partition table: 0x8000 and every 4 KiB-aligned offset hold no table the bootloader would accept"))
        }

        // otadata, as the bootloader's slot bookkeeping sees the table.
        let slots = layout.bootSlots
        if let od = slots.otadata {
            layout.otadataPartition = od
            if s.presence(of: Int(od.offset)..<(Int(od.offset) + otadataSize)) != .absent {
                let o = OTAData.parse(s, at: Int(od.offset), size: Int(od.size))
                layout.otadata = o
                diags += o.diagnostics
            }
        }

        // Apps, each judged by the one image check with this bootloader's rules.
        let blChip = layout.bootloader?.chip
        let context = layout.verifyContext
        for p in layout.partitions where p.entry.isApp {
            let e = p.entry
            let (content, verdict) = ImageVerifier.verify(s, partition: e, presence: p.presence, context: context, digests: digests)
            layout.apps.append(AppSlotInfo(partition: e, presence: p.presence, content: content, verdict: verdict))
            if case .image(let img) = content {
                diags += img.diagnostics.map { d in
                    var d = d
                    d.message = "\(e.name): " + d.message
                    return d
                }
                if let c = img.chip, let b = blChip, c != b {
                    diags.append(.error(Int(e.offset) + 12, .appChipMismatch, "\(e.name): image is for \(c.name) but the bootloader is for \(b.name)"))
                }
            }
        }
        let chipCounts = Set(layout.apps.compactMap { $0.image?.chip?.name })
        if layout.chip == nil, chipCounts.count == 1 { layout.chip = layout.apps.compactMap { $0.image?.chip }.first }

        // Boot decision.
        if let t = layout.table {
            if t.bootloaderAccepts {
                let verdicts = Dictionary(layout.apps.map { ($0.partition, $0.verdict) }, uniquingKeysWith: { a, _ in a })
                layout.boot = BootDecision.decide(slots: slots, otadata: layout.otadata, rollback: layout.options.rollback,
                                                   mmapLimit: layout.bootloader?.chip == .esp32 ? esp32BootloaderMmapLimit : nil) {
                    verdicts[$0] ?? BootVerdict(failure: .notAnApp)
                }
            } else {
                layout.boot = BootDecision(.tableRejected(reason: t.bootloaderReason ?? "invalid"))
            }
        } else {
            layout.boot = BootDecision(.noTable(covered: s.count >= defaultPartitionTableOffset + partitionTableMaxLength))
        }

        // bootloader_check_bootloader_validity: the bootloader checks its own minimum chip revision first.
        if let bl = layout.bootloader, let w = layout.rules.chipWindow(bl.image, isBootloader: true) {
            let given = layout.options.chipRevision
            // A given revision is judged as given (min ≤ rev, as the C code does), even outside the family's
            // known range; "impossible" only speaks for a chip whose revision is not known.
            if given.map({ !w.admits($0) }) ?? w.impossible {
                layout.boot = BootDecision(.bootloaderRefusesChip(window: w, actual: given))
            } else if given == nil && w.restrictive {
                layout.bootloaderRequirement = RevisionRequirement(kind: .chip, window: w)
            }
        }

        if bootOnly { layout.diagnostics = diags; return }
        // Stray otadata-like sectors outside known partitions (stale, or readable next to ciphertext).
        layout.strayOTA = strayOTAEntries(s, known: layout.partitions.map { Int($0.entry.offset)..<Int($0.entry.end) } + [tableOffset.map { $0..<($0 + 0x1000) } ?? 0..<0])
        if layout.bootloader == nil && layout.table == nil, let enc = encryptionHint(s) {
            // One clear finding instead of "no bootloader" plus "no table": both are ciphertext.
            layout.encryption = enc
            diags.removeAll { $0.code == .bootloaderNotFound || $0.code == .tableNotFound }
            diags.insert(.warning(enc.highEntropy.first?.lowerBound, .flashEncrypted, enc.message), at: 0)
            layout.boot = BootDecision(.encrypted)
        }
        analyzeSecurity(s, into: &layout, diags: &diags)
        layout.diagnostics = diags
        analyzeContents(s, into: &layout)
    }

    /// The rules of the bootloader in the image (its `esp_bootloader_desc_t`), or of `--bootloader-idf`.
    static func rules(for bootloader: AppImage?, options: AnalysisOptions) -> BootloaderRules {
        let chip = bootloader?.chip
        if let v = options.bootloaderIDF { return BootloaderRules(version: v, source: .option, chip: chip) }
        guard let bootloader else { return BootloaderRules(version: nil, source: .unknown, chip: chip) }
        guard let desc = bootloader.bootloaderDescriptor else {
            // The newest release it can be from; the others are compared afterwards (FlashLayout+Releases.swift).
            let newest = BootloaderRules.preDescriptorReleases(bootloader).spans.last?.first ?? BootloaderRules.preDescriptorVersion
            return BootloaderRules(assumed: newest, chip: chip)
        }
        let v = IDFVersion(parsing: desc.idfVersion)
        return BootloaderRules(version: v, source: v == nil ? .unknown : .bootloaderDescriptor, chip: chip)
    }

    /// Sectors outside `known` whose first 32 bytes are an otadata entry with a correct CRC and whose
    /// rest is erased: left-overs a reader of an encrypted or re-partitioned dump wants to see.
    static func strayOTAEntries(_ s: some ByteSource, known: [Range<Int>]) -> [StrayOTAEntry] {
        var out: [StrayOTAEntry] = []
        var offset = 0x1000
        let end = Swift.min(s.count, 16 << 20)
        while offset + otadataSectorSize <= end {
            defer { offset += otadataSectorSize }
            if known.contains(where: { $0.contains(offset) }) { continue }
            guard let b = s.bytes(at: offset, length: otaEntrySize), let e = OTAEntry(b), !e.seqErased, e.crcOK,
                  s.isAll(0xFF, in: (offset + otaEntrySize)..<(offset + otadataSectorSize)) else { continue }
            out.append(StrayOTAEntry(offset: offset, entry: e))
        }
        return out
    }

    /// "likely flash-encrypted": the bootloader's and the table's sectors hold random-looking bytes
    /// (a plaintext image or table never does). Looks at the first 16 MiB in 4 KiB blocks.
    static func encryptionHint(_ s: some ByteSource) -> EncryptionHint? {
        let block = 0x1000
        let end = Swift.min(s.count, 16 << 20)
        var ranges: [Range<Int>] = []
        var repeating: [Range<Int>] = []
        var offset = 0
        while offset < end {
            let upper = Swift.min(offset + block, end)
            let bytes = s.bytes(offset..<upper)
            if entropy(bytes) > 7.2 {
                if let last = ranges.last, last.upperBound == offset { ranges[ranges.count - 1] = last.lowerBound..<upper }
                else { ranges.append(offset..<upper) }
            } else if repeatsCipherBlock(bytes) {
                if let last = repeating.last, last.upperBound == offset { repeating[repeating.count - 1] = last.lowerBound..<upper }
                else { repeating.append(offset..<upper) }
            }
            offset = upper
        }
        func random(_ at: Int) -> Bool { ranges.contains { $0.contains(at) } || repeating.contains { $0.contains(at) } }
        // Where a bootloader would start (0x0 on newer chips, 0x1000 on the ESP32) and the table at 0x8000.
        guard random(0x1000) || random(0x0), random(defaultPartitionTableOffset) else { return nil }
        return EncryptionHint(highEntropy: ranges, repeatingPattern: repeating)
    }

    /// A sector where one random-looking 16-byte block (≥ 10 distinct byte values) recurs at least 8 times:
    /// erased flash encrypted without an address tweak (ESP32 with FLASH_CRYPT_CONF 0 is plain AES-ECB, so
    /// every 0xFF block becomes the same ciphertext) — entropy alone misses it.
    static func repeatsCipherBlock(_ b: [UInt8]) -> Bool {
        var counts: [ArraySlice<UInt8>: Int] = [:]
        var i = 0
        while i + 16 <= b.count {
            let blk = b[i..<(i + 16)]
            if Set(blk).count >= 10 {
                counts[blk, default: 0] += 1
                if counts[blk]! >= 8 { return true }
            }
            i += 16
        }
        return false
    }

    /// Well-known file formats that are certainly not flash images (checked only when nothing ESP was found).
    static func foreignFormat(_ s: some ByteSource) -> String? {
        let head = s.bytes(0..<Swift.min(s.count, 8))
        func starts(_ m: [UInt8]) -> Bool { head.count >= m.count && Array(head.prefix(m.count)) == m }
        let known: [([UInt8], String)] = [
            ([0x7F, 0x45, 0x4C, 0x46], "an ELF file (build the app image with esptool elf2image or idf.py first)"),
            ([0x50, 0x4B, 0x03, 0x04], "a ZIP archive"), ([0x1F, 0x8B], "a gzip file"),
            ([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], "an xz file"), ([0x42, 0x5A, 0x68], "a bzip2 file"),
            ([0x28, 0xB5, 0x2F, 0xFD], "a zstd file"), ([0x89, 0x50, 0x4E, 0x47], "a PNG image"),
            ([0xFF, 0xD8, 0xFF], "a JPEG image"), ([0x25, 0x50, 0x44, 0x46], "a PDF document"),
            (Array("#!".utf8), "a script"),
        ]
        if let k = known.first(where: { starts($0.0) }) { return k.1 }
        if s.count >= 262, s.bytes(257..<262) == Array("ustar".utf8) { return "a tar archive" }
        let text = s.bytes(0..<Swift.min(s.count, 512))
        if text.allSatisfy({ (0x20...0x7E).contains($0) || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            if text.first == 0x3A { return "an Intel HEX file (convert it to a binary first)" }
            return "a text file (for a partition CSV use flashscope table --from-csv)"
        }
        return nil
    }

    static func entropy(_ b: [UInt8]) -> Double { PartitionContent.entropy(b) }
}

/// Digests not computed (for cheap structural probes).
struct NoDigests: DigestProvider {
    func sha256(_ range: Range<Int>) -> [UInt8] { [] }
    func xorChecksum(_ ranges: [Range<Int>]) -> UInt8 { 0 }
}

/// ESP32's `bootloader_mmap` limit (MMU_SIZE in bootloader_flash.c, v4.4 … v6.0): otadata is mapped whole.
let esp32BootloaderMmapLimit = 0x320000
