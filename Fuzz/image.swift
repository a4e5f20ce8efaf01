// Fuzz target: the whole-image pipeline a user runs on a dump (`flashscope info`, `set-boot`):
// detection, analysis, both reports, and planning every OTA operation on the result.
import FlashFormats
import FlashModel

enum FuzzTarget {
    static let stagedApp = Seeds.app(version: "9.9.9", seed: 9)

    static func run(_ bytes: [UInt8]) {
        let doc = FlashDocument(bytes: bytes)
        for options in [AnalysisOptions(), AnalysisOptions(rollback: true)] {
            guard let layout = try? FlashLayout.analyze(doc, digests: doc.digests, options: options) else { continue }
            _ = Report.json(layout, file: "fuzz").serialized()
            _ = TextReport(colour: true).render(layout, file: "fuzz")
            let planner = OTAPlanner(document: doc, layout: layout, settings: OTASettings(rollback: options.rollback))
            for a in layout.apps.prefix(4) {
                _ = try? planner.setBoot(a.partition.name)
                _ = try? planner.setBoot(a.partition.name, skipValidate: true)
                _ = try? planner.stage(a.partition.name, image: stagedApp)
            }
            _ = try? planner.markValid()
            _ = try? planner.markInvalid()
            _ = try? planner.eraseOTAData()
            _ = try? planner.eraseLastBootApp()
            let (_, plan) = planner.nextBoot()
            _ = try? doc.apply(plan)
            doc.discardEdits()
        }
    }

    static func seeds() -> [(String, [UInt8])] {
        var truncated = Seeds.compact().bytes()
        truncated.removeLast(0x40000 - 0x20123)   // inside ota_0's image
        return [
            ("compact-ota1.bin", Seeds.compact().bytes()),
            ("compact-fresh.bin", Seeds.compact(otadata: (nil, nil)).bytes()),
            ("compact-rollback.bin", Seeds.compact(otadata: (OTAEntry(seq: 1, state: OTAState.valid),
                                                             OTAEntry(seq: 2, state: OTAState.pendingVerify))).bytes()),
            ("compact-c3.bin", Seeds.compact(.esp32c3).bytes()),
            ("compact-empty-slots.bin", Seeds.compact(apps: false).bytes()),
            ("compact-truncated.bin", truncated),
            ("encrypted-looking.bin", Seeds.encryptedLooking()),
        ]
    }
}
