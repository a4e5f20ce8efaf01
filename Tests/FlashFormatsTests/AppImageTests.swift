import Testing
@testable import FlashFormats

/// Spec §3.11 vector: ESP32 image, one segment at 0x3FFB0000 with 01 02 03 04, DIO 4MB/40m, hash appended.
let specVector: [UInt8] = [
    0xe9, 0x01, 0x02, 0x20, 0x00, 0x00, 0x08, 0x40, 0xee, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0xfb, 0x3f, 0x04, 0x00, 0x00, 0x00,
    0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xeb,
    0x33, 0x5f, 0x76, 0xbe, 0x21, 0xa5, 0x28, 0x73, 0x27, 0x80, 0xd4, 0xb2, 0x1f, 0x8b, 0x18, 0x89,
    0x72, 0x11, 0xb8, 0x70, 0xfc, 0xc9, 0xaa, 0xdb, 0x1e, 0x7b, 0xf5, 0x3d, 0x4c, 0xf1, 0xe8, 0xfe,
]

@Test func parsesTheSpecVector() throws {
    let img = try #require(AppImage.inspect(ByteArray(specVector), at: 0).image)
    #expect(img.chip == .esp32 && img.segmentCount == 1 && img.entry == 0x4008_0000)
    #expect(img.flash.modeName == "DIO" && img.flash.flashSizeName == "4MB" && img.chip?.flashFrequencyName(img.flash.frequencyCode) == "40m")
    #expect(img.segments[0].loadAddress == 0x3FFB_0000 && img.segments[0].length == 4 && img.segments[0].headerOffset == 0x18)
    #expect(img.checksumOffset == 47 && img.checksumStored == 0xEB && img.checksumValid == true)
    #expect(img.hashValid == true && img.length == 80)
    #expect(img.diagnostics.isEmpty)
}

@Test func encoderReproducesTheSpecVector() {
    var b = AppImageBuilder(chip: .esp32)
    b.entry = 0x4008_0000
    b.maxChipRevisionFull = 0
    b.segments = [.init(loadAddress: 0x3FFB_0000, data: [1, 2, 3, 4])]
    #expect(b.bytes() == specVector)
}

@Test func checksumSitsInTheLastByteOfASixteenByteBlock() throws {
    // L (header + segment header + data) ≡ 15 mod 16 → no padding; ≡ 0 → 15 padding bytes.
    for dataLen in [4, 8, 12, 16, 20, 24, 28, 32] {
        var b = AppImageBuilder(chip: .esp32)
        b.segments = [.init(loadAddress: 0x3FFB_0000, data: [UInt8](repeating: 0x5A, count: dataLen))]
        let bytes = b.bytes()
        let img = try #require(AppImage.inspect(ByteArray(bytes), at: 0).image)
        let l = 24 + 8 + dataLen
        #expect(img.checksumOffset == ((l + 16) & ~15) - 1)
        #expect(img.checksumValid == true && img.hashValid == true)
    }
}

@Test func detectsCorruption() throws {
    var bad = specVector
    bad[33] ^= 0x01   // data byte: checksum and digest both wrong
    let img = try #require(AppImage.inspect(ByteArray(bad), at: 0).image)
    #expect(img.checksumValid == false && img.hashValid == false)
    var pad = specVector
    pad[40] ^= 0xFF   // padding byte: checksum fine, digest wrong
    let p = try #require(AppImage.inspect(ByteArray(pad), at: 0).image)
    #expect(p.checksumValid == true && p.hashValid == false)
}

@Test func truncationAndLimits() throws {
    for n in [1, 10, 23, 24, 30, 35, 47, 48, 60, 79] {
        let img = try #require(AppImage.inspect(ByteArray(Array(specVector[0..<n])), at: 0).image)
        #expect(img.truncated, "cut at \(n)")
        #expect(img.diagnostics.contains { $0.severity == .error })
    }
    // Inside a partition of 40 bytes the image does not fit: not truncated, but over the limit.
    let limited = try #require(AppImage.inspect(ByteArray(specVector + [UInt8](repeating: 0xFF, count: 64)), at: 0, limit: 40).image)
    #expect(!limited.truncated && !limited.structurallyValid)
}

@Test func slotClassification() {
    #expect(AppImage.inspect(ByteArray([]), at: 0).image == nil)
    if case .erased = AppImage.inspect(ByteArray([UInt8](repeating: 0xFF, count: 64)), at: 0) {} else { Issue.record("expected erased") }
    if case .noImage(let m) = AppImage.inspect(ByteArray([0xAA, 0x50, 0, 0]), at: 0) { #expect(m == 0xAA) } else { Issue.record("expected noImage") }
    if case .absent = AppImage.inspect(ByteArray([0xE9]), at: 5) {} else { Issue.record("expected absent") }
}

@Test func segmentRules() throws {
    var b = AppImageBuilder(chip: .esp32)
    b.segments = (0..<17).map { _ in .init(loadAddress: 0x3FFB_0000, data: [1, 2, 3, 4]) }
    let many = try #require(AppImage.inspect(ByteArray(b.bytes()), at: 0).image)
    #expect(many.diagnostics.contains { $0.code == .imageTooManySegments && $0.message.contains("at most 16") })
    // A flash-mapped segment whose load address disagrees with its flash offset modulo 64 KiB.
    b.segments = [.init(loadAddress: 0x3F40_1000, data: [1, 2, 3, 4])]
    let misaligned = try #require(AppImage.inspect(ByteArray(b.bytes()), at: 0).image)
    #expect(misaligned.diagnostics.contains { $0.code == .imageMMUMisaligned && $0.message.contains("MMU page") })
}

@Test func typicalAppIsValidWithDescriptor() throws {
    for chip in [Chip.esp32, .esp32s3, .esp32c3, .esp32c6] {
        let bytes = AppImageBuilder.typicalApp(chip: chip, project: "demo", version: "1.2.3", codeSize: 0x1000).bytes()
        let img = try #require(AppImage.inspect(ByteArray(bytes), at: 0, flashAddress: 0x10000).image)
        #expect(img.structurallyValid, "\(chip.name): \(img.diagnostics)")
        #expect(img.checksumValid == true && img.hashValid == true && img.chip == chip)
        let d = try #require(img.appDescriptor)
        #expect(d.projectName == "demo" && d.version == "1.2.3" && d.idfVersion == "v5.5.1" && d.mmuPageSizeLog2 == 16)
    }
}

@Test func memoryTypesFollowEsptool() {
    #expect(ChipMemoryMap.memoryTypes(chipID: 5, address: 0x3C02_0020) == ["DROM"])
    #expect(ChipMemoryMap.memoryTypes(chipID: 5, address: 0x3FC8_BA00) == ["DRAM", "BYTE_ACCESSIBLE"])
    #expect(ChipMemoryMap.memoryTypes(chipID: 0, address: 0x4007_8000) == ["CACHE_APP"])
    #expect(ChipMemoryMap.memoryTypes(chipID: 0xBEEF, address: 0) == [])
}

@Test func mmuPageFollowsTheVerifiersBuildNotTheDescriptor() throws {
    #expect(Chip.esp32c6.defaultMMUPageSize(flashSize: 1 << 20) == 0x4000)
    #expect(Chip.esp32c61.defaultMMUPageSize(flashSize: 2 << 20) == 0x8000)
    #expect(Chip.esp32c6.defaultMMUPageSize(flashSize: 4 << 20) == 0x10000)
    #expect(Chip.esp32.defaultMMUPageSize(flashSize: 1 << 20) == 0x10000)
    // A C6 image laid out for 64 KiB pages also satisfies a 32 KiB verifier; not the other way round.
    let bytes = AppImageBuilder.typicalApp(chip: .esp32c6, project: "x", version: "1").bytes()
    #expect(AppImage.inspect(ByteArray(bytes), at: 0, flashAddress: 0x8000, mmuPageSize: 0x8000).image?.structurallyValid == true)
    #expect(AppImage.inspect(ByteArray(bytes), at: 0, flashAddress: 0x8000, mmuPageSize: 0x10000).image?.structurallyValid == false)
}

@Test func esptoolFrequencyNames() {
    #expect(Chip.esp32c6.flashFrequencyName(0) == "80m" && Chip.esp32c6.flashFrequencyName(0xF) == nil)
    #expect(Chip.esp32h2.flashFrequencyName(1) == "16m")
    #expect(Chip.esp32h4.flashFrequencyName(1) == nil && Chip.esp32h4.flashFrequencyName(0xF) == "48m")
    #expect(Chip.esp32c2.flashFrequencyName(0) == "30m")
}
