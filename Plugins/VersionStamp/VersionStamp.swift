import Foundation
import PackagePlugin

/// Stamps the target with the version it is built from (`BuildInfo.version`): `git describe`
/// of the work tree when it is a git checkout, else the top-level `VERSION` file (a tarball).
/// The command runs again whenever `VERSION` or git's HEAD, reflog or index changes.
@main
struct VersionStamp: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("StampedVersion.swift")
        let candidates = ["VERSION", ".git/HEAD", ".git/logs/HEAD", ".git/index", ".git/packed-refs"]
        let inputs = candidates.map { root.appendingPathComponent($0) }
            .filter { FileManager.default.fileExists(atPath: $0.path(percentEncoded: false)) }
        return [
            .buildCommand(
                displayName: "Stamping the version of \(target.name)",
                executable: try context.tool(named: "version-stamp").url,
                arguments: [root.path(percentEncoded: false), output.path(percentEncoded: false)],
                inputFiles: inputs,
                outputFiles: [output])
        ]
    }
}
