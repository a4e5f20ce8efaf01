// Fuzz target: otadata parsing, slot selection and `esp_rewrite_ota_data` planning.
import FlashFormats

enum FuzzTarget {
    static func run(_ bytes: [UInt8]) {
        let o = OTAData.parse(ByteArray(bytes), at: 0, size: bytes.count)
        _ = o.activeSector
        _ = o.bothSelectInvalid
        _ = o.initialContents
        for e in o.entries.compactMap({ $0 }) {
            _ = e.invalidReason
            for n in 1...16 { _ = e.slot(count: n) }
        }
        for count in [1, 2, 3, 16] {
            for slot in [0, count - 1] {
                for idf in IDFBehaviour.allCases {
                    _ = try? o.planSetBoot(slot: slot, count: count, rollback: bytes.first.map { $0 & 1 == 1 } ?? false, idf: idf)
                }
            }
        }
        // Parsed at a non-zero offset with a declared size that disagrees with the bytes.
        _ = OTAData.parse(ByteArray(bytes), at: 0x10, size: 0x2000)
    }

    static func seeds() -> [(String, [UInt8])] {
        [
            ("erased.bin", encodeOTAData([nil, nil])),
            ("seq2.bin", encodeOTAData([OTAEntry(seq: 2, state: OTAState.undefined), nil])),
            ("pending.bin", encodeOTAData([OTAEntry(seq: 1, state: OTAState.valid), OTAEntry(seq: 2, state: OTAState.pendingVerify)])),
            ("wrap.bin", encodeOTAData([OTAEntry(seq: 0xFFFF_FFFD, state: OTAState.undefined), OTAEntry(seq: 2, state: OTAState.undefined)])),
            ("badcrc.bin", encodeOTAData([OTAEntry(seq: 3, state: OTAState.undefined, crc: 1), OTAEntry(seq: 2, state: OTAState.aborted)])),
        ]
    }
}
