//! Discovery documents: `/version`, `/api`, `/apis`, `/apis/<group>` and the
//! resource lists of each group version, as kubectl and client-go read them.
import Foundation
import KubeCore

extension APIServerCore {
    /// Answers a non-resource GET under the discovery paths, or nil if `path` is not one.
    public func discovery(path: String) -> JSONValue? {
        let parts = path.split(separator: "/").map(String.init)
        switch parts.count {
        case 1 where parts[0] == "version":
            return versionInfo
        case 1 where parts[0] == "api":
            return .object([
                "kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(options.advertisedAddress)]],
            ])
        case 1 where parts[0] == "apis":
            let groups = registry.groupVersions.filter { !$0.group.isEmpty }.map(groupDocument)
            return .object(["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups)])
        case 2 where parts[0] == "apis":
            return registry.groupVersions.first { $0.group == parts[1] }.map { entry in
                var doc = groupDocument(entry)
                doc["kind"] = "APIGroup"
                doc["apiVersion"] = "v1"
                return doc
            }
        case 2 where parts[0] == "api":
            return resourceList(group: "", version: parts[1])
        case 3 where parts[0] == "apis":
            return resourceList(group: parts[1], version: parts[2])
        default:
            return nil
        }
    }

    var versionInfo: JSONValue {
        let v = options.kubernetesVersion
        return .object([
            "major": .string(String(v.major)), "minor": .string(String(v.minor)),
            "gitVersion": .string("v\(v.major).\(v.minor).\(v.patch)"), "gitCommit": "openshell-local-apiserver",
            "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "n/a",
            "compiler": "swift", "platform": "linux/amd64",
        ])
    }

    private func groupDocument(_ entry: (group: String, versions: [String], preferred: String)) -> JSONValue {
        func gv(_ version: String) -> JSONValue {
            ["groupVersion": .string(GroupVersion(group: entry.group, version: version).apiVersion), "version": .string(version)]
        }
        return .object(["name": .string(entry.group), "versions": .array(entry.versions.map(gv)), "preferredVersion": gv(entry.preferred)])
    }

    private func resourceList(group: String, version: String) -> JSONValue? {
        let types = registry.all.filter { $0.group == group && $0.version(version) != nil }
        guard !types.isEmpty else { return nil }
        var resources: [JSONValue] = []
        for type in types {
            var entry: JSONObject = [
                "name": .string(type.resource), "singularName": .string(type.singular), "namespaced": .bool(type.namespaced),
                "kind": .string(type.kind), "verbs": .array(type.verbs.map(JSONValue.string)),
            ]
            if !type.shortNames.isEmpty { entry["shortNames"] = .array(type.shortNames.map(JSONValue.string)) }
            if !type.categories.isEmpty { entry["categories"] = .array(type.categories.map(JSONValue.string)) }
            resources.append(.object(entry))
            var subresources: [(String, [String])] = []
            if type.hasStatus(version) { subresources.append(("status", ["get", "patch", "update"])) }
            if type.version(version)?.scale != nil { subresources.append(("scale", ["get", "patch", "update"])) }
            if type.group.isEmpty, type.resource == "namespaces" { subresources.append(("finalize", ["update"])) }
            for (sub, verbs) in subresources {
                resources.append(.object([
                    "name": .string("\(type.resource)/\(sub)"), "singularName": "", "namespaced": .bool(type.namespaced),
                    "kind": .string(sub == "scale" ? "Scale" : type.kind), "verbs": .array(verbs.map(JSONValue.string)),
                ]))
            }
        }
        return .object([
            "kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": .string(GroupVersion(group: group, version: version).apiVersion),
            "resources": .array(resources),
        ])
    }
}
