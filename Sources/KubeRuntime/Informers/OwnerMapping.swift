//! `OwnerMapping`: pure mapping from an owned object (or an informer event
//! about one) to the key of its controller owner, as controller-runtime's
//! `Owns()` / `EnqueueRequestForOwner(OnlyControllerOwner)` do.
import KubeCore

/// Maps dependents to the owners that should be reconciled when they change.
public enum OwnerMapping {
    /// The key of `object`'s controller owner (the owner reference with
    /// `controller: true`) when that owner is of `ownerGroupKind`; `nil` when
    /// there is no controller owner or it is of another kind. The version of
    /// the reference's `apiVersion` is ignored.
    ///
    /// A namespaced owner lives in the dependent's namespace (owner references
    /// cannot cross namespaces), so a cluster-scoped dependent cannot have one
    /// and maps to `nil`. A cluster-scoped owner (`ownerIsNamespaced: false`)
    /// has an empty namespace.
    public static func controllerOwnerKey(
        of object: KubeObject, ownerGroupKind: GroupKind, ownerIsNamespaced: Bool = true
    ) -> ObjectKey? {
        guard let owner = object.controllerReference, owner.groupKind == ownerGroupKind, !owner.name.isEmpty else {
            return nil
        }
        guard ownerIsNamespaced else { return ObjectKey(namespace: "", name: owner.name) }
        guard !object.namespace.isEmpty else { return nil }
        return ObjectKey(namespace: object.namespace, name: owner.name)
    }

    /// The controller owners to reconcile for `event`: for an update, the old
    /// and the new owner when the controller reference changed (both must
    /// notice), otherwise the one owner; without duplicates, old first.
    public static func controllerOwnerKeys(
        of event: InformerEvent, ownerGroupKind: GroupKind, ownerIsNamespaced: Bool = true
    ) -> [ObjectKey] {
        let objects: [KubeObject]
        switch event {
        case .added(let object), .deleted(let object): objects = [object]
        case .updated(let old, let new): objects = [old, new]
        }
        var keys: [ObjectKey] = []
        for object in objects {
            if let key = controllerOwnerKey(of: object, ownerGroupKind: ownerGroupKind, ownerIsNamespaced: ownerIsNamespaced),
               !keys.contains(key) {
                keys.append(key)
            }
        }
        return keys
    }
}
