//! `GatewayValidation`, `GatewayPreflight`, `OpenShellRelease` and
//! `GatewayDefaults`: the OpenShellGateway checks CEL cannot make, each with
//! its exact message; and the examples of docs/gateway.md decode, pass the
//! schema and pass validation.
import Foundation
import KubeCore
import KubeSchema
import Testing
@testable import OpenShellAPI

/// The YAML examples of docs/gateway.md, each after an `<!-- example: <title> -->` line.
enum GatewayDocsExamples {
    struct Example: Sendable {
        var title: String
        var object: KubeObject
    }

    static let path = CRDFixtures.repositoryRoot.appendingPathComponent("docs/gateway.md")

    static func load() throws -> [Example] {
        let lines = try String(contentsOf: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        var examples: [Example] = []
        var i = 0
        while i < lines.count {
            let line = lines[i].trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("<!-- example: "), line.hasSuffix(" -->") {
                let title = String(line.dropFirst("<!-- example: ".count).dropLast(" -->".count))
                guard i + 1 < lines.count, lines[i + 1].hasPrefix("```yaml"),
                      let end = lines[(i + 2)...].firstIndex(where: { $0.hasPrefix("```") }) else {
                    throw ExampleError(message: "\(title): no ```yaml block after the marker")
                }
                let yaml = lines[(i + 2)..<end].joined(separator: "\n")
                guard let object = KubeObject(try JSONValue.parseYAML(yaml)) else {
                    throw ExampleError(message: "\(title): not an object")
                }
                examples.append(Example(title: title, object: object))
                i = end
            }
            i += 1
        }
        return examples
    }

    struct ExampleError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}

/// One spec and every problem expected, as `<reason> <field>: <message>`.
struct GatewayCase: Sendable, CustomTestStringConvertible {
    var name: String
    var spec: OpenShellGatewaySpec
    var expected: [String]
    var testDescription: String { name }
    init(_ name: String, _ spec: OpenShellGatewaySpec, _ expected: [String]) {
        self.name = name
        self.spec = spec
        self.expected = expected
    }
}

private let ipMessage = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
private let qualifiedNameMessage =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"

@Suite("OpenShellGateway validation")
struct GatewayValidationTests {
    static let valid: [GatewayCase] = [
        GatewayCase("an empty spec", OpenShellGatewaySpec(), []),
        GatewayCase("the admissible maximal spec", CRDFixtures.admissibleGatewaySpec, []),
        GatewayCase("IPv6 addresses", OpenShellGatewaySpec(
            sandboxes: GatewaySandboxes(hostGatewayIP: "fd00::1"), tls: GatewayTLS(extraIPAddresses: ["::1", "2001:db8::ffff"])), []),
    ]

    @Test(arguments: valid)
    func validSpecsHaveNoProblems(_ c: GatewayCase) {
        #expect(problems(c.spec) == [])
    }

    static let invalid: [GatewayCase] = [
        GatewayCase("image references with surrounding whitespace", OpenShellGatewaySpec(
            images: GatewayImages(gateway: " example.com/gateway:1", supervisor: "example.com/supervisor:1\n"),
            sandboxes: GatewaySandboxes(image: "base:latest ")), [
            #"InvalidSpec spec.images.gateway: Invalid value: " example.com/gateway:1": must not have leading or trailing whitespace"#,
            #"InvalidSpec spec.images.supervisor: Invalid value: "example.com/supervisor:1\n": must not have leading or trailing whitespace"#,
            #"InvalidSpec spec.sandboxes.image: Invalid value: "base:latest ": must not have leading or trailing whitespace"#,
        ]),
        GatewayCase("a data volume of zero", OpenShellGatewaySpec(workload: GatewayWorkload(storage: GatewayStorage(size: "0"))), [
            #"InvalidSpec spec.workload.storage.size: Invalid value: "0": must be greater than 0"#,
        ]),
        GatewayCase("a workspace default size of zero",
                    OpenShellGatewaySpec(sandboxes: GatewaySandboxes(workspace: GatewaySandboxWorkspace(defaultSize: "0Gi"))), [
            #"InvalidSpec spec.sandboxes.workspace.defaultSize: Invalid value: "0Gi": must be greater than 0"#,
        ]),
        GatewayCase("a host gateway IP that is not an address", OpenShellGatewaySpec(sandboxes: GatewaySandboxes(hostGatewayIP: "300.1.1.1")), [
            #"InvalidSpec spec.sandboxes.hostGatewayIP: Invalid value: "300.1.1.1": "# + ipMessage,
        ]),
        GatewayCase("extra IP SANs that are not addresses", OpenShellGatewaySpec(tls: GatewayTLS(extraIPAddresses: ["10.0.0.1", "1.2.3", "fd00:::1"])), [
            #"InvalidSpec spec.tls.extraIPAddresses[1]: Invalid value: "1.2.3": "# + ipMessage,
            #"InvalidSpec spec.tls.extraIPAddresses[2]: Invalid value: "fd00:::1": "# + ipMessage,
        ]),
        GatewayCase("a request above its limit", OpenShellGatewaySpec(resources: ResourceRequirements(requests: ["memory": "2Gi"], limits: ["memory": "1Gi"])), [
            #"InvalidSpec spec.resources.requests[memory]: Invalid value: "2Gi": must be less than or equal to memory limit of 1Gi"#,
        ]),
        GatewayCase("a node selector key with two slashes", OpenShellGatewaySpec(placement: GatewayPlacement(nodeSelector: ["a/b/c": "x"])), [
            #"InvalidSpec spec.placement.nodeSelector: Invalid value: "a/b/c": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"#,
        ]),
        GatewayCase("a pod label under openshell.ai/", OpenShellGatewaySpec(podMetadata: PodMetadata(labels: ["openshell.ai/managed-by": "me"])), [
            #"InvalidSpec spec.podMetadata.labels[openshell.ai/managed-by]: Forbidden: keys with the prefix "openshell.ai/" are reserved for the operator and the Agent Sandbox controller"#,
        ]),
        GatewayCase("service account annotation keys that are not qualified names", OpenShellGatewaySpec(
            sandboxes: GatewaySandboxes(serviceAccount: GatewayServiceAccount(annotations: ["-bad": "x"])),
            serviceAccount: GatewayServiceAccount(annotations: ["bad key": "y"])), [
            #"InvalidSpec spec.sandboxes.serviceAccount.annotations: Invalid value: "-bad": "# + qualifiedNameMessage,
            #"InvalidSpec spec.serviceAccount.annotations: Invalid value: "bad key": "# + qualifiedNameMessage,
        ]),
        GatewayCase("a Route annotation key that is not a qualified name", OpenShellGatewaySpec(
            exposure: GatewayExposure(openShiftRoute: GatewayOpenShiftRoute(annotations: ["_x": "y"])))
        , [
            #"InvalidSpec spec.exposure.openShiftRoute.annotations: Invalid value: "_x": "# + qualifiedNameMessage,
        ]),
    ]

    @Test(arguments: invalid)
    func invalidSpecsReportEveryProblemExactly(_ c: GatewayCase) {
        #expect(problems(c.spec) == c.expected)
    }

    // MARK: - The watched namespace

    @Test("with --namespace, the sandbox and credential namespaces must be the watched one or empty", arguments: [
        (nil, ["sandboxes": ["namespace": "elsewhere"]], []),
        ("ops", [:], []),
        ("ops", ["sandboxes": ["namespace": ""], "credentials": ["kubernetesSecrets": ["namespace": "ops"]]], []),
        ("ops", ["sandboxes": ["namespace": "elsewhere"]], [
            #"InvalidSpec spec.sandboxes.namespace: Invalid value: "elsewhere": the operator watches only namespace "ops" (--namespace): leave the field empty or set it to "ops", or run the operator for all namespaces"#,
        ]),
        ("ops", ["sandboxes": ["namespace": "a"], "credentials": ["kubernetesSecrets": ["namespace": "b"]]], [
            #"InvalidSpec spec.sandboxes.namespace: Invalid value: "a": the operator watches only namespace "ops" (--namespace): leave the field empty or set it to "ops", or run the operator for all namespaces"#,
            #"InvalidSpec spec.credentials.kubernetesSecrets.namespace: Invalid value: "b": the operator watches only namespace "ops" (--namespace): leave the field empty or set it to "ops", or run the operator for all namespaces"#,
        ]),
    ] as [(String?, JSONObject, [String])])
    func scope(_ watchNamespace: String?, _ json: JSONObject, _ expected: [String]) throws {
        let spec = try JSONValue.object(json).decode(OpenShellGatewaySpec.self)
        #expect(GatewayValidation.scopeProblems(spec, watchNamespace: watchNamespace).map { "\($0.reason.rawValue) \($0)" } == expected)
    }

    // MARK: - Versions

    @Test("a downgrade is refused without the annotation, with the field and the way out named")
    func downgradeRefused() throws {
        let problem = try #require(GatewayValidation.versionChangeProblem(running: "0.0.111", requested: "0.0.110", allowDowngrade: false))
        #expect("\(problem.reason.rawValue) \(problem)" ==
            #"InvalidSpec spec.version: Forbidden: "0.0.110" is older than the running "0.0.111": the gateway database migrates forward only; annotate the OpenShellGateway openshell.ai/allow-downgrade=true to downgrade anyway"#)
    }

    @Test("upgrades, the same version, a first install and an allowed downgrade pass", arguments: [
        ("0.0.110", "0.0.111", false), ("0.0.111", "0.0.111", false), ("0.0.111", "0.1.0", false), ("0.1.0-rc.1", "0.1.0", false),
        ("0.0.111", "0.0.110", true), ("v0.0.9", "0.0.10", false),
    ])
    func versionChangesAllowed(_ running: String, _ requested: String, _ allow: Bool) {
        #expect(GatewayValidation.versionChangeProblem(running: running, requested: requested, allowDowngrade: allow) == nil)
        #expect(GatewayValidation.versionChangeProblem(running: nil, requested: requested, allowDowngrade: false) == nil)
    }

    @Test("releases order as semantic versions, numerically, pre-releases first")
    func releaseOrder() throws {
        let ordered = ["0.0.9", "0.0.10", "0.0.111", "0.1.0-rc.2", "0.1.0-rc.10", "0.1.0", "1.0.0"].compactMap(OpenShellRelease.init)
        #expect(ordered.count == 7)
        #expect(ordered == ordered.sorted())
        #expect(OpenShellRelease("v0.0.111") == OpenShellRelease("0.0.111"))
        for text in ["latest", "0.0", "0.0.1.2", "0.0.x", "0.0.1-", ""] {
            #expect(OpenShellRelease(text) == nil, "\(text)")
        }
    }

    // MARK: - Preflight

    @Test("the Agent Sandbox preflight passes with v1beta1 or v1alpha1 Sandbox served and fails with the chart's meaning otherwise", arguments: [
        (Set(["agents.x-k8s.io/v1beta1"]), true), (Set(["agents.x-k8s.io/v1alpha1"]), true),
        (Set(["agents.x-k8s.io/v1beta1", "agents.x-k8s.io/v1alpha1"]), true), (Set<String>(), false), (Set(["agents.x-k8s.io/v2"]), false),
    ])
    func agentSandboxPreflight(_ served: Set<String>, _ passes: Bool) {
        let problem = GatewayPreflight.agentSandboxProblem(servedSandboxVersions: served)
        #expect(problem == (passes ? nil :
            "Agent Sandbox is required but neither agents.x-k8s.io/v1beta1 nor agents.x-k8s.io/v1alpha1 Sandbox is served: install Agent Sandbox before the gateway"))
    }

    // MARK: - Defaults

    @Test("the default images are the pinned release's matched pair; a repository moves both; overrides replace one")
    func defaultImages() {
        let empty = OpenShellGatewaySpec()
        #expect(GatewayDefaults.gatewayImage(empty) == "ghcr.io/nvidia/openshell/gateway:0.0.111")
        #expect(GatewayDefaults.supervisorImage(empty) == "ghcr.io/nvidia/openshell/supervisor:0.0.111")
        let mirrored = OpenShellGatewaySpec(version: "0.0.112", images: GatewayImages(repository: "mirror.example.com/openshell"))
        #expect(GatewayDefaults.gatewayImage(mirrored) == "mirror.example.com/openshell/gateway:0.0.112")
        #expect(GatewayDefaults.supervisorImage(mirrored) == "mirror.example.com/openshell/supervisor:0.0.112")
        let overridden = OpenShellGatewaySpec(images: GatewayImages(supervisor: "example.com/supervisor:dev"))
        #expect(GatewayDefaults.gatewayImage(overridden) == "ghcr.io/nvidia/openshell/gateway:0.0.111")
        #expect(GatewayDefaults.supervisorImage(overridden) == "example.com/supervisor:dev")
        #expect(OpenShellRelease(GatewayDefaults.openShellVersion) != nil)
    }

    @Test("the condition types are the issue's seven")
    func conditionTypes() {
        #expect(GatewayConditionType.all == [
            "Available", "Progressing", "Degraded", "AgentSandboxAvailable", "TLSReady", "ConfigValid", "RolloutComplete",
        ])
    }

    // MARK: - docs/gateway.md

    @Test("docs/gateway.md has a minimal and a full example; each decodes, passes the schema unpruned and passes validation")
    func docsExamples() throws {
        let examples = try GatewayDocsExamples.load()
        #expect(examples.map(\.title) == ["minimal", "full"])
        let schema = try CRDFixtures.schema(OpenShellCRDs.gateway)
        for example in examples {
            #expect(example.object.apiVersion == "openshell.ai/v1alpha1", "\(example.title)")
            #expect(example.object.kind == "OpenShellGateway", "\(example.title)")
            #expect(validate(example.object.value, against: schema, path: FieldPath()).map(\.description) == [], "\(example.title)")
            var pruned = example.object.value
            #expect(prune(&pruned, schema: schema, isResourceRoot: true) == [], "\(example.title)")
            let spec = try example.object.decodeSpec(OpenShellGatewaySpec.self)
            #expect(problems(spec) == [], "\(example.title)")
        }
    }

    @Test("the docs' Helm values table names every chart value of openshell-contract §2.3 once")
    func helmValuesTable() throws {
        let text = try String(contentsOf: GatewayDocsExamples.path, encoding: .utf8)
        let section = try #require(text.components(separatedBy: "## Helm values → OpenShellGateway fields").dropFirst().first)
        let rows = section.split(separator: "\n").prefix { !$0.hasPrefix("## ") }.filter { $0.hasPrefix("| `") }
        let values = rows.compactMap { row in row.split(separator: "`").dropFirst().first.map(String.init) }
        #expect(Set(values).count == values.count, "duplicate rows")
        #expect(Set(values).isSuperset(of: chartValues), "missing: \(Set(chartValues).subtracting(values).sorted())")
    }

    private func problems(_ spec: OpenShellGatewaySpec) -> [String] {
        GatewayValidation.validate(spec).map { "\($0.reason.rawValue) \($0)" }
    }
}

/// Every value of the chart's values.yaml (openshell-contract §2.3), leaf by leaf.
private let chartValues: [String] = [
    "replicaCount", "workload.kind", "workload.allowMultiReplicaStatefulSet",
    "image.repository", "image.pullPolicy", "image.tag",
    "supervisor.image.repository", "supervisor.image.pullPolicy", "supervisor.image.tag", "supervisor.sideloadMethod",
    "supervisor.topology", "supervisor.sidecar.proxyUid", "supervisor.sidecar.processBinaryAwareNetworkPolicy",
    "upstreamProxy.url", "upstreamProxy.noProxy", "upstreamProxy.authSecret.name", "upstreamProxy.authSecret.key",
    "upstreamProxy.authAllowInsecure", "upstreamProxy.connectByHostname",
    "imagePullSecrets", "nameOverride", "fullnameOverride",
    "serviceAccount.create", "serviceAccount.annotations", "serviceAccount.name",
    "sandboxServiceAccount.create", "sandboxServiceAccount.annotations", "sandboxServiceAccount.name",
    "podAnnotations", "podLabels", "podSecurityContext.fsGroup",
    "securityContext.runAsNonRoot", "securityContext.runAsUser", "securityContext.allowPrivilegeEscalation", "securityContext.capabilities.drop",
    "service.type", "service.port", "service.healthPort", "service.metricsPort", "service.nodePort",
    "agentSandbox.preflight.enabled", "podLifecycle.terminationGracePeriodSeconds",
    "probes.startup", "probes.liveness", "probes.readiness",
    "resources", "nodeSelector", "tolerations", "affinity",
    "server.logLevel", "server.telemetryEnabled", "server.sandboxNamespace", "server.dbUrl", "server.externalDbSecret",
    "server.sandboxImage", "server.sandboxImagePullPolicy", "server.sandboxImagePullSecrets", "server.workspaceDefaultStorageSize",
    "server.workspaceStorageClass", "server.defaultRuntimeClassName", "server.grpcEndpoint", "server.hostGatewayIP",
    "server.enableUserNamespaces", "server.appArmorProfile",
    "server.drivers.kubernetes.workspaceMode", "server.drivers.kubernetes.operatorNamespaceLabel", "server.drivers.kubernetes.operatorNamespaceFile",
    "server.disableTls", "server.enableLoopbackServiceHttp", "server.policyValidationFailureMode",
    "server.grpcRateLimit.requests", "server.grpcRateLimit.windowSeconds", "server.credentialStorage.existingSecret",
    "server.credentialDrivers.kubernetesSecrets.enabled", "server.credentialDrivers.kubernetesSecrets.namespace",
    "server.credentialDrivers.kubernetesSecrets.allowReferenceNamespace", "server.credentialDrivers.kubernetesSecrets.rbac.create",
    "server.credentialDrivers.vault.enabled", "server.credentialDrivers.vault.address", "server.credentialDrivers.vault.mount",
    "server.credentialDrivers.vault.kvVersion", "server.credentialDrivers.vault.authMethod", "server.credentialDrivers.vault.role",
    "server.credentialDrivers.vault.kubernetesAuthMount", "server.credentialDrivers.vault.serviceAccountTokenPath",
    "server.credentialDrivers.vault.tokenPath", "server.credentialDrivers.vault.timeoutSecs",
    "server.auth.allowUnauthenticatedUsers",
    "server.tls.certSecretName", "server.tls.clientCaSecretName", "server.tls.clientTlsSecretName",
    "server.sandboxJwt.signingSecretName", "server.sandboxJwt.gatewayId", "server.sandboxJwt.ttlSecs",
    "server.sandboxJwt.k8sSaTokenTtlSecs", "server.sandboxJwt.secretDefaultMode",
    "server.providerTokenGrants.spiffe.enabled", "server.providerTokenGrants.spiffe.workloadApiSocketPath",
    "server.oidc.issuer", "server.oidc.audience", "server.oidc.jwksTtl", "server.oidc.rolesClaim", "server.oidc.adminRole",
    "server.oidc.userRole", "server.oidc.scopesClaim", "server.oidc.caConfigMapName",
    "networkPolicy.enabled", "pkiInitJob.enabled", "pkiInitJob.serverDnsNames", "pkiInitJob.serverIpAddresses",
    "certManager.enabled", "certManager.caSecretName", "certManager.serverIssuerRef.name", "certManager.serverIssuerRef.kind",
    "certManager.serverIssuerRef.group", "certManager.clientCaFromServerTlsSecret", "certManager.certificateDuration",
    "certManager.certificateRenewBefore", "certManager.serverDnsNames", "certManager.serverIpAddresses",
    "grpcRoute.enabled", "grpcRoute.hostnames", "grpcRoute.gateway.create", "grpcRoute.gateway.className", "grpcRoute.gateway.name",
    "grpcRoute.gateway.namespace", "grpcRoute.gateway.listener.port", "grpcRoute.gateway.listener.protocol",
    "grpcRoute.gateway.listener.allowedRoutes", "grpcRoute.gateway.listener.tls.certificateRefs",
    "openshiftRoute.enabled", "openshiftRoute.host", "openshiftRoute.annotations",
]
