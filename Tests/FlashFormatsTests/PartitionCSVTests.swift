import Testing
@testable import FlashFormats

let idfTwoOTACSV = """
# Name,   Type, SubType, Offset,   Size, Flags
# Note: if you have increased the bootloader size, make sure to update the offsets to avoid overlap
nvs,      data, nvs,     ,        0x4000,
otadata,  data, ota,     ,        0x2000,
phy_init, data, phy,     ,        0x1000,
factory,  app,  factory, ,        1M,
ota_0,    app,  ota_0,   ,        1M,
ota_1,    app,  ota_1,   ,        1M,
"""

@Test func autoPlacementMatchesGenEsp32part() throws {
    let e = try PartitionCSV.parse(idfTwoOTACSV)
    #expect(e == twoOTA)
    #expect(PartitionCSV.verify(e).isEmpty)
    #expect(PartitionCSV.emit(e) == """
    # ESP-IDF Partition Table
    # Name, Type, SubType, Offset, Size, Flags
    nvs,data,nvs,0x9000,16K,
    otadata,data,ota,0xd000,8K,
    phy_init,data,phy,0xf000,4K,
    factory,app,factory,0x10000,1M,
    ota_0,app,ota_0,0x110000,1M,
    ota_1,app,ota_1,0x210000,1M,

    """)
}

@Test func fieldsSuffixesFlagsAndNegativeSizes() throws {
    let e = try PartitionCSV.parse("""
    storage, data, spiffs, 0x10000, 0x10K, encrypted:readonly
    big, APP, OTA_0, , -0x300000,
    custom, 0x40, 0x99, 0x400000, 100,
    """)
    #expect(e[0].size == 0x4000 && e[0].flags == 3)
    #expect(e[0].bytes()[28..<32] == [3, 0, 0, 0])
    #expect(e[1].offset == 0x20000 && e[1].size == 0x300000 - 0x20000 && e[1].subtype == 0x10)
    #expect(e[2].type == 0x40 && e[2].subtype == 0x99 && e[2].size == 100)
    #expect(PartitionCSV.emit([e[2]]).hasSuffix("custom,64,153,0x400000,0x64,\n"))
}

@Test(arguments: [
    ("x, app, , , 1M,", "App partition cannot have an empty subtype"),
    ("x, data, nvs, 0x9000, ,", "Size field can't be empty"),
    ("x, data, nvs, 0x9000, 1K, shiny", "unknown flag 'shiny'"),
    ("x, pasta, nvs, 0x9000, 1K,", "is not valid"),
    ("x, data, nvs, 0x7000, 1K,", "partition table occupies the whole sector"),
    ("$UNSET_VAR, data, nvs, , 1K,", "unknown variable 'UNSET_VAR'"),
])
func csvErrors(line: String, message: String) {
    #expect {
        _ = try PartitionCSV.parse(line)
    } throws: { ($0 as? PartitionCSVError)?.message.contains(message) == true && ($0 as? PartitionCSVError)?.line == 1 }
}

@Test func environmentExpansion() throws {
    let e = try PartitionCSV.parse("nvs, data, nvs, , ${NVS_SIZE},", environment: ["NVS_SIZE": "24K"])
    #expect(e[0].size == 0x6000)
}

@Test func verifyRejectsWhatGenEsp32partRejects() throws {
    let e = try PartitionCSV.parse("""
    nvs,        data, nvs,      0x9000,  0x6000,
    phy_init,   data, phy,      0xf000,  0x1000,
    factory,    app,  factory,  0x10000, 650K,
    """)
    #expect(PartitionCSV.verify(e) == ["Partition factory invalid: Size 0xa2800 is not aligned to 0x1000"])
    let many = (0..<95).map { PartitionEntry(name: "p\($0)", type: 1, subtype: 6, offset: UInt32(0x9000 + $0 * 0x1000), size: 0x1000) }
    #expect(PartitionCSV.verify(many).contains { $0.contains("longer than max") })
    #expect(!PartitionCSV.verify(Array(many.prefix(94))).contains { $0.contains("longer than max") })
    #expect(!PartitionCSV.verify(many, md5: false).contains { $0.contains("longer than max") })
}

@Test func bootloaderRowsFollowGenEsp32partV55() throws {
    let e = try PartitionCSV.parse("""
    bootloader, bootloader, primary, N/A, N/A,
    pt, partition_table, primary, N/A, N/A,
    nvs, data, nvs, , 0x6000,
    """, tableOffset: 0x8000, bootloaderOffset: 0x1000)
    #expect(e[0].offset == 0x1000 && e[0].size == 0x7000)
    #expect(e[1].offset == 0x8000 && e[1].size == 0x1000)
    #expect(e[2].offset == 0x9000)
    #expect { try PartitionCSV.parse("bootloader, bootloader, primary, N/A, N/A,") }
        throws: { ($0 as? PartitionCSVError)?.message == "Primary bootloader offset is not provided" }
    #expect { try PartitionCSV.parse("x, data, nvs, 0x9000, 0x6000, encrypted: readonly") }
        throws: { ($0 as? PartitionCSVError)?.message.contains("unknown flag ' readonly'") == true }
}

@Test func integersParseLikePythonsInt() {
    #expect(Hex.parseInt("0x1_000") == 0x1000 && Hex.parseInt("1_000") == 1000 && Hex.parseInt("00") == 0)
    #expect(Hex.parseInt("010") == nil && Hex.parseInt("1__0") == nil && Hex.parseInt("_1") == nil)
    #expect(Hex.parseInt("0x10K") == 0x4000 && Hex.parseInt("2M") == 0x200000 && Hex.parseInt("0b101") == 5)
}
