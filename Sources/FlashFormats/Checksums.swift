import CZlib
import Crypto

/// The integrity functions ESP-IDF and its tools use, each over any `ByteSource`.
public enum Checksums {
    /// zlib's CRC-32 continued from `seed` (Python `zlib.crc32(data, seed)`).
    ///
    /// ESP-IDF's ROM helper `esp_rom_crc32_le(init, …)` has exactly these semantics.
    public static func crc32<S: ByteSource>(_ source: S, _ range: Range<Int>, seed: UInt32 = 0) -> UInt32 {
        var crc = seed
        source.forEachChunk(in: range) { crc = crc32($0, seed: crc) }
        return crc
    }

    /// The same over bytes in memory.
    public static func crc32(_ p: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        guard let base = p.baseAddress else { return seed }
        // zlib takes a 32-bit length; feed large pieces in slices.
        var crc = UInt(seed), offset = 0
        while offset < p.count {
            let n = Swift.min(p.count - offset, 1 << 30)
            crc = CZlib.crc32(crc, base.advanced(by: offset).assumingMemoryBound(to: Bytef.self), uInt(n))
            offset += n
        }
        return UInt32(truncatingIfNeeded: crc)
    }

    public static func crc32(_ bytes: [UInt8], seed: UInt32 = 0) -> UInt32 {
        crc32(ByteArray(bytes), 0..<bytes.count, seed: seed)
    }

    /// The otadata entry CRC: `esp_rom_crc32_le(UINT32_MAX, &ota_seq, 4)`
    /// (bootloader_common_ota_select_crc), i.e. zlib CRC-32 of le32(seq) seeded with 0xFFFFFFFF.
    public static func otaCRC(seq: UInt32) -> UInt32 {
        var b = [UInt8](); b.appendLE(seq)
        return crc32(b, seed: 0xFFFF_FFFF)
    }

    /// The image checksum: XOR of every segment data byte, seeded with 0xEF (ESP_CHECKSUM_MAGIC).
    public static func xorChecksum<S: ByteSource>(_ source: S, ranges: [Range<Int>]) -> UInt8 {
        var acc: UInt64 = 0
        var tail: UInt8 = 0xEF
        for r in ranges {
            source.forEachChunk(in: r) { chunk in
                var i = 0
                let n = chunk.count
                // Fold eight bytes at a time, then the rest.
                while i + 8 <= n {
                    acc ^= chunk.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    i += 8
                }
                while i < n { tail ^= chunk[i]; i += 1 }
            }
        }
        var x = acc ^ (acc >> 32)
        x ^= x >> 16
        x ^= x >> 8
        return tail ^ UInt8(truncatingIfNeeded: x)
    }

    public static func sha256<S: ByteSource>(_ source: S, _ range: Range<Int>) -> [UInt8] {
        var h = SHA256()
        source.forEachChunk(in: range) { h.update(bufferPointer: $0) }
        return Array(h.finalize())
    }

    public static func sha256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }

    /// SHA-384 (Secure Boot V2 ECDSA P-384 blocks sign it).
    public static func sha384<S: ByteSource>(_ source: S, _ range: Range<Int>) -> [UInt8] {
        var h = SHA384()
        source.forEachChunk(in: range) { h.update(bufferPointer: $0) }
        return Array(h.finalize())
    }

    public static func md5<S: ByteSource>(_ source: S, _ range: Range<Int>) -> [UInt8] {
        var h = Insecure.MD5()
        source.forEachChunk(in: range) { h.update(bufferPointer: $0) }
        return Array(h.finalize())
    }

    public static func md5(_ bytes: [UInt8]) -> [UInt8] { Array(Insecure.MD5.hash(data: bytes)) }
}
