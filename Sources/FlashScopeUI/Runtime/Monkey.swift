import ScreenKit

/// Drives a ``Program`` with a stream of byte-chosen input — keys, typing, clicks, resizes — the way
/// the monkey test (a seeded generator) and the libFuzzer target (the fuzzer's bytes) do, so that
/// both exercise update and render over every dialog, prompt, edit, undo/redo, save and toggle.
///
/// Prompts that would touch files are steered: a save goes into `saveDirectory` (or is cancelled
/// when there is none), a stage reads `stageFile` (or a path that does not exist).
public struct Monkey {
    /// What was sent, by kind (reported by the monkey test).
    public struct Counts: Sendable, Equatable {
        public var keys = 0, typed = 0, clicks = 0, resizes = 0, saves = 0, stages = 0, renders = 0, quits = 0, compares = 0
        public var total: Int { keys + typed + clicks + resizes }
        public init() {}
    }

    public var saveDirectory: String?
    public var stageFile: String?
    /// The second image the compare prompt (`o`) opens; without one, a path that does not exist.
    public var compareFile: String?
    public private(set) var counts = Counts()
    /// Draw the frame after every `renderEvery`-th input (and after every resize); 1 draws them all.
    public var renderEvery = 1
    /// Where the next byte comes from.
    var next: () -> UInt8

    public init(saveDirectory: String? = nil, stageFile: String? = nil, next: @escaping () -> UInt8) {
        self.saveDirectory = saveDirectory
        self.stageFile = stageFile
        self.next = next
    }

    /// Every key the key table knows, plus some it does not.
    static let keys: [Key] = {
        var k: [Key] = [.up, .down, .left, .right, .pageUp, .pageDown, .home, .end, .enter, .escape, .tab, .backTab,
                        .backspace, .delete, .ctrl("u"), .ctrl("r"), .ctrl("l"), .ctrl("g"), .function(1), .function(5)]
        // t (NVS pane) twice: it only opens on an nvs partition, and a, h, / then act inside it.
        for c in "?sScvxbEDrRiuUgGwWeEfFnN/yYjkhltt0123456789abcdefABCDEF qQ-+x.~oOK" { k.append(.char(c)) }
        return k
    }()

    static let words = ["ota_0", "ota_1", "factory", "nvs", "otadata", "0x", "0xd000", "+0x20", "64K", "1M", "e9 ?? 02",
                        "ff ff", "esp", "app", "wifi", "boot_count", "zzz", "0x7fffffffffffffff", "-1", "", "  ", "é", "日本"]

    mutating func byte() -> Int { Int(next()) }

    /// Sends one input to `p` and draws the frame (as the run loop does after every event).
    /// Returns false when the program asked to quit (the caller decides whether to go on).
    @discardableResult
    public mutating func step(_ p: Program) -> Bool {
        let choice = byte()
        switch choice {
        case 0..<170:
            let key = Self.keys[byte() % Self.keys.count]
            send(p, key)
        case 170..<200:
            // Type a word (into a prompt, or as keys into whatever has focus).
            let word = Self.words[byte() % Self.words.count]
            for c in word { p.send(.key(.char(c))) }
            counts.typed += 1
        case 200..<225:
            p.send(.click(x: byte() % max(1, p.state.width), y: byte() % max(1, p.state.height)))
            counts.clicks += 1
        case 225..<240:
            // From 40×12 to 250×70, and now and then something smaller or absurd.
            let w: Int, h: Int
            if choice == 239 { w = byte() % 40; h = byte() % 12 } else { w = 40 + byte() * 210 / 255; h = 12 + byte() * 58 / 255 }
            p.send(.resize(width: w, height: h))
            counts.resizes += 1
        default:
            // A burst of hex digits (edits when the hex pane is editing).
            for _ in 0..<(1 + byte() % 6) { send(p, .char(Array("0123456789abcdef")[byte() % 16])) }
        }
        // Deferred scans run between keys; a slice at a time, as in the run loop.
        if byte() % 4 == 0 { p.runDeferred() }
        if renderEvery <= 1 || (counts.total + counts.saves) % renderEvery == 0 || (225..<240).contains(choice) {
            _ = render(p.state)
            counts.renders += 1
        }
        if p.exitStatus != nil { counts.quits += 1; return false }
        return true
    }

    mutating func send(_ p: Program, _ key: Key) {
        counts.keys += 1
        if key == .enter, let prompt = p.state.prompt {
            switch prompt.kind {
            case .saveAs:
                guard let dir = saveDirectory else { p.send(.key(.escape)); return }
                // Always into the scratch directory, sometimes the same name twice (the replace question).
                p.send(.key(.ctrl("u")))
                for c in "\(dir)/save-\(byte() % 4).bin" { p.send(.insert(c)) }
                counts.saves += 1
            case .stagePath:
                p.send(.key(.ctrl("u")))
                let path = byte() % 3 == 0 ? "/nonexistent/app.bin" : (stageFile ?? "/nonexistent/app.bin")
                for c in path { p.send(.insert(c)) }
                counts.stages += 1
            case .compareWith:
                p.send(.key(.ctrl("u")))
                let path = byte() % 3 == 0 ? "/nonexistent/b.bin" : (compareFile ?? "/nonexistent/b.bin")
                for c in path { p.send(.insert(c)) }
                counts.compares += 1
            default: break
            }
        }
        p.send(.key(key))
    }
}
