//! CertManagerProgress: how far cert-manager has issued a gateway's
//! certificates — each rendered Certificate Ready at its current spec, and
//! each Secret it writes present with a certificate — and which of those
//! Secrets the gateway pod mounts (the workload waits for them). Pure.
import KubeCore
import OpenShellAPI

struct CertManagerProgress: Sendable, Hashable {
    /// Every Certificate is Ready at its current spec and every Secret exists.
    var ready: Bool
    /// The Certificates not Ready yet, with cert-manager's message.
    var pendingCertificates: [String]
    /// The Secrets not written yet.
    var missingSecrets: [String]
    var certificateCount: Int

    /// The config-checksum input covering the externally issued server certificate.
    static let externalChecksumInput = "openshell.ai/external-tls-checksum"

    /// The Secrets cert-manager writes for `spec`: the CA's, the server's, the external server's (with an
    /// external issuer) and the client's.
    static func secretNames(spec: OpenShellGatewaySpec, gateway: KubeObject) -> [String] {
        let names = GatewaySecretNames.resolve(spec, names: GatewayNames(name: gateway.name, namespace: gateway.namespace))
        var list = [names.certManagerCA, names.server]
        if spec.tls?.certManager?.externalIssuer != nil { list.append(names.externalServer) }
        list.append(names.client)
        return list
    }

    /// The issued Secrets the gateway pod mounts: the server's, and the external server's with an external issuer.
    static func mountedSecretNames(spec: OpenShellGatewaySpec, gateway: KubeObject) -> [String] {
        let names = GatewaySecretNames.resolve(spec, names: GatewayNames(name: gateway.name, namespace: gateway.namespace))
        return spec.tls?.certManager?.externalIssuer != nil ? [names.server, names.externalServer] : [names.server]
    }

    /// Whether `secret` holds a certificate (`tls.crt` and `tls.key` not empty).
    static func isIssued(_ secret: KubeObject?) -> Bool {
        guard let data = secret?.json["data"] else { return false }
        return [data["tls.crt"], data["tls.key"]].allSatisfy { !($0?.stringValue ?? "").isEmpty }
    }

    /// A digest of an issued Secret's certificate and CA, for the config checksum.
    static func fingerprint(_ secret: KubeObject?) -> String {
        let data = secret?.json["data"]
        return FNV1a.hex64(["tls.crt", "ca.crt"].map { "\($0)=\(data?[$0]?.stringValue ?? "")" }.joined(separator: "\n"))
    }

    /// - Parameters:
    ///   - desired: the rendered Issuers and Certificates, stamped with their applied hash.
    ///   - live: the gateway's children as cached.
    ///   - secrets: the issued Secrets as read, by name.
    ///   - secretNames: the Secrets that must exist.
    init(desired: [KubeObject], live: [KubeObject], secrets: [String: KubeObject], secretNames: [String]) {
        var byKey: [ChildKey: KubeObject] = [:]
        for child in live { byKey[ChildKey(child)] = child }
        let certificates = desired.filter { $0.kind == OptionalAPI.certificates.kind }
        certificateCount = certificates.count
        pendingCertificates = certificates.compactMap { want in
            guard let have = byKey[ChildKey(want)] else { return "\(want.name) (not created yet)" }
            if have.annotations[ChildDrift.appliedHashAnnotation] != want.annotations[ChildDrift.appliedHashAnnotation] {
                return "\(want.name) (being updated)"
            }
            // Read loosely: cert-manager may leave out a condition's reason, message or transition time.
            let conditions = have.status?["conditions"]?.arrayValue ?? []
            guard let ready = conditions.first(where: { $0["type"]?.stringValue == "Ready" }) else {
                return "\(want.name) (not issued yet)"
            }
            let current = ready["observedGeneration"]?.intValue.map { $0 >= have.generation } ?? true
            if ready["status"]?.stringValue == "True", current { return nil }
            let reason = ready["reason"]?.stringValue ?? "NotReady"
            let text = ready["message"]?.stringValue ?? ""
            return text.isEmpty ? "\(want.name) (\(reason))" : "\(want.name) (\(reason): \(text))"
        }
        missingSecrets = secretNames.filter { !Self.isIssued(secrets[$0]) }
        ready = pendingCertificates.isEmpty && missingSecrets.isEmpty
    }

    /// `1 of 3 Certificates Ready; waiting for openshell-server (Issuing: ...); Secrets not written yet: openshell-server-tls`.
    var message: String {
        if ready { return "cert-manager issued all \(certificateCount) Certificates and wrote their Secrets" }
        var parts = ["\(certificateCount - pendingCertificates.count) of \(certificateCount) Certificates Ready"]
        if !pendingCertificates.isEmpty { parts.append("waiting for " + pendingCertificates.joined(separator: ", ")) }
        if !missingSecrets.isEmpty { parts.append("Secrets not written yet: " + missingSecrets.joined(separator: ", ")) }
        return parts.joined(separator: "; ")
    }
}
