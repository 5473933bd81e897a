//! Wires field ownership into the write paths: field manager names and
//! options validation, managedFields on create and update, and the
//! server-side apply patch (checks, typed validation, conflicts, create when
//! absent) — kube-apiserver's create/update/patch handler steps around its
//! field manager.
import Foundation
import KubeCore

/// How a write records field ownership.
enum FieldOwnership {
    /// An Update operation by the request's field manager.
    case update
    /// Server-side apply: the produced object already carries its managedFields.
    case apply
}

extension APIServerCore {
    // MARK: Manager names and options

    /// The field manager of a create, update or non-apply patch: the
    /// `fieldManager` parameter, else the User-Agent up to its first `/`
    /// (upstream `managerOrUserAgent`).
    static func updateManagerName(_ request: ResourceRequest) -> String {
        if let manager = request.query["fieldManager"], !manager.isEmpty { return manager }
        return prefixFromUserAgent(request.userAgent ?? "")
    }

    /// The User-Agent before its first `/`, printable characters only, at most 128 bytes.
    static func prefixFromUserAgent(_ userAgent: String) -> String {
        let head = userAgent.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        var out = ""
        var bytes = 0
        for scalar in head.unicodeScalars where isPrintable(scalar) {
            let length = String(scalar).utf8.count
            if bytes + length > 128 { break }
            out.unicodeScalars.append(scalar)
            bytes += length
        }
        return out
    }

    /// Go's `unicode.IsPrint`.
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber,
             .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation,
             .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return true
        default:
            return false
        }
    }

    /// Validates `fieldManager` (and `force` for patches) as upstream's
    /// `Validate{Create,Update,Patch}Options` do; `options` names the kind
    /// (`PatchOptions`) in the 422.
    static func validateFieldManagerOptions(_ request: ResourceRequest, options: String, isApply: Bool = false) throws {
        var errors: [FieldError] = []
        let manager = request.query["fieldManager"] ?? ""
        if options == "PatchOptions" {
            if !isApply, request.query["force"] != nil {
                errors.append(.forbidden(FieldPath("force"), "may not be specified for non-apply patch"))
            }
            if isApply, manager.isEmpty {
                errors.append(.required(FieldPath("fieldManager"), "is required for apply patch"))
            }
        }
        if manager.utf8.count > 128 { errors.append(.tooLong(FieldPath("fieldManager"), maxLength: 128)) }
        var position = 0
        for scalar in manager.unicodeScalars {
            if !isPrintable(scalar) {
                let code = String(scalar.value, radix: 16, uppercase: true)
                let padded = String(repeating: "0", count: max(0, 4 - code.count)) + code
                errors.append(.invalid(FieldPath("fieldManager"), .string(manager), "invalid character U+\(padded) (at position \(position))"))
            }
            position += String(scalar).utf8.count
        }
        guard !errors.isEmpty else { return }
        throw APIError.invalid(GroupKind(group: "meta.k8s.io", kind: options), name: "", errors: errors)
    }

    // MARK: Field managers

    /// The field manager for a request on `type`, resetting the fields its endpoint resets.
    func fieldManager(_ request: ResourceRequest, _ type: ResourceType, objects: [JSONValue?], schema: SchemaNode? = nil) -> FieldManager {
        let keys = Set(objects.flatMap { $0?.objectValue.map { Array($0.keys) } ?? [] })
        return FieldManager(
            schema: schema ?? type.mergeSchema(version: request.version),
            apiVersion: request.groupVersion.apiVersion,
            subresource: request.subresource ?? "",
            ignored: FieldManager.resetFields(subresource: request.subresource, hasStatus: type.hasStatus(request.version), topLevelKeys: keys),
            now: KubeTime.format(now()))
    }

    // MARK: Create and update

    /// Records managedFields on an admitted new object: the applied fields when
    /// it was created by apply, else an Update by the request's manager of what
    /// the client sent (defaults included, fields the server fills in itself not).
    func recordCreate(_ created: inout KubeObject, requested: KubeObject, _ type: ResourceType, _ request: ResourceRequest,
                      applied: ManagedFields?) {
        if let applied {
            created.metadata["managedFields"] = applied.encoded()
            return
        }
        let new = present(created, type, version: request.version).value
        let manager = fieldManager(request, type, objects: [new])
        let empty = BuiltinSchemas.emptyObject(group: type.group, kind: type.kind, apiVersion: request.groupVersion.apiVersion,
                                               custom: type.isCustom)
        let requestedFields = requested.metadata["managedFields"]
        var managed = ManagedFields()
        if !ManagedFields.isReset(requestedFields), let decoded = try? ManagedFields.decode(requestedFields) {
            managed = decoded
        }
        var updated = manager.update(live: empty, new: new, managed: managed, manager: Self.updateManagerName(request))
        let serverSet = ServerSetFields.unrequested(type, requested: present(requested, type, version: request.version).value)
        if !serverSet.isEmpty {
            for (key, entry) in updated.entries {
                var trimmed = entry
                trimmed.fields = entry.fields.recursiveDifference(serverSet)
                updated.entries[key] = trimmed.fields.isEmpty ? nil : trimmed
            }
        }
        created.metadata["managedFields"] = updated.encoded()
    }

    /// Records managedFields after an admitted update, patch or apply.
    func recordUpdate(_ new: inout KubeObject, existing: KubeObject, requested: KubeObject, _ type: ResourceType,
                      _ request: ResourceRequest, ownership: FieldOwnership) {
        let liveFields = existing.metadata["managedFields"]
        switch ownership {
        case .apply:
            new.metadata["managedFields"] = requested.metadata["managedFields"]
        case .update:
            let requestedFields = requested.metadata["managedFields"]
            var managed = ManagedFields()
            if request.subresource != nil {
                managed = (try? ManagedFields.decode(liveFields)) ?? ManagedFields()
            } else if ManagedFields.isReset(requestedFields) {
                managed = ManagedFields()
            } else if let decoded = try? ManagedFields.decode(requestedFields), !decoded.entries.isEmpty {
                managed = decoded
            } else {
                managed = (try? ManagedFields.decode(liveFields)) ?? ManagedFields()
            }
            let live = present(existing, type, version: request.version).value
            let updated = present(new, type, version: request.version).value
            let manager = fieldManager(request, type, objects: [live, updated])
            let result = manager.update(live: live, new: updated, managed: managed, manager: Self.updateManagerName(request))
            new.metadata["managedFields"] = result.encoded()
        }
    }

    // MARK: Server-side apply

    /// A server-side apply patch: checks the configuration, creates the object
    /// when absent, else merges it with conflicts and ownership.
    func applyPatch(_ request: ResourceRequest, _ type: ResourceType, config: JSONValue) throws -> APIResponse {
        guard config.objectValue != nil else {
            throw APIError.badRequest("error decoding YAML: json: cannot unmarshal \(GoValue.jsonKind(config)) into Go value of type map[string]interface {}")
        }
        let gvk = (config["apiVersion"]?.stringValue ?? "", config["kind"]?.stringValue ?? "")
        let group = GroupVersion(apiVersion: gvk.0)?.group ?? ""
        let version = GroupVersion(apiVersion: gvk.0)?.version ?? ""
        guard gvk.0 == request.groupVersion.apiVersion, gvk.1 == type.kind else {
            throw APIError.badRequest("invalid object type: \(group)/\(version), Kind=\(gvk.1)")
        }
        if config[path: ["metadata", "managedFields"]] != nil {
            throw APIError.badRequest("metadata.managedFields must be nil")
        }
        let schema = type.mergeSchema(version: request.version)
        let errors = TypedValue.validate(config, schema: schema)
        if !errors.isEmpty {
            let namespace = config[path: ["metadata", "namespace"]]?.stringValue ?? ""
            let name = config[path: ["metadata", "name"]]?.stringValue ?? ""
            throw APIError(APIStatus(
                message: "failed to create typed patch object (\(namespace)/\(name); \(request.group)/\(request.version), Kind=\(type.kind)): \(TypedError.render(errors))",
                reason: nil, code: 500))
        }
        try checkName(config, request)
        let manager = request.query["fieldManager"] ?? ""
        let force = request.flag("force")

        if store.get(type.storageResource, key(request, type)) == nil, request.subresource == nil {
            let fields = fieldManager(request, type, objects: [config], schema: schema)
            let applied: FieldManager.Applied
            do {
                applied = try fields.apply(live: nil, config: config, managed: ManagedFields(), manager: manager, force: force)
            } catch {
                throw error.apiError
            }
            guard let object = KubeObject(applied.object ?? config) else {
                throw APIError.badRequest("the object provided is unrecognized (not a JSON object)")
            }
            return try insert(type.toStorage(object), request, type, applied: applied.managed)
        }
        return try write(request, type, ownership: .apply) { current in
            let managed: ManagedFields
            do {
                managed = try ManagedFields.decode(current.metadata["managedFields"])
            } catch {
                throw APIError(APIStatus(message: "failed to decode managed fields: \(error)", reason: nil, code: 500))
            }
            let fields = fieldManager(request, type, objects: [current.value, config], schema: schema)
            let applied: FieldManager.Applied
            do {
                applied = try fields.apply(live: current.value, config: config, managed: managed, manager: manager, force: force)
            } catch let conflicts as FieldManager.Conflicts {
                throw conflicts.apiError
            }
            guard var object = KubeObject(applied.object ?? FieldManager.withoutManagedFields(current.value)) else {
                throw APIError.badRequest("the patched object is not a JSON object")
            }
            object.metadata["managedFields"] = applied.managed.encoded()
            return type.toStorage(object)
        }
    }

    /// A patched object keeps the name and namespace of the URL (upstream `checkName`).
    func checkName(_ object: JSONValue, _ request: ResourceRequest) throws {
        let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
        let url = request.name ?? ""
        if name != url {
            throw APIError.badRequest("the name of the object (\(name)) does not match the name on the URL (\(url))")
        }
        if let namespace = request.namespace, let own = object[path: ["metadata", "namespace"]]?.stringValue,
           !own.isEmpty, own != namespace {
            throw APIError.badRequest("the namespace of the object (\(own)) does not match the namespace on the request (\(namespace))")
        }
    }
}

/// Fields kube-apiserver fills in after the field manager ran (REST storage
/// allocation, strategy PrepareForCreate), so nobody owns them unless the
/// client sent them itself.
enum ServerSetFields {
    static let paths: [String: [FieldSetPath]] = [
        "/Service": ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"].map { FieldSetPath(fields: "spec", $0) },
        "/Namespace": [FieldSetPath(fields: "spec", "finalizers")],
        "batch/Job": [FieldSetPath(fields: "spec", "selector")]
            + ["batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-name", "controller-uid", "job-name"]
            .map { FieldSetPath(fields: "spec", "template", "metadata", "labels", $0) },
        "apiextensions.k8s.io/CustomResourceDefinition": [
            FieldSetPath([.field("metadata"), .field("finalizers"), .value(.string(CRDController.cleanupFinalizer))]),
        ],
    ]

    /// The server-set fields of `type` the request did not contain.
    static func unrequested(_ type: ResourceType, requested: JSONValue) -> FieldSet {
        guard !type.isCustom, let candidates = paths["\(type.group)/\(type.kind)"] else { return FieldSet() }
        return FieldSet(candidates.filter { !present($0.elements[...], in: requested) })
    }

    private static func present(_ path: ArraySlice<PathElement>, in value: JSONValue?) -> Bool {
        guard let first = path.first else { return value != nil }
        switch first {
        case .field(let name):
            guard let child = value?[name] else { return false }
            return present(path.dropFirst(), in: child)
        case .value(let item):
            return value?.arrayValue?.contains(item) ?? false
        default:
            return false
        }
    }
}
