//! AgentSandboxController: the upstream Agent Sandbox controller
//! (kubernetes-sigs/agent-sandbox v0.5.6) for `agents.x-k8s.io/v1beta1`
//! `Sandbox`, as the project's contract describes it (§1.5, §2). Per Sandbox:
//! PVCs from `volumeClaimTemplates`, then the Pod (same name; template spec
//! copied at creation only, template labels and annotations kept in sync,
//! reserved keys dropped, controller owner reference), then the optional
//! headless Service (`spec.service` true: create or adopt; false: delete the
//! owned one; unset: keep and require only a pre-existing owned one); the
//! `agents.x-k8s.io/pod-name` annotation; status (selector, podIPs, nodeName,
//! service, serviceFQDN) and conditions written with a JSON merge patch on
//! `/status`. Suspend deletes the owned Pod, resume recreates it; at
//! `shutdownTime` the Pod and Service are deleted and the Sandbox either kept
//! with its status reset (`Retain`) or deleted (`Delete`). Objects owned by
//! someone else are never adopted or modified (ReconcilerError); more than one
//! owned Pod fails closed (`MultiplePods`, with a Warning Event). Deleting
//! Sandboxes are left to garbage collection. Works with the upstream CRD and
//! with `AgentSandboxCRD`.
import Foundation
import KubeCore
import LocalAPIServer

struct AgentSandboxController: Reconciler {
    typealias Key = ObjectKey

    /// The controller's field manager and the events' reporting controller upstream.
    static let reportingController = "sandbox-controller"

    let name = SimulatedController.agentSandbox.rawValue
    let context: SimulatorContext
    let events: EventRecorder

    init(_ context: SimulatorContext) {
        self.context = context
        self.events = EventRecorder(context: context, controller: Self.reportingController)
    }

    var watches: [WatchFilter] {
        [
            WatchFilter(resource: AgentSandbox.storage),
            WatchFilter(resource: .pods, matches: { $0.labels[AgentSandbox.nameHashLabel] != nil || $0.controllerGroupKind?.kind == AgentSandbox.kind }),
            WatchFilter(resource: .services, matches: { $0.labels[AgentSandbox.nameHashLabel] != nil || $0.controllerGroupKind?.kind == AgentSandbox.kind }),
        ]
    }

    func keys(for event: StoreEvent) -> [ObjectKey] {
        let object = event.object
        if event.resource == AgentSandbox.storage { return [ObjectKey(namespace: object.namespace, name: object.name)] }
        var keys: [ObjectKey] = []
        if let owner = object.controllerName(group: AgentSandbox.group, kind: AgentSandbox.kind) {
            keys.append(ObjectKey(namespace: object.namespace, name: owner))
        }
        // A same-named child appearing or going changes what a same-named Sandbox may do.
        if context.get(AgentSandbox.storage, namespace: object.namespace, name: object.name) != nil {
            keys.append(ObjectKey(namespace: object.namespace, name: object.name))
        }
        return keys
    }

    /// A reconcile error reported through the conditions and retried with back-off.
    struct ReconcileError: Error, CustomStringConvertible {
        var messages: [String]
        var description: String { messages.joined(separator: "\n") }
    }

    /// The Sandbox status as the controller builds it in one pass.
    struct Status: Equatable {
        var conditions: [Condition]
        var service = ""
        var serviceFQDN = ""
        var selector = ""
        var podIPs: [String] = []
        var nodeName = ""

        init(_ value: JSONValue?) {
            conditions = value?["conditions"]?.arrayValue?.compactMap { try? $0.decode(Condition.self) } ?? []
            service = value?["service"]?.stringValue ?? ""
            serviceFQDN = value?["serviceFQDN"]?.stringValue ?? ""
            selector = value?["selector"]?.stringValue ?? ""
            podIPs = value?["podIPs"]?.arrayValue?.compactMap(\.stringValue) ?? []
            nodeName = value?["nodeName"]?.stringValue ?? ""
        }

        var json: JSONValue {
            var object: JSONObject = [:]
            if !serviceFQDN.isEmpty { object["serviceFQDN"] = .string(serviceFQDN) }
            if !service.isEmpty { object["service"] = .string(service) }
            if !conditions.isEmpty { object["conditions"] = (try? JSONValue(encoding: conditions)) ?? [] }
            if !selector.isEmpty { object["selector"] = .string(selector) }
            if !podIPs.isEmpty { object["podIPs"] = .array(podIPs.map(JSONValue.string)) }
            if !nodeName.isEmpty { object["nodeName"] = .string(nodeName) }
            return .object(object)
        }
    }

    func reconcile(_ key: ObjectKey) async throws -> Duration? {
        guard let sandbox = context.get(AgentSandbox.storage, namespace: key.namespace, name: key.name) else { return nil }
        // Deletion is left to garbage collection of the children.
        if sandbox.isBeingDeleted { return nil }
        let old = Status(sandbox.status)
        var status = old
        let now = context.now()
        let shutdown = sandbox.spec?["shutdownTime"]?.stringValue.flatMap(KubeTime.parse)
        var requeue: Duration?
        var failure: ReconcileError?

        if let shutdown, shutdown <= now {
            if status.conditions[type: "Ready"]?.reason != "SandboxExpired" {
                Self.markExpired(&status, generation: sandbox.generation, now: now)
                try await writeStatus(sandbox, old: old, new: status)
                return .milliseconds(1)
            }
            let (deleted, errors) = try await expire(sandbox)
            if deleted { return nil }
            if errors.isEmpty {
                let kept = status.conditions
                status = Status(nil)
                status.conditions = kept
                status.conditions.set(AgentSandbox.expiredCondition(generation: sandbox.generation), now: now)
            } else {
                failure = ReconcileError(messages: errors)
            }
        } else {
            failure = try await reconcileChildren(sandbox, &status, now: now)
            if let shutdown {
                let remaining = shutdown.timeIntervalSince(context.now())
                if remaining <= 0 {
                    Self.markExpired(&status, generation: sandbox.generation, now: now)
                    requeue = .milliseconds(1)
                } else {
                    requeue = .milliseconds(Int(remaining * 1000) + 1)
                }
            }
        }
        try await writeStatus(sandbox, old: old, new: status)
        if let failure { throw failure }
        return requeue
    }

    static func markExpired(_ status: inout Status, generation: Int64, now: Date) {
        status.conditions.set(AgentSandbox.expiredCondition(generation: generation), now: now)
        status.conditions.remove(type: "PodScheduled")
    }

    // MARK: Children

    private func reconcileChildren(_ sandbox: KubeObject, _ status: inout Status, now: Date) async throws -> ReconcileError? {
        let hash = AgentSandbox.nameHash(sandbox.name)
        var errors: [String] = []
        if let message = try await reconcileClaims(sandbox, hash: hash) { errors.append(message) }
        let podResult = try await reconcilePod(sandbox, hash: hash)
        if case .multiple(let count) = podResult.error {
            if status.conditions[type: "Ready"]?.reason != "MultiplePods" {
                try? await events.record(sandbox, type: "Warning", reason: "MultiplePods", action: "Reconciling",
                                         note: AgentSandbox.multiplePodsMessage(count))
            }
        } else if case .failed(let message) = podResult.error {
            errors.append(message)
        }
        let pod = podResult.pod
        let owned = pod.map { AgentSandbox.ownership(of: $0, sandboxUID: sandbox.uid) == .ownedBySandbox } ?? false
        if let pod {
            status.selector = "\(AgentSandbox.nameHashLabel)=\(hash)"
            status.podIPs = owned ? (pod.status?["podIPs"]?.arrayValue ?? []).compactMap { $0["ip"]?.stringValue } : []
            status.nodeName = owned ? (pod.spec?["nodeName"]?.stringValue ?? "") : ""
        } else {
            status.podIPs = []
            status.nodeName = ""
        }

        var service: KubeObject?
        var multiple: Int?
        if case .multiple(let count) = podResult.error {
            multiple = count
        } else {
            let result = try await reconcileService(sandbox, hash: hash, status: &status)
            service = result.service
            if let message = result.error { errors.append(message) }
        }

        let observation = AgentSandbox.Observation(
            generation: sandbox.generation, suspended: Self.isSuspended(sandbox), serviceWanted: sandbox.spec?["service"]?.boolValue,
            pod: pod, podOwned: owned, podFailed: podResult.error != nil, errors: errors, multiplePods: multiple,
            serviceExists: service != nil)
        var present: Set<String> = []
        for condition in AgentSandbox.conditions(observation) {
            status.conditions.set(condition, now: now)
            present.insert(condition.type)
        }
        for type in ["Finished", "PodScheduled"] where !present.contains(type) { status.conditions.remove(type: type) }
        return errors.isEmpty ? nil : ReconcileError(messages: errors)
    }

    static func isSuspended(_ sandbox: KubeObject) -> Bool {
        sandbox.spec?["operatingMode"]?.stringValue == "Suspended"
    }

    // MARK: PVCs

    private func reconcileClaims(_ sandbox: KubeObject, hash: String) async throws -> String? {
        for template in sandbox.spec?["volumeClaimTemplates"]?.arrayValue ?? [] {
            let desired = AgentSandbox.claim(for: sandbox, template: template)
            if let existing = context.get(.persistentVolumeClaims, namespace: sandbox.namespace, name: desired.name) {
                switch AgentSandbox.ownership(of: existing, sandboxUID: sandbox.uid) {
                case .ownedByOther(let kind, let owner, let uid):
                    return AgentSandbox.ownedByOtherMessage("PVC", desired.name, sandbox: sandbox.name, kind: kind, owner: owner, uid: uid)
                case .unowned:
                    guard existing.labels[AgentSandbox.adoptableLabel] == "true" || existing.labels[AgentSandbox.nameHashLabel] == hash else {
                        return AgentSandbox.cannotAdoptMessage("PVC", desired.name)
                    }
                    let references = existing.ownerReferenceValues + [AgentSandbox.ownerReference(sandbox)]
                    do {
                        try await context.client.patch(.persistentVolumeClaims, namespace: sandbox.namespace, name: desired.name,
                                                       merge: ["metadata": ["ownerReferences": .array(references)]])
                    } catch let error as APIError {
                        return "failed to patch PVC with owner reference: \(error.message)"
                    }
                case .ownedBySandbox:
                    break
                }
                continue
            }
            do {
                try await context.client.create(.persistentVolumeClaims, desired)
            } catch let error as APIError {
                return error.message
            }
        }
        return nil
    }

    // MARK: Pod

    enum PodError: Equatable {
        case multiple(Int)
        case failed(String)
    }

    /// Sets (or with nil removes) the `pod-name` annotation on the live Sandbox with a merge patch.
    private func setPodNameAnnotation(_ sandbox: KubeObject, _ value: String?) async throws {
        let live = context.get(AgentSandbox.storage, namespace: sandbox.namespace, name: sandbox.name) ?? sandbox
        let current = live.json["metadata"]?["annotations"]?[AgentSandbox.podNameAnnotation]
        guard current != value.map(JSONValue.string) else { return }
        try await context.client.patch(AgentSandbox.resource, namespace: sandbox.namespace, name: sandbox.name,
                                       merge: ["metadata": ["annotations": [AgentSandbox.podNameAnnotation: value.map(JSONValue.string) ?? .null]]])
    }

    private func reconcilePod(_ sandbox: KubeObject, hash: String) async throws -> (pod: KubeObject?, error: PodError?) {
        let candidates = context.list(.pods, namespace: sandbox.namespace).filter { $0.labels[AgentSandbox.nameHashLabel] == hash }
        var owned = candidates.filter { AgentSandbox.ownership(of: $0, sandboxUID: sandbox.uid) == .ownedBySandbox }
        let annotated = sandbox.annotations[AgentSandbox.podNameAnnotation].flatMap { $0.isEmpty ? nil : $0 }
        let annotationExists = sandbox.json["metadata"]?["annotations"]?[AgentSandbox.podNameAnnotation] != nil
        let podName = annotated ?? sandbox.name
        var pod = context.get(.pods, namespace: sandbox.namespace, name: podName)
        if pod == nil, annotationExists { try await setPodNameAnnotation(sandbox, nil) }
        if let found = pod, AgentSandbox.ownership(of: found, sandboxUID: sandbox.uid) == .ownedBySandbox,
           !owned.contains(where: { $0.name == found.name }) {
            owned.append(found)
        }
        if owned.count > 1 { return (nil, .multiple(owned.count)) }
        if owned.count == 1, pod == nil || pod?.name != owned[0].name {
            if annotationExists, pod != nil { try await setPodNameAnnotation(sandbox, nil) }
            pod = owned[0]
        }

        if Self.isSuspended(sandbox) {
            if let existing = pod, AgentSandbox.ownership(of: existing, sandboxUID: sandbox.uid) == .ownedBySandbox {
                if !existing.isBeingDeleted {
                    do {
                        try await context.delete(.pods, namespace: existing.namespace, name: existing.name, uid: existing.uid)
                    } catch let error as APIError {
                        return (existing, .failed("failed to delete pod: \(error.message)"))
                    }
                }
                // The terminating Pod is reported until it is gone.
                return (existing, nil)
            }
            try await setPodNameAnnotation(sandbox, nil)
            return (pod, nil)
        }

        if let existing = pod { return try await reconcileExistingPod(existing, sandbox: sandbox, hash: hash) }

        let desired = AgentSandbox.pod(for: sandbox)
        do {
            let created = try await context.client.create(.pods, desired)
            try await setPodNameAnnotation(sandbox, created.name)
            return (created, nil)
        } catch let error as APIError where error.reason == .alreadyExists {
            guard let existing = try await context.client.getIfPresent(.pods, namespace: sandbox.namespace, name: desired.name) else {
                return (nil, .failed("pod already exists but failed to fetch: \(error.message)"))
            }
            return try await reconcileExistingPod(existing, sandbox: sandbox, hash: hash)
        } catch let error as APIError {
            return (nil, .failed(error.message))
        }
    }

    private func reconcileExistingPod(_ pod: KubeObject, sandbox: KubeObject, hash: String) async throws -> (pod: KubeObject?, error: PodError?) {
        var references: [JSONValue]?
        switch AgentSandbox.ownership(of: pod, sandboxUID: sandbox.uid) {
        case .ownedByOther(let kind, let owner, let uid):
            try await setPodNameAnnotation(sandbox, nil)
            return (nil, .failed(AgentSandbox.ownedByOtherMessage("pod", pod.name, sandbox: sandbox.name, kind: kind, owner: owner, uid: uid)))
        case .unowned:
            guard pod.labels[AgentSandbox.adoptableLabel] == "true" || pod.labels[AgentSandbox.nameHashLabel] == hash else {
                return (nil, .failed(AgentSandbox.cannotAdoptMessage("pod", pod.name)))
            }
            references = pod.ownerReferenceValues + [AgentSandbox.ownerReference(sandbox)]
        case .ownedBySandbox:
            break
        }
        let (labels, annotations) = AgentSandbox.syncedPodMetadata(pod, sandbox: sandbox)
        var current = pod
        if labels != pod.labels || annotations != pod.annotations || references != nil {
            var before = KubeObject(["metadata": [:]])
            before.labels = pod.labels
            before.annotations = pod.annotations
            var after = KubeObject(["metadata": [:]])
            after.labels = labels
            after.annotations = annotations
            var patch = JSONMergePatch.createMergePatch(from: before.value, to: after.value)
            if let references { patch[path: ["metadata", "ownerReferences"]] = .array(references) }
            do {
                current = try await context.client.patch(.pods, namespace: pod.namespace, name: pod.name, merge: patch)
            } catch let error as APIError {
                return (nil, .failed("failed to patch pod: \(error.message)"))
            }
        }
        try await setPodNameAnnotation(sandbox, current.name)
        return (current, nil)
    }

    // MARK: Service

    private func reconcileService(_ sandbox: KubeObject, hash: String, status: inout Status) async throws -> (service: KubeObject?, error: String?) {
        let wanted = sandbox.spec?["service"]?.boolValue
        let desired = AgentSandbox.service(for: sandbox)
        let desiredPorts = desired.spec?["ports"]?.arrayValue ?? []
        let clear = { (status: inout Status) in
            status.service = ""
            status.serviceFQDN = ""
        }
        guard let existing = context.get(.services, namespace: sandbox.namespace, name: sandbox.name) else {
            guard wanted == true else {
                clear(&status)
                return (nil, nil)
            }
            do {
                let created = try await context.client.create(.services, desired)
                setServiceStatus(&status, created)
                return (created, nil)
            } catch let error as APIError {
                return (nil, error.message)
            }
        }
        let ownership = AgentSandbox.ownership(of: existing, sandboxUID: sandbox.uid)
        if wanted == false {
            if ownership == .ownedBySandbox {
                do {
                    try await context.delete(.services, namespace: existing.namespace, name: existing.name, uid: existing.uid)
                } catch let error as APIError {
                    return (nil, "failed to delete service: \(error.message)")
                }
            }
            clear(&status)
            return (nil, nil)
        }
        var current = existing
        switch ownership {
        case .ownedByOther(let kind, let owner, let uid):
            return (nil, AgentSandbox.ownedByOtherMessage("service", existing.name, sandbox: sandbox.name, kind: kind, owner: owner, uid: uid))
        case .unowned:
            guard wanted == true else {
                clear(&status)
                return (nil, nil)
            }
            guard existing.labels[AgentSandbox.adoptableLabel] == "true" || existing.labels[AgentSandbox.nameHashLabel] == hash else {
                return (nil, AgentSandbox.cannotAdoptMessage("service", existing.name))
            }
            let clusterIP = existing.spec?["clusterIP"]?.stringValue ?? ""
            if clusterIP != "None", !clusterIP.isEmpty {
                return (nil, "cannot adopt service \(existing.name.goQuoted): ClusterIP is \(clusterIP.goQuoted) (expected \"None\", field is immutable)")
            }
            var adopted = existing
            var labels = adopted.labels
            labels[AgentSandbox.nameHashLabel] = hash
            adopted.labels = labels
            adopted.spec = (adopted.spec ?? [:]).setting("selector", [AgentSandbox.nameHashLabel: .string(hash)])
                .setting("ports", desiredPorts.isEmpty ? nil : .array(desiredPorts))
            adopted.json["metadata"]?["ownerReferences"] = .array(existing.ownerReferenceValues + [AgentSandbox.ownerReference(sandbox)])
            do {
                current = try await context.client.update(.services, adopted)
            } catch let error as APIError {
                return (nil, "failed to update service with owner reference: \(error.message)")
            }
        case .ownedBySandbox:
            var patch: JSONObject = [:]
            if existing.labels[AgentSandbox.nameHashLabel] != hash {
                patch["metadata"] = ["labels": [AgentSandbox.nameHashLabel: .string(hash)]]
            }
            let selector = (existing.spec?["selector"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
            var specPatch: JSONObject = [:]
            if selector != [AgentSandbox.nameHashLabel: hash] {
                var replacement: JSONObject = selector.mapValues { _ in JSONValue.null }
                replacement[AgentSandbox.nameHashLabel] = .string(hash)
                specPatch["selector"] = .object(replacement)
            }
            if wanted == true, !AgentSandbox.portsEqual(existing.spec?["ports"]?.arrayValue ?? [], desiredPorts) {
                specPatch["ports"] = desiredPorts.isEmpty ? .null : .array(desiredPorts)
            }
            if !specPatch.isEmpty { patch["spec"] = .object(specPatch) }
            if !patch.isEmpty {
                do {
                    current = try await context.client.patch(.services, namespace: existing.namespace, name: existing.name, merge: .object(patch))
                } catch let error as APIError {
                    return (nil, "failed to patch owned service: \(error.message)")
                }
            }
        }
        setServiceStatus(&status, current)
        return (current, nil)
    }

    private func setServiceStatus(_ status: inout Status, _ service: KubeObject) {
        status.service = service.name
        status.serviceFQDN = "\(service.name).\(service.namespace).svc.\(context.core.options.clusterDomain)"
    }

    // MARK: Expiry and status

    /// Deletes the owned Pod and Service; with `shutdownPolicy: Delete`, the Sandbox too.
    private func expire(_ sandbox: KubeObject) async throws -> (deleted: Bool, errors: [String]) {
        var errors: [String] = []
        let podName = sandbox.annotations[AgentSandbox.podNameAnnotation].flatMap { $0.isEmpty ? nil : $0 } ?? sandbox.name
        for (resource, gvr, name, what) in [(GroupResource.pods, GroupVersionResource.pods, podName, "pod"),
                                            (.services, .services, sandbox.name, "service")] {
            guard let child = context.get(resource, namespace: sandbox.namespace, name: name),
                  AgentSandbox.ownership(of: child, sandboxUID: sandbox.uid) == .ownedBySandbox else { continue }
            do {
                try await context.delete(gvr, namespace: child.namespace, name: child.name, uid: child.uid)
            } catch let error as APIError {
                errors.append("failed to delete \(what): \(error.message)")
            }
        }
        if sandbox.spec?["shutdownPolicy"]?.stringValue == "Delete" {
            do {
                try await context.delete(AgentSandbox.resource, namespace: sandbox.namespace, name: sandbox.name, uid: sandbox.uid)
                return (true, [])
            } catch let error as APIError {
                errors.append("failed to delete sandbox: \(error.message)")
            }
        }
        return (false, errors)
    }

    /// Writes the status with a JSON merge patch on `/status` (no resourceVersion
    /// precondition, as upstream). A change of `nodeName` alone waits for Ready.
    private func writeStatus(_ sandbox: KubeObject, old: Status, new: Status) async throws {
        guard new != old else { return }
        var withOldNode = new
        withOldNode.nodeName = old.nodeName
        if old.nodeName != new.nodeName, withOldNode == old, new.conditions[type: "Ready"]?.isTrue != true { return }
        let patch = JSONMergePatch.createMergePatch(from: old.json, to: new.json)
        do {
            try await context.client.patch(AgentSandbox.resource, namespace: sandbox.namespace, name: sandbox.name,
                                           merge: ["status": patch], subresource: "status")
        } catch let error as APIError where error.reason == .notFound {
            // Deleted meanwhile.
        }
    }
}
