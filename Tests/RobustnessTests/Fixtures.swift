#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import FlashFormats
import FlashModel

/// Small fixtures built with the project's encoders (no checked-in binaries), and the structure
/// boundaries and header fields of each, for the mutation tests.
enum Fixture {
    /// A valid app of under 1 KiB for `chip` (see `AppImageBuilder.smallApp`).
    static func app(_ chip: Chip = .esp32, version: String = "1.0.0", seed: UInt8 = 1, hash: Bool = true) -> [UInt8] {
        AppImageBuilder.smallApp(chip: chip, project: "robust", version: version, seed: seed, appendHash: hash)
    }

    /// ESP-IDF's two-OTA layout with 64 KiB app slots.
    static let partitions = FlashImageBuilder.twoOTA(appSize: 0x10000).partitions

    /// A 256 KiB ESP32 image that analyses with no diagnostic at all: bootloader at 0x1000 (declaring
    /// 4 MB flash), table at 0x8000, otadata at 0xd000 (seq 1 VALID, seq 2 → ota_1), three valid apps.
    static func flash(chip: Chip = .esp32) -> [UInt8] {
        var f = FlashImageBuilder(chip: chip, flashSize: 4 << 20, partitions: partitions)
        f.app("factory", app(chip, version: "factory", seed: 1))
        f.app("ota_0", app(chip, version: "1.0.0", seed: 2))
        f.app("ota_1", app(chip, version: "2.0.0", seed: 3))
        f.otadata(OTAEntry(seq: 1, state: OTAState.valid), OTAEntry(seq: 2, state: OTAState.undefined))
        return Array(f.bytes().prefix(0x40000))
    }

    static func table() -> [UInt8] { PartitionTable.encode(partitions) }
    static func otadata() -> [UInt8] {
        encodeOTAData([OTAEntry(seq: 1, state: OTAState.valid), OTAEntry(seq: 2, state: OTAState.pendingVerify)])
    }
    static func bootloader(chip: Chip = .esp32) -> [UInt8] { FlashImageBuilder.bootloader(chip: chip, flashSize: 4 << 20) }

    /// Ciphertext-looking bytes (xorshift) everywhere except two plaintext otadata-like sectors at
    /// 0xe000 and 0xf000: what `esptool read-flash` returns from a flash-encrypted ESP32.
    static func encryptedLooking(size: Int = 0x120000) -> [UInt8] { FlashImageBuilder.encryptedLooking(size: size) }

}

/// xorshift64*: reproducible pseudo-random bytes.
struct Random {
    var state: UInt64
    init(seed: UInt64) { state = seed | 1 }
    mutating func next() -> UInt64 {
        state ^= state >> 12; state ^= state << 25; state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }
    mutating func bytes(_ n: Int) -> [UInt8] {
        var out = [UInt8](); out.reserveCapacity(n + 8)
        while out.count < n { withUnsafeBytes(of: next()) { out += $0 } }
        return Array(out.prefix(n))
    }
}

/// A byte range of a fixture and what guards it.
struct Field {
    let name: String
    let range: Range<Int>
    /// A checksum, CRC, MD5 or SHA-256 covers these bytes: any change must be reported as a problem.
    let guarded: Bool
}

enum Structure {
    /// Offsets where a structure of the image at `base` starts or ends.
    static func boundaries(of img: AppImage, base: Int) -> [Int] {
        var out = [base, base + 1, base + 8, base + 12, base + 16, base + 23, base + 24]
        for s in img.segments {
            out += [base + s.headerOffset, base + s.headerOffset + 4, base + s.dataOffset, base + s.dataOffset + Int(s.length)]
        }
        if let c = img.checksumOffset { out += [base + c, base + c + 1] }
        if let l = img.length { out += [base + l - 32, base + l - 1, base + l] }
        if img.appDescriptor != nil { out += [base + 0x20, base + 0x20 + AppDescriptor.size] }
        if img.bootloaderDescriptor != nil { out += [base + 0x20, base + 0x20 + 80] }
        return out
    }

    /// Header fields of the image at `base`: header, segment headers, checksum byte, digest, descriptor.
    static func fields(of img: AppImage, base: Int, name: String) -> [Field] {
        var out = [Field(name: "\(name) header", range: base..<(base + 24), guarded: img.hashAppended)]
        for s in img.segments {
            out.append(Field(name: "\(name) segment \(s.index) header", range: (base + s.headerOffset)..<(base + s.dataOffset), guarded: true))
        }
        if let c = img.checksumOffset { out.append(Field(name: "\(name) checksum", range: (base + c)..<(base + c + 1), guarded: true)) }
        if let l = img.length, img.hashAppended { out.append(Field(name: "\(name) SHA-256", range: (base + l - 32)..<(base + l), guarded: true)) }
        if img.appDescriptor != nil {
            out.append(Field(name: "\(name) esp_app_desc_t", range: (base + 0x20)..<(base + 0x20 + AppDescriptor.size), guarded: true))
        }
        if img.bootloaderDescriptor != nil {
            out.append(Field(name: "\(name) esp_bootloader_desc_t", range: (base + 0x20)..<(base + 0x20 + 80), guarded: true))
        }
        return out
    }

    static func boundaries(of t: PartitionTable) -> [Int] {
        let rows = (t.endRow ?? t.entries.count) + 1
        return (0...rows).map { t.offset + 32 * $0 } + [t.offset + 16, t.offset + partitionTableMaxLength]
    }

    static func fields(of t: PartitionTable) -> [Field] {
        var out: [Field] = []
        for i in 0..<t.entries.count {
            out.append(Field(name: "table row \(i)", range: (t.offset + 32 * i)..<(t.offset + 32 * i + 32), guarded: t.md5Row != nil))
        }
        if let m = t.md5Row {
            // Bytes 2–15 of the MD5 row are padding ESP-IDF does not check (a flip there is shown, not an error).
            out.append(Field(name: "MD5 row magic", range: (t.offset + 32 * m)..<(t.offset + 32 * m + 2), guarded: true))
            out.append(Field(name: "MD5 row padding", range: (t.offset + 32 * m + 2)..<(t.offset + 32 * m + 16), guarded: false))
            out.append(Field(name: "MD5 digest", range: (t.offset + 32 * m + 16)..<(t.offset + 32 * m + 32), guarded: true))
        }
        if let e = t.endRow { out.append(Field(name: "end marker", range: (t.offset + 32 * e)..<(t.offset + 32 * e + 32), guarded: false)) }
        return out
    }

    static func boundaries(of o: OTAData) -> [Int] {
        [0, 1].flatMap { k in [0, 4, 24, 28, 32].map { o.offset + k * otadataSectorSize + $0 } } + [o.offset + otadataSize]
    }

    static func fields(of o: OTAData) -> [Field] {
        [0, 1].flatMap { k -> [Field] in
            let at = o.offset + k * otadataSectorSize
            return [Field(name: "otadata \(k) seq", range: at..<(at + 4), guarded: true),
                    Field(name: "otadata \(k) seq_label", range: (at + 4)..<(at + 24), guarded: false),
                    Field(name: "otadata \(k) state", range: (at + 24)..<(at + 28), guarded: false),
                    Field(name: "otadata \(k) crc", range: (at + 28)..<(at + 32), guarded: true)]
        }
    }

    /// Every boundary of everything the layout found, with the partitions' own edges.
    static func boundaries(of l: FlashLayout) -> [Int] {
        var out: [Int] = []
        if let b = l.bootloader { out += boundaries(of: b.image, base: b.offset) }
        if let t = l.table { out += boundaries(of: t) }
        if let o = l.otadata { out += boundaries(of: o) }
        for p in l.partitions { out += [Int(p.entry.offset), Int(p.entry.end)] }
        for a in l.apps { if let img = a.image { out += boundaries(of: img, base: Int(a.partition.offset)) } }
        if let img = l.image { out += boundaries(of: img, base: 0) }
        return out
    }

    static func fields(of l: FlashLayout) -> [Field] {
        var out: [Field] = []
        if let b = l.bootloader { out += fields(of: b.image, base: b.offset, name: "bootloader") }
        if let t = l.table { out += fields(of: t) }
        if let o = l.otadata { out += fields(of: o) }
        for a in l.apps { if let img = a.image { out += fields(of: img, base: Int(a.partition.offset), name: a.partition.name) } }
        if let img = l.image { out += fields(of: img, base: 0, name: "image") }
        return out
    }

    /// Truncation lengths: each boundary and its neighbours, inside 0...count.
    static func truncations(_ boundaries: [Int], count: Int) -> [Int] {
        Array(Set(boundaries.flatMap { [$0 - 1, $0, $0 + 1] }.filter { $0 >= 0 && $0 < count })).sorted()
    }
}
