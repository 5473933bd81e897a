//! The CRDs against a real local API server: they install and become
//! Established, full objects are accepted, every CEL rule rejects what it
//! should on create or update with its exact message, and the real kubectl
//! explains a field from the schema's descriptions.
import Foundation
import KubeClient
import KubeCore
import OpenShellAPI
import Testing
import TestSupport

private let kubectlPath: String? = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].first { FileManager.default.isExecutableFile(atPath: $0) }

/// Installs the four CRDs and waits until each is Established and served.
func installCRDs(_ t: TestServer) async throws {
    try await t.installCRD(OpenShellCRDs.sandbox, resource: OpenShellAPIGroup.sandboxes)
    try await t.installCRD(OpenShellCRDs.sandboxClass, resource: OpenShellAPIGroup.sandboxClasses)
    try await t.installCRD(OpenShellCRDs.policy, resource: OpenShellAPIGroup.policies)
    try await t.installCRD(OpenShellCRDs.gateway, resource: OpenShellAPIGroup.gateways)
}

/// Which kind a case creates.
enum Kind: String, Sendable {
    case sandbox, sandboxClass, policy, gateway

    var crd: KubeObject {
        switch self {
        case .sandbox: OpenShellCRDs.sandbox
        case .sandboxClass: OpenShellCRDs.sandboxClass
        case .policy: OpenShellCRDs.policy
        case .gateway: OpenShellCRDs.gateway
        }
    }

    var resource: GroupVersionResource {
        switch self {
        case .sandbox: OpenShellAPIGroup.sandboxes
        case .sandboxClass: OpenShellAPIGroup.sandboxClasses
        case .policy: OpenShellAPIGroup.policies
        case .gateway: OpenShellAPIGroup.gateways
        }
    }

    var namespace: String? { self == .sandboxClass ? nil : "default" }
}

/// One rule violation: create `spec` (or create `before`, then update to `spec`) and expect these causes.
struct RuleCase: Sendable, CustomTestStringConvertible {
    var title: String
    var kind: Kind
    var name = "demo"
    var before: JSONValue?
    var spec: JSONValue
    /// `[field, message]` of each cause, in the server's order.
    var causes: [[String]]
    var testDescription: String { title }
}

private let dns1035Message =
    #"Invalid value: "object": metadata.name must be a DNS-1035 label: at most 63 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit"#

private let ruleCases: [RuleCase] = [
    RuleCase(title: "a sandbox name starting with a digit", kind: .sandbox, name: "1demo", spec: [:],
             causes: [["<nil>", dns1035Message]]),
    RuleCase(title: "a sandbox name with a dot", kind: .sandbox, name: "demo.v2", spec: [:],
             causes: [["<nil>", dns1035Message]]),
    RuleCase(title: "a sandbox name of 64 characters", kind: .sandbox, name: String(repeating: "a", count: 64), spec: [:],
             causes: [["<nil>", dns1035Message]]),
    RuleCase(title: "policyRef and policy together", kind: .sandbox,
             spec: ["policyRef": ["name": "strict"], "policy": ["landlock": ["compatibility": "BestEffort"]]],
             causes: [["spec", #"Invalid value: "object": at most one of policyRef and policy may be set"#]]),
    RuleCase(title: "ttl and expiresAt together", kind: .sandbox,
             spec: ["lifetime": ["ttl": "1h", "expiresAt": "2030-01-01T00:00:00Z"]],
             causes: [["spec.lifetime", #"Invalid value: "object": at most one of ttl and expiresAt may be set"#]]),
    RuleCase(title: "env with value and valueFrom", kind: .sandbox,
             spec: ["env": [["name": "A", "value": "x", "valueFrom": ["secretKeyRef": ["name": "s", "key": "k"]]]]],
             causes: [["spec.env[0]", #"Invalid value: "object": exactly one of value and valueFrom must be set"#]]),
    RuleCase(title: "env with neither value nor valueFrom", kind: .sandbox,
             spec: ["env": [["name": "A"]]],
             causes: [["spec.env[0]", #"Invalid value: "object": exactly one of value and valueFrom must be set"#]]),
    RuleCase(title: "env named OPENSHELL_*", kind: .sandbox,
             spec: ["env": [["name": "OK", "value": "1"], ["name": "OPENSHELL_SANDBOX_ID", "value": "x"]]],
             causes: [["spec.env[1].name", #"Invalid value: "object": names starting with OPENSHELL_ are reserved for the operator"#]]),
    RuleCase(title: "valueFrom with a Secret and a ConfigMap key", kind: .sandbox,
             spec: ["env": [["name": "A", "valueFrom": ["secretKeyRef": ["name": "s", "key": "k"], "configMapKeyRef": ["name": "c", "key": "k"]]]]],
             causes: [["spec.env[0].valueFrom", #"Invalid value: "object": exactly one of secretKeyRef and configMapKeyRef must be set"#]]),
    RuleCase(title: "valueFrom with neither", kind: .sandbox,
             spec: ["env": [["name": "A", "valueFrom": [:]]]],
             causes: [["spec.env[0].valueFrom", #"Invalid value: "object": exactly one of secretKeyRef and configMapKeyRef must be set"#]]),
    RuleCase(title: "an empty command[0]", kind: .sandbox,
             spec: ["command": ["", "-c", "true"]],
             causes: [["spec.command", #"Invalid value: "array": command[0] must not be empty"#]]),
    RuleCase(title: "the workspace size changed", kind: .sandbox,
             before: ["workspace": ["size": "1Gi"]], spec: ["workspace": ["size": "2Gi"]],
             causes: [["spec.workspace", #"Invalid value: "object": workspace is immutable"#]]),
    RuleCase(title: "a workspace added after creation", kind: .sandbox,
             before: ["suspended": false], spec: ["workspace": ["disabled": true]],
             causes: [["spec.workspace", #"Invalid value: "object": workspace is immutable"#]]),
    RuleCase(title: "the workspace removed after creation", kind: .sandbox,
             before: ["workspace": ["storageClassName": "fast"]], spec: [:],
             causes: [["spec.workspace", #"Invalid value: "object": workspace is immutable"#]]),
    RuleCase(title: "a Localhost profile without its name", kind: .sandboxClass,
             spec: ["security": ["appArmorProfile": ["type": "Localhost"]]],
             causes: [["spec.security.appArmorProfile", #"Invalid value: "object": localhostProfile is required when type is Localhost and must be unset otherwise"#]]),
    RuleCase(title: "a profile name without Localhost", kind: .sandboxClass,
             spec: ["security": ["seccompProfile": ["type": "RuntimeDefault", "localhostProfile": "mine"]]],
             causes: [["spec.security.seccompProfile", #"Invalid value: "object": localhostProfile is required when type is Localhost and must be unset otherwise"#]]),
    RuleCase(title: "/ writable", kind: .policy,
             spec: ["filesystem": ["readWrite": ["/tmp", "/"]]],
             causes: [["spec.filesystem.readWrite[1]", #"Invalid value: "string": / must not be writable"#]]),
    RuleCase(title: "a '..' component", kind: .policy,
             spec: ["filesystem": ["readOnly": ["/usr/../etc", "/usr/..lib", "/.."]]],
             causes: [["spec.filesystem.readOnly[0]", #"Invalid value: "string": must not contain a '..' component"#],
                      ["spec.filesystem.readOnly[2]", #"Invalid value: "string": must not contain a '..' component"#]]),
    RuleCase(title: "more than 256 paths in all", kind: .policy,
             spec: ["filesystem": ["readOnly": .array((0..<200).map { .string("/ro/\($0)") }),
                                   "readWrite": .array((0..<57).map { .string("/rw/\($0)") })]],
             causes: [["spec.filesystem", #"Invalid value: "object": readOnly and readWrite hold at most 256 paths together"#]]),
    RuleCase(title: "an inline policy follows the same rules", kind: .sandbox,
             spec: ["policy": ["filesystem": ["readWrite": ["/"]]]],
             causes: [["spec.policy.filesystem.readWrite[0]", #"Invalid value: "string": / must not be writable"#]]),
    RuleCase(title: "a class default policy follows the same rules", kind: .sandboxClass,
             spec: ["defaultPolicy": ["filesystem": ["readOnly": ["/a/.."]]]],
             causes: [["spec.defaultPolicy.filesystem.readOnly[0]", #"Invalid value: "string": must not contain a '..' component"#]]),
]

/// A create the server must reject; the gateway's cases are in `GatewayRuleCases.swift`.
private let allRuleCases = ruleCases + gatewayRuleCases

@Suite("openshell.ai CRDs in the local API server")
struct CRDServerTests {
    @Test("the CRDs become Established and accept full objects of each kind")
    func installAndAcceptFullObjects() async throws {
        try await TestServer.with { t in
            try await installCRDs(t)
            for crd in OpenShellCRDs.all {
                let current = try await t.client.get(.customResourceDefinitions, name: crd.name)
                #expect(current.conditions[type: "Established"]?.isTrue == true, "\(crd.name)")
            }
            // The maximal specs without the pairs the rules forbid.
            var spec = CRDFixtures.fullSandboxSpec
            spec.policy = nil
            spec.lifetime?.expiresAt = nil
            spec.env = [EnvVar(name: "GREETING", value: "hello"),
                        EnvVar(name: "TOKEN", valueFrom: EnvVarSource(secretKeyRef: SecretKeySelector(name: "creds", key: "token")))]
            let sandbox = CRDFixtures.object(OpenShellCRDs.sandbox, name: "demo", namespace: "default", spec: try JSONValue(encoding: spec))
            let created = try await t.client.create(OpenShellAPIGroup.sandboxes, namespace: "default", sandbox)
            #expect(try created.decodeSpec(OpenShellSandboxSpec.self) == spec)

            let sandboxClass = CRDFixtures.object(OpenShellCRDs.sandboxClass, name: "standard", namespace: nil,
                                                  spec: try JSONValue(encoding: CRDFixtures.fullClassSpec))
            let createdClass = try await t.client.create(OpenShellAPIGroup.sandboxClasses, sandboxClass)
            #expect(try createdClass.decodeSpec(OpenShellSandboxClassSpec.self) == CRDFixtures.fullClassSpec)

            let policy = CRDFixtures.object(OpenShellCRDs.policy, name: "strict", namespace: "default",
                                            spec: try JSONValue(encoding: CRDFixtures.fullPolicy))
            let createdPolicy = try await t.client.create(OpenShellAPIGroup.policies, namespace: "default", policy)
            #expect(try createdPolicy.decodeSpec(SandboxPolicySpec.self) == CRDFixtures.fullPolicy)

            let gatewaySpec = CRDFixtures.admissibleGatewaySpec
            let gateway = CRDFixtures.object(OpenShellCRDs.gateway, name: "openshell", namespace: "default",
                                             spec: try JSONValue(encoding: gatewaySpec))
            let createdGateway = try await t.client.create(OpenShellAPIGroup.gateways, namespace: "default", gateway)
            #expect(try createdGateway.decodeSpec(OpenShellGatewaySpec.self) == gatewaySpec)
        }
    }

    @Test("a sandbox without spec is rejected; updates that keep the workspace are accepted")
    func specRequiredAndWorkspaceKept() async throws {
        try await TestServer.with { t in
            try await installCRDs(t)
            var bare = CRDFixtures.object(OpenShellCRDs.sandbox, name: "bare", namespace: "default", spec: [:])
            bare.json["spec"] = nil
            let error = await expectAPIError { _ = try await t.client.create(OpenShellAPIGroup.sandboxes, namespace: "default", bare) }
            #expect(error?.status.details?.causes?.map { [$0.field ?? "", $0.message ?? ""] } == [
                ["spec", "Required value"],
                ["<nil>", #"Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation"#],
            ])

            let sandbox = CRDFixtures.object(OpenShellCRDs.sandbox, name: "kept", namespace: "default",
                                             spec: ["workspace": ["size": "1Gi"]])
            var created = try await t.client.create(OpenShellAPIGroup.sandboxes, namespace: "default", sandbox)
            created.json["spec"]?["suspended"] = true
            let updated = try await t.client.update(OpenShellAPIGroup.sandboxes, namespace: "default", created)
            #expect(updated.spec?["suspended"] == true)
            #expect(updated.spec?["workspace"] == ["size": "1Gi"])
        }
    }

    @Test("every CEL rule rejects with its exact message", arguments: allRuleCases)
    func ruleRejects(_ rule: RuleCase) async throws {
        try await TestServer.with { t in
            try await installCRDs(t)
            let namespace = rule.kind.namespace
            let error: APIError?
            if let before = rule.before {
                var object = try await t.client.create(
                    rule.kind.resource, namespace: namespace,
                    CRDFixtures.object(rule.kind.crd, name: rule.name, namespace: namespace, spec: before))
                object.json["spec"] = rule.spec
                error = await expectAPIError { _ = try await t.client.update(rule.kind.resource, namespace: namespace, object) }
            } else {
                let object = CRDFixtures.object(rule.kind.crd, name: rule.name, namespace: namespace, spec: rule.spec)
                error = await expectAPIError { _ = try await t.client.create(rule.kind.resource, namespace: namespace, object) }
            }
            #expect(error?.code == 422)
            #expect(error?.status.details?.causes?.map { [$0.field ?? "", $0.message ?? ""] } == rule.causes)
        }
    }

    @Test("kubectl explain oss.spec.lifetime prints the schema's descriptions",
          .enabled(if: kubectlPath != nil, "kubectl is not installed"))
    func kubectlExplain() async throws {
        try await TestServer.with { t in
            try await installCRDs(t)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("crd-explain-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let kubeconfig = try t.writeKubeconfig(in: directory)
            let (status, output) = try await runKubectl(
                ["--kubeconfig", kubeconfig, "--cache-dir", directory.appendingPathComponent("cache").path, "explain", "oss.spec.lifetime"],
                in: directory)
            #expect(status == 0, "\(output)")
            let flat = output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            let lifetime = try CRDFixtures.schema(OpenShellCRDs.sandbox).description(forExplainPath: ["spec", "lifetime"]) ?? "?"
            #expect(flat.contains("KIND: OpenShellSandbox"), "\(output)")
            #expect(flat.contains("FIELD: lifetime <Object>"), "\(output)")
            #expect(flat.contains(lifetime), "\(output)")
            for field in ["expiresAt <string>", "onExpiry <string>", "ttl <string>"] {
                #expect(flat.contains(field), "\(field) in \(output)")
            }
            #expect(flat.contains("a Go duration such as 30m, 8h or 168h"), "\(output)")
        }
    }
}

extension CRDServerTests {
    @Test("kubectl explain osgw.spec.workload prints the descriptions; kubectl get osgw prints Version, Available, Endpoint, Age",
          .enabled(if: kubectlPath != nil, "kubectl is not installed"))
    func kubectlGateway() async throws {
        try await TestServer.with { t in
            try await installCRDs(t)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("crd-gateway-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let kubeconfig = try t.writeKubeconfig(in: directory)
            let common = ["--kubeconfig", kubeconfig, "--cache-dir", directory.appendingPathComponent("cache").path]

            let (status, output) = try await runKubectl(common + ["explain", "osgw.spec.workload"], in: directory)
            #expect(status == 0, "\(output)")
            let flat = output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(flat.contains("KIND: OpenShellGateway"), "\(output)")
            #expect(flat.contains("FIELD: workload <Object>"), "\(output)")
            for field in ["externalDatabaseSecretRef <Object>", "kind <string>", "replicas <integer>", "storage <Object>"] {
                #expect(flat.contains(field), "\(field) in \(output)")
            }
            #expect(flat.contains("a StatefulSet with a data volume (default) or, with an external database, a Deployment"), "\(output)")

            let created = try await t.client.create(
                OpenShellAPIGroup.gateways, namespace: "default",
                CRDFixtures.object(OpenShellCRDs.gateway, name: "openshell", namespace: "default", spec: [:]))
            var withStatus = created
            withStatus.json["status"] = try JSONValue(encoding: CRDFixtures.fullGatewayStatus)
            _ = try await t.client.update(OpenShellAPIGroup.gateways, namespace: "default", withStatus, subresource: "status")
            let (getStatus, table) = try await runKubectl(common + ["get", "osgw", "-n", "default"], in: directory)
            #expect(getStatus == 0, "\(table)")
            let rows = table.split(separator: "\n").map { $0.split(whereSeparator: \.isWhitespace).map(String.init) }
            #expect(rows.first == ["NAME", "VERSION", "AVAILABLE", "ENDPOINT", "AGE"], "\(table)")
            #expect(rows.dropFirst().first?.prefix(4) == ["openshell", "0.0.111", "True", "https://openshell.openshell.svc.cluster.local:8080"],
                    "\(table)")
        }
    }
}

/// Runs kubectl to completion without blocking a concurrency thread; returns its status and combined output.
private func runKubectl(_ arguments: [String], in directory: URL) async throws -> (Int32, String) {
    let kubectl = try #require(kubectlPath)
    let outputURL = directory.appendingPathComponent("kubectl-\(UUID().uuidString).out")
    FileManager.default.createFile(atPath: outputURL.path, contents: nil)
    let handle = try FileHandle(forWritingTo: outputURL)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: kubectl)
    process.arguments = arguments
    process.standardOutput = handle
    process.standardError = handle
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
        process.terminationHandler = { _ in continuation.resume() }
        do {
            try process.run()
        } catch {
            continuation.resume(throwing: error)
        }
    }
    try handle.close()
    return (process.terminationStatus, String(decoding: try Data(contentsOf: outputURL), as: UTF8.self))
}
