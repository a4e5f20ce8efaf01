import FlashFormats
import FlashModel
import FlashScopeUI
import ScreenKit
import TerminalUI

/// How the TUI was asked to start.
struct TUIOptions {
    var path: String
    var tableOffset: Int?
    var settings: OTASettings
    /// Every analysis option of the command line (bootloader release, chip revisions, table MD5, decrypted view).
    var analysis = AnalysisOptions()
    var ascii: Bool
    var noColor: Bool
    var mouse: Bool
    /// `--compare B.bin`: start in compare mode.
    var compare: String? = nil
}

/// Starts the terminal, runs the interactive loop, and restores the terminal on every way out:
/// normal quit, Ctrl-C / SIGTERM / SIGHUP (seen by the loop through `pendingSignal()`), and a
/// thrown error (the `defer`). Crashes and `exit()` are covered by the backend's own hooks.
/// - Returns: The exit status: 0, or 128 + the signal that ended the program.
func runTUI(_ opened: Opened, _ options: TUIOptions) throws -> Int32 {
    let terminal: NcursesTerminal
    do {
        terminal = try NcursesTerminal(noColor: options.noColor, mouse: options.mouse)
    } catch {
        throw CLIError("\(error)", code: CLIError.Code.usage)
    }
    defer { terminal.restore() }
    let (width, height) = terminal.size()
    let state: AppState
    do {
        state = try AppState(document: opened.document, displayName: baseName(options.path), inputPath: options.path,
                             tableOffset: options.tableOffset, settings: options.settings, analysis: options.analysis,
                             glyphs: options.ascii ? .ascii : terminal.glyphs, width: width, height: height)
    } catch {
        throw CLIError("\(options.path): \(error)", code: CLIError.Code.notAnImage)
    }
    let program = Program(state: state)
    program.onRedraw = { terminal.invalidate() }
    program.onClipboard = { terminal.copyToClipboard($0) }
    if let b = options.compare { program.openCompare(b) }
    let status = runLoop(terminal, program)
    terminal.restore()
    if let message = program.fileChangedMessage {
        throw CLIError(message, code: CLIError.Code.changed)
    }
    return status
}

private func baseName(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
}
