import Testing
import FlashFormats
import FlashModel

/// Inputs the fuzzers (scripts/fuzz) found to crash the engine, kept so the bugs stay fixed.
@Suite struct FuzzRegressionTests {
    /// csv target, first minute of fuzzing: an offset of Int.max made auto-placement overflow
    /// (`lastEnd = offset + size`) and trap. The input exactly as libFuzzer wrote it; it is now refused
    /// at line 5, whose size "1MM" (1 TiB) is already out of range.
    static let csvOffsetOverflow = """
        # ypbbbbbbbbbbbffset(   Size, Flags
        nvs,      data, nvs,     ,        0x4000,
        otadata,  data, ota,     ,        0x2000,
        phy_init, data, phy,     ,        0x1000,
        factor+y,  app,  factory, ,        1MM,
        ota_0,    app,  ota_0,   9223372036854775807,        1M,
        ota_1,    app,  ota_1,   ,        1M,
        """

    @Test func csvOffsetNearIntMaxIsAnErrorNotATrap() {
        #expect {
            try PartitionCSV.parse(Self.csvOffsetOverflow)
        } throws: { error in
            (error as? PartitionCSVError).map { $0.line == 5 && $0.message == "offset or size out of range" } ?? false
        }
    }

    /// The same overflow reduced by hand, and its relatives: sizes and offsets past 32 bits, negative
    /// sizes whose magnitude is near Int.max or exactly Int.min (reachable through the M suffix).
    @Test(arguments: [
        "x,app,ota_0,9223372036854775807,1M",
        "x,app,ota_0,0x7fffffffffffffff,4K",
        "x,app,ota_0,0x10000,9223372036854775807",
        "x,app,ota_0,0x10000,-9223372036854775807",
        "x,app,ota_0,0x10000,-8796093022208M",
        "x,app,ota_0,0x100000000,4K",
        "x,data,nvs,,0xffffffff\ny,data,nvs,,0xffffffff",
        "x,data,nvs,0xfffff000,0x1000\ny,data,nvs,,0x1000",
    ])
    func csvHugeNumbersAreRefused(line: String) {
        #expect(throws: PartitionCSVError.self) { try PartitionCSV.parse(line) }
    }

    @Test func csvLargestValidNumbersStillWork() throws {
        let e = try PartitionCSV.parse("x,data,nvs,0xfffff000,0x1000")
        #expect(e.first?.offset == 0xFFFF_F000 && e.first?.size == 0x1000)
        let n = try PartitionCSV.parse("a,data,nvs,0x9000,0x1000\nb,data,fat,,-0x400000")
        #expect(n.last?.offset == 0xA000 && n.last?.size == 0x400000 - 0xA000)
    }
}
