#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import FlashModel

/// The built `flashscope` binary, for the test targets that run it (CLI, end-to-end): one locator
/// instead of a copy per target.
public enum FlashScopeBinary {
    /// The package root (this file is Tests/TestSupport/FlashScopeBinary.swift).
    public static let packageRoot: String = {
        let parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        return parts.dropLast(3).joined(separator: "/")
    }()

    /// `FLASHSCOPE_BIN` when set and not empty, else the binary beside the test bundle (the same
    /// build, debug or release), else `<package root>/.build/debug/flashscope`.
    public static let path: String = {
        if let p = getenv("FLASHSCOPE_BIN"), p.pointee != 0 { return String(cString: p) }
        if let dir = buildDirectory() {
            let candidate = dir + "/flashscope"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return packageRoot + "/.build/debug/flashscope"
    }()

    /// The folder holding the test bundle: the running executable's folder, minus any
    /// `.xctest`/`Contents`/`MacOS` levels of a bundle.
    static func buildDirectory() -> String? {
        #if os(Linux)
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { return nil }
        let exe = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #else
        // On macOS the process is Xcode's xctest runner; the bundle that holds this code is ours.
        let exe = Bundle(for: BundleMarker.self).bundlePath + "/x"
        #endif
        var dir = exe.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        while let last = dir.last, last.hasSuffix(".xctest") || last == "MacOS" || last == "Contents" { dir = dir.dropLast() }
        return dir.joined(separator: "/")
    }
    private final class BundleMarker {}

    public struct Result: Sendable { public let status: Int32; public let stdout: String; public let stderr: String }

    /// Runs the binary with `args` through `/bin/sh`, stdin from /dev/null, capturing both streams;
    /// `status` is the exit status, or 128 + the signal. `directory`: the working directory.
    public static func run(_ args: [String], environment: [String: String] = [:], directory: String? = nil) throws -> Result {
        let dir = tempDirectory()
        defer { _ = system("rm -rf '\(dir)'") }
        let quoted = ([path] + args).map { "'" + $0.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'" }
        let env = environment.map { "\($0.key)='\($0.value)'" }.joined(separator: " ")
        let cd = directory.map { "cd '" + $0.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "' && " } ?? ""
        let status = system("\(cd)\(env) \(quoted.joined(separator: " ")) >'\(dir)/out' 2>'\(dir)/err' </dev/null")
        let read: (String) -> String = { p in
            guard let f = try? MappedFile(path: p) else { return "" }
            return String(decoding: f.bytes(0..<f.count), as: UTF8.self)
        }
        let code: Int32 = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Result(status: code, stdout: read(dir + "/out"), stderr: read(dir + "/err"))
    }

    /// A fresh scratch directory under /tmp.
    public static func tempDirectory() -> String {
        var template = Array("/tmp/flashscope-cli-XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        return String(cString: p!)
    }
}
