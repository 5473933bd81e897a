//! Deletes: preconditions, propagation policies (as finalizers the garbage
//! collector honours), graceful pod deletion, namespace termination, and
//! deletecollection.
import Foundation
import KubeCore

/// `DeleteOptions`, from the body or the query.
struct DeleteOptions {
    var propagationPolicy: String?
    var gracePeriodSeconds: Int64?
    var preconditionUID: String?
    var preconditionResourceVersion: String?
    var dryRun: Bool

    init(_ request: ResourceRequest) throws {
        var body: JSONValue = [:]
        if let data = request.body, !data.isEmpty {
            if let contentType = request.contentType, KubernetesProtobufCodec.isProtobuf(contentType: contentType) {
                body = try KubernetesProtobufCodec.standard.decode(data)
            } else {
                do { body = try JSONValue.parse(data) } catch {
                    throw APIError.badRequest("error decoding DeleteOptions: \(error)")
                }
            }
        }
        propagationPolicy = body["propagationPolicy"]?.stringValue ?? request.query["propagationPolicy"]
        if propagationPolicy == nil {
            let orphan = body["orphanDependents"]?.boolValue ?? request.query["orphanDependents"].map { $0 == "true" }
            if let orphan { propagationPolicy = orphan ? "Orphan" : "Background" }
        }
        gracePeriodSeconds = body["gracePeriodSeconds"]?.intValue ?? request.query["gracePeriodSeconds"].flatMap { Int64($0) }
        preconditionUID = body["preconditions"]?["uid"]?.stringValue
        preconditionResourceVersion = body["preconditions"]?["resourceVersion"]?.stringValue
        dryRun = request.isDryRun || (body["dryRun"]?.arrayValue?.contains("All") ?? false)
        if let policy = propagationPolicy, !["Orphan", "Background", "Foreground"].contains(policy) {
            throw APIError.invalid(GroupKind(group: "meta.k8s.io", kind: "DeleteOptions"), name: "", errors: [
                .notSupported(FieldPath("propagationPolicy"), .string(policy), ["Foreground", "Background", "Orphan"]),
            ])
        }
    }
}

extension APIServerCore {
    func delete(_ request: ResourceRequest, _ type: ResourceType) throws -> APIResponse {
        let options = try DeleteOptions(request)
        let key = key(request, type)
        let (response, gone) = try deleteOne(key, type, options: options)
        if type.deleteReturnsObject || !gone {
            return .ok(present(response, type, version: request.version).value)
        }
        return .ok(try JSONValue(encoding: APIStatus.success(details: StatusDetails(
            name: response.name, group: type.group, kind: type.resource, uid: response.uid))))
    }

    /// Deletes (or starts deleting) one object. Returns the object as it now is
    /// (or its final state) and whether it is gone.
    @discardableResult
    func deleteOne(_ key: ObjectKey, _ type: ResourceType, options: DeleteOptions) throws -> (KubeObject, Bool) {
        let deletionTime = now()
        var dryRunResult: (KubeObject, Bool)?
        let commit = try store.transact(type.storageResource, key) { existing in
            guard var object = existing else { throw APIError.notFound(type.groupResource, name: key.name) }
            if let uid = options.preconditionUID, uid != object.uid {
                throw APIError.conflict(type.groupResource, name: key.name,
                                        message: "Precondition failed: UID in precondition: \(uid), UID in object meta: \(object.uid)")
            }
            if let rv = options.preconditionResourceVersion, rv != object.resourceVersion {
                throw APIError.conflict(type.groupResource, name: key.name,
                                        message: "Precondition failed: ResourceVersion in precondition: \(rv), ResourceVersion in object meta: \(object.resourceVersion)")
            }
            var finalizers = object.finalizers
            switch options.propagationPolicy {
            case "Foreground" where !finalizers.contains("foregroundDeletion"):
                finalizers.append("foregroundDeletion")
                finalizers.removeAll { $0 == "orphan" }
            case "Orphan" where !finalizers.contains("orphan"):
                finalizers.append("orphan")
                finalizers.removeAll { $0 == "foregroundDeletion" }
            default: break
            }
            let isNamespace = type.group.isEmpty && type.resource == "namespaces"
            let gracePeriod = Self.gracePeriod(object, type, options)
            let needsGrace = gracePeriod > 0
            if finalizers.isEmpty, !isNamespace, !needsGrace {
                if options.dryRun {
                    dryRunResult = (object, true)
                    return .unchanged
                }
                return .delete
            }
            // Graceful deletion: mark and wait for finalizers (or the kubelet).
            let alreadyDeleting = object.isBeingDeleted
            object.finalizers = finalizers
            if !alreadyDeleting {
                object.deletionTimestamp = KubeTime.format(deletionTime.addingTimeInterval(TimeInterval(gracePeriod)))
                object.deletionGracePeriodSeconds = gracePeriod
                if type.tracksGeneration || type.isCustom { object.generation += 1 }
                if isNamespace { object.status = (object.status ?? [:]).with("phase", "Terminating") }
            } else if let current = object.deletionGracePeriodSeconds, gracePeriod < current {
                // A shorter grace period may replace a longer one (kubectl delete --grace-period=0 --force).
                object.deletionGracePeriodSeconds = gracePeriod
                object.deletionTimestamp = KubeTime.format(deletionTime.addingTimeInterval(TimeInterval(gracePeriod)))
                if gracePeriod == 0, finalizers.isEmpty, !isNamespace { return options.dryRun ? .unchanged : .delete }
            }
            if options.dryRun {
                dryRunResult = (object, false)
                return .unchanged
            }
            return .put(object)
        }
        if let dryRunResult { return dryRunResult }
        return (commit.current ?? KubeObject([:]), commit.deleted)
    }

    /// Pods on a node get a grace period for the kubelet to stop them; everything else is immediate.
    static func gracePeriod(_ object: KubeObject, _ type: ResourceType, _ options: DeleteOptions) -> Int64 {
        guard type.group.isEmpty, type.resource == "pods" else { return 0 }
        let phase = object.status?["phase"]?.stringValue ?? ""
        let scheduled = !(object.spec?["nodeName"]?.stringValue ?? "").isEmpty
        guard scheduled, phase != "Succeeded", phase != "Failed" else { return 0 }
        return max(0, options.gracePeriodSeconds ?? object.spec?["terminationGracePeriodSeconds"]?.intValue ?? 30)
    }

    func deleteCollection(_ request: ResourceRequest, _ type: ResourceType) throws -> APIResponse {
        let options = try DeleteOptions(request)
        let selectors = try ListSelectors(request, type)
        let (items, _) = store.list(type.storageResource, namespace: type.namespaced ? request.namespace : nil)
        var deleted: [JSONValue] = []
        for (key, object) in items where selectors.matches(object) {
            do {
                let (result, _) = try deleteOne(key, type, options: options)
                deleted.append(present(result, type, version: request.version).value)
            } catch let error as APIError where error.reason == .notFound {
                continue
            }
        }
        return .ok(.object([
            "apiVersion": .string(request.groupVersion.apiVersion), "kind": .string(type.listKind),
            "metadata": ["resourceVersion": .string(String(store.resourceVersion))],
            "items": .array(deleted),
        ]))
    }
}
