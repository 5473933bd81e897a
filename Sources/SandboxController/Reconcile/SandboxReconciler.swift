//! SandboxReconciler: the IO half of the sandbox reconciler. It gathers a
//! `SandboxSnapshot` from the caches (class, policy, rules, Secrets,
//! namespace, the live Sandbox and pod), lets `SandboxPlanner` decide, and
//! carries the plan out: finalizer, creates and merge patches of our own
//! fields, deletes with UID preconditions, then the status and the planned
//! Events through `OwnerWriter`.
import Foundation
import KubeClient
import KubeCore
import KubeRuntime
import Logging
import OpenShellAPI

/// The resources the sandbox reconciler reads and writes.
public enum SandboxResources {
    public static let agentSandboxes = GroupVersionResource(group: "agents.x-k8s.io", version: "v1beta1", resource: "sandboxes")
    public static let pods = GroupVersionResource(group: "", version: "v1", resource: "pods")
    public static let networkPolicies = GroupVersionResource(group: "networking.k8s.io", version: "v1", resource: "networkpolicies")
    public static let configMaps = ConfigMap.resource
    public static let secrets = Secret.resource
    public static let namespaces = Namespace.resource
    public static let customResourceDefinitions = GroupVersionResource(
        group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions")

    /// The resource of an object the reconciler creates or changes.
    static func of(_ object: KubeObject) -> GroupVersionResource? {
        switch object.kind {
        case "Sandbox": agentSandboxes
        case "ConfigMap": configMaps
        case "NetworkPolicy": networkPolicies
        case "OpenShellSandbox": OpenShellAPIGroup.sandboxes
        default: nil
        }
    }
}

/// The caches the reconciler reads.
public struct SandboxCaches: Sendable {
    public var sandboxes: Informer
    public var classes: Informer
    public var policies: Informer
    public var agentSandboxes: Informer
    public var pods: Informer
    public var configMaps: Informer
    public var networkPolicies: Informer
    /// Secrets with their values redacted: only names and keys.
    public var secrets: Informer
    /// ConfigMaps labelled `openshell.ai/policy-rules`.
    public var rules: Informer
    public var namespaces: Informer
}

public struct SandboxReconciler: Reconciler {
    let client: RESTClient
    let caches: SandboxCaches
    /// The finalizer and status writes, and the Events.
    let ownerWriter: OwnerWriter
    let clock: any WallClock
    let defaults: OperatorDefaults

    public init(
        client: RESTClient, caches: SandboxCaches, events: EventRecorder, clock: any WallClock,
        defaults: OperatorDefaults = OperatorDefaults(), logger: Logger
    ) {
        self.client = client
        self.caches = caches
        ownerWriter = OwnerWriter(
            client: client, resource: OpenShellAPIGroup.sandboxes, recorder: events, fieldManager: OpenShellLabels.fieldManager, logger: logger)
        self.clock = clock
        self.defaults = defaults
    }

    public func reconcile(_ request: ReconcileRequest) async throws -> ReconcileResult {
        guard var owner = caches.sandboxes.cache.get(request.key) else { return .done }
        let snapshot = gather(owner)
        let plan = SandboxPlanner.plan(snapshot)

        var released = false
        for action in plan.actions {
            switch action {
            case .addFinalizer:
                guard let updated = try await ownerWriter.addFinalizer(OpenShellLabels.sandboxFinalizer, to: owner) else { return .done }
                owner = updated
            case .removeFinalizer:
                try await confirmSandboxGone(of: owner)
                guard let updated = try await ownerWriter.removeFinalizer(OpenShellLabels.sandboxFinalizer, from: owner) else { return .done }
                owner = updated
                released = true
            case .create(let object):
                guard let resource = SandboxResources.of(object) else { continue }
                _ = try await client.create(
                    resource, namespace: object.namespace, object,
                    options: WriteOptions(fieldManager: OpenShellLabels.fieldManager, fieldValidation: .strict))
            case .patch(let live, let patch):
                guard let resource = SandboxResources.of(live) else { continue }
                _ = try await client.patch(
                    resource, namespace: live.namespace, name: live.name, type: .merge, patch: patch,
                    options: WriteOptions(fieldManager: OpenShellLabels.fieldManager, fieldValidation: .strict))
            case .delete(let object, let foreground):
                guard let resource = SandboxResources.of(object) else { continue }
                do {
                    _ = try await client.delete(
                        resource, namespace: object.namespace, name: object.name,
                        options: DeleteOptions(
                            preconditions: Preconditions(uid: object.uid),
                            propagationPolicy: foreground ? .foreground : .background))
                } catch let error as APIError where error.code == 404 || error.code == 409 {
                    // Already gone, or a different incarnation: nothing of ours to delete.
                }
            }
        }
        try await ownerWriter.commit(owner: owner, planned: released ? nil : plan.status, events: plan.events, related: snapshot.live)
        return plan.requeueAfter.map { .requeue(after: $0) } ?? .done
    }

    /// Everything a decision reads beyond the spec, by version: the class,
    /// policy, rules ConfigMap, referenced Secrets and namespace, and the
    /// owned Sandbox, pod, ConfigMap and NetworkPolicy. A restart compares it,
    /// so an object whose Sandbox or pod moved on while the operator was down
    /// (a suspend finishing, a pod failing) is looked at at once, not in the sweep.
    public func inputHash(for object: KubeObject) -> String {
        let spec = (try? object.decodeSpec(OpenShellSandboxSpec.self)) ?? OpenShellSandboxSpec()
        let resolved = resolveClass(spec)
        let namespace = object.namespace
        func version(_ informer: Informer, _ namespace: String, _ name: String?) -> JSONValue {
            guard let name else { return .null }
            return .string(informer.cache.resourceVersion(ObjectKey(namespace: namespace, name: name)) ?? "")
        }
        let rules = resolved.spec?.policyEngine?.rulesConfigMapRef
        let secrets = Self.secretReferences(spec).map(\.name).sorted().map { version(caches.secrets, namespace, $0) }
        return InputDigest.of([
            .object(object.labels.mapValues(JSONValue.string)), .object(object.annotations.mapValues(JSONValue.string)),
            version(caches.classes, "", resolved.name), version(caches.policies, namespace, spec.policyRef?.name),
            version(caches.rules, rules?.namespace ?? "", rules?.name), .array(secrets),
            version(caches.namespaces, "", namespace),
            version(caches.agentSandboxes, namespace, object.name), version(caches.pods, namespace, object.name),
            version(caches.configMaps, namespace, "\(object.name)-openshell"),
            version(caches.networkPolicies, namespace, "\(object.name)-openshell"),
        ])
    }

    // MARK: Gathering

    func gather(_ owner: KubeObject) -> SandboxSnapshot {
        let now = clock.now()
        let status = owner.decodeStatus(OpenShellSandboxStatus.self) ?? OpenShellSandboxStatus()
        let key = owner.key
        let live = caches.agentSandboxes.cache.get(key)
        let pod = caches.pods.cache.get(key).flatMap { pod in live.map { pod.controllerReference?.uid == $0.uid } == true ? pod : nil }
        let configMap = caches.configMaps.cache.get(ObjectKey(namespace: owner.namespace, name: "\(owner.name)-openshell"))
        let networkPolicy = caches.networkPolicies.cache.get(ObjectKey(namespace: owner.namespace, name: "\(owner.name)-openshell"))
        let spec: OpenShellSandboxSpec
        do {
            spec = try owner.decodeSpec(OpenShellSandboxSpec.self)
        } catch {
            let blocker = Blocker(reason: ProblemReason.invalidSpec.rawValue, message: "spec: \(error)", invalidInput: true)
            return SandboxSnapshot(
                owner: owner, spec: OpenShellSandboxSpec(), status: status, desired: .failure(BlockedError(blocker)),
                className: nil, expiresAt: nil, live: live, pod: pod, liveConfigMap: configMap,
                liveNetworkPolicy: networkPolicy, now: now)
        }
        let createdAt = owner.creationTimestamp.flatMap(KubeTime.parse) ?? now
        let resolved = resolveClass(spec)
        let expiresAt = SandboxLifetime.expiry(spec: spec, class: resolved.spec, createdAt: createdAt)
        let desired = Result { try render(owner, spec: spec, class: resolved, createdAt: createdAt, expiresAt: expiresAt, now: now) }
            .mapError { $0 as? BlockedError ?? BlockedError(Blocker(reason: "InvalidSpec", message: "\($0)", invalidInput: true)) }
        return SandboxSnapshot(
            owner: owner, spec: spec, status: status, desired: desired, className: resolved.name, expiresAt: expiresAt,
            live: live, pod: pod, liveConfigMap: configMap, liveNetworkPolicy: networkPolicy, now: now)
    }

    /// The class a spec runs under: the named one, else the one marked default.
    func resolveClass(_ spec: OpenShellSandboxSpec) -> (name: String?, spec: OpenShellSandboxClassSpec?, problem: Blocker?) {
        if let name = spec.className {
            guard let object = caches.classes.cache.get(ObjectKey(namespace: "", name: name)) else {
                return (name, nil, Blocker(reason: "ClassNotFound", message: "spec.className: OpenShellSandboxClass \"\(name)\" not found", invalidInput: false))
            }
            return (name, try? object.decodeSpec(OpenShellSandboxClassSpec.self), nil)
        }
        let defaults = caches.classes.cache.list().filter { $0.annotations[OpenShellLabels.defaultClassAnnotation] == "true" }
        switch defaults.count {
        case 0: return (nil, nil, nil)
        case 1: return (defaults[0].name, try? defaults[0].decodeSpec(OpenShellSandboxClassSpec.self), nil)
        default:
            let names = defaults.map(\.name).sorted().joined(separator: ", ")
            return (nil, nil, Blocker(
                reason: "InvalidSpec", message: "spec.className: more than one OpenShellSandboxClass is marked default (\(names)); name one",
                invalidInput: true))
        }
    }

    func render(
        _ owner: KubeObject, spec: OpenShellSandboxSpec, class resolved: (name: String?, spec: OpenShellSandboxClassSpec?, problem: Blocker?),
        createdAt: Date, expiresAt: Date?, now: Date
    ) throws -> RenderedSandbox {
        if let problem = resolved.problem { throw BlockedError(problem) }
        let namespace = NamespaceFacts(namespace: caches.namespaces.cache.get(ObjectKey(namespace: "", name: owner.namespace)))
        let problems = SandboxValidation.validate(
            spec, class: resolved.spec, className: resolved.name, createdAt: createdAt, now: now, sandboxUID: namespace.effectiveUID)
        if let first = problems.first {
            throw BlockedError(Blocker(
                reason: first.reason.rawValue, message: problems.map(\.description).joined(separator: "; "), invalidInput: true))
        }
        let policy = try effectivePolicy(owner, spec: spec, class: resolved.spec)
        let rules = try policyRules(resolved.spec)
        try checkSecrets(owner, spec: spec)
        return SandboxRenderer.render(SandboxRenderInput(
            owner: owner, spec: spec, className: resolved.name, classSpec: resolved.spec ?? OpenShellSandboxClassSpec(),
            policy: policy, policyRules: rules, namespace: namespace, expiresAt: expiresAt,
            deleteOnExpiry: SandboxLifetime.deletesOnExpiry(spec), operatingMode: spec.suspended == true ? .suspended : .running,
            defaults: defaults))
    }

    /// The inline policy, the referenced OpenShellPolicy, or the class's default.
    func effectivePolicy(_ owner: KubeObject, spec: OpenShellSandboxSpec, class: OpenShellSandboxClassSpec?) throws -> SandboxPolicySpec? {
        if let policy = spec.policy { return policy }
        if let reference = spec.policyRef {
            guard let object = caches.policies.cache.get(ObjectKey(namespace: owner.namespace, name: reference.name)) else {
                throw BlockedError(Blocker(
                    reason: "PolicyNotFound", message: "spec.policyRef: OpenShellPolicy \"\(reference.name)\" not found", invalidInput: false))
            }
            let policy = try object.decodeSpec(SandboxPolicySpec.self)
            let problems = PolicyValidation.validate(policy, path: FieldPath("spec"))
            if !problems.isEmpty {
                throw BlockedError(Blocker(
                    reason: ProblemReason.policyInvalid.rawValue,
                    message: "spec.policyRef: OpenShellPolicy \"\(reference.name)\" is invalid: " + problems.map(\.description).joined(separator: "; "),
                    invalidInput: true))
            }
            return policy
        }
        if let policy = `class`?.defaultPolicy {
            let problems = PolicyValidation.validate(policy, path: FieldPath("spec.defaultPolicy"))
            if !problems.isEmpty {
                throw BlockedError(Blocker(
                    reason: ProblemReason.policyInvalid.rawValue,
                    message: "the class's default policy is invalid: " + problems.map(\.description).joined(separator: "; "), invalidInput: true))
            }
        }
        return `class`?.defaultPolicy
    }

    /// The Rego text of the class's rules ConfigMap.
    func policyRules(_ class: OpenShellSandboxClassSpec?) throws -> String? {
        guard let reference = `class`?.policyEngine?.rulesConfigMapRef else { return nil }
        let key = reference.key ?? "sandbox-policy.rego"
        guard let map = caches.rules.cache.get(ObjectKey(namespace: reference.namespace, name: reference.name)),
              let text = map.json["data"]?[key]?.stringValue else {
            throw BlockedError(Blocker(
                reason: "PolicyRulesNotFound",
                message: "policyEngine.rulesConfigMapRef: key \"\(key)\" of ConfigMap \(reference.namespace)/\(reference.name) (labelled \(OpenShellLabels.policyRulesLabel)) not found",
                invalidInput: false))
        }
        return text
    }

    /// Every Secret key the spec references must exist (values are never read).
    func checkSecrets(_ owner: KubeObject, spec: OpenShellSandboxSpec) throws {
        for reference in Self.secretReferences(spec) {
            guard let secret = caches.secrets.cache.get(ObjectKey(namespace: owner.namespace, name: reference.name)) else {
                throw BlockedError(Blocker(
                    reason: "SecretNotFound", message: "\(reference.field): Secret \"\(reference.name)\" not found", invalidInput: false))
            }
            if let key = reference.key, secret.json["data"]?[key] == nil, secret.json["stringData"]?[key] == nil {
                throw BlockedError(Blocker(
                    reason: "SecretNotFound", message: "\(reference.field): Secret \"\(reference.name)\" has no key \"\(key)\"",
                    invalidInput: false))
            }
        }
    }

    /// The Secrets a spec references, with the field that names each.
    static func secretReferences(_ spec: OpenShellSandboxSpec) -> [(field: String, name: String, key: String?)] {
        var references: [(String, String, String?)] = []
        for (index, variable) in (spec.env ?? []).enumerated() {
            if let selector = variable.valueFrom?.secretKeyRef {
                references.append(("spec.env[\(index)].valueFrom.secretKeyRef", selector.name, selector.key))
            }
        }
        for (index, provider) in (spec.providers ?? []).enumerated() {
            if let env = provider.env, !env.isEmpty {
                for (envIndex, variable) in env.enumerated() {
                    references.append(("spec.providers[\(index)].env[\(envIndex)]", provider.secretRef.name, variable.key))
                }
            } else {
                references.append(("spec.providers[\(index)].secretRef", provider.secretRef.name, nil))
            }
        }
        for (index, route) in (spec.inference?.routes ?? []).enumerated() {
            if let selector = route.apiKeySecretRef {
                references.append(("spec.inference.routes[\(index)].apiKeySecretRef", selector.name, selector.key))
            }
        }
        return references
    }

    // MARK: Writes

    /// The cache may lag: ask the server before letting the owner go.
    func confirmSandboxGone(of owner: KubeObject) async throws {
        do {
            let live = try await client.get(SandboxResources.agentSandboxes, namespace: owner.namespace, name: owner.name)
            if live.isControlled(by: owner) {
                throw SandboxStillPresent(message: "Sandbox \(owner.key) is still being deleted")
            }
        } catch let error as APIError where error.code == 404 {}
    }
}

/// Retried with backoff: the Sandbox has not gone yet.
struct SandboxStillPresent: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
