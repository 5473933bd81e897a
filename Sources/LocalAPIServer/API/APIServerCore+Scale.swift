//! The `scale` subresource of custom resources: an `autoscaling/v1` `Scale`
//! read from and written to the paths the CRD names (`specReplicasPath`,
//! `statusReplicasPath`, `labelSelectorPath`), as `kubectl scale` uses it.
import Foundation
import KubeCore

extension APIServerCore {
    func scale(_ request: ResourceRequest, _ type: ResourceType) throws -> APIResponse {
        guard let paths = type.version(request.version)?.scale else {
            throw APIError(APIStatus(message: Self.notFoundMessage, reason: .notFound, details: StatusDetails(), code: 404))
        }
        let key = key(request, type)
        switch request.verb {
        case .get:
            guard let stored = store.get(type.storageResource, key) else { throw APIError.notFound(type.groupResource, name: key.name) }
            return .ok(Self.scaleObject(of: stored, paths))
        case .update, .patch:
            var scaleRequest = request
            scaleRequest.subresource = nil
            return try write(scaleRequest, type, ownership: .update) { current in
                let currentScale = Self.scaleObject(of: current, paths)
                let desired: JSONValue
                if request.verb == .update {
                    desired = try decodeBody(request)
                } else {
                    guard let body = request.body else { throw APIError.badRequest("the body of the request was empty") }
                    let patch = try JSONValue.parse(body)
                    desired = request.contentType?.contains("json-patch") == true
                        ? try JSONPatch(json: patch).apply(to: currentScale)
                        : JSONMergePatch.apply(patch, to: currentScale)
                }
                if let rv = desired[path: ["metadata", "resourceVersion"]]?.stringValue, !rv.isEmpty, rv != current.resourceVersion {
                    throw APIError.modified(type.groupResource, name: current.name)
                }
                guard let replicas = desired[path: ["spec", "replicas"]]?.intValue, replicas >= 0 else {
                    throw APIError.invalid(GroupKind(group: "autoscaling", kind: "Scale"), name: current.name, errors: [
                        .invalid(FieldPath("spec.replicas"), desired[path: ["spec", "replicas"]], "must be greater than or equal to 0"),
                    ])
                }
                var updated = current
                updated.json = (updated.value.setting(jsonPath: paths.specReplicasPath, to: .int(replicas))).objectValue ?? current.json
                return updated
            }.mapObject { Self.scaleObject(of: KubeObject($0) ?? KubeObject([:]), paths) }
        default:
            throw APIError.methodNotAllowed("the scale subresource supports get, update and patch")
        }
    }

    static func scaleObject(of object: KubeObject, _ paths: ScaleSubresource) -> JSONValue {
        var status: JSONObject = ["replicas": object.value.value(atJSONPath: paths.statusReplicasPath) ?? 0]
        if let selectorPath = paths.labelSelectorPath, let selector = object.value.value(atJSONPath: selectorPath) {
            status["selector"] = selector
        }
        return .object([
            "kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": .object([
                "name": .string(object.name), "namespace": .string(object.namespace), "uid": .string(object.uid),
                "resourceVersion": .string(object.resourceVersion), "creationTimestamp": .string(object.creationTimestamp ?? ""),
            ]),
            "spec": ["replicas": object.value.value(atJSONPath: paths.specReplicasPath) ?? 0],
            "status": .object(status),
        ])
    }
}

extension APIResponse {
    /// Transforms the object of an object response.
    func mapObject(_ transform: (JSONValue) -> JSONValue) -> APIResponse {
        guard case .object(let value, let code, let warnings) = self else { return self }
        return .object(transform(value), code: code, warnings: warnings)
    }
}

extension JSONValue {
    /// The value at a simple dotted path such as `.spec.replicas` (CRD scale paths).
    func value(atJSONPath path: String) -> JSONValue? {
        self[path: path.split(separator: ".").map(String.init)]
    }

    /// A copy with the value at a simple dotted path set.
    func setting(jsonPath path: String, to value: JSONValue) -> JSONValue {
        var copy = self
        copy[path: path.split(separator: ".").map(String.init)] = value
        return copy
    }
}
