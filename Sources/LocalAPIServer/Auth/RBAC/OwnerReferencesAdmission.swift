//! OwnerReferencesPermissionEnforcement, the admission check kube-apiserver runs
//! with RBAC here: changing an object's ownerReferences needs `delete` on the
//! object (updates only), and setting `blockOwnerDeletion: true` on a reference
//! needs `update` on the owner's `finalizers` subresource — the permission the
//! garbage collector's foreground deletion relies on.
//!
//! The check (like RBAC escalation prevention, `RBACEscalation`) runs inside the
//! write's store transaction, so it cannot read the store: `APIServerCore.handle`
//! takes the authorizer's snapshot before the write and hands it down in a
//! task-local for the duration of that request.
import Foundation
import KubeCore

enum RBACAdmission {
    /// The policy snapshot the current request's owner references and RBAC writes are
    /// checked against; nil when the checks are off for it (AlwaysAllow, reads, system:masters).
    @TaskLocal static var authorizer: (any Authorizer)?
}

extension APIServerCore {
    /// The snapshot the RBAC admission checks of `request` use, or nil when they do not apply.
    /// Call outside any store transaction.
    func rbacAdmission(for request: ResourceRequest) -> (any Authorizer)? {
        guard accessControl.enforcesOwnerReferences, [.create, .update, .patch].contains(request.verb),
              !request.user.groups.contains(RBACPolicy.superuserGroup) else { return nil }
        return accessControl.authorizer.snapshot()
    }

    /// Checks the owner references of an object being created (`old` nil) or
    /// updated, when the current request armed the check. `pods/status` is exempt
    /// (its strategy keeps ownerReferences), as upstream.
    func admitOwnerReferences(_ object: KubeObject, old: KubeObject?, _ type: ResourceType, request: ResourceRequest) throws {
        guard let authorizer = RBACAdmission.authorizer else { return }
        if type.group.isEmpty, type.resource == "pods", request.subresource == "status" { return }
        let decision = Self.ownerReferenceDecision(new: object, old: old, request: request, authorizer: authorizer) { group, version, kind in
            guard let owner = registry.type(for: GroupKind(group: group, kind: kind)), owner.version(version) != nil else { return nil }
            return owner.resource
        }
        if let denial = decision {
            let name = request.name ?? object.name
            throw APIError.forbiddenStatus(resource: GroupResource(group: request.group, resource: request.resource), name: name, denial)
        }
    }

    /// The pure decision: nil when allowed, else the reason kube's plugin gives.
    /// `resource` maps an owner's group, version and kind to its resource (the RESTMapper).
    static func ownerReferenceDecision(new: KubeObject, old: KubeObject?, request: ResourceRequest, authorizer: any Authorizer,
                                       resource: (String, String, String) -> String?) -> String? {
        let newRefs = new.ownerReferences
        let oldRefs = old?.ownerReferences ?? []
        let changing = old == nil ? !newRefs.isEmpty : newRefs != oldRefs
        guard changing else { return nil }
        let user = request.user
        let namespace = request.namespace ?? ""
        if old != nil {
            let delete = AuthorizationAttributes(user: user, verb: "delete", namespace: namespace, apiGroup: request.group,
                                                 apiVersion: request.version, resource: request.resource,
                                                 subresource: request.subresource ?? "", name: request.name ?? new.name)
            let decision = authorizer.authorize(delete)
            if !decision.isAllowed {
                return "cannot set an ownerRef on a resource you can't delete: \(decision.reason), <nil>"
            }
        }
        let previouslyBlocking = Dictionary(oldRefs.map { ($0.uid, $0.blockOwnerDeletion == true) }, uniquingKeysWith: { first, _ in first })
        let newlyBlocking = newRefs.filter { $0.blockOwnerDeletion == true && previouslyBlocking[$0.uid] != true }
        guard !newlyBlocking.isEmpty else { return nil }
        let finalizeAnything = AuthorizationAttributes(user: user, verb: "update", apiGroup: "*", apiVersion: "*",
                                                       resource: "*", subresource: "finalizers")
        if authorizer.authorize(finalizeAnything).isAllowed { return nil }
        for ref in newlyBlocking {
            let groupVersion = GroupVersion(apiVersion: ref.apiVersion)
            guard let groupVersion, let ownerResource = resource(groupVersion.group, groupVersion.version, ref.kind) else {
                let searched = groupVersion.map { "in version \(($0.apiVersion).goQuoted)" } ?? "in group \"\""
                return "cannot set blockOwnerDeletion in this case because cannot find RESTMapping for APIVersion \(ref.apiVersion) Kind \(ref.kind): no matches for kind \(ref.kind.goQuoted) \(searched)"
            }
            let finalizers = AuthorizationAttributes(user: user, verb: "update", namespace: namespace, apiGroup: groupVersion.group,
                                                     apiVersion: groupVersion.version, resource: ownerResource,
                                                     subresource: "finalizers", name: ref.name)
            let decision = authorizer.authorize(finalizers)
            if !decision.isAllowed {
                return "cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: \(decision.reason), <nil>"
            }
        }
        return nil
    }
}
