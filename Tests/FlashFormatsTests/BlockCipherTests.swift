import Testing
@testable import FlashFormats

struct BlockCipherTests {
    static func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex { let j = s.index(i, offsetBy: 2); out.append(UInt8(s[i..<j], radix: 16)!); i = j }
        return out
    }

    @Test func aesECBMatchesFIPS197AppendixC1() {
        let key = Self.hex("000102030405060708090a0b0c0d0e0f")
        let plain = Self.hex("00112233445566778899aabbccddeeff")
        let cipher = BlockCipher.aesECB(key: key, encrypt: true, plain)
        #expect(cipher == Self.hex("69c4e0d86a7b0430d8cdb78070b4c55a"))
        #expect(cipher.flatMap { BlockCipher.aesECB(key: key, encrypt: false, $0) } == plain)
    }

    @Test func aesXTSMatchesIEEE1619Vector2() {
        let key = [UInt8](repeating: 0x11, count: 16) + [UInt8](repeating: 0x22, count: 16)
        let tweak: [UInt8] = [0x33, 0x33, 0x33, 0x33, 0x33] + [UInt8](repeating: 0, count: 11)
        let plain = [UInt8](repeating: 0x44, count: 32)
        let cipher = BlockCipher.aesXTS(key: key, encrypt: true, tweak: tweak, plain)
        #expect(cipher == Self.hex("c454185e6a16936e39334038acef838bfb186fff7480adc4289382ecd6d394f0"))
        #expect(cipher.flatMap { BlockCipher.aesXTS(key: key, encrypt: false, tweak: tweak, $0) } == plain)
    }

    @Test func wrongLengthsAreRefusedNotTrapped() {
        #expect(BlockCipher.aesECB(key: [1, 2, 3], encrypt: true, [UInt8](repeating: 0, count: 16)) == nil)
        #expect(BlockCipher.aesECB(key: [UInt8](repeating: 0, count: 16), encrypt: true, [1, 2, 3]) == nil)
        #expect(BlockCipher.aesXTS(key: [UInt8](repeating: 0, count: 48), encrypt: true, tweak: [UInt8](repeating: 0, count: 16), [UInt8](repeating: 0, count: 16)) == nil)
        #expect(BlockCipher.aesXTS(key: [UInt8](repeating: 0, count: 32), encrypt: true, tweak: [], [UInt8](repeating: 0, count: 16)) == nil)
    }
}
