//! APIServerCore: the API server without its transport. It resolves a
//! `ResourceRequest` against the registry, runs admission and validation, and
//! commits to the store. The HTTPS front end and in-process clients (the
//! simulated controllers) both go through here, so they see the same semantics.
import Foundation
import KubeCore
import Logging

/// What the core answers.
public enum APIResponse: Sendable {
    /// A JSON body (object, list, Status or Table) with its HTTP status code.
    case object(JSONValue, code: Int, warnings: [String])
    /// A watch stream.
    case watch(WatchSession)

    static func ok(_ value: JSONValue, code: Int = 200, warnings: [String] = []) -> APIResponse {
        .object(value, code: code, warnings: warnings)
    }
}

/// Options of the server core.
public struct APIServerOptions: Sendable {
    /// How often a watch that asked for bookmarks gets one.
    public var bookmarkInterval: Duration = .seconds(60)
    /// The Kubernetes version the server reports (kubectl warns on skew).
    public var kubernetesVersion: (major: Int, minor: Int, patch: Int) = (1, 32, 0)
    /// Address advertised in `/api` discovery.
    public var advertisedAddress: String = "127.0.0.1:6443"
    /// The cluster DNS domain.
    public var clusterDomain: String = "cluster.local"

    public init() {}
}

/// The API server core. Thread-safe; share one instance.
public final class APIServerCore: Sendable {
    public let registry: ResourceRegistry
    public let store: ObjectStore
    public let options: APIServerOptions
    /// Authorization for access reviews and admission, authentication for TokenReviews.
    public let accessControl: AccessControl
    /// The clock; tests inject their own.
    public let now: @Sendable () -> Date
    let logger: Logger
    let clusterIPs = ClusterIPAllocator()

    public init(registry: ResourceRegistry = ResourceRegistry(), store: ObjectStore = ObjectStore(),
                options: APIServerOptions = APIServerOptions(), now: @escaping @Sendable () -> Date = { Date() },
                logger: Logger = Logger(label: "local-apiserver"), accessControl: AccessControl = AccessControl()) {
        self.registry = registry
        self.store = store
        self.options = options
        self.accessControl = accessControl
        self.now = now
        self.logger = logger
    }

    /// Serves one resource request. Failures are returned as `APIError`s carrying a `Status`.
    public func handle(_ request: ResourceRequest) async throws -> APIResponse {
        let type = try resolve(request)
        if let review = AccessReviewKind(type) { return try self.review(request, type, review) }
        guard let admission = rbacAdmission(for: request) else { return try serve(request, type) }
        return try RBACAdmission.$authorizer.withValue(admission) { try serve(request, type) }
    }

    /// Serves a request for a stored resource.
    private func serve(_ request: ResourceRequest, _ type: ResourceType) throws -> APIResponse {
        if request.subresource == "scale" { return try scale(request, type) }
        switch request.verb {
        case .get: return try get(request, type)
        case .list: return try list(request, type)
        case .watch: return try watch(request, type)
        case .create: return try create(request, type)
        case .update: return try update(request, type)
        case .patch: return try patch(request, type)
        case .delete: return try delete(request, type)
        case .deletecollection: return try deleteCollection(request, type)
        }
    }

    // MARK: Resolution

    static let notFoundMessage = "the server could not find the requested resource"

    /// Finds the resource type and checks scope and subresource.
    func resolve(_ request: ResourceRequest) throws -> ResourceType {
        guard let type = registry.type(group: request.group, version: request.version, resource: request.resource) else {
            throw APIError(APIStatus(message: Self.notFoundMessage, reason: .notFound, details: StatusDetails(), code: 404))
        }
        if !type.namespaced, request.namespace != nil {
            throw APIError(APIStatus(message: Self.notFoundMessage, reason: .notFound, details: StatusDetails(), code: 404))
        }
        if type.namespaced, request.namespace == nil, ![.list, .watch].contains(request.verb) {
            throw APIError(APIStatus(message: Self.notFoundMessage, reason: .notFound, details: StatusDetails(), code: 404))
        }
        if let sub = request.subresource {
            let known: Bool = switch sub {
            case "status": type.hasStatus(request.version)
            case "finalize": type.resource == "namespaces" && type.group.isEmpty
            case "scale": type.version(request.version)?.scale != nil
            default: false
            }
            guard known, request.name != nil, [.get, .update, .patch].contains(request.verb) else {
                throw APIError(APIStatus(message: Self.notFoundMessage, reason: .notFound, details: StatusDetails(), code: 404))
            }
        }
        return type
    }

    func key(_ request: ResourceRequest, _ type: ResourceType) -> ObjectKey {
        ObjectKey(namespace: type.namespaced ? (request.namespace ?? "") : "", name: request.name ?? "")
    }

    /// The stored object as the client asked for it (version conversion, views).
    func present(_ stored: KubeObject, _ type: ResourceType, version: String) -> KubeObject {
        var out = type.fromStorage(stored, version)
        if type.isCustom { out.apiVersion = GroupVersion(group: type.group, version: version).apiVersion }
        return out
    }

    /// Decodes a request body as a Kubernetes object (JSON, YAML for apply patches, or Kubernetes protobuf).
    func decodeBody(_ request: ResourceRequest) throws -> JSONValue {
        guard let body = request.body, !body.isEmpty else {
            throw APIError.badRequest("the body of the request was empty")
        }
        if let contentType = request.contentType, KubernetesProtobufCodec.isProtobuf(contentType: contentType) {
            return try KubernetesProtobufCodec.standard.decode(body)
        }
        if let contentType = request.contentType, contentType.contains("protobuf") || contentType.contains("cbor") {
            throw APIError.unsupportedMediaType("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf")
        }
        do {
            if let contentType = request.contentType, contentType.contains("yaml") {
                return try JSONValue.parseYAML(String(decoding: body, as: UTF8.self))
            }
            return try JSONValue.parse(body)
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.badRequest("the object provided is unrecognized or malformed: \(error)")
        }
    }
}
