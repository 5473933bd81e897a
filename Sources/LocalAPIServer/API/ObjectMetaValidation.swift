//! Validation of `metadata` common to every kind (kube-apiserver's
//! ValidateObjectMeta / ValidateObjectMetaUpdate), with upstream wording.
import KubeCore

enum ObjectMetaValidation {
    static let standardFinalizers: Set<String> = ["kubernetes", "orphan", "foregroundDeletion"]

    /// How a kind's names are validated.
    enum NameRule {
        case dns1123Subdomain, dns1123Label, dns1035Label, pathSegment

        static func of(_ type: ResourceType) -> NameRule {
            switch (type.group, type.resource) {
            case ("", "namespaces"): return .dns1123Label
            case ("", "services"): return .dns1035Label
            case ("rbac.authorization.k8s.io", _), ("", "events"), ("events.k8s.io", "events"): return .pathSegment
            default: return .dns1123Subdomain
            }
        }

        func errors(_ name: String) -> [String] {
            switch self {
            case .dns1123Subdomain: return NameValidation.isDNS1123Subdomain(name)
            case .dns1123Label: return NameValidation.isDNS1123Label(name)
            case .dns1035Label: return NameValidation.isDNS1035Label(name)
            case .pathSegment: return NameValidation.isValidPathSegmentName(name)
            }
        }
    }

    static func validate(_ object: KubeObject, type: ResourceType) -> [FieldError] {
        let path = FieldPath("metadata")
        var errors: [FieldError] = []
        let name = object.name
        if name.isEmpty {
            errors.append(.required(path.child("name"), "name or generateName is required"))
        } else {
            for message in NameRule.of(type).errors(name) {
                errors.append(.invalid(path.child("name"), .string(name), message))
            }
        }
        if !type.namespaced, !object.namespace.isEmpty {
            errors.append(.forbidden(path.child("namespace"), "not allowed on this type"))
        }
        errors += NameValidation.validateLabels(object.labels, at: path.child("labels"))
        errors += NameValidation.validateAnnotations(object.annotations, at: path.child("annotations"))
        for (i, finalizer) in object.finalizers.enumerated() {
            let field = path.child("finalizers").index(i)
            let messages = NameValidation.isQualifiedName(finalizer)
            for message in messages { errors.append(.invalid(field, .string(finalizer), message)) }
            // Only kube-apiserver's own kinds insist on qualified finalizer names;
            // apiextensions-apiserver (CRDs and custom resources) does not.
            let kubeOwned = !type.isCustom && type.group != "apiextensions.k8s.io"
            if kubeOwned, messages.isEmpty, !finalizer.contains("/"), !standardFinalizers.contains(finalizer) {
                errors.append(.invalid(field, .string(finalizer), "name is neither a standard finalizer name nor is it fully qualified"))
            }
        }
        let owners = object.ownerReferences
        for owner in owners {
            let field = path.child("ownerReferences")
            if owner.apiVersion.isEmpty || GroupVersion(apiVersion: owner.apiVersion) == nil {
                errors.append(.invalid(field.child("apiVersion"), .string(owner.apiVersion), "version must not be empty"))
            }
            if owner.kind.isEmpty { errors.append(.invalid(field.child("kind"), .string(owner.kind), "kind must not be empty")) }
            if owner.name.isEmpty { errors.append(.invalid(field.child("name"), .string(owner.name), "name must not be empty")) }
            if owner.uid.isEmpty { errors.append(.invalid(field.child("uid"), .string(owner.uid), "uid must not be empty")) }
        }
        let controllers = owners.filter(\.isController)
        if controllers.count > 1 {
            let names = controllers.map { "\($0.kind)/\($0.name)" }.joined(separator: ", ")
            errors.append(.invalid(path.child("ownerReferences"), nil,
                                   "Only one reference can have Controller set to true. Found \"true\" in references for \(names)"))
        }
        return errors
    }

    /// Update-time rules: immutable identity, no new finalizers while deleting.
    static func validateUpdate(_ new: KubeObject, old: KubeObject) -> [FieldError] {
        let path = FieldPath("metadata")
        var errors: [FieldError] = []
        if new.name != old.name {
            errors.append(.invalid(path.child("name"), .string(new.name), "field is immutable"))
        }
        if new.namespace != old.namespace {
            errors.append(.invalid(path.child("namespace"), .string(new.namespace), "field is immutable"))
        }
        if old.isBeingDeleted {
            let added = Set(new.finalizers).subtracting(old.finalizers)
            if !added.isEmpty {
                errors.append(.forbidden(path.child("finalizers"), "no new finalizers can be added if the object is being deleted, found new finalizers \(added.sorted())"))
            }
        }
        return errors
    }
}
