//! `GatewayPKIChecksum`: a digest of the public parts of what the gateway loads at start (server
//! certificate, CA, JWT public key and kid), for a pod-template annotation that rolls the gateway
//! when a certificate is renewed or the signing key is replaced.

import KubeCore

public enum GatewayPKIChecksum {
    /// The pod-template annotation carrying `value(server:signingKey:)`.
    public static let annotation = "openshell.ai/pki-checksum"

    /// FNV-1a (64-bit, hex) over the server Secret's `tls.crt` and `ca.crt` and the JWT Secret's
    /// `public.pem` and `kid` (private keys are left out: they change only with these). Absent
    /// Secrets (TLS disabled or issued by cert-manager not yet) count as empty.
    public static func value(server: KubeObject?, signingKey: KubeObject?) -> String {
        var parts: [String] = []
        for (secret, keys) in [(server, [GatewaySecretKeys.certificate, GatewaySecretKeys.caCertificate]),
                               (signingKey, [GatewaySecretKeys.publicKey, GatewaySecretKeys.keyID])] {
            for key in keys {
                let text = secret?.json["data"]?[key]?.stringValue ?? ""
                parts.append("\(key)=\(text)")
            }
        }
        return FNV1a.hex64(parts.joined(separator: "\n"))
    }
}
