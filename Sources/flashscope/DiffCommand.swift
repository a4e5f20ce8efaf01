import ArgumentParser
import FlashFormats
import FlashModel

/// `flashscope diff A B`: what differs between two images, in words or as JSON. Exit status as
/// cmp(1)/diff(1): 0 identical, 1 different, 2 trouble (a bad command line or an unreadable input too,
/// instead of the usual 64–77, so scripts can tell "different" from "could not compare").
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "diff",
        abstract: "Compare two images: partitions, table, otadata and boot, apps, changed regions. Exit 0 identical, 1 different, 2 trouble.").leaf

    static let troubleCode: Int32 = 2

    @Argument(help: "The image before (e.g. the dump read from the device).") var a: String
    @Argument(help: "The image after.") var b: String
    @Option(name: .customLong("pt-offset"), help: "Partition table offset in both images (default: 0x8000, else found by scanning).")
    var ptOffset: String?
    @Flag(help: "Evaluate the boot as a bootloader built with CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE.") var rollback = false
    @Flag(help: "Print one JSON object (the shape is documented in README.md).") var json = false
    @Option(name: .customLong("nvs-keys"), help: "nvs_keys partition image (eky, tky, CRC) for encrypted NVS in both images (else each dump's own nvs_keys partition).")
    var nvsKeys: String?
    @OptionGroup var flashKey: FlashKeyOptions

    func run() throws {
        let options: AnalysisOptions
        do {
            options = AnalysisOptions(tableOffset: try ptOffset.map { try parseNumber($0, what: "--pt-offset") }, rollback: rollback)
        } catch { throw CLIError("\(error)", code: Self.troubleCode) }
        let keys: NVS.Keys?
        do { keys = try NVSRequest.readKeys(nvsKeys) } catch let e as CLIError { throw CLIError(e.message, code: Self.troubleCode) }
        let oa = try Self.open(a, options, flashKey), ob = try Self.open(b, options, flashKey)
        // Through --flash-key both sides are compared as the plaintext the chip reads (the document's view).
        let diff = oa.decrypted == nil && ob.decrypted == nil
            ? FlashDiff(oa.file, ob.file, layoutA: oa.layout, layoutB: ob.layout, nvsKeys: keys)
            : FlashDiff(oa.document, ob.document, layoutA: oa.layout, layoutB: ob.layout, nvsKeys: keys)
        if oa.file.changedWhileOpen || ob.file.changedWhileOpen {
            throw CLIError("\(oa.file.changedWhileOpen ? a : b): changed while being compared; compare again when it no longer changes",
                           code: Self.troubleCode)
        }
        if json { writeStdout(DiffReport.json(diff, fileA: a, fileB: b)) }
        else { writeStdout(DiffReport.text(diff, fileA: a, fileB: b)) }
        if !diff.identical { throw ExitCode(1) }
    }

    /// Opens one side; every failure becomes exit 2.
    static func open(_ path: String, _ options: AnalysisOptions, _ flashKey: FlashKeyOptions) throws -> Opened {
        do { return try Opened(path: path, options: options, flashKey: flashKey.request) }
        catch let e as CLIError { throw CLIError(e.message, code: troubleCode) }
        catch { throw CLIError("\(error)", code: troubleCode) }   // a bad --flash-crypt-conf / --flash-scheme
    }
}
