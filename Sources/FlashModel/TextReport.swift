import FlashFormats

/// The human-readable `flashscope info` report.
public struct TextReport {
    public var colour: Bool
    public init(colour: Bool) { self.colour = colour }

    func paint(_ s: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
    func ok(_ s: String) -> String { paint(s, "32") }
    func bad(_ s: String) -> String { paint(s, "1;31") }
    func warn(_ s: String) -> String { paint(s, "33") }
    func head(_ s: String) -> String { paint(s, "1") }
    func dim(_ s: String) -> String { paint(s, "2") }
    private func mark(_ v: Bool?) -> String { v == nil ? dim("–") : v! ? ok("✓") : bad("✗") }

    public static func size(_ n: Int) -> String {
        if n >= 1 << 20 && n % (1 << 20) == 0 { return "\(n >> 20)M" }
        if n >= 1024 && n % 1024 == 0 { return "\(n >> 10)K" }
        return "\(n)"
    }

    public func render(_ l: FlashLayout, file: String) -> String {
        var out: [String] = []
        let kindWord: String = switch l.kind {
        case .flashImage: "flash image"
        case .appImage: "app image"
        case .bootloaderImage: "bootloader image"
        case .partitionTable: "partition table"
        case .otadata: "otadata partition"
        }
        out.append(head(file.terminalSafe) + " · \(l.size) bytes (\(Self.size(l.size))) · \(kindWord)" + (l.chip.map { " · \($0.name)" } ?? ""))
        switch l.kind {
        case .appImage, .bootloaderImage:
            if let img = l.image { out += imageLines(img, indent: "") }
        case .partitionTable:
            if let t = l.table { out += tableLines(t, l) }
        case .otadata:
            if let o = l.otadata { out += otaLines(o, slots: nil) }
        case .flashImage:
            out.append("")
            out += securityLines(l)
            if let enc = l.encryption {
                let ranges = enc.highEntropy.prefix(4).map { "\(Hex.short($0.lowerBound))–\(Hex.short($0.upperBound))" }.joined(separator: ", ")
                out.append(head("Flash encryption") + " " + warn("likely: random-looking bytes at \(ranges)\(enc.highEntropy.count > 4 ? ", …" : "")"))
                out += encryptionPatternLines(enc)
                out.append("  " + dim("esptool read-flash returns ciphertext; the device decrypts with a key only it has"))
                out.append("")
            }
            if let b = l.bootloader {
                out.append(head("Bootloader") + " @\(Hex.short(b.offset))")
                out += imageLines(b.image, indent: "  ")
            } else if l.encryption != nil {
                out.append(head("Bootloader") + " " + warn("not readable (ciphertext)"))
            } else {
                out.append(head("Bootloader") + " " + warn("not found (no plaintext image header at 0x0, 0x1000 or 0x2000)"))
            }
            out.append("")
            if let t = l.table { out += tableLines(t, l) }
            else if l.encryption != nil { out.append(head("Partition table") + " " + warn("not readable (ciphertext)")) }
            else { out.append(head("Partition table") + " " + bad("not found")) }
            if let o = l.otadata {
                out.append("")
                out += otaLines(o, slots: l.bootSlots)
            }
            if !l.apps.isEmpty {
                out.append("")
                out.append(head("Apps"))
                for a in l.apps { out += appLines(a) }
            }
            if !l.strayOTA.isEmpty {
                out.append("")
                out.append(head("Otadata-like sectors outside any partition"))
                for s in l.strayOTA {
                    out.append("  @\(Hex.short(s.offset))  seq \(s.entry.seq)  state \(OTAState.name(s.entry.state))  crc \(Hex.padded(s.entry.crc, 8)) \(mark(s.entry.crcOK))")
                }
            }
            if !l.viewDifferences.isEmpty {
                out.append("")
                out.append(head("App vs bootloader view of the table"))
                for d in l.viewDifferences { out.append("  " + warn(d.description.terminalSafe)) }
            }
            out.append("")
            out.append(head("Rules") + " " + rulesLine(l))
            if let b = l.boot {
                out.append("")
                out.append(head("Boot") + (l.options.rollback ? dim(" (bootloader with app rollback enabled)") : ""))
                out.append("  selects  " + (b.selected.map { head($0.terminalSafe) } ?? bad("nothing")) + "  " + dim(b.reason.terminalSafe))
                switch b.outcome {
                case .loads: out.append("  starts   " + ok((b.loaded ?? "").terminalSafe))
                case .nothingLoads: out.append("  starts   " + bad("nothing: no bootable app"))
                case .unknown:
                    let fallback = b.loaded.map { " (of what is in the file, \($0) would be next)" } ?? ""
                    out.append("  starts   " + warn("unknown: \(b.outcomeSentence)".terminalSafe) + dim(fallback.terminalSafe))
                }
                for a in b.attempts where !a.bootable {
                    out.append("           " + dim("\(a.partition): \(a.problem ?? "not bootable")".terminalSafe))
                }
                for w in b.writes {
                    out.append("  writes   otadata sector \(w.sector): seq \(w.entry.seq), state \(OTAState.name(w.entry.state)) (\(w.why.rawValue))")
                }
            }
        }
        if l.kind == .flashImage { out += contentLines(l) }
        if !l.diagnostics.isEmpty {
            out.append("")
            out.append(head("Diagnostics"))
            for d in l.diagnostics {
                let sev = d.severity == .error ? bad("error  ") : d.severity == .warning ? warn("warning") : dim("info   ")
                out.append("  \(sev) " + (d.offset.map { Hex.padded($0, 8) + "  " } ?? "          ") + d.message.terminalSafe)
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// Which bootloader rules were applied and why.
    func rulesLine(_ l: FlashLayout) -> String {
        let r = l.rules
        let why: String = switch r.source {
        case .bootloaderDescriptor: "from the bootloader's esp_bootloader_desc_t"
        case .option: "from --bootloader-idf"
        case .noBootloaderDescriptor: "assumed: the bootloader has no esp_bootloader_desc_t (built before v5.2)"
        case .unknown: "assumed: no bootloader version could be read"
        }
        var parts = ["ESP-IDF \(r.version) bootloader (\(why))"]
        if let rel = l.releases {
            let verdict = rel.dependence == nil ? "the same verdict for all" : "verdicts differ"
            parts[0] = "ESP-IDF \(ReleaseSpan.list(rel.spans)) bootloader (\(rel.evidence.map(\.description).joined(separator: "; ")); \(verdict))"
        }
        if let size = l.bootloaderFlashSize { parts.append("flash \(Self.size(size))") }
        parts.append(l.options.chipRevision.map { "chip \($0)" } ?? "any chip revision")
        if let e = l.options.efuseBlockRevision { parts.append("eFuse block \(e)") }
        return parts.joined(separator: " · ")
    }

    /// Just the partition table section.
    public func tableText(_ l: FlashLayout) -> String {
        guard let t = l.table else { return "" }
        return tableLines(t, l).joined(separator: "\n") + "\n"
    }

    func imageLines(_ img: AppImage, indent: String) -> [String] {
        var out: [String] = []
        let chip = img.chip?.name ?? "unknown chip \(img.chipID)"
        let freq = img.chip?.flashFrequencyName(img.flash.frequencyCode) ?? "freq \(Hex.short(img.flash.frequencyCode))"
        out.append(indent + "\(chip) · \(img.flash.modeName) \(freq) \(img.flash.flashSizeName ?? "size?") · entry \(Hex.short(img.entry)) · \(img.segmentCount) segments" + (img.length.map { " · \($0) bytes" } ?? ""))
        if let d = img.appDescriptor {
            out.append(indent + "\"\(d.projectName)\" \(d.version) · ESP-IDF \(d.idfVersion) · built \(d.date) \(d.time) · secure_version \(d.secureVersion)".terminalSafe)
        }
        if let b = img.bootloaderDescriptor {
            out.append(indent + "bootloader v\(b.version) · ESP-IDF \(b.idfVersion) · built \(b.dateTime)".terminalSafe)
        }
        for s in img.segments {
            let mem = ChipMemoryMap.memoryTypes(chipID: img.chipID, address: s.loadAddress).joined(separator: ", ")
            out.append(indent + dim("  seg \(s.index)  \(Hex.padded(s.loadAddress, 8))  \(Hex.padded(s.length, 5).leftPadded(7))  @\(Hex.short(s.headerOffset))  \(mem)") + (s.truncated ? bad("  cut off") : ""))
        }
        var integ = indent + "checksum "
        if let s = img.checksumStored, let c = img.checksumComputed {
            integ += "\(Hex.padded(s, 2)) \(mark(s == c))" + (s == c ? "" : bad(" (calculated \(Hex.padded(c, 2)))"))
        } else { integ += dim("not readable") }
        if img.hashAppended {
            integ += " · SHA-256 "
            if let s = img.sha256Stored, let c = img.sha256Computed {
                integ += "\(Hex.bytes(Array(s.prefix(6))))… \(mark(s == c))" + (s == c ? "" : bad(" (calculated \(Hex.bytes(Array(c.prefix(6))))…)"))
            } else { integ += dim("not readable") }
        } else {
            integ += " · no SHA-256 appended"
        }
        out.append(integ)
        out += SecurityText.imageLines(img).map { indent + $0 }
        return out
    }

    func tableLines(_ t: PartitionTable, _ l: FlashLayout) -> [String] {
        var out: [String] = []
        let md5 = t.md5 == .ok ? ok("MD5 ✓") : t.md5 == .mismatch ? bad("MD5 ✗") : warn("no MD5")
        let verdict = t.bootloaderAccepts ? ok("bootloader accepts") : bad("bootloader rejects: \(t.bootloaderReason ?? "")")
        out.append(head("Partition table") + " @\(Hex.short(t.offset)) · \(t.entries.count) rows · \(md5) · \(verdict)")
        let rows: [[String]] = l.partitions.map { p in
            let e = p.entry
            var flags: [String] = []
            if e.encrypted { flags.append("encrypted") }
            if e.readonly { flags.append("readonly") }
            return [e.name.terminalSafe, e.typeName ?? String(e.type), e.subtypeName ?? Hex.short(e.subtype), Hex.short(e.offset),
                    Self.size(Int(e.size)), flags.joined(separator: ":"), l.kind == .flashImage ? p.presence.rawValue : ""]
        }
        let header = ["Name", "Type", "SubType", "Offset", "Size", "Flags", l.kind == .flashImage ? "In file" : ""]
        let widths = (0..<header.count).map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
        func line(_ r: [String]) -> String { "  " + zip(r, widths).map { $0.padded($1) }.joined(separator: "  ") }
        out.append(dim(line(header)))
        out += rows.map(line)
        for f in t.toolFindings { out.append("  " + warn("gen_esp32part: ") + f.message.terminalSafe) }
        return out
    }

    func otaLines(_ o: OTAData, slots: BootSlots?) -> [String] {
        var out = [head("OTA data") + " @\(Hex.short(o.offset))" + (o.activeSector.map { " · active sector \($0)" } ?? " · no valid entry")]
        for (k, e) in o.entries.enumerated() {
            guard let e else { out.append("  sector \(k)  " + bad("not in the file")); continue }
            let seq = e.seqErased ? Hex.short(e.seq) : String(e.seq)
            var s = "  sector \(k) @\(Hex.short(o.offset + k * otadataSectorSize))  seq \(seq)  state \(OTAState.name(e.state))  crc \(Hex.padded(e.crc, 8)) "
            s += e.crcOK ? ok("✓") : bad("✗") + dim(" (expected \(Hex.padded(e.expectedCRC, 8)))")
            if e.isValid {
                s += "  " + ok("valid")
                if let slots, let slot = e.slot(count: slots.appCount) { s += " → \((slots.partition(selectedBy: e)?.name ?? "slot \(slot)").terminalSafe)" }
            } else {
                s += "  " + bad("invalid: \(e.invalidReason ?? "")")
            }
            if o.activeSector == k { s += head("  ◀ active") }
            out.append(s)
        }
        return out
    }

    func appLines(_ a: AppSlotInfo) -> [String] {
        let name = a.partition.name.terminalSafe.padded(9)
        switch a.content {
        case .absent: return ["  \(name) @\(Hex.short(a.partition.offset))  " + dim("absent from the file")]
        case .erased: return ["  \(name) @\(Hex.short(a.partition.offset))  " + dim("empty (erased)")]
        case .noImage(let m): return ["  \(name) @\(Hex.short(a.partition.offset))  " + warn("no image (first byte \(Hex.short(m)))")]
        case .image(let img):
            var s = "  \(name) @\(Hex.short(a.partition.offset))  "
            if let d = img.appDescriptor { s += "\"\(d.projectName)\" \(d.version) · IDF \(d.idfVersion) · ".terminalSafe }
            s += "\(img.segmentCount) segs"
            if let len = img.length {
                s += " · \(len) B (\(len * 100 / Swift.max(1, Int(a.partition.size)))%)"
            }
            s += " · checksum \(mark(img.checksumValid))"
            if img.hashAppended { s += " · SHA-256 \(mark(img.hashValid))" }
            s += "  " + (a.verdict.bootable ? ok("bootable") : bad("not bootable: \(a.verdict.problem ?? "")".terminalSafe))
            if a.verdict.bootable, !a.verdict.requirements.isEmpty {
                s += warn(" (" + a.verdict.requirements.map(\.words).joined(separator: ", ") + ")")
            }
            return [s]
        }
    }
}

extension String {
    /// The string with every character that a terminal could act on shown as an escape instead:
    /// C0 and C1 controls, DEL and bidirectional overrides become `\x1b`, `\u{202e}`, … . Labels,
    /// descriptors and names come from untrusted images; printed raw, `\e]0;…\a` retitles the window,
    /// `\e[2J` clears the screen and `\e[8m` hides what follows.
    public var terminalSafe: String {
        guard unicodeScalars.contains(where: Self.unsafeScalar) else { return self }
        var out = ""
        for u in unicodeScalars {
            if Self.unsafeScalar(u) {
                out += u.value < 0x100 ? "\\x" + Hex.padded(u.value, 2) : "\\u{" + String(u.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    static func unsafeScalar(_ u: Unicode.Scalar) -> Bool {
        u.value < 0x20 || (0x7F...0x9F).contains(u.value) || (0x202A...0x202E).contains(u.value)
            || (0x2066...0x2069).contains(u.value) || u.value == 0x061C || u.value == 0x200E || u.value == 0x200F
    }

    func padded(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
