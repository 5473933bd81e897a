//! The walkthrough of docs/sandboxes.md with the real kubectl: apply a
//! class, a policy and a sandbox; `get` shows the columns; `wait` for
//! Ready; `describe` shows the Events; suspend, resume, delete. The local
//! cluster serves the repository's generated CRDs and the operator runs
//! in-process against its kubeconfig.
import Foundation
import KubeCore
import Logging
import Operator
import SandboxController
import Testing

/// The repository's `crds/` folder.
private let crdFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("crds")

private let manifests = """
apiVersion: openshell.ai/v1alpha1
kind: OpenShellSandboxClass
metadata:
  name: standard
  annotations: {openshell.ai/is-default-class: "true"}
spec:
  images:
    default: ghcr.io/nvidia/openshell-community/sandboxes/base:latest
    allowed: ["ghcr.io/nvidia/*"]
  lifetime: {defaultTTL: 8h, maximumTTL: 24h}
---
apiVersion: openshell.ai/v1alpha1
kind: OpenShellPolicy
metadata: {name: github-readonly, namespace: default}
spec:
  filesystem: {includeWorkdir: true, readOnly: [/usr, /etc], readWrite: [/sandbox, /tmp]}
  landlock: {compatibility: BestEffort}
  networkPolicies:
    github:
      endpoints: [{host: api.github.com, port: 443, protocol: rest, access: read-only}]
      binaries: [{path: /usr/bin/curl}]
---
apiVersion: openshell.ai/v1alpha1
kind: OpenShellSandbox
metadata: {name: demo, namespace: default}
spec:
  policyRef: {name: github-readonly}
  lifetime: {ttl: 2h}
"""

@Suite("kubectl sandbox walkthrough", .enabled(if: kubectlPath != nil, "kubectl is not installed"))
struct KubectlSandboxWalkthroughTests {
    @Test("apply, get with columns, wait Ready, describe Events, suspend, resume, delete")
    func walkthrough() async throws {
        try await KubectlCluster.with(crdPaths: [crdFolder]) { cluster in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("walkthrough-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            var logger = Logger(label: "walkthrough")
            logger.logLevel = .error
            let process = OperatorProcess(
                configuration: OperatorConfiguration(
                    kubeconfig: cluster.kubeconfig, databasePath: directory.appendingPathComponent("queue.db").path,
                    metricsAddress: nil, probeAddress: nil, leaderElection: nil),
                setups: [SandboxControllerSetup()], logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await process.run() }
                defer { group.cancelAll() }

                try await cluster.ok("apply", "-f", "-", stdin: manifests)
                try await cluster.ok("wait", "--for=condition=Ready", "oss/demo", "--timeout=60s")

                let table = try await cluster.ok("get", "oss")
                #expect(table.hasPrefix("NAME"))
                for column in ["PHASE", "READY", "EXPIRES", "AGE"] { #expect(table.contains(column), "\(column) in \(table)") }
                #expect(!table.contains("CLASS"))
                #expect(table.contains("demo") && table.contains("Ready") && table.contains("True"))
                let wide = try await cluster.ok("get", "oss", "-o", "wide")
                #expect(wide.contains("CLASS") && wide.contains("standard"))
                let policies = try await cluster.ok("get", "ospol")
                #expect(policies.contains("github-readonly") && policies.contains("True"))

                let describe = try await cluster.ok("describe", "oss", "demo")
                #expect(describe.contains("Events:"))
                #expect(describe.contains("Created"))
                #expect(describe.contains("Ready"))

                try await cluster.ok("patch", "oss", "demo", "--type=merge", "-p", #"{"spec":{"suspended":true}}"#)
                try await cluster.ok("wait", "--for=condition=Suspended", "oss/demo", "--timeout=60s")
                try await cluster.eventually("get", "oss", "demo") { $0.contains("Suspended") }
                try await cluster.ok("patch", "oss", "demo", "--type=merge", "-p", #"{"spec":{"suspended":false}}"#)
                try await cluster.ok("wait", "--for=condition=Ready", "oss/demo", "--timeout=60s")

                try await cluster.ok("delete", "oss", "demo", "--timeout=60s")
                let gone = try await cluster.kubectl("get", "sandboxes.agents.x-k8s.io", "demo")
                #expect(gone.status != 0 && gone.stderr.contains("NotFound"))
            }
        }
    }
}
