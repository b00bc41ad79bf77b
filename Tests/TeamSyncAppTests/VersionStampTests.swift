import Foundation
import Testing

/// Sources/version-stamp, which the VersionStamp plugin runs at every build: the version
/// `--version` prints and the Debian package carries.
@Suite("The build's version stamp")
struct VersionStampTests {
    private func stamp(_ root: URL) throws -> String {
        let output = root.appendingPathComponent("Stamped.swift")
        let result = try World.run(World.binaries.appendingPathComponent("version-stamp").path, [root.path, output.path])
        #expect(result.status == 0, "\(result.stderr)")
        let text = try String(contentsOf: output, encoding: .utf8)
        return try (text.firstMatch(of: /let stampedVersion = "([^"]*)"/)?.output.1).map(String.init).orThrow(text)
    }

    private func git(_ root: URL, _ arguments: [String]) throws {
        let result = try World.run("/usr/bin/git", ["-C", root.path, "-c", "user.name=t", "-c", "user.email=t@localhost"] + arguments)
        guard result.status == 0 else { throw WorldError.fixture("git \(arguments): \(result.stderr)") }
    }

    private func tree() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("stamp-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try "1.4.0\n".write(to: root.appendingPathComponent("VERSION"), atomically: true, encoding: .utf8)
        return root
    }

    @Test("a tarball (no git) is VERSION; a checkout is git describe, in Debian's version syntax")
    func forms() throws {
        let root = try tree()
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(try stamp(root) == "1.4.0")

        try git(root, ["init", "-q"])
        try git(root, ["add", "VERSION"])
        try git(root, ["commit", "-q", "-m", "one"])
        let hash = try World.run("/usr/bin/git", ["-C", root.path, "rev-parse", "--short=7", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try stamp(root) == "1.4.0+1.g\(hash)", "no tag: VERSION and the commit count")

        try git(root, ["tag", "v1.4.0"])
        #expect(try stamp(root) == "1.4.0", "at the tag")
        try "changed\n".write(to: root.appendingPathComponent("VERSION"), atomically: true, encoding: .utf8)
        #expect(try stamp(root) == "1.4.0+0.g\(hash).dirty", "uncommitted changes")
        try git(root, ["commit", "-q", "-am", "two"])
        let second = try World.run("/usr/bin/git", ["-C", root.path, "rev-parse", "--short=7", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try stamp(root) == "1.4.0+1.g\(second)", "one commit after the tag")

        try git(root, ["tag", "v2.0.0\"evil"])
        try git(root, ["tag", "-d", "v1.4.0"])
        let evil = try stamp(root)
        #expect(!evil.contains("\""), "a tag that is no version falls back to VERSION: \(evil)")
    }

    @Test("the binaries say the version they were built with")
    func binaries() throws {
        let version = try World.run(World.binaries.appendingPathComponent("podero-team-sync").path, ["--version"])
        let sandbox = try World.run(World.binaries.appendingPathComponent("podero-sandbox").path, ["--version"])
        #expect(version.status == 0 && version.stdout.first?.isNumber == true, "\(version.stdout)\(version.stderr)")
        #expect(sandbox.stdout == version.stdout)
    }
}
