#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import FlashFormats
@testable import FlashModel

@Test func atomicWriteRefusesToClobberAndLeavesNoTempFiles() throws {
    let dir = makeTempDir(); defer { removeTree(dir) }
    let path = dir + "/out.bin"
    try AtomicFile.write([1, 2, 3], to: path, overwrite: false)
    #expect(throws: FileError.self) { try AtomicFile.write([4], to: path, overwrite: false) }
    #expect(readFile(path) == [1, 2, 3])
    try AtomicFile.write([4], to: path, overwrite: true)
    #expect(readFile(path) == [4])
    #expect(listDir(dir) == ["out.bin"])
    #expect { try AtomicFile.write([1], to: dir + "/missing/x.bin", overwrite: false) } throws: { ($0 as? FileError)?.kind == .outputUnwritable }
    #expect { try AtomicFile.write([1], to: "/dev/null", overwrite: true) } throws: { ($0 as? FileError)?.kind == .outputUnwritable }
}

@Test func injectedWriteFailureLeavesNoPartialOutput() throws {
    let dir = makeTempDir(); defer { removeTree(dir) }
    setenv("FLASHSCOPE_FAIL_WRITE", "ENOSPC:4096", 1)
    defer { unsetenv("FLASHSCOPE_FAIL_WRITE") }
    #expect { try AtomicFile.write([UInt8](repeating: 7, count: 100_000), to: dir + "/o.bin", overwrite: false) }
        throws: { ($0 as? FileError)?.kind == .io && "\($0)".contains("No space") }
    #expect(listDir(dir).isEmpty)
}

@Test func saverKeepsTheInputAndReportsRegions() throws {
    let dir = makeTempDir(); defer { removeTree(dir) }
    let input = dir + "/in.bin"
    writeFile(input, sample("fresh-two-ota.bin"))
    let file = try MappedFile(path: input)
    let doc = FlashDocument(file: file)
    let l = try analyze(doc)
    try doc.apply(try OTAPlanner(document: doc, layout: l, settings: OTASettings()).stage("ota_1", image: sample("app-2.1.0.bin")))
    // Saving over the input is refused without --in-place.
    #expect { try ImageSaver.save(doc, to: input) } throws: { ($0 as? FileError)?.kind == .outputExists }
    let r = try ImageSaver.save(doc, to: dir + "/out.bin", chip: .esp32)
    #expect(readFile(input) == sample("fresh-two-ota.bin"))
    #expect(r.changedRanges == [0x210000..<0x22B000])
    #expect(r.esptoolCommand == "esptool --chip esp32 write-flash 0x210000 \(dir)/out.bin.0x210000.bin")
    let out = try #require(readFile(dir + "/out.bin"))
    #expect(readFile(dir + "/out.bin.0x210000.bin") == Array(out[0x210000..<0x22B000]))
    // Only the reported region differs.
    let before = sample("fresh-two-ota.bin")
    let diff = (0..<out.count).filter { out[$0] != before[$0] }
    #expect(diff.allSatisfy { r.changedRanges[0].contains($0) } && !diff.isEmpty)
    // In place: a .bak with the original first.
    let inPlace = try ImageSaver.save(doc, to: input, inPlace: true, regionFiles: false)
    #expect(inPlace.backup == input + ".bak" && readFile(input + ".bak") == before && readFile(input) == out)
}

@Test func saverRefusesWhenTheInputChangedOnDisk() throws {
    let dir = makeTempDir(); defer { removeTree(dir) }
    let input = dir + "/in.bin"
    writeFile(input, sample("ota1-active.bin"))
    let doc = FlashDocument(file: try MappedFile(path: input))
    try doc.write([0], at: 0x9000, label: "poke")
    writeFile(input, sample("fresh-two-ota.bin"))   // replaced behind our back
    #expect { try ImageSaver.save(doc, to: dir + "/out.bin") } throws: { ($0 as? FileError)?.kind == .changedOnDisk }
    #expect(!listDir(dir).contains("out.bin"))
}
