#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import FlashFormats
import FlashModel

/// A private scratch directory for esptool's files, removed with everything in it.
final class ScratchDir {
    let path: String
    init() throws {
        var template = Array("/tmp/flashscope-device-XXXXXX".utf8CString)
        guard let p = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw CLIError("cannot create a temporary directory: \(String(cString: strerror(errno)))", code: CLIError.Code.io)
        }
        path = String(cString: p)
    }
    func file(_ name: String) -> String { path + "/" + name }
    deinit {
        if let d = opendir(path) {
            while let e = readdir(d) {
                let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != "." && name != ".." { unlink(path + "/" + name) }
            }
            closedir(d)
        }
        rmdir(path)
    }
}

/// `flashscope read`: the device's flash (or a region) into a dump, through esptool read-flash.
struct ReadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "read",
        abstract: "Read the device's flash (all of it, or --offset/--size) into a dump with esptool read-flash.").leaf

    /// Size of each --no-stub piece when the stub's read fails.
    static let pieceSize = 0x40000

    @OptionGroup var device: DeviceOptions
    @Option(help: "Start address (default 0).") var offset: String?
    @Option(help: "Bytes to read (default: to the end of the flash, whose size esptool detects).") var size: String?
    @Option(name: .shortAndLong, help: "The dump file to write (refused if it exists unless --force).") var output: String = "dump.bin"
    @Flag(help: "Replace an existing output file.") var force = false
    @Flag(help: "Open the dump in the TUI afterwards.") var open = false

    func run() throws {
        let start = try offset.map { try parseNumber($0, what: "--offset") } ?? 0
        var length = try size.map { try parseNumber($0, what: "--size") }
        if length == 0 { throw ValidationError("--size 0 reads nothing") }
        var st = stat()
        if lstat(output, &st) == 0 && !force { throw CLIError("\(output): already exists (use --force to replace it)", code: CLIError.Code.cannotCreate) }
        let esptool = try device.runner()
        Esptool.installInterruptHandlers()
        let info = try esptool.deviceInfo()
        let chipWords = (info.chipName ?? "unknown chip") + (info.flashSize.map { ", \(EsptoolOutput.sizeName($0)) flash" } ?? "")
        if length == nil {
            guard let f = info.flashSize else { throw CLIError("esptool could not detect the flash size; give --size", code: CLIError.Code.unavailable) }
            guard start < f else { throw CLIError("--offset \(Hex.short(start)) is past the \(EsptoolOutput.sizeName(f)) flash", code: CLIError.Code.usage) }
            length = f - start
        }
        let total = length!
        writeStderr("reading \(Hex.short(start))–\(Hex.short(start + total)) (\(total) bytes) from \(chipWords) on \(device.port)\n")
        let scratch = try ScratchDir()
        let began = ProgressBar.now()
        let whole = scratch.file("read.bin")
        let r = try esptool.run(["read-flash", Hex.short(start), Hex.short(total), whole], echo: false) { f in
            ProgressBar.show("read", done: Int(f * Double(total)), total: total, since: began)
        }
        ProgressBar.finish()
        let bytes: any ByteSource
        if r.ok, deviceInterrupted == 0, let f = try? MappedFile(path: whole), f.count == total {
            bytes = f
        } else {
            if deviceInterrupted != 0 { throw CLIError("interrupted: nothing was written to \(output)", code: 130) }
            // The stub's read failed (it does on some adapters): the ROM's slow read, piece by piece.
            let why = EsptoolOutput.failure(r.lines) ?? "exit \(r.status)"
            writeStderr("esptool's stub read failed (\(why.terminalSafe)); reading again with --no-stub alone, in pieces of \(Self.pieceSize / 1024) KiB (slower)\n")
            var data = [UInt8]()
            data.reserveCapacity(total)
            let again = ProgressBar.now()
            var at = 0
            while at < total {
                let n = Swift.min(Self.pieceSize, total - at)
                let piece = scratch.file("piece.bin")
                let done = at
                let p = try esptool.run(["read-flash", Hex.short(start + at), Hex.short(n), piece], noStub: true, echo: false) { f in
                    ProgressBar.show("read --no-stub", done: done + Int(f * Double(n)), total: total, since: again)
                }
                ProgressBar.clear()
                try esptool.check(p, "read-flash --no-stub at \(Hex.short(start + at))")
                guard let f = try? MappedFile(path: piece), f.count == n else {
                    throw CLIError("esptool read-flash --no-stub at \(Hex.short(start + at)) returned a short file", code: CLIError.Code.unavailable)
                }
                data += f.bytes(0..<n)
                unlink(piece)
                at += n
            }
            ProgressBar.finish()
            bytes = ByteArray(data)
        }
        if deviceInterrupted != 0 { throw CLIError("interrupted: nothing was written to \(output)", code: 130) }
        do { try AtomicFile.write(bytes, to: output, overwrite: force) } catch { throw CLIError(error) }
        let seconds = ProgressBar.now() - began
        writeStdout("read \(total) bytes from \(Hex.short(start)) into \(output) in \(Int(seconds * 10) / 10).\(Int(seconds * 10) % 10) s (\(chipWords))\n")
        if open {
            let tui = try TUICommand.parse([output])
            try tui.run()
        }
    }
}

/// `flashscope flash EDITED --base ORIGINAL`: writes only the 4 KiB sectors that differ, then verifies them.
struct FlashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "flash",
        abstract: "Write only the sectors of EDITED that differ from ORIGINAL (the dump it was made from) to the device, then verify them.").leaf

    @Argument(help: "The edited image.") var edited: String
    @Option(help: "The dump EDITED was made from (what the device holds now).") var base: String
    @OptionGroup var device: DeviceOptions
    @Flag(name: .customLong("dry-run"), help: "Print the esptool command lines and write nothing.") var dryRun = false
    @Flag(help: "Write even when the chip, the flash size or the device's current bytes differ from ORIGINAL.") var force = false
    @Flag(name: .customLong("diff-with"), help: "Let esptool pick the sectors (write-flash 0x0 EDITED --diff-with ORIGINAL; esptool 5.1+).")
    var diffWith = false

    func run() throws {
        let e = try Opened(path: edited, options: AnalysisOptions())
        let o = try Opened(path: base, options: AnalysisOptions())
        let plan = FlashWritePlan(original: o.file, edited: e.file, layout: e.layout)
        if e.file.count != o.file.count {
            throw CLIError(FlashWritePlan.Refusal.sizesDiffer(edited: e.file.count, original: o.file.count).description, code: CLIError.Code.refused)
        }
        guard !plan.regions.isEmpty else {
            writeStdout("nothing to write: \(edited) and \(base) are identical\n")
            return
        }
        let scratch = try ScratchDir()
        var newFiles: [String] = [], oldFiles: [String] = []
        for r in plan.regions {
            let name = Hex.short(r.lowerBound)
            let n = scratch.file("edited.\(name).bin"), b = scratch.file("original.\(name).bin")
            do {
                try AtomicFile.write(e.file.bytes(r), to: n, overwrite: true)
                try AtomicFile.write(o.file.bytes(r), to: b, overwrite: true)
            } catch { throw CLIError(error) }
            newFiles += [Hex.short(r.lowerBound), n]
            oldFiles += [Hex.short(r.lowerBound), b]
        }
        let keep = ["--flash-mode", "keep", "--flash-freq", "keep", "--flash-size", "keep"]
        let writeArgs = diffWith ? ["write-flash"] + keep + ["0x0", edited, "--diff-with", base] : ["write-flash"] + keep + newFiles
        let sectors = plan.byteCount / 0x1000
        let list = plan.regions.map { "\(Hex.short($0.lowerBound))–\(Hex.short($0.upperBound))" }.joined(separator: ", ")
        writeStdout("\(sectors) sector\(sectors == 1 ? "" : "s") differ from \(base): \(list)\n")

        let esptool: Esptool
        if dryRun, (try? device.runner()) == nil {
            esptool = Esptool(command: ["esptool"], port: device.port, baud: device.baud, chip: device.chip)
        } else {
            esptool = try device.runner()
        }
        if dryRun {
            writeStdout("dry run: these esptool commands would run (each region file is a temporary copy of those bytes, made when it runs):\n")
            writeStdout("  " + Esptool.line(esptool.argv(["flash-id"])) + "\n")
            writeStdout("  " + Esptool.line(esptool.argv(["verify-flash"] + oldFiles)) + "    # the device still holds ORIGINAL there\n")
            writeStdout("  " + Esptool.line(esptool.argv(writeArgs)) + "\n")
            writeStdout("  " + Esptool.line(esptool.argv(["verify-flash"] + newFiles)) + "\n")
            writeStdout("dry run: nothing written\n")
            return
        }
        Esptool.installInterruptHandlers()

        // Refusals first: the chip, the flash size, and the device's current bytes of those regions.
        let info = try esptool.deviceInfo()
        var refusals = plan.refusals(device: info, editedSize: e.file.count, originalSize: o.file.count)
        let check = try esptool.run(["verify-flash"] + oldFiles, echo: false)
        if deviceInterrupted != 0 { throw CLIError("interrupted before writing: nothing was written", code: 130) }
        let failed = EsptoolOutput.verifyFailures(check.lines)
        if !check.ok {
            if failed.isEmpty { try esptool.check(check, "verify-flash (the device against \(base))") }
            refusals.append(.deviceChanged(plan.regions.filter { failed.contains($0.lowerBound) }))
        }
        if !refusals.isEmpty {
            for r in refusals { writeStderr("flashscope: \(force ? "warning" : "refusing"): \(r.description.terminalSafe)\n") }
            if !force { throw CLIError("nothing was written (--force writes anyway)", code: CLIError.Code.refused) }
        }
        writeStdout("device: \(info.chipName ?? "unknown chip"), \(info.flashSize.map(EsptoolOutput.sizeName) ?? "unknown size") flash; its bytes in those regions are \(base)'s (on-chip MD5)\n")

        let began = ProgressBar.now()
        // esptool reports each file's progress from 0 again: a drop means the next region started.
        // (esptool --diff-with reflashes the same runs of changed sectors.)
        let sizes = plan.regions.map(\.count)
        let total = sizes.reduce(0, +)
        var index = 0, last = 0.0
        let w = try esptool.run(writeArgs, echo: false) { f in
            if f + 0.001 < last, index + 1 < sizes.count { index += 1 }
            last = f
            let done = sizes.prefix(index).reduce(0, +) + Int(f * Double(sizes[index]))
            ProgressBar.show("write", done: done, total: total, since: began)
        }
        ProgressBar.finish()
        try esptool.check(w, "write-flash")
        for l in w.lines where l.hasPrefix("Wrote ") || l.hasPrefix("Reflashing") || l.contains("Skipped") || l.contains("unchanged") { writeStdout("  esptool: \(l.terminalSafe)\n") }
        let v = try esptool.run(["verify-flash"] + newFiles, echo: false)
        try esptool.check(v, "verify-flash (the written regions)")
        writeStdout("wrote \(sectors) sector\(sectors == 1 ? "" : "s") (\(plan.byteCount) bytes) and verified them against \(edited) (on-chip MD5)\n")
    }
}
