import Foundation
import KubeCore
import Testing
@testable import OpenShellAPI

/// 2026-01-01T00:00:00Z.
private let created = Date(timeIntervalSince1970: 1_767_225_600)
private let later = created.addingTimeInterval(86_400 * 400)

private let subdomainMessage =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
private let dns1123LabelMessage =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
private let labelValueMessage =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
private let envNameMessage =
    "a valid environment variable name must consist of alphabetic characters, digits or '_', and must not start with a digit (regex used for validation is '[A-Za-z_][A-Za-z0-9_]*')"
private let configKeyMessage =
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"

/// One spec, the class it runs under, and every problem expected, each as
/// `<reason> <field>: <message>`.
struct SpecCase: Sendable, CustomTestStringConvertible {
    var name: String
    var spec: OpenShellSandboxSpec
    var classSpec: OpenShellSandboxClassSpec?
    var expected: [String]
    var testDescription: String { name }

    init(_ name: String, _ spec: OpenShellSandboxSpec, class classSpec: OpenShellSandboxClassSpec? = nil, _ expected: [String]) {
        self.name = name
        self.spec = spec
        self.classSpec = classSpec
        self.expected = expected
    }
}

private func env(_ pairs: (String, String)...) -> [EnvVar] { pairs.map { EnvVar(name: $0.0, value: $0.1) } }
private func secretEnv(_ name: String, _ source: EnvVarSource, value: String? = nil) -> [EnvVar] {
    [EnvVar(name: name, value: value, valueFrom: source)]
}
private let secretRef = SecretKeySelector(name: "creds", key: "token")
private let configMapRef = ConfigMapKeySelector(name: "settings", key: "level")
private func provider(_ name: String, env: [ProviderEnv]? = nil) -> ProviderSpec {
    ProviderSpec(name: name, secretRef: LocalObjectReference(name: "\(name)-secret"), env: env)
}
private func classWith(
    images: ClassImages? = nil, resources: ClassResources? = nil, lifetime: ClassLifetime? = nil,
    workspace: ClassWorkspace? = nil, overrides: UserOverrides? = nil
) -> OpenShellSandboxClassSpec {
    OpenShellSandboxClassSpec(images: images, resources: resources, lifetime: lifetime, workspace: workspace, userOverrides: overrides)
}
private let nvidiaOnly = classWith(images: ClassImages(allowed: ["ghcr.io/nvidia/*"]))
private let weekMax = classWith(lifetime: ClassLifetime(maximumTTL: "168h"))
private let placementAllowed = classWith(overrides: UserOverrides(allowRuntimeClass: true, allowNodePlacement: true))

/// Every field set, every value valid and within the permissive class below.
private let maximalSpec = OpenShellSandboxSpec(
    className: "standard", image: "ghcr.io/nvidia/openshell-community/sandboxes/base:latest",
    command: ["/bin/sh", "-c", "echo one\necho two"], tty: false,
    env: [EnvVar(name: "TABBED", value: "a\tb"), EnvVar(name: "_under", value: ""),
          EnvVar(name: "FROM_SECRET", valueFrom: EnvVarSource(secretKeyRef: secretRef)),
          EnvVar(name: "FROM_CONFIG", valueFrom: EnvVarSource(configMapKeyRef: configMapRef))],
    resources: ResourceRequirements(requests: ["cpu": "500m", "memory": "1Gi"], limits: ["cpu": "2", "memory": "8Gi"]),
    gpus: 1, runtimeClassName: "kata-qemu", nodeSelector: ["node.kubernetes.io/instance-type": "g5.xlarge"],
    tolerations: [Toleration(key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule"), Toleration(key: "dedicated", value: "ai")],
    policy: SandboxPolicySpec(filesystem: FilesystemPolicy(includeWorkdir: true, readOnly: ["/usr"], readWrite: ["/tmp"])),
    providers: [provider("github", env: [ProviderEnv(name: "GITHUB_TOKEN", key: "token")]), provider("anthropic")],
    inference: InferenceSpec(routes: [
        InferenceRoute(name: "inference.local", endpoint: "https://integrate.api.nvidia.com/v1", model: "nvidia/llama",
                       providerType: "nvidia", protocols: ["openai_chat_completions"], apiKeySecretRef: secretRef),
        InferenceRoute(name: "local", endpoint: "http://vllm.models.svc:8000/v1", model: "qwen"),
    ]),
    lifetime: LifetimeSpec(ttl: "1h30m", onExpiry: "Stop"), suspended: false,
    failurePolicy: FailurePolicy(action: "Restart", maxRestarts: 100),
    workspace: WorkspaceSpec(size: "8Gi", storageClassName: "fast-ssd"),
    podMetadata: PodMetadata(labels: ["team": "ml", "example.com/owner": "alice"], annotations: ["example.com/note": "any text at all"]),
    service: SandboxServiceSpec(enabled: true, ports: [SandboxPort(name: "http", port: 8080), SandboxPort(name: "dns", port: 8080, protocol: "UDP")]),
    logLevel: "debug")

private let permissiveClass = OpenShellSandboxClassSpec(
    images: ClassImages(default: "ghcr.io/nvidia/openshell-community/sandboxes/base:latest", allowed: ["ghcr.io/nvidia/*"]),
    resources: ClassResources(maximum: ["cpu": "4", "memory": "8Gi"], maxGPUs: 1),
    lifetime: ClassLifetime(defaultTTL: "1h", maximumTTL: "8h"),
    workspace: ClassWorkspace(maximumSize: "8Gi"),
    userOverrides: UserOverrides(allowRuntimeClass: true, allowNodePlacement: true))

struct SandboxValidationTests {
    static let valid: [SpecCase] = [
        SpecCase("empty spec without a class", OpenShellSandboxSpec(), []),
        SpecCase("empty spec under a restrictive class",
                 OpenShellSandboxSpec(),
                 class: OpenShellSandboxClassSpec(
                    images: ClassImages(default: "ghcr.io/nvidia/base:1", allowed: ["ghcr.io/nvidia/*"]),
                    resources: ClassResources(maximum: ["cpu": "1"], maxGPUs: 0), lifetime: ClassLifetime(defaultTTL: "1h", maximumTTL: "8h"),
                    workspace: ClassWorkspace(maximumSize: "1Gi")),
                 []),
        SpecCase("maximal spec under a class that allows all of it", maximalSpec, class: permissiveClass, []),
        SpecCase("maximal spec without a class", maximalSpec, []),
        SpecCase("placement without a class is not restricted",
                 OpenShellSandboxSpec(runtimeClassName: "gvisor", nodeSelector: ["zone": "a"], tolerations: [Toleration(operator: "Exists")]), []),
        SpecCase("an expiresAt already past stays valid (validity does not depend on now)",
                 OpenShellSandboxSpec(lifetime: LifetimeSpec(expiresAt: "2025-12-31T23:00:00Z")), class: weekMax, []),
        SpecCase("expiresAt exactly at the class maximum",
                 OpenShellSandboxSpec(lifetime: LifetimeSpec(expiresAt: "2026-01-08T00:00:00Z")), class: weekMax, []),
        SpecCase("a disabled workspace's size is not held to the class maximum",
                 OpenShellSandboxSpec(workspace: WorkspaceSpec(disabled: true, size: "100Gi")),
                 class: classWith(workspace: ClassWorkspace(maximumSize: "50Gi")), []),
        SpecCase("an empty command means the default main process", OpenShellSandboxSpec(command: []), []),
    ]

    @Test(arguments: valid)
    func validSpecsHaveNoProblems(_ c: SpecCase) {
        #expect(problems(c) == [])
    }

    static let invalid: [SpecCase] = [
        // Environment
        SpecCase("env name with the reserved prefix", OpenShellSandboxSpec(env: env(("A", "1"), ("B", "2"), ("OPENSHELL_X", "3"))), [
            #"InvalidSpec spec.env[2].name: Invalid value: "OPENSHELL_X": must not start with OPENSHELL_ (reserved for the supervisor)"#,
        ]),
        SpecCase("env name starting with a digit and with a dash", OpenShellSandboxSpec(env: env(("1ABC", "x"), ("MY-VAR", "y"))), [
            #"InvalidSpec spec.env[0].name: Invalid value: "1ABC": "# + envNameMessage,
            #"InvalidSpec spec.env[1].name: Invalid value: "MY-VAR": "# + envNameMessage,
        ]),
        SpecCase("env name empty", OpenShellSandboxSpec(env: env(("", "x"))), [
            "InvalidSpec spec.env[0].name: Required value",
        ]),
        SpecCase("env name longer than 256 bytes", OpenShellSandboxSpec(env: env((String(repeating: "A", count: 257), "x"))), [
            "InvalidSpec spec.env[0].name: Too long: may not be more than 256 bytes",
        ]),
        SpecCase("env name twice", OpenShellSandboxSpec(env: env(("FOO", "1"), ("BAR", "2"), ("FOO", "3"))), [
            #"InvalidSpec spec.env[2].name: Duplicate value: "FOO""#,
        ]),
        SpecCase("env value longer than 8192 bytes", OpenShellSandboxSpec(env: env(("BIG", String(repeating: "v", count: 8193)))), [
            "InvalidSpec spec.env[0].value: Too long: may not be more than 8192 bytes",
        ]),
        SpecCase("env values with a newline, NUL and escape (never echoed)",
                 OpenShellSandboxSpec(env: env(("A", "secret\nline"), ("B", "x\u{0}"), ("C", "\u{1B}[31m"))), [
            "InvalidSpec spec.env[0].value: Invalid value: must not contain control characters other than tab",
            "InvalidSpec spec.env[1].value: Invalid value: must not contain control characters other than tab",
            "InvalidSpec spec.env[2].value: Invalid value: must not contain control characters other than tab",
        ]),
        SpecCase("more than 128 env entries",
                 OpenShellSandboxSpec(env: (0...128).map { EnvVar(name: "V\($0)", value: "x") }), [
            "InvalidSpec spec.env: Too many: 129: must have at most 128 items",
        ]),
        SpecCase("env names and values over 256 KiB together",
                 OpenShellSandboxSpec(env: (0..<40).map { EnvVar(name: "V\($0)", value: String(repeating: "x", count: 8000)) }), [
            "InvalidSpec spec.env: Too long: may not be more than 262144 bytes",
        ]),
        SpecCase("valueFrom with both sources", OpenShellSandboxSpec(env: secretEnv("X", EnvVarSource(secretKeyRef: secretRef, configMapKeyRef: configMapRef))), [
            #"InvalidSpec spec.env[0].valueFrom: Invalid value: "": may not have more than one field specified at a time"#,
        ]),
        SpecCase("valueFrom with no source", OpenShellSandboxSpec(env: secretEnv("X", EnvVarSource())), [
            #"InvalidSpec spec.env[0].valueFrom: Invalid value: "": must specify one of: `configMapKeyRef` or `secretKeyRef`"#,
        ]),
        SpecCase("value and valueFrom together", OpenShellSandboxSpec(env: secretEnv("X", EnvVarSource(secretKeyRef: secretRef), value: "literal")), [
            #"InvalidSpec spec.env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty"#,
        ]),
        SpecCase("secretKeyRef without a name and with a bad key",
                 OpenShellSandboxSpec(env: secretEnv("X", EnvVarSource(secretKeyRef: SecretKeySelector(name: "", key: "a/b")))), [
            "InvalidSpec spec.env[0].valueFrom.secretKeyRef.name: Required value",
            #"InvalidSpec spec.env[0].valueFrom.secretKeyRef.key: Invalid value: "a/b": "# + configKeyMessage,
        ]),

        // Command
        SpecCase("command[0] empty", OpenShellSandboxSpec(command: ["", "-c", "true"]), [
            "InvalidSpec spec.command[0]: Required value: the program to run",
        ]),
        SpecCase("more than 256 arguments", OpenShellSandboxSpec(command: ["/bin/echo"] + Array(repeating: "x", count: 256)), [
            "InvalidSpec spec.command: Too many: 257: must have at most 256 items",
        ]),
        SpecCase("an argument over 32 KiB", OpenShellSandboxSpec(command: ["/bin/echo", String(repeating: "x", count: 32 * 1024 + 1)]), [
            "InvalidSpec spec.command[1]: Too long: may not be more than 32768 bytes",
        ]),
        SpecCase("arguments over 256 KiB together",
                 OpenShellSandboxSpec(command: ["/bin/echo"] + Array(repeating: String(repeating: "x", count: 30_000), count: 9)), [
            "InvalidSpec spec.command: Too long: may not be more than 262144 bytes",
        ]),
        SpecCase("an argument with NUL (never echoed)", OpenShellSandboxSpec(command: ["/bin/echo", "tok\u{0}en"]), [
            "InvalidSpec spec.command[1]: Invalid value: must not contain NUL characters",
        ]),

        // Image
        SpecCase("image outside the class's allowed patterns", OpenShellSandboxSpec(image: "docker.io/evil:1"), class: nvidiaOnly, [
            #"ClassViolation spec.image: Forbidden: image "docker.io/evil:1" is not allowed by OpenShellSandboxClass "standard" (allowed: ghcr.io/nvidia/*)"#,
        ]),
        SpecCase("the class's default image outside its own patterns", OpenShellSandboxSpec(),
                 class: classWith(images: ClassImages(default: "docker.io/library/ubuntu:24.04", allowed: ["ghcr.io/nvidia/*", "nvcr.io/*"])), [
            #"ClassViolation spec.image: Forbidden: the class's default image "docker.io/library/ubuntu:24.04" is not allowed by OpenShellSandboxClass "standard" (allowed: ghcr.io/nvidia/*, nvcr.io/*)"#,
        ]),
        SpecCase("image empty", OpenShellSandboxSpec(image: ""), class: nvidiaOnly, [
            #"InvalidSpec spec.image: Invalid value: "": must not be empty (unset uses the class's default image)"#,
        ]),
        SpecCase("image with surrounding whitespace", OpenShellSandboxSpec(image: "ghcr.io/nvidia/base:1 "), [
            #"InvalidSpec spec.image: Invalid value: "ghcr.io/nvidia/base:1 ": must not have leading or trailing whitespace"#,
        ]),
        SpecCase("image over 1024 bytes", OpenShellSandboxSpec(image: "ghcr.io/" + String(repeating: "a", count: 1020)), [
            "InvalidSpec spec.image: Too long: may not be more than 1024 bytes",
        ]),

        // Resources and GPUs
        SpecCase("gpus zero", OpenShellSandboxSpec(gpus: 0), [
            "InvalidSpec spec.gpus: Invalid value: 0: must be greater than 0",
        ]),
        SpecCase("gpus over the class maximum", OpenShellSandboxSpec(gpus: 4), class: classWith(resources: ClassResources(maxGPUs: 2)), [
            #"ClassViolation spec.gpus: Forbidden: a GPU count of 4 is not allowed by OpenShellSandboxClass "standard" (maximum: 2)"#,
        ]),
        SpecCase("quantities that do not parse or are negative",
                 OpenShellSandboxSpec(resources: ResourceRequirements(requests: ["memory": "1Gb"], limits: ["cpu": "-1", "memory": "lots"])), [
            #"InvalidSpec spec.resources.requests[memory]: Invalid value: "1Gb": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"#,
            #"InvalidSpec spec.resources.limits[cpu]: Invalid value: "-1": must be greater than or equal to 0"#,
            #"InvalidSpec spec.resources.limits[memory]: Invalid value: "lots": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"#,
        ]),
        SpecCase("a request above its limit",
                 OpenShellSandboxSpec(resources: ResourceRequirements(requests: ["cpu": "2", "memory": "1Gi"], limits: ["cpu": "1500m", "memory": "1024Mi"])), [
            #"InvalidSpec spec.resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 1500m"#,
        ]),
        SpecCase("requests and limits above the class maximum",
                 OpenShellSandboxSpec(resources: ResourceRequirements(requests: ["memory": "10Gi"], limits: ["cpu": "4", "memory": "16Gi"])),
                 class: classWith(resources: ClassResources(maximum: ["cpu": "4", "memory": "8Gi"])), [
            #"ClassViolation spec.resources.requests[memory]: Forbidden: memory "10Gi" is not allowed by OpenShellSandboxClass "standard" (maximum: 8Gi)"#,
            #"ClassViolation spec.resources.limits[memory]: Forbidden: memory "16Gi" is not allowed by OpenShellSandboxClass "standard" (maximum: 8Gi)"#,
        ]),

        // Placement
        SpecCase("runtime class the class does not let users set", OpenShellSandboxSpec(runtimeClassName: "kata"), class: nvidiaOnly, [
            #"ClassViolation spec.runtimeClassName: Forbidden: runtime class "kata" is not allowed by OpenShellSandboxClass "standard" (userOverrides.allowRuntimeClass is not true)"#,
        ]),
        SpecCase("runtime class that is not an object name", OpenShellSandboxSpec(runtimeClassName: "Kata_QEMU"), class: placementAllowed, [
            #"InvalidSpec spec.runtimeClassName: Invalid value: "Kata_QEMU": "# + subdomainMessage,
        ]),
        SpecCase("node selector and tolerations the class does not let users set",
                 OpenShellSandboxSpec(nodeSelector: ["zone": "a"], tolerations: [Toleration(key: "gpu", operator: "Exists")]),
                 class: classWith(overrides: UserOverrides(allowRuntimeClass: true)), [
            #"ClassViolation spec.nodeSelector: Forbidden: node placement is not allowed by OpenShellSandboxClass "standard" (userOverrides.allowNodePlacement is not true)"#,
            #"ClassViolation spec.tolerations: Forbidden: node placement is not allowed by OpenShellSandboxClass "standard" (userOverrides.allowNodePlacement is not true)"#,
        ]),
        SpecCase("bad node selector value and tolerations",
                 OpenShellSandboxSpec(nodeSelector: ["zone": "eu west"], tolerations: [
                    Toleration(key: "a", operator: "In", effect: "Never"), Toleration(key: "b", operator: "Exists", value: "yes"),
                 ]), class: placementAllowed, [
            #"InvalidSpec spec.nodeSelector: Invalid value: "eu west": "# + labelValueMessage,
            #"InvalidSpec spec.tolerations[0].operator: Unsupported value: "In": supported values: "Equal", "Exists""#,
            #"InvalidSpec spec.tolerations[0].effect: Unsupported value: "Never": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute""#,
            #"InvalidSpec spec.tolerations[1].operator: Invalid value: "yes": value must be empty when `operator` is 'Exists'"#,
        ]),

        // Policy
        SpecCase("policyRef and policy together",
                 OpenShellSandboxSpec(policyRef: LocalObjectReference(name: "strict"), policy: SandboxPolicySpec()), [
            "InvalidSpec spec.policy: Forbidden: may not be set together with policyRef",
        ]),
        SpecCase("policyRef without a name", OpenShellSandboxSpec(policyRef: LocalObjectReference(name: "")), [
            "InvalidSpec spec.policyRef.name: Required value",
        ]),
        SpecCase("an inline policy's problems are PolicyInvalid",
                 OpenShellSandboxSpec(policy: SandboxPolicySpec(filesystem: FilesystemPolicy(readOnly: ["usr"]), landlock: LandlockPolicy(compatibility: "best_effort"))), [
            #"PolicyInvalid spec.policy.filesystem.readOnly[0]: Invalid value: "usr": must be an absolute path"#,
            #"PolicyInvalid spec.policy.landlock.compatibility: Unsupported value: "best_effort": supported values: "BestEffort", "HardRequirement""#,
        ]),

        // Providers
        SpecCase("more than 32 providers", OpenShellSandboxSpec(providers: (0...32).map { provider("p\($0)") }), [
            "InvalidSpec spec.providers: Too many: 33: must have at most 32 items",
        ]),
        SpecCase("provider names not unique and not a label",
                 OpenShellSandboxSpec(providers: [provider("github"), provider("github"), provider("GitHub")]), [
            #"InvalidSpec spec.providers[1].name: Duplicate value: "github""#,
            #"InvalidSpec spec.providers[2].name: Invalid value: "GitHub": "# + dns1123LabelMessage,
            #"InvalidSpec spec.providers[2].secretRef.name: Invalid value: "GitHub-secret": "# + subdomainMessage,
        ]),
        SpecCase("provider variables clash with env, each other, or the reserved prefix",
                 OpenShellSandboxSpec(env: env(("GITHUB_TOKEN", "x")), providers: [
                    provider("github", env: [ProviderEnv(name: "GITHUB_TOKEN", key: "token"), ProviderEnv(name: "OPENSHELL_TOKEN", key: "t")]),
                    provider("gitlab", env: [ProviderEnv(name: "GL_TOKEN", key: "token"), ProviderEnv(name: "GL_TOKEN", key: "")]),
                 ]), [
            #"InvalidSpec spec.providers[0].env[0].name: Duplicate value: "GITHUB_TOKEN""#,
            #"InvalidSpec spec.providers[0].env[1].name: Invalid value: "OPENSHELL_TOKEN": must not start with OPENSHELL_ (reserved for the supervisor)"#,
            #"InvalidSpec spec.providers[1].env[1].name: Duplicate value: "GL_TOKEN""#,
            "InvalidSpec spec.providers[1].env[1].key: Required value",
        ]),

        // Inference
        SpecCase("inference routes: duplicate name, bad endpoint, no model, unknown provider type",
                 OpenShellSandboxSpec(inference: InferenceSpec(routes: [
                    InferenceRoute(name: "inference.local", endpoint: "https://api.openai.com/v1", model: "gpt"),
                    InferenceRoute(name: "inference.local", endpoint: "ftp://models.example.com", model: "", providerType: "azure"),
                    InferenceRoute(name: "", endpoint: "localhost:8000", model: "m", apiKeySecretRef: SecretKeySelector(name: "keys", key: "")),
                 ])), [
            #"InvalidSpec spec.inference.routes[1].name: Duplicate value: "inference.local""#,
            #"InvalidSpec spec.inference.routes[1].endpoint: Invalid value: "ftp://models.example.com": must be an http or https URL with a host, e.g. https://integrate.api.nvidia.com/v1"#,
            "InvalidSpec spec.inference.routes[1].model: Required value",
            #"InvalidSpec spec.inference.routes[1].providerType: Unsupported value: "azure": supported values: "openai", "anthropic", "nvidia", "deepinfra", "google-vertex-ai", "aws-bedrock""#,
            "InvalidSpec spec.inference.routes[2].name: Required value",
            #"InvalidSpec spec.inference.routes[2].endpoint: Invalid value: "localhost:8000": must be an http or https URL with a host, e.g. https://integrate.api.nvidia.com/v1"#,
            "InvalidSpec spec.inference.routes[2].apiKeySecretRef.key: Required value",
        ]),

        // Lifetime
        SpecCase("ttl that is not a duration", OpenShellSandboxSpec(lifetime: LifetimeSpec(ttl: "8 hours")), [
            #"InvalidSpec spec.lifetime.ttl: Invalid value: "8 hours": must be a duration such as 30m, 8h or 168h"#,
        ]),
        SpecCase("ttl zero", OpenShellSandboxSpec(lifetime: LifetimeSpec(ttl: "0s")), [
            #"InvalidSpec spec.lifetime.ttl: Invalid value: "0s": must be greater than 0"#,
        ]),
        SpecCase("ttl negative", OpenShellSandboxSpec(lifetime: LifetimeSpec(ttl: "-5m")), [
            #"InvalidSpec spec.lifetime.ttl: Invalid value: "-5m": must be greater than 0"#,
        ]),
        SpecCase("expiresAt that is not RFC 3339", OpenShellSandboxSpec(lifetime: LifetimeSpec(expiresAt: "2026-02-01")), [
            #"InvalidSpec spec.lifetime.expiresAt: Invalid value: "2026-02-01": must be an RFC 3339 time such as 2026-01-02T15:04:05Z"#,
        ]),
        SpecCase("ttl and expiresAt together, and an unknown onExpiry",
                 OpenShellSandboxSpec(lifetime: LifetimeSpec(ttl: "1h", expiresAt: "2026-01-01T05:00:00Z", onExpiry: "Keep")), class: weekMax, [
            "InvalidSpec spec.lifetime.expiresAt: Forbidden: may not be set together with ttl",
            #"InvalidSpec spec.lifetime.onExpiry: Unsupported value: "Keep": supported values: "Delete", "Stop""#,
        ]),
        SpecCase("ttl over the class maximum", OpenShellSandboxSpec(lifetime: LifetimeSpec(ttl: "720h")), class: weekMax, [
            #"ClassViolation spec.lifetime.ttl: Forbidden: ttl "720h" is not allowed by OpenShellSandboxClass "standard" (maximum: 168h)"#,
        ]),
        SpecCase("expiresAt further from creation than the class maximum",
                 OpenShellSandboxSpec(lifetime: LifetimeSpec(expiresAt: "2026-02-01T00:00:00Z")), class: weekMax, [
            #"ClassViolation spec.lifetime.expiresAt: Forbidden: expiresAt "2026-02-01T00:00:00Z" (744h0m0s after creation) is not allowed by OpenShellSandboxClass "standard" (maximum: 168h)"#,
        ]),
        SpecCase("the class's default ttl over its own maximum", OpenShellSandboxSpec(),
                 class: classWith(lifetime: ClassLifetime(defaultTTL: "720h", maximumTTL: "168h")), [
            #"ClassViolation spec.lifetime: Forbidden: the class's default ttl "720h" is not allowed by OpenShellSandboxClass "standard" (maximum: 168h)"#,
        ]),

        // Failure policy and workspace
        SpecCase("failure policy action and maxRestarts",
                 OpenShellSandboxSpec(failurePolicy: FailurePolicy(action: "Retry", maxRestarts: 101)), [
            #"InvalidSpec spec.failurePolicy.action: Unsupported value: "Retry": supported values: "Leave", "Restart""#,
            "InvalidSpec spec.failurePolicy.maxRestarts: Invalid value: 101: must be between 0 and 100, inclusive",
        ]),
        SpecCase("negative maxRestarts", OpenShellSandboxSpec(failurePolicy: FailurePolicy(maxRestarts: -1)), [
            "InvalidSpec spec.failurePolicy.maxRestarts: Invalid value: -1: must be between 0 and 100, inclusive",
        ]),
        SpecCase("workspace size that does not parse, and a bad storage class",
                 OpenShellSandboxSpec(workspace: WorkspaceSpec(size: "2GB", storageClassName: "Fast_SSD")), [
            #"InvalidSpec spec.workspace.size: Invalid value: "2GB": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"#,
            #"InvalidSpec spec.workspace.storageClassName: Invalid value: "Fast_SSD": "# + subdomainMessage,
        ]),
        SpecCase("workspace size with suffix letters that make no suffix", OpenShellSandboxSpec(workspace: WorkspaceSpec(size: "2ki")), [
            #"InvalidSpec spec.workspace.size: Invalid value: "2ki": unable to parse quantity's suffix"#,
        ]),
        SpecCase("workspace size zero", OpenShellSandboxSpec(workspace: WorkspaceSpec(size: "0")), [
            #"InvalidSpec spec.workspace.size: Invalid value: "0": must be greater than 0"#,
        ]),
        SpecCase("workspace size over the class maximum", OpenShellSandboxSpec(workspace: WorkspaceSpec(size: "100Gi")),
                 class: classWith(workspace: ClassWorkspace(maximumSize: "50Gi")), [
            #"ClassViolation spec.workspace.size: Forbidden: size "100Gi" is not allowed by OpenShellSandboxClass "standard" (maximum: 50Gi)"#,
        ]),

        // Pod metadata
        SpecCase("pod labels and annotations under reserved prefixes",
                 OpenShellSandboxSpec(podMetadata: PodMetadata(
                    labels: ["openshell.ai/sandbox-id": "x", "app": "ok"],
                    annotations: ["agents.x-k8s.io/pod-name": "p", "extensions.agents.x-k8s.io/x": "y", "OpenShell.io/Note": "z", "example.com/ok": "fine"])), [
            #"InvalidSpec spec.podMetadata.labels[openshell.ai/sandbox-id]: Forbidden: keys with the prefix "openshell.ai/" are reserved for the operator and the Agent Sandbox controller"#,
            #"InvalidSpec spec.podMetadata.annotations[OpenShell.io/Note]: Forbidden: keys with the prefix "openshell.io/" are reserved for the operator and the Agent Sandbox controller"#,
            #"InvalidSpec spec.podMetadata.annotations[agents.x-k8s.io/pod-name]: Forbidden: keys with the prefix "agents.x-k8s.io/" are reserved for the operator and the Agent Sandbox controller"#,
            #"InvalidSpec spec.podMetadata.annotations[extensions.agents.x-k8s.io/x]: Forbidden: keys with the prefix "extensions.agents.x-k8s.io/" are reserved for the operator and the Agent Sandbox controller"#,
        ]),
        SpecCase("pod label key and value that Kubernetes rejects",
                 OpenShellSandboxSpec(podMetadata: PodMetadata(labels: ["/team": "ml", "tier": "-front"])), [
            #"InvalidSpec spec.podMetadata.labels: Invalid value: "/team": prefix part must be non-empty"#,
            #"InvalidSpec spec.podMetadata.labels: Invalid value: "-front": "# + labelValueMessage,
        ]),
        SpecCase("more than 128 pod labels",
                 OpenShellSandboxSpec(podMetadata: PodMetadata(labels: Dictionary(uniqueKeysWithValues: (0...128).map { ("l\($0)", "v") }))), [
            "InvalidSpec spec.podMetadata.labels: Too many: 129: must have at most 128 items",
        ]),

        // Service and log level
        SpecCase("service ports out of range, repeated, or with an unknown protocol",
                 OpenShellSandboxSpec(service: SandboxServiceSpec(enabled: true, ports: [
                    SandboxPort(name: "http", port: 8080), SandboxPort(name: "http", port: 8080, protocol: "TCP"),
                    SandboxPort(port: 0), SandboxPort(port: 70000), SandboxPort(port: 9000, protocol: "HTTP"),
                 ])), [
            #"InvalidSpec spec.service.ports[1].name: Duplicate value: "http""#,
            "InvalidSpec spec.service.ports[1].port: Duplicate value: 8080",
            "InvalidSpec spec.service.ports[2].port: Invalid value: 0: must be between 1 and 65535, inclusive",
            "InvalidSpec spec.service.ports[3].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
            #"InvalidSpec spec.service.ports[4].protocol: Unsupported value: "HTTP": supported values: "TCP", "UDP", "SCTP""#,
        ]),
        SpecCase("log level over 32 bytes", OpenShellSandboxSpec(logLevel: String(repeating: "d", count: 33)), [
            "InvalidSpec spec.logLevel: Too long: may not be more than 32 bytes",
        ]),

        // Several at once, in field order
        SpecCase("problems across fields come in field order",
                 OpenShellSandboxSpec(image: "docker.io/x:1", env: env(("OPENSHELL_A", "1")), gpus: -1,
                                      lifetime: LifetimeSpec(ttl: "2w"), logLevel: String(repeating: "x", count: 40)),
                 class: nvidiaOnly, [
            #"ClassViolation spec.image: Forbidden: image "docker.io/x:1" is not allowed by OpenShellSandboxClass "standard" (allowed: ghcr.io/nvidia/*)"#,
            #"InvalidSpec spec.env[0].name: Invalid value: "OPENSHELL_A": must not start with OPENSHELL_ (reserved for the supervisor)"#,
            "InvalidSpec spec.gpus: Invalid value: -1: must be greater than 0",
            #"InvalidSpec spec.lifetime.ttl: Invalid value: "2w": must be a duration such as 30m, 8h or 168h"#,
            "InvalidSpec spec.logLevel: Too long: may not be more than 32 bytes",
        ]),
    ]

    @Test(arguments: invalid)
    func invalidSpecsReportEveryProblemExactly(_ c: SpecCase) {
        #expect(problems(c) == c.expected)
    }

    @Test func tableHasAtLeastFortyInvalidCases() {
        #expect(Self.invalid.count >= 40)
    }

    @Test func classViolationsWithoutAClassNameStillNameTheKind() {
        let found = SandboxValidation.validate(
            OpenShellSandboxSpec(gpus: 2), class: classWith(resources: ClassResources(maxGPUs: 0)), className: nil, createdAt: created, now: created)
        #expect(found.map(\.description) == [
            "spec.gpus: Forbidden: a GPU count of 2 is not allowed by its OpenShellSandboxClass (maximum: 0)",
        ])
        #expect(found.map(\.error.reason) == [FieldErrorReason.forbidden])
    }

    // MARK: Sidecar proxy identity

    /// A class topology and sidecar settings, the namespace's sandbox UID, and the problems expected.
    static let sidecarIdentity: [(name: String, class: OpenShellSandboxClassSpec, sandboxUID: Int64?, expected: [String])] = [
        ("an explicit proxy UID equal to the sandbox UID",
         sidecarClass(SidecarSpec(proxyUID: 1000, processBinaryAwareNetworkPolicy: false)), 1000, [
            #"ClassViolation spec.className: Forbidden: sandbox UID 1000 is not allowed by OpenShellSandboxClass "standard" (supervisor.sidecar.proxyUID is also 1000: the Sidecar topology's network proxy must run as a user other than the sandbox's)"#,
         ]),
        ("the default proxy UID equal to a namespace's sandbox UID", sidecarClass(nil), 1337, [
            #"ClassViolation spec.className: Forbidden: sandbox UID 1337 is not allowed by OpenShellSandboxClass "standard" (supervisor.sidecar.proxyUID defaults to 1337: the Sidecar topology's network proxy must run as a user other than the sandbox's)"#,
         ]),
        ("equal while binary-aware (the setting takes effect once that is off)",
         sidecarClass(SidecarSpec(proxyUID: 1000680000)), 1000680000, [
            #"ClassViolation spec.className: Forbidden: sandbox UID 1000680000 is not allowed by OpenShellSandboxClass "standard" (supervisor.sidecar.proxyUID is also 1000680000: the Sidecar topology's network proxy must run as a user other than the sandbox's)"#,
         ]),
        ("different UIDs", sidecarClass(SidecarSpec(proxyUID: 2000, processBinaryAwareNetworkPolicy: false)), 1000, []),
        ("the default proxy UID and the default sandbox UID", sidecarClass(nil), 1000, []),
        ("a Combined class ignores the sidecar settings",
         OpenShellSandboxClassSpec(supervisor: SupervisorSpec(sidecar: SidecarSpec(proxyUID: 1000)), topology: "Combined"), 1000, []),
        ("no topology is Combined", OpenShellSandboxClassSpec(supervisor: SupervisorSpec(sidecar: SidecarSpec(proxyUID: 1000))), 1000, []),
        ("an unknown sandbox UID skips the check", sidecarClass(SidecarSpec(proxyUID: 1000)), nil, []),
    ]

    static func sidecarClass(_ sidecar: SidecarSpec?) -> OpenShellSandboxClassSpec {
        OpenShellSandboxClassSpec(supervisor: SupervisorSpec(sidecar: sidecar), topology: "Sidecar")
    }

    @Test(arguments: sidecarIdentity.indices)
    func aSidecarProxyUIDEqualToTheSandboxUIDIsAClassViolation(_ index: Int) {
        let c = Self.sidecarIdentity[index]
        let found = SandboxValidation.validate(OpenShellSandboxSpec(), class: c.class, className: "standard", createdAt: created, now: created,
                                               sandboxUID: c.sandboxUID)
        #expect(found.map { "\($0.reason.rawValue) \($0)" } == c.expected, "\(c.name)")
        #expect(found.allSatisfy { $0.error.reason == FieldErrorReason.forbidden })
    }

    @Test func theSidecarIdentityProblemComesFirstAndWithoutAClassNameNamesTheKind() {
        let found = SandboxValidation.validate(
            OpenShellSandboxSpec(gpus: 0), class: Self.sidecarClass(SidecarSpec(proxyUID: 1000)), className: nil, createdAt: created, now: created,
            sandboxUID: 1000)
        #expect(found.map(\.description) == [
            "spec.className: Forbidden: sandbox UID 1000 is not allowed by its OpenShellSandboxClass (supervisor.sidecar.proxyUID is also 1000: the Sidecar topology's network proxy must run as a user other than the sandbox's)",
            "spec.gpus: Invalid value: 0: must be greater than 0",
        ])
    }

    @Test func theResultDoesNotDependOnNow() {
        for c in Self.invalid + Self.valid {
            let early = SandboxValidation.validate(c.spec, class: c.classSpec, className: "standard", createdAt: created, now: created)
            let late = SandboxValidation.validate(c.spec, class: c.classSpec, className: "standard", createdAt: created, now: later)
            #expect(early == late, "\(c.name)")
        }
    }

    private func problems(_ c: SpecCase) -> [String] {
        SandboxValidation.validate(c.spec, class: c.classSpec, className: "standard", createdAt: created, now: created)
            .map { "\($0.reason.rawValue) \($0)" }
    }
}
