//! PodStatusModel: the pure part of the simulated kubelet — the pod status a
//! kubelet would report for a pod in a given lifecycle stage (creating, image
//! pull back-off, running, exited with or without restart), in the shape of
//! Kubernetes 1.32: phase, the five pod conditions, container statuses with
//! states and restart counts, host and pod IPs, start time. Timestamps and ids
//! of unchanged states are carried over, so an unchanged stage gives an
//! identical status and no write.
import Foundation
import KubeCore

enum PodStage: Equatable {
    /// Bound to the node; containers are being created.
    case creating
    /// Images of these containers cannot be pulled; the others run.
    case imagePullBackOff(Set<String>)
    /// Every container runs.
    case running
    /// Every app container exited with `exitCode`; `restart` says whether the restart policy restarts them.
    case exited(exitCode: Int64, restart: Bool)
}

struct PodStatusModel {
    var nodeIP: String
    /// The time as a Kubernetes `Time`.
    var now: String
    /// Gives the pod an IP once its sandbox exists (called at most once per status).
    var allocateIP: () -> String

    /// What the annotation-driven termination hook asks for: `Succeeded` (exit 0),
    /// `Failed` (exit 1) or `Failed:<code>`. Nil for anything else.
    static func exitCode(fromHook value: String) -> Int64? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if trimmed == "Succeeded" { return 0 }
        guard trimmed.hasPrefix("Failed") else { return nil }
        let rest = trimmed.dropFirst("Failed".count)
        if rest.isEmpty { return 1 }
        guard rest.hasPrefix(":"), let code = Int64(rest.dropFirst()), code >= 0, code <= 255 else { return nil }
        return code
    }

    /// Whether a container exit with `exitCode` is restarted under the pod's restart policy.
    static func restarts(policy: String, exitCode: Int64) -> Bool {
        switch policy {
        case "Never": return false
        case "OnFailure": return exitCode != 0
        default: return true
        }
    }

    /// The status for `pod` in `stage`, built on its current status.
    func status(for pod: KubeObject, stage: PodStage) -> JSONValue {
        let current = pod.status ?? [:]
        var status = current
        let spec = pod.spec ?? [:]
        let containers = spec["containers"]?.arrayValue ?? []
        let initContainers = spec["initContainers"]?.arrayValue ?? []
        let oldStatuses = Dictionary((current["containerStatuses"]?.arrayValue ?? []).compactMap { s in
            s["name"]?.stringValue.map { ($0, s) }
        }, uniquingKeysWith: { first, _ in first })
        let oldInitStatuses = Dictionary((current["initContainerStatuses"]?.arrayValue ?? []).compactMap { s in
            s["name"]?.stringValue.map { ($0, s) }
        }, uniquingKeysWith: { first, _ in first })

        let sandboxReady = stage != .creating
        var terminalPhase: String?
        if case .exited(let code, let restart) = stage, !restart { terminalPhase = code == 0 ? "Succeeded" : "Failed" }

        // App containers.
        var unready: [String] = []
        var statuses: [JSONValue] = []
        for container in containers {
            let name = container["name"]?.stringValue ?? ""
            let old = oldStatuses[name]
            var entry: JSONValue
            switch stage {
            case .creating:
                entry = waiting(container, reason: initContainers.isEmpty ? "ContainerCreating" : "PodInitializing", message: nil, old: old)
            case .imagePullBackOff(let broken) where broken.contains(name):
                let image = container["image"]?.stringValue ?? ""
                entry = waiting(container, reason: "ImagePullBackOff", message: "Back-off pulling image \"\(image)\"", old: old)
            case .imagePullBackOff, .running:
                entry = running(container, pod: pod, old: old)
            case .exited(let code, let restart):
                entry = restart ? restarted(container, pod: pod, old: old, exitCode: code)
                    : terminated(container, old: old, exitCode: code)
            }
            if entry["ready"]?.boolValue != true { unready.append(name) }
            statuses.append(entry)
        }
        status["containerStatuses"] = statuses.isEmpty ? nil : .array(statuses)

        // Init containers: regular ones have completed once the pod runs; sidecars keep running.
        var incomplete: [String] = []
        if !initContainers.isEmpty {
            status["initContainerStatuses"] = .array(initContainers.map { container in
                let name = container["name"]?.stringValue ?? ""
                let old = oldInitStatuses[name]
                guard sandboxReady else {
                    incomplete.append(name)
                    return waiting(container, reason: "PodInitializing", message: nil, old: old)
                }
                if container["restartPolicy"]?.stringValue == "Always" {
                    return terminalPhase == nil ? running(container, pod: pod, old: old) : terminated(container, old: old, exitCode: 0)
                }
                return completedInit(container, pod: pod, old: old)
            })
        }

        // Conditions, in the kubelet's order.
        var conditions = current["conditions"]?.arrayValue ?? []
        let unreadyMessage = "containers with unready status: [\(unready.joined(separator: " "))]"
        RawConditions.set(&conditions, type: "PodReadyToStartContainers", status: sandboxReady && terminalPhase == nil ? "True" : "False",
                          now: now, probeTime: true)
        if incomplete.isEmpty {
            RawConditions.set(&conditions, type: "Initialized", status: "True", now: now, probeTime: true)
        } else {
            RawConditions.set(&conditions, type: "Initialized", status: "False", reason: "ContainersNotInitialized",
                              message: "containers with incomplete status: [\(incomplete.joined(separator: " "))]", now: now, probeTime: true)
        }
        for type in ["Ready", "ContainersReady"] {
            if terminalPhase == "Succeeded" {
                RawConditions.set(&conditions, type: type, status: "False", reason: "PodCompleted", now: now, probeTime: true)
            } else if unready.isEmpty {
                RawConditions.set(&conditions, type: type, status: "True", now: now, probeTime: true)
            } else {
                RawConditions.set(&conditions, type: type, status: "False", reason: "ContainersNotReady", message: unreadyMessage,
                                  now: now, probeTime: true)
            }
        }
        RawConditions.set(&conditions, type: "PodScheduled", status: "True", now: now, probeTime: true)
        let order = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]
        conditions.sort { a, b in
            (order.firstIndex(of: a["type"]?.stringValue ?? "") ?? order.count) < (order.firstIndex(of: b["type"]?.stringValue ?? "") ?? order.count)
        }
        status["conditions"] = .array(conditions)

        switch stage {
        case .creating, .imagePullBackOff: status["phase"] = "Pending"
        case .running: status["phase"] = "Running"
        case .exited: status["phase"] = .string(terminalPhase ?? "Running")
        }
        status["hostIP"] = .string(nodeIP)
        status["hostIPs"] = [["ip": .string(nodeIP)]]
        if status["startTime"] == nil { status["startTime"] = .string(now) }
        if sandboxReady, current["podIP"]?.stringValue == nil {
            let ip = allocateIP()
            status["podIP"] = .string(ip)
            status["podIPs"] = [["ip": .string(ip)]]
        }
        return status
    }

    // MARK: Container statuses

    private func base(_ container: JSONValue, old: JSONValue?) -> JSONObject {
        let image = container["image"]?.stringValue ?? ""
        return [
            "name": container["name"] ?? "",
            "image": .string(image),
            "imageID": "",
            "restartCount": old?["restartCount"] ?? .int(0),
            "lastState": old?["lastState"] ?? [:],
        ]
    }

    static func imageID(_ image: String) -> String {
        let repository = image.split(separator: "@").first.map(String.init) ?? image
        var name = repository
        if let colon = repository.lastIndex(of: ":"), !repository[colon...].contains("/") { name = String(repository[..<colon]) }
        if !name.contains("/") { name = "docker.io/library/" + name } else if !(name.split(separator: "/").first?.contains(".") ?? false) {
            name = "docker.io/" + name
        }
        return "\(name)@sha256:\(FakeIDs.hex64(image))"
    }

    private func containerID(_ pod: KubeObject, _ container: JSONValue, restartCount: Int64) -> String {
        "containerd://" + FakeIDs.hex64("\(pod.uid)/\(container["name"]?.stringValue ?? "")/\(restartCount)")
    }

    private func waiting(_ container: JSONValue, reason: String, message: String?, old: JSONValue?) -> JSONValue {
        var entry = base(container, old: old)
        var state: JSONObject = ["reason": .string(reason)]
        if let message { state["message"] = .string(message) }
        entry["state"] = ["waiting": .object(state)]
        entry["ready"] = false
        entry["started"] = false
        return .object(entry)
    }

    private func running(_ container: JSONValue, pod: KubeObject, old: JSONValue?) -> JSONValue {
        var entry = base(container, old: old)
        let restartCount = entry["restartCount"]?.intValue ?? 0
        let image = container["image"]?.stringValue ?? ""
        entry["imageID"] = .string(Self.imageID(image))
        entry["containerID"] = .string(containerID(pod, container, restartCount: restartCount))
        let startedAt = old?["state"]?["running"]?["startedAt"] ?? .string(now)
        entry["state"] = ["running": ["startedAt": startedAt]]
        entry["ready"] = true
        entry["started"] = true
        return .object(entry)
    }

    private func restarted(_ container: JSONValue, pod: KubeObject, old: JSONValue?, exitCode: Int64) -> JSONValue {
        var entry = base(container, old: old)
        let previousCount = old?["restartCount"]?.intValue ?? 0
        let image = container["image"]?.stringValue ?? ""
        entry["lastState"] = ["terminated": .object(termination(old: old, exitCode: exitCode))]
        entry["restartCount"] = .int(previousCount + 1)
        entry["imageID"] = .string(Self.imageID(image))
        entry["containerID"] = .string(containerID(pod, container, restartCount: previousCount + 1))
        entry["state"] = ["running": ["startedAt": .string(now)]]
        entry["ready"] = true
        entry["started"] = true
        return .object(entry)
    }

    private func terminated(_ container: JSONValue, old: JSONValue?, exitCode: Int64) -> JSONValue {
        if let existing = old?["state"]?["terminated"], existing["exitCode"]?.intValue == exitCode, let old {
            return old
        }
        var entry = base(container, old: old)
        entry["imageID"] = old?["imageID"] ?? ""
        entry["state"] = ["terminated": .object(termination(old: old, exitCode: exitCode))]
        entry["ready"] = false
        entry["started"] = false
        return .object(entry)
    }

    private func termination(old: JSONValue?, exitCode: Int64) -> JSONObject {
        var terminated: JSONObject = [
            "exitCode": .int(exitCode),
            "reason": .string(exitCode == 0 ? "Completed" : "Error"),
            "startedAt": old?["state"]?["running"]?["startedAt"] ?? .string(now),
            "finishedAt": .string(now),
        ]
        if let id = old?["containerID"] { terminated["containerID"] = id }
        return terminated
    }

    private func completedInit(_ container: JSONValue, pod: KubeObject, old: JSONValue?) -> JSONValue {
        if old?["state"]?["terminated"] != nil, let old { return old }
        var entry = base(container, old: old)
        let image = container["image"]?.stringValue ?? ""
        let id = containerID(pod, container, restartCount: 0)
        entry["imageID"] = .string(Self.imageID(image))
        entry["containerID"] = .string(id)
        entry["state"] = ["terminated": [
            "exitCode": 0, "reason": "Completed", "startedAt": .string(now), "finishedAt": .string(now), "containerID": .string(id),
        ]]
        entry["ready"] = true
        entry["started"] = false
        return .object(entry)
    }
}
