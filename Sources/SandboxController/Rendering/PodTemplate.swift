//! The sandbox pod template (no gateway): the agent container running the
//! supervisor, its environment, resources and mounts, the supervisor sideload
//! and the workspace seeding init container (openshell-contract §3.5 and §8).
//! The Sidecar topology's own containers are in `SidecarTopology.swift`.
import KubeCore
import OpenShellAPI

/// Builds `spec.podTemplate` of the Sandbox. Pure; assumes validated input and
/// stays total on anything else (unknown values pass through, empty ones are dropped).
///
/// Two topologies, chosen by the class: `Combined` (default; the whole
/// supervisor in the agent container, as root) and `Sidecar` (the process half
/// in the agent container as the sandbox user, the network half in
/// `openshell-supervisor-network`). Neither gets gateway wiring (§8).
enum PodTemplate {
    typealias Layout = SandboxPodLayout

    /// What the rest of the rendering already decided.
    struct Context {
        var input: SandboxRenderInput
        var sandboxID: String
        var name: String
        /// The ConfigMap's keys; the config volume is mounted when there is any.
        var configKeys: Set<String>
        var workspace: Bool

        /// The sidecar settings when the class asks for the Sidecar topology, nil for Combined.
        var sidecar: SidecarSpec? {
            input.classSpec.usesSidecarTopology ? (input.classSpec.supervisor?.sidecar ?? SidecarSpec()) : nil
        }
    }

    // MARK: Metadata

    /// Keys the Agent Sandbox controller drops or the operator owns; never taken from the user.
    static let reservedPrefixes = ["agents.x-k8s.io/", "extensions.agents.x-k8s.io/", "openshell.ai/", "openshell.io/"]

    static func metadata(_ context: Context) -> JSONValue {
        let user = context.input.spec.podMetadata
        var labels = userEntries(user?.labels)
        labels[OpenShellLabels.managedBy] = OpenShellLabels.managedByValue
        labels[OpenShellLabels.sandboxID] = context.sandboxID
        labels[OpenShellLabels.sandboxName] = context.name
        var annotations = userEntries(user?.annotations)
        annotations[OpenShellLabels.podSandboxIDAnnotation] = context.sandboxID
        return .object(["labels": stringMap(labels), "annotations": stringMap(annotations)])
    }

    private static func userEntries(_ entries: [String: String]?) -> [String: String] {
        (entries ?? [:]).filter { key, _ in !reservedPrefixes.contains { key.hasPrefix($0) } }
    }

    // MARK: Pod spec

    static func spec(_ context: Context) -> JSONValue {
        let spec = context.input.spec
        let cls = context.input.classSpec
        var pod: JSONObject = [
            "automountServiceAccountToken": false,
            "restartPolicy": "Never",
        ]
        pod["serviceAccountName"] = nonEmpty(cls.serviceAccountName).map(JSONValue.string)
        pod["runtimeClassName"] = (nonEmpty(spec.runtimeClassName) ?? nonEmpty(cls.runtimeClassName)).map(JSONValue.string)

        // Class keys win over the user's.
        let nodeSelector = (spec.nodeSelector ?? [:]).merging(cls.nodeSelector ?? [:]) { _, classValue in classValue }
        if !nodeSelector.isEmpty { pod["nodeSelector"] = stringMap(nodeSelector) }
        let tolerations = (cls.tolerations ?? []) + (spec.tolerations ?? [])
        if !tolerations.isEmpty { pod["tolerations"] = .array(tolerations.map(toleration)) }
        let pullSecrets = (cls.imagePullSecrets ?? []).compactMap { nonEmpty($0.name.trimmingCharacters(in: .whitespaces)) }
        if !pullSecrets.isEmpty { pod["imagePullSecrets"] = .array(pullSecrets.map { .object(["name": .string($0)]) }) }

        let sidecar = context.sidecar
        // Both halves of the sidecar topology read one another's /proc and share files by group.
        if sidecar != nil { pod["shareProcessNamespace"] = true }

        var security: JSONObject = [:]
        if context.workspace || sidecar != nil { security["fsGroup"] = .int(context.input.namespace.effectiveGID) }
        if let seccomp = cls.security?.seccompProfile { security["seccompProfile"] = profile(seccomp) }
        if !security.isEmpty { pod["securityContext"] = .object(security) }

        var initContainers: [JSONValue] = []
        if usesInitContainerSideload(cls) { initContainers.append(supervisorInstall(context)) }
        if let sidecar { initContainers.append(networkInit(context, sidecar)) }
        if context.workspace { initContainers.append(workspaceInit(context)) }
        if !initContainers.isEmpty { pod["initContainers"] = .array(initContainers) }
        var containers = [agent(context)]
        if let sidecar { containers.append(networkSidecar(context, sidecar)) }
        pod["containers"] = .array(containers)
        pod["volumes"] = .array(volumes(context))
        return .object(pod)
    }

    // MARK: Agent container

    static func agentImage(_ input: SandboxRenderInput) -> String {
        nonEmpty(input.spec.image) ?? nonEmpty(input.classSpec.images?.default) ?? input.defaults.sandboxImage
    }

    static func supervisorImage(_ input: SandboxRenderInput) -> String {
        nonEmpty(input.classSpec.supervisor?.image) ?? input.defaults.supervisorImage
    }

    private static func agent(_ context: Context) -> JSONValue {
        let input = context.input
        let sidecar = context.sidecar
        var container: JSONObject = [
            "name": .string(Layout.agentContainer),
            "image": .string(agentImage(input)),
            "command": strings(sidecar == nil
                ? [Layout.supervisorBinary, "--workdir", Layout.workspaceDirectory]
                : [Layout.supervisorBinary, "--mode=process", "--workdir", Layout.workspaceDirectory]),
        ]
        container["imagePullPolicy"] = nonEmpty(input.classSpec.imagePullPolicy).map(JSONValue.string)

        var security: JSONObject = sidecar == nil
            ? ["runAsUser": 0, "capabilities": .object(["add": strings(Layout.agentCapabilities)])]
            : sidecarAgentSecurity(input)
        if let appArmor = input.classSpec.security?.appArmorProfile { security["appArmorProfile"] = profile(appArmor) }
        container["securityContext"] = .object(security)

        if let resources = resources(input) { container["resources"] = resources }
        let (env, envFrom) = environment(context)
        if !env.isEmpty { container["env"] = .array(env) }
        if !envFrom.isEmpty { container["envFrom"] = .array(envFrom) }
        let ports = (input.spec.service?.ports ?? []).map(containerPort)
        if !ports.isEmpty { container["ports"] = .array(ports) }

        var mounts: [JSONValue] = [mount(Layout.supervisorVolume, Layout.supervisorDirectory, readOnly: true)]
        if sidecar == nil {
            if !context.configKeys.isEmpty { mounts.append(mount(Layout.configVolume, Layout.configDirectory, readOnly: true)) }
        } else {
            // The supervisor files go to the network sidecar instead (see `networkSidecar`).
            mounts += sidecarSharedMounts
        }
        if context.workspace { mounts.append(mount(Layout.workspaceVolume, Layout.workspaceDirectory, readOnly: false)) }
        container["volumeMounts"] = .array(mounts)
        return .object(container)
    }

    /// Spec resources, else the class defaults; requests default to limits; GPUs become a `nvidia.com/gpu` limit.
    static func resources(_ input: SandboxRenderInput) -> JSONValue? {
        let base = input.spec.resources ?? input.classSpec.resources?.defaults
        var limits = base?.limits ?? [:]
        var requests = base?.requests ?? [:]
        for (name, quantity) in limits where requests[name] == nil { requests[name] = quantity }
        if let gpus = input.spec.gpus, gpus > 0 {
            limits[Layout.gpuResource] = String(gpus)
            // An extended resource's request must equal its limit.
            if requests[Layout.gpuResource] != nil { requests[Layout.gpuResource] = String(gpus) }
        }
        var object: JSONObject = [:]
        if !limits.isEmpty { object["limits"] = stringMap(limits) }
        if !requests.isEmpty { object["requests"] = stringMap(requests) }
        return object.isEmpty ? nil : .object(object)
    }

    private static func containerPort(_ port: SandboxPort) -> JSONValue {
        var object: JSONObject = [
            "containerPort": .int(Int64(port.port)),
            // The schema defaults it; rendering it keeps the live object equal to ours.
            "protocol": .string(nonEmpty(port.protocol) ?? "TCP"),
        ]
        object["name"] = nonEmpty(port.name).map(JSONValue.string)
        return .object(object)
    }

    // MARK: Environment

    /// An ordered environment where a later entry replaces an earlier one of the same name in place.
    struct EnvList {
        private(set) var entries: [JSONValue] = []
        private var positions: [String: Int] = [:]

        mutating func upsert(_ name: String, _ entry: JSONValue) {
            if let position = positions[name] {
                entries[position] = entry
            } else {
                positions[name] = entries.count
                entries.append(entry)
            }
        }

        mutating func set(_ name: String, value: String) {
            upsert(name, .object(["name": .string(name), "value": .string(value)]))
        }

        mutating func set(_ name: String, secret: String, key: String) {
            upsert(name, .object(["name": .string(name), "valueFrom": .object(["secretKeyRef": keyRef(secret, key)])]))
        }
    }

    /// The agent container's: user env, then provider env, then the supervisor's
    /// variables (which win). In the Sidecar topology the supervisor files and
    /// inference keys are the network sidecar's (`networkSidecarEnvironment`).
    static func environment(_ context: Context) -> (env: [JSONValue], envFrom: [JSONValue]) {
        let input = context.input
        let spec = input.spec
        var env = EnvList()
        var literals: [String: JSONValue] = [:]
        for variable in spec.env ?? [] {
            env.upsert(variable.name, userEnv(variable))
            if variable.valueFrom == nil, let value = variable.value {
                literals[variable.name] = .string(value)
            } else {
                literals[variable.name] = nil
            }
        }

        var envFrom: [JSONValue] = []
        for provider in spec.providers ?? [] {
            guard let mapping = provider.env else {
                envFrom.append(.object(["secretRef": .object(["name": .string(provider.secretRef.name)])]))
                continue
            }
            for item in mapping { env.set(item.name, secret: provider.secretRef.name, key: item.key) }
        }

        if !literals.isEmpty { env.set(SupervisorEnv.userEnvironment, value: JSONValue.object(literals).jsonString()) }
        env.set(SupervisorEnv.mainProcessSpec, value: mainProcessSpec(spec))
        setIdentity(context, &env)
        if context.sidecar != nil {
            setSidecarWiring(&env)
        } else {
            setSupervisorFiles(context, &env)
        }
        return (env.entries, envFrom)
    }

    /// The sandbox's id, name and user, the log level; no network runtime capabilities.
    static func setIdentity(_ context: Context, _ env: inout EnvList) {
        let input = context.input
        env.set(SupervisorEnv.sandboxID, value: context.sandboxID)
        env.set(SupervisorEnv.sandboxName, value: context.name)
        if let level = nonEmpty(input.spec.logLevel) { env.set(SupervisorEnv.logLevel, value: level) }
        env.set(SupervisorEnv.networkRuntimeCapabilities, value: "")
        env.set(SupervisorEnv.sandboxUID, value: String(input.namespace.effectiveUID))
        env.set(SupervisorEnv.sandboxGID, value: String(input.namespace.effectiveGID))
    }

    /// The policy, rules and routes files the ConfigMap has, and each route's API key Secret.
    static func setSupervisorFiles(_ context: Context, _ env: inout EnvList) {
        if context.configKeys.contains(Layout.policyKey) {
            env.set(SupervisorEnv.policyData, value: Layout.configDirectory + "/" + Layout.policyKey)
        }
        if context.configKeys.contains(Layout.rulesKey) {
            env.set(SupervisorEnv.policyRules, value: Layout.configDirectory + "/" + Layout.rulesKey)
        }
        if context.configKeys.contains(Layout.routesKey) {
            env.set(SupervisorEnv.inferenceRoutes, value: Layout.configDirectory + "/" + Layout.routesKey)
        }
        for (index, route) in (context.input.spec.inference?.routes ?? []).enumerated() {
            guard let key = route.apiKeySecretRef else { continue }
            env.set(RoutesDocument.apiKeyEnvName(index: index), secret: key.name, key: key.key)
        }
    }

    private static func userEnv(_ variable: EnvVar) -> JSONValue {
        var object: JSONObject = ["name": .string(variable.name)]
        if let source = variable.valueFrom {
            if let secret = source.secretKeyRef {
                object["valueFrom"] = .object(["secretKeyRef": keyRef(secret.name, secret.key)])
            } else if let configMap = source.configMapKeyRef {
                object["valueFrom"] = .object(["configMapKeyRef": keyRef(configMap.name, configMap.key)])
            }
        } else if let value = variable.value {
            object["value"] = .string(value)
        }
        return .object(object)
    }

    /// `{"command":[...],"tty":bool,"version":1}`; default `/bin/bash -l` with a TTY, a TTY off with a command.
    static func mainProcessSpec(_ spec: OpenShellSandboxSpec) -> String {
        let command = spec.command.flatMap { $0.isEmpty ? nil : $0 }
        let tty = spec.tty ?? (command == nil)
        return JSONValue.object([
            "version": 1,
            "command": strings(command ?? Layout.defaultCommand),
            "tty": .bool(tty),
        ]).jsonString()
    }

    // MARK: Init containers

    static func usesInitContainerSideload(_ cls: OpenShellSandboxClassSpec) -> Bool {
        cls.supervisor?.sideloadMethod == "InitContainer"
    }

    private static func supervisorInstall(_ context: Context) -> JSONValue {
        var container: JSONObject = [
            "name": .string(Layout.supervisorInstallContainer),
            "image": .string(supervisorImage(context.input)),
            "command": strings([Layout.supervisorImageBinary, "copy-self", Layout.supervisorBinary]),
            "securityContext": .object(["runAsUser": 0]),
            "volumeMounts": .array([mount(Layout.supervisorVolume, Layout.supervisorDirectory, readOnly: false)]),
        ]
        container["imagePullPolicy"] = nonEmpty(context.input.classSpec.supervisor?.imagePullPolicy).map(JSONValue.string)
        return .object(container)
    }

    /// Copies the image's `/sandbox` into a new workspace once: an interrupted
    /// copy is redone on the next start because the sentinel is written last.
    static let workspaceSeedScript = """
        set -eu
        seed=\(Layout.workspaceSeedMount)
        if [ ! -e "$seed/\(Layout.workspaceSentinel)" ]; then
          rm -f "$seed"/.workspace-seed.*
          if [ -d \(Layout.workspaceDirectory) ]; then
            archive="$(mktemp "$seed/.workspace-seed.XXXXXX")"
            tar -C \(Layout.workspaceDirectory) -cf "$archive" .
            tar -C "$seed" -xf "$archive" --no-same-owner --no-same-permissions --touch
            rm -f "$archive"
          fi
          touch "$seed/\(Layout.workspaceSentinel)"
        fi
        """

    private static func workspaceInit(_ context: Context) -> JSONValue {
        var container: JSONObject = [
            "name": .string(Layout.workspaceInitContainer),
            "image": .string(agentImage(context.input)),
            "command": strings(["sh", "-c", workspaceSeedScript]),
            "securityContext": .object(["runAsUser": 0]),
            "volumeMounts": .array([mount(Layout.workspaceVolume, Layout.workspaceSeedMount, readOnly: false)]),
        ]
        container["imagePullPolicy"] = nonEmpty(context.input.classSpec.imagePullPolicy).map(JSONValue.string)
        return .object(container)
    }

    // MARK: Volumes

    /// The supervisor binary and the config files. The workspace volume is not
    /// here: the Agent Sandbox controller adds it from `volumeClaimTemplates`.
    private static func volumes(_ context: Context) -> [JSONValue] {
        let cls = context.input.classSpec
        var volumes: [JSONValue]
        if usesInitContainerSideload(cls) {
            volumes = [.object(["name": .string(Layout.supervisorVolume), "emptyDir": .object([:])])]
        } else {
            var image: JSONObject = ["reference": .string(supervisorImage(context.input))]
            image["pullPolicy"] = nonEmpty(cls.supervisor?.imagePullPolicy).map(JSONValue.string)
            volumes = [.object(["name": .string(Layout.supervisorVolume), "image": .object(image)])]
        }
        if !context.configKeys.isEmpty {
            volumes.append(.object([
                "name": .string(Layout.configVolume),
                "configMap": .object([
                    "name": .string(Layout.ownedObjectName(context.name)),
                    "defaultMode": .int(Layout.configDefaultMode),
                ]),
            ]))
        }
        if context.sidecar != nil { volumes += sidecarVolumes }
        return volumes
    }

    // MARK: Helpers

    static func mount(_ name: String, _ path: String, readOnly: Bool) -> JSONValue {
        var object: JSONObject = ["name": .string(name), "mountPath": .string(path)]
        if readOnly { object["readOnly"] = true }
        return .object(object)
    }

    private static func keyRef(_ name: String, _ key: String) -> JSONValue {
        .object(["name": .string(name), "key": .string(key)])
    }

    private static func toleration(_ toleration: Toleration) -> JSONValue {
        var object: JSONObject = [:]
        object["key"] = toleration.key.map(JSONValue.string)
        object["operator"] = toleration.operator.map(JSONValue.string)
        object["value"] = toleration.value.map(JSONValue.string)
        object["effect"] = toleration.effect.map(JSONValue.string)
        object["tolerationSeconds"] = toleration.tolerationSeconds.map(JSONValue.int)
        return .object(object)
    }

    static func profile(_ profile: SecurityProfile) -> JSONValue {
        var object: JSONObject = ["type": .string(profile.type)]
        object["localhostProfile"] = nonEmpty(profile.localhostProfile).map(JSONValue.string)
        return .object(object)
    }

    static func strings(_ values: [String]) -> JSONValue { .array(values.map(JSONValue.string)) }

    static func stringMap(_ map: [String: String]) -> JSONValue { .object(map.mapValues(JSONValue.string)) }

    static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }
}
