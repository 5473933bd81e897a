//! Renders the repository's `manifests/` with the real `kubectl kustomize`
//! and reads the output as objects; finds the parts of the rendered install
//! the tests use (the Deployment's container, its flags, its ServiceAccount).
import Foundation
import KubeCore

/// Whether the machine has kubectl; rendering needs the real binary.
let kubectlPath: String? = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].first { FileManager.default.isExecutableFile(atPath: $0) }

enum Kustomize {
    /// The repository root (this file is Tests/ManifestTests/Kustomize.swift).
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The two overlays, as paths below the repository root.
    static let clusterWide = "manifests/overlays/cluster-wide"
    static let singleNamespace = "manifests/overlays/single-namespace"
    static let sandboxOnly = "manifests/components/sandbox-only"

    /// `overlay` with `component` added, through a kustomization in a temporary directory.
    static func render(_ overlay: String, component: String) throws -> [KubeObject] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("manifest-component-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // kustomize accepts only relative paths to other kustomizations.
        let up = String(repeating: "../", count: directory.pathComponents.count - 1)
        let root = up + repositoryRoot.path.dropFirst()
        try Data("""
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            resources: [\(root)/\(overlay)]
            components: [\(root)/\(component)]
            """.utf8).write(to: directory.appendingPathComponent("kustomization.yaml"))
        return try render(directory.path)
    }

    /// `kubectl kustomize <directory>` (relative to the repository root, or absolute), parsed.
    static func render(_ directory: String) throws -> [KubeObject] {
        let path = directory.hasPrefix("/") ? directory : repositoryRoot.appendingPathComponent(directory).path
        let output = try runKubectl(["kustomize", path])
        return try JSONValue.parseYAMLDocuments(output).compactMap(KubeObject.init)
    }

    /// Runs kubectl without a cluster (kustomize needs none) and returns stdout; throws with stderr on failure.
    /// Blocking: used at test-plan time (the arguments of parameterized tests) and before a server starts.
    static func runKubectl(_ arguments: [String]) throws -> String {
        guard let kubectlPath else { throw KustomizeFailure("kubectl is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: kubectlPath)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Drain stderr on its own thread so neither pipe can fill up and block kubectl.
        let errors = Locked(Data())
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            let data = err.fileHandleForReading.readDataToEndOfFile()
            errors.withLock { $0 = data }
            drained.signal()
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw KustomizeFailure("kubectl \(arguments.joined(separator: " ")) failed: \(String(decoding: errors.withLock { $0 }, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

struct KustomizeFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// What the tests read from a rendered install.
struct RenderedInstall: Sendable {
    let objects: [KubeObject]

    func objects(kind: String) -> [KubeObject] { objects.filter { $0.kind == kind } }

    func object(kind: String, name: String) -> KubeObject? { objects.first { $0.kind == kind && $0.name == name } }

    /// The operator's Deployment.
    var deployment: KubeObject? { object(kind: "Deployment", name: "openshell-operator") }

    /// The operator container of the Deployment.
    var container: JSONValue? { deployment?[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first }

    /// The container's arguments.
    var arguments: [String] { container?["args"]?.arrayValue?.compactMap(\.stringValue) ?? [] }

    /// The value of `--flag=value` in the container's arguments.
    func flag(_ name: String) -> String? {
        arguments.first { $0.hasPrefix("--\(name)=") }.map { String($0.dropFirst(name.count + 3)) }
    }

    /// The namespace and name of the ServiceAccount the operator's pods run as.
    var serviceAccount: (namespace: String, name: String)? {
        guard let deployment, let name = deployment[path: ["spec", "template", "spec", "serviceAccountName"]]?.stringValue else { return nil }
        return (deployment.namespace, name)
    }

    /// The objects that grant the operator its rights: ServiceAccounts, roles and bindings.
    var accessObjects: [KubeObject] {
        objects.filter { ["ServiceAccount", "ClusterRole", "Role", "ClusterRoleBinding", "RoleBinding"].contains($0.kind) }
    }
}

extension KubeObject {
    subscript(path path: [String]) -> JSONValue? { value[path: path] }
}
