//! LocalCluster: the embedded cluster `make run` and the integration tests
//! start — the local API server, the simulated cluster controllers, the CRDs
//! loaded from directories, and the credentials and kubeconfig files in a
//! state directory.
import ClusterSimulators
import Foundation
import KubeCore
import LocalAPIServer
import Logging
import PKI
import ServiceLifecycle

public final class LocalCluster: Service, Sendable {
    public struct Configuration: Sendable {
        /// Where the kubeconfig, tokens and certificates are written.
        public var stateDirectory: URL
        public var host = "127.0.0.1"
        /// HTTPS port; 0 picks a free one.
        public var port = 0
        /// Also serve plain HTTP on loopback (nil: off; 0 picks a port).
        public var plainHTTPPort: Int?
        /// Directories (or files) of CRD YAML to install at start.
        public var crdPaths: [URL] = []
        public var simulators = SimulatorOptions()
        /// Extra bearer tokens (kube-apiserver's `--token-auth-file` entries).
        public var tokens: [String: UserInfo] = [:]
        /// Changes kept for watch resumption.
        public var watchHistory = 100_000
        /// How often watches that ask for bookmarks get one.
        public var bookmarkInterval: Duration = .seconds(60)
        /// `--authorization-mode` of the API server: AlwaysAllow (the default) or RBAC.
        public var authorizationMode: AuthorizationMode = .alwaysAllow

        public init(stateDirectory: URL) {
            self.stateDirectory = stateDirectory
        }
    }

    public let configuration: Configuration
    public let server: LocalAPIServer
    public let credentials: ClusterCredentials
    let logger: Logger

    /// The admin user's token (also in `<state>/tokens.csv`).
    public let adminToken: String

    public init(configuration: Configuration, logger: Logger = Logger(label: "local-cluster")) throws {
        self.configuration = configuration
        self.logger = logger
        credentials = try ClusterCredentials.generate()
        adminToken = UUID().uuidString.lowercased()
        var serverConfiguration = LocalAPIServer.Configuration(credentials: credentials)
        serverConfiguration.host = configuration.host
        serverConfiguration.port = configuration.port
        serverConfiguration.plainHTTPPort = configuration.plainHTTPPort
        serverConfiguration.tokens = configuration.tokens
        serverConfiguration.tokens[adminToken] = UserInfo(name: "admin", groups: ["system:masters", "system:authenticated"])
        serverConfiguration.watchHistory = configuration.watchHistory
        serverConfiguration.options.bookmarkInterval = configuration.bookmarkInterval
        serverConfiguration.authorizationMode = configuration.authorizationMode
        server = LocalAPIServer(configuration: serverConfiguration, logger: logger)
    }

    /// `<state>/kubeconfig`: the admin's kubeconfig (client certificate, system:masters).
    public var kubeconfigPath: URL { configuration.stateDirectory.appendingPathComponent("kubeconfig") }

    public func run() async throws {
        let simulators = ClusterSimulators.services(core: server.core, faults: server.faults, options: configuration.simulators, logger: logger)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await self.server.run() }
            for simulator in simulators {
                group.addTask { try await simulator.run() }
            }
            let url = await server.httpsURL()
            try writeFiles(serverURL: url)
            try await installCRDs()
            logger.info("local cluster ready", metadata: ["server": "\(url)", "kubeconfig": "\(kubeconfigPath.path)"])
        }
    }

    /// Writes the kubeconfig and the token file.
    func writeFiles(serverURL: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: configuration.stateDirectory, withIntermediateDirectories: true)
        let admin = try credentials.clientCredentials(user: "admin", groups: ["system:masters"])
        let kubeconfig = KubeconfigFile.render(server: serverURL, caPEM: credentials.authority.certificate.pem, user: "admin",
                                           credential: .clientCertificate(certificatePEM: admin.certificate.pem, keyPEM: admin.key.pemPKCS8))
        try write(kubeconfig, to: kubeconfigPath)
        try write(credentials.authority.certificate.pem, to: configuration.stateDirectory.appendingPathComponent("ca.crt"))
        try write("\(adminToken),admin,admin,\"system:masters\"\n", to: configuration.stateDirectory.appendingPathComponent("tokens.csv"))
    }

    private func write(_ text: String, to url: URL) throws {
        try Data(text.utf8).write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
    }

    /// Installs every CRD found under the configured paths, and the project's own
    /// Agent Sandbox CRD unless those paths bring `sandboxes.agents.x-k8s.io`.
    public func installCRDs() async throws {
        let client = InProcessClient(core: server.core)
        var crds = try Self.loadCRDs(from: configuration.crdPaths)
        if !crds.contains(where: { $0.name == AgentSandboxCRD.definition.name }) {
            crds.append(AgentSandboxCRD.definition)
        }
        for crd in crds {
            if let existing = try await client.getIfPresent(.customResourceDefinitions, name: crd.name) {
                var updated = crd
                updated.resourceVersion = existing.resourceVersion
                try await client.update(.customResourceDefinitions, updated)
            } else {
                try await client.create(.customResourceDefinitions, crd)
            }
        }
    }

    /// Reads CRD objects from YAML files (directories are searched non-recursively, `.yaml`/`.yml`).
    public static func loadCRDs(from paths: [URL]) throws -> [KubeObject] {
        var result: [KubeObject] = []
        let fm = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path.path, isDirectory: &isDirectory) else { continue }
            let files = isDirectory.boolValue
                ? try fm.contentsOfDirectory(at: path, includingPropertiesForKeys: nil)
                    .filter { ["yaml", "yml"].contains($0.pathExtension) }.sorted { $0.path < $1.path }
                : [path]
            for file in files {
                let text = try String(contentsOf: file, encoding: .utf8)
                for document in try JSONValue.parseYAMLDocuments(text) {
                    guard let object = KubeObject(document), object.kind == "CustomResourceDefinition" else { continue }
                    result.append(object)
                }
            }
        }
        return result
    }
}
