//! The gateway renderer's inputs and output: the OpenShellGateway and what the
//! reconciler resolved for it (images, Secret names, cluster facts, checksum
//! inputs), and the objects rendered from them.
import KubeCore
import OpenShellAPI

/// The gateway and supervisor images one gateway runs.
public struct GatewayImageSet: Sendable, Hashable {
    /// The OpenShell release (`app.kubernetes.io/version`).
    public var version: String
    public var gateway: String
    /// The gateway container's pull policy.
    public var pullPolicy: String
    /// The supervisor image written as `supervisor_image`; nil leaves the gateway's built-in one, which is the
    /// gateway's own release (openshell-contract §7).
    public var supervisorOverride: String?
    /// `supervisor_image_pull_policy` for sandbox pods; nil leaves the cluster default.
    public var supervisorPullPolicy: String?

    public init(version: String, gateway: String, pullPolicy: String = "IfNotPresent", supervisorOverride: String? = nil,
                supervisorPullPolicy: String? = nil) {
        self.version = version
        self.gateway = gateway
        self.pullPolicy = pullPolicy
        self.supervisorOverride = supervisorOverride
        self.supervisorPullPolicy = supervisorPullPolicy
    }

    /// The images of `spec` as the chart picks them: the supervisor is written out only when something
    /// about it was chosen (a version, a repository or a whole reference), as the chart writes
    /// `supervisor_image` only for a tag or a repository.
    public static func resolve(_ spec: OpenShellGatewaySpec) -> GatewayImageSet {
        let images = spec.images
        let supervisorChosen = spec.version != nil || images?.repository != nil || images?.supervisor != nil
        return GatewayImageSet(
            version: GatewayDefaults.version(spec),
            gateway: GatewayDefaults.gatewayImage(spec),
            pullPolicy: nonEmpty(images?.pullPolicy) ?? "IfNotPresent",
            supervisorOverride: supervisorChosen ? GatewayDefaults.supervisorImage(spec) : nil,
            supervisorPullPolicy: nonEmpty(images?.supervisorPullPolicy)
        )
    }
}

/// The Secrets the gateway mounts or names. Only names: the certificates and keys are made elsewhere.
public struct GatewaySecretNames: Sendable, Hashable {
    /// `kubernetes.io/tls` with `ca.crt`: the gateway's server certificate.
    public var server: String
    /// `kubernetes.io/tls` with `ca.crt`: the client certificate of the CLI and of sandboxes.
    public var client: String
    /// The Secret whose `ca.crt` verifies clients when it is not the server Secret's.
    public var clientCA: String?
    /// Opaque: `signing.pem`, `public.pem`, `kid`.
    public var jwt: String
    /// Key `key-encryption-key`.
    public var keyEncryptionKey: String
    /// The externally issued server certificate (cert-manager with an external issuer).
    public var externalServer: String
    /// cert-manager's CA certificate Secret.
    public var certManagerCA: String

    public init(server: String, client: String, clientCA: String?, jwt: String, keyEncryptionKey: String, externalServer: String,
                certManagerCA: String) {
        self.server = server
        self.client = client
        self.clientCA = clientCA
        self.jwt = jwt
        self.keyEncryptionKey = keyEncryptionKey
        self.externalServer = externalServer
        self.certManagerCA = certManagerCA
    }

    /// The names `spec` gives, else the chart's defaults.
    public static func resolve(_ spec: OpenShellGatewaySpec, names: GatewayNames) -> GatewaySecretNames {
        let tls = spec.tls
        return GatewaySecretNames(
            server: nonEmpty(tls?.secretNames?.server) ?? GatewayDefaults.serverSecretName,
            client: nonEmpty(tls?.secretNames?.client) ?? GatewayDefaults.clientSecretName,
            clientCA: nonEmpty(tls?.secretNames?.clientCA),
            jwt: nonEmpty(spec.sandboxTokens?.signingSecretName) ?? names.defaultJWTSecret,
            keyEncryptionKey: nonEmpty(spec.credentials?.keyEncryptionKeySecretRef?.name) ?? names.defaultKeyEncryptionKeySecret,
            externalServer: names.externalServerSecret,
            certManagerCA: nonEmpty(tls?.certManager?.caSecretName) ?? GatewayDefaults.certManagerCASecretName
        )
    }
}

/// What the renderer needs to know about the cluster.
public struct GatewayClusterFacts: Sendable, Hashable {
    /// The API server's minor version (`35` for 1.35); nil when unknown.
    public var kubernetesMinorVersion: Int?
    public init(kubernetesMinorVersion: Int? = nil) { self.kubernetesMinorVersion = kubernetesMinorVersion }

    /// The supervisor sideload method when the spec names none: image volumes from Kubernetes 1.35 (on by
    /// default there), else an init container; an unknown version gets the init container, which works everywhere.
    public var defaultSideloadMethod: String {
        if let minor = kubernetesMinorVersion, minor >= GatewayLayout.imageVolumeMinor { return "image-volume" }
        return "init-container"
    }
}

/// Everything the renderer needs, resolved by the reconciler.
public struct GatewayRenderInput: Sendable {
    /// The OpenShellGateway: its name, namespace and uid are used.
    public var gateway: KubeObject
    public var spec: OpenShellGatewaySpec
    public var images: GatewayImageSet
    public var secrets: GatewaySecretNames
    public var cluster: GatewayClusterFacts
    /// More strings the config checksum covers besides `gateway.toml` (e.g. the fingerprints of the mounted
    /// certificates, so a renewal rolls the pods). Keys are sorted; the same map gives the same checksum.
    public var checksumInputs: [String: String]

    public init(gateway: KubeObject, spec: OpenShellGatewaySpec, images: GatewayImageSet? = nil, secrets: GatewaySecretNames? = nil,
                cluster: GatewayClusterFacts = GatewayClusterFacts(), checksumInputs: [String: String] = [:]) {
        self.gateway = gateway
        self.spec = spec
        self.images = images ?? GatewayImageSet.resolve(spec)
        self.secrets = secrets ?? GatewaySecretNames.resolve(spec, names: GatewayNames(name: gateway.name, namespace: gateway.namespace))
        self.cluster = cluster
        self.checksumInputs = checksumInputs
    }

    /// The input for `gateway` with its spec decoded and everything else defaulted.
    /// - Throws: the decoding error of a spec that does not match the API types.
    public init(gateway: KubeObject, cluster: GatewayClusterFacts = GatewayClusterFacts()) throws {
        self.init(gateway: gateway, spec: try gateway.decodeSpec(OpenShellGatewaySpec.self), cluster: cluster)
    }
}

/// What the built-in PKI must provide before the workload starts (the chart's certgen Job, which the
/// operator replaces). cert-manager makes the TLS Secrets itself; TLS disabled needs none; the JWT
/// signing Secret is always the operator's.
public struct GatewayPKIPlan: Sendable, Hashable {
    /// The server and client `kubernetes.io/tls` Secrets to create; nil when something else provides them.
    public var serverSecret: String?
    public var clientSecret: String?
    /// The Opaque JWT Secret (`signing.pem`, `public.pem`, `kid`).
    public var jwtSecret: String
    /// The server certificate's SANs (the defaults, then the extras), empty without a server Secret.
    public var serverDNSNames: [String]
    public var serverIPAddresses: [String]
    /// Go durations: the certificates' lifetime and how long before expiry they are renewed.
    public var duration: String
    public var renewBefore: String

    /// Only the JWT Secret (the certgen Job's `--jwt-only`).
    public var jwtOnly: Bool { serverSecret == nil && clientSecret == nil }
}

/// The objects one OpenShellGateway is run with.
public struct RenderedGateway: Sendable {
    /// The `apps/v1` StatefulSet (default) or Deployment.
    public var workload: KubeObject
    public var service: KubeObject
    /// `<name>-config` with key `gateway.toml`.
    public var configMap: KubeObject
    /// The gateway's, then the sandboxes' (each only when the operator creates it).
    public var serviceAccounts: [KubeObject]
    /// ClusterRole, ClusterRoleBinding, then the Roles and RoleBindings of the workspace mode and credential driver.
    public var rbac: [KubeObject]
    /// cert-manager Issuers and Certificates in the chart's order (mode CertManager).
    public var certManager: [KubeObject]
    /// `<name>-sandbox-ssh` in the sandbox namespace, when enabled.
    public var networkPolicy: KubeObject?
    /// Gateway API Gateway and GRPCRoute, OpenShift Route, as enabled.
    public var exposure: [KubeObject]
    /// The rendered `gateway.toml`.
    public var config: TOMLDocument
    /// The pod template annotation `openshell.ai/config-checksum`.
    public var configChecksum: String
    public var pki: GatewayPKIPlan
    /// The in-cluster gRPC URL (status `endpoint`).
    public var endpoint: String
    /// The key-encryption-key Secret to create once and keep, when the gateway needs one and none is named.
    public var keyEncryptionKeySecretName: String?

    /// Every object, in the order to apply them: identities and config before the workload that uses them.
    public var objects: [KubeObject] {
        serviceAccounts + [configMap] + rbac + certManager + [service, workload] + (networkPolicy.map { [$0] } ?? []) + exposure
    }
}

func nonEmpty(_ text: String?) -> String? {
    guard let text, !text.isEmpty else { return nil }
    return text
}
