//! The `openshell.ai/v1alpha1` API group: its kinds, resources, and the
//! labels, annotations and finalizers the operator writes. One place for
//! every string another component (a gateway, a NetworkPolicy, a dashboard)
//! may key on.
import KubeCore

/// The operator's API group and the names it puts on objects.
public enum OpenShellAPIGroup {
    public static let group = "openshell.ai"
    public static let version = "v1alpha1"
    public static let groupVersion = GroupVersion(group: group, version: version)

    public static let sandboxes = GroupVersionResource(group: group, version: version, resource: "openshellsandboxes")
    public static let sandboxClasses = GroupVersionResource(group: group, version: version, resource: "openshellsandboxclasses")
    public static let policies = GroupVersionResource(group: group, version: version, resource: "openshellpolicies")
    public static let gateways = GroupVersionResource(group: group, version: version, resource: "openshellgateways")

    public static let sandboxKind = GroupKind(group: group, kind: "OpenShellSandbox")
    public static let sandboxClassKind = GroupKind(group: group, kind: "OpenShellSandboxClass")
    public static let policyKind = GroupKind(group: group, kind: "OpenShellPolicy")
    public static let gatewayKind = GroupKind(group: group, kind: "OpenShellGateway")
}

/// Labels and annotations the operator sets on what it creates.
public enum OpenShellLabels {
    /// On every object the operator creates (Sandbox, pod template,
    /// ConfigMap, NetworkPolicy). Distinct from the gateway's `openshell`, so
    /// a co-located gateway never lists or rewrites the operator's objects.
    public static let managedBy = "openshell.ai/managed-by"
    public static let managedByValue = "openshell-operator"
    /// The sandbox id (a UUID) on the Sandbox and its pod.
    public static let sandboxID = "openshell.ai/sandbox-id"
    /// The OpenShellSandbox's name on the Sandbox and its pod.
    public static let sandboxName = "openshell.ai/sandbox-name"
    /// The pod annotation the OpenShell supervisor and gateway read the id from.
    public static let podSandboxIDAnnotation = "openshell.io/sandbox-id"
    /// On the Sandbox: a digest of everything a running pod cannot pick up
    /// (pod spec, policy, rules, routes). A change is rolled out by a
    /// suspend/resume cycle.
    public static let rolloutHash = "openshell.ai/rollout-hash"
    /// On an OpenShellSandboxClass: `"true"` makes it the class of sandboxes
    /// that name none.
    public static let defaultClassAnnotation = "openshell.ai/is-default-class"
    /// On a ConfigMap: marks it as a source of policy engine rules a class may
    /// reference (the operator caches only ConfigMaps carrying it).
    public static let policyRulesLabel = "openshell.ai/policy-rules"

    /// On an OpenShellGateway: `"true"` lets `spec.version` go back to an
    /// older release than the one running (the gateway database migrates forward only).
    public static let allowDowngradeAnnotation = "openshell.ai/allow-downgrade"
    /// On an OpenShellSandbox: a new value (`kubectl openshell restart` writes
    /// the time, RFC 3339) asks for one restart of its pod; the value acted on
    /// is kept in `status.observedRestartedAt`.
    public static let restartedAtAnnotation = "openshell.ai/restartedAt"

    /// The finalizer on OpenShellSandbox that holds it until its Sandbox is gone.
    public static let sandboxFinalizer = "openshell.ai/sandbox-cleanup"
    /// The field manager of every write the operator makes.
    public static let fieldManager = "openshell-operator"
}
