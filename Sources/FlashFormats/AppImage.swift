/// ESP-IDF application and bootloader images (`esp_image_header_t`, segments, checksum, appended SHA-256,
/// `esp_app_desc_t`, `esp_bootloader_desc_t`, Secure Boot signature blocks).
///
/// Mirrors `components/bootloader_support/src/esp_image_format.c` (what the bootloader verifies) and
/// esptool's `image-info` (what it reports). Parsing never traps: a short or hostile image yields
/// whatever could be read plus diagnostics.

/// 0xE9, `ESP_IMAGE_HEADER_MAGIC`.
public let imageMagic: UInt8 = 0xE9
/// `ESP_IMAGE_MAX_SEGMENTS`.
public let imageMaxSegments = 16
/// Seed of the XOR checksum, `ESP_CHECKSUM_MAGIC`.
public let imageChecksumSeed: UInt8 = 0xEF
/// `esp_app_desc_t.magic_word`.
public let appDescriptorMagic: UInt32 = 0xABCD_5432
/// `esp_bootloader_desc_t.magic_byte`.
public let bootloaderDescriptorMagic: UInt8 = 0x50
/// Segment data length limit checked by `verify_segment_header` (16 MiB).
let segmentLengthLimit: UInt32 = 16 << 20

extension DiagnosticCode {
    public static let imageHeaderTruncated: DiagnosticCode = "image_header_truncated"
    public static let imageUnknownChip: DiagnosticCode = "image_unknown_chip"
    public static let imageTooManySegments: DiagnosticCode = "image_too_many_segments"
    public static let imageHashAppendedByte: DiagnosticCode = "image_hash_appended_byte"
    public static let imageFlashSizeCode: DiagnosticCode = "image_flash_size_code"
    public static let imageFlashFrequencyCode: DiagnosticCode = "image_flash_frequency_code"
    public static let imageSegmentHeaderTruncated: DiagnosticCode = "image_segment_header_truncated"
    public static let imageSegmentHeaderPastPartition: DiagnosticCode = "image_segment_header_past_partition"
    public static let imageSegmentLength: DiagnosticCode = "image_segment_length"
    public static let imageSegmentTruncated: DiagnosticCode = "image_segment_truncated"
    public static let imageSegmentPastPartition: DiagnosticCode = "image_segment_past_partition"
    public static let imageChecksumMismatch: DiagnosticCode = "image_checksum_mismatch"
    public static let imageChecksumTruncated: DiagnosticCode = "image_checksum_truncated"
    public static let imageChecksumPastPartition: DiagnosticCode = "image_checksum_past_partition"
    public static let imageSHA256Mismatch: DiagnosticCode = "image_sha256_mismatch"
    public static let imageSHA256Truncated: DiagnosticCode = "image_sha256_truncated"
    public static let imageSHA256PastPartition: DiagnosticCode = "image_sha256_past_partition"
    public static let imageSegment0ShortForAppDesc: DiagnosticCode = "image_segment0_short_for_app_desc"
    public static let imageMMUMisaligned: DiagnosticCode = "image_mmu_misaligned"
    public static let imageMMUPageDiffers: DiagnosticCode = "image_mmu_page_differs"
}

public struct ImageSegment: Sendable, Equatable {
    public let index: Int
    public let loadAddress: UInt32
    public let length: UInt32
    /// Offset of the 8-byte segment header from the image start (esptool's "File offs").
    public let headerOffset: Int
    /// Offset of the segment data from the image start.
    public var dataOffset: Int { headerOffset + 8 }
    /// True when the file ends inside the segment's data.
    public let truncated: Bool
}

/// `esp_app_desc_t` (256 bytes at image offset 0x20).
public struct AppDescriptor: Sendable, Equatable {
    public let secureVersion: UInt32
    public let version: String
    public let projectName: String
    public let time: String
    public let date: String
    public let idfVersion: String
    public let elfSHA256: [UInt8]
    public let minEfuseBlockRevision: UInt16
    public let maxEfuseBlockRevision: UInt16
    /// log2 of the MMU page size (v5.4+); 0 when not recorded.
    public let mmuPageSizeLog2: UInt8
    public static let size = 256
    /// Offsets inside the descriptor.
    public static let efuseBlockRevisionOffset = 176
    public static let mmuPageSizeOffset = 180
}

/// `esp_bootloader_desc_t` (80 bytes at image offset 0x20 of a v5.2+ bootloader).
public struct BootloaderDescriptor: Sendable, Equatable {
    public let secureVersion: UInt8
    public let version: UInt32
    public let idfVersion: String
    public let dateTime: String
}

public struct AppImage: Sendable {
    /// Where the image starts in its source.
    public let offset: Int
    public let segmentCount: UInt8
    public let flash: FlashParams
    public let entry: UInt32
    public let wpPin: UInt8
    public let pinDrive: [UInt8]
    public let chipID: UInt16
    public let minChipRevision: UInt8
    public let minChipRevisionFull: UInt16
    public let maxChipRevisionFull: UInt16
    /// Header byte 23; the bootloader treats any non-zero value as "hash appended".
    public let hashAppendedByte: UInt8
    public let segments: [ImageSegment]
    /// Offset of the checksum byte from the image start, once all segments were read.
    public let checksumOffset: Int?
    public let checksumStored: UInt8?
    public let checksumComputed: UInt8?
    public let sha256Stored: [UInt8]?
    public let sha256Computed: [UInt8]?
    /// Bytes the bootloader reads: header through checksum, plus the digest when appended.
    public let length: Int?
    public let appDescriptor: AppDescriptor?
    /// `min_efuse_blk_rev_full` and `max_efuse_blk_rev_full` as the bootloader reads them: bytes 176–179
    /// of segment 0's data, whether or not the descriptor magic is there (nil when segment 0 is shorter).
    public let segment0EfuseBlockRevisions: (min: UInt16, max: UInt16)?
    public let bootloaderDescriptor: BootloaderDescriptor?
    /// The Secure Boot V2 signature sector or V1 signature after the image (SecureBoot.swift), verified.
    public let secureBoot: ImageSignature?
    public let diagnostics: [Diagnostic]
    /// The file ends before the image does.
    public let truncated: Bool

    public var chip: Chip? { Chip.from(id: chipID) }
    public var hashAppended: Bool { hashAppendedByte != 0 }
    public var checksumValid: Bool? {
        guard let s = checksumStored, let c = checksumComputed else { return nil }
        return s == c
    }
    public var hashValid: Bool? {
        guard hashAppended else { return nil }
        guard let s = sha256Stored, let c = sha256Computed else { return nil }
        return s == c
    }
    /// Length including a Secure Boot V2 signature sector, when one is present.
    public var lengthWithSignature: Int? {
        guard let length else { return nil }
        if let sig = secureBoot { return sig.end - offset }
        return length
    }
    /// No error-level diagnostic: everything the bootloader checks without eFuses passes.
    public var structurallyValid: Bool { !diagnostics.contains { $0.severity == .error } }
    /// Codes of findings that only mean "the file ends here": on the device the bytes go on.
    public static let fileEndCodes: Set<DiagnosticCode> = [.imageHeaderTruncated, .imageSegmentHeaderTruncated,
                                                           .imageSegmentTruncated, .imageChecksumTruncated, .imageSHA256Truncated]
    /// The first error the bootloader would stop at that the bytes in the file decide (not a file end).
    public var firstDecidedError: Diagnostic? {
        diagnostics.first { $0.severity == .error && !Self.fileEndCodes.contains($0.code) }
    }
}

/// What an app slot (or any region expected to hold an image) contains.
public enum ImageSlot: Sendable {
    /// No byte of the region is in the file.
    case absent
    /// The first bytes are all 0xFF: nothing flashed here.
    case erased
    /// Something other than an image header (the byte found at offset 0).
    case noImage(magic: UInt8)
    case image(AppImage)

    public var image: AppImage? { if case .image(let i) = self { return i } else { return nil } }
}

/// Computes digests for the parser; a document can cache them.
public protocol DigestProvider {
    func sha256(_ range: Range<Int>) -> [UInt8]
    func xorChecksum(_ ranges: [Range<Int>]) -> UInt8
}

/// Digests computed straight from a source, no caching.
public struct DirectDigests<S: ByteSource>: DigestProvider {
    public let source: S
    public init(_ source: S) { self.source = source }
    public func sha256(_ range: Range<Int>) -> [UInt8] { Checksums.sha256(source, range) }
    public func xorChecksum(_ ranges: [Range<Int>]) -> UInt8 { Checksums.xorChecksum(source, ranges: ranges) }
}

extension AppImage {
    /// Reads what is at `offset`: absent, erased, not an image, or an image.
    /// - Parameters:
    ///   - limit: the region's size (partition size); bytes past it are not part of the image.
    ///   - flashAddress: the absolute flash address of the image, for the MMU alignment rule
    ///     (defaults to `offset`).
    ///   - isBootloader: look for `esp_bootloader_desc_t` instead of `esp_app_desc_t`.
    ///   - mmuPageSize: the verifier's `SPI_FLASH_MMU_PAGE_SIZE`; by default what a default build for the
    ///     image's own header flash size uses.
    public static func inspect<S: ByteSource>(_ source: S, at offset: Int, limit: Int? = nil,
                                              flashAddress: Int? = nil, isBootloader: Bool = false,
                                              mmuPageSize: Int? = nil,
                                              digests: (any DigestProvider)? = nil) -> ImageSlot {
        guard offset >= 0, offset < source.count else { return .absent }
        let probeEnd = offset + Swift.min(32, limit ?? 32)
        guard let first = source.u8(at: offset) else { return .absent }
        if first == 0xFF && source.isAll(0xFF, in: offset..<probeEnd) { return .erased }
        guard first == imageMagic else { return .noImage(magic: first) }
        return .image(parse(source, at: offset, limit: limit, flashAddress: flashAddress ?? offset,
                            isBootloader: isBootloader, mmuPageSize: mmuPageSize, digests: digests ?? DirectDigests(source)))
    }

    static func parse<S: ByteSource>(_ s: S, at base: Int, limit: Int?, flashAddress: Int,
                                     isBootloader: Bool, mmuPageSize: Int?, digests: any DigestProvider) -> AppImage {
        var diags: [Diagnostic] = []
        // Everything the image may use: to the region's end, or the file's.
        let regionEnd = limit.flatMap { base.addingReportingOverflowChecked(Swift.max(0, $0)) }.map { Swift.min($0, Int.max) } ?? Int.max
        let available = Swift.min(s.count, regionEnd)
        func have(_ rel: Int, _ n: Int) -> Bool { base + rel + n <= available }

        let header = s.bytes(base..<Swift.min(base + 24, available))
        var truncated = false
        if header.count < 24 {
            truncated = true
            diags.append(.error(base, .imageHeaderTruncated, "image header cut short: \(header.count) of 24 bytes in the file"))
        }
        func hb(_ i: Int) -> UInt8 { i < header.count ? header[i] : 0 }
        func h16(_ i: Int) -> UInt16 { UInt16(hb(i)) | UInt16(hb(i + 1)) << 8 }
        func h32(_ i: Int) -> UInt32 { UInt32(h16(i)) | UInt32(h16(i + 2)) << 16 }

        let segCount = hb(1)
        let flash = FlashParams(modeByte: hb(2), sizeFreqByte: hb(3))
        let chipID = h16(12)
        let chip = Chip.from(id: chipID)
        let hashByte = hb(23)
        if header.count >= 24 {
            if chip == nil { diags.append(.error(base + 12, .imageUnknownChip, "unknown chip id \(chipID)")) }
            if Int(segCount) > imageMaxSegments {
                diags.append(.error(base + 1, .imageTooManySegments, "\(segCount) segments: the bootloader accepts at most \(imageMaxSegments)"))
            }
            if hashByte > 1 { diags.append(.warning(base + 23, .imageHashAppendedByte, "hash_appended byte is \(Hex.short(hashByte)) (esptool expects 0 or 1; the bootloader treats it as set)")) }
            if flash.flashSize == nil { diags.append(.warning(base + 3, .imageFlashSizeCode, "invalid flash size code \(Hex.short(flash.sizeCode))")) }
            if let chip, chip.flashFrequencyName(flash.frequencyCode) == nil {
                diags.append(.info(base + 3, .imageFlashFrequencyCode, "flash frequency code \(Hex.short(flash.frequencyCode)) has no esptool name for \(chip.name)"))
            }
        }

        // Segments.
        var segments: [ImageSegment] = []
        var cursor = 24
        var complete = header.count >= 24
        var mapped: [(index: Int, at: Int, flash: Int, load: UInt32)] = []
        if complete {
            for i in 0..<Int(segCount) {
                guard have(cursor, 8) else {
                    truncated = base + cursor + 8 > s.count
                    diags.append(.error(base + cursor, truncated ? .imageSegmentHeaderTruncated : .imageSegmentHeaderPastPartition, truncated
                        ? "file ends inside the header of segment \(i)"
                        : "segment \(i) header lies past the end of the partition"))
                    complete = false
                    break
                }
                let load = s.u32(at: base + cursor) ?? 0
                let len = s.u32(at: base + cursor + 4) ?? 0
                let dataStart = cursor + 8
                let (dataEnd, overflow) = dataStart.addingReportingOverflow(Int(len))
                let fits = !overflow && base + dataEnd <= available
                let cut = !fits && (overflow || base + dataEnd > s.count)
                segments.append(ImageSegment(index: i, loadAddress: load, length: len, headerOffset: cursor, truncated: !fits))
                if len & 3 != 0 || len >= segmentLengthLimit {
                    diags.append(.error(base + cursor + 4, .imageSegmentLength, "segment \(i): invalid length \(Hex.short(len))"))
                }
                if let chip, chip.isFlashMapped(load) {
                    mapped.append((i, base + cursor, flashAddress + dataStart, load))
                }
                if !fits {
                    truncated = truncated || cut
                    diags.append(.error(base + dataStart, cut ? .imageSegmentTruncated : .imageSegmentPastPartition, cut
                        ? "file ends inside segment \(i) (\(Hex.short(load)), \(len) bytes)"
                        : "segment \(i) (\(Hex.short(load)), \(len) bytes) runs past the end of the partition"))
                    complete = false
                    break
                }
                cursor = dataEnd
            }
        }

        // Checksum and digest.
        var checksumOffset: Int?
        var checksumStored: UInt8?
        var checksumComputed: UInt8?
        var shaStored: [UInt8]?
        var shaComputed: [UInt8]?
        var length: Int?
        if complete {
            let padded = (cursor + 16) & ~15
            checksumOffset = padded - 1
            if have(padded - 1, 1) {
                checksumStored = s.u8(at: base + padded - 1)
                checksumComputed = digests.xorChecksum(segments.map { (base + $0.dataOffset)..<(base + $0.dataOffset + Int($0.length)) })
                if checksumStored != checksumComputed {
                    diags.append(.error(base + padded - 1, .imageChecksumMismatch, "checksum \(Hex.padded(checksumStored!, 2)) invalid, calculated \(Hex.padded(checksumComputed!, 2))"))
                }
                length = padded
                if hashByte != 0 {
                    if have(padded, 32) {
                        shaStored = s.bytes(at: base + padded, length: 32)
                        shaComputed = digests.sha256(base..<(base + padded))
                        if shaStored != shaComputed { diags.append(.error(base + padded, .imageSHA256Mismatch, "SHA-256 digest does not match the image")) }
                        length = padded + 32
                    } else {
                        let cut = base + padded + 32 > s.count
                        truncated = truncated || cut
                        diags.append(.error(base + padded, cut ? .imageSHA256Truncated : .imageSHA256PastPartition,
                                            "image ends before its appended SHA-256"))
                        length = nil
                    }
                }
            } else {
                let cut = base + padded > s.count
                truncated = truncated || cut
                diags.append(.error(base + padded - 1, cut ? .imageChecksumTruncated : .imageChecksumPastPartition,
                                    "image ends before its checksum byte"))
            }
        }

        // Descriptors at image offset 0x20, inside segment 0.
        var appDesc: AppDescriptor?
        var blDesc: BootloaderDescriptor?
        if let seg0 = segments.first {
            if isBootloader {
                if seg0.length >= 80, have(0x20, 80), s.u8(at: base + 0x20) == bootloaderDescriptorMagic {
                    blDesc = readBootloaderDescriptor(s, base + 0x20)
                }
            } else if s.u32(at: base + 0x20) == appDescriptorMagic, have(0x20, AppDescriptor.size) {
                appDesc = readAppDescriptor(s, base + 0x20)
                if seg0.length < UInt32(AppDescriptor.size) {
                    diags.append(.info(base + 0x20, .imageSegment0ShortForAppDesc, "segment 0 is shorter than esp_app_desc_t"))
                }
            }
        }

        var efuseRevs: (min: UInt16, max: UInt16)?
        if !isBootloader, let seg0 = segments.first, seg0.length >= UInt32(AppDescriptor.efuseBlockRevisionOffset + 4),
           let lo = s.u16(at: base + seg0.dataOffset + AppDescriptor.efuseBlockRevisionOffset),
           let hi = s.u16(at: base + seg0.dataOffset + AppDescriptor.efuseBlockRevisionOffset + 2) {
            efuseRevs = (lo, hi)
        }

        // MMU rule (verify_segment_header): flash and load address agree modulo the page the verifier uses
        // (the caller passes it from BootloaderRules.mmuPage: from v5.4 configurable chips take it from
        // esp_app_desc_t; by default, a default build of the newest release for this flash size).
        if let chip, !mapped.isEmpty {
            let page = mmuPageSize ?? chip.defaultMMUPageSize(flashSize: flash.flashSize)
            for m in mapped where m.flash % page != Int(m.load) % page {
                diags.append(.error(m.at, .imageMMUMisaligned, "segment \(m.index) load address \(Hex.short(m.load)) doesn't match data \(Hex.short(m.flash)) modulo the \(page >> 10) KiB MMU page"))
            }
            if let log2 = appDesc?.mmuPageSizeLog2, log2 >= 12, log2 <= 20, 1 << Int(log2) != page {
                diags.append(.warning(base + 0x20 + 180, .imageMMUPageDiffers, "the app was built for \((1 << Int(log2)) >> 10) KiB MMU pages; a default bootloader for this flash size uses \(page >> 10) KiB"))
            }
        }

        // Signatures after the image: a V2 sector at ALIGN_UP(end, 4 KiB), else (ESP32) a V1 signature at the end.
        var signature: ImageSignature?
        if let length {
            if let sector = SecureBoot.sector(s, imageStart: base, imageLength: length, available: available, digests: digests) {
                signature = .v2(sector)
                for blk in sector.blocks {
                    let name = "Secure Boot V2 block \(blk.index)"
                    if !blk.crcOK { diags.append(.warning(blk.offset + 1196, .secureBootBlockBadCRC, "\(name): CRC \(Hex.padded(blk.crcStored, 8)) does not match \(Hex.padded(blk.crcComputed, 8)); the ROM skips this block")) }
                    if blk.scheme == nil { diags.append(.warning(blk.offset + 1, .secureBootBlockUnknown, "\(name): unknown version \(Hex.short(blk.version)) or curve; the ROM skips this block")) }
                    if blk.digestOK == false { diags.append(.warning(blk.offset + 4, .secureBootDigestMismatch, "\(name): image digest in the block does not match the signed bytes")) }
                    if blk.signatureValid == false { diags.append(.warning(blk.offset, .secureBootSignatureInvalid, "\(name): signature does not verify with the block's key over the image as it is")) }
                    if blk.signatureValid == nil, blk.scheme != nil, let why = blk.unverifiedReason {
                        diags.append(.info(blk.offset, .secureBootSignatureUnverified, "\(name): signature not verified: \(why)"))
                    }
                }
            } else if chipID == 0, let v1 = SecureBoot.v1Signature(s, at: base + length, signedStart: base, available: available) {
                signature = .v1(v1)
            }
        }

        return AppImage(offset: base, segmentCount: segCount, flash: flash, entry: h32(4), wpPin: hb(8),
                        pinDrive: [hb(9), hb(10), hb(11)], chipID: chipID, minChipRevision: hb(14),
                        minChipRevisionFull: UInt16(hb(15)) | UInt16(hb(16)) << 8,
                        maxChipRevisionFull: UInt16(hb(17)) | UInt16(hb(18)) << 8,
                        hashAppendedByte: hashByte, segments: segments, checksumOffset: checksumOffset,
                        checksumStored: checksumStored, checksumComputed: checksumComputed,
                        sha256Stored: shaStored, sha256Computed: shaComputed, length: length,
                        appDescriptor: appDesc, segment0EfuseBlockRevisions: efuseRevs,
                        bootloaderDescriptor: blDesc, secureBoot: signature,
                        diagnostics: diags, truncated: truncated)
    }

    /// A fixed-size C string: bytes up to the first NUL, decoded as UTF-8 (invalid bytes replaced).
    static func cString(_ b: [UInt8]) -> String {
        let cut = b.firstIndex(of: 0).map { Array(b[..<$0]) } ?? b
        return String(decoding: cut, as: UTF8.self)
    }

    static func readAppDescriptor<S: ByteSource>(_ s: S, _ at: Int) -> AppDescriptor? {
        guard let d = s.bytes(at: at, length: AppDescriptor.size) else { return nil }
        let a = ByteArray(d)
        return AppDescriptor(secureVersion: a.u32(at: 4) ?? 0,
                             version: cString(Array(d[16..<48])), projectName: cString(Array(d[48..<80])),
                             time: cString(Array(d[80..<96])), date: cString(Array(d[96..<112])),
                             idfVersion: cString(Array(d[112..<144])), elfSHA256: Array(d[144..<176]),
                             minEfuseBlockRevision: a.u16(at: 176) ?? 0, maxEfuseBlockRevision: a.u16(at: 178) ?? 0,
                             mmuPageSizeLog2: d[180])
    }

    static func readBootloaderDescriptor<S: ByteSource>(_ s: S, _ at: Int) -> BootloaderDescriptor? {
        guard let d = s.bytes(at: at, length: 80) else { return nil }
        return BootloaderDescriptor(secureVersion: d[3], version: ByteArray(d).u32(at: 4) ?? 0,
                                    idfVersion: cString(Array(d[8..<40])), dateTime: cString(Array(d[40..<64])))
    }
}

// MARK: - Encoder

/// Builds a valid image the way esptool `elf2image` lays one out: header, segments, zero padding,
/// checksum in the last byte of a 16-byte block, SHA-256 of everything before it.
public struct AppImageBuilder: Sendable {
    public struct Segment: Sendable {
        public var loadAddress: UInt32
        public var data: [UInt8]
        public init(loadAddress: UInt32, data: [UInt8]) { self.loadAddress = loadAddress; self.data = data }
    }
    public var chip: Chip = .esp32
    public var entry: UInt32 = 0x4008_0000
    public var flashModeByte: UInt8 = 2          // DIO
    public var flashSizeFreqByte: UInt8 = 0x20   // 4MB, code 0
    public var segments: [Segment] = []
    public var appendHash = true
    public var minChipRevisionFull: UInt16 = 0
    public var maxChipRevisionFull: UInt16 = 0xFFFF
    /// Header byte 14 (`min_chip_rev`, read by bootloaders before v4.4.5/v5.0.1); default min_full / 100.
    public var legacyMinChipRevision: UInt8?

    public init(chip: Chip = .esp32) { self.chip = chip }

    /// A typical app for `chip`: a DROM segment starting with an `esp_app_desc_t`, a DRAM segment, and an
    /// IROM segment padded so that both flash-mapped segments satisfy the 64 KiB MMU rule when the image
    /// starts on a 64 KiB boundary. `codeSize` sets the IROM segment's length (a multiple of 4).
    public static func typicalApp(chip: Chip = .esp32, project: String, version: String,
                                  idf: String = "v5.5.1", date: String = "Nov 24 2026", time: String = "12:00:00",
                                  secureVersion: UInt32 = 0, codeSize: Int = 0x4000, seed: UInt8 = 1) -> AppImageBuilder {
        var b = AppImageBuilder(chip: chip)
        let map = Self.windows(chip)
        let desc = AppDescriptorBuilder(projectName: project, version: version, idfVersion: idf, date: date,
                                        time: time, secureVersion: secureVersion).bytes()
        var rodata = desc
        rodata += Self.pattern(count: 0x400, seed: seed)
        b.segments.append(Segment(loadAddress: map.drom + 0x20, data: rodata))
        b.segments.append(Segment(loadAddress: map.dram, data: Self.pattern(count: 0x200, seed: seed &+ 1)))
        // Pad so that the IROM data lands at flash offset ≡ (irom + 0x20) mod 64 KiB.
        let usedSoFar = 24 + 8 + rodata.count + 8 + 0x200
        let target = 0x10000 + 0x20
        let padLen = target - usedSoFar - 8 - 8
        b.segments.append(Segment(loadAddress: 0, data: [UInt8](repeating: 0, count: padLen)))
        let code = Swift.max(4, codeSize & ~3)
        b.segments.append(Segment(loadAddress: map.irom + 0x20, data: Self.pattern(count: code, seed: seed &+ 2)))
        b.entry = map.iram
        return b
    }

    /// A valid app of under 1 KiB: a flash-mapped DROM segment that starts with `esp_app_desc_t` and a
    /// DRAM segment; checksum and SHA-256 correct, MMU-consistent on a 64 KiB boundary. The fixture
    /// shape for mutation tests and fuzz seeds, where size matters more than realism.
    public static func smallApp(chip: Chip = .esp32, project: String, version: String, seed: UInt8 = 1,
                                appendHash: Bool = true) -> [UInt8] {
        var b = AppImageBuilder(chip: chip)
        let map = windows(chip)
        let desc = AppDescriptorBuilder(projectName: project, version: version, idfVersion: "v5.5.1",
                                        date: "Nov 24 2026", time: "12:00:00").bytes()
        b.segments = [.init(loadAddress: map.drom + 0x20, data: desc + pattern(count: 0x40, seed: seed)),
                      .init(loadAddress: map.dram, data: pattern(count: 0x40, seed: seed &+ 1))]
        b.appendHash = appendHash
        return b.bytes()
    }

    static func windows(_ chip: Chip) -> (drom: UInt32, irom: UInt32, dram: UInt32, iram: UInt32) {
        switch chip.id {
        case Chip.esp32.id: (0x3F40_0000, 0x400D_0000, 0x3FFB_0000, 0x4008_0000)
        case Chip.esp32s2.id: (0x3F00_0000, 0x4008_0000, 0x3FFB_0000, 0x4002_5000)
        case Chip.esp32s3.id, Chip.esp32c3.id, Chip.esp32c2.id: (0x3C00_0000, 0x4200_0000, 0x3FC8_0000, 0x4037_C000)
        case Chip.esp32c5.id: (0x4200_0000 + 0x80_0000, 0x4200_0000, 0x4080_0000, 0x4080_0000)
        case Chip.esp32p4.id: (0x4000_0000 + 0x80_0000, 0x4000_0000, 0x4FF0_0000, 0x4FF0_0000)
        case Chip.esp32s31.id: (0x4000_0000 + 0x80_0000, 0x4000_0000, 0x4FF0_0000, 0x4FF0_0000)
        default: (0x4280_0000, 0x4200_0000, 0x4080_0000, 0x4080_0000)
        }
    }

    /// Deterministic filler bytes (xorshift), so built images are reproducible.
    public static func pattern(count: Int, seed: UInt8) -> [UInt8] {
        var x = UInt32(seed) &* 2_654_435_761 | 1
        return (0..<count).map { _ in
            x ^= x << 13; x ^= x >> 17; x ^= x << 5
            return UInt8(truncatingIfNeeded: x)
        }
    }

    public func bytes() -> [UInt8] {
        var out: [UInt8] = [imageMagic, UInt8(truncatingIfNeeded: segments.count), flashModeByte, flashSizeFreqByte]
        out.appendLE(entry)
        out += [0xEE, 0, 0, 0]
        out.appendLE(chip.id)
        out.append(legacyMinChipRevision ?? UInt8(truncatingIfNeeded: minChipRevisionFull / 100))
        out.appendLE(minChipRevisionFull)
        out.appendLE(maxChipRevisionFull)
        out += [0, 0, 0, 0]
        out.append(appendHash ? 1 : 0)
        var x = imageChecksumSeed
        for seg in segments {
            var data = seg.data
            while data.count % 4 != 0 { data.append(0) }
            out.appendLE(seg.loadAddress)
            out.appendLE(UInt32(data.count))
            out += data
            for b in data { x ^= b }
        }
        let padded = (out.count + 16) & ~15
        out += [UInt8](repeating: 0, count: padded - out.count - 1)
        out.append(x)
        if appendHash { out += Checksums.sha256(out) }
        return out
    }
}

/// Encodes an `esp_app_desc_t`.
public struct AppDescriptorBuilder: Sendable {
    public var projectName: String
    public var version: String
    public var idfVersion: String
    public var date: String
    public var time: String
    public var secureVersion: UInt32
    public var elfSHA256: [UInt8] = [UInt8](repeating: 0xA5, count: 32)
    public var minEfuseBlockRevision: UInt16 = 0
    public var maxEfuseBlockRevision: UInt16 = 0
    /// log2 of the MMU page size the app was built for.
    public var mmuPageSizeLog2: UInt8 = 16

    public init(projectName: String, version: String, idfVersion: String, date: String, time: String, secureVersion: UInt32 = 0) {
        self.projectName = projectName; self.version = version; self.idfVersion = idfVersion
        self.date = date; self.time = time; self.secureVersion = secureVersion
    }

    public func bytes() -> [UInt8] {
        func field(_ s: String, _ n: Int) -> [UInt8] {
            let u = Array(s.utf8.prefix(n - 1))
            return u + [UInt8](repeating: 0, count: n - u.count)
        }
        var out = [UInt8]()
        out.appendLE(appDescriptorMagic)
        out.appendLE(secureVersion)
        out += [UInt8](repeating: 0, count: 8)
        out += field(version, 32) + field(projectName, 32) + field(time, 16) + field(date, 16) + field(idfVersion, 32)
        out += elfSHA256.prefix(32) + [UInt8](repeating: 0, count: Swift.max(0, 32 - elfSHA256.count))
        out.appendLE(minEfuseBlockRevision)
        out.appendLE(maxEfuseBlockRevision)
        out.append(mmuPageSizeLog2)
        out += [UInt8](repeating: 0, count: AppDescriptor.size - out.count)
        return out
    }
}

/// Encodes an `esp_bootloader_desc_t` for a bootloader image's first segment.
public func bootloaderDescriptorBytes(version: UInt32, idf: String, dateTime: String) -> [UInt8] {
    func field(_ s: String, _ n: Int) -> [UInt8] {
        let u = Array(s.utf8.prefix(n - 1))
        return u + [UInt8](repeating: 0, count: n - u.count)
    }
    var out: [UInt8] = [bootloaderDescriptorMagic, 0, 0, 0]
    out.appendLE(version)
    out += field(idf, 32) + field(dateTime, 24) + [UInt8](repeating: 0, count: 16)
    return out
}
