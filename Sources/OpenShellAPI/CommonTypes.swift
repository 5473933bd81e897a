//! Small types shared by the three kinds: references, environment
//! variables, resources, tolerations, security profiles. They mirror the
//! core/v1 shapes users already know, reduced to what the operator honours.
import KubeCore

/// A reference to an object in the same namespace.
public struct LocalObjectReference: Codable, Sendable, Hashable {
    public var name: String
    public init(name: String) { self.name = name }
}

/// One key of a Secret in the same namespace.
public struct SecretKeySelector: Codable, Sendable, Hashable {
    public var name: String
    public var key: String
    public init(name: String, key: String) {
        self.name = name
        self.key = key
    }
}

/// One key of a ConfigMap in the same namespace.
public struct ConfigMapKeySelector: Codable, Sendable, Hashable {
    public var name: String
    public var key: String
    public init(name: String, key: String) {
        self.name = name
        self.key = key
    }
}

/// One key of a ConfigMap in a named namespace (cluster-scoped objects refer with it).
public struct NamespacedConfigMapKeyReference: Codable, Sendable, Hashable {
    public var namespace: String
    public var name: String
    /// Default `sandbox-policy.rego`.
    public var key: String?
    public init(namespace: String, name: String, key: String? = nil) {
        self.namespace = namespace
        self.name = name
        self.key = key
    }
}

/// An environment variable of the sandbox's main process: a literal value
/// or a reference (never a copy) to a Secret or ConfigMap key.
public struct EnvVar: Codable, Sendable, Hashable {
    public var name: String
    public var value: String?
    public var valueFrom: EnvVarSource?
    public init(name: String, value: String? = nil, valueFrom: EnvVarSource? = nil) {
        self.name = name
        self.value = value
        self.valueFrom = valueFrom
    }
}

/// Exactly one of the two.
public struct EnvVarSource: Codable, Sendable, Hashable {
    public var secretKeyRef: SecretKeySelector?
    public var configMapKeyRef: ConfigMapKeySelector?
    public init(secretKeyRef: SecretKeySelector? = nil, configMapKeyRef: ConfigMapKeySelector? = nil) {
        self.secretKeyRef = secretKeyRef
        self.configMapKeyRef = configMapKeyRef
    }
}

/// Compute resources as quantities by resource name (`cpu`, `memory`, ...).
public struct ResourceRequirements: Codable, Sendable, Hashable {
    public var requests: [String: String]?
    public var limits: [String: String]?
    public init(requests: [String: String]? = nil, limits: [String: String]? = nil) {
        self.requests = requests
        self.limits = limits
    }
}

/// core/v1 Toleration.
public struct Toleration: Codable, Sendable, Hashable {
    public var key: String?
    /// `Exists` or `Equal` (default).
    public var `operator`: String?
    public var value: String?
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`; empty matches all.
    public var effect: String?
    public var tolerationSeconds: Int64?
    public init(key: String? = nil, operator: String? = nil, value: String? = nil, effect: String? = nil, tolerationSeconds: Int64? = nil) {
        self.key = key
        self.operator = `operator`
        self.value = value
        self.effect = effect
        self.tolerationSeconds = tolerationSeconds
    }
}

/// An AppArmor or seccomp profile, as core/v1 expresses both.
public struct SecurityProfile: Codable, Sendable, Hashable {
    /// `RuntimeDefault`, `Unconfined` or `Localhost`.
    public var type: String
    /// The profile's name on the node; required with `Localhost`, forbidden otherwise.
    public var localhostProfile: String?
    public init(type: String, localhostProfile: String? = nil) {
        self.type = type
        self.localhostProfile = localhostProfile
    }
}

/// Labels and annotations for the sandbox's pod.
public struct PodMetadata: Codable, Sendable, Hashable {
    public var labels: [String: String]?
    public var annotations: [String: String]?
    public init(labels: [String: String]? = nil, annotations: [String: String]? = nil) {
        self.labels = labels
        self.annotations = annotations
    }
}

/// Decoding helpers for the kinds.
extension KubeObject {
    /// `spec` decoded as `T`.
    /// - Throws: a decoding error naming the missing or mistyped field.
    public func decodeSpec<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try (spec ?? [:]).decode(T.self)
    }

    /// `status` decoded as `T`, or `nil` when there is none or it does not decode.
    public func decodeStatus<T: Decodable>(_ type: T.Type = T.self) -> T? {
        guard let status else { return nil }
        return try? status.decode(T.self)
    }
}
