//! Kubelet: runs the pods bound to the simulated node, reporting status as a
//! kubelet does (see `PodStatusModel`). A bound pod is `Pending` with its
//! containers `ContainerCreating` for `podReadyDelay`, then `Running` and
//! Ready with a pod IP — unless one of its images is in `brokenImages`, in
//! which case it stays `Pending` with `ImagePullBackOff` and is never Ready.
//! A gracefully deleted pod is stopped and removed (a delete with
//! `gracePeriodSeconds: 0`) after `podStopDelay`.
//!
//! Test hook — container exits: patching the annotation
//! `local.openshell.ai/terminate` onto a pod makes all its app containers
//! exit once it runs: `"Succeeded"` (exit code 0), `"Failed"` (exit code 1) or
//! `"Failed:<code>"`. The restart policy decides what follows, as on a real
//! node: `Always` restarts the containers (and `OnFailure` does for a non-zero
//! code), counting `restartCount` and keeping the exit in `lastState`; otherwise
//! the pod ends `Succeeded` (all exit codes 0) or `Failed`. The kubelet removes
//! the annotation once it has acted, so every patch is one exit.
//! Pods controlled by a Job exit 0 by themselves after `jobPodRunDuration`.
import Foundation
import KubeCore
import LocalAPIServer

public enum KubeletHooks {
    /// The termination hook annotation (see the `Kubelet` documentation).
    public static let terminateAnnotation = "local.openshell.ai/terminate"
}

struct Kubelet: Reconciler {
    typealias Key = ObjectKey

    /// What the kubelet remembers of a pod between reconciles (monotonic times).
    struct Runtime: Sendable {
        var boundAt: ContinuousClock.Instant
        var runningSince: ContinuousClock.Instant?
        var deletionSeen: ContinuousClock.Instant?
    }

    let name = SimulatedController.kubelet.rawValue
    let context: SimulatorContext
    let runtimes = Locked([String: Runtime]())

    init(_ context: SimulatorContext) {
        self.context = context
    }

    var watches: [WatchFilter] { [WatchFilter(resource: .pods)] }

    func keys(for event: StoreEvent) -> [ObjectKey] {
        if event.type == .deleted {
            runtimes.withLock { _ = $0.removeValue(forKey: event.object.uid) }
            return []
        }
        guard event.type == .added || event.type == .modified,
              event.object.spec?["nodeName"]?.stringValue == context.options.nodeName else { return [] }
        return [ObjectKey(namespace: event.object.namespace, name: event.object.name)]
    }

    func reconcile(_ key: ObjectKey) async throws -> Duration? {
        guard let pod = context.get(.pods, namespace: key.namespace, name: key.name),
              pod.spec?["nodeName"]?.stringValue == context.options.nodeName
        else { return nil }
        let uid = pod.uid
        let now = ContinuousClock.now
        var runtime = runtimes.withLock { $0[uid] } ?? Runtime(boundAt: now)

        if pod.isBeingDeleted {
            let seen = runtime.deletionSeen ?? now
            runtime.deletionSeen = seen
            let grace = Duration.seconds(max(0, pod.deletionGracePeriodSeconds ?? 30))
            let due = seen.advanced(by: min(context.options.podStopDelay, grace))
            guard now >= due else {
                runtimes.withLock { $0[uid] = runtime }
                return now.duration(to: due)
            }
            try await context.delete(.pods, namespace: key.namespace, name: key.name, uid: uid, gracePeriodSeconds: 0)
            runtimes.withLock { _ = $0.removeValue(forKey: uid) }
            return nil
        }
        defer {
            // Remember the pod only while it exists (its DELETED event may have been handled meanwhile).
            if context.get(.pods, namespace: key.namespace, name: key.name)?.uid == uid {
                runtimes.withLock { $0[uid] = runtime }
            }
        }
        if pod.isPodTerminal { return nil }

        let sinceBound = runtime.boundAt.duration(to: now)
        if sinceBound < context.options.podReadyDelay {
            try await writeStatus(pod, stage: .creating)
            return context.options.podReadyDelay - sinceBound
        }
        let broken = Set((pod.spec?["containers"]?.arrayValue ?? []).compactMap { container -> String? in
            guard let image = container["image"]?.stringValue, context.options.brokenImages.contains(image) else { return nil }
            return container["name"]?.stringValue
        })
        let brokenInit = (pod.spec?["initContainers"]?.arrayValue ?? []).contains {
            context.options.brokenImages.contains($0["image"]?.stringValue ?? "")
        }
        if !broken.isEmpty || brokenInit {
            try await writeStatus(pod, stage: brokenInit ? .creating : .imagePullBackOff(broken))
            return nil
        }

        if pod.podPhase != "Running" {
            runtime.runningSince = now
            try await writeStatus(pod, stage: .running)
            return pod.annotations[KubeletHooks.terminateAnnotation] != nil ? .zero : jobRunRemaining(pod, runtime, now)
        }
        let runningSince = runtime.runningSince ?? now
        runtime.runningSince = runningSince

        // Container exits: the test hook, or a Job's pod finishing its work.
        var exitCode: Int64?
        let hook = pod.annotations[KubeletHooks.terminateAnnotation]
        if let hook {
            exitCode = PodStatusModel.exitCode(fromHook: hook)
            if exitCode == nil {
                context.logger.warning("ignoring unknown termination hook value", metadata: ["pod": "\(key)", "value": "\(hook)"])
            }
        } else if let remaining = jobRunRemaining(pod, runtime, now) {
            if remaining > .zero {
                try await writeStatus(pod, stage: .running)
                return remaining
            }
            exitCode = 0
        }
        guard let exitCode else {
            try await writeStatus(pod, stage: .running)
            if hook != nil { try await removeHook(pod) }
            return nil
        }
        let restart = PodStatusModel.restarts(policy: pod.spec?["restartPolicy"]?.stringValue ?? "Always", exitCode: exitCode)
        try await writeStatus(pod, stage: .exited(exitCode: exitCode, restart: restart))
        if restart { runtime.runningSince = now }
        if hook != nil { try await removeHook(pod) }
        return restart ? jobRunRemaining(pod, runtime, now) : nil
    }

    /// For a Job's pod, the time left until it finishes its work by itself.
    private func jobRunRemaining(_ pod: KubeObject, _ runtime: Runtime, _ now: ContinuousClock.Instant) -> Duration? {
        guard let duration = context.options.jobPodRunDuration, pod.controllerGroupKind == GroupKind(group: "batch", kind: "Job") else {
            return nil
        }
        let since = runtime.runningSince ?? now
        return max(.zero, duration - since.duration(to: now))
    }

    private func writeStatus(_ pod: KubeObject, stage: PodStage) async throws {
        let model = PodStatusModel(nodeIP: context.options.nodeIP, now: context.timestamp(), allocateIP: context.podIPs.allocate)
        try await context.modify(.pods, namespace: pod.namespace, name: pod.name, uid: pod.uid, subresource: "status") { object in
            guard !object.isPodTerminal else { return }
            object.status = model.status(for: object, stage: stage)
        }
    }

    private func removeHook(_ pod: KubeObject) async throws {
        try await context.modify(.pods, namespace: pod.namespace, name: pod.name, uid: pod.uid) { object in
            var annotations = object.annotations
            annotations[KubeletHooks.terminateAnnotation] = nil
            object.annotations = annotations
        }
    }
}
