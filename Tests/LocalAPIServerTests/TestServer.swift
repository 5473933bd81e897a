//! Fixtures shared by the local API server tests: resources, objects and a CRD.
import KubeCore
import TestSupport

extension GroupVersionResource {
    static let configMaps = GroupVersionResource(group: "", version: "v1", resource: "configmaps")
    static let secrets = GroupVersionResource(group: "", version: "v1", resource: "secrets")
    static let eventsV1 = GroupVersionResource(group: "events.k8s.io", version: "v1", resource: "events")
    static let widgets = GroupVersionResource(group: "example.com", version: "v1", resource: "widgets")
}

func configMap(_ name: String, namespace: String = "default", labels: [String: String] = [:], data: [String: String] = [:]) -> KubeObject {
    var object = KubeObject(["apiVersion": "v1", "kind": "ConfigMap",
                             "metadata": ["name": .string(name), "namespace": .string(namespace)],
                             "data": .object(data.mapValues(JSONValue.string))])
    object.labels = labels
    return object
}

/// A namespaced `Widget` CRD with a status subresource, a default, an enum and printer columns.
let widgetCRD = KubeObject([
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": ["name": "widgets.example.com"],
    "spec": [
        "group": "example.com", "scope": "Namespaced",
        "names": ["plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList", "shortNames": ["wd"]],
        "versions": [[
            "name": "v1", "served": true, "storage": true,
            "subresources": ["status": [:]],
            "additionalPrinterColumns": [
                ["name": "Size", "type": "integer", "jsonPath": ".spec.size"],
                ["name": "Phase", "type": "string", "jsonPath": ".status.phase"],
                ["name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"],
            ],
            "schema": ["openAPIV3Schema": [
                "type": "object",
                "properties": [
                    "spec": [
                        "type": "object", "required": ["size"],
                        "properties": [
                            "size": ["type": "integer", "minimum": 1, "maximum": 10, "description": "How big the widget is."],
                            "color": ["type": "string", "enum": ["red", "blue"], "default": "red"],
                        ],
                    ],
                    "status": ["type": "object", "properties": ["phase": ["type": "string"]]],
                ],
            ]],
        ]],
    ],
])

func widget(_ name: String, namespace: String = "default", size: Int64 = 3) -> KubeObject {
    KubeObject(["apiVersion": "example.com/v1", "kind": "Widget",
                "metadata": ["name": .string(name), "namespace": .string(namespace)],
                "spec": ["size": .int(size)]])
}
