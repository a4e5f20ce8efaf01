import Testing
import FlashFormats
import FlashModel
@testable import FlashScopeUI
import ScreenKit

/// One truth: the TUI states the same boot facts as `info --json` (Report.json) for every sample and a
/// set of generated images — every otadata state, a corrupt CRC, partial dumps — with rollback off and on.
@Suite("One truth: the TUI agrees with info --json")
struct AgreementTests {
    static func generated() -> [(String, [UInt8])] {
        let apps = SampleImages.all()
        let v1 = apps.first { $0.name == "ota1-active.bin" }!.bytes
        func slot(_ name: String) -> [UInt8] {
            let p = FlashImageBuilder.twoOTA().partition(name)!
            return Array(v1[Int(p.offset)..<Int(p.offset) + 0x20000])
        }
        var out: [(String, [UInt8])] = []
        let states: [UInt32] = [OTAState.new, OTAState.pendingVerify, OTAState.valid, OTAState.invalid, OTAState.aborted, OTAState.undefined]
        for state in states {
            for (s0, s1) in [(UInt32(1), UInt32(2)), (UInt32(2), UInt32(1)), (UInt32(3), UInt32(0xFFFF_FFFF))] {
                var f = FlashImageBuilder.twoOTA()
                f.app("factory", slot("factory"))
                f.app("ota_0", slot("ota_0"))
                f.app("ota_1", slot("ota_1"))
                f.otadata(OTAEntry(seq: s0, state: OTAState.valid), OTAEntry(seq: s1, state: state))
                out.append(("state-\(OTAState.name(state))-\(s0)-\(s1)", f.bytes()))
            }
        }
        var empty = FlashImageBuilder.twoOTA()
        empty.app("factory", slot("factory"))
        empty.otadata(OTAEntry(seq: 1, state: OTAState.undefined), nil)   // selects ota_0, which is empty
        out.append(("selects-empty-ota0", empty.bytes()))
        return out
    }

    static func images() -> [(String, [UInt8])] { WalkImages.all().map { ($0.name, $0.bytes) } + generated() }

    @Test("boot line, OTA pane and partition statuses state what Report.json states", arguments: [false, true])
    func agree(rollback: Bool) throws {
        var checked = 0
        for (name, bytes) in Self.images() {
            let state = try AppState(document: FlashDocument(bytes: bytes), displayName: name,
                                     settings: OTASettings(rollback: rollback), width: 120, height: 40)
            let p = Program(state: state)
            p.settle([.resize(width: 120, height: 40)])
            let l = p.state.layout
            let json = Report.json(l, file: name)
            let screen = p.screen
            let bootLine = screen.lines()[1]
            let where_ = "\(name), rollback \(rollback)"
            guard let boot = json["boot"], boot != .null else {
                #expect(!bootLine.contains("boots") || bootLine.contains("no boot decision") || bootLine.contains("on its own"), "\(where_): \(bootLine)")
                continue
            }
            func str(_ j: JSON?) -> String? { if case .string(let v)? = j { v } else { nil } }
            func int(_ j: JSON?) -> Int? { if case .int(let v)? = j { v } else { nil } }
            switch str(boot["outcome"]) {
            case "loads":
                let loaded = try #require(str(boot["loaded"]))
                #expect(bootLine.contains("boots \(loaded)"), "\(where_): \(bootLine)")
            case "nothing_loads":
                #expect(bootLine.contains("nothing boots"), "\(where_): \(bootLine)")
            case "unknown":
                #expect(bootLine.contains("unknown") && !bootLine.contains("nothing boots"), "\(where_): \(bootLine)")
            default:
                Issue.record("\(where_): no outcome in the JSON")
            }
            let lay = Layout.compute(width: 120, height: 40, state: p.state)
            let otaText = IssueTenMoreTests.regionText(screen, lay.otadata)
            if let k = int(boot["active_sector"]) {
                // The deciding sector comes first on the boot line and is the one the OTA pane marks.
                let parts = bootLine.split(separator: "sector ", maxSplits: 1, omittingEmptySubsequences: false)
                #expect(parts.count == 2 && parts[1].hasPrefix(String(k)), "\(where_): \(bootLine)")
                #expect(otaText.contains("sector \(k) ◀ active"), "\(where_): \(otaText)")
                if let sel = str(boot["selected"]), let od = l.partitions.first(where: { $0.entry.isOTAData }) {
                    #expect(Derived.content(p.state, od) == "sector \(k) ▶ \(sel)", "\(where_): \(Derived.content(p.state, od))")
                }
            } else {
                #expect(!otaText.contains("◀ active"), "\(where_): \(otaText)")
            }
            // Every otadata CRC verdict is the JSON's.
            if case .array(let sectors)? = json["otadata"]?["sectors"] {
                let checks = Derived.otadataChecks(p.state)
                for sec in sectors {
                    guard let k = int(sec["sector"]), case .bool(let ok)? = sec["crc_ok"], int(sec["seq"]) != 0xFFFF_FFFF else { continue }
                    #expect(checks[k].ok == ok, "\(where_): sector \(k) CRC")
                }
            }
            // Partition statuses: ✓ exactly for the images the bootloader would accept.
            for a in l.apps {
                guard let info = l.partition(named: a.partition.name), case .image = a.content else { continue }
                let st = Derived.status(p.state, info)
                #expect(st.text.hasPrefix("✓") == a.verdict.bootable, "\(where_): \(a.partition.name) \(st.text)")
            }
            checked += 1
        }
        #expect(checked >= 25)
    }
}
