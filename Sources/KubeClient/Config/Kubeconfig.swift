//! The kubeconfig file format (pure): parsing one file into clusters, users
//! and contexts with relative paths resolved against the file's directory,
//! and merging several files with client-go's rules.
import Foundation
import KubeCore

/// One or more parsed kubeconfig files.
///
/// Only the fields this client uses are kept; unknown fields are ignored.
/// Every entry remembers where it came from (`source`), so later errors
/// (an unreadable certificate file, a missing server) name the file and the
/// field.
public struct Kubeconfig: Sendable, Hashable {
    /// Where an entry was defined: the file and the entry's path in it,
    /// e.g. `users[name=bob]`.
    public struct Source: Sendable, Hashable {
        public var file: String?
        public var path: String

        public init(file: String?, path: String) {
            self.file = file
            self.path = path
        }

        /// An error about `field` of this entry (`field` relative to the entry, e.g. `user.token`).
        func error(_ field: String?, _ message: String) -> ClientConfigurationError {
            ClientConfigurationError(file: file, field: field.map { "\(path).\($0)" } ?? path, message: message)
        }
    }

    /// `clusters[].cluster`.
    public struct Cluster: Sendable, Hashable {
        public var source: Source
        public var server: String?
        /// `certificate-authority`, an absolute path after parsing.
        public var certificateAuthority: String?
        /// `certificate-authority-data`, decoded (PEM). Wins over the file.
        public var certificateAuthorityData: Data?
        public var tlsServerName: String?
        public var insecureSkipTLSVerify: Bool
        public var proxyURL: String?

        public init(
            source: Source, server: String? = nil, certificateAuthority: String? = nil, certificateAuthorityData: Data? = nil,
            tlsServerName: String? = nil, insecureSkipTLSVerify: Bool = false, proxyURL: String? = nil
        ) {
            self.source = source
            self.server = server
            self.certificateAuthority = certificateAuthority
            self.certificateAuthorityData = certificateAuthorityData
            self.tlsServerName = tlsServerName
            self.insecureSkipTLSVerify = insecureSkipTLSVerify
            self.proxyURL = proxyURL
        }
    }

    /// `users[].user` (client-go's `AuthInfo`). Its description, debug
    /// description and mirror never show secrets.
    public struct AuthInfo: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        public var source: Source
        /// `client-certificate`, an absolute path after parsing.
        public var clientCertificate: String?
        public var clientCertificateData: Data?
        /// `client-key`, an absolute path after parsing.
        public var clientKey: String?
        public var clientKeyData: Data?
        public var token: String?
        /// `tokenFile`, an absolute path after parsing.
        public var tokenFile: String?
        public var exec: ExecConfig?

        public init(source: Source) { self.source = source }

        public var description: String { "AuthInfo(\(source.path), <redacted>)" }
        public var debugDescription: String { description }
        public var customMirror: Mirror {
            Mirror(self, children: ["source": source, "credentials": "<redacted>"], displayStyle: .struct)
        }
    }

    /// `users[].user.exec`: a credential plugin.
    public struct ExecConfig: Sendable, Hashable {
        public enum InteractiveMode: String, Sendable, Hashable {
            case never = "Never"
            case ifAvailable = "IfAvailable"
            case always = "Always"
        }

        public var apiVersion: String
        /// The program; a relative path with a `/` is resolved against the kubeconfig's directory.
        public var command: String
        public var args: [String]
        /// Extra environment variables, in order.
        public var env: [EnvVar]
        public var interactiveMode: InteractiveMode?
        public var provideClusterInfo: Bool
        public var installHint: String?

        public struct EnvVar: Sendable, Hashable {
            public var name: String
            public var value: String

            public init(name: String, value: String) {
                self.name = name
                self.value = value
            }
        }

        public init(
            apiVersion: String, command: String, args: [String] = [], env: [EnvVar] = [],
            interactiveMode: InteractiveMode? = nil, provideClusterInfo: Bool = false, installHint: String? = nil
        ) {
            self.apiVersion = apiVersion
            self.command = command
            self.args = args
            self.env = env
            self.interactiveMode = interactiveMode
            self.provideClusterInfo = provideClusterInfo
            self.installHint = installHint
        }
    }

    /// `contexts[].context`.
    public struct Context: Sendable, Hashable {
        public var source: Source
        public var cluster: String
        public var user: String
        public var namespace: String?

        public init(source: Source, cluster: String, user: String, namespace: String? = nil) {
            self.source = source
            self.cluster = cluster
            self.user = user
            self.namespace = namespace
        }
    }

    public var clusters: [String: Cluster]
    public var users: [String: AuthInfo]
    public var contexts: [String: Context]
    public var currentContext: String?

    public init(
        clusters: [String: Cluster] = [:], users: [String: AuthInfo] = [:], contexts: [String: Context] = [:],
        currentContext: String? = nil
    ) {
        self.clusters = clusters
        self.users = users
        self.contexts = contexts
        self.currentContext = currentContext
    }

    // MARK: Merging

    /// Merges files in precedence order with client-go's rules: the first
    /// file that defines a cluster, user or context name wins (later
    /// definitions of the same name are ignored, not merged field by field),
    /// and the first file that sets `current-context` wins.
    public static func merged(_ configs: [Kubeconfig]) -> Kubeconfig {
        var result = Kubeconfig()
        for config in configs {
            result.clusters.merge(config.clusters) { first, _ in first }
            result.users.merge(config.users) { first, _ in first }
            result.contexts.merge(config.contexts) { first, _ in first }
            if result.currentContext == nil { result.currentContext = config.currentContext }
        }
        return result
    }

    // MARK: Parsing

    /// Parses one kubeconfig file.
    ///
    /// Relative paths (`certificate-authority`, `client-certificate`,
    /// `client-key`, `tokenFile`, and an exec `command` containing `/`) are
    /// resolved against the directory of `file`. An empty document is an
    /// empty configuration.
    /// - Parameter file: the file's path, for path resolution and messages.
    /// - Throws: `ClientConfigurationError` naming the file and the field.
    public static func parse(_ text: String, file: String?) throws(ClientConfigurationError) -> Kubeconfig {
        let document: JSONValue
        do {
            document = try JSONValue.parseYAML(text)
        } catch {
            throw ClientConfigurationError(file: file, message: "invalid YAML: \(error)")
        }
        if document.isNull { return Kubeconfig() }
        guard let root = document.objectValue else {
            throw ClientConfigurationError(file: file, message: "expected a YAML mapping, got \(document.typeName)")
        }
        let directory = file.map { ($0 as NSString).deletingLastPathComponent }
        let parser = Parser(file: file, directory: directory)
        var config = Kubeconfig()
        let top = FieldReader(root, path: nil, file: file)
        config.currentContext = try top.string("current-context").flatMap { $0.isEmpty ? nil : $0 }
        for (name, entry, value) in try parser.entries(root, "clusters", inner: "cluster") where config.clusters[name] == nil {
            config.clusters[name] = try parser.cluster(value, source: entry)
        }
        for (name, entry, value) in try parser.entries(root, "users", inner: "user") where config.users[name] == nil {
            config.users[name] = try parser.user(value, source: entry)
        }
        for (name, entry, value) in try parser.entries(root, "contexts", inner: "context") where config.contexts[name] == nil {
            config.contexts[name] = try parser.context(value, source: entry)
        }
        return config
    }

    /// Field-by-field parsing of one file.
    private struct Parser {
        let file: String?
        let directory: String?

        /// The named entries of a list such as `clusters`, with the object
        /// under `inner` (`cluster`). Entries are addressed `clusters[name=x]`.
        func entries(_ root: JSONObject, _ key: String, inner: String) throws(ClientConfigurationError) -> [(String, Source, JSONObject)] {
            guard let value = root[key], !value.isNull else { return [] }
            guard let list = value.arrayValue else {
                throw ClientConfigurationError(file: file, field: key, message: "expected a list, got \(value.typeName)")
            }
            var result: [(String, Source, JSONObject)] = []
            for (index, element) in list.enumerated() {
                guard let object = element.objectValue else {
                    throw ClientConfigurationError(file: file, field: "\(key)[\(index)]", message: "expected a mapping, got \(element.typeName)")
                }
                let reader = FieldReader(object, path: "\(key)[\(index)]", file: file)
                guard let name = try reader.string("name"), !name.isEmpty else {
                    throw ClientConfigurationError(file: file, field: "\(key)[\(index)].name", message: "required")
                }
                let source = Source(file: file, path: "\(key)[name=\(name)]")
                let inner = try FieldReader(object, path: source.path, file: file).object(inner) ?? [:]
                result.append((name, source, inner))
            }
            return result
        }

        func cluster(_ object: JSONObject, source: Source) throws(ClientConfigurationError) -> Cluster {
            let fields = FieldReader(object, path: "\(source.path).cluster", file: file)
            return Cluster(
                source: source,
                server: try fields.string("server"),
                certificateAuthority: try fields.string("certificate-authority").map(resolve),
                certificateAuthorityData: try fields.base64("certificate-authority-data"),
                tlsServerName: try fields.string("tls-server-name"),
                insecureSkipTLSVerify: try fields.bool("insecure-skip-tls-verify") ?? false,
                proxyURL: try fields.string("proxy-url"))
        }

        func user(_ object: JSONObject, source: Source) throws(ClientConfigurationError) -> AuthInfo {
            let fields = FieldReader(object, path: "\(source.path).user", file: file)
            var user = AuthInfo(source: source)
            user.clientCertificate = try fields.string("client-certificate").map(resolve)
            user.clientCertificateData = try fields.base64("client-certificate-data")
            user.clientKey = try fields.string("client-key").map(resolve)
            user.clientKeyData = try fields.base64("client-key-data")
            user.token = try fields.string("token")
            user.tokenFile = try fields.string("tokenFile").map(resolve)
            if let exec = try fields.object("exec") {
                user.exec = try self.exec(FieldReader(exec, path: "\(source.path).user.exec", file: file))
            }
            return user
        }

        func exec(_ fields: FieldReader) throws(ClientConfigurationError) -> ExecConfig {
            guard let command = try fields.string("command"), !command.isEmpty else {
                throw fields.error("command", "required")
            }
            var env: [ExecConfig.EnvVar] = []
            for (index, element) in (try fields.list("env") ?? []).enumerated() {
                guard let object = element.objectValue else {
                    throw fields.error("env[\(index)]", "expected a mapping, got \(element.typeName)")
                }
                let variable = FieldReader(object, path: "\(fields.path ?? "").env[\(index)]", file: file)
                guard let name = try variable.string("name"), !name.isEmpty else { throw variable.error("name", "required") }
                env.append(.init(name: name, value: try variable.string("value") ?? ""))
            }
            var mode: ExecConfig.InteractiveMode?
            if let text = try fields.string("interactiveMode"), !text.isEmpty {
                guard let parsed = ExecConfig.InteractiveMode(rawValue: text) else {
                    throw fields.error("interactiveMode", "invalid interactive mode \"\(text)\" (expected Never, IfAvailable or Always)")
                }
                mode = parsed
            }
            return ExecConfig(
                apiVersion: try fields.string("apiVersion") ?? "",
                command: command.contains("/") ? resolve(command) : command,
                args: try fields.stringList("args") ?? [],
                env: env,
                interactiveMode: mode,
                provideClusterInfo: try fields.bool("provideClusterInfo") ?? false,
                installHint: try fields.string("installHint"))
        }

        func context(_ object: JSONObject, source: Source) throws(ClientConfigurationError) -> Context {
            let fields = FieldReader(object, path: "\(source.path).context", file: file)
            return Context(
                source: source,
                cluster: try fields.string("cluster") ?? "",
                user: try fields.string("user") ?? "",
                namespace: try fields.string("namespace").flatMap { $0.isEmpty ? nil : $0 })
        }

        /// An absolute path for `path`, relative ones taken from the file's directory.
        func resolve(_ path: String) -> String {
            guard !path.isEmpty, !path.hasPrefix("/"), let directory, !directory.isEmpty else { return path }
            return ((directory as NSString).appendingPathComponent(path) as NSString).standardizingPath
        }
    }
}

/// Typed reads of one YAML mapping, with errors that name the field's path.
struct FieldReader {
    let object: JSONObject
    /// The mapping's own path, e.g. `users[name=bob].user`; `nil` at the top.
    let path: String?
    let file: String?

    init(_ object: JSONObject, path: String?, file: String?) {
        self.object = object
        self.path = path
        self.file = file
    }

    func error(_ key: String, _ message: String) -> ClientConfigurationError {
        ClientConfigurationError(file: file, field: path.map { "\($0).\(key)" } ?? key, message: message)
    }

    /// The value at `key`; absent and `null` are both `nil`.
    private func value(_ key: String) -> JSONValue? {
        guard let value = object[key], !value.isNull else { return nil }
        return value
    }

    func string(_ key: String) throws(ClientConfigurationError) -> String? {
        guard let value = value(key) else { return nil }
        guard let string = value.stringValue else { throw error(key, "expected a string, got \(value.typeName)") }
        return string
    }

    func bool(_ key: String) throws(ClientConfigurationError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let bool = value.boolValue else { throw error(key, "expected a boolean, got \(value.typeName)") }
        return bool
    }

    func object(_ key: String) throws(ClientConfigurationError) -> JSONObject? {
        guard let value = value(key) else { return nil }
        guard let object = value.objectValue else { throw error(key, "expected a mapping, got \(value.typeName)") }
        return object
    }

    func list(_ key: String) throws(ClientConfigurationError) -> [JSONValue]? {
        guard let value = value(key) else { return nil }
        guard let list = value.arrayValue else { throw error(key, "expected a list, got \(value.typeName)") }
        return list
    }

    func stringList(_ key: String) throws(ClientConfigurationError) -> [String]? {
        guard let list = try list(key) else { return nil }
        var strings: [String] = []
        for (index, element) in list.enumerated() {
            guard let string = element.stringValue else { throw error("\(key)[\(index)]", "expected a string, got \(element.typeName)") }
            strings.append(string)
        }
        return strings
    }

    /// A base64 field (`*-data`), decoded. Whitespace (line breaks) is ignored.
    func base64(_ key: String) throws(ClientConfigurationError) -> Data? {
        guard let text = try string(key), !text.isEmpty else { return nil }
        let compact = text.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: compact) else { throw error(key, "illegal base64 data") }
        return data
    }
}
