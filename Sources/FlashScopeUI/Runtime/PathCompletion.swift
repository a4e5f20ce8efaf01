#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// File-name completion for the stage and save prompts.
public enum PathCompletion {
    /// Paths that extend `prefix`: entries of its directory whose names start with its last
    /// component, sorted, directories with a trailing `/`. Hidden files only when asked for.
    public static func candidates(_ prefix: String) -> [String] {
        let expanded = expandTilde(prefix)
        let dirPart: String
        let namePart: String
        if let slash = expanded.lastIndex(of: "/") {
            dirPart = String(expanded[...slash])
            namePart = String(expanded[expanded.index(after: slash)...])
        } else {
            dirPart = ""
            namePart = expanded
        }
        guard let dir = opendir(dirPart.isEmpty ? "." : dirPart) else { return [] }
        defer { closedir(dir) }
        var out: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            guard name != ".", name != "..", name.hasPrefix(namePart) else { continue }
            if name.hasPrefix("."), !namePart.hasPrefix(".") { continue }
            var st = stat()
            let full = dirPart + name
            let isDir = stat(full, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
            // Keep the user's spelling of the directory (~ stays ~).
            let shown = String(prefix.dropLast(namePart.count)) + name
            out.append(isDir ? shown + "/" : shown)
        }
        return out.sorted()
    }
}
