// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "podero-team-sync",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "TeamSyncCore", targets: ["TeamSyncCore"]),
        .library(name: "LDAPDirectory", targets: ["LDAPDirectory"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        // Pure model, role mapping inputs and the port protocols. No dependencies.
        .target(name: "TeamSyncCore"),

        // libldap + liblber behind a tiny shim (see ../shared/ldap-notes.md).
        .systemLibrary(
            name: "CLDAP",
            path: "Sources/CLDAP",
            pkgConfig: "ldap",
            providers: [.apt(["libldap-dev"])]
        ),

        // The directory adapter: paged, complete-or-error reads of people and groups.
        .target(
            name: "LDAPDirectory",
            dependencies: [
                "TeamSyncCore",
                "CLDAP",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Benchmark driver for Scripts/bench-directory.sh: one full read, counts and time.
        .executableTarget(name: "directory-bench", dependencies: ["LDAPDirectory", "TeamSyncCore"]),

        .testTarget(name: "TeamSyncCoreTests", dependencies: ["TeamSyncCore"]),
        .testTarget(name: "LDAPDirectoryTests", dependencies: ["LDAPDirectory", "TeamSyncCore"]),
    ],
    swiftLanguageModes: [.v6]
)
