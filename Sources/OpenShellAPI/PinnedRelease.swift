//! PinnedRelease: the upstream releases this operator is built against, and
//! the images they name — the one place both reconcilers (and `--version`)
//! take them from.
public enum PinnedRelease {
    /// The OpenShell release: gateway and supervisor images of one commit (openshell-contract §7).
    public static let openShell = "0.0.111"
    /// The Agent Sandbox release whose `agents.x-k8s.io/v1beta1` API the operator writes.
    public static let agentSandbox = "0.5.6"
    /// Where the OpenShell gateway and supervisor images live.
    public static let imageRepository = "ghcr.io/nvidia/openshell"
    /// The supervisor image of the pinned release.
    public static let supervisorImage = "\(imageRepository)/supervisor:\(openShell)"
    /// The community base image a sandbox runs when nothing names one.
    public static let sandboxImage = "ghcr.io/nvidia/openshell-community/sandboxes/base:latest"
}
