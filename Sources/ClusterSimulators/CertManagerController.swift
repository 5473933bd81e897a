//! CertManagerController: a small cert-manager for the local cluster. Its
//! CustomResourceDefinitions (`CertManagerCRD`: `cert-manager.io/v1` Issuer,
//! ClusterIssuer and Certificate) are the project's own, written for the
//! fields the gateway renders and with unknown fields kept; install them to
//! turn it on (until then it idles). It issues Certificates from `selfSigned`
//! issuers (CA certificates only) and `ca` issuers with the project's OpenSSL
//! `PKI` module: the `kubernetes.io/tls` Secret `spec.secretName` with
//! `tls.crt`, `tls.key` and `ca.crt` and cert-manager's annotations, then the
//! Certificate's `Ready` condition, `notBefore`, `notAfter`, `renewalTime` and
//! `revision`. It re-issues when the Secret is missing or unreadable, the spec
//! or the issuing CA changed, or the renewal time passed. Issuers get `Ready`
//! too; a ClusterIssuer's CA Secret lives in `cert-manager`. Other issuer
//! kinds (ACME, Vault, an issuer of another group) are left alone.
import Foundation
import KubeCore
import LocalAPIServer
import PKI

/// The simulated cert-manager's CustomResourceDefinitions.
public enum CertManagerCRD {
    public static let group = "cert-manager.io"
    public static let version = "v1"
    public static let issuers = GroupVersionResource(group: group, version: version, resource: "issuers")
    public static let clusterIssuers = GroupVersionResource(group: group, version: version, resource: "clusterissuers")
    public static let certificates = GroupVersionResource(group: group, version: version, resource: "certificates")
    /// Where a ClusterIssuer's `ca.secretName` is read (cert-manager's `--cluster-resource-namespace`).
    public static let clusterResourceNamespace = "cert-manager"

    /// The three CRDs with the resources they serve, in install order.
    public static var all: [(crd: KubeObject, resource: GroupVersionResource)] {
        [(issuer, issuers), (clusterIssuer, clusterIssuers), (certificate, certificates)]
    }

    public static var issuer: KubeObject { issuerCRD(kind: "Issuer", plural: "issuers", scope: "Namespaced") }
    public static var clusterIssuer: KubeObject { issuerCRD(kind: "ClusterIssuer", plural: "clusterissuers", scope: "Cluster") }

    public static var certificate: KubeObject {
        let reference = object(["name": string, "kind": string, "group": string], required: ["name"])
        let spec = object([
            "secretName": string,
            "commonName": string,
            "dnsNames": strings,
            "ipAddresses": strings,
            "uris": strings,
            "emailAddresses": strings,
            "isCA": ["type": "boolean"],
            "duration": string,
            "renewBefore": string,
            "usages": strings,
            "privateKey": object([
                "algorithm": ["type": "string", "enum": ["RSA", "ECDSA", "Ed25519"]],
                "size": ["type": "integer"],
                "encoding": string,
                "rotationPolicy": string,
            ]),
            "issuerRef": reference,
            "secretTemplate": object(["labels": stringMap, "annotations": stringMap]),
        ], required: ["secretName", "issuerRef"], open: true)
        let status = object([
            "conditions": conditions,
            "notBefore": string, "notAfter": string, "renewalTime": string,
            "revision": ["type": "integer"],
        ], open: true)
        return crd(kind: "Certificate", plural: "certificates", scope: "Namespaced", shortNames: ["cert", "certs"], columns: [
            ["name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type=='Ready')].status"],
            ["name": "Secret", "type": "string", "jsonPath": ".spec.secretName"],
            ["name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"],
        ], spec: spec, status: status)
    }

    // MARK: Building blocks

    static func issuerCRD(kind: String, plural: String, scope: String) -> KubeObject {
        let spec = object([
            "selfSigned": object([:], open: true),
            "ca": object(["secretName": string], required: ["secretName"], open: true),
        ], open: true)
        return crd(kind: kind, plural: plural, scope: scope, shortNames: [], columns: [
            ["name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type=='Ready')].status"],
            ["name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"],
        ], spec: spec, status: object(["conditions": conditions], open: true))
    }

    static func crd(kind: String, plural: String, scope: String, shortNames: [String], columns: [JSONValue],
                    spec: JSONValue, status: JSONValue) -> KubeObject {
        KubeObject([
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": ["name": .string("\(plural).\(group)")],
            "spec": [
                "group": .string(group),
                "names": [
                    "kind": .string(kind), "listKind": .string("\(kind)List"), "plural": .string(plural),
                    "singular": .string(kind.lowercased()), "shortNames": .array(shortNames.map(JSONValue.string)),
                    "categories": ["cert-manager"],
                ],
                "scope": .string(scope),
                "versions": [[
                    "name": .string(version), "served": true, "storage": true,
                    "subresources": ["status": [:]],
                    "additionalPrinterColumns": .array(columns),
                    "schema": ["openAPIV3Schema": object([
                        "apiVersion": string, "kind": string, "metadata": ["type": "object"], "spec": spec, "status": status,
                    ], required: ["spec"])],
                ]],
            ],
        ])
    }

    static let string: JSONValue = ["type": "string"]
    static let strings: JSONValue = ["type": "array", "items": ["type": "string"]]
    static let stringMap: JSONValue = ["type": "object", "additionalProperties": ["type": "string"]]
    static let conditions: JSONValue = ["type": "array", "items": object([
        "type": string, "status": string, "reason": string, "message": string, "lastTransitionTime": string,
        "observedGeneration": ["type": "integer"],
    ], required: ["type", "status"])]

    static func object(_ properties: JSONObject, required: [String] = [], open: Bool = false) -> JSONValue {
        var schema: JSONObject = ["type": "object", "properties": .object(properties)]
        if !required.isEmpty { schema["required"] = .array(required.map(JSONValue.string)) }
        if open { schema["x-kubernetes-preserve-unknown-fields"] = true }
        return .object(schema)
    }
}

struct CertManagerController: Reconciler {
    enum Key: Hashable, Sendable {
        case certificate(ObjectKey)
        /// An Issuer; a ClusterIssuer has an empty namespace.
        case issuer(ObjectKey)
    }

    static let certificatesStorage = GroupResource(group: CertManagerCRD.group, resource: "certificates")
    static let issuersStorage = GroupResource(group: CertManagerCRD.group, resource: "issuers")
    static let clusterIssuersStorage = GroupResource(group: CertManagerCRD.group, resource: "clusterissuers")
    static let secretsStorage = GroupResource(group: "", resource: "secrets")
    static let secrets = GroupVersionResource(group: "", version: "v1", resource: "secrets")

    /// Annotations cert-manager puts on the Secrets it writes, and the simulator's digest of the issued spec.
    static let certificateNameAnnotation = "cert-manager.io/certificate-name"
    static let issuerNameAnnotation = "cert-manager.io/issuer-name"
    static let issuerKindAnnotation = "cert-manager.io/issuer-kind"
    static let specHashAnnotation = "cert-manager.io/simulated-spec-hash"

    let name = SimulatedController.certManager.rawValue
    let context: SimulatorContext
    let events: EventRecorder

    init(_ context: SimulatorContext) {
        self.context = context
        self.events = EventRecorder(context: context, controller: "cert-manager-certificates-issuing")
    }

    var watches: [WatchFilter] {
        [
            WatchFilter(resource: Self.certificatesStorage),
            WatchFilter(resource: Self.issuersStorage),
            WatchFilter(resource: Self.clusterIssuersStorage),
            WatchFilter(resource: Self.secretsStorage),
        ]
    }

    func keys(for event: StoreEvent) -> [Key] {
        let object = event.object
        let key = ObjectKey(namespace: object.namespace, name: object.name)
        switch event.resource {
        case Self.certificatesStorage:
            return [.certificate(key)]
        case Self.issuersStorage:
            return [.issuer(key)] + certificates(usingIssuer: object.name, kind: "Issuer", namespace: object.namespace)
        case Self.clusterIssuersStorage:
            return [.issuer(ObjectKey(namespace: "", name: object.name))] + certificates(usingIssuer: object.name, kind: "ClusterIssuer", namespace: nil)
        default:
            var keys: [Key] = []
            if let certificate = object.annotations[Self.certificateNameAnnotation] {
                keys.append(.certificate(ObjectKey(namespace: object.namespace, name: certificate)))
            }
            // A CA Secret changed: its issuers, and through them their Certificates.
            for issuer in context.list(Self.issuersStorage, namespace: object.namespace) where caSecretName(issuer) == object.name {
                keys.append(.issuer(ObjectKey(namespace: issuer.namespace, name: issuer.name)))
                keys += certificates(usingIssuer: issuer.name, kind: "Issuer", namespace: issuer.namespace)
            }
            if object.namespace == CertManagerCRD.clusterResourceNamespace {
                for issuer in context.list(Self.clusterIssuersStorage) where caSecretName(issuer) == object.name {
                    keys.append(.issuer(ObjectKey(namespace: "", name: issuer.name)))
                    keys += certificates(usingIssuer: issuer.name, kind: "ClusterIssuer", namespace: nil)
                }
            }
            return keys
        }
    }

    func reconcile(_ key: Key) async throws -> Duration? {
        switch key {
        case .issuer(let key): try await reconcileIssuer(key)
        case .certificate(let key): try await reconcileCertificate(key)
        }
    }

    // MARK: Issuers

    func caSecretName(_ issuer: KubeObject) -> String? { issuer.spec?["ca"]?["secretName"]?.stringValue }

    func certificates(usingIssuer name: String, kind: String, namespace: String?) -> [Key] {
        context.list(Self.certificatesStorage, namespace: namespace).filter { certificate in
            let reference = certificate.spec?["issuerRef"]
            return reference?["name"]?.stringValue == name && (reference?["kind"]?.stringValue ?? "Issuer") == kind
                && (reference?["group"]?.stringValue ?? CertManagerCRD.group) == CertManagerCRD.group
        }.map { .certificate(ObjectKey(namespace: $0.namespace, name: $0.name)) }
    }

    /// What an issuer can sign with.
    enum Signer {
        case selfSigned
        case authority(CertificateAuthority)
    }

    /// The issuer's signer, or why it cannot sign (`reason`, `message`).
    func signer(_ issuer: KubeObject, clusterScoped: Bool) -> Result<Signer, IssuerProblem> {
        if issuer.spec?["selfSigned"] != nil { return .success(.selfSigned) }
        guard let secretName = caSecretName(issuer) else {
            return .failure(IssuerProblem(reason: "Unsupported", message: "the simulated cert-manager issues only from selfSigned and ca issuers"))
        }
        let namespace = clusterScoped ? CertManagerCRD.clusterResourceNamespace : issuer.namespace
        guard let secret = context.get(Self.secretsStorage, namespace: namespace, name: secretName) else {
            return .failure(IssuerProblem(reason: "ErrGetKeyPair", message: "Error getting keypair for CA issuer: secret \"\(secretName)\" not found"))
        }
        do {
            let certificate = try Certificate(pem: Self.text(secret, "tls.crt"))
            let key = try PrivateKey(pem: Self.text(secret, "tls.key"))
            return .success(.authority(try CertificateAuthority(certificate: certificate, key: key)))
        } catch {
            return .failure(IssuerProblem(reason: "ErrInvalidKeyPair", message: "Error initializing issuer: \(error)"))
        }
    }

    struct IssuerProblem: Error {
        var reason: String
        var message: String
    }

    func reconcileIssuer(_ key: ObjectKey) async throws -> Duration? {
        let clusterScoped = key.namespace.isEmpty
        let storage = clusterScoped ? Self.clusterIssuersStorage : Self.issuersStorage
        guard let issuer = context.get(storage, namespace: key.namespace, name: key.name), !issuer.isBeingDeleted else { return nil }
        let ready: Condition
        switch signer(issuer, clusterScoped: clusterScoped) {
        case .success(.selfSigned):
            ready = Condition(type: "Ready", status: "True", reason: "IsReady", message: "", observedGeneration: issuer.generation)
        case .success(.authority):
            ready = Condition(type: "Ready", status: "True", reason: "KeyPairVerified", message: "Signing CA verified", observedGeneration: issuer.generation)
        case .failure(let problem):
            ready = Condition(type: "Ready", status: "False", reason: problem.reason, message: problem.message, observedGeneration: issuer.generation)
        }
        try await setConditions(clusterScoped ? CertManagerCRD.clusterIssuers : CertManagerCRD.issuers, issuer, [ready], extra: [:])
        return nil
    }

    // MARK: Certificates

    func reconcileCertificate(_ key: ObjectKey) async throws -> Duration? {
        guard let certificate = context.get(Self.certificatesStorage, namespace: key.namespace, name: key.name),
              !certificate.isBeingDeleted, let spec = certificate.spec else { return nil }
        let reference = spec["issuerRef"]
        let issuerName = reference?["name"]?.stringValue ?? ""
        let issuerKind = reference?["kind"]?.stringValue ?? "Issuer"
        // Another group's issuer is an external issuer's to serve.
        guard (reference?["group"]?.stringValue ?? CertManagerCRD.group) == CertManagerCRD.group else { return nil }
        let clusterScoped = issuerKind == "ClusterIssuer"
        let storage = clusterScoped ? Self.clusterIssuersStorage : Self.issuersStorage
        func notReady(_ reason: String, _ message: String) async throws -> Duration? {
            let condition = Condition(type: "Ready", status: "False", reason: reason, message: message, observedGeneration: certificate.generation)
            try await setConditions(CertManagerCRD.certificates, certificate, [condition], extra: [:])
            return nil
        }
        guard let issuer = context.get(storage, namespace: clusterScoped ? "" : certificate.namespace, name: issuerName) else {
            return try await notReady("Pending", "Issuing certificate as Secret does not exist: referenced \(issuerKind) \"\(issuerName)\" not found")
        }
        let signer: Signer
        switch self.signer(issuer, clusterScoped: clusterScoped) {
        case .success(let found): signer = found
        case .failure(let problem): return try await notReady("Pending", "\(issuerKind) \"\(issuerName)\" is not ready: \(problem.message)")
        }
        let secretName = spec["secretName"]?.stringValue ?? ""
        let secret = context.get(Self.secretsStorage, namespace: certificate.namespace, name: secretName)
        let specHash = FNV1a.hex64(JSONValue.object(["spec": .object(spec.objectValue ?? [:]), "issuer": .string("\(issuerKind)/\(issuerName)")]).jsonString())
        let now = context.now()
        let durations = Self.lifetime(spec)

        // Still good: the same spec and CA, readable, before the renewal time.
        if let secret, secret.annotations[Self.specHashAnnotation] == specHash,
           let issued = try? Certificate(pem: Self.text(secret, "tls.crt")), (try? PrivateKey(pem: Self.text(secret, "tls.key"))) != nil {
            let sameCA: Bool
            if case .authority(let authority) = signer { sameCA = Self.text(secret, "ca.crt") == authority.certificate.pem } else { sameCA = true }
            let renewal = issued.notAfter.addingTimeInterval(-durations.renewBefore)
            if sameCA, renewal > now {
                try await markReady(certificate, issued, renewal: renewal, revision: nil)
                return .milliseconds(Int64(min(renewal.timeIntervalSince(now), 86_400) * 1000) + 1)
            }
        }

        // Issue.
        let issued: (certificate: Certificate, key: PrivateKey, ca: Certificate)
        do {
            issued = try Self.issue(spec, signer: signer, duration: durations.duration, now: now)
        } catch let problem as IssuerProblem {
            return try await notReady(problem.reason, problem.message)
        } catch {
            return try await notReady("Failed", "The certificate could not be issued: \(error)")
        }
        try await writeSecret(certificate, name: secretName, existing: secret, issued: issued, specHash: specHash,
                              issuer: (issuerName, issuerKind))
        let revision = (certificate.status?["revision"]?.intValue ?? 0) + 1
        let renewal = issued.certificate.notAfter.addingTimeInterval(-durations.renewBefore)
        try await markReady(certificate, issued.certificate, renewal: renewal, revision: revision)
        try? await events.record(certificate, type: "Normal", reason: "Issuing", action: "Issuing",
                                 note: "The certificate has been successfully issued")
        return .milliseconds(Int64(max(1, min(renewal.timeIntervalSince(now), 86_400)) * 1000))
    }

    /// The duration (default 90 days) and how long before expiry to renew (default a third of it).
    static func lifetime(_ spec: JSONValue) -> (duration: TimeInterval, renewBefore: TimeInterval) {
        let duration = spec["duration"]?.stringValue.flatMap(parseDuration) ?? 90 * 24 * 3600
        let renewBefore = spec["renewBefore"]?.stringValue.flatMap(parseDuration) ?? duration / 3
        return (duration, min(renewBefore, duration / 2))
    }

    static func issue(_ spec: JSONValue, signer: Signer, duration: TimeInterval, now: Date)
        throws -> (certificate: Certificate, key: PrivateKey, ca: Certificate) {
        let key = try PrivateKey.generate(algorithm(spec))
        let isCA = spec["isCA"]?.boolValue ?? false
        let usages = Set((spec["usages"]?.arrayValue ?? []).compactMap(\.stringValue))
        var template = CertificateTemplate(
            subject: DistinguishedName(commonName: spec["commonName"]?.stringValue),
            dnsNames: (spec["dnsNames"]?.arrayValue ?? []).compactMap(\.stringValue),
            ipAddresses: (spec["ipAddresses"]?.arrayValue ?? []).compactMap(\.stringValue),
            validity: Validity.lasting(.seconds(duration), from: now))
        if isCA {
            template.basicConstraints = .certificateAuthority(pathLength: nil)
            template.keyUsage = [.digitalSignature, .keyCertSign, .cRLSign]
        } else {
            template.keyUsage = usages.isEmpty ? [.digitalSignature, .keyEncipherment] : []
            if usages.contains("digital signature") { template.keyUsage.insert(.digitalSignature) }
            if usages.contains("key encipherment") { template.keyUsage.insert(.keyEncipherment) }
            if usages.contains("server auth") { template.extendedKeyUsage.insert(.serverAuth) }
            if usages.contains("client auth") { template.extendedKeyUsage.insert(.clientAuth) }
        }
        switch signer {
        case .selfSigned:
            guard isCA else {
                throw IssuerProblem(reason: "Unsupported", message: "the simulated selfSigned issuer signs only isCA Certificates")
            }
            let authority = try CertificateAuthority.selfSigned(template, key: key)
            return (authority.certificate, key, authority.certificate)
        case .authority(let authority):
            return (try authority.issue(template, for: key.publicKey), key, authority.certificate)
        }
    }

    static func algorithm(_ spec: JSONValue) -> KeyAlgorithm {
        let size = spec["privateKey"]?["size"]?.intValue.map(Int.init)
        switch spec["privateKey"]?["algorithm"]?.stringValue {
        case "ECDSA": return .ecdsaP256
        case "Ed25519": return .ed25519
        default: return .rsa(bits: size.map { max(2048, $0) } ?? 2048)
        }
    }

    func writeSecret(_ certificate: KubeObject, name: String, existing: KubeObject?,
                     issued: (certificate: Certificate, key: PrivateKey, ca: Certificate), specHash: String,
                     issuer: (name: String, kind: String)) async throws {
        func base64(_ text: String) -> JSONValue { .string(Data(text.utf8).base64EncodedString()) }
        let template = certificate.spec?["secretTemplate"]
        var labels = (template?["labels"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        labels["controller.cert-manager.io/fao"] = "true"
        var annotations = (template?["annotations"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        annotations[Self.certificateNameAnnotation] = certificate.name
        annotations[Self.issuerNameAnnotation] = issuer.name
        annotations[Self.issuerKindAnnotation] = issuer.kind
        annotations["cert-manager.io/issuer-group"] = CertManagerCRD.group
        annotations["cert-manager.io/common-name"] = issued.certificate.subject.commonName ?? ""
        annotations["cert-manager.io/alt-names"] = issued.certificate.dnsNames.joined(separator: ",")
        annotations["cert-manager.io/ip-sans"] = issued.certificate.ipAddresses.joined(separator: ",")
        annotations[Self.specHashAnnotation] = specHash
        let data: JSONValue = [
            "tls.crt": base64(issued.certificate.pem), "tls.key": base64(issued.key.pemPKCS8), "ca.crt": base64(issued.ca.pem),
        ]
        if existing != nil {
            try await context.modify(Self.secrets, namespace: certificate.namespace, name: name) { secret in
                secret.labels = secret.labels.merging(labels) { _, new in new }
                secret.annotations = secret.annotations.merging(annotations) { _, new in new }
                secret.json["type"] = .string("kubernetes.io/tls")
                secret.json["data"] = data
            }
            return
        }
        var secret = KubeObject([
            "apiVersion": "v1", "kind": "Secret",
            "metadata": ["name": .string(name), "namespace": .string(certificate.namespace)],
            "type": "kubernetes.io/tls", "data": data,
        ])
        secret.labels = labels
        secret.annotations = annotations
        try await context.client.create(Self.secrets, secret)
    }

    func markReady(_ certificate: KubeObject, _ issued: Certificate, renewal: Date, revision: Int64?) async throws {
        let ready = Condition(type: "Ready", status: "True", reason: "Ready", message: "Certificate is up to date and has not expired",
                              observedGeneration: certificate.generation)
        var extra: JSONObject = [
            "notBefore": .string(KubeTime.format(issued.notBefore)), "notAfter": .string(KubeTime.format(issued.notAfter)),
            "renewalTime": .string(KubeTime.format(renewal)),
        ]
        if let revision { extra["revision"] = .int(revision) }
        try await setConditions(CertManagerCRD.certificates, certificate, [ready], extra: extra)
    }

    /// Merges `conditions` (kept transition times when the status is unchanged) and `extra` into the status.
    func setConditions(_ resource: GroupVersionResource, _ object: KubeObject, _ conditions: [Condition], extra: JSONObject) async throws {
        let now = context.now()
        try await context.modify(resource, namespace: object.namespace, name: object.name, uid: object.uid, subresource: "status") { live in
            var current = live.conditions
            for condition in conditions { current.set(condition, now: now) }
            var status = live.status?.objectValue ?? [:]
            status["conditions"] = (try? JSONValue(encoding: current)) ?? []
            for (key, value) in extra { status[key] = value }
            live.status = .object(status)
        }
    }

    static func text(_ secret: KubeObject, _ key: String) -> String {
        guard let encoded = secret.json["data"]?[key]?.stringValue, let data = Data(base64Encoded: encoded) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    /// A Go duration of hours, minutes, seconds and milliseconds (`2160h`, `1h30m`, `90s`); nil when it does not parse.
    static func parseDuration(_ text: String) -> TimeInterval? {
        var total: TimeInterval = 0
        var number = ""
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        while let first = rest.first {
            if first.isNumber || first == "." {
                number.append(first)
                rest = rest.dropFirst()
                continue
            }
            guard let value = Double(number) else { return nil }
            number = ""
            if rest.hasPrefix("ms") {
                total += value / 1000
                rest = rest.dropFirst(2)
            } else {
                switch first {
                case "h": total += value * 3600
                case "m": total += value * 60
                case "s": total += value
                default: return nil
                }
                rest = rest.dropFirst()
            }
        }
        return number.isEmpty ? total : nil
    }
}
