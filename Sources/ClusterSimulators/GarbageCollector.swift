//! GarbageCollector: owner-reference garbage collection across every resource,
//! custom resources included, following kube-controller-manager's garbage
//! collector. Owners are identified by UID — an owner recreated under the same
//! name is a different owner, so dependents of the old UID are collected.
//!
//! - Background: a dependent none of whose owners exist any more is deleted
//!   (with its own propagation: orphan/foreground finalizers it carries are honoured).
//! - Foreground: an owner being deleted with the `foregroundDeletion` finalizer
//!   has its dependents deleted; once no dependent with `blockOwnerDeletion: true`
//!   is left, the finalizer is removed and the owner goes.
//! - Orphan: an owner being deleted with the `orphan` finalizer has its owner
//!   references removed from every dependent, then the finalizer removed.
//!
//! Dependents live in the owner's namespace or are cluster-scoped; a
//! cluster-scoped dependent of a namespaced owner is invalid and never
//! collected (as upstream). Absence of an owner is always confirmed against the
//! API's current state, never inferred from the event stream alone.
import Foundation
import KubeCore
import LocalAPIServer

struct GarbageCollector: Reconciler {
    typealias Key = String

    static let foregroundFinalizer = "foregroundDeletion"
    static let orphanFinalizer = "orphan"

    /// What the collector remembers of an object: where it is and whom it references.
    struct Node: Sendable, Equatable {
        var resource: GroupResource
        var key: ObjectKey
        var owners: [String]
        var deleting: Bool
        var finalizers: [String]
    }

    /// The owner→dependents graph built from the watch (an index only; decisions re-read the store).
    struct Graph: Sendable {
        var nodes: [String: Node] = [:]
        var dependents: [String: Set<String>] = [:]
        /// UIDs observed deleted, newest last (bounded): owners whose kind may no longer be served.
        var gone: [String] = []
        var goneSet: Set<String> = []

        mutating func upsert(_ uid: String, _ node: Node) -> Node? {
            let old = nodes[uid]
            for owner in old?.owners ?? [] where !node.owners.contains(owner) {
                dependents[owner]?.remove(uid)
                if dependents[owner]?.isEmpty == true { dependents[owner] = nil }
            }
            for owner in node.owners { dependents[owner, default: []].insert(uid) }
            nodes[uid] = node
            return old
        }

        mutating func remove(_ uid: String) -> Node? {
            guard let old = nodes.removeValue(forKey: uid) else { return nil }
            for owner in old.owners {
                dependents[owner]?.remove(uid)
                if dependents[owner]?.isEmpty == true { dependents[owner] = nil }
            }
            if goneSet.insert(uid).inserted {
                gone.append(uid)
                if gone.count > 10_000 { goneSet.remove(gone.removeFirst()) }
            }
            return old
        }
    }

    let name = SimulatedController.garbageCollector.rawValue
    let context: SimulatorContext
    let graph = Locked(Graph())

    init(_ context: SimulatorContext) {
        self.context = context
    }

    var watches: [WatchFilter] { [WatchFilter(resource: nil)] }

    func keys(for event: StoreEvent) -> [String] {
        let object = event.object
        let uid = object.uid
        guard !uid.isEmpty else { return [] }
        switch event.type {
        case .added, .modified:
            let node = Node(resource: event.resource, key: ObjectKey(namespace: object.namespace, name: object.name),
                            owners: object.ownerReferenceValues.compactMap { $0["uid"]?.stringValue },
                            deleting: object.isBeingDeleted, finalizers: object.finalizers)
            let referencesChanged = event.previous == nil || object.ownerReferenceValues != event.previous?.ownerReferenceValues
            return graph.withLock { g -> [String] in
                let old = g.upsert(uid, node)
                var keys: [String] = []
                if referencesChanged || old == nil {
                    if !node.owners.isEmpty { keys.append(uid) }
                    // An owner waiting in the foreground may be released by a dropped or unblocked reference.
                    if let old { keys += Set(old.owners + node.owners) }
                }
                if node.deleting, node.finalizers.contains(Self.orphanFinalizer) || node.finalizers.contains(Self.foregroundFinalizer) {
                    keys.append(uid)
                    if node.finalizers.contains(Self.foregroundFinalizer) { keys += g.dependents[uid] ?? [] }
                }
                return keys
            }
        case .deleted:
            return graph.withLock { g -> [String] in
                let dependents = Array(g.dependents[uid] ?? [])
                let old = g.remove(uid)
                return dependents + (old?.owners ?? [])
            }
        case .bookmark, .error:
            return []
        }
    }

    func reconcile(_ uid: String) async throws -> Duration? {
        guard let node = graph.withLock({ $0.nodes[uid] }),
              let type = context.core.registry.type(node.resource),
              let live = context.store.get(node.resource, node.key), live.uid == uid
        else { return nil }
        if live.isBeingDeleted {
            if live.finalizers.contains(Self.orphanFinalizer) {
                try await orphanDependents(of: live, type)
                return nil
            }
            if live.finalizers.contains(Self.foregroundFinalizer) {
                return try await deleteDependents(of: live, type)
            }
            return nil
        }
        try await attemptToDelete(live, type)
        return nil
    }

    // MARK: Dependents whose owners may be gone

    enum OwnerState {
        /// The owner exists and is not waiting for its dependents.
        case solid
        /// The owner is being deleted in the foreground.
        case waitingForDependents
        /// No owner with that UID exists where the dependent can reference it.
        case dangling
        /// A cluster-scoped dependent names a namespaced owner: never resolved, never collected.
        case invalid
    }

    struct UndecidableOwner: Error, CustomStringConvertible {
        var reference: String
        var description: String { "cannot resolve the kind of owner \(reference)" }
    }

    func ownerState(_ reference: JSONValue, of dependent: KubeObject, dependentNamespaced: Bool) throws -> OwnerState {
        let uid = reference["uid"]?.stringValue ?? ""
        let name = reference["name"]?.stringValue ?? ""
        let kind = reference["kind"]?.stringValue ?? ""
        let group = GroupVersion(apiVersion: reference["apiVersion"]?.stringValue ?? "")?.group ?? ""
        guard let ownerType = context.core.registry.type(for: GroupKind(group: group, kind: kind)) else {
            if graph.withLock({ $0.goneSet.contains(uid) }) { return .dangling }
            throw UndecidableOwner(reference: "\(kind).\(group)/\(name)")
        }
        if ownerType.namespaced, !dependentNamespaced { return .invalid }
        let namespace = ownerType.namespaced ? dependent.namespace : ""
        guard let owner = context.store.get(ownerType.storageResource, ObjectKey(namespace: namespace, name: name)),
              owner.uid == uid
        else { return .dangling }
        if owner.isBeingDeleted, owner.finalizers.contains(Self.foregroundFinalizer) { return .waitingForDependents }
        return .solid
    }

    /// Deletes a dependent whose owners are all gone (or all waiting for it), or
    /// drops references to gone owners while a live owner remains.
    func attemptToDelete(_ item: KubeObject, _ type: ResourceType) async throws {
        let references = item.ownerReferenceValues
        guard !references.isEmpty else { return }
        var solid: [String] = []
        var dangling: [String] = []
        var waiting: [String] = []
        for reference in references {
            let uid = reference["uid"]?.stringValue ?? ""
            switch try ownerState(reference, of: item, dependentNamespaced: type.namespaced) {
            case .solid: solid.append(uid)
            case .dangling: dangling.append(uid)
            case .waitingForDependents: waiting.append(uid)
            case .invalid: return
            }
        }
        guard let gvr = context.gvr(type.storageResource) else { return }
        if !solid.isEmpty {
            let drop = Set(dangling + waiting)
            guard !drop.isEmpty else { return }
            try await context.modify(gvr, namespace: item.namespace, name: item.name, uid: item.uid) { object in
                let kept = object.ownerReferenceValues.filter { !drop.contains($0["uid"]?.stringValue ?? "") }
                object.json["metadata"]?["ownerReferences"] = kept.isEmpty ? nil : .array(kept)
            }
            return
        }
        let hasDependents = !(graph.withLock { $0.dependents[item.uid] ?? [] }).isEmpty
        if !waiting.isEmpty, hasDependents {
            // Deleting this item in the foreground would block its waiting owners; unblock them first.
            try await context.modify(gvr, namespace: item.namespace, name: item.name, uid: item.uid) { object in
                let unblocked = object.ownerReferenceValues.map { reference -> JSONValue in
                    guard reference["blockOwnerDeletion"]?.boolValue == true else { return reference }
                    var copy = reference
                    copy["blockOwnerDeletion"] = false
                    return copy
                }
                object.json["metadata"]?["ownerReferences"] = .array(unblocked)
            }
            try await context.delete(gvr, namespace: item.namespace, name: item.name, uid: item.uid, propagationPolicy: "Foreground")
            return
        }
        let policy = item.finalizers.contains(Self.orphanFinalizer) ? "Orphan"
            : item.finalizers.contains(Self.foregroundFinalizer) ? "Foreground" : "Background"
        try await context.delete(gvr, namespace: item.namespace, name: item.name, uid: item.uid, propagationPolicy: policy)
    }

    // MARK: Owners with deletion finalizers

    /// Every object referencing `owner` by UID, read from the store (not the graph),
    /// where dependents can be: the owner's namespace and cluster scope.
    func dependents(of owner: KubeObject, ownerNamespaced: Bool) -> [(ResourceType, KubeObject)] {
        var seen = Set<GroupResource>()
        var result: [(ResourceType, KubeObject)] = []
        for type in context.core.registry.all where seen.insert(type.storageResource).inserted {
            let namespace: String? = type.namespaced ? (ownerNamespaced ? owner.namespace : nil) : nil
            for object in context.list(type.storageResource, namespace: namespace)
            where object.ownerReferenceValues.contains(where: { $0["uid"]?.stringValue == owner.uid }) {
                result.append((type, object))
            }
        }
        return result
    }

    /// Foreground deletion: delete the dependents, and release the owner once no blocking one is left.
    func deleteDependents(of owner: KubeObject, _ type: ResourceType) async throws -> Duration? {
        let dependents = dependents(of: owner, ownerNamespaced: type.namespaced)
        let blocking = dependents.filter { _, object in
            object.ownerReferenceValues.contains { $0["uid"]?.stringValue == owner.uid && $0["blockOwnerDeletion"]?.boolValue == true }
        }
        if blocking.isEmpty {
            guard let gvr = context.gvr(type.storageResource) else { return nil }
            try await context.modify(gvr, namespace: owner.namespace, name: owner.name, uid: owner.uid) { object in
                object.finalizers.removeAll { $0 == Self.foregroundFinalizer }
            }
            return nil
        }
        for (dependentType, dependent) in dependents where !dependent.isBeingDeleted {
            try await attemptToDelete(dependent, dependentType)
        }
        // Deletions of the blocking dependents requeue the owner; look again in case one is missed.
        return .seconds(2)
    }

    /// Orphan deletion: remove references to the owner from its dependents, then release the owner.
    func orphanDependents(of owner: KubeObject, _ type: ResourceType) async throws {
        for (dependentType, dependent) in dependents(of: owner, ownerNamespaced: type.namespaced) {
            guard let gvr = context.gvr(dependentType.storageResource) else { continue }
            try await context.modify(gvr, namespace: dependent.namespace, name: dependent.name, uid: dependent.uid) { object in
                let kept = object.ownerReferenceValues.filter { $0["uid"]?.stringValue != owner.uid }
                object.json["metadata"]?["ownerReferences"] = kept.isEmpty ? nil : .array(kept)
            }
        }
        guard let gvr = context.gvr(type.storageResource) else { return }
        try await context.modify(gvr, namespace: owner.namespace, name: owner.name, uid: owner.uid) { object in
            object.finalizers.removeAll { $0 == Self.orphanFinalizer }
        }
    }
}
