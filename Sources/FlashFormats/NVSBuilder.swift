import Crypto

/// The NVS encoder: builds a partition from the official CSV byte for byte as
/// `esp-idf-nvs-partition-gen generate` (0.3.0) does, quirks included (NVS.md §11), and writes such a
/// CSV from resolved values. Pure: the caller reads `file` rows (`readFile`).
public enum NVSBuilder {
    public struct CSVError: Error, Equatable, CustomStringConvertible {
        /// 1-based line of the CSV (0 when not about one line).
        public let line: Int
        public let message: String
        public init(line: Int, _ message: String) { self.line = line; self.message = message }
        public var description: String { line > 0 ? "line \(line): \(message)" : message }
    }

    /// One CSV record: the generator reads the columns by name.
    public struct Row: Sendable, Equatable {
        public let line: Int
        public let key: String?
        public let type: String?
        public let encoding: String?
        public let value: String?
    }

    /// The generator's cut-off for one CSV field (Python's csv.field_size_limit()).
    public static let fieldLimit = 131_072

    // MARK: CSV reading (Python csv, excel dialect, lines starting with # removed first)

    public static func parseCSV(_ text: String) throws(CSVError) -> [Row] {
        // Universal newlines, then drop comment lines (first character '#').
        let normalised = text.replacingCRLF()
        var lines: [(Int, String)] = []
        var n = 0
        var rest = Substring(normalised)
        while !rest.isEmpty {
            n += 1
            if let nl = rest.firstIndex(of: "\n") {
                lines.append((n, String(rest[...nl]))); rest = rest[rest.index(after: nl)...]
            } else { lines.append((n, String(rest))); rest = "" }
        }
        // Python tests the line's first code point (a '#' with a combining mark after it still starts a comment).
        lines = lines.filter { $0.1.unicodeScalars.first != "#" }
        // Records (a quoted field may span lines). Code point by code point, as the csv module reads: a
        // quote or comma followed by a combining mark is still a quote or a comma.
        var records: [(Int, [String])] = []
        var li = 0
        while li < lines.count {
            let startLine = lines[li].0
            var fields: [String] = []
            var field = String.UnicodeScalarView()
            var fieldCount = 0
            var inQuotes = false, quotedField = false, afterQuote = false
            var done = false
            var any = false
            func take(_ u: Unicode.Scalar) throws(CSVError) {
                field.append(u)
                fieldCount += 1
                if fieldCount > fieldLimit {
                    throw CSVError(line: startLine, "field larger than field limit (\(fieldLimit)) (the generator's csv module refuses it; use a file row)")
                }
            }
            func endField() { fields.append(String(field)); field = String.UnicodeScalarView(); fieldCount = 0 }
            while !done && li < lines.count {
                let line = lines[li].1
                li += 1
                // Each line keeps its "\n" (the last may have none): inside quotes it is part of the field.
                for u in line.unicodeScalars {
                    if inQuotes {
                        if u == "\"" { inQuotes = false; afterQuote = true } else { try take(u) }
                        continue
                    }
                    if afterQuote && u == "\"" { try take(u); inQuotes = true; afterQuote = false; continue }
                    afterQuote = false
                    switch u {
                    case ",": endField(); quotedField = false; any = true
                    case "\n": done = true
                    case "\"" where fieldCount == 0 && !quotedField: inQuotes = true; quotedField = true; any = true
                    default: try take(u); any = true
                    }
                    if done { break }
                }
                if !inQuotes { done = true }
            }
            if inQuotes { throw CSVError(line: startLine, "unexpected end of data inside a quoted field") }
            if any || fieldCount > 0 { endField() }
            if !fields.isEmpty { records.append((startLine, fields)) }
        }
        guard let header = records.first else { return [] }
        let names = header.1
        func col(_ name: String, _ r: [String]) -> String? {
            guard let i = names.firstIndex(of: name), i < r.count else { return nil }
            return r[i]
        }
        return records.dropFirst().map { (line, r) in
            Row(line: line, key: col("key", r), type: col("type", r), encoding: col("encoding", r), value: col("value", r))
        }
    }

    // MARK: Generating

    public enum Version: Sendable { case v1, v2 }

    /// Builds the partition `generate CSV OUT SIZE [--version N]` writes (or `encrypt … --inputkey` with `keys`).
    /// `readFile` returns a `file` row's bytes (nil: cannot be read).
    public static func generate(csv: String, size: Int, version: Version = .v2, keys: NVS.Keys? = nil,
                                readFile: (String) -> [UInt8]?) throws(CSVError) -> [UInt8] {
        let rows = try parseCSV(csv)
        guard size % NVS.pageSize == 0 else { throw CSVError(line: 0, "size of partition must be a multiple of 4096") }
        guard size >= NVS.pageSize else { throw CSVError(line: 0, "minimum partition size for read/write NVS is 0x3000 bytes and for read-only NVS is 0x1000 bytes") }
        var g = Generator(size: size, version: version, keys: keys)
        for row in rows {
            guard let key = row.key else { throw CSVError(line: row.line, "row has no key column") }
            guard key.count <= 15 else { throw CSVError(line: row.line, "Length of key `\(key)` should be <= 15 characters.") }
            try g.row(key: key, type: row.type ?? "", encoding: row.encoding, value: row.value, line: row.line, readFile: readFile)
        }
        return try g.finish()
    }

    enum Data { case text(String), bytes([UInt8]) }

    struct Generator {
        var pages: [[UInt8]] = []
        var entryNum = 0
        var pageNum = -1
        var sizeLeft: Int?
        let version: Version
        let readOnly: Bool
        let keys: NVS.Keys?
        var namespaceCount = 0
        var written: [String: Int] = [:]
        var wifiExtrasWritten = false
        var apSSID: String?, apPass: String?, apAuth: String?
        var line = 0

        init(size: Int, version: Version, keys: NVS.Keys?) {
            let reserved = size - NVS.pageSize
            if reserved < 2 * NVS.pageSize { sizeLeft = size; readOnly = true } else { sizeLeft = reserved; readOnly = false }
            self.version = version
            self.keys = keys
            try? newPage()
        }

        var versionByte: UInt8 { version == .v2 ? 0xFE : 0xFF }

        mutating func newPage(reserved: Bool = false, empty: Bool = false) throws(CSVError) {
            if !pages.isEmpty && !empty, pages[pages.count - 1].le32(at: 0) == 0xFFFF_FFFE {
                pages[pages.count - 1].putLE(0xFFFF_FFFC, at: 0)
            }
            if sizeLeft == 0 { throw CSVError(line: line, "the CSV's data does not fit in the partition size (Error: Size parameter is less than the size of data in csv)") }
            if !reserved, let s = sizeLeft { sizeLeft = s - NVS.pageSize }
            pageNum += 1
            var p = [UInt8](repeating: 0xFF, count: NVS.pageSize)
            if !reserved && !empty {
                p.putLE(0xFFFF_FFFE, at: 0)
                p.putLE(UInt32(truncatingIfNeeded: pageNum), at: 4)
                p[8] = versionByte
                p.putLE(NVS.pageHeaderCRC(p), at: 28)
            }
            pages.append(p)
            entryNum = 0
        }

        mutating func finish() throws(CSVError) -> [UInt8] {
            if !readOnly {
                while true {
                    if sizeLeft == 0 { sizeLeft = nil; try newPage(reserved: true, empty: true); break }
                    try newPage(empty: true)
                }
            }
            return Array(pages.joined())
        }

        /// `write_entry_to_buf`: `count` entries from `data` at the current entry, bitmap bits set.
        mutating func put(_ data: [UInt8], count: Int) {
            let cur = pages.count - 1
            for k in 0..<count {
                var ent = [UInt8](repeating: 0xFF, count: 32)
                let lo = k * 32
                if lo < data.count { let hi = min(data.count, lo + 32); ent.replaceSubrange(0..<(hi - lo), with: data[lo..<hi]) }
                let at = 64 + (entryNum) * 32
                if let keys {
                    ent = keys.crypt(ent, relative: pageNum * NVS.pageSize + at, encrypt: true) ?? ent
                    pages[cur].replaceSubrange(at..<(at + 32), with: ent)
                } else {
                    let n = min(32, max(0, data.count - lo))
                    pages[cur].replaceSubrange(at..<(at + n), with: data[lo..<(lo + n)])
                }
                let bit = entryNum * 2
                pages[cur][32 + bit / 8] &= ~(UInt8(1) << UInt8(bit & 7))
                entryNum += 1
            }
        }

        func header(ns: Int, type: UInt8, span: UInt8, chunk: UInt8, key: String) -> [UInt8] {
            var e = [UInt8](repeating: 0xFF, count: 32)
            e[0] = UInt8(truncatingIfNeeded: ns); e[1] = type; e[2] = span; e[3] = chunk
            for i in 8..<24 { e[i] = 0 }
            for (i, b) in key.utf8.prefix(16).enumerated() { e[8 + i] = b }
            return e
        }

        func sealed(_ e: [UInt8]) -> [UInt8] { var e = e; e.putLE(NVS.headerCRC(e), at: 4); return e }

        mutating func primitive(key: String, value: Int128, encoding: String, ns: Int) throws(CSVError) {
            if entryNum >= NVS.entryCount { try newPage() }
            let spec: (UInt8, Int, Int128, Int128)
            switch encoding {
            case "u8": spec = (0x01, 1, 0, 0xFF)
            case "i8": spec = (0x11, 1, -0x80, 0x7F)
            case "u16": spec = (0x02, 2, 0, 0xFFFF)
            case "i16": spec = (0x12, 2, -0x8000, 0x7FFF)
            case "u32": spec = (0x04, 4, 0, 0xFFFF_FFFF)
            case "i32": spec = (0x14, 4, -0x8000_0000, 0x7FFF_FFFF)
            case "u64": spec = (0x08, 8, 0, Int128(UInt64.max))
            default: spec = (0x18, 8, Int128(Int64.min), Int128(Int64.max))
            }
            guard value >= spec.2 && value <= spec.3 else {
                throw CSVError(line: line, "value \(value) of '\(key)' is out of range for \(encoding) (\(spec.2) to \(spec.3))")
            }
            var e = header(ns: ns, type: spec.0, span: 1, chunk: 0xFF, key: key)
            let bits = UInt128(truncatingIfNeeded: value)
            for k in 0..<spec.1 { e[24 + k] = UInt8(truncatingIfNeeded: bits >> UInt128(8 * k)) }
            put(sealed(e), count: 1)
        }

        mutating func varlen(key: String, data: [UInt8], isString: Bool, ns: Int, isBlob: Bool) throws(CSVError) {
            try varlenOnce(key: key, data: data, isString: isString, ns: ns, isBlob: isBlob, retry: true)
        }

        mutating func varlenOnce(key: String, data: [UInt8], isString: Bool, ns: Int, isBlob: Bool, retry: Bool) throws(CSVError) {
            let limit = version == .v1 ? 1984 : 4000
            if (version == .v1 || isString) && data.count > limit {
                throw CSVError(line: line, "Size (\(data.count)) exceeds max allowed length `\(limit)` bytes for key `\(key)`.")
            }
            let dataEntries = (data.count + 31) / 32
            let total = dataEntries + 1
            var full = entryNum >= NVS.entryCount
            if !full && entryNum + total >= NVS.entryCount && !(version == .v2 && isBlob) { full = true }
            if full {
                guard retry else { throw CSVError(line: line, "'\(key)' (\(data.count) bytes) does not fit in one page (the generator fails on it)") }
                try newPage()
                return try varlenOnce(key: key, data: data, isString: isString, ns: ns, isBlob: isBlob, retry: false)
            }
            if version == .v2 && isBlob {
                try multiPage(key: key, data: data, ns: ns)
                return
            }
            var e = header(ns: ns, type: isString ? 0x21 : 0x41, span: UInt8(truncatingIfNeeded: total), chunk: 0xFF, key: key)
            e[24] = UInt8(data.count & 0xFF); e[25] = UInt8((data.count >> 8) & 0xFF)
            e.putLE(Checksums.crc32(data, seed: 0xFFFF_FFFF), at: 28)
            put(sealed(e), count: 1)
            put(data, count: dataEntries)
        }

        mutating func multiPage(key: String, data: [UInt8], ns: Int) throws(CSVError) {
            var e = header(ns: ns, type: 0x42, span: 0, chunk: 0xFF, key: key)
            var offset = 0
            var remaining = data.count
            var count = 0
            while true {
                let tail = (NVS.entryCount - entryNum - 1) * 32
                let chunkSize = min(tail, remaining)
                remaining -= chunkSize
                let entries = (chunkSize + 31) / 32
                e[1] = 0x42
                e[2] = UInt8(truncatingIfNeeded: entries + 1)
                e[3] = UInt8(truncatingIfNeeded: count)
                let chunk = Array(data[offset..<(offset + chunkSize)])
                e[24] = UInt8(chunkSize & 0xFF); e[25] = UInt8((chunkSize >> 8) & 0xFF)
                e.putLE(Checksums.crc32(chunk, seed: 0xFFFF_FFFF), at: 28)
                e = sealed(e)
                put(e, count: 1)
                put(chunk, count: entries)
                count += 1
                if remaining > 0 || tail - chunkSize < 32 { try newPage() }
                offset += chunkSize
                if remaining == 0 {
                    for i in 24..<32 { e[i] = 0xFF }
                    e[1] = 0x48; e[2] = 1; e[3] = 0xFF
                    e.putLE(UInt32(truncatingIfNeeded: data.count), at: 24)
                    e[28] = UInt8(truncatingIfNeeded: count); e[29] = 0
                    put(sealed(e), count: 1)
                    return
                }
            }
        }

        mutating func namespace(_ name: String) throws(CSVError) {
            if let i = written[name] { _ = i; return }
            namespaceCount += 1
            if namespaceCount > 254 { throw CSVError(line: line, "more than 254 namespaces") }
            try primitive(key: name, value: Int128(namespaceCount), encoding: "u8", ns: 0)
            written[name] = namespaceCount
        }

        /// `NVS.write_entry`: encodings, then the write.
        mutating func entry(key: String, value: Data, encoding: String, ns: Int) throws(CSVError) {
            var encoding = encoding
            var value = value
            if encoding.hasPrefix("blob_fill") || encoding.hasPrefix("blob_sz_fill") {
                guard let (sz, length, pad) = parseFill(encoding) else { throw CSVError(line: line, "\(encoding): Invalid encoding format.") }
                guard case .text(let t) = value else { throw CSVError(line: line, "\(encoding) takes an inline value, not a file") }
                let vb = Array(t.utf8)
                guard vb.count <= length else { throw CSVError(line: line, "\(key): Value length exceeds specified length.") }
                var d: [UInt8] = []
                if sz { d.appendLE(UInt32(vb.count)) }
                d += vb + [UInt8](repeating: pad, count: length - vb.count)
                value = .bytes(d); encoding = "hex2bin"
            } else if encoding == "hex2bin" {
                let t: String
                switch value { case .text(let s): t = s; case .bytes(let b): t = String(decoding: b, as: UTF8.self) }
                let s = t.pythonStripped()
                guard s.count % 2 == 0 else { throw CSVError(line: line, "\(key): Invalid data length. Should be multiple of 2.") }
                guard let b = hexBytes(s) else { throw CSVError(line: line, "\(key): not hexadecimal (Non-hexadecimal digit found)") }
                value = .bytes(b)
            } else if encoding == "base64" {
                let t: [UInt8]
                switch value { case .text(let s): t = Array(s.utf8); case .bytes(let b): t = b }
                guard let b = base64Lenient(t) else { throw CSVError(line: line, "\(key): base64 value has incorrect padding") }
                value = .bytes(b)
            } else if encoding == "string" {
                switch value {
                case .text(let s): value = .bytes(Array(s.utf8) + [0])
                case .bytes(let b):
                    guard String(validating: b, as: UTF8.self) != nil else { throw CSVError(line: line, "\(key): file is not UTF-8 text") }
                    value = .bytes(b + [0])
                }
            }
            let lower = encoding.lowercased()
            switch lower {
            case "string", "binary", "hex2bin", "base64":
                let bytes: [UInt8]
                switch value {
                case .bytes(let b): bytes = b
                case .text(let s):
                    if lower != "string" && s.unicodeScalars.contains(where: { !$0.isASCII }) {
                        throw CSVError(line: line, "\(key): non-ASCII text with encoding \(encoding) (the generator mis-sizes it); use hex2bin")
                    }
                    bytes = Array(s.utf8)
                }
                try varlen(key: key, data: bytes, isString: lower == "string", ns: ns, isBlob: lower != "string")
            case "u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64":
                let t: String
                switch value { case .text(let s): t = s; case .bytes(let b): t = String(decoding: b, as: UTF8.self) }
                guard let v = pythonInt(t) else { throw CSVError(line: line, "\(key): '\(t)' is not a decimal integer") }
                try primitive(key: key, value: v, encoding: lower, ns: ns)
            default:
                throw CSVError(line: line, "\(encoding): Unsupported encoding")
            }
        }

        /// The top-level `write_entry`: Wi-Fi extras, file rows, namespaces.
        mutating func row(key: String, type: String, encoding: String?, value: String?, line: Int,
                          readFile: (String) -> [UInt8]?) throws(CSVError) {
            self.line = line
            guard key.utf8.count == key.count else { throw CSVError(line: line, "key `\(key)` is not ASCII (the generator writes such keys wrongly)") }
            let ns = namespaceCount
            if ["ap.ssid", "ap.passwd", "ap.authmode"].contains(key) {
                if key == "ap.ssid" { apSSID = value }
                if key == "ap.passwd" { apPass = value }
                if key == "ap.authmode" && value != "0" { apAuth = value }
                if let s = apSSID, let p = apPass, !s.isEmpty, !p.isEmpty, let a = apAuth, !a.isEmpty {
                    let pmk = WiFiPMK.derive(password: Array(p.utf8), ssid: Array(s.utf8))
                    try entry(key: "ap.pmk_info", value: .bytes([UInt8](repeating: 0, count: 100) + pmk), encoding: "binary", ns: ns)
                }
            }
            if key == "sta.ssid" || key == "sta.pswd" {
                try entry(key: key, value: .text(value ?? ""), encoding: encoding ?? "", ns: ns)
                if !wifiExtrasWritten {
                    try entry(key: "sta.apinfo", value: .bytes([UInt8](repeating: 0xFF, count: 140)), encoding: "binary", ns: ns)
                    try entry(key: "sta.pmk", value: .bytes([UInt8](repeating: 0, count: 32)), encoding: "binary", ns: ns)
                    try entry(key: "sta.apsw", value: .bytes([0, 0]), encoding: "binary", ns: ns)
                    wifiExtrasWritten = true
                }
                return
            }
            var data: Data = .text(value ?? "")
            if type == "file" {
                guard let path = value, let b = readFile(path) else { throw CSVError(line: line, "cannot read the file `\(value ?? "")` of key `\(key)`") }
                data = .bytes(b)
            }
            if type == "namespace" { try namespace(key); return }
            guard let encoding else { throw CSVError(line: line, "row of `\(key)` has no encoding") }
            try entry(key: key, value: data, encoding: encoding, ns: ns)
        }
    }

    static func parseFill(_ enc: String) -> (Bool, Int, UInt8)? {
        let sz = enc.hasPrefix("blob_sz_fill(")
        guard sz || enc.hasPrefix("blob_fill(") else { return nil }
        let body = enc.dropFirst(sz ? 13 : 10)
        guard let semi = body.firstIndex(of: ";") else { return nil }
        let digits = body[..<semi]
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(digits), n <= 1 << 24 else { return nil }
        let after = body[body.index(after: semi)...]
        guard after.count >= 5, after.hasPrefix("0x") else { return nil }
        let hh = after.dropFirst(2).prefix(2)
        guard let pad = UInt8(hh, radix: 16), hh.count == 2, after.dropFirst(4).first == ")" else { return nil }
        return (sz, n, pad)
    }

    static func hexBytes(_ s: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count / 2)
        var hi: UInt8? = nil
        for c in s.utf8 {
            let v: UInt8
            switch c {
            case 0x30...0x39: v = c - 0x30
            case 0x61...0x66: v = c - 0x57
            case 0x41...0x46: v = c - 0x37
            default: return nil
            }
            if let h = hi { out.append(h << 4 | v); hi = nil } else { hi = v }
        }
        return hi == nil ? out : nil
    }

    /// CPython's `binascii.a2b_base64` without strict mode: skips foreign characters, stops at the padding.
    static func base64Lenient(_ input: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        var quad = 0, left: UInt32 = 0, pads = 0
        for c in input {
            if c == UInt8(ascii: "=") {
                if quad >= 2 { pads += 1; if quad + pads >= 4 { return out } }
                continue
            }
            let v: UInt32
            switch c {
            case 0x41...0x5A: v = UInt32(c - 0x41)
            case 0x61...0x7A: v = UInt32(c - 0x61 + 26)
            case 0x30...0x39: v = UInt32(c - 0x30 + 52)
            case UInt8(ascii: "+"): v = 62
            case UInt8(ascii: "/"): v = 63
            default: continue
            }
            pads = 0
            switch quad {
            case 0: left = v; quad = 1
            case 1: out.append(UInt8((left << 2 | v >> 4) & 0xFF)); left = v & 0x0F; quad = 2
            case 2: out.append(UInt8((left << 4 | v >> 2) & 0xFF)); left = v & 0x03; quad = 3
            default: out.append(UInt8((left << 6 | v) & 0xFF)); quad = 0
            }
        }
        return quad == 0 ? out : nil
    }

    /// Python `int(text)` for decimal text: surrounding white space, a sign, digits with single underscores.
    static func pythonInt(_ text: String) -> Int128? {
        var s = Substring(text.pythonStripped())
        var neg = false
        if s.first == "-" { neg = true; s = s.dropFirst() } else if s.first == "+" { s = s.dropFirst() }
        guard let f = s.first, f.isASCII, f.isNumber, let l = s.last, l.isASCII, l.isNumber, !s.contains("__") else { return nil }
        var v: Int128 = 0
        for c in s where c != "_" {
            guard c.isASCII, let d = c.wholeNumberValue else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int128(d))
            if o1 || o2 || a > Int128(UInt64.max) * 4 { return nil }
            v = a
        }
        return neg ? -v : v
    }

    // MARK: CSV writing

    /// A `file` row the CSV refers to: its name (as written in the CSV) and content.
    public struct SideFile: Sendable, Equatable { public let path: String; public let bytes: [UInt8] }

    /// Blobs longer than this go to `file` rows (the generator's csv field limit, in hex digits).
    public static let inlineBlobLimit = 65_536

    /// A CSV the generator accepts that regenerates these values (§11.6). `sidePath(ns, key)` names
    /// the file for a blob too long to be inline. Values the generator cannot express (float, double,
    /// strings that are not UTF-8 or hold a NUL) become comment lines and are listed in `skipped`.
    public static func csv(_ values: [NVS.Resolved], sidePath: (String, String) -> String)
        -> (text: String, files: [SideFile], skipped: [NVS.Resolved]) {
        var out = "key,type,encoding,value\n"
        var files: [SideFile] = []
        var skipped: [NVS.Resolved] = []
        var order: [String] = []
        for v in values where !order.contains(v.namespace) { order.append(v.namespace) }
        for ns in order {
            out += "\(csvField(ns)),namespace,,\n"
            for v in values where v.namespace == ns {
                let k = csvField(v.key)
                switch v.value {
                case .unsigned(let u): out += "\(k),data,\(v.type.csvName),\(u)\n"
                case .signed(let i): out += "\(k),data,\(v.type.csvName),\(i)\n"
                case .string(let b):
                    let body = b.last == 0 ? Array(b.dropLast()) : b
                    if let s = String(validating: body, as: UTF8.self), !body.contains(0) {
                        out += "\(k),data,string,\(csvField(s))\n"
                    } else {
                        out += "# \(v.key.csvCommentSafe): string that is not UTF-8 text or holds a NUL (the generator cannot write it)\n"
                        skipped.append(v)
                    }
                case .blob(let b):
                    if b.count <= inlineBlobLimit / 2 * 2 && b.count * 2 <= fieldLimit && b.count <= inlineBlobLimit {
                        out += "\(k),data,hex2bin,\(Hex.bytes(b))\n"
                    } else {
                        let p = sidePath(v.namespace, v.key)
                        files.append(SideFile(path: p, bytes: b))
                        out += "\(k),file,binary,\(csvField(p))\n"
                    }
                case .float(let f):
                    out += "# \(v.key.csvCommentSafe): float \(f) (the generator has no float type)\n"; skipped.append(v)
                case .double(let d):
                    out += "# \(v.key.csvCommentSafe): double \(d) (the generator has no double type)\n"; skipped.append(v)
                }
            }
        }
        return (out, files, skipped)
    }

    /// Quoted when the csv module would split or strip it (and when it would read as a comment); like the
    /// module, by code point (a comma or quote with a combining mark after it, CR LF).
    static func csvField(_ s: String) -> String {
        let u = s.unicodeScalars
        guard u.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || u.first == "#" else { return s }
        var out = String.UnicodeScalarView()
        out.append("\"")
        for c in u {
            out.append(c)
            if c == "\"" { out.append(c) }
        }
        out.append("\"")
        return String(out)
    }
}

/// PBKDF2-HMAC-SHA1 as the generator derives `ap.pmk_info` (4096 iterations, 32 bytes); HMAC from swift-crypto.
enum WiFiPMK {
    static func hmacSHA1(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        Array(HMAC<Insecure.SHA1>.authenticationCode(for: data, using: SymmetricKey(data: key)))
    }

    static func derive(password: [UInt8], ssid: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var block: UInt32 = 1
        while out.count < 32 {
            var salt = ssid
            salt += [UInt8(block >> 24), UInt8((block >> 16) & 0xFF), UInt8((block >> 8) & 0xFF), UInt8(block & 0xFF)]
            var u = hmacSHA1(key: password, salt)
            var t = u
            for _ in 1..<4096 {
                u = hmacSHA1(key: password, u)
                for i in 0..<t.count { t[i] ^= u[i] }
            }
            out += t
            block += 1
        }
        return Array(out.prefix(32))
    }
}

extension String {
    func replacingCRLF() -> String {
        var out = ""
        out.reserveCapacity(utf8.count)
        var prevCR = false
        for ch in unicodeScalars {
            if ch == "\r" { out.append("\n"); prevCR = true; continue }
            if ch == "\n" && prevCR { prevCR = false; continue }
            prevCR = false
            out.unicodeScalars.append(ch)
        }
        return out
    }

    /// Python's `str.strip()` (Unicode white space).
    func pythonStripped() -> String {
        var s = Substring(self)
        while let f = s.unicodeScalars.first, f.properties.isWhitespace { s = Substring(s.unicodeScalars.dropFirst()) }
        while let l = s.unicodeScalars.last, l.properties.isWhitespace { s = Substring(s.unicodeScalars.dropLast()) }
        return String(s)
    }

    var csvCommentSafe: String { String(map { $0 == "\n" || $0 == "\r" ? " " : $0 }) }
}
