/// A stable, machine-readable name for a kind of finding (JSON key `code`, snake_case).
///
/// Each format declares its own codes in an extension next to its parser
/// (`extension DiagnosticCode { static let nvsBadHeaderCRC: DiagnosticCode = "nvs_bad_header_crc" }`);
/// README lists them all. Decisions compare codes, never message text.
public struct DiagnosticCode: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
}

/// Something a parser noticed: a malformed field, a rule broken, a structure cut short.
///
/// Parsers never trap or throw on bad input; they return what they could read plus these.
public struct Diagnostic: Sendable, Equatable, Hashable {
    public enum Severity: String, Sendable, Comparable, CaseIterable {
        case info, warning, error
        private var rank: Int { self == .info ? 0 : self == .warning ? 1 : 2 }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }
    public var severity: Severity
    /// What kind of finding this is; stable across releases.
    public var code: DiagnosticCode
    /// Absolute flash (or file) offset the finding is about, when there is one.
    public var offset: Int?
    public var message: String

    public init(_ severity: Severity, _ code: DiagnosticCode, at offset: Int?, _ message: String) {
        self.severity = severity
        self.code = code
        self.offset = offset
        self.message = message
    }

    public static func error(_ offset: Int?, _ code: DiagnosticCode, _ message: String) -> Diagnostic { .init(.error, code, at: offset, message) }
    public static func warning(_ offset: Int?, _ code: DiagnosticCode, _ message: String) -> Diagnostic { .init(.warning, code, at: offset, message) }
    public static func info(_ offset: Int?, _ code: DiagnosticCode, _ message: String) -> Diagnostic { .init(.info, code, at: offset, message) }
}

/// Formatting helpers shared by every report.
public enum Hex {
    /// `0x1f` style, lower case, no padding.
    public static func short(_ v: some BinaryInteger) -> String { "0x" + String(v, radix: 16) }
    /// Zero-padded to `digits`, no prefix.
    public static func padded(_ v: some BinaryInteger, _ digits: Int) -> String {
        let s = String(v, radix: 16)
        return s.count >= digits ? s : String(repeating: "0", count: digits - s.count) + s
    }
    /// Lower-case hex, two digits per byte, no separator. Written straight into the string's storage
    /// (NVS blobs make megabytes of it for `nvs --json`).
    public static func bytes(_ b: [UInt8]) -> String {
        guard !b.isEmpty else { return "" }
        return String(unsafeUninitializedCapacity: b.count * 2) { out in
            var i = 0
            for x in b {
                out[i] = hexDigit(x >> 4)
                out[i + 1] = hexDigit(x & 0x0F)
                i += 2
            }
            return i
        }
    }
    @inline(__always)
    static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x57 + v }
    /// Parses `0x…`, `0o…`, `0b…` or decimal, with an optional k/K/m/M suffix; nil on anything else.
    public static func parseInt(_ text: String) -> Int? {
        var s = text.trimmingWhitespace()
        var mult = 1
        if let last = s.last, "kKmM".contains(last) {
            mult = (last == "k" || last == "K") ? 1024 : 1024 * 1024
            s.removeLast()
            guard let inner = parseInt(s) else { return nil }
            let (v, o) = inner.multipliedReportingOverflow(by: mult)
            return o ? nil : v
        }
        var negative = false
        if s.hasPrefix("-") { negative = true; s.removeFirst() } else if s.hasPrefix("+") { s.removeFirst() }
        var lower = s.lowercased()
        // Python's int(x, 0) accepts single underscores between digits (PEP 515).
        if lower.contains("_") {
            guard !lower.hasPrefix("_"), !lower.hasSuffix("_"), !lower.contains("__") else { return nil }
            if lower.hasPrefix("0x_") || lower.hasPrefix("0o_") || lower.hasPrefix("0b_") { lower.remove(at: lower.index(lower.startIndex, offsetBy: 2)) }
            lower = lower.filter { $0 != "_" }
        }
        var v: Int?
        if lower.hasPrefix("0x") { v = Int(lower.dropFirst(2), radix: 16) }
        else if lower.hasPrefix("0o") { v = Int(lower.dropFirst(2), radix: 8) }
        else if lower.hasPrefix("0b") { v = Int(lower.dropFirst(2), radix: 2) }
        else if !lower.isEmpty, lower.allSatisfy(\.isASCIIDigit), !lower.hasPrefix("0") || lower.allSatisfy({ $0 == "0" }) { v = Int(lower) }
        guard let value = v else { return nil }
        return negative ? -value : value
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension String {
    public func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
