import Testing
import FlashFormats
import FlashModel
@testable import FlashScopeUI

/// The TUI renders the engine's verdict for a bootloader without `esp_bootloader_desc_t`: when the
/// releases it can be from decide differently, the boot line says unknown and why.
@Suite("Bootloader release range on screen")
struct ReleaseRangeScreenTests {
    /// A v4.4.5–v5.1.x bootloader without a descriptor and a factory app whose eFuse block window is
    /// empty: v5.1.7+ starts nothing, earlier releases start factory.
    static func dependent() -> FlashImageBuilder {
        var app = AppImageBuilder.typicalApp(chip: .esp32c3, project: "range", version: "1.0", seed: 3)
        var desc = AppDescriptorBuilder(projectName: "range", version: "1.0", idfVersion: "v5.1.7", date: "d", time: "t")
        desc.minEfuseBlockRevision = 200
        desc.maxEfuseBlockRevision = 199
        app.segments[0].data.replaceSubrange(0..<AppDescriptor.size, with: desc.bytes())
        var b = FlashImageBuilder(chip: .esp32c3, partitions: [
            PartitionEntry(name: "nvs", type: 1, subtype: 2, offset: 0x9000, size: 0x6000),
            PartitionEntry(name: "factory", type: 0, subtype: 0, offset: 0x10000, size: 0x100000),
        ])
        b.bootloaderIDF = nil
        b.bootloaderMaxChipRevisionFull = 199
        b.app("factory", app.bytes())
        return b
    }

    @Test("check_efuse_blk_validity: a v4.4.5–v5.1.x bootloader whose verdict depends on v5.1.7 shows 'unknown' with the rule")
    func dependsOnRelease() throws {
        let p = try IssueTenTests.program(bytes: Self.dependent().bytes(), width: 200, height: 40)
        #expect(p.state.layout.boot?.outcome == .unknown)
        let boot = p.screen.lines()[1]
        #expect(boot.contains("unknown"), "\(boot)")
        #expect(boot.contains("v5.1.7+ checks the eFuse block revision"), "\(boot)")
        #expect(!boot.contains("boots factory") && !boot.contains("nothing boots"), "\(boot)")
    }

    @Test("the TUI judges with the command line's --bootloader-idf and --efuse-blk-rev, as info does, also after a re-analysis")
    func commandLineOptionsReachTheScreen() throws {
        let bytes = Self.dependent().bytes()
        for (release, outcome) in [(IDFVersion(5, 1, 6), BootOutcome.loads), (IDFVersion(5, 1, 7), BootOutcome.nothingLoads)] {
            let options = AnalysisOptions(bootloaderIDF: release, efuseBlockRevision: ChipRevision(0, 0))
            let info = try FlashLayout.analyze(ByteArray(bytes), options: options)
            #expect(info.boot?.outcome == outcome)
            let state = try AppState(document: FlashDocument(bytes: bytes), displayName: "range.bin", analysis: options, width: 200, height: 40)
            let p = Program(state: state)
            p.settle([.resize(width: 200, height: 40)])
            #expect(p.state.layout.boot?.outcome == outcome, "\(release)")
            let boot = p.screen.lines()[1]
            #expect(!boot.contains("unknown"), "\(boot)")
            #expect(boot.contains(outcome == .loads ? "factory" : "nothing"), "\(boot)")
            // Toggling rollback re-analyses the image: the pinned release still applies.
            p.type("r")
            #expect(p.state.analysisOptions.bootloaderIDF == release && p.state.analysisOptions.rollback)
            #expect(p.state.layout.boot?.outcome == outcome)
        }
    }
}
