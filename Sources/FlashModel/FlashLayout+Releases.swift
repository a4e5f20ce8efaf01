import FlashFormats

/// The releases a bootloader without `esp_bootloader_desc_t` can be from, and whether they agree.
public struct BootloaderReleases: Sendable {
    /// Candidate runs of releases, oldest first (`BootloaderRules.preDescriptorReleases`).
    public let spans: [ReleaseSpan]
    /// What in the image narrowed them.
    public let evidence: [ReleaseEvidence]
    /// nil when every candidate release decides the boot the same way.
    public let dependence: ReleaseDependence?
}

extension FlashLayout {
    /// A bootloader without `esp_bootloader_desc_t` is v4.4 … v5.1.x: judge the boot with the rules of
    /// every run of releases it can be from. When they agree the verdict stands; when they do not, the
    /// outcome is unknown and `boot.releaseDependence` names the rules and the releases.
    static func compareReleases(_ s: some ByteSource, digests: any DigestProvider, into layout: inout FlashLayout) {
        guard layout.rules.source == .noBootloaderDescriptor, layout.options.bootloaderIDF == nil,
              let bl = layout.bootloader else { return }
        let (spans, evidence) = BootloaderRules.preDescriptorReleases(bl.image)
        guard let primary = layout.boot else {
            layout.releases = BootloaderReleases(spans: spans, evidence: evidence, dependence: nil)
            return
        }
        var runs: [(span: ReleaseSpan, rules: BootloaderRules, boot: BootSummary)] = []
        for span in spans {
            if span.first == layout.rules.version {
                runs.append((span, layout.rules, BootSummary(primary)))
                continue
            }
            var other = FlashLayout(kind: .flashImage, size: layout.size, options: layout.options)
            other.options.bootloaderIDF = span.first
            analyzeFlash(s, digests: digests, into: &other, bootOnly: true)
            guard let boot = other.boot else { continue }
            runs.append((span, BootloaderRules(assumed: span.first, chip: bl.chip), BootSummary(boot)))
        }
        let dependence = ReleaseDependence.compare(runs, sizeCode: bl.image.flash.sizeCode)
        layout.releases = BootloaderReleases(spans: spans, evidence: evidence, dependence: dependence)
        layout.boot?.releaseDependence = dependence
    }
}
