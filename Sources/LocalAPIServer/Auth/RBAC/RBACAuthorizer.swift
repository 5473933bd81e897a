//! RBACAuthorizer: kube-apiserver's `--authorization-mode=RBAC` over the Roles,
//! ClusterRoles and bindings in the object store. It runs on every request, so
//! it keeps an `RBACPolicy` snapshot and only looks at the RBAC objects again
//! when the store's resourceVersion moved, rebuilding the snapshot only when
//! one of them actually changed.
import Foundation
import KubeCore
import Synchronization

public final class RBACAuthorizer: Authorizer {
    /// The stored resources the policy is built from.
    static let resources: [GroupResource] = ["roles", "clusterroles", "rolebindings", "clusterrolebindings"]
        .map { GroupResource(group: rbacGroup, resource: $0) }

    /// Per RBAC resource: how many objects, and the highest resourceVersion among them.
    /// Any create or update raises the maximum; a delete without either lowers the count.
    private struct Fingerprint: Hashable {
        var counts: [Int]
        var newest: [UInt64]
    }

    private struct Cache {
        /// The store resourceVersion the snapshot was last confirmed at.
        var checkedAt: UInt64
        var fingerprint: Fingerprint
        var policy: RBACPolicy
    }

    private let store: ObjectStore
    private let cache = Mutex<Cache?>(nil)

    public init(store: ObjectStore) {
        self.store = store
    }

    public func authorize(_ attributes: AuthorizationAttributes) -> AuthorizationDecision {
        if attributes.user.groups.contains(RBACPolicy.superuserGroup) { return .allow }
        return policy().authorize(attributes)
    }

    public func rules(for user: UserInfo, namespace: String) -> SubjectRules {
        policy().rules(for: user, namespace: namespace)
    }

    /// The current policy; it reads nothing from the store when used.
    public func snapshot() -> any Authorizer { policy() }

    /// The policy as of the store's current resourceVersion. Must not be called
    /// inside a store transaction (it reads the store).
    public func policy() -> RBACPolicy {
        let version = store.resourceVersion
        let cached = cache.withLock { $0 }
        if let cached, cached.checkedAt >= version { return cached.policy }
        let lists = Self.resources.map { store.list($0).items.map(\.1) }
        let fingerprint = Fingerprint(counts: lists.map(\.count),
                                      newest: lists.map { $0.reduce(0) { max($0, UInt64($1.resourceVersion) ?? 0) } })
        let policy: RBACPolicy
        if let cached, cached.fingerprint == fingerprint {
            policy = cached.policy
        } else {
            policy = RBACPolicy(roles: lists[0], clusterRoles: lists[1], roleBindings: lists[2], clusterRoleBindings: lists[3])
        }
        cache.withLock { current in
            if current.map({ $0.checkedAt < version }) ?? true {
                current = Cache(checkedAt: version, fingerprint: fingerprint, policy: policy)
            }
        }
        return policy
    }
}
