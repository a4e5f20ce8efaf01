/// NVS (non-volatile storage) partitions: pages, entries, and what `nvs_flash_init` + `nvs_get_*`
/// make of them on the next start.
///
/// Layout facts: docs/… and ../shared/spec/NVS.md §2–§8. The start-up model (`Startup` below) follows
/// ESP-IDF's `Page::load`, `Page::mLoadEntryTable`, `Page::findItem`, `Page::eraseEntryAndSpan`,
/// `PageManager::load`, `Storage::init` and `Storage::readItem` step by step, including their
/// 24-bit item hash, so that states only a power cut (or a hostile dump) can leave resolve as the
/// firmware resolves them. Pure: reads bytes, returns values; never traps on input.
public enum NVS {
    public static let pageSize = 0x1000
    public static let entrySize = 32
    public static let entryCount = 126
    static let invalidEntry = Int.max

    // MARK: Types

    public enum PageState: String, Sendable, Equatable {
        case empty = "EMPTY", active = "ACTIVE", full = "FULL", freeing = "FREEING", corrupt = "CORRUPT"
        /// A page whose bytes are not all in the dump.
        case absent = "ABSENT"
    }

    /// Two bits per entry in the page's bitmap.
    public enum EntryState: UInt8, Sendable, Equatable {
        case erased = 0, illegal = 1, written = 2, empty = 3
        public var name: String {
            switch self { case .erased: "erased"; case .illegal: "illegal"; case .written: "written"; case .empty: "empty" }
        }
    }

    /// Item type codes (`ItemType` in nvs_handle.hpp).
    public enum ItemType: UInt8, Sendable, CaseIterable {
        case u8 = 0x01, i8 = 0x11, u16 = 0x02, i16 = 0x12, u32 = 0x04, i32 = 0x14, u64 = 0x08, i64 = 0x18
        case float = 0x24, double = 0x28
        case string = 0x21, blobV1 = 0x41, blobData = 0x42, blobIndex = 0x48

        public var isInteger: Bool { rawValue & 0xE0 == 0 && [1, 2, 4, 8].contains(rawValue & 0x0F) }
        public var isFixedSize: Bool { isInteger || self == .float || self == .double }
        public var isVariableLength: Bool { self == .string || self == .blobV1 || self == .blobData }
        /// The official CSV's encoding name (blobs of every kind are `blob`).
        public var csvName: String {
            switch self {
            case .u8: "u8"; case .i8: "i8"; case .u16: "u16"; case .i16: "i16"; case .u32: "u32"; case .i32: "i32"
            case .u64: "u64"; case .i64: "i64"; case .float: "float"; case .double: "double"; case .string: "string"
            case .blobV1, .blobData, .blobIndex: "blob"
            }
        }
        /// Name for the every-entry view (keeps the kinds of blob apart).
        public var entryName: String {
            switch self {
            case .blobV1: "blob_v1"; case .blobData: "blob_data"; case .blobIndex: "blob_index"
            default: csvName
            }
        }
    }

    /// Rules that changed between ESP-IDF releases.
    public struct Rules: Sendable, Equatable {
        /// `Item::checkHeaderConsistency` on load and lookup (v5.0.8, v5.1.6, v5.2.4, v5.3.2, v5.4 and later);
        /// before, only the header CRC was compared.
        public var strictHeaderCheck: Bool
        /// float (0x24) / double (0x28) items are known types (v6.1 and later).
        public var floatTypes: Bool
        /// What the rules were chosen from, for reports.
        public var label: String

        public init(strictHeaderCheck: Bool, floatTypes: Bool, label: String) {
            self.strictHeaderCheck = strictHeaderCheck; self.floatTypes = floatTypes; self.label = label
        }

        /// The newest ESP-IDF (used when the dump names no version).
        public static let latest = Rules(strictHeaderCheck: true, floatTypes: true, label: "latest")

        /// The rules of the ESP-IDF version a bootloader or app names (`v5.1.4`, `v5.3-dev-12-g…`);
        /// `latest` when the text names no version.
        public static func forIDF(_ text: String?) -> Rules {
            guard let text, let v = parseVersion(text) else { return .latest }
            let (ma, mi, pa) = v
            let strict: Bool
            if ma != 5 { strict = ma > 5 } else {
                switch mi {
                case 0: strict = pa >= 8
                case 1: strict = pa >= 6
                case 2: strict = pa >= 4
                case 3: strict = pa >= 2
                default: strict = true
                }
            }
            let floats = ma > 6 || (ma == 6 && mi >= 1)
            return Rules(strictHeaderCheck: strict, floatTypes: floats, label: "v\(ma).\(mi).\(pa)")
        }

        public static func parseVersion(_ s: String) -> (Int, Int, Int)? {
            var t = Substring(s.trimmingWhitespace())
            if t.first == "v" || t.first == "V" { t = t.dropFirst() }
            var nums: [Int] = []
            var cur = ""
            for c in t {
                if c.isASCII, c.isNumber { cur.append(c); if cur.count > 6 { return nil } }
                else if c == "." && !cur.isEmpty && nums.count < 2 { nums.append(Int(cur)!); cur = "" }
                else { break }
            }
            if !cur.isEmpty { nums.append(Int(cur)!) }
            guard nums.count >= 2 else { return nil }
            return (nums[0], nums[1], nums.count > 2 ? nums[2] : 0)
        }
    }

    /// An AES-256-XTS key pair as an nvs_keys partition holds it (NVS.md §10.2).
    public struct Keys: Sendable, Equatable {
        public let dataKey: [UInt8]
        public let tweakKey: [UInt8]
        public init(dataKey: [UInt8], tweakKey: [UInt8]) { self.dataKey = dataKey; self.tweakKey = tweakKey }
        /// The XTS key in the order OpenSSL and the generator take it: data key, then tweak key.
        public var xtsKey: [UInt8] { dataKey + tweakKey }

        public enum ParseError: Error, Equatable, CustomStringConvertible {
            case tooShort(Int), uninitialised, badCRC(stored: UInt32, computed: UInt32)
            public var description: String {
                switch self {
                case .tooShort(let n): "an nvs_keys image holds at least 68 bytes (eky, tky, CRC); this one has \(n)"
                case .uninitialised: "the nvs_keys image is erased (all 0xff): no keys were ever written (ESP_ERR_NVS_KEYS_NOT_INITIALIZED)"
                case .badCRC(let s, let c): "the nvs_keys CRC is \(Hex.padded(s, 8)) but crc32(eky‖tky) is \(Hex.padded(c, 8)) (ESP_ERR_NVS_CORRUPT_KEY_PART): not a plaintext keys partition"
                }
            }
        }

        /// Reads an nvs_keys partition image (eky 32 B, tky 32 B, CRC32 of both).
        public static func parse(_ b: [UInt8]) -> Result<Keys, ParseError> {
            guard b.count >= 68 else { return .failure(.tooShort(b.count)) }
            if b[0..<68].allSatisfy({ $0 == 0xFF }) { return .failure(.uninitialised) }
            let stored = ByteArray(b).u32(at: 64) ?? 0
            let computed = Checksums.crc32(Array(b[0..<64]), seed: 0xFFFF_FFFF)
            guard stored == computed else { return .failure(.badCRC(stored: stored, computed: computed)) }
            return .success(Keys(dataKey: Array(b[0..<32]), tweakKey: Array(b[32..<64])))
        }

        /// The 4096-byte keys image the generator's `generate-key` writes for these keys.
        public func image() -> [UInt8] {
            var out = dataKey + tweakKey
            out.appendLE(Checksums.crc32(out, seed: 0xFFFF_FFFF))
            return out + [UInt8](repeating: 0xFF, count: NVS.pageSize - out.count)
        }

        /// Decrypts a page's entries in place (`page`: its 4096 bytes, `pageRelative` bytes from the
        /// partition start); erased (all 0xFF) entries stay as they are, as the firmware never decrypts them.
        /// False if the cipher failed.
        func decrypt(page: UnsafeMutableRawBufferPointer, pageRelative: Int) -> Bool {
            guard page.count >= pageSize else { return false }
            let n = entryCount * entrySize
            let entries = UnsafeMutableRawBufferPointer(rebasing: page[64..<(64 + n)])
            let plain = UnsafeMutableRawBufferPointer.allocate(byteCount: n, alignment: 16)
            defer { plain.deallocate() }
            guard BlockCipher.aesXTSUnits(key: xtsKey, encrypt: false, firstTweak: UInt64(pageRelative + 64), unit: entrySize,
                                          UnsafeRawBufferPointer(entries), into: plain) else { return false }
            let slots = PageSlots(base: UnsafeRawPointer(entries.baseAddress!))
            for i in 0..<entryCount where !slots[i].isErased {
                UnsafeMutableRawBufferPointer(rebasing: entries[(i * entrySize)..<((i + 1) * entrySize)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: plain[(i * entrySize)..<((i + 1) * entrySize)]))
            }
            return true
        }

        /// Decrypts (or encrypts) one 32-byte entry at `relative` bytes from the partition start.
        public func crypt(_ entry: [UInt8], relative: Int, encrypt: Bool) -> [UInt8]? {
            var tweak = [UInt8](repeating: 0, count: 16)
            for k in 0..<8 { tweak[k] = UInt8(truncatingIfNeeded: relative >> (8 * k)) }
            return BlockCipher.aesXTS(key: xtsKey, encrypt: encrypt, tweak: tweak, entry)
        }
    }

    // MARK: What is on flash

    public struct Page: Sendable, Equatable {
        public let index: Int
        /// Absolute offset of the page.
        public let offset: Int
        public let stateWord: UInt32
        public let seq: UInt32
        public let version: UInt8
        public let crcStored: UInt32
        public let crcComputed: UInt32
        /// What `Page::load` makes of the header.
        public let state: PageState
        public let bitmap: [EntryState]
        public var crcOK: Bool { crcStored == crcComputed }
        /// `Page::load` keeps a sequence number only for these.
        public var hasSeq: Bool { state == .active || state == .full || state == .freeing }
        public var writtenEntries: Int { bitmap.filter { $0 == .written }.count }
    }

    /// What start-up and the first read leave of an entry found on flash.
    public enum Fate: String, Sendable, Equatable {
        /// Live: the app can read it.
        case written
        /// Marked erased in the bitmap on flash.
        case erased
        /// On flash as written (or with data in an empty slot) but dropped: half-written, after the
        /// first empty slot, failing its checks, a duplicate, an orphan blob chunk…
        case ignored
    }

    /// Why an entry is not live (for `ignored` entries; `nil` for the others).
    public enum Drop: String, Sendable, Equatable {
        case halfWritten = "half_written"
        case afterFirstEmpty = "after_first_empty"
        case illegalState = "illegal_state"
        case badHeaderCRC = "bad_header_crc"
        case inconsistent = "inconsistent_header"
        case incompleteSpan = "incomplete_span"
        case duplicate = "duplicate"
        case blobSizeMismatch = "blob_size_mismatch"
        case orphanChunk = "orphan_chunk"
        case badDataCRC = "bad_data_crc"
        case pageNotLoaded = "page_not_loaded"
        case pageErasedAtStartup = "page_erased_at_startup"
        case initFailed = "init_failed"
    }

    /// An item header found by walking a page physically (its data entries are not listed).
    public struct Entry: Sendable, Equatable {
        public let page: Int
        public let slot: Int
        /// Absolute offset of the 32-byte header entry.
        public let offset: Int
        /// The bitmap state on flash.
        public let bitmap: EntryState
        /// The 32 plaintext bytes of the header (decrypted when the partition is encrypted).
        public let header: [UInt8]
        public var nsIndex: UInt8 { header[0] }
        public var typeCode: UInt8 { header[1] }
        public var type: ItemType? { ItemType(rawValue: header[1]) }
        public var span: UInt8 { header[2] }
        public var chunkIndex: UInt8 { header[3] }
        public var crcStored: UInt32 { header.le32(at: 4) }
        public var crcComputed: UInt32 { NVS.headerCRC(header) }
        public var crcOK: Bool { crcStored == crcComputed }
        public var keyBytes: [UInt8] { Array(header[8..<24]) }
        public var key: String { NVS.keyString(header) }
        /// Entries this listing covers (the header and, for a variable-length item, its data).
        public let covered: Int
        public var fate: Fate
        public var drop: Drop?
        /// The namespace name when the index is assigned.
        public var namespace: String?
        /// The absolute bytes of this listing: the header and the data entries it covers.
        public var range: Range<Int> { offset..<(offset + covered * NVS.entrySize) }
        /// What byte `at` (absolute) of this listing is: a header field, or payload.
        public func field(at: Int) -> EntryField? {
            guard range.contains(at) else { return nil }
            let rel = at - offset
            return rel < NVS.entrySize ? EntryField.at(rel) : .payload
        }
    }

    /// The fields of a 32-byte item header (nvs_types.hpp `Item`), and the data entries of a
    /// variable-length item that follow it.
    public enum EntryField: String, Sendable, Equatable, CaseIterable {
        case namespace = "ns", type, span, chunkIndex = "chunk", crc, key, data
        /// A data entry of a string or blob chunk (the payload after the header).
        case payload

        /// Bytes of the header this field occupies (empty for `payload`).
        public var range: Range<Int> {
            switch self {
            case .namespace: 0..<1
            case .type: 1..<2
            case .span: 2..<3
            case .chunkIndex: 3..<4
            case .crc: 4..<8
            case .key: 8..<24
            case .data: 24..<32
            case .payload: 0..<0
            }
        }

        /// The field at byte `i` (0–31) of a header entry.
        public static func at(_ i: Int) -> EntryField? {
            allCases.first { $0.range.contains(i) }
        }
    }

    /// The fields of a page's first 64 bytes (nvs_page.hpp `Header`, then the entry-state bitmap).
    public enum PageField: String, Sendable, Equatable, CaseIterable {
        case state, seq, version, reserved, crc, bitmap

        /// Bytes of the page this field occupies.
        public var range: Range<Int> {
            switch self {
            case .state: 0..<4
            case .seq: 4..<8
            case .version: 8..<9
            case .reserved: 9..<28
            case .crc: 28..<32
            case .bitmap: 32..<64
            }
        }
    }

    /// A value as `nvs_get_*` returns it.
    public enum Value: Sendable, Equatable {
        case unsigned(UInt64), signed(Int64), float(Float), double(Double), string([UInt8]), blob([UInt8])
        /// Strings without their terminating NUL, as text (invalid UTF-8 replaced).
        public var text: String? {
            if case .string(let b) = self { return String(decoding: b.last == 0 ? Array(b.dropLast()) : b, as: UTF8.self) }
            return nil
        }
    }

    /// One key as the app reads it.
    public struct Resolved: Sendable, Equatable {
        public let namespace: String
        public let nsIndex: UInt8
        public let key: String
        public let type: ItemType
        public let value: Value
        /// Absolute offsets of the 32-byte entries the value is read from (headers and data, all chunks).
        public let entries: EntryOffsets
        /// Page index and slot of the item header the value comes from (the blob index for v2 blobs).
        public let page: Int
        public let slot: Int
    }

    public struct Namespace: Sendable, Equatable {
        public let name: String
        public let index: UInt8
        /// Reachable by `nvs_open(name)` (the first namespace entry with that name).
        public let reachable: Bool
    }

    /// Everything read from one partition.
    public struct Partition: Sendable {
        public let offset: Int
        public let size: Int
        public var pages: [Page] = []
        public var entries: [Entry] = []
        public var namespaces: [Namespace] = []
        public var values: [Resolved] = []
        public var diagnostics: [Diagnostic] = []
        /// The entries are ciphertext (a key was used, or they look it).
        public var encrypted = false
        /// They were decrypted with a key that fits.
        public var decrypted = false
        /// `nvs_flash_init` fails (`ESP_ERR_NVS_NEW_VERSION_FOUND`, `ESP_ERR_NVS_NO_FREE_PAGES`): the error name.
        public var initError: String?
        public let rules: Rules
        public var pagesUsed: Int { pages.filter(\.hasSeq).count }
    }

    // MARK: Reading

    /// Reads the NVS partition at `offset` (absolute) of `size` bytes in `source`.
    ///
    /// `keys`: for an encrypted partition. When given, entries are decrypted unless they already read
    /// as plaintext. `readOnly`: the partition table's `readonly` flag (start-up repairs are skipped).
    public static func read<S: ByteSource>(_ source: S, offset: Int, size: Int, keys: Keys? = nil,
                                           rules: Rules = .latest, readOnly: Bool = false) -> Partition {
        let pageCount = pageCount(offset: offset, size: size)
        return withPageBytes(source, offset: offset, pageCount: pageCount) {
            read(bytes: $0, offset: offset, size: size, pageCount: pageCount, keys: keys, rules: rules, readOnly: readOnly)
        }
    }

    /// `body` over the bytes of the partition's pages that the dump holds whole (a truncated dump ends
    /// early; the rest are absent): in place when the source holds them in one piece (a mapped file, an
    /// image with no edit inside them), else from one copy. Either way they live for the whole call.
    static func withPageBytes<S: ByteSource, R>(_ source: S, offset: Int, pageCount: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let held = source.clip(offset..<(offset + pageCount * pageSize))
        let whole = held.lowerBound == offset ? held.count / pageSize : 0
        let range = offset..<(offset + whole * pageSize)
        var result: R?
        var first = true
        source.forEachChunk(in: range) { piece in
            if first && piece.count == range.count { result = body(piece) }
            first = false
        }
        if let result { return result }
        return source.bytes(range).withUnsafeBytes(body)
    }

    /// `read` over the partition's bytes: its first `bytes.count / 4096` pages, the others absent.
    static func read(bytes: UnsafeRawBufferPointer, offset: Int, size: Int, pageCount: Int, keys: Keys?,
                     rules: Rules, readOnly: Bool) -> Partition {
        var part = Partition(offset: offset, size: size, rules: rules)
        if size % pageSize != 0 {
            part.diagnostics.append(.warning(offset, .nvsSizeNotPages, "NVS partition size \(Hex.short(size)) is not a multiple of 4096; the last \(size % pageSize) bytes are not used"))
        }
        let whole = min(bytes.count / pageSize, pageCount)
        // Page headers, and the entries as stored (nil = the page is not in the dump).
        part.pages = pages(bytes: bytes, offset: offset, pageCount: pageCount)
        let raw: [PageSlots?] = (0..<pageCount).map { i in pageBytes(bytes, i).map { PageSlots(base: $0.baseAddress! + 64) } }
        if whole < pageCount {
            part.diagnostics.append(.warning(offset, .nvsTruncated, "\(pageCount - whole) of \(pageCount) NVS pages are not in the dump; they are shown as absent and treated as erased"))
        }

        // Plaintext or ciphertext?
        let plainScore = headerScore(raw, part.pages, keys: nil)
        var useKeys: Keys? = nil
        if plainScore.total > 0 && plainScore.good == 0 {
            part.encrypted = true
            if let keys {
                let s = headerScore(raw, part.pages, keys: keys)
                if s.good > 0 { useKeys = keys; part.decrypted = true }
                else {
                    part.diagnostics.append(.error(offset, .nvsWrongKey, "the NVS entries do not decrypt with the key given: none of \(s.total) written entries has a good header CRC after decryption"))
                }
            } else {
                part.diagnostics.append(.info(offset, .nvsEncrypted, "the NVS partition looks encrypted (page headers good, none of \(plainScore.total) written entries has a good header CRC): give its keys (--nvs-keys) to read it; pages only"))
            }
        }
        if part.encrypted && !part.decrypted {
            pageDiagnostics(&part)
            return part
        }

        // Plaintext entries: the bytes themselves, or a decrypted copy held until the read ends.
        let decrypted: UnsafeMutableRawBufferPointer? = useKeys.map { k in
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: whole * pageSize, alignment: 16)
            if whole > 0 { copy.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<(whole * pageSize)])) }
            for i in 0..<whole { _ = k.decrypt(page: UnsafeMutableRawBufferPointer(rebasing: copy[(i * pageSize)..<((i + 1) * pageSize)]), pageRelative: i * pageSize) }
            return copy
        }
        defer { decrypted?.deallocate() }
        let plain: [PageSlots?] = decrypted.map { d in
            (0..<pageCount).map { i in pageBytes(UnsafeRawBufferPointer(d), i).map { PageSlots(base: $0.baseAddress! + 64) } }
        } ?? raw
        var sim = Startup(rules: rules, readOnly: readOnly, base: offset)
        sim.load(part.pages, raw: raw, plain: plain)
        if sim.initError == nil {
            sim.initStorage()
            part.values = sim.resolve()
        }
        part.initError = sim.initError
        part.namespaces = sim.namespaces.enumerated().map { (i, n) in
            Namespace(name: n.name, index: n.index, reachable: !sim.namespaces[..<i].contains { $0.nameKey == n.nameKey })
        }
        part.entries = listEntries(part, plain: plain, sim: sim)
        pageDiagnostics(&part)
        entryDiagnostics(&part, sim: sim)
        return part
    }

    /// Pages of a partition of `size` bytes at `offset`. Offsets come from a u32 table field; anything
    /// else is read as absent (no flash is 256 MiB+).
    static func pageCount(offset: Int, size: Int) -> Int {
        let sane = offset >= 0 && offset <= 1 << 40
        return sane ? min(max(0, size) / pageSize, (1 << 28) / pageSize) : 0
    }

    /// The page headers alone, as `Page::load` classifies them (no entry is read or resolved): for a
    /// summary such as "pages in use".
    public static func pages<S: ByteSource>(_ source: S, offset: Int, size: Int) -> [Page] {
        let pageCount = pageCount(offset: offset, size: size)
        return withPageBytes(source, offset: offset, pageCount: pageCount) { pages(bytes: $0, offset: offset, pageCount: pageCount) }
    }

    static func pages(bytes: UnsafeRawBufferPointer, offset: Int, pageCount: Int) -> [Page] {
        (0..<pageCount).map { readPage(pageBytes(bytes, $0), index: $0, offset: offset + $0 * pageSize) }
    }

    /// Page `i` of the bytes `withPageBytes` gives (nil past the pages they hold).
    static func pageBytes(_ bytes: UnsafeRawBufferPointer, _ i: Int) -> UnsafeRawBufferPointer? {
        (i + 1) * pageSize <= bytes.count ? UnsafeRawBufferPointer(rebasing: bytes[(i * pageSize)..<((i + 1) * pageSize)]) : nil
    }

    /// A page's header and bitmap as `Page::load` reads them (`b`: its 4096 bytes; nil: not in the dump).
    static func readPage(_ b: UnsafeRawBufferPointer?, index: Int, offset: Int) -> Page {
        guard let b, b.count >= pageSize else {
            return Page(index: index, offset: offset, stateWord: 0xFFFF_FFFF, seq: 0, version: 0, crcStored: 0, crcComputed: 0,
                        state: .absent, bitmap: [EntryState](repeating: .empty, count: entryCount))
        }
        func le32(_ at: Int) -> UInt32 { UInt32(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
        let word = le32(PageField.state.range.lowerBound)
        let crcStored = le32(PageField.crc.range.lowerBound)
        let crcComputed = pageHeaderCRC(b)
        let map = PageField.bitmap.range.lowerBound
        let bitmap = [EntryState](unsafeUninitializedCapacity: entryCount) { out, n in
            for e in 0..<entryCount { out[e] = EntryState(rawValue: (b[map + e / 4] >> UInt8(2 * (e % 4))) & 3)! }
            n = entryCount
        }
        let state: PageState
        if word == 0xFFFF_FFFF {
            state = allErased(b) ? .empty : .corrupt
        } else if crcStored != crcComputed {
            state = .corrupt
        } else {
            switch word {
            case 0xFFFF_FFFE: state = .active
            case 0xFFFF_FFFC: state = .full
            case 0xFFFF_FFF8: state = .freeing
            default: state = .corrupt
            }
        }
        return Page(index: index, offset: offset, stateWord: word, seq: le32(PageField.seq.range.lowerBound),
                    version: b[PageField.version.range.lowerBound], crcStored: crcStored,
                    crcComputed: crcComputed, state: state, bitmap: bitmap)
    }

    /// Every byte 0xFF (eight at a time).
    static func allErased(_ p: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        while i + 8 <= p.count {
            if p.loadUnaligned(fromByteOffset: i, as: UInt64.self) != .max { return false }
            i += 8
        }
        while i < p.count { if p[i] != 0xFF { return false }; i += 1 }
        return true
    }

    /// Written entries on loadable pages, and how many of them have a good header CRC.
    static func headerScore(_ raw: [PageSlots?], _ pages: [Page], keys: Keys?) -> (total: Int, good: Int) {
        var total = 0, good = 0
        for p in pages where p.hasSeq {
            guard let b = raw[p.index] else { continue }
            var e = 0
            while e < entryCount {
                defer { e += 1 }
                guard p.bitmap[e] == .written else { continue }
                var ent = b[e].bytes
                if let keys { ent = keys.crypt(ent, relative: p.index * pageSize + 64 + e * entrySize, encrypt: false) ?? ent }
                total += 1
                if headerCRC(ent) == ent.le32(at: 4) {
                    good += 1
                    if let t = ItemType(rawValue: ent[1]), t.isVariableLength { e += Int(ent[2]) - 1 }
                }
                if total >= 64 { return (total, good) }
            }
        }
        return (total, good)
    }

    // MARK: Helpers


    /// `Item::calculateCrc32`: ROM CRC of bytes 0–3 and 8–31.
    public static func headerCRC(_ e: [UInt8]) -> UInt32 {
        let b = ByteArray(e)
        return Checksums.crc32(b, 8..<32, seed: Checksums.crc32(b, 0..<4, seed: 0xFFFF_FFFF))
    }

    static func headerCRC(_ e: Slot) -> UInt32 { e.crc32(8..<32, seed: e.crc32(0..<4, seed: 0xFFFF_FFFF)) }
    static func crcOK(_ e: Slot) -> Bool { headerCRC(e) == e.le32(at: 4) }

    /// `Page::Header::calculateCrc32`: ROM CRC of bytes 4–27.
    public static func pageHeaderCRC(_ h: [UInt8]) -> UInt32 { h.withUnsafeBytes(pageHeaderCRC) }
    /// (Over the bytes there are when `h` is shorter than a header.)
    static func pageHeaderCRC(_ h: UnsafeRawBufferPointer) -> UInt32 {
        let lo = min(PageField.seq.range.lowerBound, h.count)
        let r = lo..<max(lo, min(PageField.crc.range.lowerBound, h.count))
        return Checksums.crc32(UnsafeRawBufferPointer(rebasing: h[r]), seed: 0xFFFF_FFFF)
    }

    /// The key as C reads it: up to the first NUL of at most 15 bytes.
    static func keyString(_ e: [UInt8]) -> String {
        String(decoding: normalizedKey(Array(e[8..<24])).prefix { $0 != 0 }, as: UTF8.self)
    }

    /// A lookup key as `Item(…, key)` builds it: strncpy of at most 15 bytes into zeros.
    static func normalizedKey(_ k: [UInt8]) -> [UInt8] { withUnsafeBytes(of: normalizedKeyWords(k)) { Array($0) } }

    /// The same 16 bytes as two words (the one place the rule is written).
    static func normalizedKeyWords(_ k: some Collection<UInt8>) -> (UInt64, UInt64) {
        var w: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &w) { b in
            var i = 0
            for c in k.prefix(15) { if c == 0 { break }; b[i] = c; i += 1 }
        }
        return w
    }

    /// `Item::calculateCrc32WithoutValue` & 0xffffff: the hash list's key.
    static func itemHash(ns: UInt8, key: [UInt8], chunk: UInt8) -> UInt32 {
        var item = Slot.erased
        item.withMutableBytes { b in
            b[0] = ns
            b[3] = chunk
            for i in 0..<16 { b[8 + i] = i < key.count ? key[i] : 0 }
        }
        return itemHash(item)
    }
    /// The hash of a flash entry's own (ns, key bytes, chunk).
    static func itemHash(_ e: Slot) -> UInt32 {
        e.crc32(3..<4, seed: e.crc32(8..<24, seed: e.crc32(0..<1, seed: 0xFFFF_FFFF))) & 0xFF_FFFF
    }

    /// Whether a header passes the load-time check of these rules (`Item::checkHeaderConsistency`).
    static func consistent(_ e: Slot, index: Int, rules: Rules) -> Bool {
        guard crcOK(e) else { return false }
        guard rules.strictHeaderCheck else { return true }
        let span = Int(e[2])
        guard let t = ItemType(rawValue: e[1]) else { return false }
        switch t {
        case .float, .double:
            guard rules.floatTypes else { return false }
            return span == 1
        case .blobIndex:
            return span == 1 && e[3] == 0xFF && e.le32(at: 24) <= 127 * 125 * 32
        case .string, .blobV1, .blobData:
            if t == .blobData && e[3] == 0xFF { return false }
            let size = Int(e.le16(at: 24))
            guard size <= (entryCount - index - 1) * entrySize, span <= entryCount - index else { return false }
            return span == (size + 31) / 32 + 1
        default:
            return span == 1
        }
    }

    static func pageDiagnostics(_ part: inout Partition) {
        for p in part.pages {
            if p.state == .corrupt {
                if p.stateWord == 0xFFFF_FFFF {
                    part.diagnostics.append(.warning(p.offset, .nvsPageNotEmpty, "page \(p.index): state word erased but the page holds data; nvs_flash_init treats it as corrupt (free, erased before reuse)"))
                } else if !p.crcOK {
                    part.diagnostics.append(.error(p.offset + 28, .nvsBadHeaderCRC, "page \(p.index): header CRC \(Hex.padded(p.crcStored, 8)) stored, \(Hex.padded(p.crcComputed, 8)) computed; the page is ignored (corrupt)"))
                } else {
                    part.diagnostics.append(.error(p.offset, .nvsBadPageState, "page \(p.index): state word \(Hex.padded(p.stateWord, 8)) is not ACTIVE, FULL or FREEING; the page is ignored (corrupt)"))
                }
            }
            if p.hasSeq || (p.stateWord != 0xFFFF_FFFF && p.crcOK) {
                if p.version < 0xFE {
                    part.diagnostics.append(.error(p.offset + 8, .nvsNewVersion, "page \(p.index): format version byte \(Hex.padded(p.version, 2)) is newer than this format (0xfe/0xff): nvs_flash_init fails with ESP_ERR_NVS_NEW_VERSION_FOUND"))
                }
                if p.state == .freeing {
                    part.diagnostics.append(.warning(p.offset, .nvsFreeingPage, "page \(p.index) (seq \(p.seq)) is FREEING: garbage collection was interrupted; at start-up its items are copied to a new page and the newest ACTIVE page is erased"))
                }
                for (i, s) in p.bitmap.enumerated() where s == .illegal {
                    part.diagnostics.append(.warning(p.offset + 32 + i / 4, .nvsIllegalEntryState, "page \(p.index) entry \(i): bitmap state 0b01 (illegal); the entry is erased at start-up"))
                }
            }
        }
        if let e = part.initError {
            part.diagnostics.append(.error(part.offset, .nvsInitFails, "nvs_flash_init fails with \(e): the app reads no values (applications usually erase the partition then)"))
        }
    }

    static func entryDiagnostics(_ part: inout Partition, sim: Startup) {
        for e in part.entries where e.fate == .ignored {
            let at = "page \(e.page) entry \(e.slot)"
            let what = "\(e.type?.entryName ?? "type " + Hex.short(e.typeCode)) '\(e.key)'"
            switch e.drop {
            case .badHeaderCRC:
                part.diagnostics.append(.error(e.offset + 4, .nvsBadEntryCRC, "\(at): header CRC \(Hex.padded(e.crcStored, 8)) stored, \(Hex.padded(e.crcComputed, 8)) computed; the entry is erased at start-up"))
            case .inconsistent:
                if e.type == nil || (!part.rules.floatTypes && (e.type == .float || e.type == .double)) {
                    part.diagnostics.append(.error(e.offset + 1, .nvsUnknownType, "\(at): unknown item type \(Hex.short(e.typeCode)) for these rules (\(part.rules.label)); the entry is erased at start-up"))
                } else {
                    part.diagnostics.append(.error(e.offset + 2, .nvsInconsistentEntry, "\(at): \(what) has a header that fails the consistency check (span \(e.span), chunk \(e.chunkIndex)); erased at start-up"))
                }
            case .halfWritten:
                part.diagnostics.append(.warning(e.offset, .nvsHalfWritten, "\(at): \(what) written but its bitmap slot is still empty (power lost while writing); erased at start-up"))
            case .afterFirstEmpty:
                part.diagnostics.append(.warning(e.offset, .nvsAfterFirstEmpty, "\(at): \(what) lies after the first empty slot of the ACTIVE page; never read"))
            case .incompleteSpan:
                part.diagnostics.append(.warning(e.offset, .nvsIncompleteItem, "\(at): \(what) has data entries not marked written (power lost while writing); erased at start-up"))
            case .duplicate:
                part.diagnostics.append(.warning(e.offset, .nvsDuplicateKey, "\(at): \(what) is an older copy of a key written again later; erased at start-up"))
            case .blobSizeMismatch:
                part.diagnostics.append(.error(e.offset, .nvsBlobMismatch, "\(at): blob index '\(e.key)' does not match its chunks (sizes or count differ); the blob is erased at start-up"))
            case .orphanChunk:
                part.diagnostics.append(.warning(e.offset, .nvsOrphanChunk, "\(at): blob chunk '\(e.key)' #\(e.chunkIndex) belongs to no blob index; erased at start-up"))
            case .badDataCRC:
                part.diagnostics.append(.error(e.offset + 28, .nvsBadDataCRC, "\(at): \(what) data CRC does not match its payload; nvs_get returns ESP_ERR_NVS_NOT_FOUND and erases it"))
            case .illegalState, .pageNotLoaded, .pageErasedAtStartup, .initFailed, nil:
                break
            }
        }
        // Duplicates that survive (the firmware never leaves them).
        struct LiveKey: Hashable { let ns: UInt8; let key: String }
        var seen: [LiveKey: Int] = [:]
        seen.reserveCapacity(part.entries.count)
        for e in part.entries where e.fate == .written && e.nsIndex != 0 && e.type != .blobData {
            let id = LiveKey(ns: e.nsIndex, key: e.key)
            if let first = seen[id] {
                part.diagnostics.append(.warning(e.offset, .nvsDuplicateKey, "page \(e.page) entry \(e.slot): '\(e.key)' also live at \(Hex.short(first)); the app reads the copy on the lower seq page / lower entry"))
            } else { seen[id] = e.offset }
        }
        let assigned = Set(sim.namespaces.map(\.index))
        var reported = Set<UInt8>()
        for e in part.entries where e.fate == .written && e.nsIndex != 0 && e.nsIndex != 0xFF && !assigned.contains(e.nsIndex) {
            if reported.insert(e.nsIndex).inserted {
                part.diagnostics.append(.warning(e.offset, .nvsNoNamespace, "namespace index \(e.nsIndex) (first at page \(e.page) entry \(e.slot)) has no namespace entry: no handle can read its keys"))
            }
        }
        var names: [String: UInt8] = [:]
        for n in part.namespaces {
            if let i = names[n.name], i != n.index {
                part.diagnostics.append(.warning(part.offset, .nvsDuplicateNamespace, "namespace '\(n.name)' is defined twice (index \(i) and \(n.index)); nvs_open uses \(i)"))
            } else { names[n.name] = n.index }
        }
    }

    /// Every item header on flash with its fate, page by page in physical order.
    static func listEntries(_ part: Partition, plain: [PageSlots?], sim: Startup) -> [Entry] {
        var out: [Entry] = []
        let nsNames = Dictionary(sim.namespaces.map { ($0.index, $0.name) }, uniquingKeysWith: { a, _ in a })
        let live = sim.liveSet(pageCount: part.pages.count)
        for p in part.pages where p.state != .empty && p.state != .absent {
            guard let ents = plain[p.index] else { continue }
            var slot = 0
            while slot < entryCount {
                let e = ents[slot]
                let st = p.bitmap[slot]
                if st == .empty && e.isErased { slot += 1; continue }
                var covered = 1
                if crcOK(e), let t = ItemType(rawValue: e[1]), t.isVariableLength, e[2] >= 1 {
                    covered = min(Int(e[2]), entryCount - slot)
                }
                let id = p.index * entryCount + slot
                var fate: Fate
                var drop: Drop? = nil
                if sim.initError != nil {
                    fate = st == .erased ? .erased : .ignored; drop = st == .erased ? nil : .initFailed
                } else if live[id] {
                    fate = .written
                } else if st == .erased {
                    fate = .erased
                } else {
                    fate = .ignored
                    drop = sim.dropReason[id] ?? (p.hasSeq ? .afterFirstEmpty : .pageNotLoaded)
                }
                out.append(Entry(page: p.index, slot: slot, offset: p.offset + 64 + slot * entrySize, bitmap: st, header: e.bytes,
                                 covered: covered, fate: fate, drop: drop,
                                 namespace: e[0] == 0 ? nil : nsNames[e[0]]))
                slot += covered
            }
        }
        return out
    }
}

// MARK: - The start-up model

/// `Page` as the firmware holds it in RAM after `Page::load`, with the operations start-up uses.
final class SimPage {
    var state: NVS.PageState
    var seq: UInt32
    /// Physical page (nil for a page written during start-up).
    let physical: Int?
    var states: [NVS.EntryState]
    /// The entries (plaintext) and, for the half-written test, as stored (the same unless decrypted).
    let entries: NVS.PageSlots
    let stored: NVS.PageSlots
    /// A page written during start-up owns its entries (nil: they are the partition's, owned by `NVS.read`).
    private let owned: UnsafeMutableRawPointer?
    /// The physical entry each slot came from (page * 126 + slot; -1: none, a slot written at start-up);
    /// nil: slot i of `physical` itself.
    var originIndex: [Int32]?
    func origin(_ i: Int) -> Int? {
        if let originIndex { return originIndex[i] < 0 ? nil : Int(originIndex[i]) }
        return physical.map { $0 * NVS.entryCount + i }
    }
    /// `HashList`: entry indices per 24-bit hash, in insertion order.
    var hashList: [UInt32: [Int]] = [:]
    /// Per slot: bit 0–1 header CRC (0 not yet known, 1 good, 2 bad: computed when first asked, as
    /// entries never change once loaded and most slots are data nobody asks about); bit 2: in the hash list.
    var flags: [UInt8]
    static let inHash: UInt8 = 4
    func crcGood(_ i: Int) -> Bool {
        if flags[i] & 3 == 0 { flags[i] |= NVS.crcOK(entries[i]) ? 1 : 2 }
        return flags[i] & 3 == 1
    }
    /// Bumped on every change of entry states (invalidates `firstByKey`).
    var generation = 0
    var keyCache: (generation: Int, map: [NVS.ItemKey: Int])?
    var firstUsed = NVS.invalidEntry
    var nextFree = NVS.invalidEntry
    let rules: NVS.Rules

    /// A physical page as `Page::load` finds it.
    init(state: NVS.PageState, seq: UInt32, physical: Int, states: [NVS.EntryState], entries: NVS.PageSlots,
         stored: NVS.PageSlots, rules: NVS.Rules) {
        self.state = state; self.seq = seq; self.physical = physical; self.states = states
        self.entries = entries; self.stored = stored; owned = nil; self.rules = rules
        flags = [UInt8](repeating: 0, count: NVS.entryCount)
    }

    /// A page start-up writes (erased entries, all slots empty).
    init(freshActive seq: UInt32, rules: NVS.Rules) {
        state = .active; self.seq = seq; physical = nil; self.rules = rules
        states = [NVS.EntryState](repeating: .empty, count: NVS.entryCount)
        let n = NVS.entryCount * NVS.entrySize
        let p = UnsafeMutableRawPointer.allocate(byteCount: n, alignment: 16)
        p.initializeMemory(as: UInt8.self, repeating: 0xFF, count: n)
        owned = p
        entries = NVS.PageSlots(base: p); stored = entries
        originIndex = [Int32](repeating: -1, count: NVS.entryCount)
        flags = [UInt8](repeating: 0, count: NVS.entryCount)
    }
    deinit { owned?.deallocate() }

    /// Writes slot `i` of a page start-up writes (copied from `from`, slot `k`, with its origin and CRC verdict).
    func copyEntry(_ i: Int, from: SimPage, _ k: Int) {
        guard let owned else { preconditionFailure("only a page written at start-up takes entries") }
        precondition(i >= 0 && i < NVS.entryCount, "NVS entry index out of range")
        from.entries[k].withBytes { (owned + i * NVS.entrySize).copyMemory(from: $0.baseAddress!, byteCount: NVS.entrySize) }
        originIndex?[i] = from.origin(k).map(Int32.init) ?? -1
        flags[i] = (flags[i] & ~3) | (from.flags[k] & 3)
    }

    var end: Int { min(nextFree, NVS.entryCount) }

    func hashInsert(_ e: NVS.Slot, _ i: Int) {
        hashList[NVS.itemHash(e), default: []].append(i)
        if i >= 0 && i < NVS.entryCount { flags[i] |= SimPage.inHash }
    }
    /// Entries never change once in the list, so the hash they were inserted with is their own.
    func hashErase(_ i: Int) {
        guard i >= 0, i < NVS.entryCount, flags[i] & SimPage.inHash != 0 else { return }
        flags[i] &= ~SimPage.inHash
        hashList[NVS.itemHash(entries[i])]?.removeAll { $0 == i }
    }
    func hashFind(from start: Int, _ h: UInt32) -> Int? { hashList[h]?.first { $0 >= start } }

    /// Called with (entry index, reason) for every entry erased.
    var onErase: ((Int?, NVS.Drop) -> Void)?

    private func setErased(_ i: Int, _ why: NVS.Drop) {
        guard i < NVS.entryCount else { return }
        if states[i] != .erased { onErase?(origin(i), why) }
        states[i] = .erased
        generation += 1
    }

    /// `Page::eraseEntryAndSpan`.
    func eraseEntryAndSpan(_ index: Int, _ why: NVS.Drop) {
        var span = 1
        if states[index] == .written {
            let e = entries[index]
            hashErase(index)
            if !crcGood(index) {
                setErased(index, why)
            } else {
                span = max(1, Int(e[2]))
                for i in index..<min(index + span, NVS.entryCount) { setErased(i, why) }
            }
        } else {
            setErased(index, why)
        }
        if index == firstUsed { updateFirstUsed(index, span) }
        if index + span > nextFree { nextFree = index + span }
    }

    func updateFirstUsed(_ index: Int, _ span: Int) {
        firstUsed = NVS.invalidEntry
        var i = index + span
        while i < end { if states[i] == .written { firstUsed = i; break }; i += 1 }
    }

    /// `Page::mLoadEntryTable`.
    func loadEntryTable() {
        for i in 0..<NVS.entryCount where states[i] == .written { firstUsed = i; break }
        if state == .active {
            if let i = states.firstIndex(of: .empty) { nextFree = i }
            while nextFree < NVS.entryCount {
                if stored.firstWord(nextFree) != 0xFFFF_FFFF {
                    setErased(nextFree, .halfWritten)
                    nextFree += 1
                } else { break }
            }
            var lastItemIndex = NVS.invalidEntry
            var item: NVS.Slot? = nil
            let end = self.end
            var i = 0
            while i < end {
                var span = 1
                defer { i += span }
                let s = states[i]
                if s == .erased { lastItemIndex = NVS.invalidEntry; continue }
                if s == .illegal { lastItemIndex = NVS.invalidEntry; eraseEntryAndSpan(i, .illegalState); continue }
                lastItemIndex = i
                let e = entries[i]
                item = e
                if !NVS.consistent(e, index: i, rules: rules) {
                    eraseEntryAndSpan(i, NVS.crcOK(e) ? .inconsistent : .badHeaderCRC)
                    continue
                }
                hashInsert(e, i)
                let dup = hashFind(from: 0, NVS.itemHash(e))
                if let t = NVS.ItemType(rawValue: e[1]), t.isVariableLength {
                    span = Int(e[2])
                    var needErase = false
                    var j = i
                    while j < i + span {
                        if j >= NVS.entryCount || states[j] != .written { needErase = true; lastItemIndex = NVS.invalidEntry; break }
                        j += 1
                    }
                    if span == 0 { span = 1 }
                    if needErase { eraseEntryAndSpan(i, .incompleteSpan); continue }
                }
                if let d = dup, d < i { eraseEntryAndSpan(d, .duplicate) }
            }
            if lastItemIndex != NVS.invalidEntry, let it = item {
                if case .found(let idx, _) = findItem(ns: it[0], type: it[1], key: it.keyBytes, from: 0), idx < lastItemIndex {
                    eraseEntryAndSpan(idx, .duplicate)
                }
            }
        } else if state == .full || state == .freeing {
            var i = firstUsed
            while i < NVS.entryCount {
                defer { i += 1 }
                if states[i] != .written { continue }
                let e = entries[i]
                if !NVS.consistent(e, index: i, rules: rules) {
                    eraseEntryAndSpan(i, NVS.crcOK(e) ? .inconsistent : .badHeaderCRC)
                    continue
                }
                hashInsert(e, i)
                let span = max(1, Int(e[2]))
                if let t = NVS.ItemType(rawValue: e[1]), t.isVariableLength {
                    var j = i + 1
                    while j < i + span {
                        if j >= NVS.entryCount || states[j] != .written { eraseEntryAndSpan(i, .incompleteSpan); break }
                        j += 1
                    }
                }
                i += span - 1
            }
        }
    }

    enum Find { case found(Int, NVS.Slot), mismatch(Int), notFound }

    static let any: UInt8 = 0xFF

    /// `Page::findItem`: ns/type 0xFF = any; key nil = any; chunkIdx 0xFF = any; chunkStart nil = any.
    func findItem(ns: UInt8, type: UInt8, key: [UInt8]?, from itemIndex: Int, chunkIdx: UInt8 = 0xFF,
                  chunkStart: UInt8? = nil, hash: UInt32? = nil, normalized: [UInt8]? = nil) -> Find {
        guard state == .active || state == .full || state == .freeing else { return .notFound }
        guard itemIndex < NVS.entryCount else { return .notFound }
        // `nvs_find_key`'s query (ns, any type, key) from the start: the first match of one linear walk,
        // cached per page state (the walk's path does not depend on the query).
        if type == Self.any && ns != Self.any && itemIndex == 0 && chunkIdx == 0xFF && chunkStart == nil, let k = key, let m = firstByKey() {
            guard let i = m[NVS.ItemKey(ns: ns, normalized: normalized ?? NVS.normalizedKey(k))] else { return .notFound }
            return .found(i, entries[i])
        }
        var start = firstUsed
        if itemIndex > firstUsed { start = itemIndex }
        let end = self.end
        let lookupKey = normalized ?? key.map(NVS.normalizedKey)
        if ns != Self.any && type != Self.any, let k = lookupKey {
            guard let c = hashFind(from: start, hash ?? NVS.itemHash(ns: ns, key: k, chunk: chunkIdx)) else { return .notFound }
            start = c
        }
        var i = start
        while i < end {
            var next = i + 1
            defer { i = next }
            if states[i] != .written { continue }
            let e = entries[i]
            if !crcGood(i) { eraseEntryAndSpan(i, .badHeaderCRC); continue }
            if let t = NVS.ItemType(rawValue: e[1]), t.isVariableLength { next = i + max(1, Int(e[2])) }
            if ns != Self.any && e[0] != ns { continue }
            if let k = lookupKey, !keysEqual(k, e) { continue }
            if chunkIdx != 0xFF && type == NVS.ItemType.blobData.rawValue && e[3] != chunkIdx { continue }
            if type == NVS.ItemType.blobIndex.rawValue && e[3] != 0xFF { continue }
            if type == NVS.ItemType.blobIndex.rawValue, let cs = chunkStart, e[29] != cs { continue }
            if type != Self.any && e[1] != type {
                if key == nil && ns == Self.any && chunkIdx == 0xFF { continue }
                return .mismatch(i)
            }
            return .found(i, e)
        }
        return .notFound
    }

    /// The first entry index per (ns, key) along `findItem`'s walk; nil when the walk would erase
    /// something (an entry with a bad header CRC in range), so the literal walk must run.
    func firstByKey() -> [NVS.ItemKey: Int]? {
        if let c = keyCache, c.generation == generation { return c.map }
        var map: [NVS.ItemKey: Int] = [:]
        var i = firstUsed
        while i < end {
            var next = i + 1
            if states[i] == .written {
                guard crcGood(i) else { return nil }
                let e = entries[i]
                if let t = NVS.ItemType(rawValue: e[1]), t.isVariableLength { next = i + max(1, Int(e[2])) }
                let k = NVS.ItemKey(e)
                if map[k] == nil { map[k] = i }
            }
            i = next
        }
        keyCache = (generation, map)
        return map
    }

    /// `strncmp(a, b, 15) == 0`.
    func keysEqual(_ a: [UInt8], _ b: NVS.Slot) -> Bool {
        b.withBytes { p in
            for i in 0..<15 {
                if a[i] != p[8 + i] { return false }
                if a[i] == 0 { return true }
            }
            return true
        }
    }

    /// `Page::eraseItem`.
    @discardableResult
    func eraseItem(ns: UInt8, type: UInt8, key: [UInt8], chunkIdx: UInt8 = 0xFF, chunkStart: UInt8? = nil, _ why: NVS.Drop) -> Bool {
        if case .found(let i, _) = findItem(ns: ns, type: type, key: key, from: 0, chunkIdx: chunkIdx, chunkStart: chunkStart) {
            eraseEntryAndSpan(i, why)
            return true
        }
        return false
    }

    /// Variable-length payload of the item at `index` as `Page::readItem` assembles it; nil if it is short
    /// or its CRC fails.
    func payload(_ index: Int) -> [UInt8]? {
        var ok = false
        let out = [UInt8](unsafeUninitializedCapacity: Int(entries[index].le16(at: 24))) { buf, filled in
            let n = copyPayload(index, into: UnsafeMutableRawBufferPointer(buf))
            filled = n ?? 0
            ok = n != nil
        }
        return ok ? out : nil
    }

    /// Copies the payload of the item at `index` to the start of `out` and checks its CRC: the size, or
    /// nil when it is short (the span or the page ends first), does not fit `out`, or its CRC fails.
    func copyPayload(_ index: Int, into out: UnsafeMutableRawBufferPointer) -> Int? {
        let e = entries[index]
        let size = Int(e.le16(at: 24))
        // The data entries after the header, up to `size` bytes (fewer when the span or page ends first).
        let last = min(index + Int(e[2]), NVS.entryCount)
        let all = entries.bytes
        guard max(0, last - index - 1) * NVS.entrySize >= size, (index + 1) * NVS.entrySize + size <= all.count,
              size <= out.count else { return nil }
        // The entries are the page's bytes (32-byte stride), so the payload is one run of them.
        if size > 0 { out.baseAddress!.copyMemory(from: all.baseAddress! + (index + 1) * NVS.entrySize, byteCount: size) }
        guard Checksums.crc32(UnsafeRawBufferPointer(rebasing: out[0..<size]), seed: 0xFFFF_FFFF) == e.le32(at: 28) else { return nil }
        return size
    }
}

/// Collects why each physical entry was erased (the first reason wins).
final class DropSink {
    var reasons: [Int: NVS.Drop]
    init(_ r: [Int: NVS.Drop]) { reasons = r }
}

/// `PageManager::load` + `Storage::init` + reads, over `SimPage`s.
struct Startup {
    let rules: NVS.Rules
    let readOnly: Bool
    var pages: [SimPage] = []   // in seq order
    var freeCount = 0
    var initError: String?
    var dropReason: [Int: NVS.Drop] = [:]
    struct NS { let name: String; let nameKey: [UInt8]; let index: UInt8 }
    var namespaces: [NS] = []

    /// Absolute offset of the partition (addresses of values are absolute).
    let base: Int
    init(rules: NVS.Rules, readOnly: Bool, base: Int = 0) { self.rules = rules; self.readOnly = readOnly; self.base = base }

    /// Physical entries (page * 126 + slot) that are live after start-up: readable by `findItem`.
    func liveSet(pageCount: Int) -> [Bool] {
        var out = [Bool](repeating: false, count: pageCount * NVS.entryCount)
        // An ACTIVE page whose first written entry lies after its first empty one has firstUsed > end.
        for p in pages where p.firstUsed < p.end {
            for i in p.firstUsed..<p.end where p.states[i] == .written {
                if let o = p.origin(i), o < out.count { out[o] = true }
            }
        }
        return out
    }

    mutating func load(_ pageInfo: [NVS.Page], raw: [NVS.PageSlots?], plain: [NVS.PageSlots?]) {
        let sink = DropSink([:])
        var list: [SimPage] = []
        for p in pageInfo {
            guard p.hasSeq, let b = raw[p.index], let ents = plain[p.index] else {
                // Version check applies to any page with a good CRC and a non-erased state word.
                if p.stateWord != 0xFFFF_FFFF && p.crcOK && p.version < 0xFE && p.state != .absent { initError = "ESP_ERR_NVS_NEW_VERSION_FOUND"; return }
                freeCount += 1
                continue
            }
            if p.version < 0xFE { initError = "ESP_ERR_NVS_NEW_VERSION_FOUND"; return }
            let sp = SimPage(state: p.state, seq: p.seq, physical: p.index, states: p.bitmap, entries: ents, stored: b, rules: rules)
            sp.onErase = { origin, why in if let o = origin, sink.reasons[o] == nil { sink.reasons[o] = why } }
            if !rules.strictHeaderCheck && p.state != .active {
                // Before the strict check a zero span asserted in mLoadEntryTable (ESP_FAIL).
                if (0..<NVS.entryCount).contains(where: { p.bitmap[$0] == .written && NVS.crcOK(ents[$0]) && ents[$0][2] == 0 }) {
                    initError = "ESP_FAIL"; return
                }
            }
            sp.loadEntryTable()
            // Insert keeping ascending seq, equal seqs in physical order.
            if let pos = list.firstIndex(where: { $0.seq > p.seq }) { list.insert(sp, at: pos) } else { list.append(sp) }
        }
        pages = list
        defer { dropReason = sink.reasons }
        guard !pages.isEmpty else {
            if freeCount == 0 && !readOnly { initError = "ESP_ERR_NVS_NO_FREE_PAGES" }
            return
        }
        let nextSeq = pages.last!.seq &+ 1
        if !readOnly {
            // Last-item duplicate.
            let last = pages.last!
            var itemIndex = 0
            var lastItem: NVS.Slot? = nil
            while case .found(let i, let e) = last.findItem(ns: 0xFF, type: 0xFF, key: nil, from: itemIndex) {
                itemIndex = i + max(1, Int(e[2]))
                lastItem = e
            }
            if let it = lastItem {
                var erased = false
                for p in pages.dropLast() where p.state != .freeing {
                    if p.eraseItem(ns: it[0], type: it[1], key: it.keyBytes, chunkIdx: it[3], .duplicate) { erased = true; break }
                }
                if !erased && it[1] == NVS.ItemType.blobIndex.rawValue {
                    for p in pages.dropLast() where p.state != .freeing {
                        if p.eraseItem(ns: it[0], type: NVS.ItemType.blobV1.rawValue, key: it.keyBytes, chunkIdx: it[3], .duplicate) { break }
                    }
                }
            }
            // Interrupted garbage collection.
            if let fi = pages.firstIndex(where: { $0.state == .freeing }) {
                let freeing = pages[fi]
                if let newest = pages.last, newest.state == .active, newest !== freeing {
                    for i in 0..<NVS.entryCount where newest.states[i] != .erased { if let o = newest.origin(i), sink.reasons[o] == nil, newest.states[i] == .written { sink.reasons[o] = .pageErasedAtStartup } }
                    pages.removeLast()
                    freeCount += 1
                }
                if freeCount == 0 { initError = "ESP_ERR_NVS_NO_FREE_PAGES"; return }
                freeCount -= 1
                let fresh = SimPage(freshActive: nextSeq, rules: rules)
                fresh.onErase = freeing.onErase
                fresh.nextFree = 0
                if freeing.firstUsed != NVS.invalidEntry {
                    var r = freeing.firstUsed
                    while r < NVS.entryCount {
                        if freeing.states[r] != .written { r += 1; continue }
                        let e = freeing.entries[r]
                        let span = max(1, Int(e[2]))
                        fresh.hashInsert(e, fresh.nextFree)
                        for k in r..<min(r + span, NVS.entryCount) where fresh.nextFree < NVS.entryCount {
                            fresh.copyEntry(fresh.nextFree, from: freeing, k)
                            fresh.states[fresh.nextFree] = .written
                            if fresh.firstUsed == NVS.invalidEntry { fresh.firstUsed = fresh.nextFree }
                            fresh.nextFree += 1
                        }
                        r += span
                    }
                }
                pages.remove(at: fi)
                freeCount += 1
                pages.append(fresh)
            }
        }
        if !readOnly && freeCount == 0 { initError = "ESP_ERR_NVS_NO_FREE_PAGES" }
    }

    /// `Storage::init` after the page manager: namespaces, then blob clean-up.
    mutating func initStorage() {
        let sink = DropSink(dropReason)
        for p in pages { p.onErase = { o, why in if let o, sink.reasons[o] == nil { sink.reasons[o] = why } } }
        defer { dropReason = sink.reasons }
        for p in pages {
            var idx = 0
            while case .found(let i, let e) = p.findItem(ns: 0, type: NVS.ItemType.u8.rawValue, key: nil, from: idx) {
                let k = e.normalizedKey
                namespaces.append(NS(name: String(decoding: k.prefix { $0 != 0 }, as: UTF8.self), nameKey: k, index: e[24]))
                idx = i + max(1, Int(e[2]))
            }
        }
        struct BlobNode { let key: [UInt8]; let ns: UInt8; let chunkStart: UInt8; let chunkCount: UInt8; let size: UInt32; var seenSize: UInt32 = 0; var seenCount = 0 }
        var list: [BlobNode] = []
        for p in pages {
            var idx = 0
            while case .found(let i, let e) = p.findItem(ns: 0xFF, type: NVS.ItemType.blobIndex.rawValue, key: nil, from: idx) {
                list.append(BlobNode(key: e.normalizedKey, ns: e[0], chunkStart: e[29], chunkCount: e[28], size: e.le32(at: 24)))
                idx = i + max(1, Int(e[2]))
            }
        }
        // Blob indexes by (ns, key), in list order (normalised keys compare as strncmp on 15 bytes does).
        var byKey: [NVS.ItemKey: [Int]] = [:]
        for (n, b) in list.enumerated() { byKey[NVS.ItemKey(ns: b.ns, normalized: b.key), default: []].append(n) }
        for p in pages {
            var idx = 0
            while case .found(let i, let e) = p.findItem(ns: 0xFF, type: NVS.ItemType.blobData.rawValue, key: nil, from: idx) {
                let ck = NVS.ItemKey(e)
                if let n = byKey[ck]?.first(where: { n in
                    let b = list[n]; return e[3] >= b.chunkStart && e[3] < (b.chunkStart == 0 ? 0x80 : 0xFF)
                }) {
                    list[n].seenSize &+= UInt32(e.le16(at: 24)); list[n].seenCount += 1
                }
                idx = i + max(1, Int(e[2]))
            }
        }
        list = list.filter { b in
            if b.seenSize == b.size && b.seenCount == Int(b.chunkCount) { return true }
            for p in pages {
                if p.eraseItem(ns: b.ns, type: NVS.ItemType.blobIndex.rawValue, key: b.key, chunkIdx: 0xFF, chunkStart: b.chunkStart, .blobSizeMismatch) { break }
            }
            return false
        }
        var kept: [NVS.ItemKey: [BlobNode]] = [:]
        for b in list { kept[NVS.ItemKey(ns: b.ns, normalized: b.key), default: []].append(b) }
        for p in pages {
            var idx = 0
            while case .found(let i, let e) = p.findItem(ns: 0xFF, type: NVS.ItemType.blobData.rawValue, key: nil, from: idx) {
                let ck = NVS.ItemKey(e)
                let covered = (kept[ck] ?? []).contains { b in
                    Int(e[3]) >= Int(b.chunkStart) && Int(e[3]) < Int(b.chunkStart) + Int(b.chunkCount)
                }
                if !covered { p.eraseItem(ns: e[0], type: e[1], key: e.keyBytes, chunkIdx: e[3], .orphanChunk) }
                idx = i + max(1, Int(e[2]))
            }
        }
    }

    /// `Storage::findItem`: the first page (in seq order) whose `findItem` succeeds.
    /// `normalized`: `key` is already as `normalizedKey` makes it (resolve's keys are).
    func storageFind(ns: UInt8, type: UInt8, key: [UInt8], chunkIdx: UInt8 = 0xFF, chunkStart: UInt8? = nil,
                     normalized: Bool = false) -> (SimPage, Int, NVS.Slot)? {
        let k = normalized ? key : NVS.normalizedKey(key)
        if type == 0xFF && chunkIdx == 0xFF && chunkStart == nil && ns != 0xFF, let index = anyIndex() {
            guard let (pi, i) = index[NVS.ItemKey(ns: ns, normalized: k)] else { return nil }
            return (pages[pi], i, pages[pi].entries[i])
        }
        let h = NVS.itemHash(ns: ns, key: k, chunk: chunkIdx)
        // Only pages whose hash list holds `h` can answer a typed lookup (findItem starts from a hash hit).
        func find(_ p: SimPage) -> (SimPage, Int, NVS.Slot)? {
            if case .found(let i, let e) = p.findItem(ns: ns, type: type, key: key, from: 0, chunkIdx: chunkIdx, chunkStart: chunkStart,
                                                      hash: h, normalized: k) { return (p, i, e) }
            return nil
        }
        if ns != 0xFF && type != 0xFF, let byHash = hashPages.value {
            for pi in byHash[h] ?? [] { if let r = find(pages[pi]) { return r } }
            return nil
        }
        for p in pages { if let r = find(p) { return r } }
        return nil
    }

    /// `storageFind(ns, any type, key)` for every key at once: the first page (in order) whose walk
    /// meets the key, and the entry. Rebuilt when any page changes; nil when a page needs the literal walk.
    func anyIndex() -> [NVS.ItemKey: (Int, Int)]? {
        let gen = pages.reduce(0) { $0 &+ $1.generation }
        if let c = anyCache.value, c.gen == gen, c.count == pages.count { return c.map }
        var map: [NVS.ItemKey: (Int, Int)] = [:]
        for (pi, p) in pages.enumerated() where p.state == .active || p.state == .full || p.state == .freeing {
            guard let m = p.firstByKey() else { return nil }
            for (k, i) in m where map[k] == nil { map[k] = (pi, i) }
        }
        anyCache.value = (gen, pages.count, map)
        return map
    }
    final class AnyCache { var value: (gen: Int, count: Int, map: [NVS.ItemKey: (Int, Int)])? }
    let anyCache = AnyCache()
    /// Item hash → positions in `pages` whose hash list held it when `resolve` began. Reads only erase
    /// (never insert), so it stays a superset of the pages that can answer: a filter, not an answer.
    final class HashPages { var value: [UInt32: [Int]]? }
    let hashPages = HashPages()

    func address(_ p: SimPage, _ i: Int) -> Int? {
        guard let o = p.origin(i) else { return nil }
        return base + (o / NVS.entryCount) * NVS.pageSize + 64 + (o % NVS.entryCount) * NVS.entrySize
    }
    func addresses(_ p: SimPage, _ i: Int, span: Int) -> NVS.EntryOffsets {
        var out = NVS.EntryOffsets()
        appendAddresses(p, i, span: span, to: &out)
        return out
    }
    /// The entries `i ..< i + span` (within the page) of `p`; one run on a physical page.
    func appendAddresses(_ p: SimPage, _ i: Int, span: Int, to out: inout NVS.EntryOffsets) {
        let end = min(i + max(1, span), NVS.entryCount)
        guard i < end else { return }
        if p.originIndex == nil, let a = address(p, i) { out.append(run: a, count: end - i); return }
        for k in i..<end { if let a = address(p, k) { out.append(a) } }
    }
    func location(_ p: SimPage, _ i: Int) -> (Int, Int) {
        guard let o = p.origin(i) else { return (-1, i) }
        return (o / NVS.entryCount, o % NVS.entryCount)
    }

    /// What `nvs_get_*` returns for every reachable key, in order of first appearance.
    mutating func resolve() -> [NVS.Resolved] {
        let sink = DropSink(dropReason)
        for p in pages { p.onErase = { o, why in if let o, sink.reasons[o] == nil { sink.reasons[o] = why } } }
        defer { dropReason = sink.reasons; hashPages.value = nil }
        var byHash: [UInt32: [Int]] = [:]
        for (pi, p) in pages.enumerated() {
            for (h, list) in p.hashList where !list.isEmpty { byHash[h, default: []].append(pi) }
        }
        hashPages.value = byHash
        // Keys in order of first appearance.
        var keys: [(UInt8, [UInt8])] = []
        var seen = Set<NVS.ItemKey>()
        for p in pages {
            var i = p.firstUsed == NVS.invalidEntry ? NVS.entryCount : p.firstUsed
            while i < p.end {
                let e = p.entries[i]
                var next = i + 1
                if p.states[i] == .written {
                    if let t = NVS.ItemType(rawValue: e[1]), t.isVariableLength { next = i + max(1, Int(e[2])) }
                    if e[0] != 0 {
                        let k = e.normalizedKey
                        if seen.insert(NVS.ItemKey(ns: e[0], normalized: k)).inserted { keys.append((e[0], k)) }
                    }
                }
                i = next
            }
        }
        var out: [NVS.Resolved] = []
        // Reachable namespaces: the first entry of each name.
        var byName: [(name: String, index: UInt8)] = []
        for n in namespaces where !byName.contains(where: { $0.name == n.name }) { byName.append((n.name, n.index)) }
        for (ns, key) in keys {
            let names = byName.filter { $0.index == ns }.map(\.name)
            guard !names.isEmpty else { continue }
            guard let v = read(ns: ns, key: key) else { continue }
            for name in names {
                out.append(NVS.Resolved(namespace: name, nsIndex: ns, key: String(decoding: key.prefix { $0 != 0 }, as: UTF8.self),
                                        type: v.type, value: v.value, entries: v.entries, page: v.page, slot: v.slot))
            }
        }
        return out
    }

    /// One key (`key` normalised, as `resolve` lists them): the type `nvs_find_key` reports, then the read with that type.
    func read(ns: UInt8, key: [UInt8]) -> (type: NVS.ItemType, value: NVS.Value, entries: NVS.EntryOffsets, page: Int, slot: Int)? {
        guard let (_, _, first) = storageFind(ns: ns, type: 0xFF, key: key, normalized: true), let t = NVS.ItemType(rawValue: first[1]) else { return nil }
        switch t {
        case .blobData, .blobIndex, .blobV1:
            if let r = readMultiPageBlob(ns: ns, key: key) { return r }
            guard let (p, i, e) = storageFind(ns: ns, type: NVS.ItemType.blobV1.rawValue, key: key, normalized: true),
                  let data = payload(p, i) else { return nil }
            let (pg, sl) = location(p, i)
            return (.blobV1, .blob(data), addresses(p, i, span: Int(e[2])), pg, sl)
        case .string:
            guard let (p, i, e) = storageFind(ns: ns, type: t.rawValue, key: key, normalized: true), let data = payload(p, i) else { return nil }
            let (pg, sl) = location(p, i)
            return (.string, .string(data), addresses(p, i, span: Int(e[2])), pg, sl)
        default:
            if (t == .float || t == .double) && !rules.floatTypes { return nil }
            guard let (p, i, e) = storageFind(ns: ns, type: t.rawValue, key: key, normalized: true) else { return nil }
            let n = Int(t.rawValue & 0x0F)
            var u: UInt64 = 0
            for k in 0..<n { u |= UInt64(e[24 + k]) << UInt64(8 * k) }
            let v: NVS.Value
            switch t {
            case .float: v = .float(Float(bitPattern: UInt32(truncatingIfNeeded: u)))
            case .double: v = .double(Double(bitPattern: u))
            default:
                if t.rawValue & 0x10 != 0 {
                    let shift = UInt64(64 - 8 * n)
                    v = .signed(Int64(bitPattern: u << shift) >> Int64(shift))
                } else { v = .unsigned(u) }
            }
            let (pg, sl) = location(p, i)
            return (t, v, addresses(p, i, span: 1), pg, sl)
        }
    }

    /// `Page::readItem`: the payload, or nil after erasing an item whose payload fails its check.
    func payload(_ p: SimPage, _ i: Int) -> [UInt8]? {
        if let d = p.payload(i) { return d }
        p.eraseEntryAndSpan(i, .badDataCRC)
        return nil
    }

    func readMultiPageBlob(ns: UInt8, key: [UInt8]) -> (type: NVS.ItemType, value: NVS.Value, entries: NVS.EntryOffsets, page: Int, slot: Int)? {
        guard let (ip, ii, idx) = storageFind(ns: ns, type: NVS.ItemType.blobIndex.rawValue, key: key, normalized: true) else { return nil }
        let count = Int(idx[28]), start = Int(idx[29]), size = Int(idx.le32(at: 24))
        // No chunk's payload is longer than a page's data entries, so `count` chunks fill at most `cap`
        // bytes: that is all that is allocated, whatever size a (hostile) index claims. A larger claim
        // still walks its chunks as the firmware does (a chunk failing its check is erased), then fails.
        let cap = min(size, count * (NVS.entryCount - 1) * NVS.entrySize)
        var addrs = NVS.EntryOffsets()
        var complete = false
        // The chunks are copied straight into the value (nothing is zero-filled or copied twice).
        let data = [UInt8](unsafeUninitializedCapacity: cap) { buf, filled in
            filled = 0
            for n in 0..<count {
                let c = start + n
                guard c < 0xFF, let (p, i, e) = storageFind(ns: ns, type: NVS.ItemType.blobData.rawValue, key: key, chunkIdx: UInt8(c), normalized: true) else { return }
                guard Int(e.le16(at: 24)) <= size - filled else { return }
                guard let n = p.copyPayload(i, into: UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buf[filled..<cap]))) else {
                    p.eraseEntryAndSpan(i, .badDataCRC)
                    return
                }
                filled += n
                appendAddresses(p, i, span: Int(e[2]), to: &addrs)
            }
            complete = filled == size
        }
        guard complete else { return nil }
        let (pg, sl) = location(ip, ii)
        if let a = address(ip, ii) { addrs.append(a) }
        return (.blobIndex, .blob(data), addrs, pg, sl)
    }
}

extension DiagnosticCode {
    public static let nvsBadHeaderCRC: DiagnosticCode = "nvs_bad_header_crc"
    public static let nvsBadPageState: DiagnosticCode = "nvs_bad_page_state"
    public static let nvsPageNotEmpty: DiagnosticCode = "nvs_page_not_empty"
    public static let nvsNewVersion: DiagnosticCode = "nvs_new_version"
    public static let nvsFreeingPage: DiagnosticCode = "nvs_freeing_page"
    public static let nvsIllegalEntryState: DiagnosticCode = "nvs_illegal_entry_state"
    public static let nvsInitFails: DiagnosticCode = "nvs_init_fails"
    public static let nvsBadEntryCRC: DiagnosticCode = "nvs_bad_entry_crc"
    public static let nvsUnknownType: DiagnosticCode = "nvs_unknown_type"
    public static let nvsInconsistentEntry: DiagnosticCode = "nvs_inconsistent_entry"
    public static let nvsHalfWritten: DiagnosticCode = "nvs_half_written"
    public static let nvsAfterFirstEmpty: DiagnosticCode = "nvs_after_first_empty"
    public static let nvsIncompleteItem: DiagnosticCode = "nvs_incomplete_item"
    public static let nvsDuplicateKey: DiagnosticCode = "nvs_duplicate_key"
    public static let nvsDuplicateNamespace: DiagnosticCode = "nvs_duplicate_namespace"
    public static let nvsBlobMismatch: DiagnosticCode = "nvs_blob_mismatch"
    public static let nvsOrphanChunk: DiagnosticCode = "nvs_orphan_chunk"
    public static let nvsBadDataCRC: DiagnosticCode = "nvs_bad_data_crc"
    public static let nvsNoNamespace: DiagnosticCode = "nvs_no_namespace"
    public static let nvsEncrypted: DiagnosticCode = "nvs_encrypted"
    public static let nvsWrongKey: DiagnosticCode = "nvs_wrong_key"
    public static let nvsTruncated: DiagnosticCode = "nvs_truncated"
    public static let nvsSizeNotPages: DiagnosticCode = "nvs_size_not_pages"
}
