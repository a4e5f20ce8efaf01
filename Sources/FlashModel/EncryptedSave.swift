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
    /// Saves the edits of a decrypted view as flashing them with the printed esptool command leaves the chip
    /// (esptool 5 write-flash): each region file is written at its offset after the sectors it touches are
    /// erased; a file under `--encrypt-files` is padded with 0xFF to the scheme's encrypted-write alignment and
    /// every byte of it is encrypted at its address (0xFF plaintext included — only bytes never written stay
    /// erased); the other files are written as they are. The region files are the plaintext pieces of the
    /// changed sectors, cut where the device's encrypted ranges begin and end (sectors that read all 0xFF are
    /// written plainly, so they stay erased); the output is the original ciphertext file with those sectors
    /// replaced, saved by the same atomic path.
    static func saveEncrypted(_ plain: FlashDocument, _ view: EncryptedView, to path: String, inPlace: Bool,
                              force: Bool, regionFiles: Bool, chip: Chip?) throws(FileError) -> Result {
        let cipher = FlashDocument(file: view.file)
        let sector = FlashDocument.sectorSize
        var pieces: [(Range<Int>, Bool)] = []
        for r in plain.changedRanges {
            for (piece, encrypted) in view.pieces(of: r) {
                // Whole sectors that read all 0xFF are written plainly: esptool erases them and writes 0xFF,
                // leaving erased flash as the device's own erase does (encrypted, 0xFF would become ciphertext).
                var s = piece.lowerBound
                while s < piece.upperBound {
                    let e = Swift.min(piece.upperBound, (s / sector + 1) * sector)
                    let enc = encrypted && !(s % sector == 0 && plain.bytes(s..<e).allSatisfy { $0 == 0xFF })
                    if let last = pieces.last, last.1 == enc, last.0.upperBound == s { pieces[pieces.count - 1].0 = last.0.lowerBound..<e }
                    else { pieces.append((s..<e, enc)) }
                    s = e
                }
            }
        }
        for (piece, encrypted) in pieces {
            // esptool erases from the start of the sector holding the address: a piece starting inside a
            // sector would wipe the piece before it.
            guard piece.lowerBound % sector == 0 else {
                throw FileError(.io, path, "an encrypted range begins or ends at \(Hex.short(piece.lowerBound)), inside a flash sector: esptool would erase the bytes before it in that sector; nothing was saved")
            }
            var bytes = plain.bytes(piece)
            let align = encrypted ? view.scheme.encryptedWriteAlignment : 4
            if bytes.count % align != 0 { bytes += repeatElement(0xFF, count: align - bytes.count % align) }
            if encrypted {
                guard let enc = FlashEncryption.transform(bytes, at: piece.lowerBound, key: view.key, scheme: view.scheme, decrypt: false) else {
                    throw FileError(.io, path, "could not re-encrypt \(Hex.short(piece.lowerBound))–\(Hex.short(piece.upperBound)) with the flash key; nothing was saved")
                }
                bytes = enc
            }
            // Written bytes, then erased flash to the end of the last sector touched; clipped to the dump.
            let eraseEnd = Swift.min(cipher.count, (piece.lowerBound + bytes.count + sector - 1) / sector * sector)
            let image = Array(bytes.prefix(Swift.max(0, eraseEnd - piece.lowerBound)))
                + repeatElement(0xFF, count: Swift.max(0, eraseEnd - piece.lowerBound - bytes.count))
            do { try cipher.write(image, at: piece.lowerBound, label: "re-encrypted edits") } catch {
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
