//! Test certificates made with the `openssl` CLI in a temporary directory:
//! a CA, a server certificate for localhost/127.0.0.1/kubernetes.default.svc,
//! a client certificate, and an unrelated CA for verification failures.
import Foundation

struct TestPKI: Sendable {
    let caCertificate: Data
    let serverCertificate: Data
    let serverKey: Data
    let clientCertificate: Data
    let clientKey: Data
    let otherCACertificate: Data

    /// Made once per test process.
    static let shared: TestPKI = {
        do {
            return try TestPKI()
        } catch {
            fatalError("cannot create test certificates with openssl: \(error)")
        }
    }()

    private init() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kubeclient-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func run(_ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["openssl"] + arguments
            process.currentDirectoryURL = dir
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "openssl \(arguments.joined(separator: " ")) failed"])
            }
        }
        func write(_ name: String, _ text: String) throws {
            try Data(text.utf8).write(to: dir.appendingPathComponent(name))
        }
        func read(_ name: String) throws -> Data { try Data(contentsOf: dir.appendingPathComponent(name)) }
        let newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

        for ca in ["ca", "other-ca"] {
            try run(["req", "-x509"] + newKey + ["-keyout", "\(ca).key", "-out", "\(ca).crt", "-days", "2", "-subj", "/CN=\(ca)"])
        }
        try write("server.ext", "subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n")
        try write("client.ext", "extendedKeyUsage=clientAuth\n")
        for (leaf, subject) in [("server", "/CN=localhost"), ("client", "/O=system:masters/CN=test-user")] {
            try run(["req"] + newKey + ["-keyout", "\(leaf).key", "-out", "\(leaf).csr", "-subj", subject])
            try run([
                "x509", "-req", "-in", "\(leaf).csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "\(leaf).crt", "-days", "2", "-extfile", "\(leaf).ext",
            ])
        }
        caCertificate = try read("ca.crt")
        serverCertificate = try read("server.crt")
        serverKey = try read("server.key")
        clientCertificate = try read("client.crt")
        clientKey = try read("client.key")
        otherCACertificate = try read("other-ca.crt")
    }
}
