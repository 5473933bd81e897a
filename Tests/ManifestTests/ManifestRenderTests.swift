//! `manifests/` rendered by the real `kubectl kustomize`: what each overlay
//! installs, the Deployment's hardening, probes, volume and flags (checked
//! against the operator binary's own `run --help`), and the optional
//! NetworkPolicy component.
import Foundation
import KubeCore
import Testing
import TestSupport

private let overlays = [Kustomize.clusterWide, Kustomize.singleNamespace]

@Suite("manifests/ rendered by kubectl kustomize", .enabled(if: kubectlPath != nil, "kubectl is not installed"))
struct ManifestRenderTests {
    @Test("each overlay installs the namespace, the four CRDs, the access objects, the Deployment, the PDB and the metrics Service", arguments: overlays)
    func objects(overlay: String) throws {
        let install = RenderedInstall(objects: try Kustomize.render(overlay))
        let names = install.objects.map { "\($0.kind)/\($0.name)" }
        #expect(Set(names).count == names.count, "an object is rendered twice: \(names)")
        var expected: Set<String> = [
            "Namespace/openshell-system",
            "CustomResourceDefinition/openshellsandboxes.openshell.ai", "CustomResourceDefinition/openshellsandboxclasses.openshell.ai",
            "CustomResourceDefinition/openshellpolicies.openshell.ai", "CustomResourceDefinition/openshellgateways.openshell.ai",
            "ServiceAccount/openshell-operator",
            "ClusterRole/openshell-operator", "ClusterRole/openshell-operator-cluster",
            "ClusterRoleBinding/openshell-operator-cluster",
            "ClusterRole/openshell-operator-gateway", "ClusterRoleBinding/openshell-operator-gateway",
            "ClusterRole/openshell-operator-gateway-optional", "ClusterRoleBinding/openshell-operator-gateway-optional",
            "Role/openshell-operator-leader-election", "RoleBinding/openshell-operator-leader-election",
            "Deployment/openshell-operator", "PodDisruptionBudget/openshell-operator", "Service/openshell-operator-metrics",
        ]
        if overlay == Kustomize.clusterWide {
            expected.insert("ClusterRoleBinding/openshell-operator")
        } else {
            expected.formUnion(["RoleBinding/openshell-operator", "ClusterRole/openshell-operator-policy-rules",
                                "ClusterRoleBinding/openshell-operator-policy-rules"])
        }
        #expect(Set(names) == expected)
        // The least-privilege matrix leaves no role out: none is labelled as pending its proof.
        let pending = install.objects.filter { $0.kind.hasSuffix("Role") && $0.labels["openshell.ai/rbac-proof"] != nil }.map(\.name)
        #expect(pending.isEmpty, "roles labelled openshell.ai/rbac-proof: \(pending)")
        // Everything namespaced lives in openshell-system, except the single-namespace grant.
        let clusterScoped: Set<String> = ["Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"]
        for object in install.objects where !clusterScoped.contains(object.kind) {
            let expectedNamespace = object.kind == "RoleBinding" && object.name == "openshell-operator"
                ? install.flag("namespace") : "openshell-system"
            #expect(object.namespace == expectedNamespace, "\(object.kind)/\(object.name) in \(object.namespace)")
        }
        // Every binding's subject is the Deployment's ServiceAccount.
        let account = try #require(install.serviceAccount)
        #expect(account.namespace == "openshell-system" && account.name == "openshell-operator")
        for binding in install.objects where binding.kind.hasSuffix("Binding") {
            let subjects = binding.json["subjects"]?.arrayValue ?? []
            #expect(subjects == [["kind": "ServiceAccount", "name": .string(account.name), "namespace": .string(account.namespace)]],
                    "\(binding.kind)/\(binding.name)")
        }
    }

    @Test("`kubectl apply -k manifests/` installs the cluster-wide overlay")
    func defaultIsClusterWide() throws {
        let root = try Kustomize.render("manifests")
        let clusterWide = try Kustomize.render(Kustomize.clusterWide)
        #expect(root == clusterWide)
    }

    @Test("the Deployment: two replicas under leader election, hardened, probed, with resources and an emptyDir at the database path", arguments: overlays)
    func deployment(overlay: String) throws {
        let install = RenderedInstall(objects: try Kustomize.render(overlay))
        let deployment = try #require(install.deployment)
        let pod = try #require(deployment[path: ["spec", "template", "spec"]])
        let container = try #require(install.container)
        #expect(deployment[path: ["spec", "replicas"]] == 2)
        #expect(install.arguments.contains("--leader-elect"))
        #expect(pod[path: ["securityContext", "runAsNonRoot"]] == true)
        #expect(pod[path: ["securityContext", "seccompProfile", "type"]] == "RuntimeDefault")
        #expect(container[path: ["securityContext", "readOnlyRootFilesystem"]] == true)
        #expect(container[path: ["securityContext", "allowPrivilegeEscalation"]] == false)
        #expect(container[path: ["securityContext", "capabilities", "drop"]] == ["ALL"])
        #expect(container[path: ["securityContext", "capabilities", "add"]] == nil)
        #expect(container[path: ["resources", "requests", "cpu"]] != nil && container[path: ["resources", "requests", "memory"]] != nil)
        #expect(container[path: ["resources", "limits", "memory"]] != nil)

        // Probes on the port --health-probe-bind-address serves; metrics on --metrics-bind-address's.
        let ports = Dictionary(uniqueKeysWithValues: (container["ports"]?.arrayValue ?? []).compactMap { port -> (String, Int64)? in
            guard let name = port["name"]?.stringValue, let number = port["containerPort"]?.intValue else { return nil }
            return (name, number)
        })
        let probePort = try #require(install.flag("health-probe-bind-address")?.split(separator: ":").last.flatMap { Int64($0) })
        let metricsPort = try #require(install.flag("metrics-bind-address")?.split(separator: ":").last.flatMap { Int64($0) })
        #expect(ports["probes"] == probePort && ports["metrics"] == metricsPort)
        #expect(container[path: ["livenessProbe", "httpGet", "path"]] == "/healthz")
        #expect(container[path: ["readinessProbe", "httpGet", "path"]] == "/readyz")
        #expect(container[path: ["livenessProbe", "httpGet", "port"]] == "probes")
        #expect(container[path: ["readinessProbe", "httpGet", "port"]] == "probes")

        // The database file's directory is an emptyDir.
        let database = try #require(install.flag("database"))
        let directory = URL(fileURLWithPath: database).deletingLastPathComponent().path
        let mount = try #require(container["volumeMounts"]?.arrayValue?.first { $0["mountPath"]?.stringValue == directory })
        let volume = pod["volumes"]?.arrayValue?.first { $0["name"] == mount["name"] }
        #expect(volume?["emptyDir"] != nil, "the volume at \(directory) is not an emptyDir")

        // The PDB and the metrics Service select the Deployment's pods.
        let labels = deployment[path: ["spec", "template", "metadata", "labels"]]?.objectValue ?? [:]
        let budget = try #require(install.object(kind: "PodDisruptionBudget", name: "openshell-operator"))
        #expect(budget[path: ["spec", "minAvailable"]] == 1)
        #expect(budget[path: ["spec", "selector", "matchLabels"]]?.objectValue?.allSatisfy { labels[$0.key] == $0.value } == true)
        let service = try #require(install.object(kind: "Service", name: "openshell-operator-metrics"))
        #expect(service[path: ["spec", "selector"]]?.objectValue?.allSatisfy { labels[$0.key] == $0.value } == true)
        #expect(service[path: ["spec", "ports"]]?.arrayValue?.first?["targetPort"] == "metrics")
    }

    @Test("every flag the Deployment passes is one `openshell-operator run` accepts; single-namespace watches its RoleBinding's namespace", arguments: overlays)
    func flags(overlay: String) async throws {
        let install = RenderedInstall(objects: try Kustomize.render(overlay))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("manifest-flags-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let help = try ChildProcess(executable: "openshell-operator", arguments: ["run", "--help"], logPath: directory.appendingPathComponent("help").path)
        #expect(await help.waitForExit() == 0)
        #expect(install.arguments.first == "run")
        // The options the help lists: every `--name` word (`--leader-elect/--no-leader-elect` gives both).
        let options = Set(help.output.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "-") }).filter { $0.hasPrefix("--") }.map(String.init))
        #expect(options.contains("--namespace") && options.contains("--leader-elect"), "unexpected help: \(help.output)")
        for argument in install.arguments.dropFirst() {
            let flag = String(argument.prefix { $0 != "=" })
            #expect(options.contains(flag), "\(flag) is not an option of `openshell-operator run`")
        }
        let binding = install.object(kind: "RoleBinding", name: "openshell-operator")
        #expect(install.flag("namespace") == binding?.namespace, "--namespace and the RoleBinding of the namespaced rules disagree")
    }

    @Test("the NetworkPolicy component adds an ingress policy for the operator's metrics port")
    func networkPolicyComponent() throws {
        let install = RenderedInstall(objects: try Kustomize.render(Kustomize.clusterWide, component: "manifests/components/network-policy"))
        let policy = try #require(install.object(kind: "NetworkPolicy", name: "openshell-operator"))
        #expect(policy.namespace == "openshell-system")
        let labels = install.deployment?[path: ["spec", "template", "metadata", "labels"]]?.objectValue ?? [:]
        #expect(policy[path: ["spec", "podSelector", "matchLabels"]]?.objectValue?.allSatisfy { labels[$0.key] == $0.value } == true)
        #expect(policy[path: ["spec", "ingress"]]?.arrayValue?.first?["ports"]?.arrayValue?.first?["port"] == "metrics")
    }

    @Test("the sandbox-only component runs --controllers=sandbox and drops the gateway reconciler's ClusterRoles and bindings",
          arguments: [Kustomize.clusterWide, Kustomize.singleNamespace])
    func sandboxOnlyComponent(overlay: String) throws {
        let full = RenderedInstall(objects: try Kustomize.render(overlay))
        let install = RenderedInstall(objects: try Kustomize.render(overlay, component: Kustomize.sandboxOnly))
        #expect(install.flag("controllers") == "sandbox")
        #expect(install.object(kind: "ClusterRole", name: RBACPermissions.gatewayRole) == nil)
        #expect(install.object(kind: "ClusterRoleBinding", name: RBACPermissions.gatewayRole) == nil)
        let dropped = Set(full.objects.map { "\($0.kind)/\($0.name)" }).subtracting(install.objects.map { "\($0.kind)/\($0.name)" })
        let gatewayRoles = RBACPermissions.gatewayRoles
        #expect(dropped == Set(gatewayRoles.flatMap { ["ClusterRole/\($0)", "ClusterRoleBinding/\($0)"] }))
    }
}
