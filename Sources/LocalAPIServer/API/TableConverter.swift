//! Server-side printing: `meta.k8s.io/v1` `Table` responses for
//! `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, as `kubectl get` asks.
import Foundation
import KubeCore

/// A request for Table output and its options.
struct TableRequest: Sendable {
    /// `Object`, `Metadata` (default) or `None`.
    var includeObject: String
    var includeHeaders = true

    init?(_ request: ResourceRequest) {
        guard request.asTable else { return nil }
        includeObject = request.query["includeObject"] ?? "Metadata"
    }
}

enum TableConverter {
    static func columns(for type: ResourceType, version: String) -> [TableColumn] {
        if let custom = type.version(version)?.printerColumns, type.isCustom {
            if custom.isEmpty { return [Columns.age] }
            return custom.map { column in
                TableColumn(column) { object, now in cell(column, object: object, now: now) }
            }
        }
        return type.table ?? [Columns.age]
    }

    static func table(for objects: [KubeObject], type: ResourceType, version: String, request: TableRequest,
                      listMetadata: JSONObject?, now: Date, present: (KubeObject) -> KubeObject) -> JSONValue {
        let columns = columns(for: type, version: version)
        var definitions: [JSONValue] = []
        if request.includeHeaders {
            definitions.append([
                "name": "Name", "type": "string", "format": "name", "priority": 0,
                "description": "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
            ])
            for column in columns {
                let d = column.definition
                definitions.append(.object([
                    "name": .string(d.name), "type": .string(d.type), "format": .string(d.format),
                    "description": .string(d.description), "priority": .int(Int64(d.priority)),
                ]))
            }
        }
        let rows: [JSONValue] = objects.map { stored in
            var cells: [JSONValue] = [.string(stored.name)]
            cells.append(contentsOf: columns.map { $0.cell(stored, now) })
            var row: JSONObject = ["cells": .array(cells)]
            let presented = present(stored)
            switch request.includeObject {
            case "None": break
            case "Object": row["object"] = presented.value
            default:
                row["object"] = .object([
                    "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                    "metadata": .object(presented.metadata),
                ])
            }
            return .object(row)
        }
        return .object([
            "kind": "Table", "apiVersion": "meta.k8s.io/v1",
            "metadata": .object(listMetadata ?? [:]),
            "columnDefinitions": .array(definitions),
            "rows": .array(rows),
        ])
    }

    /// A CRD printer column cell: the first JSONPath result, dates as ages.
    static func cell(_ column: PrinterColumn, object: KubeObject, now: Date) -> JSONValue {
        guard let path = try? JSONPath(column.jsonPath), let first = path.evaluate(on: object.value).first else {
            return .null
        }
        switch column.type {
        case "date":
            guard let s = first.stringValue, let date = KubeTime.parse(s) else { return .string("<invalid>") }
            return .string(humanDuration(now.timeIntervalSince(date)))
        case "integer": return first.intValue.map(JSONValue.int) ?? .null
        case "number": return first.doubleValue.map(JSONValue.double) ?? .null
        case "boolean": return first.boolValue.map(JSONValue.bool) ?? .null
        default:
            switch first {
            case .string: return first
            case .object, .array: return .string(first.jsonString())
            default: return .string(Columns.stringOf(first) ?? "")
            }
        }
    }
}
