//! GatewayReconciler: the IO half of the gateway reconciler. It gathers a
//! `GatewaySnapshot` (the gateway and its children from the caches, the PKI
//! Secrets read from the server with their values, the Agent Sandbox CRD,
//! the optional children and their APIs' state, asking API discovery about
//! an API the spec needs that no CRD serves),
//! lets `GatewayPlanner` decide, and carries the plan out: finalizer, the
//! PKI writer's Secrets (the key-encryption key without an ownerReference),
//! creates and merge patches, deletes with UID preconditions, then the
//! status and the planned Events through `OwnerWriter`.
import Foundation
import GatewayPKI
import KubeClient
import KubeCore
import KubeRuntime
import Logging
import OpenShellAPI

/// The caches the reconciler reads.
public struct GatewayCaches: Sendable {
    public var gateways: Informer
    /// Child informers by kind, each indexed by `GatewayCaches.ownerIndex`.
    public var children: [String: Informer]
    /// The one CustomResourceDefinition `sandboxes.agents.x-k8s.io`.
    public var agentSandboxCRD: Informer
    /// The cert-manager, Gateway API and OpenShift Route children, cached while their CRDs serve them.
    public var optional: OptionalChildInformers

    /// The index of child caches: `<namespace>/<name>` of the gateway named by the owner labels.
    public static let ownerIndex = "openshell.ai/gateway"

    public static func ownerIndexValue(_ key: ObjectKey) -> String { "\(key.namespace)/\(key.name)" }
}

public struct GatewayReconciler: Reconciler {
    let client: RESTClient
    let caches: GatewayCaches
    let clock: any WallClock
    /// The API server's version, read once (`ClusterVersion`).
    let clusterVersion: ClusterVersionReader
    /// Learns the value of every Secret read, so no log line or Event note can carry one.
    let scrubber: SecretScrubber
    /// The one namespace the operator watches (`--namespace`); nil when it watches all.
    let watchNamespace: String?
    /// The finalizer and status writes, and the Events.
    let ownerWriter: OwnerWriter

    public init(client: RESTClient, caches: GatewayCaches, events: EventRecorder, clock: any WallClock, logger: Logger,
                clusterVersion: ClusterVersionReader? = nil, scrubber: SecretScrubber = SecretScrubber(), watchNamespace: String? = nil) {
        self.client = client
        self.caches = caches
        self.clock = clock
        self.clusterVersion = clusterVersion ?? ClusterVersionReader(client: client)
        self.scrubber = scrubber
        self.watchNamespace = watchNamespace
        ownerWriter = OwnerWriter(
            client: client, resource: OpenShellAPIGroup.gateways, recorder: events, fieldManager: OpenShellLabels.fieldManager, logger: logger)
    }

    static let writeOptions = WriteOptions(fieldManager: OpenShellLabels.fieldManager, fieldValidation: .strict)

    public func reconcile(_ request: ReconcileRequest) async throws -> ReconcileResult {
        // Planned from the cache, which may lag behind the previous run's status write: such a plan
        // repeats that run's transitions, its status write conflicts and their Events are dropped (`StatusCommit`).
        guard var owner = caches.gateways.cache.get(request.key) else { return .done }
        let snapshot = try await gather(owner)
        let plan = GatewayPlanner.plan(snapshot)

        var released = false
        var events = plan.events
        for action in plan.actions {
            switch action {
            case .addFinalizer:
                guard let updated = try await ownerWriter.addFinalizer(GatewayFinalizer.name, to: owner) else { return .done }
                owner = updated
            case .removeFinalizer:
                guard let updated = try await ownerWriter.removeFinalizer(GatewayFinalizer.name, from: owner) else { return .done }
                owner = updated
                released = true
            case .writePKI(let pki):
                try await writePKI(pki, owner: owner, observed: snapshot.secrets)
            case .create(let object):
                guard let resource = GatewayResources.of(object) else { continue }
                do {
                    _ = try await client.create(resource, namespace: namespace(of: object), object, options: Self.writeOptions)
                } catch let error as APIError where error.code == 409 {
                    // Someone else's object of that name (not labelled for us, so not in our caches): leave it.
                    events.append(PlannedEvent(
                        .warning, GatewayEventReason.childConflict,
                        "\(ChildKey(object)) already exists and is not managed by this OpenShellGateway; it is left untouched",
                        basis: .write))
                }
            case .patch(let live, let patch):
                guard let resource = GatewayResources.of(live) else { continue }
                _ = try await client.patch(
                    resource, namespace: namespace(of: live), name: live.name, type: .merge, patch: patch, options: Self.writeOptions)
            case .delete(let object):
                guard let resource = GatewayResources.of(object) else { continue }
                do {
                    _ = try await client.delete(
                        resource, namespace: namespace(of: object), name: object.name,
                        options: DeleteOptions(preconditions: Preconditions(uid: object.uid), propagationPolicy: .background))
                } catch let error as APIError where error.code == 404 || error.code == 409 {
                    // Already gone, or another incarnation.
                }
            }
        }
        try await ownerWriter.commit(owner: owner, planned: released || owner.isBeingDeleted ? nil : plan.status, events: events)
        return plan.requeueAfter.map { .requeue(after: $0) } ?? .done
    }

    /// The children's versions, the CRD's, labels and annotations.
    public func inputHash(for object: KubeObject) -> String {
        let versions = builtInChildren(of: object.key).map { "\(ChildKey($0))@\($0.resourceVersion)" }.sorted()
        let crd = caches.agentSandboxCRD.cache.get(ObjectKey(namespace: "", name: AgentSandboxAPI.crdName))?.resourceVersion ?? ""
        return InputDigest.of([
            .object(object.labels.mapValues(JSONValue.string)), .object(object.annotations.mapValues(JSONValue.string)),
            .array(versions.map(JSONValue.string)), .string(crd), .array(caches.optional.versions(of: object.key).map(JSONValue.string)),
        ])
    }

    // MARK: Gathering

    /// The built-in and the optional children of the gateway `key`.
    func children(of key: ObjectKey) -> [KubeObject] {
        builtInChildren(of: key) + caches.optional.children(of: key)
    }

    func builtInChildren(of key: ObjectKey) -> [KubeObject] {
        var found: [KubeObject] = []
        for (kind, informer) in caches.children.sorted(by: { $0.key < $1.key }) {
            for var object in informer.cache.objects(index: .custom(GatewayCaches.ownerIndex), value: GatewayCaches.ownerIndexValue(key)) {
                if object.json["kind"] == nil { object.json["kind"] = .string(kind) }
                if object.json["apiVersion"] == nil, let resource = GatewayResources.byKind[kind] {
                    object.json["apiVersion"] = .string(resource.group.isEmpty ? resource.version : "\(resource.group)/\(resource.version)")
                }
                found.append(object)
            }
        }
        return found
    }

    func gather(_ owner: KubeObject) async throws -> GatewaySnapshot {
        let crd = caches.agentSandboxCRD.cache.get(ObjectKey(namespace: "", name: AgentSandboxAPI.crdName))
        let problem = GatewayPreflight.agentSandboxProblem(servedSandboxVersions: AgentSandboxAPI.servedGroupVersions(of: crd))
        var secrets = ObservedGatewaySecrets()
        var issued: [String: KubeObject] = [:]
        if !owner.isBeingDeleted, let spec = try? owner.decodeSpec(OpenShellGatewaySpec.self),
           let settings = try? GatewayPKISettings(gatewayName: owner.name, namespace: owner.namespace, spec: spec) {
            secrets = try await observeSecrets(settings)
            for api in Self.optionalAPIs(spec: spec, mode: settings.mode) where caches.optional.state(of: api) == .notServed {
                await caches.optional.discover(api)
            }
            if settings.mode == .certManager {
                for name in CertManagerProgress.secretNames(spec: spec, gateway: owner) where name != settings.serverSecretName {
                    issued[name] = try await readSecret(name, namespace: owner.namespace)
                }
                issued[settings.serverSecretName] = secrets.server
            }
        }
        let found = children(of: owner.key)
        return GatewaySnapshot(
            owner: owner, children: found, secrets: secrets, agentSandboxProblem: problem,
            optionalAPIs: caches.optional.states, issuedSecrets: issued, cluster: try await clusterVersion.facts(), now: clock.now(),
            workloadPods: try await workloadPods(owner, found), watchNamespace: watchNamespace)
    }

    /// The StatefulSet's pods, read from the server only while its rollout is incomplete (`StalledPods`).
    func workloadPods(_ owner: KubeObject, _ children: [KubeObject]) async throws -> [KubeObject] {
        guard !owner.isBeingDeleted,
              let set = children.first(where: { $0.kind == "StatefulSet" && $0.name == owner.name && StalledPods.worthChecking($0) }),
              let selector = StalledPods.selector(of: set) else { return [] }
        let list = try await client.list(GatewayResources.pods, namespace: set.namespace, options: ListOptions(labelSelector: selector))
        return list.items.map { pod in
            var pod = pod
            pod.json["kind"] = "Pod"
            pod.json["apiVersion"] = "v1"
            return pod
        }
    }

    /// The optional APIs `spec` asks for.
    static func optionalAPIs(spec: OpenShellGatewaySpec, mode: GatewayTLSMode) -> [OptionalAPI] {
        var apis: [OptionalAPI] = mode == .certManager ? [.issuers, .certificates] : []
        if let route = spec.exposure?.grpcRoute {
            apis.append(.grpcRoutes)
            if route.gateway != nil { apis.append(.gateways) }
        }
        if spec.exposure?.openShiftRoute != nil { apis.append(.routes) }
        return apis
    }

    /// A Secret with its values, read from the server; nil when it does not exist. Its values (as
    /// stored and decoded) are registered with the scrubber before anything else sees them.
    func readSecret(_ name: String, namespace: String) async throws -> KubeObject? {
        let secret: KubeObject
        do {
            secret = try await client.get(GatewayResources.secrets, namespace: namespace, name: name)
        } catch let error as APIError where error.code == 404 {
            return nil
        }
        Self.register(valuesOf: secret, with: scrubber)
        return secret
    }

    /// Registers each value of `secret`'s `data`, base64 as stored and decoded when it is text.
    static func register(valuesOf secret: KubeObject, with scrubber: SecretScrubber) {
        for case let .string(encoded) in (secret.json["data"]?.objectValue ?? [:]).values {
            scrubber.register(encoded)
            if let decoded = Data(base64Encoded: encoded).flatMap({ String(data: $0, encoding: .utf8) }) { scrubber.register(decoded) }
        }
    }

    /// The PKI Secrets, read from the server: the caches hold no Secret values.
    func observeSecrets(_ settings: GatewayPKISettings) async throws -> ObservedGatewaySecrets {
        func read(_ name: String?) async throws -> KubeObject? {
            guard let name else { return nil }
            return try await readSecret(name, namespace: settings.namespace)
        }
        let tls = settings.managesCertificates
        return ObservedGatewaySecrets(
            ca: tls ? try await read(settings.caSecretName) : nil,
            server: try await read(settings.serverSecretName),
            client: tls ? try await read(settings.clientSecretName) : nil,
            signingKey: try await read(settings.signingSecretName),
            keyEncryptionKey: try await read(settings.keyEncryptionKeySecretName))
    }

    // MARK: Writes

    func namespace(of object: KubeObject) -> String? { object.namespace.isEmpty ? nil : object.namespace }

    /// Generates and writes the Secrets of `pki`: created ones with an ownerReference (the key-encryption
    /// key without one, so it outlives the gateway); a replaced Secret keeps the ownerReferences it had,
    /// so a Secret someone else made (cert-manager's, after a switch to the built-in PKI) is renewed but
    /// never adopted.
    func writePKI(_ pki: PKIPlan, owner: KubeObject, observed: ObservedGatewaySecrets) async throws {
        let spec = try owner.decodeSpec(OpenShellGatewaySpec.self)
        let settings = try GatewayPKISettings(gatewayName: owner.name, namespace: owner.namespace, spec: spec)
        let writes = try GatewayPKIWriter.writes(plan: pki, observed: observed, settings: settings, now: clock.now())
        for write in writes {
            var object = write.object
            if write.ownedByGateway, write.verb == .create {
                var references = object.ownerReferences.filter { !$0.isController }
                references.append(OwnerReference(
                    apiVersion: OpenShellAPIGroup.groupVersion.description, kind: OpenShellAPIGroup.gatewayKind.kind,
                    name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true))
                object.ownerReferences = references
            }
            switch write.verb {
            case .create:
                do {
                    _ = try await client.create(GatewayResources.secrets, namespace: settings.namespace, object, options: Self.writeOptions)
                } catch let error as APIError where error.code == 409 {
                    // Someone created it meanwhile: the next run plans with it.
                }
            case .replace:
                _ = try await client.update(GatewayResources.secrets, namespace: settings.namespace, object, options: Self.writeOptions)
            }
        }
    }
}
