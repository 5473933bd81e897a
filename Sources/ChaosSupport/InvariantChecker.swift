//! The chaos invariants as a pure function of what the cluster holds: every
//! OpenShellSandbox converged to its spec, exactly one owned Sandbox per live
//! one (controller reference with its UID), no Sandbox without a live owner,
//! foreign objects untouched, no finalizer left on a deleted object, and the
//! operator's work queue empty. Each broken invariant is one `Violation`.
import Foundation
import KubeCore

/// One broken invariant.
public struct Violation: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// An OpenShellSandbox not (yet) in its expected state.
        case notConverged
        /// An OpenShellSandbox the workload never made.
        case unexpectedObject
        /// A live OpenShellSandbox that needs a Sandbox has none.
        case missingSandbox
        /// More than one Sandbox controlled by one OpenShellSandbox, or one where none may be.
        case extraSandbox
        /// A Sandbox whose controller is not a live OpenShellSandbox (by UID), or one of another name.
        case orphanSandbox
        /// A foreign object changed, replaced or deleted.
        case foreignTouched
        /// An object left in Terminating (a finalizer never released).
        case stuckTerminating
        /// Work left in the operator's queue, or its depth could not be read.
        case queueNotEmpty
    }

    public var kind: Kind
    /// What it is about, e.g. `OpenShellSandbox chaos-0/sbx-0001`.
    public var subject: String
    public var detail: String

    public init(_ kind: Kind, _ subject: String, _ detail: String) {
        self.kind = kind
        self.subject = subject
        self.detail = detail
    }

    public var description: String { "\(kind.rawValue): \(subject): \(detail)" }
}

/// A foreign object as it was before the operator started.
public struct ForeignRecord: Sendable, Hashable {
    public var kind: String
    public var key: ObjectKey
    public var uid: String
    public var resourceVersion: String

    public init(kind: String, key: ObjectKey, uid: String, resourceVersion: String) {
        self.kind = kind
        self.key = key
        self.uid = uid
        self.resourceVersion = resourceVersion
    }

    public init(kind: String, _ object: KubeObject) {
        self.init(kind: kind, key: ObjectKey(namespace: object.namespace, name: object.name), uid: object.uid,
                  resourceVersion: object.resourceVersion)
    }
}

/// What the checker looks at, read from the cluster and the operator.
public struct ClusterSnapshot: Sendable {
    public var openShellSandboxes: [KubeObject]
    /// Every `agents.x-k8s.io` Sandbox in the workload's namespaces.
    public var sandboxes: [KubeObject]
    /// The foreign objects as they are now (absent ones left out), with their kinds.
    public var foreign: [ForeignRecord]
    /// `workqueue_depth` per controller name; nil when the metrics could not be read.
    public var queueDepths: [String: Double]?

    public init(openShellSandboxes: [KubeObject], sandboxes: [KubeObject], foreign: [ForeignRecord], queueDepths: [String: Double]?) {
        self.openShellSandboxes = openShellSandboxes
        self.sandboxes = sandboxes
        self.foreign = foreign
        self.queueDepths = queueDepths
    }
}

public struct InvariantChecker: Sendable {
    public var expectations: [ObjectKey: ExpectedState]
    /// The foreign objects as recorded before the operator started.
    public var foreign: [ForeignRecord]
    /// Controllers whose queue depth must be present and zero.
    public var controllers: [String]

    public init(expectations: [ObjectKey: ExpectedState], foreign: [ForeignRecord], controllers: [String] = ["openshell-sandbox"]) {
        self.expectations = expectations
        self.foreign = foreign
        self.controllers = controllers
    }

    static let ownerKind = GroupKind(group: "openshell.ai", kind: "OpenShellSandbox")

    /// Every violation in `snapshot`, sorted; empty when all invariants hold.
    /// - Parameter checkQueue: false while converging under faults (the queue is looked at once they stop).
    public func violations(_ snapshot: ClusterSnapshot, checkQueue: Bool = true) -> [Violation] {
        var found: [Violation] = []
        let foreignKeys = Set(foreign.filter { $0.kind == "Sandbox" }.map { ForeignKey(key: $0.key, uid: $0.uid) })
        let ours = snapshot.sandboxes.filter { !foreignKeys.contains(ForeignKey(key: $0.key, uid: $0.uid)) }
        var owned: [String: [KubeObject]] = [:]
        for sandbox in ours {
            if let reference = sandbox.controllerReference, reference.groupKind == Self.ownerKind {
                owned[reference.uid, default: []].append(sandbox)
            }
        }
        let owners = Dictionary(snapshot.openShellSandboxes.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })

        // Every planned OpenShellSandbox in its expected state.
        for (key, expected) in expectations.sorted(by: { $0.key < $1.key }) {
            let subject = "OpenShellSandbox \(key)"
            guard let owner = owners[key] else {
                if expected != .absent { found.append(Violation(.notConverged, subject, "expected \(expected), but it does not exist")) }
                continue
            }
            if owner.isBeingDeleted {
                found.append(Violation(.stuckTerminating, subject, "deleted at \(owner.deletionTimestamp ?? "?") but still held by finalizers \(owner.finalizers)"))
                continue
            }
            if expected == .absent {
                found.append(Violation(.notConverged, subject, "expected deleted, but it exists in phase \(Self.phase(owner))"))
                continue
            }
            found += Self.converged(owner, expected: expected, owned: owned[owner.uid] ?? [], subject: subject)
        }
        for owner in snapshot.openShellSandboxes where expectations[owner.key] == nil {
            found.append(Violation(.unexpectedObject, "OpenShellSandbox \(owner.key)", "the workload never made it"))
        }

        // Every Sandbox of ours has a live controller of its own name, and none is left terminating.
        let live = Dictionary(snapshot.openShellSandboxes.map { ($0.uid, $0) }, uniquingKeysWith: { first, _ in first })
        for sandbox in ours.sorted(by: { $0.key < $1.key }) {
            let subject = "Sandbox \(sandbox.key)"
            if sandbox.isBeingDeleted {
                found.append(Violation(.stuckTerminating, subject, "deleted at \(sandbox.deletionTimestamp ?? "?"), finalizers \(sandbox.finalizers)"))
            }
            guard let reference = sandbox.controllerReference, reference.groupKind == Self.ownerKind else {
                found.append(Violation(.orphanSandbox, subject, "no OpenShellSandbox controls it"))
                continue
            }
            guard let owner = live[reference.uid], owner.namespace == sandbox.namespace else {
                found.append(Violation(.orphanSandbox, subject, "its controller \(reference.name) (uid \(reference.uid)) is not a live OpenShellSandbox"))
                continue
            }
            if owner.name != sandbox.name || reference.name != owner.name {
                found.append(Violation(.orphanSandbox, subject, "controlled by OpenShellSandbox \(owner.name), whose Sandbox must be named after it"))
            }
        }

        // Foreign objects exactly as they were.
        let now = Dictionary(snapshot.foreign.map { (ForeignKind(kind: $0.kind, key: $0.key), $0) }, uniquingKeysWith: { first, _ in first })
        for before in foreign {
            let subject = "foreign \(before.kind) \(before.key)"
            guard let after = now[ForeignKind(kind: before.kind, key: before.key)] else {
                found.append(Violation(.foreignTouched, subject, "deleted"))
                continue
            }
            if after.uid != before.uid {
                found.append(Violation(.foreignTouched, subject, "replaced (uid \(before.uid) → \(after.uid))"))
            } else if after.resourceVersion != before.resourceVersion {
                found.append(Violation(.foreignTouched, subject, "modified (resourceVersion \(before.resourceVersion) → \(after.resourceVersion))"))
            }
        }

        // The operator has nothing left to do.
        if checkQueue {
            if let depths = snapshot.queueDepths {
                for controller in controllers {
                    guard let depth = depths[controller] else {
                        found.append(Violation(.queueNotEmpty, "queue \(controller)", "no workqueue_depth series"))
                        continue
                    }
                    if depth != 0 { found.append(Violation(.queueNotEmpty, "queue \(controller)", "workqueue_depth \(Self.number(depth))")) }
                }
                for (controller, depth) in depths.sorted(by: { $0.key < $1.key }) where depth != 0 && !controllers.contains(controller) {
                    found.append(Violation(.queueNotEmpty, "queue \(controller)", "workqueue_depth \(Self.number(depth))"))
                }
            } else {
                found.append(Violation(.queueNotEmpty, "queue", "the operator's metrics could not be read"))
            }
        }
        return found
    }

    /// Violations of one live OpenShellSandbox against its expected state.
    static func converged(_ owner: KubeObject, expected: ExpectedState, owned: [KubeObject], subject: String) -> [Violation] {
        var found: [Violation] = []
        let phase = phase(owner)
        func notConverged(_ reason: String) {
            found.append(Violation(.notConverged, subject, "expected \(expected): \(reason)"))
        }
        func currentCondition(_ type: String) -> Bool {
            guard let condition = owner.conditions[type: type] else { return false }
            return condition.isTrue && condition.observedGeneration == owner.generation
        }
        // How many owned Sandboxes the state allows.
        let allowed: ClosedRange<Int>
        switch expected {
        case .ready(let image):
            allowed = 1...1
            if phase != "Ready" || !currentCondition("Ready") || !currentCondition("UpToDate") {
                notConverged("phase \(phase), Ready \(conditionText(owner, "Ready")), UpToDate \(conditionText(owner, "UpToDate")), generation \(owner.generation)")
            } else if let sandbox = owned.first {
                let mode = sandbox.spec?["operatingMode"]?.stringValue ?? "Running"
                let images = (sandbox.spec?[path: ["podTemplate", "spec", "containers"]]?.arrayValue ?? []).compactMap { $0["image"]?.stringValue }
                if mode != "Running" {
                    notConverged("its Sandbox has operatingMode \(mode)")
                } else if let image, !images.contains(image) {
                    notConverged("its Sandbox runs \(images)")
                }
            }
        case .suspended:
            allowed = 1...1
            if phase != "Suspended" || !currentCondition("Suspended") {
                notConverged("phase \(phase), Suspended \(conditionText(owner, "Suspended"))")
            } else if let sandbox = owned.first, sandbox.spec?["operatingMode"]?.stringValue != "Suspended" {
                notConverged("its Sandbox has operatingMode \(sandbox.spec?["operatingMode"]?.stringValue ?? "unset")")
            }
        case .expired(let keeps):
            // Kept with `onExpiry: Stop` — unless the lifetime ended before the
            // operator made it, when nothing is created at all.
            allowed = keeps ? 0...1 : 0...0
            if phase != "Expired" { notConverged("phase \(phase)") }
        case .conflict:
            allowed = 0...0
            if phase != "Pending" || owner.conditions[type: "Conflict"]?.isTrue != true {
                notConverged("phase \(phase), Conflict \(conditionText(owner, "Conflict"))")
            }
        case .absent:
            allowed = 0...0
        }
        if owned.count < allowed.lowerBound {
            found.append(Violation(.missingSandbox, subject, "expected \(expected), but no Sandbox is controlled by uid \(owner.uid)"))
        } else if owned.count > allowed.upperBound {
            found.append(Violation(.extraSandbox, subject, "\(owned.count) Sandboxes controlled by it: \(owned.map(\.name).sorted())"))
        }
        return found
    }

    static func phase(_ object: KubeObject) -> String { object.status?["phase"]?.stringValue ?? "(none)" }

    static func conditionText(_ object: KubeObject, _ type: String) -> String {
        guard let condition = object.conditions[type: type] else { return "absent" }
        return "\(condition.status)/\(condition.reason)@\(condition.observedGeneration.map(String.init) ?? "-")"
    }

    static func number(_ value: Double) -> String {
        value.rounded() == value ? String(Int64(value)) : String(value)
    }

    private struct ForeignKey: Hashable { var key: ObjectKey; var uid: String }
    private struct ForeignKind: Hashable { var kind: String; var key: ObjectKey }
}

extension Violation {
    /// Counts per kind, for progress lines: `notConverged 12, missingSandbox 1`.
    public static func summary(_ violations: [Violation]) -> String {
        let counts = Dictionary(grouping: violations, by: \.kind).mapValues(\.count)
        return Kind.allCases.compactMap { kind in counts[kind].map { "\(kind.rawValue) \($0)" } }.joined(separator: ", ")
    }
}

/// Reads one gauge or counter from a Prometheus text exposition, summed per
/// value of `label`: `workqueue_depth{name="openshell-sandbox"} 0` → `["openshell-sandbox": 0]`.
public func prometheusSeries(_ metric: String, by label: String, in exposition: String) -> [String: Double] {
    var result: [String: Double] = [:]
    for line in exposition.split(separator: "\n") where line.hasPrefix(metric + "{") || line.hasPrefix(metric + " ") {
        let series = line.prefix { $0 != " " }
        guard let value = line.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
        var labelValue = ""
        if let range = series.range(of: label + "=\"") {
            labelValue = String(series[range.upperBound...].prefix { $0 != "\"" })
        }
        result[labelValue, default: 0] += value
    }
    return result
}
