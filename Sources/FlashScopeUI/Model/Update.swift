#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlashFormats
import FlashModel
import ScreenKit

/// Applies `action` to `state` and returns the side effects to run. The only function that
/// changes the state; the real app and the tests both go through it.
public func update(_ state: inout AppState, _ action: Action) -> [Effect] {
    Update.update(&state, action)
}

/// The update logic, split by concern.
public enum Update {
    public static func update(_ s: inout AppState, _ action: Action) -> [Effect] {
        var effects: [Effect] = []
        switch action {
        case .key(let key):
            effects = handleKey(&s, key)
        case .command(let c):
            effects = command(&s, c)
        case .click(let x, let y):
            click(&s, x: x, y: y)
        case .resize(let w, let h):
            s.width = max(0, w)
            s.height = max(0, h)
        case .hexDigit(let v):
            hexDigit(&s, v)
        case .insert(let c):
            if var p = s.prompt {
                p.text.append(c)
                p.armed = nil
                p.completions = []
                s.prompt = p
            }
        case .signal(let sig):
            effects = signal(&s, sig)
        case .fileLoaded(let path, let bytes):
            if let target = s.pendingStage {
                s.pendingStage = nil
                openPlan(&s, .stage(partition: target, file: baseName(path)), image: bytes)
            }
        case .fileFailed(let path, let message):
            s.pendingStage = nil
            s.message = StatusMessage("cannot read \(path): \(message)", kind: .error)
        case .saved(let result, let inPlace):
            effects = saved(&s, result, inPlace: inPlace)
        case .saveFailed(let message):
            s.quitAfterSave = false
            s.message = StatusMessage("not saved: \(message)", kind: .error)
        case .saveBlocked(let path, let why):
            var p = Prompt(kind: .saveAs, text: path)
            switch why {
            case .isInput:
                p.armed = .inPlace
                s.message = StatusMessage("\(baseName(path)) is the input file. Enter again to replace it in place (a .bak copy is kept), or change the name.", kind: .error)
            case .exists:
                p.armed = .replace
                s.message = StatusMessage("\(baseName(path)) exists. Enter again to replace it, or change the name.", kind: .error)
            }
            s.prompt = p
        case .completed(let prefix, let candidates):
            completed(&s, prefix: prefix, candidates: candidates)
        case .scanned(let key, let scan):
            s.scans[key] = scan
            s.scanProgress = nil
        case .scanProgress(let key, let done):
            s.scanProgress = (key, done)
        case .reopened(let doc):
            reopened(&s, doc)
        case .searchSlice:
            searchSlice(&s)
        case .compare(let event):
            Compare.handle(&s, event)
        }
        refresh(&s)
        effects += scanEffects(s)
        return effects
    }

    // MARK: Keys

    static func handleKey(_ s: inout AppState, _ key: Key) -> [Effect] {
        // A message lasts until the next key.
        if s.prompt == nil { s.message = nil }
        guard let b = KeyMap.binding(for: key, in: s) else { return [] }
        if let c = b.command { return command(&s, c) }
        guard case .char(let ch) = key else { return [] }
        if b.keys.contains(.hexDigit), let v = ch.hexDigitValue { hexDigit(&s, UInt8(v)); return [] }
        if b.keys.contains(.printable) { return update(&s, .insert(ch)) }
        return []
    }

    static func signal(_ s: inout AppState, _ sig: Int32) -> [Effect] {
        if sig == SIGINT, s.isDirty {
            if case .quitGuard = s.modal { return quit(&s, status: 130) }
            s.prompt = nil
            s.modal = .quitGuard
            s.message = StatusMessage("Ctrl-C again quits without saving", kind: .error)
            return []
        }
        return quit(&s, status: 128 + sig)
    }

    static func quit(_ s: inout AppState, status: Int32) -> [Effect] {
        s.exitStatus = status
        return [.quit(status)]
    }

    // MARK: Commands

    static func command(_ s: inout AppState, _ c: Command) -> [Effect] {
        // Dialogs first: they own the keys while open.
        if s.prompt != nil { return promptCommand(&s, c) }
        if let m = s.modal { return modalCommand(&s, m, c) }
        if Layout.compute(width: s.width, height: s.height, state: s).mode == .tooSmall {
            return c == .quit ? quit(&s, status: 0) : []
        }
        if NVSPane.command(&s, c) { return [] }
        switch c {
        case .help: s.modal = .help(scroll: 0)
        case .nextPane: cycleFocus(&s, by: 1)
        case .previousPane: cycleFocus(&s, by: -1)
        case .quit:
            if s.isDirty { s.modal = .quitGuard } else { return quit(&s, status: 0) }
        case .redraw: return [.redraw]
        case .stage:
            guard let p = s.selectedPartition, p.entry.isApp else {
                s.message = StatusMessage("select an app partition (factory or ota_N) to stage an image into", kind: .error)
                return []
            }
            s.prompt = Prompt(kind: .stagePath(partition: p.name), text: s.lastStageDirectory)
        case .commit:
            guard let p = s.selectedPartition else {
                s.message = StatusMessage("select the partition to boot first", kind: .error)
                return []
            }
            openPlan(&s, .commit(partition: p.name))
        case .markValid: openPlan(&s, .markValid)
        case .markInvalid: openPlan(&s, .markInvalid)
        case .eraseOTAData: openPlan(&s, .eraseOTAData)
        case .eraseLastBootApp: openPlan(&s, .eraseLastBootApp)
        case .simulateBoot: openPlan(&s, .nextBoot)
        case .undo: undo(&s)
        case .redo: redo(&s)
        case .saveAs: s.prompt = Prompt(kind: .saveAs, text: defaultSavePath(s))
        case .goto: s.prompt = Prompt(kind: .goto, text: "")
        case .toggleRollback: toggleRollback(&s)
        case .toggleIDF: toggleIDF(&s)
        case .fixCRC: fixCRC(&s)
        case .search: s.prompt = Prompt(kind: .search(forward: true), text: s.lastSearch?.text ?? "")
        case .searchNext, .searchPrevious:
            if Compare.jump(&s, forward: c == .searchNext) { return [] }
            guard let pattern = s.lastSearch else {
                s.message = StatusMessage("no search yet: / searches for hex bytes (e9 ?? 02) or text", kind: .error)
                return []
            }
            startSearch(&s, pattern, forward: c == .searchNext)
        case .copy: openCopyBox(&s)
        case .copyKeyDigest: openKeyDigestBox(&s)
        case .compareWith, .closeCompare: return Compare.command(&s, c)
        case .mark:
            if s.hex.mark == nil {
                s.hex.mark = s.hex.cursor
                s.message = StatusMessage("mark set at \(Hex.short(s.hex.cursor)): move to select, y copies the selection, m clears")
            } else {
                s.hex.mark = nil
                s.message = StatusMessage("mark cleared")
            }
        case .cancel:
            if s.search != nil {
                s.search = nil
                s.message = StatusMessage("search stopped")
            } else {
                _ = Compare.forgetSearch(&s)
            }
        case .up, .down, .left, .right, .pageUp, .pageDown, .home, .end: move(&s, c)
        case .activate: activate(&s)
        case .startEditing:
            guard s.document.count > 0 else { return [] }
            s.hex.editing = true
            s.hex.pendingNibble = nil
            s.message = StatusMessage("editing bytes: type two hex digits per byte; Esc when done; u undoes")
        case .stopEditing:
            s.hex.editing = false
            s.hex.pendingNibble = nil
        case .backspace, .clearInput, .complete, .submit, .confirm, .force, .quitWithoutSaving,
             .openNVS, .nvsFilter, .nvsToggleView, .nvsShowInHex:
            break
        }
        return []
    }

    static func focusOrder(_ s: AppState) -> [Pane] {
        focusOrder(s, mode: Layout.compute(width: s.width, height: s.height, state: s).mode)
    }

    static func focusOrder(_ s: AppState, mode: Layout.Mode) -> [Pane] {
        let wide = mode == .wide
        var panes: [Pane] = s.hasPartitions ? [.partitions, .otadata] : s.showsOTAPane ? [.otadata] : []
        panes += wide ? [.detail, .hex] : [.detail, .hex, .integrity]
        return panes
    }

    static func cycleFocus(_ s: inout AppState, by delta: Int) {
        let order = focusOrder(s)
        let i = order.firstIndex(of: s.focus) ?? 0
        setFocus(&s, order[(i + delta + order.count) % order.count])
    }

    static func setFocus(_ s: inout AppState, _ pane: Pane) {
        s.focus = pane
        if Pane.lower.contains(pane) { s.lowerPane = pane }
        if pane != .hex { s.hex.editing = false; s.hex.pendingNibble = nil }
    }

    // MARK: Movement

    static func move(_ s: inout AppState, _ c: Command) {
        switch s.focus {
        case .partitions:
            let n = s.layout.partitions.count
            guard n > 0 else { return }
            switch c {
            case .up: select(&s, max(0, s.selected - 1))
            case .down: select(&s, min(n - 1, s.selected + 1))
            case .home: select(&s, 0)
            case .end: select(&s, n - 1)
            case .pageUp, .pageDown: scrollLower(&s, c)
            default: break
            }
        case .otadata:
            switch c {
            case .left: s.otaSector = 0
            case .right: s.otaSector = 1
            case .up: select(&s, max(0, s.selected - 1))
            case .down: select(&s, min(max(0, s.layout.partitions.count - 1), s.selected + 1))
            default: break
            }
        case .detail, .integrity:
            if CoreDumpPane.move(&s, c) { return }
            scrollLower(&s, c)
        case .hex:
            moveHex(&s, c)
        }
    }

    static func scrollLower(_ s: inout AppState, _ c: Command) {
        if s.lowerPane == .hex || (s.focus == .partitions && Layout.compute(width: s.width, height: s.height, state: s).mode == .wide) {
            moveHex(&s, c)
            return
        }
        let page = max(1, Layout.compute(width: s.width, height: s.height, state: s).lowerHeight - 1)
        switch c {
        case .up: s.detailScroll = max(0, s.detailScroll - 1)
        case .down: s.detailScroll += 1
        case .pageUp: s.detailScroll = max(0, s.detailScroll - page)
        case .pageDown: s.detailScroll += page
        case .home: s.detailScroll = 0
        default: break
        }
    }

    static func moveHex(_ s: inout AppState, _ c: Command) {
        let n = s.document.count
        guard n > 0 else { return }
        let layout = Layout.compute(width: s.width, height: s.height, state: s)
        let rows = layout.hexRows
        // A narrow pane shows a 16-byte line as rows of `per` bytes: ↑/↓ move a row of those.
        let per = layout.hexBytesPerRow
        var view = HexView(doc: s.document, runs: s.runs, cursor: s.hex.cursor)
        let col = s.hex.cursor % HexView.rowSize
        var cursor = s.hex.cursor
        var top = s.hex.top
        switch c {
        case .up:
            if col >= per { cursor -= per }
            else if let p = view.previousDataLine(before: view.line(at: cursor).start) { cursor = min(n - 1, p + HexView.rowSize - per + col) }
        case .down:
            if col + per < HexView.rowSize, cursor + per < n { cursor += per }
            else if let d = view.nextDataLine(after: view.line(at: cursor).end) { cursor = min(n - 1, d + col % per) }
        case .left:
            if col > 0 { cursor -= 1 }
            else if let p = view.previousDataLine(before: view.line(at: cursor).start) { cursor = min(n - 1, p + HexView.rowSize - 1) }
        case .right:
            if cursor + 1 < n {
                if col < HexView.rowSize - 1 { cursor += 1 }
                else if let d = view.nextDataLine(after: view.line(at: cursor).end) { cursor = d }
            }
        case .pageDown, .pageUp:
            let lines = view.lines(from: top, count: rows)
            let index = lines.firstIndex { $0.contains(cursor) } ?? 0
            if c == .pageDown {
                guard let last = lines.last, last.end < n else {
                    // The end is on screen: go to the last byte.
                    cursor = n - 1
                    view.cursor = cursor
                    top = view.maxTop(rows: rows)
                    break
                }
                top = min(last.end, view.maxTop(rows: rows))
            } else {
                top = view.walkBack(from: top, lines: rows)
            }
            let newLines = view.lines(from: top, count: rows)
            if !newLines.isEmpty {
                let target = newLines[min(index, newLines.count - 1)]
                let start = target.isCollapsed ? (view.nextDataLine(after: target.end) ?? target.start) : target.start
                cursor = min(n - 1, start + col)
            }
        case .home:
            cursor = 0; top = 0
        case .end:
            cursor = n - 1
            view.cursor = cursor
            top = view.maxTop(rows: rows)
        default: break
        }
        s.hex.cursor = cursor
        s.hex.top = top
        s.hex.pendingNibble = nil
        view.cursor = cursor
        s.hex.top = view.scrolledToShowCursor(top: s.hex.top, rows: rows)
        selectPartitionUnderCursor(&s)
    }

    /// Makes the partition under the hex cursor the selected one (the hex pane leads).
    static func selectPartitionUnderCursor(_ s: inout AppState) {
        let c = s.hex.cursor
        if let i = s.layout.partitions.firstIndex(where: { Int($0.entry.offset) <= c && c < Int($0.entry.end) }), i != s.selected {
            s.selected = i
            s.detailScroll = 0
        }
    }

    /// Selects partition `i` and moves the hex pane to its start.
    static func select(_ s: inout AppState, _ i: Int) {
        guard s.layout.partitions.indices.contains(i) else { return }
        let changed = i != s.selected
        s.selected = i
        if changed { s.detailScroll = 0 }
        followSelection(&s)
    }

    /// Puts the hex cursor at the start of the selected partition.
    static func followSelection(_ s: inout AppState) {
        guard let p = s.selectedPartition, s.document.count > 0 else { return }
        // A partition beyond the end of the file (a table file, a partial dump) has no bytes to show:
        // the cursor stays where it is rather than landing on the file's last byte.
        guard p.entry.offset < UInt64(s.document.count) else { return }
        s.hex.cursor = Int(p.entry.offset)
        s.hex.top = s.hex.cursor - s.hex.cursor % HexView.rowSize
        s.hex.pendingNibble = nil
        s.hex.editing = false
    }

    static func activate(_ s: inout AppState) {
        switch s.focus {
        case .partitions:
            followSelection(&s)
            setFocus(&s, .hex)
        case .otadata:
            guard let od = s.layout.otadata else { return }
            s.hex.cursor = min(s.document.count - 1, od.offset + s.otaSector * otadataSectorSize)
            s.hex.top = s.hex.cursor
            setFocus(&s, .hex)
            s.hex.editing = true
            s.hex.pendingNibble = nil
            s.message = StatusMessage("editing otadata sector \(s.otaSector): seq at +0, state at +24, CRC at +28 · type hex digits, Esc when done (then f fixes the CRC)")
        default: _ = CoreDumpPane.activate(&s)
        }
    }

    static func click(_ s: inout AppState, x: Int, y: Int) {
        guard s.modal == nil, s.prompt == nil else { return }
        let l = Layout.compute(width: s.width, height: s.height, state: s)
        guard l.mode != .tooSmall else { return }
        if l.partitions.contains(x: x, y: y) {
            setFocus(&s, .partitions)
            let row = y - l.partitions.y - 1
            let first = PartitionsPane.firstRow(s, l)
            if row >= 0, first + row < s.layout.partitions.count { select(&s, first + row) }
            return
        }
        if l.mapBar.contains(x: x, y: y) {
            if let name = MapBar.segments(s, width: l.mapBar.width).first(where: { $0.columns.contains(x - l.mapBar.x) })?.partition,
               let i = s.layout.partitions.firstIndex(where: { $0.name == name }) {
                select(&s, i)
            }
            return
        }
        if l.otadata.contains(x: x, y: y) {
            setFocus(&s, .otadata)
            let cols = OTAPane.columns(l.otadata)
            if cols.1.contains(x: x, y: y) { s.otaSector = 1 } else if cols.0.contains(x: x, y: y) { s.otaSector = 0 }
            return
        }
        for (pane, range) in l.tabs where y == l.lowerDivider && range.contains(x) {
            setFocus(&s, pane)
            return
        }
        if let h = l.hex, h.contains(x: x, y: y) {
            setFocus(&s, .hex)
            if let at = s.compare == nil ? HexPane.offset(s, h, x: x, y: y) : ComparePane.offset(s, h, x: x, y: y) {
                s.hex.cursor = min(s.document.count - 1, at)
                s.hex.pendingNibble = nil
                selectPartitionUnderCursor(&s)
            }
            return
        }
        if let d = l.detail, d.contains(x: x, y: y) {
            setFocus(&s, .detail)
            if NVSPane.isShown(s) { _ = NVSPane.click(&s, y: y, in: d) }
            return
        }
        if let i = l.integrity, i.contains(x: x, y: y) { setFocus(&s, .integrity) }
    }

    // MARK: Editing

    static func hexDigit(_ s: inout AppState, _ v: UInt8) {
        guard s.hex.editing, s.document.count > 0 else { return }
        guard let high = s.hex.pendingNibble else {
            s.hex.pendingNibble = v & 0xF
            return
        }
        let at = s.hex.cursor
        let byte = high << 4 | (v & 0xF)
        s.hex.pendingNibble = nil
        applyEdit(&s, "edit byte at \(Hex.short(at))") { doc throws(FlashDocument.EditError) in
            try doc.edit("edit byte at \(Hex.short(at))") { (tx: inout FlashDocument.Transaction) throws(FlashDocument.EditError) in
                try tx.write([byte], at: at)
            }
        }
        if at + 1 < s.document.count { moveHex(&s, .right) }
    }

    /// The otadata sector the "fix CRC" command is about: under the hex cursor, else the OTA pane's.
    static func fixCRCSector(_ s: AppState) -> Int {
        if s.focus == .hex, let od = s.layout.otadata {
            let rel = s.hex.cursor - od.offset
            if rel >= 0, rel < otadataSize { return rel / otadataSectorSize }
        }
        return s.otaSector
    }

    static func fixCRC(_ s: inout AppState) {
        guard let data = s.layout.otadata else {
            s.message = StatusMessage("there is no otadata in this file", kind: .error)
            return
        }
        let k = fixCRCSector(s)
        guard k < data.entries.count, let e = data.entries[k] else {
            s.message = StatusMessage("otadata sector \(k) is not in the file", kind: .error)
            return
        }
        if e.isErased || e.seqErased {
            s.message = StatusMessage("otadata sector \(k) is erased: there is no seq to protect, nothing to fix")
            return
        }
        if e.crcOK {
            s.message = StatusMessage("otadata sector \(k): CRC \(Hex.padded(e.crc, 8)) is already correct for seq \(e.seq)")
            return
        }
        var b = [UInt8]()
        b.appendLE(e.expectedCRC)
        let at = data.offset + k * otadataSectorSize + OTAEntry.crcOffset
        let label = "fix CRC of otadata sector \(k)"
        applyEdit(&s, label) { doc throws(FlashDocument.EditError) in
            try doc.edit(label) { (tx: inout FlashDocument.Transaction) throws(FlashDocument.EditError) in try tx.write(b, at: at) }
        }
        s.message = StatusMessage("otadata sector \(k): CRC \(Hex.padded(e.crc, 8)) → \(Hex.padded(e.expectedCRC, 8)) (CRC-32 of seq \(e.seq)); u undoes", kind: .success)
    }

    /// Runs one document change and records it in the history.
    static func applyEdit(_ s: inout AppState, _ label: String, _ body: (FlashDocument) throws(FlashDocument.EditError) -> FlashDocument.Edit?) {
        let before = s.layout.otadata?.entries
        do {
            guard let edit = try body(s.document) else {
                s.message = StatusMessage("\(label): the bytes are already like that; nothing changed")
                return
            }
            s.historyIDs.append(s.nextHistoryID)
            s.nextHistoryID += 1
            s.redoIDs.removeAll()
            changed(&s, sectors: edit.sectors, otaBefore: before, cause: label)
        } catch {
            s.message = StatusMessage("\(label): \(error)", kind: .error)
        }
    }

    static func undo(_ s: inout AppState) {
        let before = s.layout.otadata?.entries
        s.hex.pendingNibble = nil
        guard let e = s.document.undo() else {
            s.message = StatusMessage("nothing to undo")
            return
        }
        if let id = s.historyIDs.popLast() { s.redoIDs.append(id) }
        changed(&s, sectors: e.sectors, otaBefore: before, cause: "undo \(e.label)")
        s.message = StatusMessage("undid: \(e.label)")
    }

    static func redo(_ s: inout AppState) {
        let before = s.layout.otadata?.entries
        guard let e = s.document.redo() else {
            s.message = StatusMessage("nothing to redo")
            return
        }
        if let id = s.redoIDs.popLast() { s.historyIDs.append(id) }
        changed(&s, sectors: e.sectors, otaBefore: before, cause: "redo \(e.label)")
        s.message = StatusMessage("redid: \(e.label)")
    }

    /// After the bytes changed: re-read everything and drop what depended on those sectors.
    static func changed(_ s: inout AppState, sectors: [Int], otaBefore: [OTAEntry?]?, cause: String) {
        let ranges = sectors.map { ($0 * FlashDocument.sectorSize)..<(($0 + 1) * FlashDocument.sectorSize) }
        s.runs.invalidate(ranges)
        s.scans = s.scans.filter { key, _ in !ranges.contains { $0.overlaps(key.range) } }
        reanalyze(&s)
        let after = s.layout.otadata?.entries
        if let otaBefore, let after, otaBefore != after {
            s.previousOTA = otaBefore
            s.previousOTACause = cause
        }
        // Back at the bytes last saved (an undo to the clean file): there is no change to show.
        if let od = s.layout.otadataPartition, s.previousOTA != nil {
            let lo = Int(od.offset), hi = min(s.document.count, lo + otadataSize)
            if lo < hi, !s.unsavedRanges.contains(where: { $0.overlaps(lo..<hi) }) {
                s.previousOTA = nil
                s.previousOTACause = nil
            }
        }
    }

    static func reanalyze(_ s: inout AppState) {
        let name = s.selectedPartition?.name
        do {
            s.layout = try FlashLayout.analyze(s.document, digests: s.document.digests, options: s.analysisOptions)
        } catch {
            s.message = StatusMessage("cannot analyse the image: \(error)", kind: .error)
        }
        if let name, let i = s.layout.partitions.firstIndex(where: { $0.name == name }) { s.selected = i }
        s.selected = min(s.selected, max(0, s.layout.partitions.count - 1))
    }

    static func toggleRollback(_ s: inout AppState) {
        s.settings.rollback.toggle()
        reanalyze(&s)
        s.message = StatusMessage(s.settings.rollback
            ? "rollback on: CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE=y"
            : "rollback off: CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE=n")
    }

    static func toggleIDF(_ s: inout AppState) {
        s.settings.idf = s.settings.idf == .v6 ? .v5 : .v6
        s.message = StatusMessage(s.settings.idf == .v6
            ? "ESP-IDF v6 rules: re-selecting the running slot rewrites its own sector"
            : "ESP-IDF v5 rules: set boot always writes the other sector")
    }

    // MARK: Plans

    /// Plans an operation and opens its preview (or reports why ESP-IDF would refuse it).
    static func openPlan(_ s: inout AppState, _ kind: PlanKind, image: [UInt8]? = nil, force: Bool = false) {
        let planner = OTAPlanner(document: s.document, layout: s.layout, settings: s.settings)
        var preview = PlanPreview(kind: kind, plan: nil, error: nil, after: nil, forced: force, canForce: false, image: image)
        let imageBytes = image ?? []
        /// The plan exactly as the CLI command makes it: `force` is the command's `--force`.
        func make(_ force: Bool) throws(OTAError) -> OTAPlan {
            switch kind {
            case .commit(let p): return try planner.setBoot(p, skipValidate: force)
            case .stage(let p, _): return try planner.stage(p, image: imageBytes, force: force)
            case .markValid: return try planner.markValid()
            case .markInvalid: return try planner.markInvalid()
            case .eraseOTAData: return try planner.eraseOTAData()
            case .eraseLastBootApp: return try planner.eraseLastBootApp()
            case .nextBoot:
                let (decision, plan) = planner.nextBoot()
                preview.decision = decision
                return plan
            }
        }
        /// Commands whose CLI form has `--force` (set-boot, stage).
        let forceable: Bool = switch kind {
        case .commit, .stage: true
        default: false
        }
        do throws(OTAError) {
            do throws(OTAError) {
                // The same preconditions as the CLI: without force, a refusal is a refusal.
                preview.plan = try make(false)
                preview.forced = false
            } catch {
                guard forceable else { throw error }
                // What --force would do: if even that is refused, there is nothing to force.
                let forcedPlan = try make(true)
                preview.error = error
                preview.canForce = true
                if force {
                    preview.plan = forcedPlan
                    preview.forced = true
                }
            }
        } catch {
            if case .plan = s.modal { s.modal = nil }
            s.message = StatusMessage("\(kind.title): \(error.code): \(error.message)", kind: .error)
            return
        }
        if let plan = preview.plan, !plan.isNoOp {
            let scratch = FlashDocument(s.document)
            if (try? scratch.apply(plan)) != nil {
                preview.after = (try? FlashLayout.analyze(scratch, digests: scratch.digests, options: s.analysisOptions))?.boot
            }
        }
        s.modal = .plan(preview)
    }

    static func modalCommand(_ s: inout AppState, _ m: Modal, _ c: Command) -> [Effect] {
        switch m {
        case .help(let scroll):
            switch c {
            case .cancel: s.modal = nil
            case .up: s.modal = .help(scroll: max(0, scroll - 1))
            case .down: s.modal = .help(scroll: scroll + 1)
            case .pageUp: s.modal = .help(scroll: max(0, scroll - max(1, s.height - 6)))
            case .pageDown: s.modal = .help(scroll: scroll + max(1, s.height - 6))
            default: break
            }
        case .info:
            if c == .cancel { s.modal = nil }
            if c == .copy { openCopyBox(&s, preferEsptool: true) }
        case .copy(var box):
            switch c {
            case .cancel: s.modal = nil
            case .up: box.selected = max(0, box.selected - 1); box.hscroll = 0; s.modal = .copy(box)
            case .down: box.selected = min(box.items.count - 1, box.selected + 1); box.hscroll = 0; s.modal = .copy(box)
            case .left: box.hscroll = max(0, box.hscroll - 16); s.modal = .copy(box)
            case .right:
                let len = box.items.indices.contains(box.selected) ? box.items[box.selected].value.count : 0
                box.hscroll = min(max(0, len - 8), box.hscroll + 16); s.modal = .copy(box)
            case .home: box.hscroll = 0; s.modal = .copy(box)
            case .confirm, .copy:
                guard box.items.indices.contains(box.selected) else { break }
                let item = box.items[box.selected]
                s.modal = nil
                s.message = StatusMessage("copied the \(item.label.split(separator: " ").first ?? "") to the clipboard (OSC 52; the terminal must allow it)", kind: .success)
                return [.clipboard(item.value)]
            default: break
            }
        case .quitGuard:
            switch c {
            case .quitWithoutSaving: return quit(&s, status: 0)
            case .saveAs:
                s.modal = nil
                s.quitAfterSave = true
                s.prompt = Prompt(kind: .saveAs, text: defaultSavePath(s))
            case .cancel: s.modal = nil
            default: break
            }
        case .plan(var p):
            switch c {
            case .cancel:
                s.modal = nil
                s.message = StatusMessage("cancelled: nothing was written")
            case .up: p.scroll = max(0, p.scroll - 1); s.modal = .plan(p)
            case .down: p.scroll += 1; s.modal = .plan(p)
            case .toggleRollback:
                guard p.kind.usesSettings else { break }
                toggleRollback(&s)
                openPlan(&s, p.kind, image: p.image, force: p.forced)
            case .toggleIDF:
                guard p.kind.usesSettings else { break }
                toggleIDF(&s)
                openPlan(&s, p.kind, image: p.image, force: p.forced)
            case .force:
                guard p.canForce, !p.forced else { break }
                openPlan(&s, p.kind, image: p.image, force: true)
            case .confirm:
                confirmPlan(&s, p)
            default: break
            }
        }
        return []
    }

    static func confirmPlan(_ s: inout AppState, _ p: PlanPreview) {
        guard let plan = p.plan else {
            if p.canForce {
                s.message = StatusMessage("refused: \(p.error.map { "\($0.code): \($0.message)" } ?? "a check failed"). Press F to force it anyway.", kind: .error)
            }
            return
        }
        s.modal = nil
        if plan.isNoOp {
            if case .nextBoot = p.kind {
                s.message = StatusMessage("boot: the bootloader starts \(p.decision?.loaded ?? "nothing") and writes nothing")
            } else {
                s.message = StatusMessage("\(plan.label): \(plan.notes.first ?? "nothing to write")")
            }
            return
        }
        let before = s.historyIDs.count
        applyEdit(&s, plan.label) { doc throws(FlashDocument.EditError) in try doc.apply(plan) }
        guard s.historyIDs.count > before else { return }
        defer {
            if p.forced, var m = s.message {
                m.text = "forced past \(p.error?.code ?? "a refused check"): " + m.text
                m.kind = .error
                s.message = m
            }
        }
        switch p.kind {
        case .stage(let part, let file):
            s.message = StatusMessage("staged \(file) into \(part) (not committed: c boots it next, w saves)", kind: .success)
        case .commit:
            let how = Derived.howSelected(s)
            s.message = StatusMessage("committed: \(bootWords(s.layout)) next\(how.isEmpty ? "" : " (\(how))") · w saves, u undoes", kind: .success)
        case .nextBoot:
            s.message = StatusMessage("booted: the bootloader wrote otadata and started \(p.decision?.loaded ?? "nothing")", kind: .success)
        default:
            s.message = StatusMessage("\(plan.label): done · \(bootWords(s.layout))", kind: .success)
        }
    }

    // MARK: Prompts

    static func promptCommand(_ s: inout AppState, _ c: Command) -> [Effect] {
        guard var p = s.prompt else { return [] }
        switch c {
        case .cancel:
            s.prompt = nil
            s.quitAfterSave = false
            s.message = nil
        case .backspace:
            if !p.text.isEmpty { p.text.removeLast() }
            p.armed = nil
            p.completions = []
            s.prompt = p
        case .clearInput:
            p.text = ""; p.armed = nil; p.completions = []
            s.prompt = p
        case .complete:
            switch p.kind {
            case .goto:
                let names = s.layout.partitions.map(\.name).filter { $0.hasPrefix(p.text) }
                completed(&s, prefix: p.text, candidates: names)
            case .stagePath, .saveAs, .compareWith:
                return [.completePath(p.text)]
            case .search, .nvsFilter:
                break
            }
        case .submit:
            return submit(&s, p)
        default: break
        }
        return []
    }

    static func submit(_ s: inout AppState, _ p: Prompt) -> [Effect] {
        let text = p.text.trimmingWhitespace()
        switch p.kind {
        case .goto:
            s.prompt = nil
            goto(&s, text)
        case .search(let forward):
            s.prompt = nil
            guard let pattern = SearchPattern(p.text) else {
                s.message = StatusMessage("type hex bytes (e9 ?? 02) or text to search for", kind: .error)
                return []
            }
            s.lastSearch = pattern
            startSearch(&s, pattern, forward: forward)
        case .nvsFilter:
            s.prompt = nil
            NVSPane.setFilter(&s, text)
        case .stagePath(let partition):
            guard !text.isEmpty else { s.message = StatusMessage("type the path of an app image (Tab completes)", kind: .error); return [] }
            s.prompt = nil
            let path = expandTilde(text)
            s.pendingStage = partition
            if let slash = path.lastIndex(of: "/") { s.lastStageDirectory = String(path[...slash]) }
            return [.readFile(path)]
        case .saveAs:
            guard !text.isEmpty else { s.message = StatusMessage("type a file name", kind: .error); return [] }
            s.prompt = nil
            let path = expandTilde(text)
            return [.save(path: path, mode: p.armed ?? .createNew)]
        case .compareWith:
            return Compare.submit(&s, text)
        }
        return []
    }

    static func completed(_ s: inout AppState, prefix: String, candidates: [String]) {
        guard var p = s.prompt, p.text == prefix else { return }
        if candidates.isEmpty {
            s.message = StatusMessage("no match for \(prefix.isEmpty ? "\"\"" : prefix)")
            return
        }
        let common = candidates.dropFirst().reduce(candidates[0]) { a, b in String(zip(a, b).prefix { $0 == $1 }.map(\.0)) }
        p.text = candidates.count == 1 ? candidates[0] : (common.count > prefix.count ? common : prefix)
        p.completions = candidates.count > 1 ? candidates : []
        p.armed = nil
        s.prompt = p
    }

    /// Goes to `text`: a partition name (optionally `name+offset`) or an absolute offset.
    static func goto(_ s: inout AppState, _ text: String) {
        guard s.document.count > 0 else { return }
        guard !text.isEmpty else {
            s.message = StatusMessage("type an offset (0x…, decimal, K/M) or a partition name; nothing was moved", kind: .error)
            return
        }
        var target: Int?
        var partition: Int?
        let parts = text.split(separator: "+", maxSplits: 1, omittingEmptySubsequences: false).map { String($0).trimmingWhitespace() }
        if let first = parts.first, let i = s.layout.partitions.firstIndex(where: { $0.name == first }) {
            let rel = parts.count > 1 ? Hex.parseInt(parts[1]) : 0
            if let rel {
                let (sum, overflow) = Int(s.layout.partitions[i].entry.offset).addingReportingOverflow(rel)
                partition = i
                target = overflow ? -1 : sum
            }
        } else if let v = Hex.parseInt(text) {
            target = v
        }
        guard let t = target else {
            s.message = StatusMessage("'\(text)' is not an offset (0x…, decimal, K/M) or a partition name", kind: .error)
            return
        }
        guard t >= 0, t < s.document.count else {
            s.message = StatusMessage("\(Hex.short(t)) is outside the image (\(Hex.short(s.document.count)) bytes)", kind: .error)
            return
        }
        if let partition, partition != s.selected { s.selected = partition; s.detailScroll = 0 }
        moveCursor(&s, to: t)
    }

    /// Puts the hex cursor on `t` (inside the image), a couple of lines below the top, and shows the hex pane.
    static func moveCursor(_ s: inout AppState, to t: Int) {
        guard t >= 0, t < s.document.count else { return }
        s.hex.cursor = t
        s.hex.pendingNibble = nil
        let rows = Layout.compute(width: s.width, height: s.height, state: s).hexRows
        let view = HexView(doc: s.document, runs: s.runs, cursor: t)
        s.hex.top = view.walkBack(from: view.line(at: t).start, lines: min(2, rows / 4))
        selectPartitionUnderCursor(&s)
        if s.focus != .hex { setFocus(&s, .hex) }
    }

    // MARK: Search

    /// Starts looking for `pattern` after (or before) the cursor; the run loop does the slices.
    static func startSearch(_ s: inout AppState, _ pattern: SearchPattern, forward: Bool) {
        guard s.document.count > 0 else { s.message = StatusMessage("the file is empty", kind: .error); return }
        let origin = forward ? s.hex.cursor + 1 : s.hex.cursor - 1
        s.search = SearchJob(pattern: pattern, forward: forward, origin: origin, position: forward ? origin : origin + 1)
        s.message = nil
    }

    /// One slice of the running search (sent by the run loop between key presses).
    static func searchSlice(_ s: inout AppState) {
        guard var job = s.search else { return }
        if let found = job.step(s.document) {
            s.search = nil
            moveCursor(&s, to: found)
            let around = job.wrapped ? (job.forward ? " (wrapped around from the start)" : " (wrapped around from the end)") : ""
            s.message = StatusMessage("found \(job.pattern.display) at 0x\(Hex.padded(found, 8))\(around) · n next, N previous", kind: .success)
            return
        }
        if job.isFinished(s.document) {
            s.search = nil
            s.message = StatusMessage("\(job.pattern.display) not found in the image (\(Hex.short(s.document.count)) bytes)", kind: .error)
            return
        }
        s.search = job
    }

    // MARK: Copy

    /// The selection: from the mark to the cursor (inclusive), else the cursor's row; at most 4 KiB.
    static func selection(_ s: AppState) -> Range<Int> {
        let n = s.document.count
        guard n > 0 else { return 0..<0 }
        if let m = s.hex.mark {
            let lo = min(m, s.hex.cursor), hi = min(n, max(m, s.hex.cursor) + 1)
            return lo..<min(hi, lo + 4096)
        }
        let row = s.hex.cursor - s.hex.cursor % HexView.rowSize
        return row..<min(n, row + HexView.rowSize)
    }

    static func openCopyBox(_ s: inout AppState, preferEsptool: Bool = false) {
        var items: [CopyBox.Item] = []
        if s.document.count > 0 {
            items.append(CopyBox.Item(label: "offset", value: "0x" + Hex.padded(s.hex.cursor, 8)))
            let r = selection(s)
            let bytes = s.document.bytes(r).map { Hex.padded($0, 2) }.joined(separator: " ")
            items.append(CopyBox.Item(label: "bytes \(Hex.short(r.lowerBound))–\(Hex.short(r.upperBound - 1)) (\(r.count), hex)", value: bytes))
        }
        if let cmd = s.lastEsptoolCommand, !cmd.isEmpty {
            items.append(CopyBox.Item(label: "esptool command (the regions the last save changed)", value: cmd))
        }
        guard !items.isEmpty else { s.message = StatusMessage("nothing to copy", kind: .error); return }
        var box = CopyBox(items: items)
        if preferEsptool { box.selected = items.count - 1 }
        s.modal = .copy(box)
    }

    /// The image whose Secure Boot V2 blocks are on screen: the one whose signature sector holds the hex
    /// cursor (hex pane focused), else the one the detail pane shows (the selected app, or the file's image).
    static func signatureImageShown(_ s: AppState) -> AppImage? {
        let l = s.layout
        if s.focus == .hex {
            let images = ([l.bootloader?.image, l.image] + l.apps.map(\.image)).compactMap { $0 }
            if let img = images.first(where: { img in
                guard case .v2(let sector)? = img.secureBoot else { return false }
                return (sector.offset..<(sector.offset + SecureBoot.sectorSize)).contains(s.hex.cursor)
            }) { return img }
        }
        if let p = s.selectedPartition { return p.entry.isApp ? l.app(named: p.name)?.image : nil }
        return l.image
    }

    /// The copy box with the key digests of the image on screen (per block; on chips that burn fewer bytes
    /// also the burned prefix), as `espsecure digest-sbv2-public-key` writes them.
    static func openKeyDigestBox(_ s: inout AppState) {
        guard let img = signatureImageShown(s), case .v2(let sector)? = img.secureBoot,
              sector.blocks.contains(where: { $0.keyDigest != nil }) else {
            s.message = StatusMessage("no Secure Boot V2 key digest here: select a signed app, or put the hex cursor in its signature sector", kind: .error)
            return
        }
        let burned = img.chip.map { SecureBoot.burnedDigestLength(for: $0) } ?? 32
        var items: [CopyBox.Item] = []
        for b in sector.blocks {
            guard let k = b.keyDigest else { continue }
            let scheme = b.scheme?.rawValue ?? "unknown"
            items.append(CopyBox.Item(label: "digest of the \(scheme) key in block \(b.index) (espsecure digest-sbv2-public-key)", value: Hex.bytes(k)))
            if burned < k.count {
                items.append(CopyBox.Item(label: "digest of block \(b.index)'s key, first \(burned) bytes (what \(img.chip?.name ?? "the chip") burns in eFuse)",
                                          value: Hex.bytes(Array(k.prefix(burned)))))
            }
        }
        s.modal = .copy(CopyBox(items: items))
    }

    // MARK: Saving

    static func saved(_ s: inout AppState, _ r: ImageSaver.Result, inPlace: Bool) -> [Effect] {
        s.savedID = s.currentID
        s.lastSavedPath = r.path
        if !r.esptoolCommand.isEmpty { s.lastEsptoolCommand = r.esptoolCommand }
        // What is on disk now: the input plus these sectors.
        var saved: [Int: [UInt8]] = [:]
        for range in s.document.changedRanges {
            for lo in stride(from: range.lowerBound, to: range.upperBound, by: FlashDocument.sectorSize) {
                saved[lo / FlashDocument.sectorSize] = s.document.bytes(lo..<min(range.upperBound, lo + FlashDocument.sectorSize))
            }
        }
        s.savedSectors = saved
        var lines: [Span] = [Span("Saved \(r.path) (\(s.document.count) bytes).", role: .valid, bold: true)]
        if let b = r.backup { lines.append(Span("The original is kept as \(b).")) }
        if r.changedRanges.isEmpty {
            lines.append(Span("No byte differs from the input."))
        } else {
            let ranges = r.changedRanges.map { "\(Hex.short($0.lowerBound))–\(Hex.short($0.upperBound - 1))" }.joined(separator: ", ")
            lines.append(Span("Changed sectors: \(ranges)"))
            if !r.esptoolCommand.isEmpty {
                lines.append(Span(""))
                lines.append(Span("To flash only the changes: y shows the esptool command on one line and copies it.", role: .dim))
            }
            if !r.esptoolDiffWith.isEmpty {
                lines.append(Span("or, while the device holds the input (esptool 5.1+):", role: .dim))
                lines.append(Span(r.esptoolDiffWith, role: .accent))
            }
        }
        if inPlace { lines.append(Span("The file was replaced; the edit history starts again from it.", role: .dim)) }
        var effects: [Effect] = []
        if inPlace { effects.append(.reopen(r.path)) }
        if s.quitAfterSave {
            effects += quit(&s, status: 0)
        } else {
            s.modal = .info(title: "Saved", lines: lines, isError: false)
        }
        return effects
    }

    static func reopened(_ s: inout AppState, _ doc: FlashDocument) {
        s.document = doc
        s.historyIDs = []
        s.redoIDs = []
        s.savedID = 0
        s.savedSectors = [:]
        s.scans = [:]
        s.runs.clear()
        reanalyze(&s)
    }

    static func defaultSavePath(_ s: AppState) -> String {
        if let last = s.lastSavedPath { return last }
        guard let input = s.inputPath else { return "flash-edited.bin" }
        if input.hasSuffix(".bin") { return String(input.dropLast(4)) + "-edited.bin" }
        return input + "-edited.bin"
    }

    // MARK: After every action

    /// Keeps derived bits of the state consistent (selection in range, hex cursor visible).
    static func refresh(_ s: inout AppState) {
        if !s.layout.partitions.indices.contains(s.selected) { s.selected = max(0, s.layout.partitions.count - 1) }
        let n = s.document.count
        guard n > 0 else { return }
        s.hex.cursor = min(max(0, s.hex.cursor), n - 1)
        let l = Layout.compute(width: s.width, height: s.height, state: s)
        guard l.mode != .tooSmall else { return }
        if !focusOrder(s).contains(s.focus) { setFocus(&s, focusOrder(s)[0]) }
        let view = HexView(doc: s.document, runs: s.runs, cursor: s.hex.cursor)
        s.hex.top = view.scrolledToShowCursor(top: min(max(0, s.hex.top), n - 1), rows: l.hexRows)
    }

    /// Scans the panes on screen need and nobody has computed yet.
    static func scanEffects(_ s: AppState) -> [Effect] {
        guard let r = s.selectedRange, !r.isEmpty else { return [] }
        let l = Layout.compute(width: s.width, height: s.height, state: s)
        guard l.mode != .tooSmall, l.integrity != nil || l.detail != nil else { return [] }
        let key = ScanKey(r)
        return s.scans[key] == nil ? [.scan(key)] : []
    }
}

// MARK: - Small helpers

func baseName(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
}

func expandTilde(_ path: String) -> String {
    guard path.hasPrefix("~/"), let home = getenv("HOME") else { return path }
    return String(cString: home) + String(path.dropFirst(1))
}

/// The boot prediction in a few words ("boots ota_1").
func bootWords(_ l: FlashLayout) -> String {
    guard let b = l.boot else { return "no boot decision" }
    return b.loaded.map { "boots \($0)" } ?? "nothing boots"
}
