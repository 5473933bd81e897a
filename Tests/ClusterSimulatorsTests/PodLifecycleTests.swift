//! The scheduler and kubelet: binding, Running and Ready, broken images,
//! graceful deletion, and the termination hook under each restart policy.
import ClusterSimulators
import Foundation
import KubeCore
import LocalAPIServer
import Testing

@Suite("Scheduler and kubelet")
struct PodLifecycleTests {
    @Test("a pod is bound to the node and becomes Running and Ready with an IP")
    func runningAndReady() async throws {
        try await TestCluster.with { cluster in
            try await cluster.client.create(.pods, object("v1", "Pod", "p", ["spec": podSpec(image: "nginx:1.27")]))
            let pod = try await cluster.waitFor(.pods, "p", "ready") { $0.status?["phase"]?.stringValue == "Running" }
            let status = try #require(pod.status)
            #expect(pod.spec?["nodeName"]?.stringValue == "local-node")
            for type in ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"] {
                #expect(status["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type }?["status"]?.stringValue == "True", "\(type)")
            }
            let ip = try #require(status["podIP"]?.stringValue)
            #expect(ip.hasPrefix("10.244."))
            #expect(status["podIPs"] == [["ip": .string(ip)]])
            #expect(status["hostIP"]?.stringValue == "172.18.0.2")
            let container = try #require(status["containerStatuses"]?.arrayValue?.first)
            #expect(container["ready"]?.boolValue == true)
            #expect(container["restartCount"]?.intValue == 0)
            #expect(container["state"]?["running"]?["startedAt"]?.stringValue != nil)
            #expect(container["imageID"]?.stringValue?.hasPrefix("docker.io/library/nginx@sha256:") == true)
        }
    }

    @Test("a pod with a broken image stays Pending in ImagePullBackOff and never becomes Ready")
    func brokenImage() async throws {
        var options = SimulatorOptions.fast
        options.brokenImages = ["example.com/missing:1"]
        try await TestCluster.with(options) { cluster in
            try await cluster.client.create(.pods, object("v1", "Pod", "p", ["spec": podSpec(image: "example.com/missing:1")]))
            let pod = try await cluster.waitFor(.pods, "p", "image pull back-off") {
                $0.status?["containerStatuses"]?.arrayValue?.first?["state"]?["waiting"]?["reason"]?.stringValue == "ImagePullBackOff"
            }
            #expect(pod.status?["phase"]?.stringValue == "Pending")
            let ready = try #require(pod.status?["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == "Ready" })
            #expect(ready["status"]?.stringValue == "False")
            #expect(ready["reason"]?.stringValue == "ContainersNotReady")
            #expect(ready["message"]?.stringValue == "containers with unready status: [main]")
            #expect(pod.status?["containerStatuses"]?.arrayValue?.first?["state"]?["waiting"]?["message"]?.stringValue
                == "Back-off pulling image \"example.com/missing:1\"")
        }
    }

    @Test("a gracefully deleted pod is stopped and then removed")
    func gracefulDeletion() async throws {
        try await TestCluster.with { cluster in
            try await cluster.client.create(.pods, object("v1", "Pod", "p", ["spec": podSpec()]))
            try await cluster.waitFor(.pods, "p", "running") { $0.status?["phase"]?.stringValue == "Running" }
            cluster.faults.pause(controller: SimulatedController.kubelet.rawValue)
            try await cluster.client.delete(.pods, namespace: "test", name: "p")
            let terminating = try #require(try await cluster.get(.pods, "p"))
            #expect(terminating.isBeingDeleted)
            #expect(terminating.deletionGracePeriodSeconds == 30)
            cluster.faults.resume(controller: SimulatedController.kubelet.rawValue)
            try await cluster.waitGone(.pods, "p")
        }
    }

    struct HookCase: Sendable, CustomTestStringConvertible {
        var restartPolicy: String
        var hook: String
        var phase: String
        var restarts: Int64
        var exitCode: Int64
        var testDescription: String { "\(restartPolicy) + \(hook) → \(phase), \(restarts) restarts" }
    }

    @Test("the termination hook honours the restart policy", arguments: [
        HookCase(restartPolicy: "Always", hook: "Succeeded", phase: "Running", restarts: 1, exitCode: 0),
        HookCase(restartPolicy: "Always", hook: "Failed:2", phase: "Running", restarts: 1, exitCode: 2),
        HookCase(restartPolicy: "OnFailure", hook: "Failed", phase: "Running", restarts: 1, exitCode: 1),
        HookCase(restartPolicy: "OnFailure", hook: "Succeeded", phase: "Succeeded", restarts: 0, exitCode: 0),
        HookCase(restartPolicy: "Never", hook: "Failed:5", phase: "Failed", restarts: 0, exitCode: 5),
        HookCase(restartPolicy: "Never", hook: "Succeeded", phase: "Succeeded", restarts: 0, exitCode: 0),
    ])
    func terminationHook(_ c: HookCase) async throws {
        try await TestCluster.with { cluster in
            try await cluster.client.create(.pods, object("v1", "Pod", "p", ["spec": podSpec(restartPolicy: c.restartPolicy)]))
            try await cluster.waitFor(.pods, "p", "running") { $0.status?["phase"]?.stringValue == "Running" }
            try await cluster.client.patch(.pods, namespace: "test", name: "p",
                                           merge: ["metadata": ["annotations": [KubeletHooks.terminateAnnotation: .string(c.hook)]]])
            let pod = try await cluster.waitFor(.pods, "p", "exit handled") { pod in
                pod.annotations[KubeletHooks.terminateAnnotation] == nil
                    && (pod.status?["phase"]?.stringValue != "Running"
                        || pod.status?["containerStatuses"]?.arrayValue?.first?["restartCount"]?.intValue == c.restarts)
            }
            #expect(pod.status?["phase"]?.stringValue == c.phase)
            let container = try #require(pod.status?["containerStatuses"]?.arrayValue?.first)
            #expect(container["restartCount"]?.intValue == c.restarts)
            let reason = c.exitCode == 0 ? "Completed" : "Error"
            if c.restarts > 0 {
                #expect(container["lastState"]?["terminated"]?["exitCode"]?.intValue == c.exitCode)
                #expect(container["lastState"]?["terminated"]?["reason"]?.stringValue == reason)
                #expect(container["ready"]?.boolValue == true)
            } else {
                #expect(container["state"]?["terminated"]?["exitCode"]?.intValue == c.exitCode)
                #expect(container["state"]?["terminated"]?["reason"]?.stringValue == reason)
                #expect(container["ready"]?.boolValue == false)
            }
        }
    }
}
