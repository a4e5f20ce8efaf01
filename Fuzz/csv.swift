// Fuzz target: gen_esp32part CSV import (parsing, placement, verify, encoding).
import FlashFormats

enum FuzzTarget {
    static let env = ["FLASH": "0x10000", "SIZE": "1M"]

    static func run(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        for tableOffset in [0x8000, 0xF000] {
            guard let entries = try? PartitionCSV.parse(text, tableOffset: tableOffset, environment: env) else { continue }
            _ = PartitionCSV.verify(entries, tableOffset: tableOffset, flashSize: 4 << 20)
            let bin = PartitionTable.encode(entries)
            _ = PartitionTable.parse(ByteArray(bin), at: 0, chipSize: 4 << 20)
            _ = PartitionCSV.emit(entries)
        }
    }

    static func seeds() -> [(String, [UInt8])] {
        let texts = [
            ("two-ota.csv", """
            # Name,   Type, SubType, Offset,   Size, Flags
            nvs,      data, nvs,     ,        0x4000,
            otadata,  data, ota,     ,        0x2000,
            phy_init, data, phy,     ,        0x1000,
            factory,  app,  factory, ,        1M,
            ota_0,    app,  ota_0,   ,        1M,
            ota_1,    app,  ota_1,   ,        1M,

            """),
            ("fixed.csv", "nvs,data,nvs,0x9000,24K,\nfactory,app,factory,0x10000,0xa2800,\nstorage,data,fat,,-0x300000,encrypted:readonly\n"),
            ("env.csv", "\u{FEFF}bootloader,bootloader,primary,N/A,N/A,\ntable,partition_table,primary,,,\napp,app,ota_0,$FLASH,${SIZE},\nx,0x40,0x99,,4K,\r\n"),
        ]
        return texts.map { ($0.0, Array($0.1.utf8)) }
    }
}
