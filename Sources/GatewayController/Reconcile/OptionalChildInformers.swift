//! OptionalChildInformers: the child informers of the optional APIs
//! (cert-manager, Gateway API, OpenShift Route), started and stopped as their
//! CustomResourceDefinitions come and go.
//!
//! Why not plain shared informers: an informer on a resource the server does
//! not serve gets 404 on every list and retries forever without syncing, and
//! the controller (which waits for its informers) and `/readyz` (which waits
//! for every shared informer) would never start. So each optional kind has a
//! small CRD informer (`metadata.name=<plural>.<group>`, always served), and
//! only while that CRD serves the kind is an informer for the kind itself run,
//! in a task of this object's own. Its first sync and every later change
//! re-queue the gateways; deleting the CRD stops it and drops its cache.
//! An API served without a CRD (OpenShift serves `route.openshift.io` from
//! its own API server) is found by API discovery instead (`discover`), asked
//! at most once a minute per API while a gateway needs it; an informer
//! started that way asks again every minute, and is stopped (and the gateways
//! re-queued) when discovery no longer lists the kind.
//!
//! The tasks inherit the graceful-shutdown signal of the task that starts
//! them (a CRD informer's handler, or a reconcile), and are cancelled when
//! this object goes away with the controller.
import KubeClient
import KubeCore
import KubeRuntime
import Logging
import OpenShellAPI

public final class OptionalChildInformers: Sendable {
    /// The CRD informer of each optional kind (shared informers, run by the operator process).
    public let crds: [OptionalAPI: Informer]

    private let client: RESTClient
    private let logger: Logger
    private let configuration: @Sendable (GroupVersionResource) -> InformerConfiguration
    private let state = Locked(State())

    private struct Running {
        var informer: Informer
        var task: Task<Void, Never>
    }

    private struct State {
        var running: [OptionalAPI: Running] = [:]
        /// Re-queues gateways (set once the controller exists).
        var enqueue: (@Sendable ([ObjectKey]) -> Void)?
        /// Every gateway's key.
        var allGateways: (@Sendable () -> [ObjectKey])?
        /// When API discovery was last asked about each API.
        var probed: [OptionalAPI: ContinuousClock.Instant] = [:]
        /// The running informers started because discovery listed their kind (no CRD shows it).
        var discovered: Set<OptionalAPI> = []
    }

    /// The least time between two discovery requests for one API (default one minute).
    let discoveryInterval: Duration

    /// - Parameters:
    ///   - informers: where the CRD informers come from.
    ///   - discoveryInterval: the least time between two discovery requests for one API.
    ///   - configuration: the informer configuration of an optional kind (scope and label selector).
    public init(client: RESTClient, informers: SharedInformers, logger: Logger, discoveryInterval: Duration = .seconds(60),
                configuration: @escaping @Sendable (GroupVersionResource) -> InformerConfiguration) {
        self.client = client
        self.logger = logger
        self.discoveryInterval = discoveryInterval
        self.configuration = configuration
        var crds: [OptionalAPI: Informer] = [:]
        for api in OptionalAPI.allCases {
            crds[api] = informers.informer(for: InformerConfiguration(
                resource: GatewayResources.customResourceDefinitions, fieldSelector: "metadata.name=\(api.crdName)"))
        }
        self.crds = crds
        for (api, informer) in crds {
            informer.addHandler { [weak self] _ in self?.crdChanged(api) }
        }
    }

    deinit {
        for running in state.withLock({ Array($0.running.values) }) { running.task.cancel() }
    }

    /// Where changes are reported: `enqueue` the gateways a changed child names, or all of `allGateways`.
    public func connect(enqueue: @escaping @Sendable ([ObjectKey]) -> Void, allGateways: @escaping @Sendable () -> [ObjectKey]) {
        state.withLock { s in
            s.enqueue = enqueue
            s.allGateways = allGateways
        }
    }

    /// Whether the kind is served, and whether its cache is ready.
    public func state(of api: OptionalAPI) -> OptionalAPIState {
        let informer = state.withLock { $0.running[api]?.informer }
        guard let informer else { return .notServed }
        return informer.hasSynced ? .ready : .syncing
    }

    public var states: [OptionalAPI: OptionalAPIState] {
        Dictionary(uniqueKeysWithValues: OptionalAPI.allCases.map { ($0, state(of: $0)) })
    }

    /// The cached children of the gateway `key`, of every ready kind (each with `kind` and `apiVersion` set).
    public func children(of key: ObjectKey) -> [KubeObject] {
        let running = state.withLock { $0.running }
        var found: [KubeObject] = []
        for (api, entry) in running.sorted(by: { $0.key.rawValue < $1.key.rawValue }) where entry.informer.hasSynced {
            for var object in entry.informer.cache.objects(index: .custom(GatewayCaches.ownerIndex), value: GatewayCaches.ownerIndexValue(key)) {
                if object.json["kind"] == nil { object.json["kind"] = .string(api.kind) }
                if object.json["apiVersion"] == nil { object.json["apiVersion"] = .string("\(api.group)/\(api.version)") }
                found.append(object)
            }
        }
        return found
    }

    /// The resourceVersions of the CRDs and of the cached children of `key` (for the reconciler's input hash).
    public func versions(of key: ObjectKey) -> [String] {
        let crdVersions = OptionalAPI.allCases.map { api in
            "\(api.crdName)@\(crds[api]?.cache.get(ObjectKey(namespace: "", name: api.crdName))?.resourceVersion ?? "")"
        }
        return crdVersions + children(of: key).map { "\(ChildKey($0))@\($0.resourceVersion)" }
    }

    // MARK: Starting and stopping

    /// Asks API discovery (`/apis/<group>/v1`) whether the kind is served, at most once a
    /// `discoveryInterval` per API, for APIs served without a CustomResourceDefinition: when it is
    /// listed and no informer runs, starts one; when an informer started this way runs and discovery
    /// answers that the kind is gone (the group version not found, or the kind not in its list),
    /// stops it and re-queues the gateways. An informer a CRD started is the CRD's to stop. A failed
    /// request changes nothing.
    public func discover(_ api: OptionalAPI) async {
        let now = ContinuousClock.now
        let due = state.withLock { s -> Bool in
            if s.running[api] != nil, !s.discovered.contains(api) { return false }
            if let last = s.probed[api], now - last < discoveryInterval { return false }
            s.probed[api] = now
            return true
        }
        guard due else { return }
        let listed: Bool
        do {
            let response = try await client.request(method: .get, path: "/apis/\(api.group)/\(api.version)")
            listed = Self.lists(try JSONValue.parse(response.body), api)
        } catch let error as APIError where error.code == 404 {
            listed = false
        } catch {
            return
        }
        if listed {
            guard state.withLock({ $0.running[api] == nil }) else { return }
            logger.info("API discovery lists an optional API", metadata: ["api": "\(api)"])
            start(api, Informer(client: client, configuration: configuration(api.resource), logger: logger), discovered: true)
            return
        }
        let stopped = state.withLock { s -> Running? in
            guard s.discovered.contains(api) else { return nil }
            s.discovered.remove(api)
            return s.running.removeValue(forKey: api)
        }
        guard let stopped else { return }
        stopped.task.cancel()
        logger.info("stopped watching an optional API: API discovery no longer lists it", metadata: ["api": "\(api)"])
        reenqueueAll()
    }

    /// Whether an `APIResourceList` names the kind's resource.
    static func lists(_ resources: JSONValue, _ api: OptionalAPI) -> Bool {
        (resources["resources"]?.arrayValue ?? []).contains { $0["name"]?.stringValue == api.plural }
    }

    /// Starts or stops the kind's informer to match its CRD.
    func crdChanged(_ api: OptionalAPI) {
        let crd = crds[api]?.cache.get(ObjectKey(namespace: "", name: api.crdName))
        let served = api.isServed(by: crd)
        let change: (start: Informer?, stop: Running?) = state.withLock { s in
            switch (served, s.running[api]) {
            case (true, nil):
                let informer = Informer(client: client, configuration: configuration(api.resource), logger: logger)
                return (informer, nil)
            case (false, let running?) where !s.discovered.contains(api):
                s.running[api] = nil
                return (nil, running)
            default:
                return (nil, nil)
            }
        }
        if let stopped = change.stop {
            stopped.task.cancel()
            logger.info("stopped watching an optional API: its CRD is gone", metadata: ["api": "\(api)"])
            reenqueueAll()
        }
        if let informer = change.start { start(api, informer) }
    }

    private func start(_ api: OptionalAPI, _ informer: Informer, discovered: Bool = false) {
        informer.cache.addIndex(GatewayCaches.ownerIndex) { object in
            GatewayResources.ownerKey(ofChild: object).map { [GatewayCaches.ownerIndexValue($0)] } ?? []
        }
        informer.addHandler { [weak self, weak informer] event in
            guard let self, let informer, informer.hasSynced else { return }
            var keys = GatewayResources.ownerKey(ofChild: event.object).map { [$0] } ?? []
            if case .updated(let old, _) = event, let previous = GatewayResources.ownerKey(ofChild: old) { keys.append(previous) }
            self.enqueue(keys)
        }
        // Only weak references to self: the tasks end in `deinit`.
        let synced: @Sendable () -> Void = { [weak self] in self?.reenqueueAll() }
        // A kind only discovery shows is asked about again while it is watched: no CRD event says it went away.
        let interval = discoveryInterval
        let recheck: @Sendable () async -> Bool = { [weak self] in
            guard (try? await Task.sleep(for: interval)) != nil, let self else { return false }
            await self.discover(api)
            return !Task.isCancelled
        }
        // Created here, inside a shared informer's handler: the task inherits its graceful-shutdown signal.
        let task = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await informer.run() }
                group.addTask {
                    guard (try? await informer.waitUntilSynced()) != nil else { return }
                    synced()
                }
                if discovered {
                    group.addTask { while await recheck() {} }
                }
            }
        }
        let superseded = state.withLock { s -> Bool in
            if s.running[api] != nil { return true }
            s.running[api] = Running(informer: informer, task: task)
            if discovered { s.discovered.insert(api) }
            return false
        }
        if superseded {
            task.cancel()
        } else {
            logger.info(discovered ? "watching an optional API: API discovery lists it" : "watching an optional API: its CRD is served",
                        metadata: ["api": "\(api)"])
        }
    }

    private func enqueue(_ keys: [ObjectKey]) {
        guard !keys.isEmpty, let enqueue = state.withLock({ $0.enqueue }) else { return }
        enqueue(keys)
    }

    private func reenqueueAll() {
        guard let all = state.withLock({ $0.allGateways }) else { return }
        enqueue(all())
    }
}
