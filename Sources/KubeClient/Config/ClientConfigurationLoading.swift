//! Loading a `ClientConfiguration`: controller-runtime's search order
//! (explicit kubeconfig, `$KUBECONFIG`, in-cluster, `~/.kube/config`), the
//! in-cluster service account, and turning a kubeconfig context into TLS
//! settings and credential providers.
import Foundation
import KubeCore
import Logging

/// Where a client configuration comes from.
public enum ClientConfigurationSource: Sendable, Hashable {
    /// These kubeconfig files, merged (first wins), with this context or the current one.
    case kubeconfig(paths: [String], context: String?)
    /// The pod's service account (`KUBERNETES_SERVICE_HOST`/`_PORT` and the mounted token).
    case inCluster
    /// controller-runtime's order: `kubeconfigPath` if given, else `$KUBECONFIG`,
    /// else in-cluster, else `~/.kube/config`.
    case automatic(kubeconfigPath: String?, context: String?)
}

/// A loaded configuration and what came with it.
public struct ResolvedClientConfiguration: Sendable {
    public var configuration: ClientConfiguration
    /// The context's namespace, or the service account's namespace, or `default`.
    public var namespace: String
    /// Where the configuration came from, for logs: `kubeconfig /x/config, context "dev"` or `in-cluster`.
    public var source: String

    public init(configuration: ClientConfiguration, namespace: String, source: String) {
        self.configuration = configuration
        self.namespace = namespace
        self.source = source
    }
}

/// How credential providers built during loading behave.
public struct AuthenticationOptions: Sendable {
    /// How often a token file is re-read; client-go's default is 60 s.
    public var tokenReloadInterval: Duration
    /// How long before expiry an exec credential is refreshed.
    public var execRefreshMargin: Duration
    public var clock: any WallClock
    public var execRunner: ExecPluginRunner
    public var logger: Logger

    public init(
        tokenReloadInterval: Duration = .seconds(60), execRefreshMargin: Duration = .seconds(10),
        clock: any WallClock = SystemWallClock(), execRunner: ExecPluginRunner = .process,
        logger: Logger = Logger(label: "kube-client")
    ) {
        self.tokenReloadInterval = tokenReloadInterval
        self.execRefreshMargin = execRefreshMargin
        self.clock = clock
        self.execRunner = execRunner
        self.logger = logger
    }
}

/// The files and environment of an in-cluster (service account) configuration.
public enum InClusterConfig {
    /// Where Kubernetes mounts the service account: `token`, `ca.crt`, `namespace`.
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"
    /// client-go's `ErrNotInCluster` message.
    public static let notInClusterMessage =
        "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined"
}

extension ClientConfiguration {
    /// Loads the configuration the way controller-runtime's `GetConfig` does:
    /// `kubeconfig` if given, else the files in `$KUBECONFIG` (merged), else
    /// the in-cluster service account, else `~/.kube/config`.
    /// - Parameters:
    ///   - kubeconfig: an explicit kubeconfig path (`--kubeconfig`).
    ///   - context: a context to use instead of the current one (`--context`);
    ///     ignored in-cluster.
    ///   - environment: variables, files and home directory (the real process by default).
    ///   - authentication: token reload interval, clock and exec runner of the providers.
    /// - Throws: `ClientConfigurationError`.
    public static func load(
        kubeconfig: String? = nil, context: String? = nil, environment: ConfigEnvironment = .process,
        authentication: AuthenticationOptions = AuthenticationOptions()
    ) throws(ClientConfigurationError) -> ResolvedClientConfiguration {
        try load(.automatic(kubeconfigPath: kubeconfig, context: context), environment: environment, authentication: authentication)
    }

    /// Loads the configuration from `source`.
    /// - Throws: `ClientConfigurationError`.
    public static func load(
        _ source: ClientConfigurationSource, environment: ConfigEnvironment = .process,
        authentication: AuthenticationOptions = AuthenticationOptions()
    ) throws(ClientConfigurationError) -> ResolvedClientConfiguration {
        switch source {
        case .kubeconfig(let paths, let context):
            return try fromKubeconfigFiles(paths, requireAll: true, context: context, environment: environment, authentication: authentication)
        case .inCluster:
            return try inCluster(environment: environment, authentication: authentication)
        case .automatic(let explicit, let context):
            if let explicit, !explicit.isEmpty {
                return try fromKubeconfigFiles([explicit], requireAll: true, context: context, environment: environment, authentication: authentication)
            }
            if let list = environment.variables["KUBECONFIG"], !list.isEmpty {
                let paths = list.split(separator: ":").map(String.init).filter { !$0.isEmpty }
                return try fromKubeconfigFiles(paths, requireAll: false, context: context, environment: environment, authentication: authentication)
            }
            let inClusterError: ClientConfigurationError
            do {
                return try inCluster(environment: environment, authentication: authentication)
            } catch {
                inClusterError = error
            }
            guard let home = environment.homeDirectory, !home.isEmpty else {
                throw ClientConfigurationError(
                    message: "no configuration has been provided: --kubeconfig and $KUBECONFIG are not set, "
                        + "in-cluster: \(inClusterError.message), and the home directory is unknown")
            }
            let path = (home as NSString).appendingPathComponent(".kube/config")
            do {
                return try fromKubeconfigFiles([path], requireAll: true, context: context, environment: environment, authentication: authentication)
            } catch let error where error.file == path && error.field == nil && error.message.contains("no such file") {
                throw ClientConfigurationError(
                    message: "no configuration has been provided: --kubeconfig and $KUBECONFIG are not set, "
                        + "in-cluster: \(inClusterError.message), and \(error.message)")
            }
        }
    }

    /// The in-cluster configuration of a pod: `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`
    /// (IPv6 hosts bracketed), the service account token (re-read as it
    /// rotates), its `ca.crt`, and the `namespace` file (`default` when absent).
    /// - Parameter serviceAccountDirectory: where the service account is mounted; injectable for tests.
    /// - Throws: `ClientConfigurationError` with client-go's `ErrNotInCluster`
    ///   message outside a pod, or naming the unreadable file.
    public static func inCluster(
        environment: ConfigEnvironment = .process, serviceAccountDirectory: String = InClusterConfig.serviceAccountDirectory,
        authentication: AuthenticationOptions = AuthenticationOptions()
    ) throws(ClientConfigurationError) -> ResolvedClientConfiguration {
        guard let host = environment.variables["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
            let port = environment.variables["KUBERNETES_SERVICE_PORT"], !port.isEmpty
        else {
            throw ClientConfigurationError(message: InClusterConfig.notInClusterMessage)
        }
        let directory = serviceAccountDirectory as NSString
        let tokenPath = directory.appendingPathComponent("token")
        let caPath = directory.appendingPathComponent("ca.crt")
        let token: String
        let ca: Data
        do {
            token = String(decoding: try environment.readFile(tokenPath), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            ca = try environment.readFile(caPath)
        } catch {
            throw ClientConfigurationError(message: "unable to load in-cluster configuration: \(error)")
        }
        var namespace = "default"
        if let data = try? environment.readFile(directory.appendingPathComponent("namespace")) {
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty { namespace = text }
        }
        let authority = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let provider = TokenFileProvider(
            path: tokenPath, initialToken: token, reloadInterval: authentication.tokenReloadInterval,
            clock: authentication.clock, readFile: environment.readFile, logger: authentication.logger)
        let configuration = ClientConfiguration(
            server: "https://\(authority)", tls: TLSOptions(caCertificatesPEM: ca), bearerToken: provider)
        return ResolvedClientConfiguration(configuration: configuration, namespace: namespace, source: "in-cluster")
    }

    /// Reads and merges kubeconfig files. With `requireAll`, a missing file
    /// is an error; otherwise (`$KUBECONFIG`) missing files are skipped.
    private static func fromKubeconfigFiles(
        _ paths: [String], requireAll: Bool, context: String?, environment: ConfigEnvironment,
        authentication: AuthenticationOptions
    ) throws(ClientConfigurationError) -> ResolvedClientConfiguration {
        var configs: [Kubeconfig] = []
        var seen: Set<String> = []
        for path in paths where seen.insert(path).inserted {
            let data: Data
            do {
                data = try environment.readFile(path)
            } catch let error as FileReadError where error.isNotFound && !requireAll {
                continue
            } catch {
                throw ClientConfigurationError(file: path, message: "\(error)")
            }
            configs.append(try Kubeconfig.parse(String(decoding: data, as: UTF8.self), file: path))
        }
        let merged = Kubeconfig.merged(configs)
        var resolved = try merged.clientConfiguration(context: context, environment: environment, authentication: authentication)
        resolved.source = "kubeconfig \(paths.joined(separator: ":")), \(resolved.source)"
        return resolved
    }
}

extension Kubeconfig {
    /// The configuration of `context` (or the current context).
    ///
    /// Files named by the kubeconfig (CA, client certificate and key, token
    /// file) are read now; a token file is then re-read as it rotates, and an
    /// exec plugin runs at the first request.
    /// - Throws: `ClientConfigurationError` naming the file and field at fault,
    ///   e.g. `context "foo" does not exist`.
    public func clientConfiguration(
        context requested: String? = nil, environment: ConfigEnvironment = .process,
        authentication: AuthenticationOptions = AuthenticationOptions()
    ) throws(ClientConfigurationError) -> ResolvedClientConfiguration {
        let contextName: String
        if let requested, !requested.isEmpty {
            contextName = requested
        } else if let current = currentContext {
            contextName = current
        } else if clusters.isEmpty && users.isEmpty && contexts.isEmpty {
            throw ClientConfigurationError(message: "invalid configuration: no configuration has been provided")
        } else {
            throw ClientConfigurationError(message: "current-context is not set and no context was given")
        }
        guard let context = contexts[contextName] else {
            throw ClientConfigurationError(message: "context \"\(contextName)\" does not exist")
        }
        guard let cluster = clusters[context.cluster] else {
            throw context.source.error("context.cluster", "cluster \"\(context.cluster)\" does not exist")
        }
        var user: AuthInfo?
        if !context.user.isEmpty {
            guard let found = users[context.user] else {
                throw context.source.error("context.user", "user \"\(context.user)\" does not exist")
            }
            user = found
        }

        let tlsAndServer = try Self.clusterSettings(cluster, environment: environment)
        var configuration = ClientConfiguration(server: tlsAndServer.server, tls: tlsAndServer.tls, proxyURL: cluster.proxyURL)
        if let user {
            try Self.applyUser(
                user, name: context.user, cluster: cluster, to: &configuration, environment: environment, authentication: authentication)
        }
        return ResolvedClientConfiguration(
            configuration: configuration, namespace: context.namespace ?? "default", source: "context \"\(contextName)\"")
    }

    private static func clusterSettings(
        _ cluster: Cluster, environment: ConfigEnvironment
    ) throws(ClientConfigurationError) -> (server: String, tls: TLSOptions) {
        guard let server = cluster.server, !server.isEmpty else {
            throw cluster.source.error("cluster.server", "cluster has no server defined")
        }
        guard let url = URL(string: server), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
            url.host != nil
        else {
            throw cluster.source.error("cluster.server", "invalid server URL \"\(server)\"")
        }
        if let proxy = cluster.proxyURL {
            let scheme = URL(string: proxy)?.scheme?.lowercased() ?? ""
            guard ["http", "https", "socks5"].contains(scheme) else {
                throw cluster.source.error("cluster.proxy-url", "unsupported proxy URL \"\(proxy)\": the scheme must be http, https or socks5")
            }
        }
        var tls = TLSOptions(insecureSkipTLSVerify: cluster.insecureSkipTLSVerify, serverName: cluster.tlsServerName)
        if let data = cluster.certificateAuthorityData {
            tls.caCertificatesPEM = data
        } else if let file = cluster.certificateAuthority {
            tls.caCertificatesPEM = try read(file, field: "cluster.certificate-authority", of: cluster.source, environment: environment)
        }
        if cluster.insecureSkipTLSVerify && tls.caCertificatesPEM != nil {
            throw cluster.source.error(
                "cluster.insecure-skip-tls-verify", "specifying a root certificates file with the insecure flag is not allowed")
        }
        return (server, tls)
    }

    private static func applyUser(
        _ user: AuthInfo, name: String, cluster: Cluster, to configuration: inout ClientConfiguration,
        environment: ConfigEnvironment, authentication: AuthenticationOptions
    ) throws(ClientConfigurationError) {
        let source = user.source
        var certificate = user.clientCertificateData
        if certificate == nil, let file = user.clientCertificate {
            certificate = try read(file, field: "user.client-certificate", of: source, environment: environment)
        }
        var key = user.clientKeyData
        if key == nil, let file = user.clientKey {
            key = try read(file, field: "user.client-key", of: source, environment: environment)
        }
        switch (certificate, key) {
        case (.some, nil):
            throw source.error(
                "user", "client-key-data or client-key must be specified for \(name) to use the clientCert authentication method.")
        case (nil, .some):
            throw source.error(
                "user", "client-certificate-data or client-certificate must be specified for \(name) to use the clientCert authentication method.")
        default:
            configuration.tls.clientCertificatePEM = certificate
            configuration.tls.clientKeyPEM = key
        }

        if let exec = user.exec {
            guard user.token == nil, user.tokenFile == nil else {
                throw source.error("user", "token or tokenFile cannot be combined with an exec plugin for \(name)")
            }
            guard ExecCredential.supportedAPIVersions.contains(exec.apiVersion) else {
                throw source.error("user.exec.apiVersion", "exec plugin: invalid apiVersion \"\(exec.apiVersion)\"")
            }
            if exec.apiVersion == "client.authentication.k8s.io/v1" && exec.interactiveMode == nil {
                throw source.error("user.exec.interactiveMode", "interactiveMode must be specified for \(name) to use exec authentication plugin")
            }
            if exec.interactiveMode == .always {
                throw source.error("user.exec.interactiveMode", "exec plugin cannot support interactive mode")
            }
            let info = ExecClusterInfo(
                server: configuration.server, tlsServerName: cluster.tlsServerName,
                insecureSkipTLSVerify: cluster.insecureSkipTLSVerify,
                certificateAuthorityData: configuration.tls.caCertificatesPEM, proxyURL: cluster.proxyURL)
            let provider = ExecCredentialProvider(
                config: exec, userName: name, cluster: info, environment: environment.variables,
                refreshMargin: authentication.execRefreshMargin, clock: authentication.clock,
                runner: authentication.execRunner, logger: authentication.logger)
            configuration.bearerToken = provider
            configuration.clientCertificate = provider
        } else if let token = user.token, !token.isEmpty {
            configuration.bearerToken = StaticBearerToken(token)
        } else if let file = user.tokenFile {
            let data = try read(file, field: "user.tokenFile", of: source, environment: environment)
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw source.error("user.tokenFile", "read token file \(file): the file is empty") }
            configuration.bearerToken = TokenFileProvider(
                path: file, initialToken: token, reloadInterval: authentication.tokenReloadInterval,
                clock: authentication.clock, readFile: environment.readFile, logger: authentication.logger)
        }
    }

    /// Reads a file a field names; errors name the field and the entry's file.
    private static func read(
        _ path: String, field: String, of source: Source, environment: ConfigEnvironment
    ) throws(ClientConfigurationError) -> Data {
        do {
            return try environment.readFile(path)
        } catch {
            throw source.error(field, "\(error)")
        }
    }
}
