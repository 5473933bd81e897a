//! ClusterVersion: the API server's Kubernetes version (`GET /version`),
//! read once per operator process — at the first gateway reconcile after
//! start-up — and kept: the renderer's defaults (the supervisor sideload
//! method) follow it. Parsing is pure; the reader is the only IO.
import Foundation
import KubeClient
import KubeCore
import Synchronization

public enum ClusterVersion {
    /// The facts in a `/version` document. `minor` is a string that managed
    /// clusters suffix (`"35+"` on GKE and EKS): its leading digits count.
    public static func facts(fromVersionDocument document: JSONValue) -> GatewayClusterFacts {
        guard document["major"]?.stringValue == "1", let minor = document["minor"]?.stringValue else {
            return GatewayClusterFacts()
        }
        return GatewayClusterFacts(kubernetesMinorVersion: Int(minor.prefix { $0.isNumber }))
    }
}

/// Reads `/version` once and keeps the answer; a failed read is retried by the next reconcile
/// (the error fails that reconcile, so nothing is rendered from a guessed version).
public final class ClusterVersionReader: Sendable {
    let client: RESTClient
    let known = Mutex<GatewayClusterFacts?>(nil)

    public init(client: RESTClient) {
        self.client = client
    }

    public func facts() async throws -> GatewayClusterFacts {
        if let facts = known.withLock({ $0 }) { return facts }
        let response = try await client.request(method: .get, path: "/version")
        let facts = ClusterVersion.facts(fromVersionDocument: try JSONValue.parse(response.body))
        known.withLock { $0 = facts }
        return facts
    }
}
