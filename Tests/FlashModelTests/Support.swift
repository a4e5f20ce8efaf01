#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlashFormats
@testable import FlashModel

/// A fresh temporary directory, removed by the caller with `removeTree`.
func makeTempDir() -> String {
    var template = Array("/tmp/flashscope-test-XXXXXX".utf8CString)
    let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    return String(cString: p!)
}

func removeTree(_ path: String) {
    guard path.hasPrefix("/tmp/flashscope-test-") else { return }
    _ = system("rm -rf '\(path)'")
}

func listDir(_ path: String) -> [String] {
    guard let d = opendir(path) else { return [] }
    defer { closedir(d) }
    var out: [String] = []
    while let e = readdir(d) {
        let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { out.append(name) }
    }
    return out.sorted()
}

func readFile(_ path: String) -> [UInt8]? {
    guard let f = try? MappedFile(path: path) else { return nil }
    return f.bytes(0..<f.count)
}

func writeFile(_ path: String, _ bytes: [UInt8]) {
    try! AtomicFile.write(bytes, to: path, overwrite: true)
}

func sample(_ name: String) -> [UInt8] { SampleImages.all().first { $0.name == name }!.bytes }

func analyze(_ doc: FlashDocument, rollback: Bool = false) throws -> FlashLayout {
    try FlashLayout.analyze(doc, digests: doc.digests, options: AnalysisOptions(rollback: rollback))
}

/// Root of the package (for Samples/).
func packageRoot() -> String {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}
