import ArgumentParser
import FlashFormats
import FlashModel

/// `--flash-crypt-conf`, declared once for `decrypt` and every command reading through `--flash-key`.
struct CryptConfOption: ParsableArguments {
    @Option(name: .customLong("flash-crypt-conf"), help: "ESP32 FLASH_CRYPT_CONF eFuse value, 0x0–0xf (default 0xf).")
    var value: String?
}

/// `--flash-key`, `--flash-crypt-conf`, `--flash-scheme`: read a flash-encrypted dump through its key
/// (an @OptionGroup of ImageOptions).
struct FlashKeyOptions: ParsableArguments {
    @Option(name: .customLong("flash-key"), help: "Flash-encryption key file (espsecure generate-flash-encryption-key): show the dump decrypted.")
    var flashKey: String?

    @OptionGroup var cryptConf: CryptConfOption

    @Option(name: .customLong("flash-scheme"), help: "esp32 (AES-256, address-tweaked) or xts (ESP32-S2 and later); default: found from the key and the dump.")
    var scheme: String?

    var request: FlashKeyRequest { FlashKeyRequest(flashKey: flashKey, cryptConf: cryptConf.value, scheme: scheme) }
}

/// What `--flash-key` and its companions ask for.
struct FlashKeyRequest: Equatable {
    var flashKey: String?
    var cryptConf: String?
    var scheme: String?

    func conf() throws -> UInt8 {
        guard let cryptConf else { return 0xF }
        let v = try parseNumber(cryptConf, what: "--flash-crypt-conf")
        guard v <= 0xF else { throw ValidationError("--flash-crypt-conf \(cryptConf) is not between 0x0 and 0xf") }
        return UInt8(v)
    }

    func encryptionScheme() throws -> FlashEncryptionScheme? {
        switch scheme?.lowercased() {
        case nil: return cryptConf != nil ? .esp32(cryptConf: try conf()) : nil
        case "esp32", "aes256", "aes-256": return .esp32(cryptConf: try conf())
        case "xts", "aes-xts": return .xts
        case let other?:
            if let chip = Chip.named(other) { return chip == .esp32 ? .esp32(cryptConf: try conf()) : .xts }
            throw ValidationError("--flash-scheme \(other): use esp32, xts or a chip name")
        }
    }

    func readKey(_ path: String) throws -> FlashEncryptionKey {
        let bytes: [UInt8]
        do { let f = try MappedFile(path: path); bytes = f.bytes(0..<f.count) } catch { throw CLIError(error) }
        guard let key = FlashEncryptionKey(bytes) else { throw CLIError(DecryptionError.badKey(bytes.count).description, code: CLIError.Code.usage) }
        return key
    }

    /// nil without `--flash-key`.
    func decrypt(_ source: some ByteSource, tableOffset: Int?) throws -> OpenedDecryption? {
        guard let flashKey else {
            if cryptConf != nil || scheme != nil { throw ValidationError("--flash-crypt-conf and --flash-scheme need --flash-key") }
            return nil
        }
        let key = try readKey(flashKey)
        do {
            return OpenedDecryption(key: key, dump: try FlashDecryption.decrypt(source, key: key, scheme: try encryptionScheme(),
                                                                                cryptConf: try conf(), tableOffset: tableOffset))
        } catch let e as DecryptionError {
            throw CLIError("\(flashKey): \(e.description)", code: CLIError.Code.refused)
        }
    }
}

struct OpenedDecryption {
    let key: FlashEncryptionKey
    let dump: DecryptedDump
}

struct DecryptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decrypt",
        abstract: "Write the plaintext of a flash-encrypted dump: the regions ESP-IDF encrypts, decrypted as espsecure does.").leaf

    @Argument(help: "The encrypted flash dump.") var file: String
    @Option(name: .customLong("key"), help: "Flash-encryption key file.") var key: String
    @Option(name: .shortAndLong, help: "Output file (refused if it exists unless --force).") var output: String
    @OptionGroup var cryptConf: CryptConfOption
    @Option(name: .customLong("chip"), help: "Chip or scheme: esp32 (AES-256) or a later chip / xts (XTS-AES); default: found.") var chip: String?
    @Option(name: .customLong("pt-offset"), help: "Partition table offset (default: found by decrypting candidates).") var ptOffset: String?
    @Flag(help: "Print one JSON object.") var json = false
    @Flag(help: "Overwrite an existing output file.") var force = false

    func run() throws {
        let opts = FlashKeyRequest(flashKey: key, cryptConf: cryptConf.value, scheme: chip)
        let file: MappedFile
        do { file = try MappedFile(path: self.file) } catch { throw CLIError(error) }
        let table = try ptOffset.map { try parseNumber($0, what: "--pt-offset") }
        guard let d = try opts.decrypt(file, tableOffset: table) else { return }
        do { try AtomicFile.write(d.dump.plaintext, to: output, overwrite: force) } catch { throw CLIError(error) }
        if json {
            writeStdout(JSON.object([
                ("scheme", .string(d.dump.scheme.name)), ("bootloader_offset", .num(d.dump.bootloaderOffset)),
                ("table_offset", .opt(d.dump.tableOffset)),
                ("regions", .array(d.dump.regions.map { .object([("start", .num($0.range.lowerBound)), ("end", .num($0.range.upperBound)), ("what", .string($0.what))]) })),
                ("output", .string(output)),
            ]).serialized() + "\n")
        } else {
            var out = ["\(d.dump.scheme.name) · bootloader @\(Hex.short(d.dump.bootloaderOffset)) · table @\(d.dump.tableOffset.map { Hex.short($0) } ?? "not found")"]
            out += d.dump.regions.map { "  decrypted \(Hex.short($0.range.lowerBound))–\(Hex.short($0.range.upperBound))  \($0.what)" }
            out.append("wrote \(output) (\(d.dump.plaintext.count) bytes; erased 16-byte blocks and unencrypted regions as read)")
            writeStdout(out.joined(separator: "\n") + "\n")
        }
    }
}
