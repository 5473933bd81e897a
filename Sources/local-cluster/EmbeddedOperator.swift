//! EmbeddedOperator: the openshell-operator, in this process, against the
//! local cluster it starts beside — what `make run` shows. It is the same
//! `OperatorProcess` the `openshell-operator run` binary runs, with the
//! cluster's admin kubeconfig, its queue in the state directory, metrics and
//! probes on the usual ports and no leader election (one replica).
import Foundation
import KubeCore
import LocalCluster
import Logging
import Operator
import GatewayController
import SandboxController
import ServiceLifecycle

struct EmbeddedOperator: Service {
    let cluster: LocalCluster
    let stateDirectory: URL
    let metricsPort: Int
    let probePort: Int
    let logger: Logger

    func run() async throws {
        // The kubeconfig is written right after the listener comes up, the CRDs
        // installed just after; starting once they are served spares the
        // operator's caches a round of failed lists (it would recover anyway).
        let kinds = [GroupKind(group: "agents.x-k8s.io", kind: "Sandbox"), GroupKind(group: "openshell.ai", kind: "OpenShellSandbox")]
        let deadline = ContinuousClock.now + .seconds(30)
        while !FileManager.default.fileExists(atPath: cluster.kubeconfigPath.path)
            || (!kinds.allSatisfy { cluster.server.core.registry.type(for: $0) != nil } && ContinuousClock.now < deadline) {
            try await Task.sleep(for: .milliseconds(50))
        }
        // The local cluster starts empty on every run, so the queue does too.
        let database = stateDirectory.appendingPathComponent("operator-queue.db").path
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
        let configuration = OperatorConfiguration(
            kubeconfig: cluster.kubeconfigPath.path,
            databasePath: database,
            metricsAddress: ListenAddress(host: "127.0.0.1", port: metricsPort),
            probeAddress: ListenAddress(host: "127.0.0.1", port: probePort),
            leaderElection: nil)
        let process = OperatorProcess(configuration: configuration, setups: [SandboxControllerSetup(), GatewayControllerSetup()], logger: logger)
        try await process.run()
    }
}
