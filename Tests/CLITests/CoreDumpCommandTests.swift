import Testing
import Foundation
import FlashFormats
import FlashModel

/// `flashscope coredump` on files from the project's encoders: raw dump, partition file, flash image,
/// refusals.
@Suite("coredump command")
struct CoreDumpCommandTests {
    func json(_ r: Spawn.Result) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    @Test("a raw dump and a partition file give the contract's keys")
    func bareFiles() throws {
        let dir = Spawn.tempDir()
        defer { Spawn.removeDir(dir) }
        let b = CoreDumpBuilder.esp32Sample()
        try AtomicFile.write(b.raw(), to: dir + "/a.core", overwrite: false)
        try AtomicFile.write(b.partition(), to: dir + "/a.partition.bin", overwrite: false)
        for name in ["a.core", "a.partition.bin"] {
            let r = Spawn.run(["coredump", dir + "/" + name, "--json"])
            #expect(r.status == 0, "\(name): \(r.stderr)")
            let j = try json(r)
            #expect(j["partition"] is NSNull && j["offset"] as? Int == 0 && j["state"] as? String == "written")
            #expect(j["version"] as? Int == 258 && j["format"] as? String == "elf" && j["chip"] as? String == "ESP32")
            #expect(j["checksum_ok"] as? Bool == true && j["app_elf_sha256"] as? String == "1b43c5e74" && j["crashed_app"] is NSNull)
            let e = try #require(j["exception"] as? [String: Any])
            #expect(e["cause"] as? Int == 29 && e["cause_name"] as? String == "StoreProhibited" && e["pc"] as? Int == 0x4008_110D)
            let t = try #require(j["crashed_task"] as? [String: Any])
            #expect(t["name"] as? String == "main" && (t["backtrace"] as? [Int])?.count == 9)
            #expect((j["tasks"] as? [[String: Any]])?.map { $0["name"] as? String } == ["main", "IDLE0", "ipc0"])
            #expect((j["diagnostics"] as? [Any])?.isEmpty == true)
        }
        let text = Spawn.run(["coredump", dir + "/a.core"])
        #expect(text.status == 0 && text.stdout.hasPrefix("the app crashed: StoreProhibited at 0x4008110d in task main, 9 frames\n"))
    }

    @Test("a flash image names the crashed app; an image without a coredump partition is refused")
    func flashImages() throws {
        let dir = Spawn.tempDir()
        defer { Spawn.removeDir(dir) }
        let fb = FlashImageBuilder.withCoreDump(CoreDumpBuilder.esp32Sample().partition(),
                                                apps: [("ota_0", FlashImageBuilder.sampleCrashedELFSHA256)])
        try AtomicFile.write(fb.bytes(), to: dir + "/img.bin", overwrite: false)
        let r = Spawn.run(["coredump", dir + "/img.bin", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try json(r)
        #expect(j["partition"] as? String == "coredump" && j["offset"] as? Int == 0x310000 && j["crashed_app"] as? String == "ota_0")
        let info = try json(Spawn.run(["info", dir + "/img.bin", "--json"]))
        let cd = try #require(info["coredump"] as? [String: Any])
        #expect(cd["crashed_app"] as? String == "ota_0" && cd["task"] as? String == "main" && cd["exception_cause"] as? Int == 29)
        let parts = try #require(info["partitions"] as? [[String: Any]])
        #expect(parts.last?["content"] as? String == "coredump")

        try AtomicFile.write(FlashImageBuilder.twoOTA().bytes(), to: dir + "/plain.bin", overwrite: false)
        let none = Spawn.run(["coredump", dir + "/plain.bin"])
        #expect(none.status == 65 && none.stderr.contains("no coredump partition"))
        let missing = Spawn.run(["coredump", dir + "/nothing.bin"])
        #expect(missing.status == 66)
        try AtomicFile.write([0x7F, 0x45], to: dir + "/tiny.bin", overwrite: false)
        #expect(Spawn.run(["coredump", dir + "/tiny.bin"]).status == 65)
        try AtomicFile.write(AppImageBuilder.smallApp(project: "x", version: "1"), to: dir + "/app.bin", overwrite: false)
        let app = Spawn.run(["coredump", dir + "/app.bin"])
        #expect(app.status == 65 && app.stderr.contains("not a core dump"))
        // A dump whose data_len is impossible is still a dump: reported as corrupt, not refused.
        var longDump = CoreDumpBuilder.esp32Sample().raw()
        longDump.putLE(0x0100_0000, at: 0)
        try AtomicFile.write(longDump, to: dir + "/long.core", overwrite: false)
        let long = Spawn.run(["coredump", dir + "/long.core", "--json"])
        #expect(long.status == 0)
        let longJSON = try json(long)
        #expect(longJSON["state"] as? String == "corrupt")
        let badELF = Spawn.run(["coredump", dir + "/img.bin", "--elf", dir + "/plain.bin"])
        #expect(badELF.status == 65 && badELF.stderr.hasPrefix("flashscope: error:"))
    }
}
