import ArgumentParser
import FlashFormats
import FlashModel

/// Options every writing command shares.
struct WriteOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Write the result to this new file (the input is never modified).")
    var output: String?
    @Flag(name: .customLong("in-place"), help: "Modify the input file itself (a .bak copy is kept first).")
    var inPlace = false
    @Flag(help: "Replace an existing output file; skip the image check of set-boot; stage past failed checks.")
    var force = false
    @Flag(name: .customLong("dry-run"), help: "Print exactly what would be written, and write nothing.")
    var dryRun = false
    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        if !dryRun && output == nil && !inPlace { throw ValidationError("give -o OUT (a new file), --in-place, or --dry-run") }
        if inPlace && output != nil { throw ValidationError("--in-place and -o exclude each other") }
    }
}

/// OTA build settings on the command line.
struct OTASettingsOptions: ParsableArguments {
    @Option(help: "ESP-IDF release of the app's OTA code: 6 (v6.0, default), 5 (v5.4), or a release such as 5.5 or v5.2.3.")
    var idf: String = "6"

    func validate() throws { _ = try appIDF() }
    func appIDF() throws -> IDFVersion { try parseIDF(idf, what: "--idf") }
}

/// Runs planned operations on an opened image, prints them, saves.
struct Session {
    let opened: Opened
    let settings: OTASettings
    let write: WriteOptions
    let file: String
    var reports: [JSON] = []
    var lines: [String] = []

    init(image: ImageOptions, settings: OTASettingsOptions, write: WriteOptions) throws {
        opened = try image.open()
        self.settings = OTASettings(rollback: image.rollback, appIDF: try settings.appIDF())
        self.write = write
        file = image.file
        current = opened.layout
    }

    var document: FlashDocument { opened.document }

    /// The analysis of the document as it is now: the one made when the file was opened, until an
    /// operation changes the bytes.
    var current: FlashLayout

    func layout() throws -> FlashLayout {
        do { return try FlashLayout.analyze(document, digests: document.digests, options: opened.layout.options) }
        catch { throw CLIError("\(file): \(error)", code: CLIError.Code.notAnImage) }
    }

    mutating func run(_ make: (OTAPlanner) throws(OTAError) -> OTAPlan) throws {
        let planner = OTAPlanner(document: document, layout: current, settings: settings)
        let plan: OTAPlan
        do { plan = try make(planner) } catch { throw CLIError(error.description, code: CLIError.Code.refused) }
        lines += PlanText.lines(plan, settings: settings)
        reports.append(PlanText.json(plan))
        do { try document.apply(plan) } catch { throw CLIError(error.description, code: CLIError.Code.io) }
        current = try layout()
    }

    func finish() throws {
        let after = current
        var out = lines
        var top: [(String, JSON)] = [("operations", .array(reports))]
        if let b = after.boot {
            let starts = b.outcome == .unknown ? b.outcomeSentence : b.loaded.map { "boots \($0)" } ?? "nothing boots"
            out.append("after: \(starts) · \(b.reason)")
            top.append(("boot_after", .object([("selected", .opt(b.selected)), ("loaded", .opt(b.loaded)),
                                               ("outcome", .string(b.outcome.rawValue)), ("reason", .string(b.reason))])))
        }
        if write.dryRun {
            out.append("dry run: nothing written")
            top.append(("saved", .null))
        } else {
            let target = write.inPlace ? file : write.output!
            let r: ImageSaver.Result
            do {
                r = try ImageSaver.save(document, to: target, inPlace: write.inPlace, force: write.force, chip: after.chip)
            } catch { throw CLIError(error) }
            let ranges = r.changedRanges.map { "\(Hex.short($0.lowerBound))–\(Hex.short($0.upperBound))" }
            out.append("saved \(r.path) (\(document.count) bytes)" + (r.backup.map { "; original kept as \($0)" } ?? ""))
            out.append("changed: " + (ranges.isEmpty ? "nothing" : ranges.joined(separator: ", ")))
            if !r.esptoolCommand.isEmpty { out.append("to program only these regions: \(r.esptoolCommand)") }
            if !r.esptoolDiffWith.isEmpty { out.append("or, against the device still holding the input (esptool 5.1+): \(r.esptoolDiffWith)") }
            top.append(("saved", .object([
                ("path", .string(r.path)), ("backup", .opt(r.backup)),
                ("changed_ranges", .array(r.changedRanges.map { .array([.num($0.lowerBound), .num($0.upperBound)]) })),
                ("region_files", .array(r.regionFiles.map { .object([("offset", .num($0.offset)), ("path", .string($0.path))]) })),
                ("esptool", .string(r.esptoolCommand)),
                ("esptool_diff_with", .string(r.esptoolDiffWith)),
            ])))
        }
        if write.json { writeStdout(JSON.object(top).serialized() + "\n") } else { writeStdout(out.joined(separator: "\n") + "\n") }
    }
}

/// How plans are printed.
enum PlanText {
    static func entryHex(_ e: OTAEntry?) -> String { e.map { Hex.bytes($0.bytes()) } ?? String(repeating: "ff", count: 32) }

    static func entryWords(_ e: OTAEntry?) -> String {
        guard let e else { return "erased" }
        if e.isErased { return "erased" }
        return "seq \(e.seq) · state \(OTAState.name(e.state)) · crc \(Hex.padded(e.crc, 8))\(e.crcOK ? "" : " (wrong, expected \(Hex.padded(e.expectedCRC, 8)))")"
    }

    static func lines(_ p: OTAPlan, settings: OTASettings) -> [String] {
        var out = ["\(p.function) · ESP-IDF \(settings.appIDF == OTASettings.v6Default ? "v6" : settings.appIDF == OTASettings.v5Default ? "v5" : "v\(settings.appIDF)") rules · rollback \(settings.rollback ? "on" : "off")"]
        for c in p.checks { out.append("  check \(c.name.padding(11)) \(c.passed ? "✓" : "✗") \(c.detail)") }
        if p.isNoOp { out.append("  nothing to write") }
        for s in p.steps {
            switch s {
            case .erase(let r): out.append("  erase \(Hex.short(r.lowerBound))–\(Hex.short(r.upperBound)) (\(r.count / 0x1000) sector\(r.count == 0x1000 ? "" : "s"))")
            case .write(let o, let b): out.append("  write \(b.count) bytes at \(Hex.short(o))")
            }
        }
        for c in p.otadataChanges {
            out.append("  otadata sector \(c.sector) @\(Hex.short(c.offset)):")
            out.append("    before \(entryHex(c.before))  \(entryWords(c.before))")
            out.append("    after  \(entryHex(c.after))  \(entryWords(c.after))")
        }
        for l in p.powerLoss {
            out.append("  if power fails \(l.when): \(l.loaded.map { "boots \($0)" } ?? "nothing boots") (\(l.reason))")
        }
        for n in p.notes { out.append("  note: \(n)") }
        return out
    }

    static func entryJSON(_ e: OTAEntry?) -> JSON {
        guard let e else { return .null }
        return .object([("hex", .string(Hex.bytes(e.bytes()))), ("seq", .num(e.seq)), ("state", .num(e.state)),
                        ("state_name", .string(OTAState.name(e.state))), ("crc", .num(e.crc)), ("crc_ok", .bool(e.crcOK))])
    }

    static func json(_ p: OTAPlan) -> JSON {
        .object([
            ("function", .string(p.function)), ("label", .string(p.label)),
            ("steps", .array(p.steps.map { s in
                switch s {
                case .erase(let r): .object([("erase", .array([.num(r.lowerBound), .num(r.upperBound)]))])
                case .write(let o, let b): .object([("write", .object([("offset", .num(o)), ("length", .num(b.count))]))])
                }
            })),
            ("otadata_changes", .array(p.otadataChanges.map { c in
                .object([("sector", .num(c.sector)), ("offset", .num(c.offset)), ("before", entryJSON(c.before)), ("after", entryJSON(c.after) == .null ? .object([("erased", .bool(true))]) : entryJSON(c.after))])
            })),
            ("power_loss", .array(p.powerLoss.map { l in
                .object([("when", .string(l.when)), ("selected", .opt(l.selected)), ("loaded", .opt(l.loaded)),
                         ("outcome", .string(l.outcome.rawValue)), ("reason", .string(l.reason))])
            })),
            ("checks", .array(p.checks.map { c in .object([("name", .string(c.name)), ("passed", .bool(c.passed)), ("detail", .string(c.detail))]) })),
            ("notes", .array(p.notes.map(JSON.string))),
        ])
    }
}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}

struct StageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stage",
        abstract: "Write an app image into an OTA slot (esp_ota_begin/write/end), optionally switch to it.").leaf
    @OptionGroup var image: ImageOptions
    @Option(help: "The app partition to write (ota_0, ota_1, factory, …).") var slot: String
    @Option(help: "The app image file to write.") var app: String
    @Flag(help: "Then select it for the next boot (esp_ota_set_boot_partition).") var commit = false
    @OptionGroup var settings: OTASettingsOptions
    @OptionGroup var write: WriteOptions

    func run() throws {
        let appFile: MappedFile
        do { appFile = try MappedFile(path: app) } catch { throw CLIError(error) }
        let bytes = appFile.bytes(0..<appFile.count)
        guard !bytes.isEmpty else { throw CLIError("\(app): the file is empty", code: CLIError.Code.notAnImage) }
        var s = try Session(image: image, settings: settings, write: write)
        let force = write.force
        try s.run { (p: OTAPlanner) throws(OTAError) -> OTAPlan in try p.stage(slot, image: bytes, force: force) }
        if commit {
            try s.run { (p: OTAPlanner) throws(OTAError) -> OTAPlan in try p.setBoot(slot, skipValidate: force) }
        }
        try s.finish()
    }
}

struct SetBootCommand: SingleOperationCommand {
    static let configuration = CommandConfiguration(commandName: "set-boot",
        abstract: "Select a partition for the next boot exactly as esp_ota_set_boot_partition does.").leaf
    @OptionGroup var image: ImageOptions
    @Option(help: "The app partition to boot (factory, ota_0, …).") var slot: String
    @OptionGroup var settings: OTASettingsOptions
    @OptionGroup var write: WriteOptions

    func plan(_ planner: OTAPlanner) throws(OTAError) -> OTAPlan { try planner.setBoot(slot, skipValidate: write.force) }
}

struct MarkCommand: SingleOperationCommand {
    static let configuration = CommandConfiguration(commandName: "mark",
        abstract: "Confirm or reject the running app (esp_ota_mark_app_valid_cancel_rollback / esp_ota_mark_app_invalid_rollback).").leaf
    @OptionGroup var image: ImageOptions
    @Flag(help: "Mark the running app VALID.") var valid = false
    @Flag(help: "Mark the running app INVALID (needs another bootable app to roll back to).") var invalid = false
    @OptionGroup var settings: OTASettingsOptions
    @OptionGroup var write: WriteOptions

    func validate() throws {
        if valid == invalid { throw ValidationError("give exactly one of --valid or --invalid") }
    }

    func plan(_ planner: OTAPlanner) throws(OTAError) -> OTAPlan { valid ? try planner.markValid() : try planner.markInvalid() }
}

/// A command that runs one planner operation on an image and saves the result.
protocol SingleOperationCommand: ParsableCommand {
    var image: ImageOptions { get }
    var settings: OTASettingsOptions { get }
    var write: WriteOptions { get }
    func plan(_ planner: OTAPlanner) throws(OTAError) -> OTAPlan
}

extension SingleOperationCommand {
    func run() throws {
        var s = try Session(image: image, settings: settings, write: write)
        try s.run { (p: OTAPlanner) throws(OTAError) -> OTAPlan in try plan(p) }
        try s.finish()
    }
}

struct EraseOTADataCommand: SingleOperationCommand {
    static let configuration = CommandConfiguration(commandName: "erase-otadata",
        abstract: "Erase both otadata sectors (the device then boots factory, or tries ota_0).").leaf
    @OptionGroup var image: ImageOptions
    @OptionGroup var settings: OTASettingsOptions
    @OptionGroup var write: WriteOptions

    func plan(_ planner: OTAPlanner) throws(OTAError) -> OTAPlan { try planner.eraseOTAData() }
}

struct EraseLastBootCommand: SingleOperationCommand {
    static let configuration = CommandConfiguration(commandName: "erase-last-boot",
        abstract: "Erase the previously booted app and its otadata entry (esp_ota_erase_last_boot_app_partition).").leaf
    @OptionGroup var image: ImageOptions
    @OptionGroup var settings: OTASettingsOptions
    @OptionGroup var write: WriteOptions

    func plan(_ planner: OTAPlanner) throws(OTAError) -> OTAPlan { try planner.eraseLastBootApp() }
}

struct BootCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "boot",
        abstract: "Simulate boots: which app starts, and what the bootloader writes to otadata each time. Changes nothing.").leaf
    @OptionGroup var image: ImageOptions
    @Option(help: "Number of boots to simulate.") var boots: Int = 1
    @Flag(name: .customLong("app-confirms"), help: "After each boot the app calls esp_ota_mark_app_valid_cancel_rollback.")
    var appConfirms = false
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard (1...1000).contains(boots) else { throw ValidationError("--boots must be between 1 and 1000") }
    }

    func run() throws {
        let o = try image.open()
        let doc = o.document
        var out: [String] = []
        var list: [JSON] = []
        for n in 1...boots {
            let layout: FlashLayout
            do { layout = try FlashLayout.analyze(doc, digests: doc.digests, options: o.layout.options) }
            catch { throw CLIError("\(image.file): \(error)", code: CLIError.Code.notAnImage) }
            let planner = OTAPlanner(document: doc, layout: layout, settings: OTASettings(rollback: image.rollback))
            let (decision, plan) = planner.nextBoot()
            let started = decision?.loaded
            out.append("boot \(n): \(started.map { "starts \($0)" } ?? "nothing starts") · \(decision?.reason ?? "no decision")")
            for w in decision?.writes ?? [] {
                out.append("  bootloader writes otadata sector \(w.sector): seq \(w.entry.seq), state \(OTAState.name(w.entry.state)) (\(w.why.rawValue))")
            }
            var confirmed = false
            _ = try? doc.apply(plan)
            if appConfirms, started != nil {
                let after = try FlashLayout.analyze(doc, digests: doc.digests, options: o.layout.options)
                if let p = try? OTAPlanner(document: doc, layout: after, settings: OTASettings(rollback: image.rollback)).markValid(), !p.isNoOp {
                    _ = try? doc.apply(p)
                    confirmed = true
                    out.append("  app confirms itself: state VALID")
                }
            }
            list.append(.object([
                ("boot", .num(n)), ("selected", .opt(decision?.selected)), ("loaded", .opt(started)),
                ("outcome", .opt(decision?.outcome.rawValue)),
                ("reason", .string(decision?.reason ?? "")),
                ("writes", .array((decision?.writes ?? []).map { w in
                    .object([("sector", .num(w.sector)), ("seq", .num(w.entry.seq)), ("state", .num(w.entry.state)),
                             ("state_name", .string(OTAState.name(w.entry.state))), ("why", .string(w.why.rawValue))])
                })),
                ("app_confirmed", .bool(confirmed)),
            ]))
            if started == nil { break }
        }
        if json { writeStdout(JSON.object([("boots", .array(list))]).serialized() + "\n") }
        else { writeStdout(out.joined(separator: "\n") + "\n") }
    }
}
