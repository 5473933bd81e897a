//! The spec fields that shape the sandbox's pod: resources, GPUs, node
//! placement, workspace, pod metadata and Service; and those that shape its
//! life: lifetime and failure policy. Each rule with the class limit that
//! applies to it.
import Foundation
import KubeCore

extension SandboxValidation {
    // MARK: - Resources and GPUs

    /// `resources`: every request and limit parses as a Kubernetes quantity
    /// and is not negative; a request is at most the limit of the same name;
    /// with a class, each is at most the class's `resources.maximum[name]`
    /// (a maximum that does not parse is ignored: the class is the admin's to fix).
    static func checkResources(_ resources: ResourceRequirements?, _ cls: ClassContext?, _ path: FieldPath, _ out: inout [SpecProblem]) {
        guard let resources else { return }
        func parse(_ kind: String, _ map: [String: String]?) -> [(name: String, text: String, quantity: Quantity)] {
            var parsed: [(name: String, text: String, quantity: Quantity)] = []
            for (name, text) in (map ?? [:]).sorted(by: { $0.key < $1.key }) {
                let field = path.child(kind).key(name)
                do {
                    let quantity = try Quantity(parsing: text)
                    if quantity.sign < 0 {
                        out.append(.invalidSpec, .invalid(field, quoting: text, "must be greater than or equal to 0"))
                    } else {
                        parsed.append((name, text, quantity))
                    }
                } catch {
                    out.append(.invalidSpec, .invalid(field, quoting: text, error.message))
                }
            }
            return parsed
        }
        let requests = parse("requests", resources.requests)
        let limits = parse("limits", resources.limits)
        for request in requests {
            if let limit = limits.first(where: { $0.name == request.name }), request.quantity > limit.quantity {
                out.append(.invalidSpec, .invalid(path.child("requests").key(request.name), quoting: request.text,
                    "must be less than or equal to \(request.name) limit of \(limit.text)"))
            }
        }
        guard let cls, let maximum = cls.spec.resources?.maximum else { return }
        for (kind, entries) in [("requests", requests), ("limits", limits)] {
            for entry in entries {
                guard let maxText = maximum[entry.name], let max = try? Quantity(parsing: maxText), entry.quantity > max else { continue }
                out.append(cls.forbid(path.child(kind).key(entry.name), "\(entry.name) \(entry.text.goQuoted)", "maximum: \(maxText)"))
            }
        }
    }

    /// `gpus`: greater than 0 when set; with a class, at most its `resources.maxGPUs` (0 forbids GPUs).
    static func checkGPUs(_ gpus: Int?, _ cls: ClassContext?, _ path: FieldPath, _ out: inout [SpecProblem]) {
        guard let gpus else { return }
        if gpus <= 0 {
            out.append(.invalidSpec, .invalid(path, number: gpus, "must be greater than 0"))
        } else if let cls, let max = cls.spec.resources?.maxGPUs, gpus > max {
            out.append(cls.forbid(path, "a GPU count of \(gpus)", "maximum: \(max)"))
        }
    }

    // MARK: - Placement

    /// `runtimeClassName` is an object name; `nodeSelector` keys and values
    /// are valid labels; each toleration's `operator` is `Equal` or `Exists`
    /// (with no value), its `effect` one of Kubernetes' three. With a class,
    /// a runtime class needs `userOverrides.allowRuntimeClass: true` and a node
    /// selector or tolerations need `userOverrides.allowNodePlacement: true`.
    static func checkPlacement(_ spec: OpenShellSandboxSpec, _ cls: ClassContext?, _ root: FieldPath, _ out: inout [SpecProblem]) {
        if let runtimeClass = spec.runtimeClassName {
            let path = root.child("runtimeClassName")
            let errors = objectName(runtimeClass, path)
            out.append(.invalidSpec, errors)
            if errors.isEmpty, let cls, cls.spec.userOverrides?.allowRuntimeClass != true {
                out.append(cls.forbid(path, "runtime class \(runtimeClass.goQuoted)", "userOverrides.allowRuntimeClass is not true"))
            }
        }
        let placementDenied = cls.map { $0.spec.userOverrides?.allowNodePlacement != true } ?? false
        if let selector = spec.nodeSelector, !selector.isEmpty {
            let path = root.child("nodeSelector")
            out.append(.invalidSpec, labelErrors(selector, path))
            if placementDenied, let cls {
                out.append(cls.forbid(path, "node placement", "userOverrides.allowNodePlacement is not true"))
            }
        }
        if let tolerations = spec.tolerations, !tolerations.isEmpty {
            let path = root.child("tolerations")
            for (i, toleration) in tolerations.enumerated() {
                let item = path.index(i)
                if let op = toleration.operator, !OpenShellLimits.tolerationOperators.contains(op) {
                    out.append(.invalidSpec, .notSupported(item.child("operator"), quoting: op, OpenShellLimits.tolerationOperators))
                } else if toleration.operator == "Exists", let value = toleration.value, !value.isEmpty {
                    out.append(.invalidSpec, .invalid(item.child("operator"), quoting: value, "value must be empty when `operator` is 'Exists'"))
                }
                if let effect = toleration.effect, !effect.isEmpty, !OpenShellLimits.tolerationEffects.contains(effect) {
                    out.append(.invalidSpec, .notSupported(item.child("effect"), quoting: effect, OpenShellLimits.tolerationEffects))
                }
            }
            if placementDenied, let cls {
                out.append(cls.forbid(path, "node placement", "userOverrides.allowNodePlacement is not true"))
            }
        }
    }

    // MARK: - Lifetime and failure policy

    /// `lifetime`: `ttl` a positive Go duration; `expiresAt` an RFC 3339
    /// time; not both; `onExpiry` `Delete` or `Stop`. With a class whose
    /// `lifetime.maximumTTL` parses, the effective lifetime (the expiry less
    /// the creation time, see `SandboxLifetime.expiry`) is at most that
    /// maximum — reported at the field that set it (`ttl`, `expiresAt`, or
    /// `lifetime` when the class's own default exceeds its maximum).
    static func checkLifetime(_ lifetime: LifetimeSpec?, _ cls: ClassContext?, _ createdAt: Date, _ path: FieldPath, _ out: inout [SpecProblem]) {
        var usable = true
        var ttl: Duration?
        var expiresAt: Date?
        if let text = lifetime?.ttl {
            if let duration = GoDuration.parse(text), duration > .zero {
                ttl = duration
            } else {
                let negative = text.hasPrefix("-") && GoDuration.parse(String(text.dropFirst())) != nil
                let detail = GoDuration.parse(text) != nil || negative
                    ? "must be greater than 0" : "must be a duration such as 30m, 8h or 168h"
                out.append(.invalidSpec, .invalid(path.child("ttl"), quoting: text, detail))
                usable = false
            }
        }
        if let text = lifetime?.expiresAt {
            if let date = KubeTime.parse(text) {
                expiresAt = date
            } else {
                out.append(.invalidSpec, .invalid(path.child("expiresAt"), quoting: text, "must be an RFC 3339 time such as 2026-01-02T15:04:05Z"))
                usable = false
            }
        }
        if lifetime?.ttl != nil && lifetime?.expiresAt != nil {
            out.append(.invalidSpec, .forbidden(path.child("expiresAt"), "may not be set together with ttl"))
            usable = false
        }
        if let onExpiry = lifetime?.onExpiry, !OpenShellLimits.onExpiryValues.contains(onExpiry) {
            out.append(.invalidSpec, .notSupported(path.child("onExpiry"), quoting: onExpiry, OpenShellLimits.onExpiryValues))
        }
        guard usable, let cls, let maxText = cls.spec.lifetime?.maximumTTL,
              let max = SandboxLifetime.positiveDuration(maxText)
        else { return }
        let why = "maximum: \(maxText)"
        if let expiresAt {
            let seconds = expiresAt.timeIntervalSince(createdAt)
            let maxSeconds = Double(max.components.seconds) + Double(max.components.attoseconds) / 1e18
            if seconds > maxSeconds {
                let after = GoDuration.format(.seconds(Int64(seconds.rounded())))
                out.append(cls.forbid(path.child("expiresAt"), "expiresAt \(lifetime?.expiresAt?.goQuoted ?? "") (\(after) after creation)", why))
            }
        } else if let ttl {
            if ttl > max {
                out.append(cls.forbid(path.child("ttl"), "ttl \(lifetime?.ttl?.goQuoted ?? "")", why))
            }
        } else if let defaultText = cls.spec.lifetime?.defaultTTL, let defaultTTL = SandboxLifetime.positiveDuration(defaultText),
                  defaultTTL > max {
            out.append(cls.forbid(path, "the class's default ttl \(defaultText.goQuoted)", why))
        }
    }

    /// `failurePolicy`: `action` `Leave` or `Restart`; `maxRestarts` 0...100.
    static func checkFailurePolicy(_ policy: FailurePolicy?, _ path: FieldPath, _ out: inout [SpecProblem]) {
        guard let policy else { return }
        if let action = policy.action, !OpenShellLimits.failureActions.contains(action) {
            out.append(.invalidSpec, .notSupported(path.child("action"), quoting: action, OpenShellLimits.failureActions))
        }
        if let max = policy.maxRestarts, !(0...OpenShellLimits.maxRestarts).contains(max) {
            out.append(.invalidSpec, .outOfRange(path.child("maxRestarts"), max, 0...OpenShellLimits.maxRestarts))
        }
    }

    // MARK: - Workspace

    /// `workspace`: `size` a positive quantity and, unless the workspace is
    /// disabled, at most the class's `workspace.maximumSize`;
    /// `storageClassName` empty (no class) or an object name.
    static func checkWorkspace(_ workspace: WorkspaceSpec?, _ cls: ClassContext?, _ path: FieldPath, _ out: inout [SpecProblem]) {
        guard let workspace else { return }
        if let text = workspace.size {
            let field = path.child("size")
            do {
                let size = try Quantity(parsing: text)
                if size.sign <= 0 {
                    out.append(.invalidSpec, .invalid(field, quoting: text, "must be greater than 0"))
                } else if workspace.disabled != true, let cls, let maxText = cls.spec.workspace?.maximumSize,
                          let max = try? Quantity(parsing: maxText), size > max {
                    out.append(cls.forbid(field, "size \(text.goQuoted)", "maximum: \(maxText)"))
                }
            } catch {
                out.append(.invalidSpec, .invalid(field, quoting: text, error.message))
            }
        }
        if let storageClass = workspace.storageClassName, !storageClass.isEmpty {
            out.append(.invalidSpec, objectName(storageClass, path.child("storageClassName")))
        }
    }

    // MARK: - Pod metadata

    /// `podMetadata.labels` and `.annotations`: at most 128 entries each;
    /// keys are qualified names (label values valid label values, annotations
    /// at most 256 KiB in all, as Kubernetes requires); no key under a domain
    /// the operator or the Agent Sandbox controller owns (`agents.x-k8s.io`,
    /// `extensions.agents.x-k8s.io` and other subdomains, `openshell.ai`, `openshell.io`).
    static func checkPodMetadata(_ metadata: PodMetadata?, _ path: FieldPath, _ out: inout [SpecProblem]) {
        guard let metadata else { return }
        if let labels = metadata.labels {
            let field = path.child("labels")
            if labels.count > OpenShellLimits.maxPodMetadataEntries {
                out.append(.invalidSpec, .tooMany(field, actual: labels.count, max: OpenShellLimits.maxPodMetadataEntries))
            }
            for key in labels.keys.sorted() {
                out.append(.invalidSpec, labelErrors([key: labels[key] ?? ""], field))
                checkReservedKey(key, field, &out)
            }
        }
        if let annotations = metadata.annotations {
            let field = path.child("annotations")
            if annotations.count > OpenShellLimits.maxPodMetadataEntries {
                out.append(.invalidSpec, .tooMany(field, actual: annotations.count, max: OpenShellLimits.maxPodMetadataEntries))
            }
            for key in annotations.keys.sorted() {
                let errors = NameValidation.isQualifiedName(key.lowercased()).map { FieldError.invalid(field, quoting: key, $0) }
                out.append(.invalidSpec, errors)
                checkReservedKey(key, field, &out)
            }
            if NameValidation.annotationsSize(annotations) > NameValidation.totalAnnotationSizeLimit {
                out.append(.invalidSpec, .tooLong(field, maxLength: NameValidation.totalAnnotationSizeLimit))
            }
        }
    }

    static func checkReservedKey(_ key: String, _ path: FieldPath, _ out: inout [SpecProblem]) {
        guard let slash = key.firstIndex(of: "/") else { return }
        let prefix = key[..<slash].lowercased()
        let reserved = OpenShellLimits.reservedMetadataDomains.contains { prefix == $0 || prefix.hasSuffix("." + $0) }
        if reserved {
            out.append(.invalidSpec, .forbidden(path.key(key),
                "keys with the prefix \"\(prefix)/\" are reserved for the operator and the Agent Sandbox controller"))
        }
    }

    /// Label keys and values as Kubernetes checks `metadata.labels`: each
    /// problem an `Invalid value` at the map's path, in key order.
    static func labelErrors(_ labels: [String: String], _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        for key in labels.keys.sorted() {
            errors += NameValidation.isQualifiedName(key).map { .invalid(path, quoting: key, $0) }
            let value = labels[key] ?? ""
            errors += NameValidation.isValidLabelValue(value).map { .invalid(path, quoting: value, $0) }
        }
        return errors
    }

    // MARK: - Service

    /// `service.ports`: each port 1...65535, protocol `TCP` (default), `UDP`
    /// or `SCTP`, unique by port and protocol; names unique.
    static func checkService(_ service: SandboxServiceSpec?, _ path: FieldPath, _ out: inout [SpecProblem]) {
        guard let ports = service?.ports else { return }
        var seenPorts = Set<String>()
        var seenNames = Set<String>()
        for (i, port) in ports.enumerated() {
            let item = path.child("ports").index(i)
            if let name = port.name, !seenNames.insert(name).inserted {
                out.append(.invalidSpec, .duplicate(item.child("name"), quoting: name))
            }
            if !(1...65535).contains(port.port) {
                out.append(.invalidSpec, .outOfRange(item.child("port"), port.port, 1...65535))
            }
            let proto = port.protocol ?? "TCP"
            if !OpenShellLimits.servicePortProtocols.contains(proto) {
                out.append(.invalidSpec, .notSupported(item.child("protocol"), quoting: proto, OpenShellLimits.servicePortProtocols))
            } else if (1...65535).contains(port.port), !seenPorts.insert("\(port.port)/\(proto)").inserted {
                out.append(.invalidSpec, .duplicate(item.child("port"), .int(Int64(port.port))))
            }
        }
    }
}
