//! Schemas of the OpenShell sandbox policy (`OpenShellPolicy.swift`): the
//! shape of OpenShellPolicy.spec, an inline spec.policy and a class's
//! defaultPolicy, with the §4 limits a schema can express (absolute paths,
//! no `..`, `/` not writable, at most 256 paths, the enums).
import KubeCore

extension SandboxPolicySpec: SchemaDescribed {
    public static var schema: Schema {
        .object("An OpenShell sandbox policy (format version 1), rendered into the supervisor's policy file.", [
            "filesystem": FilesystemPolicy.schema.described("Static: the paths the sandboxed process may read and write. Changing it restarts the sandbox."),
            "landlock": LandlockPolicy.schema.described("Static: how strictly Landlock is applied."),
            "process": ProcessPolicy.schema.described("Static: the identity the main process runs as."),
            "networkPolicies": .map("Network access rules by name; anything not allowed is denied.", of: NetworkPolicyRule.schema)
                .maxProperties(SchemaLimits.networkPolicies),
        ])
    }
}

extension Schema {
    /// A filesystem path in a policy: absolute, at most 4096 characters, no `..` component.
    static func policyPath(_ description: String) -> Schema {
        .string(description).maxLength(SchemaLimits.policyPathLength).pattern(SchemaPatterns.absolutePath)
            .rule("!self.matches('(^|/)[.][.](/|$)')", message: "must not contain a '..' component")
    }
}

extension FilesystemPolicy: SchemaDescribed {
    public static var schema: Schema {
        .object("The paths the sandboxed process may use (at most 256 in readOnly and readWrite together).", [
            "includeWorkdir": .boolean("Whether the working directory (/sandbox) is writable."),
            "readOnly": .array("Absolute paths the process may read.", of: .policyPath("An absolute path."))
                .maxItems(SchemaLimits.policyPaths),
            "readWrite": .array("Absolute paths the process may read and write; / is not allowed.",
                                of: .policyPath("An absolute path other than /.")
                                    .rule("self != '/'", message: "/ must not be writable"))
                .maxItems(SchemaLimits.policyPaths),
        ])
        .rule("(has(self.readOnly) ? size(self.readOnly) : 0) + (has(self.readWrite) ? size(self.readWrite) : 0) <= 256",
              message: "readOnly and readWrite hold at most 256 paths together")
    }
}

extension LandlockPolicy: SchemaDescribed {
    public static var schema: Schema {
        .object("Landlock settings.", [
            "compatibility": .string("BestEffort: use what the kernel supports. HardRequirement: fail when Landlock is unavailable.")
                .oneOf(["BestEffort", "HardRequirement"]),
        ])
    }
}

extension ProcessPolicy: SchemaDescribed {
    public static var schema: Schema {
        .object("The identity of the main process.", [
            "runAsUser": .string("sandbox, or a numeric user id in 1...4294967294.").pattern(SchemaPatterns.processIdentity),
            "runAsGroup": .string("sandbox, or a numeric group id in 1...4294967294.").pattern(SchemaPatterns.processIdentity),
        ])
    }
}

extension NetworkPolicyRule: SchemaDescribed {
    public static var schema: Schema {
        .object("One network rule: the endpoints some binaries may reach.", [
            "name": .string("A display name; defaults to the map key.").minLength(1).maxLength(253),
            "endpoints": .array("The endpoints the rule allows.", of: NetworkEndpoint.schema).maxItems(SchemaLimits.smallList),
            "binaries": .array("The binaries the rule applies to; unset applies to every binary.", of: NetworkBinary.schema)
                .maxItems(SchemaLimits.smallList),
        ])
    }
}

extension NetworkEndpoint: SchemaDescribed {
    public static var schema: Schema {
        let port = Schema.integer("A port number.").range(1...65535)
        return .object("One endpoint a rule allows.", [
            "host": .string("A host name; * only as the whole first label or a whole middle label (*.example.com).")
                .minLength(1).maxLength(253),
            "port": port.described("The port."),
            "ports": .array("Several ports.", of: port).maxItems(SchemaLimits.smallList),
            "path": .string("A path prefix the rule applies to.").maxLength(SchemaLimits.policyPathLength),
            "protocol": .string("The application protocol the supervisor inspects: rest, websocket, graphql, mcp or json-rpc (tcp is not available on Kubernetes).")
                .oneOf(["rest", "websocket", "graphql", "mcp", "json-rpc"]),
            "tls": .string("skip: pass TLS through uninspected.").oneOf(["skip"]),
            "enforcement": .string("enforce: block what the rule does not allow. audit: only log it.").oneOf(["enforce", "audit"]),
            "access": .string("read-only, read-write or full.").oneOf(["read-only", "read-write", "full"]),
            "allowedIPs": .array("Addresses or CIDRs the host may resolve to.", of: .string("An IP address or CIDR.").maxLength(64))
                .maxItems(SchemaLimits.smallList),
            "rules": .array("Fine-grained allow rules, passed to the supervisor as written (snake_case keys).",
                            of: .freeform("One allow rule.")).maxItems(SchemaLimits.smallList),
            "denyRules": .array("Fine-grained deny rules, passed to the supervisor as written (snake_case keys).",
                                of: .freeform("One deny rule.")).maxItems(SchemaLimits.smallList),
        ])
    }
}

extension NetworkBinary: SchemaDescribed {
    public static var schema: Schema {
        .object("A binary a rule applies to.", required: ["path"], [
            "path": .string("An absolute path or glob (/usr/bin/*).").minLength(1).maxLength(SchemaLimits.policyPathLength)
                .pattern(SchemaPatterns.absolutePath),
        ])
    }
}

extension OpenShellPolicyStatus: SchemaDescribed {
    public static var schema: Schema {
        .object("What the operator observed.", [
            "observedGeneration": .integer("The metadata.generation this status describes.", format: "int64").minimum(0),
            "conditions": Condition.list("Valid: whether the policy passes OpenShell's limits."),
        ])
    }
}
