//! Validation of an OpenShell sandbox policy (format version 1,
//! openshell-contract §4) in its Kubernetes shape, whether it is an
//! OpenShellPolicy's spec, a sandbox's inline policy or a class's default.
//! A policy the supervisor would reject at load time is reported here
//! instead, before a pod starts with it.
import KubeCore

/// Checks a `SandboxPolicySpec`; every problem is reported as `PolicyInvalid`.
public enum PolicyValidation {
    /// The policy against §4 limits; `path` is the field path prefix ("spec", "spec.policy", "spec.defaultPolicy").
    ///
    /// Rules, in the order problems are reported:
    /// - `filesystem`: at most 256 paths in `readOnly` and `readWrite`
    ///   together; each non-empty, at most 4096 bytes, absolute, with no `..`
    ///   component; `/` is never in `readWrite`.
    /// - `landlock.compatibility`: `BestEffort` or `HardRequirement`.
    /// - `process.runAsUser` / `runAsGroup`: `sandbox` or a numeric id in 1...4294967294 (never root).
    /// - `networkPolicies`, by key: each endpoint's `host` wildcards (see
    ///   `hostProblem`), `port` and `ports` in 1...65535, `protocol` one of
    ///   `rest`, `websocket`, `graphql`, `mcp`, `json-rpc` (`tcp` needs a
    ///   capability the Kubernetes pod does not have), `enforcement` `enforce`
    ///   or `audit`, `access` `read-only`, `read-write` or `full` and not with
    ///   `rules`; each binary's `path` absolute.
    /// - The whole policy encoded as JSON is at most 256 KiB.
    public static func validate(_ policy: SandboxPolicySpec, path: FieldPath) -> [SpecProblem] {
        var errors: [FieldError] = []
        if let filesystem = policy.filesystem {
            errors += filesystemErrors(filesystem, path.child("filesystem"))
        }
        if let compatibility = policy.landlock?.compatibility, !OpenShellLimits.landlockCompatibilities.contains(compatibility) {
            errors.append(.notSupported(path.child("landlock").child("compatibility"), quoting: compatibility,
                OpenShellLimits.landlockCompatibilities))
        }
        if let process = policy.process {
            for (name, value) in [("runAsUser", process.runAsUser), ("runAsGroup", process.runAsGroup)] {
                if let value, !isProcessIdentity(value) {
                    errors.append(.invalid(path.child("process").child(name), quoting: value,
                        "must be \"sandbox\" or a numeric id between 1 and \(OpenShellLimits.maxProcessID)"))
                }
            }
        }
        for key in (policy.networkPolicies ?? [:]).keys.sorted() {
            guard let rule = policy.networkPolicies?[key] else { continue }
            errors += ruleErrors(rule, path.child("networkPolicies").key(key))
        }
        if let encoded = try? JSONValue(encoding: policy), encoded.serialized().count > OpenShellLimits.maxPolicySize {
            errors.append(.tooLong(path, maxLength: OpenShellLimits.maxPolicySize))
        }
        return errors.map { SpecProblem(.policyInvalid, $0) }
    }

    /// No file name can hold a NUL byte; the supervisor would cut the path there.
    static let nulMessage = "must not contain a NUL character"

    static func filesystemErrors(_ filesystem: FilesystemPolicy, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let readOnly = filesystem.readOnly ?? []
        let readWrite = filesystem.readWrite ?? []
        if readOnly.count + readWrite.count > OpenShellLimits.maxFilesystemPaths {
            errors.append(.tooMany(path, actual: readOnly.count + readWrite.count, max: OpenShellLimits.maxFilesystemPaths))
        }
        for (kind, paths, writable) in [("readOnly", readOnly, false), ("readWrite", readWrite, true)] {
            for (i, text) in paths.enumerated() {
                let field = path.child(kind).index(i)
                if text.isEmpty {
                    errors.append(.required(field))
                    continue
                }
                if text.utf8.count > OpenShellLimits.maxPathLength {
                    errors.append(.tooLong(field, maxLength: OpenShellLimits.maxPathLength))
                    continue
                }
                if !text.hasPrefix("/") {
                    errors.append(.invalid(field, quoting: text, "must be an absolute path"))
                }
                if text.utf8.contains(0) {
                    errors.append(.invalid(field, quoting: text, Self.nulMessage))
                }
                if text.split(separator: "/").contains("..") {
                    errors.append(.invalid(field, quoting: text, "must not contain '..'"))
                }
                if writable && text.allSatisfy({ $0 == "/" }) {
                    errors.append(.invalid(field, quoting: text, "the root directory may not be writable"))
                }
            }
        }
        return errors
    }

    /// `sandbox`, or decimal digits naming 1...4294967294.
    static func isProcessIdentity(_ value: String) -> Bool {
        if value == "sandbox" { return true }
        guard !value.isEmpty, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let id = UInt64(value) else { return false }
        return (1...OpenShellLimits.maxProcessID).contains(id)
    }

    static func ruleErrors(_ rule: NetworkPolicyRule, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        for (i, endpoint) in (rule.endpoints ?? []).enumerated() {
            let item = path.child("endpoints").index(i)
            if let host = endpoint.host, let problem = hostProblem(host) {
                errors.append(.invalid(item.child("host"), quoting: host, problem))
            }
            if let port = endpoint.port, !(1...65535).contains(port) {
                errors.append(.outOfRange(item.child("port"), port, 1...65535))
            }
            for (j, port) in (endpoint.ports ?? []).enumerated() where !(1...65535).contains(port) {
                errors.append(.outOfRange(item.child("ports").index(j), port, 1...65535))
            }
            if let proto = endpoint.protocol {
                if proto == "tcp" {
                    errors.append(.invalid(item.child("protocol"), quoting: proto,
                        "not supported on Kubernetes (the sandbox pod has no transparent TCP capability); omit protocol for TCP passthrough"))
                } else if !OpenShellLimits.endpointProtocols.contains(proto) {
                    errors.append(.notSupported(item.child("protocol"), quoting: proto, OpenShellLimits.endpointProtocols))
                }
            }
            if let enforcement = endpoint.enforcement, !OpenShellLimits.endpointEnforcements.contains(enforcement) {
                errors.append(.notSupported(item.child("enforcement"), quoting: enforcement, OpenShellLimits.endpointEnforcements))
            }
            if let access = endpoint.access {
                if !OpenShellLimits.endpointAccessLevels.contains(access) {
                    errors.append(.notSupported(item.child("access"), quoting: access, OpenShellLimits.endpointAccessLevels))
                } else if endpoint.rules != nil {
                    errors.append(.forbidden(item.child("access"), "may not be set together with rules"))
                }
            }
        }
        for (i, binary) in (rule.binaries ?? []).enumerated() {
            let field = path.child("binaries").index(i).child("path")
            if binary.path.isEmpty {
                errors.append(.required(field))
            } else if !binary.path.hasPrefix("/") {
                errors.append(.invalid(field, quoting: binary.path, "must be an absolute path or glob, e.g. /usr/bin/curl or /sandbox/.venv/bin/*"))
            } else if binary.path.utf8.contains(0) {
                errors.append(.invalid(field, quoting: binary.path, Self.nulMessage))
            }
        }
        return errors
    }

    /// Why a host pattern is rejected, or nil. A host without `*` is not
    /// checked (names and IP addresses alike). With `*`: the first label may
    /// hold `*` anywhere (`*.example.com`, `**.example.com`,
    /// `*-aiplatform.googleapis.com`); any other label holding `*` must be
    /// exactly `*` (`api.*.example.com`); and at least two labels without a
    /// wildcard must follow the last wildcard, so neither a bare `*` nor a
    /// top-level-domain wildcard (`*.com`, `example.*`) matches half the internet.
    static func hostProblem(_ host: String) -> String? {
        guard host.contains("*") else { return nil }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        if labels.dropFirst().contains(where: { $0.contains("*") && $0 != "*" }) {
            return "outside the first label, '*' must be a whole label (e.g. api.*.example.com)"
        }
        guard let lastWildcard = labels.lastIndex(where: { $0.contains("*") }) else { return nil }
        if labels.count - lastWildcard - 1 < 2 {
            return "at least two labels without '*' must follow the last wildcard (e.g. *.example.com); a bare '*' or a wildcard top-level domain is not allowed"
        }
        return nil
    }
}
