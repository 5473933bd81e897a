//! The pure rendering of an OpenShellSandbox into the objects that run it:
//! the `agents.x-k8s.io/v1beta1` Sandbox, its `<name>-openshell` ConfigMap
//! (policy, rules, routes) and, when the class asks, a NetworkPolicy — plus
//! the rollout hash that tells the reconciler when a running pod is stale.
import Foundation
import KubeCore
import OpenShellAPI

public enum SandboxRenderer {
    public static let sandboxAPIVersion = "agents.x-k8s.io/v1beta1"
    public static let sandboxKind = "Sandbox"

    /// Renders every object of one sandbox. Total: the same input always gives the same bytes.
    public static func render(_ input: SandboxRenderInput) -> RenderedSandbox {
        let name = input.owner.name
        let id = input.owner.uid
        let configMap = configMap(input)
        let configData = configMap.json["data"] ?? .object([:])
        let workspace = input.spec.workspace?.disabled != true
        let context = PodTemplate.Context(
            input: input, sandboxID: id, name: name,
            configKeys: Set(configData.objectValue.map { Array($0.keys) } ?? []), workspace: workspace
        )
        let podSpec = PodTemplate.spec(context)
        let hash = rolloutHash(podSpec: podSpec, configData: configData)

        var spec: JSONObject = [
            "operatingMode": .string(input.operatingMode.rawValue),
            "podTemplate": .object(["metadata": PodTemplate.metadata(context), "spec": podSpec]),
        ]
        if input.spec.service?.enabled == true { spec["service"] = true }
        if let expiresAt = input.expiresAt, expiresAt.timeIntervalSince1970.isFinite {
            spec["shutdownTime"] = .string(KubeTime.format(expiresAt))
            spec["shutdownPolicy"] = input.deleteOnExpiry ? "Delete" : "Retain"
        }
        if workspace { spec["volumeClaimTemplates"] = .array([workspaceClaim(input)]) }

        var annotations = identity(input)
        annotations[OpenShellLabels.rolloutHash] = hash
        let sandbox = KubeObject([
            "apiVersion": .string(sandboxAPIVersion),
            "kind": .string(sandboxKind),
            "metadata": metadata(input, name: name, labels: labels(input), annotations: annotations),
            "spec": .object(spec),
        ])
        return RenderedSandbox(sandbox: sandbox, configMap: configMap, networkPolicy: networkPolicy(input), rolloutHash: hash)
    }

    /// FNV-1a 64 over the canonical JSON of the pod spec and the ConfigMap data:
    /// what a running pod cannot pick up. Pod labels and annotations are not in
    /// it (they reach the live pod without a restart), nor the operating mode,
    /// expiry, service flag or volume claim templates.
    public static func rolloutHash(podSpec: JSONValue, configData: JSONValue) -> String {
        FNV1a.hex64(JSONValue.object(["podTemplateSpec": podSpec, "configMapData": configData]).jsonString())
    }

    // MARK: Metadata

    /// `managed-by`, `sandbox-id`, `sandbox-name`: on every object the operator creates.
    static func labels(_ input: SandboxRenderInput) -> [String: String] {
        [
            OpenShellLabels.managedBy: OpenShellLabels.managedByValue,
            OpenShellLabels.sandboxID: input.owner.uid,
            OpenShellLabels.sandboxName: input.owner.name,
        ]
    }

    private static func identity(_ input: SandboxRenderInput) -> [String: String] {
        [OpenShellLabels.sandboxID: input.owner.uid, OpenShellLabels.sandboxName: input.owner.name]
    }

    /// The one controller reference to the OpenShellSandbox.
    public static func ownerReference(_ owner: KubeObject) -> JSONValue {
        .object([
            "apiVersion": .string(OpenShellAPIGroup.groupVersion.description),
            "kind": .string(OpenShellAPIGroup.sandboxKind.kind),
            "name": .string(owner.name),
            "uid": .string(owner.uid),
            "controller": true,
            "blockOwnerDeletion": true,
        ])
    }

    private static func metadata(
        _ input: SandboxRenderInput, name: String, labels: [String: String], annotations: [String: String]? = nil
    ) -> JSONValue {
        var metadata: JSONObject = [
            "name": .string(name),
            "labels": PodTemplate.stringMap(labels),
            "ownerReferences": .array([ownerReference(input.owner)]),
        ]
        if !input.owner.namespace.isEmpty { metadata["namespace"] = .string(input.owner.namespace) }
        if let annotations { metadata["annotations"] = PodTemplate.stringMap(annotations) }
        return .object(metadata)
    }

    // MARK: Workspace

    /// The `workspace` claim; only user or class strings, copied verbatim so every render sends the same bytes.
    static func workspaceClaim(_ input: SandboxRenderInput) -> JSONValue {
        let size = PodTemplate.nonEmpty(input.spec.workspace?.size)
            ?? PodTemplate.nonEmpty(input.classSpec.workspace?.defaultSize)
            ?? input.defaults.workspaceSize
        var spec: JSONObject = [
            "accessModes": ["ReadWriteOnce"],
            "resources": .object(["requests": .object(["storage": .string(size)])]),
        ]
        let storageClass = PodTemplate.nonEmpty(input.spec.workspace?.storageClassName)
            ?? PodTemplate.nonEmpty(input.classSpec.workspace?.storageClassName)
        spec["storageClassName"] = storageClass.map(JSONValue.string)
        return .object(["metadata": .object(["name": .string(SandboxPodLayout.workspaceVolume)]), "spec": .object(spec)])
    }

    // MARK: ConfigMap

    /// The supervisor's files: `policy.yaml`, `sandbox-policy.rego`, `routes.yaml`, each only when there is one.
    static func configData(_ input: SandboxRenderInput) -> [String: String] {
        var data: [String: String] = [:]
        if let policy = input.policy { data[SandboxPodLayout.policyKey] = PolicyDocument.yaml(policy) }
        if let rules = input.policyRules, !rules.isEmpty { data[SandboxPodLayout.rulesKey] = rules }
        if let routes = input.spec.inference?.routes, !routes.isEmpty {
            data[SandboxPodLayout.routesKey] = RoutesDocument.yaml(routes)
        }
        return data
    }

    private static func configMap(_ input: SandboxRenderInput) -> KubeObject {
        var object: JSONObject = [
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": metadata(input, name: SandboxPodLayout.ownedObjectName(input.owner.name), labels: labels(input)),
        ]
        let data = configData(input)
        if !data.isEmpty { object["data"] = PodTemplate.stringMap(data) }
        return KubeObject(object)
    }

    // MARK: NetworkPolicy

    /// No ingress; egress only as the class lists it. Selects the pod by the
    /// operator's sandbox-id label (never the Agent Sandbox name-hash label).
    private static func networkPolicy(_ input: SandboxRenderInput) -> KubeObject? {
        guard let settings = input.classSpec.networkPolicy, settings.enabled == true else { return nil }
        var spec: JSONObject = [
            "podSelector": .object(["matchLabels": .object([OpenShellLabels.sandboxID: .string(input.owner.uid)])]),
            "policyTypes": ["Ingress", "Egress"],
        ]
        if let egress = settings.egress, !egress.isEmpty { spec["egress"] = .array(egress) }
        return KubeObject([
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": metadata(input, name: SandboxPodLayout.ownedObjectName(input.owner.name), labels: labels(input)),
            "spec": .object(spec),
        ])
    }
}
