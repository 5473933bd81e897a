//! The operator binary killed with SIGKILL in the middle of sandbox work and
//! started again on the same queue database: no Sandbox is created twice or
//! replaced, deletions started before the kill are finished after it (no
//! orphan, no stuck finalizer), and every lifecycle step in flight —
//! suspend, resume, rollout, restart after a failure, expiry — completes
//! after the restart without being lost or counted twice.
import ClusterSimulators
import Foundation
import KubeClient
import KubeCore
import OpenShellAPI
import OperatorTestSupport
import SandboxController
import Testing
import TestSupport

/// A local cluster with the simulators and CRDs, and a way to start the real
/// operator binary against it, always on the same queue database
/// (`OperatorCluster.start`, `kill`, `log`), seen through the sandbox scenarios.
private typealias CrashHarness = OperatorCluster

private extension CrashHarness {
    /// Waits until operator run `run` has logged nothing (it logs every
    /// reconcile at debug level) for `quiet`: the work the last changes caused is done.
    func waitUntilIdle(_ run: Int, quiet: Duration = .seconds(2)) async throws {
        var last = log(run).utf8.count
        var stillSince = ContinuousClock.now
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now - stillSince < quiet {
            guard ContinuousClock.now < deadline else { throw TestFailure("operator run \(run) never went quiet") }
            try await Task.sleep(for: .milliseconds(200))
            let size = log(run).utf8.count
            if size != last { last = size; stillSince = ContinuousClock.now }
        }
    }

    func owner(_ name: String) async -> KubeObject? {
        try? await client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: name)
    }

    func phase(_ name: String) async -> String? {
        await owner(name)?.status?["phase"]?.stringValue
    }

    func agentSandbox(_ name: String) async -> KubeObject? {
        try? await client.get(SandboxResources.agentSandboxes, namespace: "team-a", name: name)
    }

    func pod(_ name: String) async -> KubeObject? {
        try? await client.get(SandboxResources.pods, namespace: "team-a", name: name)
    }

    func create(_ name: String, spec: JSONObject = [:]) async throws {
        _ = try await client.create(OpenShellAPIGroup.sandboxes, namespace: "team-a", KubeObject([
            "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellSandbox",
            "metadata": ["name": .string(name), "namespace": "team-a"], "spec": .object(spec),
        ]))
    }

    func patchSpec(_ name: String, _ spec: JSONObject) async throws {
        _ = try await client.patch(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: name, type: .merge, patch: ["spec": .object(spec)])
    }

    /// `Created` Events per sandbox name: more than one means a Sandbox was made twice.
    func createdEvents() async throws -> [String: Int] {
        let events = try await client.list(GroupVersionResource(group: "events.k8s.io", version: "v1", resource: "events"), namespace: "team-a").items
        var counts: [String: Int] = [:]
        for event in events where event.json["reason"] == "Created" {
            counts[event.json["regarding"]?["name"]?.stringValue ?? "", default: 0] += 1
        }
        return counts
    }

    /// `eventually`, and on a timeout the state of `subject` (its OpenShellSandbox,
    /// Sandbox and pod) and the operator logs, so a failure in CI can be read.
    func wait(for subject: String, timeout: Duration = .seconds(40), sourceLocation: SourceLocation = #_sourceLocation,
              _ condition: @Sendable () async throws -> Bool) async throws {
        do {
            try await eventually(timeout: timeout, condition, sourceLocation: sourceLocation)
        } catch {
            var report = ""
            for (kind, object) in [("OpenShellSandbox", await owner(subject)), ("Sandbox", await agentSandbox(subject)), ("Pod", await pod(subject))] {
                var shown = object?.json ?? [:]
                shown["metadata"]?["managedFields"] = nil
                report += "\(kind) \(subject): " + (object == nil ? "absent" : String(decoding: JSONValue.object(shown).serialized(), as: UTF8.self)) + "\n"
            }
            report += logTails(lines: 40)
            Issue.record(Comment(rawValue: report), sourceLocation: sourceLocation)
            throw error
        }
    }

    static func with(podReadyDelay: Duration, podStopDelay: Duration, _ body: @Sendable (CrashHarness) async throws -> Void) async throws {
        var options = SimulatorOptions()
        options.podReadyDelay = podReadyDelay
        options.podStopDelay = podStopDelay
        try await withOperatorCluster(simulatorOptions: options, namespaces: ["team-a"], label: "sandbox-crash-tests", body)
    }
}

@Suite("Sandbox reconciler across SIGKILL", .serialized)
struct SandboxCrashTests {
    @Test("killed while creating and while deleting, restarted: nothing duplicated, nothing orphaned, nothing lost")
    func killWhileCreatingAndDeleting() async throws {
        try await CrashHarness.with(podReadyDelay: .milliseconds(200), podStopDelay: .milliseconds(200)) { harness in
            let client = harness.client
            let names = (1...8).map { "crash-\($0)" }
            @Sendable func phases() async -> [String] {
                let list = try? await client.list(OpenShellAPIGroup.sandboxes, namespace: "team-a")
                return list?.items.compactMap { $0.status?["phase"]?.stringValue } ?? []
            }

            // Kill 1: while sandboxes are being created.
            let first = try harness.start(1)
            for name in names { try await harness.create(name) }
            try await eventually(timeout: .seconds(30)) {
                (try? await client.list(SandboxResources.agentSandboxes, namespace: "team-a"))?.items.isEmpty == false
            }
            await harness.kill(first)
            let beforeRestart = try await client.list(SandboxResources.agentSandboxes, namespace: "team-a").items

            let second = try harness.start(2)
            try await eventually(timeout: .seconds(60)) { await phases().filter { $0 == "Ready" }.count == names.count }
            let sandboxes = try await client.list(SandboxResources.agentSandboxes, namespace: "team-a").items
            #expect(sandboxes.map(\.name).sorted() == names.sorted())
            // Those created before the kill are the same objects, not deleted and made again.
            for old in beforeRestart {
                #expect(sandboxes.first { $0.name == old.name }?.uid == old.uid, "\(old.name) was replaced")
            }
            let owners = try await client.list(OpenShellAPIGroup.sandboxes, namespace: "team-a").items
            for owner in owners {
                let sandbox = sandboxes.first { $0.name == owner.name }
                #expect(sandbox?.controllerReference?.uid == owner.uid, "\(owner.name)")
            }
            // No Sandbox was created twice: at most one Created Event per sandbox.
            for (name, count) in try await harness.createdEvents() {
                #expect(count <= 1, "\(name) has \(count) Created Events")
            }

            // Kill 2: while they are being deleted.
            for name in names { _ = try await client.delete(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: name) }
            try await eventually(timeout: .seconds(30)) { await phases().contains("Deleting") }
            await harness.kill(second)

            let third = try harness.start(3)
            try await eventually(timeout: .seconds(60)) {
                (try? await client.list(OpenShellAPIGroup.sandboxes, namespace: "team-a"))?.items.isEmpty == true
            }
            #expect(try await client.list(SandboxResources.agentSandboxes, namespace: "team-a").items.isEmpty)
            #expect(try await client.list(SandboxResources.pods, namespace: "team-a").items.isEmpty)
            third.signal(SIGTERM)
            #expect(await third.waitForExit() == 0)
        }
    }

    @Test("killed in the middle of suspend, resume, rollout, restart and expiry: every step completes after the restart, none twice")
    func killAtEveryLifecycleStep() async throws {
        // Slow pod stops keep the suspend and rollout steps in flight long enough to kill the operator inside them.
        try await CrashHarness.with(podReadyDelay: .milliseconds(300), podStopDelay: .seconds(2)) { h in
            let first = try h.start(1)
            try await h.create("pause")
            try await h.create("roll", spec: ["image": "example.com/agent:1"])
            try await h.create("phoenix", spec: ["failurePolicy": ["action": "Restart", "maxRestarts": 2]])
            try await h.create("brief", spec: ["lifetime": ["ttl": "12s"]])
            try await h.create("kept", spec: ["lifetime": ["ttl": "12s", "onExpiry": "Stop"]])
            let all = ["pause", "roll", "phoenix", "brief", "kept"]
            for name in all {
                try await eventually(timeout: .seconds(30)) { await h.phase(name) == "Ready" }
            }
            var sandboxUIDs: [String: String] = [:]
            for name in all { sandboxUIDs[name] = await h.agentSandbox(name)?.uid }
            let rollPod = try #require(await h.pod("roll"))
            let rollClaim = try await h.client.get(.persistentVolumeClaims, namespace: "team-a", name: "workspace-roll")
            let phoenixPod = try #require(await h.pod("phoenix"))

            // Kill 1: a suspend and a rollout in flight.
            try await h.patchSpec("pause", ["suspended": true])
            try await h.patchSpec("roll", ["image": "example.com/agent:2"])
            try await h.wait(for: "roll", timeout: .seconds(20)) {
                let roll = await h.owner("roll")
                let pause = await h.phase("pause")
                return roll?.conditions[type: "UpToDate"]?.isTrue == false && pause == "Suspending"
            }
            await h.kill(first)

            let second = try h.start(2)
            try await h.wait(for: "pause") { await h.phase("pause") == "Suspended" }
            #expect(await h.agentSandbox("pause")?.spec?["operatingMode"] == "Suspended")
            try await h.wait(for: "roll") {
                guard let pod = await h.pod("roll"), pod.uid != rollPod.uid, let owner = await h.owner("roll") else { return false }
                return owner.status?["phase"] == "Ready" && owner.conditions[type: "UpToDate"]?.isTrue == true
            }
            let rolled = try #require(await h.pod("roll"))
            #expect((rolled.spec?["containers"]?.arrayValue ?? []).contains { $0["image"] == "example.com/agent:2" })
            #expect(try await h.client.get(.persistentVolumeClaims, namespace: "team-a", name: "workspace-roll").uid == rollClaim.uid)

            // Kill 2: a resume just asked for, and a restart after a failure in the middle of its
            // suspend/resume cycle (the Agent Sandbox controller paused to hold it there).
            _ = try await h.client.patch(
                SandboxResources.pods, namespace: "team-a", name: "phoenix", type: .merge,
                patch: ["metadata": ["annotations": .object([KubeletHooks.terminateAnnotation: "Failed:4"])]])
            try await h.wait(for: "phoenix") { await h.owner("phoenix")?.conditions[type: "Ready"]?.reason == "RestartPending" }
            #expect(await h.owner("phoenix")?.status?["restartCount"] == 1)
            h.test.server.faults.pause(controller: SimulatedController.agentSandbox.rawValue)
            try await h.wait(for: "phoenix") { await h.owner("phoenix")?.conditions[type: "Ready"]?.reason == "Restarting" }
            try await h.patchSpec("pause", ["suspended": false])
            await h.kill(second)
            h.test.server.faults.resume(controller: SimulatedController.agentSandbox.rawValue)

            let third = try h.start(3)
            try await h.wait(for: "pause") { await h.phase("pause") == "Ready" }
            try await h.wait(for: "phoenix") {
                guard let pod = await h.pod("phoenix"), pod.uid != phoenixPod.uid else { return false }
                return await h.phase("phoenix") == "Ready"
            }
            // The failure was counted once although two operator runs saw it.
            let phoenix = try await h.client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "phoenix")
            #expect(phoenix.status?["restartCount"] == 1, "\(phoenix.status ?? [:])")
            #expect(phoenix.status?["lastExitCode"] == 4, "\(phoenix.status ?? [:])")
            // The lifetimes ran out along the way.
            try await h.wait(for: "kept") {
                let brief = await h.phase("brief"), kept = await h.phase("kept")
                return brief == "Expired" && kept == "Expired"
            }

            // Expired stays expired: the deleted one is not recreated, the stopped one keeps its Sandbox and has no pod.
            #expect(await h.agentSandbox("brief") == nil)
            #expect(await h.phase("brief") == "Expired")
            #expect(await h.agentSandbox("kept")?.uid == sandboxUIDs["kept"])
            try await h.wait(for: "kept", timeout: .seconds(20)) { await h.pod("kept") == nil }
            // Every other step was carried out on the Sandbox the operator first created.
            for name in ["pause", "roll", "phoenix"] {
                #expect(await h.agentSandbox(name)?.uid == sandboxUIDs[name], "\(name)'s Sandbox was replaced")
            }
            for (name, count) in try await h.createdEvents() {
                #expect(count == 1, "\(name) has \(count) Created Events")
            }
            try await h.waitUntilIdle(3)
            third.signal(SIGTERM)
            #expect(await third.waitForExit() == 0)

            // With nothing changed while it was down, a restart re-reconciles nothing at once.
            let fourth = try h.start(4)
            try await h.wait(for: "pause", timeout: .seconds(20)) {
                h.log(4).contains("start-up planned from the observed state\" controller=openshell-sandbox")
            }
            let planned = h.log(4).split(separator: "\n").first { $0.contains("controller=openshell-sandbox") && $0.contains("start-up planned") } ?? ""
            #expect(planned.contains(" immediate=0 "), "\(planned)\n\(h.log(4).split(separator: "\n").filter { $0.contains("at once") }.joined(separator: "\n"))")
            #expect(planned.contains(" objects=5 "), "\(planned)")
            fourth.signal(SIGTERM)
            #expect(await fourth.waitForExit() == 0)
        }
    }
}
