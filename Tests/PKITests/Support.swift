//! Test support: a scratch directory per test and a runner for the real `openssl` CLI.

import Foundation
import PKI
import Testing

/// A fresh temporary directory, removed when the value is deinitialised.
final class ScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("pki-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// Writes `text` to `name` and returns the file's path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = url.appendingPathComponent(name)
        try Data(text.utf8).write(to: file)
        return file.path
    }

    func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }
}

/// The result of one `openssl` invocation.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var stdoutBytes: [UInt8]
}

/// Runs the real `openssl` CLI with `arguments` (and optional standard input), capturing output
/// through files so large outputs cannot dead-lock on a pipe. It awaits the process's exit
/// instead of blocking a thread of the shared concurrency pool, which the rest of the test
/// process (servers and controllers of other suites) needs.
func openssl(_ arguments: [String], stdin: [UInt8]? = nil) async throws -> CommandResult {
    let scratch = try ScratchDirectory()
    let outURL = scratch.url.appendingPathComponent("stdout")
    let errURL = scratch.url.appendingPathComponent("stderr")
    let inURL = scratch.url.appendingPathComponent("stdin")
    try Data().write(to: outURL)
    try Data().write(to: errURL)
    try Data(stdin ?? []).write(to: inURL)

    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["openssl"] + arguments
    process.standardInput = try FileHandle(forReadingFrom: inURL)
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = try FileHandle(forWritingTo: errURL)
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
        process.terminationHandler = { _ in continuation.resume() }
        do { try process.run() } catch {
            process.terminationHandler = nil
            continuation.resume(throwing: error)
        }
    }

    let out = try Data(contentsOf: outURL)
    let err = try Data(contentsOf: errURL)
    return CommandResult(
        status: process.terminationStatus,
        stdout: String(decoding: out, as: UTF8.self),
        stderr: String(decoding: err, as: UTF8.self),
        stdoutBytes: Array(out)
    )
}

/// Lowercase hex without separators.
func hex(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

/// Every key algorithm the module supports, for parameterised tests.
let allAlgorithms: [KeyAlgorithm] = [.ecdsaP256, .ed25519, .rsa(bits: 2048)]

/// Expects `body` to throw a `PKIError` whose code is `code`, and returns the error.
@discardableResult
func expectPKIError<R>(
    _ code: PKIError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> R
) -> PKIError? {
    let error = #expect(throws: PKIError.self, sourceLocation: sourceLocation) { try body() }
    #expect(error?.code == code, sourceLocation: sourceLocation)
    return error
}
