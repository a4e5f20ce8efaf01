import Testing
@testable import FlashFormats

/// espsecure 5.6.0 vectors (shared/spec/SECURITY.md §4.2–4.3; the keys are the corpus's test keys).
struct FlashEncryptionTests {
    static let hex = BlockCipherTests.hex
    static let esp32Key = FlashEncryptionKey(hex("e3f18a2fa7537c918222bd7207ec796175177241c9194098da78cc8b0b8b3070"))!
    static let bootloaderHead = hex("e904022044060840ee00000000000000008f0100000000013000ff3f701c0000500000000100000076352e322e322d6469727479000000000000000000000000")

    @Test(arguments: [
        (UInt8(0xF), "e3e18a2da7533c818220bd7247ec716975167241e9194498da7acc8b4b8b3870", "e3e1aa2da3533c01a220b972476c717965167041e9594490fa7ac88b4b0b3861",
         "de790c28afe8d1909cc0ec3d69f941ed61009c882d100abd57e811e182a1354da5c7f5b2b42fa2ee06791564ef5d120b0b0160f459076e94131fafd066c563bc"),
        (UInt8(0x0), "e3f18a2fa7537c918222bd7207ec796175177241c9194098da78cc8b0b8b3070", "e3f18a2fa7537c918222bd7207ec796175177241c9194098da78cc8b0b8b3070",
         "3fed1e00a8cec070df36d9bf64687a8b5434fcc6398603a6aa4127fa2145d5b728d031b784c377be7c3b4c97bf10d99fc80560da09a299ace1bb87ac3ea04e88"),
        (UInt8(0x5), "e3e18a2da7533c818222bd7207ec796175167241e9194498da78cc8b0b8b3070", "e3e1aa2da3533c01a222bd7207ec796175167041e9594490fa78cc8b0b8b3070",
         "80d71defafdd8ec85f4d11c1d0c7970103b3809d6accaa84486bbf921b1cceb34833c6109c6e050b6aac3bebca613996ac70747801cb3c172953a74ec106e62c"),
    ])
    func esp32MatchesEspsecure(conf: UInt8, key1000: String, key1020: String, cipher: String) {
        #expect(FlashEncryption.esp32BlockKey(Self.esp32Key.bytes, address: 0x1000, cryptConf: conf) == Self.hex(key1000))
        #expect(FlashEncryption.esp32BlockKey(Self.esp32Key.bytes, address: 0x1020, cryptConf: conf) == Self.hex(key1020))
        let scheme = FlashEncryptionScheme.esp32(cryptConf: conf)
        #expect(FlashEncryption.transform(Self.hex(cipher), at: 0x1000, key: Self.esp32Key, scheme: scheme, decrypt: true) == Self.bootloaderHead)
        #expect(FlashEncryption.transform(Self.bootloaderHead, at: 0x1000, key: Self.esp32Key, scheme: scheme, decrypt: false) == Self.hex(cipher))
        // Starting at an address ≡ 16 (mod 32) gives the same bytes as inside the whole run.
        #expect(FlashEncryption.transform(Array(Self.hex(cipher)[16...]), at: 0x1010, key: Self.esp32Key, scheme: scheme, decrypt: true)
                == Array(Self.bootloaderHead[16...]))
    }

    @Test func xts128UnitMatchesEspsecure() {
        let key = FlashEncryptionKey(Self.hex("83ea003bcb4f75e6dbeb2a8f02bd0490d0b290cee165e4a9c34c31c9ebc98898"))!
        let cipher = Self.hex("66701e4aca986585ae219ff7bfe0fafa621df08a0ad280ca6da579d09058d98ed8c7383d6a4c22a16847885c576f9579b19705a2bf48abea62f00745c64b11bb4f9564ac5c3c9afe7ca263ffab10c28d4b3c0c1ff6aec0d197244ea211c0e30497c1f5fe4f8b1b54ebacf9d0f20e3dee8a4ff28ff7c0f05e4d68154302d2ab35")
        let plain = Self.hex("e903022f00e03c40ee0000000500030000000000000000010061cd3fc0160000ffffffff417373657274206661696c656420696e2025732c2025733a256420282573290d0a00000061626f72742829207761732063616c6c6564206174205043203078253038780d0a000000626f6f74000000001b5b303b33316d4520282575")
        #expect(FlashEncryption.transform(cipher, at: 0, key: key, scheme: .xts, decrypt: true) == plain)
        #expect(FlashEncryption.transform(plain, at: 0, key: key, scheme: .xts, decrypt: false) == cipher)
    }

    @Test func xts256FragmentInsideAUnitMatchesEspsecure() {
        let key = FlashEncryptionKey(Self.hex("1ea3d6310495e6e916fcfddc0ed9d2e27e639a5c1ce5b702a8bf14e326ab6bba703465732f24d554d64c26fd7d40310cb624c7be42da192579a3371583c5b2c1"))!
        #expect(FlashEncryption.transform(Self.hex("8b387a1295318e0705a19cfa8fa0afe307139380d58fbb40e5b36aa3e9739e45"), at: 0x40, key: key, scheme: .xts, decrypt: true)
                == Self.hex("0600000007000000417373657274206661696c656420696e2025732c2025733a"))
    }

    @Test func erasedBlocksStayErasedAndTheRestRoundTrips() {
        let plain = AppImageBuilder.pattern(count: 4096, seed: 3)
        for scheme in [FlashEncryptionScheme.esp32(cryptConf: 0xF), .esp32(cryptConf: 0), .xts] {
            var cipher = FlashEncryption.transform(plain, at: 0x20000, key: Self.esp32Key, scheme: scheme, decrypt: false)!
            cipher.replaceSubrange(1024..<2048, with: [UInt8](repeating: 0xFF, count: 1024))
            let back = FlashEncryption.decryptKeepingErased(cipher, at: 0x20000, key: Self.esp32Key, scheme: scheme)!
            #expect(Array(back[0..<1024]) == Array(plain[0..<1024]))
            #expect(back[1024..<2048].allSatisfy { $0 == 0xFF })
            #expect(Array(back[2048...]) == Array(plain[2048...]))
        }
    }

    @Test func keySizesAndAlignmentAreCheckedNotTrapped() {
        #expect(FlashEncryptionKey([1, 2, 3]) == nil)
        let k24 = FlashEncryptionKey([UInt8](repeating: 7, count: 24))!
        #expect(k24.fitsESP32 && !k24.fitsXTS)
        #expect(FlashEncryption.transform([UInt8](repeating: 0, count: 16), at: 0x1000, key: k24, scheme: .xts, decrypt: true) == nil)
        #expect(FlashEncryption.transform([UInt8](repeating: 0, count: 15), at: 0x1000, key: Self.esp32Key, scheme: .xts, decrypt: true) == nil)
        #expect(FlashEncryption.transform([UInt8](repeating: 0, count: 16), at: 0x1008, key: Self.esp32Key, scheme: .esp32(cryptConf: 0xF), decrypt: true) == nil)
        // A 24-byte ESP32 key decrypts as K ‖ K[8..<16].
        let k32 = FlashEncryptionKey(k24.bytes + Array(k24.bytes[8..<16]))!
        let data = AppImageBuilder.pattern(count: 64, seed: 1)
        #expect(FlashEncryption.transform(data, at: 0x2000, key: k24, scheme: .esp32(cryptConf: 0xF), decrypt: true)
                == FlashEncryption.transform(data, at: 0x2000, key: k32, scheme: .esp32(cryptConf: 0xF), decrypt: true))
    }
}
