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
            ("differences", .array(l.viewDifferences.map { d in
                .object([("kind", .string(d.kind)), ("message", .string(d.description))])
            })),
        ])
    }
}
