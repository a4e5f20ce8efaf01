import FlashFormats
import FlashModel
import ScreenKit

/// The panes of the main screen. The first two sit side by side at the top; the other three
/// share the lower area (one at a time on a small terminal, detail and hex side by side plus
/// integrity below on a large one).
public enum Pane: Int, CaseIterable, Sendable, Hashable {
    case partitions, otadata, detail, hex, integrity

    public var title: String {
        switch self {
        case .partitions: "Partitions"
        case .otadata: "OTA data"
        case .detail: "Detail"
        case .hex: "Hex"
        case .integrity: "Integrity"
        }
    }

    /// Panes that share the lower area of the compact layout.
    public static let lower: [Pane] = [.detail, .hex, .integrity]
}

/// A line of feedback in the status row, shown until the next key.
public struct StatusMessage: Equatable, Sendable {
    public enum Kind: Sendable { case info, success, error }
    public var text: String
    public var kind: Kind
    public init(_ text: String, kind: Kind = .info) { self.text = text; self.kind = kind }
}

/// A line-editor prompt in the status row.
public struct Prompt: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Path of an app image to stage into the named partition.
        case stagePath(partition: String)
        case saveAs
        /// Offset or partition name for the hex pane.
        case goto
        /// Hex bytes (`e9 ?? 02`) or text to find.
        case search(forward: Bool)
        /// Text a key or namespace of the NVS pane must contain.
        case nvsFilter
        /// Path of a second image to compare with (compare mode).
        case compareWith
    }
    public var kind: Kind
    public var text: String
    /// Candidates offered by the last completion (shown above the prompt), if several.
    public var completions: [String] = []
    /// What the next Enter confirms after a warning (replace an existing file, save over the input).
    public var armed: SaveMode?

    public var label: String {
        switch kind {
        case .stagePath(let p): "Stage app image into \(p) — file:"
        case .saveAs: "Save as:"
        case .goto: "Go to offset or partition:"
        case .search: "Search (hex bytes e9 ?? 02, or text):"
        case .nvsFilter: "Filter NVS keys and namespaces:"
        case .compareWith: "Compare with file:"
        }
    }
}

/// What an OTA plan preview is for.
public enum PlanKind: Sendable, Equatable {
    case commit(partition: String)
    case markValid, markInvalid, eraseOTAData, eraseLastBootApp, nextBoot
    case stage(partition: String, file: String)

    var title: String {
        switch self {
        case .commit(let p): "Commit: boot \(p) next"
        case .markValid: "Mark the running app valid"
        case .markInvalid: "Mark the running app invalid (roll back)"
        case .eraseOTAData: "Erase otadata"
        case .eraseLastBootApp: "Erase the last boot app partition"
        case .nextBoot: "Simulate the next boot"
        case .stage(let p, let f): "Stage \(f) into \(p)"
        }
    }

    /// Whether the rollback and IDF settings change this plan (and are shown in the preview).
    var usesSettings: Bool {
        switch self {
        case .commit, .nextBoot, .markValid, .markInvalid: true
        default: false
        }
    }
}

/// A plan preview: everything that will be written, before anything is.
public struct PlanPreview {
    public var kind: PlanKind
    public var plan: OTAPlan?
    public var error: OTAError?
    /// The boot decision on the document as it would be after the plan.
    public var after: BootDecision?
    /// The plan was made past a failed check (stage checks, image validation).
    public var forced: Bool
    /// A failed check can be overridden with `F`.
    public var canForce: Bool
    /// For staging: the image bytes read from the file.
    public var image: [UInt8]?
    /// The bootloader's decision when this preview is a boot simulation.
    public var decision: BootDecision?
    public var scroll = 0
}

/// A full-screen or centred overlay that takes the keys while it is open.
public enum Modal {
    case help(scroll: Int)
    case plan(PlanPreview)
    /// Information to acknowledge (a save result, an error with details).
    case info(title: String, lines: [Span], isError: Bool)
    /// Quit with unsaved changes.
    case quitGuard
    /// Values to copy to the clipboard (OSC 52), each on one line, scrolled sideways when long.
    case copy(CopyBox)
}

/// The copy box: offset, selection as hex, the esptool command of the last save.
public struct CopyBox: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        public var label: String
        public var value: String
    }
    public var items: [Item]
    public var selected = 0
    /// Columns scrolled to the right (for values longer than the box).
    public var hscroll = 0
}

/// The hex pane: a byte cursor and the display line at the top of the pane.
public struct HexViewport: Equatable, Sendable {
    /// Byte offset under the cursor.
    public var cursor = 0
    /// Start offset of the first display line shown.
    public var top = 0
    /// Editing bytes: typed hex digits replace the byte under the cursor.
    public var editing = false
    /// The high nibble typed so far for the byte under the cursor.
    public var pendingNibble: UInt8?
    /// The other end of the selection (`m` sets it); without it the selection is the cursor's row.
    public var mark: Int?
}

/// Everything the TUI shows and edits; changed only by ``update(_:_:)``.
public struct AppState {
    /// The image being looked at (bytes plus an overlay of edits, with undo).
    public var document: FlashDocument
    /// Everything parsed from `document`, refreshed after every change.
    public var layout: FlashLayout
    /// File name shown in the header.
    public var displayName: String
    /// Path of the input file, when there is one (save-as defaults and the overwrite guard).
    public var inputPath: String?
    /// `--pt-offset` and the file kind detected when the image was opened.
    public var tableOffset: Int?
    public var kind: FileKind
    /// Rollback and IDF behaviour for OTA plans and the boot decision.
    public var settings: OTASettings
    public var glyphs: Glyphs

    public var width = 80
    public var height = 24

    public var focus: Pane = .partitions
    /// The pane shown in the lower area of the compact layout.
    public var lowerPane: Pane = .detail
    /// Index into `layout.partitions`.
    public var selected = 0
    /// The otadata sector the OTA pane points at (0 or 1).
    public var otaSector = 0
    public var hex = HexViewport()
    public var detailScroll = 0
    /// The backtrace frame picked in the core dump's detail (CoreDumpPane).
    public var coreDumpFrame = 0
    /// The NVS pane, while open (NVSModel.swift); `nvsCache` keeps the engine's reading between keys.
    public var nvs: NVSPaneState?
    let nvsCache = NVSCache()

    public var modal: Modal?
    public var prompt: Prompt?
    public var message: StatusMessage?

    /// otadata entries as they were before the last change to them, and what changed them.
    public var previousOTA: [OTAEntry?]?
    public var previousOTACause: String?

    /// Identity of the current document state in the edit history (0 = as opened).
    var historyIDs: [Int] = []
    var redoIDs: [Int] = []
    var nextHistoryID = 1
    /// History identity of what was last written to disk (0 = the input file itself).
    public var savedID = 0
    public var lastSavedPath: String?
    /// The sectors that differed from the input when the document was last saved, as saved: with the
    /// input they say what is on disk, so the unsaved marks show only what changed since.
    public var savedSectors: [Int: [UInt8]] = [:]
    /// Quit once the save-as started from the quit guard succeeds.
    public var quitAfterSave = false
    /// The slot a stage file is being read for.
    public var pendingStage: String?
    /// Directory of the last staged file, offered at the next stage prompt.
    public var lastStageDirectory = ""

    /// Whole-region scans (CRC-32, erased) by range, computed lazily for the selected partition.
    public var scans: [ScanKey: RegionScan] = [:]
    /// How far the running scan has got (bytes of its region).
    public var scanProgress: (key: ScanKey, done: Int)?
    /// Collapsed-run bookkeeping for the hex pane (a memo over the document's bytes).
    let runs: RunCache

    /// The search running between key presses, if any, and the last pattern (for n / N).
    public var search: SearchJob?
    public var lastSearch: SearchPattern?
    /// The esptool command of the last save (changed regions only), for the copy box.
    public var lastEsptoolCommand: String?

    /// Compare mode: the second image and what differs (``Compare``).
    public var compare: CompareState?

    /// Set by `quit`; the run loop ends with this exit status.
    public var exitStatus: Int32?

    /// Creates the state for a freshly opened document.
    /// - Parameters:
    ///   - document: The image.
    ///   - displayName: Name for the header (usually the file's base name).
    ///   - inputPath: The file the document was read from.
    ///   - tableOffset: `--pt-offset`, if given.
    ///   - settings: Rollback and IDF behaviour.
    ///   - analysis: The command line's analysis options (`--bootloader-idf`, `--chip-rev`, `--efuse-blk-rev`,
    ///     `--no-table-md5`, a decrypted view); the table offset and rollback come from the two above.
    ///   - glyphs: Unicode or ASCII drawing characters.
    /// - Throws: ``AnalysisError`` when the bytes are not an image FlashScope can read.
    public init(document: FlashDocument, displayName: String, inputPath: String? = nil, tableOffset: Int? = nil,
                settings: OTASettings = OTASettings(), analysis: AnalysisOptions = AnalysisOptions(), glyphs: Glyphs = .unicode,
                width: Int = 80, height: Int = 24) throws(AnalysisError) {
        self.document = document
        self.displayName = displayName
        self.inputPath = inputPath
        self.tableOffset = tableOffset
        self.settings = settings
        self.glyphs = glyphs
        self.width = width
        self.height = height
        self.baseAnalysis = analysis
        var options = analysis
        options.tableOffset = tableOffset
        options.rollback = settings.rollback
        options.kind = nil
        let layout = try FlashLayout.analyze(document, digests: document.digests, options: options)
        self.layout = layout
        self.kind = layout.kind
        self.runs = RunCache()
        // Start on the partition that boots: that is what people open a dump to see.
        // (No `??` here: an autoclosure in this typed-throws initializer miscompiles in Swift 6.3.)
        var boot = layout.boot?.loaded
        if boot == nil { boot = layout.boot?.selected }
        if let boot, let i = layout.partitions.firstIndex(where: { $0.name == boot }) {
            selected = i
        }
        if let active = layout.boot?.activeSector ?? layout.otadata?.activeSector { otaSector = active }
        if layout.partitions.isEmpty {
            focus = layout.kind == .otadata ? .otadata : .hex
            lowerPane = .hex
        }
        Update.followSelection(&self)
    }

    // MARK: Derived

    /// The command line's analysis options (bootloader release, chip revisions, table MD5, decrypted view).
    public let baseAnalysis: AnalysisOptions

    /// What every analysis of this document uses: the command line's options with the state's table
    /// offset, rollback setting and file kind.
    public var analysisOptions: AnalysisOptions {
        var o = baseAnalysis
        o.tableOffset = tableOffset
        o.rollback = settings.rollback
        o.kind = kind
        return o
    }

    /// The current history identity.
    public var currentID: Int { historyIDs.last ?? 0 }
    /// Whether the document differs from what was last saved (or from the input, before any save).
    public var isDirty: Bool { currentID != savedID }
    /// Edits made since the last save, when the saved state is behind the current one.
    public var unsavedEditCount: Int? {
        if savedID == 0 { return historyIDs.count }
        guard let i = historyIDs.lastIndex(of: savedID) else { return nil }
        return historyIDs.count - i - 1
    }

    /// The byte at `offset` as last saved (the input's byte before any save).
    public func savedByte(at offset: Int) -> UInt8? {
        let size = FlashDocument.sectorSize
        if let sector = savedSectors[offset / size], offset % size < sector.count { return sector[offset % size] }
        return document.originalByte(at: offset)
    }

    /// Whether the sector holding `offset` may differ from what was last saved (cheap test first).
    public func mayBeUnsaved(_ offset: Int) -> Bool {
        document.isChanged(offset) || savedSectors[offset / FlashDocument.sectorSize] != nil
    }

    /// Sectors whose bytes differ from what was last saved (or from the input), merged into ranges.
    public var unsavedRanges: [Range<Int>] {
        let size = FlashDocument.sectorSize
        var candidates = Set(savedSectors.keys)
        for r in document.changedRanges { for i in stride(from: r.lowerBound, to: r.upperBound, by: size) { candidates.insert(i / size) } }
        var out: [Range<Int>] = []
        for idx in candidates.sorted() {
            let lo = idx * size, hi = min(document.count, lo + size)
            guard lo < hi else { continue }
            let now = document.bytes(lo..<hi)
            let saved = savedSectors[idx] ?? (0..<(hi - lo)).map { document.originalByte(at: lo + $0) ?? 0 }
            guard now != Array(saved.prefix(hi - lo)) else { continue }
            if let last = out.last, last.upperBound == lo { out[out.count - 1] = last.lowerBound..<hi } else { out.append(lo..<hi) }
        }
        return out
    }

    public var selectedPartition: PartitionInfo? {
        layout.partitions.indices.contains(selected) ? layout.partitions[selected] : nil
    }

    /// The byte range of the selected partition, clipped to the file.
    public var selectedRange: Range<Int>? {
        guard let p = selectedPartition else { return nil }
        let lo = min(Int(p.entry.offset), document.count)
        let hi = min(Int(p.entry.end), document.count)
        return lo..<hi
    }

    public var hasPartitions: Bool { !layout.partitions.isEmpty }
    /// The OTA data pane is shown: a flash image with a table, or an otadata file on its own.
    public var showsOTAPane: Bool { hasPartitions || layout.kind == .otadata }
}

/// Key of a region scan.
public struct ScanKey: Hashable, Sendable {
    public let lo: Int
    public let hi: Int
    public init(_ r: Range<Int>) { lo = r.lowerBound; hi = r.upperBound }
    public var range: Range<Int> { lo..<hi }
}

/// What one pass over a region found.
public struct RegionScan: Equatable, Sendable {
    public var crc32: UInt32
    /// Every byte is 0xFF.
    public var erased: Bool
    public init(crc32: UInt32, erased: Bool) { self.crc32 = crc32; self.erased = erased }
}
