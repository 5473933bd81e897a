//! The client.authentication.k8s.io ExecCredential exchange (pure): the
//! `KUBERNETES_EXEC_INFO` input a credential plugin receives and the
//! credential it prints, validated with client-go's messages.
import Foundation
import KubeCore

/// What a credential plugin returned. Its description, debug description
/// and mirror never show secrets.
public struct ExecCredential: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var token: String?
    /// PEM client certificate (`clientCertificateData`).
    public var clientCertificateData: String?
    /// PEM private key (`clientKeyData`).
    public var clientKeyData: String?
    /// When the credential expires; `nil` means it is valid until the server rejects it.
    public var expirationTimestamp: Date?

    public init(token: String? = nil, clientCertificateData: String? = nil, clientKeyData: String? = nil, expirationTimestamp: Date? = nil) {
        self.token = token
        self.clientCertificateData = clientCertificateData
        self.clientKeyData = clientKeyData
        self.expirationTimestamp = expirationTimestamp
    }

    public var description: String {
        let expiry = expirationTimestamp.map { KubeTime.format($0) } ?? "none"
        return "ExecCredential(token: \(token == nil ? "none" : "<redacted>"), "
            + "clientCertificate: \(clientCertificateData == nil ? "none" : "<redacted>"), expires: \(expiry))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["expirationTimestamp": expirationTimestamp as Any, "credentials": "<redacted>"], displayStyle: .struct)
    }

    /// The client certificate, when the plugin returned one.
    public var clientCertificate: ClientCertificate? {
        guard let certificate = clientCertificateData, let key = clientKeyData else { return nil }
        return ClientCertificate(certificatePEM: Data(certificate.utf8), keyPEM: Data(key.utf8))
    }

    /// The API versions of the exchange this client speaks.
    public static let supportedAPIVersions = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"]

    /// Decodes the plugin's standard output.
    /// - Parameter apiVersion: the version the plugin was asked to speak; the output must use it.
    /// - Throws: `ExecPluginError` with client-go's wording.
    public static func parse(_ output: Data, apiVersion: String) throws(ExecPluginError) -> ExecCredential {
        guard let value = try? JSONValue.parse(output), let object = value.objectValue else {
            throw ExecPluginError("decoding stdout: the output is not a JSON object")
        }
        let returned = object["apiVersion"]?.stringValue ?? ""
        guard returned == apiVersion else {
            throw ExecPluginError("exec plugin is configured to use API version \(apiVersion), plugin returned version \(returned)")
        }
        guard object["kind"]?.stringValue == "ExecCredential" else {
            throw ExecPluginError("decoding stdout: expected kind ExecCredential, got \"\(object["kind"]?.stringValue ?? "")\"")
        }
        guard let status = object["status"]?.objectValue else {
            throw ExecPluginError("exec plugin didn't return a status field")
        }
        func text(_ key: String) -> String? {
            guard let string = status[key]?.stringValue, !string.isEmpty else { return nil }
            return string
        }
        var credential = ExecCredential(
            token: text("token"), clientCertificateData: text("clientCertificateData"), clientKeyData: text("clientKeyData"))
        if let expiry = text("expirationTimestamp") {
            guard let date = KubeTime.parse(expiry) else {
                throw ExecPluginError("decoding stdout: invalid expirationTimestamp \"\(expiry)\"")
            }
            credential.expirationTimestamp = date
        }
        if (credential.clientCertificateData == nil) != (credential.clientKeyData == nil) {
            throw ExecPluginError("exec plugin returned only certificate or key, not both")
        }
        guard credential.token != nil || credential.clientCertificateData != nil else {
            throw ExecPluginError("exec plugin didn't return a token or cert/key pair")
        }
        return credential
    }

    /// The `KUBERNETES_EXEC_INFO` document: `spec.interactive` is always
    /// false (plugins run without a terminal); `spec.cluster` is included
    /// when the kubeconfig asks for `provideClusterInfo`.
    public static func execInfo(apiVersion: String, cluster: ExecClusterInfo?) -> JSONValue {
        var spec: JSONObject = ["interactive": false]
        if let cluster {
            var info: JSONObject = ["server": .string(cluster.server)]
            if let name = cluster.tlsServerName { info["tls-server-name"] = .string(name) }
            if cluster.insecureSkipTLSVerify { info["insecure-skip-tls-verify"] = true }
            if let ca = cluster.certificateAuthorityData { info["certificate-authority-data"] = .string(ca.base64EncodedString()) }
            if let proxy = cluster.proxyURL { info["proxy-url"] = .string(proxy) }
            spec["cluster"] = .object(info)
        }
        return ["apiVersion": .string(apiVersion), "kind": "ExecCredential", "spec": .object(spec)]
    }
}

/// The cluster as a plugin sees it through `provideClusterInfo`.
public struct ExecClusterInfo: Sendable, Hashable {
    public var server: String
    public var tlsServerName: String?
    public var insecureSkipTLSVerify: Bool
    public var certificateAuthorityData: Data?
    public var proxyURL: String?

    public init(
        server: String, tlsServerName: String? = nil, insecureSkipTLSVerify: Bool = false,
        certificateAuthorityData: Data? = nil, proxyURL: String? = nil
    ) {
        self.server = server
        self.tlsServerName = tlsServerName
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.certificateAuthorityData = certificateAuthorityData
        self.proxyURL = proxyURL
    }
}

/// A credential plugin that could not be run or returned nothing usable.
/// Never contains the credential.
public struct ExecPluginError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { "getting credentials: \(message)" }
}
