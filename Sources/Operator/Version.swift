//! The operator's release and the upstream releases it is pinned to.
import OpenShellAPI

/// Versions `openshell-operator --version` prints.
public enum OperatorVersion {
    /// This operator's release.
    public static let current = "0.1.0"
    /// The OpenShell release whose gateway and supervisor images are the defaults.
    public static let openShell = "v\(PinnedRelease.openShell)"
    /// The Agent Sandbox release whose `agents.x-k8s.io/v1beta1` API the operator writes.
    public static let agentSandbox = "v\(PinnedRelease.agentSandbox)"

    /// The `--version` text.
    public static var summary: String {
        """
        openshell-operator \(current)
        openshell \(openShell)
        agent-sandbox \(agentSandbox)
        """
    }
}
