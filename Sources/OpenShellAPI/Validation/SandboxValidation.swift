//! Validation of an OpenShellSandbox spec against OpenShell's limits
//! (openshell-contract §5.3), Kubernetes' own rules for the fields it passes
//! on to the pod, and the limits of its OpenShellSandboxClass. Pure: the spec,
//! the class and the creation time in, the problems out, in field order.
import Foundation
import KubeCore

/// Checks an `OpenShellSandboxSpec` before anything is created for it.
///
/// Every problem is reported (not only the first), in the order the fields
/// are declared, each as a Kubernetes field error. Problems of the spec alone
/// are `InvalidSpec`; what the spec may not do under its class is
/// `ClassViolation` (and names the class); a bad inline policy is `PolicyInvalid`.
/// Values that may be secrets (environment values, command arguments) are
/// never echoed in messages.
public enum SandboxValidation {
    /// The spec against upstream limits (openshell-contract §5.3) and against its class (nil = no class).
    ///
    /// - Parameters:
    ///   - className: the class's name, for messages (`OpenShellSandboxClass "standard"`).
    ///   - createdAt: the object's creation time; the class's maximum lifetime counts from it.
    ///   - now: the current time. No rule depends on it, on purpose: whether a
    ///     spec is valid must not change while it sits unchanged (an expired
    ///     sandbox's `expiresAt` lies in the past and stays valid).
    ///   - sandboxUID: the UID the sandbox user gets in the sandbox's namespace
    ///     (the namespace's `openshift.io/sa.scc.uid-range` start, else 1000);
    ///     nil skips the check that needs it (`checkSidecarIdentity`).
    public static func validate(
        _ spec: OpenShellSandboxSpec, class: OpenShellSandboxClassSpec?, className: String?, createdAt: Date, now: Date,
        sandboxUID: Int64? = nil
    ) -> [SpecProblem] {
        _ = now
        let root = FieldPath("spec")
        let cls = `class`.map { ClassContext($0, name: className) }
        var out: [SpecProblem] = []
        checkSidecarIdentity(cls, sandboxUID: sandboxUID, root.child("className"), &out)
        checkImage(spec.image, cls, root.child("image"), &out)
        checkCommand(spec.command, root.child("command"), &out)
        var envNames = checkEnv(spec.env, root.child("env"), &out)
        checkResources(spec.resources, cls, root.child("resources"), &out)
        checkGPUs(spec.gpus, cls, root.child("gpus"), &out)
        checkPlacement(spec, cls, root, &out)
        checkPolicy(spec, root, &out)
        checkProviders(spec.providers, root.child("providers"), &envNames, &out)
        checkInference(spec.inference, root.child("inference"), &out)
        checkLifetime(spec.lifetime, cls, createdAt, root.child("lifetime"), &out)
        checkFailurePolicy(spec.failurePolicy, root.child("failurePolicy"), &out)
        checkWorkspace(spec.workspace, cls, root.child("workspace"), &out)
        checkPodMetadata(spec.podMetadata, root.child("podMetadata"), &out)
        checkService(spec.service, root.child("service"), &out)
        if let level = spec.logLevel, level.utf8.count > OpenShellLimits.maxLogLevelLength {
            out.append(.invalidSpec, .tooLong(root.child("logLevel"), maxLength: OpenShellLimits.maxLogLevelLength))
        }
        return out
    }

    // MARK: - Class topology

    /// With a `Sidecar` class, the sandbox UID must differ from the class's
    /// `supervisor.sidecar.proxyUID` (default 1337): the pod's nftables rules
    /// exempt the proxy's UID from the redirect to the proxy, so a workload
    /// running as that UID would bypass it. Checked whether or not the policy
    /// is binary-aware (then the sidecar runs as root and the UID is unused,
    /// but it takes effect as soon as the class turns binary-awareness off),
    /// as OpenShell's own driver does. Reported on `spec.className`, the
    /// field that chose the class; the message names the class's field.
    static func checkSidecarIdentity(_ cls: ClassContext?, sandboxUID: Int64?, _ path: FieldPath, _ out: inout [SpecProblem]) {
        guard let cls, cls.spec.usesSidecarTopology, let sandboxUID else { return }
        let proxyUID = (cls.spec.supervisor?.sidecar ?? SidecarSpec()).effectiveProxyUID
        guard proxyUID == sandboxUID else { return }
        let setting = cls.spec.supervisor?.sidecar?.proxyUID == nil
            ? "supervisor.sidecar.proxyUID defaults to \(proxyUID)"
            : "supervisor.sidecar.proxyUID is also \(proxyUID)"
        out.append(cls.forbid(path, "sandbox UID \(sandboxUID)",
                              "\(setting): the Sidecar topology's network proxy must run as a user other than the sandbox's"))
    }

    // MARK: - Image

    /// `image`: non-empty, at most 1024 bytes, no surrounding whitespace. With
    /// a class whose `images.allowed` is non-empty, the effective image (the
    /// spec's, else the class's default) must match one of its patterns
    /// (`ImagePattern`). When neither names an image the operator's default
    /// is used, which is configured outside the class and not checked here.
    static func checkImage(_ image: String?, _ cls: ClassContext?, _ path: FieldPath, _ out: inout [SpecProblem]) {
        if let image {
            if image.isEmpty {
                out.append(.invalidSpec, .invalid(path, quoting: image, "must not be empty (unset uses the class's default image)"))
                return
            }
            if image.utf8.count > OpenShellLimits.maxImageLength {
                out.append(.invalidSpec, .tooLong(path, maxLength: OpenShellLimits.maxImageLength))
                return
            }
            if image.trimmingCharacters(in: .whitespacesAndNewlines) != image {
                out.append(.invalidSpec, .invalid(path, quoting: image, "must not have leading or trailing whitespace"))
                return
            }
        }
        guard let cls, let allowed = cls.spec.images?.allowed, !allowed.isEmpty,
              let effective = image ?? cls.spec.images?.default, !effective.isEmpty,
              !allowed.contains(where: { ImagePattern.matches(effective, pattern: $0) })
        else { return }
        let what = image == nil ? "the class's default image \(effective.goQuoted)" : "image \(effective.goQuoted)"
        out.append(cls.forbid(path, what, "allowed: " + allowed.joined(separator: ", ")))
    }

    // MARK: - Command

    /// `command` (the main process): at most 256 arguments, `command[0]`
    /// non-empty, each argument at most 32 KiB, all together at most 256 KiB,
    /// no NUL (newlines are fine: inline scripts). An empty list means the default.
    static func checkCommand(_ command: [String]?, _ path: FieldPath, _ out: inout [SpecProblem]) {
        guard let command, let program = command.first else { return }
        if command.count > OpenShellLimits.maxCommandArgs {
            out.append(.invalidSpec, .tooMany(path, actual: command.count, max: OpenShellLimits.maxCommandArgs))
        }
        if program.isEmpty {
            out.append(.invalidSpec, .required(path.index(0), "the program to run"))
        }
        var total = 0
        for (i, argument) in command.enumerated() {
            total += argument.utf8.count
            if argument.utf8.count > OpenShellLimits.maxCommandArgLength {
                out.append(.invalidSpec, .tooLong(path.index(i), maxLength: OpenShellLimits.maxCommandArgLength))
            } else if argument.utf8.contains(0) {
                out.append(.invalidSpec, .invalid(path.index(i), "must not contain NUL characters"))
            }
        }
        if total > OpenShellLimits.maxCommandTotalSize {
            out.append(.invalidSpec, .tooLong(path, maxLength: OpenShellLimits.maxCommandTotalSize))
        }
    }

    // MARK: - Environment

    /// `env`: at most 128 entries; names per `checkEnvName`, unique; a
    /// literal value at most 8192 bytes without control characters (tab
    /// allowed; stricter than the gateway, which rejects only NUL, LF and CR);
    /// names plus literal values at most 256 KiB together; `valueFrom` names
    /// exactly one of `secretKeyRef` and `configMapKeyRef`, not with a non-empty `value`.
    ///
    /// - Returns: the names seen, so provider variables can be checked against them.
    static func checkEnv(_ env: [EnvVar]?, _ path: FieldPath, _ out: inout [SpecProblem]) -> Set<String> {
        var seen = Set<String>()
        guard let env else { return seen }
        if env.count > OpenShellLimits.maxEnvEntries {
            out.append(.invalidSpec, .tooMany(path, actual: env.count, max: OpenShellLimits.maxEnvEntries))
        }
        var total = 0
        for (i, variable) in env.enumerated() {
            let item = path.index(i)
            checkEnvName(variable.name, item.child("name"), &seen, &out)
            if let value = variable.value {
                total += variable.name.utf8.count + value.utf8.count
                if value.utf8.count > OpenShellLimits.maxEnvValueLength {
                    out.append(.invalidSpec, .tooLong(item.child("value"), maxLength: OpenShellLimits.maxEnvValueLength))
                } else if value.utf8.contains(where: isControl) {
                    out.append(.invalidSpec, .invalid(item.child("value"), "must not contain control characters other than tab"))
                }
                if variable.valueFrom != nil && !value.isEmpty {
                    out.append(.invalidSpec, .invalid(item.child("valueFrom"), quoting: "", "may not be specified when `value` is not empty"))
                }
            }
            if let source = variable.valueFrom {
                checkEnvSource(source, item.child("valueFrom"), &out)
            }
        }
        if total > OpenShellLimits.maxEnvTotalSize {
            out.append(.invalidSpec, .tooLong(path, maxLength: OpenShellLimits.maxEnvTotalSize))
        }
        return seen
    }

    /// An environment variable name (of `env` or a provider): required, at
    /// most 256 bytes, `^[A-Za-z_][A-Za-z0-9_]*$`, not starting `OPENSHELL_`
    /// (the operator's and supervisor's variables, including the inference key
    /// variables `OPENSHELL_INFERENCE_API_KEY_<n>`, which this rule keeps
    /// clear of user names), and not already in `seen`.
    static func checkEnvName(_ name: String, _ path: FieldPath, _ seen: inout Set<String>, _ out: inout [SpecProblem]) {
        if name.isEmpty {
            out.append(.invalidSpec, .required(path))
        } else if name.utf8.count > OpenShellLimits.maxEnvNameLength {
            out.append(.invalidSpec, .tooLong(path, maxLength: OpenShellLimits.maxEnvNameLength))
        } else if !isEnvName(name) {
            out.append(.invalidSpec, .invalid(path, quoting: name, envNameMessage))
        } else if name.hasPrefix(OpenShellLimits.reservedEnvPrefix) {
            out.append(.invalidSpec, .invalid(path, quoting: name, "must not start with OPENSHELL_ (reserved for the supervisor)"))
        } else if !seen.insert(name).inserted {
            out.append(.invalidSpec, .duplicate(path, quoting: name))
        }
    }

    static let envNameMessage =
        "a valid environment variable name must consist of alphabetic characters, digits or '_', and must not start with a digit (regex used for validation is '[A-Za-z_][A-Za-z0-9_]*')"

    static func isEnvName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !isDigit(first) else { return false }
        return name.utf8.allSatisfy { isDigit($0) || isLetter($0) || $0 == UInt8(ascii: "_") }
    }

    /// Kubernetes' own rule for `valueFrom`: exactly one source; each names an object and a key.
    static func checkEnvSource(_ source: EnvVarSource, _ path: FieldPath, _ out: inout [SpecProblem]) {
        switch (source.secretKeyRef, source.configMapKeyRef) {
        case (nil, nil):
            out.append(.invalidSpec, .invalid(path, quoting: "", "must specify one of: `configMapKeyRef` or `secretKeyRef`"))
        case (.some, .some):
            out.append(.invalidSpec, .invalid(path, quoting: "", "may not have more than one field specified at a time"))
        case (let secret?, nil):
            out.append(.invalidSpec, objectName(secret.name, path.child("secretKeyRef").child("name")))
            out.append(.invalidSpec, dataKey(secret.key, path.child("secretKeyRef").child("key")))
        case (nil, let configMap?):
            out.append(.invalidSpec, objectName(configMap.name, path.child("configMapKeyRef").child("name")))
            out.append(.invalidSpec, dataKey(configMap.key, path.child("configMapKeyRef").child("key")))
        }
    }

    // MARK: - Providers

    /// `providers`: at most 32; names are unique DNS-1123 labels; each names
    /// its Secret; each `env` name follows `checkEnvName` and is unique across
    /// `env` and every provider (a clash would silently override one of them);
    /// each Secret key is a valid key.
    static func checkProviders(_ providers: [ProviderSpec]?, _ path: FieldPath, _ envNames: inout Set<String>, _ out: inout [SpecProblem]) {
        guard let providers else { return }
        if providers.count > OpenShellLimits.maxProviders {
            out.append(.invalidSpec, .tooMany(path, actual: providers.count, max: OpenShellLimits.maxProviders))
        }
        var names = Set<String>()
        for (i, provider) in providers.enumerated() {
            let item = path.index(i)
            let namePath = item.child("name")
            if provider.name.isEmpty {
                out.append(.invalidSpec, .required(namePath))
            } else if !NameValidation.isDNS1123Label(provider.name).isEmpty {
                out.append(.invalidSpec, NameValidation.isDNS1123Label(provider.name).map { .invalid(namePath, quoting: provider.name, $0) })
            } else if !names.insert(provider.name).inserted {
                out.append(.invalidSpec, .duplicate(namePath, quoting: provider.name))
            }
            out.append(.invalidSpec, objectName(provider.secretRef.name, item.child("secretRef").child("name")))
            for (j, variable) in (provider.env ?? []).enumerated() {
                let envItem = item.child("env").index(j)
                checkEnvName(variable.name, envItem.child("name"), &envNames, &out)
                out.append(.invalidSpec, dataKey(variable.key, envItem.child("key")))
            }
        }
    }

    // MARK: - Inference

    /// `inference.routes`: names required and unique; `endpoint` an http(s)
    /// URL with a host; `model` required; `providerType` one of
    /// `OpenShellLimits.inferenceProviderTypes`; the API key Secret and key named.
    static func checkInference(_ inference: InferenceSpec?, _ path: FieldPath, _ out: inout [SpecProblem]) {
        guard let routes = inference?.routes else { return }
        var names = Set<String>()
        for (i, route) in routes.enumerated() {
            let item = path.child("routes").index(i)
            if route.name.isEmpty {
                out.append(.invalidSpec, .required(item.child("name")))
            } else if !names.insert(route.name).inserted {
                out.append(.invalidSpec, .duplicate(item.child("name"), quoting: route.name))
            }
            if !isHTTPURL(route.endpoint) {
                out.append(.invalidSpec, .invalid(item.child("endpoint"), quoting: route.endpoint,
                    "must be an http or https URL with a host, e.g. https://integrate.api.nvidia.com/v1"))
            }
            if route.model.isEmpty {
                out.append(.invalidSpec, .required(item.child("model")))
            }
            if let type = route.providerType, !OpenShellLimits.inferenceProviderTypes.contains(type) {
                out.append(.invalidSpec, .notSupported(item.child("providerType"), quoting: type, OpenShellLimits.inferenceProviderTypes))
            }
            if let ref = route.apiKeySecretRef {
                out.append(.invalidSpec, objectName(ref.name, item.child("apiKeySecretRef").child("name")))
                out.append(.invalidSpec, dataKey(ref.key, item.child("apiKeySecretRef").child("key")))
            }
        }
    }

    static func isHTTPURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty
        else { return false }
        return true
    }

    // MARK: - Policy

    /// At most one of `policyRef` and `policy`; `policyRef.name` an object
    /// name; the inline policy per `PolicyValidation` (reported `PolicyInvalid`).
    static func checkPolicy(_ spec: OpenShellSandboxSpec, _ root: FieldPath, _ out: inout [SpecProblem]) {
        if spec.policy != nil && spec.policyRef != nil {
            out.append(.invalidSpec, .forbidden(root.child("policy"), "may not be set together with policyRef"))
        }
        if let ref = spec.policyRef {
            out.append(.invalidSpec, objectName(ref.name, root.child("policyRef").child("name")))
        }
        if let policy = spec.policy {
            out += PolicyValidation.validate(policy, path: root.child("policy"))
        }
    }

    // MARK: - Shared checks

    /// An object name (DNS-1123 subdomain), `Required value` when empty.
    static func objectName(_ name: String, _ path: FieldPath) -> [FieldError] {
        if name.isEmpty { return [.required(path)] }
        return NameValidation.isDNS1123Subdomain(name).map { .invalid(path, quoting: name, $0) }
    }

    /// A Secret or ConfigMap key: required, at most 253 bytes of `[-._a-zA-Z0-9]`.
    static func dataKey(_ key: String, _ path: FieldPath) -> [FieldError] {
        if key.isEmpty { return [.required(path)] }
        if key.utf8.count > NameValidation.dns1123SubdomainMaxLength {
            return [.tooLong(path, maxLength: NameValidation.dns1123SubdomainMaxLength)]
        }
        let valid = key.utf8.allSatisfy {
            isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
        }
        if valid { return [] }
        return [.invalid(path, quoting: key,
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')")]
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    static func isLetter(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }
    /// C0 controls other than tab, and DEL.
    static func isControl(_ c: UInt8) -> Bool { (c < 0x20 && c != 0x09) || c == 0x7F }
}
