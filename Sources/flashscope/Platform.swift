#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Everything in the command line that differs between Linux (Glibc) and macOS (Darwin).

/// Ends the process with `code`. (Inside a ParsableCommand, a bare `exit` is its static method.)
func terminate(_ code: Int32) -> Never { exit(code) }
