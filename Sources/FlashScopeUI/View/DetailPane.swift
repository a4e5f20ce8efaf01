import FlashFormats
import FlashModel
import ScreenKit

/// What is known about the selected partition: for an app the header, descriptor, segments and
/// integrity; for data what can be said (otadata entries, NVS pages, erased).
enum DetailPane {
    static func title(_ s: AppState) -> [Span] {
        if NVSPane.isShown(s) { return NVSPane.title(s) }
        guard let p = s.selectedPartition else { return [Span("Detail", role: .title)] }
        let kind = p.entry.isApp ? "app image" : (p.entry.subtypeName ?? "data")
        return [Span(p.name, role: .title), Span(" \(s.glyphs.middleDot) \(kind)", role: .dim)]
    }

    static func draw(_ buf: inout ScreenBuffer, _ s: AppState, _ rect: Rect) {
        if NVSPane.isShown(s) { NVSPane.draw(&buf, s, rect); return }
        let sep = " \(s.glyphs.middleDot) "
        // Facts wrap at their separators, then at spaces: nothing is cut at the pane's edge.
        let all = lines(s, width: rect.width - 2).flatMap { flow($0, width: rect.width - 2, separator: sep) }
            .flatMap { $0.wrapped(to: rect.width - 2) }
        let maxScroll = max(0, all.count - rect.height)
        let scroll = min(s.detailScroll, maxScroll)
        for (i, spans) in all.dropFirst(scroll).prefix(rect.height).enumerated() {
            buf.drawSpans(spans, x: rect.x + 1, y: rect.y + i, width: rect.width - 2, glyphs: s.glyphs)
        }
        if maxScroll > 0 {
            let g = s.glyphs
            if scroll > 0 { buf.put(String(g.arrowUp), x: rect.maxX - 1, y: rect.y, role: .dim) }
            if scroll < maxScroll { buf.put(String(g.arrowDown), x: rect.maxX - 1, y: rect.maxY - 1, role: .dim) }
        }
    }

    /// Wraps a line of facts ("a · b · c") at its separators so that each piece fits `width`;
    /// continuation lines are indented by two columns.
    static func flow(_ line: [Span], width: Int, separator: String) -> [[Span]] {
        let total = line.reduce(0) { $0 + $1.text.count }
        guard total > width else { return [line] }
        // Groups start at spans that begin with the separator.
        var groups: [[Span]] = []
        for span in line {
            if span.text.hasPrefix(separator) || groups.isEmpty { groups.append([span]) } else { groups[groups.count - 1].append(span) }
        }
        var out: [[Span]] = []
        var current: [Span] = []
        var used = 0
        for var group in groups {
            let w = group.reduce(0) { $0 + $1.text.count }
            if !current.isEmpty && used + w > width {
                out.append(current)
                let first = group[0]
                group[0] = Span("  " + String(first.text.dropFirst(separator.count)), role: first.role, bold: first.bold)
                current = []
                used = 0
            }
            current += group
            used += group.reduce(0) { $0 + $1.text.count }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    static func lines(_ s: AppState, width: Int) -> [[Span]] {
        let g = s.glyphs
        let dot = " \(g.middleDot) "
        guard let p = s.selectedPartition else {
            if let img = s.layout.image { return imageLines(s, img, partitionSize: nil, width: width) }
            if s.layout.kind == .flashImage, s.layout.encryption != nil || !s.layout.strayOTA.isEmpty { return encryptedLines(s) }
            return [[Span("no partition selected", role: .dim)]]
        }
        let e = p.entry
        var out: [[Span]] = []
        // Where it is.
        var head: [Span] = [Span(p.name, role: .title, bold: true),
                            Span(dot + "\(e.typeName ?? Hex.short(e.type)) \(e.subtypeName ?? Hex.short(e.subtype))"),
                            Span(dot + "\(Hex.short(e.offset))–\(Hex.short(e.end &- 1)) (\(TextReport.size(Int(e.size))))", role: .dim)]
        if e.encrypted { head.append(Span(dot + "encrypted", role: .warning)) }
        if e.readonly { head.append(Span(dot + "readonly", role: .dim)) }
        if p.name == s.layout.boot?.loaded { head.append(Span(dot + "\(g.arrowRight) boots", role: .boot, bold: true)) }
        out.append(head)
        switch p.presence {
        case .absent: out.append([Span("not in this file: the dump ends at \(Hex.short(s.document.count))", role: .warning)])
        case .partial: out.append([Span("only partly in this file: the dump ends at \(Hex.short(s.document.count))", role: .warning)])
        case .full: break
        }
        if Derived.overlaps(s, p) {
            let others = s.layout.partitions.filter { q in
                q.index != p.index && UInt64(q.entry.offset) < e.end && UInt64(e.offset) < q.entry.end
            }.map(\.name)
            out.append([Span("\(g.crossMark) overlaps \(others.joined(separator: ", "))", role: .invalid, bold: true)])
        }
        let r = Derived.range(s, p)
        let changed = s.unsavedRanges.filter { $0.overlaps(r) }
        if !changed.isEmpty {
            var line = [Span("\(g.changedMark) unsaved changes", role: .staged)]
            for r in changed.prefix(4) { line.append(Span(dot + "\(Hex.short(r.lowerBound))–\(Hex.short(r.upperBound - 1))", role: .staged)) }
            if changed.count > 4 { line.append(Span(dot + "\(changed.count - 4) more", role: .staged)) }
            out.append(line)
        }

        if e.isApp, let a = s.layout.app(named: p.name) {
            switch a.content {
            case .absent: break
            case .erased:
                out.append([Span("empty (erased): nothing is flashed here", role: .erased)])
                out.append([Span("s stages an app image into it", role: .dim)])
            case .noImage(let m):
                out.append([Span("no app image: first byte \(Hex.short(m)), an image starts with \(Hex.short(imageMagic))", role: .warning)])
            case .image(let img):
                out += imageLines(s, img, partitionSize: Int(e.size), width: width)
                out.append(a.verdict.bootable
                    ? [Span("\(g.check) the bootloader would start this image", role: .valid)]
                    : [Span("\(g.crossMark) not bootable: \(a.verdict.problem ?? "")", role: .invalid, bold: true)])
            }
        } else if e.isOTAData {
            out += otadataLines(s)
        } else if e.isNVS, r.count >= 0x1000 {
            out += NVSPane.lines(s, p, width: width)
        }
        if let cd = CoreDumpPane.lines(s, p, width: width) { out.insert(contentsOf: cd.lead, at: 0); out += cd.rest } else { out += CoreDumpPane.contentLines(s, p) }
        if !e.isApp, !r.isEmpty {
            if let scan = s.scans[ScanKey(r)] {
                out.append(scan.erased ? [Span("erased: every byte is 0xff", role: .erased)]
                                       : [Span("holds data", role: .normal), Span(dot + "CRC-32 \(Hex.padded(scan.crc32, 8))", role: .dim)])
            } else {
                out.append([Span("scanning…", role: .dim)])
            }
        }
        let diags = s.layout.diagnostics.filter { d in d.offset.map { r.contains($0) } ?? false }
        if !diags.isEmpty {
            out.append([Span("Diagnostics", role: .header)])
            for d in diags {
                let role: Role = d.severity == .error ? .invalid : d.severity == .warning ? .warning : .dim
                out.append([Span("\(d.severity.rawValue) ", role: role), Span("@\(Hex.short(d.offset ?? 0)) ", role: .dim), Span(d.message)])
            }
        }
        return out
    }

    /// A dump without a readable table: where the ciphertext is and the plaintext otadata-like
    /// sectors the engine found (the same facts `info` prints).
    static func encryptedLines(_ s: AppState) -> [[Span]] {
        let g = s.glyphs
        let l = s.layout
        var out: [[Span]] = []
        if let enc = l.encryption {
            out.append([Span("Flash encryption likely", role: .warning, bold: true),
                        Span(": bootloader and table are not readable (ciphertext)", role: .dim)])
            for r in enc.highEntropy {
                out.append([Span("  encrypted ", role: .warning), Span("\(Hex.short(r.lowerBound))–\(Hex.short(r.upperBound - 1))"),
                            Span(" (\(TextReport.size(r.count)), random-looking bytes)", role: .dim)])
            }
            for r in enc.repeatingPattern {
                out.append([Span("  encrypted ", role: .warning), Span("\(Hex.short(r.lowerBound))–\(Hex.short(r.upperBound - 1))"),
                            Span(" (\(TextReport.size(r.count)), one ciphertext block repeating: erased flash, no address tweak)", role: .dim)])
            }
            out.append([Span("esptool read-flash returns ciphertext; the device decrypts with a key only it has", role: .dim)])
        }
        if !l.strayOTA.isEmpty {
            out.append([Span("Otadata-like sectors outside any partition", role: .header)])
            for st in l.strayOTA {
                let e = st.entry
                out.append([Span("  otadata-like sector @\(Hex.short(st.offset))"), Span(" seq \(e.seq) \(OTAState.name(e.state))"),
                            Span(" crc \(Hex.padded(e.crc, 8)) ", role: .dim),
                            e.crcOK ? Span(String(g.check), role: .valid) : Span(String(g.crossMark), role: .invalid)])
            }
        }
        return out
    }

    /// - Parameter width: The pane's width: from 110 columns digests are shown whole (a wide terminal
    ///   has the room), else as their first bytes.
    static func imageLines(_ s: AppState, _ img: AppImage, partitionSize: Int?, width: Int = 0) -> [[Span]] {
        let g = s.glyphs
        func digest(_ d: [UInt8], short n: Int, room: Int = 110) -> String {
            width >= room ? Hex.bytes(d) : "\(Hex.bytes(Array(d.prefix(n))))\(g.ellipsis)"
        }
        let dot = " \(g.middleDot) "
        var out: [[Span]] = []
        if let d = img.appDescriptor {
            out.append([Span("\"\(d.projectName)\" \(d.version)", role: .accent, bold: true), Span(dot + "ESP-IDF \(d.idfVersion)"),
                        Span(dot + "secure_version \(d.secureVersion)", role: .dim)])
            out.append([Span("built \(d.date) \(d.time)"), Span(dot + "ELF SHA-256 \(digest(Array(d.elfSHA256), short: 6))", role: .dim)])
        }
        if let b = img.bootloaderDescriptor {
            out.append([Span("bootloader v\(b.version)", role: .accent), Span(dot + "ESP-IDF \(b.idfVersion)"), Span(dot + "built \(b.dateTime)", role: .dim)])
        }
        let chip = img.chip?.name ?? Chip.describe(id: img.chipID)
        let freq = img.chip?.flashFrequencyName(img.flash.frequencyCode) ?? "freq \(Hex.short(img.flash.frequencyCode))"
        out.append([Span(chip), Span(dot + "\(img.flash.modeName) \(freq) \(img.flash.flashSizeName ?? "size?")"),
                    Span(dot + "entry \(Hex.short(img.entry))"), Span(dot + "\(img.segmentCount) segments")])
        if let len = img.lengthWithSignature {
            var line = [Span("image \(len) bytes")]
            if let size = partitionSize, size > 0 { line.append(Span(dot + "\(len * 100 / size)% of \(TextReport.size(size))")) }
            line.append(Span(dot + "chip rev v\(img.minChipRevisionFull / 100).\(img.minChipRevisionFull % 100)+", role: .dim))
            out.append(line)
        }
        var integ: [Span] = [Span("checksum ")]
        if let st = img.checksumStored, let c = img.checksumComputed {
            integ += st == c ? [Span("\(Hex.padded(st, 2)) = \(Hex.padded(c, 2)) \(g.check)", role: .valid)]
                             : [Span("\(Hex.padded(st, 2)) \(g.notEqual) \(Hex.padded(c, 2)) \(g.crossMark)", role: .invalid, bold: true)]
        } else { integ.append(Span("not readable", role: .warning)) }
        if img.hashAppended {
            integ.append(Span(dot + "SHA-256 "))
            if let st = img.sha256Stored, let c = img.sha256Computed {
                integ += st == c ? [Span("\(digest(Array(st), short: 4)) \(g.check)", role: .valid)]
                                 : [Span("\(digest(Array(st), short: 4, room: 170)) \(g.notEqual) \(digest(Array(c), short: 4, room: 170)) \(g.crossMark)", role: .invalid, bold: true)]
            } else { integ.append(Span("not readable", role: .warning)) }
        } else {
            integ.append(Span(dot + "no SHA-256 appended", role: .dim))
        }
        out.append(integ)
        let marks = SecurityText.Marks(yes: String(g.check), no: String(g.crossMark), unknown: g.isUnicode ? "–" : "-", dot: String(g.middleDot))
        for line in SecurityText.imageLines(img, marks: marks) { out.append([Span(line)]) }
        out.append([Span("seg load      length  at       memory", role: .header)])
        for seg in img.segments {
            var types = ChipMemoryMap.memoryTypes(chipID: img.chipID, address: seg.loadAddress)
            if types.count > 1 { types.removeAll { $0 == "BYTE_ACCESSIBLE" } }
            let mem = types.joined(separator: ",")
            out.append([Span(" \(seg.index)".padded(to: 4)), Span(Hex.padded(seg.loadAddress, 8).padded(to: 10), role: .accent),
                        Span(Hex.short(seg.length).padded(to: 8)), Span("+\(Hex.short(seg.headerOffset))".padded(to: 9), role: .dim),
                        Span(mem.isEmpty ? "padding" : mem, role: .dim),
                        Span(seg.truncated ? " cut off" : "", role: .invalid)])
        }
        return out
    }

    static func otadataLines(_ s: AppState) -> [[Span]] {
        guard let o = s.layout.otadata else { return [[Span("otadata is not in the file", role: .warning)]] }
        let g = s.glyphs
        let dot = " \(g.middleDot) "
        var out: [[Span]] = [[Span("two esp_ota_select_entry_t, one per 4 KiB sector (see the OTA data pane)", role: .dim)]]
        for (k, e) in o.entries.enumerated() {
            guard let e else { continue }
            let at = o.offset + k * otadataSectorSize
            let bytes = e.bytes()
            out.append([Span("sector \(k) @\(Hex.short(at))", role: .header),
                        Span(Derived.activeSector(s) == k ? " \(g.arrowLeft) active" : "", role: .boot)])
            // Values as numbers; the raw little-endian bytes are labelled as bytes.
            let seqText = e.seqErased ? "erased (ffffffff)" : "\(e.seq)"
            out.append([Span("  seq ", role: .dim), Span(seqText, role: .accent), Span(dot + "bytes " + Array(bytes[0..<4]).map { Hex.padded($0, 2) }.joined(separator: " "), role: .dim),
                        Span(dot + "label ", role: .dim), Span(OTAPane.labelText(e.seqLabel, g), role: .dim)])
            out.append([Span("  state ", role: .dim), Span(OTAState.name(e.state), role: .accent),
                        Span(dot + "bytes " + Array(bytes[24..<28]).map { Hex.padded($0, 2) }.joined(separator: " "), role: .dim)])
            out.append([Span("  crc ", role: .dim), Span(Hex.padded(e.crc, 8), role: e.crcOK ? .valid : (e.seqErased ? .erased : .invalid)),
                        Span(e.seqErased ? "" : (e.crcOK ? " = " : " \(g.notEqual) ") + Hex.padded(e.expectedCRC, 8) + " (CRC-32 of seq)", role: .dim)])
        }
        if let prev = s.previousOTA, let cause = s.previousOTACause {
            out.append([Span("last change: \(cause)", role: .changed)])
            for (k, e) in prev.enumerated() {
                guard let e else { continue }
                out.append([Span("  before, sector \(k): ", role: .dim),
                            Span(e.isErased ? "erased" : "seq \(e.seq), \(OTAState.name(e.state)), crc \(Hex.padded(e.crc, 8))", role: .dim)])
            }
        }
        return out
    }
}
