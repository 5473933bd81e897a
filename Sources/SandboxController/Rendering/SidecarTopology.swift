//! The Sidecar topology's part of the pod template (openshell-contract §3.5
//! "Sidecar topology", minus the gateway wiring of §8): the agent container's
//! unprivileged identity and wiring, the `openshell-network-init` init
//! container, the `openshell-supervisor-network` sidecar and the volumes the
//! two halves of the supervisor share.
import KubeCore
import OpenShellAPI

extension PodTemplate {
    // MARK: Agent container

    /// The agent runs the process half as the sandbox user with nothing added:
    /// the pod starts it as that user, so the supervisor has no privilege to drop.
    static func sidecarAgentSecurity(_ input: SandboxRenderInput) -> JSONObject {
        [
            "runAsUser": .int(input.namespace.effectiveUID),
            "runAsGroup": .int(input.namespace.effectiveGID),
            "runAsNonRoot": true,
            "allowPrivilegeEscalation": false,
            "capabilities": .object(["drop": strings(["ALL"])]),
        ]
    }

    /// What both halves need to find each other: the topology, nftables
    /// enforcement, the control socket, the SSH relay socket and the proxy's CA directory.
    static func setSidecarWiring(_ env: inout EnvList) {
        env.set(SupervisorEnv.supervisorTopology, value: "sidecar")
        env.set(SupervisorEnv.networkEnforcementMode, value: "sidecar-nftables")
        env.set(SupervisorEnv.sshSocketPath, value: Layout.sidecarSSHSocket)
        env.set(SupervisorEnv.sidecarControlSocket, value: Layout.sidecarControlSocket)
        env.set(SupervisorEnv.proxyTLSDirectory, value: Layout.proxyTLSDirectory)
    }

    /// The state and proxy-TLS directories, writable: every container of the topology mounts both.
    static var sidecarSharedMounts: [JSONValue] {
        [
            mount(Layout.sidecarStateVolume, Layout.sidecarStateDirectory, readOnly: false),
            mount(Layout.proxyTLSVolume, Layout.proxyTLSDirectory, readOnly: false),
        ]
    }

    static var sidecarVolumes: [JSONValue] {
        [Layout.sidecarStateVolume, Layout.proxyTLSVolume].map { .object(["name": .string($0), "emptyDir": .object([:])]) }
    }

    // MARK: Network identity

    /// The UID the network half runs as: root when the policy is binary-aware
    /// (it reads every process's `/proc`), else the class's proxy UID.
    static func proxyUID(_ sidecar: SidecarSpec) -> Int64 {
        sidecar.binaryAware ? 0 : sidecar.effectiveProxyUID
    }

    // MARK: Init container

    /// Installs the nftables rules that send the pod's egress through the
    /// proxy (exempting the proxy's own UID) and prepares the shared directories
    /// for that UID and the sandbox GID. Runs after the supervisor install and
    /// before the workspace seeding, so no container of the sandbox image runs
    /// before the fence is up.
    static func networkInit(_ context: Context, _ sidecar: SidecarSpec) -> JSONValue {
        let input = context.input
        var security: JSONObject = [
            "runAsUser": 0,
            "allowPrivilegeEscalation": false,
            "capabilities": .object(["drop": strings(["ALL"]), "add": strings(Layout.networkInitCapabilities)]),
        ]
        if let appArmor = input.classSpec.security?.appArmorProfile { security["appArmorProfile"] = profile(appArmor) }
        var container: JSONObject = [
            "name": .string(Layout.networkInitContainer),
            "image": .string(supervisorImage(input)),
            "command": strings([
                Layout.supervisorImageBinary, "--mode=network-init",
                "--proxy-uid", String(proxyUID(sidecar)),
                "--proxy-gid", String(input.namespace.effectiveGID),
                "--sidecar-state-dir", Layout.sidecarStateDirectory,
                "--sidecar-tls-dir", Layout.proxyTLSDirectory,
            ]),
            "securityContext": .object(security),
            "volumeMounts": .array(sidecarSharedMounts),
        ]
        container["imagePullPolicy"] = nonEmpty(input.classSpec.supervisor?.imagePullPolicy).map(JSONValue.string)
        return .object(container)
    }

    // MARK: Network sidecar

    /// The network half: the proxy, the policy engine and the inference router,
    /// run from the supervisor image's own binary.
    ///
    /// It alone mounts the supervisor files (policy data, engine rules,
    /// inference routes) and gets the routes' API key Secrets. The network half
    /// is what evaluates network policy and routes inference, and it loads the
    /// policy from those files; the process half in the agent container does not
    /// read them in this topology — it receives the policy's filesystem,
    /// Landlock and process parts from the network half over the control
    /// socket when it starts. Keeping the files and keys out of the agent
    /// container also keeps them from the workload, which runs there as the
    /// sandbox user: it can read neither the engine rules nor the inference keys.
    static func networkSidecar(_ context: Context, _ sidecar: SidecarSpec) -> JSONValue {
        let input = context.input
        let uid = proxyUID(sidecar)
        var capabilities: JSONObject = ["drop": strings(["ALL"])]
        if sidecar.binaryAware { capabilities["add"] = strings(Layout.binaryAwareSidecarCapabilities) }
        var security: JSONObject = [
            "runAsUser": .int(uid),
            "runAsGroup": .int(input.namespace.effectiveGID),
            "runAsNonRoot": .bool(uid != 0),
            "allowPrivilegeEscalation": false,
            "capabilities": .object(capabilities),
        ]
        if let appArmor = input.classSpec.security?.appArmorProfile { security["appArmorProfile"] = profile(appArmor) }

        var mounts = sidecarSharedMounts
        if !context.configKeys.isEmpty { mounts.append(mount(Layout.configVolume, Layout.configDirectory, readOnly: true)) }

        var container: JSONObject = [
            "name": .string(Layout.networkSidecarContainer),
            "image": .string(supervisorImage(input)),
            "command": strings([Layout.supervisorImageBinary, "--mode=network"]),
            "env": .array(networkSidecarEnvironment(context, sidecar)),
            "securityContext": .object(security),
            "volumeMounts": .array(mounts),
        ]
        container["imagePullPolicy"] = nonEmpty(input.classSpec.supervisor?.imagePullPolicy).map(JSONValue.string)
        return .object(container)
    }

    /// No user or provider variables (the network half does not run the
    /// workload): identity, the sidecar wiring, the binary-identity mode, the
    /// supervisor files and the inference keys.
    static func networkSidecarEnvironment(_ context: Context, _ sidecar: SidecarSpec) -> [JSONValue] {
        var env = EnvList()
        setIdentity(context, &env)
        setSidecarWiring(&env)
        if !sidecar.binaryAware { env.set(SupervisorEnv.networkBinaryIdentity, value: "relaxed") }
        setSupervisorFiles(context, &env)
        return env.entries
    }
}
