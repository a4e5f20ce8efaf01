import FlashFormats

/// `info --json` keys for the rules applied: `rules`, per-app `revision_requirements`, `app_view`.
extension Report {
    /// Which bootloader rules were used, and the values they gave.
    static func rulesJSON(_ l: FlashLayout) -> JSON {
        let r = l.rules
        return .object([
            ("bootloader_idf", .opt(r.declared.map(\.description))),
            ("applied_idf", .string(r.version.description)),
            ("source", .string(r.source.rawValue)),
            ("chip", .opt(r.chip?.name)),
            ("flash_size", .opt(l.bootloaderFlashSize)),
            ("mmu_page_from_app", .bool(r.readsMMUPageFromApp)),
            ("mmu_page", .num(r.bootloaderMMUPage(flashSize: l.bootloaderFlashSize))),
            ("partition_size_limit", .opt(r.partitionSizeLimit)),
            ("full_chip_revision_check", .bool(r.checksFullChipRevision)),
            ("efuse_blk_revision_check", .bool(r.checksEfuseBlockRevision)),
            ("table_bounds_wrap", .bool(r.tableBoundsWrap)),
            ("rejects_empty_table", .bool(r.rejectsEmptyTable)),
            ("chip_revision", .opt(l.options.chipRevision?.description)),
            ("efuse_blk_revision", .opt(l.options.efuseBlockRevision?.description)),
            ("app_table_md5", .bool(l.options.appTableMD5)),
            ("bootloader_needs", .opt(l.bootloaderRequirement?.words)),
            ("bootloader_releases", l.releases.map { r in .array(r.spans.map { .string($0.description) }) } ?? .null),
            ("release_evidence", l.releases.map { r in
                .array(r.evidence.map { .object([("kind", .string($0.kind)), ("message", .string($0.description))]) })
            } ?? .null),
            ("release_dependent", .opt(l.releases.map { $0.dependence != nil })),
        ])
    }

    /// `boot.depends_on_release`: the rules that differ between the releases the bootloader can be from,
    /// and what each group of releases does.
    static func releaseDependenceJSON(_ d: ReleaseDependence?) -> JSON {
        guard let d else { return .null }
        return .object([
            ("message", .string(d.description)),
            ("rules", .array(d.rules.map { r in
                .object([("rule", .string(r.rule.rawValue)), ("function", .string(r.rule.function)), ("message", .string(r.words)),
                         ("settings", .array(r.settings.map { s in
                             .object([("releases", .array(s.spans.map { .string($0.description) })), ("value", .num(s.value)),
                                      ("message", .string(s.words))])
                         }))])
            })),
            ("results", .array(d.results.map { res in
                .object([("releases", .array(res.spans.map { .string($0.description) })), ("outcome", .string(res.boot.outcome.rawValue)),
                         ("choice", .string(res.boot.choice)), ("selected", .opt(res.boot.selected)), ("loaded", .opt(res.boot.loaded))])
            })),
        ])
    }

    /// Revision windows an image needs that not every chip of its family meets.
    static func requirementsJSON(_ v: BootVerdict) -> JSON {
        .array(v.requirements.map { q in
            .object([("kind", .string(q.kind.rawValue)), ("min", .string(q.window.min.description)),
                     ("max", .opt(q.window.max?.description)), ("family_max", .string(q.window.familyMax.description)),
                     ("needs", .string(q.words))])
        })
    }

    /// The app's view of the table (esp_partition) and where it differs from the bootloader's.
    static func appViewJSON(_ l: FlashLayout) -> JSON {
        guard let v = l.appView else { return .null }
        return .object([
            ("partitions", .array(v.partitions.map { .string($0.name) })),
            ("load_error", .opt(v.loadError?.rawValue)),
            ("otadata", .opt(v.otadata?.name)),
            ("ota_slots", .array(v.slots.partitions.map { .string($0.name) })),
            ("slot_count_asserts_on", .opt(v.slots.countAssertsOn)),
            ("differences", .array(l.viewDifferences.map { d in
                .object([("kind", .string(d.kind)), ("message", .string(d.description))])
            })),
        ])
    }
}
