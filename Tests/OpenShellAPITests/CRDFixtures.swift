//! Fixtures of the CRD tests: a maximal value of each kind (every field of
//! every type set at least once), the CRDs' schemas, and paths into the repository.
import Foundation
import KubeCore
import KubeSchema
import OpenShellAPI

enum CRDFixtures {
    /// The repository root (this file is Tests/OpenShellAPITests/CRDFixtures.swift).
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let crdsDirectory = repositoryRoot.appendingPathComponent("crds")

    static let fullPolicy = SandboxPolicySpec(
        filesystem: FilesystemPolicy(includeWorkdir: true, readOnly: ["/usr", "/lib", "/etc"], readWrite: ["/sandbox", "/tmp"]),
        landlock: LandlockPolicy(compatibility: "BestEffort"),
        process: ProcessPolicy(runAsUser: "sandbox", runAsGroup: "1000"),
        networkPolicies: [
            "github_api": NetworkPolicyRule(
                name: "github-api-readonly",
                endpoints: [NetworkEndpoint(
                    host: "api.github.com", port: 443, ports: [443, 8443], path: "/repos", protocol: "rest", tls: "skip",
                    enforcement: "enforce", access: "read-only", allowedIPs: ["140.82.112.0/20"],
                    rules: [["allow": ["method": "GET", "path": "/repos/**"]]],
                    denyRules: [["deny": ["method": "DELETE"]]])],
                binaries: [NetworkBinary(path: "/usr/bin/curl")]),
        ])

    /// Every field set, including pairs the CEL rules forbid together (schema validation does not run CEL).
    static let fullSandboxSpec = OpenShellSandboxSpec(
        className: "standard", image: "ghcr.io/nvidia/openshell-community/sandboxes/base:latest",
        command: ["/bin/bash", "-lc", "sleep infinity"], tty: false,
        env: [EnvVar(name: "GREETING", value: "hello",
                     valueFrom: EnvVarSource(secretKeyRef: SecretKeySelector(name: "creds", key: "token"),
                                             configMapKeyRef: ConfigMapKeySelector(name: "settings", key: "mode")))],
        resources: ResourceRequirements(requests: ["cpu": "500m", "memory": "1Gi"], limits: ["cpu": "2", "memory": "4Gi"]),
        gpus: 1, runtimeClassName: "gvisor", nodeSelector: ["pool": "sandboxes"],
        tolerations: [Toleration(key: "dedicated", operator: "Equal", value: "sandboxes", effect: "NoExecute", tolerationSeconds: 300)],
        policyRef: LocalObjectReference(name: "strict"), policy: fullPolicy,
        providers: [ProviderSpec(name: "github", secretRef: LocalObjectReference(name: "github-token"),
                                 env: [ProviderEnv(name: "GITHUB_TOKEN", key: "token")])],
        inference: InferenceSpec(routes: [InferenceRoute(
            name: "inference.local", endpoint: "https://integrate.api.nvidia.com/v1", model: "nvidia/nemotron",
            providerType: "nvidia", protocols: ["openai_chat_completions"],
            apiKeySecretRef: SecretKeySelector(name: "nvidia", key: "api-key"))]),
        lifetime: LifetimeSpec(ttl: "8h", expiresAt: "2030-01-01T00:00:00Z", onExpiry: "Stop"),
        suspended: false, failurePolicy: FailurePolicy(action: "Restart", maxRestarts: 5),
        workspace: WorkspaceSpec(disabled: false, size: "10Gi", storageClassName: "fast"),
        podMetadata: PodMetadata(labels: ["team": "a"], annotations: ["example.com/owner": "alice"]),
        service: SandboxServiceSpec(enabled: true, ports: [SandboxPort(name: "http", port: 8080, protocol: "TCP")]),
        logLevel: "debug")

    static let fullSandboxStatus = OpenShellSandboxStatus(
        phase: .ready,
        conditions: [Condition(type: "Ready", status: "True", reason: "PodReady", message: "the pod is ready",
                               lastTransitionTime: "2026-01-01T00:00:00Z", observedGeneration: 2)],
        observedGeneration: 2, sandboxID: "2f1c7a6e-0d3b-4c47-9a51-3b1f0e9c8d21",
        sandbox: OwnedSandboxReference(name: "demo", uid: "7d0e5c1a-5b6f-4e0a-8f35-2c9f6a1b3e44"), className: "standard",
        podIPs: ["10.0.0.7"], serviceFQDN: "demo.team-a.svc.cluster.local", expiresAt: "2026-01-01T08:00:00Z",
        restartCount: 1, lastExitCode: 137, lastFailedPodUID: "5a9b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d",
        lastFailureTime: "2026-01-01T01:00:00Z", observedRestartedAt: "2026-01-01T02:00:00Z")

    static let fullClassSpec = OpenShellSandboxClassSpec(
        images: ClassImages(default: "ghcr.io/nvidia/openshell-community/sandboxes/base:latest",
                            allowed: ["ghcr.io/nvidia/openshell-community/*"]),
        supervisor: SupervisorSpec(image: "ghcr.io/nvidia/openshell/supervisor:0.0.111", imagePullPolicy: "IfNotPresent",
                                   sideloadMethod: "InitContainer",
                                   sidecar: SidecarSpec(proxyUID: 2000, processBinaryAwareNetworkPolicy: false)),
        topology: "Combined", imagePullPolicy: "Always", runtimeClassName: "gvisor", nodeSelector: ["pool": "sandboxes"],
        tolerations: [Toleration(key: "dedicated", operator: "Exists", effect: "NoSchedule"),
                      Toleration(key: "gpu", operator: "Equal", value: "true", effect: "NoExecute", tolerationSeconds: 60)],
        imagePullSecrets: [LocalObjectReference(name: "registry")], serviceAccountName: "sandbox",
        security: ClassSecurity(appArmorProfile: SecurityProfile(type: "Localhost", localhostProfile: "openshell"),
                                seccompProfile: SecurityProfile(type: "Localhost", localhostProfile: "profiles/openshell.json")),
        resources: ClassResources(defaults: ResourceRequirements(requests: ["cpu": "1"], limits: ["cpu": "2"]),
                                  maximum: ["cpu": "8", "memory": "32Gi"], maxGPUs: 2),
        lifetime: ClassLifetime(defaultTTL: "8h", maximumTTL: "168h"),
        workspace: ClassWorkspace(defaultSize: "2Gi", maximumSize: "50Gi", storageClassName: "standard"),
        defaultPolicy: fullPolicy,
        policyEngine: PolicyEngineSpec(rulesConfigMapRef: NamespacedConfigMapKeyReference(
            namespace: "openshell-system", name: "policy-rules", key: "sandbox-policy.rego")),
        networkPolicy: ClassNetworkPolicy(enabled: true, egress: [["to": [["ipBlock": ["cidr": "0.0.0.0/0"]]]]]),
        userOverrides: UserOverrides(allowRuntimeClass: true, allowNodePlacement: false))

    static let fullPolicyStatus = OpenShellPolicyStatus(
        observedGeneration: 3,
        conditions: [Condition(type: "Valid", status: "True", reason: "Valid", message: "the policy is within OpenShell's limits",
                               lastTransitionTime: "2026-01-01T00:00:00Z", observedGeneration: 3)])

    /// Every field of an OpenShellGateway set, including pairs the CEL rules forbid together.
    static let fullGatewaySpec = OpenShellGatewaySpec(
        version: "0.0.111",
        images: GatewayImages(repository: "registry.example.com/nvidia/openshell", gateway: "registry.example.com/openshell/gateway:dev",
                              supervisor: "registry.example.com/openshell/supervisor:dev", pullPolicy: "Always",
                              supervisorPullPolicy: "IfNotPresent"),
        imagePullSecrets: [LocalObjectReference(name: "registry")],
        workload: GatewayWorkload(
            kind: "Deployment", replicas: 2, allowMultiReplicaStatefulSet: true,
            externalDatabaseSecretRef: LocalObjectReference(name: "openshell-db"),
            storage: GatewayStorage(size: "5Gi", storageClassName: "fast"), terminationGracePeriodSeconds: 30,
            probes: GatewayProbes(
                startup: ProbeTimings(initialDelaySeconds: 0, periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 60),
                liveness: ProbeTimings(initialDelaySeconds: 2, periodSeconds: 5, timeoutSeconds: 1, failureThreshold: 3),
                readiness: ProbeTimings(initialDelaySeconds: 1, periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 3))),
        service: GatewayService(type: "NodePort", port: 8443, metricsPort: 9091, nodePort: 30443),
        sandboxes: GatewaySandboxes(
            namespace: "openshell-sandboxes", workspaceMode: "Operator", operatorNamespaceLabel: "openshell.ai/workspace",
            image: "ghcr.io/nvidia/openshell-community/sandboxes/base:latest", imagePullPolicy: "IfNotPresent",
            imagePullSecrets: [LocalObjectReference(name: "regcred")],
            workspace: GatewaySandboxWorkspace(defaultSize: "4Gi", storageClassName: "standard"),
            runtimeClassName: "kata-qemu", enableUserNamespaces: true,
            appArmorProfile: SecurityProfile(type: "Localhost", localhostProfile: "openshell"),
            serviceAccount: GatewayServiceAccount(create: true, name: "sandboxes", annotations: ["example.com/role": "sandbox"]),
            supervisor: GatewaySupervisor(sideloadMethod: "InitContainer", topology: "Sidecar", proxyUID: 1337,
                                          processBinaryAwareNetworkPolicy: false),
            hostGatewayIP: "192.168.65.254", grpcEndpoint: "https://openshell.example.com:443",
            upstreamProxy: GatewayUpstreamProxy(url: "http://proxy.corp.example.com:3128", noProxy: ".svc,.cluster.local",
                                                authSecretRef: SecretKeySelector(name: "proxy", key: "auth"), authAllowInsecure: true,
                                                connectByHostname: true),
            spiffe: GatewaySPIFFE(enabled: true, workloadAPISocketPath: "/spiffe-workload-api/spire-agent.sock")),
        tls: GatewayTLS(
            mode: "CertManager", extraDNSNames: ["openshell.example.com", "*.openshell.example.com"], extraIPAddresses: ["10.0.0.10", "fd00::10"],
            duration: "2160h", renewBefore: "360h",
            secretNames: GatewayTLSSecretNames(server: "gw-server-tls", client: "gw-client-tls", clientCA: "gw-client-ca"),
            certManager: GatewayCertManager(
                caSecretName: "gw-ca", clientCAFromServerSecret: false,
                externalIssuer: GatewayExternalIssuer(issuerRef: IssuerReference(name: "letsencrypt-prod", kind: "ClusterIssuer", group: "cert-manager.io"),
                                                      dnsNames: ["openshell.example.com"]))),
        auth: GatewayAuth(
            oidc: GatewayOIDC(issuer: "https://keycloak.example.com/realms/openshell", audience: "openshell-cli", jwksTTLSeconds: 600,
                              rolesClaim: "realm_access.roles", adminRole: "openshell-admin", userRole: "openshell-user",
                              scopesClaim: "scope", caConfigMapRef: LocalObjectReference(name: "keycloak-ca")),
            allowUnauthenticatedUsers: false),
        credentials: GatewayCredentials(
            keyEncryptionKeySecretRef: LocalObjectReference(name: "kek"),
            kubernetesSecrets: GatewayKubernetesSecretsDriver(namespace: "provider-secrets", allowReferenceNamespace: true, createRBAC: false),
            vault: GatewayVaultDriver(address: "https://vault.example.com:8200", mount: "kv", kvVersion: 2, authMethod: "Kubernetes",
                                      role: "openshell", kubernetesAuthMount: "kubernetes",
                                      serviceAccountTokenPath: "/var/run/secrets/kubernetes.io/serviceaccount/token",
                                      tokenPath: "/vault/token", timeoutSeconds: 10)),
        sandboxTokens: GatewaySandboxTokens(signingSecretName: "gw-jwt", gatewayID: "prod", ttlSeconds: 1800,
                                            serviceAccountTokenTTLSeconds: 7200, secretDefaultMode: 288),
        networkPolicy: GatewayNetworkPolicy(enabled: true),
        exposure: GatewayExposure(
            grpcRoute: GatewayGRPCRoute(
                hostnames: ["openshell.example.com"], parentRef: GatewayParentReference(name: "shared", namespace: "gateways"),
                gateway: GatewayAPIGateway(className: "eg", listener: GatewayListener(
                    port: 443, protocol: "HTTPS", allowedRoutes: "Same",
                    certificateRefs: [GatewayCertificateReference(name: "openshell-public", namespace: "openshell", kind: "Secret", group: "")]))),
            openShiftRoute: GatewayOpenShiftRoute(host: "openshell.example.com", annotations: ["haproxy.router.openshift.io/timeout": "1h"])),
        resources: ResourceRequirements(requests: ["cpu": "250m", "memory": "256Mi"], limits: ["memory": "1Gi"]),
        placement: GatewayPlacement(nodeSelector: ["node-role.kubernetes.io/infra": ""],
                                    tolerations: [Toleration(key: "infra", operator: "Exists", effect: "NoSchedule"),
                                                  Toleration(key: "zone", operator: "Equal", value: "a", effect: "NoExecute", tolerationSeconds: 60)],
                                    affinity: ["podAntiAffinity": ["preferredDuringSchedulingIgnoredDuringExecution": [
                                        ["weight": 100, "podAffinityTerm": ["topologyKey": "kubernetes.io/hostname"]]]]]),
        podMetadata: PodMetadata(labels: ["team": "platform"], annotations: ["example.com/owner": "platform"]),
        serviceAccount: GatewayServiceAccount(create: false, name: "openshell-gateway", annotations: ["eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/gw"]),
        logLevel: "debug", telemetry: GatewayTelemetry(enabled: false), policyValidationFailureMode: "RetainLastValid",
        grpcRateLimit: GatewayRateLimit(requests: 100, windowSeconds: 60), enableLoopbackServiceHTTP: false,
        upgrade: GatewayUpgrade(progressDeadlineSeconds: 900, automaticRollback: true))

    /// `fullGatewaySpec` without the pairs the CEL rules forbid: what the API server accepts.
    static var admissibleGatewaySpec: OpenShellGatewaySpec {
        var spec = fullGatewaySpec
        spec.workload?.kind = "StatefulSet"
        spec.credentials?.keyEncryptionKeySecretRef = nil
        spec.credentials?.kubernetesSecrets = nil
        spec.exposure?.grpcRoute?.parentRef = nil
        spec.exposure?.grpcRoute?.gateway?.listener?.protocol = "HTTP"
        return spec
    }

    static let fullGatewayStatus = OpenShellGatewayStatus(
        observedGeneration: 4,
        conditions: [Condition(type: "Available", status: "True", reason: "RolloutComplete", message: "2 of 2 replicas serve 0.0.111",
                               lastTransitionTime: "2026-01-01T00:00:00Z", observedGeneration: 4)],
        runningVersion: "0.0.111", endpoint: "https://openshell.openshell.svc.cluster.local:8080", readyReplicas: 2,
        lastUpgrade: GatewayUpgradeRecord(from: "0.0.110", to: "0.0.111", time: "2026-01-01T00:00:00Z"),
        lastKnownGoodVersion: "0.0.111",
        rollback: GatewayRollbackRecord(from: "0.0.112", to: "0.0.111", time: "2026-01-02T00:00:00Z", generation: 5))

    /// A whole object of `crd`'s kind.
    static func object(_ crd: KubeObject, name: String, namespace: String?, spec: JSONValue, status: JSONValue? = nil) -> KubeObject {
        var metadata: JSONObject = ["name": .string(name)]
        if let namespace { metadata["namespace"] = .string(namespace) }
        var object: JSONObject = [
            "apiVersion": .string(OpenShellAPIGroup.groupVersion.apiVersion),
            "kind": crd.spec?[path: ["names", "kind"]] ?? .null,
            "metadata": .object(metadata),
            "spec": spec,
        ]
        if let status { object["status"] = status }
        return KubeObject(object)
    }

    /// The `openAPIV3Schema` of a CRD's only version.
    static func schema(_ crd: KubeObject) throws -> JSONSchemaProps {
        let raw = crd.spec?[path: ["versions"]]?.arrayValue?.first?[path: ["schema", "openAPIV3Schema"]] ?? .null
        return try JSONSchemaProps(json: raw)
    }
}
