//! The four `apiextensions.k8s.io/v1` CustomResourceDefinitions of
//! `openshell.ai/v1alpha1`, assembled from the types' schemas: names, short
//! names, scope, printer columns, the status subresource (on all four), and the root rules
//! that keep sandbox and gateway names DNS-1035 labels. `crds/` holds their YAML.
import KubeCore

public enum OpenShellCRDs {
    /// OpenShellSandbox, OpenShellSandboxClass, OpenShellPolicy and OpenShellGateway, in that order.
    public static var all: [KubeObject] { [sandbox, sandboxClass, policy, gateway] }

    public static var sandbox: KubeObject {
        definition(
            resource: OpenShellAPIGroup.sandboxes, kind: OpenShellAPIGroup.sandboxKind.kind, singular: "openshellsandbox",
            namespaced: true, shortNames: ["oss"],
            columns: [
                PrinterColumn("Phase", .string, ".status.phase", "Where the sandbox is in its life."),
                PrinterColumn("Ready", .string, ".status.conditions[?(@.type=='Ready')].status", "Whether the sandbox is ready."),
                PrinterColumn("Class", .string, ".status.className", "The OpenShellSandboxClass in use.", priority: 1),
                PrinterColumn("Expires", .date, ".status.expiresAt", "When the lifetime ends."),
                PrinterColumn.age,
            ],
            schema: root(
                "An OpenShell sandbox: an isolated agent environment the operator runs as an agents.x-k8s.io Sandbox, without an OpenShell gateway.",
                spec: OpenShellSandboxSpec.schema, status: OpenShellSandboxStatus.schema, specRequired: true)
                .rule("self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 63",
                      message: "metadata.name must be a DNS-1035 label: at most 63 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit"))
    }

    public static var sandboxClass: KubeObject {
        definition(
            resource: OpenShellAPIGroup.sandboxClasses, kind: OpenShellAPIGroup.sandboxClassKind.kind, singular: "openshellsandboxclass",
            namespaced: false, shortNames: ["ossc"],
            columns: [
                PrinterColumn("Default", .string, ".metadata.annotations.openshell\\.ai/is-default-class",
                              "Whether sandboxes that name no class get this one."),
                PrinterColumn("Topology", .string, ".spec.topology", "Where the supervisor runs."),
                PrinterColumn.age,
            ],
            schema: root(
                "A class of OpenShell sandboxes (cluster-scoped, for administrators): the defaults every sandbox of the class starts from and the limits it cannot exceed. Annotate one class openshell.ai/is-default-class=true to make it the default.",
                spec: OpenShellSandboxClassSpec.schema,
                status: .object("Reserved for what the operator observes about the class; empty in v1alpha1.", [:]),
                specRequired: false))
    }

    public static var policy: KubeObject {
        definition(
            resource: OpenShellAPIGroup.policies, kind: OpenShellAPIGroup.policyKind.kind, singular: "openshellpolicy",
            namespaced: true, shortNames: ["ospol"],
            columns: [
                PrinterColumn("Valid", .string, ".status.conditions[?(@.type=='Valid')].status",
                              "Whether the policy passes OpenShell's limits."),
                PrinterColumn.age,
            ],
            schema: root(
                "A reusable OpenShell sandbox policy that OpenShellSandboxes in the namespace refer to with spec.policyRef.",
                spec: SandboxPolicySpec.schema, status: OpenShellPolicyStatus.schema, specRequired: false))
    }

    public static var gateway: KubeObject {
        let managed = "has(self.spec) && has(self.spec.sandboxes) && has(self.spec.sandboxes.workspaceMode) && self.spec.sandboxes.workspaceMode == 'Managed'"
        let gatewayID = "(has(self.spec.sandboxTokens) && has(self.spec.sandboxTokens.gatewayID) ? self.spec.sandboxTokens.gatewayID : self.metadata.name)"
        return definition(
            resource: OpenShellAPIGroup.gateways, kind: OpenShellAPIGroup.gatewayKind.kind, singular: "openshellgateway",
            namespaced: true, shortNames: ["osgw"],
            columns: [
                PrinterColumn("Version", .string, ".status.runningVersion", "The OpenShell release the gateway runs."),
                PrinterColumn("Available", .string, ".status.conditions[?(@.type=='Available')].status", "Whether the gateway serves its current spec."),
                PrinterColumn("Endpoint", .string, ".status.endpoint", "The in-cluster gRPC URL."),
                PrinterColumn.age,
            ],
            schema: root(
                "An OpenShell gateway (the endpoint of the OpenShell CLI, SDK and TUI) the operator installs, configures, secures, upgrades and health-checks in this namespace, in place of the upstream Helm chart.",
                spec: OpenShellGatewaySpec.schema, status: OpenShellGatewayStatus.schema, specRequired: false)
                .rule("self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 52",
                      message: GatewayRuleMessages.gatewayName)
                .rule("!(\(managed)) || size(\(gatewayID)) <= 33", message: GatewayRuleMessages.managedGatewayID))
    }

    /// The YAML of one CRD: keys sorted, the same bytes on every run.
    public static func yaml(_ crd: KubeObject) -> String { DeterministicYAML.render(crd.value) }

    /// The file `openshell-operator crds --output-dir` writes for `crd`:
    /// `openshell.ai_<plural>.yaml`, a header comment and `yaml(crd)`.
    public static func file(_ crd: KubeObject) -> (name: String, contents: String) {
        let plural = crd.spec?[path: ["names", "plural"]]?.stringValue ?? crd.name
        return ("\(OpenShellAPIGroup.group)_\(plural).yaml",
                "# Generated by `openshell-operator crds`; do not edit.\n---\n" + yaml(crd))
    }

    /// Every CRD as one multi-document YAML stream (what `openshell-operator crds` prints).
    public static var stream: String { all.map { "---\n" + yaml($0) }.joined() }

    // MARK: Assembly

    struct PrinterColumn {
        enum ColumnType: String { case string, integer, date, boolean }
        var name: String
        var type: ColumnType
        var jsonPath: String
        var description: String
        var priority: Int64

        init(_ name: String, _ type: ColumnType, _ jsonPath: String, _ description: String, priority: Int64 = 0) {
            self.name = name
            self.type = type
            self.jsonPath = jsonPath
            self.description = description
            self.priority = priority
        }

        static let age = PrinterColumn("Age", .date, ".metadata.creationTimestamp", "How long ago the object was created.")

        var json: JSONValue {
            var object: JSONObject = ["name": .string(name), "type": .string(type.rawValue), "jsonPath": .string(jsonPath),
                                      "description": .string(description)]
            if priority != 0 { object["priority"] = .int(priority) }
            return .object(object)
        }
    }

    /// The schema of a resource: apiVersion, kind, metadata (left to the server), spec and status.
    static func root(_ description: String, spec: Schema, status: Schema, specRequired: Bool) -> Schema {
        let properties: [String: Schema] = [
            "apiVersion": .string("The versioned schema of this representation of an object: openshell.ai/v1alpha1."),
            "kind": .string("The REST resource this object represents."),
            // kube-apiserver allows nothing but `type` on the root metadata (it is ObjectMeta).
            "metadata": Schema(type: .object, description: ""),
            "spec": spec,
            "status": status,
        ]
        return .object(description, required: specRequired ? ["spec"] : [], properties)
    }

    static func definition(resource: GroupVersionResource, kind: String, singular: String, namespaced: Bool,
                           shortNames: [String], columns: [PrinterColumn], schema: Schema) -> KubeObject {
        let version: JSONObject = [
            "name": .string(resource.version),
            "served": true,
            "storage": true,
            "additionalPrinterColumns": .array(columns.map(\.json)),
            "schema": ["openAPIV3Schema": schema.json],
            "subresources": ["status": [:]],
        ]
        return KubeObject([
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": ["name": .string("\(resource.resource).\(resource.group)")],
            "spec": [
                "group": .string(resource.group),
                "names": [
                    "kind": .string(kind),
                    "listKind": .string(kind + "List"),
                    "plural": .string(resource.resource),
                    "singular": .string(singular),
                    "shortNames": .array(shortNames.map(JSONValue.string)),
                    "categories": ["openshell"],
                ],
                "scope": namespaced ? "Namespaced" : "Cluster",
                "versions": [.object(version)],
            ],
        ])
    }
}
