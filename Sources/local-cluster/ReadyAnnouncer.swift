//! ReadyAnnouncer: tells the person at the terminal where the cluster is and
//! what to try, once it is up.
import Foundation
import LocalCluster
import ServiceLifecycle

/// Prints where the cluster is and what to try, once it is up.
struct ReadyAnnouncer: Service {
    let cluster: LocalCluster

    func run() async throws {
        let url = await cluster.server.httpsURL()
        // The kubeconfig is written right after the listener comes up.
        while !FileManager.default.fileExists(atPath: cluster.kubeconfigPath.path) {
            try await Task.sleep(for: .milliseconds(50))
        }
        let kubeconfig = cluster.kubeconfigPath.path
        // Written straight to the file descriptor, so it shows at once even when stdout is a pipe.
        FileHandle.standardOutput.write(Data("""
            Local cluster is running at \(url)
            Kubeconfig: \(kubeconfig)

            Try:
              export KUBECONFIG=\(kubeconfig)
              kubectl get namespaces
              kubectl api-resources
              kubectl create deployment hello --image=nginx:1.27 && kubectl rollout status deployment/hello
              kubectl get events --field-selector involvedObject.name=hello

            Press Ctrl-C to stop.

            """.utf8))
    }
}
