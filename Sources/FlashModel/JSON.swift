/// A small JSON value with ordered keys, so `--json` output is stable and reads in a sensible order.
public indirect enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    /// A number written exactly as given (integers beyond Int, such as u64 NVS values).
    case number(String)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    public static func == (a: JSON, b: JSON) -> Bool { a.serialized() == b.serialized() }

    public static func num(_ v: some BinaryInteger) -> JSON { .int(Int(v)) }
    public static func opt(_ v: String?) -> JSON { v.map(JSON.string) ?? .null }
    public static func opt(_ v: Bool?) -> JSON { v.map(JSON.bool) ?? .null }
    public static func opt<T: BinaryInteger>(_ v: T?) -> JSON { v.map { .int(Int($0)) } ?? .null }

    /// Looks up a key of an object (tests and the corpus check use it).
    public subscript(key: String) -> JSON? {
        if case .object(let kv) = self { return kv.first { $0.0 == key }?.1 }
        return nil
    }

    public func serialized(pretty: Bool = true) -> String {
        var out = ""
        write(into: &out, indent: pretty ? 0 : nil)
        return out
    }

    private func write(into out: inout String, indent: Int?) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .number(let s): out += s
        case .string(let s): JSON.quote(s, into: &out)
        case .array(let a):
            if a.isEmpty { out += "[]"; return }
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                JSON.newline(&out, indent.map { $0 + 1 })
                v.write(into: &out, indent: indent.map { $0 + 1 })
            }
            JSON.newline(&out, indent)
            out += "]"
        case .object(let kv):
            if kv.isEmpty { out += "{}"; return }
            out += "{"
            for (i, (k, v)) in kv.enumerated() {
                if i > 0 { out += "," }
                JSON.newline(&out, indent.map { $0 + 1 })
                JSON.quote(k, into: &out)
                out += indent == nil ? ":" : ": "
                v.write(into: &out, indent: indent.map { $0 + 1 })
            }
            JSON.newline(&out, indent)
            out += "}"
        }
    }

    private static func newline(_ out: inout String, _ indent: Int?) {
        guard let indent else { return }
        out += "\n" + String(repeating: "  ", count: indent)
    }

    private static func quote(_ s: String, into out: inout String) {
        out += "\""
        // Fast path: nothing to escape (no control character, quote, backslash, DEL or C1 control).
        func scan<C: Collection<UInt8>>(_ bytes: C) -> Bool {
            var prevC2 = false
            for b in bytes {
                if b < 0x20 || b == 0x22 || b == 0x5C || b == 0x7F || (prevC2 && b >= 0x80 && b <= 0x9F) { return false }
                prevC2 = b == 0xC2
            }
            return true
        }
        // Over the contiguous UTF-8 when the string has it (native strings do): megabytes of blob hex.
        let plain = s.utf8.withContiguousStorageIfAvailable { scan($0) } ?? scan(s.utf8)
        if plain { out += s; out += "\""; return }
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20 || (0x7F...0x9F).contains(u.value):
                let h = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }
}

/// A minimal JSON reader, enough to check our own output and the corpus oracle in tests.
public enum JSONParser {
    public static func parse(_ text: String) -> JSON? {
        var p = Parser(chars: Array(text.unicodeScalars))
        guard let v = p.value() else { return nil }
        p.skip()
        return p.i == p.chars.count ? v : nil
    }

    struct Parser {
        let chars: [Unicode.Scalar]
        var i = 0
        mutating func skip() { while i < chars.count, " \n\r\t".unicodeScalars.contains(chars[i]) { i += 1 } }
        mutating func value() -> JSON? {
            skip()
            guard i < chars.count else { return nil }
            switch chars[i] {
            case "{":
                i += 1
                var kv: [(String, JSON)] = []
                skip()
                if i < chars.count, chars[i] == "}" { i += 1; return .object(kv) }
                while true {
                    skip()
                    guard case .string(let k)? = value() else { return nil }
                    skip()
                    guard i < chars.count, chars[i] == ":" else { return nil }
                    i += 1
                    guard let v = value() else { return nil }
                    kv.append((k, v))
                    skip()
                    guard i < chars.count else { return nil }
                    if chars[i] == "," { i += 1; continue }
                    if chars[i] == "}" { i += 1; return .object(kv) }
                    return nil
                }
            case "[":
                i += 1
                var a: [JSON] = []
                skip()
                if i < chars.count, chars[i] == "]" { i += 1; return .array(a) }
                while true {
                    guard let v = value() else { return nil }
                    a.append(v)
                    skip()
                    guard i < chars.count else { return nil }
                    if chars[i] == "," { i += 1; continue }
                    if chars[i] == "]" { i += 1; return .array(a) }
                    return nil
                }
            case "\"":
                i += 1
                var s = String.UnicodeScalarView()
                while i < chars.count, chars[i] != "\"" {
                    if chars[i] == "\\", i + 1 < chars.count {
                        i += 1
                        switch chars[i] {
                        case "n": s.append("\n")
                        case "t": s.append("\t")
                        case "r": s.append("\r")
                        case "u":
                            guard i + 4 < chars.count, let v = UInt32(String(String.UnicodeScalarView(chars[(i + 1)...(i + 4)])), radix: 16),
                                  let u = Unicode.Scalar(v) else { return nil }
                            s.append(u); i += 4
                        default: s.append(chars[i])
                        }
                    } else { s.append(chars[i]) }
                    i += 1
                }
                guard i < chars.count else { return nil }
                i += 1
                return .string(String(s))
            case "t": i += 4; return .bool(true)
            case "f": i += 5; return .bool(false)
            case "n": i += 4; return .null
            default:
                let start = i
                while i < chars.count, "-+0123456789.eE".unicodeScalars.contains(chars[i]) { i += 1 }
                let text = String(String.UnicodeScalarView(chars[start..<i]))
                if let v = Int(text) { return .int(v) }
                if let d = Double(text) { return .int(Int(d)) }
                return nil
            }
        }
    }

    }
