//! Schemas of OpenShellGateway's spec and status (`OpenShellGateway.swift`),
//! with the chart's static render-time validations (openshell-contract §2.9)
//! as enums, bounds and CEL rules, so admission rejects what `helm template`
//! would have failed on. `GatewayValidation` holds the checks CEL cannot make.
import KubeCore

extension Schema {
    /// A DNS name of a certificate (`*.` allowed as the first label).
    static func dnsName(_ description: String) -> Schema {
        .string(description).minLength(1).maxLength(253).pattern(SchemaPatterns.certificateDNSName)
    }

    /// An IPv4 or IPv6 address (the operator parses it before use).
    static func ipAddress(_ description: String) -> Schema {
        .string(description).minLength(2).maxLength(45).pattern(SchemaPatterns.ipAddress)
    }

    /// A namespace name.
    static func namespaceName(_ description: String) -> Schema {
        .string(description).minLength(1).maxLength(63).pattern(SchemaPatterns.dns1123Label)
    }

    /// A whole number of seconds in `bounds`.
    static func seconds(_ description: String, _ bounds: ClosedRange<Int64>) -> Schema {
        .integer(description).range(bounds)
    }
}

extension SchemaPatterns {
    /// A certificate DNS name: a DNS-1123 subdomain, optionally starting with `*.`.
    public static let certificateDNSName = "^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
    /// The characters of an IPv4 or IPv6 address.
    public static let ipAddress = "^[0-9a-fA-F.:]+$"
    /// An OpenShell release: `MAJOR.MINOR.PATCH` with an optional pre-release.
    public static let releaseVersion = "^[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?$"
    /// An upstream HTTP proxy: `http://host:port`, no credentials, no path.
    public static let proxyURL = "^http://[^/@:?#]+:[0-9]{1,5}/?$"
}

/// The messages of the CEL rules (`GatewayValidation` and the docs quote them).
public enum GatewayRuleMessages {
    public static let deploymentNeedsDatabase =
        "kind Deployment requires externalDatabaseSecretRef: without an external database the gateway keeps SQLite on a StatefulSet's data volume"
    public static let replicasNeedDatabase =
        "replicas greater than 1 require externalDatabaseSecretRef: replicas cannot share a SQLite database"
    public static let replicasNeedStatefulSetOverride =
        "replicas greater than 1 with kind StatefulSet require allowMultiReplicaStatefulSet: true"
    public static let storageOnlyStatefulSet = "storage applies only to kind StatefulSet"
    public static let operatorNamespaceLabel =
        "operatorNamespaceLabel is required with workspaceMode Operator and must be unset otherwise"
    public static let proxyAuthNeedsSidecar = "upstreamProxy.authSecretRef requires supervisor.topology Sidecar"
    public static let oneCredentialDriver = "only one external credential driver can be enabled at a time: kubernetesSecrets or vault"
    public static let keyEncryptionKeyWithDriver =
        "keyEncryptionKeySecretRef is used only without a credential driver (kubernetesSecrets or vault)"
    public static let certManagerNeedsMode = "certManager settings (such as externalIssuer) require mode CertManager"
    public static let clientCASecretRequired =
        "certManager.clientCAFromServerSecret: false requires secretNames.clientCA, the Secret whose ca.crt verifies client certificates"
    public static let externalNamesOnly =
        "dnsNames of an external issuer must be external names: localhost, *.localhost, *.svc, *.svc.cluster.local, host.docker.internal and host.containers.internal belong on the internal certificate"
    public static let renewBeforeShorter = "renewBefore (default 720h) must be shorter than duration (default 8760h)"
    public static let rateLimitPair =
        "requests and windowSeconds must both be positive (a limit) or both be zero or unset (no limit)"
    public static let nodePortNeedsType = "nodePort requires type NodePort or LoadBalancer"
    public static let httpsListenerNeedsCertificates = "an HTTPS listener requires certificateRefs"
    public static let httpsListenerNeedsTLSDisabled =
        "an HTTPS listener terminates TLS at the Gateway API Gateway, which forwards plaintext gRPC: tls.mode must be Disabled"
    public static let oneParent = "at most one of parentRef and gateway may be set"
    public static let routeNeedsTLS =
        "an OpenShift passthrough Route forwards encrypted traffic by SNI, so the gateway must terminate TLS: tls.mode must not be Disabled"
    public static let routeNeedsHost =
        "host is required with tls.certManager.externalIssuer: the Route passes the externally issued certificate through, so it must name one of its hosts"
    public static let routeHostCovered =
        "host must match a DNS name of the certificate the Route passes through, exactly or by a single-level wildcard: tls.certManager.externalIssuer.dnsNames with an external issuer, else tls.extraDNSNames"
    public static let gatewayName =
        "metadata.name must be a DNS-1035 label of at most 52 characters (it names the Service, and the StatefulSet's pods carry it in a 63-character label)"
    public static let managedGatewayID =
        "with sandboxes.workspaceMode Managed the gateway id (spec.sandboxTokens.gatewayID, else metadata.name) must be at most 33 characters: workspace namespaces are named openshell-<id>-<19 characters>"
}

extension OpenShellGatewaySpec: SchemaDescribed {
    public static var schema: Schema {
        let tlsDisabled = "(has(self.tls) && has(self.tls.mode) && self.tls.mode == 'Disabled')"
        let listener = "self.exposure.grpcRoute.gateway.listener"
        let httpsListener = "has(self.exposure) && has(self.exposure.grpcRoute) && has(self.exposure.grpcRoute.gateway) && has(\(listener)) && has(\(listener).protocol) && \(listener).protocol == 'HTTPS'"
        let route = "has(self.exposure) && has(self.exposure.openShiftRoute)"
        let externalIssuer = "(has(self.tls) && has(self.tls.certManager) && has(self.tls.certManager.externalIssuer))"
        let host = "self.exposure.openShiftRoute.host"
        let covers = "n == \(host) || (n.startsWith('*.') && \(host).endsWith(n.substring(1)) && \(host).indexOf('.') == size(\(host)) - size(n) + 1)"
        return .object("The OpenShell gateway to install: the values of the upstream Helm chart in Kubernetes shape. Every field is optional; an empty spec installs the pinned release as a StatefulSet with built-in TLS.", [
            "version": .string("The OpenShell release (MAJOR.MINOR.PATCH, e.g. 0.0.111) whose gateway and supervisor images run, as a matched pair. Unset: the release this operator pins. Changing it rolls the gateway; going back to an older release is refused unless the object is annotated openshell.ai/allow-downgrade=true, because the gateway migrates its database forward.")
                .maxLength(64).pattern(SchemaPatterns.releaseVersion),
            "images": GatewayImages.schema.described("Where the gateway and supervisor images come from."),
            "imagePullSecrets": .array("Secrets in the gateway's namespace used to pull the gateway image (sandboxes use sandboxes.imagePullSecrets).",
                                       of: LocalObjectReference.schema).maxItems(16),
            "workload": GatewayWorkload.schema.described("The gateway's workload: a StatefulSet with a data volume (default) or, with an external database, a Deployment."),
            "service": GatewayService.schema.described("The Service named after the gateway: gRPC (appProtocol grpc) and metrics ports."),
            "sandboxes": GatewaySandboxes.schema.described("How the gateway's Kubernetes driver runs sandboxes: namespace, workspace mode, images, supervisor, proxy."),
            "tls": GatewayTLS.schema.described("The gateway's TLS: built-in PKI (default), cert-manager, or disabled."),
            "auth": GatewayAuth.schema.described("How CLI and SDK users authenticate. With neither OIDC nor allowUnauthenticatedUsers, client certificates secure the transport but no user is authorized."),
            "credentials": GatewayCredentials.schema.described("Where provider credentials are stored: the gateway database encrypted with a key-encryption key (default), Kubernetes Secrets, or Vault."),
            "sandboxTokens": GatewaySandboxTokens.schema.described("The JWTs the gateway mints for sandboxes and the service account tokens sandboxes present."),
            "networkPolicy": GatewayNetworkPolicy.schema.described("The NetworkPolicy <name>-sandbox-ssh in the sandbox namespace, admitting only the gateway's pods."),
            "exposure": GatewayExposure.schema.described("How the gateway is reached from outside the cluster: a Gateway API GRPCRoute or an OpenShift Route."),
            "resources": ResourceRequirements.schema.described("Requests and limits of the gateway container."),
            "placement": GatewayPlacement.schema.described("Where the gateway's pods are scheduled."),
            "podMetadata": PodMetadata.schema.described("Labels and annotations added to the gateway's pods. Keys under openshell.ai/, openshell.io/ and agents.x-k8s.io/ are reserved; the operator's app.kubernetes.io/ labels and config checksum annotation win."),
            "serviceAccount": GatewayServiceAccount.schema.described("The gateway pods' service account. Default: created and named after the gateway."),
            "logLevel": .string("The gateway's log level (log_level in gateway.toml), e.g. info (the default), debug or trace.").minLength(1).maxLength(64),
            "telemetry": GatewayTelemetry.schema.described("The gateway's anonymous usage telemetry."),
            "policyValidationFailureMode": .string("What the gateway does with a sandbox policy update that fails validation: FailClosed (default) rejects it; RetainLastValid keeps the last valid policy.")
                .oneOf(["FailClosed", "RetainLastValid"]),
            "grpcRateLimit": GatewayRateLimit.schema.described("A per-client gRPC rate limit. Unset: no limit."),
            "enableLoopbackServiceHTTP": .boolean("Serve sandbox services over plain HTTP on the gateway's loopback relay. Default true."),
            "upgrade": GatewayUpgrade.schema.described("How version changes roll out."),
        ])
        .rule("!(\(httpsListener)) || \(tlsDisabled)", message: GatewayRuleMessages.httpsListenerNeedsTLSDisabled,
              fieldPath: ".exposure.grpcRoute.gateway.listener.protocol")
        .rule("!(\(route)) || !\(tlsDisabled)", message: GatewayRuleMessages.routeNeedsTLS, fieldPath: ".exposure.openShiftRoute")
        .rule("!(\(route)) || !\(externalIssuer) || has(\(host))", message: GatewayRuleMessages.routeNeedsHost,
              fieldPath: ".exposure.openShiftRoute.host", reason: .required)
        .rule("!(\(route) && has(\(host))) || (\(externalIssuer) ? self.tls.certManager.externalIssuer.dnsNames.exists(n, \(covers)) : (has(self.tls) && has(self.tls.extraDNSNames) && self.tls.extraDNSNames.exists(n, \(covers))))",
              message: GatewayRuleMessages.routeHostCovered, fieldPath: ".exposure.openShiftRoute.host")
    }
}

extension GatewayImages: SchemaDescribed {
    public static var schema: Schema {
        .object("The gateway and supervisor images. Default: <repository>/gateway:<version> and <repository>/supervisor:<version>, a pair built from one OpenShell commit.", [
            "repository": .string("The repository prefix of both images, e.g. a mirror such as registry.example.com/nvidia/openshell. Default ghcr.io/nvidia/openshell.")
                .minLength(1).maxLength(512).pattern("^[^\\s:@]+(:[0-9]+)?(/[^\\s:@]+)*$"),
            "gateway": .image("The whole gateway image reference, overriding repository and version (the supervisor no longer matches it unless also set)."),
            "supervisor": .image("The whole supervisor image reference sandboxes sideload, overriding repository and version."),
            "pullPolicy": .pullPolicy("The gateway image's pull policy. Default IfNotPresent."),
            "supervisorPullPolicy": .pullPolicy("The supervisor image's pull policy in sandbox pods. Unset leaves the cluster default."),
        ])
    }
}

extension GatewayWorkload: SchemaDescribed {
    public static var schema: Schema {
        .object("The gateway's workload. The chart's rules apply: a Deployment, or more than one replica, needs an external database.", [
            "kind": .string("StatefulSet (default): one pod with the data volume openshell-data holding SQLite. Deployment: stateless pods; requires externalDatabaseSecretRef.")
                .oneOf(["StatefulSet", "Deployment"]),
            "replicas": .integer("How many gateway pods. Default 1. More than 1 requires externalDatabaseSecretRef and, with kind StatefulSet, allowMultiReplicaStatefulSet.")
                .range(1...32),
            "allowMultiReplicaStatefulSet": .boolean("Allow more than one replica as a StatefulSet (each pod then has its own, unused, data volume)."),
            "externalDatabaseSecretRef": LocalObjectReference.schema.described("A Secret in the gateway's namespace whose key uri holds the database URL (e.g. postgres://...), passed as OPENSHELL_DB_URL. Unset: SQLite at /var/openshell/openshell.db on the data volume."),
            "storage": GatewayStorage.schema.described("The StatefulSet's data volume claim openshell-data (ReadWriteOnce)."),
            "terminationGracePeriodSeconds": .integer("How long a stopping gateway pod may take. Default 5.", format: "int64").range(0...3600),
            "probes": GatewayProbes.schema.described("Timings of the startup and liveness (GET /healthz) and readiness (GET /readyz) probes on the health port 8081."),
        ])
        .rule("!has(self.kind) || self.kind != 'Deployment' || has(self.externalDatabaseSecretRef)",
              message: GatewayRuleMessages.deploymentNeedsDatabase, fieldPath: ".kind")
        .rule("!has(self.replicas) || self.replicas <= 1 || has(self.externalDatabaseSecretRef)",
              message: GatewayRuleMessages.replicasNeedDatabase, fieldPath: ".replicas")
        .rule("!has(self.replicas) || self.replicas <= 1 || (has(self.kind) && self.kind == 'Deployment') || (has(self.allowMultiReplicaStatefulSet) && self.allowMultiReplicaStatefulSet)",
              message: GatewayRuleMessages.replicasNeedStatefulSetOverride, fieldPath: ".replicas")
        .rule("!has(self.storage) || !has(self.kind) || self.kind == 'StatefulSet'",
              message: GatewayRuleMessages.storageOnlyStatefulSet, fieldPath: ".storage")
    }
}

extension GatewayStorage: SchemaDescribed {
    public static var schema: Schema {
        .object("The data volume claim.", [
            "size": .quantity("The volume's size. Default 1Gi."),
            "storageClassName": .objectName("The StorageClass of the claim. Default: the cluster default."),
        ])
    }
}

extension GatewayProbes: SchemaDescribed {
    public static var schema: Schema {
        .object("Probe timings; unset fields keep the chart's defaults.", [
            "startup": ProbeTimings.schema.described("The startup probe (GET /healthz). Default: period 2s, timeout 1s, 30 failures."),
            "liveness": ProbeTimings.schema.described("The liveness probe (GET /healthz). Default: delay 2s, period 5s, timeout 1s, 3 failures."),
            "readiness": ProbeTimings.schema.described("The readiness probe (GET /readyz). Default: delay 1s, period 2s, timeout 1s, 3 failures."),
        ])
    }
}

extension ProbeTimings: SchemaDescribed {
    public static var schema: Schema {
        .object("One probe's timings.", [
            "initialDelaySeconds": .seconds("Seconds before the first probe.", 0...3600),
            "periodSeconds": .seconds("Seconds between probes.", 1...3600),
            "timeoutSeconds": .seconds("Seconds a probe may take.", 1...3600),
            "failureThreshold": .integer("Consecutive failures before the probe fails.").range(1...1000),
        ])
    }
}

extension GatewayService: SchemaDescribed {
    public static var schema: Schema {
        .object("The gateway's Service.", [
            "type": .string("ClusterIP (default), NodePort or LoadBalancer.").oneOf(["ClusterIP", "NodePort", "LoadBalancer"]),
            "port": .integer("The Service's gRPC port (target: the container's 8080). Default 8080; it is part of the in-cluster endpoint.").range(1...65535),
            "metricsPort": .integer("The Service's metrics port (target: the container's 9090). Default 9090.").range(1...65535),
            "nodePort": .integer("The node port of the gRPC port, with type NodePort or LoadBalancer. Unset: allocated by Kubernetes.").range(1...65535),
        ])
        .rule("!has(self.nodePort) || (has(self.type) && self.type != 'ClusterIP')", message: GatewayRuleMessages.nodePortNeedsType,
              fieldPath: ".nodePort")
    }
}

extension GatewaySandboxes: SchemaDescribed {
    public static var schema: Schema {
        .object("The gateway's Kubernetes compute driver settings (its [openshell.drivers.kubernetes] table).", [
            "namespace": .namespaceName("The namespace sandboxes run in (shared mode). Default: the gateway's namespace."),
            "workspaceMode": .string("Shared (default): all sandboxes in one namespace, namespaced RBAC. Managed: the gateway creates a namespace per workspace. Operator: workspaces map to existing namespaces carrying operatorNamespaceLabel. Managed and Operator grant cluster-wide RBAC.")
                .oneOf(["Shared", "Managed", "Operator"]),
            "operatorNamespaceLabel": .string("With workspaceMode Operator: the namespace label whose value names the workspace.")
                .minLength(1).maxLength(317),
            "image": .image("The default sandbox image. Default ghcr.io/nvidia/openshell-community/sandboxes/base:latest."),
            "imagePullPolicy": .pullPolicy("The sandbox image's pull policy. Unset leaves the cluster default."),
            "imagePullSecrets": .array("Secrets used to pull sandbox images (copied into workspace namespaces in Managed mode).",
                                       of: LocalObjectReference.schema).maxItems(16),
            "workspace": GatewaySandboxWorkspace.schema.described("The sandboxes' /sandbox workspace volume defaults."),
            "runtimeClassName": .objectName("The RuntimeClass of sandbox pods that name none (e.g. kata-qemu)."),
            "enableUserNamespaces": .boolean("Run sandbox pods in user namespaces (hostUsers: false; Kubernetes 1.33 or later)."),
            "appArmorProfile": SecurityProfile.schema.described("The AppArmor profile of sandbox containers. Default Unconfined, as the chart."),
            "serviceAccount": GatewayServiceAccount.schema.described("The sandbox pods' service account, in the sandbox namespace. Default: created as <name>-sandbox."),
            "supervisor": GatewaySupervisor.schema.described("How the OpenShell supervisor runs in sandbox pods."),
            "hostGatewayIP": .ipAddress("The IP host.docker.internal and host.openshell.internal resolve to, in the gateway and in sandboxes. Unset: no host aliases."),
            "grpcEndpoint": .string("The URL sandboxes call the gateway at. Default: http(s)://<name>.<namespace>.svc.cluster.local:<service.port>.")
                .minLength(1).maxLength(SchemaLimits.templateString).pattern("^https?://"),
            "upstreamProxy": GatewayUpstreamProxy.schema.described("A corporate HTTP proxy for sandboxes' egress."),
            "spiffe": GatewaySPIFFE.schema.described("SPIFFE provider token grants: sandboxes get the SPIRE agent's Workload API socket."),
        ])
        .rule("(has(self.workspaceMode) && self.workspaceMode == 'Operator') == has(self.operatorNamespaceLabel)",
              message: GatewayRuleMessages.operatorNamespaceLabel, fieldPath: ".operatorNamespaceLabel")
        .rule("!has(self.upstreamProxy) || !has(self.upstreamProxy.authSecretRef) || (has(self.supervisor) && has(self.supervisor.topology) && self.supervisor.topology == 'Sidecar')",
              message: GatewayRuleMessages.proxyAuthNeedsSidecar, fieldPath: ".upstreamProxy.authSecretRef")
    }
}

extension GatewaySandboxWorkspace: SchemaDescribed {
    public static var schema: Schema {
        .object("Workspace volume defaults.", [
            "defaultSize": .quantity("The workspace size of sandboxes that ask for none. Default 2Gi."),
            "storageClassName": .objectName("The StorageClass of workspace claims. Default: the cluster default."),
        ])
    }
}

extension GatewayServiceAccount: SchemaDescribed {
    public static var schema: Schema {
        .object("A service account: created by the operator (default), or an existing one named by name with create: false.", [
            "create": .boolean("Create the service account. Default true; false uses name as it is (default: default)."),
            "name": .objectName("The service account's name. Default: derived from the gateway's name."),
            "annotations": .map("Annotations of the created service account (e.g. a cloud IAM role).", of: .string("An annotation value."))
                .maxProperties(SchemaLimits.templateMapEntries),
        ])
    }
}

extension GatewaySupervisor: SchemaDescribed {
    public static var schema: Schema {
        .object("The supervisor in sandbox pods.", [
            "sideloadMethod": .string("ImageVolume: mount the supervisor image as a volume. InitContainer: copy the binary in an init container. Default: ImageVolume on Kubernetes 1.35 or later, else InitContainer.")
                .oneOf(["ImageVolume", "InitContainer"]),
            "topology": .string("Combined (default): the supervisor runs in the agent container. Sidecar: the network supervisor runs in its own container.")
                .oneOf(["Combined", "Sidecar"]),
            "proxyUID": .integer("With Sidecar: the UID of the network proxy. Default 1337.", format: "int64").range(1000...4_294_967_294),
            "processBinaryAwareNetworkPolicy": .boolean("With Sidecar: enforce network rules per calling binary. Default true."),
        ])
    }
}

extension GatewayUpstreamProxy: SchemaDescribed {
    public static var schema: Schema {
        .object("An HTTP proxy sandbox egress goes through.", required: ["url"], [
            "url": .string("The proxy, as http://host:port (no credentials: use authSecretRef).").maxLength(SchemaLimits.templateString)
                .pattern(SchemaPatterns.proxyURL),
            "noProxy": .string("Hosts reached without the proxy, comma-separated.").minLength(1).maxLength(SchemaLimits.templateString),
            "authSecretRef": SecretKeySelector.schema.described("A Secret key holding the proxy credentials (user:password). Requires supervisor.topology Sidecar."),
            "authAllowInsecure": .boolean("Send the credentials over plain HTTP to the proxy."),
            "connectByHostname": .boolean("Send CONNECT with the hostname rather than a resolved IP."),
        ])
    }
}

extension GatewaySPIFFE: SchemaDescribed {
    public static var schema: Schema {
        .object("SPIFFE provider token grants.", [
            "enabled": .boolean("Mount the SPIRE agent's Workload API socket into sandboxes."),
            "workloadAPISocketPath": .string("The socket's path. Default /spiffe-workload-api/spire-agent.sock.")
                .maxLength(SchemaLimits.policyPathLength).pattern("^/[^/]+/.+$"),
        ])
    }
}

extension GatewayTLS: SchemaDescribed {
    public static var schema: Schema {
        .object("The gateway's TLS. BuiltIn and CertManager serve gRPC over TLS and verify client certificates; Disabled serves plaintext (for a TLS-terminating Gateway API listener).", [
            "mode": .string("BuiltIn (default): the operator creates the CA, server and client certificates (and keeps Secrets that already exist). CertManager: cert-manager issues them. Disabled: no TLS.")
                .oneOf(["BuiltIn", "CertManager", "Disabled"]),
            "extraDNSNames": .array("DNS names added to the server certificate's defaults (<name>, <name>.<namespace>.svc, <name>.<namespace>.svc.cluster.local, localhost, <name>.localhost, *.<name>.localhost, host.docker.internal, host.containers.internal).",
                                    of: .dnsName("A DNS name; *. allowed as the first label.")).maxItems(SchemaLimits.smallList),
            "extraIPAddresses": .array("IP addresses added to the server certificate's defaults (127.0.0.1, ::1).",
                                       of: .ipAddress("An IPv4 or IPv6 address.")).maxItems(SchemaLimits.smallList),
            "duration": .duration("How long server and client certificates are valid, as a Go duration. Default 8760h."),
            "renewBefore": .duration("How long before expiry server and client certificates are renewed (the gateway rolls to pick them up). Default 720h."),
            "secretNames": GatewayTLSSecretNames.schema.described("The Secrets holding the certificates."),
            "certManager": GatewayCertManager.schema.described("cert-manager settings; only with mode CertManager."),
        ])
        .rule("!has(self.certManager) || (has(self.mode) && self.mode == 'CertManager')", message: GatewayRuleMessages.certManagerNeedsMode,
              fieldPath: ".certManager")
        .rule("!(has(self.certManager) && has(self.certManager.clientCAFromServerSecret) && !self.certManager.clientCAFromServerSecret) || (has(self.secretNames) && has(self.secretNames.clientCA))",
              message: GatewayRuleMessages.clientCASecretRequired, fieldPath: ".secretNames.clientCA", reason: .required)
        .rule("duration(has(self.renewBefore) ? self.renewBefore : '720h') < duration(has(self.duration) ? self.duration : '8760h')",
              message: GatewayRuleMessages.renewBeforeShorter, fieldPath: ".renewBefore")
    }
}

extension GatewayTLSSecretNames: SchemaDescribed {
    public static var schema: Schema {
        .object("Names of the TLS Secrets in the gateway's namespace.", [
            "server": .objectName("The server certificate (kubernetes.io/tls with ca.crt). Default openshell-server-tls."),
            "client": .objectName("The client certificate shared by the CLI bundle and sandbox pods. Default openshell-client-tls."),
            "clientCA": .objectName("A Secret whose ca.crt verifies client certificates, instead of the server Secret's ca.crt (cert-manager with clientCAFromServerSecret: false)."),
        ])
    }
}

extension GatewayCertManager: SchemaDescribed {
    public static var schema: Schema {
        .object("cert-manager issues a self-signed CA, the server and the client certificates (Issuers and Certificates named after the gateway).", [
            "caSecretName": .objectName("The CA certificate's Secret. Default openshell-ca-tls."),
            "clientCAFromServerSecret": .boolean("Verify client certificates with ca.crt of the server certificate's Secret. Default true; false requires secretNames.clientCA."),
            "externalIssuer": GatewayExternalIssuer.schema.described("An additional server certificate for external names from another issuer (e.g. ACME); the internal certificate keeps the chart CA and internal names."),
        ])
    }
}

extension GatewayExternalIssuer: SchemaDescribed {
    public static var schema: Schema {
        .object("The external server certificate <name>-server-external.", required: ["issuerRef", "dnsNames"], [
            "issuerRef": IssuerReference.schema.described("The cert-manager issuer of the external certificate."),
            "dnsNames": .array("The external DNS names; the first is the common name.", of: .dnsName("An external DNS name."))
                .minItems(1).maxItems(SchemaLimits.smallList),
        ])
        .rule("self.dnsNames.all(n, n != 'localhost' && !n.endsWith('.localhost') && !n.endsWith('.svc') && !n.endsWith('.svc.cluster.local') && n != 'host.docker.internal' && n != 'host.containers.internal')",
              message: GatewayRuleMessages.externalNamesOnly, fieldPath: ".dnsNames")
    }
}

extension IssuerReference: SchemaDescribed {
    public static var schema: Schema {
        .object("A cert-manager issuer.", required: ["name"], [
            "name": .objectName("The issuer's name."),
            "kind": .string("Issuer (default, in the gateway's namespace) or ClusterIssuer.").oneOf(["Issuer", "ClusterIssuer"]),
            "group": .string("The issuer's API group. Default cert-manager.io.").minLength(1).maxLength(253).pattern(SchemaPatterns.dns1123Subdomain),
        ])
    }
}

extension GatewayAuth: SchemaDescribed {
    public static var schema: Schema {
        .object("User authentication. Client certificates are required unless OIDC is set.", [
            "oidc": GatewayOIDC.schema.described("OpenID Connect bearer tokens: users are authorized by role claims."),
            "allowUnauthenticatedUsers": .boolean("Unsafe: treat every caller that reaches the gateway as a user. For local development only."),
        ])
    }
}

extension GatewayOIDC: SchemaDescribed {
    public static var schema: Schema {
        .object("OpenID Connect settings (the [openshell.gateway.oidc] table).", required: ["issuer"], [
            "issuer": .string("The issuer URL (https).").minLength(1).maxLength(SchemaLimits.templateString).pattern("^https://"),
            "audience": .string("The expected audience. Default openshell-cli.").minLength(1).maxLength(253),
            "jwksTTLSeconds": .integer("How long the issuer's keys are cached. Default 3600.", format: "int64").range(1...86400),
            "rolesClaim": .string("The claim holding the user's roles.").minLength(1).maxLength(253),
            "adminRole": .string("The role that makes a user an administrator.").minLength(1).maxLength(253),
            "userRole": .string("The role that makes a user a user.").minLength(1).maxLength(253),
            "scopesClaim": .string("The claim holding the token's scopes.").minLength(1).maxLength(253),
            "caConfigMapRef": LocalObjectReference.schema.described("A ConfigMap whose ca.crt verifies the issuer (mounted, and set as SSL_CERT_FILE)."),
        ])
    }
}

extension GatewayCredentials: SchemaDescribed {
    public static var schema: Schema {
        .object("Credential storage. Without a driver the gateway encrypts credentials in its database with a key-encryption key.", [
            "keyEncryptionKeySecretRef": LocalObjectReference.schema.described("An existing Secret whose key key-encryption-key holds the key. Unset: the operator creates <name>-credential-storage-key-encryption-key once and keeps it when the gateway is deleted."),
            "kubernetesSecrets": GatewayKubernetesSecretsDriver.schema.described("Store credentials as Kubernetes Secrets."),
            "vault": GatewayVaultDriver.schema.described("Store credentials in HashiCorp Vault's KV engine."),
        ])
        .rule("!(has(self.kubernetesSecrets) && has(self.vault))", message: GatewayRuleMessages.oneCredentialDriver)
        .rule("!has(self.keyEncryptionKeySecretRef) || !(has(self.kubernetesSecrets) || has(self.vault))",
              message: GatewayRuleMessages.keyEncryptionKeyWithDriver, fieldPath: ".keyEncryptionKeySecretRef")
    }
}

extension GatewayKubernetesSecretsDriver: SchemaDescribed {
    public static var schema: Schema {
        .object("The kubernetes-secrets credential driver.", [
            "namespace": .namespaceName("The namespace of the credential Secrets. Default: the gateway's namespace."),
            "allowReferenceNamespace": .boolean("Let providers reference Secrets in other namespaces."),
            "createRBAC": .boolean("Create a Role and RoleBinding granting the gateway the namespace's Secrets. Default true."),
        ])
    }
}

extension GatewayVaultDriver: SchemaDescribed {
    public static var schema: Schema {
        .object("The vault credential driver.", required: ["address"], [
            "address": .string("Vault's URL.").minLength(1).maxLength(SchemaLimits.templateString).pattern("^https?://"),
            "mount": .string("The KV engine's mount. Default secret.").minLength(1).maxLength(253),
            "kvVersion": .integer("The KV engine version: 1 or 2 (default).").range(1...2),
            "authMethod": .string("Kubernetes (default): log in with the gateway's service account token. Token: read a Vault token from tokenPath.")
                .oneOf(["Kubernetes", "Token"]),
            "role": .string("The Vault role to log in as (Kubernetes auth).").minLength(1).maxLength(253),
            "kubernetesAuthMount": .string("The Kubernetes auth method's mount. Default kubernetes.").minLength(1).maxLength(253),
            "serviceAccountTokenPath": .string("The service account token file. Default /var/run/secrets/kubernetes.io/serviceaccount/token.")
                .maxLength(SchemaLimits.policyPathLength).pattern(SchemaPatterns.absolutePath),
            "tokenPath": .string("The Vault token file (Token auth).").maxLength(SchemaLimits.policyPathLength).pattern(SchemaPatterns.absolutePath),
            "timeoutSeconds": .integer("The timeout of each Vault request, in seconds.").range(1...600),
        ])
    }
}

extension GatewaySandboxTokens: SchemaDescribed {
    public static var schema: Schema {
        .object("Sandbox identity tokens.", [
            "signingSecretName": .objectName("The Secret holding the Ed25519 signing key (signing.pem, public.pem, kid). Default <name>-jwt-keys; the operator creates it unless it exists."),
            "gatewayID": .string("The gateway id written on sandboxes (label openshell.ai/gateway-id) and into its JWTs. Default: the gateway's name.")
                .minLength(1).maxLength(63).pattern(SchemaPatterns.dns1123Label),
            "ttlSeconds": .integer("How long a sandbox JWT is valid. Default 3600.", format: "int64").range(60...86400),
            "serviceAccountTokenTTLSeconds": .integer("How long the projected service account token of a sandbox is valid. Default 3600.", format: "int64")
                .range(600...86400),
            "secretDefaultMode": .integer("The file mode of the mounted signing Secret, in decimal (256 = 0400, the default).").range(0...511),
        ])
    }
}

extension GatewayNetworkPolicy: SchemaDescribed {
    public static var schema: Schema {
        .object("The sandbox NetworkPolicy.", [
            "enabled": .boolean("Create it (and, in Managed mode, one per workspace namespace). Default true."),
        ])
    }
}

extension GatewayExposure: SchemaDescribed {
    public static var schema: Schema {
        .object("External access.", [
            "grpcRoute": GatewayGRPCRoute.schema.described("A Gateway API GRPCRoute to the Service."),
            "openShiftRoute": GatewayOpenShiftRoute.schema.described("An OpenShift passthrough Route to the Service (requires TLS)."),
        ])
    }
}

extension GatewayGRPCRoute: SchemaDescribed {
    public static var schema: Schema {
        .object("A GRPCRoute named after the gateway, backed by the Service's gRPC port.", [
            "hostnames": .array("The route's hostnames.", of: .dnsName("A hostname; *. allowed as the first label.")).maxItems(16),
            "parentRef": GatewayParentReference.schema.described("An existing Gateway API Gateway to attach to. Default: the Gateway created by gateway, else one named after this object in its namespace."),
            "gateway": GatewayAPIGateway.schema.described("Create a Gateway API Gateway named after this object and attach the route to it."),
        ])
        .rule("!(has(self.parentRef) && has(self.gateway))", message: GatewayRuleMessages.oneParent)
    }
}

extension GatewayParentReference: SchemaDescribed {
    public static var schema: Schema {
        .object("A Gateway API Gateway.", required: ["name"], [
            "name": .objectName("The Gateway's name."),
            "namespace": .namespaceName("The Gateway's namespace. Default: the gateway's namespace."),
        ])
    }
}

extension GatewayAPIGateway: SchemaDescribed {
    public static var schema: Schema {
        .object("The Gateway API Gateway to create.", [
            "className": .objectName("The GatewayClass. Default eg."),
            "listener": GatewayListener.schema.described("Its one listener."),
        ])
    }
}

extension GatewayListener: SchemaDescribed {
    public static var schema: Schema {
        .object("A Gateway listener.", [
            "port": .integer("The listener's port. Default 80.").range(1...65535),
            "protocol": .string("HTTP (default) or HTTPS (terminates TLS: requires certificateRefs and tls.mode Disabled).").oneOf(["HTTP", "HTTPS"]),
            "allowedRoutes": .string("Which namespaces' routes may attach: Same (default) or All.").oneOf(["Same", "All"]),
            "certificateRefs": .array("With HTTPS: the certificates the listener serves.", of: GatewayCertificateReference.schema).maxItems(16),
        ])
        .rule("!has(self.protocol) || self.protocol != 'HTTPS' || (has(self.certificateRefs) && size(self.certificateRefs) > 0)",
              message: GatewayRuleMessages.httpsListenerNeedsCertificates, fieldPath: ".certificateRefs", reason: .required)
    }
}

extension GatewayCertificateReference: SchemaDescribed {
    public static var schema: Schema {
        .object("A certificate Secret (Gateway API SecretObjectReference).", required: ["name"], [
            "name": .objectName("The Secret's name."),
            "namespace": .namespaceName("The Secret's namespace. Default: the Gateway's."),
            "kind": .string("The referent's kind. Default Secret.").minLength(1).maxLength(63),
            "group": .string("The referent's API group. Default the core group.").maxLength(253),
        ])
    }
}

extension GatewayOpenShiftRoute: SchemaDescribed {
    public static var schema: Schema {
        .object("A route.openshift.io/v1 Route named after the gateway: passthrough TLS to the gRPC port, wildcardPolicy None.", [
            "host": .string("The Route's host; must be a DNS name of the certificate the gateway serves. Unset: OpenShift assigns one (not with an external issuer).")
                .minLength(1).maxLength(253).pattern(SchemaPatterns.dns1123Subdomain),
            "annotations": .map("Annotations of the Route.", of: .string("An annotation value.")).maxProperties(SchemaLimits.templateMapEntries),
        ])
    }
}

extension GatewayPlacement: SchemaDescribed {
    public static var schema: Schema {
        .object("Scheduling of the gateway's pods.", [
            "nodeSelector": .labelMap("Node labels the pods must be scheduled on."),
            "tolerations": .array("Tolerations of the pods.", of: Toleration.schema).maxItems(SchemaLimits.smallList),
            "affinity": .freeform("A core/v1 Affinity (nodeAffinity, podAffinity, podAntiAffinity), used as written."),
        ])
    }
}

extension GatewayTelemetry: SchemaDescribed {
    public static var schema: Schema {
        .object("Telemetry.", [
            "enabled": .boolean("Send anonymous usage telemetry (OPENSHELL_TELEMETRY_ENABLED). Default true."),
        ])
    }
}

extension GatewayRateLimit: SchemaDescribed {
    public static var schema: Schema {
        .object("A gRPC rate limit: requests per window, per client. Both positive, or neither.", [
            "requests": .integer("Requests allowed per window; 0 or unset: no limit.").range(0...1_000_000),
            "windowSeconds": .integer("The window's length in seconds; 0 or unset: no limit.").range(0...86400),
        ])
        .rule("(has(self.requests) && self.requests > 0) == (has(self.windowSeconds) && self.windowSeconds > 0)",
              message: GatewayRuleMessages.rateLimitPair)
    }
}

extension GatewayUpgrade: SchemaDescribed {
    public static var schema: Schema {
        .object("Rollouts of a new version or configuration.", [
            "progressDeadlineSeconds": .integer("How long a rollout may take before the gateway is Degraded (and, with automaticRollback, rolled back). Default 600.")
                .range(30...86400),
            "automaticRollback": .boolean("When a version rollout exceeds its deadline, go back to status.lastKnownGoodVersion. Default false."),
        ])
    }
}

extension OpenShellGatewayStatus: SchemaDescribed {
    public static var schema: Schema {
        .object("What the operator observed.", [
            "observedGeneration": .integer("The metadata.generation this status describes.", format: "int64").minimum(0),
            "conditions": Condition.list("Available, Progressing and Degraded, and one per dependency: AgentSandboxAvailable, TLSReady, ConfigValid, RolloutComplete."),
            "runningVersion": .string("The OpenShell release every ready gateway pod runs.").maxLength(64),
            "endpoint": .string("The in-cluster gRPC URL, e.g. https://openshell.openshell.svc.cluster.local:8080.").maxLength(SchemaLimits.templateString),
            "readyReplicas": .integer("Gateway pods ready.").minimum(0),
            "lastUpgrade": GatewayUpgradeRecord.schema.described("The last version change that completed."),
            "lastKnownGoodVersion": .string("The last version that completed a rollout and became Available; the target of an automatic rollback.").maxLength(64),
            "rollback": GatewayRollbackRecord.schema.described("The automatic rollback in effect (upgrade.automaticRollback): the failed and the restored version. Cleared when the spec changes, which rolls out again."),
        ])
    }
}

extension GatewayRollbackRecord: SchemaDescribed {
    public static var schema: Schema {
        .object("An automatic rollback.", required: ["from", "to", "time", "generation"], [
            "from": .string("The requested version whose rollout exceeded its progress deadline.").maxLength(64),
            "to": .string("The last known good version the workload was set back to.").maxLength(64),
            "time": .string("When the rollback was decided (RFC 3339).").format("date-time"),
            "generation": .integer("The metadata.generation whose rollout failed; a newer generation is rolled out again.", format: "int64").minimum(0),
        ])
    }
}

extension GatewayUpgradeRecord: SchemaDescribed {
    public static var schema: Schema {
        .object("A version change.", required: ["from", "to", "time"], [
            "from": .string("The version before.").maxLength(64),
            "to": .string("The version after.").maxLength(64),
            "time": .string("When it completed (RFC 3339).").format("date-time"),
        ])
    }
}
