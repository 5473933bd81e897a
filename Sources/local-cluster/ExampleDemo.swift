//! ExampleDemo: applies the example resources (`examples/*.yaml`) to the
//! local cluster once their kinds are served, follows the sandboxes until
//! every one is Ready — printing each phase change, so a long wait shows
//! progress — and then prints what to try. With `exitWhenReady` it ends the
//! whole run instead (the fresh-clone check uses this).
import Foundation
import KubeCore
import LocalAPIServer
import LocalCluster
import Logging
import OpenShellAPI
import ServiceLifecycle

struct ExampleDemo: Service {
    let cluster: LocalCluster
    let directory: URL
    let exitWhenReady: Bool
    /// How long to wait for every sandbox to be Ready before giving up.
    let timeout: Duration
    let metricsPort: Int
    let probePort: Int

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    func run() async throws {
        let objects = try Self.load(directory)
        let client = InProcessClient(core: cluster.server.core)
        try await apply(objects, with: client)
        say("Applied \(objects.count) example objects from \(directory.path).")
        try await follow(with: client)
        if exitWhenReady { return }
        say("""

            Every example sandbox is Ready and every gateway Available.
            Try:
              export KUBECONFIG=\(cluster.kubeconfigPath.path)
              kubectl get oss -A -o wide
              kubectl describe oss -n demo shell
              kubectl get sandboxes.agents.x-k8s.io,pods -n demo
              kubectl get osgw -n demo
              kubectl patch oss -n demo shell --type merge -p '{"spec":{"suspended":true}}'
              kubectl wait oss -n demo shell --for=jsonpath='{.status.phase}'=Suspended
              kubectl get events -n demo --sort-by=.metadata.creationTimestamp
              curl -s localhost:\(metricsPort)/metrics | grep controller_runtime_reconcile_total
              curl -s localhost:\(probePort)/readyz?verbose

            Press Ctrl-C to stop.

            """)
        // Keep the group running until Ctrl-C.
        try await gracefulShutdown()
    }

    /// Every object of every `*.yaml` file in `directory`, in file-name order.
    static func load(_ directory: URL) throws -> [KubeObject] {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { ["yaml", "yml"].contains($0.pathExtension) }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        return try files.flatMap { file in
            try JSONValue.parseYAMLDocuments(String(contentsOf: file, encoding: .utf8)).compactMap(KubeObject.init)
        }
    }

    /// Creates each object (leaving one that exists as it is), waiting for its kind to be served.
    func apply(_ objects: [KubeObject], with client: InProcessClient) async throws {
        for object in objects {
            let (group, version) = Self.split(object.apiVersion)
            let deadline = ContinuousClock.now + .seconds(30)
            var type = cluster.server.core.registry.type(for: GroupKind(group: group, kind: object.kind))
            while type == nil {
                guard ContinuousClock.now < deadline else {
                    throw Failure(description: "\(object.apiVersion) \(object.kind) is not served; are the CRDs in crds/ installed (--crds crds)?")
                }
                try await Task.sleep(for: .milliseconds(100))
                type = cluster.server.core.registry.type(for: GroupKind(group: group, kind: object.kind))
            }
            guard let type else { continue }
            let resource = GroupVersionResource(group: group, version: version, resource: type.resource)
            let namespace = type.namespaced ? (object.namespace.isEmpty ? "default" : object.namespace) : nil
            if try await client.getIfPresent(resource, namespace: namespace, name: object.name) == nil {
                _ = try await client.create(resource, object)
            }
        }
    }

    /// Prints each sandbox's phase and each gateway's availability as they
    /// change, until every sandbox is Ready and every gateway Available.
    func follow(with client: InProcessClient) async throws {
        var last: [String: String] = [:]
        let deadline = ContinuousClock.now + timeout
        while true {
            let sandboxes = try await client.list(OpenShellAPIGroup.sandboxes)
            let gateways = try await client.list(OpenShellAPIGroup.gateways)
            var states: [String: String] = [:]
            for sandbox in sandboxes {
                let ready = sandbox.conditions[type: "Ready"]
                let phase = sandbox.status?["phase"]?.stringValue ?? "Pending"
                let detail = ready.map { $0.isTrue ? "" : " (\($0.reason): \($0.message))" } ?? ""
                states["sandbox \(sandbox.namespace)/\(sandbox.name)"] = phase + detail
            }
            for gateway in gateways {
                let available = gateway.conditions[type: "Available"]
                states["gateway \(gateway.namespace)/\(gateway.name)"] = available.map {
                    $0.isTrue ? "Available" : "not available (\($0.reason): \($0.message))"
                } ?? "Pending"
            }
            for (name, state) in states.sorted(by: { $0.key < $1.key }) where last[name] != state {
                say("  \(name): \(state)")
            }
            last = states
            let waiting = sandboxes.filter { $0.conditions[type: "Ready"]?.isTrue != true }.count
                + gateways.filter { $0.conditions[type: "Available"]?.isTrue != true }.count
            if !sandboxes.isEmpty, waiting == 0 { return }
            guard ContinuousClock.now < deadline else {
                throw Failure(description: "\(waiting) example sandboxes and gateways are not Ready or Available after \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    static func split(_ apiVersion: String) -> (group: String, version: String) {
        let parts = apiVersion.split(separator: "/", maxSplits: 1).map(String.init)
        return parts.count == 2 ? (parts[0], parts[1]) : ("", apiVersion)
    }

    /// Written straight to the file descriptor, so it shows at once even when stdout is a pipe.
    private func say(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}
