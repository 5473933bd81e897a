//! Field ownership as kube-apiserver's field manager keeps it: Update
//! operations take over the fields they change, server-side Apply merges a
//! configuration, owns exactly what it applied, removes what its manager
//! stopped applying when nobody else owns it, and fails with conflicts where
//! another manager owns a field it changes (unless forced). Includes the
//! upstream wrappers: stripped metadata fields, reset (ignored) fields per
//! endpoint, times, the cap on update entries, and the client-side-apply
//! upgrade for manager `kubectl`. Pure: time and schema are inputs.
import KubeCore

/// Computes managed fields and applied objects.
public struct FieldManager: Sendable {
    /// The merge schema of the kind.
    public var schema: SchemaNode
    /// The request's `apiVersion` (entries record it).
    public var apiVersion: String
    /// The subresource written (`status`), empty for the main resource.
    public var subresource: String
    /// Fields this endpoint resets and nobody may own through it (upstream `ResetFields`).
    public var ignored: FieldSet
    /// The time recorded on changed entries (RFC 3339 seconds).
    public var now: String

    /// Update entries kept before the oldest are merged into `ancient-changes`.
    public static let maxUpdateManagers = 10

    /// Metadata fields never owned (upstream strip-meta manager).
    public static let strippedFields = FieldSet([
        FieldSetPath(fields: "apiVersion"), FieldSetPath(fields: "kind"), FieldSetPath(fields: "metadata"),
        FieldSetPath(fields: "metadata", "name"), FieldSetPath(fields: "metadata", "namespace"),
        FieldSetPath(fields: "metadata", "creationTimestamp"), FieldSetPath(fields: "metadata", "selfLink"),
        FieldSetPath(fields: "metadata", "uid"), FieldSetPath(fields: "metadata", "clusterName"),
        FieldSetPath(fields: "metadata", "generation"), FieldSetPath(fields: "metadata", "managedFields"),
        FieldSetPath(fields: "metadata", "resourceVersion"),
    ])

    /// The annotation kubectl's client-side apply keeps.
    public static let lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

    /// A field manager for one request; `subresource` defaults to the main
    /// resource and `ignored` to no reset fields.
    public init(schema: SchemaNode, apiVersion: String, subresource: String = "", ignored: FieldSet = FieldSet(), now: String) {
        self.schema = schema
        self.apiVersion = apiVersion
        self.subresource = subresource
        self.ignored = ignored
        self.now = now
    }

    /// The fields an endpoint resets: `status` on the main resource of a kind
    /// with a status subresource; everything but `status` on the status subresource.
    public static func resetFields(subresource: String?, hasStatus: Bool, topLevelKeys: Set<String>) -> FieldSet {
        switch subresource {
        case "status"?:
            return FieldSet(topLevelKeys.subtracting(["status"]).map { FieldSetPath(fields: $0) })
        case nil:
            return hasStatus ? FieldSet([FieldSetPath(fields: "status")]) : FieldSet()
        case let other?:
            return other == "finalize" ? FieldSet(topLevelKeys.subtracting(["spec"]).map { FieldSetPath(fields: $0) }) : FieldSet()
        }
    }

    // MARK: Update

    /// The managed fields after an Update (create, update or non-apply patch) by
    /// `manager`: fields changed or added move to it, removed fields leave every owner.
    /// `live` and `new` are compared without their `managedFields`.
    public func update(live: JSONValue?, new: JSONValue, managed: ManagedFields, manager: String) -> ManagedFields {
        let comparison = TypedValue.compare(live.map(Self.withoutManagedFields), Self.withoutManagedFields(new), schema: schema)
            .excluding(ignored)
        let key = ManagerKey(manager: manager, operation: .update, apiVersion: apiVersion, subresource: subresource)
        var out = managed
        let changed = comparison.modified.union(comparison.added)
        for (owner, entry) in managed.entries {
            var fields = entry.fields.difference(changed)
            if !comparison.removed.isEmpty { fields = fields.difference(comparison.removed) }
            out.entries[owner] = fields.isEmpty ? nil : ManagedEntry(fields: fields, apiVersion: entry.apiVersion, applied: entry.applied, time: entry.time)
        }
        let taken = changed.difference(comparison.removed).recursiveDifference(ignored).difference(Self.strippedFields)
        if !taken.isEmpty {
            let previous = out.entries[key]?.fields ?? FieldSet()
            out.entries[key] = ManagedEntry(fields: taken.union(previous), apiVersion: apiVersion, applied: false, time: now)
        }
        return Self.capUpdateManagers(out)
    }

    /// Merges the oldest update entries into `ancient-changes` buckets until at most
    /// `maxUpdateManagers` update entries remain.
    static func capUpdateManagers(_ managed: ManagedFields) -> ManagedFields {
        var out = managed
        var updaters = out.entries.filter { !$0.value.applied }.map(\.key)
        guard updaters.count > maxUpdateManagers else { return out }
        updaters.sort { a, b in
            let (ta, tb) = (ManagedFields.seconds(out.entries[a]?.time), ManagedFields.seconds(out.entries[b]?.time))
            return ta != tb ? ta < tb : a < b
        }
        var firstByVersion: [String: ManagerKey] = [:]
        var count = updaters.count
        for key in updaters where count > maxUpdateManagers {
            guard let entry = out.entries[key] else { continue }
            let bucket = ManagerKey(manager: "ancient-changes", operation: .update, apiVersion: entry.apiVersion)
            guard let first = firstByVersion[entry.apiVersion] else {
                firstByVersion[entry.apiVersion] = key
                continue
            }
            if out.entries[bucket] == nil, let firstEntry = out.entries[first] {
                out.entries[first] = nil
                out.entries[bucket] = firstEntry
            }
            let bucketFields = out.entries[bucket]?.fields ?? FieldSet()
            out.entries[bucket] = ManagedEntry(fields: entry.fields.union(bucketFields), apiVersion: entry.apiVersion,
                                               applied: entry.applied, time: entry.time)
            out.entries[key] = nil
            count -= 1
        }
        return out
    }

    // MARK: Apply

    /// The result of an apply: the object to store (nil when nothing changed)
    /// and the managed fields.
    public struct Applied: Sendable {
        /// The merged object, without managedFields; nil when the apply changed nothing.
        public var object: JSONValue?
        /// Every manager's fields after the apply.
        public var managed: ManagedFields
    }

    /// Conflicting fields per manager.
    public struct Conflicts: Error, Sendable, Hashable {
        /// The fields each other manager owns that the apply would change.
        public var byManager: [ManagerKey: FieldSet]

        /// The number of conflicting fields.
        public var count: Int { byManager.values.reduce(0) { $0 + $1.paths.count } }

        /// The 409 Conflict kube-apiserver answers, with one cause per field.
        public var apiError: APIError {
            let managers = byManager.keys.sorted()
            var causes: [StatusCause] = []
            var lines: [String] = []
            for manager in managers {
                let paths = byManager[manager]?.paths ?? []
                lines.append("conflicts with \(manager):")
                for path in paths {
                    causes.append(StatusCause(reason: "FieldManagerConflict", message: "conflict with \(manager)", field: path.description))
                    lines.append("- \(path)")
                }
            }
            let message: String
            if causes.count == 1, let manager = managers.first, let path = byManager[manager]?.paths.first {
                message = "Apply failed with 1 conflict: conflict with \(manager): \(path)"
            } else {
                message = "Apply failed with \(causes.count) conflicts: " + lines.joined(separator: "\n")
            }
            return APIError(APIStatus(message: message, reason: .conflict, details: StatusDetails(causes: causes), code: 409))
        }
    }

    /// Server-side apply of `config` by `manager` to `live` (nil when the object
    /// does not exist yet). Throws `Conflicts` unless `force`.
    public func apply(live: JSONValue?, config: JSONValue, managed: ManagedFields, manager: String, force: Bool) throws(Conflicts) -> Applied {
        var result: Applied
        do {
            result = try applyOnce(live: live, config: config, managed: managed, manager: manager, force: force)
        } catch {
            // kubectl's server-side apply may take over fields whose values it
            // applied client-side before (upstream last-applied manager).
            guard manager == "kubectl", let live, let allowed = allowedConflicts(live: live) else { throw error }
            var remaining: [ManagerKey: FieldSet] = [:]
            for (owner, fields) in error.byManager {
                let rest = fields.difference(allowed)
                if !rest.isEmpty { remaining[owner] = rest }
            }
            if !remaining.isEmpty { throw Conflicts(byManager: remaining) }
            result = try applyOnce(live: live, config: config, managed: managed, manager: manager, force: true)
        }
        // kubectl keeps an existing client-side apply annotation in step (upstream last-applied updater).
        if manager == "kubectl", let object = result.object ?? live.map(Self.withoutManagedFields),
           let annotation = object[path: ["metadata", "annotations", Self.lastAppliedAnnotation]]?.stringValue, !annotation.isEmpty {
            var applied = config
            applied[path: ["metadata", "annotations", Self.lastAppliedAnnotation]] = nil
            if applied[path: ["metadata", "annotations"]]?.objectValue?.isEmpty == true {
                applied[path: ["metadata", "annotations"]] = nil
            }
            var updated = object
            updated[path: ["metadata", "annotations", Self.lastAppliedAnnotation]] = .string(applied.jsonString() + "\n")
            if updated != object { result.object = updated }
        }
        return result
    }

    private func applyOnce(live: JSONValue?, config: JSONValue, managed: ManagedFields, manager: String, force: Bool) throws(Conflicts) -> Applied {
        let key = ManagerKey(manager: manager, operation: .apply, apiVersion: apiVersion, subresource: subresource)
        let liveValue = live.map(Self.withoutManagedFields)
        var merged = TypedValue.merge(live: liveValue, config: config, schema: schema) ?? .object([:])
        let lastSet = managed.entries[key]?.fields
        var managers = managed
        let previousTime = managed.entries[key]?.time
        let configSet = TypedValue.fieldSet(of: config, schema: schema).recursiveDifference(ignored)
        managers.entries[key] = ManagedEntry(fields: configSet, apiVersion: apiVersion, applied: true, time: previousTime)
        if let lastSet, !lastSet.isEmpty {
            merged = prune(merged, managers: managers, lastSet: lastSet)
        }

        // Other managers lose what this apply changes (conflicts unless forced) or removes.
        let comparison = TypedValue.compare(liveValue, merged, schema: schema).excluding(ignored)
        let changed = comparison.modified.union(comparison.added)
        var conflicts: [ManagerKey: FieldSet] = [:]
        for (owner, entry) in managers.entries where owner != key {
            let conflict = entry.fields.intersection(changed)
            if !conflict.isEmpty { conflicts[owner] = conflict }
        }
        if !force, !conflicts.isEmpty { throw Conflicts(byManager: conflicts) }
        for (owner, entry) in managers.entries where owner != key {
            var fields = entry.fields
            if let conflict = conflicts[owner] { fields = fields.difference(conflict) }
            if !comparison.removed.isEmpty { fields = fields.difference(comparison.removed) }
            managers.entries[owner] = fields.isEmpty ? nil : ManagedEntry(fields: fields, apiVersion: entry.apiVersion,
                                                                         applied: entry.applied, time: entry.time)
        }

        let unchanged = liveValue.map { TypedValue.equal($0, merged) } ?? false
        if let entry = managers.entries[key] {
            let stripped = entry.fields.difference(Self.strippedFields)
            managers.entries[key] = stripped.isEmpty ? nil : ManagedEntry(fields: stripped, apiVersion: apiVersion, applied: true,
                                                                         time: unchanged ? entry.time : now)
        }
        return Applied(object: unchanged ? JSONValue?.none : merged, managed: managers)
    }

    /// Removes what the applier applied last time but not now, unless another
    /// manager (or its new configuration) owns it (upstream `prune`).
    private func prune(_ merged: JSONValue, managers: ManagedFields, lastSet: FieldSet) -> JSONValue {
        let last = lastSet.ensuringNamedFieldsAreMembers(schema)
        let pruned = TypedValue.removeItems(merged, last, schema: schema) ?? .object([:])
        var owned = FieldSet()
        for entry in managers.entries.values { owned = owned.union(entry.fields) }
        let mergedSet = TypedValue.fieldSet(of: merged, schema: schema).ensuringNamedFieldsAreMembers(schema)
        let prunedSet = TypedValue.fieldSet(of: pruned, schema: schema).ensuringNamedFieldsAreMembers(schema)
        let keepOwned = mergedSet.difference(prunedSet.union(owned.ensuringNamedFieldsAreMembers(schema)))
        let ownedBack = TypedValue.removeItems(merged, keepOwned, schema: schema) ?? .object([:])
        let backSet = TypedValue.fieldSet(of: ownedBack, schema: schema).ensuringNamedFieldsAreMembers(schema)
        return TypedValue.removeItems(merged, mergedSet.difference(backSet).intersection(last), schema: schema) ?? .object([:])
    }

    /// Fields kubectl applied client-side whose values the live object still has:
    /// they may be taken over without conflict (upstream last-applied manager).
    private func allowedConflicts(live: JSONValue) -> FieldSet? {
        guard let text = live[path: ["metadata", "annotations", Self.lastAppliedAnnotation]]?.stringValue, !text.isEmpty,
              let lastApplied = try? JSONValue.parse(text), lastApplied.objectValue != nil,
              lastApplied["apiVersion"]?.stringValue == apiVersion else { return nil }
        let lastAppliedSet = TypedValue.fieldSet(of: lastApplied, schema: schema)
        let comparison = TypedValue.compare(lastApplied, Self.withoutManagedFields(live), schema: schema)
        return lastAppliedSet.difference(comparison.modified).difference(comparison.added).difference(comparison.removed)
    }

    static func withoutManagedFields(_ object: JSONValue) -> JSONValue {
        guard object[path: ["metadata", "managedFields"]] != nil else { return object }
        var copy = object
        copy[path: ["metadata", "managedFields"]] = nil
        return copy
    }
}
