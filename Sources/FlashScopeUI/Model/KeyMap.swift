import ScreenKit

/// Where a key binding applies. The most specific context of the moment is searched first.
public enum KeyContext: String, Sendable, Hashable, CaseIterable {
    case global = "Everywhere"
    case partitions = "Partitions pane"
    case otadata = "OTA data pane"
    case detail = "Detail pane"
    case nvs = "NVS pane"
    case nvsValue = "NVS value box"
    case hex = "Hex pane"
    case hexEdit = "Hex pane, editing bytes"
    case prompt = "Prompts (file, save as, go to)"
    case plan = "Plan preview (commit, stage, …)"
    case help = "Help"
    case info = "Message box"
    case quitGuard = "Quit with unsaved changes"
    case copy = "Copy box"
    case tooSmall = "Terminal too small"
}

/// Which keys a binding answers to.
public enum KeyPattern: Sendable, Hashable {
    case key(Key)
    /// 0–9, a–f, A–F (hex editing).
    case hexDigit
    /// Any printable character (prompt input).
    case printable

    func matches(_ key: Key) -> Bool {
        switch self {
        case .key(let k): return k == key
        case .hexDigit:
            if case .char(let c) = key, c.isHexDigit { return true }
            return false
        case .printable:
            if case .char = key { return true }
            return false
        }
    }
}

/// One row of the key table: the keys, what they do, the help text, and whether (and how) the
/// status bar shows them.
public struct KeyBinding: Sendable {
    public let keys: [KeyPattern]
    public let command: Command?
    public let help: String
    /// Short label for the status bar; nil keeps the binding out of it.
    public let hint: String?
    public let context: KeyContext

    init(_ context: KeyContext, _ keys: [KeyPattern], _ command: Command?, _ help: String, hint: String? = nil) {
        self.context = context; self.keys = keys; self.command = command; self.help = help; self.hint = hint
    }
}

private func k(_ c: Character) -> KeyPattern { .key(.char(c)) }
private func k(_ key: Key) -> KeyPattern { .key(key) }

/// The one key table: it drives dispatch, the status bar and the `?` help screen.
public enum KeyMap {
    public static let bindings: [KeyBinding] = [
        // Dialogs and prompts first: they take the keys while open.
        KeyBinding(.prompt, [.printable], nil, "type the text"),
        KeyBinding(.prompt, [k(.enter)], .submit, "accept", hint: "accept"),
        KeyBinding(.prompt, [k(.tab)], .complete, "complete the file or partition name", hint: "complete"),
        KeyBinding(.prompt, [k(.escape), k(.ctrl("g"))], .cancel, "cancel", hint: "cancel"),
        KeyBinding(.prompt, [k(.backspace)], .backspace, "delete the last character"),
        KeyBinding(.prompt, [k(.ctrl("u"))], .clearInput, "clear the line"),

        KeyBinding(.plan, [k(.enter), k("y")], .confirm, "apply the plan (one undoable edit)", hint: "apply"),
        KeyBinding(.plan, [k(.escape), k("n"), k("q")], .cancel, "cancel: nothing is written", hint: "cancel"),
        KeyBinding(.plan, [k("F")], .force, "force past a failed check (as --force)", hint: "force"),
        KeyBinding(.plan, [k("r")], .toggleRollback, "toggle CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE", hint: "rollback"),
        KeyBinding(.plan, [k("i")], .toggleIDF, "toggle ESP-IDF v5 / v6 rewrite rules", hint: "IDF"),
        KeyBinding(.plan, [k(.up), k("k")], .up, "scroll"),
        KeyBinding(.plan, [k(.down), k("j")], .down, "scroll"),

        KeyBinding(.help, [k(.escape), k("q"), k("?"), k(.enter)], .cancel, "close help", hint: "close"),
        KeyBinding(.help, [k(.up), k("k")], .up, "scroll up", hint: nil),
        KeyBinding(.help, [k(.down), k("j")], .down, "scroll down", hint: nil),
        KeyBinding(.help, [k(.pageUp)], .pageUp, "page up"),
        KeyBinding(.help, [k(.pageDown), k(" ")], .pageDown, "page down"),

        KeyBinding(.info, [k(.enter), k(.escape), k("q")], .cancel, "close", hint: "close"),
        KeyBinding(.info, [k("y")], .copy, "copy box (the esptool command on one line)", hint: "copy"),

        KeyBinding(.copy, [k(.enter), k("y")], .confirm, "copy the highlighted value to the clipboard (OSC 52)", hint: "copy"),
        KeyBinding(.copy, [k(.up), k("k")], .up, "previous value", hint: nil),
        KeyBinding(.copy, [k(.down), k("j")], .down, "next value", hint: nil),
        KeyBinding(.copy, [k(.left), k("h")], .left, "scroll the value left", hint: "scroll"),
        KeyBinding(.copy, [k(.right), k("l")], .right, "scroll the value right"),
        KeyBinding(.copy, [k(.home)], .home, "back to the start of the value"),
        KeyBinding(.copy, [k(.escape), k("q")], .cancel, "close", hint: "close"),

        KeyBinding(.quitGuard, [k("y")], .quitWithoutSaving, "quit and lose the changes", hint: "quit anyway"),
        KeyBinding(.quitGuard, [k("w")], .saveAs, "save as… first", hint: "save as"),
        KeyBinding(.quitGuard, [k(.escape), k("n")], .cancel, "stay", hint: "stay"),

        KeyBinding(.tooSmall, [k("q")], .quit, "quit", hint: "quit"),

        // Hex editing.
        KeyBinding(.hexEdit, [.hexDigit], nil, "type a hex digit: two digits replace the byte", hint: nil),
        KeyBinding(.hexEdit, [k(.escape), k(.enter)], .stopEditing, "stop editing", hint: "done"),
        KeyBinding(.hexEdit, [k(.up)], .up, "move up"),
        KeyBinding(.hexEdit, [k(.down)], .down, "move down"),
        KeyBinding(.hexEdit, [k(.left), k(.backspace)], .left, "move left"),
        KeyBinding(.hexEdit, [k(.right)], .right, "move right"),
        KeyBinding(.hexEdit, [k("u")], .undo, "undo the last byte", hint: "undo"),

        // Panes.
        KeyBinding(.partitions, [k(.up), k("k")], .up, "previous partition"),
        KeyBinding(.partitions, [k(.down), k("j")], .down, "next partition"),
        KeyBinding(.partitions, [k(.home)], .home, "first partition"),
        KeyBinding(.partitions, [k(.end)], .end, "last partition"),
        KeyBinding(.partitions, [k(.pageUp)], .pageUp, "scroll the lower pane up a page"),
        KeyBinding(.partitions, [k(.pageDown)], .pageDown, "scroll the lower pane down a page"),
        KeyBinding(.partitions, [k(.enter)], .activate, "open the partition in the hex pane"),

        KeyBinding(.otadata, [k(.left), k("h")], .left, "sector 0"),
        KeyBinding(.otadata, [k(.right), k("l")], .right, "sector 1"),
        KeyBinding(.otadata, [k(.up), k("k")], .up, "previous partition"),
        KeyBinding(.otadata, [k(.down), k("j")], .down, "next partition"),
        KeyBinding(.otadata, [k(.enter)], .activate, "edit the sector's entry in the hex pane"),
        KeyBinding(.otadata, [k("f")], .fixCRC, "fix CRC: write the CRC the bootloader expects for this entry's seq", hint: "fix CRC"),

        KeyBinding(.detail, [k(.up), k("k")], .up, "scroll up"),
        KeyBinding(.detail, [k(.down), k("j")], .down, "scroll down"),
        KeyBinding(.detail, [k(.pageUp)], .pageUp, "page up"),
        KeyBinding(.detail, [k(.pageDown)], .pageDown, "page down"),
        KeyBinding(.detail, [k(.enter)], .activate, "core dump: show the selected frame's stack bytes in hex"),

        KeyBinding(.nvsValue, [k(.escape), k(.enter), k("q")], .cancel, "close the box", hint: "close"),
        KeyBinding(.nvsValue, [k(.up), k("k")], .up, "scroll up", hint: "scroll"),
        KeyBinding(.nvsValue, [k(.down), k("j")], .down, "scroll down"),
        KeyBinding(.nvsValue, [k(.pageUp)], .pageUp, "page up"),
        KeyBinding(.nvsValue, [k(.pageDown), k(" ")], .pageDown, "page down"),
        KeyBinding(.nvsValue, [k(.home)], .home, "start of the value"),
        KeyBinding(.nvsValue, [k(.end)], .end, "end of the value"),

        KeyBinding(.nvs, [k(.up), k("k")], .up, "previous row"),
        KeyBinding(.nvs, [k(.down), k("j")], .down, "next row"),
        KeyBinding(.nvs, [k(.pageUp)], .pageUp, "page up"),
        KeyBinding(.nvs, [k(.pageDown)], .pageDown, "page down"),
        KeyBinding(.nvs, [k(.home)], .home, "first row"),
        KeyBinding(.nvs, [k(.end)], .end, "last row"),
        KeyBinding(.nvs, [k(.enter)], .activate, "show the value (string, blob) or the entry in full", hint: "full"),
        KeyBinding(.nvs, [k("/")], .nvsFilter, "filter by key or namespace (typing filters; Enter keeps it)", hint: "filter"),
        KeyBinding(.nvs, [k("a")], .nvsToggleView, "toggle: what the app reads / every entry on flash with its state", hint: "all/resolved"),
        KeyBinding(.nvs, [k("h")], .nvsShowInHex, "show the row's 32-byte slots in the hex pane, fields coloured", hint: "hex"),
        KeyBinding(.nvs, [k(.escape)], .cancel, "clear the filter, then close the pane", hint: "close"),

        KeyBinding(.hex, [k(.up), k("k")], .up, "up a line (collapsed runs are skipped)"),
        KeyBinding(.hex, [k(.down), k("j")], .down, "down a line"),
        KeyBinding(.hex, [k(.left), k("h")], .left, "previous byte"),
        KeyBinding(.hex, [k(.right), k("l")], .right, "next byte"),
        KeyBinding(.hex, [k(.pageUp)], .pageUp, "page up"),
        KeyBinding(.hex, [k(.pageDown)], .pageDown, "page down"),
        KeyBinding(.hex, [k(.home)], .home, "start of the image"),
        KeyBinding(.hex, [k(.end)], .end, "end of the image"),
        KeyBinding(.hex, [k("e"), k(.enter)], .startEditing, "edit bytes at the cursor", hint: "edit"),
        KeyBinding(.hex, [k("f")], .fixCRC, "fix the CRC of the otadata entry under the cursor"),
        KeyBinding(.hex, [k("m")], .mark, "set (or clear) the mark: the selection runs from it to the cursor", hint: "mark"),

        // Everywhere else.
        KeyBinding(.global, [k("?"), k(.function(1))], .help, "this help", hint: "help"),
        KeyBinding(.global, [k(.tab)], .nextPane, "next pane", hint: "pane"),
        KeyBinding(.global, [k("s")], .stage, "stage an app image into the selected slot (esp_ota_begin/write/end)", hint: "stage"),
        KeyBinding(.global, [k("c")], .commit, "commit: boot the selected partition next (esp_ota_set_boot_partition)", hint: "commit"),
        KeyBinding(.global, [k("w")], .saveAs, "save as a new file (never the input unless asked twice)", hint: "save"),
        KeyBinding(.global, [k("u")], .undo, "undo", hint: "undo"),
        KeyBinding(.global, [k("q")], .quit, "quit (asks when there are unsaved changes)", hint: "quit"),
        KeyBinding(.global, [k("g")], .goto, "go to an offset (0x…, K/M) or partition name[+offset]", hint: "goto"),
        KeyBinding(.global, [k("/")], .search, "search the whole image for hex bytes (e9 ?? 02, ?? is any byte) or text; runs between keys", hint: "search"),
        // n / N / O show in the status bar only while comparing (see `meaningful`), first (see `hints`).
        KeyBinding(.global, [k("n")], .searchNext, "next match of the last search; comparing with o and no search made since (or Esc'd): next difference", hint: "next diff"),
        KeyBinding(.global, [k("N")], .searchPrevious, "previous match of the last search; comparing and no search: previous difference"),
        KeyBinding(.global, [k("o")], .compareWith, "compare with a second image (B): partitions that differ, both boot predictions, B's bytes under A's"),
        KeyBinding(.global, [k("O")], .closeCompare, "leave compare mode", hint: "close compare"),
        KeyBinding(.global, [k("y")], .copy, "copy the offset, the selection as hex, or the esptool command of the last save (OSC 52)", hint: "copy"),
        KeyBinding(.global, [k("K")], .copyKeyDigest, "copy a Secure Boot V2 key digest of the image shown (detail pane, or the signature sector under the hex cursor) as espsecure digest-sbv2-public-key writes it (OSC 52)"),
        KeyBinding(.global, [k(.escape)], .cancel, "stop a running search; comparing: forget the last search (n/N go to differences again)"),
        KeyBinding(.global, [k("v")], .markValid, "mark the running app valid (esp_ota_mark_app_valid_cancel_rollback)", hint: "valid"),
        KeyBinding(.global, [k("x")], .markInvalid, "mark the running app invalid (esp_ota_mark_app_invalid_rollback)", hint: "invalid"),
        KeyBinding(.global, [k("b")], .simulateBoot, "simulate the next boot (what the bootloader writes)", hint: "boot"),
        KeyBinding(.global, [k("E")], .eraseOTAData, "erase otadata (boots factory)", hint: "erase"),
        KeyBinding(.global, [k("U"), k(.ctrl("r"))], .redo, "redo", hint: "redo"),
        KeyBinding(.global, [k(.backTab)], .previousPane, "previous pane"),
        KeyBinding(.global, [k("D")], .eraseLastBootApp, "erase the last boot app partition (esp_ota_erase_last_boot_app_partition)"),
        KeyBinding(.global, [k("r")], .toggleRollback, "toggle the rollback setting (CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE)", hint: "rollback"),
        KeyBinding(.global, [k("i")], .toggleIDF, "toggle the ESP-IDF behaviour (v5 / v6 esp_rewrite_ota_data)", hint: "IDF"),
        KeyBinding(.global, [k(.ctrl("l"))], .redraw, "repaint the screen"),
        KeyBinding(.global, [k("t")], .openNVS, "NVS partition: open its pane (keys, values, every entry), go back to it, or close it", hint: "NVS"),
    ]

    /// The contexts that apply to `state`, most specific first.
    public static func contexts(_ s: AppState) -> [KeyContext] {
        if Layout.compute(width: s.width, height: s.height, state: s).mode == .tooSmall { return [.tooSmall] }
        if s.prompt != nil { return [.prompt] }
        if let m = s.modal {
            switch m {
            case .help: return [.help]
            case .plan: return [.plan]
            case .info: return [.info]
            case .quitGuard: return [.quitGuard]
            case .copy: return [.copy]
            }
        }
        if let nvs = NVSPane.contexts(s) { return nvs }
        switch s.focus {
        case .partitions: return [.partitions, .global]
        case .otadata: return [.otadata, .global]
        case .detail, .integrity: return [.detail, .global]
        case .hex: return s.hex.editing ? [.hexEdit] : [.hex, .global]
        }
    }

    /// The binding `key` triggers in `state`, if any.
    public static func binding(for key: Key, in state: AppState) -> KeyBinding? {
        for context in contexts(state) {
            if let b = bindings.first(where: { $0.context == context && $0.keys.contains { $0.matches(key) } }) {
                return b
            }
        }
        return nil
    }

    /// Status-bar hints for the current state, most useful first.
    public static func hints(_ state: AppState) -> [KeyHint] {
        var out: [KeyHint] = []
        for context in contexts(state) {
            for b in bindings where b.context == context {
                guard let h = b.hint, let key = b.keys.first else { continue }
                if b.command == .fixCRC && context == .otadata && state.layout.otadata == nil { continue }
                if let c = b.command, !meaningful(c, state) { continue }
                if context == .plan, case .plan(let p) = state.modal {
                    if b.command == .force && !(p.canForce && !p.forced) { continue }
                    if (b.command == .toggleRollback || b.command == .toggleIDF) && !p.kind.usesSettings { continue }
                    if b.command == .confirm && (p.plan == nil || p.plan?.isNoOp == true) { continue }
                }
                out.append(KeyHint(label(key, glyphs: state.glyphs), h))
            }
        }
        // Comparing: the difference keys lead (the bar is cut at the terminal's width).
        if state.compare != nil {
            let lead: Set<String> = ["next diff", "close compare"]
            out = out.filter { lead.contains($0.label) } + out.filter { !lead.contains($0.label) }
        }
        return out
    }

    /// Whether a command means something for this file: OTA commands and the rollback / IDF settings
    /// need a flash image with otadata, fix CRC needs a wrong otadata CRC, undo an edit, redo an undone one.
    static func meaningful(_ c: Command, _ s: AppState) -> Bool {
        let flash = s.layout.kind == .flashImage
        switch c {
        case .stage, .simulateBoot: return flash && s.hasPartitions
        // esp_ota_set_boot_partition needs an otadata partition (ESP_ERR_NOT_FOUND without one).
        case .commit,
             .markValid, .markInvalid, .eraseOTAData, .eraseLastBootApp, .toggleRollback:
            return flash && s.layout.otadataPartition != nil
        case .toggleIDF: return flash && s.layout.otadataPartition != nil
        case .fixCRC:
            // Offered only where there is a wrong CRC to fix (the key still explains itself elsewhere).
            guard let e = Derived.entry(s.layout, Update.fixCRCSector(s)) else { return false }
            return !e.isErased && !e.seqErased && !e.crcOK
        case .undo: return s.document.canUndo || s.hex.editing
        case .redo: return s.document.canRedo
        case .openNVS: return NVSPane.canOpen(s)
        // Only in compare mode (n / N name their difference jumps there).
        case .closeCompare: return s.compare != nil
        case .searchNext: return s.compare != nil && s.lastSearch == nil
        default: return true
        }
    }

    /// The key bound to `command` as shown to the user, for messages that name it ("t opens the NVS
    /// pane"): the first binding's first key, so a rebinding changes the message with it.
    public static func keyLabel(for command: Command, glyphs: Glyphs = .unicode) -> String {
        guard let pattern = bindings.first(where: { $0.command == command })?.keys.first else { return "?" }
        return label(pattern, glyphs: glyphs)
    }

    /// A key as shown to the user ("Tab", "^R", "PgDn", "▲").
    public static func label(_ pattern: KeyPattern, glyphs: Glyphs) -> String {
        switch pattern {
        case .hexDigit: return "0-9a-f"
        case .printable: return "text"
        case .key(let key): return label(key, glyphs: glyphs)
        }
    }

    public static func label(_ key: Key, glyphs: Glyphs) -> String {
        switch key {
        case .char(" "): return "Space"
        case .char(let c): return String(c)
        case .up: return String(glyphs.arrowUp)
        case .down: return String(glyphs.arrowDown)
        case .left: return String(glyphs.arrowLeft)
        case .right: return String(glyphs.arrowRight)
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .home: return "Home"
        case .end: return "End"
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .tab: return "Tab"
        case .backTab: return "S-Tab"
        case .backspace: return "Bksp"
        case .delete: return "Del"
        case .ctrl(let c): return "^" + String(c).uppercased()
        case .function(let n): return "F\(n)"
        }
    }
}
