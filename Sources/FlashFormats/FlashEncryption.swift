/// Flash encryption as the chips apply it to flash, matching `espsecure encrypt-flash-data` /
/// `decrypt-flash-data` byte for byte (shared/spec/SECURITY.md §4.2–4.4, from esptool's espsecure and
/// ESP-IDF's flash-encryption docs).
///
/// ESP32: AES-256 whose key is tweaked per 32-byte block by the block address (FLASH_CRYPT_CONF selects
/// which of four key-bit groups take address bits), run "backwards" on byte-reversed 16-byte blocks.
/// Later chips: XTS-AES-128/256 over 128-byte data units, tweak = the unit address, on the byte-reversed
/// unit. The AES itself comes from OpenSSL (BlockCipher); only the address-to-key mapping and byte order
/// live here.

public enum FlashEncryptionScheme: Sendable, Equatable {
    /// ESP32: AES-256 with the address-tweaked key; `cryptConf` is the FLASH_CRYPT_CONF eFuse (0x0–0xF).
    case esp32(cryptConf: UInt8)
    /// ESP32-S2 and later: XTS-AES (key size from the key file).
    case xts

    public var name: String {
        switch self {
        case .esp32(let c): "ESP32 AES-256 (FLASH_CRYPT_CONF \(Hex.short(c)))"
        case .xts: "XTS-AES"
        }
    }

    /// What an encrypted write is padded to (with 0xFF, which is then encrypted too): esptool's
    /// FLASH_ENCRYPTED_WRITE_ALIGN, 32 bytes on the ESP32 (one tweaked-key block), 16 on XTS chips.
    public var encryptedWriteAlignment: Int {
        switch self {
        case .esp32: 32
        case .xts: 16
        }
    }
}

/// A flash-encryption key file as `espsecure generate-flash-encryption-key` writes it (natural byte order).
public struct FlashEncryptionKey: Sendable, Equatable {
    public let bytes: [UInt8]

    /// nil unless 16, 24, 32 or 64 bytes long (the sizes espsecure accepts).
    public init?(_ bytes: [UInt8]) {
        guard [16, 24, 32, 64].contains(bytes.count) else { return nil }
        self.bytes = bytes
    }

    /// 24- and 32-byte keys fit the ESP32 scheme; 16, 32 and 64 bytes the XTS scheme.
    public var fitsESP32: Bool { bytes.count == 24 || bytes.count == 32 }
    public var fitsXTS: Bool { bytes.count != 24 }

    /// The 256-bit ESP32 key: a 24-byte (3/4 coding scheme) key K is used as K ‖ K[8..<16].
    var esp32Key: [UInt8]? {
        switch bytes.count {
        case 32: bytes
        case 24: bytes + Array(bytes[8..<16])
        default: nil
        }
    }

    /// The XTS key (data key ‖ tweak key): a 16-byte key (ESP32-C2 "128-bit derived") becomes its SHA-256.
    var xtsKey: [UInt8]? {
        switch bytes.count {
        case 16: Checksums.sha256(bytes)
        case 32, 64: bytes
        default: nil
        }
    }
}

public enum FlashEncryption {
    /// Per key bit (MSB-first over the 256 bits): the address bit XORed into it and the FLASH_CRYPT_CONF bit
    /// that enables it. Four groups: address bits 23…5 three times, then 14…5, 12…5, 10…5, 8…5.
    static let esp32Tweak: [(addressBit: Int, confBit: Int)] = {
        var out: [(Int, Int)] = []
        for (group, lowTop) in [14, 12, 10, 8].enumerated() {
            for _ in 0..<3 { for bit in stride(from: 23, through: 5, by: -1) { out.append((bit, group)) } }
            for bit in stride(from: lowTop, through: 5, by: -1) { out.append((bit, group)) }
        }
        return out
    }()

    /// The AES-256 key the ESP32 uses for the 32-byte block holding `address`.
    public static func esp32BlockKey(_ key: [UInt8], address: Int, cryptConf: UInt8) -> [UInt8] {
        esp32KeyMasks(cryptConf).key(key, address: address)
    }

    /// Per address bit 5…23: the key bits it flips under `cryptConf` (the tweak is linear in the address).
    struct ESP32KeyMasks {
        var masks: [[UInt8]]   // index = address bit − 5
        func key(_ base: [UInt8], address: Int) -> [UInt8] {
            var k = base
            for (j, m) in masks.enumerated() where (address >> (j + 5)) & 1 != 0 {
                for i in 0..<32 { k[i] ^= m[i] }
            }
            return k
        }
    }

    static func esp32KeyMasks(_ cryptConf: UInt8) -> ESP32KeyMasks {
        var masks = [[UInt8]](repeating: [UInt8](repeating: 0, count: 32), count: 19)
        for (i, t) in esp32Tweak.enumerated() where cryptConf & (1 << t.confBit) != 0 {
            masks[t.addressBit - 5][i / 8] ^= 0x80 >> (i % 8)
        }
        return ESP32KeyMasks(masks: masks)
    }

    /// Decrypts (or encrypts) `data` that sits at flash `address` (a multiple of 16; length a multiple of 16),
    /// every byte, as espsecure does. nil when the key does not fit the scheme or the alignment is wrong.
    public static func transform(_ data: [UInt8], at address: Int, key: FlashEncryptionKey,
                                 scheme: FlashEncryptionScheme, decrypt: Bool) -> [UInt8]? {
        guard address >= 0, address % 16 == 0, data.count % 16 == 0 else { return nil }
        if data.isEmpty { return [] }
        switch scheme {
        case .esp32(let conf): return esp32(data, at: address, key: key, conf: conf, decrypt: decrypt)
        case .xts: return xts(data, at: address, key: key, decrypt: decrypt)
        }
    }

    /// The reading rule for a dump: 16-byte blocks that read all 0xFF are erased flash and stay; every other
    /// block is decrypted at its own address.
    public static func decryptKeepingErased(_ data: [UInt8], at address: Int, key: FlashEncryptionKey,
                                            scheme: FlashEncryptionScheme) -> [UInt8]? {
        guard var out = transform(data, at: address, key: key, scheme: scheme, decrypt: true) else { return nil }
        var i = 0
        while i < data.count {
            if data[i..<(i + 16)].allSatisfy({ $0 == 0xFF }) { out.replaceSubrange(i..<(i + 16), with: repeatElement(0xFF, count: 16)) }
            i += 16
        }
        return out
    }

    static func esp32(_ data: [UInt8], at address: Int, key: FlashEncryptionKey, conf: UInt8, decrypt: Bool) -> [UInt8]? {
        guard let base = key.esp32Key else { return nil }
        // Each 16-byte block reversed, AES-256 run in the opposite direction, reversed back. Blocks whose
        // 32-byte key is the same are handed to OpenSSL together.
        var reversed = [UInt8](repeating: 0, count: data.count)
        for i in stride(from: 0, to: data.count, by: 16) {
            for j in 0..<16 { reversed[i + j] = data[i + 15 - j] }
        }
        var out = [UInt8](repeating: 0, count: data.count)
        var start = 0
        let masks = esp32KeyMasks(conf)
        var currentKey = masks.key(base, address: address)
        var i = 16
        while start < data.count {
            var nextKey: [UInt8]?
            while i < data.count {
                let a = address + i
                if a % 32 == 0 {
                    let k = masks.key(base, address: a)
                    if k != currentKey { nextKey = k; break }
                }
                i += 16
            }
            guard let part = BlockCipher.aesECB(key: currentKey, encrypt: decrypt, Array(reversed[start..<i])) else { return nil }
            out.replaceSubrange(start..<i, with: part)
            start = i
            i += 16
            if let nextKey { currentKey = nextKey }
        }
        for k in stride(from: 0, to: out.count, by: 16) { out[k..<(k + 16)].reverse() }
        return out
    }

    static func xts(_ data: [UInt8], at address: Int, key: FlashEncryptionKey, decrypt: Bool) -> [UInt8]? {
        guard let k = key.xtsKey else { return nil }
        let unit = 128
        let first = address & ~(unit - 1)
        let end = address + data.count
        var out = [UInt8](repeating: 0, count: data.count)
        var u = first
        while u < end {
            // The unit's bytes present in `data`, zero-padded to the whole unit (blocks are independent).
            var block = [UInt8](repeating: 0, count: unit)
            let lo = Swift.max(u, address), hi = Swift.min(u + unit, end)
            block.replaceSubrange((lo - u)..<(hi - u), with: data[(lo - address)..<(hi - address)])
            block.reverse()
            var tweak = [UInt8](repeating: 0, count: 16)
            let a32 = UInt32(truncatingIfNeeded: u)
            for j in 0..<4 { tweak[j] = UInt8(truncatingIfNeeded: a32 >> (8 * j)) }
            guard var res = BlockCipher.aesXTS(key: k, encrypt: !decrypt, tweak: tweak, block) else { return nil }
            res.reverse()
            out.replaceSubrange((lo - address)..<(hi - address), with: res[(lo - u)..<(hi - u)])
            u += unit
        }
        return out
    }
}
