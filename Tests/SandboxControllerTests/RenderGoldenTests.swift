//! Golden renderings of five representative sandboxes, checked byte for
//! byte (regenerate with `UPDATE_GOLDEN=1`), validated against the upstream
//! v1beta1 Sandbox schema; determinism and what the rollout hash covers.
import Foundation
import KubeCore
import OpenShellAPI
import Testing
@testable import SandboxController

struct GoldenCase: Sendable, CustomTestStringConvertible {
    var name: String
    var input: SandboxRenderInput
    var testDescription: String { name }
}

enum GoldenCases {
    static let expiry = Date(timeIntervalSince1970: 1_780_000_000)

    /// No class, nothing set: operator defaults only.
    static let minimal = GoldenCase(name: "minimal-no-class", input: RenderFixtures.input())

    /// A class with an image-volume supervisor, default policy and rules; the sandbox with providers, routes, a GPU,
    /// a workspace and a lifetime that deletes it.
    static let fullClass: GoldenCase = {
        let classSpec = OpenShellSandboxClassSpec(
            images: ClassImages(default: "registry.example/agents/base:1.4", allowed: ["registry.example/agents/*"]),
            supervisor: SupervisorSpec(image: "registry.example/openshell/supervisor:0.0.111", imagePullPolicy: "IfNotPresent",
                                       sideloadMethod: "ImageVolume"),
            imagePullPolicy: "IfNotPresent", runtimeClassName: "gvisor", nodeSelector: ["pool": "sandboxes"],
            tolerations: [Toleration(key: "sandboxes", operator: "Exists", effect: "NoSchedule")],
            imagePullSecrets: [LocalObjectReference(name: "registry-creds")], serviceAccountName: "openshell-sandbox",
            security: ClassSecurity(appArmorProfile: SecurityProfile(type: "RuntimeDefault"),
                                    seccompProfile: SecurityProfile(type: "RuntimeDefault")),
            resources: ClassResources(defaults: ResourceRequirements(limits: ["cpu": "2", "memory": "4Gi"]), maxGPUs: 2),
            lifetime: ClassLifetime(defaultTTL: "8h", maximumTTL: "168h"),
            workspace: ClassWorkspace(defaultSize: "10Gi", storageClassName: "standard-rwo"),
            policyEngine: PolicyEngineSpec(rulesConfigMapRef: NamespacedConfigMapKeyReference(namespace: "openshell-system", name: "rules"))
        )
        let spec = OpenShellSandboxSpec(
            className: "gpu",
            command: ["claude", "--dangerously-skip-permissions"],
            env: [EnvVar(name: "PROJECT", value: "demo"), EnvVar(name: "HF_TOKEN", valueFrom: EnvVarSource(secretKeyRef: SecretKeySelector(name: "hf", key: "token")))],
            resources: ResourceRequirements(requests: ["cpu": "1"], limits: ["cpu": "4", "memory": "16Gi"]),
            gpus: 1,
            providers: [
                ProviderSpec(name: "github", secretRef: LocalObjectReference(name: "github-token"), env: [ProviderEnv(name: "GITHUB_TOKEN", key: "token")]),
                ProviderSpec(name: "aws", secretRef: LocalObjectReference(name: "aws-credentials")),
            ],
            inference: InferenceSpec(routes: [
                InferenceRoute(name: "inference.local", endpoint: "https://integrate.api.nvidia.com/v1", model: "nvidia/nemotron",
                               providerType: "nvidia", protocols: ["openai_chat_completions"],
                               apiKeySecretRef: SecretKeySelector(name: "nvidia-api", key: "api-key")),
            ]),
            lifetime: LifetimeSpec(ttl: "24h", onExpiry: "Delete"),
            workspace: WorkspaceSpec(size: "20Gi"),
            podMetadata: PodMetadata(labels: ["team": "research"], annotations: ["cost-center": "ml-42"]),
            logLevel: "info"
        )
        let policy = SandboxPolicySpec(
            filesystem: FilesystemPolicy(includeWorkdir: true, readOnly: ["/usr", "/lib", "/etc", "/proc", "/dev/urandom"],
                                         readWrite: ["/sandbox", "/tmp", "/dev/null"]),
            landlock: LandlockPolicy(compatibility: "BestEffort"),
            process: ProcessPolicy(runAsUser: "sandbox", runAsGroup: "sandbox"),
            networkPolicies: [
                "github_api": NetworkPolicyRule(
                    name: "github-api-readonly",
                    endpoints: [NetworkEndpoint(host: "api.github.com", port: 443, protocol: "rest", enforcement: "enforce", access: "read-only")],
                    binaries: [NetworkBinary(path: "/usr/bin/curl"), NetworkBinary(path: "/usr/bin/gh")]
                ),
                "pypi": NetworkPolicyRule(endpoints: [NetworkEndpoint(host: "*.pythonhosted.org", ports: [443])]),
            ]
        )
        var input = SandboxRenderInput(
            owner: RenderFixtures.owner(name: "research-agent"), spec: spec, className: "gpu", classSpec: classSpec, policy: policy,
            policyRules: "package openshell.sandbox\n\ndefault allow := false\n",
            namespace: NamespaceFacts(sandboxUID: 1_000_680_000, sandboxGID: 1_000_680_000),
            expiresAt: expiry, deleteOnExpiry: true, operatingMode: .running
        )
        input.defaults = OperatorDefaults()
        return GoldenCase(name: "class-full", input: input)
    }()

    /// Init-container sideload, suspended, stops (Retain) on expiry, no workspace, a Service.
    static let suspendedService: GoldenCase = {
        let classSpec = OpenShellSandboxClassSpec(supervisor: SupervisorSpec(sideloadMethod: "InitContainer"))
        let spec = OpenShellSandboxSpec(
            className: "legacy", image: "python:3.12", command: ["python", "-m", "http.server", "8080"],
            lifetime: LifetimeSpec(expiresAt: "2026-05-28T20:26:40Z", onExpiry: "Stop"), suspended: true,
            workspace: WorkspaceSpec(disabled: true),
            service: SandboxServiceSpec(enabled: true, ports: [SandboxPort(name: "http", port: 8080)])
        )
        return GoldenCase(name: "initcontainer-suspended-service", input: SandboxRenderInput(
            owner: RenderFixtures.owner(name: "web-agent"), spec: spec, className: "legacy", classSpec: classSpec,
            expiresAt: expiry, deleteOnExpiry: false, operatingMode: .suspended
        ))
    }()

    /// A class that fences every sandbox with a NetworkPolicy.
    static let networkPolicy: GoldenCase = {
        let egress: [JSONValue] = [
            RenderFixtures.json(#"{"to":[{"namespaceSelector":{},"podSelector":{"matchLabels":{"k8s-app":"kube-dns"}}}],"ports":[{"port":53,"protocol":"UDP"},{"port":53,"protocol":"TCP"}]}"#),
            RenderFixtures.json(#"{"to":[{"ipBlock":{"cidr":"0.0.0.0/0","except":["10.0.0.0/8","169.254.169.254/32"]}}],"ports":[{"port":443,"protocol":"TCP"}]}"#),
        ]
        let classSpec = OpenShellSandboxClassSpec(networkPolicy: ClassNetworkPolicy(enabled: true, egress: egress))
        return GoldenCase(name: "network-policy", input: SandboxRenderInput(
            owner: RenderFixtures.owner(name: "fenced"), spec: OpenShellSandboxSpec(className: "fenced"), className: "fenced",
            classSpec: classSpec, policy: SandboxPolicySpec(landlock: LandlockPolicy(compatibility: "HardRequirement"))
        ))
    }()

    /// A Sidecar class: binary-aware network sidecar (the default), an explicit proxy UID, init-container sideload,
    /// AppArmor, a class policy with rules, an inference route with a key, a workspace, an OpenShift UID range.
    static let sidecar: GoldenCase = {
        let classSpec = OpenShellSandboxClassSpec(
            supervisor: SupervisorSpec(image: "registry.example/openshell/supervisor:0.0.111", imagePullPolicy: "IfNotPresent",
                                       sideloadMethod: "InitContainer", sidecar: SidecarSpec(proxyUID: 2000)),
            topology: "Sidecar", serviceAccountName: "openshell-sandbox",
            security: ClassSecurity(appArmorProfile: SecurityProfile(type: "RuntimeDefault")),
            policyEngine: PolicyEngineSpec(rulesConfigMapRef: NamespacedConfigMapKeyReference(namespace: "openshell-system", name: "rules"))
        )
        let spec = OpenShellSandboxSpec(
            className: "restricted",
            image: "registry.example/agents/base:1.4",
            command: ["claude"],
            env: [EnvVar(name: "PROJECT", value: "demo")],
            providers: [ProviderSpec(name: "github", secretRef: LocalObjectReference(name: "github-token"),
                                     env: [ProviderEnv(name: "GITHUB_TOKEN", key: "token")])],
            inference: InferenceSpec(routes: [
                InferenceRoute(name: "inference.local", endpoint: "https://integrate.api.nvidia.com/v1", model: "nvidia/nemotron",
                               providerType: "nvidia", protocols: ["openai_chat_completions"],
                               apiKeySecretRef: SecretKeySelector(name: "nvidia-api", key: "api-key")),
            ]),
            logLevel: "debug"
        )
        let policy = SandboxPolicySpec(
            filesystem: FilesystemPolicy(includeWorkdir: true, readOnly: ["/usr", "/etc"], readWrite: ["/sandbox", "/tmp"]),
            networkPolicies: ["github_api": NetworkPolicyRule(
                endpoints: [NetworkEndpoint(host: "api.github.com", port: 443, protocol: "rest", access: "read-only")],
                binaries: [NetworkBinary(path: "/usr/bin/gh")]
            )]
        )
        return GoldenCase(name: "sidecar", input: SandboxRenderInput(
            owner: RenderFixtures.owner(name: "restricted-agent"), spec: spec, className: "restricted", classSpec: classSpec,
            policy: policy, policyRules: "package openshell.sandbox\n\ndefault allow := false\n",
            namespace: NamespaceFacts(sandboxUID: 1_000_680_000, sandboxGID: 1_000_690_000)
        ))
    }()

    static let all = [minimal, fullClass, suspendedService, networkPolicy, sidecar]
}

@Suite("Renderer goldens")
struct RenderGoldenTests {
    /// The whole rendering as one pretty JSON document.
    static func document(_ rendered: RenderedSandbox) -> String {
        var object: JSONObject = [
            "sandbox": rendered.sandbox.value, "configMap": rendered.configMap.value, "rolloutHash": .string(rendered.rolloutHash),
        ]
        object["networkPolicy"] = rendered.networkPolicy?.value
        return JSONValue.object(object).jsonString(pretty: true) + "\n"
    }

    @Test("each representative sandbox renders as its golden file", arguments: GoldenCases.all)
    func golden(_ golden: GoldenCase) throws {
        let rendered = SandboxRenderer.render(golden.input)
        try RenderFixtures.expectGolden(Self.document(rendered), file: golden.name + ".json")
        // The supervisor files again as plain text, for review.
        for (key, text) in RenderView(rendered).configData.sorted(by: { $0.key < $1.key }) {
            try RenderFixtures.expectGolden(text, file: golden.name + "." + key)
        }
    }

    @Test("each golden Sandbox validates against the upstream v1beta1 schema with nothing pruned",
          .enabled(if: RenderFixtures.sandboxCRDAvailable, "upstream CRD copy not found"), arguments: GoldenCases.all)
    func goldenIsValid(_ golden: GoldenCase) throws {
        #expect(try RenderFixtures.schemaProblems(SandboxRenderer.render(golden.input).sandbox) == [])
    }

    @Test("server-side defaulting adds nothing but shutdownPolicy when there is no expiry",
          .enabled(if: RenderFixtures.sandboxCRDAvailable, "upstream CRD copy not found"), arguments: GoldenCases.all)
    func defaultingIsAFixedPoint(_ golden: GoldenCase) throws {
        let sandbox = SandboxRenderer.render(golden.input).sandbox
        var expected = sandbox.value
        if expected[path: ["spec", "shutdownPolicy"]] == nil { expected[path: ["spec", "shutdownPolicy"]] = "Retain" }
        #expect(try RenderFixtures.defaulted(sandbox) == expected)
    }

    @Test("rendering twice gives identical bytes", arguments: GoldenCases.all)
    func deterministic(_ golden: GoldenCase) {
        let first = SandboxRenderer.render(golden.input)
        let second = SandboxRenderer.render(golden.input)
        #expect(Self.document(first) == Self.document(second))
        #expect(first.sandbox.value.serialized() == second.sandbox.value.serialized())
        #expect(first.configMap.value.serialized() == second.configMap.value.serialized())
    }

    // MARK: Rollout hash

    private static let base = GoldenCases.fullClass.input

    private static func hash(_ change: (inout SandboxRenderInput) -> Void) -> String {
        var input = base
        change(&input)
        return SandboxRenderer.render(input).rolloutHash
    }

    static let unchanged: [(String, @Sendable (inout SandboxRenderInput) -> Void)] = [
        ("pod labels", { $0.spec.podMetadata?.labels?["extra"] = "1" }),
        ("pod annotations", { $0.spec.podMetadata?.annotations = ["note": "changed"] }),
        ("operating mode", { $0.operatingMode = .suspended }),
        ("expiry", { $0.expiresAt = Date(timeIntervalSince1970: 1_900_000_000); $0.deleteOnExpiry = false }),
        ("service flag", { $0.spec.service = SandboxServiceSpec(enabled: true) }),
    ]

    static let changed: [(String, @Sendable (inout SandboxRenderInput) -> Void)] = [
        ("image", { $0.spec.image = "registry.example/agents/base:1.5" }),
        ("env value", { $0.spec.env?[0].value = "other" }),
        ("policy", { $0.policy?.filesystem?.readOnly?.append("/opt") }),
        ("rules", { $0.policyRules = "package openshell.sandbox\n" }),
        ("routes", { $0.spec.inference?.routes?[0].model = "nvidia/other" }),
        ("resources", { $0.spec.gpus = 2 }),
        ("command", { $0.spec.command = ["bash"] }),
        ("supervisor image", { $0.classSpec.supervisor?.image = "registry.example/openshell/supervisor:0.0.112" }),
    ]

    @Test("a change a live pod picks up leaves the rollout hash alone", arguments: unchanged.map(\.0))
    func hashIgnores(_ name: String) throws {
        let change = try #require(Self.unchanged.first { $0.0 == name }?.1)
        #expect(Self.hash(change) == SandboxRenderer.render(Self.base).rolloutHash)
    }

    @Test("a change only a new pod picks up changes the rollout hash", arguments: changed.map(\.0))
    func hashCovers(_ name: String) throws {
        let change = try #require(Self.changed.first { $0.0 == name }?.1)
        #expect(Self.hash(change) != SandboxRenderer.render(Self.base).rolloutHash)
    }

    @Test("the rollout hash is the annotation's value and FNV-1a over pod spec and config data")
    func hashDefinition() {
        let rendered = SandboxRenderer.render(Self.base)
        let view = RenderView(rendered)
        #expect(rendered.sandbox.annotations["openshell.ai/rollout-hash"] == rendered.rolloutHash)
        #expect(rendered.rolloutHash == SandboxRenderer.rolloutHash(podSpec: view.podSpec, configData: rendered.configMap.json["data"] ?? [:]))
    }
}
