//! NamespaceController: finalizes terminating namespaces as
//! kube-controller-manager's namespace controller does. A namespace with a
//! deletionTimestamp and the `kubernetes` spec finalizer has every namespaced
//! object of every served resource deleted (background propagation); its
//! status conditions report what remains (`NamespaceContentRemaining`,
//! `NamespaceFinalizersRemaining`, `NamespaceDeletionContentFailure`, ...) with
//! upstream's reasons and messages; once nothing is left, `kubernetes` is
//! removed through the `finalize` subresource and the server removes the namespace.
import Foundation
import KubeCore
import LocalAPIServer

struct NamespaceController: Reconciler {
    typealias Key = String

    static let finalizer = "kubernetes"

    let name = SimulatedController.namespace.rawValue
    let context: SimulatorContext

    init(_ context: SimulatorContext) {
        self.context = context
    }

    var watches: [WatchFilter] {
        [
            WatchFilter(resource: .namespaces),
            // Content going away in a terminating namespace is the signal to look again.
            WatchFilter(resource: nil, matches: { !$0.namespace.isEmpty }),
        ]
    }

    func keys(for event: StoreEvent) -> [String] {
        if event.resource == .namespaces {
            return event.type != .deleted && event.object.isBeingDeleted ? [event.object.name] : []
        }
        guard event.type == .deleted || event.object.isBeingDeleted, !event.object.namespace.isEmpty else { return [] }
        let namespace = event.object.namespace
        return context.get(.namespaces, name: namespace)?.isBeingDeleted == true ? [namespace] : []
    }

    func reconcile(_ name: String) async throws -> Duration? {
        guard let namespace = context.get(.namespaces, name: name), namespace.isBeingDeleted,
              namespace.spec?["finalizers"]?.arrayValue?.contains(.string(Self.finalizer)) == true
        else { return nil }
        let gvr = GroupVersionResource.namespaces

        var failures: [String] = []
        for type in namespacedTypes() {
            guard let resourceGVR = context.gvr(type.storageResource) else { continue }
            for object in context.list(type.storageResource, namespace: name) where !object.isBeingDeleted {
                do {
                    try await context.delete(resourceGVR, namespace: name, name: object.name, uid: object.uid,
                                             propagationPolicy: "Background")
                } catch let error as APIError {
                    failures.append(error.message)
                }
            }
        }

        // What is left after this pass.
        var remaining: [String: Int] = [:]
        var finalizersLeft: [String: Int] = [:]
        for type in namespacedTypes() {
            let objects = context.list(type.storageResource, namespace: name)
            guard !objects.isEmpty else { continue }
            remaining["\(type.resource).\(type.group)"] = objects.count
            for object in objects {
                for finalizer in object.finalizers { finalizersLeft[finalizer, default: 0] += 1 }
            }
        }
        let conditions = Self.conditions(remaining: remaining, finalizers: finalizersLeft, failures: failures)
        try await context.modify(gvr, name: name, uid: namespace.uid, subresource: "status") { object in
            var current = object.status?["conditions"]?.arrayValue ?? []
            let now = context.timestamp()
            for condition in conditions {
                RawConditions.set(&current, type: condition.type, status: condition.status, reason: condition.reason,
                                  message: condition.message, now: now)
            }
            object.status = (object.status ?? [:]).setting("conditions", .array(current))
        }

        guard remaining.isEmpty, failures.isEmpty else { return context.options.namespaceRecheckInterval }
        try await context.modify(gvr, name: name, uid: namespace.uid, subresource: "finalize") { object in
            let finalizers = object.spec?["finalizers"]?.arrayValue ?? []
            object.spec = (object.spec ?? [:]).setting("finalizers", .array(finalizers.filter { $0 != .string(Self.finalizer) }))
        }
        return nil
    }

    /// Every served namespaced resource, once per storage resource.
    private func namespacedTypes() -> [ResourceType] {
        var seen = Set<GroupResource>()
        return context.core.registry.all.filter { $0.namespaced && seen.insert($0.storageResource).inserted }
    }

    /// The namespace deletion conditions upstream reports, in its order.
    static func conditions(remaining: [String: Int], finalizers: [String: Int], failures: [String])
        -> [(type: String, status: String, reason: String, message: String)] {
        var result: [(type: String, status: String, reason: String, message: String)] = [
            ("NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered", "All resources successfully discovered"),
            ("NamespaceDeletionGroupVersionParsingFailure", "False", "ParsedGroupVersions", "All legacy kube types successfully parsed"),
        ]
        if failures.isEmpty {
            result.append(("NamespaceDeletionContentFailure", "False", "ContentDeleted", "All content successfully deleted, may be waiting on finalization"))
        } else {
            result.append(("NamespaceDeletionContentFailure", "True", "ContentDeletionFailed",
                           "Failed to delete all resource types, \(failures.count) remaining: \(failures.joined(separator: ", "))"))
        }
        if remaining.isEmpty {
            result.append(("NamespaceContentRemaining", "False", "ContentRemoved", "All content successfully removed"))
        } else {
            let items = remaining.map { "\($0.key) has \($0.value) resource instances" }.sorted()
            result.append(("NamespaceContentRemaining", "True", "SomeResourcesRemain",
                           "Some resources are remaining: \(items.joined(separator: ", "))"))
        }
        if finalizers.isEmpty {
            result.append(("NamespaceFinalizersRemaining", "False", "ContentHasNoFinalizers", "All content-preserving finalizers finished"))
        } else {
            let items = finalizers.map { "\($0.key) in \($0.value) resource instances" }.sorted()
            result.append(("NamespaceFinalizersRemaining", "True", "SomeFinalizersRemain",
                           "Some content in the namespace has finalizers remaining: \(items.joined(separator: ", "))"))
        }
        return result
    }
}
