import FlashFormats

extension SampleImages {
    /// ota1-active's layout with the NVS sample (``NVSBuilder/sample(size:keys:)``) in its nvs
    /// partition: what the TUI's NVS pane and its stories open.
    public static func nvsDemo() throws(NVSBuilder.CSVError) -> Sample {
        var b = FlashImageBuilder.twoOTA()
        b.app("factory", app("flashscope-demo", "factory-1.0", seed: 1))
        b.app("ota_0", app("flashscope-demo", "1.0.0", seed: 2))
        b.otadata(OTAEntry(seq: 1, state: OTAState.undefined), nil)
        if let p = b.partition("nvs") { b.contents.append((Int(p.offset), try NVSBuilder.sample(size: Int(p.size)))) }
        return Sample(name: "nvs-demo.bin", bytes: b.bytes(),
                      about: "ota_0 boots; its nvs partition holds Wi-Fi settings, counters, a calibration blob and a certificate (one key rewritten).")
    }
}
