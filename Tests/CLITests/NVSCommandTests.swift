#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
import FlashFormats
import FlashModel

/// Issue 11 through the real binary: --from-csv writes the partition into a new image (only the NVS
/// sectors change), nvs --json reads it back, --csv regenerates the same bytes, a bad CSV names its
/// line and writes nothing, and info --json summarises it.
@Test func nvsCommandStory() throws {
    let dir = FlashScopeBinary.tempDirectory()
    defer { _ = system("rm -rf '\(dir)'") }
    let input = dir + "/device.bin", csv = dir + "/in.csv", out = dir + "/new.bin"
    let original = SampleImages.all().first { $0.name == "fresh-two-ota.bin" }!.bytes
    try AtomicFile.write(original, to: input, overwrite: true)
    try AtomicFile.write(Array("key,type,encoding,value\ncfg,namespace,,\nport,data,u16,8080\nname,data,string,\"a, b\"\n".utf8), to: csv, overwrite: true)

    let w = try FlashScopeBinary.run(["nvs", input, "--from-csv", csv, "-o", out])
    #expect(w.status == 0, "\(w.stderr)")
    #expect(w.stdout.contains("changed: 0x9000–0xa000"), "\(w.stdout)")
    let saved = try MappedFile(path: out)
    let bytes = saved.bytes(0..<saved.count)
    #expect(Array(bytes[0..<0x9000]) == Array(original[0..<0x9000]) && Array(bytes[0xD000...]) == Array(original[0xD000...]))
    let expected = try NVSBuilder.generate(csv: String(decoding: try MappedFile(path: csv).bytes(0..<200), as: UTF8.self), size: 0x4000) { _ in nil }
    #expect(Array(bytes[0x9000..<0xD000]) == expected)

    let r = try FlashScopeBinary.run(["nvs", out, "--json"])
    #expect(r.status == 0)
    let j = try #require(JSONParser.parse(r.stdout))
    guard case .array(let parts)? = j["partitions"], case .array(let values)? = parts.first?["values"] else { Issue.record("shape"); return }
    #expect(values.count == 2)
    #expect(values.first?["value"] == .int(8080) && values.first?["type"] == .string("u16"))
    #expect(values.last?["value"] == .string("a, b"))

    let e = try FlashScopeBinary.run(["nvs", out, "--csv", "-o", dir + "/export.csv"])
    #expect(e.status == 0, "\(e.stderr)")
    let again = try FlashScopeBinary.run(["nvs", input, "--from-csv", dir + "/export.csv", "-o", dir + "/again.bin"])
    #expect(again.status == 0, "\(again.stderr)")
    let againBytes = try MappedFile(path: dir + "/again.bin")
    #expect(againBytes.bytes(0..<againBytes.count) == bytes)

    try AtomicFile.write(Array("key,type,encoding,value\ncfg,namespace,,\nport,data,u16,70000\n".utf8), to: dir + "/bad.csv", overwrite: true)
    let bad = try FlashScopeBinary.run(["nvs", input, "--from-csv", dir + "/bad.csv", "-o", dir + "/bad.bin"])
    #expect(bad.status == 65 && bad.stderr.contains("line 3"), "\(bad.stderr)")
    #expect(access(dir + "/bad.bin", F_OK) != 0)

    let info = try FlashScopeBinary.run(["info", "--json", out])
    let ij = try #require(JSONParser.parse(info.stdout))
    guard case .array(let nvs)? = ij["nvs"] else { Issue.record("no nvs in info"); return }
    #expect(nvs.first?["keys"] == .int(2) && nvs.first?["namespaces"] == .int(1) && nvs.first?["pages_used"] == .int(1))
}
