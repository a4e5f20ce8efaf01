import FlashFormats

extension FlashLayout {
    /// What each partition holds, read from its bytes, and the core dump.
    static func analyzeContents(_ s: some ByteSource, into layout: inout FlashLayout) {
        let finding = CoreDumpFinding.find(in: layout, source: s)
        layout.coreDump = finding
        if let f = finding {
            layout.diagnostics += f.dump.diagnostics.map { d in
                var d = d
                d.message = "\(f.partition ?? "coredump"): " + d.message
                return d
            }
        }
        layout.contents = layout.partitions.map { p in
            let image = layout.apps.first { $0.partition == p.entry }?.image
            let dump = finding.flatMap { $0.partition == p.name && $0.offset == Int(p.entry.offset) ? $0.dump : nil }
            return PartitionContent.recognise(s, entry: p.entry, image: image, coreDump: dump)
        }
        for c in layout.contents { layout.diagnostics += c.diagnostics }
    }

    /// The content recognised for a partition of this layout.
    public func content(of p: PartitionInfo) -> PartitionContent? {
        contents.indices.contains(p.index) ? contents[p.index] : nil
    }
}
