import Foundation
import Testing
import FlashFormats
import FlashModel

/// What the engine made of one input.
struct Outcome {
    /// nil when analysis refused the input (`AnalysisError`).
    let layout: FlashLayout?
    let refusal: AnalysisError?
    /// `Report.json` of the layout, serialized.
    let json: String

    var problems: [Diagnostic] { layout?.diagnostics.filter { $0.severity >= .warning } ?? [] }
    var notBootable: Set<String> { Set(layout?.apps.filter { !$0.verdict.bootable }.map(\.partition.name) ?? []) }
}

/// Counts inputs per suite so the total can be reported.
final class InputCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    static let shared = InputCounter()
    func add(_ suite: String, _ n: Int) {
        lock.lock(); counts[suite, default: 0] += n; lock.unlock()
        print("robustness: \(suite): \(n) inputs")
    }
}

enum Examine {
    /// Runs everything a user can run on `bytes`: detection and analysis (plain and with rollback), the
    /// text and JSON reports, and, for a flash image, planning every OTA operation. A trap here ends the
    /// test process, which fails the run; the returned outcome is checked by the caller.
    static func run(_ bytes: [UInt8], planning: Bool = false) -> Outcome {
        let doc = FlashDocument(bytes: bytes)
        let layout: FlashLayout
        do {
            layout = try FlashLayout.analyze(doc, digests: doc.digests)
        } catch {
            return Outcome(layout: nil, refusal: error, json: "")
        }
        let json = Report.json(layout, file: "input", nvsSource: doc).serialized()
        _ = TextReport(colour: true).render(layout, file: "input")
        if planning, layout.kind == .flashImage {
            if let rollback = try? FlashLayout.analyze(doc, digests: doc.digests, options: AnalysisOptions(rollback: true)) {
                _ = Report.json(rollback, file: "input").serialized()
            }
            let planner = OTAPlanner(document: doc, layout: layout, settings: OTASettings())
            for a in layout.apps { _ = try? planner.setBoot(a.partition.name) }
            _ = try? planner.markValid()
            _ = try? planner.markInvalid()
            _ = try? planner.eraseLastBootApp()
            _ = planner.nextBoot()
        }
        return Outcome(layout: layout, refusal: nil, json: json)
    }

    /// The JSON report parses as JSON and carries every diagnostic.
    static func wellFormed(_ o: Outcome, _ label: @autoclosure () -> String) -> Bool {
        guard let l = o.layout else { return true }
        guard let obj = try? JSONSerialization.jsonObject(with: Data(o.json.utf8)) as? [String: Any],
              let diags = obj["diagnostics"] as? [Any] else {
            Issue.record("\(label()): the JSON report does not parse")
            return false
        }
        if diags.count != l.diagnostics.count {
            Issue.record("\(label()): JSON has \(diags.count) diagnostics, the layout \(l.diagnostics.count)")
            return false
        }
        return true
    }
}
