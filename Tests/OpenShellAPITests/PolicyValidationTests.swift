import KubeCore
import Testing
@testable import OpenShellAPI

/// One policy and every problem expected, each as `<reason> <field>: <message>`.
struct PolicyCase: Sendable, CustomTestStringConvertible {
    var name: String
    var policy: SandboxPolicySpec
    var path: String
    var expected: [String]
    var testDescription: String { name }

    init(_ name: String, _ policy: SandboxPolicySpec, path: String = "spec", _ expected: [String]) {
        self.name = name
        self.policy = policy
        self.path = path
        self.expected = expected
    }
}

private func files(readOnly: [String]? = nil, readWrite: [String]? = nil) -> SandboxPolicySpec {
    SandboxPolicySpec(filesystem: FilesystemPolicy(readOnly: readOnly, readWrite: readWrite))
}
private func endpoints(_ endpoints: NetworkEndpoint..., binaries: [String] = ["/usr/bin/curl"]) -> SandboxPolicySpec {
    SandboxPolicySpec(networkPolicies: ["api": NetworkPolicyRule(endpoints: endpoints, binaries: binaries.map(NetworkBinary.init))])
}
private let hostMessage = "outside the first label, '*' must be a whole label (e.g. api.*.example.com)"
private let suffixMessage =
    "at least two labels without '*' must follow the last wildcard (e.g. *.example.com); a bare '*' or a wildcard top-level domain is not allowed"

/// The upstream quick-start policy in the Kubernetes shape.
private let quickstart = SandboxPolicySpec(
    filesystem: FilesystemPolicy(includeWorkdir: true, readOnly: ["/usr", "/lib", "/proc", "/dev/urandom", "/app", "/etc", "/var/log"],
                                 readWrite: ["/sandbox", "/tmp", "/dev/null"]),
    landlock: LandlockPolicy(compatibility: "BestEffort"),
    process: ProcessPolicy(runAsUser: "sandbox", runAsGroup: "sandbox"),
    networkPolicies: ["github_api": NetworkPolicyRule(
        name: "github-api-readonly",
        endpoints: [NetworkEndpoint(host: "api.github.com", port: 443, protocol: "rest", enforcement: "enforce", access: "read-only")],
        binaries: [NetworkBinary(path: "/usr/bin/curl")])])

struct PolicyValidationTests {
    static let valid: [PolicyCase] = [
        PolicyCase("empty policy", SandboxPolicySpec(), []),
        PolicyCase("the quick-start policy", quickstart, []),
        PolicyCase("numeric identities at both ends of the range",
                   SandboxPolicySpec(process: ProcessPolicy(runAsUser: "1", runAsGroup: "4294967294")), []),
        PolicyCase("wildcard hosts the supervisor accepts, IPs, ports, rules",
                   endpoints(NetworkEndpoint(host: "*.example.com", port: 443),
                             NetworkEndpoint(host: "**.example.com", ports: [80, 443]),
                             NetworkEndpoint(host: "*-aiplatform.googleapis.com", port: 443, tls: "skip"),
                             NetworkEndpoint(host: "api.*.example.com", port: 65535, protocol: "graphql", enforcement: "audit",
                                             rules: [["allow": ["operation_type": "query"]]], denyRules: [["operation_type": "mutation"]]),
                             NetworkEndpoint(host: "10.0.0.1", port: 1, protocol: "mcp"),
                             NetworkEndpoint(port: 8080, protocol: "websocket", access: "full"),
                   binaries: ["/usr/bin/*", "/sandbox/.venv/**"]), []),
        PolicyCase("256 paths exactly", files(readOnly: (0..<200).map { "/ro/\($0)" }, readWrite: (0..<56).map { "/rw/\($0)" }), []),
        PolicyCase("a path of exactly 4096 bytes", files(readOnly: ["/" + String(repeating: "p", count: 4095)]), []),
    ]

    @Test(arguments: valid)
    func validPoliciesHaveNoProblems(_ c: PolicyCase) {
        #expect(problems(c) == [])
    }

    static let invalid: [PolicyCase] = [
        PolicyCase("relative paths", files(readOnly: ["usr", "./lib"], readWrite: ["tmp"]), [
            #"PolicyInvalid spec.filesystem.readOnly[0]: Invalid value: "usr": must be an absolute path"#,
            #"PolicyInvalid spec.filesystem.readOnly[1]: Invalid value: "./lib": must be an absolute path"#,
            #"PolicyInvalid spec.filesystem.readWrite[0]: Invalid value: "tmp": must be an absolute path"#,
        ]),
        PolicyCase("'..' components (but not names containing dots)", files(readOnly: ["/sandbox/../etc", "/a/..b/c..", "/x/.."]), [
            #"PolicyInvalid spec.filesystem.readOnly[0]: Invalid value: "/sandbox/../etc": must not contain '..'"#,
            #"PolicyInvalid spec.filesystem.readOnly[2]: Invalid value: "/x/..": must not contain '..'"#,
        ]),
        PolicyCase("a NUL byte in a path", files(readOnly: ["/etc\u{0}/shadow"]), [
            #"PolicyInvalid spec.filesystem.readOnly[0]: Invalid value: "/etc\x00/shadow": must not contain a NUL character"#,
        ]),
        PolicyCase("the root directory writable (read-only is fine)", files(readOnly: ["/"], readWrite: ["/", "//"]), [
            #"PolicyInvalid spec.filesystem.readWrite[0]: Invalid value: "/": the root directory may not be writable"#,
            #"PolicyInvalid spec.filesystem.readWrite[1]: Invalid value: "//": the root directory may not be writable"#,
        ]),
        PolicyCase("empty and over-long paths", files(readOnly: ["", "/" + String(repeating: "p", count: 4096)]), [
            "PolicyInvalid spec.filesystem.readOnly[0]: Required value",
            "PolicyInvalid spec.filesystem.readOnly[1]: Too long: may not be more than 4096 bytes",
        ]),
        PolicyCase("more than 256 paths in all", files(readOnly: (0..<200).map { "/ro/\($0)" }, readWrite: (0..<57).map { "/rw/\($0)" }), [
            "PolicyInvalid spec.filesystem: Too many: 257: must have at most 256 items",
        ]),
        PolicyCase("landlock compatibility in the YAML spelling", SandboxPolicySpec(landlock: LandlockPolicy(compatibility: "hard_requirement")),
                   path: "spec.defaultPolicy", [
            #"PolicyInvalid spec.defaultPolicy.landlock.compatibility: Unsupported value: "hard_requirement": supported values: "BestEffort", "HardRequirement""#,
        ]),
        PolicyCase("root and named identities", SandboxPolicySpec(process: ProcessPolicy(runAsUser: "0", runAsGroup: "root")), [
            #"PolicyInvalid spec.process.runAsUser: Invalid value: "0": must be "sandbox" or a numeric id between 1 and 4294967294"#,
            #"PolicyInvalid spec.process.runAsGroup: Invalid value: "root": must be "sandbox" or a numeric id between 1 and 4294967294"#,
        ]),
        PolicyCase("identities out of range or signed", SandboxPolicySpec(process: ProcessPolicy(runAsUser: "4294967295", runAsGroup: "+1000")), [
            #"PolicyInvalid spec.process.runAsUser: Invalid value: "4294967295": must be "sandbox" or a numeric id between 1 and 4294967294"#,
            #"PolicyInvalid spec.process.runAsGroup: Invalid value: "+1000": must be "sandbox" or a numeric id between 1 and 4294967294"#,
        ]),
        PolicyCase("tcp protocol on Kubernetes", endpoints(NetworkEndpoint(host: "db.internal", port: 5432, protocol: "tcp")), path: "spec.policy", [
            #"PolicyInvalid spec.policy.networkPolicies[api].endpoints[0].protocol: Invalid value: "tcp": not supported on Kubernetes (the sandbox pod has no transparent TCP capability); omit protocol for TCP passthrough"#,
        ]),
        PolicyCase("unknown protocol, enforcement and access",
                   endpoints(NetworkEndpoint(host: "api.example.com", port: 443, protocol: "https", enforcement: "block", access: "admin")), [
            #"PolicyInvalid spec.networkPolicies[api].endpoints[0].protocol: Unsupported value: "https": supported values: "rest", "websocket", "graphql", "mcp", "json-rpc""#,
            #"PolicyInvalid spec.networkPolicies[api].endpoints[0].enforcement: Unsupported value: "block": supported values: "enforce", "audit""#,
            #"PolicyInvalid spec.networkPolicies[api].endpoints[0].access: Unsupported value: "admin": supported values: "read-only", "read-write", "full""#,
        ]),
        PolicyCase("access together with rules",
                   endpoints(NetworkEndpoint(host: "api.example.com", port: 443, protocol: "rest", access: "full", rules: [["allow": ["method": "GET", "path": "/**"]]])), [
            "PolicyInvalid spec.networkPolicies[api].endpoints[0].access: Forbidden: may not be set together with rules",
        ]),
        PolicyCase("ports out of range", endpoints(NetworkEndpoint(host: "a.example.com", port: 0, ports: [443, 70000])), [
            "PolicyInvalid spec.networkPolicies[api].endpoints[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
            "PolicyInvalid spec.networkPolicies[api].endpoints[0].ports[1]: Invalid value: 70000: must be between 1 and 65535, inclusive",
        ]),
        PolicyCase("wildcards that match too much or sit inside a later label",
                   endpoints(NetworkEndpoint(host: "*", port: 443), NetworkEndpoint(host: "**", port: 443),
                             NetworkEndpoint(host: "*.com", port: 443), NetworkEndpoint(host: "example.*", port: 443),
                             NetworkEndpoint(host: "api.foo*.example.com", port: 443), NetworkEndpoint(host: "api.*.com", port: 443)), [
            #"PolicyInvalid spec.networkPolicies[api].endpoints[0].host: Invalid value: "*": "# + suffixMessage,
            #"PolicyInvalid spec.networkPolicies[api].endpoints[1].host: Invalid value: "**": "# + suffixMessage,
            #"PolicyInvalid spec.networkPolicies[api].endpoints[2].host: Invalid value: "*.com": "# + suffixMessage,
            #"PolicyInvalid spec.networkPolicies[api].endpoints[3].host: Invalid value: "example.*": "# + suffixMessage,
            #"PolicyInvalid spec.networkPolicies[api].endpoints[4].host: Invalid value: "api.foo*.example.com": "# + hostMessage,
            #"PolicyInvalid spec.networkPolicies[api].endpoints[5].host: Invalid value: "api.*.com": "# + suffixMessage,
        ]),
        PolicyCase("binaries not absolute", endpoints(NetworkEndpoint(host: "a.example.com", port: 443), binaries: ["curl", "", "/usr/bin/git"]), [
            #"PolicyInvalid spec.networkPolicies[api].binaries[0].path: Invalid value: "curl": must be an absolute path or glob, e.g. /usr/bin/curl or /sandbox/.venv/bin/*"#,
            "PolicyInvalid spec.networkPolicies[api].binaries[1].path: Required value",
        ]),
        PolicyCase("rules reported in key order",
                   SandboxPolicySpec(networkPolicies: [
                    "zeta": NetworkPolicyRule(endpoints: [NetworkEndpoint(host: "z.example.com", port: 99999)]),
                    "alpha": NetworkPolicyRule(binaries: [NetworkBinary(path: "bin/a")]),
                   ]), [
            #"PolicyInvalid spec.networkPolicies[alpha].binaries[0].path: Invalid value: "bin/a": must be an absolute path or glob, e.g. /usr/bin/curl or /sandbox/.venv/bin/*"#,
            "PolicyInvalid spec.networkPolicies[zeta].endpoints[0].port: Invalid value: 99999: must be between 1 and 65535, inclusive",
        ]),
        PolicyCase("encoded policy over 256 KiB",
                   files(readOnly: (0..<250).map { "/" + String(repeating: "d", count: 1100) + "/\($0)" }), [
            "PolicyInvalid spec: Too long: may not be more than 262144 bytes",
        ]),
    ]

    @Test(arguments: invalid)
    func invalidPoliciesReportEveryProblemExactly(_ c: PolicyCase) {
        #expect(problems(c) == c.expected)
    }

    private func problems(_ c: PolicyCase) -> [String] {
        PolicyValidation.validate(c.policy, path: FieldPath(c.path)).map { "\($0.reason.rawValue) \($0)" }
    }
}
