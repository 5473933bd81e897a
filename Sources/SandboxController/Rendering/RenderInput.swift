//! The renderer's inputs and output: what the reconciler has already decided
//! (class, effective policy, rules text, expiry, operating mode, namespace
//! identity facts) and the objects rendered from it.
import Foundation
import KubeCore
import OpenShellAPI
import Operator

/// The sandbox identity facts a Namespace carries (OpenShift SCC annotations).
public struct NamespaceFacts: Sendable, Hashable {
    /// The start of `openshift.io/sa.scc.uid-range`.
    public var sandboxUID: Int64?
    /// The start of `openshift.io/sa.scc.supplemental-groups`.
    public var sandboxGID: Int64?

    /// The annotation holding the namespace's UID range (`1000680000/10000`).
    public static let uidRangeAnnotation = "openshift.io/sa.scc.uid-range"
    /// The annotation holding the namespace's supplemental groups (`1000680000/10000` or `1000680000-1000689999`).
    public static let supplementalGroupsAnnotation = "openshift.io/sa.scc.supplemental-groups"
    /// The id used when the namespace names none.
    public static let defaultID: Int64 = 1000

    public init(sandboxUID: Int64? = nil, sandboxGID: Int64? = nil) {
        self.sandboxUID = sandboxUID
        self.sandboxGID = sandboxGID
    }

    /// Reads the SCC annotations of a Namespace; a missing Namespace, a
    /// missing annotation or one that does not parse to an id in
    /// 1...4294967294 leaves the fact unset.
    public init(namespace: KubeObject?) {
        let annotations = namespace?.annotations ?? [:]
        self.init(
            sandboxUID: annotations[Self.uidRangeAnnotation].flatMap(Self.rangeStart),
            sandboxGID: annotations[Self.supplementalGroupsAnnotation].flatMap(Self.rangeStart)
        )
    }

    /// The UID the sandbox user gets: the namespace's, else 1000.
    public var effectiveUID: Int64 { sandboxUID ?? Self.defaultID }
    /// The GID the sandbox user gets: the namespace's supplemental group, else the UID.
    public var effectiveGID: Int64 { sandboxGID ?? effectiveUID }

    /// The first id of an OpenShift range: `start/size` or `start-end`, the first of a comma-separated list.
    static func rangeStart(_ text: String) -> Int64? {
        let first = text.split(separator: ",", omittingEmptySubsequences: false).first ?? ""
        let start = first.split(whereSeparator: { $0 == "/" || $0 == "-" }).first ?? ""
        let trimmed = start.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.allSatisfy(\.isASCIIDigit), let id = Int64(trimmed),
              (1...4_294_967_294).contains(id)
        else { return nil }
        return id
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

/// Operator-wide defaults a class may override.
public struct OperatorDefaults: Sendable, Hashable {
    public var sandboxImage: String
    public var supervisorImage: String
    public var workspaceSize: String
    public init(
        sandboxImage: String = PinnedRelease.sandboxImage,
        supervisorImage: String = PinnedRelease.supervisorImage,
        workspaceSize: String = "2Gi"
    ) {
        self.sandboxImage = sandboxImage
        self.supervisorImage = supervisorImage
        self.workspaceSize = workspaceSize
    }
}

/// The Sandbox's `spec.operatingMode`.
public enum OperatingMode: String, Sendable, Hashable {
    case running = "Running"
    case suspended = "Suspended"
}

/// Everything the renderer needs, already resolved and validated by the reconciler.
public struct SandboxRenderInput: Sendable {
    /// The OpenShellSandbox: its name, namespace and uid (the sandbox id) are used.
    public var owner: KubeObject
    public var spec: OpenShellSandboxSpec
    /// nil = no class.
    public var className: String?
    /// Empty when there is no class.
    public var classSpec: OpenShellSandboxClassSpec
    /// The effective policy (inline, referenced or the class default), already chosen.
    public var policy: SandboxPolicySpec?
    /// The policy engine rules (Rego) from the class's rules ConfigMap.
    public var policyRules: String?
    public var namespace: NamespaceFacts
    /// When the lifetime ends; nil = never.
    public var expiresAt: Date?
    /// `shutdownPolicy: Delete` (true) or `Retain` (false) at `expiresAt`.
    public var deleteOnExpiry: Bool
    public var operatingMode: OperatingMode
    public var defaults: OperatorDefaults

    public init(
        owner: KubeObject, spec: OpenShellSandboxSpec, className: String? = nil,
        classSpec: OpenShellSandboxClassSpec = OpenShellSandboxClassSpec(), policy: SandboxPolicySpec? = nil,
        policyRules: String? = nil, namespace: NamespaceFacts = NamespaceFacts(), expiresAt: Date? = nil,
        deleteOnExpiry: Bool = true, operatingMode: OperatingMode = .running, defaults: OperatorDefaults = OperatorDefaults()
    ) {
        self.owner = owner
        self.spec = spec
        self.className = className
        self.classSpec = classSpec
        self.policy = policy
        self.policyRules = policyRules
        self.namespace = namespace
        self.expiresAt = expiresAt
        self.deleteOnExpiry = deleteOnExpiry
        self.operatingMode = operatingMode
        self.defaults = defaults
    }
}

/// The objects one OpenShellSandbox is run with.
public struct RenderedSandbox: Sendable {
    /// The `agents.x-k8s.io/v1beta1` Sandbox.
    public var sandbox: KubeObject
    /// The v1 ConfigMap `<name>-openshell` (policy, rules, routes).
    public var configMap: KubeObject
    /// The `networking.k8s.io/v1` NetworkPolicy `<name>-openshell`, when the class enables it.
    public var networkPolicy: KubeObject?
    /// Digest of the pod spec and the ConfigMap data; also the Sandbox annotation `openshell.ai/rollout-hash`.
    public var rolloutHash: String
    public init(sandbox: KubeObject, configMap: KubeObject, networkPolicy: KubeObject?, rolloutHash: String) {
        self.sandbox = sandbox
        self.configMap = configMap
        self.networkPolicy = networkPolicy
        self.rolloutHash = rolloutHash
    }
}
