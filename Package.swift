// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "FlashScope",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "flashscope", targets: ["flashscope"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        // System zlib: CRC-32 with an explicit seed (what ESP-IDF's ROM CRC and otatool compute).
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // ncursesw through a tiny C shim: its macros and globals do not import into Swift 6.
        // macOS: the system's ncurses (its libncurses has the wide-character API).
        .target(
            name: "CNcurses",
            dependencies: ["CFileGuard"],
            path: "Sources/CNcurses",
            cSettings: [.define("_XOPEN_SOURCE_EXTENDED"), .define("_DEFAULT_SOURCE"),
                        .define("_DARWIN_C_SOURCE", .when(platforms: [.macOS]))],
            linkerSettings: [.linkedLibrary("ncursesw", .when(platforms: [.linux])),
                             .linkedLibrary("ncurses", .when(platforms: [.macOS]))]
        ),
        // AES-ECB / AES-XTS from the system's OpenSSL libcrypto (swift-crypto has neither mode).
        // macOS has no OpenSSL headers: Homebrew's openssl@3 (Apple silicon or Intel prefix).
        .target(
            name: "CCrypto",
            path: "Sources/CCrypto",
            cSettings: [.unsafeFlags(["-I/opt/homebrew/opt/openssl@3/include", "-I/usr/local/opt/openssl@3/include"],
                                     .when(platforms: [.macOS]))],
            linkerSettings: [.linkedLibrary("crypto"),
                             .unsafeFlags(["-L/opt/homebrew/opt/openssl@3/lib", "-L/usr/local/opt/openssl@3/lib"],
                                          .when(platforms: [.macOS]))]
        ),
        // SIGBUS guard for read-only file mappings (a file truncated under us must not kill the process).
        .target(name: "CFileGuard", path: "Sources/CFileGuard"),
        // Pure formats: bytes in, values and diagnostics out. No files, no terminal.
        .target(name: "FlashFormats", dependencies: [
            "CZlib", "CCrypto",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The document: memory-mapped image, edit overlay, whole-image analysis, OTA operations, saving.
        .target(name: "FlashModel", dependencies: ["FlashFormats", "CFileGuard"]),
        // Terminal-free screen buffer and drawing helpers.
        .target(name: "ScreenKit"),
        // The only code that talks to the terminal (ncurses).
        .target(name: "TerminalUI", dependencies: ["ScreenKit", "CNcurses"]),
        // The TUI application: state, keys, panes. Imports no ncurses.
        .target(name: "FlashScopeUI", dependencies: ["FlashModel", "ScreenKit"]),
        .executableTarget(name: "flashscope", dependencies: [
            "FlashModel", "FlashScopeUI", "TerminalUI",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "FlashFormatsTests", dependencies: [
            "FlashFormats", .product(name: "Crypto", package: "swift-crypto"),
        ], exclude: ["Fixtures"]),
        .testTarget(name: "FlashModelTests", dependencies: ["FlashModel"]),
        .testTarget(name: "ScreenKitTests", dependencies: ["ScreenKit"]),
        // Golden screens live in Snapshots/ next to the tests (read by path, not bundled).
        .testTarget(name: "FlashScopeUITests", dependencies: ["FlashScopeUI", "FlashModel", "ScreenKit"],
                    exclude: ["Snapshots"]),
        // The real binary in tmux (needs tmux; fails instead of skipping when CI is set).
        .testTarget(name: "EndToEndTests", dependencies: ["FlashModel", "TestSupport"]),
        // Golden/: `info --json` per sample and `--help` per command (FLASHSCOPE_UPDATE_GOLDEN=1 regenerates).
        .testTarget(name: "CLITests", dependencies: ["FlashModel", "TestSupport"], exclude: ["Golden"]),
        // Shared by the test targets that run the built binary (its locator and runner).
        .target(name: "TestSupport", dependencies: ["FlashModel"], path: "Tests/TestSupport"),
        // Hostile input: mutation suite, fuzz-found regressions, encrypted dumps, input-file safety.
        .testTarget(name: "RobustnessTests", dependencies: ["FlashModel"]),
    ],
    swiftLanguageModes: [.v6]
)
