//! Reads a CustomResourceDefinition into the `ResourceType` the server serves.
import Foundation
import KubeCore
import KubeSchema

enum CRDTranslator {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func resourceType(from crd: KubeObject) throws -> ResourceType {
        guard let spec = crd.spec, let group = spec["group"]?.stringValue,
              let names = spec["names"], let plural = names["plural"]?.stringValue, let kind = names["kind"]?.stringValue
        else { throw Failure(description: "spec.group, spec.names.plural and spec.names.kind are required") }
        var versions: [ResourceVersionInfo] = []
        for version in spec["versions"]?.arrayValue ?? [] {
            guard let name = version["name"]?.stringValue else { continue }
            var schema: JSONSchemaProps?
            if let raw = version[path: ["schema", "openAPIV3Schema"]] {
                schema = try JSONSchemaProps(json: raw)
            }
            let columns = (version["additionalPrinterColumns"]?.arrayValue ?? []).compactMap { column -> PrinterColumn? in
                guard let name = column["name"]?.stringValue, let path = column["jsonPath"]?.stringValue else { return nil }
                return PrinterColumn(name: name, type: column["type"]?.stringValue ?? "string",
                                     format: column["format"]?.stringValue ?? "",
                                     description: column["description"]?.stringValue ?? "",
                                     priority: Int(column["priority"]?.intValue ?? 0), jsonPath: path)
            }
            var scale: ScaleSubresource?
            if let s = version[path: ["subresources", "scale"]] {
                scale = ScaleSubresource(specReplicasPath: s["specReplicasPath"]?.stringValue ?? ".spec.replicas",
                                         statusReplicasPath: s["statusReplicasPath"]?.stringValue ?? ".status.replicas",
                                         labelSelectorPath: s["labelSelectorPath"]?.stringValue)
            }
            versions.append(ResourceVersionInfo(
                name: name, served: version["served"]?.boolValue ?? false, storage: version["storage"]?.boolValue ?? false,
                deprecated: version["deprecated"]?.boolValue ?? false,
                deprecationWarning: version["deprecationWarning"]?.stringValue,
                schema: schema, rawSchema: version[path: ["schema", "openAPIV3Schema"]], printerColumns: columns,
                hasStatus: version[path: ["subresources", "status"]] != nil, scale: scale,
                celRules: schema.flatMap(CELRuleSet.init(schema:))))
        }
        let resource = GroupResource(group: group, resource: plural)
        let storageAPIVersion = GroupVersion(group: group, version: versions.first(where: \.storage)?.name ?? "v1").apiVersion
        return ResourceType(
            group: group, resource: plural, kind: kind,
            listKind: names["listKind"]?.stringValue ?? kind + "List",
            singular: names["singular"]?.stringValue ?? kind.lowercased(),
            namespaced: spec["scope"]?.stringValue != "Cluster",
            shortNames: names["shortNames"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            categories: names["categories"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            verbs: ResourceType.standardVerbs, versions: versions, tracksGeneration: true,
            fieldLabels: { _ in [:] }, isCustom: true, storageResource: resource,
            fromStorage: { object, _ in object },
            toStorage: { object in
                var stored = object
                stored.apiVersion = storageAPIVersion
                return stored
            },
            table: nil, deleteReturnsObject: true)
    }
}
