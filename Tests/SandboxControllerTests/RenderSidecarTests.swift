//! The Sidecar topology's pod shape: the network identity for binary-aware
//! on and off and each proxy UID, the init order, which container gets the
//! supervisor files and keys, the unprivileged agent, and no gateway wiring.
import Foundation
import KubeCore
import OpenShellAPI
import Testing
@testable import SandboxController

/// One class sidecar setting and the network identity it must render.
struct SidecarIdentityCase: Sendable, CustomTestStringConvertible {
    var name: String
    var sidecar: SidecarSpec?
    /// `openshell-supervisor-network`'s runAsUser and `--proxy-uid` of the init container.
    var uid: Int64
    /// Capabilities added to the sidecar (it always drops ALL).
    var added: [String]?
    /// `OPENSHELL_NETWORK_BINARY_IDENTITY` of the sidecar (nil = absent).
    var binaryIdentity: String?
    var testDescription: String { name }
}

@Suite("Renderer sidecar topology")
struct RenderSidecarTests {
    static let identities: [SidecarIdentityCase] = [
        SidecarIdentityCase(name: "no sidecar settings: binary-aware, root", sidecar: nil, uid: 0,
                            added: ["SYS_PTRACE", "DAC_READ_SEARCH"], binaryIdentity: nil),
        SidecarIdentityCase(name: "binary-aware explicitly: root, the proxy UID unused", sidecar: SidecarSpec(proxyUID: 2000, processBinaryAwareNetworkPolicy: true),
                            uid: 0, added: ["SYS_PTRACE", "DAC_READ_SEARCH"], binaryIdentity: nil),
        SidecarIdentityCase(name: "relaxed, default proxy UID 1337", sidecar: SidecarSpec(processBinaryAwareNetworkPolicy: false),
                            uid: 1337, added: nil, binaryIdentity: "relaxed"),
        SidecarIdentityCase(name: "relaxed, proxy UID 2000", sidecar: SidecarSpec(proxyUID: 2000, processBinaryAwareNetworkPolicy: false),
                            uid: 2000, added: nil, binaryIdentity: "relaxed"),
        SidecarIdentityCase(name: "relaxed, the largest proxy UID", sidecar: SidecarSpec(proxyUID: 4_294_967_294, processBinaryAwareNetworkPolicy: false),
                            uid: 4_294_967_294, added: nil, binaryIdentity: "relaxed"),
    ]

    static func sidecarClass(_ sidecar: SidecarSpec? = nil, sideload: String? = nil) -> OpenShellSandboxClassSpec {
        OpenShellSandboxClassSpec(supervisor: SupervisorSpec(sideloadMethod: sideload, sidecar: sidecar), topology: "Sidecar")
    }

    static func render(_ spec: OpenShellSandboxSpec = OpenShellSandboxSpec(), _ classSpec: OpenShellSandboxClassSpec = sidecarClass(),
                       _ change: (inout SandboxRenderInput) -> Void = { _ in }) -> RenderView {
        RenderFixtures.render(spec) {
            $0.classSpec = classSpec
            $0.namespace = NamespaceFacts(sandboxUID: 1_000_680_000, sandboxGID: 1_000_690_000)
            change(&$0)
        }
    }

    private func network(_ view: RenderView) throws -> JSONValue {
        try #require(view.container("openshell-supervisor-network", in: "containers"))
    }

    private func env(_ container: JSONValue) -> [String: JSONValue] {
        var env: [String: JSONValue] = [:]
        for entry in container["env"]?.arrayValue ?? [] {
            if let name = entry["name"]?.stringValue { env[name] = entry }
        }
        return env
    }

    private func mounts(_ container: JSONValue) -> [String: String] {
        var paths: [String: String] = [:]
        for mount in container["volumeMounts"]?.arrayValue ?? [] {
            if let name = mount["name"]?.stringValue, let path = mount["mountPath"]?.stringValue { paths[name] = path }
        }
        return paths
    }

    // MARK: Network identity

    @Test("the network sidecar's identity and capabilities, and the proxy UID the init container exempts", arguments: identities)
    func networkIdentity(_ c: SidecarIdentityCase) throws {
        let view = Self.render(OpenShellSandboxSpec(), Self.sidecarClass(c.sidecar))
        let sidecar = try network(view)
        var capabilities: JSONObject = ["drop": ["ALL"]]
        capabilities["add"] = c.added.map { .array($0.map(JSONValue.string)) }
        #expect(sidecar["securityContext"] == .object([
            "runAsUser": .int(c.uid), "runAsGroup": 1_000_690_000, "runAsNonRoot": .bool(c.uid != 0),
            "allowPrivilegeEscalation": false, "capabilities": .object(capabilities),
        ]))
        #expect(sidecar["command"] == ["/openshell-sandbox", "--mode=network"])
        #expect(env(sidecar)["OPENSHELL_NETWORK_BINARY_IDENTITY"]?["value"]?.stringValue == c.binaryIdentity)
        let initCommand = try #require(view.container("openshell-network-init")?["command"])
        #expect(initCommand == .array([
            "/openshell-sandbox", "--mode=network-init", "--proxy-uid", .string(String(c.uid)), "--proxy-gid", "1000690000",
            "--sidecar-state-dir", "/run/openshell-sidecar", "--sidecar-tls-dir", "/etc/openshell-tls/proxy",
        ]))
    }

    @Test("the network init container runs as root with only the setup capabilities")
    func networkInitSecurity() throws {
        let initContainer = try #require(Self.render().container("openshell-network-init"))
        #expect(initContainer["securityContext"] == RenderFixtures.json(
            #"{"runAsUser":0,"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"],"add":["NET_ADMIN","NET_RAW","CHOWN","FOWNER"]}}"#))
        #expect(initContainer["image"] == .string(OperatorDefaults().supervisorImage))
        #expect(mounts(initContainer) == ["openshell-sidecar-state": "/run/openshell-sidecar", "openshell-supervisor-tls": "/etc/openshell-tls/proxy"])
    }

    // MARK: Pod

    @Test("init order: supervisor install, network init, workspace seeding", arguments: [
        ("InitContainer", true, ["openshell-supervisor-install", "openshell-network-init", "workspace-init"]),
        ("ImageVolume", true, ["openshell-network-init", "workspace-init"]),
        ("InitContainer", false, ["openshell-supervisor-install", "openshell-network-init"]),
        ("ImageVolume", false, ["openshell-network-init"]),
    ])
    func initOrder(_ c: (sideload: String, workspace: Bool, expected: [String])) {
        let spec = OpenShellSandboxSpec(workspace: c.workspace ? nil : WorkspaceSpec(disabled: true))
        #expect(Self.render(spec, Self.sidecarClass(sideload: c.sideload)).initContainerNames == c.expected)
    }

    @Test("the pod shares its process namespace and has fsGroup even without a workspace, and the two emptyDirs")
    func podLevel() {
        let view = Self.render(OpenShellSandboxSpec(workspace: WorkspaceSpec(disabled: true)))
        #expect(view.podSpec["shareProcessNamespace"] == true)
        #expect(view.podSpec[path: ["securityContext", "fsGroup"]] == 1_000_690_000)
        #expect(view.volume("openshell-sidecar-state") == ["name": "openshell-sidecar-state", "emptyDir": [:]])
        #expect(view.volume("openshell-supervisor-tls") == ["name": "openshell-supervisor-tls", "emptyDir": [:]])
        #expect((view.podSpec["containers"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue } == ["agent", "openshell-supervisor-network"])
    }

    @Test("Combined, no topology or an unknown one render the combined pod", arguments: [nil, "Combined", "sidecar"] as [String?])
    func notSidecar(_ topology: String?) {
        var classSpec = Self.sidecarClass(SidecarSpec(proxyUID: 2000))
        classSpec.topology = topology
        let view = Self.render(OpenShellSandboxSpec(), classSpec)
        #expect(view.podSpec["shareProcessNamespace"] == nil)
        #expect(view.container("openshell-supervisor-network", in: "containers") == nil)
        #expect(view.container("openshell-network-init") == nil)
        #expect(view.agent[path: ["securityContext", "runAsUser"]] == 0)
        #expect(view.agent["command"] == ["/opt/openshell/bin/openshell-sandbox", "--workdir", "/sandbox"])
    }

    // MARK: Agent

    @Test("the agent runs the process half as the sandbox user with every capability dropped")
    func agentIdentity() {
        let view = Self.render { $0.classSpec.security = ClassSecurity(appArmorProfile: SecurityProfile(type: "RuntimeDefault")) }
        #expect(view.agent["command"] == ["/opt/openshell/bin/openshell-sandbox", "--mode=process", "--workdir", "/sandbox"])
        #expect(view.agent["securityContext"] == RenderFixtures.json(
            #"{"runAsUser":1000680000,"runAsGroup":1000690000,"runAsNonRoot":true,"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"appArmorProfile":{"type":"RuntimeDefault"}}"#))
    }

    @Test("both halves get the sidecar wiring")
    func wiring() throws {
        let view = Self.render()
        let expected: [String: String] = [
            "OPENSHELL_SUPERVISOR_TOPOLOGY": "sidecar", "OPENSHELL_NETWORK_ENFORCEMENT_MODE": "sidecar-nftables",
            "OPENSHELL_SSH_SOCKET_PATH": "@openshell-sidecar-ssh", "OPENSHELL_SIDECAR_CONTROL_SOCKET": "/run/openshell-sidecar/control.sock",
            "OPENSHELL_PROXY_TLS_DIR": "/etc/openshell-tls/proxy", "OPENSHELL_SANDBOX_UID": "1000680000", "OPENSHELL_SANDBOX_GID": "1000690000",
            "OPENSHELL_SANDBOX_ID": RenderFixtures.uid, "OPENSHELL_SANDBOX": "demo",
        ]
        let sidecarEnv = env(try network(view))
        for (name, value) in expected {
            #expect(view.envValue(name) == value, "agent \(name)")
            #expect(sidecarEnv[name]?["value"]?.stringValue == value, "sidecar \(name)")
        }
        for container in [view.agent, try network(view)] {
            #expect(mounts(container)["openshell-sidecar-state"] == "/run/openshell-sidecar")
            #expect(mounts(container)["openshell-supervisor-tls"] == "/etc/openshell-tls/proxy")
        }
    }

    @Test("policy, rules, routes and inference keys go to the network sidecar only; user and provider env to the agent only")
    func supervisorFilesPlacement() throws {
        let spec = OpenShellSandboxSpec(
            env: [EnvVar(name: "PROJECT", value: "demo")],
            providers: [ProviderSpec(name: "gh", secretRef: LocalObjectReference(name: "gh"), env: [ProviderEnv(name: "GH_TOKEN", key: "t")])],
            inference: InferenceSpec(routes: [
                InferenceRoute(name: "r", endpoint: "https://x.example/v1", model: "m", apiKeySecretRef: SecretKeySelector(name: "key", key: "k")),
            ]))
        let view = Self.render(spec, Self.sidecarClass()) {
            $0.policy = SandboxPolicySpec()
            $0.policyRules = "package openshell.sandbox"
        }
        let sidecar = try network(view)
        let sidecarEnv = env(sidecar)
        #expect(sidecarEnv["OPENSHELL_POLICY_DATA"]?["value"] == "/etc/openshell/policy/policy.yaml")
        #expect(sidecarEnv["OPENSHELL_POLICY_RULES"]?["value"] == "/etc/openshell/policy/sandbox-policy.rego")
        #expect(sidecarEnv["OPENSHELL_INFERENCE_ROUTES"]?["value"] == "/etc/openshell/policy/routes.yaml")
        #expect(sidecarEnv["OPENSHELL_INFERENCE_API_KEY_0"] == RenderFixtures.json(
            #"{"name":"OPENSHELL_INFERENCE_API_KEY_0","valueFrom":{"secretKeyRef":{"name":"key","key":"k"}}}"#))
        #expect(mounts(sidecar)["openshell-config"] == "/etc/openshell/policy")
        #expect(sidecarEnv["PROJECT"] == nil && sidecarEnv["GH_TOKEN"] == nil && sidecarEnv["OPENSHELL_MAIN_PROCESS_SPEC"] == nil)

        for name in ["OPENSHELL_POLICY_DATA", "OPENSHELL_POLICY_RULES", "OPENSHELL_INFERENCE_ROUTES", "OPENSHELL_INFERENCE_API_KEY_0"] {
            #expect(view.env[name] == nil, "agent \(name)")
        }
        #expect(view.mountPaths["openshell-config"] == nil)
        #expect(view.envValue("PROJECT") == "demo")
        #expect(view.env["GH_TOKEN"] != nil)
        #expect(view.volume("openshell-config") != nil)
    }

    @Test("no gateway wiring in any container: no endpoint, TLS or token environment, mounts or volumes")
    func noGatewayWiring() throws {
        let view = Self.render(OpenShellSandboxSpec(inference: InferenceSpec(routes: [
            InferenceRoute(name: "r", endpoint: "http://x", model: "m", apiKeySecretRef: SecretKeySelector(name: "s", key: "k")),
        ]))) { $0.policy = SandboxPolicySpec() }
        let forbidden = ["OPENSHELL_ENDPOINT", "OPENSHELL_TLS_CA", "OPENSHELL_TLS_CERT", "OPENSHELL_TLS_KEY", "OPENSHELL_K8S_SA_TOKEN_FILE",
                         "OPENSHELL_SANDBOX_TOKEN", "OPENSHELL_SANDBOX_TOKEN_FILE", "OPENSHELL_GATEWAY_TLS_SERVER_NAME"]
        let containers = (view.podSpec["containers"]?.arrayValue ?? []) + (view.podSpec["initContainers"]?.arrayValue ?? [])
        #expect(containers.count == 4)  // agent, network sidecar, network init, workspace init
        for container in containers {
            #expect(Set(env(container).keys).isDisjoint(with: forbidden), "\(container["name"] ?? .null)")
            #expect(mounts(container)["openshell-sa-token"] == nil && mounts(container)["openshell-client-tls"] == nil)
        }
        #expect(!view.volumeNames.contains("openshell-client-tls"))
        #expect(!view.volumeNames.contains("openshell-sa-token"))
        #expect(view.podSpec["automountServiceAccountToken"] == false)
    }

    @Test("the proxy settings are in the rollout hash")
    func hashCoversSidecar() {
        let base = Self.render(OpenShellSandboxSpec(), Self.sidecarClass(SidecarSpec(proxyUID: 2000, processBinaryAwareNetworkPolicy: false))).rolloutHash
        let otherUID = Self.render(OpenShellSandboxSpec(), Self.sidecarClass(SidecarSpec(proxyUID: 2001, processBinaryAwareNetworkPolicy: false))).rolloutHash
        let aware = Self.render(OpenShellSandboxSpec(), Self.sidecarClass(SidecarSpec(proxyUID: 2000))).rolloutHash
        let combined = Self.render(OpenShellSandboxSpec(), OpenShellSandboxClassSpec()).rolloutHash
        #expect(Set([base, otherUID, aware, combined]).count == 4)
    }
}
