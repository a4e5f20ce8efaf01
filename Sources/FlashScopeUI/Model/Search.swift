#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlashFormats
import FlashModel
import ScreenKit

/// What `/` looks for: hex bytes with `??` wildcards when the text parses as hex pairs
/// (`e9 ?? 02`, `e9??02`), else the text's UTF-8 bytes.
public struct SearchPattern: Sendable, Equatable {
    /// nil = any byte.
    public let bytes: [UInt8?]
    public let text: String
    public let isHex: Bool

    public init?(_ text: String) {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { return nil }
        self.text = trimmed
        if let hex = Self.hexPairs(trimmed), hex.contains(where: { $0 != nil }) {
            bytes = hex
            isHex = true
        } else {
            bytes = Array(text.utf8).map { Optional($0) }
            isHex = false
        }
    }

    /// `e9 ?? 02` / `e9??02` / `E9 3F` → bytes; nil unless every token is made of whole hex pairs.
    static func hexPairs(_ text: String) -> [UInt8?]? {
        var out: [UInt8?] = []
        for token in text.split(separator: " ") {
            let chars = Array(token)
            guard chars.count % 2 == 0 else { return nil }
            var i = 0
            while i < chars.count {
                let pair = String(chars[i..<(i + 2)])
                if pair == "??" { out.append(nil) } else if let v = UInt8(pair, radix: 16), pair.allSatisfy(\.isHexDigit) { out.append(v) } else { return nil }
                i += 2
            }
        }
        return out.isEmpty ? nil : out
    }

    /// How the pattern reads back to the user ("e9 ?? 02" or "\"esp\"").
    public var display: String {
        isHex ? bytes.map { $0.map { Hex.padded($0, 2) } ?? "??" }.joined(separator: " ") : "\"\(text)\""
    }

    /// First match starting in `starts` (forward) or last (backward), reading `window` bytes.
    func find(in window: [UInt8], windowStart: Int, starts: Range<Int>, forward: Bool) -> Int? {
        let n = bytes.count
        guard n > 0 else { return nil }
        // Compare the first fixed byte first: most offsets fail there.
        let lead = bytes.firstIndex { $0 != nil } ?? 0
        let leadByte = bytes[lead] ?? 0
        let anyLead = bytes[lead] == nil
        let fixed: [(Int, UInt8)] = bytes.enumerated().compactMap { k, b in b.map { (k, $0) } }
        return window.withUnsafeBufferPointer { w -> Int? in
            func matches(_ rel: Int) -> Bool {
                guard rel >= 0, rel + n <= w.count else { return false }
                if !anyLead && w[rel + lead] != leadByte { return false }
                for (k, b) in fixed where w[rel + k] != b { return false }
                return true
            }
            let lo = starts.lowerBound - windowStart, hi = starts.upperBound - windowStart
            guard lo < hi else { return nil }
            if forward {
                var rel = lo
                while rel < hi { if matches(rel) { return rel + windowStart }; rel += 1 }
            } else {
                var rel = hi - 1
                while rel >= lo { if matches(rel) { return rel + windowStart }; rel -= 1 }
            }
            return nil
        }
    }
}

/// A search in progress: it covers the image a slice at a time between key presses, from the cursor
/// to one end and then around from the other (once).
public struct SearchJob: Sendable, Equatable {
    public let pattern: SearchPattern
    public let forward: Bool
    /// Where the search started (the first candidate offset).
    public let origin: Int
    /// The next offset to look at (forward: the lowest not yet looked at; backward: one past the highest).
    public var position: Int
    public var wrapped = false
    /// Candidate offsets looked at so far.
    public var covered = 0

    /// Bytes looked at per piece; a step takes pieces until its time budget is spent.
    public static let slice = 64 << 10

    /// Looks for up to `budgetNs` nanoseconds (at least one piece): the offset found, or nil with the
    /// job advanced (done when `isFinished`). A key waits for at most one step. The budget is 1 ms of
    /// wall time: on a busy machine a step is often descheduled halfway, and a 4 ms budget then held
    /// keys back for 20–60 ms (measured on 128 MiB at load 13 on 2 cores).
    public mutating func step(_ doc: FlashDocument, budgetNs: Int = 1_000_000) -> Int? {
        let start = Self.nowNs()
        repeat {
            if let f = piece(doc) { return f }
        } while !isFinished(doc) && Self.nowNs() - start < budgetNs
        return nil
    }

    static func nowNs() -> Int {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return t.tv_sec * 1_000_000_000 + t.tv_nsec
    }

    /// One piece of the search.
    mutating func piece(_ doc: FlashDocument) -> Int? {
        let count = doc.count
        let n = pattern.bytes.count
        guard count >= n, n > 0 else { covered = count; return nil }
        let lastStart = count - n   // the last offset where a match fits
        if forward {
            let limit = wrapped ? min(origin, lastStart + 1) : lastStart + 1
            let lo = position
            let hi = min(limit, lo + Self.slice)
            if lo < hi {
                let window = doc.bytes(lo..<min(count, hi + n - 1))
                covered += hi - lo
                position = hi
                if let f = pattern.find(in: window, windowStart: lo, starts: lo..<hi, forward: true) { return f }
            }
            if position >= limit {
                if wrapped { covered = max(covered, lastStart + 1) } else { wrapped = true; position = 0 }
            }
        } else {
            let limit = wrapped ? max(origin + 1, 0) : 0
            let hi = min(position, lastStart + 1)
            let lo = max(limit, hi - Self.slice)
            if lo < hi {
                let window = doc.bytes(lo..<min(count, hi + n - 1))
                covered += hi - lo
                position = lo
                if let f = pattern.find(in: window, windowStart: lo, starts: lo..<hi, forward: false) { return f }
            } else {
                position = lo
            }
            if position <= limit {
                if wrapped { covered = max(covered, lastStart + 1) } else { wrapped = true; position = lastStart + 1 }
            }
        }
        return nil
    }

    /// Every candidate offset has been looked at.
    public func isFinished(_ doc: FlashDocument) -> Bool {
        let n = pattern.bytes.count
        return n == 0 || doc.count < n || covered >= doc.count - n + 1
    }
}
