//! OpenShellGateway (namespaced, short name `osgw`): one OpenShell gateway
//! (the CLI, SDK and TUI endpoint) the operator installs in its namespace, in
//! place of the upstream Helm chart (openshell-contract §2). Spec is the
//! chart's values in Kubernetes shape; status is what the operator observed
//! of the install, its rollouts and its dependencies.
import KubeCore

public struct OpenShellGatewaySpec: Codable, Sendable, Hashable {
    /// The OpenShell release (`0.0.111`); unset uses the release this operator pins (`GatewayDefaults.openShellVersion`).
    public var version: String?
    public var images: GatewayImages?
    /// Secrets in the gateway's namespace used to pull the gateway image.
    public var imagePullSecrets: [LocalObjectReference]?
    public var workload: GatewayWorkload?
    public var service: GatewayService?
    public var sandboxes: GatewaySandboxes?
    public var tls: GatewayTLS?
    public var auth: GatewayAuth?
    public var credentials: GatewayCredentials?
    public var sandboxTokens: GatewaySandboxTokens?
    public var networkPolicy: GatewayNetworkPolicy?
    public var exposure: GatewayExposure?
    public var resources: ResourceRequirements?
    public var placement: GatewayPlacement?
    public var podMetadata: PodMetadata?
    public var serviceAccount: GatewayServiceAccount?
    /// The gateway's `log_level`, e.g. `info` (default), `debug`.
    public var logLevel: String?
    public var telemetry: GatewayTelemetry?
    /// `FailClosed` (default) or `RetainLastValid`.
    public var policyValidationFailureMode: String?
    public var grpcRateLimit: GatewayRateLimit?
    /// Plain HTTP to sandbox services over the loopback relay (default true).
    public var enableLoopbackServiceHTTP: Bool?
    public var upgrade: GatewayUpgrade?

    public init(
        version: String? = nil, images: GatewayImages? = nil, imagePullSecrets: [LocalObjectReference]? = nil,
        workload: GatewayWorkload? = nil, service: GatewayService? = nil, sandboxes: GatewaySandboxes? = nil,
        tls: GatewayTLS? = nil, auth: GatewayAuth? = nil, credentials: GatewayCredentials? = nil,
        sandboxTokens: GatewaySandboxTokens? = nil, networkPolicy: GatewayNetworkPolicy? = nil,
        exposure: GatewayExposure? = nil, resources: ResourceRequirements? = nil, placement: GatewayPlacement? = nil,
        podMetadata: PodMetadata? = nil, serviceAccount: GatewayServiceAccount? = nil, logLevel: String? = nil,
        telemetry: GatewayTelemetry? = nil, policyValidationFailureMode: String? = nil,
        grpcRateLimit: GatewayRateLimit? = nil, enableLoopbackServiceHTTP: Bool? = nil, upgrade: GatewayUpgrade? = nil
    ) {
        self.version = version
        self.images = images
        self.imagePullSecrets = imagePullSecrets
        self.workload = workload
        self.service = service
        self.sandboxes = sandboxes
        self.tls = tls
        self.auth = auth
        self.credentials = credentials
        self.sandboxTokens = sandboxTokens
        self.networkPolicy = networkPolicy
        self.exposure = exposure
        self.resources = resources
        self.placement = placement
        self.podMetadata = podMetadata
        self.serviceAccount = serviceAccount
        self.logLevel = logLevel
        self.telemetry = telemetry
        self.policyValidationFailureMode = policyValidationFailureMode
        self.grpcRateLimit = grpcRateLimit
        self.enableLoopbackServiceHTTP = enableLoopbackServiceHTTP
        self.upgrade = upgrade
    }
}

/// Where the gateway and supervisor images come from. By default both are
/// `<repository>/gateway:<version>` and `<repository>/supervisor:<version>`,
/// a pair built from one OpenShell commit.
public struct GatewayImages: Codable, Sendable, Hashable {
    /// The repository prefix of both images (a mirror); default `ghcr.io/nvidia/openshell`.
    public var repository: String?
    /// The whole gateway image reference, overriding `repository` and `version` (breaks the pair).
    public var gateway: String?
    /// The whole supervisor image reference, overriding `repository` and `version` (breaks the pair).
    public var supervisor: String?
    /// The gateway image's pull policy (default `IfNotPresent`).
    public var pullPolicy: String?
    /// The supervisor image's pull policy in sandbox pods; unset leaves the cluster default.
    public var supervisorPullPolicy: String?
    public init(repository: String? = nil, gateway: String? = nil, supervisor: String? = nil, pullPolicy: String? = nil,
                supervisorPullPolicy: String? = nil) {
        self.repository = repository
        self.gateway = gateway
        self.supervisor = supervisor
        self.pullPolicy = pullPolicy
        self.supervisorPullPolicy = supervisorPullPolicy
    }
}

/// The gateway's workload kind and size.
public struct GatewayWorkload: Codable, Sendable, Hashable {
    /// `StatefulSet` (default, with a data volume for SQLite) or `Deployment` (needs `externalDatabaseSecretRef`).
    public var kind: String?
    /// Default 1; more than 1 needs `externalDatabaseSecretRef` (and, as a StatefulSet, `allowMultiReplicaStatefulSet`).
    public var replicas: Int?
    public var allowMultiReplicaStatefulSet: Bool?
    /// A Secret whose key `uri` holds the database URL; unset uses SQLite on the data volume.
    public var externalDatabaseSecretRef: LocalObjectReference?
    /// The StatefulSet's data volume.
    public var storage: GatewayStorage?
    /// Default 5.
    public var terminationGracePeriodSeconds: Int64?
    public var probes: GatewayProbes?
    public init(kind: String? = nil, replicas: Int? = nil, allowMultiReplicaStatefulSet: Bool? = nil,
                externalDatabaseSecretRef: LocalObjectReference? = nil, storage: GatewayStorage? = nil,
                terminationGracePeriodSeconds: Int64? = nil, probes: GatewayProbes? = nil) {
        self.kind = kind
        self.replicas = replicas
        self.allowMultiReplicaStatefulSet = allowMultiReplicaStatefulSet
        self.externalDatabaseSecretRef = externalDatabaseSecretRef
        self.storage = storage
        self.terminationGracePeriodSeconds = terminationGracePeriodSeconds
        self.probes = probes
    }
}

/// The volume claim template `openshell-data` (ReadWriteOnce).
public struct GatewayStorage: Codable, Sendable, Hashable {
    /// Default `1Gi`.
    public var size: String?
    public var storageClassName: String?
    public init(size: String? = nil, storageClassName: String? = nil) {
        self.size = size
        self.storageClassName = storageClassName
    }
}

/// The timings of the gateway container's probes.
public struct GatewayProbes: Codable, Sendable, Hashable {
    public var startup: ProbeTimings?
    public var liveness: ProbeTimings?
    public var readiness: ProbeTimings?
    public init(startup: ProbeTimings? = nil, liveness: ProbeTimings? = nil, readiness: ProbeTimings? = nil) {
        self.startup = startup
        self.liveness = liveness
        self.readiness = readiness
    }
}

/// One probe's timings (core/v1 Probe fields).
public struct ProbeTimings: Codable, Sendable, Hashable {
    public var initialDelaySeconds: Int?
    public var periodSeconds: Int?
    public var timeoutSeconds: Int?
    public var failureThreshold: Int?
    public init(initialDelaySeconds: Int? = nil, periodSeconds: Int? = nil, timeoutSeconds: Int? = nil, failureThreshold: Int? = nil) {
        self.initialDelaySeconds = initialDelaySeconds
        self.periodSeconds = periodSeconds
        self.timeoutSeconds = timeoutSeconds
        self.failureThreshold = failureThreshold
    }
}

/// The Service named after the gateway.
public struct GatewayService: Codable, Sendable, Hashable {
    /// `ClusterIP` (default), `NodePort` or `LoadBalancer`.
    public var type: String?
    /// The gRPC port (default 8080).
    public var port: Int?
    /// The metrics port (default 9090).
    public var metricsPort: Int?
    /// With `NodePort` or `LoadBalancer`: the node port of the gRPC port.
    public var nodePort: Int?
    public init(type: String? = nil, port: Int? = nil, metricsPort: Int? = nil, nodePort: Int? = nil) {
        self.type = type
        self.port = port
        self.metricsPort = metricsPort
        self.nodePort = nodePort
    }
}

/// How the gateway's Kubernetes driver runs sandboxes.
public struct GatewaySandboxes: Codable, Sendable, Hashable {
    /// The namespace sandboxes run in; default the gateway's namespace.
    public var namespace: String?
    /// `Shared` (default), `Managed` or `Operator`.
    public var workspaceMode: String?
    /// With `Operator`: the namespace label that names a workspace's namespace.
    public var operatorNamespaceLabel: String?
    /// The default sandbox image.
    public var image: String?
    public var imagePullPolicy: String?
    public var imagePullSecrets: [LocalObjectReference]?
    public var workspace: GatewaySandboxWorkspace?
    public var runtimeClassName: String?
    public var enableUserNamespaces: Bool?
    /// Default `Unconfined` (the chart's default).
    public var appArmorProfile: SecurityProfile?
    public var serviceAccount: GatewayServiceAccount?
    public var supervisor: GatewaySupervisor?
    /// The IP that `host.docker.internal` and `host.openshell.internal` resolve to in sandboxes and the gateway.
    public var hostGatewayIP: String?
    /// The URL sandboxes call the gateway at; default the Service's in-cluster URL.
    public var grpcEndpoint: String?
    public var upstreamProxy: GatewayUpstreamProxy?
    public var spiffe: GatewaySPIFFE?
    public init(
        namespace: String? = nil, workspaceMode: String? = nil, operatorNamespaceLabel: String? = nil, image: String? = nil,
        imagePullPolicy: String? = nil, imagePullSecrets: [LocalObjectReference]? = nil, workspace: GatewaySandboxWorkspace? = nil,
        runtimeClassName: String? = nil, enableUserNamespaces: Bool? = nil, appArmorProfile: SecurityProfile? = nil,
        serviceAccount: GatewayServiceAccount? = nil, supervisor: GatewaySupervisor? = nil, hostGatewayIP: String? = nil,
        grpcEndpoint: String? = nil, upstreamProxy: GatewayUpstreamProxy? = nil, spiffe: GatewaySPIFFE? = nil
    ) {
        self.namespace = namespace
        self.workspaceMode = workspaceMode
        self.operatorNamespaceLabel = operatorNamespaceLabel
        self.image = image
        self.imagePullPolicy = imagePullPolicy
        self.imagePullSecrets = imagePullSecrets
        self.workspace = workspace
        self.runtimeClassName = runtimeClassName
        self.enableUserNamespaces = enableUserNamespaces
        self.appArmorProfile = appArmorProfile
        self.serviceAccount = serviceAccount
        self.supervisor = supervisor
        self.hostGatewayIP = hostGatewayIP
        self.grpcEndpoint = grpcEndpoint
        self.upstreamProxy = upstreamProxy
        self.spiffe = spiffe
    }
}

/// Sandboxes' workspace volume defaults.
public struct GatewaySandboxWorkspace: Codable, Sendable, Hashable {
    /// Default `2Gi` (the driver's default).
    public var defaultSize: String?
    public var storageClassName: String?
    public init(defaultSize: String? = nil, storageClassName: String? = nil) {
        self.defaultSize = defaultSize
        self.storageClassName = storageClassName
    }
}

/// A service account the operator creates (default) or one that already exists.
public struct GatewayServiceAccount: Codable, Sendable, Hashable {
    /// Create it (default true); false uses `name` as it is.
    public var create: Bool?
    public var name: String?
    public var annotations: [String: String]?
    public init(create: Bool? = nil, name: String? = nil, annotations: [String: String]? = nil) {
        self.create = create
        self.name = name
        self.annotations = annotations
    }
}

/// The supervisor in sandbox pods.
public struct GatewaySupervisor: Codable, Sendable, Hashable {
    /// `ImageVolume` or `InitContainer`; default by Kubernetes version (image volumes from 1.35).
    public var sideloadMethod: String?
    /// `Combined` (default) or `Sidecar`.
    public var topology: String?
    /// With `Sidecar`: the proxy's UID (default 1337).
    public var proxyUID: Int64?
    /// With `Sidecar`: enforce network rules per binary (default true).
    public var processBinaryAwareNetworkPolicy: Bool?
    public init(sideloadMethod: String? = nil, topology: String? = nil, proxyUID: Int64? = nil,
                processBinaryAwareNetworkPolicy: Bool? = nil) {
        self.sideloadMethod = sideloadMethod
        self.topology = topology
        self.proxyUID = proxyUID
        self.processBinaryAwareNetworkPolicy = processBinaryAwareNetworkPolicy
    }
}

/// A corporate HTTP proxy sandboxes' egress goes through.
public struct GatewayUpstreamProxy: Codable, Sendable, Hashable {
    /// `http://host:port`.
    public var url: String
    public var noProxy: String?
    /// Proxy credentials (`user:password`) in a Secret key.
    public var authSecretRef: SecretKeySelector?
    public var authAllowInsecure: Bool?
    public var connectByHostname: Bool?
    public init(url: String, noProxy: String? = nil, authSecretRef: SecretKeySelector? = nil, authAllowInsecure: Bool? = nil,
                connectByHostname: Bool? = nil) {
        self.url = url
        self.noProxy = noProxy
        self.authSecretRef = authSecretRef
        self.authAllowInsecure = authAllowInsecure
        self.connectByHostname = connectByHostname
    }
}

/// SPIFFE provider token grants for sandboxes.
public struct GatewaySPIFFE: Codable, Sendable, Hashable {
    public var enabled: Bool?
    /// Default `/spiffe-workload-api/spire-agent.sock`.
    public var workloadAPISocketPath: String?
    public init(enabled: Bool? = nil, workloadAPISocketPath: String? = nil) {
        self.enabled = enabled
        self.workloadAPISocketPath = workloadAPISocketPath
    }
}

/// The gateway's TLS: its own PKI (default), cert-manager, or none.
public struct GatewayTLS: Codable, Sendable, Hashable {
    /// `BuiltIn` (default), `CertManager` or `Disabled`.
    public var mode: String?
    /// DNS names added to the server certificate's defaults.
    public var extraDNSNames: [String]?
    /// IP addresses added to the server certificate's defaults.
    public var extraIPAddresses: [String]?
    /// Server and client certificate lifetime (default `8760h`).
    public var duration: String?
    /// How long before expiry certificates are renewed (default `720h`).
    public var renewBefore: String?
    public var secretNames: GatewayTLSSecretNames?
    public var certManager: GatewayCertManager?
    public init(mode: String? = nil, extraDNSNames: [String]? = nil, extraIPAddresses: [String]? = nil, duration: String? = nil,
                renewBefore: String? = nil, secretNames: GatewayTLSSecretNames? = nil, certManager: GatewayCertManager? = nil) {
        self.mode = mode
        self.extraDNSNames = extraDNSNames
        self.extraIPAddresses = extraIPAddresses
        self.duration = duration
        self.renewBefore = renewBefore
        self.secretNames = secretNames
        self.certManager = certManager
    }
}

/// The Secrets holding the gateway's certificates.
public struct GatewayTLSSecretNames: Codable, Sendable, Hashable {
    /// Default `openshell-server-tls`.
    public var server: String?
    /// Default `openshell-client-tls`.
    public var client: String?
    /// The Secret whose `ca.crt` verifies client certificates when not the server Secret's.
    public var clientCA: String?
    public init(server: String? = nil, client: String? = nil, clientCA: String? = nil) {
        self.server = server
        self.client = client
        self.clientCA = clientCA
    }
}

/// cert-manager settings (mode `CertManager`).
public struct GatewayCertManager: Codable, Sendable, Hashable {
    /// Default `openshell-ca-tls`.
    public var caSecretName: String?
    /// Verify clients with the server Secret's `ca.crt` (default true); false uses `secretNames.clientCA`.
    public var clientCAFromServerSecret: Bool?
    public var externalIssuer: GatewayExternalIssuer?
    public init(caSecretName: String? = nil, clientCAFromServerSecret: Bool? = nil, externalIssuer: GatewayExternalIssuer? = nil) {
        self.caSecretName = caSecretName
        self.clientCAFromServerSecret = clientCAFromServerSecret
        self.externalIssuer = externalIssuer
    }
}

/// A second server certificate from another issuer (e.g. ACME) for external names.
public struct GatewayExternalIssuer: Codable, Sendable, Hashable {
    public var issuerRef: IssuerReference
    /// The external DNS names (no cluster-internal names).
    public var dnsNames: [String]
    public init(issuerRef: IssuerReference, dnsNames: [String]) {
        self.issuerRef = issuerRef
        self.dnsNames = dnsNames
    }
}

/// A cert-manager issuer.
public struct IssuerReference: Codable, Sendable, Hashable {
    public var name: String
    /// `Issuer` (default) or `ClusterIssuer`.
    public var kind: String?
    /// Default `cert-manager.io`.
    public var group: String?
    public init(name: String, kind: String? = nil, group: String? = nil) {
        self.name = name
        self.kind = kind
        self.group = group
    }
}

/// Who may call the gateway.
public struct GatewayAuth: Codable, Sendable, Hashable {
    public var oidc: GatewayOIDC?
    /// Unsafe: any caller that reaches the gateway is a user.
    public var allowUnauthenticatedUsers: Bool?
    public init(oidc: GatewayOIDC? = nil, allowUnauthenticatedUsers: Bool? = nil) {
        self.oidc = oidc
        self.allowUnauthenticatedUsers = allowUnauthenticatedUsers
    }
}

/// OpenID Connect bearer tokens.
public struct GatewayOIDC: Codable, Sendable, Hashable {
    public var issuer: String
    /// Default `openshell-cli`.
    public var audience: String?
    /// Default 3600.
    public var jwksTTLSeconds: Int64?
    public var rolesClaim: String?
    public var adminRole: String?
    public var userRole: String?
    public var scopesClaim: String?
    /// A ConfigMap whose `ca.crt` verifies the issuer.
    public var caConfigMapRef: LocalObjectReference?
    public init(issuer: String, audience: String? = nil, jwksTTLSeconds: Int64? = nil, rolesClaim: String? = nil,
                adminRole: String? = nil, userRole: String? = nil, scopesClaim: String? = nil,
                caConfigMapRef: LocalObjectReference? = nil) {
        self.issuer = issuer
        self.audience = audience
        self.jwksTTLSeconds = jwksTTLSeconds
        self.rolesClaim = rolesClaim
        self.adminRole = adminRole
        self.userRole = userRole
        self.scopesClaim = scopesClaim
        self.caConfigMapRef = caConfigMapRef
    }
}

/// Where provider credentials are stored: the gateway's database encrypted with a
/// key-encryption key (default), Kubernetes Secrets, or Vault (at most one driver).
public struct GatewayCredentials: Codable, Sendable, Hashable {
    /// An existing Secret with key `key-encryption-key`; unset: the operator creates one and keeps it.
    public var keyEncryptionKeySecretRef: LocalObjectReference?
    public var kubernetesSecrets: GatewayKubernetesSecretsDriver?
    public var vault: GatewayVaultDriver?
    public init(keyEncryptionKeySecretRef: LocalObjectReference? = nil, kubernetesSecrets: GatewayKubernetesSecretsDriver? = nil,
                vault: GatewayVaultDriver? = nil) {
        self.keyEncryptionKeySecretRef = keyEncryptionKeySecretRef
        self.kubernetesSecrets = kubernetesSecrets
        self.vault = vault
    }
}

public struct GatewayKubernetesSecretsDriver: Codable, Sendable, Hashable {
    /// Default the gateway's namespace.
    public var namespace: String?
    public var allowReferenceNamespace: Bool?
    /// Create the Role and RoleBinding on the namespace's Secrets (default true).
    public var createRBAC: Bool?
    public init(namespace: String? = nil, allowReferenceNamespace: Bool? = nil, createRBAC: Bool? = nil) {
        self.namespace = namespace
        self.allowReferenceNamespace = allowReferenceNamespace
        self.createRBAC = createRBAC
    }
}

public struct GatewayVaultDriver: Codable, Sendable, Hashable {
    public var address: String
    /// Default `secret`.
    public var mount: String?
    /// `1` or `2` (default).
    public var kvVersion: Int?
    /// `Kubernetes` (default) or `Token`.
    public var authMethod: String?
    public var role: String?
    /// Default `kubernetes`.
    public var kubernetesAuthMount: String?
    public var serviceAccountTokenPath: String?
    public var tokenPath: String?
    public var timeoutSeconds: Int?
    public init(address: String, mount: String? = nil, kvVersion: Int? = nil, authMethod: String? = nil, role: String? = nil,
                kubernetesAuthMount: String? = nil, serviceAccountTokenPath: String? = nil, tokenPath: String? = nil,
                timeoutSeconds: Int? = nil) {
        self.address = address
        self.mount = mount
        self.kvVersion = kvVersion
        self.authMethod = authMethod
        self.role = role
        self.kubernetesAuthMount = kubernetesAuthMount
        self.serviceAccountTokenPath = serviceAccountTokenPath
        self.tokenPath = tokenPath
        self.timeoutSeconds = timeoutSeconds
    }
}

/// The JWTs the gateway mints for sandboxes, and their Kubernetes tokens.
public struct GatewaySandboxTokens: Codable, Sendable, Hashable {
    /// Default `<name>-jwt-keys`.
    public var signingSecretName: String?
    /// Default the gateway's name.
    public var gatewayID: String?
    /// Default 3600.
    public var ttlSeconds: Int64?
    /// Default 3600 (600...86400).
    public var serviceAccountTokenTTLSeconds: Int64?
    /// The mode of the mounted signing Secret's files (default 0400 = 256).
    public var secretDefaultMode: Int?
    public init(signingSecretName: String? = nil, gatewayID: String? = nil, ttlSeconds: Int64? = nil,
                serviceAccountTokenTTLSeconds: Int64? = nil, secretDefaultMode: Int? = nil) {
        self.signingSecretName = signingSecretName
        self.gatewayID = gatewayID
        self.ttlSeconds = ttlSeconds
        self.serviceAccountTokenTTLSeconds = serviceAccountTokenTTLSeconds
        self.secretDefaultMode = secretDefaultMode
    }
}

public struct GatewayNetworkPolicy: Codable, Sendable, Hashable {
    /// Default true.
    public var enabled: Bool?
    public init(enabled: Bool? = nil) { self.enabled = enabled }
}

/// How the gateway is reached from outside the cluster.
public struct GatewayExposure: Codable, Sendable, Hashable {
    public var grpcRoute: GatewayGRPCRoute?
    public var openShiftRoute: GatewayOpenShiftRoute?
    public init(grpcRoute: GatewayGRPCRoute? = nil, openShiftRoute: GatewayOpenShiftRoute? = nil) {
        self.grpcRoute = grpcRoute
        self.openShiftRoute = openShiftRoute
    }
}

/// A Gateway API GRPCRoute to the Service, attached to an existing Gateway or one the operator creates.
public struct GatewayGRPCRoute: Codable, Sendable, Hashable {
    public var hostnames: [String]?
    /// An existing Gateway; default the one `gateway` creates, else one named after this object.
    public var parentRef: GatewayParentReference?
    /// Create a Gateway API Gateway named after this object.
    public var gateway: GatewayAPIGateway?
    public init(hostnames: [String]? = nil, parentRef: GatewayParentReference? = nil, gateway: GatewayAPIGateway? = nil) {
        self.hostnames = hostnames
        self.parentRef = parentRef
        self.gateway = gateway
    }
}

public struct GatewayParentReference: Codable, Sendable, Hashable {
    public var name: String
    /// Default the gateway's namespace.
    public var namespace: String?
    public init(name: String, namespace: String? = nil) {
        self.name = name
        self.namespace = namespace
    }
}

public struct GatewayAPIGateway: Codable, Sendable, Hashable {
    /// Default `eg`.
    public var className: String?
    public var listener: GatewayListener?
    public init(className: String? = nil, listener: GatewayListener? = nil) {
        self.className = className
        self.listener = listener
    }
}

public struct GatewayListener: Codable, Sendable, Hashable {
    /// Default 80.
    public var port: Int?
    /// `HTTP` (default) or `HTTPS`.
    public var `protocol`: String?
    /// `Same` (default) or `All`.
    public var allowedRoutes: String?
    /// With `HTTPS`: the certificates the listener terminates TLS with.
    public var certificateRefs: [GatewayCertificateReference]?
    public init(port: Int? = nil, protocol: String? = nil, allowedRoutes: String? = nil,
                certificateRefs: [GatewayCertificateReference]? = nil) {
        self.port = port
        self.protocol = `protocol`
        self.allowedRoutes = allowedRoutes
        self.certificateRefs = certificateRefs
    }
}

/// A Gateway API SecretObjectReference.
public struct GatewayCertificateReference: Codable, Sendable, Hashable {
    public var name: String
    public var namespace: String?
    public var kind: String?
    public var group: String?
    public init(name: String, namespace: String? = nil, kind: String? = nil, group: String? = nil) {
        self.name = name
        self.namespace = namespace
        self.kind = kind
        self.group = group
    }
}

/// An OpenShift passthrough Route to the Service's gRPC port.
public struct GatewayOpenShiftRoute: Codable, Sendable, Hashable {
    public var host: String?
    public var annotations: [String: String]?
    public init(host: String? = nil, annotations: [String: String]? = nil) {
        self.host = host
        self.annotations = annotations
    }
}

/// Where the gateway's pods are scheduled.
public struct GatewayPlacement: Codable, Sendable, Hashable {
    public var nodeSelector: [String: String]?
    public var tolerations: [Toleration]?
    /// A core/v1 Affinity, passed to the pod as written.
    public var affinity: JSONValue?
    public init(nodeSelector: [String: String]? = nil, tolerations: [Toleration]? = nil, affinity: JSONValue? = nil) {
        self.nodeSelector = nodeSelector
        self.tolerations = tolerations
        self.affinity = affinity
    }
}

public struct GatewayTelemetry: Codable, Sendable, Hashable {
    /// Anonymous usage telemetry (`OPENSHELL_TELEMETRY_ENABLED`, default true).
    public var enabled: Bool?
    public init(enabled: Bool? = nil) { self.enabled = enabled }
}

/// The gRPC rate limit: both positive, or neither.
public struct GatewayRateLimit: Codable, Sendable, Hashable {
    public var requests: Int?
    public var windowSeconds: Int?
    public init(requests: Int? = nil, windowSeconds: Int? = nil) {
        self.requests = requests
        self.windowSeconds = windowSeconds
    }
}

/// How version changes roll out.
public struct GatewayUpgrade: Codable, Sendable, Hashable {
    /// How long a rollout may take before the gateway is Degraded (default 600).
    public var progressDeadlineSeconds: Int?
    /// Roll back to `status.lastKnownGoodVersion` when a rollout exceeds its deadline (default false).
    public var automaticRollback: Bool?
    public init(progressDeadlineSeconds: Int? = nil, automaticRollback: Bool? = nil) {
        self.progressDeadlineSeconds = progressDeadlineSeconds
        self.automaticRollback = automaticRollback
    }
}

// MARK: - Status

public struct OpenShellGatewayStatus: Codable, Sendable, Hashable {
    public var observedGeneration: Int64?
    /// `GatewayConditionType`.
    public var conditions: [Condition]?
    /// The version every ready pod runs.
    public var runningVersion: String?
    /// The in-cluster gRPC URL.
    public var endpoint: String?
    public var readyReplicas: Int?
    public var lastUpgrade: GatewayUpgradeRecord?
    /// The last version that completed a rollout and became Available.
    public var lastKnownGoodVersion: String?
    /// The automatic rollback in effect: set when a rollout of `metadata.generation` exceeded its
    /// deadline and the workload went back to `lastKnownGoodVersion`; cleared by the next spec change.
    public var rollback: GatewayRollbackRecord?
    public init(observedGeneration: Int64? = nil, conditions: [Condition]? = nil, runningVersion: String? = nil,
                endpoint: String? = nil, readyReplicas: Int? = nil, lastUpgrade: GatewayUpgradeRecord? = nil,
                lastKnownGoodVersion: String? = nil, rollback: GatewayRollbackRecord? = nil) {
        self.observedGeneration = observedGeneration
        self.conditions = conditions
        self.runningVersion = runningVersion
        self.endpoint = endpoint
        self.readyReplicas = readyReplicas
        self.lastUpgrade = lastUpgrade
        self.lastKnownGoodVersion = lastKnownGoodVersion
        self.rollback = rollback
    }
}

/// An automatic rollback: the version whose rollout failed, the version restored, and the spec
/// generation it applies to (a newer generation is rolled out again).
public struct GatewayRollbackRecord: Codable, Sendable, Hashable {
    /// The requested version whose rollout exceeded its progress deadline.
    public var from: String
    /// The last known good version the workload was set back to.
    public var to: String
    /// When the rollback was decided (RFC 3339).
    public var time: String
    /// The `metadata.generation` whose rollout failed.
    public var generation: Int64
    public init(from: String, to: String, time: String, generation: Int64) {
        self.from = from
        self.to = to
        self.time = time
        self.generation = generation
    }
}

public struct GatewayUpgradeRecord: Codable, Sendable, Hashable {
    public var from: String
    public var to: String
    /// RFC 3339.
    public var time: String
    public init(from: String, to: String, time: String) {
        self.from = from
        self.to = to
        self.time = time
    }
}

/// Condition types of OpenShellGateway. Stable API: alerts and scripts key on them.
public enum GatewayConditionType {
    /// Enough ready replicas serve the current spec's version.
    public static let available = "Available"
    /// A rollout or an install step is under way.
    public static let progressing = "Progressing"
    /// Something failed that needs attention (deadline exceeded, partial PKI, ...).
    public static let degraded = "Degraded"
    /// `agents.x-k8s.io/v1beta1` or `v1alpha1` Sandbox is served.
    public static let agentSandboxAvailable = "AgentSandboxAvailable"
    /// The certificates and the JWT signing key exist and are current.
    public static let tlsReady = "TLSReady"
    /// The spec passed `GatewayValidation`.
    public static let configValid = "ConfigValid"
    /// The workload's last rollout completed.
    public static let rolloutComplete = "RolloutComplete"

    public static let all = [available, progressing, degraded, agentSandboxAvailable, tlsReady, configValid, rolloutComplete]
}

/// The defaults of every unset field that has one (the chart's defaults, openshell-contract §2.3).
public enum GatewayDefaults {
    /// The OpenShell release this operator pins: gateway and supervisor images of one commit (openshell-contract §7).
    public static let openShellVersion = PinnedRelease.openShell
    public static let imageRepository = PinnedRelease.imageRepository
    public static let sandboxImage = PinnedRelease.sandboxImage
    public static let grpcPort = 8080
    public static let healthPort = 8081
    public static let metricsPort = 9090
    public static let dataVolumeSize = "1Gi"
    public static let sqliteURL = "sqlite:/var/openshell/openshell.db"
    public static let databaseSecretKey = "uri"
    public static let keyEncryptionKeySecretKey = "key-encryption-key"
    public static let serverSecretName = "openshell-server-tls"
    public static let clientSecretName = "openshell-client-tls"
    public static let clientCASecretName = "openshell-server-client-ca"
    public static let certManagerCASecretName = "openshell-ca-tls"
    public static let certificateDuration = "8760h"
    public static let certificateRenewBefore = "720h"
    public static let oidcAudience = "openshell-cli"
    public static let progressDeadlineSeconds = 600
    public static let terminationGracePeriodSeconds: Int64 = 5

    /// The release `spec.version` names, else the pinned one.
    public static func version(_ spec: OpenShellGatewaySpec) -> String { spec.version ?? openShellVersion }

    /// The gateway image: the override, else `<repository>/gateway:<version>`.
    public static func gatewayImage(_ spec: OpenShellGatewaySpec) -> String {
        spec.images?.gateway ?? "\(spec.images?.repository ?? imageRepository)/gateway:\(version(spec))"
    }

    /// The supervisor image: the override, else `<repository>/supervisor:<version>`.
    public static func supervisorImage(_ spec: OpenShellGatewaySpec) -> String {
        spec.images?.supervisor ?? "\(spec.images?.repository ?? imageRepository)/supervisor:\(version(spec))"
    }
}
