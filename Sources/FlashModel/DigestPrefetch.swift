import FlashFormats

extension FlashLayout {
    /// Hashes every app of the image ahead of reading them one by one, several at once where that pays
    /// (each app's SHA-256 and checksum are independent). A cheap first pass over the headers tells
    /// which ranges the reading will ask for; the document caches the results.
    static func prefetchAppDigests(_ s: some ByteSource, digests: any DigestProvider, apps: [PartitionEntry]) {
        guard apps.count > 1, let d = digests as? DocumentDigests else { return }
        let wanted = DigestRecorder()
        for e in apps { _ = AppImage.inspect(s, at: Int(e.offset), limit: Int(e.size), digests: wanted) }
        d.doc.prefetchDigests(sha: wanted.sha, xor: wanted.xor)
    }
}

/// Notes which digests a parse asks for, and answers with placeholders (the parse is thrown away).
final class DigestRecorder: DigestProvider {
    var sha: [Range<Int>] = []
    var xor: [[Range<Int>]] = []
    func sha256(_ range: Range<Int>) -> [UInt8] { sha.append(range); return [] }
    func xorChecksum(_ ranges: [Range<Int>]) -> UInt8 { xor.append(ranges); return 0 }
}
