//! The supervisor's files (snake_case policy YAML, routes YAML), the YAML
//! writer they go through, and the namespace identity facts.
import Foundation
import KubeCore
import OpenShellAPI
import Testing
@testable import SandboxController

@Suite("Renderer supervisor files")
struct RenderSupervisorFilesTests {
    // MARK: Policy

    @Test("policy: every field in the supervisor's snake_case format")
    func policyFields() {
        let policy = SandboxPolicySpec(
            filesystem: FilesystemPolicy(includeWorkdir: true, readOnly: ["/usr", "/etc"], readWrite: ["/tmp"]),
            landlock: LandlockPolicy(compatibility: "HardRequirement"),
            process: ProcessPolicy(runAsUser: "sandbox", runAsGroup: "1000"),
            networkPolicies: ["github": NetworkPolicyRule(
                name: "github-api",
                endpoints: [NetworkEndpoint(
                    host: "api.github.com", port: 443, ports: [443, 8443], path: "/repos/**", protocol: "rest", tls: "skip",
                    enforcement: "enforce", access: "read-only", allowedIPs: ["10.0.0.0/8"],
                    rules: [["allow": ["method": "GET", "path": "/repos/**"]]], denyRules: [["method": "DELETE"]]
                )],
                binaries: [NetworkBinary(path: "/usr/bin/curl")]
            )]
        )
        #expect(PolicyDocument.json(policy) == RenderFixtures.json(#"""
        {"version": 1,
         "filesystem_policy": {"include_workdir": true, "read_only": ["/usr", "/etc"], "read_write": ["/tmp"]},
         "landlock": {"compatibility": "hard_requirement"},
         "process": {"run_as_user": "sandbox", "run_as_group": "1000"},
         "network_policies": {"github": {"name": "github-api",
           "endpoints": [{"host": "api.github.com", "port": 443, "ports": [443, 8443], "path": "/repos/**", "protocol": "rest",
                          "tls": "skip", "enforcement": "enforce", "access": "read-only", "allowed_ips": ["10.0.0.0/8"],
                          "rules": [{"allow": {"method": "GET", "path": "/repos/**"}}], "deny_rules": [{"method": "DELETE"}]}],
           "binaries": [{"path": "/usr/bin/curl"}]}}}
        """#))
    }

    @Test("policy: an empty policy is just the version")
    func emptyPolicy() {
        #expect(PolicyDocument.yaml(SandboxPolicySpec()) == "version: 1\n")
    }

    @Test("policy: a rule's name defaults to its key")
    func ruleNameDefaultsToKey() {
        let json = PolicyDocument.json(SandboxPolicySpec(networkPolicies: ["pypi": NetworkPolicyRule()]))
        #expect(json[path: ["network_policies", "pypi"]] == ["name": "pypi"])
    }

    @Test("landlock compatibility in snake_case", arguments: [
        ("BestEffort", "best_effort"), ("HardRequirement", "hard_requirement"), ("best_effort", "best_effort"),
    ])
    func landlock(_ value: String, _ expected: String) {
        let json = PolicyDocument.json(SandboxPolicySpec(landlock: LandlockPolicy(compatibility: value)))
        #expect(json[path: ["landlock", "compatibility"]] == .string(expected))
    }

    @Test("policy YAML: sorted keys, version 1, numeric ids stay strings")
    func policyYAML() throws {
        let policy = SandboxPolicySpec(
            filesystem: FilesystemPolicy(includeWorkdir: true, readOnly: ["/usr"], readWrite: ["/sandbox", "/tmp"]),
            landlock: LandlockPolicy(compatibility: "BestEffort"),
            process: ProcessPolicy(runAsUser: "1000", runAsGroup: "1000"),
            networkPolicies: ["github_api": NetworkPolicyRule(
                name: "github-api-readonly",
                endpoints: [NetworkEndpoint(host: "*.github.com", port: 443, protocol: "rest", enforcement: "enforce", access: "read-only")],
                binaries: [NetworkBinary(path: "/usr/bin/curl")]
            )]
        )
        let yaml = PolicyDocument.yaml(policy)
        #expect(yaml == """
            filesystem_policy:
              include_workdir: true
              read_only:
                - /usr
              read_write:
                - /sandbox
                - /tmp
            landlock:
              compatibility: best_effort
            network_policies:
              github_api:
                binaries:
                  - path: /usr/bin/curl
                endpoints:
                  - access: read-only
                    enforcement: enforce
                    host: "*.github.com"
                    port: 443
                    protocol: rest
                name: github-api-readonly
            process:
              run_as_group: "1000"
              run_as_user: "1000"
            version: 1

            """)
        #expect(try JSONValue.parseYAML(yaml) == PolicyDocument.json(policy))
    }

    // MARK: Routes

    @Test("routes: api_key_env for a Secret key, an empty api_key without one, provider_type when set")
    func routes() throws {
        let routes = [
            InferenceRoute(name: "inference.local", endpoint: "https://api.openai.com/v1", model: "gpt-4o", providerType: "openai",
                           protocols: ["openai_chat_completions"], apiKeySecretRef: SecretKeySelector(name: "openai", key: "key")),
            InferenceRoute(name: "local", endpoint: "http://vllm:8000/v1", model: "llama-3"),
        ]
        let expected = RenderFixtures.json(#"""
        {"routes": [
          {"name": "inference.local", "endpoint": "https://api.openai.com/v1", "model": "gpt-4o", "provider_type": "openai",
           "protocols": ["openai_chat_completions"], "api_key_env": "OPENSHELL_INFERENCE_API_KEY_0"},
          {"name": "local", "endpoint": "http://vllm:8000/v1", "model": "llama-3", "protocols": [], "api_key": ""}]}
        """#)
        #expect(RoutesDocument.json(routes) == expected)
        #expect(try JSONValue.parseYAML(RoutesDocument.yaml(routes)) == expected)
    }

    // MARK: YAML writer

    /// (A leading byte-order mark is escaped too, but the Yams reader drops it from any string, so it is not listed.)
    static let trickyStrings = [
        "", " ", "true", "True", "yes", "No", "on", "OFF", "y", "n", "null", "Null", "~", "1000", "0x1F", "0o17", "017", "1e3",
        "1_000", ".inf", "-.inf", ".nan", "1:20", "+1", "-1.5", "2024-01-01", "2024-01-01T10:00:00Z", "-", "- a", "a: b", "a:b",
        "#x", "x #y", "*.example.com", "&anchor", "!tag", "%x", "@x", "`x", "'q'", "\"dq\"", "multi\nline", "tab\there",
        "trailing ", " leading", "{a}", "[a]", "a,b", "?x", "|", ">", "\\", "\u{7}", "\u{7F}", "\u{85}", "\u{2028}", "x\u{FEFF}y",
        "<<", "=", "ünïcödé", "emoji 🦀", "/usr/bin/curl", "best_effort", "api.github.com", "C:\\path", "a\"b'c",
    ]

    @Test("YAML writer: every string reads back as the same string, as a value and as a key", arguments: trickyStrings)
    func yamlStringsRoundTrip(_ text: String) throws {
        let value: JSONValue = .object([text: .string(text), "list": .array([.string(text)])])
        #expect(try JSONValue.parseYAML(DeterministicYAML.render(value)) == value)
    }

    @Test("YAML writer: nested containers, empty containers and numbers read back unchanged")
    func yamlStructuresRoundTrip() throws {
        let value = RenderFixtures.json(#"""
        {"a": [[1, 2], [], {}, [{"b": null, "c": [true, false]}]], "d": {}, "e": [], "f": -7, "g": 1.5, "h": 2.5e-7,
         "i": {"j": {"k": [{"l": "m", "n": [{"o": 1}]}]}}}
        """#)
        #expect(try JSONValue.parseYAML(DeterministicYAML.render(value)) == value)
        #expect(try JSONValue.parseYAML(DeterministicYAML.render(.double(1e20))) == .double(1e20))
    }

    @Test("YAML writer: the same tree always gives the same bytes, keys sorted")
    func yamlDeterministic() {
        var forward: JSONObject = [:]
        var backward: JSONObject = [:]
        let keys = (0..<50).map { "key\($0)" }
        for key in keys { forward[key] = .string(key) }
        for key in keys.reversed() { backward[key] = .string(key) }
        let text = DeterministicYAML.render(.object(forward))
        #expect(text == DeterministicYAML.render(.object(backward)))
        #expect(text.split(separator: "\n").map { String($0.prefix { $0 != ":" }) } == keys.sorted())
    }

    // MARK: Namespace facts

    static let namespaceCases: [([String: String], Int64?, Int64?)] = [
        ([:], nil, nil),
        (["openshift.io/sa.scc.uid-range": "1000680000/10000"], 1_000_680_000, nil),
        (["openshift.io/sa.scc.uid-range": "1000680000/10000", "openshift.io/sa.scc.supplemental-groups": "1000680000/10000"],
         1_000_680_000, 1_000_680_000),
        (["openshift.io/sa.scc.supplemental-groups": "5000-5999"], nil, 5000),
        (["openshift.io/sa.scc.supplemental-groups": "5000/100,6000/100"], nil, 5000),
        (["openshift.io/sa.scc.uid-range": "0/10000"], nil, nil),
        (["openshift.io/sa.scc.uid-range": "4294967295/1"], nil, nil),
        (["openshift.io/sa.scc.uid-range": "abc/10"], nil, nil),
        (["openshift.io/sa.scc.uid-range": ""], nil, nil),
        (["openshift.io/sa.scc.uid-range": "99999999999999999999999/1"], nil, nil),
    ]

    @Test("namespace facts from the OpenShift SCC annotations", arguments: namespaceCases)
    func namespaceFacts(_ annotations: [String: String], _ uid: Int64?, _ gid: Int64?) {
        var namespace = KubeObject(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "team-a"]])
        namespace.annotations = annotations
        let facts = NamespaceFacts(namespace: namespace)
        #expect(facts.sandboxUID == uid)
        #expect(facts.sandboxGID == gid)
    }

    @Test("no namespace: no facts; the effective ids fall back to 1000, the GID to the UID")
    func namespaceFallbacks() {
        #expect(NamespaceFacts(namespace: nil) == NamespaceFacts())
        #expect(NamespaceFacts().effectiveUID == 1000)
        #expect(NamespaceFacts().effectiveGID == 1000)
        #expect(NamespaceFacts(sandboxUID: 42).effectiveGID == 42)
    }
}
