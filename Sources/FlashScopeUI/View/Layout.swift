import ScreenKit

/// Where every pane goes for a terminal size. Shared by ``render(_:)`` and the mouse hit test, so
/// a click lands on what was drawn.
///
/// - compact (80×24 and up): header, boot line, map bar, partitions | OTA data, then one of
///   detail / hex / integrity (Tab cycles), integrity verdicts in the bottom border, status line.
/// - wide (118×34 and up): the map gets a scale, detail and hex sit side by side, and the
///   integrity pane is always shown below them.
public struct Layout {
    public enum Mode: Sendable, Equatable { case tooSmall, single, compact, wide }

    /// Below this nothing useful fits: a "too small" notice.
    public static let minimumWidth = 40
    public static let minimumHeight = 12
    /// From here the compact layout (two panes side by side); below it, one pane at a time.
    public static let compactWidth = 80
    public static let compactHeight = 24
    static let wideWidth = 118
    static let wideHeight = 34
    /// Columns of a full hex line: offset, 16 bytes in two groups, ASCII between bars.
    static let hexWidth = 78

    public var mode: Mode
    public var width: Int
    public var height: Int

    /// The outer frame (everything but the status row).
    public var frame = Rect.zero
    public var bootRow = 1
    public var mapBar = Rect.zero
    /// Row of offset labels under the map bar (wide only).
    public var mapScale: Rect?
    /// The rule above the map bar (wide only).
    public var mapDivider: Int?
    /// The rule with the "Partitions" and "OTA data" titles.
    public var upperDivider = 0
    public var partitions = Rect.zero
    public var otadata = Rect.zero
    /// Column of the vertical line between partitions and OTA data.
    public var upperSplit = 0
    /// The rule above the lower area.
    public var lowerDivider = 0
    public var detail: Rect?
    public var hex: Rect?
    public var integrity: Rect?
    /// Column of the vertical line between detail and hex (wide only).
    public var lowerSplit: Int?
    /// The rule above the integrity pane (wide only).
    public var integrityDivider: Int?
    public var bottomBorder = 0
    public var statusRow = 0
    /// Tab labels on the lower divider (compact): pane and column range.
    public var tabs: [(Pane, Range<Int>)] = []

    /// Where the hex pane goes in the single-pane layout, shown or not (page sizes need it).
    var singleArea: Rect?
    /// Screen rows per hex line: 2 in compare mode (B's bytes under A's; compare mode always shows 16 bytes a row).
    public var rowsPerHexLine = 1
    /// 16-byte lines the hex pane shows (of the lower area when the hex pane is not shown): its rows,
    /// or fewer on a narrow pane, where a line takes two or four rows, or in compare mode, where it takes two.
    public var hexRows: Int {
        guard let r = hex ?? singleArea ?? detail ?? integrity else { return 0 }
        if rowsPerHexLine > 1 { return max(1, r.height / rowsPerHexLine) }
        return r.height / HexPane.rowsPerLine(width: r.width)
    }
    /// Bytes a row of the hex pane shows (16; 8 or 4 on a narrow pane outside compare mode).
    public var hexBytesPerRow: Int {
        guard rowsPerHexLine == 1, let r = hex ?? singleArea ?? detail ?? integrity else { return HexView.rowSize }
        return HexPane.bytesPerRow(width: r.width)
    }
    public var lowerHeight: Int { (detail ?? hex ?? integrity)?.height ?? 0 }

    public static func compute(width: Int, height: Int, state s: AppState) -> Layout {
        var l = Layout(mode: .tooSmall, width: width, height: height)
        if s.compare != nil { l.rowsPerHexLine = 2 }
        guard width >= minimumWidth, height >= minimumHeight else { return l }
        l.frame = Rect(x: 0, y: 0, width: width, height: height - 1)
        l.statusRow = height - 1
        l.bottomBorder = height - 2
        let inner = width - 2
        guard width >= compactWidth, height >= compactHeight else {
            // One pane at a time under the header, boot line and map; Tab cycles through them.
            l.mode = .single
            l.bootRow = 1
            l.mapBar = Rect(x: 1, y: 2, width: inner, height: 1)
            l.upperDivider = 3
            l.lowerDivider = 3
            let area = Rect(x: 1, y: 4, width: inner, height: max(1, l.bottomBorder - 4))
            let hidden = Rect(x: width - 1, y: l.bottomBorder, width: 0, height: 0)
            l.singleArea = area
            l.partitions = hidden
            l.otadata = hidden
            l.upperSplit = width - 1
            switch s.focus {
            case .partitions: l.partitions = area
            case .otadata: l.otadata = area
            case .detail: l.detail = area
            case .hex: l.hex = area
            case .integrity: l.integrity = area
            }
            // Every pane's name on the rule; at 40 columns without the rule between them, so "Checks" fits too.
            let order = Update.focusOrder(s, mode: .single)
            let names = order.reduce(0) { $0 + shortTitle($1).count + 2 }
            let gap = 2 + names + order.count - 1 <= width - 2 ? 1 : 0
            var x = 2
            for pane in order {
                let w = shortTitle(pane).count + 2
                l.tabs.append((pane, x..<(x + w)))
                x += w + gap
            }
            return l
        }
        l.mode = width >= wideWidth && height >= wideHeight ? .wide : .compact

        // Rows the upper panes want: a header plus a row per partition; the OTA grid needs 7,
        // plus one for the previous values after an edit.
        let otaRows = 7 + (s.previousOTA != nil ? 1 : 0) + (l.mode == .wide ? 1 : 0)
        let wanted = max(otaRows, s.layout.partitions.count + 1, 4)

        var y = 1
        l.bootRow = y; y += 1
        if l.mode == .wide {
            l.mapDivider = y; y += 1
            l.mapBar = Rect(x: 1, y: y, width: inner, height: 1); y += 1
            l.mapScale = Rect(x: 1, y: y, width: inner, height: 1); y += 1
        } else {
            l.mapBar = Rect(x: 1, y: y, width: inner, height: 1); y += 1
        }
        l.upperDivider = y; y += 1

        // Fixed rows below the upper panes: divider, lower area (at least 8), [divider, integrity],
        // bottom border, status.
        let integrityRows = l.mode == .wide ? min(8, max(5, integrityLines(s))) : 0
        let below = 1 + 8 + (l.mode == .wide ? 1 + integrityRows : 0) + 2
        let upper = max(4, min(wanted, height - y - below))

        // OTA grid: a label column and two sector columns.
        let otaWidth: Int
        if l.mode == .wide {
            otaWidth = min(60, max(46, inner * 2 / 5 - 2))
        } else {
            otaWidth = min(48, max(35, (inner - 1) * 2 / 5))
        }
        let partitionsWidth = inner - 1 - otaWidth
        l.partitions = Rect(x: 1, y: y, width: partitionsWidth, height: upper)
        l.upperSplit = 1 + partitionsWidth
        l.otadata = Rect(x: l.upperSplit + 1, y: y, width: otaWidth, height: upper)
        y += upper
        if !s.showsOTAPane {
            // A lone app image, table or otadata file: the upper row only explains.
            l.partitions.width = inner
            l.otadata = Rect(x: width - 1, y: y, width: 0, height: 0)
            l.upperSplit = width - 1
        }
        l.lowerDivider = y; y += 1

        if l.mode == .wide {
            let lowerRows = l.bottomBorder - y - 1 - integrityRows
            let hexWidth = min(hexWidth, inner - 37)
            let detailWidth = inner - 1 - hexWidth
            l.detail = Rect(x: 1, y: y, width: detailWidth, height: lowerRows)
            l.lowerSplit = 1 + detailWidth
            l.hex = Rect(x: l.lowerSplit! + 1, y: y, width: hexWidth, height: lowerRows)
            y += lowerRows
            l.integrityDivider = y; y += 1
            l.integrity = Rect(x: 1, y: y, width: inner, height: integrityRows)
        } else {
            let area = Rect(x: 1, y: y, width: inner, height: l.bottomBorder - y)
            switch s.lowerPane {
            case .hex: l.hex = area
            case .integrity: l.integrity = area
            default: l.detail = area
            }
            // Tabs on the divider: " Detail │ Hex │ Integrity ".
            var x = 2
            for pane in Pane.lower {
                let w = pane.title.count + 2
                l.tabs.append((pane, x..<(x + w)))
                x += w + 1
            }
        }
        return l
    }

    /// Pane names short enough for the tab row of a 40-column terminal.
    static func shortTitle(_ p: Pane) -> String {
        switch p {
        case .partitions: "Parts"
        case .otadata: "OTA"
        case .detail: "Detail"
        case .hex: "Hex"
        case .integrity: "Checks"
        }
    }

    /// Lines the integrity pane shows for the state.
    static func integrityLines(_ s: AppState) -> Int {
        IntegrityPane.groups(s).count + (s.selectedPartition != nil ? 1 : 0)
    }
}
