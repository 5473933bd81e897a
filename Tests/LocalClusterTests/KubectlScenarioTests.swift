//! The kubectl scenario suite: the real `kubectl` against the embedded local
//! cluster, judging the API server's surface the way users meet it.
import Foundation
import KubeCore
import Testing

let webDeployment = """
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      labels: {app: web}
    spec:
      replicas: 2
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers:
          - name: nginx
            image: nginx:1.27
            ports: [{containerPort: 80}]
    """

let gadgetCRD = """
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata: {name: gadgets.example.com}
    spec:
      group: example.com
      scope: Namespaced
      names: {plural: gadgets, singular: gadget, kind: Gadget, shortNames: [gd]}
      versions:
      - name: v1
        served: true
        storage: true
        subresources: {status: {}}
        additionalPrinterColumns:
        - {name: Size, type: integer, jsonPath: .spec.size}
        - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
        schema:
          openAPIV3Schema:
            type: object
            properties:
              spec:
                type: object
                description: What the gadget should be.
                properties:
                  size: {type: integer, description: How big the gadget is.}
    """

@Suite("kubectl scenarios", .enabled(if: kubectlPath != nil, "kubectl is not installed"), .serialized)
struct KubectlScenarioTests {
    @Test("apply -f creates, a repeated apply changes nothing, and api-resources lists the kinds")
    func applyAndAPIResources() async throws {
        try await KubectlCluster.with { k in
            let created = try await k.ok("apply", "-f", "-", stdin: webDeployment)
            #expect(created.contains("deployment.apps/web created"))
            let again = try await k.ok("apply", "-f", "-", stdin: webDeployment)
            #expect(again.contains("deployment.apps/web unchanged"))
            let resources = try await k.ok("api-resources")
            for line in ["deployments", "sandboxes", "customresourcedefinitions", "leases"] {
                #expect(resources.contains(line), "api-resources lacks \(line)")
            }
        }
    }

    @Test("get prints server-side columns and -o json|yaml|jsonpath")
    func getOutputs() async throws {
        try await KubectlCluster.with { k in
            try await k.ok("apply", "-f", "-", stdin: webDeployment)
            try await k.eventually("get", "deployment", "web") { $0.contains("2/2") }
            let table = try await k.ok("get", "deployment", "web")
            #expect(table.hasPrefix("NAME   READY   UP-TO-DATE   AVAILABLE   AGE"))
            let json = try JSONValue.parse(try await k.ok("get", "deployment", "web", "-o", "json"))
            #expect(json["spec"]?["replicas"] == 2)
            let yaml = try await k.ok("get", "deployment", "web", "-o", "yaml")
            #expect(yaml.contains("kind: Deployment") && yaml.contains("replicas: 2"))
            let path = try await k.ok("get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}")
            #expect(path == "nginx:1.27")
            try await k.ok("apply", "-f", "-", stdin: gadgetCRD)
            try await k.ok("wait", "--for=condition=Established", "crd/gadgets.example.com", "--timeout=10s")
            try await k.ok("apply", "-f", "-", stdin: "apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g1}\nspec: {size: 7}\n")
            let gadgets = try await k.ok("get", "gd")
            #expect(gadgets.hasPrefix("NAME   SIZE   AGE"))
            #expect(gadgets.contains("g1     7"))
        }
    }

    @Test("get -w prints the changes it watches")
    func getWatch() async throws {
        try await KubectlCluster.with { k in
            try await k.ok("create", "-f", "-", stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched}\ndata: {a: '1'}\n")
            let output = try await k.streaming(["get", "configmap", "watched", "-w", "--output-watch-events"], for: .seconds(3)) {
                try await k.ok("patch", "configmap", "watched", "--type", "merge", "-p", #"{"data":{"b":"2"}}"#)
            }
            #expect(output.contains("ADDED"))
            #expect(output.contains("MODIFIED"))
        }
    }

    @Test("patch (merge and json), label and annotate change the object")
    func patchLabelAnnotate() async throws {
        try await KubectlCluster.with { k in
            try await k.ok("create", "-f", "-", stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: edited}\ndata: {mode: fast}\n")
            try await k.ok("patch", "configmap", "edited", "--type", "merge", "-p", #"{"data":{"mode":"slow"}}"#)
            try await k.ok("patch", "configmap", "edited", "--type", "json", "-p", #"[{"op":"add","path":"/data/extra","value":"x"}]"#)
            try await k.ok("label", "configmap", "edited", "tier=gold")
            try await k.ok("annotate", "configmap", "edited", "note=hello")
            let object = try JSONValue.parse(try await k.ok("get", "configmap", "edited", "-o", "json"))
            #expect(object["data"] == ["mode": "slow", "extra": "x"])
            #expect(object[path: ["metadata", "labels", "tier"]] == "gold")
            #expect(object[path: ["metadata", "annotations", "note"]] == "hello")
            let selected = try await k.ok("get", "configmaps", "-l", "tier=gold", "-o", "name")
            #expect(selected.trimmingCharacters(in: .whitespacesAndNewlines) == "configmap/edited")
            let failed = try await k.kubectl("patch", "configmap", "edited", "--type", "json", "-p", #"[{"op":"test","path":"/data/mode","value":"fast"}]"#)
            #expect(failed.status != 0)
        }
    }

    @Test("wait --for=condition and --for=delete")
    func waitFor() async throws {
        try await KubectlCluster.with { k in
            try await k.ok("apply", "-f", "-", stdin: webDeployment)
            let available = try await k.ok("wait", "--for=condition=Available", "deployment/web", "--timeout=20s")
            #expect(available.contains("condition met"))
            try await k.ok("create", "-f", "-", stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: doomed}\n")
            async let waited = k.kubectl("wait", "--for=delete", "configmap/doomed", "--timeout=20s")
            try await Task.sleep(for: .milliseconds(500))
            try await k.ok("delete", "configmap", "doomed", "--wait=false")
            let result = try await waited
            #expect(result.status == 0, "wait --for=delete failed: \(result.stderr)")
        }
    }

    @Test("delete cascades in background, foreground and orphan mode")
    func deleteCascade() async throws {
        try await KubectlCluster.with { k in
            for (mode, podsSurvive) in [("background", false), ("foreground", false), ("orphan", true)] {
                try await k.ok("apply", "-f", "-", stdin: webDeployment)
                try await k.ok("wait", "--for=condition=Available", "deployment/web", "--timeout=20s")
                try await k.ok("delete", "deployment", "web", "--cascade=\(mode)")
                if podsSurvive {
                    try await k.eventually("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.ownerReferences}") { $0.isEmpty }
                    let names = try await k.ok("get", "pods", "-l", "app=web", "-o", "name")
                    #expect(names.split(separator: "\n").count == 2, "orphaned pods should remain")
                    try await k.ok("delete", "pods", "-l", "app=web", "--wait=true")
                } else {
                    try await k.eventually("get", "pods", "-l", "app=web", "-o", "name") { $0.isEmpty }
                }
                try await k.eventually("get", "deployments", "-o", "name") { $0.isEmpty }
            }
        }
    }

    @Test("describe shows Events, and get events filters by field selector")
    func describeAndEvents() async throws {
        try await KubectlCluster.with { k in
            let cm = try await k.ok("create", "-f", "-", "-o", "jsonpath={.metadata.uid}",
                                    stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: observed}\n")
            let event = """
                apiVersion: events.k8s.io/v1
                kind: Event
                metadata: {name: observed.1, namespace: default}
                eventTime: "2026-11-29T01:00:00.000000Z"
                reportingController: example.com/scenario
                reportingInstance: scenario-1
                action: Testing
                reason: ScenarioRan
                type: Normal
                note: the scenario looked at this object
                regarding: {apiVersion: v1, kind: ConfigMap, name: observed, namespace: default, uid: \(cm)}
                """
            try await k.ok("create", "-f", "-", stdin: event)
            let described = try await k.ok("describe", "configmap", "observed")
            #expect(described.contains("Events:"))
            #expect(described.contains("ScenarioRan"))
            #expect(described.contains("the scenario looked at this object"))
            let events = try await k.ok("get", "events", "--field-selector", "involvedObject.name=observed,reason=ScenarioRan")
            #expect(events.contains("configmap/observed"))
            let none = try await k.ok("get", "events", "--field-selector", "involvedObject.name=someone-else")
            #expect(!none.contains("ScenarioRan"))
        }
    }
    @Test("explain describes a custom resource's fields from the CRD schema")
    func explain() async throws {
        try await KubectlCluster.with { k in
            try await k.ok("apply", "-f", "-", stdin: gadgetCRD)
            try await k.ok("wait", "--for=condition=Established", "crd/gadgets.example.com", "--timeout=10s")
            let spec = try await k.ok("explain", "gadgets.spec")
            #expect(spec.contains("What the gadget should be."))
            #expect(spec.contains("size"))
            let size = try await k.ok("explain", "gadgets.spec.size")
            #expect(size.contains("How big the gadget is."))
            #expect(size.contains("<integer>"))
        }
    }

    @Test("apply -k applies a kustomization")
    func applyKustomization() async throws {
        try await KubectlCluster.with { k in
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kustomize-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            try Data(webDeployment.utf8).write(to: dir.appendingPathComponent("deployment.yaml"))
            try Data("""
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                namespace: kustomized
                commonLabels: {team: platform}
                resources: [namespace.yaml, deployment.yaml]
                configMapGenerator:
                - name: settings
                  literals: [mode=fast]
                """.utf8).write(to: dir.appendingPathComponent("kustomization.yaml"))
            try Data("apiVersion: v1\nkind: Namespace\nmetadata: {name: kustomized}\n".utf8)
                .write(to: dir.appendingPathComponent("namespace.yaml"))
            let applied = try await k.ok("apply", "-k", dir.path)
            #expect(applied.contains("namespace/kustomized created"))
            #expect(applied.contains("deployment.apps/web created"))
            let labels = try await k.ok("get", "deployment", "web", "-n", "kustomized", "-o", "jsonpath={.metadata.labels.team}")
            #expect(labels == "platform")
            let generated = try await k.ok("get", "configmaps", "-n", "kustomized", "-o", "name")
            #expect(generated.contains("configmap/settings-"))
        }
    }
}
