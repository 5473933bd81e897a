//! `kubectl openshell`: the operator's kubectl plugin. A separate small
//! executable (install it on PATH as `kubectl-openshell`) that reads the
//! cluster through the same client as the operator, with any kubeconfig:
//! `status` (operator and API health), `sandboxes` (a richer table than
//! `kubectl get oss`), `describe` (one sandbox, its Sandbox, pod and Events
//! in one view), `suspend` / `resume` / `extend` / `restart`, and `doctor`
//! (every precondition of the operator and the plugin, checked).
import ArgumentParser
import Foundation
import KubeClient
import KubeCore
import OpenShellAPI

@main
struct PluginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kubectl-openshell",
        abstract: "Inspect and drive OpenShell sandboxes and the openshell-operator.",
        discussion: "Installed on PATH as kubectl-openshell, it runs as `kubectl openshell <command>`.",
        subcommands: [Status.self, Doctor.self, Sandboxes.self, Describe.self, Suspend.self, Resume.self, Extend.self, Restart.self])
}

/// Flags every command shares, with kubectl's names.
struct ClusterOptions: ParsableArguments {
    @Option(help: "Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).")
    var kubeconfig: String?

    @Option(help: "The kubeconfig context to use.")
    var context: String?

    @Option(name: [.short, .long], help: "The namespace (default: the context's).")
    var namespace: String?

    /// A connection to the cluster, and the namespace to use.
    func connect() throws -> PluginSession {
        do {
            let resolved = try ClientConfiguration.load(kubeconfig: kubeconfig, context: context)
            let client = try RESTClient(configuration: resolved.configuration)
            return PluginSession(client: client, namespace: namespace ?? resolved.namespace, server: resolved.configuration.server)
        } catch {
            throw PluginError("cannot load the cluster configuration: \(error)")
        }
    }
}

/// A failure shown to the user as one line, exit status 1.
struct PluginError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The client and what the commands need to phrase their errors.
struct PluginSession: Sendable {
    let client: RESTClient
    let namespace: String
    let server: String

    /// Runs `body`, turning API failures into messages that say what to do.
    func call<T: Sendable>(_ what: String, kind: String? = nil, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as APIError {
            switch error.code {
            case 404 where kind != nil && error.status.details?.name == nil:
                throw PluginError(
                    "\(what): the \(kind ?? "") API is not served by this cluster; install the openshell-operator CRDs (kubectl apply -f crds/)")
            case 403:
                throw PluginError("\(what): forbidden: \(error.message)")
            case 401:
                throw PluginError("\(what): the cluster did not accept the credentials (401): \(error.message)")
            default:
                throw PluginError("\(what): \(error.message.isEmpty ? "HTTP \(error.code)" : error.message)")
            }
        } catch let error as PluginError {
            throw error
        } catch {
            throw PluginError("\(what): cannot reach the cluster at \(server): \(error)")
        }
    }
}
