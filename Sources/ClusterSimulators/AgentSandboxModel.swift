//! AgentSandboxModel: the pure rules of the upstream Agent Sandbox controller
//! (kubernetes-sigs/agent-sandbox v0.5.6, see the project's contract) — names
//! and reserved keys, the FNV-1a name hash, the Pod, PVC and headless Service
//! built from a `Sandbox`, label/annotation propagation to a live Pod,
//! ownership classification, and the `Ready`/`Suspended`/`PodScheduled`/
//! `Finished` conditions with their exact reasons and messages.
import Foundation
import KubeCore
import LocalAPIServer

public enum AgentSandbox {
    public static let group = "agents.x-k8s.io"
    public static let version = "v1beta1"
    public static let kind = "Sandbox"
    public static let resource = GroupVersionResource(group: group, version: version, resource: "sandboxes")
    static let storage = GroupResource(group: group, resource: "sandboxes")
    static let apiVersion = "\(group)/\(version)"

    public static let nameHashLabel = "agents.x-k8s.io/sandbox-name-hash"
    public static let podNameAnnotation = "agents.x-k8s.io/pod-name"
    public static let propagatedLabelsAnnotation = "agents.x-k8s.io/propagated-labels"
    public static let propagatedAnnotationsAnnotation = "agents.x-k8s.io/propagated-annotations"
    public static let adoptableLabel = "agents.x-k8s.io/adoptable"
    public static let createdByLabel = "agents.x-k8s.io/created-by"
    public static let warmPoolLabel = "agents.x-k8s.io/warm-pool-sandbox"
    public static let templateRefHashLabel = "agents.x-k8s.io/sandbox-template-ref-hash"
    public static let traceContextAnnotation = "opentelemetry.io/trace-context"
    static let extensionsGroup = "extensions.agents.x-k8s.io"

    /// The name hash label value: 32-bit FNV-1a of the name as eight hex digits.
    public static func nameHash(_ name: String) -> String { NameHashing.hex8(name) }

    static func isReservedLabel(_ key: String) -> Bool {
        key.hasPrefix("agents.x-k8s.io/") || key.hasPrefix("extensions.agents.x-k8s.io/")
    }

    static func isReservedAnnotation(_ key: String) -> Bool {
        isReservedLabel(key) || key == traceContextAnnotation
    }

    /// The `created-by` values kept as they are; anything else becomes `unknown`.
    static func normalizeCreatedBy(_ value: String) -> String {
        ["go-client", "python-client", "controller"].contains(value) ? value : "unknown"
    }

    // MARK: Ownership

    enum Ownership: Equatable {
        case ownedBySandbox
        case unowned
        case ownedByOther(kind: String, name: String, uid: String)
    }

    static func ownership(of object: KubeObject, sandboxUID: String) -> Ownership {
        guard let reference = object.ownerReferenceValues.first(where: { $0["controller"]?.boolValue == true }) else { return .unowned }
        let uid = reference["uid"]?.stringValue ?? ""
        if uid == sandboxUID { return .ownedBySandbox }
        return .ownedByOther(kind: reference["kind"]?.stringValue ?? "", name: reference["name"]?.stringValue ?? "", uid: uid)
    }

    static func ownedByOtherMessage(_ what: String, _ name: String, sandbox: String, kind: String, owner: String, uid: String) -> String {
        "\(what) \(name.goQuoted) is owned by \(kind)/\(owner) (UID: \(uid)), not by sandbox \(sandbox.goQuoted)"
    }

    static func cannotAdoptMessage(_ what: String, _ name: String) -> String {
        "cannot adopt unowned \(what) \(name.goQuoted): missing required pool authorization label (\(adoptableLabel.goQuoted)) or sandbox tracking label (\(nameHashLabel.goQuoted))"
    }

    /// The controller owner reference the controller writes on its children.
    static func ownerReference(_ sandbox: KubeObject) -> JSONValue {
        [
            "apiVersion": .string(apiVersion), "kind": .string(kind), "name": .string(sandbox.name), "uid": .string(sandbox.uid),
            "controller": true, "blockOwnerDeletion": true,
        ]
    }

    // MARK: Desired children

    static func templateMap(_ sandbox: KubeObject, _ field: String) -> [String: String] {
        (sandbox.spec?[path: ["podTemplate", "metadata", field]]?.objectValue ?? [:]).compactMapValues(\.stringValue)
    }

    /// Extension-owned labels copied from the Sandbox when its controller is an extensions object.
    static func extensionLabels(_ sandbox: KubeObject) -> [String: String] {
        guard let owner = sandbox.controllerGroupKind, owner.group == extensionsGroup else { return [:] }
        var labels: [String: String] = [:]
        if owner.kind == "SandboxWarmPool", let value = sandbox.labels[warmPoolLabel], !value.isEmpty { labels[warmPoolLabel] = value }
        if let value = sandbox.labels[templateRefHashLabel], !value.isEmpty { labels[templateRefHashLabel] = value }
        return labels
    }

    /// The Pod the controller creates for a Sandbox.
    static func pod(for sandbox: KubeObject) -> KubeObject {
        let hash = nameHash(sandbox.name)
        var labels: [String: String] = [:]
        var managedLabels: [String] = []
        for (key, value) in templateMap(sandbox, "labels") where !isReservedLabel(key) {
            labels[key] = value
            managedLabels.append(key)
        }
        labels[nameHashLabel] = hash
        for (key, value) in extensionLabels(sandbox) { labels[key] = value }
        if let createdBy = sandbox.labels[createdByLabel], !createdBy.isEmpty { labels[createdByLabel] = normalizeCreatedBy(createdBy) }

        var annotations: [String: String] = [:]
        var managedAnnotations: [String] = []
        for (key, value) in templateMap(sandbox, "annotations") where !isReservedAnnotation(key) {
            annotations[key] = value
            managedAnnotations.append(key)
        }
        if !managedLabels.isEmpty { annotations[propagatedLabelsAnnotation] = managedLabels.sorted().joined(separator: ",") }
        if !managedAnnotations.isEmpty { annotations[propagatedAnnotationsAnnotation] = managedAnnotations.sorted().joined(separator: ",") }

        var spec = sandbox.spec?[path: ["podTemplate", "spec"]] ?? [:]
        let claimVolumes: [JSONValue] = (sandbox.spec?["volumeClaimTemplates"]?.arrayValue ?? []).map { template in
            let name = template[path: ["metadata", "name"]]?.stringValue ?? ""
            return ["name": .string(name), "persistentVolumeClaim": ["claimName": .string("\(name)-\(sandbox.name)")]]
        }
        if !claimVolumes.isEmpty {
            let names = Set(claimVolumes.compactMap { $0["name"]?.stringValue })
            let kept = (spec["volumes"]?.arrayValue ?? []).filter { !names.contains($0["name"]?.stringValue ?? "") }
            spec["volumes"] = .array(kept + claimVolumes)
        }
        var pod = KubeObject(["apiVersion": "v1", "kind": "Pod", "metadata": [:], "spec": spec])
        pod.name = sandbox.name
        pod.namespace = sandbox.namespace
        pod.labels = labels
        pod.annotations = annotations
        pod.json["metadata"]?["ownerReferences"] = [ownerReference(sandbox)]
        return pod
    }

    /// The PVC for one `volumeClaimTemplates` entry: `<template>-<sandbox>`.
    static func claim(for sandbox: KubeObject, template: JSONValue) -> KubeObject {
        let templateName = template[path: ["metadata", "name"]]?.stringValue ?? ""
        var claim = KubeObject(["apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": [:], "spec": template["spec"] ?? [:]])
        claim.name = "\(templateName)-\(sandbox.name)"
        claim.namespace = sandbox.namespace
        var labels = (template[path: ["metadata", "labels"]]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        labels[nameHashLabel] = nameHash(sandbox.name)
        claim.labels = labels
        claim.annotations = (template[path: ["metadata", "annotations"]]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        claim.json["metadata"]?["ownerReferences"] = [ownerReference(sandbox)]
        return claim
    }

    /// The headless Service for a Sandbox with `spec.service: true`.
    static func service(for sandbox: KubeObject) -> KubeObject {
        let hash = nameHash(sandbox.name)
        var spec: JSONObject = ["clusterIP": "None", "selector": [nameHashLabel: .string(hash)]]
        let ports = servicePorts(sandbox.spec?[path: ["podTemplate", "spec"]] ?? [:])
        if !ports.isEmpty { spec["ports"] = .array(ports) }
        var service = KubeObject(["apiVersion": "v1", "kind": "Service", "metadata": [:], "spec": .object(spec)])
        service.name = sandbox.name
        service.namespace = sandbox.namespace
        service.labels = [nameHashLabel: hash]
        service.json["metadata"]?["ownerReferences"] = [ownerReference(sandbox)]
        return service
    }

    /// Service ports from every container port and from sidecar init containers,
    /// de-duplicated by (port, protocol), sorted; unnamed ports get `p-<port>-<protocol>`.
    static func servicePorts(_ podSpec: JSONValue) -> [JSONValue] {
        struct PortKey: Hashable {
            var port: Int64
            var proto: String
        }
        var names: [PortKey: String] = [:]
        var order: [PortKey] = []
        var reserved = Set<String>()
        var containers = podSpec["containers"]?.arrayValue ?? []
        containers += (podSpec["initContainers"]?.arrayValue ?? []).filter { $0["restartPolicy"]?.stringValue == "Always" }
        for container in containers {
            for port in container["ports"]?.arrayValue ?? [] {
                let number = port["containerPort"]?.intValue ?? 0
                guard number != 0 else { continue }
                let proto = port["protocol"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "TCP"
                let key = PortKey(port: number, proto: proto)
                if names[key] == nil {
                    names[key] = ""
                    order.append(key)
                }
                let name = port["name"]?.stringValue ?? ""
                guard !name.isEmpty, names[key] == "", !reserved.contains(name) else { continue }
                names[key] = name
                reserved.insert(name)
            }
        }
        return order.sorted { ($0.port, $0.proto) < ($1.port, $1.proto) }.map { key in
            var name = names[key] ?? ""
            if name.isEmpty {
                let base = "p-\(key.port)-\(key.proto.lowercased())"
                name = base
                var suffix = 2
                while reserved.contains(name) {
                    name = "\(base)-\(suffix)"
                    suffix += 1
                }
            }
            reserved.insert(name)
            return ["name": .string(name), "protocol": .string(key.proto), "port": .int(key.port), "targetPort": .int(key.port)]
        }
    }

    static func portsEqual(_ a: [JSONValue], _ b: [JSONValue]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { x, y in
            ["name", "protocol", "port", "targetPort"].allSatisfy { (x[$0] ?? .null) == (y[$0] ?? .null) }
        }
    }

    /// The labels and annotations a live Pod should carry for its Sandbox (template
    /// metadata propagated, keys removed from the template removed from the Pod).
    static func syncedPodMetadata(_ pod: KubeObject, sandbox: KubeObject)
        -> (labels: [String: String], annotations: [String: String]) {
        let hash = nameHash(sandbox.name)
        var labels = pod.labels
        var annotations = pod.annotations
        let templateLabels = templateMap(sandbox, "labels")
        let templateAnnotations = templateMap(sandbox, "annotations")
        labels[nameHashLabel] = hash
        var managedLabels: [String] = []
        for (key, value) in templateLabels where !isReservedLabel(key) {
            labels[key] = value
            managedLabels.append(key)
        }
        for key in (annotations[propagatedLabelsAnnotation] ?? "").split(separator: ",").map(String.init) where !key.isEmpty {
            if isReservedLabel(key) {
                if key != nameHashLabel { labels[key] = nil }
            } else if templateLabels[key] == nil {
                labels[key] = nil
            }
        }
        let extensions = extensionLabels(sandbox)
        for key in [warmPoolLabel, templateRefHashLabel] { labels[key] = extensions[key] }
        if let createdBy = sandbox.labels[createdByLabel], !createdBy.isEmpty {
            labels[createdByLabel] = normalizeCreatedBy(createdBy)
        } else {
            labels[createdByLabel] = nil
        }
        var managedAnnotations: [String] = []
        for (key, value) in templateAnnotations where !isReservedAnnotation(key) {
            annotations[key] = value
            managedAnnotations.append(key)
        }
        for key in (annotations[propagatedAnnotationsAnnotation] ?? "").split(separator: ",").map(String.init) where !key.isEmpty {
            if isReservedAnnotation(key) {
                if key != propagatedLabelsAnnotation, key != propagatedAnnotationsAnnotation { annotations[key] = nil }
            } else if templateAnnotations[key] == nil {
                annotations[key] = nil
            }
        }
        let newLabels = managedLabels.sorted().joined(separator: ",")
        if (annotations[propagatedLabelsAnnotation] ?? "") != newLabels { annotations[propagatedLabelsAnnotation] = newLabels }
        let newAnnotations = managedAnnotations.sorted().joined(separator: ",")
        if (annotations[propagatedAnnotationsAnnotation] ?? "") != newAnnotations {
            annotations[propagatedAnnotationsAnnotation] = newAnnotations
        }
        return (labels, annotations)
    }

    // MARK: Conditions

    /// What a reconcile pass found, for computing the conditions.
    struct Observation {
        var generation: Int64
        var suspended: Bool
        /// `spec.service`: nil when unset.
        var serviceWanted: Bool?
        /// The Pod found or created (owned or not), if any.
        var pod: KubeObject?
        var podOwned: Bool
        /// The Pod lookup or mapping failed (the Pod's state is unknown).
        var podFailed: Bool
        /// All errors of the pass (PVCs, Pod, Service); the first matching one wins.
        var errors: [String]
        /// The pass refused to choose among this many owned Pods.
        var multiplePods: Int?
        var serviceExists: Bool
    }

    static func multiplePodsMessage(_ count: Int) -> String {
        "multiple Pods (\(count)) are controlled by this Sandbox; refusing to choose or create a Pod"
    }

    /// The conditions in upstream's order of computation: Suspended, Finished, PodScheduled, Ready.
    /// Finished and PodScheduled are absent when they do not apply.
    static func conditions(_ o: Observation) -> [Condition] {
        var result: [Condition] = []
        // Suspended.
        var suspended = Condition(type: "Suspended", false, reason: "NotSuspended", message: "Sandbox is not suspended",
                                  observedGeneration: o.generation)
        if o.suspended {
            if o.pod == nil, o.podFailed {
                suspended.status = "Unknown"
                suspended.reason = "PodStateUnknown"
                suspended.message = "Pod state is unknown. Sandbox suspension cannot be confirmed"
            } else if o.pod == nil {
                suspended = Condition(type: "Suspended", true, reason: "PodTerminated",
                                      message: "Pod has been terminated. Sandbox is suspended", observedGeneration: o.generation)
            } else if !o.podOwned {
                suspended.reason = "PodNotOwned"
                suspended.message = "Refused to delete pod because it is not owned by this sandbox"
            } else {
                suspended.reason = "PodTerminating"
                suspended.message = "Pod is terminating. Sandbox is suspending"
            }
        }
        result.append(suspended)

        // Finished.
        if let pod = o.pod, o.podOwned {
            switch pod.podPhase {
            case "Succeeded":
                result.append(Condition(type: "Finished", true, reason: "PodSucceeded", message: "Pod completed successfully",
                                        observedGeneration: o.generation))
            case "Failed":
                result.append(Condition(type: "Finished", true, reason: "PodFailed", message: "Pod failed", observedGeneration: o.generation))
            default:
                break
            }
        }

        // PodScheduled.
        if o.pod == nil, o.podFailed {
            result.append(Condition(type: "PodScheduled", status: "Unknown", reason: "PodSchedulingUnknown",
                                    message: "Pod state is unknown. Pod scheduling cannot be determined", observedGeneration: o.generation))
        } else if let pod = o.pod, o.podOwned {
            if let scheduled = pod.podCondition("PodScheduled") {
                let status = scheduled["status"]?.stringValue ?? "Unknown"
                var reason = scheduled["reason"]?.stringValue ?? ""
                if reason.isEmpty { reason = status == "True" ? "PodScheduled" : "PodSchedulingUnknown" }
                result.append(Condition(type: "PodScheduled", status: status, reason: reason,
                                        message: scheduled["message"]?.stringValue ?? "", observedGeneration: o.generation))
            } else {
                result.append(Condition(type: "PodScheduled", status: "Unknown", reason: "PodSchedulingUnknown",
                                        message: "Pod has not reported a PodScheduled condition yet", observedGeneration: o.generation))
            }
        }

        result.append(readyCondition(o))
        return result
    }

    static func readyCondition(_ o: Observation) -> Condition {
        var ready = Condition(type: "Ready", false, reason: "DependenciesNotReady", message: "", observedGeneration: o.generation)
        if let count = o.multiplePods {
            ready.reason = "MultiplePods"
            ready.message = multiplePodsMessage(count)
            return ready
        }
        if !o.errors.isEmpty {
            ready.reason = "ReconcilerError"
            ready.message = "Error seen: " + o.errors.joined(separator: "\n")
            return ready
        }
        if o.suspended {
            ready.reason = "SandboxSuspended"
            ready.message = o.pod != nil ? "Sandbox is suspending" : "Sandbox is suspended"
            return ready
        }
        if let pod = o.pod {
            switch pod.podPhase {
            case "Succeeded":
                ready.reason = "PodSucceeded"
                ready.message = "Pod completed successfully"
                return ready
            case "Failed":
                ready.reason = "PodFailed"
                ready.message = "Pod failed"
                return ready
            default:
                break
            }
        }
        var message: String
        var podReady = false
        if let pod = o.pod {
            message = "Pod exists with phase: \(pod.podPhase)"
            if pod.podPhase == "Running" {
                message = "Pod is Running but not Ready"
                if pod.isPodReady {
                    if (pod.status?["podIPs"]?.arrayValue ?? []).isEmpty {
                        message = "Pod is Ready but has no podIPs yet"
                    } else {
                        message = "Pod is Ready"
                        podReady = true
                    }
                }
            }
        } else {
            message = "Pod does not exist"
        }
        let serviceRequired = o.serviceWanted ?? o.serviceExists
        var serviceReady = true
        if serviceRequired {
            serviceReady = o.serviceExists
            message += o.serviceExists ? "; Service Exists" : "; Service does not exist"
        }
        ready.message = message
        if podReady, serviceReady {
            ready.status = "True"
            ready.reason = "DependenciesReady"
        }
        return ready
    }

    /// Ready=False/SandboxExpired, as the expiry path sets it.
    static func expiredCondition(generation: Int64) -> Condition {
        Condition(type: "Ready", false, reason: "SandboxExpired", message: "Sandbox has expired", observedGeneration: generation)
    }
}
