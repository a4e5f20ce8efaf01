/// The one image check: what `esp_image_verify` / `image_load` (esp_image_format.c) decides about the
/// image in an app partition, for one bootloader build and one chip. `info`, `stage`, `set-boot` and the
/// TUI all judge images through `ImageVerifier.verify`, with the inputs in `VerifyContext`.

/// Everything the verdict depends on besides the bytes.
public struct VerifyContext: Sendable, Equatable {
    /// Which release's rules (and the bootloader's chip).
    public var rules: BootloaderRules
    /// The flash size the bootloader configured (`update_flash_config`), for the MMU page default.
    public var flashSize: Int?
    /// The chip's revision, when known (`--chip-rev`); else every revision of the family is considered.
    public var chipRevision: ChipRevision?
    /// The chip's eFuse block revision, when known (`--efuse-blk-rev`).
    public var efuseBlockRevision: ChipRevision?

    public init(rules: BootloaderRules, flashSize: Int?, chipRevision: ChipRevision? = nil, efuseBlockRevision: ChipRevision? = nil) {
        self.rules = rules; self.flashSize = flashSize
        self.chipRevision = chipRevision; self.efuseBlockRevision = efuseBlockRevision
    }

    public var chip: Chip? { rules.chip }
}

/// A revision window an image needs that not every chip of the family meets.
public struct RevisionRequirement: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// `min_chip_rev_full` / `max_chip_rev_full` (image header).
        case chip
        /// `min_efuse_blk_rev_full` / `max_efuse_blk_rev_full` (app descriptor).
        case efuseBlock = "efuse_blk"
    }
    public let kind: Kind
    public let window: RevisionWindow
    public init(kind: Kind, window: RevisionWindow) { self.kind = kind; self.window = window }
    /// "needs chip ≥ v3.0", "needs eFuse block rev ≤ v1.99".
    public var words: String { "needs \(kind == .chip ? "chip" : "eFuse block rev") \(window.words)" }
}

public enum ImageVerifier {
    /// Reads what is in `partition` and judges it as the bootloader would.
    public static func verify<S: ByteSource>(_ source: S, partition: PartitionEntry, presence: Presence,
                                              context: VerifyContext, digests: any DigestProvider) -> (ImageSlot, BootVerdict) {
        let offset = Int(partition.offset), size = Int(partition.size)
        guard presence != .absent else { return (.absent, judge(.absent, partitionSize: size, context: context)) }
        let page = context.rules.mmuPage(flashSize: context.flashSize, appPageLog2: AppImage.peekMMUPageLog2(source, at: offset))
        let content = AppImage.inspect(source, at: offset, limit: size, mmuPageSize: page, digests: digests)
        return (content, judge(content, partitionSize: size, context: context))
    }

    /// The verdict on what a partition holds, first failing check first (`image_load` order).
    public static func judge(_ content: ImageSlot, partitionSize: Int, context: VerifyContext) -> BootVerdict {
        let rules = context.rules
        // image_load: the partition size is the first thing checked.
        if let limit = rules.partitionSizeLimit, partitionSize > limit {
            return BootVerdict(failure: .partitionTooLarge(size: partitionSize, limit: limit))
        }
        let img: AppImage
        switch content {
        case .absent: return BootVerdict(failure: .absent)
        case .erased: return BootVerdict(failure: .erased)
        case .noImage(let m): return BootVerdict(failure: .noImage(magic: m))
        case .image(let i): img = i
        }
        // verify_image_header: chip id, then the revision window.
        if let c = img.chip, let b = context.chip, c != b { return BootVerdict(failure: .chipMismatch(image: c.id, bootloader: b.id)) }
        var requirements: [RevisionRequirement] = []
        if let w = rules.chipWindow(img, isBootloader: false) {
            if let failure = revisionFailure(.chip, w, given: context.chipRevision) { return BootVerdict(failure: failure) }
            if context.chipRevision == nil && w.restrictive { requirements.append(RevisionRequirement(kind: .chip, window: w)) }
        }
        // process_segments: the first structural error the bytes decide, in flash order (segment count,
        // segment lengths, MMU alignment, segments or digest past the partition's end).
        if let err = img.diagnostics.filter({ $0.severity == .error && structuralCodes.contains($0.code) })
            .min(by: { ($0.offset ?? 0) < ($1.offset ?? 0) }) {
            return BootVerdict(failure: .invalid(code: err.code, offset: err.offset, message: err.message), requirements: requirements)
        }
        if rules.readsMMUPageFromApp, img.appDescriptor == nil, !img.segments.isEmpty {
            // verify_segment_header reads the page size from the descriptor and refuses an app without one.
            return BootVerdict(failure: .noAppDescriptor, requirements: requirements)
        }
        if let minimum = rules.segment0MinimumLength, let seg0 = img.segments.first, Int(seg0.length) < minimum {
            return BootVerdict(failure: .segment0TooShort(length: Int(seg0.length), minimum: minimum), requirements: requirements)
        }
        // process_segment_data, segment 0: the eFuse block window from the app descriptor.
        if let w = rules.efuseBlockWindow(img) {
            if let failure = revisionFailure(.efuseBlock, w, given: context.efuseBlockRevision) { return BootVerdict(failure: failure) }
            if context.efuseBlockRevision == nil && w.restrictive { requirements.append(RevisionRequirement(kind: .efuseBlock, window: w)) }
        }
        if img.truncated { return BootVerdict(failure: .cutByFileEnd, requirements: requirements) }
        if let s = img.checksumStored, let c = img.checksumComputed, s != c {
            return BootVerdict(failure: .checksumMismatch(stored: s, computed: c), requirements: requirements)
        }
        // process_appended_hash_and_sig: the image (with its signature sector) must fit the partition.
        if let len = img.lengthWithSignature ?? img.length, len > partitionSize {
            return BootVerdict(failure: .doesNotFit(length: len, partitionSize: partitionSize), requirements: requirements)
        }
        if img.hashValid == false, let s = img.sha256Stored, let c = img.sha256Computed {
            return BootVerdict(failure: .sha256Mismatch(stored: s, computed: c), requirements: requirements)
        }
        // Verified. unpack_load_app then maps the app; on shared I/D MMU chips it asserts unless exactly two
        // segments are flash-mapped (padding segments, load address < 0x10000000, do not count).
        if rules.requiresTwoMappedSegments, let chip = img.chip {
            let mapped = img.segments.filter { $0.loadAddress >= 0x1000_0000 && chip.isFlashMapped($0.loadAddress) }.count
            if mapped != 2 { return BootVerdict(failure: .mappedSegmentCount(mapped), requirements: requirements) }
        }
        return BootVerdict(failure: nil, requirements: requirements)
    }

    /// Findings that make the bootloader refuse the image and that the bytes in the file decide.
    static let structuralCodes: Set<DiagnosticCode> = [
        .imageUnknownChip, .imageTooManySegments, .imageSegmentHeaderPastPartition, .imageSegmentLength,
        .imageSegmentPastPartition, .imageMMUMisaligned, .imageChecksumPastPartition, .imageSHA256PastPartition,
    ]

    static func revisionFailure(_ kind: RevisionRequirement.Kind, _ w: RevisionWindow, given: ChipRevision?) -> ImageProblem? {
        if let given { return w.admits(given) ? nil : .revisionOutsideWindow(kind: kind, window: w, actual: given) }
        return w.impossible ? .revisionImpossible(kind: kind, window: w) : nil
    }
}

extension AppImage {
    /// `esp_app_desc_t.mmu_page_size` of the image at `offset`, read without parsing the image (nil when
    /// there is no descriptor at image offset 0x20).
    public static func peekMMUPageLog2<S: ByteSource>(_ s: S, at offset: Int) -> UInt8? {
        guard s.u8(at: offset) == imageMagic, s.u32(at: offset + 0x20) == appDescriptorMagic else { return nil }
        return s.u8(at: offset + 0x20 + AppDescriptor.mmuPageSizeOffset)
    }
}
