import ArgumentParser
import FlashFormats
import FlashModel

/// Writes one app or bootloader image made by the project's encoder (hidden: for the interoperability
/// check against esptool and for fixtures).
struct MakeAppCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "make-app", abstract: "Write an app image built by FlashScope's encoder.",
                                                    shouldDisplay: false).leaf
    @Option(help: "Chip: esp32, esp32s2, esp32s3, esp32c3, esp32c2, esp32c6, esp32h2, esp32c5, esp32c61, esp32p4.") var chip = "esp32"
    @Option(help: "Project name stored in esp_app_desc_t.") var project = "flashscope-demo"
    @Option(help: "Version stored in esp_app_desc_t.") var version = "1.0.0"
    @Option(name: .customLong("code-size"), help: "Bytes in the IROM segment.") var codeSize = "0x4000"
    @Flag(help: "Write a second-stage bootloader image instead of an app.") var bootloader = false
    @Option(name: .shortAndLong) var output: String
    @Flag var force = false

    func run() throws {
        guard let c = Chip.named(chip) else { throw ValidationError("unknown chip '\(chip)'") }
        let size = try parseNumber(codeSize, what: "--code-size")
        let bytes = bootloader
            ? FlashImageBuilder.bootloader(chip: c, flashSize: 4 << 20)
            : AppImageBuilder.typicalApp(chip: c, project: project, version: version, codeSize: size).bytes()
        do { try AtomicFile.write(bytes, to: output, overwrite: force) } catch { throw CLIError(error) }
        writeStdout("\(output): \(bytes.count) bytes, \(c.name) \(bootloader ? "bootloader" : "app")\n")
    }
}
