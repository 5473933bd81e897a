//! AgentSandboxCRD: the project's own CustomResourceDefinition for the
//! Agent Sandbox `Sandbox` (`sandboxes.agents.x-k8s.io`), written for the
//! local cluster. It serves only `v1beta1` (served and storage), with the
//! upstream names, short name, printer columns (Ready, Reason, Age) and status
//! subresource, and a structural schema compatible with upstream v1beta1 for
//! every field a client sends or the controller reports: enums and defaults
//! for `operatingMode` (Running) and `shutdownPolicy` (Retain), `date-time` for
//! `shutdownTime`, the condition schema of `metav1.Condition`, and the CEL rule
//! that makes `volumeClaimTemplates` immutable. `podTemplate.spec` keeps
//! unknown fields (a full PodSpec) and requires `containers`.
import KubeCore

public enum AgentSandboxCRD {
    /// The CRD object, ready to create through the API.
    public static var definition: KubeObject {
        KubeObject([
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": ["name": "sandboxes.agents.x-k8s.io"],
            "spec": [
                "group": .string(AgentSandbox.group),
                "names": [
                    "kind": "Sandbox", "listKind": "SandboxList", "plural": "sandboxes", "singular": "sandbox",
                    "shortNames": ["sandbox"],
                ],
                "scope": "Namespaced",
                "versions": [[
                    "name": .string(AgentSandbox.version),
                    "served": true,
                    "storage": true,
                    "subresources": ["status": [:]],
                    "additionalPrinterColumns": [
                        ["name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type=='Ready')].status"],
                        ["name": "Reason", "type": "string", "jsonPath": ".status.conditions[?(@.type=='Ready')].reason"],
                        ["name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"],
                    ],
                    "schema": ["openAPIV3Schema": schema],
                ]],
            ],
        ])
    }

    // MARK: Schema

    static var schema: JSONValue {
        object([
            "apiVersion": string,
            "kind": string,
            "metadata": ["type": "object"],
            "spec": spec,
            "status": status,
        ], required: ["spec"])
    }

    static var spec: JSONValue {
        var spec = object([
            "operatingMode": ["type": "string", "enum": ["Running", "Suspended"], "default": "Running"],
            "podTemplate": object([
                "metadata": object(["labels": stringMap, "annotations": stringMap]),
                "spec": podSpec,
            ], required: ["spec"]),
            "volumeClaimTemplates": [
                "type": "array",
                "x-kubernetes-list-type": "atomic",
                "items": object([
                    "metadata": object(["name": string, "labels": stringMap, "annotations": stringMap]),
                    "spec": claimSpec,
                ], required: ["spec"]),
            ],
            "service": ["type": "boolean"],
            "shutdownTime": ["type": "string", "format": "date-time"],
            "shutdownPolicy": ["type": "string", "enum": ["Delete", "Retain"], "default": "Retain"],
        ], required: ["podTemplate"])
        spec["x-kubernetes-validations"] = [[
            "rule": "has(self.volumeClaimTemplates) == has(oldSelf.volumeClaimTemplates) && (!has(self.volumeClaimTemplates) || self.volumeClaimTemplates == oldSelf.volumeClaimTemplates)",
            "message": "volumeClaimTemplates is immutable",
        ]]
        return spec
    }

    /// A PodSpec: `containers` (a list keyed by name) is required; everything else is kept as sent.
    static var podSpec: JSONValue {
        var container = object(["name": string], required: ["name"])
        container["x-kubernetes-preserve-unknown-fields"] = true
        var spec = object([
            "containers": [
                "type": "array",
                "items": container,
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["name"],
            ],
        ], required: ["containers"])
        spec["x-kubernetes-preserve-unknown-fields"] = true
        return spec
    }

    /// A PersistentVolumeClaimSpec.
    static var claimSpec: JSONValue {
        let reference = object(["apiGroup": string, "kind": string, "name": string], required: ["kind", "name"])
        var typedReference = reference
        typedReference["x-kubernetes-map-type"] = "atomic"
        let crossNamespaceReference = object(["apiGroup": string, "kind": string, "name": string, "namespace": string],
                                             required: ["kind", "name"])
        var selector = object([
            "matchLabels": stringMap,
            "matchExpressions": [
                "type": "array",
                "x-kubernetes-list-type": "atomic",
                "items": object([
                    "key": string,
                    "operator": string,
                    "values": ["type": "array", "items": string, "x-kubernetes-list-type": "atomic"],
                ], required: ["key", "operator"]),
            ],
        ])
        selector["x-kubernetes-map-type"] = "atomic"
        return object([
            "accessModes": ["type": "array", "items": string, "x-kubernetes-list-type": "atomic"],
            "dataSource": typedReference,
            "dataSourceRef": crossNamespaceReference,
            "resources": object(["limits": quantityMap, "requests": quantityMap]),
            "selector": selector,
            "storageClassName": string,
            "volumeAttributesClassName": string,
            "volumeMode": string,
            "volumeName": string,
        ])
    }

    static var status: JSONValue {
        object([
            "conditions": ["type": "array", "items": condition],
            "nodeName": string,
            "podIPs": ["type": "array", "items": string],
            "selector": string,
            "service": string,
            "serviceFQDN": string,
        ])
    }

    /// `metav1.Condition`.
    static var condition: JSONValue {
        object([
            "type": [
                "type": "string", "maxLength": 316,
                "pattern": #"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"#,
            ],
            "status": ["type": "string", "enum": ["True", "False", "Unknown"]],
            "observedGeneration": ["type": "integer", "format": "int64", "minimum": 0],
            "lastTransitionTime": ["type": "string", "format": "date-time"],
            "reason": [
                "type": "string", "minLength": 1, "maxLength": 1024,
                "pattern": #"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"#,
            ],
            "message": ["type": "string", "maxLength": 32768],
        ], required: ["type", "status", "lastTransitionTime", "reason", "message"])
    }

    // MARK: Building blocks

    static let string: JSONValue = ["type": "string"]
    static let stringMap: JSONValue = ["type": "object", "additionalProperties": ["type": "string"]]
    /// A map of resource quantities (int-or-string with the Kubernetes quantity pattern).
    static let quantityMap: JSONValue = [
        "type": "object",
        "additionalProperties": [
            "anyOf": [["type": "integer"], ["type": "string"]],
            "pattern": #"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"#,
            "x-kubernetes-int-or-string": true,
        ],
    ]

    static func object(_ properties: JSONObject, required: [String] = []) -> JSONValue {
        var schema: JSONObject = ["type": "object", "properties": .object(properties)]
        if !required.isEmpty { schema["required"] = .array(required.map(JSONValue.string)) }
        return .object(schema)
    }
}
