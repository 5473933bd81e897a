//! SandboxPlanner: the sandbox reconciler's decisions as a pure function.
//! Given a snapshot — the OpenShellSandbox, what it should run (or why it
//! cannot), the live Sandbox, pod and owned objects, and the time — it
//! returns the writes to make, the status to report, the Events to record
//! and when to look again. The reconciler only gathers the snapshot and
//! carries the plan out, so every rule here is a table-driven unit test.
//!
//! Rules, in order (each is re-evaluated from scratch on every run, so a
//! run interrupted anywhere is finished by the next one):
//! 1. Being deleted: delete our Sandbox (foreground, UID precondition),
//!    wait until it is gone, then drop the finalizer.
//! 2. A Sandbox of our name that we do not control is never touched: a
//!    predecessor's (same kind, another UID) is waited out, anyone else's is
//!    a Conflict.
//! 3. Input that cannot run (invalid spec, class violation, missing class,
//!    policy or Secret) creates nothing and leaves a running Sandbox as it is.
//! 4. Expiry: past `expiresAt` nothing is created again.
//! 5. Owned ConfigMap and NetworkPolicy first, then the Sandbox: created, or
//!    merge-patched on our fields only. A change a running pod cannot pick
//!    up (the rollout hash) is rolled out by suspending and resuming.
//! 6. The pod's end is counted once per pod; the failure policy restarts
//!    it after a backoff, up to its limit.
//! 7. A new `openshell.ai/restartedAt` annotation value restarts a running
//!    sandbox once, by the same suspend/resume cycle. The value is stamped on
//!    the Sandbox in the same patch that suspends it (so a retried run, or
//!    one after a crash before the status write, sees it served) and kept in
//!    `status.observedRestartedAt`.
import Foundation
import KubeCore
import KubeRuntime
import OpenShellAPI

/// Why the operator cannot run the spec as it stands.
public struct Blocker: Sendable, Hashable {
    /// `InvalidSpec`, `ClassViolation`, `PolicyInvalid` (the input is wrong), or
    /// `ClassNotFound`, `PolicyNotFound`, `PolicyRulesNotFound`, `SecretNotFound` (waiting for an object).
    public var reason: String
    public var message: String
    /// True when the input itself is wrong (Valid=False); false while waiting for a referenced object.
    public var invalidInput: Bool

    public init(reason: String, message: String, invalidInput: Bool) {
        self.reason = reason
        self.message = message
        self.invalidInput = invalidInput
    }
}

/// Everything one decision reads.
public struct SandboxSnapshot: Sendable {
    /// The OpenShellSandbox.
    public var owner: KubeObject
    public var spec: OpenShellSandboxSpec
    public var status: OpenShellSandboxStatus
    /// What should run, or why nothing can.
    public var desired: Result<RenderedSandbox, BlockedError>
    /// The class in use, for status.
    public var className: String?
    public var expiresAt: Date?
    /// The live Sandbox named like the owner (anyone's), the pod it controls,
    /// and the owned ConfigMap and NetworkPolicy, from the caches.
    public var live: KubeObject?
    public var pod: KubeObject?
    public var liveConfigMap: KubeObject?
    public var liveNetworkPolicy: KubeObject?
    public var now: Date

    public init(
        owner: KubeObject, spec: OpenShellSandboxSpec, status: OpenShellSandboxStatus,
        desired: Result<RenderedSandbox, BlockedError>, className: String?, expiresAt: Date?, live: KubeObject?,
        pod: KubeObject?, liveConfigMap: KubeObject?, liveNetworkPolicy: KubeObject?, now: Date
    ) {
        self.owner = owner
        self.spec = spec
        self.status = status
        self.desired = desired
        self.className = className
        self.expiresAt = expiresAt
        self.live = live
        self.pod = pod
        self.liveConfigMap = liveConfigMap
        self.liveNetworkPolicy = liveNetworkPolicy
        self.now = now
    }
}

/// A `Blocker` as an `Error`, so `desired` can be a `Result`.
public struct BlockedError: Error, Sendable, Hashable {
    public var blocker: Blocker
    public init(_ blocker: Blocker) { self.blocker = blocker }
}

/// One write.
public enum SandboxAction: Sendable, Hashable {
    case addFinalizer
    /// Remove our finalizer — once the Sandbox is confirmed gone on the server.
    case removeFinalizer
    case create(KubeObject)
    /// A JSON merge patch of `live` (our fields only).
    case patch(live: KubeObject, patch: JSONValue)
    /// Delete `object` with a UID precondition, in the foreground when asked.
    case delete(KubeObject, foreground: Bool)
}

public struct SandboxPlan: Sendable {
    public var actions: [SandboxAction] = []
    /// The status to report (written only when it differs from the current one).
    public var status: OpenShellSandboxStatus
    public var events: [PlannedEvent] = []
    /// Look again after this long even if nothing changes (TTL, backoff).
    public var requeueAfter: Duration?
}

/// Event reasons (stable API; documented in docs/sandboxes.md).
public enum SandboxEventReason {
    public static let created = "Created"
    public static let ready = "Ready"
    public static let suspending = "Suspending"
    public static let suspended = "Suspended"
    public static let resumed = "Resumed"
    public static let rollingOut = "RollingOut"
    public static let restarting = "Restarting"
    /// A requested restart (`openshell.ai/restartedAt`) started the new pod.
    public static let restarted = "Restarted"
    /// The `openshell.ai/restartedAt` value cannot be recorded (too long).
    public static let invalidRestartRequest = "InvalidRestartRequest"
    public static let expired = "Expired"
    public static let failed = "Failed"
    public static let deleting = "Deleting"
    public static let deleted = "Deleted"
    public static let conflict = "Conflict"
    public static let recreated = "Recreated"
}

public enum SandboxPlanner {
    /// The first restart waits this long; each further one twice as long, up to `maxRestartBackoff`.
    public static let initialRestartBackoff: Duration = .seconds(10)
    public static let maxRestartBackoff: Duration = .seconds(300)
    /// How often a wait on someone else (a predecessor's Sandbox) is re-checked.
    static let recheck: Duration = .seconds(5)
    /// The longest `openshell.ai/restartedAt` value acted on (the status field's limit).
    public static let maxRestartRequestLength = 64
    /// The Ready reason while a requested restart stops the old pod.
    static let restartRequestedReason = "RestartRequested"

    public static func plan(_ snapshot: SandboxSnapshot) -> SandboxPlan {
        var planner = Run(snapshot)
        planner.decide()
        return planner.finish()
    }

    /// The restart backoff after `restarts` earlier restarts.
    public static func restartBackoff(after restarts: Int) -> Duration {
        let seconds = Int64(initialRestartBackoff.timeInterval) << Int64(min(max(restarts, 0), 10))
        return min(.seconds(seconds), maxRestartBackoff)
    }
}

/// One planning run: accumulates actions, status and Events.
private struct Run {
    let s: SandboxSnapshot
    var actions: [SandboxAction] = []
    var events: [PlannedEvent] = []
    var status: OpenShellSandboxStatus
    var requeueAfter: Duration?
    /// The phase and the Ready condition's reason and message.
    var phase: SandboxPhase = .pending
    var readyReason = "Pending"
    var readyMessage = ""
    var blocker: Blocker?
    var conflict: String?
    /// UpToDate=False with this reason and message, when set.
    var notUpToDate: (reason: String, message: String)?

    init(_ snapshot: SandboxSnapshot) {
        s = snapshot
        status = snapshot.status
    }

    var generation: Int64 { s.owner.generation }
    var ownsLive: Bool { s.live.map { $0.isControlled(by: s.owner) } ?? false }
    var wantsSuspended: Bool { s.spec.suspended == true }
    var deleteOnExpiry: Bool { SandboxLifetime.deletesOnExpiry(s.spec) }
    var isExpired: Bool { s.expiresAt.map { $0 <= s.now } ?? false }

    /// The `openshell.ai/restartedAt` value on the OpenShellSandbox, when usable.
    var requestedRestart: String? {
        guard let value = s.owner.annotations[OpenShellLabels.restartedAtAnnotation], !value.isEmpty,
              value.count <= SandboxPlanner.maxRestartRequestLength else { return nil }
        return value
    }

    /// A restart request that needs no cycle (nothing runs, or a new pod starts anyway): recorded as met.
    mutating func absorbRestartRequest() {
        if let request = requestedRestart { status.observedRestartedAt = request }
    }

    /// Whether an earlier run started a requested restart that is still stopping the old pod.
    var restartRequestInProgress: Bool {
        s.status.conditions?[type: SandboxConditionType.ready]?.reason == SandboxPlanner.restartRequestedReason
    }

    mutating func requeue(after delay: Duration) {
        requeueAfter = min(requeueAfter ?? delay, delay)
    }

    // MARK: Decisions

    mutating func decide() {
        status.sandboxID = s.owner.uid
        status.className = s.className
        status.expiresAt = s.expiresAt.map(KubeTime.format)
        if s.owner.isBeingDeleted { return decideDeletion() }
        if !s.owner.finalizers.contains(OpenShellLabels.sandboxFinalizer) { actions.append(.addFinalizer) }
        if let value = s.owner.annotations[OpenShellLabels.restartedAtAnnotation], value != s.status.observedRestartedAt,
           value.count > SandboxPlanner.maxRestartRequestLength {
            events.append(PlannedEvent(
                .warning, SandboxEventReason.invalidRestartRequest,
                "\(OpenShellLabels.restartedAtAnnotation) is longer than \(SandboxPlanner.maxRestartRequestLength) characters; no restart (kubectl openshell restart writes the time)"))
        }

        if let live = s.live, !ownsLive { return decideForeign(live) }
        if case .failure(let error) = s.desired { blocker = error.blocker }

        guard let live = s.live else { return decideMissing() }
        status.sandbox = OwnedSandboxReference(name: live.name, uid: live.uid)
        decideOwned(live)
    }

    mutating func decideDeletion() {
        guard s.owner.finalizers.contains(OpenShellLabels.sandboxFinalizer) else { return }
        phase = .deleting
        readyReason = "Deleting"
        if let live = s.live, ownsLive {
            readyMessage = "deleting Sandbox \(live.name) and its pod and workspace"
            if !live.isBeingDeleted {
                actions.append(.delete(live, foreground: true))
                events.append(PlannedEvent(
                    .normal, SandboxEventReason.deleting, "Deleting Sandbox \(live.name) and its pod and workspace", basis: .write))
            }
            requeue(after: SandboxPlanner.recheck)
            return
        }
        // Ours is gone (or the one of that name is someone else's): let go.
        readyMessage = "the Sandbox is gone"
        actions.append(.removeFinalizer)
        events.append(PlannedEvent(.normal, SandboxEventReason.deleted, "Sandbox deleted; released the finalizer", basis: .write))
    }

    mutating func decideForeign(_ live: KubeObject) {
        status.sandbox = nil
        status.podIPs = nil
        status.serviceFQDN = nil
        if let owner = live.controllerReference, owner.groupKind == OpenShellAPIGroup.sandboxKind, owner.name == s.owner.name {
            // A predecessor of the same name: the garbage collector removes
            // its Sandbox; never inherit it.
            phase = .pending
            readyReason = "PredecessorTerminating"
            readyMessage = "Sandbox \(live.name) belongs to an earlier OpenShellSandbox of this name (uid \(owner.uid)); waiting for it to be deleted"
            requeue(after: SandboxPlanner.recheck)
            return
        }
        let holder = live.controllerReference.map { "\($0.kind) \($0.name) (uid \($0.uid))" } ?? "no controller"
        let message = "Sandbox \(live.namespace)/\(live.name) already exists and is not controlled by this OpenShellSandbox (controller: \(holder)); it is left untouched. Delete it or rename this sandbox."
        conflict = message
        phase = .pending
        readyReason = "Conflict"
        readyMessage = message
        if s.status.conditions?[type: SandboxConditionType.conflict]?.message != message {
            events.append(PlannedEvent(.warning, SandboxEventReason.conflict, message))
        }
    }

    mutating func decideMissing() {
        status.sandbox = nil
        status.podIPs = nil
        status.serviceFQDN = nil
        if isExpired {
            absorbRestartRequest()
            phase = .expired
            readyReason = "Expired"
            readyMessage = "the lifetime ended at \(status.expiresAt ?? "")" + (deleteOnExpiry ? "; the sandbox and its workspace were deleted" : "")
            return
        }
        guard case .success(let desired) = s.desired else { return reportBlocked() }
        // The pod about to be created is new: a pending restart request is met.
        absorbRestartRequest()
        syncOwnedObjects(desired)
        var sandbox = desired.sandbox
        if let request = requestedRestart { sandbox.json["metadata"]?["annotations"]?[OpenShellLabels.restartedAtAnnotation] = .string(request) }
        // Created suspended when asked; otherwise running.
        sandbox.json["spec"]?["operatingMode"] = .string(wantsSuspended ? OperatingMode.suspended.rawValue : OperatingMode.running.rawValue)
        if sandbox.json["spec"]?["shutdownPolicy"] == nil { sandbox.json["spec"]?["shutdownPolicy"] = "Retain" }
        actions.append(.create(sandbox))
        let again = s.status.sandbox != nil
        events.append(PlannedEvent(
            .normal, again ? SandboxEventReason.recreated : SandboxEventReason.created,
            again ? "Sandbox \(sandbox.name) was missing; created it again" : "Created Sandbox \(sandbox.name)", basis: .write))
        phase = wantsSuspended ? .suspending : .provisioning
        readyReason = wantsSuspended ? "Suspending" : "Provisioning"
        readyMessage = wantsSuspended ? "created suspended" : "Sandbox created; waiting for its pod"
        if let expiresAt = s.expiresAt { requeue(after: .seconds(max(1, expiresAt.timeIntervalSince(s.now).rounded(.up)))) }
    }

    mutating func decideOwned(_ live: KubeObject) {
        let state = AgentSandboxState(sandbox: live, pod: s.pod)
        if isExpired || state.expired {
            absorbRestartRequest()
            phase = .expired
            readyReason = "Expired"
            readyMessage = "the lifetime ended at \(status.expiresAt ?? "")" + (deleteOnExpiry ? "; the sandbox is being deleted" : "; the pod was stopped and the workspace kept")
            status.podIPs = nil
            status.serviceFQDN = nil
            // Still bring shutdownTime/shutdownPolicy up to date, so the
            // Agent Sandbox controller carries the expiry out.
            if case .success(let desired) = s.desired { patchSandbox(live, desired: desired, mode: state.mode, restartStamp: requestedRestart) }
            return
        }
        guard case .success(let desired) = s.desired else {
            reportBlocked()
            // Keep the running sandbox; report what it is doing.
            describeRunning(state, fallback: false)
            return
        }
        syncOwnedObjects(desired)

        let templateChanged = state.rolloutHash != desired.rolloutHash
        let termination = state.termination
        var targetMode: OperatingMode = wantsSuspended ? .suspended : .running

        // A request is pending until the Sandbox carries its value (stamped by the suspending patch).
        let request = requestedRestart
        let pending = request != nil && request != live.annotations[OpenShellLabels.restartedAtAnnotation]
        var restartRequested = restartRequestInProgress && !wantsSuspended
        if let request, pending, !wantsSuspended {
            if status.observedRestartedAt != request {
                events.append(PlannedEvent(
                    .normal, SandboxEventReason.restarting,
                    "Restarting the sandbox as requested (\(OpenShellLabels.restartedAtAnnotation): \(request)); the workspace is kept"))
            }
            restartRequested = true
        }
        // Acted on in this plan (suspended, the resume starts a new pod anyway;
        // mid-cycle, the coming pod is new), or served before a crash kept the
        // status from saying so.
        if let request { status.observedRestartedAt = request }

        if pending, !wantsSuspended, state.mode == .running {
            // A requested restart: stop the pod (ended or not, no backoff; the
            // failure policy's count is unchanged), then start a new one.
            targetMode = .suspended
            if templateChanged {
                notUpToDate = ("RollingOut", "restarting the sandbox to apply a changed image, command, environment or policy; the workspace is kept")
            }
        } else if let termination, state.mode == .running, !wantsSuspended, !templateChanged {
            targetMode = decideTermination(termination)
        } else if templateChanged, state.mode == .running, !wantsSuspended {
            // The running pod cannot pick this up: stop it, then start the new one.
            targetMode = .suspended
            notUpToDate = ("RollingOut", "restarting the sandbox to apply a changed image, command, environment or policy; the workspace is kept")
            events.append(PlannedEvent(.normal, SandboxEventReason.rollingOut, notUpToDate?.message ?? "", basis: .write))
        } else if state.mode == .suspended, !wantsSuspended, !state.isSuspended {
            // Resume after the pod is gone.
            targetMode = .suspended
        }
        if state.mode == .suspended, targetMode == .running {
            let cycling = s.status.conditions?[type: SandboxConditionType.upToDate]?.reason == "RollingOut"
                || s.status.lastFailedPodUID != nil && s.status.phase == .failed
            if restartRequested {
                events.append(PlannedEvent(
                    .normal, SandboxEventReason.restarted,
                    "Starting a new pod as requested (\(OpenShellLabels.restartedAtAnnotation): \(status.observedRestartedAt ?? ""))",
                    basis: .write))
            } else if !cycling {
                events.append(PlannedEvent(.normal, SandboxEventReason.resumed, "Resuming the sandbox", basis: .write))
            }
        }
        if state.mode == .running, targetMode == .suspended, wantsSuspended {
            events.append(PlannedEvent(.normal, SandboxEventReason.suspending, "Suspending the sandbox; the workspace is kept", basis: .write))
        }
        patchSandbox(live, desired: desired, mode: targetMode, restartStamp: pending ? request : nil)

        if phase == .failed { return }
        if targetMode == .suspended && wantsSuspended {
            phase = state.isSuspended && state.mode == .suspended ? .suspended : .suspending
            readyReason = phase == .suspended ? "Suspended" : "Suspending"
            readyMessage = phase == .suspended ? "the sandbox is stopped; its workspace is kept" : "stopping the pod"
            status.podIPs = nil
            status.serviceFQDN = nil
            return
        }
        if notUpToDate == nil, s.status.conditions?[type: SandboxConditionType.upToDate]?.reason == "RollingOut",
            !(state.isReady && state.mode == .running && targetMode == .running) {
            notUpToDate = ("RollingOut", "restarting the sandbox to apply a changed image, command, environment or policy; the workspace is kept")
        }
        if targetMode == .suspended || state.mode == .suspended {
            phase = .provisioning
            readyReason = restartRequested && targetMode == .suspended ? SandboxPlanner.restartRequestedReason : "Restarting"
            readyMessage = restartRequested && targetMode == .suspended
                ? "restarting as requested: stopping the old pod before starting a new one"
                : "stopping the old pod before starting a new one"
            status.podIPs = nil
            status.serviceFQDN = nil
            return
        }
        describeRunning(state, fallback: true)
        if let expiresAt = s.expiresAt { requeue(after: .seconds(max(1, expiresAt.timeIntervalSince(s.now).rounded(.up)))) }
    }

    /// The pod ended while meant to run: count it once, then restart or stay failed.
    mutating func decideTermination(_ termination: PodTermination) -> OperatingMode {
        let policy = s.spec.failurePolicy
        let restarts = policy?.action == "Restart"
        let maxRestarts = policy?.maxRestarts ?? 3
        var count = status.restartCount ?? 0
        if status.lastFailedPodUID == termination.podUID, status.lastExitCode == nil, let code = termination.exitCode {
            // The end was first seen before the pod reported its exit code.
            status.lastExitCode = code
        }
        if status.lastFailedPodUID != termination.podUID {
            // First sight of this pod's end.
            status.lastFailedPodUID = termination.podUID
            status.lastExitCode = termination.exitCode
            status.lastFailureTime = KubeTime.format(termination.finishedAt ?? s.now)
            let code = termination.exitCode.map { "code \($0)" } ?? "an unknown code"
            if restarts, count < maxRestarts {
                count += 1
                status.restartCount = count
                events.append(PlannedEvent(.warning, SandboxEventReason.failed, "The main process exited with \(code); restart \(count) of \(maxRestarts) after \(SandboxPlanner.restartBackoff(after: count - 1))"))
            } else {
                let suffix = restarts ? "; the restart limit (\(maxRestarts)) is reached" : ""
                events.append(PlannedEvent(.warning, SandboxEventReason.failed, "The main process exited with \(code)\(suffix)"))
                status.restartCount = count == 0 ? nil : count
                return failed(termination, restarting: false)
            }
        } else if !restarts || status.restartCount == nil || (status.phase == .failed && s.status.conditions?[type: "Ready"]?.reason == "MainProcessExited") {
            return failed(termination, restarting: false)
        }
        // A restart is due once the backoff has passed.
        let failedAt = status.lastFailureTime.flatMap(KubeTime.parse) ?? s.now
        let due = failedAt.addingTimeInterval(SandboxPlanner.restartBackoff(after: count - 1).timeInterval)
        if due > s.now {
            requeue(after: .seconds(max(1, due.timeIntervalSince(s.now).rounded(.up))))
            return failed(termination, restarting: true)
        }
        events.append(PlannedEvent(
            .normal, SandboxEventReason.restarting, "Restarting the sandbox (restart \(count) of \(maxRestarts)); the workspace is kept", basis: .write))
        phase = .provisioning
        readyReason = "Restarting"
        readyMessage = "restart \(count) of \(maxRestarts)"
        status.podIPs = nil
        status.serviceFQDN = nil
        return .suspended
    }

    mutating func failed(_ termination: PodTermination, restarting: Bool) -> OperatingMode {
        phase = .failed
        readyReason = restarting ? "RestartPending" : "MainProcessExited"
        let code = termination.exitCode.map { "code \($0)" } ?? "an unknown code"
        readyMessage = restarting
            ? "the main process exited with \(code); restarting after the backoff"
            : "the main process exited with \(code)"
        status.podIPs = nil
        status.serviceFQDN = nil
        return .running
    }

    /// Phase and Ready for a Sandbox that runs as it should.
    mutating func describeRunning(_ state: AgentSandboxState, fallback: Bool) {
        if state.mode == .suspended {
            phase = state.isSuspended ? .suspended : .suspending
            readyReason = phase == .suspended ? "Suspended" : "Suspending"
            readyMessage = phase == .suspended ? "the sandbox is stopped; its workspace is kept" : "stopping the pod"
            status.podIPs = nil
            status.serviceFQDN = nil
            return
        }
        if state.isReady {
            phase = .ready
            readyReason = "SandboxReady"
            readyMessage = "the sandbox pod is ready" + (state.podIPs.isEmpty ? "" : " at \(state.podIPs.joined(separator: ", "))")
            status.podIPs = state.podIPs.isEmpty ? nil : state.podIPs
            status.serviceFQDN = state.serviceFQDN
        } else {
            phase = .provisioning
            readyReason = "Provisioning"
            readyMessage = state.readyMessage.map { "waiting for the pod: \($0)" } ?? "waiting for the Agent Sandbox controller"
            status.podIPs = nil
            status.serviceFQDN = nil
        }
    }

    mutating func reportBlocked() {
        guard let blocker else { return }
        phase = blocker.invalidInput ? .failed : .pending
        readyReason = blocker.reason
        readyMessage = blocker.message
        notUpToDate = (blocker.reason, blocker.message)
        let previous = s.status.conditions?[type: blocker.invalidInput ? SandboxConditionType.valid : "Ready"]
        if previous?.reason != blocker.reason || previous?.message != blocker.message {
            events.append(PlannedEvent(.warning, blocker.reason, blocker.message))
        }
    }

    // MARK: Writes

    /// Creates or patches the ConfigMap and NetworkPolicy (our fields only);
    /// deletes a NetworkPolicy the class no longer asks for.
    mutating func syncOwnedObjects(_ desired: RenderedSandbox) {
        sync(desired.configMap, live: s.liveConfigMap, fields: ["data"])
        if let policy = desired.networkPolicy {
            sync(policy, live: s.liveNetworkPolicy, fields: ["spec"])
        } else if let live = s.liveNetworkPolicy, live.isControlled(by: s.owner) {
            actions.append(.delete(live, foreground: false))
        }
    }

    mutating func sync(_ desired: KubeObject, live: KubeObject?, fields: [String]) {
        guard let live else { return actions.append(.create(desired)) }
        guard live.isControlled(by: s.owner) else { return }  // never adopt
        if let patch = ownedFieldsPatch(live: live, desired: desired, fields: fields) {
            actions.append(.patch(live: live, patch: patch))
        }
    }

    /// Patches the Sandbox's labels, annotations and spec (never status, never
    /// `volumeClaimTemplates`) to the desired values with `mode`.
    /// `restartStamp`: the `openshell.ai/restartedAt` value this write serves, stamped on the Sandbox.
    mutating func patchSandbox(_ live: KubeObject, desired: RenderedSandbox, mode: OperatingMode, restartStamp: String? = nil) {
        var target = desired.sandbox
        if let restartStamp { target.json["metadata"]?["annotations"]?[OpenShellLabels.restartedAtAnnotation] = .string(restartStamp) }
        target.json["spec"]?["operatingMode"] = .string(mode.rawValue)
        // Explicit, so the server's default is not a difference.
        if target.json["spec"]?["shutdownPolicy"] == nil { target.json["spec"]?["shutdownPolicy"] = "Retain" }
        target.json["spec"]?["volumeClaimTemplates"] = nil
        var liveView = live
        liveView.json["spec"]?["volumeClaimTemplates"] = nil
        if let patch = ownedFieldsPatch(live: liveView, desired: target, fields: ["spec"]) {
            actions.append(.patch(live: live, patch: patch))
        }
    }

    // MARK: Status

    func finish() -> SandboxPlan {
        var status = status
        status.phase = phase
        status.observedGeneration = generation
        var conditions = s.status.conditions ?? []
        let now = s.now
        func set(_ type: String, _ value: Bool, _ reason: String, _ message: String) {
            conditions.set(Condition(type: type, value, reason: reason, message: message, observedGeneration: generation), now: now)
        }
        set(SandboxConditionType.ready, phase == .ready, readyReason, readyMessage.isEmpty ? readyReason : readyMessage)
        set(
            SandboxConditionType.suspended, phase == .suspended, phase == .suspended ? "Suspended" : (phase == .suspending ? "Suspending" : "NotSuspended"),
            phase == .suspended ? "the sandbox is stopped; its workspace is kept" : (phase == .suspending ? "stopping the pod" : "the sandbox is not suspended"))
        if let blocker, blocker.invalidInput {
            set(SandboxConditionType.valid, false, blocker.reason, blocker.message)
        } else {
            set(SandboxConditionType.valid, true, "SpecValid", "the spec is valid")
        }
        if let notUpToDate {
            set(SandboxConditionType.upToDate, false, notUpToDate.reason, notUpToDate.message)
        } else if phase != .deleting {
            set(SandboxConditionType.upToDate, true, "UpToDate", "the sandbox runs the current spec")
        }
        if let conflict {
            set(SandboxConditionType.conflict, true, "SandboxNotOwned", conflict)
        } else {
            conditions.remove(type: SandboxConditionType.conflict)
        }
        status.conditions = conditions
        var events = events
        // Phase transitions worth an Event of their own.
        if s.status.phase != phase {
            switch phase {
            case .ready: events.append(PlannedEvent(.normal, SandboxEventReason.ready, readyMessage))
            case .suspended: events.append(PlannedEvent(.normal, SandboxEventReason.suspended, readyMessage))
            case .expired: events.append(PlannedEvent(.normal, SandboxEventReason.expired, readyMessage))
            default: break
            }
        }
        return SandboxPlan(actions: actions, status: status, events: events, requeueAfter: requeueAfter)
    }
}

/// A merge patch that brings `live`'s `fields`, and our labels and
/// annotations, to `desired`; `nil` when nothing differs. Labels and
/// annotations others set are left alone. Within `fields`, objects must
/// match key for key (a member we dropped is removed), while objects inside
/// arrays may hold more than we sent: that is where the server puts its
/// defaults (`ports[].protocol`, `*KeyRef.name`), and arrays are always
/// sent whole.
func ownedFieldsPatch(live: KubeObject, desired: KubeObject, fields: [String]) -> JSONValue? {
    var patch: JSONObject = [:]
    var metadata: JSONObject = [:]
    for (name, key) in [("labels", \KubeObject.labels), ("annotations", \KubeObject.annotations)] {
        let want = desired[keyPath: key]
        let have = live[keyPath: key]
        let changes = want.filter { have[$0.key] != $0.value }
        if !changes.isEmpty { metadata[name] = .object(changes.mapValues(JSONValue.string)) }
    }
    if !metadata.isEmpty { patch["metadata"] = .object(metadata) }
    for field in fields {
        let want = desired.json[field] ?? .null
        let have = live.json[field] ?? .null
        if !matches(want, have, inArray: false) {
            patch[field] = JSONMergePatch.createMergePatch(from: have, to: want)
        }
    }
    return patch.isEmpty ? nil : .object(patch)
}

/// Whether `have` says what `want` says (see `ownedFieldsPatch`).
func matches(_ want: JSONValue, _ have: JSONValue, inArray: Bool) -> Bool {
    switch (want, have) {
    case (.object(let w), .object(let h)):
        if !inArray {
            let extra = h.contains { key, value in !value.isNull && (w[key] ?? .null).isNull }
            if extra { return false }
        }
        return w.allSatisfy { key, value in value.isNull || h[key].map { matches(value, $0, inArray: inArray) } ?? false }
    case (.array(let w), .array(let h)):
        return w.count == h.count && zip(w, h).allSatisfy { matches($0, $1, inArray: true) }
    default:
        return want == have
    }
}
