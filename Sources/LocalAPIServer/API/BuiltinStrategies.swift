//! Per-kind rules for built-in resources (kube-apiserver's registry strategies):
//! defaults filled on create, fields reset on update, and kind-specific validation.
import Foundation
import KubeCore
import Synchronization

/// Hands out Service cluster IPs from 10.96.0.0/16, never reusing one.
final class ClusterIPAllocator: Sendable {
    private let next = Mutex(1)

    func allocate() -> String {
        next.withLock { n in
            defer { n += 1 }
            return "10.96.\(n / 254).\(n % 254 + 1)"
        }
    }
}

enum BuiltinStrategies {
    // MARK: Create

    static func prepareForCreate(_ object: inout KubeObject, _ type: ResourceType, ips: ClusterIPAllocator) {
        switch (type.group, type.resource) {
        case ("", "namespaces"):
            object.status = ["phase": "Active"]
            if object.spec?["finalizers"] == nil { object.spec = ["finalizers": ["kubernetes"]] }
            var labels = object.labels
            labels["kubernetes.io/metadata.name"] = object.name
            object.labels = labels
        case ("", "pods"):
            if var spec = object.spec { defaultPodSpec(&spec); object.spec = spec }
            object.status = ["phase": "Pending", "qosClass": .string(qosClass(object.spec))]
        case ("", "services"):
            var spec = object.spec ?? [:]
            if spec["type"] == nil { spec["type"] = "ClusterIP" }
            if spec["sessionAffinity"] == nil { spec["sessionAffinity"] = "None" }
            // ExternalName services have no cluster IP.
            if spec["type"]?.stringValue != "ExternalName", (spec["clusterIP"]?.stringValue ?? "").isEmpty {
                spec["clusterIP"] = .string(ips.allocate())
            }
            if let ip = spec["clusterIP"] { spec["clusterIPs"] = [ip] }
            if spec["ipFamilies"] == nil { spec["ipFamilies"] = ["IPv4"] }
            if spec["ipFamilyPolicy"] == nil { spec["ipFamilyPolicy"] = "SingleStack" }
            if spec["internalTrafficPolicy"] == nil { spec["internalTrafficPolicy"] = "Cluster" }
            if let ports = spec["ports"]?.arrayValue {
                spec["ports"] = .array(ports.map { port in
                    var p = port
                    if p["protocol"] == nil { p["protocol"] = "TCP" }
                    if p["targetPort"] == nil, let n = p["port"] { p["targetPort"] = n }
                    return p
                })
            }
            object.spec = spec
            object.status = ["loadBalancer": [:]]
        case ("", "secrets"):
            if object.json["type"] == nil { object.json["type"] = "Opaque" }
            mergeStringData(&object)
        case ("", "persistentvolumeclaims"):
            var spec = object.spec ?? [:]
            if spec["volumeMode"] == nil { spec["volumeMode"] = "Filesystem" }
            object.spec = spec
            object.status = ["phase": "Pending"]
        case ("apps", "deployments"):
            var spec = object.spec ?? [:]
            defaultWorkload(&spec)
            if spec["strategy"] == nil {
                spec["strategy"] = ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": "25%", "maxUnavailable": "25%"]]
            }
            if spec["progressDeadlineSeconds"] == nil { spec["progressDeadlineSeconds"] = 600 }
            object.spec = spec
            object.status = [:]
        case ("apps", "statefulsets"):
            var spec = object.spec ?? [:]
            defaultWorkload(&spec)
            if spec["podManagementPolicy"] == nil { spec["podManagementPolicy"] = "OrderedReady" }
            if spec["updateStrategy"] == nil { spec["updateStrategy"] = ["type": "RollingUpdate", "rollingUpdate": ["partition": 0]] }
            if spec["persistentVolumeClaimRetentionPolicy"] == nil {
                spec["persistentVolumeClaimRetentionPolicy"] = ["whenDeleted": "Retain", "whenScaled": "Retain"]
            }
            object.spec = spec
            object.status = ["replicas": 0, "availableReplicas": 0]
        case ("batch", "jobs"):
            var spec = object.spec ?? [:]
            for (key, value) in [("completions", JSONValue.int(1)), ("parallelism", 1), ("backoffLimit", 6),
                                 ("completionMode", "NonIndexed"), ("suspend", false)] where spec[key] == nil {
                spec[key] = value
            }
            let uid = object.uid
            if spec["selector"] == nil, spec["manualSelector"]?.boolValue != true {
                spec["selector"] = ["matchLabels": ["batch.kubernetes.io/controller-uid": .string(uid)]]
                var template = spec["template"] ?? [:]
                template[path: ["metadata", "labels", "batch.kubernetes.io/controller-uid"]] = .string(uid)
                template[path: ["metadata", "labels", "batch.kubernetes.io/job-name"]] = .string(object.name)
                template[path: ["metadata", "labels", "controller-uid"]] = .string(uid)
                template[path: ["metadata", "labels", "job-name"]] = .string(object.name)
                spec["template"] = template
            }
            if var podSpec = spec[path: ["template", "spec"]] {
                defaultPodSpec(&podSpec)
                spec[path: ["template", "spec"]] = podSpec
            }
            object.spec = spec
            object.status = [:]
        case ("apiextensions.k8s.io", "customresourcedefinitions"):
            if !object.finalizers.contains(CRDController.cleanupFinalizer) {
                object.finalizers.append(CRDController.cleanupFinalizer)
            }
            let storage = object.spec?["versions"]?.arrayValue?.first { $0["storage"]?.boolValue == true }?["name"]
            object.status = ["conditions": [], "acceptedNames": ["plural": "", "kind": ""],
                             "storedVersions": .array(storage.map { [$0] } ?? [])]
        default:
            break
        }
    }

    static func defaultWorkload(_ spec: inout JSONValue) {
        if spec["replicas"] == nil { spec["replicas"] = 1 }
        if spec["revisionHistoryLimit"] == nil { spec["revisionHistoryLimit"] = 10 }
        if var podSpec = spec[path: ["template", "spec"]] {
            defaultPodSpec(&podSpec)
            spec[path: ["template", "spec"]] = podSpec
        }
    }

    static func defaultPodSpec(_ spec: inout JSONValue) {
        let defaults: [(String, JSONValue)] = [
            ("restartPolicy", "Always"), ("terminationGracePeriodSeconds", 30), ("dnsPolicy", "ClusterFirst"),
            ("schedulerName", "default-scheduler"), ("securityContext", [:]), ("enableServiceLinks", true),
        ]
        for (key, value) in defaults where spec[key] == nil { spec[key] = value }
        for list in ["containers", "initContainers"] {
            guard let containers = spec[list]?.arrayValue else { continue }
            spec[list] = .array(containers.map { container in
                var c = container
                if c["terminationMessagePath"] == nil { c["terminationMessagePath"] = "/dev/termination-log" }
                if c["terminationMessagePolicy"] == nil { c["terminationMessagePolicy"] = "File" }
                if c["resources"] == nil { c["resources"] = [:] }
                if c["imagePullPolicy"] == nil, let image = c["image"]?.stringValue {
                    let tagged = image.split(separator: "/").last.map { $0.contains(":") || $0.contains("@") } ?? false
                    c["imagePullPolicy"] = (tagged && !image.hasSuffix(":latest")) ? "IfNotPresent" : "Always"
                }
                if let ports = c["ports"]?.arrayValue {
                    c["ports"] = .array(ports.map { p in
                        var port = p
                        if port["protocol"] == nil { port["protocol"] = "TCP" }
                        return port
                    })
                }
                return c
            })
        }
    }

    static func qosClass(_ spec: JSONValue?) -> String {
        let containers = spec?["containers"]?.arrayValue ?? []
        let anyResources = containers.contains { c in
            !(c["resources"]?["requests"]?.objectValue?.isEmpty ?? true) || !(c["resources"]?["limits"]?.objectValue?.isEmpty ?? true)
        }
        guard anyResources else { return "BestEffort" }
        let guaranteed = containers.allSatisfy { c in
            let limits = c["resources"]?["limits"]?.objectValue ?? [:]
            let requests = c["resources"]?["requests"]?.objectValue ?? limits
            return limits["cpu"] != nil && limits["memory"] != nil && requests["cpu"] == limits["cpu"] && requests["memory"] == limits["memory"]
        }
        return guaranteed ? "Guaranteed" : "Burstable"
    }

    /// `stringData` is write-only: merged into `data` (base64) and dropped.
    static func mergeStringData(_ object: inout KubeObject) {
        guard let stringData = object.json["stringData"]?.objectValue else { return }
        var data = object.json["data"]?.objectValue ?? [:]
        for (key, value) in stringData {
            data[key] = .string(Data((value.stringValue ?? "").utf8).base64EncodedString())
        }
        object.json["data"] = .object(data)
        object.json["stringData"] = nil
    }

    // MARK: Update

    /// Carries server-owned fields over from the old object.
    static func prepareForUpdate(_ object: inout KubeObject, old: KubeObject, _ type: ResourceType) {
        switch (type.group, type.resource) {
        case ("", "namespaces"):
            if object.spec?["finalizers"] == nil, let finalizers = old.spec?["finalizers"] {
                object.spec = (object.spec ?? [:]).with("finalizers", finalizers)
            }
            var labels = object.labels
            labels["kubernetes.io/metadata.name"] = object.name
            object.labels = labels
        case ("", "services"):
            for key in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"] {
                if object.spec?[key] == nil || object.spec?[key]?.stringValue == "", let value = old.spec?[key] {
                    object.spec = (object.spec ?? [:]).with(key, value)
                }
            }
        case ("", "secrets"):
            if object.json["type"] == nil { object.json["type"] = old.json["type"] }
            mergeStringData(&object)
        default:
            break
        }
    }

    // MARK: Validation

    static func validate(_ object: KubeObject, old: KubeObject?, _ type: ResourceType) -> [FieldError] {
        var errors: [FieldError] = []
        switch (type.group, type.resource) {
        case ("", "pods"):
            errors += validatePodSpec(object.spec, path: FieldPath("spec"))
            if let old, let oldSpec = old.spec, let newSpec = object.spec {
                errors += validatePodSpecUpdate(newSpec, old: oldSpec)
            }
        case ("apps", "deployments"), ("apps", "statefulsets"), ("batch", "jobs"):
            errors += validatePodSpec(object.spec?[path: ["template", "spec"]], path: FieldPath("spec.template.spec"))
            if type.resource != "jobs" || object.spec?["manualSelector"]?.boolValue == true {
                errors += validateSelector(object)
            }
            if let old, type.group == "apps", old.spec?["selector"] != object.spec?["selector"] {
                errors.append(.invalid(FieldPath("spec.selector"), nil, "field is immutable"))
            }
            if let old, type.resource == "jobs", old.spec?["template"] != object.spec?["template"] {
                errors.append(.invalid(FieldPath("spec.template"), nil, "field is immutable"))
            }
            if type.resource == "jobs", let policy = object.spec?[path: ["template", "spec", "restartPolicy"]]?.stringValue,
               !["Never", "OnFailure"].contains(policy) {
                errors.append(.notSupported(FieldPath("spec.template.spec.restartPolicy"), .string(policy), ["OnFailure", "Never"]))
            }
        case ("", "secrets"), ("", "configmaps"):
            if let old, old.json["immutable"]?.boolValue == true {
                for field in ["data", "binaryData", "stringData"] where old.json[field] != object.json[field] && field != "stringData" {
                    errors.append(.forbidden(FieldPath(field), "field is immutable when `immutable` is set"))
                }
            }
            if type.resource == "secrets", object.json["type"]?.stringValue == "kubernetes.io/tls" {
                for key in ["tls.crt", "tls.key"] where object.json["data"]?[key] == nil {
                    errors.append(.required(FieldPath("data").key(key)))
                }
            }
            if let old, type.resource == "secrets", old.json["type"] != object.json["type"] {
                errors.append(.invalid(FieldPath("type"), object.json["type"], "field is immutable"))
            }
        case ("rbac.authorization.k8s.io", "rolebindings"), ("rbac.authorization.k8s.io", "clusterrolebindings"):
            if object.json["roleRef"] == nil { errors.append(.required(FieldPath("roleRef"))) }
            if let old, old.json["roleRef"] != object.json["roleRef"] {
                errors.append(.invalid(FieldPath("roleRef"), nil, "cannot change roleRef"))
            }
        case ("events.k8s.io", "events") where old == nil:
            for field in ["eventTime", "reportingController", "reportingInstance", "action", "reason"]
            where (object.json[EventViews.renames.first { $0.v1 == field }?.core ?? field] ?? nil) == nil {
                errors.append(.required(FieldPath(field)))
            }
            if let note = object.json["message"]?.stringValue, note.utf8.count > 1024 {
                errors.append(FieldError(reason: FieldErrorReason.tooLong, field: "note", message: "Too long: must have at most 1024 bytes"))
            }
        default:
            break
        }
        return errors
    }

    static func validatePodSpec(_ spec: JSONValue?, path: FieldPath) -> [FieldError] {
        guard let spec else { return [.required(path)] }
        var errors: [FieldError] = []
        let containers = spec["containers"]?.arrayValue ?? []
        if containers.isEmpty { errors.append(.required(path.child("containers"))) }
        var names = Set<String>()
        for list in ["initContainers", "containers"] {
            for (i, container) in (spec[list]?.arrayValue ?? []).enumerated() {
                let field = path.child(list).index(i)
                let name = container["name"]?.stringValue ?? ""
                if name.isEmpty {
                    errors.append(.required(field.child("name")))
                } else {
                    for message in NameValidation.isDNS1123Label(name) {
                        errors.append(.invalid(field.child("name"), .string(name), message))
                    }
                    if !names.insert(name).inserted { errors.append(.duplicate(field.child("name"), .string(name))) }
                }
                if (container["image"]?.stringValue ?? "").isEmpty, list == "containers" {
                    errors.append(.required(field.child("image")))
                }
            }
        }
        if let policy = spec["restartPolicy"]?.stringValue, !["Always", "OnFailure", "Never"].contains(policy) {
            errors.append(.notSupported(path.child("restartPolicy"), .string(policy), ["Always", "OnFailure", "Never"]))
        }
        return errors
    }

    /// Pods are mostly immutable: images, activeDeadlineSeconds, tolerations and a
    /// first binding to a node may change.
    static func validatePodSpecUpdate(_ new: JSONValue, old: JSONValue) -> [FieldError] {
        var normalizedNew = new
        var normalizedOld = old
        for list in ["containers", "initContainers"] {
            if let a = normalizedNew[list]?.arrayValue, let b = normalizedOld[list]?.arrayValue, a.count == b.count {
                normalizedNew[list] = .array(a.map { $0.with("image", .null) })
                normalizedOld[list] = .array(b.map { $0.with("image", .null) })
            }
        }
        for key in ["activeDeadlineSeconds", "tolerations"] {
            normalizedNew[key] = nil
            normalizedOld[key] = nil
        }
        if (normalizedOld["nodeName"]?.stringValue ?? "").isEmpty {
            normalizedNew["nodeName"] = nil
            normalizedOld["nodeName"] = nil
        }
        guard normalizedNew != normalizedOld else { return [] }
        return [.forbidden(FieldPath("spec"), "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)")]
    }

    static func validateSelector(_ object: KubeObject) -> [FieldError] {
        guard let selector = object.spec?["selector"] else { return [.required(FieldPath("spec.selector"))] }
        let matchLabels = selector["matchLabels"]?.objectValue ?? [:]
        let templateLabels = object.spec?[path: ["template", "metadata", "labels"]]?.objectValue ?? [:]
        if matchLabels.isEmpty, selector["matchExpressions"]?.arrayValue?.isEmpty ?? true {
            return [.invalid(FieldPath("spec.selector"), nil, "empty selector is invalid for deployment")]
        }
        for (key, value) in matchLabels where templateLabels[key] != value {
            return [.invalid(FieldPath("spec.template.metadata.labels"), nil, "`selector` does not match template `labels`")]
        }
        return []
    }
}

extension JSONValue {
    /// A copy with one member set.
    func with(_ key: String, _ value: JSONValue) -> JSONValue {
        var copy = self
        copy[key] = value
        return copy
    }
}
