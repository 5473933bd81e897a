//! GatewayPlanner: the gateway reconciler's decisions as a pure function.
//! Given a snapshot — the OpenShellGateway, the children found by its owner
//! labels, the PKI Secrets it mounts, the Agent Sandbox preflight and the
//! time — it validates and renders the spec, and returns the writes, the
//! status, the Events and when to look again. The reconciler only gathers
//! the snapshot and carries the plan out.
//!
//! Rules, in order (re-evaluated from scratch on every run):
//! 1. Being deleted: delete the children the garbage collector cannot reach
//!    (cluster-scoped RBAC, children in other namespaces), then drop the
//!    finalizer. The key-encryption-key Secret carries no owner labels and
//!    is never touched.
//! 2. Nothing is applied from a spec that does not decode or validate
//!    (ConfigValid=False), from a refused downgrade, while the Agent
//!    Sandbox API is not served, or while a PKI Secret of our names belongs
//!    to another gateway; what runs is left as it is.
//! 3. The PKI Secrets the plan asks for are written first; the children are
//!    applied in the next run, once the Secrets' checksum is final. In
//!    cert-manager mode the Issuers and Certificates are applied, and the
//!    workload waits until the Secrets it mounts have been issued.
//! 3a. Children of an optional API (cert-manager, Gateway API, OpenShift
//!    Route) are applied only while it is served and cached; one the spec
//!    asks for that is not served is Degraded with a Warning naming the API
//!    and the spec field.
//! 4. Children are created, or merge-patched on the members we render;
//!    one edited by hand (its applied-hash still current) is a DriftCorrected
//!    Event. Children we no longer render are deleted.
//! 5. The workload's rollout gives RolloutComplete, Available, the running
//!    version, and after the progress deadline Degraded=RolloutStuck. With
//!    `spec.upgrade.automaticRollback`, a stuck version change is recorded in
//!    `status.rollback` and, for as long as the spec's generation is the one
//!    recorded, the workload runs the last known good version's images
//!    (Degraded=RolledBack). Pods a StatefulSet cannot get past (a broken
//!    revision, not Ready) are deleted so a reverted template rolls out.
import Foundation
import GatewayPKI
import KubeCore
import KubeRuntime
import OpenShellAPI

/// The finalizer that removes what the garbage collector cannot.
public enum GatewayFinalizer {
    public static let name = "openshell.ai/gateway-cleanup"
}

/// Event reasons (stable API; documented in docs/gateway.md).
public enum GatewayEventReason {
    public static let installed = "Installed"
    public static let configInvalid = "ConfigInvalid"
    public static let agentSandboxMissing = "AgentSandboxMissing"
    public static let agentSandboxAvailable = "AgentSandboxAvailable"
    public static let driftCorrected = "DriftCorrected"
    public static let upgradeStarted = "UpgradeStarted"
    public static let upgradeComplete = "UpgradeComplete"
    public static let rolloutStuck = "RolloutStuck"
    public static let downgradeRefused = "DowngradeRefused"
    public static let cleanedUp = "CleanedUp"
    /// A stuck version rollout was rolled back to the last known good version (Warning; also Degraded's reason).
    public static let rolledBack = "RolledBack"
    /// The rollback's rollout completed: the last known good version runs again.
    public static let rollbackComplete = "RollbackComplete"
    /// A pod of a revision the StatefulSet no longer runs, never Ready, was deleted so the rollout can go on.
    public static let stalledPodDeleted = "StalledPodDeleted"
    /// A PKI Secret of the names this gateway uses is controlled by another gateway.
    public static let secretConflict = "SecretConflict"
    /// A child of the name exists but is not ours (reported by the reconciler when a create conflicts).
    public static let childConflict = "ChildConflict"
    /// `spec.tls.mode: CertManager` while cert-manager's `Issuer` or `Certificate` is not served.
    public static let certManagerMissing = "CertManagerMissing"
    /// cert-manager is served again after `CertManagerMissing`.
    public static let certManagerAvailable = "CertManagerAvailable"
    /// `spec.exposure.grpcRoute` while the Gateway API's `GRPCRoute` (or `Gateway`) is not served.
    public static let gatewayAPIMissing = "GatewayAPIMissing"
    /// `spec.exposure.openShiftRoute` while `route.openshift.io/v1` `Route` is not served.
    public static let openShiftRouteAPIMissing = "OpenShiftRouteAPIMissing"
}

/// TLSReady reasons of cert-manager mode (stable API; documented in docs/gateway.md).
public enum GatewayTLSReason {
    /// cert-manager has not issued every Certificate, or not written every Secret, yet.
    public static let waitingForCertificates = "WaitingForCertificates"
    /// Every Certificate is Ready and every Secret exists.
    public static let certificatesIssued = "CertificatesIssued"
}

/// Everything one decision reads.
public struct GatewaySnapshot: Sendable {
    /// The OpenShellGateway.
    public var owner: KubeObject
    /// Every child found by the gateway's owner labels (each with its `kind` set).
    public var children: [KubeObject]
    /// The PKI Secrets as read (with their values).
    public var secrets: ObservedGatewaySecrets
    /// The Agent Sandbox preflight's problem; nil when Sandbox is served.
    public var agentSandboxProblem: String?
    /// Which optional APIs are served and cached; a missing entry is `.notServed`.
    public var optionalAPIs: [OptionalAPI: OptionalAPIState]
    /// cert-manager mode: the Secrets cert-manager writes, as read (with their values), by name; absent when missing.
    public var issuedSecrets: [String: KubeObject]
    public var cluster: GatewayClusterFacts
    public var now: Date
    /// The pods of the StatefulSet, read only while its rollout is incomplete (`StalledPods.worthChecking`).
    public var workloadPods: [KubeObject]
    /// The one namespace the operator watches (`--namespace`); nil when it watches all.
    public var watchNamespace: String?

    public init(owner: KubeObject, children: [KubeObject] = [], secrets: ObservedGatewaySecrets = ObservedGatewaySecrets(),
                agentSandboxProblem: String? = nil, optionalAPIs: [OptionalAPI: OptionalAPIState] = [:],
                issuedSecrets: [String: KubeObject] = [:], cluster: GatewayClusterFacts = GatewayClusterFacts(), now: Date,
                workloadPods: [KubeObject] = [], watchNamespace: String? = nil) {
        self.owner = owner
        self.children = children
        self.secrets = secrets
        self.agentSandboxProblem = agentSandboxProblem
        self.optionalAPIs = optionalAPIs
        self.issuedSecrets = issuedSecrets
        self.cluster = cluster
        self.now = now
        self.workloadPods = workloadPods
        self.watchNamespace = watchNamespace
    }
}

/// One write.
public enum GatewayAction: Sendable, Hashable {
    case addFinalizer
    case removeFinalizer
    /// Generate and write the Secrets of this PKI plan (`GatewayPKIWriter`).
    case writePKI(PKIPlan)
    case create(KubeObject)
    /// A JSON merge patch of `live`.
    case patch(live: KubeObject, patch: JSONValue)
    /// Delete with a UID precondition.
    case delete(KubeObject)
}

public struct GatewayPlan: Sendable {
    public var actions: [GatewayAction] = []
    /// The status to report (written only when it differs).
    public var status: OpenShellGatewayStatus
    public var events: [PlannedEvent] = []
    public var requeueAfter: Duration?
}

public enum GatewayPlanner {
    /// How often a wait (a rollout, children being deleted, Secrets just written) is re-checked.
    public static let recheck: Duration = .seconds(5)
    /// How often a gateway needing an API that is not served looks again (API discovery, for APIs without a CRD).
    public static let apiRecheck: Duration = .seconds(60)
    /// The longest wait before looking again at all (certificate renewal, drift the watches missed).
    public static let resync: Duration = .seconds(3600)

    public static func plan(_ snapshot: GatewaySnapshot) -> GatewayPlan {
        var run = GatewayPlanRun(snapshot)
        run.decide()
        return run.finish()
    }
}

/// One planning run.
struct GatewayPlanRun {
    let s: GatewaySnapshot
    var actions: [GatewayAction] = []
    var events: [PlannedEvent] = []
    var status: OpenShellGatewayStatus
    var requeueAfter: Duration?

    /// Why nothing is applied (ConfigValid, Degraded).
    var configProblem: (reason: String, message: String)?
    var downgrade: String?
    /// PKI Secrets of our names controlled by another gateway.
    var secretConflict: String?
    var tls: (status: String, reason: String, message: String) = ("Unknown", "NotChecked", "the spec was not evaluated")
    var pkiDegraded: PKIDegradation?
    /// Optional APIs the spec needs that are not served (Degraded), in the order found.
    var apiProblems: [(reason: String, message: String)] = []
    var rollout: WorkloadRollout?
    var workloadChanged = false
    var stuck = false
    var desiredVersion: String?
    var deleting = false
    /// The automatic rollback in effect for this generation (`status.rollback`).
    var rollback: GatewayRollbackRecord?
    /// `spec.upgrade` of a spec that decoded.
    var upgrade: GatewayUpgrade?

    init(_ snapshot: GatewaySnapshot) {
        s = snapshot
        status = snapshot.owner.decodeStatus(OpenShellGatewayStatus.self) ?? OpenShellGatewayStatus()
        // A rollback holds for the generation that failed; a new spec is rolled out again.
        if let record = status.rollback {
            if record.generation == snapshot.owner.generation { rollback = record } else { status.rollback = nil }
        }
    }

    var previous: [Condition] { (s.owner.decodeStatus(OpenShellGatewayStatus.self) ?? OpenShellGatewayStatus()).conditions ?? [] }
    var names: GatewayNames { GatewayNames(name: s.owner.name, namespace: s.owner.namespace) }

    mutating func requeue(after delay: Duration) {
        requeueAfter = min(requeueAfter ?? delay, delay)
    }

    /// A child the garbage collector does not reach: cluster-scoped, or in another namespace.
    func outOfReach(_ child: KubeObject) -> Bool { child.namespace != s.owner.namespace }

    /// Ours: controlled by this gateway, or (where no ownerReference can be) labelled for it.
    func owns(_ child: KubeObject) -> Bool {
        if outOfReach(child) { return GatewayResources.ownerKey(ofChild: child) == s.owner.key }
        return child.controllerReference.map { $0.uid == s.owner.uid && $0.groupKind == OpenShellAPIGroup.gatewayKind } ?? false
    }

    // MARK: Decisions

    mutating func decide() {
        if s.owner.isBeingDeleted { return decideDeletion() }
        if !s.owner.finalizers.contains(GatewayFinalizer.name) { actions.append(.addFinalizer) }

        let spec: OpenShellGatewaySpec
        do {
            spec = try s.owner.decodeSpec(OpenShellGatewaySpec.self)
        } catch {
            return blockConfig("spec: \(error)")
        }
        let problems = GatewayValidation.validate(spec) + GatewayValidation.scopeProblems(spec, watchNamespace: s.watchNamespace)
        if !problems.isEmpty { return blockConfig(problems.map(\.description).joined(separator: "; ")) }
        let settings: GatewayPKISettings
        do {
            settings = try GatewayPKISettings(gatewayName: s.owner.name, namespace: s.owner.namespace, spec: spec)
        } catch {
            return blockConfig(error.description)
        }
        upgrade = spec.upgrade
        let requested = GatewayImageSet.resolve(spec)
        desiredVersion = requested.version
        // Rolled back: the last known good version's pair, for as long as this generation stands.
        let images = rollback.map { GatewayImageSet.rollback(spec, to: $0.to) } ?? requested
        let allow = s.owner.annotations[OpenShellLabels.allowDowngradeAnnotation] == "true"
        if let problem = GatewayValidation.versionChangeProblem(running: status.runningVersion, requested: requested.version, allowDowngrade: allow) {
            downgrade = problem.description
            if previous[type: GatewayConditionType.degraded]?.reason != GatewayEventReason.downgradeRefused {
                events.append(PlannedEvent(.warning, GatewayEventReason.downgradeRefused, problem.description))
            }
            observeWorkload(spec)
            return
        }
        if let problem = s.agentSandboxProblem {
            if previous[type: GatewayConditionType.agentSandboxAvailable]?.status != "False" {
                events.append(PlannedEvent(.warning, GatewayEventReason.agentSandboxMissing, problem))
            }
            observeWorkload(spec)
            return
        }
        if previous[type: GatewayConditionType.agentSandboxAvailable]?.status == "False" {
            events.append(PlannedEvent(.normal, GatewayEventReason.agentSandboxAvailable, "the Agent Sandbox API is served again"))
        }

        // The CA, server and client Secrets have fixed default names: another gateway's in this
        // namespace must never be renewed or mounted as ours.
        let foreign = [s.secrets.ca, s.secrets.server, s.secrets.client, s.secrets.signingKey].compactMap { $0 }.filter { secret in
            guard let reference = secret.controllerReference, reference.groupKind == OpenShellAPIGroup.gatewayKind else { return false }
            return reference.uid != s.owner.uid
        }
        if !foreign.isEmpty {
            let list = foreign.map { "Secret \($0.name) (OpenShellGateway \($0.controllerReference?.name ?? ""))" }.joined(separator: ", ")
            let message = "\(list) belongs to another gateway: set spec.tls.secretNames (and spec.tls.certManager.caSecretName) to names of this gateway's own"
            secretConflict = message
            tls = ("False", GatewayEventReason.secretConflict, message)
            if previous[type: GatewayConditionType.degraded]?.reason != GatewayEventReason.secretConflict {
                events.append(PlannedEvent(.warning, GatewayEventReason.secretConflict, message))
            }
            observeWorkload(spec)
            return
        }

        // Leaving cert-manager mode: its Issuers and Certificates go first. While a Certificate
        // exists cert-manager keeps rewriting the Secret it names, and the built-in PKI renewing
        // the same Secret would fight it; the PKI takes the Secrets over once the chain is gone.
        if settings.managesCertificates {
            let chain = s.children.filter { $0.apiVersion.hasPrefix("\(OptionalAPI.certificates.group)/") && owns($0) }
            if !chain.isEmpty {
                for child in chain where !child.isBeingDeleted { actions.append(.delete(child)) }
                tls = ("False", "Provisioning", "removing the cert-manager Issuers and Certificates before the built-in PKI takes over their Secrets")
                requeue(after: .seconds(1))
                observeWorkload(spec)
                return
            }
        }

        // PKI first: its Secrets' checksum goes into the pod template.
        let pki = GatewayPKIPlanner.plan(observed: s.secrets, settings: settings, gatewayUID: s.owner.uid, now: s.now)
        describeTLS(pki, settings: settings)
        if !pki.isUntouched {
            actions.append(.writePKI(pki))
            events += pki.events.filter { $0.type != "Warning" }.map { PlannedEvent(.normal, $0.reason, $0.message, basis: .write) }
            requeue(after: .seconds(1))
            observeWorkload(spec)
            return
        }
        if let next = pki.nextRenewal {
            requeue(after: .seconds(max(1, min(next.timeIntervalSince(s.now).rounded(.up), GatewayPlanner.resync.timeInterval))))
        }

        let checksum = GatewayPKIChecksum.value(server: s.secrets.server, signingKey: s.secrets.signingKey)
        var checksumInputs = [GatewayPKIChecksum.annotation: checksum]
        if settings.mode == .certManager, spec.tls?.certManager?.externalIssuer != nil {
            let external = GatewaySecretNames.resolve(spec, names: names).externalServer
            checksumInputs[CertManagerProgress.externalChecksumInput] = CertManagerProgress.fingerprint(s.issuedSecrets[external])
        }
        let input = GatewayRenderInput(gateway: s.owner, spec: spec, images: images, cluster: s.cluster, checksumInputs: checksumInputs)
        let rendered = GatewayRenderer.render(input)
        status.endpoint = rendered.endpoint
        let optional = planOptionalAPIs(rendered, spec: spec, settings: settings)
        apply(rendered, optional: optional.objects, holdWorkload: optional.holdWorkload)
        observeWorkload(spec)
        deleteStalledPods()
    }

    /// Deletes the StatefulSet's pods its rollout can never get past (`StalledPods`).
    mutating func deleteStalledPods() {
        guard let set = s.children.first(where: { $0.kind == "StatefulSet" && $0.name == s.owner.name && owns($0) }) else { return }
        for pod in StalledPods.select(statefulSet: set, pods: s.workloadPods) {
            actions.append(.delete(pod))
            let revision = pod.labels[StalledPods.revisionLabel] ?? ""
            events.append(PlannedEvent(
                .normal, GatewayEventReason.stalledPodDeleted,
                "Deleted pod \(pod.name) of revision \(revision), which never became ready and blocks the rollout of the current template",
                basis: .write))
            requeue(after: .seconds(1))
        }
    }

    mutating func blockConfig(_ message: String) {
        configProblem = (GatewayEventReason.configInvalid, message)
        let was = previous[type: GatewayConditionType.configValid]
        if was?.status != "False" || was?.message != message {
            events.append(PlannedEvent(.warning, GatewayEventReason.configInvalid, message))
        }
        tls = ("Unknown", GatewayEventReason.configInvalid, "the spec is invalid")
        observeWorkload(nil)
    }

    mutating func describeTLS(_ pki: PKIPlan, settings: GatewayPKISettings) {
        if let degraded = pki.degraded {
            pkiDegraded = degraded
            tls = ("False", degraded.reason, "\(degraded.message). \(degraded.recoveryHint)")
            if previous[type: GatewayConditionType.tlsReady]?.reason != degraded.reason {
                events.append(PlannedEvent(.warning, degraded.reason, "\(degraded.message). \(degraded.recoveryHint)"))
            }
            return
        }
        switch settings.mode {
        case .disabled:
            tls = pki.isUntouched ? ("True", "TLSDisabled", "TLS is disabled") : ("False", "Provisioning", "creating the signing key")
        case .certManager:
            // Refined by `planOptionalAPIs` once the signing key exists.
            tls = pki.isUntouched
                ? ("Unknown", GatewayTLSReason.waitingForCertificates, "cert-manager issues the certificates")
                : ("False", "Provisioning", "creating the signing key")
        case .builtIn:
            tls = pki.isUntouched
                ? ("True", "CertificatesValid", "the CA, server and client certificates and the signing key are valid")
                : ("False", "Provisioning", "creating or renewing certificates")
        }
    }

    /// Which children of optional APIs to apply, and whether the workload waits for issued Secrets;
    /// sets TLSReady in cert-manager mode and reports the APIs the spec needs that are not served.
    mutating func planOptionalAPIs(_ rendered: RenderedGateway, spec: OpenShellGatewaySpec, settings: GatewayPKISettings)
        -> (objects: [KubeObject], holdWorkload: Bool) {
        func state(_ api: OptionalAPI) -> OptionalAPIState { s.optionalAPIs[api] ?? .notServed }
        var objects: [KubeObject] = []
        var hold = false
        if settings.mode == .certManager {
            let mounted = CertManagerProgress.mountedSecretNames(spec: spec, gateway: s.owner)
            let unissued = mounted.filter { !CertManagerProgress.isIssued(s.issuedSecrets[$0]) }
            // Secrets first, as with the built-in PKI: no pod starts (or rolls) without the certificate it mounts.
            hold = !unissued.isEmpty
            let waiting = hold ? "; the workload waits for Secret \(unissued.joined(separator: ", "))" : ""
            let missing = [OptionalAPI.issuers, .certificates].filter { state($0) == .notServed }
            let wasMissing = previous[type: GatewayConditionType.tlsReady]?.reason == GatewayEventReason.certManagerMissing
            if !missing.isEmpty {
                let message = "spec.tls.mode is CertManager, but \(missing.map(\.description).joined(separator: " and ")) "
                    + "\(missing.count == 1 ? "is" : "are") not served: install cert-manager (no Issuer or Certificate is applied until then)\(waiting)"
                tls = ("False", GatewayEventReason.certManagerMissing, message)
                apiProblems.append((GatewayEventReason.certManagerMissing, message))
                requeue(after: GatewayPlanner.apiRecheck)
                if !wasMissing { events.append(PlannedEvent(.warning, GatewayEventReason.certManagerMissing, message)) }
            } else if [OptionalAPI.issuers, .certificates].contains(where: { state($0) == .syncing }) {
                // Served now: announced here, as the status leaves CertManagerMissing in this run.
                if wasMissing {
                    events.append(PlannedEvent(.normal, GatewayEventReason.certManagerAvailable, "cert-manager is served again; applying the Issuers and Certificates"))
                }
                tls = ("False", GatewayTLSReason.waitingForCertificates, "waiting for the operator's cache of cert-manager objects\(waiting)")
                requeue(after: GatewayPlanner.recheck)
            } else {
                if wasMissing {
                    events.append(PlannedEvent(.normal, GatewayEventReason.certManagerAvailable, "cert-manager is served again; applying the Issuers and Certificates"))
                }
                objects += rendered.certManager
                let progress = CertManagerProgress(
                    desired: rendered.certManager.map(ChildDrift.stamped), live: s.children, secrets: s.issuedSecrets,
                    secretNames: CertManagerProgress.secretNames(spec: spec, gateway: s.owner))
                if progress.ready {
                    tls = ("True", GatewayTLSReason.certificatesIssued, progress.message)
                } else {
                    tls = ("False", GatewayTLSReason.waitingForCertificates, progress.message + waiting)
                    requeue(after: GatewayPlanner.recheck)
                }
            }
        }
        let degradedMessage = previous[type: GatewayConditionType.degraded]?.message ?? ""
        for object in rendered.exposure {
            guard let api = OptionalAPI(kind: object.kind) else { continue }
            switch state(api) {
            case .ready:
                objects.append(object)
            case .syncing:
                requeue(after: GatewayPlanner.recheck)
            case .notServed:
                let routed = api == .routes
                let field = routed ? "spec.exposure.openShiftRoute" : (api == .gateways ? "spec.exposure.grpcRoute.gateway" : "spec.exposure.grpcRoute")
                let install = routed ? "OpenShift's route API" : "the Gateway API CRDs (standard channel)"
                let reason = routed ? GatewayEventReason.openShiftRouteAPIMissing : GatewayEventReason.gatewayAPIMissing
                let message = "\(field) asks for a \(api.kind), but \(api) is not served: install \(install); the \(api.kind) is applied once it is"
                apiProblems.append((reason, message))
                requeue(after: GatewayPlanner.apiRecheck)
                if !degradedMessage.contains(message) { events.append(PlannedEvent(.warning, reason, message)) }
            }
        }
        return (objects, hold)
    }

    /// Creates, patches and prunes the children: the built-in ones, the `optional` ones whose APIs are
    /// served, and the workload unless it waits (`holdWorkload`; a live one is then left as it is).
    mutating func apply(_ rendered: RenderedGateway, optional: [KubeObject] = [], holdWorkload: Bool = false) {
        var live: [ChildKey: KubeObject] = [:]
        for child in s.children { live[ChildKey(child)] = child }
        var wanted = Set<ChildKey>()
        let firstInstall = status.runningVersion == nil
        let certManager = optional.filter { OptionalAPI(kind: $0.kind).map { [.issuers, .certificates].contains($0) } ?? false }
        let exposure = optional.filter { object in !certManager.contains { ChildKey($0) == ChildKey(object) } }
        let objects = rendered.serviceAccounts + [rendered.configMap] + rendered.rbac + certManager + [rendered.service, rendered.workload]
            + (rendered.networkPolicy.map { [$0] } ?? []) + exposure
        for object in objects {
            let desired = ChildDrift.stamped(object)
            let key = ChildKey(desired)
            wanted.insert(key)
            let isWorkload = key == ChildKey(rendered.workload)
            if isWorkload, holdWorkload { continue }
            guard let current = live[key] else {
                actions.append(.create(desired))
                if isWorkload { workloadChanged = true }
                continue
            }
            guard owns(current) else { continue }  // never adopt; the garbage collector removes a predecessor's
            guard let patch = ChildDrift.patch(
                live: current, desired: desired, immutable: GatewayResources.immutablePaths(kind: key.kind)) else { continue }
            actions.append(.patch(live: current, patch: patch))
            let drifted = current.annotations[ChildDrift.appliedHashAnnotation] == desired.annotations[ChildDrift.appliedHashAnnotation]
            if drifted {
                events.append(PlannedEvent(.normal, GatewayEventReason.driftCorrected, "\(key) was changed by hand; put it back", basis: .write))
            }
            if isWorkload {
                workloadChanged = true
                let from = current.labels["app.kubernetes.io/version"]
                if !firstInstall, rollback == nil, let from, from != rendered.workload.labels["app.kubernetes.io/version"] {
                    events.append(PlannedEvent(
                        .normal, GatewayEventReason.upgradeStarted, "Upgrading the gateway from \(from) to \(desiredVersion ?? "")",
                        basis: .write))
                }
            }
        }
        for child in s.children where !wanted.contains(ChildKey(child)) && owns(child) && !child.isBeingDeleted && child.kind != "Secret" {
            actions.append(.delete(child))
        }
    }

    mutating func decideDeletion() {
        deleting = true
        guard s.owner.finalizers.contains(GatewayFinalizer.name) else { return }
        let remaining = s.children.filter { outOfReach($0) && owns($0) }
        if remaining.isEmpty {
            actions.append(.removeFinalizer)
            return
        }
        for child in remaining where !child.isBeingDeleted {
            actions.append(.delete(child))
        }
        events.append(PlannedEvent(
            .normal, GatewayEventReason.cleanedUp,
            "Deleting " + remaining.map { ChildKey($0).description }.sorted().joined(separator: ", "), basis: .write))
        requeue(after: .seconds(1))
    }

    /// Reads the live workload's rollout (StatefulSet or Deployment, whichever we own).
    mutating func observeWorkload(_ spec: OpenShellGatewaySpec?) {
        let kinds = ["StatefulSet", "Deployment"]
        let preferred = spec?.workload?.kind == "Deployment" ? "Deployment" : "StatefulSet"
        let workloads = s.children.filter { kinds.contains($0.kind) && $0.name == s.owner.name && owns($0) }
        guard let workload = workloads.first(where: { $0.kind == preferred }) ?? workloads.first else { return }
        rollout = WorkloadRollout(workload: workload)
    }

    // MARK: Status

    func finish() -> GatewayPlan {
        var status = status
        var events = events
        var requeueAfter = requeueAfter
        let generation = s.owner.generation
        if deleting {
            return GatewayPlan(actions: actions, status: status, events: events, requeueAfter: requeueAfter)
        }
        var conditions = previous
        let now = s.now
        func set(_ type: String, _ value: String, _ reason: String, _ message: String) {
            conditions.set(Condition(type: type, status: value, reason: reason, message: message, observedGeneration: generation), now: now)
        }
        func flag(_ value: Bool) -> String { value ? "True" : "False" }

        let blocked = configProblem != nil || downgrade != nil || s.agentSandboxProblem != nil || secretConflict != nil
        let ready = rollout?.readyReplicas ?? 0
        let complete = !workloadChanged && (rollout?.complete ?? false) && !actions.contains(where: { if case .writePKI = $0 { true } else { false } })
        status.readyReplicas = rollout == nil ? nil : ready

        // Versions: the workload's template runs `rollout.version` once complete.
        if complete, let version = rollout?.version, !blocked {
            if status.runningVersion == nil {
                events.append(PlannedEvent(.normal, GatewayEventReason.installed, "The gateway \(version) is installed and ready"))
            } else if let from = status.runningVersion, from != version {
                events.append(PlannedEvent(.normal, GatewayEventReason.upgradeComplete, "The gateway runs \(version) (was \(from))"))
                status.lastUpgrade = GatewayUpgradeRecord(from: from, to: version, time: KubeTime.format(now))
            }
            status.runningVersion = version
            if ready > 0 { status.lastKnownGoodVersion = version }
        }

        // Stuck: still rolling out past the progress deadline, counted from when Progressing turned True.
        // A Deployment's own ProgressDeadlineExceeded counts only for the template it reports on. Once stuck,
        // it stays stuck until the rollout completes, the spec changes or the workload is patched.
        var stuckNow = false
        let deadline = TimeInterval(upgrade?.progressDeadlineSeconds ?? GatewayDefaults.progressDeadlineSeconds)
        if !complete, !blocked, rollout != nil || workloadChanged {
            let was = previous[type: GatewayConditionType.progressing]
            let since = was?.isTrue == true ? KubeTime.parse(was?.lastTransitionTime ?? "") ?? now : now
            let elapsed = now.timeIntervalSince(since)
            let stillStuck = was?.status == "False" && was?.reason == GatewayEventReason.rolloutStuck
                && was?.observedGeneration == generation && !workloadChanged
            if stillStuck || (rollout?.deadlineExceeded == true && !workloadChanged) || elapsed >= deadline {
                stuckNow = true
                // Reported once per stuck rollout (RolloutComplete keeps the reason while it lasts).
                if previous[type: GatewayConditionType.rolloutComplete]?.reason != GatewayEventReason.rolloutStuck {
                    events.append(PlannedEvent(
                        .warning, GatewayEventReason.rolloutStuck,
                        "The rollout has not completed within \(Int(deadline))s: \(rollout?.message ?? "the workload is missing")"))
                }
            } else {
                let left = Duration.seconds(max(1, (deadline - elapsed).rounded(.up)))
                requeueAfter = min(requeueAfter ?? left, left, GatewayPlanner.recheck)
            }
        }

        // Automatic rollback: a stuck version change goes back to the last known good version, which is
        // the version running (nothing newer ever became ready, so the database was never migrated past
        // what it can serve). Recorded in status so the decision holds across runs and restarts.
        var rollback = rollback
        var rollbackDecided = false
        if stuckNow, rollback == nil, !blocked, pkiDegraded == nil, upgrade?.automaticRollback == true,
           let requested = desiredVersion, let good = status.lastKnownGoodVersion, good != requested, good == status.runningVersion {
            let record = GatewayRollbackRecord(from: requested, to: good, time: KubeTime.format(now), generation: generation)
            rollback = record
            rollbackDecided = true
            status.rollback = record
            events.append(PlannedEvent(
                .warning, GatewayEventReason.rolledBack,
                "The rollout of \(requested) did not complete within \(Int(deadline))s; rolling back to \(good), the last known good version. Change the spec to roll out again"))
            requeueAfter = min(requeueAfter ?? .seconds(1), .seconds(1))
        }
        let rollingBack = rollback != nil && !complete && !stuckNow
        if let rollback, complete, rollout?.version == rollback.to,
           previous[type: GatewayConditionType.progressing]?.reason == "RollingBack" {
            events.append(PlannedEvent(.normal, GatewayEventReason.rollbackComplete, "The gateway runs \(rollback.to) again (the rollout of \(rollback.from) was rolled back)"))
        }

        if let configProblem {
            set(GatewayConditionType.configValid, "False", configProblem.reason, configProblem.message)
        } else if let downgrade {
            set(GatewayConditionType.configValid, "False", GatewayEventReason.downgradeRefused, downgrade)
        } else {
            set(GatewayConditionType.configValid, "True", "Valid", "the spec is valid")
        }
        if let problem = s.agentSandboxProblem {
            set(GatewayConditionType.agentSandboxAvailable, "False", GatewayEventReason.agentSandboxMissing, problem)
        } else {
            set(GatewayConditionType.agentSandboxAvailable, "True", "Served", "the Agent Sandbox Sandbox API is served")
        }
        set(GatewayConditionType.tlsReady, tls.status, tls.reason, tls.message)
        if rollout == nil && !workloadChanged {
            set(GatewayConditionType.rolloutComplete, "False", "NotInstalled", "the workload does not exist yet")
        } else if complete {
            set(GatewayConditionType.rolloutComplete, "True", "RolloutComplete", "every replica runs the current template and is ready")
        } else {
            set(GatewayConditionType.rolloutComplete, "False", stuckNow ? GatewayEventReason.rolloutStuck : "RollingOut",
                rollout?.message ?? "the workload was just created")
        }
        set(GatewayConditionType.available, flag(ready > 0), ready > 0 ? "GatewayReady" : "NoReadyReplicas",
            ready > 0 ? "\(ready) gateway replica(s) ready" : "no gateway replica is ready")

        let progressing = !blocked && !complete && !stuckNow
        let upgrading = status.runningVersion != nil && desiredVersion != nil && status.runningVersion != desiredVersion
        if rollingBack, let rollback {
            set(GatewayConditionType.progressing, "True", "RollingBack",
                "rolling back from \(rollback.from) to \(rollback.to): \(rollout?.message ?? "applying the gateway")")
        } else if let rollback, complete, !blocked {
            set(GatewayConditionType.progressing, "False", GatewayEventReason.rolledBack,
                "rolled back to \(rollback.to); change the spec to roll out again")
        } else {
            set(GatewayConditionType.progressing, flag(progressing),
                progressing ? (upgrading ? "Upgrading" : (status.runningVersion == nil ? "Installing" : "RollingOut")) : (stuckNow ? GatewayEventReason.rolloutStuck : (blocked ? "Blocked" : "RolloutComplete")),
                progressing ? (rollout?.message ?? "applying the gateway") : (stuckNow ? "the rollout exceeded its progress deadline" : (blocked ? "nothing is applied until the Degraded reason is resolved" : "the gateway runs the current spec")))
        }

        let rolledBack: (String, String)? = rollback.map { record in
            let state = complete && rollout?.version == record.to ? "\(record.to) runs again"
                : stuckNow && !rollbackDecided ? "the rollback has not completed within the deadline either: \(rollout?.message ?? "")"
                : "rolling back"
            return (GatewayEventReason.rolledBack,
                    "the rollout of \(record.from) did not complete within its progress deadline and was rolled back to \(record.to), the last known good version (\(state)); change the spec to roll out again")
        }
        let missingAPIs: (String, String)? = apiProblems.first.map { ($0.reason, apiProblems.map(\.message).joined(separator: "; ")) }
        let stuck: (String, String)? = stuckNow
            ? (GatewayEventReason.rolloutStuck, "the rollout has not completed within its progress deadline: \(rollout?.message ?? "")") : nil
        // The first problem in this order is Degraded's reason.
        let problems: [(String, String)?] = [
            configProblem.map { ($0.reason, $0.message) },
            downgrade.map { (GatewayEventReason.downgradeRefused, $0) },
            s.agentSandboxProblem.map { (GatewayEventReason.agentSandboxMissing, $0) },
            secretConflict.map { (GatewayEventReason.secretConflict, $0) },
            pkiDegraded.map { ($0.reason, "\($0.message). \($0.recoveryHint)") },
            missingAPIs,
            rolledBack,
            stuck,
        ]
        let degraded = problems.lazy.compactMap { $0 }.first
        if let degraded {
            set(GatewayConditionType.degraded, "True", degraded.0, degraded.1)
        } else {
            set(GatewayConditionType.degraded, "False", "AsExpected", "nothing is wrong")
        }
        status.conditions = GatewayConditionType.all.compactMap { conditions[type: $0] }
        status.observedGeneration = generation
        if requeueAfter == nil { requeueAfter = GatewayPlanner.resync }
        return GatewayPlan(actions: actions, status: status, events: events, requeueAfter: requeueAfter)
    }
}

extension GatewayImageSet {
    /// The images a rollback to `version` runs: the release pair `<repository>/gateway:<version>` and
    /// `<repository>/supervisor:<version>` from `spec.images.repository` (the mirror stays) with the spec's
    /// pull policies. Whole-reference overrides (`images.gateway`, `images.supervisor`) are part of the
    /// request that failed and name no version, so a rollback leaves them out.
    static func rollback(_ spec: OpenShellGatewaySpec, to version: String) -> GatewayImageSet {
        var restored = spec
        restored.version = version
        restored.images?.gateway = nil
        restored.images?.supervisor = nil
        return resolve(restored)
    }
}
