//! One table row per rendering rule of the issue-5 contract: an input, a
//! place in the rendered objects, and the value expected there (nil = absent).
import Foundation
import KubeCore
import OpenShellAPI
import Testing
@testable import SandboxController

/// Where a rule's effect is read from.
enum Probe: Sendable, CustomStringConvertible {
    case sandbox([String])
    case pod([String])
    case agent([String])
    case env(String)
    case initContainer(String, [String])
    case volume(String)
    case config(String)
    case networkPolicy([String])

    func read(_ view: RenderView) -> JSONValue? {
        switch self {
        case .sandbox(let path): view.sandbox.value[path: path]
        case .pod(let path): view.podSpec[path: path]
        case .agent(let path): view.agent[path: path]
        case .env(let name): view.env[name]
        case .initContainer(let name, let path): view.container(name).flatMap { $0[path: path] }
        case .volume(let name): view.volume(name)
        case .config(let key): view.configData[key].map(JSONValue.string)
        case .networkPolicy(let path): view.networkPolicy.flatMap { $0.value[path: path] }
        }
    }

    var description: String {
        switch self {
        case .sandbox(let path): "sandbox." + path.joined(separator: ".")
        case .pod(let path): "podSpec." + path.joined(separator: ".")
        case .agent(let path): "agent." + path.joined(separator: ".")
        case .env(let name): "env[\(name)]"
        case .initContainer(let name, let path): "initContainers[\(name)]." + path.joined(separator: ".")
        case .volume(let name): "volumes[\(name)]"
        case .config(let key): "configMap.data[\(key)]"
        case .networkPolicy(let path): "networkPolicy." + path.joined(separator: ".")
        }
    }
}

struct RuleCase: Sendable, CustomTestStringConvertible {
    var rule: String
    var input: SandboxRenderInput
    var probe: Probe
    var expected: JSONValue?
    var testDescription: String { rule }

    init(_ rule: String, _ spec: OpenShellSandboxSpec = OpenShellSandboxSpec(), _ probe: Probe, _ expected: JSONValue?,
         _ change: (inout SandboxRenderInput) -> Void = { _ in }) {
        self.rule = rule
        self.input = RenderFixtures.input(spec, change)
        self.probe = probe
        self.expected = expected
    }
}

private let defaults = OperatorDefaults()
private let uid = RenderFixtures.uid
private let json = RenderFixtures.json
private func secretEnv(_ name: String, _ secret: String, _ key: String) -> JSONValue {
    .object(["name": .string(name), "valueFrom": .object(["secretKeyRef": .object(["name": .string(secret), "key": .string(key)])])])
}
private func literal(_ name: String, _ value: String) -> JSONValue { .object(["name": .string(name), "value": .string(value)]) }
private let expiry = Date(timeIntervalSince1970: 1_780_000_000.75)

private let imageRules: [RuleCase] = [
    RuleCase("image: operator default without spec or class", .init(), .agent(["image"]), .string(defaults.sandboxImage)),
    RuleCase("image: class default when the spec names none", .init(), .agent(["image"]), "registry.example/agent:2") {
        $0.classSpec.images = ClassImages(default: "registry.example/agent:2")
    },
    RuleCase("image: spec wins over the class default", .init(image: "mine:1"), .agent(["image"]), "mine:1") {
        $0.classSpec.images = ClassImages(default: "registry.example/agent:2")
    },
    RuleCase("image: an empty spec image counts as unset", .init(image: ""), .agent(["image"]), .string(defaults.sandboxImage)),
    RuleCase("imagePullPolicy: from the class", .init(), .agent(["imagePullPolicy"]), "Always") { $0.classSpec.imagePullPolicy = "Always" },
    RuleCase("imagePullPolicy: omitted without a class value", .init(), .agent(["imagePullPolicy"]), nil),
]

private let containerRules: [RuleCase] = [
    RuleCase("agent command runs the supervisor in /sandbox", .init(command: ["python"]), .agent(["command"]),
             ["/opt/openshell/bin/openshell-sandbox", "--workdir", "/sandbox"]),
    RuleCase("agent runs as root with the supervisor's capabilities", .init(), .agent(["securityContext"]),
             json(#"{"runAsUser":0,"capabilities":{"add":["SYS_ADMIN","NET_ADMIN","SYS_PTRACE","SYSLOG"]}}"#)),
    RuleCase("appArmorProfile from the class", .init(), .agent(["securityContext", "appArmorProfile"]),
             json(#"{"type":"Localhost","localhostProfile":"openshell"}"#)) {
        $0.classSpec.security = ClassSecurity(appArmorProfile: SecurityProfile(type: "Localhost", localhostProfile: "openshell"))
    },
    RuleCase("seccompProfile at pod level from the class", .init(), .pod(["securityContext", "seccompProfile"]),
             json(#"{"type":"RuntimeDefault"}"#)) {
        $0.classSpec.security = ClassSecurity(seccompProfile: SecurityProfile(type: "RuntimeDefault"))
    },
    RuleCase("no service account token", .init(), .pod(["automountServiceAccountToken"]), false),
    RuleCase("restartPolicy Never", .init(), .pod(["restartPolicy"]), "Never"),
    RuleCase("serviceAccountName from the class", .init(), .pod(["serviceAccountName"]), "sandboxes") {
        $0.classSpec.serviceAccountName = "sandboxes"
    },
    RuleCase("serviceAccountName omitted without a class", .init(), .pod(["serviceAccountName"]), nil),
    RuleCase("runtimeClassName: spec wins over the class", .init(runtimeClassName: "kata"), .pod(["runtimeClassName"]), "kata") {
        $0.classSpec.runtimeClassName = "gvisor"
    },
    RuleCase("runtimeClassName: the class's when the spec names none", .init(), .pod(["runtimeClassName"]), "gvisor") {
        $0.classSpec.runtimeClassName = "gvisor"
    },
    RuleCase("nodeSelector: class merged with spec, class keys win", .init(nodeSelector: ["zone": "a", "disk": "ssd"]),
             .pod(["nodeSelector"]), ["zone": "b", "disk": "ssd", "pool": "sandboxes"]) {
        $0.classSpec.nodeSelector = ["zone": "b", "pool": "sandboxes"]
    },
    RuleCase("tolerations: class first, then spec", .init(tolerations: [Toleration(key: "user", operator: "Exists")]),
             .pod(["tolerations"]),
             json(#"[{"key":"gpu","operator":"Equal","value":"yes","effect":"NoSchedule","tolerationSeconds":30},{"key":"user","operator":"Exists"}]"#)) {
        $0.classSpec.tolerations = [Toleration(key: "gpu", operator: "Equal", value: "yes", effect: "NoSchedule", tolerationSeconds: 30)]
    },
    RuleCase("imagePullSecrets from the class, blank names dropped", .init(), .pod(["imagePullSecrets"]), [["name": "regcred"]]) {
        $0.classSpec.imagePullSecrets = [LocalObjectReference(name: "regcred"), LocalObjectReference(name: " ")]
    },
    RuleCase("container ports from the service ports, protocol defaulted",
             .init(service: SandboxServiceSpec(enabled: true, ports: [SandboxPort(name: "http", port: 8080), SandboxPort(port: 53, protocol: "UDP")])),
             .agent(["ports"]),
             json(#"[{"name":"http","containerPort":8080,"protocol":"TCP"},{"containerPort":53,"protocol":"UDP"}]"#)),
]

private let resourceRules: [RuleCase] = [
    RuleCase("resources: requests default to limits",
             .init(resources: ResourceRequirements(requests: ["cpu": "500m"], limits: ["cpu": "2", "memory": "4Gi"])),
             .agent(["resources"]), json(#"{"requests":{"cpu":"500m","memory":"4Gi"},"limits":{"cpu":"2","memory":"4Gi"}}"#)),
    RuleCase("resources: the class defaults when the spec sets none", .init(), .agent(["resources"]),
             json(#"{"requests":{"cpu":"1"},"limits":{"cpu":"1"}}"#)) {
        $0.classSpec.resources = ClassResources(defaults: ResourceRequirements(limits: ["cpu": "1"]))
    },
    RuleCase("resources: spec resources replace the class defaults whole",
             .init(resources: ResourceRequirements(requests: ["memory": "1Gi"])), .agent(["resources"]),
             json(#"{"requests":{"memory":"1Gi"}}"#)) {
        $0.classSpec.resources = ClassResources(defaults: ResourceRequirements(limits: ["cpu": "1"]))
    },
    RuleCase("resources: quantities copied verbatim", .init(resources: ResourceRequirements(limits: ["memory": "1024Mi"])),
             .agent(["resources", "limits", "memory"]), "1024Mi"),
    RuleCase("gpus: a nvidia.com/gpu limit", .init(gpus: 2), .agent(["resources"]), json(#"{"limits":{"nvidia.com/gpu":"2"}}"#)),
    RuleCase("gpus: zero asks for none", .init(gpus: 0), .agent(["resources"]), nil),
    RuleCase("resources: omitted when nothing is set", .init(), .agent(["resources"]), nil),
]

private let envRules: [RuleCase] = [
    RuleCase("main process: login shell with a TTY by default", .init(), .env("OPENSHELL_MAIN_PROCESS_SPEC"),
             literal("OPENSHELL_MAIN_PROCESS_SPEC", #"{"command":["/bin/bash","-l"],"tty":true,"version":1}"#)),
    RuleCase("main process: a command runs without a TTY", .init(command: ["python", "-m", "agent"]),
             .env("OPENSHELL_MAIN_PROCESS_SPEC"),
             literal("OPENSHELL_MAIN_PROCESS_SPEC", #"{"command":["python","-m","agent"],"tty":false,"version":1}"#)),
    RuleCase("main process: tty as asked", .init(command: ["claude"], tty: true), .env("OPENSHELL_MAIN_PROCESS_SPEC"),
             literal("OPENSHELL_MAIN_PROCESS_SPEC", #"{"command":["claude"],"tty":true,"version":1}"#)),
    RuleCase("OPENSHELL_SANDBOX_ID is the owner's uid", .init(), .env("OPENSHELL_SANDBOX_ID"), literal("OPENSHELL_SANDBOX_ID", uid)),
    RuleCase("OPENSHELL_SANDBOX is the owner's name", .init(), .env("OPENSHELL_SANDBOX"), literal("OPENSHELL_SANDBOX", "demo")),
    RuleCase("OPENSHELL_LOG_LEVEL when set", .init(logLevel: "debug"), .env("OPENSHELL_LOG_LEVEL"), literal("OPENSHELL_LOG_LEVEL", "debug")),
    RuleCase("OPENSHELL_LOG_LEVEL absent when unset", .init(), .env("OPENSHELL_LOG_LEVEL"), nil),
    RuleCase("no network runtime capabilities on Kubernetes", .init(), .env("OPENSHELL_NETWORK_RUNTIME_CAPABILITIES"),
             literal("OPENSHELL_NETWORK_RUNTIME_CAPABILITIES", "")),
    RuleCase("sandbox UID defaults to 1000", .init(), .env("OPENSHELL_SANDBOX_UID"), literal("OPENSHELL_SANDBOX_UID", "1000")),
    RuleCase("sandbox GID defaults to 1000", .init(), .env("OPENSHELL_SANDBOX_GID"), literal("OPENSHELL_SANDBOX_GID", "1000")),
    RuleCase("sandbox UID from the namespace", .init(), .env("OPENSHELL_SANDBOX_UID"), literal("OPENSHELL_SANDBOX_UID", "1000680000")) {
        $0.namespace = NamespaceFacts(sandboxUID: 1_000_680_000)
    },
    RuleCase("sandbox GID falls back to the namespace UID", .init(), .env("OPENSHELL_SANDBOX_GID"),
             literal("OPENSHELL_SANDBOX_GID", "1000680000")) { $0.namespace = NamespaceFacts(sandboxUID: 1_000_680_000) },
    RuleCase("sandbox GID from the namespace's supplemental groups", .init(), .env("OPENSHELL_SANDBOX_GID"),
             literal("OPENSHELL_SANDBOX_GID", "5000")) { $0.namespace = NamespaceFacts(sandboxUID: 4000, sandboxGID: 5000) },
    RuleCase("user literal env is kept", .init(env: [EnvVar(name: "MODE", value: "fast")]), .env("MODE"), literal("MODE", "fast")),
    RuleCase("user env from a Secret key", .init(env: [EnvVar(name: "TOKEN", valueFrom: EnvVarSource(secretKeyRef: SecretKeySelector(name: "s", key: "k")))]),
             .env("TOKEN"), secretEnv("TOKEN", "s", "k")),
    RuleCase("user env from a ConfigMap key", .init(env: [EnvVar(name: "CFG", valueFrom: EnvVarSource(configMapKeyRef: ConfigMapKeySelector(name: "c", key: "k")))]),
             .env("CFG"), json(#"{"name":"CFG","valueFrom":{"configMapKeyRef":{"name":"c","key":"k"}}}"#)),
    RuleCase("OPENSHELL_USER_ENVIRONMENT: the literal user values as JSON",
             .init(env: [EnvVar(name: "B", value: "2"), EnvVar(name: "A", value: "1"),
                         EnvVar(name: "S", valueFrom: EnvVarSource(secretKeyRef: SecretKeySelector(name: "s", key: "k")))]),
             .env("OPENSHELL_USER_ENVIRONMENT"), literal("OPENSHELL_USER_ENVIRONMENT", #"{"A":"1","B":"2"}"#)),
    RuleCase("OPENSHELL_USER_ENVIRONMENT absent without literal values",
             .init(env: [EnvVar(name: "S", valueFrom: EnvVarSource(secretKeyRef: SecretKeySelector(name: "s", key: "k")))]),
             .env("OPENSHELL_USER_ENVIRONMENT"), nil),
    RuleCase("provider env: references to the provider's Secret keys",
             .init(providers: [ProviderSpec(name: "github", secretRef: LocalObjectReference(name: "gh"), env: [ProviderEnv(name: "GH_TOKEN", key: "token")])]),
             .env("GH_TOKEN"), secretEnv("GH_TOKEN", "gh", "token")),
    RuleCase("provider without env: the whole Secret through envFrom",
             .init(providers: [ProviderSpec(name: "aws", secretRef: LocalObjectReference(name: "aws-creds"))]),
             .agent(["envFrom"]), [["secretRef": ["name": "aws-creds"]]]),
    RuleCase("operator values override user values of the same name", .init(env: [EnvVar(name: "OPENSHELL_SANDBOX", value: "spoof")]),
             .env("OPENSHELL_SANDBOX"), literal("OPENSHELL_SANDBOX", "demo")),
    RuleCase("OPENSHELL_POLICY_DATA when there is a policy", .init(), .env("OPENSHELL_POLICY_DATA"),
             literal("OPENSHELL_POLICY_DATA", "/etc/openshell/policy/policy.yaml")) { $0.policy = SandboxPolicySpec() },
    RuleCase("OPENSHELL_POLICY_DATA absent without a policy", .init(), .env("OPENSHELL_POLICY_DATA"), nil),
    RuleCase("OPENSHELL_POLICY_RULES when there are rules", .init(), .env("OPENSHELL_POLICY_RULES"),
             literal("OPENSHELL_POLICY_RULES", "/etc/openshell/policy/sandbox-policy.rego")) { $0.policyRules = "package openshell" },
    RuleCase("OPENSHELL_POLICY_RULES absent without rules", .init(), .env("OPENSHELL_POLICY_RULES"), nil),
    RuleCase("OPENSHELL_INFERENCE_ROUTES when there are routes",
             .init(inference: InferenceSpec(routes: [InferenceRoute(name: "inference.local", endpoint: "http://llm:8000/v1", model: "m")])),
             .env("OPENSHELL_INFERENCE_ROUTES"), literal("OPENSHELL_INFERENCE_ROUTES", "/etc/openshell/policy/routes.yaml")),
    RuleCase("inference API keys as Secret references, numbered by route",
             .init(inference: InferenceSpec(routes: [
                 InferenceRoute(name: "local", endpoint: "http://llm:8000/v1", model: "m"),
                 InferenceRoute(name: "inference.local", endpoint: "https://api.openai.com/v1", model: "gpt",
                                apiKeySecretRef: SecretKeySelector(name: "openai", key: "api-key")),
             ])),
             .env("OPENSHELL_INFERENCE_API_KEY_1"), secretEnv("OPENSHELL_INFERENCE_API_KEY_1", "openai", "api-key")),
]

private let volumeRules: [RuleCase] = [
    RuleCase("supervisor from an image volume by default", .init(), .volume("openshell-supervisor-bin"),
             .object(["name": "openshell-supervisor-bin", "image": .object(["reference": .string(defaults.supervisorImage)])])),
    RuleCase("supervisor image volume: class image and pull policy", .init(), .volume("openshell-supervisor-bin"),
             json(#"{"name":"openshell-supervisor-bin","image":{"reference":"reg/supervisor:1","pullPolicy":"IfNotPresent"}}"#)) {
        $0.classSpec.supervisor = SupervisorSpec(image: "reg/supervisor:1", imagePullPolicy: "IfNotPresent")
    },
    RuleCase("init-container sideload: an emptyDir", .init(), .volume("openshell-supervisor-bin"),
             json(#"{"name":"openshell-supervisor-bin","emptyDir":{}}"#)) {
        $0.classSpec.supervisor = SupervisorSpec(sideloadMethod: "InitContainer")
    },
    RuleCase("init-container sideload: the install container copies the binary", .init(),
             .initContainer("openshell-supervisor-install", []),
             json(#"{"name":"openshell-supervisor-install","image":"reg/supervisor:1","imagePullPolicy":"Always","command":["/openshell-sandbox","copy-self","/opt/openshell/bin/openshell-sandbox"],"securityContext":{"runAsUser":0},"volumeMounts":[{"name":"openshell-supervisor-bin","mountPath":"/opt/openshell/bin"}]}"#)) {
        $0.classSpec.supervisor = SupervisorSpec(image: "reg/supervisor:1", imagePullPolicy: "Always", sideloadMethod: "InitContainer")
    },
    RuleCase("config volume: the ConfigMap, read-only files", .init(), .volume("openshell-config"),
             json(#"{"name":"openshell-config","configMap":{"name":"demo-openshell","defaultMode":292}}"#)) { $0.policyRules = "package x" },
    RuleCase("config volume absent when the ConfigMap is empty", .init(), .volume("openshell-config"), nil),
    RuleCase("workspace-init seeds the claim from the agent image",
             .init(image: "mine:1"), .initContainer("workspace-init", ["image"]), "mine:1"),
    RuleCase("workspace-init uses the agent's pull policy", .init(), .initContainer("workspace-init", ["imagePullPolicy"]), "Never") {
        $0.classSpec.imagePullPolicy = "Never"
    },
    RuleCase("workspace-init mounts the claim at /workspace-pvc", .init(), .initContainer("workspace-init", ["volumeMounts"]),
             [["name": "workspace", "mountPath": "/workspace-pvc"]]),
    RuleCase("workspace-init runs as root", .init(), .initContainer("workspace-init", ["securityContext"]), ["runAsUser": 0]),
    RuleCase("workspace-init absent without a workspace", .init(workspace: WorkspaceSpec(disabled: true)),
             .initContainer("workspace-init", []), nil),
    RuleCase("fsGroup is the sandbox GID with a workspace", .init(), .pod(["securityContext", "fsGroup"]), 7000) {
        $0.namespace = NamespaceFacts(sandboxUID: 6000, sandboxGID: 7000)
    },
    RuleCase("no pod securityContext without a workspace or seccomp", .init(workspace: WorkspaceSpec(disabled: true)),
             .pod(["securityContext"]), nil),
]

private let sandboxRules: [RuleCase] = [
    RuleCase("operatingMode Running", .init(), .sandbox(["spec", "operatingMode"]), "Running"),
    RuleCase("operatingMode Suspended", .init(), .sandbox(["spec", "operatingMode"]), "Suspended") { $0.operatingMode = .suspended },
    RuleCase("service: true when enabled", .init(service: SandboxServiceSpec(enabled: true)), .sandbox(["spec", "service"]), true),
    RuleCase("service: omitted when disabled", .init(service: SandboxServiceSpec(enabled: false)), .sandbox(["spec", "service"]), nil),
    RuleCase("service: omitted when unset", .init(), .sandbox(["spec", "service"]), nil),
    RuleCase("shutdownTime: whole-second RFC 3339 UTC", .init(), .sandbox(["spec", "shutdownTime"]), "2026-05-28T20:26:40Z") {
        $0.expiresAt = expiry
    },
    RuleCase("shutdownPolicy Delete", .init(), .sandbox(["spec", "shutdownPolicy"]), "Delete") { $0.expiresAt = expiry },
    RuleCase("shutdownPolicy Retain when the sandbox stops on expiry", .init(), .sandbox(["spec", "shutdownPolicy"]), "Retain") {
        $0.expiresAt = expiry
        $0.deleteOnExpiry = false
    },
    RuleCase("no shutdownTime without an expiry", .init(), .sandbox(["spec", "shutdownTime"]), nil),
    RuleCase("no shutdownPolicy without an expiry", .init(), .sandbox(["spec", "shutdownPolicy"]), nil),
    RuleCase("workspace claim: operator default size", .init(), .sandbox(["spec", "volumeClaimTemplates"]),
             json(#"[{"metadata":{"name":"workspace"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"2Gi"}}}}]"#)),
    RuleCase("workspace claim: class default size and storage class", .init(), .sandbox(["spec", "volumeClaimTemplates"]),
             json(#"[{"metadata":{"name":"workspace"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"5Gi"}},"storageClassName":"fast"}}]"#)) {
        $0.classSpec.workspace = ClassWorkspace(defaultSize: "5Gi", storageClassName: "fast")
    },
    RuleCase("workspace claim: spec size and storage class win", .init(workspace: WorkspaceSpec(size: "10Gi", storageClassName: "slow")),
             .sandbox(["spec", "volumeClaimTemplates"]),
             json(#"[{"metadata":{"name":"workspace"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"10Gi"}},"storageClassName":"slow"}}]"#)) {
        $0.classSpec.workspace = ClassWorkspace(defaultSize: "5Gi", storageClassName: "fast")
    },
    RuleCase("workspace claim absent when disabled", .init(workspace: WorkspaceSpec(disabled: true)),
             .sandbox(["spec", "volumeClaimTemplates"]), nil),
    RuleCase("pod labels: user labels plus the operator's, operator wins, reserved keys dropped",
             .init(podMetadata: PodMetadata(labels: ["team": "ml", "openshell.ai/sandbox-name": "spoof", "agents.x-k8s.io/adoptable": "true"])),
             .sandbox(["spec", "podTemplate", "metadata", "labels"]),
             .object(["team": "ml", "openshell.ai/managed-by": "openshell-operator", "openshell.ai/sandbox-id": .string(uid),
                      "openshell.ai/sandbox-name": "demo"])),
    RuleCase("pod annotations: user annotations plus openshell.io/sandbox-id",
             .init(podMetadata: PodMetadata(annotations: ["note": "x", "extensions.agents.x-k8s.io/x": "y"])),
             .sandbox(["spec", "podTemplate", "metadata", "annotations"]),
             .object(["note": "x", "openshell.io/sandbox-id": .string(uid)])),
    RuleCase("config data: rules copied verbatim", .init(), .config("sandbox-policy.rego"), "package openshell\nallow := true\n") {
        $0.policyRules = "package openshell\nallow := true\n"
    },
    RuleCase("config data: no policy key without a policy", .init(), .config("policy.yaml"), nil),
    RuleCase("network policy absent unless the class enables it", .init(), .networkPolicy([]), nil) {
        $0.classSpec.networkPolicy = ClassNetworkPolicy(enabled: false, egress: [["ports": [["port": 53]]]])
    },
    RuleCase("network policy selects the pod by sandbox id, denies ingress, egress as given", .init(), .networkPolicy(["spec"]),
             .object(["podSelector": ["matchLabels": ["openshell.ai/sandbox-id": .string(uid)]], "policyTypes": ["Ingress", "Egress"],
                      "egress": [["ports": [["port": 53, "protocol": "UDP"]]]]])) {
        $0.classSpec.networkPolicy = ClassNetworkPolicy(enabled: true, egress: [["ports": [["port": 53, "protocol": "UDP"]]]])
    },
    RuleCase("network policy without egress rules allows no egress", .init(), .networkPolicy(["spec", "egress"]), nil) {
        $0.classSpec.networkPolicy = ClassNetworkPolicy(enabled: true)
    },
]

@Suite("Renderer rules")
struct RenderRulesTests {
    static let cases = imageRules + containerRules + resourceRules + envRules + volumeRules + sandboxRules

    @Test("each rule puts the expected value in place", arguments: cases)
    func rule(_ rule: RuleCase) {
        let view = RenderView(SandboxRenderer.render(rule.input))
        #expect(rule.probe.read(view) == rule.expected, "\(rule.probe)")
    }

    @Test("every rule's Sandbox validates against the upstream v1beta1 schema",
          .enabled(if: RenderFixtures.sandboxCRDAvailable, "upstream CRD copy not found"), arguments: cases)
    func ruleSandboxIsValid(_ rule: RuleCase) throws {
        #expect(try RenderFixtures.schemaProblems(SandboxRenderer.render(rule.input).sandbox) == [])
    }

    @Test("user env first, providers next, the supervisor's variables last; a duplicate keeps its first place")
    func envOrder() {
        let view = RenderFixtures.render(OpenShellSandboxSpec(
            env: [EnvVar(name: "A", value: "1"), EnvVar(name: "B", value: "2"), EnvVar(name: "A", value: "3")],
            providers: [ProviderSpec(name: "p", secretRef: LocalObjectReference(name: "s"), env: [ProviderEnv(name: "P", key: "k")])]
        ))
        #expect(Array(view.envNames.prefix(3)) == ["A", "B", "P"])
        #expect(view.envValue("A") == "3")
        #expect(view.envNames.dropFirst(3).allSatisfy { $0.hasPrefix("OPENSHELL_") })
        #expect(view.envValue("OPENSHELL_USER_ENVIRONMENT") == #"{"A":"3","B":"2"}"#)
    }

    @Test("mounts: supervisor read-only, config read-only when present, workspace at /sandbox")
    func mounts() {
        let full = RenderFixtures.render { $0.policy = SandboxPolicySpec() }
        #expect(full.mountPaths == ["openshell-supervisor-bin": "/opt/openshell/bin", "openshell-config": "/etc/openshell/policy",
                                    "workspace": "/sandbox"])
        let readOnly = (full.agent["volumeMounts"]?.arrayValue ?? []).filter { $0["readOnly"] == true }.compactMap { $0["name"]?.stringValue }
        #expect(readOnly == ["openshell-supervisor-bin", "openshell-config"])
        let bare = RenderFixtures.render(OpenShellSandboxSpec(workspace: WorkspaceSpec(disabled: true)))
        #expect(bare.mountPaths == ["openshell-supervisor-bin": "/opt/openshell/bin"])
    }

    @Test("the workspace volume itself is left to the Agent Sandbox controller")
    func noWorkspaceVolume() {
        let view = RenderFixtures.render { $0.policy = SandboxPolicySpec() }
        #expect(view.volumeNames == ["openshell-supervisor-bin", "openshell-config"])
    }

    @Test("init containers: supervisor install before workspace-init")
    func initOrder() {
        let view = RenderFixtures.render { $0.classSpec.supervisor = SupervisorSpec(sideloadMethod: "InitContainer") }
        #expect(view.initContainerNames == ["openshell-supervisor-install", "workspace-init"])
        #expect(RenderFixtures.render().initContainerNames == ["workspace-init"])
    }

    @Test("the seed script copies /sandbox once, without owners or modes, and writes the sentinel last")
    func seedScript() throws {
        let command = try #require(RenderFixtures.render().container("workspace-init")?["command"]?.arrayValue)
        #expect(command.prefix(2) == ["sh", "-c"])
        let script = try #require(command.last?.stringValue)
        #expect(script.contains(#"if [ ! -e "$seed/.workspace-initialized" ]"#))
        #expect(script.contains("--no-same-owner --no-same-permissions --touch"))
        #expect(script.contains("tar -C /sandbox -cf"))
        let extract = try #require(script.range(of: "-xf"))
        let sentinel = try #require(script.range(of: #"touch "$seed/.workspace-initialized""#))
        #expect(extract.upperBound < sentinel.lowerBound)
    }
}
