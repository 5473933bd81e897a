//! Writes: create, update (main and status endpoints) and patch. Every write
//! is decided and committed in one store transaction, so optimistic
//! concurrency holds and a no-op write changes nothing (no new resourceVersion).
import Foundation
import KubeCore

extension APIServerCore {
    // MARK: Create

    func create(_ request: ResourceRequest, _ type: ResourceType) throws -> APIResponse {
        try Self.validateFieldManagerOptions(request, options: "CreateOptions")
        return try insert(try requestObject(request, type), request, type, applied: nil)
    }

    /// Creates `object` (the request's, or the result of an apply creating it,
    /// whose managed fields are `applied`).
    func insert(_ new: KubeObject, _ request: ResourceRequest, _ type: ResourceType, applied: ManagedFields?) throws -> APIResponse {
        var object = new
        if let urlNamespace = request.namespace {
            if object.namespace.isEmpty { object.namespace = urlNamespace }
            guard object.namespace == urlNamespace else {
                throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
        }
        if object.name.isEmpty, !object.generateName.isEmpty {
            object.name = object.generateName + Self.randomSuffix()
        }
        var warnings: [String] = []
        let requested = object
        var created = try admitCreate(&object, type, request: request, warnings: &warnings)
        recordCreate(&created, requested: requested, type, request, applied: applied)
        if request.isDryRun {
            return .ok(present(created, type, version: request.version).value, code: 201, warnings: warnings)
        }
        try requireWritableNamespace(created, type)
        let commit = try store.transact(type.storageResource, ObjectKey(namespace: created.namespace, name: created.name)) { existing in
            if existing != nil { throw APIError.alreadyExists(type.groupResource, name: created.name) }
            return .put(created)
        }
        return .ok(present(commit.current ?? created, type, version: request.version).value, code: 201, warnings: warnings)
    }

    /// Fills server-owned metadata and runs defaulting and validation for a new object.
    func admitCreate(_ object: inout KubeObject, _ type: ResourceType, request: ResourceRequest, warnings: inout [String]) throws -> KubeObject {
        object.uid = UUID().uuidString.lowercased()
        object.creationTimestamp = KubeTime.format(now())
        object.deletionTimestamp = nil
        object.deletionGracePeriodSeconds = nil
        object.resourceVersion = ""
        object.generation = (type.tracksGeneration || type.isCustom) ? 1 : 0
        object.json["metadata"]?["selfLink"] = nil
        // Status is written through its own endpoint, never on create.
        if type.isCustom, type.hasStatus(request.version) { object.status = nil }
        if type.isCustom {
            try CustomResourceStrategy.admit(&object, old: nil, type, version: request.version, request: request, warnings: &warnings)
        } else {
            BuiltinStrategies.prepareForCreate(&object, type, ips: clusterIPs)
        }
        var errors = ObjectMetaValidation.validate(object, type: type)
        errors += BuiltinStrategies.validate(object, old: nil, type)
        if type.group == "apiextensions.k8s.io" {
            errors += CRDValidation.validate(object)
        }
        if !errors.isEmpty { throw APIError.invalid(type.groupKind, name: object.name, errors: errors) }
        try admitOwnerReferences(object, old: nil, type, request: request)
        try admitRBACEscalation(object, old: nil, type, request: request)
        return object
    }

    /// A namespaced object needs its namespace to exist and not be terminating.
    func requireWritableNamespace(_ object: KubeObject, _ type: ResourceType) throws {
        guard type.namespaced else { return }
        let namespaces = GroupResource(group: "", resource: "namespaces")
        guard let namespace = store.get(namespaces, ObjectKey(namespace: "", name: object.namespace)) else {
            throw APIError.notFound(namespaces, name: object.namespace)
        }
        if namespace.isBeingDeleted {
            throw APIError(APIStatus(
                message: "\(type.kind.lowercased()) \"\(object.name)\" is forbidden: unable to create new content in namespace \(object.namespace) because it is being terminated",
                reason: .forbidden,
                details: StatusDetails(name: object.name, group: type.group, kind: type.resource,
                                       causes: [StatusCause(reason: "NamespaceTerminating", message: "namespace \(object.namespace) is being terminated", field: "metadata.namespace")]),
                code: 403))
        }
    }

    // MARK: Update

    func update(_ request: ResourceRequest, _ type: ResourceType) throws -> APIResponse {
        let object = try requestObject(request, type)
        let name = request.name ?? ""
        guard object.name == name else {
            throw APIError.badRequest("the name of the object (\(object.name)) does not match the name on the URL (\(name))")
        }
        if let urlNamespace = request.namespace, !object.namespace.isEmpty, object.namespace != urlNamespace {
            throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
        }
        try Self.validateFieldManagerOptions(request, options: "UpdateOptions")
        return try write(request, type, ownership: .update) { _ in object }
    }

    // MARK: Patch

    func patch(_ request: ResourceRequest, _ type: ResourceType) throws -> APIResponse {
        guard let body = request.body, !body.isEmpty else { throw APIError.badRequest("the body of the request was empty") }
        let contentType = (request.contentType ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        let patchType: PatchType
        switch contentType {
        case "application/merge-patch+json": patchType = .merge
        case "application/json-patch+json": patchType = .json
        case "application/strategic-merge-patch+json" where !type.isCustom: patchType = .strategic
        case "application/apply-patch+yaml", "application/apply-patch+json": patchType = .apply
        default:
            let accepted = type.isCustom
                ? "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
                : "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml"
            throw APIError.unsupportedMediaType("the body of the request was in an unknown format - accepted media types include: \(accepted)")
        }
        try Self.validateFieldManagerOptions(request, options: "PatchOptions", isApply: patchType == .apply)
        let patchDocument: JSONValue
        do {
            patchDocument = patchType == .apply
                ? try JSONValue.parseYAML(String(decoding: body, as: UTF8.self))
                : try JSONValue.parse(body)
        } catch {
            throw APIError.badRequest(patchType == .apply ? "error decoding YAML: \(error)" : "error decoding patch: \(error)")
        }
        if patchType == .apply {
            return try applyPatch(request, type, config: patchDocument)
        }
        // Only strategic merge patches need the kind's patch metadata.
        let schema = patchType == .strategic ? type.mergeSchema(version: request.version) : .open
        return try write(request, type, ownership: .update) { current in
            let patched: JSONValue
            do {
                patched = try patchType.apply(patchDocument, to: current.value, schema: schema)
            } catch let error as JSONPatchError {
                throw error.apiError
            } catch let error as StrategicMergePatch.Failure {
                throw error.apiError
            } catch let error as APIError {
                throw error
            } catch {
                throw APIError(APIStatus(message: "\(error)", reason: .invalid, code: 422))
            }
            guard let object = KubeObject(patched) else {
                throw APIError.badRequest("the patched object is not a JSON object")
            }
            try checkName(patched, request)
            return type.toStorage(object)
        }
    }

    // MARK: The shared update path

    /// Reads the stored object, lets `produce` compute the new one (from the
    /// client's body or a patch of the current representation), applies the
    /// update rules and commits, all in one transaction.
    func write(_ request: ResourceRequest, _ type: ResourceType, ownership: FieldOwnership,
               produce: (KubeObject) throws -> KubeObject) throws -> APIResponse {
        let key = key(request, type)
        var warnings: [String] = []
        var result: KubeObject?
        let commit = try store.transact(type.storageResource, key) { existing in
            guard let existing else { throw APIError.notFound(type.groupResource, name: key.name) }
            var new = try produce(present(existing, type, version: request.version))
            new = type.toStorage(new)
            try checkPreconditions(new, existing: existing, type)
            let requested = new
            try admitUpdate(&new, old: existing, type, request: request, warnings: &warnings)
            recordUpdate(&new, existing: existing, requested: requested, type, request, ownership: ownership)
            if Self.semanticallyEqual(new, existing) {
                result = existing
                return .unchanged
            }
            result = new
            if request.isDryRun { return .unchanged }
            // The last finalizer gone completes a deletion that was waiting for it; an
            // object still in its grace period (a stopping pod) stays until it ends.
            if new.isBeingDeleted, new.finalizers.isEmpty, (new.deletionGracePeriodSeconds ?? 0) == 0,
               !Self.waitsForSpecFinalizers(new, type) { return .delete }
            return .put(new)
        }
        let out = request.isDryRun ? (result ?? existingOrThrow(commit)) : (commit.current ?? result ?? existingOrThrow(commit))
        return .ok(present(out, type, version: request.version).value, warnings: warnings)
    }

    private func existingOrThrow(_ commit: StoreCommit) -> KubeObject {
        commit.previous ?? KubeObject([:])
    }

    /// uid and resourceVersion in the request are preconditions.
    func checkPreconditions(_ new: KubeObject, existing: KubeObject, _ type: ResourceType) throws {
        if !new.uid.isEmpty, new.uid != existing.uid {
            throw APIError.conflict(type.groupResource, name: existing.name,
                                    message: "Precondition failed: UID in precondition: \(new.uid), UID in object meta: \(existing.uid)")
        }
        if new.resourceVersion.isEmpty {
            if type.isCustom {
                throw APIError.invalid(type.groupKind, name: existing.name, errors: [
                    .invalid(FieldPath("metadata.resourceVersion"), .string(""), "must be specified for an update"),
                ])
            }
        } else if new.resourceVersion != existing.resourceVersion {
            throw APIError.modified(type.groupResource, name: existing.name)
        }
    }

    /// Applies the update rules: immutable metadata, status/main endpoint split, generation.
    func admitUpdate(_ new: inout KubeObject, old: KubeObject, _ type: ResourceType, request: ResourceRequest, warnings: inout [String]) throws {
        // Server-owned metadata always comes from the stored object.
        for field in ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"] {
            new.json["metadata"]?[field] = old.json["metadata"]?[field]
        }
        new.json["metadata"]?["selfLink"] = nil
        new.resourceVersion = old.resourceVersion
        let hasStatus = type.hasStatus(request.version)
        switch request.subresource {
        case "status":
            // Only status changes through the status endpoint.
            var merged = old
            merged.status = new.status
            new = merged
        case "finalize":
            var merged = old
            merged.spec = (old.spec ?? [:]).with("finalizers", new.spec?["finalizers"] ?? [])
            new = merged
        default:
            if hasStatus { new.status = old.status }
        }
        if type.isCustom {
            try CustomResourceStrategy.admit(&new, old: old, type, version: request.version, request: request, warnings: &warnings)
        } else {
            BuiltinStrategies.prepareForUpdate(&new, old: old, type)
        }
        var errors = ObjectMetaValidation.validate(new, type: type)
        errors += ObjectMetaValidation.validateUpdate(new, old: old)
        if request.subresource == nil {
            errors += BuiltinStrategies.validate(new, old: old, type)
            if type.group == "apiextensions.k8s.io" { errors += CRDValidation.validate(new, old: old) }
        }
        if !errors.isEmpty { throw APIError.invalid(type.groupKind, name: new.name, errors: errors) }
        try admitOwnerReferences(new, old: old, type, request: request)
        try admitRBACEscalation(new, old: old, type, request: request)
        if type.tracksGeneration || type.isCustom, Self.specChanged(new, old, statusIsSeparate: hasStatus) {
            new.generation = old.generation + 1
        }
    }

    /// Whether anything outside metadata (and status, when it has its own endpoint) changed.
    static func specChanged(_ a: KubeObject, _ b: KubeObject, statusIsSeparate: Bool) -> Bool {
        var x = a.json
        var y = b.json
        for key in ["metadata", "apiVersion", "kind"] + (statusIsSeparate ? ["status"] : []) {
            x[key] = nil
            y[key] = nil
        }
        return x != y
    }

    /// Equal for storage purposes: identical apart from the resourceVersion.
    static func semanticallyEqual(_ a: KubeObject, _ b: KubeObject) -> Bool {
        var x = a
        var y = b
        x.resourceVersion = ""
        y.resourceVersion = ""
        return x == y
    }

    /// A namespace is removed only when its spec finalizers are gone too.
    static func waitsForSpecFinalizers(_ object: KubeObject, _ type: ResourceType) -> Bool {
        type.group.isEmpty && type.resource == "namespaces" && !(object.spec?["finalizers"]?.arrayValue?.isEmpty ?? true)
    }

    // MARK: Helpers

    /// Decodes the request body as an object of this resource's kind and version.
    func requestObject(_ request: ResourceRequest, _ type: ResourceType) throws -> KubeObject {
        guard let object = KubeObject(try decodeBody(request)) else {
            throw APIError.badRequest("the object provided is unrecognized (not a JSON object)")
        }
        let expected = request.groupVersion.apiVersion
        var typed = object
        if typed.apiVersion.isEmpty { typed.apiVersion = expected }
        if typed.kind.isEmpty { typed.kind = type.kind }
        guard typed.apiVersion == expected else {
            throw APIError.badRequest("the API version in the data (\(typed.apiVersion)) does not match the expected API version (\(expected))")
        }
        guard typed.kind == type.kind else {
            throw APIError.badRequest("the kind in the data (\(typed.kind)) does not match the expected kind (\(type.kind))")
        }
        return type.toStorage(typed)
    }

    static func randomSuffix() -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<5).map { _ in alphabet.randomElement() ?? "x" })
    }
}

/// The patch formats the server accepts.
enum PatchType {
    case merge, json, strategic, apply

    /// Applies a merge, JSON or strategic merge patch (apply patches go through `applyPatch`).
    func apply(_ patch: JSONValue, to document: JSONValue, schema: SchemaNode) throws -> JSONValue {
        switch self {
        case .merge: return JSONMergePatch.apply(patch, to: document)
        case .json: return try JSONPatch(json: patch).apply(to: document)
        case .strategic, .apply: return try StrategicMergePatch.apply(patch, to: document, schema: schema)
        }
    }
}
