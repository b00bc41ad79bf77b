// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "podero-team-sync",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TeamSyncCore", targets: ["TeamSyncCore"]),
        .library(name: "LDAPDirectory", targets: ["LDAPDirectory"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // Pure model, role mapping inputs and the port protocols. No dependencies.
        .target(name: "TeamSyncCore"),

        // The version the binaries report (`--version`) and the Debian package carries, stamped
        // at build time from `git describe` (or the VERSION file in a tarball).
        .target(name: "BuildInfo", plugins: ["VersionStamp"]),
        .plugin(name: "VersionStamp", capability: .buildTool(), dependencies: ["version-stamp"]),
        .executableTarget(name: "version-stamp"),

        // libldap + liblber behind a tiny shim (see ../shared/ldap-notes.md).
        .systemLibrary(
            name: "CLDAP",
            path: "Sources/CLDAP",
            pkgConfig: "ldap",
            providers: [.apt(["libldap-dev"])]
        ),

        // Extended attributes and prctl, which the Glibc module does not export.
        .systemLibrary(name: "CPosixExtras", path: "Sources/CPosixExtras"),

        // The directory adapter: paged, complete-or-error reads of people and groups.
        .target(
            name: "LDAPDirectory",
            dependencies: [
                "TeamSyncCore",
                "CLDAP",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The Podero Partner API client: token cache, typed calls, retries, never-blind creates.
        .target(
            name: "PoderoAPI",
            dependencies: [
                "TeamSyncCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPCompression", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The SQLite journal: managed accounts, runs, intents, hash-chained audit log, lease.
        .target(
            name: "SyncJournal",
            dependencies: [
                "TeamSyncCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // Configuration, wiring, the sync cycle, the executor, the long-running service.
        .target(
            name: "TeamSyncApp",
            dependencies: [
                "TeamSyncCore", "LDAPDirectory", "PoderoAPI", "SyncJournal", "CPosixExtras",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "podero-team-sync",
            dependencies: [
                "TeamSyncApp", "SyncJournal", "TeamSyncCore", "BuildInfo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The local Podero emulator (library + executable), with switches and fault injection.
        .target(
            name: "PoderoSandbox",
            dependencies: [
                "TeamSyncCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "podero-sandbox",
            dependencies: [
                "PoderoSandbox", "TeamSyncCore", "BuildInfo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Benchmark driver for Scripts/bench-directory.sh: one full read, counts and time.
        .executableTarget(
            name: "directory-bench",
            dependencies: ["LDAPDirectory", "TeamSyncCore", .product(name: "Logging", package: "swift-log")]
        ),

        // Strict in-process fakes of the ports, written once: an account provider that refuses
        // what Podero refuses, an in-memory journal, a fixed clock.
        .target(name: "TestSupport", dependencies: ["TeamSyncCore"]),

        .testTarget(name: "TeamSyncCoreTests", dependencies: ["TeamSyncCore"]),
        .testTarget(
            name: "LDAPDirectoryTests",
            dependencies: ["LDAPDirectory", "TeamSyncCore", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "SyncJournalTests",
            dependencies: ["SyncJournal", "TeamSyncCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "TeamSyncAppTests",
            dependencies: [
                "TeamSyncApp", "TeamSyncCore", "TestSupport", "LDAPDirectory", "PoderoAPI", "CPosixExtras",
                .product(name: "Logging", package: "swift-log"),
                // Built for the end-to-end tests, which run them as processes.
                "podero-team-sync", "podero-sandbox",
            ]
        ),
        .testTarget(
            name: "PoderoAPITests",
            dependencies: [
                "PoderoAPI", "PoderoSandbox", "TeamSyncCore", "podero-sandbox",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
