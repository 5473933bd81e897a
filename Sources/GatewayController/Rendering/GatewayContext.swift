//! The decisions every part of the gateway rendering shares, taken once from
//! the input: modes, namespaces, service accounts, ports, the metadata and
//! owner link of a child. Pure and total: unknown enum values fall back to
//! the default (validation has rejected them before rendering).
import KubeCore
import OpenShellAPI

enum TLSMode: Sendable, Hashable {
    case builtIn, certManager, disabled

    init(_ text: String?) {
        switch text {
        case "CertManager": self = .certManager
        case "Disabled": self = .disabled
        default: self = .builtIn
        }
    }
}

enum WorkspaceMode: String, Sendable, Hashable {
    case shared, managed, `operator`

    init(_ text: String?) {
        switch text {
        case "Managed": self = .managed
        case "Operator": self = .`operator`
        default: self = .shared
        }
    }
}

struct GatewayContext: Sendable {
    var input: GatewayRenderInput
    var names: GatewayNames

    init(_ input: GatewayRenderInput) {
        self.input = input
        self.names = GatewayNames(name: input.gateway.name, namespace: input.gateway.namespace)
    }

    var spec: OpenShellGatewaySpec { input.spec }
    var secrets: GatewaySecretNames { input.secrets }
    var version: String { input.images.version }

    // MARK: Modes

    var tlsMode: TLSMode { TLSMode(spec.tls?.mode) }
    var tlsEnabled: Bool { tlsMode != .disabled }
    var workspaceMode: WorkspaceMode { WorkspaceMode(spec.sandboxes?.workspaceMode) }
    var isDeployment: Bool { spec.workload?.kind == "Deployment" }
    var externalDatabaseSecret: String? { nonEmpty(spec.workload?.externalDatabaseSecretRef?.name) }
    var replicas: Int { spec.workload?.replicas ?? 1 }
    var kubernetesSecretsDriver: GatewayKubernetesSecretsDriver? { spec.credentials?.kubernetesSecrets }
    var vaultDriver: GatewayVaultDriver? { spec.credentials?.vault }
    var hasCredentialDriver: Bool { kubernetesSecretsDriver != nil || vaultDriver != nil }
    var networkPolicyEnabled: Bool { spec.networkPolicy?.enabled ?? true }
    var externalIssuer: GatewayExternalIssuer? { tlsMode == .certManager ? spec.tls?.certManager?.externalIssuer : nil }
    var oidc: GatewayOIDC? { spec.auth?.oidc.flatMap { nonEmpty($0.issuer) == nil ? nil : $0 } }

    // MARK: Names

    var sandboxNamespace: String { nonEmpty(spec.sandboxes?.namespace) ?? names.namespace }
    var credentialNamespace: String { nonEmpty(kubernetesSecretsDriver?.namespace) ?? names.namespace }
    var createsGatewayServiceAccount: Bool { spec.serviceAccount?.create ?? true }
    /// The chart's rule: the named account, else the full name when created, else `default`.
    var gatewayServiceAccount: String {
        nonEmpty(spec.serviceAccount?.name) ?? (createsGatewayServiceAccount ? names.name : "default")
    }
    var createsSandboxServiceAccount: Bool { spec.sandboxes?.serviceAccount?.create ?? true }
    var sandboxServiceAccount: String { nonEmpty(spec.sandboxes?.serviceAccount?.name) ?? names.defaultSandboxServiceAccount }
    var gatewayID: String { nonEmpty(spec.sandboxTokens?.gatewayID) ?? names.name }

    /// The Secret whose `ca.crt` verifies client certificates, and whether only that key is mounted;
    /// nil when TLS is off or there is no source.
    var clientCASource: (secret: String, caItemOnly: Bool)? {
        switch tlsMode {
        case .disabled: return nil
        case .builtIn: return (secrets.server, true)
        case .certManager:
            if spec.tls?.certManager?.clientCAFromServerSecret ?? true { return (secrets.server, true) }
            return secrets.clientCA.map { ($0, false) }
        }
    }

    // MARK: Ports

    var grpcPort: Int { spec.service?.port ?? GatewayDefaults.grpcPort }
    var healthPort: Int { GatewayDefaults.healthPort }
    var metricsPort: Int { spec.service?.metricsPort ?? GatewayDefaults.metricsPort }
    var grpcEndpoint: String { nonEmpty(spec.sandboxes?.grpcEndpoint) ?? names.serviceURL(port: grpcPort, tls: tlsEnabled) }
    var endpoint: String { names.serviceURL(port: grpcPort, tls: tlsEnabled) }

    // MARK: Metadata

    /// The common labels and the owner labels: the metadata labels of every child.
    var childLabels: [String: String] { names.commonLabels(version: version).merging(names.ownerLabels) { a, _ in a } }

    /// The one controller reference to the OpenShellGateway.
    var ownerReference: JSONValue {
        .object([
            "apiVersion": .string(OpenShellAPIGroup.groupVersion.description),
            "kind": .string(OpenShellAPIGroup.gatewayKind.kind),
            "name": .string(names.name),
            "uid": .string(input.gateway.uid),
            "controller": true,
            "blockOwnerDeletion": true,
        ])
    }

    /// `metadata` of a child: an ownerReference when it lives in the gateway's namespace; cluster-scoped
    /// children (namespace nil) and children in another namespace only carry the owner labels, because an
    /// ownerReference across namespaces counts as absent and the garbage collector would delete them.
    func metadata(name: String, namespace: String?, annotations: [String: String]? = nil) -> JSONValue {
        var metadata: JSONObject = ["name": .string(name), "labels": stringMap(childLabels)]
        if let namespace { metadata["namespace"] = .string(namespace) }
        if namespace == names.namespace { metadata["ownerReferences"] = .array([ownerReference]) }
        if let annotations, !annotations.isEmpty { metadata["annotations"] = stringMap(annotations) }
        return .object(metadata)
    }

    func object(_ apiVersion: String, _ kind: String, metadata: JSONValue, _ body: JSONObject = [:]) -> KubeObject {
        var object = body
        object["apiVersion"] = .string(apiVersion)
        object["kind"] = .string(kind)
        object["metadata"] = metadata
        return KubeObject(object)
    }
}

func stringMap(_ map: [String: String]) -> JSONValue {
    .object(map.mapValues(JSONValue.string))
}

func strings(_ list: [String]) -> JSONValue {
    .array(list.map(JSONValue.string))
}

/// `value` encoded as JSON, nil when it does not encode or is empty.
func encoded<T: Encodable>(_ value: T?) -> JSONValue? {
    guard let value, let json = try? JSONValue(encoding: value) else { return nil }
    switch json {
    case .object(let o) where o.isEmpty: return nil
    case .array(let a) where a.isEmpty: return nil
    case .null: return nil
    default: return json
    }
}

/// The list without repeats, first occurrence kept.
func unique(_ list: [String]) -> [String] {
    var seen = Set<String>()
    return list.filter { seen.insert($0).inserted }
}
