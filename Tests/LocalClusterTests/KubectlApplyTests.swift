//! The real kubectl's apply paths against the local cluster: client-side
//! `apply -f` (three-way strategic merge patches with the last-applied
//! annotation) repeated, after an edit and after removing fields; server-side
//! `apply --server-side` with conflicts and `--force-conflicts`; and
//! `patch --type strategic` — for Deployments, Services, ConfigMaps and a
//! custom resource with a list-map. They extend the kubectl scenario suite.
import Foundation
import KubeCore
import Testing

private let appDeployment = """
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: app
      labels: {app: app, tier: web}
    spec:
      replicas: 2
      selector: {matchLabels: {app: app}}
      template:
        metadata: {labels: {app: app}}
        spec:
          containers:
          - name: main
            image: nginx:1.27
            env:
            - {name: A, value: "1"}
            ports:
            - {containerPort: 80}
    """

/// The edit: another env var and port on the container, and a sidecar.
private let appDeploymentEdited = """
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: app
      labels: {app: app, tier: web}
    spec:
      replicas: 3
      selector: {matchLabels: {app: app}}
      template:
        metadata: {labels: {app: app}}
        spec:
          containers:
          - name: main
            image: nginx:1.27
            env:
            - {name: A, value: "1"}
            - {name: B, value: "2"}
            ports:
            - {containerPort: 80}
            - {containerPort: 443}
          - name: sidecar
            image: busybox:1.36
    """

/// Fields removed again: the tier label, env B, port 443 and the sidecar.
private let appDeploymentTrimmed = """
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: app
      labels: {app: app}
    spec:
      replicas: 3
      selector: {matchLabels: {app: app}}
      template:
        metadata: {labels: {app: app}}
        spec:
          containers:
          - name: main
            image: nginx:1.27
            env:
            - {name: A, value: "1"}
            ports:
            - {containerPort: 80}
    """

private func service(port: Int, target: Int, extraPort: Bool = false) -> String {
    """
    apiVersion: v1
    kind: Service
    metadata: {name: app}
    spec:
      selector: {app: app}
      ports:
      - {name: http, port: \(port), targetPort: \(target)}
    \(extraPort ? "  - {name: https, port: 443, targetPort: 8443}" : "")
    """
}

private func configMapManifest(_ data: [String: String]) -> String {
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata:\n"
        + data.keys.sorted().map { "  \($0): \"\(data[$0] ?? "")\"" }.joined(separator: "\n") + "\n"
}

private let widgetCRD = """
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata: {name: routers.example.com}
    spec:
      group: example.com
      scope: Namespaced
      names: {plural: routers, singular: router, kind: Router}
      versions:
      - name: v1
        served: true
        storage: true
        schema:
          openAPIV3Schema:
            type: object
            properties:
              spec:
                type: object
                properties:
                  size: {type: integer}
                  routes:
                    type: array
                    x-kubernetes-list-type: map
                    x-kubernetes-list-map-keys: [name]
                    items:
                      type: object
                      required: [name]
                      properties:
                        name: {type: string}
                        port: {type: integer}
    """

private func router(_ routes: [(String, Int)], size: Int = 1) -> String {
    "apiVersion: example.com/v1\nkind: Router\nmetadata: {name: r1}\nspec:\n  size: \(size)\n  routes:\n"
        + routes.map { "  - {name: \($0.0), port: \($0.1)}" }.joined(separator: "\n") + "\n"
}

/// Part of the kubectl scenario suite (enabled only with kubectl, serialized), so
/// no two embedded clusters run at once.
extension KubectlScenarioTests {
    @Test("client-side apply: unchanged, configured after an edit (lists merged by key), fields removed")
    func clientSideDeployment() async throws {
        try await KubectlCluster.with { k in
            #expect(try await k.ok("apply", "-f", "-", stdin: appDeployment).contains("deployment.apps/app created"))
            #expect(try await k.ok("apply", "-f", "-", stdin: appDeployment).contains("deployment.apps/app unchanged"))
            // Something else adds an env var the manifest does not mention; apply keeps it.
            try await k.ok("patch", "deployment", "app", "--type", "strategic",
                           "-p", #"{"spec":{"template":{"spec":{"containers":[{"name":"main","env":[{"name":"EXTRA","value":"x"}]}]}}}}"#)

            #expect(try await k.ok("apply", "-f", "-", stdin: appDeploymentEdited).contains("deployment.apps/app configured"))
            let edited = try JSONValue.parse(try await k.ok("get", "deployment", "app", "-o", "json"))
            #expect(edited[path: ["spec", "replicas"]] == 3)
            let containers = edited[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []
            #expect(containers.map { $0["name"] } == ["main", "sidecar"])
            let env = containers.first?["env"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(Set(env) == ["A", "B", "EXTRA"])
            #expect(containers.first?["ports"]?.arrayValue?.compactMap { $0["containerPort"]?.intValue } == [80, 443])

            #expect(try await k.ok("apply", "-f", "-", stdin: appDeploymentTrimmed).contains("deployment.apps/app configured"))
            let trimmed = try JSONValue.parse(try await k.ok("get", "deployment", "app", "-o", "json"))
            #expect(trimmed[path: ["metadata", "labels"]] == ["app": "app"])
            let left = trimmed[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []
            #expect(left.map { $0["name"] } == ["main"])
            #expect(Set(left.first?["env"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []) == ["A", "EXTRA"])
            #expect(left.first?["ports"]?.arrayValue?.compactMap { $0["containerPort"]?.intValue } == [80])
            // With an env var it does not manage, kubectl's three-way patch re-sends the list order
            // (so it says "configured", as against kube-apiserver), and nothing changes.
            #expect(try await k.ok("apply", "-f", "-", stdin: appDeploymentTrimmed).contains("deployment.apps/app configured"))
            let again = try JSONValue.parse(try await k.ok("get", "deployment", "app", "-o", "json"))
            #expect(again[path: ["metadata", "generation"]] == trimmed[path: ["metadata", "generation"]])
            #expect(again[path: ["spec", "template"]] == trimmed[path: ["spec", "template"]])

            // managedFields name kubectl's client-side apply and patch managers.
            let fields = try JSONValue.parse(try await k.ok("get", "deployment", "app", "-o", "json", "--show-managed-fields"))
            let managers = fields[path: ["metadata", "managedFields"]]?.arrayValue?.compactMap { $0["manager"]?.stringValue } ?? []
            #expect(managers.contains("kubectl-client-side-apply"))
            #expect(managers.contains("kubectl-patch"))
        }
    }

    @Test("client-side apply of a Service and a ConfigMap: ports merged by port, data keys removed")
    func clientSideServiceAndConfigMap() async throws {
        try await KubectlCluster.with { k in
            #expect(try await k.ok("apply", "-f", "-", stdin: service(port: 80, target: 8080)).contains("service/app created"))
            #expect(try await k.ok("apply", "-f", "-", stdin: service(port: 80, target: 8080)).contains("service/app unchanged"))
            #expect(try await k.ok("apply", "-f", "-", stdin: service(port: 80, target: 9090, extraPort: true)).contains("service/app configured"))
            let svc = try JSONValue.parse(try await k.ok("get", "service", "app", "-o", "json"))
            let ports = svc[path: ["spec", "ports"]]?.arrayValue ?? []
            #expect(ports.compactMap { $0["port"]?.intValue } == [80, 443])
            #expect(ports.first?["targetPort"] == 9090)
            #expect(svc[path: ["spec", "clusterIP"]]?.stringValue?.isEmpty == false)
            #expect(try await k.ok("apply", "-f", "-", stdin: service(port: 80, target: 9090)).contains("service/app configured"))
            let one = try JSONValue.parse(try await k.ok("get", "service", "app", "-o", "json"))
            #expect(one[path: ["spec", "ports"]]?.arrayValue?.count == 1)

            #expect(try await k.ok("apply", "-f", "-", stdin: configMapManifest(["a": "1", "b": "2"])).contains("configmap/settings created"))
            #expect(try await k.ok("apply", "-f", "-", stdin: configMapManifest(["a": "1", "b": "2"])).contains("configmap/settings unchanged"))
            #expect(try await k.ok("apply", "-f", "-", stdin: configMapManifest(["a": "1"])).contains("configmap/settings configured"))
            let cm = try JSONValue.parse(try await k.ok("get", "configmap", "settings", "-o", "json"))
            #expect(cm["data"] == ["a": "1"])

            // Moving from client-side to server-side apply takes the fields over without conflicts
            // and keeps the last-applied annotation in step.
            #expect(try await k.ok("apply", "--server-side", "-f", "-", stdin: configMapManifest(["a": "9"]))
                .contains("configmap/settings serverside-applied"))
            let upgraded = try JSONValue.parse(try await k.ok("get", "configmap", "settings", "-o", "json"))
            #expect(upgraded["data"] == ["a": "9"])
            let annotation = upgraded[path: ["metadata", "annotations", "kubectl.kubernetes.io/last-applied-configuration"]]?.stringValue ?? ""
            #expect(try JSONValue.parse(annotation)[path: ["data", "a"]] == "9")
        }
    }

    @Test("server-side apply: create, unchanged re-apply, conflict with another manager, --force-conflicts")
    func serverSide() async throws {
        try await KubectlCluster.with { k in
            #expect(try await k.ok("apply", "--server-side", "-f", "-", stdin: appDeployment).contains("deployment.apps/app serverside-applied"))
            let first = try JSONValue.parse(try await k.ok("get", "deployment", "app", "-o", "json", "--show-managed-fields"))
            #expect(try await k.ok("apply", "--server-side", "-f", "-", stdin: appDeployment).contains("deployment.apps/app serverside-applied"))
            // The simulated controllers update status meanwhile, so compare generation and the Apply entry.
            let second = try JSONValue.parse(try await k.ok("get", "deployment", "app", "-o", "json", "--show-managed-fields"))
            #expect(second[path: ["metadata", "generation"]] == first[path: ["metadata", "generation"]])
            let entry = { (object: JSONValue) in object[path: ["metadata", "managedFields"]]?.arrayValue?.first { $0["manager"] == "kubectl" } }
            #expect(entry(second)?["operation"] == "Apply")
            #expect(entry(second)?[path: ["fieldsV1", "f:spec", "f:replicas"]] == [:])
            #expect(entry(second) == entry(first))

            // Another manager changes replicas; kubectl's next apply conflicts with it.
            try await k.ok("patch", "deployment", "app", "--type", "merge", "-p", #"{"spec":{"replicas":4}}"#)
            let conflict = try await k.kubectl("apply", "--server-side", "-f", "-", stdin: appDeployment)
            #expect(conflict.status != 0)
            #expect(conflict.stderr.contains("Apply failed with 1 conflict: conflict with \"kubectl-patch\" using apps/v1: .spec.replicas"))

            let other = try await k.kubectl("apply", "--server-side", "--field-manager", "other", "-f", "-",
                                             stdin: appDeployment.replacingOccurrences(of: "replicas: 2", with: "replicas: 3"))
            #expect(other.stderr.contains("conflict with \"kubectl-patch\" using apps/v1: .spec.replicas"))

            #expect(try await k.ok("apply", "--server-side", "--force-conflicts", "-f", "-", stdin: appDeployment)
                .contains("deployment.apps/app serverside-applied"))
            #expect(try await k.ok("get", "deployment", "app", "-o", "jsonpath={.spec.replicas}") == "2")
        }
    }

    @Test("patch --type strategic merges containers by name and deletes with $patch")
    func strategicPatch() async throws {
        try await KubectlCluster.with { k in
            try await k.ok("apply", "-f", "-", stdin: appDeploymentEdited)
            try await k.ok("patch", "deployment", "app", "--type", "strategic",
                           "-p", #"{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.37"}]}}}}"#)
            let patched = try JSONValue.parse(try await k.ok("get", "deployment", "app", "-o", "json"))
            let containers = patched[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []
            #expect(containers.map { $0["name"] } == ["main", "sidecar"])
            #expect(containers.last?["image"] == "busybox:1.37")
            #expect(containers.first?["image"] == "nginx:1.27")
            try await k.ok("patch", "deployment", "app", "--type", "strategic",
                           "-p", #"{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}"#)
            let names = try await k.ok("get", "deployment", "app", "-o", "jsonpath={.spec.template.spec.containers[*].name}")
            #expect(names == "main")
        }
    }

    @Test("a custom resource with a list-map: client-side and server-side apply by two managers")
    func customResource() async throws {
        try await KubectlCluster.with { k in
            try await k.ok("apply", "-f", "-", stdin: widgetCRD)
            try await k.ok("wait", "--for=condition=Established", "crd/routers.example.com", "--timeout=10s")
            #expect(try await k.ok("apply", "-f", "-", stdin: router([("web", 80)])).contains("router.example.com/r1 created"))
            #expect(try await k.ok("apply", "-f", "-", stdin: router([("web", 80)])).contains("router.example.com/r1 unchanged"))
            #expect(try await k.ok("apply", "-f", "-", stdin: router([("web", 80), ("api", 81)])).contains("router.example.com/r1 configured"))
            try await k.ok("delete", "router", "r1")

            try await k.ok("apply", "--server-side", "-f", "-", stdin: router([("web", 80)]))
            try await k.ok("apply", "--server-side", "--field-manager", "second", "-f", "-",
                           stdin: "apiVersion: example.com/v1\nkind: Router\nmetadata: {name: r1}\nspec:\n  routes:\n  - {name: metrics, port: 9090}\n")
            let merged = try JSONValue.parse(try await k.ok("get", "router", "r1", "-o", "json"))
            #expect(merged[path: ["spec", "routes"]]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["web", "metrics"])
            let conflict = try await k.kubectl("apply", "--server-side", "--field-manager", "second", "-f", "-",
                                                stdin: "apiVersion: example.com/v1\nkind: Router\nmetadata: {name: r1}\nspec:\n  size: 7\n")
            #expect(conflict.stderr.contains("Apply failed with 1 conflict: conflict with \"kubectl\": .spec.size"))
            #expect(try await k.ok("apply", "--server-side", "--force-conflicts", "--field-manager", "second", "-f", "-",
                                   stdin: "apiVersion: example.com/v1\nkind: Router\nmetadata: {name: r1}\nspec:\n  size: 7\n")
                .contains("router.example.com/r1 serverside-applied"))
            // The second manager dropped its route: it goes; kubectl's stays.
            let after = try JSONValue.parse(try await k.ok("get", "router", "r1", "-o", "json"))
            #expect(after[path: ["spec", "size"]] == 7)
            #expect(after[path: ["spec", "routes"]]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["web"])
        }
    }
}
