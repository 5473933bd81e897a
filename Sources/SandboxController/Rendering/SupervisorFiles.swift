//! The files the standalone supervisor reads (openshell-contract §4, §8):
//! the snake_case policy YAML (`policy.yaml`) and the inference routes file
//! (`routes.yaml`), rendered from the camelCase API types.
import KubeCore
import OpenShellAPI

/// `SandboxPolicySpec` as the supervisor's policy file (format version 1).
public enum PolicyDocument {
    /// The policy file's tree: only the fields that are set, with snake_case keys.
    public static func json(_ policy: SandboxPolicySpec) -> JSONValue {
        var root: JSONObject = ["version": 1]
        if let filesystem = policy.filesystem {
            var fs: JSONObject = [:]
            fs["include_workdir"] = filesystem.includeWorkdir.map(JSONValue.bool)
            fs["read_only"] = filesystem.readOnly.map(strings)
            fs["read_write"] = filesystem.readWrite.map(strings)
            root["filesystem_policy"] = .object(fs)
        }
        if let landlock = policy.landlock {
            var object: JSONObject = [:]
            object["compatibility"] = landlock.compatibility.map { .string(snakeCase($0)) }
            root["landlock"] = .object(object)
        }
        if let process = policy.process {
            var object: JSONObject = [:]
            object["run_as_user"] = process.runAsUser.map(JSONValue.string)
            object["run_as_group"] = process.runAsGroup.map(JSONValue.string)
            root["process"] = .object(object)
        }
        if let rules = policy.networkPolicies, !rules.isEmpty {
            var object: JSONObject = [:]
            for (key, rule) in rules { object[key] = networkRule(rule, key: key) }
            root["network_policies"] = .object(object)
        }
        return .object(root)
    }

    /// The policy file's text (sorted keys, deterministic).
    public static func yaml(_ policy: SandboxPolicySpec) -> String {
        DeterministicYAML.render(json(policy))
    }

    private static func networkRule(_ rule: NetworkPolicyRule, key: String) -> JSONValue {
        var object: JSONObject = ["name": .string(rule.name.flatMap { $0.isEmpty ? nil : $0 } ?? key)]
        object["endpoints"] = rule.endpoints.map { .array($0.map(endpoint)) }
        object["binaries"] = rule.binaries.map { .array($0.map { .object(["path": .string($0.path)]) }) }
        return .object(object)
    }

    private static func endpoint(_ endpoint: NetworkEndpoint) -> JSONValue {
        var object: JSONObject = [:]
        object["host"] = endpoint.host.map(JSONValue.string)
        object["port"] = endpoint.port.map { .int(Int64($0)) }
        object["ports"] = endpoint.ports.map { .array($0.map { .int(Int64($0)) }) }
        object["path"] = endpoint.path.map(JSONValue.string)
        object["protocol"] = endpoint.protocol.map(JSONValue.string)
        object["tls"] = endpoint.tls.map(JSONValue.string)
        object["enforcement"] = endpoint.enforcement.map(JSONValue.string)
        object["access"] = endpoint.access.map(JSONValue.string)
        object["allowed_ips"] = endpoint.allowedIPs.map(strings)
        object["rules"] = endpoint.rules.map(JSONValue.array)
        object["deny_rules"] = endpoint.denyRules.map(JSONValue.array)
        return .object(object)
    }

    private static func strings(_ values: [String]) -> JSONValue { .array(values.map(JSONValue.string)) }

    /// `BestEffort` → `best_effort`, `HardRequirement` → `hard_requirement`; snake_case stays as it is.
    static func snakeCase(_ text: String) -> String {
        var out = ""
        for (index, character) in text.enumerated() {
            if character.isUppercase {
                if index > 0 { out.append("_") }
                out += character.lowercased()
            } else {
                out.append(character)
            }
        }
        return out
    }
}

/// The inference routes as the supervisor's router file.
public enum RoutesDocument {
    /// The environment variable carrying route `index`'s API key.
    public static func apiKeyEnvName(index: Int) -> String { "OPENSHELL_INFERENCE_API_KEY_\(index)" }

    /// `routes: [{name, endpoint, model, provider_type?, protocols, api_key_env | api_key}]`.
    /// A route without a key Secret gets an empty literal `api_key`, which the router accepts
    /// (it rejects a route with neither `api_key` nor `api_key_env`).
    public static func json(_ routes: [InferenceRoute]) -> JSONValue {
        .object(["routes": .array(routes.enumerated().map { index, route in
            var object: JSONObject = [
                "name": .string(route.name),
                "endpoint": .string(route.endpoint),
                "model": .string(route.model),
                "protocols": .array((route.protocols ?? []).map(JSONValue.string)),
            ]
            object["provider_type"] = route.providerType.map(JSONValue.string)
            if route.apiKeySecretRef != nil {
                object["api_key_env"] = .string(apiKeyEnvName(index: index))
            } else {
                object["api_key"] = ""
            }
            return .object(object)
        })])
    }

    public static func yaml(_ routes: [InferenceRoute]) -> String {
        DeterministicYAML.render(json(routes))
    }
}
