//! The cluster's credentials: a CA made with OpenSSL, the API server's serving
//! certificate, client certificates for users, and the kubeconfig that ties
//! them together for kubectl and clients.
import Foundation
import KubeCore
import PKI

public struct ClusterCredentials: Sendable {
    public let authority: CertificateAuthority
    public let servingCertificate: Certificate
    public let servingKey: PrivateKey

    /// Generates a CA and a serving certificate for `localhost`, `127.0.0.1`, `::1`,
    /// the in-cluster names of the `kubernetes` Service and any extra hosts.
    public static func generate(extraHosts: [String] = [], now: Date = Date()) throws -> ClusterCredentials {
        let caKey = try PrivateKey.generate(.ecdsaP256)
        let authority = try CertificateAuthority.selfSigned(
            commonName: "openshell-local-cluster-ca", validity: .lasting(.seconds(10 * 365 * 86_400), from: now), key: caKey)
        var template = CertificateTemplate.server(
            commonName: "kube-apiserver",
            dnsNames: ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"],
            ipAddresses: ["127.0.0.1", "::1", "10.96.0.1"], validity: .lasting(.seconds(365 * 86_400), from: now))
        for host in extraHosts { template.addSubjectAlternativeName(host) }
        let servingKey = try PrivateKey.generate(.ecdsaP256)
        let serving = try authority.issue(template, for: servingKey.publicKey)
        return ClusterCredentials(authority: authority, servingCertificate: serving, servingKey: servingKey)
    }

    /// A client certificate for a user (CN) in groups (O), as kube-apiserver reads them.
    public func clientCredentials(user: String, groups: [String] = [], now: Date = Date()) throws -> (certificate: Certificate, key: PrivateKey) {
        let key = try PrivateKey.generate(.ecdsaP256)
        let certificate = try authority.issue(
            .client(commonName: user, organizations: groups, validity: .lasting(.seconds(365 * 86_400), from: now)),
            for: key.publicKey)
        return (certificate, key)
    }
}

/// Writes kubeconfig files.
public enum KubeconfigFile {
    /// How a kubeconfig user authenticates.
    public enum Credential: Sendable {
        case clientCertificate(certificatePEM: String, keyPEM: String)
        case token(String)
    }

    /// A kubeconfig with one cluster, one user and one current context.
    public static func render(server: String, caPEM: String, user: String, credential: Credential,
                              contextName: String = "openshell-local", namespace: String = "default") -> String {
        var userFields: [String]
        switch credential {
        case .clientCertificate(let cert, let key):
            userFields = ["client-certificate-data: \(Data(cert.utf8).base64EncodedString())",
                          "client-key-data: \(Data(key.utf8).base64EncodedString())"]
        case .token(let token):
            userFields = ["token: \(token)"]
        }
        let lines = [
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: \(contextName)",
            "  cluster:",
            "    server: \(server)",
            "    certificate-authority-data: \(Data(caPEM.utf8).base64EncodedString())",
            "users:",
            "- name: \(user)",
            "  user:",
        ] + userFields.map { "    " + $0 } + [
            "contexts:",
            "- name: \(contextName)",
            "  context:",
            "    cluster: \(contextName)",
            "    user: \(user)",
            "    namespace: \(namespace)",
            "current-context: \(contextName)",
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}
