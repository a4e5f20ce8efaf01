import FlashFormats
import FlashModel
import ScreenKit

/// Compare mode: a second image (B) opened beside the document (A). The engine does the comparing —
/// ``ByteComparison`` a slice at a time between key presses (so a 128 MiB pair never blocks a key),
/// then ``FlashDiff`` once every byte has been seen; the panes only render what it found.
public struct CompareState {
    /// The path B was opened from, and the name shown for it.
    public let path: String
    public let name: String
    public let document: FlashDocument
    /// B analysed as A was (nil when B is not an image FlashScope can read: then it is compared as bytes).
    public let layout: FlashLayout?
    /// The comparison of A (as it is now) with B, built a slice at a time.
    public var bytes: ByteComparison
    /// What differs, in partitions, table, boot and apps: set once ``bytes`` is complete.
    public var diff: FlashDiff?
    /// The state of A the comparison was made against (edit history position, document identity): an edit
    /// or a reopen of A starts it again.
    var against: (id: Int, document: ObjectIdentifier)

    init(path: String, document: FlashDocument, layout: FlashLayout?, a: AppState) {
        self.path = path
        self.name = baseName(path)
        self.document = document
        self.layout = layout
        self.bytes = ByteComparison(sizeA: a.document.count, sizeB: document.count)
        self.against = (a.currentID, ObjectIdentifier(a.document))
    }

    /// Share of the bytes compared so far, 0–100.
    public var percent: Int {
        let common = min(bytes.sizeA, bytes.sizeB)
        guard common > 0, !bytes.isComplete else { return 100 }
        return min(99, Int(Double(bytes.compared) / Double(common) * 100))
    }

    /// Whether the bytes of `range` have been compared (the comparison runs from offset 0 upwards).
    public func covers(_ range: Range<Int>) -> Bool {
        bytes.isComplete || range.upperBound <= bytes.compared
    }
}

/// What happens in compare mode: opening B, the slices of the comparison, n / N, leaving.
enum Compare {
    /// Bytes compared per slice between key presses (a few milliseconds in a release build).
    static let step = 4 << 20

    /// The comparison has work left: bytes to compare, or A changed since it was made.
    static func needsWork(_ s: AppState) -> Bool {
        guard let c = s.compare else { return false }
        return c.diff == nil || c.against != (s.currentID, ObjectIdentifier(s.document))
    }

    static func command(_ s: inout AppState, _ c: Command) -> [Effect] {
        switch c {
        case .compareWith:
            var dir = ""
            if let input = s.compare?.path ?? s.inputPath, let slash = input.lastIndex(of: "/") { dir = String(input[...slash]) }
            s.prompt = Prompt(kind: .compareWith, text: dir)
        case .closeCompare:
            guard let c = s.compare else {
                s.message = StatusMessage("no comparison open: \(KeyMap.keyLabel(for: .compareWith)) opens a second image to compare with", kind: .error)
                return []
            }
            s.compare = nil
            s.message = StatusMessage("comparison with \(c.name) closed")
        default: break
        }
        return []
    }

    /// Enter in the "Compare with" prompt.
    static func submit(_ s: inout AppState, _ text: String) -> [Effect] {
        guard !text.isEmpty else {
            s.message = StatusMessage("type the path of a second image to compare with (Tab completes)", kind: .error)
            return []
        }
        s.prompt = nil
        return [.openCompare(expandTilde(text))]
    }

    static func handle(_ s: inout AppState, _ event: CompareEvent) {
        switch event {
        case .opened(let path, let doc):
            guard doc.count > 0 else {
                s.message = StatusMessage("cannot compare with \(baseName(path)): the file is empty", kind: .error)
                return
            }
            // B is judged with A's options (bootloader release, chip revisions…), its own kind, and as
            // the bytes it holds (B is never opened through a flash-encryption key).
            var options = s.analysisOptions
            options.kind = nil
            options.decryptedView = false
            let layout = try? FlashLayout.analyze(doc, digests: doc.digests, options: options)
            s.compare = CompareState(path: path, document: doc, layout: layout, a: s)
            var note = ""
            if layout == nil { note = " (not an image FlashScope can read: compared as bytes only)" }
            if doc.count != s.document.count { note += " · sizes differ: \(Hex.short(s.document.count)) vs \(Hex.short(doc.count)) bytes" }
            s.lastSearch = nil
            s.message = StatusMessage("comparing with \(baseName(path))\(note) · n/N next/previous difference, O closes")
        case .failed(let path, let message):
            s.message = StatusMessage("cannot compare with \(path): \(message)", kind: .error)
        case .slice:
            slice(&s)
        }
    }

    /// One slice of the comparison; the diff is made when the last byte has been compared.
    static func slice(_ s: inout AppState) {
        guard var c = s.compare else { return }
        let now = (s.currentID, ObjectIdentifier(s.document))
        if c.against != now {
            // A was edited (or reopened) since: compare again from the start.
            c.bytes = ByteComparison(sizeA: s.document.count, sizeB: c.document.count)
            c.diff = nil
            c.against = now
        }
        if !c.bytes.isComplete { c.bytes.advance(s.document, c.document, by: step) }
        if c.bytes.isComplete, c.diff == nil {
            c.diff = FlashDiff(s.document, c.document, comparison: c.bytes, layoutA: s.layout, layoutB: c.layout)
        }
        s.compare = c
    }

    /// n / N in compare mode: the next or previous difference, unless a search has been made since the
    /// comparison was opened (then they go to its matches; Esc forgets the search). Returns false when
    /// the key is the search's.
    static func jump(_ s: inout AppState, forward: Bool) -> Bool {
        guard let c = s.compare, s.lastSearch == nil else { return false }
        let n = s.document.count
        let target = c.bytes.nextDifference(from: s.hex.cursor, forward: forward)
            ?? (c.bytes.isComplete ? c.bytes.nextDifference(from: forward ? -1 : Int.max, forward: forward) : nil)
        guard let t = target else {
            if !c.bytes.isComplete {
                s.message = StatusMessage("still comparing (\(c.percent)%): no difference \(forward ? "after" : "before") the cursor so far · press \(forward ? "n" : "N") again in a moment")
            } else {
                s.message = StatusMessage(c.bytes.identical ? "the two images are identical" : "no other difference", kind: .error)
            }
            return true
        }
        guard t < n else {
            s.message = StatusMessage("\(c.name) is longer: its bytes from \(Hex.short(n)) on are not in this image (\(c.bytes.sizeB - n) bytes)", kind: .error)
            return true
        }
        let wrapped = forward ? t <= s.hex.cursor : t >= s.hex.cursor
        Update.moveCursor(&s, to: t)
        let where_ = HexPane.position(s)
        s.message = StatusMessage("difference at \(where_)\(wrapped ? (forward ? " (wrapped around from the start)" : " (wrapped around from the end)") : "")", kind: .success)
        return true
    }

    /// Esc in compare mode with no search running: forget the last search, so n / N go to differences again.
    static func forgetSearch(_ s: inout AppState) -> Bool {
        guard s.compare != nil, s.lastSearch != nil else { return false }
        s.lastSearch = nil
        s.message = StatusMessage("search forgotten: n/N go to the next/previous difference again")
        return true
    }
}

/// Results of compare-mode work, as actions.
public enum CompareEvent {
    /// B was read (mapped) from `path`.
    case opened(path: String, document: FlashDocument)
    case failed(path: String, message: String)
    /// Compare the next slice (sent by the run loop between key presses).
    case slice
}

extension Program {
    /// Opens `path` as B and starts compare mode, as the `o` key does (`flashscope A.bin --compare B.bin`):
    /// a file that cannot be read becomes one message in the status line.
    public func openCompare(_ path: String) {
        if let action = perform(.openCompare(path)) { send(action) }
    }
}
