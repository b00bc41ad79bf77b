import Foundation
import Testing

/// The `podero-sandbox` executable started as a child process on a free loopback port.
final class SandboxProcess: @unchecked Sendable {  // owned by one test; `process` is only touched from it
    let process = Process()
    let port: Int

    /// The built executable: `$PODERO_SANDBOX_BIN`, else the one next to the test bundle.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["PODERO_SANDBOX_BIN"] { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("podero-sandbox")
    }

    /// Starts the emulator and waits (at most 10 s) for its "listening on" line.
    init(_ arguments: [String]) throws {
        process.executableURL = Self.binary
        process.arguments = ["--port", "0"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var collected = Data()
        let deadline = Date().addingTimeInterval(10)
        var found: Int?
        while found == nil, Date() < deadline, process.isRunning {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            collected.append(chunk)
            let text = String(decoding: collected, as: UTF8.self)
            if let range = text.range(of: "listening on http://127.0.0.1:") {
                found = Int(text[range.upperBound...].prefix { $0.isNumber })
            }
        }
        guard let found else {
            process.terminate()
            throw SandboxProcessError.didNotStart(String(decoding: collected, as: UTF8.self))
        }
        port = found
    }

    /// SIGTERM, then waits for the exit.
    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// SIGKILL, then waits for the exit: nothing the emulator does on a clean stop happens.
    func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Runs the executable with `arguments` to completion and returns its exit status and stderr.
    static func runToExit(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}

enum SandboxProcessError: Error {
    case didNotStart(String)
}
