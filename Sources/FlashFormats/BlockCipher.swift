import CCrypto

/// AES modes the flash-encryption and NVS-encryption formats need, from the system's OpenSSL
/// (swift-crypto offers neither raw ECB blocks nor XTS). Nothing here implements a cipher.
public enum BlockCipher {
    /// AES-ECB over whole 16-byte blocks; nil when the key length or data length is wrong.
    public static func aesECB(key: [UInt8], encrypt: Bool, _ data: [UInt8]) -> [UInt8]? {
        guard [16, 24, 32].contains(key.count), data.count % 16 == 0 else { return nil }
        if data.isEmpty { return [] }
        var out = [UInt8](repeating: 0, count: data.count)
        let ok = key.withUnsafeBufferPointer { k in
            data.withUnsafeBufferPointer { i in
                out.withUnsafeMutableBufferPointer { o in
                    fs_aes_ecb(k.baseAddress, k.count, encrypt ? 1 : 0, i.baseAddress, o.baseAddress, i.count)
                }
            }
        }
        return ok == 1 ? out : nil
    }

    /// AES-XTS over one data unit with a 16-byte tweak; key is 32 (XTS-AES-128) or 64 (XTS-AES-256) bytes.
    public static func aesXTS(key: [UInt8], encrypt: Bool, tweak: [UInt8], _ data: [UInt8]) -> [UInt8]? {
        guard key.count == 32 || key.count == 64, tweak.count == 16, data.count >= 16 else { return nil }
        var out = [UInt8](repeating: 0, count: data.count)
        let ok = key.withUnsafeBufferPointer { k in
            tweak.withUnsafeBufferPointer { t in
                data.withUnsafeBufferPointer { i in
                    out.withUnsafeMutableBufferPointer { o in
                        fs_aes_xts(k.baseAddress, k.count, encrypt ? 1 : 0, t.baseAddress, i.baseAddress, o.baseAddress, i.count)
                    }
                }
            }
        }
        return ok == 1 ? out : nil
    }

    /// AES-XTS over consecutive data units of `unit` bytes, unit i with the tweak `firstTweak + i * unit`
    /// (little-endian): one cipher context for all of them. nil when the sizes or the key do not fit.
    public static func aesXTSUnits(key: [UInt8], encrypt: Bool, firstTweak: UInt64, unit: Int, _ data: [UInt8]) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: data.count)
        let ok = data.withUnsafeBytes { i in
            out.withUnsafeMutableBytes { o in aesXTSUnits(key: key, encrypt: encrypt, firstTweak: firstTweak, unit: unit, i, into: o) }
        }
        return ok ? out : nil
    }

    /// The same from `input` into `output` (as many bytes; the two must not overlap). False when the
    /// sizes or the key do not fit, or the cipher failed.
    public static func aesXTSUnits(key: [UInt8], encrypt: Bool, firstTweak: UInt64, unit: Int,
                                   _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Bool {
        guard key.count == 32 || key.count == 64, unit >= 16, input.count % unit == 0, output.count == input.count else { return false }
        if input.isEmpty { return true }
        return key.withUnsafeBufferPointer { k in
            fs_aes_xts_units(k.baseAddress, k.count, encrypt ? 1 : 0, firstTweak, unit,
                             input.baseAddress!.assumingMemoryBound(to: UInt8.self),
                             output.baseAddress!.assumingMemoryBound(to: UInt8.self), input.count / unit)
        } == 1
    }
}
