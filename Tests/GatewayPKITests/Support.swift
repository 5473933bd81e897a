//! Test support: fixtures (settings, a PKI generated at a fixed time, Secret edits) and a runner
//! for the real `openssl` command line.

import Foundation
import GatewayPKI
import KubeCore
import OpenShellAPI
import PKI
import Testing

/// The fixed "now" of generated fixtures: 2026-09-21T14:13:20Z.
let t0 = Date(timeIntervalSince1970: 1_790_000_000)
let hour: TimeInterval = 3600
let day: TimeInterval = 24 * hour

/// Settings of the gateway `gw` in namespace `ns`, BuiltIn TLS unless `tls` says otherwise.
func settings(tls: GatewayTLS? = nil, credentials: GatewayCredentials? = nil) throws -> GatewayPKISettings {
    try GatewayPKISettings(gatewayName: "gw", namespace: "ns", spec: OpenShellGatewaySpec(tls: tls, credentials: credentials))
}

/// One complete set of gateway Secrets, generated at `t0` with the default settings.
struct Fixture: Sendable {
    let generated: GatewayCertificates
    let ca: KubeObject
    let server: KubeObject
    let client: KubeObject
    let jwt: KubeObject
    let kek: KubeObject

    init(settings: GatewayPKISettings, now: Date = t0) throws {
        generated = try GatewayCertificates.generate(settings: settings, now: now)
        let secrets = generated.secrets(settings: settings)
        ca = secrets[0]
        server = secrets[1]
        client = secrets[2]
        jwt = secrets[3]
        guard let kek = try GatewayKeyEncryptionKey.secret(settings: settings) else {
            throw TestError("the default settings manage a KEK")
        }
        self.kek = kek
    }

    /// Everything present.
    var all: ObservedGatewaySecrets {
        ObservedGatewaySecrets(ca: ca, server: server, client: client, signingKey: jwt, keyEncryptionKey: kek)
    }

    /// The server or client Secret of a certificate issued by this fixture's CA (for other lifetimes or SANs).
    func leafSecret(_ leaf: GatewayLeaf, settings: GatewayPKISettings, now: Date) throws -> KubeObject {
        let issued = try GatewayCertificates.issue(leaf, by: generated.authority, settings: settings, now: now)
        return tlsSecret(name: leaf == .server ? settings.serverSecretName : settings.clientSecretName,
                         certificate: issued.certificate.pem, key: issued.key.pemPKCS8, ca: generated.authority.certificate.pem)
    }
}

struct TestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Shared fixtures (generation takes a few milliseconds; tests only read them).
enum Fixtures {
    static let defaults: GatewayPKISettings = {
        do { return try settings() } catch { fatalError("default settings: \(error)") }
    }()
    static let main: Fixture = {
        do { return try Fixture(settings: defaults) } catch { fatalError("fixture: \(error)") }
    }()
    /// An unrelated PKI with the same Secret names.
    static let other: Fixture = {
        do { return try Fixture(settings: defaults) } catch { fatalError("fixture: \(error)") }
    }()
}

/// A `kubernetes.io/tls` Secret with the given PEM texts.
func tlsSecret(name: String, certificate: String, key: String, ca: String) -> KubeObject {
    KubeObject([
        "apiVersion": "v1", "kind": "Secret",
        "metadata": ["name": .string(name), "namespace": "ns"],
        "type": "kubernetes.io/tls",
        "data": [
            "tls.crt": .string(Data(certificate.utf8).base64EncodedString()),
            "tls.key": .string(Data(key.utf8).base64EncodedString()),
            "ca.crt": .string(Data(ca.utf8).base64EncodedString()),
        ],
    ])
}

/// `secret` with `key` of its data set to `text` (nil removes it).
func setting(_ secret: KubeObject, _ key: String, _ text: String?) -> KubeObject {
    var object = secret
    var data = object.json["data"]?.objectValue ?? [:]
    data[key] = text.map { .string(Data($0.utf8).base64EncodedString()) }
    object.json["data"] = .object(data)
    return object
}

/// The decoded text of `key` in a Secret's data.
func text(_ secret: KubeObject, _ key: String) -> String? {
    GatewaySecretInspection.data(secret, key).map { String(decoding: $0, as: UTF8.self) }
}

/// A fresh temporary directory, removed when the value is deinitialised.
final class ScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-pki-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `bytes` to `name` and returns the path.
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = url.appendingPathComponent(name)
        try Data(bytes).write(to: file)
        return file.path
    }

    /// Writes `text` to `name` and returns the path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String { try write(name, Array(text.utf8)) }
}

/// `openssl verify -attime` for `date` plus an hour (fixtures are issued at fixed times, so
/// verification must not depend on the wall clock).
func attime(_ date: Date) -> String {
    String(Int(date.timeIntervalSince1970 + hour))
}

/// What one `openssl` run printed.
struct OpenSSLResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the real `openssl` with `arguments`, output captured through files, awaiting the exit
/// without blocking a thread of the concurrency pool.
func openssl(_ arguments: [String]) async throws -> OpenSSLResult {
    let scratch = try ScratchDirectory()
    let outURL = scratch.url.appendingPathComponent("stdout")
    let errURL = scratch.url.appendingPathComponent("stderr")
    try Data().write(to: outURL)
    try Data().write(to: errURL)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["openssl"] + arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = try FileHandle(forWritingTo: errURL)
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
        process.terminationHandler = { _ in continuation.resume() }
        do { try process.run() } catch {
            process.terminationHandler = nil
            continuation.resume(throwing: error)
        }
    }
    return OpenSSLResult(
        status: process.terminationStatus,
        stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
        stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
}
