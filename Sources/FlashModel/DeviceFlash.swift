import FlashFormats

/// What esptool says about the chip on a port (from `esptool flash-id`).
public struct DeviceInfo: Sendable, Equatable {
    /// esptool's chip family name ("ESP32", "ESP32-C3").
    public var chipName: String?
    /// Bytes, from "Detected flash size: 4MB".
    public var flashSize: Int?
    public init(chipName: String? = nil, flashSize: Int? = nil) { self.chipName = chipName; self.flashSize = flashSize }

    public var chip: Chip? { chipName.flatMap(Chip.named) }
}

/// Reading esptool's console output (v4 and v5 wording). FlashScope drives esptool as the transport and
/// only reads what it prints: the chip, the flash size and the progress of a read or write.
public enum EsptoolOutput {
    /// The chip family and flash size from `esptool flash-id` (or any command's banner).
    public static func deviceInfo(_ lines: [String]) -> DeviceInfo {
        var info = DeviceInfo()
        for raw in lines {
            let line = raw.trimmingSpaces()
            if let r = line.firstRange(of: "Detecting chip type...") {
                // v4 may say "Unsupported detection protocol…" here; only a chip name counts.
                let name = line[r.upperBound...].trimmingSpaces().split(separator: " ").first.map(String.init)
                if let name, Chip.named(name) != nil { info.chipName = name }
            } else if line.hasPrefix("Connected to "), let on = line.firstRange(of: " on ") {
                info.chipName = String(line[line.index(line.startIndex, offsetBy: 13)..<on.lowerBound])
            } else if let r = line.firstRange(of: "Detected flash size:") {
                info.flashSize = sizeValue(line[r.upperBound...].trimmingSpaces())
            }
        }
        return info
    }

    /// "4MB" → 4 MiB, "512KB" → 512 KiB; nil for "Unknown".
    public static func sizeValue(_ text: String) -> Int? {
        let t = text.uppercased()
        for (suffix, shift) in [("MB", 20), ("KB", 10)] where t.hasSuffix(suffix) {
            guard let n = Int(t.dropLast(suffix.count)), n > 0, n <= 1 << 12 else { return nil }
            return n << shift
        }
        return nil
    }

    /// esptool's size name for a flash size ("4MB").
    public static func sizeName(_ bytes: Int) -> String {
        bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? "\(bytes >> 20)MB" : "\(bytes >> 10)KB"
    }

    /// A progress line ("Reading from 0x0003d000 ━━━ 95.3% 244.00kB/256.00kB [31s]", or v4's
    /// "Writing at 0x00010000... (14 %)"): the fraction done, 0…1.
    public static func progress(_ line: String) -> Double? {
        guard line.contains("Reading from") || line.contains("Writing at") || line.contains("Reading at") else { return nil }
        guard let pct = line.firstIndex(of: "%") else { return nil }
        let before = line[..<pct].trimmingSpaces()
        let number = String(before.reversed().prefix { $0.isNumber || $0 == "." }.reversed())
        guard let v = Double(number), v >= 0, v <= 100 else { return nil }
        return v / 100
    }

    /// Flash addresses `esptool verify-flash` found different ("Verifying 0x1000 (4096) bytes at 0x0000e000
    /// in flash against …" followed by "Verification failed (digest mismatch)", v4: "-- verify FAILED").
    public static func verifyFailures(_ lines: [String]) -> [Int] {
        var current: Int?
        var out: [Int] = []
        for line in lines {
            if line.contains("Verifying"), let r = line.firstRange(of: " at 0x") ?? line.firstRange(of: " @ 0x") {
                current = Int(line[r.upperBound...].prefix { $0.isHexDigit }, radix: 16)
            } else if line.contains("Verification failed") || line.contains("verify FAILED"), let c = current {
                if out.last != c { out.append(c) }
            }
        }
        return out
    }

    /// The last line that says what went wrong ("A fatal error occurred: …"), for a one-line report.
    public static func failure(_ lines: [String]) -> String? {
        let markers = ["fatal error", "Error", "ERROR", "error:", "Failed", "failed", "Could not", "No serial data", "Timed out"]
        return lines.last { l in markers.contains { l.contains($0) } }?.trimmingSpaces()
    }
}

extension StringProtocol {
    /// Without leading and trailing white space.
    public func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}

/// Writing an edited dump back to a device: the 4 KiB sectors that differ from the dump it was made
/// from, and the reasons to refuse before anything is written.
public struct FlashWritePlan: Sendable {
    /// Sector runs whose bytes differ between the original dump and the edited one.
    public let regions: [Range<Int>]
    /// The chip and flash size the dump is for (bootloader header; flash size else the file size).
    public let dumpChip: Chip?
    public let dumpFlashSize: Int?

    public enum Refusal: Sendable, Equatable, CustomStringConvertible {
        case chip(device: String, dump: String)
        case flashSize(device: Int, dump: Int)
        case sizesDiffer(edited: Int, original: Int)
        case regionPastFlash(end: Int, flashSize: Int)
        /// The device's bytes in these regions are not the original dump's (on-chip MD5 differs).
        case deviceChanged([Range<Int>])

        public var description: String {
            switch self {
            case .chip(let d, let m): "chip \(d) on the port, \(m) in the dump"
            case .flashSize(let d, let m): "flash size \(EsptoolOutput.sizeName(d)) on the device, \(EsptoolOutput.sizeName(m)) in the dump"
            case .sizesDiffer(let e, let o): "the edited image is \(e) bytes, the original \(o): they are not the same flash"
            case .regionPastFlash(let end, let f): "the changes reach \(Hex.short(end)), past the device's \(EsptoolOutput.sizeName(f)) flash"
            case .deviceChanged(let rs):
                "the device's flash differs from the original dump at \(rs.map { "\(Hex.short($0.lowerBound))–\(Hex.short($0.upperBound))" }.joined(separator: ", ")) (written since the dump was read?)"
            }
        }
    }

    public init<A: ByteSource, B: ByteSource>(original: A, edited: B, layout: FlashLayout?) {
        regions = ByteComparison(original, edited).sectors
        dumpChip = layout?.chip
        dumpFlashSize = layout?.bootloader?.image.flash.flashSize ?? (layout?.kind == .flashImage ? edited.count : nil)
    }

    /// Refusals that need only the image and what esptool said about the device.
    public func refusals(device: DeviceInfo, editedSize: Int, originalSize: Int) -> [Refusal] {
        var out: [Refusal] = []
        if editedSize != originalSize { out.append(.sizesDiffer(edited: editedSize, original: originalSize)) }
        if let d = device.chipName, let m = dumpChip {
            if Chip.named(d) != m { out.append(.chip(device: d, dump: m.name)) }
        }
        if let d = device.flashSize, let m = dumpFlashSize, d != m { out.append(.flashSize(device: d, dump: m)) }
        if let d = device.flashSize, let end = regions.last?.upperBound, end > d { out.append(.regionPastFlash(end: end, flashSize: d)) }
        return out
    }

    /// Total bytes to write.
    public var byteCount: Int { regions.reduce(0) { $0 + $1.count } }
}
