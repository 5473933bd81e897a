//! The ClusterRole aggregation controller (kube-controller-manager's
//! `clusterrole-aggregation`): it writes into every ClusterRole with an
//! `aggregationRule` the rules of the ClusterRoles its selectors match, so a
//! read of `admin`, `edit` or `view` shows their rules as on a real cluster.
//! Authorization does not wait for it: `RBACPolicy` computes the same
//! aggregation (`RBACPolicy.aggregatedRules`) when it builds a snapshot.
import Foundation
import KubeCore
import Logging
import ServiceLifecycle

public struct RBACAggregationController: Service {
    let core: APIServerCore
    let client: InProcessClient
    let logger: Logger

    public init(core: APIServerCore, logger: Logger = Logger(label: "local-apiserver.clusterrole-aggregation")) {
        self.core = core
        self.client = InProcessClient(core: core)
        self.logger = logger
    }

    /// Aggregates until shutdown, watching again from the current state
    /// whenever the store ends the watch (it fell behind, or every watch was cut).
    public func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            let watch = try core.store.watch(WatchFilter(resource: GroupResource(group: rbacGroup, resource: "clusterroles")), from: nil)
            for await _ in watch.events.cancelOnGracefulShutdown() {
                await sync()
            }
            core.store.endWatch(watch.id)
            if !Task.isCancelled, !Task.isShuttingDownGracefully { try? await Task.sleep(for: .milliseconds(10)) }
        }
    }

    /// Brings every aggregated ClusterRole's stored rules up to date. A conflict
    /// is left for the next event (the competing write is one).
    func sync() async {
        let stored = core.store.list(GroupResource(group: rbacGroup, resource: "clusterroles")).items.map(\.1)
        let entries = Dictionary(stored.map { ($0.name, ClusterRoleEntry($0)) }, uniquingKeysWith: { _, last in last })
        for object in stored where entries[object.name]?.aggregationSelectors != nil {
            let rules = RBACPolicy.aggregatedRules(of: object.name, in: entries)
            guard rules != PolicyRule.rules(of: object) else { continue }
            var updated = object
            updated.json["rules"] = .array(rules.map(\.json))
            do {
                try await client.update(.rbacClusterRoles, updated)
            } catch let error as APIError where error.reason == .conflict || error.reason == .notFound {
                continue
            } catch {
                logger.warning("ClusterRole aggregation failed", metadata: ["clusterrole": "\(object.name)", "error": "\(error)"])
            }
        }
    }
}

extension GroupVersionResource {
    static let rbacClusterRoles = GroupVersionResource(group: rbacGroup, version: "v1", resource: "clusterroles")
    static let rbacClusterRoleBindings = GroupVersionResource(group: rbacGroup, version: "v1", resource: "clusterrolebindings")
}
