import FlashFormats
import FlashModel
import ScreenKit

/// The NVS pane of a data/nvs partition (it takes the detail pane's place while open): the
/// resolved values or every entry on flash, a filter, the full-value box and the entry's slots
/// marked in the hex pane. Every fact comes from the engine (``NVS``, ``NVSReading``).
public struct NVSPaneState: Equatable, Sendable {
    /// Which list the pane shows.
    public enum View: Sendable, Equatable {
        /// What the app reads: one row per key (``NVS/Resolved``).
        case resolved
        /// Every item header on flash with its state (``NVS/Entry``).
        case everyEntry
    }

    /// Offset and name of the partition (the pane is shown while it is the selected one).
    public var offset: Int
    public var name: String
    public var view: View = .resolved
    /// Case-insensitive text a key or namespace must contain ("" shows everything).
    public var filter = ""
    /// Index into the filtered rows.
    public var selected = 0
    /// First row shown.
    public var scroll = 0
    /// The full-value box, when open.
    public var viewer: NVSViewer?
    /// Offsets of the item headers whose slots are coloured in the hex pane.
    public var marked: [Int] = []
    /// Offsets of the pages whose header and bitmap are coloured in the hex pane.
    public var markedPages: [Int] = []

    public init(offset: Int, name: String) { self.offset = offset; self.name = name }
}

/// The full-value box: what it shows and how far it is scrolled.
public struct NVSViewer: Equatable, Sendable {
    public var row: NVSRow
    public var scroll = 0
}

/// One row of the NVS pane: an index into the engine's lists.
public enum NVSRow: Equatable, Sendable {
    case value(Int)
    case entry(Int)
    case page(Int)
}

/// The engine's reading of each NVS partition for the current bytes, so that a key press does not
/// parse the partition again. Keyed by the document object and its edit-history position.
final class NVSCache: @unchecked Sendable {
    private var doc: FlashDocument?
    private var stamp: (Int, Int, String) = (-1, -1, "")
    private var readings: [Int: NVS.Partition] = [:]

    func partition(_ s: AppState, offset: Int) -> NVS.Partition? {
        let rules = NVSReading.rules(s.layout)
        let key = (s.currentID, s.historyIDs.count, rules.label)
        if doc !== s.document || stamp != key {
            doc = s.document
            stamp = key
            readings = [:]
        }
        if let p = readings[offset] { return p }
        guard let p = s.layout.partitions.first(where: { Int($0.entry.offset) == offset && NVSPane.isNVS($0) }),
              let r = NVSReading.read(s.layout, s.document, only: p.name, rules: rules).first(where: { $0.entry == p.entry }) else {
            return nil
        }
        readings[offset] = r.partition
        return r.partition
    }
}

extension NVSPane {
    static func isNVS(_ p: PartitionInfo) -> Bool { p.entry.isNVS }

    /// The engine's reading of partition `p` (nil when `p` is not an NVS partition).
    static func partition(_ s: AppState, _ p: PartitionInfo) -> NVS.Partition? {
        guard isNVS(p) else { return nil }
        return s.nvsCache.partition(s, offset: Int(p.entry.offset))
    }

    /// The selected partition is an NVS partition: `o` can open its pane.
    static func canOpen(_ s: AppState) -> Bool { s.selectedPartition.map(isNVS) ?? false }

    /// The pane is open for the selected partition (it is drawn in the detail area).
    static func isShown(_ s: AppState) -> Bool {
        guard let n = s.nvs, let p = s.selectedPartition else { return false }
        return Int(p.entry.offset) == n.offset && isNVS(p)
    }

    /// The key contexts while the box or the pane has the keys (nil: the usual ones).
    static func contexts(_ s: AppState) -> [KeyContext]? {
        if s.nvs?.viewer != nil { return [.nvsValue] }
        if isShown(s), s.focus == .detail { return [.nvs, .global] }
        return nil
    }

    /// The filter in force: the prompt's text while it is typed.
    static func liveFilter(_ s: AppState) -> String {
        if let p = s.prompt, p.kind == .nvsFilter { return p.text }
        return s.nvs?.filter ?? ""
    }

    /// The rows the pane lists for the current view and filter.
    static func rows(_ s: AppState, _ part: NVS.Partition) -> [NVSRow] {
        guard let n = s.nvs else { return [] }
        if part.encrypted && !part.decrypted { return part.pages.indices.map { .page($0) } }
        let f = liveFilter(s).lowercased()
        func match(_ ns: String?, _ key: String) -> Bool {
            f.isEmpty || key.lowercased().contains(f) || (ns?.lowercased().contains(f) ?? false)
        }
        switch n.view {
        case .resolved:
            return part.values.indices.filter { match(part.values[$0].namespace, part.values[$0].key) }.map { .value($0) }
        case .everyEntry:
            return part.entries.indices.filter { match(part.entries[$0].namespace, part.entries[$0].key) }.map { .entry($0) }
        }
    }

    // MARK: Commands

    /// Handles `c` when it is the NVS pane's (or its box's); true when handled.
    static func command(_ s: inout AppState, _ c: Command) -> Bool {
        if c == .openNVS { open(&s); return true }
        if s.nvs?.viewer != nil { viewerCommand(&s, c); return true }
        guard isShown(s), s.focus == .detail, var n = s.nvs, let p = s.selectedPartition, let part = partition(s, p) else {
            // The pane's own commands mean nothing elsewhere.
            return c == .nvsFilter || c == .nvsToggleView || c == .nvsShowInHex
        }
        let rows = rows(s, part)
        let page = max(1, listHeight(s) - 1)
        switch c {
        case .up: n.selected -= 1
        case .down: n.selected += 1
        case .pageUp: n.selected -= page
        case .pageDown: n.selected += page
        case .home: n.selected = 0
        case .end: n.selected = rows.count - 1
        case .nvsFilter:
            s.prompt = Prompt(kind: .nvsFilter, text: n.filter)
            return true
        case .nvsToggleView:
            guard !(part.encrypted && !part.decrypted) else {
                s.message = StatusMessage("encrypted and no key: only the pages can be shown (flashscope nvs --nvs-keys reads the values)", kind: .error)
                return true
            }
            n.view = n.view == .resolved ? .everyEntry : .resolved
            n.selected = 0
            n.scroll = 0
            s.message = StatusMessage(n.view == .resolved ? "what the app reads: one row per key" : "every entry on flash with its state (written, erased, ignored)")
        case .activate:
            guard rows.indices.contains(n.selected) else {
                s.message = StatusMessage(rows.isEmpty ? "nothing to show: no row" : "no row selected", kind: .error)
                return true
            }
            n.viewer = NVSViewer(row: rows[n.selected])
        case .nvsShowInHex:
            guard rows.indices.contains(n.selected) else {
                s.message = StatusMessage("nothing to show in hex: no row", kind: .error)
                return true
            }
            s.nvs = n
            showInHex(&s, part, rows[n.selected])
            return true
        case .cancel:
            if s.search != nil { return false }
            if !n.filter.isEmpty {
                n.filter = ""
                n.selected = 0
                s.message = StatusMessage("filter cleared")
            } else {
                s.nvs = nil
                s.message = StatusMessage("NVS pane closed (\(KeyMap.keyLabel(for: .openNVS)) opens it again)")
                return true
            }
        default:
            return false
        }
        n.selected = min(max(0, n.selected), max(0, rows.count - 1))
        n.scroll = visibleScroll(n.scroll, selected: n.selected, height: listHeight(s))
        s.nvs = n
        return true
    }

    /// `o`: opens the pane for the selected NVS partition, goes back to it, or closes it.
    static func open(_ s: inout AppState) {
        guard let p = s.selectedPartition, isNVS(p) else {
            s.message = StatusMessage("select a data/nvs partition first (\(KeyMap.keyLabel(for: .openNVS)) opens its NVS pane)", kind: .error)
            return
        }
        if isShown(s) {
            if s.focus == .detail {
                s.nvs = nil
                s.message = StatusMessage("NVS pane closed")
            } else {
                Update.setFocus(&s, .detail)
            }
            return
        }
        s.nvs = NVSPaneState(offset: Int(p.entry.offset), name: p.name)
        Update.setFocus(&s, .detail)
        s.detailScroll = 0
    }

    /// Sets the filter typed at the prompt.
    static func setFilter(_ s: inout AppState, _ text: String) {
        guard var n = s.nvs else { return }
        n.filter = text.trimmingWhitespace()
        n.selected = 0
        n.scroll = 0
        s.nvs = n
        if let p = s.selectedPartition, let part = partition(s, p) {
            let count = rows(s, part).count
            s.message = count == 0 ? StatusMessage("no key or namespace contains '\(n.filter)' (Esc clears the filter)", kind: .error)
                : n.filter.isEmpty ? nil : StatusMessage("\(count) row\(count == 1 ? "" : "s") match '\(n.filter)' · Esc clears")
        }
    }

    static func viewerCommand(_ s: inout AppState, _ c: Command) {
        guard var n = s.nvs, var v = n.viewer else { return }
        let page = max(1, s.height - 8)
        switch c {
        case .cancel, .activate: n.viewer = nil; s.nvs = n; return
        case .up: v.scroll -= 1
        case .down: v.scroll += 1
        case .pageUp: v.scroll -= page
        case .pageDown: v.scroll += page
        case .home: v.scroll = 0
        case .end: v.scroll = Int.max / 2
        default: return
        }
        // Clamped against the lines at the size they are drawn.
        let total = viewerLines(s, v.row, width: viewerWidth(s) - 4).count
        v.scroll = min(max(0, v.scroll), max(0, total - max(1, viewerBodyRows(s))))
        n.viewer = v
        s.nvs = n
    }

    /// Puts the hex cursor on the row's first 32-byte slot and colours the fields of its item headers.
    static func showInHex(_ s: inout AppState, _ part: NVS.Partition, _ row: NVSRow) {
        var headers: [Int] = []
        var target: Int?
        switch row {
        case .value(let i):
            guard part.values.indices.contains(i) else { return }
            let v = part.values[i]
            let starts = Set(part.entries.map(\.offset))
            headers = v.entries.filter { starts.contains($0) }
            target = v.entries.first
        case .entry(let i):
            guard part.entries.indices.contains(i) else { return }
            headers = [part.entries[i].offset]
            target = part.entries[i].offset
        case .page(let i):
            guard part.pages.indices.contains(i) else { return }
            target = part.pages[i].offset
        }
        var pages: [Int] = []
        if case .page = row, let at = target { pages = [at] }
        guard let at = target, at >= 0, at < s.document.count else {
            s.message = StatusMessage("that entry is not in this file", kind: .error)
            return
        }
        s.nvs?.marked = headers
        s.nvs?.markedPages = pages
        Update.moveCursor(&s, to: at)
        let n = headers.count
        let back = KeyMap.keyLabel(for: .openNVS)
        s.message = StatusMessage(n == 0 ? "page header at \(Hex.short(at)) coloured by field: state seq version crc bitmap · \(back) goes back"
            : "\(n) item header\(n == 1 ? "" : "s") at \(Hex.short(at)) coloured by field: ns type span chunk crc key data, then payload · \(back) goes back")
    }

    // MARK: Sizes

    /// Rows of the list (the pane's height less its summary and column lines).
    static func listHeight(_ s: AppState) -> Int {
        let l = Layout.compute(width: s.width, height: s.height, state: s)
        return max(1, (l.detail?.height ?? l.lowerHeight) - headerRows - footerRows(s))
    }

    static let headerRows = 2

    /// The first row drawn when `listRows` lines show `count` rows (the draw and a click use this one).
    static func firstVisible(_ s: AppState, count: Int, listRows: Int) -> Int {
        guard let n = s.nvs, count > 0 else { return 0 }
        let sel = min(max(0, n.selected), count - 1)
        return min(visibleScroll(n.scroll, selected: sel, height: listRows), max(0, count - listRows))
    }

    /// A click at screen line `y` of the pane (drawn in `rect`): selects the row drawn there. False when
    /// the line holds no row (headers, footer, space below the list) or the pane is not shown.
    static func click(_ s: inout AppState, y: Int, in rect: Rect) -> Bool {
        guard var n = s.nvs, let p = s.selectedPartition, let part = partition(s, p) else { return false }
        let rows = rows(s, part)
        let listRows = max(0, rect.height - headerRows - footerRows(s))
        let line = y - rect.y - headerRows
        guard line >= 0, line < listRows else { return false }
        let i = firstVisible(s, count: rows.count, listRows: listRows) + line
        guard i < rows.count else { return false }
        n.selected = i
        n.scroll = firstVisible(s, count: rows.count, listRows: listRows)
        s.nvs = n
        return true
    }

    static func visibleScroll(_ scroll: Int, selected: Int, height: Int) -> Int {
        var top = max(0, scroll)
        if selected < top { top = selected }
        if selected >= top + height { top = selected - height + 1 }
        return max(0, top)
    }

    static func viewerWidth(_ s: AppState) -> Int { min(s.width - 2, 96) }
    static func viewerBodyRows(_ s: AppState) -> Int { max(1, s.height - 2 - 4) }
}
