//! Schemas of OpenShellSandbox's spec and status (`OpenShellSandbox.swift`),
//! with the CEL rules admission enforces: policyRef xor policy, ttl xor
//! expiresAt, an immutable workspace, and the env rules of `EnvVar`.
import KubeCore

extension OpenShellSandboxSpec: SchemaDescribed {
    public static var schema: Schema {
        .object("The sandbox the user asks for.", [
            "className": .objectName("The OpenShellSandboxClass whose defaults and limits apply. Unset uses the class annotated openshell.ai/is-default-class=true, if any."),
            "image": .image("The agent image. Unset uses the class's default image, else the OpenShell community base image. The class may restrict images to patterns."),
            "command": .array("The main process and its arguments. Unset runs the supervisor's login shell (/bin/bash -l).",
                              of: .string("One argument (at most 32 KiB, no NUL).").maxLength(SchemaLimits.commandArgLength))
                .minItems(1).maxItems(SchemaLimits.commandArgs)
                .rule("size(self) == 0 || size(self[0]) > 0", message: "command[0] must not be empty"),
            "tty": .boolean("Whether the main process gets a terminal. Default: true without command, false with one."),
            "env": .array("Environment variables of the main process, unique by name (at most 128, 256 KiB in total).", of: EnvVar.schema)
                .listMap(keys: ["name"]).maxItems(SchemaLimits.envEntries),
            "resources": ResourceRequirements.schema.described("Requests and limits of the sandbox container. Unset uses the class's defaults; the class may cap each resource."),
            "gpus": .integer("How many NVIDIA GPUs to give the sandbox (the nvidia.com/gpu limit). The class may cap it.").minimum(1),
            "runtimeClassName": .objectName("The RuntimeClass of the pod (e.g. gvisor, kata). Allowed only when the class sets userOverrides.allowRuntimeClass."),
            "nodeSelector": .labelMap("Node labels the pod must be scheduled on, merged under the class's (class keys win). Allowed only when the class sets userOverrides.allowNodePlacement."),
            "tolerations": .array("Tolerations added to the class's. Allowed only when the class sets userOverrides.allowNodePlacement.",
                                  of: Toleration.schema).maxItems(SchemaLimits.smallList),
            "policyRef": LocalObjectReference.schema.described("An OpenShellPolicy in the namespace to run the sandbox under. At most one of policyRef and policy; with neither, the class's default policy applies, else the image's."),
            "policy": SandboxPolicySpec.schema.described("An inline OpenShell sandbox policy. At most one of policyRef and policy."),
            "providers": .array("Credentials from Secrets in the namespace, delivered to the main process as environment variables that reference the Secret (values are never copied). Unique by name.",
                                of: ProviderSpec.schema).listMap(keys: ["name"]).maxItems(SchemaLimits.providers),
            "inference": InferenceSpec.schema.described("Inference routes for the supervisor's model router."),
            "lifetime": LifetimeSpec.schema.described("When the sandbox ends: a ttl counted from creation or a fixed expiresAt (at most one), and what happens then. Unset uses the class's default TTL, if any."),
            "suspended": .boolean("Stop (true) or run (false, the default) the sandbox. The workspace is kept while suspended."),
            "failurePolicy": FailurePolicy.schema.described("What happens when the main process ends."),
            "workspace": WorkspaceSpec.schema.described("The persistent /sandbox volume. Immutable after creation (including whether it is set)."),
            "podMetadata": PodMetadata.schema.described("Labels and annotations for the sandbox's pod."),
            "service": SandboxServiceSpec.schema.described("A headless Service named after the sandbox."),
            "logLevel": .string("The supervisor's log level (OPENSHELL_LOG_LEVEL), e.g. info or debug.").minLength(1).maxLength(SchemaLimits.logLevelLength),
        ])
        .rule("!(has(self.policyRef) && has(self.policy))", message: "at most one of policyRef and policy may be set")
        .rule("has(self.workspace) == has(oldSelf.workspace) && (!has(self.workspace) || self.workspace == oldSelf.workspace)",
              message: "workspace is immutable", fieldPath: ".workspace")
    }
}

extension ProviderSpec: SchemaDescribed {
    public static var schema: Schema {
        .object("Credentials from one Secret, delivered as environment variables that reference it.", required: ["name", "secretRef"], [
            "name": .string("A name for the provider (e.g. github), unique in the sandbox.")
                .minLength(1).maxLength(63).pattern(SchemaPatterns.dns1123Label),
            "secretRef": LocalObjectReference.schema.described("The Secret in the namespace holding the credentials."),
            "env": .array("Which Secret keys become which variables. Unset exposes every key of the Secret under its own name.",
                          of: ProviderEnv.schema).listMap(keys: ["name"]).maxItems(SchemaLimits.envEntries),
        ])
    }
}

extension ProviderEnv: SchemaDescribed {
    public static var schema: Schema {
        .object("One Secret key delivered as one environment variable.", required: ["name", "key"], [
            "name": .string("The environment variable. Names starting with OPENSHELL_ are reserved.")
                .minLength(1).maxLength(SchemaLimits.envNameLength).pattern(SchemaPatterns.envVarName),
            "key": .string("The key in the Secret's data.").minLength(1).maxLength(253).pattern(SchemaPatterns.configKey),
        ])
    }
}

extension InferenceSpec: SchemaDescribed {
    public static var schema: Schema {
        .object("Inference routes, written to the supervisor's standalone routes file.", [
            "routes": .array("The routes, unique by name.", of: InferenceRoute.schema)
                .listMap(keys: ["name"]).maxItems(SchemaLimits.smallList),
        ])
    }
}

extension InferenceRoute: SchemaDescribed {
    public static var schema: Schema {
        .object("One model endpoint the sandbox may reach through the router.", required: ["name", "endpoint", "model"], [
            "name": .string("The route's name; inference.local is the default route.").minLength(1).maxLength(253),
            "endpoint": .string("The upstream base URL (http or https).").minLength(1).maxLength(SchemaLimits.templateString)
                .pattern("^https?://"),
            "model": .string("The model to request.").minLength(1).maxLength(SchemaLimits.templateString),
            "providerType": .string("The API flavour of the endpoint.")
                .oneOf(["openai", "anthropic", "nvidia", "deepinfra", "google-vertex-ai", "aws-bedrock"]),
            "protocols": .array("The protocols the route serves, as the router names them.",
                                of: .string("A protocol name.").minLength(1).maxLength(63)).maxItems(16),
            "apiKeySecretRef": SecretKeySelector.schema.described("The API key, from a Secret in the namespace (delivered as an environment variable reference)."),
        ])
    }
}

extension LifetimeSpec: SchemaDescribed {
    public static var schema: Schema {
        .object("When the sandbox ends: a ttl or an expiresAt (at most one). The class may cap the lifetime.", [
            "ttl": .duration("How long the sandbox lives, counted from its creation: a Go duration such as 30m, 8h or 168h."),
            "expiresAt": .string("When the sandbox ends, as an RFC 3339 time.").format("date-time"),
            "onExpiry": .string("Delete (default): the pod and workspace are deleted and the OpenShellSandbox stays, in phase Expired. Stop: the pod is stopped and the workspace kept.")
                .oneOf(["Delete", "Stop"]),
        ])
        .rule("!(has(self.ttl) && has(self.expiresAt))", message: "at most one of ttl and expiresAt may be set")
    }
}

extension FailurePolicy: SchemaDescribed {
    public static var schema: Schema {
        .object("What happens when the main process ends (OpenShell treats every exit as terminal).", [
            "action": .string("Leave (default): phase Failed until the spec changes. Restart: start a new pod, keeping the workspace, after a backoff.")
                .oneOf(["Leave", "Restart"]),
            "maxRestarts": .integer("With Restart: how many restarts before the sandbox stays Failed. Default 3.").range(0...100),
        ])
    }
}

extension WorkspaceSpec: SchemaDescribed {
    public static var schema: Schema {
        .object("The persistent /sandbox volume, seeded from the image's /sandbox on first start.", [
            "disabled": .boolean("No workspace volume: /sandbox lives in the container and is lost when the pod stops."),
            "size": .quantity("The volume's size. Default: the class's default size, else 2Gi. The class may cap it."),
            "storageClassName": .objectName("The StorageClass of the volume claim. Default: the class's, else the cluster default."),
        ])
    }
}

extension SandboxServiceSpec: SchemaDescribed {
    public static var schema: Schema {
        .object("A headless Service named after the sandbox, selecting its pod.", [
            "enabled": .boolean("Create the Service."),
            "ports": .array("The ports the Service names, unique by port.", of: SandboxPort.schema)
                .listMap(keys: ["port"]).maxItems(SchemaLimits.smallList),
        ])
    }
}

extension SandboxPort: SchemaDescribed {
    public static var schema: Schema {
        .object("One port of the sandbox's Service.", required: ["port"], [
            "name": .string("The port's name.").minLength(1).maxLength(63).pattern(SchemaPatterns.dns1123Label),
            "port": .integer("The port number.").range(1...65535),
            "protocol": .string("TCP (default), UDP or SCTP.").oneOf(["TCP", "UDP", "SCTP"]),
        ])
    }
}

extension OpenShellSandboxStatus: SchemaDescribed {
    public static var schema: Schema {
        .object("What the operator observed.", [
            "phase": .string("Where the sandbox is in its life: Pending, Provisioning, Ready, Suspending, Suspended, Expired, Failed or Deleting.")
                .oneOf(SandboxPhase.self),
            "conditions": Condition.list("Ready, Suspended, UpToDate and Valid, and Conflict while another controller owns the Sandbox of this name."),
            "observedGeneration": .integer("The metadata.generation this status describes.", format: "int64").minimum(0),
            "sandboxID": .string("The sandbox's OpenShell id (a UUID), stable for this object's lifetime.").maxLength(64),
            "sandbox": OwnedSandboxReference.schema.described("The agents.x-k8s.io Sandbox the operator created for this object."),
            "className": .string("The OpenShellSandboxClass in use.").maxLength(253),
            "podIPs": .array("The pod's IP addresses, while Ready.", of: .string("An IP address.").maxLength(64)).maxItems(2),
            "serviceFQDN": .string("The Service's DNS name, while Ready with a Service.").maxLength(253),
            "expiresAt": .string("When the lifetime ends (RFC 3339).").format("date-time"),
            "restartCount": .integer("Restarts made by the failure policy.").minimum(0),
            "lastExitCode": .integer("The main process's last exit code."),
            "lastFailedPodUID": .string("The last pod whose failure was counted (a failure counts once).").maxLength(64),
            "lastFailureTime": .string("When that failure was observed (RFC 3339); the restart backoff counts from it.").format("date-time"),
            "observedRestartedAt": .string("The openshell.ai/restartedAt annotation value the operator last acted on; a requested restart happens once per value.")
                .maxLength(64),
        ])
    }
}

extension OwnedSandboxReference: SchemaDescribed {
    public static var schema: Schema {
        .object("An agents.x-k8s.io Sandbox in the same namespace.", required: ["name", "uid"], [
            "name": .string("The Sandbox's name.").maxLength(253),
            "uid": .string("The Sandbox's metadata.uid.").maxLength(64),
        ])
    }
}
