import FlashFormats
import FlashModel
import ScreenKit

/// What a key binding asks for. The key table maps keys to commands; ``update(_:_:)`` decides
/// what each command means in the current pane or dialog.
public enum Command: Sendable, Hashable {
    // Global
    case help, nextPane, previousPane, quit, redraw
    case stage, commit, markValid, markInvalid, eraseOTAData, eraseLastBootApp, simulateBoot
    case undo, redo, saveAs, goto, toggleRollback, toggleIDF, fixCRC
    case search, searchNext, searchPrevious, copy, mark
    /// The copy box with the Secure Boot V2 key digests of the image on screen.
    case copyKeyDigest
    case compareWith, closeCompare
    // Movement in the focused pane
    case up, down, left, right, pageUp, pageDown, home, end
    /// Enter on a pane: show the selection in the hex pane, start editing, …
    case activate
    // Hex editing
    case startEditing, stopEditing
    // Prompts
    case backspace, clearInput, complete, submit
    // Dialogs
    case confirm, cancel, force, quitWithoutSaving
    // NVS pane (NVSModel.swift)
    case openNVS, nvsFilter, nvsToggleView, nvsShowInHex
}

/// Everything that can happen to the state: input, commands, and the results of effects.
public enum Action {
    /// A key press; dispatched through the key table.
    case key(Key)
    /// A primary-button click at a screen cell.
    case click(x: Int, y: Int)
    /// The terminal is now this size.
    case resize(width: Int, height: Int)
    case command(Command)
    /// A hex digit typed while editing bytes.
    case hexDigit(UInt8)
    /// A character typed into a prompt.
    case insert(Character)
    /// A terminating signal (SIGINT = Ctrl-C, SIGTERM, SIGHUP).
    case signal(Int32)

    // Results of effects
    case fileLoaded(path: String, bytes: [UInt8])
    case fileFailed(path: String, message: String)
    case saved(ImageSaver.Result, inPlace: Bool)
    case saveFailed(String)
    /// The save needs a second confirmation (the path is the input, or exists).
    case saveBlocked(path: String, why: SaveBlock)
    case completed(prefix: String, candidates: [String])
    case scanned(ScanKey, RegionScan)
    /// A long scan has covered `done` bytes of its region.
    case scanProgress(ScanKey, done: Int)
    /// The input file was replaced on disk by an in-place save and opened again.
    case reopened(FlashDocument)
    /// Look through the next slice of the image for the running search.
    case searchSlice
    /// Compare mode: B opened or not, the next slice of the comparison.
    case compare(CompareEvent)
}

/// Work ``update(_:_:)`` asks the runtime to do: file I/O and long computations. The runtime
/// answers with an ``Action``.
public enum Effect: Equatable, Sendable {
    /// Read a whole file (an app image to stage).
    case readFile(String)
    /// Save the document (``ImageSaver``).
    case save(path: String, mode: SaveMode)
    /// List completions for a path prefix.
    case completePath(String)
    /// CRC-32 and erased check of a region; may run after the frame is drawn.
    case scan(ScanKey)
    /// Open the input file again (after it was replaced by an in-place save).
    case reopen(String)
    /// Repaint the whole terminal.
    case redraw
    /// Put text on the terminal's clipboard (OSC 52).
    case clipboard(String)
    /// Open a second image to compare with (compare mode).
    case openCompare(String)
    /// End the program with this status.
    case quit(Int32)
}

/// How a save may treat an existing file.
public enum SaveMode: Sendable, Equatable {
    /// Only a new file; an existing path or the input is refused (and asked about).
    case createNew
    /// Replace an existing file that is not the input.
    case replace
    /// Replace the input file itself, keeping `input.bak`.
    case inPlace
}

/// Why a save was held back for confirmation.
public enum SaveBlock: Sendable, Equatable {
    case isInput, exists
}
