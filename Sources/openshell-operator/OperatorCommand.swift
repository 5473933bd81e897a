//! The `openshell-operator` command line.
import ArgumentParser

@main
struct OperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openshell-operator",
        abstract: "Runs OpenShell on Kubernetes: gateways and sandboxes as custom resources.")

    func run() async throws {}
}
