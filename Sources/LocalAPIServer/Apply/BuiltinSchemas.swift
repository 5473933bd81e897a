//! Patch metadata of the built-in kinds the server serves, as a compact table
//! keyed by dotted path within each kind (and within shared types such as
//! PodSpec and Container). It records what the upstream Go types declare with
//! `patchStrategy`/`patchMergeKey` (strategic merge patch) and
//! `listType`/`listMapKey`/`structType`/`mapType` (server-side apply).
//! Anything not listed behaves as upstream's defaults do: objects are merged
//! field by field, lists are atomic and replaced. Pure.
import KubeCore

enum BuiltinSchemas {
    // MARK: Building blocks

    /// A struct given by dotted paths to the fields that need metadata.
    static func structure(_ paths: KeyValuePairs<String, SchemaNode>) -> SchemaNode {
        var object = ObjectSchema()
        for (path, node) in paths {
            insert(node, at: path.split(separator: ".").map(String.init)[...], into: &object)
        }
        return .object(object)
    }

    private static func insert(_ node: SchemaNode, at path: ArraySlice<String>, into object: inout ObjectSchema) {
        guard let first = path.first else { return }
        if path.count == 1 {
            if case .object(let existing) = object.fields[first], case .object(let added) = node {
                object.fields[first] = .object(merged(existing, added))
            } else {
                object.fields[first] = node
            }
            return
        }
        var child = ObjectSchema()
        if case .object(let existing) = object.fields[first] { child = existing }
        insert(node, at: path.dropFirst(), into: &child)
        object.fields[first] = .object(child)
    }

    private static func merged(_ a: ObjectSchema, _ b: ObjectSchema) -> ObjectSchema {
        var out = a
        for (name, node) in b.fields {
            if case .object(let x) = out.fields[name], case .object(let y) = node {
                out.fields[name] = .object(merged(x, y))
            } else {
                out.fields[name] = node
            }
        }
        return out
    }

    /// A map whose entries are owned one by one (`map[string]string`).
    static func entries(_ value: SchemaNode = .leaf) -> SchemaNode {
        .object(ObjectSchema(others: .entries(value)))
    }

    /// `+listType=map` with these keys; `mergeKey` when the field also has
    /// `patchStrategy=merge` (`patchMergeKey`).
    static func keyed(_ keys: [String], mergeKey: String? = nil, of element: SchemaNode = .open,
                      defaults: [String: JSONValue] = [:]) -> SchemaNode {
        .list(ListSchema(kind: .map(keys), element: element, keyDefaults: defaults,
                         mergeStrategy: mergeKey != nil, mergeKey: mergeKey))
    }

    /// `+listType=set` of scalars, merged by strategic merge patch.
    static let mergedSet = SchemaNode.list(ListSchema(kind: .set, element: .leaf, mergeStrategy: true))

    /// `+listType=atomic` with `patchStrategy=merge` (strategic merge patch merges what apply replaces).
    static func atomicMerged(mergeKey: String) -> SchemaNode {
        .list(ListSchema(kind: .atomic, element: .open, mergeStrategy: true, mergeKey: mergeKey))
    }

    static let conditions = keyed(["type"], mergeKey: "type")

    // MARK: Shared types

    static let objectMeta = structure([
        "labels": entries(),
        "annotations": entries(),
        "finalizers": mergedSet,
        "ownerReferences": keyed(["uid"], mergeKey: "uid", of: .leaf),
    ])

    /// `apiVersion`, `kind` and `metadata` of every object.
    static let rootFields: [String: SchemaNode] = ["apiVersion": .leaf, "kind": .leaf, "metadata": objectMeta]

    static let envVar = structure([
        "valueFrom.configMapKeyRef": .leaf,
        "valueFrom.secretKeyRef": .leaf,
        "valueFrom.fieldRef": .leaf,
        "valueFrom.resourceFieldRef": .leaf,
    ])

    static let container = structure([
        "ports": keyed(["containerPort", "protocol"], mergeKey: "containerPort", defaults: ["protocol": "TCP"]),
        "env": keyed(["name"], mergeKey: "name", of: envVar),
        "volumeMounts": keyed(["mountPath"], mergeKey: "mountPath"),
        "volumeDevices": keyed(["devicePath"], mergeKey: "devicePath"),
        "resources.limits": entries(),
        "resources.requests": entries(),
        "resources.claims": keyed(["name"]),
    ])

    static let volume = structure([
        "csi.nodePublishSecretRef": .leaf,
        "ephemeral.volumeClaimTemplate.metadata": objectMeta,
        "ephemeral.volumeClaimTemplate.spec.selector": .leaf,
        "ephemeral.volumeClaimTemplate.spec.dataSource": .leaf,
        "ephemeral.volumeClaimTemplate.spec.dataSourceRef": .leaf,
    ])

    static let podSpec = structure([
        "volumes": keyed(["name"], mergeKey: "name", of: volume),
        "initContainers": keyed(["name"], mergeKey: "name", of: container),
        "containers": keyed(["name"], mergeKey: "name", of: container),
        "ephemeralContainers": keyed(["name"], mergeKey: "name", of: container),
        "imagePullSecrets": keyed(["name"], mergeKey: "name", of: .leaf),
        "hostAliases": keyed(["ip"], mergeKey: "ip"),
        "topologySpreadConstraints": keyed(["topologyKey", "whenUnsatisfiable"], mergeKey: "topologyKey",
                                           of: structure(["labelSelector": .leaf])),
        "resourceClaims": keyed(["name"], mergeKey: "name"),
        "schedulingGates": keyed(["name"], mergeKey: "name"),
        "nodeSelector": .leaf,
        "overhead": entries(),
        "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution": .leaf,
    ])

    static let podTemplate = structure(["metadata": objectMeta, "spec": podSpec])

    static let persistentVolumeClaimSpec = structure([
        "selector": .leaf,
        "dataSource": .leaf,
        "dataSourceRef": .leaf,
        "resources.limits": entries(),
        "resources.requests": entries(),
    ])

    // MARK: Kinds

    /// The merge schema of each built-in kind, keyed `group/Kind` (`/Pod` for core).
    static let kinds: [String: SchemaNode] = [
        "/Namespace": kind(["status.conditions": conditions]),
        "/ConfigMap": kind(["data": entries(), "binaryData": entries()]),
        "/Secret": kind(["data": entries(), "stringData": entries()]),
        "/Service": kind([
            "spec.ports": keyed(["port", "protocol"], mergeKey: "port", defaults: ["protocol": "TCP"]),
            "spec.selector": .leaf,
            "status.conditions": conditions,
        ]),
        "/Endpoints": kind([:]),
        "/ServiceAccount": kind(["secrets": keyed(["name"], mergeKey: "name", of: .leaf)]),
        "/Pod": kind([
            "spec": podSpec,
            "status.conditions": conditions,
            "status.podIPs": keyed(["ip"], mergeKey: "ip"),
            "status.hostIPs": atomicMerged(mergeKey: "ip"),
            "status.resourceClaimStatuses": keyed(["name"], mergeKey: "name"),
        ]),
        "/PersistentVolumeClaim": kind([
            "spec": persistentVolumeClaimSpec,
            "status.conditions": conditions,
            "status.capacity": entries(),
        ]),
        "/Event": kind(["involvedObject": .leaf, "related": .leaf]),
        "/LimitRange": kind([:]),
        "/ResourceQuota": kind(["spec.hard": entries(), "status.hard": entries(), "status.used": entries()]),
        "events.k8s.io/Event": kind(["regarding": .leaf, "related": .leaf]),
        "apps/Deployment": kind([
            "spec.selector": .leaf,
            "spec.template": podTemplate,
            "status.conditions": conditions,
        ]),
        "apps/StatefulSet": kind([
            "spec.selector": .leaf,
            "spec.template": podTemplate,
            "status.conditions": conditions,
        ]),
        "apps/ControllerRevision": kind(["data": .deduced]),
        "batch/Job": kind([
            "spec.selector": .leaf,
            "spec.template": podTemplate,
            "status.conditions": atomicMerged(mergeKey: "type"),
        ]),
        "rbac.authorization.k8s.io/Role": kind([:]),
        "rbac.authorization.k8s.io/ClusterRole": kind([:]),
        "rbac.authorization.k8s.io/RoleBinding": kind(["roleRef": .leaf]),
        "rbac.authorization.k8s.io/ClusterRoleBinding": kind(["roleRef": .leaf]),
        "coordination.k8s.io/Lease": kind([:]),
        "networking.k8s.io/NetworkPolicy": kind(["spec.podSelector": .leaf]),
        "apiextensions.k8s.io/CustomResourceDefinition": kind(["status.conditions": keyed(["type"])]),
    ]

    // MARK: Empty objects

    /// What an empty object of each kind looks like as upstream's Go types
    /// serialize their zero value (non-pointer structs as `{}`, fields without
    /// `omitempty` as `null`). A create is compared against it, so structs that
    /// always exist are not owned as containers (`f:spec` without `.`).
    static let emptyObjects: [String: JSONValue] = [
        "/Namespace": ["spec": [:], "status": [:]],
        "/Service": ["spec": [:], "status": ["loadBalancer": [:]]],
        "/Pod": ["spec": ["containers": nil], "status": [:]],
        "/PersistentVolumeClaim": ["spec": ["resources": [:]], "status": [:]],
        "/Event": ["involvedObject": [:], "source": [:], "firstTimestamp": nil, "lastTimestamp": nil,
                   "eventTime": nil, "reportingComponent": "", "reportingInstance": ""],
        "/LimitRange": ["spec": ["limits": nil]],
        "/ResourceQuota": ["spec": [:], "status": [:]],
        "events.k8s.io/Event": ["eventTime": nil],
        "apps/Deployment": ["spec": ["selector": nil, "template": podTemplateZero, "strategy": [:]], "status": [:]],
        "apps/StatefulSet": ["spec": ["selector": nil, "template": podTemplateZero, "serviceName": "", "updateStrategy": [:]],
                             "status": ["replicas": 0, "availableReplicas": 0]],
        "apps/ControllerRevision": ["data": nil, "revision": 0],
        "batch/Job": ["spec": ["template": podTemplateZero], "status": [:]],
        "rbac.authorization.k8s.io/Role": ["rules": nil],
        "rbac.authorization.k8s.io/ClusterRole": ["rules": nil],
        "rbac.authorization.k8s.io/RoleBinding": ["roleRef": ["apiGroup": "", "kind": "", "name": ""]],
        "rbac.authorization.k8s.io/ClusterRoleBinding": ["roleRef": ["apiGroup": "", "kind": "", "name": ""]],
        "coordination.k8s.io/Lease": ["spec": [:]],
        "networking.k8s.io/NetworkPolicy": ["spec": ["podSelector": [:]]],
        "apiextensions.k8s.io/CustomResourceDefinition": [
            "spec": ["group": "", "names": ["plural": "", "kind": ""], "scope": "", "versions": nil],
            "status": ["acceptedNames": ["plural": "", "kind": ""], "storedVersions": nil],
        ],
    ]

    private static let podTemplateZero: JSONValue = ["metadata": ["creationTimestamp": nil], "spec": ["containers": nil]]

    /// The empty object a create is compared against: `apiVersion`, `kind`,
    /// `metadata.creationTimestamp: null` and the kind's zero-valued structs
    /// (custom resources: `apiVersion` and `kind` only).
    static func emptyObject(group: String, kind: String, apiVersion: String, custom: Bool) -> JSONValue {
        var object: JSONValue = ["apiVersion": .string(apiVersion), "kind": .string(kind)]
        guard !custom else { return object }
        object["metadata"] = ["creationTimestamp": nil]
        for (key, value) in emptyObjects["\(group)/\(kind)"]?.objectValue ?? [:] { object[key] = value }
        return object
    }

    private static func kind(_ paths: KeyValuePairs<String, SchemaNode>) -> SchemaNode {
        guard case .object(var root) = structure(paths) else { return .open }
        for (name, node) in rootFields { root.fields[name] = node }
        return .object(root)
    }

    /// The merge schema of a built-in kind; kinds without an entry are open objects
    /// with standard metadata.
    static func schema(group: String, kind: String) -> SchemaNode {
        kinds["\(group)/\(kind)"] ?? .object(ObjectSchema(fields: rootFields))
    }
}

extension ResourceType {
    /// The merge schema of this type at `version`: the built-in table, or the CRD schema.
    func mergeSchema(version: String) -> SchemaNode {
        isCustom ? SchemaNode(customResource: self.version(version)?.schema) : BuiltinSchemas.schema(group: group, kind: kind)
    }
}

extension SchemaNode {
    /// The merge schema of a built-in kind (`group` empty for core): its
    /// strategic-merge keys and server-side apply list types.
    public static func builtin(group: String, kind: String) -> SchemaNode {
        BuiltinSchemas.schema(group: group, kind: kind)
    }
}
