//! TLS mode CertManager (openshell-contract §2.6): a self-signed Issuer, the
//! CA Certificate, the CA Issuer, the server Certificate, the optional
//! externally issued server Certificate, and the client Certificate, in the
//! chart's document order. Also the built-in PKI's plan (what the operator's
//! own certificate code must create), which replaces the chart's certgen Job.
import KubeCore
import OpenShellAPI

enum CertManagerRendering {
    static let apiVersion = "cert-manager.io/v1"
    static let group = "cert-manager.io"

    static func objects(_ c: GatewayContext) -> [KubeObject] {
        guard c.tlsMode == .certManager else { return [] }
        let names = c.names
        let tls = c.spec.tls
        let lifetime: JSONObject = [
            "duration": .string(nonEmpty(tls?.duration) ?? GatewayDefaults.certificateDuration),
            "renewBefore": .string(nonEmpty(tls?.renewBefore) ?? GatewayDefaults.certificateRenewBefore),
        ]
        let caIssuer = issuerRef(names.caIssuer, kind: "Issuer", group: group)
        var objects = [
            issuer(c, names.selfSignedIssuer, ["selfSigned": .object([:])]),
            certificate(c, names.caCertificate, [
                "isCA": true,
                "commonName": "openshell-ca",
                "secretName": .string(c.secrets.certManagerCA),
                "privateKey": .object(["algorithm": "ECDSA", "size": 256]),
                "issuerRef": issuerRef(names.selfSignedIssuer, kind: "Issuer", group: group),
            ]),
            issuer(c, names.caIssuer, ["ca": .object(["secretName": .string(c.secrets.certManagerCA)])]),
            certificate(c, names.serverCertificate, lifetime.merging([
                "secretName": .string(c.secrets.server),
                "commonName": .string(names.name),
                "dnsNames": strings(serverDNSNames(c)),
                "ipAddresses": strings(serverIPAddresses(c)),
                "usages": ["server auth", "digital signature", "key encipherment"],
                "issuerRef": caIssuer,
            ]) { a, _ in a }),
        ]
        if let external = c.externalIssuer {
            let ref = external.issuerRef
            objects.append(certificate(c, names.externalServerCertificate, lifetime.merging([
                "secretName": .string(c.secrets.externalServer),
                "commonName": .string(external.dnsNames.first ?? names.name),
                "dnsNames": strings(external.dnsNames),
                "usages": ["server auth", "digital signature", "key encipherment"],
                "issuerRef": issuerRef(ref.name, kind: nonEmpty(ref.kind) ?? "Issuer", group: nonEmpty(ref.group) ?? group),
            ]) { a, _ in a }))
        }
        objects.append(certificate(c, names.clientCertificate, lifetime.merging([
            "secretName": .string(c.secrets.client),
            "commonName": "openshell-client",
            "usages": ["client auth", "digital signature", "key encipherment"],
            "issuerRef": caIssuer,
        ]) { a, _ in a }))
        return objects
    }

    /// The internal server certificate's DNS names: the defaults, then `tls.extraDNSNames` (never the external issuer's).
    static func serverDNSNames(_ c: GatewayContext) -> [String] {
        unique(c.names.defaultServerDNSNames + (c.spec.tls?.extraDNSNames ?? []))
    }

    /// `127.0.0.1`, `::1`, then `tls.extraIPAddresses`.
    static func serverIPAddresses(_ c: GatewayContext) -> [String] {
        unique(GatewayNames.defaultServerIPAddresses + (c.spec.tls?.extraIPAddresses ?? []))
    }

    /// Built-in mode: server, client and JWT Secrets with the server SANs; otherwise the JWT Secret only.
    static func pkiPlan(_ c: GatewayContext) -> GatewayPKIPlan {
        let builtIn = c.tlsMode == .builtIn
        return GatewayPKIPlan(
            serverSecret: builtIn ? c.secrets.server : nil,
            clientSecret: builtIn ? c.secrets.client : nil,
            jwtSecret: c.secrets.jwt,
            serverDNSNames: builtIn ? serverDNSNames(c) : [],
            serverIPAddresses: builtIn ? serverIPAddresses(c) : [],
            duration: nonEmpty(c.spec.tls?.duration) ?? GatewayDefaults.certificateDuration,
            renewBefore: nonEmpty(c.spec.tls?.renewBefore) ?? GatewayDefaults.certificateRenewBefore
        )
    }

    private static func issuer(_ c: GatewayContext, _ name: String, _ spec: JSONObject) -> KubeObject {
        c.object(apiVersion, "Issuer", metadata: c.metadata(name: name, namespace: c.names.namespace), ["spec": .object(spec)])
    }

    private static func certificate(_ c: GatewayContext, _ name: String, _ spec: JSONObject) -> KubeObject {
        c.object(apiVersion, "Certificate", metadata: c.metadata(name: name, namespace: c.names.namespace), ["spec": .object(spec)])
    }

    private static func issuerRef(_ name: String, kind: String, group: String) -> JSONValue {
        .object(["name": .string(name), "kind": .string(kind), "group": .string(group)])
    }
}
