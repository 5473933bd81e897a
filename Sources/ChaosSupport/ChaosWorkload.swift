//! The chaos workload as pure data: a seeded plan of OpenShellSandbox
//! operations (create, suspend, resume, TTL expiry, spec change, delete)
//! spread over a run, the state each sandbox must end in, and the "foreign"
//! objects (a Sandbox and a pod the operator did not create, with names and
//! labels that collide with or look like its own) it must never touch.
import Foundation
import KubeCore
import OpenShellAPI

/// SplitMix64: a small seedable generator, so a seed names one run exactly.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in [low, high).
    public mutating func uniform(_ low: Double, _ high: Double) -> Double {
        guard high > low else { return low }
        return low + Double(next() >> 11) / Double(UInt64(1) << 53) * (high - low)
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { uniform(0, 1) < p }
}

/// One change the workload makes to an OpenShellSandbox.
public enum SandboxOperation: Sendable, Hashable, CustomStringConvertible {
    /// Create with this spec.
    case create(spec: JSONObject)
    case suspend
    case resume
    /// A spec change the pod cannot pick up: a new image, rolled out.
    case setImage(String)
    case delete

    public var description: String {
        switch self {
        case .create(let spec): "create \(String(decoding: JSONValue.object(spec).serialized(), as: UTF8.self))"
        case .suspend: "suspend"
        case .resume: "resume"
        case .setImage(let image): "image \(image)"
        case .delete: "delete"
        }
    }
}

/// An operation at a time offset from the start of the run.
public struct ScheduledOperation: Sendable, Hashable {
    /// Seconds after the run started.
    public var offset: Double
    public var key: ObjectKey
    public var operation: SandboxOperation

    public init(offset: Double, key: ObjectKey, operation: SandboxOperation) {
        self.offset = offset
        self.key = key
        self.operation = operation
    }
}

/// What an OpenShellSandbox must look like once the operator has caught up.
public enum ExpectedState: Sendable, Hashable, CustomStringConvertible {
    /// Phase Ready at its generation, UpToDate, one owned running Sandbox with `image` (nil: the default image).
    case ready(image: String?)
    /// Phase Suspended, one owned Sandbox in `operatingMode: Suspended`.
    case suspended
    /// Phase Expired; the Sandbox kept (`onExpiry: Stop`; none if the lifetime
    /// ended before the operator made one) or gone (`Delete`).
    case expired(keepsSandbox: Bool)
    /// A foreign Sandbox holds the name: phase Pending, `Conflict=True`, no owned Sandbox.
    case conflict
    /// Deleted: the OpenShellSandbox and its Sandbox are gone.
    case absent

    public var description: String {
        switch self {
        case .ready(let image): "Ready" + (image.map { " (image \($0))" } ?? "")
        case .suspended: "Suspended"
        case .expired(let keeps): keeps ? "Expired (Sandbox kept)" : "Expired (Sandbox deleted)"
        case .conflict: "Pending (Conflict)"
        case .absent: "deleted"
        }
    }

    /// The state after applying `operations` in order (the first must be a create).
    public static func after(_ operations: [SandboxOperation]) -> ExpectedState {
        var suspended = false, image: String? = nil, expiry: Bool? = nil
        for operation in operations {
            switch operation {
            case .create(let spec):
                suspended = spec["suspended"]?.boolValue ?? false
                image = spec["image"]?.stringValue
                if let lifetime = spec["lifetime"]?.objectValue {
                    expiry = lifetime["onExpiry"]?.stringValue == "Stop"
                }
            case .suspend: suspended = true
            case .resume: suspended = false
            case .setImage(let new): image = new
            case .delete: return .absent
            }
        }
        if let keeps = expiry { return .expired(keepsSandbox: keeps) }
        return suspended ? .suspended : .ready(image: image)
    }
}

/// An object created before the operator starts that it must never change.
public struct ForeignObject: Sendable, Hashable {
    /// `Sandbox` or `Pod`.
    public var kind: String
    public var object: KubeObject

    public init(kind: String, object: KubeObject) {
        self.kind = kind
        self.object = object
    }

    public var key: ObjectKey { ObjectKey(namespace: object.namespace, name: object.name) }
}

/// The whole seeded workload of one run.
public struct WorkloadPlan: Sendable {
    public var namespaces: [String]
    /// Sorted by offset; a sandbox's own operations keep their order.
    public var operations: [ScheduledOperation]
    public var expectations: [ObjectKey: ExpectedState]
    public var foreign: [ForeignObject]
    /// Seconds from the start to the last operation.
    public var duration: Double

    /// Names the workload's sandboxes get: `sbx-0000`, `sbx-0001`, …
    public static func sandboxName(_ index: Int) -> String { "sbx-" + String(format: "%04d", index) }

    /// The foreign Sandbox whose name an OpenShellSandbox that lives on also takes.
    public static let collidingLive = "sbx-collide-live"
    /// The foreign Sandbox whose name an OpenShellSandbox takes and is then deleted.
    public static let collidingDeleted = "sbx-collide-deleted"
    /// A foreign Sandbox with the operator's labels and no OpenShellSandbox.
    public static let lookalikeSandbox = "sbx-lookalike"
    /// A bare pod with the operator's labels, naming a real OpenShellSandbox of the run.
    public static let lookalikePod = "sbx-0000-foreign"

    /// `count` sandboxes over `namespaceCount` namespaces, with operations spread over `duration` seconds.
    ///
    /// Each sandbox is created in the first half of the run; about 15 % get a
    /// TTL (a third to four fifths of the run; `onExpiry` Delete or Stop), the
    /// rest 0–3 follow-up changes (suspend/resume toggles, image changes), and
    /// about 15 % of all are deleted at the end of their sequence — some within
    /// a second of their creation.
    public static func make(count: Int, namespaceCount: Int = 4, duration: Double, seed: UInt64) -> WorkloadPlan {
        var random = SeededRandom(seed: seed)
        let namespaces = (0..<max(1, namespaceCount)).map { "chaos-\($0)" }
        var scheduled: [ScheduledOperation] = []
        var expectations: [ObjectKey: ExpectedState] = [:]
        var imageVersion = 0

        for index in 0..<count {
            let key = ObjectKey(namespace: namespaces[index % namespaces.count], name: sandboxName(index))
            var time = random.uniform(0, duration * 0.5)
            var spec: JSONObject = [:]
            var operations: [SandboxOperation] = []
            if random.chance(0.15) {
                let ttl = max(4, Int(random.uniform(duration / 3, duration * 0.8)))
                spec["lifetime"] = ["ttl": .string("\(ttl)s"), "onExpiry": random.chance(0.5) ? "Stop" : "Delete"]
                operations.append(.create(spec: spec))
            } else {
                if random.chance(0.1) { spec["suspended"] = true }
                operations.append(.create(spec: spec))
                var suspended = spec["suspended"]?.boolValue ?? false
                for _ in 0..<Int(random.uniform(0, 4)) {
                    if random.chance(0.6) {
                        operations.append(suspended ? .resume : .suspend)
                        suspended.toggle()
                    } else {
                        imageVersion += 1
                        operations.append(.setImage("example.com/agent:v\(imageVersion)"))
                    }
                }
            }
            if random.chance(0.15) { operations.append(.delete) }
            for (step, operation) in operations.enumerated() {
                if step > 0 {
                    // Now and then a change right after the previous one, while it is in flight.
                    time += random.chance(0.3) ? random.uniform(0.05, 1) : random.uniform(0.5, max(1, duration * 0.3))
                    time = min(time, duration)
                }
                scheduled.append(ScheduledOperation(offset: time, key: key, operation: operation))
            }
            expectations[key] = ExpectedState.after(operations)
        }

        // The colliding names: a foreign Sandbox is there first.
        let home = namespaces[0]
        let live = ObjectKey(namespace: home, name: collidingLive)
        scheduled.append(ScheduledOperation(offset: duration * 0.1, key: live, operation: .create(spec: [:])))
        expectations[live] = .conflict
        let deleted = ObjectKey(namespace: home, name: collidingDeleted)
        scheduled.append(ScheduledOperation(offset: duration * 0.1, key: deleted, operation: .create(spec: [:])))
        scheduled.append(ScheduledOperation(offset: duration * 0.6, key: deleted, operation: .delete))
        expectations[deleted] = .absent

        let foreign = [
            ForeignObject(kind: "Sandbox", object: foreignSandbox(namespace: home, name: collidingLive, labels: [:])),
            ForeignObject(kind: "Sandbox", object: foreignSandbox(namespace: home, name: collidingDeleted, labels: [:])),
            ForeignObject(kind: "Sandbox", object: foreignSandbox(
                namespace: namespaces[namespaces.count - 1], name: lookalikeSandbox,
                labels: lookalikeLabels(name: lookalikeSandbox))),
            ForeignObject(kind: "Pod", object: foreignPod(
                namespace: home, name: lookalikePod, labels: lookalikeLabels(name: sandboxName(0)))),
        ]
        // Stable order: by time, then by the order each sandbox's steps were planned.
        let ordered = scheduled.enumerated().sorted { ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset) }.map(\.element)
        return WorkloadPlan(
            namespaces: namespaces, operations: ordered, expectations: expectations, foreign: foreign,
            duration: ordered.last?.offset ?? 0)
    }

    /// The operator's own labels on an object it did not make (a made-up sandbox id).
    static func lookalikeLabels(name: String) -> [String: String] {
        [OpenShellLabels.managedBy: OpenShellLabels.managedByValue, OpenShellLabels.sandboxName: name,
         OpenShellLabels.sandboxID: "00000000-0000-4000-8000-000000000000"]
    }

    static func foreignSandbox(namespace: String, name: String, labels: [String: String]) -> KubeObject {
        KubeObject([
            "apiVersion": "agents.x-k8s.io/v1beta1", "kind": "Sandbox",
            "metadata": ["name": .string(name), "namespace": .string(namespace), "labels": .object(labels.mapValues { .string($0) })],
            "spec": ["podTemplate": ["spec": ["containers": [["name": "main", "image": "example.com/someone-else:1"]]]]],
        ])
    }

    static func foreignPod(namespace: String, name: String, labels: [String: String]) -> KubeObject {
        KubeObject([
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": .string(name), "namespace": .string(namespace), "labels": .object(labels.mapValues { .string($0) })],
            "spec": ["restartPolicy": "Always", "containers": [["name": "main", "image": "example.com/someone-else:1"]]],
        ])
    }
}

/// Seeded kill points: `kills` offsets in [0, `duration`), sorted.
public func killSchedule(kills: Int, duration: Double, seed: UInt64) -> [Double] {
    var random = SeededRandom(seed: seed ^ 0x6B69_6C6C)
    return (0..<max(0, kills)).map { _ in random.uniform(0, duration) }.sorted()
}
