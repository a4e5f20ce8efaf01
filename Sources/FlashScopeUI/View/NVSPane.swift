import ScreenKit
import FlashFormats
import FlashModel

/// The NVS pane (drawn in the detail area while open; state and keys in NVSModel.swift) and the
/// NVS part of the Detail pane while it is closed. Every fact is the engine's (FlashFormats/NVS.swift
/// via the cached ``NVSReading``): this file only lays rows out.
enum NVSPane {
    // MARK: Detail pane (pane closed)

    /// What the app reads on its next start (namespace, key, type, value), then the entries that
    /// start-up drops and why.
    static func lines(_ s: AppState, _ p: PartitionInfo, width: Int) -> [[Span]] {
        let g = s.glyphs
        guard let part = partition(s, p) else { return [] }
        var out: [[Span]] = []
        out.append([Span("NVS", role: .title), Span(": \(part.pages.count) pages \(g.middleDot) \(pageSummary(part)) \(g.middleDot) rules \(part.rules.label)")])
        out.append([Span("\(KeyMap.keyLabel(for: .openNVS, glyphs: g)) opens the NVS pane: filter, full values, every entry, slots in hex", role: .dim)])
        if let err = part.initError {
            out.append([Span("\(g.crossMark) nvs_flash_init fails: \(err)", role: .invalid, bold: true)])
        }
        if part.encrypted && !part.decrypted {
            out.append([Span("encrypted: give the keys (flashscope nvs --nvs-keys) to read the values", role: .warning)])
            return out
        }
        if part.values.isEmpty {
            out.append([Span(part.pagesUsed == 0 ? "erased: no key stored" : "no value the app can read", role: .erased)])
        } else {
            out.append([Span("what the app reads: \(part.values.count) keys", role: .header)])
            let nsWidth = min(16, part.values.map(\.namespace.count).max() ?? 0)
            let keyWidth = min(15, part.values.map(\.key.count).max() ?? 0)
            for v in part.values {
                out.append([Span(v.namespace.padded(to: nsWidth) + " ", role: .dim), Span(v.key.padded(to: keyWidth) + " ", role: .accent),
                            Span(v.type.csvName.padded(to: 7), role: .dim),
                            Span(valueText(v.value, width: max(8, width - nsWidth - keyWidth - 9)))])
            }
        }
        let dropped = part.entries.filter { $0.fate == .ignored }
        if !dropped.isEmpty {
            out.append([Span("dropped at start-up: \(dropped.count) entries", role: .warning)])
            for d in dropped.prefix(8) {
                out.append([Span("  @\(Hex.short(d.offset)) ", role: .dim), Span(d.key + " ", role: .accent),
                            Span(d.drop?.rawValue ?? "", role: .warning)])
            }
        }
        let erased = part.entries.filter { $0.fate == .erased }.count
        if erased > 0 { out.append([Span("\(erased) erased entries on flash (old values, not read)", role: .dim)]) }
        return out
    }

    /// "2 active, 1 full, 1 empty".
    static func pageSummary(_ part: NVS.Partition) -> String {
        let states = Dictionary(grouping: part.pages, by: \.state).mapValues(\.count)
        let order: [NVS.PageState] = [.active, .full, .freeing, .corrupt, .empty, .absent]
        return order.compactMap { st in states[st].map { "\($0) \(st.rawValue.lowercased())" } }.joined(separator: ", ")
    }

    /// A value in at most `width` columns (blobs as a hex preview with their length).
    static func valueText(_ v: NVS.Value, width: Int) -> String {
        let full: String
        switch v {
        case .unsigned(let u): full = String(u)
        case .signed(let i): full = String(i)
        case .float(let f): full = "\(f)"
        case .double(let d): full = "\(d)"
        case .string: full = "\"" + (v.text ?? "") + "\""
        case .blob(let b):
            let n = max(1, min(b.count, (width - 14) / 2))
            return Hex.bytes(Array(b.prefix(n))) + (b.count > n ? "… " : " ") + "(\(b.count) B)"
        }
        return full.count > width ? String(full.prefix(max(1, width - 1))) + "…" : full
    }

    // MARK: The pane

    static func title(_ s: AppState) -> [Span] {
        guard let n = s.nvs else { return [Span("NVS", role: .title)] }
        let view = n.view == .resolved ? "what the app reads" : "every entry on flash"
        return [Span("NVS \(n.name)", role: .title), Span(" \(s.glyphs.middleDot) \(view)", role: .dim)]
    }

    /// Rows below the list: the field colours while the hex pane marks a row's slots.
    static func footerRows(_ s: AppState) -> Int { (s.nvs.map { $0.marked.isEmpty && $0.markedPages.isEmpty } ?? true) ? 0 : 1 }

    static func draw(_ buf: inout ScreenBuffer, _ s: AppState, _ rect: Rect) {
        let g = s.glyphs
        let w = rect.width - 2
        guard let n = s.nvs, let p = s.selectedPartition, w > 0, rect.height > 0 else { return }
        guard let part = partition(s, p) else {
            buf.drawText("not an NVS partition", x: rect.x + 1, y: rect.y, width: w, role: .warning, glyphs: g)
            return
        }
        let rows = rows(s, part)
        let locked = part.encrypted && !part.decrypted
        // Line 0: what is listed, how many, the filter; line 1: column names.
        var head: [Span]
        if locked {
            head = [Span("encrypted, no key: pages only", role: .warning, bold: true),
                    Span(" \(g.middleDot) flashscope nvs --nvs-keys KEY reads the values", role: .dim)]
        } else {
            let total = n.view == .resolved ? part.values.count : part.entries.count
            head = [Span(n.view == .resolved ? "what the app reads: \(total) keys" : "every entry on flash: \(total) entries", role: .header, bold: true)]
            let f = liveFilter(s)
            if !f.isEmpty { head += [Span(" \(g.middleDot) filter ", role: .dim), Span(f, role: .prompt), Span(" \(rows.count) match", role: .dim)] }
            head.append(Span(" \(g.middleDot) \(part.pages.count) pages: \(pageSummary(part)) \(g.middleDot) rules \(part.rules.label)", role: .dim))
        }
        buf.drawSpans(head, x: rect.x + 1, y: rect.y, width: w, glyphs: g)
        guard rect.height > 1 else { return }
        let cols = Columns(part, width: w, view: locked ? nil : n.view)
        buf.drawText(cols.header, x: rect.x + 1, y: rect.y + 1, width: w, role: .header, glyphs: g)

        let listRows = max(0, rect.height - headerRows - footerRows(s))
        if rows.isEmpty {
            if listRows > 0 { buf.drawText(emptyText(s, part), x: rect.x + 1, y: rect.y + 2, width: w, role: .dim, glyphs: g) }
        } else if listRows > 0 {
            let sel = min(max(0, n.selected), rows.count - 1)
            let top = firstVisible(s, count: rows.count, listRows: listRows)
            for (i, row) in rows.enumerated().dropFirst(top).prefix(listRows) {
                let y = rect.y + headerRows + i - top
                buf.drawSpans(cols.spans(row, part, g), x: rect.x + 1, y: y, width: w, glyphs: g)
                if i == sel {
                    buf.setRole(s.focus == .detail ? .selected : .accent, in: Rect(x: rect.x, y: y, width: rect.width, height: 1))
                }
            }
            if top > 0 { buf.put(String(g.arrowUp), x: rect.maxX - 1, y: rect.y + headerRows, role: .dim) }
            if top + listRows < rows.count { buf.put(String(g.arrowDown), x: rect.maxX - 1, y: rect.y + headerRows + listRows - 1, role: .dim) }
        }
        if footerRows(s) > 0, rect.height > headerRows {
            var legend: [Span] = [Span("hex:", role: .dim)]
            if n.marked.isEmpty {
                for f in NVS.PageField.allCases { legend.append(Span(" " + f.rawValue, role: pageFieldRole(f, crcOK: true))) }
            } else {
                for f in NVS.EntryField.allCases { legend.append(Span(" " + f.rawValue, role: fieldRole(f, crcOK: true))) }
            }
            buf.drawSpans(legend, x: rect.x + 1, y: rect.maxY - 1, width: w, glyphs: g)
        }
    }

    static func emptyText(_ s: AppState, _ part: NVS.Partition) -> String {
        if part.pages.isEmpty { return "no NVS page: the partition is smaller than 4 KiB or not in this file" }
        let f = liveFilter(s)
        if !f.isEmpty { return "no key or namespace contains '\(f)' · Esc clears the filter" }
        if s.nvs?.view == .everyEntry { return "no entry on flash: every page is empty" }
        if let e = part.initError { return "nvs_flash_init fails with \(e): the app reads no value · a lists every entry" }
        return part.pagesUsed == 0 ? "erased: no key stored" : "no value the app can read · a lists every entry"
    }

    /// Column widths for the pane's width and the view.
    struct Columns {
        let view: NVSPaneState.View?
        let ns: Int, key: Int, type: Int, loc: Int
        let spanChunk: Bool
        let width: Int

        init(_ part: NVS.Partition, width: Int, view: NVSPaneState.View?) {
            self.view = view
            self.width = width
            let names: [String], keys: [String]
            switch view {
            case .resolved?: names = part.values.map(\.namespace); keys = part.values.map(\.key)
            case .everyEntry?: names = part.entries.map { $0.namespace ?? "" }; keys = part.entries.map(\.key)
            case nil: names = []; keys = []
            }
            ns = max(2, min(names.map(\.count).max() ?? 2, 16, width / 6))
            key = max(3, min(keys.map(\.count).max() ?? 3, 15, width / 4))
            type = view == .everyEntry ? 10 : 6
            loc = 7
            spanChunk = width >= 72
        }

        var header: String {
            switch view {
            case .resolved?: "ns".padded(to: ns + 1) + "key".padded(to: key + 1) + "type".padded(to: type + 1) + "value"
            case .everyEntry?:
                "pg:slot".padded(to: loc + 1) + "ns".padded(to: ns + 1) + "key".padded(to: key + 1) + "type".padded(to: type + 1)
                    + (spanChunk ? "span chunk " : "") + "state"
            case nil: "page offset      state    seq        ver  header CRC"
            }
        }

        func spans(_ row: NVSRow, _ part: NVS.Partition, _ g: Glyphs) -> [Span] {
            switch row {
            case .value(let i):
                guard part.values.indices.contains(i) else { return [] }
                let v = part.values[i]
                let used = ns + key + type + 3
                return [Span(v.namespace.fitted(to: ns) + " ", role: .dim), Span(v.key.fitted(to: key) + " ", role: .accent),
                        Span(v.type.csvName.fitted(to: type) + " ", role: .dim), Span(NVSPane.valueText(v.value, width: max(4, width - used)))]
            case .entry(let i):
                guard part.entries.indices.contains(i) else { return [] }
                let e = part.entries[i]
                var out = [Span("\(e.page):\(e.slot)".fitted(to: loc) + " ", role: .dim),
                           Span((e.namespace ?? (e.nsIndex == 0 ? "·ns" : "#\(e.nsIndex)")).fitted(to: ns) + " ", role: .dim),
                           Span(e.key.fitted(to: key) + " ", role: .accent),
                           Span((e.type?.entryName ?? Hex.short(e.typeCode)).fitted(to: type) + " ", role: .dim)]
                if spanChunk {
                    out.append(Span(String(e.span).padded(to: 4) + " " + (e.chunkIndex == 0xFF ? "-" : String(e.chunkIndex)).padded(to: 5) + " ", role: .dim))
                }
                out.append(NVSPane.stateSpan(e))
                if !e.crcOK { out.append(Span(" crc \(g.crossMark)", role: .invalid)) }
                return out
            case .page(let i):
                guard part.pages.indices.contains(i) else { return [] }
                let p = part.pages[i]
                return [Span(String(p.index).padded(to: 5)), Span(Hex.padded(p.offset, 8).padded(to: 11), role: .dim),
                        Span(p.state.rawValue.padded(to: 9), role: p.state == .corrupt ? .invalid : (p.state == .empty ? .erased : .normal)),
                        Span((p.hasSeq ? String(p.seq) : "-").padded(to: 11)), Span(Hex.padded(p.version, 2).padded(to: 5), role: .dim),
                        p.crcOK ? Span(String(g.check), role: .valid) : Span(String(g.crossMark), role: .invalid)]
            }
        }
    }

    static func stateSpan(_ e: NVS.Entry) -> Span {
        switch e.fate {
        case .written: Span("written", role: .valid)
        case .erased: Span("erased", role: .erased)
        case .ignored: Span("ignored" + (e.drop.map { ": " + $0.rawValue } ?? ""), role: .warning)
        }
    }

    // MARK: Hex marks

    /// The colour of each item-header field in the hex pane.
    static func fieldRole(_ f: NVS.EntryField, crcOK: Bool) -> Role {
        switch f {
        case .namespace: .data
        case .type: .app
        case .span: .boot
        case .chunkIndex: .bootloader
        case .crc: crcOK ? .valid : .invalid
        case .key: .accent
        case .data: .structField
        case .payload: .table
        }
    }

    static func pageFieldRole(_ f: NVS.PageField, crcOK: Bool) -> Role {
        switch f {
        case .state: .boot
        case .seq: .data
        case .version: .bootloader
        case .reserved: .dim
        case .crc: crcOK ? .valid : .invalid
        case .bitmap: .structField
        }
    }

    /// The fields of the marked item headers (and their payload) that overlap `visible`.
    static func hexMarks(_ s: AppState, in visible: Range<Int>) -> [HexPane.Mark] {
        guard let n = s.nvs, !n.marked.isEmpty || !n.markedPages.isEmpty, let part = s.nvsCache.partition(s, offset: n.offset) else { return [] }
        var out: [HexPane.Mark] = []
        for at in n.marked {
            guard let e = entry(part, at: at), e.range.overlaps(visible) else { continue }
            for f in NVS.EntryField.allCases where f != .payload {
                out.append(HexPane.Mark(range: (e.offset + f.range.lowerBound)..<(e.offset + f.range.upperBound), role: fieldRole(f, crcOK: e.crcOK)))
            }
            if e.covered > 1 { out.append(HexPane.Mark(range: (e.offset + NVS.entrySize)..<e.range.upperBound, role: .table)) }
        }
        for at in n.markedPages {
            guard let p = part.pages.first(where: { $0.offset == at }), (at..<(at + 64)).overlaps(visible) else { continue }
            for f in NVS.PageField.allCases {
                out.append(HexPane.Mark(range: (at + f.range.lowerBound)..<(at + f.range.upperBound), role: pageFieldRole(f, crcOK: p.crcOK)))
            }
        }
        return out
    }

    /// The item header at absolute offset `at` (entries are listed in offset order).
    static func entry(_ part: NVS.Partition, at: Int) -> NVS.Entry? {
        var lo = 0, hi = part.entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if part.entries[mid].offset < at { lo = mid + 1 } else { hi = mid }
        }
        return lo < part.entries.count && part.entries[lo].offset == at ? part.entries[lo] : nil
    }

    // MARK: The full-value box

    static func drawViewer(_ buf: inout ScreenBuffer, _ s: AppState) {
        guard let v = s.nvs?.viewer, buf.width >= Layout.minimumWidth, buf.height >= Layout.minimumHeight else { return }
        let w = viewerWidth(s)
        let lines = viewerLines(s, v.row, width: w - 4)
        Modals.box(&buf, s, title: viewerTitle(s, v.row), lines: lines, hints: KeyMap.hints(s), preferredWidth: w,
                   scroll: v.scroll, fullHeight: true, wrap: false)
    }

    static func viewerTitle(_ s: AppState, _ row: NVSRow) -> String {
        guard let n = s.nvs, let part = s.nvsCache.partition(s, offset: n.offset) else { return "NVS" }
        switch row {
        case .value(let i) where part.values.indices.contains(i): return "\(part.values[i].namespace) / \(part.values[i].key)"
        case .entry(let i) where part.entries.indices.contains(i): return "entry \(part.entries[i].page):\(part.entries[i].slot) '\(part.entries[i].key)'"
        case .page(let i) where part.pages.indices.contains(i): return "page \(i)"
        default: return "NVS"
        }
    }

    /// The box's lines at `width` columns: a value in full, an entry's fields, a page header.
    static func viewerLines(_ s: AppState, _ row: NVSRow, width: Int) -> [[Span]] {
        let g = s.glyphs
        let dot = " \(g.middleDot) "
        guard let n = s.nvs, let part = s.nvsCache.partition(s, offset: n.offset) else {
            return [[Span("the partition is no longer readable", role: .warning)]]
        }
        var out: [[Span]] = []
        switch row {
        case .value(let i):
            guard part.values.indices.contains(i) else { return [[Span("the value is gone (the bytes changed)", role: .warning)]] }
            let v = part.values[i]
            out.append([Span(v.type.csvName, role: .accent), Span(dot + "page \(v.page) slot \(v.slot)"),
                        Span(dot + "\(v.entries.count) slot\(v.entries.count == 1 ? "" : "s") from \(Hex.short(v.entries.first ?? 0))", role: .dim)])
            out += valueLines(v.value, width: width, g)
        case .entry(let i):
            guard part.entries.indices.contains(i) else { return [[Span("the entry is gone (the bytes changed)", role: .warning)]] }
            let e = part.entries[i]
            out.append([Span("state "), stateSpan(e), Span(dot + "bitmap \(e.bitmap.name)", role: .dim)])
            out.append([Span("page \(e.page) slot \(e.slot) @\(Hex.short(e.offset))"), Span(dot + "\(e.covered) slot\(e.covered == 1 ? "" : "s")", role: .dim)])
            out.append([Span("ns ", role: fieldRole(.namespace, crcOK: true)), Span("\(e.nsIndex)" + (e.namespace.map { " (\($0))" } ?? ""))])
            out.append([Span("type ", role: fieldRole(.type, crcOK: true)), Span("\(Hex.short(e.typeCode)) \(e.type?.entryName ?? "unknown")")])
            out.append([Span("span ", role: fieldRole(.span, crcOK: true)), Span("\(e.span)"),
                        Span(dot), Span("chunk ", role: fieldRole(.chunkIndex, crcOK: true)), Span(e.chunkIndex == 0xFF ? "0xff (none)" : "\(e.chunkIndex)")])
            out.append([Span("crc ", role: fieldRole(.crc, crcOK: e.crcOK)), Span("\(Hex.padded(e.crcStored, 8)) stored, \(Hex.padded(e.crcComputed, 8)) computed "),
                        e.crcOK ? Span(String(g.check), role: .valid) : Span(String(g.crossMark), role: .invalid, bold: true)])
            out.append([Span("key ", role: fieldRole(.key, crcOK: true)), Span("'\(e.key)'"), Span(dot + spaced(e.keyBytes), role: .dim)])
            out.append([Span("data ", role: fieldRole(.data, crcOK: true)), Span(spaced(Array(e.header[NVS.EntryField.data.range])))])
            if let v = part.values.first(where: { $0.page == e.page && $0.slot == e.slot }) {
                out.append([Span("what the app reads from it", role: .header)])
                out += valueLines(v.value, width: width, g)
            }
        case .page(let i):
            guard part.pages.indices.contains(i) else { return [[Span("the page is gone", role: .warning)]] }
            let p = part.pages[i]
            out.append([Span("page \(p.index) @\(Hex.short(p.offset))"), Span(dot + p.state.rawValue, role: .accent)])
            out.append([Span("state word \(Hex.padded(p.stateWord, 8))"), Span(dot + "seq " + (p.hasSeq ? String(p.seq) : "none")), Span(dot + "version \(Hex.padded(p.version, 2))")])
            out.append([Span("header CRC \(Hex.padded(p.crcStored, 8)) stored, \(Hex.padded(p.crcComputed, 8)) computed "),
                        p.crcOK ? Span(String(g.check), role: .valid) : Span(String(g.crossMark), role: .invalid, bold: true)])
            out.append([Span("\(p.writtenEntries) of \(NVS.entryCount) slots marked written in the bitmap", role: .dim)])
        }
        return out
    }

    /// "de ad be ef".
    static func spaced(_ b: [UInt8]) -> String { b.map { Hex.padded($0, 2) }.joined(separator: " ") }

    /// A value in full: strings cut into lines of `width` (nothing dropped), blobs as a hex dump.
    static func valueLines(_ v: NVS.Value, width: Int, _ g: Glyphs) -> [[Span]] {
        let w = max(8, width)
        switch v {
        case .unsigned(let u): return [[Span("\(u)", role: .accent, bold: true), Span(" = 0x" + String(u, radix: 16), role: .dim)]]
        case .signed(let i): return [[Span("\(i)", role: .accent, bold: true), Span(" = 0x" + String(UInt64(bitPattern: i), radix: 16), role: .dim)]]
        case .float(let f): return [[Span("\(f)", role: .accent, bold: true)]]
        case .double(let d): return [[Span("\(d)", role: .accent, bold: true)]]
        case .string(let b):
            let text = v.text ?? ""
            var out: [[Span]] = [[Span("\(b.count) bytes with the terminating NUL; \(text.count) characters", role: .dim)]]
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                var rest = Substring(line)
                repeat {
                    out.append([Span(String(rest.prefix(w)))])
                    rest = rest.dropFirst(w)
                } while !rest.isEmpty
            }
            return out
        case .blob(let b):
            var out: [[Span]] = [[Span("\(b.count) bytes", role: .dim)]]
            let per = w >= 6 + 16 * 3 + 1 + 16 ? 16 : (w >= 6 + 8 * 3 + 1 + 8 ? 8 : 4)
            var at = 0
            while at < b.count {
                let chunk = Array(b[at..<min(b.count, at + per)])
                let ascii = String(chunk.map { $0 >= 0x20 && $0 < 0x7F ? Character(Unicode.Scalar($0)) : "." })
                out.append([Span(Hex.padded(at, 4) + "  ", role: .dim), Span(spaced(chunk).padded(to: per * 3)), Span(ascii, role: .dim)])
                at += per
            }
            return out
        }
    }
}
