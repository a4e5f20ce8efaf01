import FlashFormats

/// Reading a flash-encrypted dump with its key: which regions ESP-IDF encrypted (found by decrypting the
/// bootloader, then the table, at candidate offsets) and the plaintext view of the whole dump
/// (shared/spec/SECURITY.md §4.1, §4.5; ESP-IDF flash_encrypt.c and esp_partition).
public struct DecryptedDump: Sendable {
    public struct Region: Sendable, Equatable {
        public let range: Range<Int>
        /// Why ESP-IDF encrypts it ("bootloader", "partition table", a partition name…).
        public let what: String
    }
    public let scheme: FlashEncryptionScheme
    public let bootloaderOffset: Int
    public let tableOffset: Int?
    /// The regions decrypted, in address order.
    public let regions: [Region]
    /// Where the device encrypts what is written later: the bootloader and table regions, every app
    /// partition, otadata, nvs_keys, TEE otadata and flagged partitions (ESP-IDF esp_partition).
    public let encryptedOnWrite: [Range<Int>]
    /// The whole dump with those regions decrypted (erased 16-byte blocks kept) and everything else as read.
    public let plaintext: [UInt8]
}

public enum DecryptionError: Error, CustomStringConvertible, Sendable {
    case badKey(Int)
    case noBootloader(String)
    public var description: String {
        switch self {
        case .badKey(let n): "the key file is \(n) bytes: flash-encryption keys are 16, 24, 32 or 64 bytes (espsecure generate-flash-encryption-key)"
        case .noBootloader(let tried): "the key does not decrypt a bootloader here (tried \(tried)): wrong key, wrong --flash-crypt-conf or --chip, or the dump is not encrypted"
        }
    }
}

public enum FlashDecryption {
    /// Decrypts what ESP-IDF encrypts in `s`. `scheme` nil: chosen from the key size and by which scheme
    /// decrypts a bootloader (ESP32 at 0x1000 with `cryptConf`, XTS at 0x0 or 0x2000).
    public static func decrypt(_ s: some ByteSource, key: FlashEncryptionKey, scheme: FlashEncryptionScheme?,
                               cryptConf: UInt8 = 0xF, tableOffset: Int? = nil) throws(DecryptionError) -> DecryptedDump {
        let candidates: [(FlashEncryptionScheme, [Int])] = switch scheme {
        case .esp32(let c)?: [(.esp32(cryptConf: c), [0x1000])]
        case .xts?: [(.xts, [0x0, 0x2000])]
        case nil: (key.fitsESP32 ? [(.esp32(cryptConf: cryptConf), [0x1000])] : []) + (key.fitsXTS ? [(.xts, [0x0, 0x2000])] : [])
        }
        var found: (FlashEncryptionScheme, Int)?
        search: for (sch, offsets) in candidates {
            for o in offsets {
                guard let head = s.bytes(at: o, length: 16),
                      let plain = FlashEncryption.transform(head, at: o, key: key, scheme: sch, decrypt: true),
                      plain[0] == imageMagic else { continue }
                let id = UInt16(plain[12]) | UInt16(plain[13]) << 8
                guard let chip = Chip.from(id: id), (chip == .esp32) == (sch != .xts), chip.bootloaderOffset == o else { continue }
                found = (sch, o)
                break search
            }
        }
        guard let (sch, blOffset) = found else {
            throw .noBootloader(candidates.map { c in c.1.map { "\(c.0.name) at \(Hex.short($0))" }.joined(separator: ", ") }.joined(separator: "; "))
        }
        var out = s.bytes(0..<s.count)
        var regions: [DecryptedDump.Region] = []
        func decryptRange(_ r: Range<Int>) -> [UInt8]? {
            let r = s.clip(r)
            guard !r.isEmpty else { return nil }
            return FlashEncryption.decryptKeepingErased(s.bytes(r), at: r.lowerBound, key: key, scheme: sch)
        }
        func apply(_ r: Range<Int>, _ what: String) {
            let r = s.clip(r)
            guard !r.isEmpty, let plain = decryptRange(r) else { return }
            out.replaceSubrange(r, with: plain)
            regions.append(.init(range: r, what: what))
        }

        // Bootloader: the sectors its image (with a V2 signature sector) covers.
        let blSpan = (tableOffset ?? defaultPartitionTableOffset) - blOffset
        var blEnd = blOffset + Swift.max(0x1000, blSpan)
        if blSpan > 0, let plain = decryptRange(blOffset..<(blOffset + blSpan)),
           let img = AppImage.inspect(ByteArray(plain), at: 0, isBootloader: true).image, let len = img.lengthWithSignature {
            blEnd = blOffset + Swift.min(blSpan, alignUp(len))
        }
        apply(blOffset..<blEnd, "bootloader")

        // Secure Boot V1 digest sector at 0x0 (ESP32 only): encrypted too.
        if case .esp32 = sch, let plain = decryptRange(0..<0x1000), SecureBoot.v1DigestBlock(ByteArray(plain)) != nil {
            apply(0..<0x1000, "Secure Boot V1 digest")
        }

        // Partition table: where a candidate sector decrypts to AA 50 and a table the bootloader accepts.
        var table: PartitionTable?
        var tableAt: Int?
        let tableCandidates: [Int] = tableOffset.map { [$0] }
            ?? [defaultPartitionTableOffset] + Array(stride(from: alignUp(blEnd), to: Swift.min(s.count, 16 << 20), by: 0x1000))
        for o in tableCandidates {
            guard let head = s.bytes(at: o, length: 32), let p = FlashEncryption.transform(head, at: o, key: key, scheme: sch, decrypt: true),
                  p[0] == 0xAA, p[1] == 0x50, let sector = decryptRange(o..<(o + 0x1000)) else { continue }
            let t = PartitionTable.parse(ByteArray(sector), at: 0)
            guard t.bootloaderAccepts, !t.entries.isEmpty else { continue }
            table = t
            tableAt = o
            apply(o..<(o + 0x1000), "partition table")
            break
        }

        // Partitions: otadata, nvs_keys and TEE otadata always; flagged ones; apps holding an image.
        for e in table?.entries ?? [] {
            let r = Int(e.offset)..<Int(e.end)
            if e.encrypted {
                apply(r, "\(e.name) (encrypted flag)")
            } else if e.type == PartitionType.data && [0x00, 0x04, 0x90].contains(e.subtype) {
                apply(r, e.name)
            } else if e.isApp, let head = s.bytes(at: r.lowerBound, length: 16),
                      !head.allSatisfy({ $0 == 0xFF }),
                      let p = FlashEncryption.transform(head, at: r.lowerBound, key: key, scheme: sch, decrypt: true),
                      p[0] == imageMagic {
                apply(r, "\(e.name) (app)")
            }
        }
        regions.sort { $0.range.lowerBound < $1.range.lowerBound }
        var onWrite = regions.map(\.range)
        for e in table?.entries ?? [] where e.isApp || e.encrypted || (e.type == PartitionType.data && [0x00, 0x04, 0x90].contains(e.subtype)) {
            onWrite.append(s.clip(Int(e.offset)..<Int(e.end)))
        }
        onWrite = onWrite.filter { !$0.isEmpty }.sorted { $0.lowerBound < $1.lowerBound }
        return DecryptedDump(scheme: sch, bootloaderOffset: blOffset, tableOffset: tableAt, regions: regions,
                             encryptedOnWrite: onWrite, plaintext: out)
    }

    static func alignUp(_ n: Int) -> Int { (n + 0xFFF) & ~0xFFF }
}
