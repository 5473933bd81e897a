//! The gateway's workload and Service (openshell-contract §2.2, §2.4): a
//! StatefulSet with the `openshell-data` claim for SQLite by default, a
//! Deployment when the spec asks for one (it requires an external database);
//! the `openshell-gateway` container with its args, env, ports, probes,
//! hardening and mounts in the chart's order.
import KubeCore
import OpenShellAPI

enum WorkloadRendering {
    static func workload(_ c: GatewayContext, checksum: String) -> KubeObject {
        var spec: JSONObject = [
            "replicas": .int(Int64(c.replicas)),
            "selector": .object(["matchLabels": stringMap(c.names.selectorLabels)]),
            "template": podTemplate(c, checksum: checksum),
        ]
        let metadata = c.metadata(name: c.names.name, namespace: c.names.namespace)
        if c.isDeployment {
            spec["progressDeadlineSeconds"] = .int(Int64(c.spec.upgrade?.progressDeadlineSeconds ?? GatewayDefaults.progressDeadlineSeconds))
            return c.object("apps/v1", "Deployment", metadata: metadata, ["spec": .object(spec)])
        }
        spec["serviceName"] = .string(c.names.name)
        spec["volumeClaimTemplates"] = .array([dataClaim(c)])
        return c.object("apps/v1", "StatefulSet", metadata: metadata, ["spec": .object(spec)])
    }

    /// `openshell-data`, ReadWriteOnce. Only the name in its metadata: a StatefulSet's claim templates
    /// cannot change, so nothing that moves with the version may be in them.
    static func dataClaim(_ c: GatewayContext) -> JSONValue {
        let storage = c.spec.workload?.storage
        var spec: JSONObject = [
            "accessModes": ["ReadWriteOnce"],
            "resources": .object(["requests": .object(["storage": .string(nonEmpty(storage?.size) ?? GatewayDefaults.dataVolumeSize)])]),
        ]
        if let storageClass = nonEmpty(storage?.storageClassName) { spec["storageClassName"] = .string(storageClass) }
        return .object(["metadata": .object(["name": .string(GatewayLayout.dataVolume)]), "spec": .object(spec)])
    }

    // MARK: Pod

    static func podTemplate(_ c: GatewayContext, checksum: String) -> JSONValue {
        let user = c.spec.podMetadata
        let labels = (user?.labels ?? [:]).merging(c.names.commonLabels(version: c.version)) { _, ours in ours }
        var annotations = user?.annotations ?? [:]
        annotations[GatewayLabels.configChecksum] = checksum
        return .object([
            "metadata": .object(["labels": stringMap(labels), "annotations": stringMap(annotations)]),
            "spec": podSpec(c),
        ])
    }

    static func podSpec(_ c: GatewayContext) -> JSONValue {
        let spec = c.spec
        var pod: JSONObject = [
            "terminationGracePeriodSeconds": .int(spec.workload?.terminationGracePeriodSeconds ?? GatewayDefaults.terminationGracePeriodSeconds),
            "serviceAccountName": .string(c.gatewayServiceAccount),
            "securityContext": .object(["fsGroup": .int(GatewayLayout.fsGroup)]),
            "containers": .array([container(c)]),
            "volumes": .array(volumes(c)),
        ]
        let pullSecrets = (spec.imagePullSecrets ?? []).filter { !$0.name.isEmpty }
        if !pullSecrets.isEmpty { pod["imagePullSecrets"] = .array(pullSecrets.map { .object(["name": .string($0.name)]) }) }
        if let ip = nonEmpty(spec.sandboxes?.hostGatewayIP) {
            pod["hostAliases"] = .array([.object(["ip": .string(ip), "hostnames": ["host.docker.internal", "host.openshell.internal"]])])
        }
        if let selector = spec.placement?.nodeSelector, !selector.isEmpty { pod["nodeSelector"] = stringMap(selector) }
        pod["tolerations"] = encoded(spec.placement?.tolerations)
        if let affinity = spec.placement?.affinity, affinity != .null, affinity != .object([:]) { pod["affinity"] = affinity }
        return .object(pod)
    }

    static func container(_ c: GatewayContext) -> JSONValue {
        var args = ["--config", GatewayLayout.configFile]
        if c.externalDatabaseSecret == nil { args += ["--db-url", GatewayDefaults.sqliteURL] }
        var container: JSONObject = [
            "name": .string(GatewayLayout.container),
            "image": .string(c.input.images.gateway),
            "imagePullPolicy": .string(c.input.images.pullPolicy),
            "args": strings(args),
            "env": .array(env(c)),
            "ports": .array([
                port("grpc", c.grpcPort), port("health", c.healthPort), port("metrics", c.metricsPort),
            ]),
            "startupProbe": probe("/healthz", c.spec.workload?.probes?.startup,
                                  ProbeTimings(periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 30)),
            "livenessProbe": probe("/healthz", c.spec.workload?.probes?.liveness,
                                   ProbeTimings(initialDelaySeconds: 2, periodSeconds: 5, timeoutSeconds: 1, failureThreshold: 3)),
            "readinessProbe": probe("/readyz", c.spec.workload?.probes?.readiness,
                                    ProbeTimings(initialDelaySeconds: 1, periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 3)),
            "securityContext": .object([
                "runAsNonRoot": true,
                "runAsUser": .int(GatewayLayout.runAsUser),
                "allowPrivilegeEscalation": false,
                "capabilities": .object(["drop": ["ALL"]]),
            ]),
            "volumeMounts": .array(mounts(c)),
        ]
        container["resources"] = encoded(c.spec.resources)
        return .object(container)
    }

    /// In the chart's order: the key-encryption key (no credential driver), the database URL (external
    /// database), the OIDC CA bundle, telemetry.
    static func env(_ c: GatewayContext) -> [JSONValue] {
        var env: [JSONValue] = []
        if !c.hasCredentialDriver {
            env.append(secretEnv(GatewayLayout.keyEncryptionKeyEnv, c.secrets.keyEncryptionKey, GatewayDefaults.keyEncryptionKeySecretKey))
        }
        if let database = c.externalDatabaseSecret {
            env.append(secretEnv(GatewayLayout.databaseURLEnv, database, GatewayDefaults.databaseSecretKey))
        }
        if c.oidc?.caConfigMapRef != nil {
            env.append(.object(["name": .string(GatewayLayout.sslCertFileEnv), "value": .string(GatewayLayout.oidcCAPath + "/ca.crt")]))
        }
        let telemetry = c.spec.telemetry?.enabled ?? true
        env.append(.object(["name": .string(GatewayLayout.telemetryEnv), "value": .string(telemetry ? "true" : "false")]))
        return env
    }

    private static func secretEnv(_ name: String, _ secret: String, _ key: String) -> JSONValue {
        .object(["name": .string(name), "valueFrom": .object(["secretKeyRef": .object(["name": .string(secret), "key": .string(key)])])])
    }

    private static func port(_ name: String, _ number: Int) -> JSONValue {
        .object(["name": .string(name), "containerPort": .int(Int64(number)), "protocol": "TCP"])
    }

    /// An HTTP GET on the health port; each timing the spec's, else the chart's.
    private static func probe(_ path: String, _ timings: ProbeTimings?, _ defaults: ProbeTimings) -> JSONValue {
        var probe: JSONObject = ["httpGet": .object(["path": .string(path), "port": "health"])]
        let pairs: [(String, Int?)] = [
            ("initialDelaySeconds", timings?.initialDelaySeconds ?? defaults.initialDelaySeconds),
            ("periodSeconds", timings?.periodSeconds ?? defaults.periodSeconds),
            ("timeoutSeconds", timings?.timeoutSeconds ?? defaults.timeoutSeconds),
            ("failureThreshold", timings?.failureThreshold ?? defaults.failureThreshold),
        ]
        for (key, value) in pairs { if let value { probe[key] = .int(Int64(value)) } }
        return .object(probe)
    }

    // MARK: Volumes

    /// The mounts in the chart's order: data (StatefulSet), config, JWT, server TLS, external TLS, client CA, OIDC CA.
    static func mounts(_ c: GatewayContext) -> [JSONValue] {
        var mounts: [JSONValue] = []
        func mount(_ name: String, _ path: String, readOnly: Bool = true) {
            var m: JSONObject = ["name": .string(name), "mountPath": .string(path)]
            if readOnly { m["readOnly"] = true }
            mounts.append(.object(m))
        }
        if !c.isDeployment { mount(GatewayLayout.dataVolume, GatewayLayout.dataPath, readOnly: false) }
        mount(GatewayLayout.configVolume, GatewayLayout.configPath)
        mount(GatewayLayout.jwtVolume, GatewayLayout.jwtPath)
        if c.tlsEnabled {
            mount(GatewayLayout.tlsVolume, GatewayLayout.tlsPath)
            if c.externalIssuer != nil { mount(GatewayLayout.externalTLSVolume, GatewayLayout.externalTLSPath) }
            if c.clientCASource != nil { mount(GatewayLayout.clientCAVolume, GatewayLayout.clientCAPath) }
        }
        if c.oidc?.caConfigMapRef != nil { mount(GatewayLayout.oidcCAVolume, GatewayLayout.oidcCAPath) }
        return mounts
    }

    /// The volumes of `mounts` in the same order; the data volume comes from the claim template.
    static func volumes(_ c: GatewayContext) -> [JSONValue] {
        var volumes: [JSONValue] = [
            .object(["name": .string(GatewayLayout.configVolume), "configMap": .object(["name": .string(c.names.configMap)])]),
            .object(["name": .string(GatewayLayout.jwtVolume), "secret": .object([
                "secretName": .string(c.secrets.jwt),
                "defaultMode": .int(Int64(c.spec.sandboxTokens?.secretDefaultMode ?? GatewayLayout.jwtDefaultMode)),
            ])]),
        ]
        if c.tlsEnabled {
            volumes.append(secretVolume(GatewayLayout.tlsVolume, c.secrets.server))
            if c.externalIssuer != nil { volumes.append(secretVolume(GatewayLayout.externalTLSVolume, c.secrets.externalServer)) }
            if let source = c.clientCASource {
                var secret: JSONObject = ["secretName": .string(source.secret)]
                if source.caItemOnly { secret["items"] = [["key": "ca.crt", "path": "ca.crt"]] }
                volumes.append(.object(["name": .string(GatewayLayout.clientCAVolume), "secret": .object(secret)]))
            }
        }
        if let ca = c.oidc?.caConfigMapRef {
            volumes.append(.object(["name": .string(GatewayLayout.oidcCAVolume), "configMap": .object(["name": .string(ca.name)])]))
        }
        return volumes
    }

    private static func secretVolume(_ name: String, _ secret: String) -> JSONValue {
        .object(["name": .string(name), "secret": .object(["secretName": .string(secret)])])
    }

    // MARK: Service

    /// `grpc` (appProtocol grpc, the node port when set) and `metrics`; no health port, as the chart.
    static func service(_ c: GatewayContext) -> KubeObject {
        var grpc: JSONObject = [
            "name": "grpc", "port": .int(Int64(c.grpcPort)), "targetPort": "grpc", "protocol": "TCP", "appProtocol": "grpc",
        ]
        if let nodePort = c.spec.service?.nodePort, c.spec.service?.type == "NodePort" || c.spec.service?.type == "LoadBalancer" {
            grpc["nodePort"] = .int(Int64(nodePort))
        }
        let metrics: JSONObject = ["name": "metrics", "port": .int(Int64(c.metricsPort)), "targetPort": "metrics", "protocol": "TCP"]
        return c.object("v1", "Service", metadata: c.metadata(name: c.names.name, namespace: c.names.namespace), [
            "spec": .object([
                "type": .string(nonEmpty(c.spec.service?.type) ?? "ClusterIP"),
                "selector": stringMap(c.names.selectorLabels),
                "ports": .array([.object(grpc), .object(metrics)]),
            ]),
        ])
    }
}
