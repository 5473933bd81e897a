//! OpenAPI v3 documents (`/openapi/v3` and one per group version): the paths
//! with their `x-kubernetes-group-version-kind` and query parameters, so
//! kubectl knows the server validates fields itself, and the CRD schemas with
//! their descriptions, so `kubectl explain` can describe custom resources.
import Foundation
import KubeCore

extension APIServerCore {
    /// Answers `/openapi/v3` and `/openapi/v3/<api|apis/...>`, or nil for other paths.
    public func openAPIv3(path: String) -> JSONValue? {
        let trimmed = path.split(separator: "/").map(String.init)
        guard trimmed.count >= 2, trimmed[0] == "openapi", trimmed[1] == "v3" else { return nil }
        let rest = Array(trimmed.dropFirst(2))
        let generation = registry.generation
        if rest.isEmpty {
            var paths = JSONObject()
            for entry in registry.groupVersions {
                for version in entry.versions {
                    let key = entry.group.isEmpty ? "api/\(version)" : "apis/\(entry.group)/\(version)"
                    paths[key] = ["serverRelativeURL": .string("/openapi/v3/\(key)?hash=\(generation)")]
                }
            }
            return .object(["paths": .object(paths)])
        }
        let group: String
        let version: String
        switch (rest.first, rest.count) {
        case ("api", 2): (group, version) = ("", rest[1])
        case ("apis", 3): (group, version) = (rest[1], rest[2])
        default: return nil
        }
        let types = registry.all.filter { $0.group == group && $0.version(version) != nil }
        guard !types.isEmpty else { return nil }
        return groupVersionDocument(group: group, version: version, types: types)
    }

    private func groupVersionDocument(group: String, version: String, types: [ResourceType]) -> JSONValue {
        let prefix = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        var paths = JSONObject()
        var schemas = JSONObject()
        for type in types {
            let gvk: JSONValue = ["group": .string(group), "version": .string(version), "kind": .string(type.kind)]
            let schemaName = Self.schemaName(group: group, version: version, kind: type.kind)
            let ref: JSONValue = ["$ref": .string("#/components/schemas/\(schemaName)")]
            func operation(_ action: String, _ params: [String]) -> JSONValue {
                .object([
                    "x-kubernetes-action": .string(action),
                    "x-kubernetes-group-version-kind": gvk,
                    "parameters": .array(params.map { ["name": .string($0), "in": "query", "schema": ["type": "string"], "uniqueItems": true] }),
                    "responses": ["200": ["description": "OK", "content": ["application/json": ["schema": ref]]]],
                ])
            }
            let writeParams = ["dryRun", "fieldManager", "fieldValidation"]
            let base = type.namespaced ? "\(prefix)/namespaces/{namespace}/\(type.resource)" : "\(prefix)/\(type.resource)"
            paths[base] = .object([
                "get": operation("list", ["labelSelector", "fieldSelector", "limit", "continue", "resourceVersion", "watch"]),
                "post": operation("post", writeParams),
                "delete": operation("deletecollection", ["labelSelector", "fieldSelector", "dryRun"]),
            ])
            paths["\(base)/{name}"] = .object([
                "get": operation("get", []),
                "put": operation("put", writeParams),
                "patch": operation("patch", writeParams + ["force"]),
                "delete": operation("delete", ["dryRun", "propagationPolicy", "gracePeriodSeconds"]),
            ])
            if type.hasStatus(version) {
                paths["\(base)/{name}/status"] = .object([
                    "get": operation("get", []), "put": operation("put", writeParams), "patch": operation("patch", writeParams + ["force"]),
                ])
            }
            var schema = type.version(version)?.rawSchema ?? ["type": "object", "x-kubernetes-preserve-unknown-fields": true]
            schema = Self.withStandardFields(schema, kind: type.kind)
            schema["x-kubernetes-group-version-kind"] = [gvk]
            schemas[schemaName] = schema
        }
        return .object([
            "openapi": "3.0.0",
            "info": ["title": "Kubernetes", "version": .string("v\(options.kubernetesVersion.major).\(options.kubernetesVersion.minor).\(options.kubernetesVersion.patch)")],
            "paths": .object(paths),
            "components": ["schemas": .object(schemas)],
        ])
    }

    /// Kubernetes names schemas by reversed group: `ai.openshell.v1alpha1.OpenShellSandbox`,
    /// `io.k8s.api.core.v1.Pod` for built-ins.
    static func schemaName(group: String, version: String, kind: String) -> String {
        if group.isEmpty { return "io.k8s.api.core.\(version).\(kind)" }
        let builtinGroup = group.hasSuffix(".k8s.io") || !group.contains(".")
        if builtinGroup {
            let short = group.replacingOccurrences(of: ".k8s.io", with: "").replacingOccurrences(of: ".authorization", with: "")
            return "io.k8s.api.\(short).\(version).\(kind)"
        }
        return group.split(separator: ".").reversed().joined(separator: ".") + ".\(version).\(kind)"
    }

    /// Adds `apiVersion`, `kind` and `metadata` with their standard descriptions.
    static func withStandardFields(_ schema: JSONValue, kind: String) -> JSONValue {
        var out = schema
        var properties = out["properties"]?.objectValue ?? [:]
        if properties["apiVersion"] == nil {
            properties["apiVersion"] = ["type": "string", "description": "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources"]
        }
        if properties["kind"] == nil {
            properties["kind"] = ["type": "string", "description": "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"]
        }
        properties["metadata"] = ["type": "object", "description": "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"]
        out["properties"] = .object(properties)
        if out["type"] == nil { out["type"] = "object" }
        return out
    }
}
