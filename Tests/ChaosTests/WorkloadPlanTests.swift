//! The seeded workload: one seed is one plan, each sandbox's steps come in
//! order starting with its create, the expected end state follows from the
//! steps, and the foreign objects collide with or look like the operator's.
import ChaosSupport
import KubeCore
import OpenShellAPI
import Testing

@Suite("Chaos workload plan")
struct WorkloadPlanTests {
    @Test("the same seed gives the same plan and kill points; another seed does not")
    func seeded() {
        let a = WorkloadPlan.make(count: 200, duration: 60, seed: 7)
        let b = WorkloadPlan.make(count: 200, duration: 60, seed: 7)
        let c = WorkloadPlan.make(count: 200, duration: 60, seed: 8)
        #expect(a.operations == b.operations)
        #expect(a.expectations == b.expectations)
        #expect(a.operations != c.operations)
        #expect(killSchedule(kills: 10, duration: 60, seed: 7) == killSchedule(kills: 10, duration: 60, seed: 7))
        #expect(killSchedule(kills: 10, duration: 60, seed: 7) != killSchedule(kills: 10, duration: 60, seed: 8))
    }

    @Test("every sandbox starts with its create, its steps are in time order, and its expectation follows from them")
    func orderedAndExpected() {
        let plan = WorkloadPlan.make(count: 300, duration: 60, seed: 3)
        #expect(plan.operations.map(\.offset) == plan.operations.map(\.offset).sorted())
        #expect(plan.operations.allSatisfy { $0.offset >= 0 && $0.offset <= 60 })
        let byKey = Dictionary(grouping: plan.operations, by: \.key)
        #expect(byKey.count == plan.expectations.count)
        for (key, steps) in byKey {
            guard case .create = steps[0].operation else {
                Issue.record("\(key) starts with \(steps[0].operation)")
                continue
            }
            #expect(!steps.dropFirst().contains { if case .create = $0.operation { true } else { false } }, "\(key) is created twice")
            if key.name.hasPrefix("sbx-collide") { continue }
            #expect(plan.expectations[key] == ExpectedState.after(steps.map(\.operation)), "\(key)")
        }
    }

    @Test("a run of this size has every kind of change and every end state")
    func coversEveryKind() {
        let plan = WorkloadPlan.make(count: 1000, duration: 120, seed: 1)
        let operations = plan.operations.map(\.operation)
        #expect(operations.contains(.suspend) && operations.contains(.resume) && operations.contains(.delete))
        #expect(operations.contains { if case .setImage = $0 { true } else { false } })
        let states = Set(plan.expectations.values.map { String(describing: $0).prefix(5) })
        #expect(states.isSuperset(of: ["Ready", "Suspe", "Expir", "Pendi", "delet"]), "\(states)")
        #expect(plan.expectations.values.contains(.expired(keepsSandbox: true)) && plan.expectations.values.contains(.expired(keepsSandbox: false)))
    }

    @Test("expected end states", arguments: [
        ([SandboxOperation.create(spec: [:])], ExpectedState.ready(image: nil)),
        ([.create(spec: [:]), .suspend], .suspended),
        ([.create(spec: ["suspended": true]), .resume, .setImage("i:2")], .ready(image: "i:2")),
        ([.create(spec: [:]), .setImage("i:2"), .suspend, .resume, .suspend], .suspended),
        ([.create(spec: ["lifetime": ["ttl": "9s", "onExpiry": "Stop"]])], .expired(keepsSandbox: true)),
        ([.create(spec: ["lifetime": ["ttl": "9s", "onExpiry": "Delete"]])], .expired(keepsSandbox: false)),
        ([.create(spec: [:]), .suspend, .delete], .absent),
    ])
    func expectedState(_ operations: [SandboxOperation], _ expected: ExpectedState) {
        #expect(ExpectedState.after(operations) == expected)
    }

    @Test("the foreign objects take the workload's names or carry the operator's labels")
    func foreignObjectsCollide() {
        let plan = WorkloadPlan.make(count: 10, duration: 30, seed: 1)
        let sandboxes = plan.foreign.filter { $0.kind == "Sandbox" }
        let pods = plan.foreign.filter { $0.kind == "Pod" }
        #expect(sandboxes.count == 3 && pods.count == 1)
        // Two share a name with an OpenShellSandbox of the plan: one that lives on in conflict, one that is deleted.
        #expect(plan.expectations[ObjectKey(namespace: "chaos-0", name: WorkloadPlan.collidingLive)] == .conflict)
        #expect(plan.expectations[ObjectKey(namespace: "chaos-0", name: WorkloadPlan.collidingDeleted)] == .absent)
        // The others look like the operator's own.
        for lookalike in plan.foreign where lookalike.object.name.contains("lookalike") || lookalike.kind == "Pod" {
            #expect(lookalike.object.labels[OpenShellLabels.managedBy] == OpenShellLabels.managedByValue)
            #expect(lookalike.object.ownerReferences.isEmpty)
        }
        #expect(pods[0].object.labels[OpenShellLabels.sandboxName] == WorkloadPlan.sandboxName(0))
    }
}
