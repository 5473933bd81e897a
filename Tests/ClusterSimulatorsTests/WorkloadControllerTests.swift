//! Deployments, StatefulSets, Jobs and claim binding: rollouts to the status
//! upstream reports.
import ClusterSimulators
import Foundation
import KubeCore
import LocalAPIServer
import Testing

func deployment(_ name: String, replicas: Int64, image: String, progressDeadlineSeconds: Int64? = nil) -> KubeObject {
    var spec: JSONObject = [
        "replicas": .int(replicas),
        "selector": ["matchLabels": ["app": .string(name)]],
        "template": ["metadata": ["labels": ["app": .string(name)]], "spec": podSpec(image: image)],
    ]
    if let progressDeadlineSeconds { spec["progressDeadlineSeconds"] = .int(progressDeadlineSeconds) }
    return object("apps/v1", "Deployment", name, ["spec": .object(spec)])
}

func deploymentCondition(_ object: KubeObject, _ type: String) -> JSONValue? {
    object.status?["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type }
}

@Suite("Deployment controller")
struct DeploymentControllerTests {
    @Test("a deployment rolls out to Available with NewReplicaSetAvailable")
    func rollout() async throws {
        try await TestCluster.with { cluster in
            try await cluster.client.create(.deployments, deployment("web", replicas: 3, image: "nginx:1.27"))
            let done = try await cluster.waitFor(.deployments, "web", "available") {
                $0.status?["availableReplicas"]?.intValue == 3 && deploymentCondition($0, "Progressing")?["reason"]?.stringValue == "NewReplicaSetAvailable"
            }
            let status = try #require(done.status)
            #expect(status["observedGeneration"]?.intValue == done.generation)
            #expect(status["replicas"]?.intValue == 3)
            #expect(status["updatedReplicas"]?.intValue == 3)
            #expect(status["readyReplicas"]?.intValue == 3)
            #expect(status["unavailableReplicas"] == nil)
            let available = try #require(deploymentCondition(done, "Available"))
            #expect(available["status"]?.stringValue == "True")
            #expect(available["reason"]?.stringValue == "MinimumReplicasAvailable")
            #expect(available["message"]?.stringValue == "Deployment has minimum availability.")

            let pods = try await cluster.pods(labelSelector: "app=web")
            #expect(pods.count == 3)
            let hash = try #require(pods.first?.labels["pod-template-hash"])
            #expect(deploymentCondition(done, "Progressing")?["message"]?.stringValue == "ReplicaSet \"web-\(hash)\" has successfully progressed.")
            for pod in pods {
                #expect(pod.name.hasPrefix("web-\(hash)-"))
                #expect(pod.controllerReference?.kind == "Deployment")
                #expect(pod.controllerReference?.uid == done.uid)
                #expect(pod.controllerReference?.blockOwnerDeletion == true)
            }
        }
    }

    @Test("a template change rolls every pod over to the new template")
    func rollingUpdate() async throws {
        try await TestCluster.with { cluster in
            try await cluster.client.create(.deployments, deployment("web", replicas: 2, image: "nginx:1.27"))
            try await cluster.waitFor(.deployments, "web", "available") { $0.status?["availableReplicas"]?.intValue == 2 }
            let oldHash = try #require(try await cluster.pods(labelSelector: "app=web").first?.labels["pod-template-hash"])

            try await cluster.client.patch(.deployments, namespace: "test", name: "web", merge: [
                "spec": ["template": ["spec": ["containers": [["name": "main", "image": "nginx:1.28"]]]]],
            ])
            let done = try await cluster.waitFor(.deployments, "web", "rolled out") { d in
                d.status?["observedGeneration"]?.intValue == 2 && d.status?["updatedReplicas"]?.intValue == 2
                    && d.status?["replicas"]?.intValue == 2 && d.status?["availableReplicas"]?.intValue == 2
                    && deploymentCondition(d, "Progressing")?["reason"]?.stringValue == "NewReplicaSetAvailable"
            }
            let pods = try await eventually("old pods gone") {
                let pods = try await cluster.pods(labelSelector: "app=web")
                return pods.count == 2 ? pods : nil
            }
            for pod in pods {
                #expect(pod.labels["pod-template-hash"] != oldHash)
                #expect(pod.spec?["containers"]?.arrayValue?.first?["image"]?.stringValue == "nginx:1.28")
            }
            let newHash = try #require(pods.first?.labels["pod-template-hash"])
            #expect(deploymentCondition(done, "Progressing")?["message"]?.stringValue == "ReplicaSet \"web-\(newHash)\" has successfully progressed.")
        }
    }

    @Test("a foreground deletion removes the pods before the deployment")
    func foregroundDeletion() async throws {
        try await TestCluster.with { cluster in
            try await cluster.client.create(.deployments, deployment("web", replicas: 2, image: "nginx:1.27"))
            try await cluster.waitFor(.deployments, "web", "available") { $0.status?["availableReplicas"]?.intValue == 2 }
            cluster.faults.pause(controller: SimulatedController.kubelet.rawValue)
            try await cluster.client.delete(.deployments, namespace: "test", name: "web", propagationPolicy: "Foreground")
            try await eventually("pods terminating") {
                let pods = try await cluster.pods(labelSelector: "app=web")
                return pods.count == 2 && pods.allSatisfy(\.isBeingDeleted) ? true : nil
            }
            let waiting = try #require(try await cluster.get(.deployments, "web"))
            #expect(waiting.finalizers == ["foregroundDeletion"])
            cluster.faults.resume(controller: SimulatedController.kubelet.rawValue)
            try await cluster.waitGone(.deployments, "web")
            #expect(try await cluster.pods(labelSelector: "app=web").isEmpty)
        }
    }

    @Test("a broken image ends in ProgressDeadlineExceeded")
    func progressDeadline() async throws {
        var options = SimulatorOptions.fast
        options.brokenImages = ["example.com/broken:1"]
        options.progressDeadlineScale = 0.001
        try await TestCluster.with(options) { cluster in
            try await cluster.client.create(.deployments, deployment("web", replicas: 2, image: "example.com/broken:1", progressDeadlineSeconds: 300))
            let failed = try await cluster.waitFor(.deployments, "web", "deadline exceeded") {
                deploymentCondition($0, "Progressing")?["reason"]?.stringValue == "ProgressDeadlineExceeded"
            }
            let hash = try #require(try await cluster.pods(labelSelector: "app=web").first?.labels["pod-template-hash"])
            let progressing = try #require(deploymentCondition(failed, "Progressing"))
            #expect(progressing["status"]?.stringValue == "False")
            #expect(progressing["message"]?.stringValue == "ReplicaSet \"web-\(hash)\" has timed out progressing.")
            let available = try #require(deploymentCondition(failed, "Available"))
            #expect(available["status"]?.stringValue == "False")
            #expect(available["reason"]?.stringValue == "MinimumReplicasUnavailable")
            #expect(failed.status?["unavailableReplicas"]?.intValue == 2)
            #expect(failed.status?["availableReplicas"] == nil)
        }
    }
}

@Suite("StatefulSet controller and volume binder")
struct StatefulSetControllerTests {
    static func statefulSet(_ name: String, replicas: Int64, image: String = "registry.k8s.io/pause:3.10") -> KubeObject {
        object("apps/v1", "StatefulSet", name, ["spec": [
            "replicas": .int(replicas), "serviceName": .string(name),
            "selector": ["matchLabels": ["app": .string(name)]],
            "template": ["metadata": ["labels": ["app": .string(name)]], "spec": podSpec(image: image)],
            "volumeClaimTemplates": [[
                "metadata": ["name": "data"],
                "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "2Gi"]]],
            ]],
        ]])
    }

    @Test("a statefulset creates ordinal pods with bound claims and reports its revisions")
    func rollout() async throws {
        try await TestCluster.with { cluster in
            try await cluster.client.create(.statefulSets, Self.statefulSet("db", replicas: 2))
            let set = try await cluster.waitFor(.statefulSets, "db", "ready") {
                $0.status?["readyReplicas"]?.intValue == 2 && $0.status?["currentReplicas"]?.intValue == 2
            }
            let status = try #require(set.status)
            #expect(status["replicas"]?.intValue == 2)
            #expect(status["updatedReplicas"]?.intValue == 2)
            #expect(status["availableReplicas"]?.intValue == 2)
            #expect(status["observedGeneration"]?.intValue == 1)
            let revision = try #require(status["updateRevision"]?.stringValue)
            #expect(status["currentRevision"]?.stringValue == revision)
            #expect(revision.hasPrefix("db-"))

            for ordinal in 0..<2 {
                let pod = try #require(try await cluster.get(.pods, "db-\(ordinal)"))
                #expect(pod.labels["controller-revision-hash"] == revision)
                #expect(pod.labels["statefulset.kubernetes.io/pod-name"] == "db-\(ordinal)")
                #expect(pod.labels["apps.kubernetes.io/pod-index"] == "\(ordinal)")
                #expect(pod.spec?["hostname"]?.stringValue == "db-\(ordinal)")
                #expect(pod.spec?["subdomain"]?.stringValue == "db")
                let volume = pod.spec?["volumes"]?.arrayValue?.first { $0["name"]?.stringValue == "data" }
                #expect(volume?["persistentVolumeClaim"]?["claimName"]?.stringValue == "data-db-\(ordinal)")
                let claim = try await cluster.waitFor(.persistentVolumeClaims, "data-db-\(ordinal)", "bound") {
                    $0.status?["phase"]?.stringValue == "Bound"
                }
                #expect(claim.status?["capacity"]?["storage"]?.stringValue == "2Gi")
                #expect(claim.labels["app"] == "db")
                #expect(claim.ownerReferences.isEmpty)
            }
        }
    }

    @Test("OrderedReady waits for each pod to be ready before creating the next")
    func orderedReady() async throws {
        var options = SimulatorOptions.fast
        options.brokenImages = ["example.com/broken:1"]
        try await TestCluster.with(options) { cluster in
            try await cluster.client.create(.statefulSets, Self.statefulSet("db", replicas: 3, image: "example.com/broken:1"))
            try await cluster.waitFor(.pods, "db-0", "stuck pulling") {
                $0.status?["containerStatuses"]?.arrayValue?.first?["state"]?["waiting"]?["reason"]?.stringValue == "ImagePullBackOff"
            }
            try await cluster.waitFor(.statefulSets, "db", "status of one pod") { $0.status?["replicas"]?.intValue == 1 }
            #expect(try await cluster.get(.pods, "db-1") == nil)
        }
    }
}

@Suite("Job controller")
struct JobControllerTests {
    static func job(_ name: String, completions: Int64 = 1, backoffLimit: Int64 = 6, restartPolicy: String = "Never",
                    annotations: JSONObject = [:]) -> KubeObject {
        var template: JSONObject = ["spec": podSpec(restartPolicy: restartPolicy)]
        if !annotations.isEmpty { template["metadata"] = ["annotations": .object(annotations)] }
        return object("batch/v1", "Job", name, ["spec": [
            "completions": .int(completions), "parallelism": 1, "backoffLimit": .int(backoffLimit), "template": .object(template),
        ]])
    }

    @Test("a job runs its pods to completion")
    func success() async throws {
        try await TestCluster.with { cluster in
            try await cluster.client.create(.jobs, Self.job("batch", completions: 2))
            let job = try await cluster.waitFor(.jobs, "batch", "complete") {
                $0.status?["conditions"]?.arrayValue?.contains { $0["type"] == "Complete" && $0["status"] == "True" } == true
            }
            let status = try #require(job.status)
            #expect(status["succeeded"]?.intValue == 2)
            #expect(status["active"] == nil)
            #expect(status["failed"] == nil)
            #expect(status["startTime"]?.stringValue != nil)
            #expect(status["completionTime"]?.stringValue != nil)
            let conditions = status["conditions"]?.arrayValue ?? []
            #expect(conditions.map { $0["type"]?.stringValue } == ["SuccessCriteriaMet", "Complete"])
            for condition in conditions {
                #expect(condition["reason"]?.stringValue == "CompletionsReached")
                #expect(condition["message"]?.stringValue == "Reached expected number of succeeded pods")
            }
            let pods = try await cluster.pods(labelSelector: "batch.kubernetes.io/job-name=batch")
            #expect(pods.count == 2)
            #expect(pods.allSatisfy { $0.status?["phase"]?.stringValue == "Succeeded" })
        }
    }

    @Test("a job whose pods keep failing fails with BackoffLimitExceeded")
    func failure() async throws {
        var options = SimulatorOptions.fast
        options.jobPodRunDuration = nil
        try await TestCluster.with(options) { cluster in
            try await cluster.client.create(.jobs, Self.job("batch", backoffLimit: 1,
                                                            annotations: [KubeletHooks.terminateAnnotation: "Failed:3"]))
            let job = try await cluster.waitFor(.jobs, "batch", "failed") {
                $0.status?["conditions"]?.arrayValue?.contains { $0["type"] == "Failed" && $0["status"] == "True" } == true
            }
            let status = try #require(job.status)
            #expect(status["failed"]?.intValue == 2)
            #expect(status["succeeded"] == nil)
            #expect(status["completionTime"] == nil)
            let conditions = status["conditions"]?.arrayValue ?? []
            #expect(conditions.map { $0["type"]?.stringValue } == ["FailureTarget", "Failed"])
            #expect(conditions.allSatisfy { $0["reason"]?.stringValue == "BackoffLimitExceeded" })
            #expect(conditions.allSatisfy { $0["message"]?.stringValue == "Job has reached the specified backoff limit" })
            let pods = try await cluster.pods(labelSelector: "batch.kubernetes.io/job-name=batch")
            #expect(pods.count == 2)
            for pod in pods {
                #expect(pod.status?["containerStatuses"]?.arrayValue?.first?["state"]?["terminated"]?["exitCode"]?.intValue == 3)
            }
        }
    }
}
