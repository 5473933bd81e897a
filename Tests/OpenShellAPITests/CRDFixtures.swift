//! Fixtures of the CRD tests: a maximal value of each kind (every field of
//! every type set at least once), the CRDs' schemas, and paths into the repository.
import Foundation
import KubeCore
import KubeSchema
import OpenShellAPI

enum CRDFixtures {
    /// The repository root (this file is Tests/OpenShellAPITests/CRDFixtures.swift).
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let crdsDirectory = repositoryRoot.appendingPathComponent("crds")

    static let fullPolicy = SandboxPolicySpec(
        filesystem: FilesystemPolicy(includeWorkdir: true, readOnly: ["/usr", "/lib", "/etc"], readWrite: ["/sandbox", "/tmp"]),
        landlock: LandlockPolicy(compatibility: "BestEffort"),
        process: ProcessPolicy(runAsUser: "sandbox", runAsGroup: "1000"),
        networkPolicies: [
            "github_api": NetworkPolicyRule(
                name: "github-api-readonly",
                endpoints: [NetworkEndpoint(
                    host: "api.github.com", port: 443, ports: [443, 8443], path: "/repos", protocol: "rest", tls: "skip",
                    enforcement: "enforce", access: "read-only", allowedIPs: ["140.82.112.0/20"],
                    rules: [["allow": ["method": "GET", "path": "/repos/**"]]],
                    denyRules: [["deny": ["method": "DELETE"]]])],
                binaries: [NetworkBinary(path: "/usr/bin/curl")]),
        ])

    /// Every field set, including pairs the CEL rules forbid together (schema validation does not run CEL).
    static let fullSandboxSpec = OpenShellSandboxSpec(
        className: "standard", image: "ghcr.io/nvidia/openshell-community/sandboxes/base:latest",
        command: ["/bin/bash", "-lc", "sleep infinity"], tty: false,
        env: [EnvVar(name: "GREETING", value: "hello",
                     valueFrom: EnvVarSource(secretKeyRef: SecretKeySelector(name: "creds", key: "token"),
                                             configMapKeyRef: ConfigMapKeySelector(name: "settings", key: "mode")))],
        resources: ResourceRequirements(requests: ["cpu": "500m", "memory": "1Gi"], limits: ["cpu": "2", "memory": "4Gi"]),
        gpus: 1, runtimeClassName: "gvisor", nodeSelector: ["pool": "sandboxes"],
        tolerations: [Toleration(key: "dedicated", operator: "Equal", value: "sandboxes", effect: "NoExecute", tolerationSeconds: 300)],
        policyRef: LocalObjectReference(name: "strict"), policy: fullPolicy,
        providers: [ProviderSpec(name: "github", secretRef: LocalObjectReference(name: "github-token"),
                                 env: [ProviderEnv(name: "GITHUB_TOKEN", key: "token")])],
        inference: InferenceSpec(routes: [InferenceRoute(
            name: "inference.local", endpoint: "https://integrate.api.nvidia.com/v1", model: "nvidia/nemotron",
            providerType: "nvidia", protocols: ["openai_chat_completions"],
            apiKeySecretRef: SecretKeySelector(name: "nvidia", key: "api-key"))]),
        lifetime: LifetimeSpec(ttl: "8h", expiresAt: "2030-01-01T00:00:00Z", onExpiry: "Stop"),
        suspended: false, failurePolicy: FailurePolicy(action: "Restart", maxRestarts: 5),
        workspace: WorkspaceSpec(disabled: false, size: "10Gi", storageClassName: "fast"),
        podMetadata: PodMetadata(labels: ["team": "a"], annotations: ["example.com/owner": "alice"]),
        service: SandboxServiceSpec(enabled: true, ports: [SandboxPort(name: "http", port: 8080, protocol: "TCP")]),
        logLevel: "debug")

    static let fullSandboxStatus = OpenShellSandboxStatus(
        phase: .ready,
        conditions: [Condition(type: "Ready", status: "True", reason: "PodReady", message: "the pod is ready",
                               lastTransitionTime: "2026-01-01T00:00:00Z", observedGeneration: 2)],
        observedGeneration: 2, sandboxID: "2f1c7a6e-0d3b-4c47-9a51-3b1f0e9c8d21",
        sandbox: OwnedSandboxReference(name: "demo", uid: "7d0e5c1a-5b6f-4e0a-8f35-2c9f6a1b3e44"), className: "standard",
        podIPs: ["10.0.0.7"], serviceFQDN: "demo.team-a.svc.cluster.local", expiresAt: "2026-01-01T08:00:00Z",
        restartCount: 1, lastExitCode: 137, lastFailedPodUID: "5a9b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d",
        lastFailureTime: "2026-01-01T01:00:00Z")

    static let fullClassSpec = OpenShellSandboxClassSpec(
        images: ClassImages(default: "ghcr.io/nvidia/openshell-community/sandboxes/base:latest",
                            allowed: ["ghcr.io/nvidia/openshell-community/*"]),
        supervisor: SupervisorSpec(image: "ghcr.io/nvidia/openshell/supervisor:0.0.111", imagePullPolicy: "IfNotPresent",
                                   sideloadMethod: "InitContainer",
                                   sidecar: SidecarSpec(proxyUID: 2000, processBinaryAwareNetworkPolicy: false)),
        topology: "Combined", imagePullPolicy: "Always", runtimeClassName: "gvisor", nodeSelector: ["pool": "sandboxes"],
        tolerations: [Toleration(key: "dedicated", operator: "Exists", effect: "NoSchedule"),
                      Toleration(key: "gpu", operator: "Equal", value: "true", effect: "NoExecute", tolerationSeconds: 60)],
        imagePullSecrets: [LocalObjectReference(name: "registry")], serviceAccountName: "sandbox",
        security: ClassSecurity(appArmorProfile: SecurityProfile(type: "Localhost", localhostProfile: "openshell"),
                                seccompProfile: SecurityProfile(type: "Localhost", localhostProfile: "profiles/openshell.json")),
        resources: ClassResources(defaults: ResourceRequirements(requests: ["cpu": "1"], limits: ["cpu": "2"]),
                                  maximum: ["cpu": "8", "memory": "32Gi"], maxGPUs: 2),
        lifetime: ClassLifetime(defaultTTL: "8h", maximumTTL: "168h"),
        workspace: ClassWorkspace(defaultSize: "2Gi", maximumSize: "50Gi", storageClassName: "standard"),
        defaultPolicy: fullPolicy,
        policyEngine: PolicyEngineSpec(rulesConfigMapRef: NamespacedConfigMapKeyReference(
            namespace: "openshell-system", name: "policy-rules", key: "sandbox-policy.rego")),
        networkPolicy: ClassNetworkPolicy(enabled: true, egress: [["to": [["ipBlock": ["cidr": "0.0.0.0/0"]]]]]),
        userOverrides: UserOverrides(allowRuntimeClass: true, allowNodePlacement: false))

    static let fullPolicyStatus = OpenShellPolicyStatus(
        observedGeneration: 3,
        conditions: [Condition(type: "Valid", status: "True", reason: "Valid", message: "the policy is within OpenShell's limits",
                               lastTransitionTime: "2026-01-01T00:00:00Z", observedGeneration: 3)])

    /// A whole object of `crd`'s kind.
    static func object(_ crd: KubeObject, name: String, namespace: String?, spec: JSONValue, status: JSONValue? = nil) -> KubeObject {
        var metadata: JSONObject = ["name": .string(name)]
        if let namespace { metadata["namespace"] = .string(namespace) }
        var object: JSONObject = [
            "apiVersion": .string(OpenShellAPIGroup.groupVersion.apiVersion),
            "kind": crd.spec?[path: ["names", "kind"]] ?? .null,
            "metadata": .object(metadata),
            "spec": spec,
        ]
        if let status { object["status"] = status }
        return KubeObject(object)
    }

    /// The `openAPIV3Schema` of a CRD's only version.
    static func schema(_ crd: KubeObject) throws -> JSONSchemaProps {
        let raw = crd.spec?[path: ["versions"]]?.arrayValue?.first?[path: ["schema", "openAPIV3Schema"]] ?? .null
        return try JSONSchemaProps(json: raw)
    }
}
