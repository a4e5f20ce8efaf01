import ScreenKit
import FlashFormats
import FlashModel

/// The NVS part of the Detail pane for a data/nvs partition: what the app reads on its next start
/// (namespace, key, type, value) as the engine resolves it (FlashFormats/NVS.swift), then the
/// entries that start-up drops and why.
enum NVSPane {
    static func lines(_ s: AppState, _ p: PartitionInfo, width: Int) -> [[Span]] {
        let g = s.glyphs
        let e = p.entry
        let part = NVS.read(s.document, offset: Int(e.offset), size: Int(e.size), rules: NVSReading.rules(s.layout),
                            readOnly: e.readonly)
        var out: [[Span]] = []
        let states = Dictionary(grouping: part.pages, by: \.state).mapValues(\.count)
        let order: [NVS.PageState] = [.active, .full, .freeing, .corrupt, .empty, .absent]
        let summary = order.compactMap { st in states[st].map { "\($0) \(st.rawValue.lowercased())" } }.joined(separator: ", ")
        out.append([Span("NVS", role: .title), Span(": \(part.pages.count) pages \(g.middleDot) \(summary) \(g.middleDot) rules \(part.rules.label)")])
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
                let ns = v.namespace
                let key = v.key
                out.append([Span(ns + String(repeating: " ", count: max(0, nsWidth - ns.count)) + " ", role: .dim),
                            Span(key + String(repeating: " ", count: max(0, keyWidth - key.count)) + " ", role: .accent),
                            Span(v.type.csvName + String(repeating: " ", count: max(0, 7 - v.type.csvName.count)), role: .dim),
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
}
