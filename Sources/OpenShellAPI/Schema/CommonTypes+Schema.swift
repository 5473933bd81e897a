//! Schemas of the shared types in `CommonTypes.swift` (references, env,
//! resources, tolerations, security profiles, pod metadata) and of
//! `metav1.Condition`, which every status uses.
import KubeCore

extension Schema {
    /// The name of an object in a namespace (a DNS-1123 subdomain).
    static func objectName(_ description: String) -> Schema {
        .string(description).minLength(1).maxLength(253).pattern(SchemaPatterns.dns1123Subdomain)
    }

    /// A resource quantity written as a string (`"500m"`, `"2Gi"`, `"4"`).
    static func quantity(_ description: String) -> Schema {
        .string(description).maxLength(64).pattern(SchemaPatterns.quantity)
    }

    /// A Go duration written as a string (`"30m"`, `"8h"`).
    static func duration(_ description: String) -> Schema {
        .string(description).maxLength(64).pattern(SchemaPatterns.goDuration)
    }

    /// An image reference.
    static func image(_ description: String) -> Schema {
        .string(description).minLength(1).maxLength(SchemaLimits.templateString)
    }

    /// `imagePullPolicy` as core/v1 spells it.
    static func pullPolicy(_ description: String) -> Schema {
        .string(description).oneOf(["Always", "IfNotPresent", "Never"])
    }

    /// A label selector-style map of label values (node selectors).
    static func labelMap(_ description: String) -> Schema {
        .map(description, of: .string("A label value.").maxLength(63).pattern(SchemaPatterns.labelValue))
            .maxProperties(SchemaLimits.templateMapEntries)
    }

    /// Requests or limits: quantities by resource name.
    static func resourceList(_ description: String) -> Schema {
        .map(description, of: .quantity("A quantity, as a string (quote plain numbers: \"2\")."))
            .maxProperties(32)
    }
}

extension LocalObjectReference: SchemaDescribed {
    public static var schema: Schema {
        .object("A reference to an object in the same namespace.", required: ["name"], [
            "name": .objectName("The name of the object."),
        ])
    }
}

extension SecretKeySelector: SchemaDescribed {
    public static var schema: Schema {
        .object("One key of a Secret in the same namespace.", required: ["name", "key"], [
            "name": .objectName("The name of the Secret."),
            "key": .string("The key in the Secret's data.").minLength(1).maxLength(253).pattern(SchemaPatterns.configKey),
        ])
    }
}

extension ConfigMapKeySelector: SchemaDescribed {
    public static var schema: Schema {
        .object("One key of a ConfigMap in the same namespace.", required: ["name", "key"], [
            "name": .objectName("The name of the ConfigMap."),
            "key": .string("The key in the ConfigMap's data.").minLength(1).maxLength(253).pattern(SchemaPatterns.configKey),
        ])
    }
}

extension NamespacedConfigMapKeyReference: SchemaDescribed {
    public static var schema: Schema {
        .object("One key of a ConfigMap in a named namespace.", required: ["namespace", "name"], [
            "namespace": .string("The namespace of the ConfigMap.").minLength(1).maxLength(63).pattern(SchemaPatterns.dns1123Label),
            "name": .objectName("The name of the ConfigMap."),
            "key": .string("The key in the ConfigMap's data. Default: sandbox-policy.rego.")
                .minLength(1).maxLength(253).pattern(SchemaPatterns.configKey),
        ])
    }
}

extension EnvVar: SchemaDescribed {
    public static var schema: Schema {
        .object("An environment variable of the main process: a literal value, or a reference to a Secret or ConfigMap key (the value is never copied).",
                required: ["name"], [
            "name": .string("The variable's name: letters, digits and '_', not starting with a digit. Names starting with OPENSHELL_ are reserved.")
                .minLength(1).maxLength(SchemaLimits.envNameLength).pattern(SchemaPatterns.envVarName),
            "value": .string("A literal value, without control characters. Exactly one of value and valueFrom.")
                .maxLength(SchemaLimits.envValueLength),
            "valueFrom": EnvVarSource.schema.described("Where the value comes from. Exactly one of value and valueFrom."),
        ])
        .rule("has(self.value) != has(self.valueFrom)", message: "exactly one of value and valueFrom must be set")
        .rule("!self.name.startsWith('OPENSHELL_')", message: "names starting with OPENSHELL_ are reserved for the operator",
              fieldPath: ".name")
    }
}

extension EnvVarSource: SchemaDescribed {
    public static var schema: Schema {
        .object("The source of an environment variable's value: exactly one of secretKeyRef and configMapKeyRef.", [
            "secretKeyRef": SecretKeySelector.schema.described("A key of a Secret in the namespace."),
            "configMapKeyRef": ConfigMapKeySelector.schema.described("A key of a ConfigMap in the namespace."),
        ])
        .rule("has(self.secretKeyRef) != has(self.configMapKeyRef)",
              message: "exactly one of secretKeyRef and configMapKeyRef must be set")
    }
}

extension ResourceRequirements: SchemaDescribed {
    public static var schema: Schema {
        .object("Compute resources by resource name (cpu, memory, ephemeral-storage, ...).", [
            "requests": .resourceList("The resources the scheduler reserves. A request left out defaults to its limit."),
            "limits": .resourceList("The most the sandbox may use."),
        ])
    }
}

extension Toleration: SchemaDescribed {
    public static var schema: Schema {
        .object("A core/v1 toleration: lets the sandbox's pod schedule onto nodes with a matching taint.", [
            "key": .string("The taint key; empty with operator Exists matches every taint.").maxLength(317),
            "operator": .string("How key and value are compared: Equal (default) or Exists.").oneOf(["Exists", "Equal"]),
            "value": .string("The taint value to match with operator Equal.").maxLength(63),
            "effect": .string("The taint effect to match: NoSchedule, PreferNoSchedule or NoExecute; empty matches all.")
                .oneOf(["", "NoSchedule", "PreferNoSchedule", "NoExecute"]),
            "tolerationSeconds": .integer("With effect NoExecute: how long the pod stays bound after the taint appears; unset is forever.",
                                          format: "int64"),
        ])
    }
}

extension SecurityProfile: SchemaDescribed {
    public static var schema: Schema {
        .object("An AppArmor or seccomp profile.", required: ["type"], [
            "type": .string("RuntimeDefault, Unconfined, or Localhost (a profile loaded on the node).")
                .oneOf(["RuntimeDefault", "Unconfined", "Localhost"]),
            "localhostProfile": .string("The profile's name on the node; required with type Localhost and unset otherwise.")
                .minLength(1).maxLength(SchemaLimits.templateString),
        ])
        .rule("self.type == 'Localhost' ? has(self.localhostProfile) : !has(self.localhostProfile)",
              message: "localhostProfile is required when type is Localhost and must be unset otherwise")
    }
}

extension PodMetadata: SchemaDescribed {
    public static var schema: Schema {
        .object("Labels and annotations added to the sandbox's pod. Keys under openshell.ai/, openshell.io/, agents.x-k8s.io/ and extensions.agents.x-k8s.io/ are reserved.", [
            "labels": .labelMap("Labels of the pod."),
            "annotations": .map("Annotations of the pod.", of: .string("An annotation value."))
                .maxProperties(SchemaLimits.templateMapEntries),
        ])
    }
}

extension Condition: SchemaDescribed {
    public static var schema: Schema {
        .object("One aspect of the object's state (metav1.Condition).",
                required: ["type", "status", "reason", "message", "lastTransitionTime"], [
            "type": .string("The condition's type, such as Ready.").minLength(1).maxLength(316),
            "status": .string("True, False or Unknown.").oneOf(["True", "False", "Unknown"]),
            "reason": .string("A CamelCase word for why the condition has its status.")
                .minLength(1).maxLength(1024).pattern("^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"),
            "message": .string("A human-readable explanation.").maxLength(32768),
            "lastTransitionTime": .string("When the status last changed (RFC 3339).").format("date-time"),
            "observedGeneration": .integer("The metadata.generation the condition was computed from.", format: "int64").minimum(0),
        ])
    }

    /// A status's `conditions` list, keyed by type.
    static func list(_ description: String) -> Schema {
        .array(description, of: schema).listMap(keys: ["type"]).maxItems(16)
    }
}
