//! The Agent Sandbox controller against the contract: Ready status, Service
//! modes, suspend and resume, expiry, foreign children, MultiplePods, pod
//! failure — with the project's CRD and, when present, the upstream one.
import ClusterSimulators
import Foundation
import KubeCore
import LocalAPIServer
import Testing

let upstreamSandboxCRDPath = "/work/shared/upstream/agent-sandbox/crds/agents.x-k8s.io_sandboxes.yaml"

/// The upstream CRD file, parsed.
func upstreamSandboxCRD() throws -> KubeObject {
    let text = try String(contentsOfFile: upstreamSandboxCRDPath, encoding: .utf8)
    let documents = try JSONValue.parseYAMLDocuments(text)
    guard let crd = documents.compactMap(KubeObject.init).first(where: { $0.kind == "CustomResourceDefinition" }) else {
        throw TimedOut(what: "a CRD in \(upstreamSandboxCRDPath)")
    }
    return crd
}

func sandbox(_ name: String, service: Bool? = nil, restartPolicy: String? = nil, spec extra: JSONObject = [:],
             labels: JSONObject = ["app": "agent"], annotations: JSONObject = [:]) -> KubeObject {
    var template: JSONObject = ["spec": podSpec(restartPolicy: restartPolicy, ports: [8888])]
    var metadata: JSONObject = [:]
    if !labels.isEmpty { metadata["labels"] = .object(labels) }
    if !annotations.isEmpty { metadata["annotations"] = .object(annotations) }
    if !metadata.isEmpty { template["metadata"] = .object(metadata) }
    var spec: JSONObject = ["podTemplate": .object(template)]
    if let service { spec["service"] = .bool(service) }
    for (key, value) in extra { spec[key] = value }
    return object("agents.x-k8s.io/v1beta1", "Sandbox", name, ["spec": .object(spec)])
}

/// A condition without its lastTransitionTime, for comparison.
struct ConditionSummary: Equatable, CustomStringConvertible {
    var type: String
    var status: String
    var reason: String
    var message: String
    var observedGeneration: Int64?

    init(_ type: String, _ status: String, _ reason: String, _ message: String, _ observedGeneration: Int64? = 1) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.observedGeneration = observedGeneration
    }

    init(_ condition: Condition) {
        self.init(condition.type, condition.status, condition.reason, condition.message, condition.observedGeneration)
    }

    var description: String { "\(type)=\(status)/\(reason): \(message) (gen \(observedGeneration ?? 0))" }
}

func summaries(_ object: KubeObject) -> [ConditionSummary] { object.conditions.map(ConditionSummary.init) }

func readyReason(_ object: KubeObject) -> String? { object.conditions[type: "Ready"]?.reason }

enum SandboxCRDSource: String, CaseIterable, Sendable {
    case project, upstream

    var crd: KubeObject {
        get throws {
            switch self {
            case .project: return AgentSandboxCRD.definition
            case .upstream: return try upstreamSandboxCRD()
            }
        }
    }
}

@Suite("Agent Sandbox controller")
struct AgentSandboxTests {
    static var crd: [KubeObject] { [AgentSandboxCRD.definition] }

    func runReadyScenario(_ source: SandboxCRDSource) async throws {
        let crd = try source.crd
        try await TestCluster.with(crds: [crd]) { cluster in
            let vct: JSONValue = [[
                "metadata": ["name": "data", "labels": ["tier": "storage"]],
                "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Gi"]]],
            ]]
            let created = try await cluster.client.create(AgentSandbox.resource, sandbox(
                "my-sandbox", service: true, spec: ["volumeClaimTemplates": vct],
                labels: ["app": "agent", "agents.x-k8s.io/sandbox-name-hash": "hijack"],
                annotations: ["note": "hi", "agents.x-k8s.io/pod-name": "other"]))
            #expect(created.spec?["operatingMode"]?.stringValue == "Running")
            #expect(created.spec?["shutdownPolicy"]?.stringValue == "Retain")

            let ready = try await cluster.waitFor(AgentSandbox.resource, "my-sandbox", "Ready") { readyReason($0) == "DependenciesReady" }
            let hash = AgentSandbox.nameHash("my-sandbox")
            #expect(hash == "374de8f5")
            #expect(summaries(ready) == [
                ConditionSummary("Suspended", "False", "NotSuspended", "Sandbox is not suspended"),
                ConditionSummary("PodScheduled", "True", "PodScheduled", ""),
                ConditionSummary("Ready", "True", "DependenciesReady", "Pod is Ready; Service Exists"),
            ])
            let status = try #require(ready.status)
            #expect(status["service"]?.stringValue == "my-sandbox")
            #expect(status["serviceFQDN"]?.stringValue == "my-sandbox.test.svc.cluster.local")
            #expect(status["selector"]?.stringValue == "agents.x-k8s.io/sandbox-name-hash=\(hash)")
            #expect(status["nodeName"]?.stringValue == "local-node")
            #expect(status["podIPs"]?.arrayValue?.count == 1)
            #expect(ready.annotations[AgentSandbox.podNameAnnotation] == "my-sandbox")

            let owner = OwnerReference(apiVersion: "agents.x-k8s.io/v1beta1", kind: "Sandbox", name: "my-sandbox", uid: ready.uid,
                                       controller: true, blockOwnerDeletion: true)
            let pod = try #require(try await cluster.get(.pods, "my-sandbox"))
            #expect(pod.ownerReferences == [owner])
            #expect(pod.labels == ["app": "agent", AgentSandbox.nameHashLabel: hash])
            #expect(pod.annotations == ["note": "hi", AgentSandbox.propagatedLabelsAnnotation: "app",
                                        AgentSandbox.propagatedAnnotationsAnnotation: "note"])
            let volume = pod.spec?["volumes"]?.arrayValue?.first { $0["name"]?.stringValue == "data" }
            #expect(volume?["persistentVolumeClaim"]?["claimName"]?.stringValue == "data-my-sandbox")
            #expect(status["podIPs"]?.arrayValue?.first == pod.status?["podIPs"]?.arrayValue?.first?["ip"])

            let service = try #require(try await cluster.get(.services, "my-sandbox"))
            #expect(service.ownerReferences == [owner])
            #expect(service.spec?["clusterIP"]?.stringValue == "None")
            #expect(service.spec?["selector"] == [AgentSandbox.nameHashLabel: .string(hash)])
            #expect(service.spec?["ports"]?.arrayValue?.first?["name"]?.stringValue == "p-8888-tcp")
            #expect(service.spec?["ports"]?.arrayValue?.first?["targetPort"]?.intValue == 8888)

            let claim = try await cluster.waitFor(.persistentVolumeClaims, "data-my-sandbox", "bound") { $0.status?["phase"]?.stringValue == "Bound" }
            #expect(claim.ownerReferences == [owner])
            #expect(claim.labels == ["tier": "storage", AgentSandbox.nameHashLabel: hash])
        }
    }

    @Test("create → Ready with the contract's status, children and ownership (project CRD)")
    func readyWithProjectCRD() async throws {
        try await runReadyScenario(.project)
    }

    @Test("create → Ready with the upstream v1beta1 CRD", .enabled(if: FileManager.default.fileExists(atPath: upstreamSandboxCRDPath)))
    func readyWithUpstreamCRD() async throws {
        try await runReadyScenario(.upstream)
    }

    @Test("the project CRD is structurally valid and established", .enabled(if: true))
    func projectCRDEstablished() async throws {
        try await TestCluster.with(crds: Self.crd) { cluster in
            let crd = try await cluster.client.get(.customResourceDefinitions, name: "sandboxes.agents.x-k8s.io")
            #expect(crd.conditions[type: "Established"]?.isTrue == true)
            let version = crd.spec?["versions"]?.arrayValue?.first
            #expect(version?["additionalPrinterColumns"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["Ready", "Reason", "Age"])
            let rules = version?[path: ["schema", "openAPIV3Schema", "properties", "spec", "x-kubernetes-validations"]]?.arrayValue
            #expect(rules?.first?["message"]?.stringValue == "volumeClaimTemplates is immutable")
            // Enum validation of the schema.
            await #expect(throws: APIError.self) {
                try await cluster.client.create(AgentSandbox.resource, sandbox("bad", spec: ["operatingMode": "Paused"]))
            }
        }
    }

    struct ServiceCase: Sendable, CustomTestStringConvertible {
        var service: Bool?
        var preexisting: Bool
        var expectService: Bool
        var readyMessage: String
        var testDescription: String { "service \(service.map(String.init) ?? "unset"), pre-existing owned service: \(preexisting)" }
    }

    @Test("spec.service true creates, false deletes, unset keeps only an owned Service", arguments: [
        ServiceCase(service: true, preexisting: false, expectService: true, readyMessage: "Pod is Ready; Service Exists"),
        ServiceCase(service: nil, preexisting: false, expectService: false, readyMessage: "Pod is Ready"),
        ServiceCase(service: nil, preexisting: true, expectService: true, readyMessage: "Pod is Ready; Service Exists"),
        ServiceCase(service: false, preexisting: true, expectService: false, readyMessage: "Pod is Ready"),
    ])
    func serviceModes(_ c: ServiceCase) async throws {
        try await TestCluster.with(crds: Self.crd) { cluster in
            if c.preexisting {
                try await cluster.client.create(AgentSandbox.resource, sandbox("sbx", service: true))
                try await cluster.waitFor(AgentSandbox.resource, "sbx", "Ready with service") { readyReason($0) == "DependenciesReady" }
                if let wanted = c.service {
                    try await cluster.client.patch(AgentSandbox.resource, namespace: "test", name: "sbx", merge: ["spec": ["service": .bool(wanted)]])
                } else {
                    try await cluster.client.patch(AgentSandbox.resource, namespace: "test", name: "sbx", merge: ["spec": ["service": nil]])
                }
            } else {
                try await cluster.client.create(AgentSandbox.resource, sandbox("sbx", service: c.service))
            }
            let ready = try await cluster.waitFor(AgentSandbox.resource, "sbx", "Ready: \(c.readyMessage)") {
                $0.conditions[type: "Ready"]?.message == c.readyMessage && $0.conditions[type: "Ready"]?.observedGeneration == $0.generation
            }
            #expect(ready.conditions[type: "Ready"]?.isTrue == true)
            if c.expectService {
                #expect(try await cluster.get(.services, "sbx") != nil)
                #expect(ready.status?["serviceFQDN"]?.stringValue == "sbx.test.svc.cluster.local")
            } else {
                try await cluster.waitGone(.services, "sbx")
                #expect(ready.status?["service"] == nil)
                #expect(ready.status?["serviceFQDN"] == nil)
            }
        }
    }

    @Test("suspend deletes the Pod (PodTerminating, then PodTerminated) and resume recreates it")
    func suspendAndResume() async throws {
        try await TestCluster.with(crds: Self.crd) { cluster in
            let vct: JSONValue = [["metadata": ["name": "data"], "spec": ["accessModes": ["ReadWriteOnce"]]]]
            try await cluster.client.create(AgentSandbox.resource, sandbox("sbx", service: true, spec: ["volumeClaimTemplates": vct]))
            try await cluster.waitFor(AgentSandbox.resource, "sbx", "Ready") { readyReason($0) == "DependenciesReady" }
            let firstPod = try #require(try await cluster.get(.pods, "sbx"))

            cluster.faults.pause(controller: SimulatedController.kubelet.rawValue)
            try await cluster.client.patch(AgentSandbox.resource, namespace: "test", name: "sbx", merge: ["spec": ["operatingMode": "Suspended"]])
            let suspending = try await cluster.waitFor(AgentSandbox.resource, "sbx", "suspending") {
                $0.conditions[type: "Suspended"]?.reason == "PodTerminating"
            }
            #expect(ConditionSummary(try #require(suspending.conditions[type: "Suspended"]))
                == ConditionSummary("Suspended", "False", "PodTerminating", "Pod is terminating. Sandbox is suspending", 2))
            #expect(ConditionSummary(try #require(suspending.conditions[type: "Ready"]))
                == ConditionSummary("Ready", "False", "SandboxSuspended", "Sandbox is suspending", 2))
            #expect(try await cluster.get(.pods, "sbx")?.isBeingDeleted == true)

            cluster.faults.resume(controller: SimulatedController.kubelet.rawValue)
            let suspended = try await cluster.waitFor(AgentSandbox.resource, "sbx", "suspended") {
                $0.conditions[type: "Suspended"]?.reason == "PodTerminated"
            }
            #expect(summaries(suspended) == [
                ConditionSummary("Suspended", "True", "PodTerminated", "Pod has been terminated. Sandbox is suspended", 2),
                ConditionSummary("Ready", "False", "SandboxSuspended", "Sandbox is suspended", 2),
            ])
            #expect(suspended.status?["podIPs"] == nil)
            #expect(suspended.status?["selector"]?.stringValue == "agents.x-k8s.io/sandbox-name-hash=\(AgentSandbox.nameHash("sbx"))")
            #expect(suspended.status?["service"]?.stringValue == "sbx")
            #expect(suspended.annotations[AgentSandbox.podNameAnnotation] == nil)
            #expect(try await cluster.get(.services, "sbx") != nil)
            #expect(try await cluster.get(.persistentVolumeClaims, "data-sbx") != nil)

            try await cluster.client.patch(AgentSandbox.resource, namespace: "test", name: "sbx", merge: ["spec": ["operatingMode": "Running"]])
            let resumed = try await cluster.waitFor(AgentSandbox.resource, "sbx", "Ready again") {
                readyReason($0) == "DependenciesReady" && $0.conditions[type: "Ready"]?.observedGeneration == 3
            }
            #expect(resumed.conditions[type: "Suspended"]?.reason == "NotSuspended")
            let secondPod = try #require(try await cluster.get(.pods, "sbx"))
            #expect(secondPod.uid != firstPod.uid)
        }
    }

    @Test("shutdownTime with Retain keeps the Sandbox, removes its Pod and Service, and resets the status")
    func expiryRetain() async throws {
        try await TestCluster.with(crds: Self.crd) { cluster in
            // Far enough ahead that the Sandbox is Ready first even on a loaded machine.
            let shutdown = Date().addingTimeInterval(8).formatted(.iso8601)
            try await cluster.client.create(AgentSandbox.resource, sandbox("sbx", service: true, spec: ["shutdownTime": .string(shutdown)]))
            try await cluster.waitFor(AgentSandbox.resource, "sbx", "Ready") { readyReason($0) == "DependenciesReady" }
            let expired = try await cluster.waitFor(AgentSandbox.resource, "sbx", "expired", timeout: .seconds(20)) {
                readyReason($0) == "SandboxExpired" && $0.status?["service"] == nil
            }
            #expect(expired.status?.objectValue?.keys.sorted() == ["conditions"])
            #expect(summaries(expired) == [
                ConditionSummary("Suspended", "False", "NotSuspended", "Sandbox is not suspended"),
                ConditionSummary("Ready", "False", "SandboxExpired", "Sandbox has expired"),
            ])
            try await cluster.waitGone(.pods, "sbx")
            try await cluster.waitGone(.services, "sbx")
            #expect(try await cluster.get(AgentSandbox.resource, "sbx") != nil)
        }
    }

    @Test("shutdownTime with Delete deletes the Sandbox")
    func expiryDelete() async throws {
        try await TestCluster.with(crds: Self.crd) { cluster in
            // Far enough ahead that the pod exists first even on a loaded machine.
            let shutdown = Date().addingTimeInterval(6).formatted(.iso8601)
            try await cluster.client.create(AgentSandbox.resource, sandbox("sbx", spec: [
                "shutdownTime": .string(shutdown), "shutdownPolicy": "Delete",
            ]))
            try await cluster.waitFor(.pods, "sbx", "pod created") { _ in true }
            try await cluster.waitGone(AgentSandbox.resource, "sbx", timeout: .seconds(20))
            try await cluster.waitGone(.pods, "sbx")
        }
    }

    enum ForeignChild: String, CaseIterable, Sendable {
        case pod, service, claim
    }

    @Test("a child of the Sandbox's name owned by someone else is refused and left untouched", arguments: ForeignChild.allCases)
    func foreignChild(_ child: ForeignChild) async throws {
        try await TestCluster.with(crds: Self.crd) { cluster in
            let owner = try await cluster.client.create(.configMaps, configMap("other-owner"))
            let reference = OwnerReference(apiVersion: "v1", kind: "ConfigMap", name: "other-owner", uid: owner.uid, controller: true)
            let gvr: GroupVersionResource
            var foreign: KubeObject
            let what: String
            switch child {
            case .pod:
                (gvr, what) = (.pods, "pod \"sbx\"")
                foreign = object("v1", "Pod", "sbx", ["metadata": ["labels": ["mine": "yes"]], "spec": podSpec()])
            case .service:
                (gvr, what) = (.services, "service \"sbx\"")
                foreign = object("v1", "Service", "sbx", ["metadata": ["labels": ["mine": "yes"]],
                                                          "spec": ["selector": ["mine": "yes"], "ports": [["port": 80]]]])
            case .claim:
                (gvr, what) = (.persistentVolumeClaims, "PVC \"data-sbx\"")
                foreign = object("v1", "PersistentVolumeClaim", "data-sbx", ["metadata": ["labels": ["mine": "yes"]],
                                                                             "spec": ["accessModes": ["ReadWriteOnce"]]])
            }
            foreign.ownerReferences = [reference]
            let created = try await cluster.client.create(gvr, foreign)
            let vct: JSONValue = [["metadata": ["name": "data"], "spec": ["accessModes": ["ReadWriteOnce"]]]]
            try await cluster.client.create(AgentSandbox.resource, sandbox("sbx", service: true, spec: ["volumeClaimTemplates": vct]))

            let refused = try await cluster.waitFor(AgentSandbox.resource, "sbx", "ReconcilerError") { readyReason($0) == "ReconcilerError" }
            let message = "Error seen: \(what) is owned by ConfigMap/other-owner (UID: \(owner.uid)), not by sandbox \"sbx\""
            #expect(ConditionSummary(try #require(refused.conditions[type: "Ready"])) == ConditionSummary("Ready", "False", "ReconcilerError", message))
            #expect(refused.conditions[type: "Suspended"]?.reason == "NotSuspended")
            if child == .pod {
                #expect(ConditionSummary(try #require(refused.conditions[type: "PodScheduled"]))
                    == ConditionSummary("PodScheduled", "Unknown", "PodSchedulingUnknown", "Pod state is unknown. Pod scheduling cannot be determined"))
                #expect(refused.status?["podIPs"] == nil)
                #expect(refused.annotations[AgentSandbox.podNameAnnotation] == nil)
            }
            let after = try #require(try await cluster.get(gvr, created.name))
            #expect(after.uid == created.uid)
            #expect(after.labels == ["mine": "yes"])
            #expect(after.annotations.isEmpty || child == .claim)
            #expect(after.ownerReferences == [reference])
            if child == .service { #expect(after.spec?["selector"] == ["mine": "yes"]) }
        }
    }

    @Test("a second owned Pod fails closed with MultiplePods and a Warning Event")
    func multiplePods() async throws {
        try await TestCluster.with(crds: Self.crd) { cluster in
            let created = try await cluster.client.create(AgentSandbox.resource, sandbox("sbx"))
            try await cluster.waitFor(AgentSandbox.resource, "sbx", "Ready") { readyReason($0) == "DependenciesReady" }
            var extra = object("v1", "Pod", "sbx-extra", ["metadata": ["labels": [AgentSandbox.nameHashLabel: .string(AgentSandbox.nameHash("sbx"))]],
                                                          "spec": podSpec()])
            extra.ownerReferences = [OwnerReference(apiVersion: "agents.x-k8s.io/v1beta1", kind: "Sandbox", name: "sbx", uid: created.uid,
                                                    controller: true, blockOwnerDeletion: true)]
            try await cluster.client.create(.pods, extra)

            let refused = try await cluster.waitFor(AgentSandbox.resource, "sbx", "MultiplePods") { readyReason($0) == "MultiplePods" }
            let message = "multiple Pods (2) are controlled by this Sandbox; refusing to choose or create a Pod"
            #expect(ConditionSummary(try #require(refused.conditions[type: "Ready"])) == ConditionSummary("Ready", "False", "MultiplePods", message))
            #expect(refused.status?["podIPs"] == nil)
            let event = try await eventually("MultiplePods event") {
                try await cluster.client.list(.eventsV1, namespace: "test").first { $0.json["reason"]?.stringValue == "MultiplePods" }
            }
            #expect(event.json["type"]?.stringValue == "Warning")
            #expect(event.json["action"]?.stringValue == "Reconciling")
            #expect(event.json["note"]?.stringValue == message)
            #expect(event.json["regarding"]?["name"]?.stringValue == "sbx")
            #expect(event.json["regarding"]?["kind"]?.stringValue == "Sandbox")
            #expect(try await cluster.get(.pods, "sbx") != nil)
            #expect(try await cluster.get(.pods, "sbx-extra") != nil)
        }
    }

    @Test("a failed Pod makes the Sandbox PodFailed and Finished, and it is not recreated")
    func podFailure() async throws {
        try await TestCluster.with(crds: Self.crd) { cluster in
            try await cluster.client.create(AgentSandbox.resource, sandbox("sbx", restartPolicy: "Never"))
            try await cluster.waitFor(AgentSandbox.resource, "sbx", "Ready") { readyReason($0) == "DependenciesReady" }
            let pod = try #require(try await cluster.get(.pods, "sbx"))
            try await cluster.client.patch(.pods, namespace: "test", name: "sbx",
                                           merge: ["metadata": ["annotations": [KubeletHooks.terminateAnnotation: "Failed:1"]]])
            let failed = try await cluster.waitFor(AgentSandbox.resource, "sbx", "PodFailed") { readyReason($0) == "PodFailed" }
            #expect(ConditionSummary(try #require(failed.conditions[type: "Ready"])) == ConditionSummary("Ready", "False", "PodFailed", "Pod failed"))
            #expect(ConditionSummary(try #require(failed.conditions[type: "Finished"])) == ConditionSummary("Finished", "True", "PodFailed", "Pod failed"))
            let after = try #require(try await cluster.get(.pods, "sbx"))
            #expect(after.uid == pod.uid)
            #expect(after.status?["phase"]?.stringValue == "Failed")
        }
    }

    @Test("deleting the Sandbox collects its Pod, Service and PVCs")
    func deletionCollectsChildren() async throws {
        try await TestCluster.with(crds: Self.crd) { cluster in
            let vct: JSONValue = [["metadata": ["name": "data"], "spec": ["accessModes": ["ReadWriteOnce"]]]]
            try await cluster.client.create(AgentSandbox.resource, sandbox("sbx", service: true, spec: ["volumeClaimTemplates": vct]))
            try await cluster.waitFor(AgentSandbox.resource, "sbx", "Ready") { readyReason($0) == "DependenciesReady" }
            try await cluster.client.delete(AgentSandbox.resource, namespace: "test", name: "sbx")
            try await cluster.waitGone(AgentSandbox.resource, "sbx")
            try await cluster.waitGone(.pods, "sbx")
            try await cluster.waitGone(.services, "sbx")
            try await cluster.waitGone(.persistentVolumeClaims, "data-sbx")
        }
    }

    @Test("name hash test vectors", arguments: [("", "811c9dc5"), ("a", "e40c292c"), ("my-sandbox", "374de8f5"), ("hello-world", "428d118e")])
    func nameHash(_ input: String, _ expected: String) {
        #expect(AgentSandbox.nameHash(input) == expected)
    }
}
