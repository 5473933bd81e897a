//! `gateway.toml`, the gateway's configuration file (openshell-contract §2.5,
//! driver keys §3.1). The gateway reads `[openshell.gateway]` with
//! `deny_unknown_fields`, so each key goes in its own table: driver keys such
//! as `grpc_endpoint` only under `[openshell.drivers.kubernetes]`.
import KubeCore
import OpenShellAPI

enum GatewayConfig {
    static func document(_ c: GatewayContext) -> TOMLDocument {
        var tables = [TOMLTable(["openshell"], [TOMLEntry("version", .integer(1))])]
        tables.append(TOMLTable(["openshell", "gateway"], gateway(c)))
        if c.tlsEnabled { tables.append(TOMLTable(["openshell", "gateway", "tls"], tls(c))) }
        if c.spec.auth?.allowUnauthenticatedUsers == true {
            tables.append(TOMLTable(["openshell", "gateway", "auth"], [TOMLEntry("allow_unauthenticated_users", .boolean(true))]))
        }
        tables.append(TOMLTable(["openshell", "gateway", "gateway_jwt"], jwt(c)))
        if let oidc = c.oidc { tables.append(TOMLTable(["openshell", "gateway", "oidc"], self.oidc(oidc))) }
        if !c.hasCredentialDriver {
            tables.append(TOMLTable(["openshell", "gateway", "credential_storage"],
                                    [TOMLEntry("key_encryption_key_env", .string(GatewayLayout.keyEncryptionKeyEnv))]))
        }
        tables.append(TOMLTable(["openshell", "drivers", "kubernetes"], driver(c)))
        tables.append(TOMLTable(["openshell", "drivers", "kubernetes", "managed_ssh_ingress"], [
            TOMLEntry("enabled", .boolean(c.networkPolicyEnabled)),
            TOMLEntry("gateway_namespace", .string(c.names.namespace)),
            TOMLEntry("gateway_pod_selector", .inlineTable(c.names.selectorLabels.sorted { $0.key > $1.key }.map {
                TOMLEntry($0.key, .string($0.value))
            })),
        ]))
        let supervisor = c.spec.sandboxes?.supervisor
        tables.append(TOMLTable(["openshell", "drivers", "kubernetes", "sidecar"], [
            TOMLEntry("proxy_uid", .integer(supervisor?.proxyUID ?? 1337)),
            TOMLEntry("process_binary_aware_network_policy", .boolean(supervisor?.processBinaryAwareNetworkPolicy ?? true)),
        ]))
        if let driver = c.kubernetesSecretsDriver {
            tables.append(TOMLTable(["openshell", "credential_drivers", "kubernetes-secrets"], [
                TOMLEntry("namespace", .string(c.credentialNamespace)),
                TOMLEntry("allow_reference_namespace", .boolean(driver.allowReferenceNamespace ?? false)),
                TOMLEntry("workspace_mode", .string(c.workspaceMode.rawValue)),
                TOMLEntry("gateway_id", .string(c.gatewayID)),
            ]))
        }
        if let vault = c.vaultDriver { tables.append(TOMLTable(["openshell", "credential_drivers", "vault"], self.vault(vault))) }
        return TOMLDocument(tables)
    }

    // MARK: [openshell.gateway]

    private static func gateway(_ c: GatewayContext) -> [TOMLEntry] {
        let spec = c.spec
        var t = TOMLTableBuilder()
        t.set("bind_address", "0.0.0.0:\(c.grpcPort)")
        t.set("health_bind_address", "0.0.0.0:\(c.healthPort)")
        t.set("metrics_bind_address", "0.0.0.0:\(c.metricsPort)")
        t.set("log_level", nonEmpty(spec.logLevel) ?? "info")
        if c.kubernetesSecretsDriver != nil { t.set("credential_drivers", strings: ["kubernetes-secrets"]) }
        if c.vaultDriver != nil { t.set("credential_drivers", strings: ["vault"]) }
        t.set("sandbox_namespace", c.sandboxNamespace)
        t.set("policy_validation_failure_mode", spec.policyValidationFailureMode == "RetainLastValid" ? "retain_last_valid" : "fail_closed")
        t.set("default_image", nonEmpty(spec.sandboxes?.image) ?? GatewayDefaults.sandboxImage)
        t.set("supervisor_image", c.input.images.supervisorOverride)
        t.set("host_gateway_ip", nonEmpty(spec.sandboxes?.hostGatewayIP))
        if spec.sandboxes?.enableUserNamespaces == true { t.set("enable_user_namespaces", true) }
        if c.tlsEnabled {
            t.set("client_tls_secret_name", c.secrets.client)
        } else {
            t.set("disable_tls", true)
        }
        t.set("enable_loopback_service_http", spec.enableLoopbackServiceHTTP ?? true)
        let sans = serverSANs(c)
        if !sans.isEmpty { t.set("server_sans", strings: sans) }
        if let limit = spec.grpcRateLimit, let requests = limit.requests, let window = limit.windowSeconds, requests > 0, window > 0 {
            t.set("grpc_rate_limit_requests", requests)
            t.set("grpc_rate_limit_window_seconds", window)
        }
        return t.entries
    }

    /// The extra names the server certificate carries: the internal extras, and with cert-manager the
    /// external issuer's names too (the chart's one `serverDnsNames` list); none without TLS.
    static func serverSANs(_ c: GatewayContext) -> [String] {
        guard c.tlsEnabled else { return [] }
        return unique((c.spec.tls?.extraDNSNames ?? []) + (c.externalIssuer?.dnsNames ?? []))
    }

    private static func tls(_ c: GatewayContext) -> [TOMLEntry] {
        var t = TOMLTableBuilder()
        t.set("cert_path", GatewayLayout.tlsPath + "/tls.crt")
        t.set("key_path", GatewayLayout.tlsPath + "/tls.key")
        t.set("client_ca_path", GatewayLayout.clientCAPath + "/ca.crt")
        if let external = c.externalIssuer {
            t.set("external_cert_path", GatewayLayout.externalTLSPath + "/tls.crt")
            t.set("external_key_path", GatewayLayout.externalTLSPath + "/tls.key")
            t.set("external_server_names", strings: external.dnsNames)
        }
        return t.entries
    }

    private static func jwt(_ c: GatewayContext) -> [TOMLEntry] {
        var t = TOMLTableBuilder()
        t.set("signing_key_path", GatewayLayout.jwtPath + "/signing.pem")
        t.set("public_key_path", GatewayLayout.jwtPath + "/public.pem")
        t.set("kid_path", GatewayLayout.jwtPath + "/kid")
        t.set("gateway_id", c.gatewayID)
        t.set("ttl_secs", c.spec.sandboxTokens?.ttlSeconds ?? 3600)
        return t.entries
    }

    private static func oidc(_ oidc: GatewayOIDC) -> [TOMLEntry] {
        var t = TOMLTableBuilder()
        t.set("issuer", oidc.issuer)
        t.set("audience", nonEmpty(oidc.audience) ?? GatewayDefaults.oidcAudience)
        t.set("jwks_ttl_secs", oidc.jwksTTLSeconds ?? 3600)
        t.set("roles_claim", nonEmpty(oidc.rolesClaim))
        t.set("admin_role", nonEmpty(oidc.adminRole))
        t.set("user_role", nonEmpty(oidc.userRole))
        t.set("scopes_claim", nonEmpty(oidc.scopesClaim))
        return t.entries
    }

    // MARK: [openshell.drivers.kubernetes]

    private static func driver(_ c: GatewayContext) -> [TOMLEntry] {
        let sandboxes = c.spec.sandboxes
        var t = TOMLTableBuilder()
        t.set("workspace_mode", c.workspaceMode.rawValue)
        t.set("gateway_id", c.gatewayID)
        if c.workspaceMode == .`operator` { t.set("operator_namespace_label", nonEmpty(sandboxes?.operatorNamespaceLabel)) }
        t.set("service_account_name", c.sandboxServiceAccount)
        t.set("grpc_endpoint", c.grpcEndpoint)
        t.set("image_pull_policy", nonEmpty(sandboxes?.imagePullPolicy))
        let pullSecrets = (sandboxes?.imagePullSecrets ?? []).map(\.name).filter { !$0.isEmpty }
        if !pullSecrets.isEmpty { t.set("image_pull_secrets", strings: pullSecrets) }
        t.set("supervisor_image_pull_policy", c.input.images.supervisorPullPolicy)
        t.set("supervisor_sideload_method", sideloadMethod(sandboxes?.supervisor?.sideloadMethod, c.input.cluster))
        t.set("topology", sandboxes?.supervisor?.topology == "Sidecar" ? "sidecar" : "combined")
        if let proxy = sandboxes?.upstreamProxy {
            t.set("https_proxy", proxy.url)
            t.set("no_proxy", nonEmpty(proxy.noProxy))
            if let auth = proxy.authSecretRef {
                t.set("proxy_auth_secret_name", auth.name)
                t.set("proxy_auth_secret_key", auth.key)
                t.set("proxy_auth_allow_insecure", proxy.authAllowInsecure ?? false)
            }
            t.set("proxy_connect_by_hostname", proxy.connectByHostname ?? false)
        }
        t.set("app_armor_profile", appArmorProfile(sandboxes?.appArmorProfile))
        t.set("workspace_default_storage_size", nonEmpty(sandboxes?.workspace?.defaultSize))
        t.set("workspace_storage_class", nonEmpty(sandboxes?.workspace?.storageClassName))
        t.set("default_runtime_class_name", nonEmpty(sandboxes?.runtimeClassName))
        t.set("sa_token_ttl_secs", c.spec.sandboxTokens?.serviceAccountTokenTTLSeconds ?? 3600)
        if let spiffe = sandboxes?.spiffe, spiffe.enabled == true {
            t.set("provider_spiffe_workload_api_socket_path",
                  nonEmpty(spiffe.workloadAPISocketPath) ?? "/spiffe-workload-api/spire-agent.sock")
        }
        return t.entries
    }

    /// `image-volume` / `init-container` from the CR's `ImageVolume` / `InitContainer`, else by Kubernetes version.
    static func sideloadMethod(_ value: String?, _ cluster: GatewayClusterFacts) -> String {
        switch value {
        case "ImageVolume": "image-volume"
        case "InitContainer": "init-container"
        default: cluster.defaultSideloadMethod
        }
    }

    /// The driver's profile string: `RuntimeDefault`, `Unconfined` (default) or `Localhost/<profile>`.
    static func appArmorProfile(_ profile: SecurityProfile?) -> String {
        guard let profile else { return "Unconfined" }
        if profile.type == "Localhost", let name = nonEmpty(profile.localhostProfile) { return "Localhost/\(name)" }
        return profile.type
    }

    private static func vault(_ vault: GatewayVaultDriver) -> [TOMLEntry] {
        var t = TOMLTableBuilder()
        let token = vault.authMethod == "Token"
        t.set("address", vault.address)
        t.set("mount", nonEmpty(vault.mount) ?? "secret")
        t.set("kv_version", vault.kvVersion ?? 2)
        t.set("auth_method", token ? "token" : "kubernetes")
        t.set("role", nonEmpty(vault.role))
        if !token {
            t.set("kubernetes_auth_mount", nonEmpty(vault.kubernetesAuthMount) ?? "kubernetes")
            t.set("service_account_token_path",
                  nonEmpty(vault.serviceAccountTokenPath) ?? "/var/run/secrets/kubernetes.io/serviceaccount/token")
        }
        t.set("token_path", nonEmpty(vault.tokenPath))
        t.set("timeout_secs", vault.timeoutSeconds)
        return t.entries
    }
}
