/// A small NVS partition as an app leaves it, built by the project's own encoder (``NVSBuilder``):
/// namespaces with integers of both signs, strings (one long), a blob, and a key rewritten once
/// (the old copy erased in the bitmap, as `nvs_set_*` leaves it). Shared by the TUI tests and
/// stories, the fuzz seeds and the mutation suite, so that no test repeats its own fixture.
extension NVSBuilder {
    /// The sample's CSV (the official generator's format). `boot_count` appears twice in `sys`: the
    /// first copy is erased by ``sample(size:keys:)``. (A repeated namespace row would not switch back
    /// to it: the generator keeps writing into the last namespace it created.)
    public static let sampleCSV = """
    key,type,encoding,value
    wifi,namespace,,
    ssid,data,string,FlashScope-Lab
    password,data,string,correct horse battery staple
    channel,data,u8,11
    sys,namespace,,
    boot_count,data,u32,41
    tz_offset,data,i16,-120
    serial,data,u64,18446744073709551615
    boot_count,data,u32,42
    cal,namespace,,
    phy_cal,data,hex2bin,\(calibration)
    cert,data,string,\(sampleCertificate)
    """

    /// 200 bytes of calibration-looking data.
    static var calibration: String { Hex.bytes((0..<200).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }) }
    /// A string longer than any pane (about 600 characters over several lines).
    public static var sampleCertificate: String {
        "-----BEGIN CERTIFICATE-----" + String(repeating: "MIIBszCCAVmgAwIBAgIUFlashScopeSampleCertificateData", count: 11) + "-----END CERTIFICATE-----"
    }

    /// The sample partition (`size` bytes, at least 0x3000), encrypted with `keys` when given.
    public static func sample(size: Int = 0x4000, keys: NVS.Keys? = nil) throws(CSVError) -> [UInt8] {
        var b = try generate(csv: sampleCSV, size: size, keys: keys) { _ in nil }
        // The first boot_count is the copy `nvs_set_u32` replaced: mark its slot erased (00).
        let p = NVS.read(ByteArray(b), offset: 0, size: size, keys: keys)
        if let old = p.entries.first(where: { $0.key == "boot_count" }), old.offset < b.count {
            let page = old.page * NVS.pageSize
            let at = page + 32 + old.slot / 4
            if at < b.count { b[at] &= ~(UInt8(3) << UInt8(2 * (old.slot % 4))) }
        }
        return b
    }
}
