//! The typed models the runtime needs: `Lease` (leader election),
//! `EventV1` (events.k8s.io/v1), `ConfigMap`, `Secret`, `ServiceAccount` and
//! `Namespace`. Each declares only the fields the operator uses; fields are
//! named as in the Kubernetes API so they encode to the same JSON.
import Foundation
import KubeCore

// MARK: - coordination.k8s.io/v1 Lease

/// A `coordination.k8s.io/v1` Lease: the lock of leader election.
public struct Lease: KubeResource, Hashable {
    public static let resource = GroupVersionResource(group: "coordination.k8s.io", version: "v1", resource: "leases")
    public static let isNamespaced = true
    public static let kind = "Lease"

    public var metadata: ObjectMeta
    public var spec: Spec?

    public init(metadata: ObjectMeta, spec: Spec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }

    /// `LeaseSpec`. Times are `MicroTime` strings (`KubeTime.formatMicro`).
    public struct Spec: Codable, Sendable, Hashable {
        public var holderIdentity: String?
        public var leaseDurationSeconds: Int32?
        public var acquireTime: String?
        public var renewTime: String?
        public var leaseTransitions: Int32?

        public init(
            holderIdentity: String? = nil, leaseDurationSeconds: Int32? = nil, acquireTime: String? = nil,
            renewTime: String? = nil, leaseTransitions: Int32? = nil
        ) {
            self.holderIdentity = holderIdentity
            self.leaseDurationSeconds = leaseDurationSeconds
            self.acquireTime = acquireTime
            self.renewTime = renewTime
            self.leaseTransitions = leaseTransitions
        }
    }
}

// MARK: - events.k8s.io/v1 Event

/// An `events.k8s.io/v1` Event. `eventTime` and series times are `MicroTime`
/// strings (`KubeTime.formatMicro`).
public struct EventV1: KubeResource, Hashable {
    public static let resource = GroupVersionResource(group: "events.k8s.io", version: "v1", resource: "events")
    public static let isNamespaced = true
    public static let kind = "Event"

    public var metadata: ObjectMeta
    /// When the event was first observed (required).
    public var eventTime: String?
    public var series: Series?
    public var reportingController: String?
    public var reportingInstance: String?
    /// What was done (or failed), e.g. `Reconcile`.
    public var action: String?
    /// Why, in UpperCamelCase, e.g. `SandboxCreated`.
    public var reason: String?
    public var regarding: ObjectReference?
    public var related: ObjectReference?
    /// A human-readable description, at most 1 kB.
    public var note: String?
    /// `Normal` or `Warning`.
    public var type: String?

    public init(
        metadata: ObjectMeta, eventTime: String? = nil, series: Series? = nil, reportingController: String? = nil,
        reportingInstance: String? = nil, action: String? = nil, reason: String? = nil, regarding: ObjectReference? = nil,
        related: ObjectReference? = nil, note: String? = nil, type: String? = nil
    ) {
        self.metadata = metadata
        self.eventTime = eventTime
        self.series = series
        self.reportingController = reportingController
        self.reportingInstance = reportingInstance
        self.action = action
        self.reason = reason
        self.regarding = regarding
        self.related = related
        self.note = note
        self.type = type
    }

    /// `EventSeries`: repeated occurrences folded into one Event.
    public struct Series: Codable, Sendable, Hashable {
        public var count: Int32
        public var lastObservedTime: String

        public init(count: Int32, lastObservedTime: String) {
            self.count = count
            self.lastObservedTime = lastObservedTime
        }
    }
}

// MARK: - core/v1

/// A `v1` ConfigMap.
public struct ConfigMap: KubeResource, Hashable {
    public static let resource = GroupVersionResource(group: "", version: "v1", resource: "configmaps")
    public static let isNamespaced = true
    public static let kind = "ConfigMap"

    public var metadata: ObjectMeta
    public var data: [String: String]?
    /// Values that are not UTF-8, base64-encoded on the wire.
    public var binaryData: [String: Data]?
    public var immutable: Bool?

    public init(metadata: ObjectMeta, data: [String: String]? = nil, binaryData: [String: Data]? = nil, immutable: Bool? = nil) {
        self.metadata = metadata
        self.data = data
        self.binaryData = binaryData
        self.immutable = immutable
    }
}

/// A `v1` Secret. Its description, debug description and mirror never show
/// `data` or `stringData`: only the keys.
public struct Secret: KubeResource, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public static let resource = GroupVersionResource(group: "", version: "v1", resource: "secrets")
    public static let isNamespaced = true
    public static let kind = "Secret"

    public var metadata: ObjectMeta
    /// The values, base64-encoded on the wire.
    public var data: [String: Data]?
    /// Write-only plain-text values the server merges into `data`.
    public var stringData: [String: String]?
    /// e.g. `Opaque`, `kubernetes.io/tls`.
    public var type: String?
    public var immutable: Bool?

    public init(
        metadata: ObjectMeta, data: [String: Data]? = nil, stringData: [String: String]? = nil, type: String? = nil,
        immutable: Bool? = nil
    ) {
        self.metadata = metadata
        self.data = data
        self.stringData = stringData
        self.type = type
        self.immutable = immutable
    }

    public var description: String {
        let keys = Set((data ?? [:]).keys).union((stringData ?? [:]).keys).sorted()
        let name = [metadata.namespace, metadata.name].compactMap { $0 }.joined(separator: "/")
        return "Secret(\(name), type: \(type ?? "Opaque"), keys: \(keys), values: <redacted>)"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["metadata": metadata, "type": type as Any, "data": "<redacted>"], displayStyle: .struct)
    }
}

/// A `v1` ServiceAccount.
public struct ServiceAccount: KubeResource, Hashable {
    public static let resource = GroupVersionResource(group: "", version: "v1", resource: "serviceaccounts")
    public static let isNamespaced = true
    public static let kind = "ServiceAccount"

    public var metadata: ObjectMeta
    public var secrets: [ObjectReference]?
    public var imagePullSecrets: [LocalObjectReference]?
    public var automountServiceAccountToken: Bool?

    public init(
        metadata: ObjectMeta, secrets: [ObjectReference]? = nil, imagePullSecrets: [LocalObjectReference]? = nil,
        automountServiceAccountToken: Bool? = nil
    ) {
        self.metadata = metadata
        self.secrets = secrets
        self.imagePullSecrets = imagePullSecrets
        self.automountServiceAccountToken = automountServiceAccountToken
    }
}

/// A `v1` Namespace (cluster-scoped).
public struct Namespace: KubeResource, Hashable {
    public static let resource = GroupVersionResource(group: "", version: "v1", resource: "namespaces")
    public static let isNamespaced = false
    public static let kind = "Namespace"

    public var metadata: ObjectMeta
    public var spec: Spec?
    public var status: Status?

    public init(metadata: ObjectMeta, spec: Spec? = nil, status: Status? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    public struct Spec: Codable, Sendable, Hashable {
        public var finalizers: [String]?

        public init(finalizers: [String]? = nil) { self.finalizers = finalizers }
    }

    public struct Status: Codable, Sendable, Hashable {
        /// `Active` or `Terminating`.
        public var phase: String?
        public var conditions: [Condition]?

        public init(phase: String? = nil, conditions: [Condition]? = nil) {
            self.phase = phase
            self.conditions = conditions
        }
    }

    /// `NamespaceCondition` (its reason and message are optional, unlike `metav1.Condition`).
    public struct Condition: Codable, Sendable, Hashable {
        public var type: String
        public var status: String
        public var reason: String?
        public var message: String?
        public var lastTransitionTime: String?

        public init(type: String, status: String, reason: String? = nil, message: String? = nil, lastTransitionTime: String? = nil) {
            self.type = type
            self.status = status
            self.reason = reason
            self.message = message
            self.lastTransitionTime = lastTransitionTime
        }
    }
}
