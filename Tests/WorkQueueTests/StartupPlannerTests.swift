//! StartupPlanner: which listed objects get a prompt reconcile after a
//! restart, which keep their place in the queue, which only a spread
//! low-priority pass, and which are gone.
import Foundation
import KubeCore
import Testing
import WorkQueue

/// A deterministic generator (SplitMix64) so delays are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private let reconciledAt = Date(timeIntervalSince1970: 1_700_000_000)

private func observedRow(_ name: String, uid: String = "uid-1", generation: Int64 = 2, resourceVersion: String = "100", inputHash: String = "h") -> ObservedState {
    ObservedState(key: key(name), uid: uid, generation: generation, resourceVersion: resourceVersion, inputHash: inputHash, reconciledAt: reconciledAt)
}

private func listed(_ name: String, uid: String = "uid-1", generation: Int64 = 2, resourceVersion: String = "100", inputHash: String = "h", deleting: Bool = false) -> ListedObject {
    ListedObject(key: key(name), uid: uid, generation: generation, resourceVersion: resourceVersion, inputHash: inputHash, isBeingDeleted: deleting)
}

/// One row of the planner table.
struct PlannerCase: Sendable, CustomTestStringConvertible {
    enum Bucket: Sendable { case normal, low, queued, gone, none }
    var name: String
    var listed: ListedObject?
    var observed: ObservedState?
    var pending: Bool = false
    var expected: Bucket
    var testDescription: String { name }
}

private let cases: [PlannerCase] = [
    .init(name: "new object (never reconciled) → normal", listed: listed("x"), observed: nil, expected: .normal),
    .init(name: "unchanged → low", listed: listed("x"), observed: observedRow("x"), expected: .low),
    .init(name: "only resourceVersion changed (status write) → low",
          listed: listed("x", resourceVersion: "101"), observed: observedRow("x"), expected: .low),
    .init(name: "uid changed (deleted and recreated) → normal",
          listed: listed("x", uid: "uid-2"), observed: observedRow("x"), expected: .normal),
    .init(name: "generation advanced → normal",
          listed: listed("x", generation: 3), observed: observedRow("x"), expected: .normal),
    .init(name: "input hash changed (labels, referenced Secret) → normal",
          listed: listed("x", inputHash: "h2"), observed: observedRow("x"), expected: .normal),
    .init(name: "being deleted → normal", listed: listed("x", deleting: true), observed: observedRow("x"), expected: .normal),
    .init(name: "unchanged and still pending in the queue → keeps its schedule",
          listed: listed("x"), observed: observedRow("x"), pending: true, expected: .queued),
    .init(name: "pending and changed while down → normal",
          listed: listed("x", generation: 3), observed: observedRow("x"), pending: true, expected: .normal),
    .init(name: "pending and never reconciled → normal", listed: listed("x"), observed: nil, pending: true, expected: .normal),
    .init(name: "remembered but not listed → gone", listed: nil, observed: observedRow("x"), expected: .gone),
    .init(name: "pending but neither listed nor remembered → nothing (the queue has it)",
          listed: nil, observed: nil, pending: true, expected: .none),
]

@Suite("Startup planner")
struct StartupPlannerTests {
    @Test("each object lands in the right bucket", arguments: cases)
    func bucket(_ row: PlannerCase) {
        var rng = SeededGenerator(state: 1)
        let plan = StartupPlanner.plan(
            listed: row.listed.map { [$0] } ?? [],
            observed: row.observed.map { [$0.key: $0] } ?? [:],
            pending: row.pending ? [key("x")] : [],
            spreadOver: .seconds(600),
            using: &rng)
        #expect(plan.normal == (row.expected == .normal ? [key("x")] : []))
        #expect(plan.lowPriority.map(\.key) == (row.expected == .low ? [key("x")] : []))
        #expect(plan.queued == (row.expected == .queued ? [key("x")] : []))
        #expect(plan.gone == (row.expected == .gone ? [key("x")] : []))
    }

    @Test("low-priority delays fall within the window, differ, and follow the injected generator")
    func lowPrioritySpread() {
        let objects = (0..<200).map { listed("o\($0)") }
        let observed = Dictionary(uniqueKeysWithValues: objects.map { ($0.key, observedRow($0.key.name)) })
        var first = SeededGenerator(state: 42)
        var second = SeededGenerator(state: 42)
        let plan = StartupPlanner.plan(listed: objects, observed: observed, pending: [], spreadOver: .seconds(600), using: &first)
        let replay = StartupPlanner.plan(listed: objects, observed: observed, pending: [], spreadOver: .seconds(600), using: &second)
        #expect(plan.lowPriority.count == 200)
        #expect(plan.normal.isEmpty)
        #expect(plan.lowPriority.allSatisfy { $0.delay >= .zero && $0.delay < .seconds(600) })
        #expect(Set(plan.lowPriority.map(\.delay)).count > 150, "spread, not bunched")
        #expect(plan.lowPriority.map(\.delay) == replay.lowPriority.map(\.delay))
        #expect(plan.lowPriority.map(\.key) == objects.map(\.key).sorted())
    }

    @Test("a zero window enqueues the low-priority pass without delay")
    func zeroWindow() {
        var rng = SeededGenerator(state: 7)
        let plan = StartupPlanner.plan(
            listed: [listed("x")], observed: [key("x"): observedRow("x")], pending: [], spreadOver: .zero, using: &rng)
        #expect(plan.lowPriority.map(\.delay) == [.zero])
    }

    @Test("a mixed listing: every listed key once, sorted; queued only for unchanged pending keys; gone only for unlisted remembered keys")
    func mixed() {
        var rng = SeededGenerator(state: 3)
        let plan = StartupPlanner.plan(
            listed: [listed("c"), listed("a", generation: 9), listed("b"), listed("a", generation: 9), listed("d"), listed("e")],
            observed: [key("a"): observedRow("a"), key("b"): observedRow("b"), key("e"): observedRow("e"),
                       key("z"): observedRow("z"), key("y"): observedRow("y")],
            pending: [key("d"), key("e")],
            spreadOver: .seconds(60),
            using: &rng)
        #expect(plan.normal == [key("a"), key("c"), key("d")])
        #expect(plan.queued == [key("e")])
        #expect(plan.lowPriority.map(\.key) == [key("b")])
        #expect(plan.gone == [key("y"), key("z")])
    }

    @Test("reason names the first rule that applies", arguments: [
        (listed("x", uid: "other", deleting: true), StartupPlanner.Reason.beingDeleted),
        (listed("x", uid: "other", generation: 5), .uidChanged),
        (listed("x", generation: 5, inputHash: "new"), .generationChanged),
        (listed("x", inputHash: "new"), .inputsChanged),
    ])
    func reason(object: ListedObject, expected: StartupPlanner.Reason) {
        #expect(StartupPlanner.reason(for: object, observed: observedRow("x")) == expected)
        #expect(StartupPlanner.reason(for: listed("x"), observed: nil) == .new)
        #expect(StartupPlanner.reason(for: listed("x"), observed: observedRow("x")) == nil)
    }
}
