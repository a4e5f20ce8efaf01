import FlashFormats

/// The decrypted view of a flash-encrypted file: what saving needs to write ciphertext back.
public struct EncryptedView: Sendable {
    /// The encrypted input file.
    public let file: MappedFile
    public let key: FlashEncryptionKey
    public let scheme: FlashEncryptionScheme
    /// Where the device encrypts what is written (DecryptedDump.encryptedOnWrite).
    public let encryptedRanges: [Range<Int>]

    public init(file: MappedFile, key: FlashEncryptionKey, scheme: FlashEncryptionScheme, encryptedRanges: [Range<Int>]) {
        self.file = file; self.key = key; self.scheme = scheme; self.encryptedRanges = encryptedRanges
    }

    /// `range` cut at the encrypted ranges' edges: (piece, encrypted?) in address order.
    func pieces(of range: Range<Int>) -> [(Range<Int>, Bool)] {
        var cuts = Set([range.lowerBound, range.upperBound])
        for r in encryptedRanges {
            if range.contains(r.lowerBound) { cuts.insert(r.lowerBound) }
            if range.contains(r.upperBound) { cuts.insert(r.upperBound) }
        }
        let points = cuts.sorted()
        return zip(points, points.dropFirst()).map { lo, hi in
            (lo..<hi, encryptedRanges.contains { $0.contains(lo) })
        }
    }
}

extension ImageSaver {
    /// Saves the edits of a decrypted view as the device would hold them: edited bytes inside the encrypted
    /// ranges are encrypted at their address (through the last 16-byte block that is not all 0xFF in each
    /// changed run; the rest of the run is left erased, as after an erase and a shorter write), edits
    /// elsewhere are written as they are. The output is the original ciphertext file with those sectors
    /// replaced, saved by the same atomic path. The region files are the plaintext the device should be
    /// given: encrypted ranges under `--encrypt-files` (esptool has the chip encrypt them), the rest plain.
    static func saveEncrypted(_ plain: FlashDocument, _ view: EncryptedView, to path: String, inPlace: Bool,
                              force: Bool, regionFiles: Bool, chip: Chip?) throws(FileError) -> Result {
        let cipher = FlashDocument(file: view.file)
        var pieces: [(Range<Int>, Bool)] = []
        for r in plain.changedRanges { pieces += view.pieces(of: r) }
        for (piece, encrypted) in pieces {
            var bytes = plain.bytes(piece)
            if encrypted, piece.lowerBound % 16 == 0 {
                var written = 0
                var i = 0
                while i + 16 <= bytes.count {
                    if !bytes[i..<(i + 16)].allSatisfy({ $0 == 0xFF }) { written = i + 16 }
                    i += 16
                }
                if written > 0 {
                    guard let enc = FlashEncryption.transform(Array(bytes[0..<written]), at: piece.lowerBound, key: view.key,
                                                              scheme: view.scheme, decrypt: false) else {
                        throw FileError(.io, path, "could not re-encrypt \(Hex.short(piece.lowerBound))–\(Hex.short(piece.upperBound)) with the flash key; nothing was saved")
                    }
                    bytes.replaceSubrange(0..<written, with: enc)
                }
            }
            do { try cipher.write(bytes, at: piece.lowerBound, label: "re-encrypted edits") } catch {
                throw FileError(.io, path, "\(error); nothing was saved")
            }
        }
        let saved = try save(cipher, to: path, inPlace: inPlace, force: force, regionFiles: false, chip: chip)
        var files: [(Int, String)] = []
        var normal: [(Int, String)] = []
        var encryptedFiles: [(Int, String)] = []
        if regionFiles {
            for (piece, encrypted) in pieces {
                let p = "\(path).\(Hex.short(piece.lowerBound))\(encrypted ? ".plain" : "").bin"
                try AtomicFile.write(plain.bytes(piece), to: p, overwrite: true)
                files.append((piece.lowerBound, p))
                if encrypted { encryptedFiles.append((piece.lowerBound, p)) } else { normal.append((piece.lowerBound, p)) }
            }
        }
        var cmd = "esptool"
        if let chip { cmd += " --chip \(chip.name.lowercased().filter { $0 != "-" })" }
        cmd += " write-flash"
        for (o, p) in normal { cmd += " \(Hex.short(o)) \(shellQuote(p))" }
        if !encryptedFiles.isEmpty {
            cmd += " --encrypt-files"
            for (o, p) in encryptedFiles { cmd += " \(Hex.short(o)) \(shellQuote(p))" }
        }
        return Result(path: saved.path, changedRanges: cipher.changedRanges, regionFiles: files,
                      esptoolCommand: files.isEmpty ? "" : cmd, backup: saved.backup,
                      esptoolDiffWith: "")
    }
}
