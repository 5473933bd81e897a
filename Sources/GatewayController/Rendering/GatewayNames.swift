//! The names, labels, ports and paths every child of an OpenShellGateway
//! shares (the chart's naming helpers, openshell-contract §2.1). The object's
//! name plays the chart's `fullname`; `app.kubernetes.io/name` is always
//! `openshell`, the chart's default `nameOverride`.
import KubeCore
import OpenShellAPI

/// The names derived from one gateway's name and namespace.
public struct GatewayNames: Sendable, Hashable {
    /// The OpenShellGateway's name: the chart's `fullname`, the name of the workload, Service and gateway SA.
    public var name: String
    /// The gateway's namespace: the chart's release namespace.
    public var namespace: String

    public init(name: String, namespace: String) {
        self.name = name
        self.namespace = namespace
    }

    /// `app.kubernetes.io/name` of every child.
    public static let appName = "openshell"

    /// The ConfigMap holding `gateway.toml`.
    public var configMap: String { "\(name)-config" }
    /// The JWT signing Secret unless `sandboxTokens.signingSecretName` names one.
    public var defaultJWTSecret: String { "\(name)-jwt-keys" }
    /// The key-encryption-key Secret unless `credentials.keyEncryptionKeySecretRef` names one.
    public var defaultKeyEncryptionKeySecret: String { "\(name)-credential-storage-key-encryption-key" }
    /// The Secret of the externally issued server certificate (cert-manager with an external issuer).
    public var externalServerSecret: String { "\(name)-server-external-tls" }
    /// The sandbox service account unless `sandboxes.serviceAccount.name` names one.
    public var defaultSandboxServiceAccount: String { "\(name)-sandbox" }
    /// The ClusterRole and ClusterRoleBinding. The chart's `<fullname>-node-reader` collides between two
    /// gateways of one name in different namespaces (openshell-contract §8), so the namespace is part of it;
    /// namespaces cannot contain `:`, so the name is unambiguous.
    public var clusterRole: String { "openshell:\(namespace):\(name):node-reader" }
    /// The Role and RoleBinding on sandboxes in the sandbox namespace (workspace mode Shared).
    public var sandboxRole: String { "\(name)-sandbox" }
    /// The Role and RoleBinding on the credential namespace's Secrets (Kubernetes Secrets driver).
    public var credentialSecretsRole: String { "\(name)-credential-secrets" }
    /// The NetworkPolicy in the sandbox namespace admitting the gateway to sandboxes' SSH port.
    public var sandboxSSHNetworkPolicy: String { "\(name)-sandbox-ssh" }

    /// cert-manager objects (openshell-contract §2.6).
    public var selfSignedIssuer: String { "\(name)-selfsigned" }
    public var caCertificate: String { "\(name)-ca" }
    public var caIssuer: String { "\(name)-ca-issuer" }
    public var serverCertificate: String { "\(name)-server" }
    public var externalServerCertificate: String { "\(name)-server-external" }
    public var clientCertificate: String { "\(name)-client" }

    /// The DNS names every server certificate carries (the chart's `defaultServerDnsNames`).
    public var defaultServerDNSNames: [String] {
        [
            name, "\(name).\(namespace).svc", "\(name).\(namespace).svc.cluster.local", "localhost",
            "\(name).localhost", "*.\(name).localhost", "host.docker.internal", "host.containers.internal",
        ]
    }

    /// The IP addresses every server certificate carries.
    public static let defaultServerIPAddresses = ["127.0.0.1", "::1"]

    /// The in-cluster gRPC URL of the Service (the driver's default `grpc_endpoint`, the status endpoint).
    public func serviceURL(port: Int, tls: Bool) -> String {
        "\(tls ? "https" : "http")://\(name).\(namespace).svc.cluster.local:\(port)"
    }

    // MARK: Labels

    /// `app.kubernetes.io/name` and `instance`: the workload's selector and the Service's.
    public var selectorLabels: [String: String] {
        ["app.kubernetes.io/name": Self.appName, "app.kubernetes.io/instance": name]
    }

    /// The chart's common labels (without `helm.sh/chart`), managed by the operator.
    public func commonLabels(version: String) -> [String: String] {
        var labels = selectorLabels
        labels["app.kubernetes.io/version"] = version
        labels["app.kubernetes.io/managed-by"] = OpenShellLabels.managedByValue
        labels[OpenShellLabels.managedBy] = OpenShellLabels.managedByValue
        return labels
    }

    /// On every child: which gateway it belongs to. The only link of children that cannot carry an
    /// ownerReference (cluster-scoped, or in another namespace), which a finalizer removes by these labels.
    public var ownerLabels: [String: String] {
        [GatewayLabels.gatewayName: name, GatewayLabels.gatewayNamespace: namespace]
    }
}

/// Label and annotation keys of the gateway's children.
public enum GatewayLabels {
    /// The owning OpenShellGateway's name.
    public static let gatewayName = "openshell.ai/gateway-name"
    /// The owning OpenShellGateway's namespace.
    public static let gatewayNamespace = "openshell.ai/gateway-namespace"
    /// On the pod template: a digest of the rendered `gateway.toml` and the checksum inputs; a change rolls the pods.
    public static let configChecksum = "openshell.ai/config-checksum"
    /// On the key-encryption-key Secret: `keep`, it outlives the gateway (the database it decrypts may be restored).
    public static let resourcePolicy = "openshell.ai/resource-policy"
    /// The label the gateway's driver puts on what it creates (the sandbox SSH NetworkPolicy selects it).
    public static let driverManagedByValue = "openshell"
}

/// The fixed layout of the gateway container (openshell-contract §2.4).
public enum GatewayLayout {
    public static let container = "openshell-gateway"
    public static let runAsUser: Int64 = 1000
    public static let fsGroup: Int64 = 1000

    public static let dataVolume = "openshell-data"
    public static let dataPath = "/var/openshell"
    public static let configVolume = "gateway-config"
    public static let configPath = "/etc/openshell"
    public static let configKey = "gateway.toml"
    public static let configFile = "/etc/openshell/gateway.toml"
    public static let jwtVolume = "sandbox-jwt"
    public static let jwtPath = "/etc/openshell-jwt"
    public static let tlsVolume = "tls-cert"
    public static let tlsPath = "/etc/openshell-tls/server"
    public static let externalTLSVolume = "tls-external-cert"
    public static let externalTLSPath = "/etc/openshell-tls/server-external"
    public static let clientCAVolume = "tls-client-ca"
    public static let clientCAPath = "/etc/openshell-tls/client-ca"
    public static let oidcCAVolume = "oidc-ca"
    public static let oidcCAPath = "/etc/openshell-tls/oidc-ca"

    public static let keyEncryptionKeyEnv = "OPENSHELL_GATEWAY_CREDENTIAL_KEY_ENCRYPTION_KEY"
    public static let databaseURLEnv = "OPENSHELL_DB_URL"
    public static let telemetryEnv = "OPENSHELL_TELEMETRY_ENABLED"
    public static let sslCertFileEnv = "SSL_CERT_FILE"

    /// The JWT Secret's files mode unless `sandboxTokens.secretDefaultMode` (0400).
    public static let jwtDefaultMode = 0o400
    /// The sandboxes' SSH port the NetworkPolicy opens to the gateway.
    public static let sandboxSSHPort = 2222
    /// The sideload method's default switches to image volumes from this Kubernetes minor (1.35).
    public static let imageVolumeMinor = 35
}
