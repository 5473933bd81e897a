//! The chart's `gateway_config_test.yaml` assertions (openshell-contract
//! §2.10) restated for the OpenShellGateway: the workload, its container and
//! `gateway.toml`, one test per assertion, named after what it asserts.
import Foundation
import KubeCore
import OpenShellAPI
import Testing
@testable import GatewayController

private typealias F = GatewayFixtures

@Suite("helm parity: gateway config and workload")
struct GatewayConfigParityTests {
    static let driver = "openshell.drivers.kubernetes"

    @Test("the pod template carries the config checksum annotation")
    func checksumAnnotation() {
        let view = F.render()
        let annotation = view.podTemplate[path: ["metadata", "annotations", "openshell.ai/config-checksum"]]?.stringValue
        #expect(annotation == view.rendered.configChecksum)
        #expect(annotation?.count == 16)
    }

    @Test("a StatefulSet by default, also with an empty workload", arguments: [OpenShellGatewaySpec(), OpenShellGatewaySpec(workload: GatewayWorkload())])
    func statefulSetByDefault(_ spec: OpenShellGatewaySpec) {
        let workload = F.render(spec).workload
        #expect(workload.kind == "StatefulSet")
        #expect(workload.apiVersion == "apps/v1")
        #expect(workload.spec?["serviceName"] == "openshell")
        #expect(workload.spec?["volumeClaimTemplates"] == [[
            "metadata": ["name": "openshell-data"],
            "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Gi"]]],
        ]])
    }

    @Test("the container is named openshell-gateway and runs the pinned gateway image")
    func containerName() {
        let view = F.render()
        #expect(view.container["name"] == "openshell-gateway")
        #expect(view.container["image"] == "ghcr.io/nvidia/openshell/gateway:0.0.111")
        #expect(view.container["imagePullPolicy"] == "IfNotPresent")
    }

    @Test("OPENSHELL_TELEMETRY_ENABLED is \"true\" by default and \"false\" when disabled",
          arguments: [(nil, "true"), (true, "true"), (false, "false")] as [(Bool?, String)])
    func telemetry(_ enabled: Bool?, _ expected: String) {
        let view = F.render(OpenShellGatewaySpec(telemetry: enabled.map { GatewayTelemetry(enabled: $0) }))
        #expect(view.envEntry("OPENSHELL_TELEMETRY_ENABLED")?["value"] == .string(expected))
        #expect(view.envNames.last == "OPENSHELL_TELEMETRY_ENABLED")
    }

    @Test("with TLS disabled the OIDC CA is volumeMounts[3] and volumes[2], and SSL_CERT_FILE points into it")
    func oidcCAMount() {
        let view = F.render(OpenShellGatewaySpec(tls: GatewayTLS(mode: "Disabled"), auth: GatewayAuth(oidc: GatewayOIDC(
            issuer: "https://idp.example.com", caConfigMapRef: LocalObjectReference(name: "idp-ca")))))
        #expect(view.mounts[3] == ["name": "oidc-ca", "mountPath": "/etc/openshell-tls/oidc-ca", "readOnly": true])
        #expect(view.volumes[2] == ["name": "oidc-ca", "configMap": ["name": "idp-ca"]])
        #expect(view.envEntry("SSL_CERT_FILE")?["value"] == "/etc/openshell-tls/oidc-ca/ca.crt")
        #expect(view.tomlText.value("openshell.gateway.oidc", "issuer") == #""https://idp.example.com""#)
        #expect(view.tomlText.value("openshell.gateway.oidc", "audience") == #""openshell-cli""#)
    }

    @Test("grpc_endpoint is only in the driver table, the Service's https URL by default",
          arguments: [OpenShellGatewaySpec(), OpenShellGatewaySpec(tls: GatewayTLS(mode: "Disabled")),
                      OpenShellGatewaySpec(sandboxes: GatewaySandboxes(grpcEndpoint: "https://gw.example.com:443"))])
    func grpcEndpointOnlyInDriverTable(_ spec: OpenShellGatewaySpec) {
        let view = F.render(spec)
        #expect(view.tomlText.tables(containing: "grpc_endpoint") == [Self.driver])
        let expected = spec.sandboxes?.grpcEndpoint
            ?? (spec.tls?.mode == "Disabled" ? "http" : "https") + "://openshell.my-namespace.svc.cluster.local:8080"
        #expect(view.tomlText.value(Self.driver, "grpc_endpoint") == "\"\(expected)\"")
        #expect(view.rendered.endpoint.hasSuffix(".svc.cluster.local:8080"))
    }

    @Test("service_account_name is openshell-sandbox")
    func sandboxServiceAccountName() {
        #expect(F.render().tomlText.value(Self.driver, "service_account_name") == #""openshell-sandbox""#)
    }

    @Test("topology is \"combined\" or \"sidecar\", never supervisor_topology",
          arguments: [(nil, "combined"), ("Combined", "combined"), ("Sidecar", "sidecar")] as [(String?, String)])
    func topology(_ topology: String?, _ expected: String) {
        let view = F.render(OpenShellGatewaySpec(sandboxes: GatewaySandboxes(supervisor: GatewaySupervisor(topology: topology))))
        #expect(view.tomlText.value(Self.driver, "topology") == "\"\(expected)\"")
        #expect(view.tomlText.tables(containing: "supervisor_topology") == [])
    }

    @Test("the upstream proxy keys are in the driver table")
    func proxyKeys() {
        let view = F.render(OpenShellGatewaySpec(sandboxes: GatewaySandboxes(
            supervisor: GatewaySupervisor(topology: "Sidecar"),
            upstreamProxy: GatewayUpstreamProxy(url: "http://proxy.corp:3128", noProxy: ".svc,.cluster.local",
                                                authSecretRef: SecretKeySelector(name: "corp-proxy", key: "auth"),
                                                authAllowInsecure: true, connectByHostname: true))))
        let text = view.tomlText
        #expect(text.value(Self.driver, "https_proxy") == #""http://proxy.corp:3128""#)
        #expect(text.value(Self.driver, "no_proxy") == #"".svc,.cluster.local""#)
        #expect(text.value(Self.driver, "proxy_auth_secret_name") == #""corp-proxy""#)
        #expect(text.value(Self.driver, "proxy_auth_secret_key") == #""auth""#)
        #expect(text.value(Self.driver, "proxy_auth_allow_insecure") == "true")
        #expect(text.value(Self.driver, "proxy_connect_by_hostname") == "true")
    }

    @Test("no supervisor_image by default; a version alone gives the official repository at that tag; a repository alone the pinned tag",
          arguments: [
              (OpenShellGatewaySpec(), nil),
              (OpenShellGatewaySpec(version: "1.2.3"), "ghcr.io/nvidia/openshell/supervisor:1.2.3"),
              (OpenShellGatewaySpec(images: GatewayImages(repository: "registry.example/openshell")), "registry.example/openshell/supervisor:0.0.111"),
              (OpenShellGatewaySpec(images: GatewayImages(supervisor: "registry.example/dev/supervisor:pr-7")), "registry.example/dev/supervisor:pr-7"),
          ] as [(OpenShellGatewaySpec, String?)])
    func supervisorImage(_ spec: OpenShellGatewaySpec, _ expected: String?) {
        let text = F.render(spec).tomlText
        #expect(text.value("openshell.gateway", "supervisor_image") == expected.map { "\"\($0)\"" })
        #expect(text.tables(containing: "supervisor_image").count <= 1)
    }

    @Test("the sidecar table carries proxy_uid and process_binary_aware_network_policy")
    func sidecarKeys() {
        let view = F.render(OpenShellGatewaySpec(sandboxes: GatewaySandboxes(supervisor: GatewaySupervisor(
            topology: "Sidecar", proxyUID: 2000, processBinaryAwareNetworkPolicy: false))))
        #expect(view.tomlText.value(Self.driver + ".sidecar", "proxy_uid") == "2000")
        #expect(view.tomlText.value(Self.driver + ".sidecar", "process_binary_aware_network_policy") == "false")
        let defaults = F.render().tomlText
        #expect(defaults.value(Self.driver + ".sidecar", "proxy_uid") == "1337")
        #expect(defaults.value(Self.driver + ".sidecar", "process_binary_aware_network_policy") == "true")
    }

    @Test("managed_ssh_ingress is enabled with the gateway's namespace and pod selector, disabled with the NetworkPolicy off")
    func managedSSHIngress() {
        let table = Self.driver + ".managed_ssh_ingress"
        let text = F.render().tomlText
        #expect(text.value(table, "enabled") == "true")
        #expect(text.value(table, "gateway_namespace") == #""my-namespace""#)
        #expect(text.value(table, "gateway_pod_selector") == #"{ "app.kubernetes.io/name" = "openshell", "app.kubernetes.io/instance" = "openshell" }"#)
        let off = F.render(OpenShellGatewaySpec(networkPolicy: GatewayNetworkPolicy(enabled: false))).tomlText
        #expect(off.value(table, "enabled") == "false")
    }

    @Test("image_pull_secrets are the sandboxes' names; the gateway's own pull Secrets are not reused")
    func imagePullSecrets() {
        let view = F.render(OpenShellGatewaySpec(
            imagePullSecrets: [LocalObjectReference(name: "gateway-pull")],
            sandboxes: GatewaySandboxes(imagePullSecrets: [LocalObjectReference(name: "regcred"), LocalObjectReference(name: "backup-regcred")])))
        #expect(view.tomlText.value(Self.driver, "image_pull_secrets") == #"["regcred", "backup-regcred"]"#)
        #expect(view.podSpec["imagePullSecrets"] == [["name": "gateway-pull"]])
        let sandboxOnly = F.render(OpenShellGatewaySpec(sandboxes: GatewaySandboxes(imagePullSecrets: [LocalObjectReference(name: "regcred")])))
        #expect(sandboxOnly.podSpec["imagePullSecrets"] == nil)
    }

    @Test("app_armor_profile is Unconfined by default, else the profile named",
          arguments: [(nil, "Unconfined"), (SecurityProfile(type: "RuntimeDefault"), "RuntimeDefault"),
                      (SecurityProfile(type: "Localhost", localhostProfile: "openshell"), "Localhost/openshell")] as [(SecurityProfile?, String)])
    func appArmorProfile(_ profile: SecurityProfile?, _ expected: String) {
        let text = F.render(OpenShellGatewaySpec(sandboxes: GatewaySandboxes(appArmorProfile: profile))).tomlText
        #expect(text.value(Self.driver, "app_armor_profile") == "\"\(expected)\"")
    }

    @Test("no overlay's gateway.toml has an mtls_auth key or table", arguments: GatewayGoldenCases.all)
    func noMTLSAuth(_ golden: GatewayGoldenCase) {
        #expect(!GatewayGoldenCases.render(golden).toml.contains("mtls_auth"))
    }

    @Test("[openshell.gateway.auth] only when unauthenticated users are allowed",
          arguments: [(nil, false), (false, false), (true, true)] as [(Bool?, Bool)])
    func authTable(_ allow: Bool?, _ present: Bool) {
        let text = F.render(OpenShellGatewaySpec(auth: GatewayAuth(allowUnauthenticatedUsers: allow))).tomlText
        #expect(text.tableNames.contains("openshell.gateway.auth") == present)
        if present { #expect(text.value("openshell.gateway.auth", "allow_unauthenticated_users") == "true") }
    }

    @Test("the rate limit is omitted by default and rendered when both values are positive")
    func rateLimit() {
        let none = F.render().tomlText
        #expect(none.tables(containing: "grpc_rate_limit_requests") == [])
        #expect(none.tables(containing: "grpc_rate_limit_window_seconds") == [])
        let set = F.render(OpenShellGatewaySpec(grpcRateLimit: GatewayRateLimit(requests: 100, windowSeconds: 60))).tomlText
        #expect(set.value("openshell.gateway", "grpc_rate_limit_requests") == "100")
        #expect(set.value("openshell.gateway", "grpc_rate_limit_window_seconds") == "60")
    }

    @Test("policy_validation_failure_mode is fail_closed by default, retain_last_valid on request",
          arguments: [(nil, "fail_closed"), ("FailClosed", "fail_closed"), ("RetainLastValid", "retain_last_valid")] as [(String?, String)])
    func policyValidationFailureMode(_ mode: String?, _ expected: String) {
        let text = F.render(OpenShellGatewaySpec(policyValidationFailureMode: mode)).tomlText
        #expect(text.value("openshell.gateway", "policy_validation_failure_mode") == "\"\(expected)\"")
    }

    @Test("a precreated sandbox service account is named in the config and not created")
    func precreatedSandboxServiceAccount() {
        let view = F.render(OpenShellGatewaySpec(sandboxes: GatewaySandboxes(serviceAccount: GatewayServiceAccount(create: false, name: "precreated"))))
        #expect(view.tomlText.value(Self.driver, "service_account_name") == #""precreated""#)
        #expect(view.objects("ServiceAccount").map(\.name) == ["openshell"])
    }

    @Test("server_sans is omitted by default and lists the extra names, with cert-manager the external ones too")
    func serverSANs() {
        #expect(F.render().tomlText.tables(containing: "server_sans") == [])
        let builtIn = F.render(OpenShellGatewaySpec(tls: GatewayTLS(extraDNSNames: ["gw.example.com"]))).tomlText
        #expect(builtIn.value("openshell.gateway", "server_sans") == #"["gw.example.com"]"#)
        let external = F.render(CertManagerParityTests.external).tomlText
        #expect(external.value("openshell.gateway", "server_sans") == #"["openshell.example.com", "grpc.example.com"]"#)
    }

    @Test("disable_tls = true drops the tls table and the client TLS Secret, and mounts no certificate")
    func disableTLS() {
        let view = F.render(OpenShellGatewaySpec(tls: GatewayTLS(mode: "Disabled")))
        #expect(view.tomlText.value("openshell.gateway", "disable_tls") == "true")
        #expect(!view.tomlText.tableNames.contains("openshell.gateway.tls"))
        #expect(view.tomlText.tables(containing: "client_tls_secret_name") == [])
        #expect(view.volumeNames == ["gateway-config", "sandbox-jwt"])
        let tls = F.render().tomlText
        #expect(tls.value("openshell.gateway", "client_tls_secret_name") == #""openshell-client-tls""#)
        #expect(tls.keys("openshell.gateway.tls") == ["cert_path", "key_path", "client_ca_path"])
        #expect(tls.tables(containing: "disable_tls") == [])
    }

    @Test("SQLite on the data volume is passed as --db-url")
    func sqliteArgument() {
        let view = F.render()
        #expect(view.args == ["--config", "/etc/openshell/gateway.toml", "--db-url", "sqlite:/var/openshell/openshell.db"])
        #expect(view.mounts[0] == ["name": "openshell-data", "mountPath": "/var/openshell"])
    }

    @Test("a Deployment on an external database reads OPENSHELL_DB_URL from the Secret's uri and mounts no data volume")
    func deploymentWithExternalDatabase() {
        let view = F.render(OpenShellGatewaySpec(workload: GatewayWorkload(kind: "Deployment", externalDatabaseSecretRef: LocalObjectReference(name: "pg"))))
        #expect(view.workload.kind == "Deployment")
        #expect(view.envEntry("OPENSHELL_DB_URL") == ["name": "OPENSHELL_DB_URL", "valueFrom": ["secretKeyRef": ["name": "pg", "key": "uri"]]])
        #expect(!view.mountNames.contains("openshell-data"))
        #expect(!view.args.contains("--db-url"))
        #expect(view.workload.spec?["volumeClaimTemplates"] == nil)
    }

    @Test("the high-availability overlay renders a Deployment of 2 replicas")
    func highAvailability() {
        let view = GatewayGoldenCases.render(GatewayGoldenCases.highAvailability)
        #expect(view.workload.kind == "Deployment")
        #expect(view.workload.spec?["replicas"] == 2)
        #expect(view.workload.spec?["progressDeadlineSeconds"] == 600)
    }

    @Test("SPIFFE keeps the gateway_jwt table and volumes[1] sandbox-jwt, and names the workload API socket")
    func spiffe() {
        let view = F.render(OpenShellGatewaySpec(sandboxes: GatewaySandboxes(spiffe: GatewaySPIFFE(enabled: true))))
        #expect(view.tomlText.keys("openshell.gateway.gateway_jwt") == ["signing_key_path", "public_key_path", "kid_path", "gateway_id", "ttl_secs"])
        #expect(view.tomlText.value(Self.driver, "provider_spiffe_workload_api_socket_path") == #""/spiffe-workload-api/spire-agent.sock""#)
        #expect(view.volumes[1] == ["name": "sandbox-jwt", "secret": ["secretName": "openshell-jwt-keys", "defaultMode": 256]])
        #expect(F.render().tomlText.tables(containing: "provider_spiffe_workload_api_socket_path") == [])
    }

    @Test("the container listens on grpc 8080, health 8081, metrics 9090 with the chart's probes and hardening")
    func containerShape() {
        let view = F.render()
        #expect(view.container["ports"] == [
            ["name": "grpc", "containerPort": 8080, "protocol": "TCP"],
            ["name": "health", "containerPort": 8081, "protocol": "TCP"],
            ["name": "metrics", "containerPort": 9090, "protocol": "TCP"],
        ])
        #expect(view.container["startupProbe"] == ["httpGet": ["path": "/healthz", "port": "health"], "periodSeconds": 2, "timeoutSeconds": 1, "failureThreshold": 30])
        #expect(view.container["livenessProbe"] == ["httpGet": ["path": "/healthz", "port": "health"], "initialDelaySeconds": 2, "periodSeconds": 5,
                                                    "timeoutSeconds": 1, "failureThreshold": 3])
        #expect(view.container["readinessProbe"] == ["httpGet": ["path": "/readyz", "port": "health"], "initialDelaySeconds": 1, "periodSeconds": 2,
                                                     "timeoutSeconds": 1, "failureThreshold": 3])
        #expect(view.container["securityContext"] == ["runAsNonRoot": true, "runAsUser": 1000, "allowPrivilegeEscalation": false,
                                                      "capabilities": ["drop": ["ALL"]]])
        #expect(view.podSpec["securityContext"] == ["fsGroup": 1000])
        #expect(view.podSpec["serviceAccountName"] == "openshell")
        #expect(view.podSpec["terminationGracePeriodSeconds"] == 5)
        #expect(view.tomlText.value("openshell.gateway", "bind_address") == #""0.0.0.0:8080""#)
        #expect(view.tomlText.value("openshell.gateway", "health_bind_address") == #""0.0.0.0:8081""#)
        #expect(view.tomlText.value("openshell.gateway", "metrics_bind_address") == #""0.0.0.0:9090""#)
    }

    @Test("the Service exposes grpc (appProtocol grpc) and metrics, no health port")
    func service() {
        let service = F.render().rendered.service
        #expect(service.name == "openshell")
        #expect(service.spec?["type"] == "ClusterIP")
        #expect(service.spec?["selector"] == ["app.kubernetes.io/name": "openshell", "app.kubernetes.io/instance": "openshell"])
        #expect(service.spec?["ports"] == [
            ["name": "grpc", "port": 8080, "targetPort": "grpc", "protocol": "TCP", "appProtocol": "grpc"],
            ["name": "metrics", "port": 9090, "targetPort": "metrics", "protocol": "TCP"],
        ])
        let nodePort = F.render(OpenShellGatewaySpec(service: GatewayService(type: "NodePort", nodePort: 30080))).rendered.service
        #expect(nodePort.spec?[path: ["ports"]]?.arrayValue?.first?["nodePort"] == 30080)
    }

    @Test("the sideload method is the spec's, else image-volume from Kubernetes 1.35 and init-container before or when unknown",
          arguments: [(nil, 35, "image-volume"), (nil, 34, "init-container"), (nil, nil, "init-container"),
                      ("InitContainer", 36, "init-container"), ("ImageVolume", 30, "image-volume")] as [(String?, Int?, String)])
    func sideloadMethod(_ method: String?, _ minor: Int?, _ expected: String) {
        let spec = OpenShellGatewaySpec(sandboxes: GatewaySandboxes(supervisor: GatewaySupervisor(sideloadMethod: method)))
        let rendered = GatewayRenderer.render(F.input(spec, cluster: GatewayClusterFacts(kubernetesMinorVersion: minor)))
        #expect(rendered.config.value(Self.driver, "supervisor_sideload_method") == .string(expected))
    }
}

// MARK: - route_test.yaml

@Suite("helm parity: routes")
struct RouteParityTests {
    @Test("nothing is exposed by default")
    func nothingByDefault() {
        #expect(F.render().rendered.exposure.isEmpty)
    }

    @Test("the Route passes TLS through to the Service's grpc port with the host and annotations given")
    func passthroughRoute() throws {
        let view = F.render(OpenShellGatewaySpec(tls: GatewayTLS(extraDNSNames: ["openshell.apps.example.com"]), exposure: GatewayExposure(
            openShiftRoute: GatewayOpenShiftRoute(host: "openshell.apps.example.com", annotations: ["haproxy.router.openshift.io/timeout": "1h"]))))
        let route = try #require(view.object("Route", "openshell"))
        #expect(route.apiVersion == "route.openshift.io/v1")
        #expect(route.spec == [
            "host": "openshell.apps.example.com",
            "to": ["kind": "Service", "name": "openshell", "weight": 100],
            "port": ["targetPort": "grpc"],
            "tls": ["termination": "passthrough"],
            "wildcardPolicy": "None",
        ])
        #expect(route.annotations == ["haproxy.router.openshift.io/timeout": "1h"])
    }

    @Test("the Route has no host when none is set")
    func routeWithoutHost() throws {
        let route = try #require(F.render(OpenShellGatewaySpec(exposure: GatewayExposure(openShiftRoute: GatewayOpenShiftRoute())))
            .object("Route", "openshell"))
        #expect(route.spec?["host"] == nil)
        #expect(route.annotations.isEmpty)
    }

    @Test("a GRPCRoute alone attaches to the Gateway named after the object, in its namespace")
    func grpcRouteDefaultParent() throws {
        let view = F.render(OpenShellGatewaySpec(exposure: GatewayExposure(grpcRoute: GatewayGRPCRoute(hostnames: ["gw.example.com"]))))
        #expect(view.rendered.exposure.map(\.kind) == ["GRPCRoute"])
        let route = try #require(view.object("GRPCRoute", "openshell"))
        #expect(route.spec?["parentRefs"] == [["name": "openshell", "namespace": "my-namespace"]])
        #expect(route.spec?["hostnames"] == ["gw.example.com"])
        #expect(route.spec?["rules"] == [["backendRefs": [["name": "openshell", "port": 8080]]]])
    }

    @Test("a GRPCRoute attaches to the named parent")
    func grpcRouteNamedParent() throws {
        let view = F.render(OpenShellGatewaySpec(exposure: GatewayExposure(grpcRoute: GatewayGRPCRoute(
            parentRef: GatewayParentReference(name: "shared-gw", namespace: "gateways")))))
        #expect(view.object("GRPCRoute", "openshell")?.spec?["parentRefs"] == [["name": "shared-gw", "namespace": "gateways"]])
        #expect(view.objects("Gateway").isEmpty)
    }

    @Test("a created Gateway has an http listener by default and a terminating https listener with its certificates")
    func gatewayListeners() throws {
        let http = F.render(OpenShellGatewaySpec(exposure: GatewayExposure(grpcRoute: GatewayGRPCRoute(gateway: GatewayAPIGateway()))))
        #expect(http.object("Gateway", "openshell")?.spec == [
            "gatewayClassName": "eg",
            "listeners": [["name": "http", "port": 80, "protocol": "HTTP", "allowedRoutes": ["namespaces": ["from": "Same"]]]],
        ])
        let https = GatewayGoldenCases.render(GatewayGoldenCases.gatewayTLS)
        let listener = https.object("Gateway", "openshell")?.spec?["listeners"]?.arrayValue?.first
        #expect(listener?["name"] == "https")
        #expect(listener?["port"] == 443)
        #expect(listener?["tls"] == ["mode": "Terminate", "certificateRefs": [["name": "openshell-gateway-tls"]]])
    }
}

// MARK: - sandbox_namespace_test.yaml

@Suite("helm parity: sandbox namespace")
struct SandboxNamespaceParityTests {
    @Test("sandbox_namespace defaults to the gateway's namespace")
    func defaultsToGatewayNamespace() {
        let view = F.render()
        #expect(view.tomlText.value("openshell.gateway", "sandbox_namespace") == #""my-namespace""#)
        #expect(view.rendered.networkPolicy?.namespace == "my-namespace")
    }

    @Test("an explicit sandbox namespace applies to the config, NetworkPolicy, Role, RoleBinding and sandbox service account (document 1)")
    func explicitNamespace() throws {
        let view = F.render(OpenShellGatewaySpec(sandboxes: GatewaySandboxes(namespace: "sandboxes")))
        #expect(view.tomlText.value("openshell.gateway", "sandbox_namespace") == #""sandboxes""#)
        #expect(view.rendered.networkPolicy?.namespace == "sandboxes")
        #expect(view.object("Role", "openshell-sandbox")?.namespace == "sandboxes")
        #expect(view.object("RoleBinding", "openshell-sandbox")?.namespace == "sandboxes")
        let accounts = view.rendered.serviceAccounts
        #expect(accounts.count == 2)
        #expect(accounts[1].name == "openshell-sandbox")
        #expect(accounts[1].namespace == "sandboxes")
        #expect(accounts[0].namespace == "my-namespace")
    }

    @Test("the NetworkPolicy admits only the gateway's pods of its namespace to sandboxes' TCP 2222")
    func networkPolicy() throws {
        let policy = try #require(F.render().rendered.networkPolicy)
        #expect(policy.name == "openshell-sandbox-ssh")
        #expect(policy.spec == [
            "podSelector": ["matchLabels": ["openshell.ai/managed-by": "openshell"]],
            "policyTypes": ["Ingress"],
            "ingress": [[
                "from": [[
                    "podSelector": ["matchLabels": ["app.kubernetes.io/name": "openshell", "app.kubernetes.io/instance": "openshell"]],
                    "namespaceSelector": ["matchLabels": ["kubernetes.io/metadata.name": "my-namespace"]],
                ]],
                "ports": [["protocol": "TCP", "port": 2222]],
            ]],
        ])
        #expect(F.render(OpenShellGatewaySpec(networkPolicy: GatewayNetworkPolicy(enabled: false))).rendered.networkPolicy == nil)
    }
}

// MARK: - sandbox_service_account_test.yaml

@Suite("helm parity: service accounts")
struct ServiceAccountParityTests {
    @Test("the gateway's account openshell and the sandboxes' openshell-sandbox are created")
    func twoServiceAccounts() {
        #expect(F.render().rendered.serviceAccounts.map(\.name) == ["openshell", "openshell-sandbox"])
    }

    @Test("one account when the sandboxes' is precreated")
    func precreatedSandboxAccount() {
        let view = F.render(OpenShellGatewaySpec(sandboxes: GatewaySandboxes(serviceAccount: GatewayServiceAccount(create: false))))
        #expect(view.rendered.serviceAccounts.map(\.name) == ["openshell"])
    }

    @Test("a gateway account not created is used by name, or default, and bound by the RBAC")
    func gatewayAccountNotCreated() {
        let named = F.render(OpenShellGatewaySpec(serviceAccount: GatewayServiceAccount(create: false, name: "platform-gw")))
        #expect(named.rendered.serviceAccounts.map(\.name) == ["openshell-sandbox"])
        #expect(named.podSpec["serviceAccountName"] == "platform-gw")
        #expect(named.objects("ClusterRoleBinding")[0].json["subjects"]?.arrayValue?.first?["name"] == "platform-gw")
        let unnamed = F.render(OpenShellGatewaySpec(serviceAccount: GatewayServiceAccount(create: false)))
        #expect(unnamed.podSpec["serviceAccountName"] == "default")
    }

    @Test("the accounts carry their annotations")
    func annotations() {
        let view = F.render(OpenShellGatewaySpec(
            sandboxes: GatewaySandboxes(serviceAccount: GatewayServiceAccount(annotations: ["example.com/sandbox": "1"])),
            serviceAccount: GatewayServiceAccount(annotations: ["eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/gw"])))
        #expect(view.rendered.serviceAccounts[0].annotations == ["eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/gw"])
        #expect(view.rendered.serviceAccounts[1].annotations == ["example.com/sandbox": "1"])
    }
}

// MARK: - statefulset_client_ca_test.yaml

@Suite("helm parity: client CA volume")
struct ClientCAParityTests {
    @Test("volumes[3] is tls-client-ca: ca.crt of openshell-server-tls with built-in PKI and cert-manager's default",
          arguments: [OpenShellGatewaySpec(), OpenShellGatewaySpec(tls: GatewayTLS(mode: "CertManager"))])
    func fromServerSecret(_ spec: OpenShellGatewaySpec) {
        let view = F.render(spec)
        #expect(view.volumes[3] == ["name": "tls-client-ca", "secret": ["secretName": "openshell-server-tls", "items": [["key": "ca.crt", "path": "ca.crt"]]]])
        #expect(view.volumes[2] == ["name": "tls-cert", "secret": ["secretName": "openshell-server-tls"]])
    }

    @Test("with clientCAFromServerSecret false the named CA Secret is mounted whole")
    func fromCASecret() {
        let view = F.render(OpenShellGatewaySpec(tls: GatewayTLS(
            mode: "CertManager", secretNames: GatewayTLSSecretNames(clientCA: "openshell-ca-tls"),
            certManager: GatewayCertManager(clientCAFromServerSecret: false))))
        #expect(view.volumes[3] == ["name": "tls-client-ca", "secret": ["secretName": "openshell-ca-tls"]])
    }

    @Test("without a CA source the volume is omitted: three volumes")
    func noSource() {
        let view = F.render(OpenShellGatewaySpec(tls: GatewayTLS(mode: "CertManager", certManager: GatewayCertManager(clientCAFromServerSecret: false))))
        #expect(view.volumeNames == ["gateway-config", "sandbox-jwt", "tls-cert"])
        #expect(!view.mountNames.contains("tls-client-ca"))
    }
}
