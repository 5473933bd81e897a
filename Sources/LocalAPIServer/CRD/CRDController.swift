//! CRDController: what apiextensions-apiserver's naming, establishing and
//! finalizing controllers do. It serves a CRD's resources once its names are
//! accepted (NamesAccepted, Established), and on deletion removes every custom
//! object before releasing the CRD's cleanup finalizer.
import Foundation
import KubeCore
import Logging
import ServiceLifecycle

public struct CRDController: Service {
    public static let cleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io"
    static let crds = GroupResource(group: "apiextensions.k8s.io", resource: "customresourcedefinitions")

    let core: APIServerCore
    let client: InProcessClient
    let logger: Logger

    public init(core: APIServerCore, logger: Logger = Logger(label: "local-apiserver.crd-controller")) {
        self.core = core
        self.client = InProcessClient(core: core)
        self.logger = logger
    }

    /// Reconciles CRDs until shutdown. The store ends a watch that falls too
    /// far behind (or when told to cut every watch); the controller then
    /// watches again from the current state, as a real controller re-lists.
    public func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            try await watchOnce()
            if !Task.isCancelled, !Task.isShuttingDownGracefully { try? await Task.sleep(for: .milliseconds(10)) }
        }
    }

    private func watchOnce() async throws {
        let watch = try core.store.watch(WatchFilter(resource: Self.crds), from: nil)
        defer { core.store.endWatch(watch.id) }
        let finalizing = Locked(Set<String>())
        await withDiscardingTaskGroup { group in
            for await event in watch.events.cancelOnGracefulShutdown() {
                if event.type != .deleted, event.object.isBeingDeleted {
                    // Finalization waits for objects to go; run it beside the event loop, once per CRD.
                    let name = event.object.name
                    guard finalizing.withLock({ $0.insert(name).inserted }) else { continue }
                    group.addTask {
                        defer { finalizing.withLock { _ = $0.remove(name) } }
                        do { try await finalize(event.object) } catch {
                            logger.warning("CRD finalization failed", metadata: ["crd": "\(name)", "error": "\(error)"])
                        }
                    }
                } else {
                    await handle(event)
                }
            }
            group.cancelAll()
        }
    }

    func handle(_ event: StoreEvent) async {
        if event.type == .deleted {
            if let type = try? CRDTranslator.resourceType(from: event.object) { core.registry.unregister(type.groupResource) }
            return
        }
        do {
            try await establish(event.object)
        } catch {
            logger.warning("CRD reconcile failed", metadata: ["crd": "\(event.object.name)", "error": "\(error)"])
        }
    }

    /// Accepts the names (unless another resource holds them), serves the type,
    /// and reports NamesAccepted and Established.
    func establish(_ crd: KubeObject) async throws {
        var conditions = crd.conditions
        let now = core.now()
        var status = crd.status ?? [:]
        do {
            let type = try CRDTranslator.resourceType(from: crd)
            if let conflict = nameConflict(type, crdName: crd.name) {
                conditions.set(Condition(type: "NamesAccepted", false, reason: "\(conflict.reason)", message: conflict.message), now: now)
                conditions.set(Condition(type: "Established", false, reason: "NotAccepted", message: "not all names are accepted"), now: now)
            } else {
                core.registry.register(type)
                conditions.set(Condition(type: "NamesAccepted", true, reason: "NoConflicts", message: "no conflicts found"), now: now)
                conditions.set(Condition(type: "Established", true, reason: "InitialNamesAccepted", message: "the initial names have been accepted"), now: now)
                status["acceptedNames"] = crd.spec?["names"] ?? [:]
                var stored = Set(status["storedVersions"]?.arrayValue?.compactMap(\.stringValue) ?? [])
                stored.insert(type.storageVersion)
                status["storedVersions"] = .array(stored.sorted().map(JSONValue.string))
            }
        } catch {
            conditions.set(Condition(type: "Established", false, reason: "InvalidSchema", message: "\(error)"), now: now)
        }
        status["conditions"] = try JSONValue(encoding: conditions)
        guard status != (crd.status ?? [:]) else { return }
        try await client.patch(.customResourceDefinitions, name: crd.name, merge: ["status": status], subresource: "status")
    }

    private func nameConflict(_ type: ResourceType, crdName: String) -> (reason: String, message: String)? {
        for other in core.registry.all where other.group == type.group && other.groupResource != type.groupResource {
            if other.kind == type.kind {
                return ("KindConflict", "\"\(type.kind)\" is already in use")
            }
            if other.resource == type.resource || other.shortNames.contains(where: type.shortNames.contains) {
                return ("PluralConflict", "\"\(type.resource)\" is already in use")
            }
        }
        if let existing = core.registry.type(type.groupResource), !existing.isCustom {
            return ("PluralConflict", "\"\(type.resource)\" is already in use")
        }
        return nil
    }

    /// Deletes every object of the CRD's type, then releases the finalizer.
    func finalize(_ crd: KubeObject) async throws {
        guard crd.finalizers.contains(Self.cleanupFinalizer), let type = try? CRDTranslator.resourceType(from: crd) else { return }
        var conditions = crd.conditions
        conditions.set(Condition(type: "Terminating", true, reason: "InstanceDeletionInProgress", message: "CustomResource deletion is in progress"), now: core.now())
        _ = try? await client.patch(.customResourceDefinitions, name: crd.name,
                                    merge: ["status": ["conditions": try JSONValue(encoding: conditions)]], subresource: "status")
        while !Task.isCancelled {
            let (remaining, _) = core.store.list(type.storageResource)
            if remaining.isEmpty { break }
            for (key, object) in remaining where !object.isBeingDeleted {
                _ = try? core.deleteOne(key, type, options: try DeleteOptions(ResourceRequest(verb: .delete, group: type.group, version: type.storageVersion, resource: type.resource)))
            }
            // Objects with finalizers of their own go when their controllers release them.
            try await Task.sleep(for: .milliseconds(200))
        }
        core.registry.unregister(type.groupResource)
        let finalizers = crd.finalizers.filter { $0 != Self.cleanupFinalizer }
        try await client.patch(.customResourceDefinitions, name: crd.name,
                               merge: ["metadata": ["finalizers": .array(finalizers.map(JSONValue.string))]])
    }
}
