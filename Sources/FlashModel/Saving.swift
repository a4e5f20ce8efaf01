#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlashFormats

/// Saving an edited document without ever losing the original.
public enum ImageSaver {
    public struct Result: Sendable {
        public let path: String
        /// Sector-aligned ranges whose bytes differ from the input.
        public let changedRanges: [Range<Int>]
        /// Small files holding exactly those ranges, written beside the output (offset, path).
        public let regionFiles: [(offset: Int, path: String)]
        /// The `esptool write-flash` command that programs just those regions.
        public let esptoolCommand: String
        /// The backup of the input, for `--in-place`.
        public let backup: String?
        /// The same as one esptool line that needs no region files: `write-flash 0x0 OUTPUT --diff-with INPUT`
        /// (esptool 5.1+ writes only the sectors where the two differ). Empty without an input file or changes.
        public let esptoolDiffWith: String
    }

    /// Writes the document's current bytes.
    /// - Parameters:
    ///   - path: where to save; must differ from the input unless `inPlace`.
    ///   - inPlace: replace the input file itself, after keeping `input.bak`.
    ///   - force: replace an existing output (or backup) file.
    ///   - regionFiles: also write one small file per changed region and print the esptool command.
    ///   - chip: for the esptool command's `--chip`.
    public static func save(_ doc: FlashDocument, to path: String, inPlace: Bool = false, force: Bool = false,
                            regionFiles: Bool = true, chip: Chip? = nil) throws(FileError) -> Result {
        if let view = doc.encryptedView { return try saveEncrypted(doc, view, to: path, inPlace: inPlace, force: force, regionFiles: regionFiles, chip: chip) }
        var backup: String?
        if let file = doc.file {
            if file.changedOnDisk() {
                throw FileError(.changedOnDisk, file.path, "changed on disk since it was opened; nothing was saved (open it again)")
            }
            let same = sameFile(path, file)
            if same && !inPlace {
                throw FileError(.outputExists, path, "is the input file; save to a new name, or use --in-place to replace it (a .bak copy is kept)")
            }
            if inPlace {
                guard same || path == file.path else {
                    throw FileError(.outputExists, path, "--in-place writes the input file itself; do not give another output")
                }
                let bak = file.path + ".bak"
                try AtomicFile.write(file, to: bak, overwrite: force)
                backup = bak
            }
        }
        try AtomicFile.write(doc, to: path, overwrite: force || inPlace)
        let ranges = doc.changedRanges
        var files: [(Int, String)] = []
        if regionFiles {
            for r in ranges {
                let p = "\(path).\(Hex.short(r.lowerBound)).bin"
                try AtomicFile.write(doc.bytes(r), to: p, overwrite: true)
                files.append((r.lowerBound, p))
            }
        }
        var cmd = "esptool"
        if let chip { cmd += " --chip \(chip.name.lowercased().filter { $0 != "-" })" }
        cmd += " write-flash"
        var diffWith = ""
        if let input = backup ?? doc.file?.path, !ranges.isEmpty {
            // --diff-with takes a list, so it goes after the address and file.
            diffWith = cmd + " 0x0 \(shellQuote(path)) --diff-with \(shellQuote(input))"
        }
        for (o, p) in files { cmd += " \(Hex.short(o)) \(shellQuote(p))" }
        return Result(path: path, changedRanges: ranges, regionFiles: files, esptoolCommand: files.isEmpty ? "" : cmd, backup: backup,
                      esptoolDiffWith: diffWith)
    }

    static func sameFile(_ path: String, _ file: MappedFile) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        return UInt64(st.st_dev) == file.device && UInt64(st.st_ino) == file.inode
    }

    static func shellQuote(_ s: String) -> String {
        s.allSatisfy { $0.isLetter || $0.isNumber || "-_./+:=@".contains($0) } ? s : "'" + s.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }
}
