#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import FlashFormats
import FlashModel

struct TUICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tui", abstract: "Open the interactive viewer (the default).",
        discussion: "Full-screen view of what the ESP-IDF bootloader sees: partition map, both otadata sectors, "
            + "app images, live hex and integrity panes. Stage an app and commit it exactly as "
            + "esp_ota_set_boot_partition would; nothing is written until you save as a new file. "
            + "Press ? inside for every key. Needs a terminal of at least 80×24.").leaf

    @OptionGroup var image: ImageOptions

    @Option(help: ArgumentHelp("ESP-IDF release whose esp_rewrite_ota_data rules commit follows: 5 or 6.", valueName: "5|6"))
    var idf = "6"

    @Flag(help: "Draw with ASCII characters only (also chosen under a non-UTF-8 locale).")
    var ascii = false

    @Flag(name: .customLong("no-color"), help: "Monochrome: attributes only (also when NO_COLOR is set).")
    var noColor = false

    @Option(help: ArgumentHelp("Open in compare mode against a second image B (o in the TUI does the same): changed partitions marked, both boot predictions, B's bytes under A's, n/N jump between differences.", valueName: "B.bin"))
    var compare: String?

    @Flag(name: .customLong("no-mouse"), help: "Leave the mouse to the terminal (text selection without Shift).")
    var noMouse = false

    func validate() throws {
        guard idf == "5" || idf == "6" else { throw ValidationError("--idf must be 5 or 6, not '\(idf)'") }
    }

    func run() throws {
        let opened = try image.open()
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            // Piped or redirected: the report is what the screen would have shown.
            writeStderr("flashscope: not a terminal; printing the report instead (see 'flashscope info')\n")
            writeStdout(TextReport(colour: false).render(opened.layout, file: image.file))
            return
        }
        let options = TUIOptions(path: image.file, tableOffset: try image.analysisOptions().tableOffset,
                                 settings: OTASettings(rollback: image.rollback, idf: idf == "5" ? .v5 : .v6),
                                 analysis: opened.options, ascii: ascii, noColor: noColor, mouse: !noMouse, compare: compare)
        let status = try runTUI(opened, options)
        if status != 0 { throw ExitCode(status) }
    }
}
