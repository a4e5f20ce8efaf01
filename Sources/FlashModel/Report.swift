import FlashFormats

/// The `--json` shape of `flashscope info`: a public contract documented in README.md.
public enum Report {
    public static func json(_ l: FlashLayout, file: String, nvsSource: (any ByteSource)? = nil) -> JSON {
        var top: [(String, JSON)] = [
            ("kind", .string(l.kind.rawValue)),
            ("file", .string(file)),
            ("size", .num(l.size)),
            ("chip", .opt(l.chip?.name)),
        ]
        switch l.kind {
        case .appImage, .bootloaderImage:
            // The top level already names the chip (`l.chip` is the image's own); keep one `chip` key.
            if let img = l.image { top += imageFields(img, verdict: nil).filter { $0.0 != "chip" } }
        case .partitionTable:
            top.append(("partition_table", l.table.map { tableJSON($0) } ?? .null))
            top.append(("partitions", .array(l.partitions.map { partitionJSON($0, inDump: false) })))
        case .otadata:
            top.append(("otadata", l.otadata.map { otadataJSON($0, slots: nil) } ?? .null))
        case .flashImage:
            top.append(("bootloader", l.bootloader.map(bootloaderJSON) ?? .null))
            top.append(("partition_table", l.table.map { tableJSON($0, extra: tableSignatureJSON(l)) } ?? .null))
            top.append(("partitions", .array(l.partitions.map { partitionJSON($0, inDump: true, content: l.content(of: $0)) })))
            top.append(("otadata", l.otadata.map { otadataJSON($0, slots: l.boot == nil ? nil : l.bootSlots) } ?? .null))
            top.append(("apps", .array(l.apps.map(appJSON))))
            top.append(("boot", l.boot.map(bootJSON) ?? .null))
            top.append(("app_view", appViewJSON(l)))
            top.append(coreDumpSummaryJSON(l))
            if let enc = l.encryption {
                top.append(("encryption", .object([
                    ("likely", .bool(true)),
                    ("high_entropy", .array(enc.highEntropy.map { .array([.num($0.lowerBound), .num($0.upperBound)]) })),
                ] + encryptionPatternJSON(enc))))
            }
            if let s = nvsSource { top.append(("nvs", nvsSummary(l, s))) }
            if !l.strayOTA.isEmpty {
                top.append(("stray_otadata", .array(l.strayOTA.map { s in
                    .object([("offset", .num(s.offset)), ("seq", .num(s.entry.seq)), ("state", .num(s.entry.state)),
                             ("state_name", .string(OTAState.name(s.entry.state))), ("crc", .num(s.entry.crc)),
                             ("crc_ok", .bool(s.entry.crcOK))])
                })))
            }
        }
        top.append(("rules", rulesJSON(l)))
        top += securityTopJSON(l)
        top.append(("diagnostics", .array(l.diagnostics.map(diagnosticJSON))))
        return .object(top)
    }

    static func diagnosticJSON(_ d: Diagnostic) -> JSON {
        .object([("severity", .string(d.severity.rawValue)), ("code", .string(d.code.rawValue)), ("offset", .opt(d.offset)), ("message", .string(d.message))])
    }

    static func bootloaderJSON(_ b: BootloaderInfo) -> JSON {
        var kv: [(String, JSON)] = [("offset", .num(b.offset))]
        kv += imageFields(b.image, verdict: nil)
        return .object(kv)
    }

    static func tableJSON(_ t: PartitionTable, extra: [(String, JSON)] = []) -> JSON {
        .object([
            ("offset", .num(t.offset)),
            ("md5", .string(t.md5.rawValue)),
            ("md5_stored", .opt(t.md5Stored.map(Hex.bytes))),
            ("md5_computed", .opt(t.md5Computed.map(Hex.bytes))),
            ("md5_row", .opt(t.md5Row)), ("end_row", .opt(t.endRow)),
            ("bootloader_accepts", .bool(t.bootloaderAccepts)),
            ("bootloader_reason", .opt(t.bootloaderReason)),
            ("warnings", .array(t.toolFindings.map { .string($0.message) })),
            ("findings", .array(t.toolFindings.map { f in
                .object([("code", .string(f.code.rawValue)), ("offset", .opt(f.offset)), ("message", .string(f.message))])
            })),
        ] + extra)
    }

    static func partitionJSON(_ p: PartitionInfo, inDump: Bool, content: PartitionContent? = nil) -> JSON {
        let e = p.entry
        var kv: [(String, JSON)] = [
            ("name", .string(e.name)), ("type", .num(e.type)), ("subtype", .num(e.subtype)),
            ("type_name", .opt(e.typeName)), ("subtype_name", .opt(e.subtypeName)),
            ("offset", .num(e.offset)), ("size", .num(e.size)), ("flags", .num(e.flags)),
            ("encrypted", .bool(e.encrypted)), ("readonly", .bool(e.readonly)),
            ("label_hex", .string(Hex.bytes(e.labelBytes))), ("row_offset", .num(p.rowOffset)),
        ]
        if inDump { kv.append(("in_dump", .string(p.presence.rawValue))) }
        if let content { kv += contentJSON(content) }
        return .object(kv)
    }

    static func otadataJSON(_ o: OTAData, slots: BootSlots?) -> JSON {
        let sectors: [JSON] = o.entries.enumerated().compactMap { k, e in
            guard let e else { return nil }
            var kv: [(String, JSON)] = [
                ("sector", .num(k)), ("offset", .num(o.offset + k * otadataSectorSize)),
                ("seq", .num(e.seq)), ("seq_label", .string(Hex.bytes(e.seqLabel))),
                ("state", .num(e.state)), ("state_name", .string(OTAState.name(e.state))),
                ("crc", .num(e.crc)), ("crc_expected", .num(e.expectedCRC)), ("crc_ok", .bool(e.crcOK)),
                ("valid", .bool(e.isValid)), ("invalid_reason", .opt(e.invalidReason)),
            ]
            if let slots, slots.appCount > 0, let slot = e.slot(count: slots.appCount) {
                kv.append(("selects", e.isValid ? .opt(slots.partition(selectedBy: e)?.name ?? "ota slot \(slot) (missing)") : .null))
            }
            return .object(kv)
        }
        return .object([("offset", .num(o.offset)), ("active_sector", .opt(o.activeSector)), ("sectors", .array(sectors))])
    }

    static func imageFields(_ img: AppImage, verdict: BootVerdict?) -> [(String, JSON)] {
        var kv: [(String, JSON)] = [
            ("chip", .opt(img.chip?.name)),
            ("chip_id", .num(img.chipID)),
            ("segments", .num(img.segmentCount)),
            ("checksum_valid", .opt(img.checksumValid)),
            ("hash_valid", .opt(img.hashValid)),
        ]
        if let verdict {
            kv.append(("bootable", .bool(verdict.bootable)))
            kv.append(("problem", .opt(verdict.problem)))
            kv.append(("failure", verdict.failure.map(failureJSON) ?? .null))
        } else {
            kv.append(("bootable", .bool(img.structurallyValid && !img.truncated && img.checksumValid == true && img.hashValid != false)))
        }
        let d = img.appDescriptor
        kv += [
            ("project_name", .opt(d?.projectName)), ("version", .opt(d?.version)), ("idf_ver", .opt(d?.idfVersion ?? img.bootloaderDescriptor?.idfVersion)),
            ("date", .opt(d?.date)), ("time", .opt(d?.time)), ("secure_version", .opt(d?.secureVersion)),
            ("elf_sha256", .opt(d.map { Hex.bytes($0.elfSHA256) })),
            ("entry", .num(img.entry)),
            ("flash_mode", .string(img.flash.modeName)),
            ("flash_size", .opt(img.flash.flashSizeName)),
            ("flash_freq", .opt(img.chip?.flashFrequencyName(img.flash.frequencyCode))),
            ("min_chip_rev", .num(img.minChipRevision)),
            ("min_chip_rev_full", .num(img.minChipRevisionFull)), ("max_chip_rev_full", .num(img.maxChipRevisionFull)),
            ("wp_pin", .num(img.wpPin)), ("spi_pin_drv", .array(img.pinDrive.map { .num($0) })),
            ("image_length", .opt(img.length)),
            ("checksum", .opt(img.checksumStored)), ("checksum_computed", .opt(img.checksumComputed)),
            ("hash_appended", .bool(img.hashAppended)),
            ("sha256", .opt(img.sha256Stored.map(Hex.bytes))), ("sha256_computed", .opt(img.sha256Computed.map(Hex.bytes))),
            ("truncated", .bool(img.truncated)),
            ("segment_list", .array(img.segments.map { s in
                .object([("index", .num(s.index)), ("load_address", .num(s.loadAddress)), ("length", .num(s.length)),
                         ("file_offset", .num(s.headerOffset)),
                         ("memory", .array(ChipMemoryMap.memoryTypes(chipID: img.chipID, address: s.loadAddress).map(JSON.string)))])
            })),
            ("signatures", signaturesJSON(img)),
            ("secure_boot", secureBootJSON(img)),
        ]
        if let b = img.bootloaderDescriptor {
            kv.append(("bootloader_desc", .object([("version", .num(b.version)), ("idf_ver", .string(b.idfVersion)),
                                                   ("date_time", .string(b.dateTime)), ("secure_version", .num(b.secureVersion))])))
        }
        return kv
    }

    static func appJSON(_ a: AppSlotInfo) -> JSON {
        var kv: [(String, JSON)] = [
            ("partition", .string(a.partition.name)), ("offset", .num(a.partition.offset)),
            ("present", .bool(a.presence != .absent)), ("in_dump", .string(a.presence.rawValue)),
        ]
        switch a.content {
        case .image(let img):
            kv += imageFields(img, verdict: a.verdict)
            kv.append(("fits_partition", .opt(img.lengthWithSignature.map { $0 <= Int(a.partition.size) })))
            kv.append(("revision_requirements", requirementsJSON(a.verdict)))
        default:
            kv += [("content", .string(contentWord(a.content))), ("chip", .null), ("segments", .null), ("checksum_valid", .null),
                   ("hash_valid", .null), ("bootable", .bool(false)), ("problem", .opt(a.verdict.problem)),
                   ("failure", a.verdict.failure.map(failureJSON) ?? .null),
                   ("project_name", .null), ("version", .null), ("idf_ver", .null)]
        }
        return .object(kv)
    }

    static func contentWord(_ c: ImageSlot) -> String {
        switch c {
        case .absent: "absent"
        case .erased: "empty"
        case .noImage: "no_image"
        case .image: "image"
        }
    }

    /// An image verdict as data: `kind` plus the values compared.
    static func failureJSON(_ p: ImageProblem) -> JSON {
        var kv: [(String, JSON)] = [("kind", .string(p.kind)), ("depends_on_missing_bytes", .bool(p.dependsOnMissingBytes))]
        switch p {
        case .noImage(let m): kv.append(("magic", .num(m)))
        case .chipMismatch(let i, let b): kv += [("image_chip_id", .num(i)), ("bootloader_chip_id", .num(b))]
        case .checksumMismatch(let s, let c): kv += [("stored", .num(s)), ("computed", .num(c))]
        case .sha256Mismatch(let s, let c): kv += [("stored", .string(Hex.bytes(s))), ("computed", .string(Hex.bytes(c)))]
        case .partitionTooLarge(let size, let limit): kv += [("partition_size", .num(size)), ("limit", .num(limit))]
        case .doesNotFit(let len, let size): kv += [("image_length", .num(len)), ("partition_size", .num(size))]
        case .invalid(let code, let offset, _): kv += [("code", .string(code.rawValue)), ("offset", .opt(offset))]
        case .revisionOutsideWindow(let kind, let w, let actual):
            kv += [("revision_kind", .string(kind.rawValue)), ("min", .string(w.min.description)), ("max", .opt(w.max?.description)),
                   ("actual", .string(actual.description))]
        case .revisionImpossible(let kind, let w):
            kv += [("revision_kind", .string(kind.rawValue)), ("min", .string(w.min.description)), ("max", .opt(w.max?.description)),
                   ("family_max", .string(w.familyMax.description))]
        case .segment0TooShort(let len, let min): kv += [("length", .num(len)), ("minimum", .num(min))]
        case .mappedSegmentCount(let n): kv += [("mapped_segments", .num(n)), ("halts_bootloader", .bool(true))]
        case .absent, .erased, .cutByFileEnd, .notAnApp, .noAppDescriptor: break
        }
        return .object(kv)
    }

    static func bootJSON(_ b: BootDecision) -> JSON {
        .object([
            ("selected", .opt(b.selected)), ("loaded", .opt(b.loaded)), ("outcome", .string(b.outcome.rawValue)),
            ("reason", .string(b.reason)), ("choice", .string(b.choice.kind)), ("depends_on_release", releaseDependenceJSON(b.releaseDependence)),
            ("selected_index", .opt(b.selectedIndex)), ("loaded_index", .opt(b.loadedIndex)),
            ("active_sector", .opt(b.activeSector)),
            ("attempts", .array(b.attempts.map { a in
                .object([("index", .num(a.index)), ("partition", .string(a.partition)), ("bootable", .bool(a.bootable)),
                         ("problem", .opt(a.problem)), ("failure", a.failure.map(failureJSON) ?? .null)])
            })),
            ("bootloader_writes", .array(b.writes.map { w in
                .object([("sector", .num(w.sector)), ("seq", .num(w.entry.seq)), ("state", .num(w.entry.state)),
                         ("state_name", .string(OTAState.name(w.entry.state))), ("crc", .num(w.entry.crc)),
                         ("why", .string(w.why.rawValue))])
            })),
        ])
    }
}
