//! InProcessClient: how code inside the server process (the CRD controller and
//! the simulated cluster controllers) calls the API. It builds the same
//! `ResourceRequest`s the HTTPS front end builds, so it gets the same
//! admission, validation, conflicts and watch events — only without HTTP.
import Foundation
import KubeCore

public struct InProcessClient: Sendable {
    public let core: APIServerCore
    public let user: UserInfo
    /// Sent as the User-Agent, so managedFields name the manager as kube-apiserver's own
    /// controllers are named.
    public let userAgent: String

    public init(core: APIServerCore, user: UserInfo = .systemAdmin, userAgent: String = "kube-controller-manager/v1.32.0") {
        self.core = core
        self.user = user
        self.userAgent = userAgent
    }

    public func get(_ gvr: GroupVersionResource, namespace: String? = nil, name: String) async throws -> KubeObject {
        try await object(request(.get, gvr, namespace: namespace, name: name))
    }

    /// Gets an object, or nil when it does not exist.
    public func getIfPresent(_ gvr: GroupVersionResource, namespace: String? = nil, name: String) async throws -> KubeObject? {
        do {
            return try await get(gvr, namespace: namespace, name: name)
        } catch let error as APIError where error.reason == .notFound {
            return nil
        }
    }

    public func list(_ gvr: GroupVersionResource, namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil) async throws -> [KubeObject] {
        var query: [String: String] = [:]
        if let labelSelector { query["labelSelector"] = labelSelector }
        if let fieldSelector { query["fieldSelector"] = fieldSelector }
        let list = try await object(request(.list, gvr, namespace: namespace, query: query))
        return (list.json["items"]?.arrayValue ?? []).compactMap(KubeObject.init)
    }

    @discardableResult
    public func create(_ gvr: GroupVersionResource, _ object: KubeObject) async throws -> KubeObject {
        try await self.object(request(.create, gvr, namespace: object.namespace.isEmpty ? nil : object.namespace, body: object))
    }

    @discardableResult
    public func update(_ gvr: GroupVersionResource, _ object: KubeObject, subresource: String? = nil) async throws -> KubeObject {
        try await self.object(request(.update, gvr, namespace: object.namespace.isEmpty ? nil : object.namespace,
                                      name: object.name, subresource: subresource, body: object))
    }

    /// A JSON merge patch.
    @discardableResult
    public func patch(_ gvr: GroupVersionResource, namespace: String? = nil, name: String, merge patch: JSONValue, subresource: String? = nil) async throws -> KubeObject {
        var r = request(.patch, gvr, namespace: namespace, name: name, subresource: subresource)
        r.body = patch.serialized()
        r.contentType = "application/merge-patch+json"
        return try await object(r)
    }

    /// Deletes; returns quietly when the object is already gone.
    public func delete(_ gvr: GroupVersionResource, namespace: String? = nil, name: String, propagationPolicy: String? = nil,
                       gracePeriodSeconds: Int64? = nil, preconditionUID: String? = nil) async throws {
        var body: JSONObject = ["kind": "DeleteOptions", "apiVersion": "v1"]
        if let propagationPolicy { body["propagationPolicy"] = .string(propagationPolicy) }
        if let gracePeriodSeconds { body["gracePeriodSeconds"] = .int(gracePeriodSeconds) }
        if let preconditionUID { body["preconditions"] = ["uid": .string(preconditionUID)] }
        var r = request(.delete, gvr, namespace: namespace, name: name)
        r.body = JSONValue.object(body).serialized()
        do {
            _ = try await core.handle(r)
        } catch let error as APIError where error.reason == .notFound {
            return
        }
    }

    /// Watches objects; the stream yields decoded watch events (`type`, `object`).
    public func watch(_ gvr: GroupVersionResource, namespace: String? = nil, resourceVersion: String? = nil) async throws -> AsyncThrowingStream<JSONValue, any Error> {
        var query: [String: String] = [:]
        if let resourceVersion { query["resourceVersion"] = resourceVersion }
        guard case .watch(let session) = try await core.handle(request(.watch, gvr, namespace: namespace, query: query)) else {
            throw APIError.internalError("watch did not return a stream")
        }
        return session.events()
    }

    // MARK: Helpers

    private func request(_ verb: APIVerb, _ gvr: GroupVersionResource, namespace: String? = nil, name: String? = nil,
                         subresource: String? = nil, query: [String: String] = [:], body: KubeObject? = nil) -> ResourceRequest {
        var request = ResourceRequest(verb: verb, group: gvr.group, version: gvr.version, resource: gvr.resource, namespace: namespace,
                                      name: name, subresource: subresource, query: query, body: body?.value.serialized(),
                                      contentType: body == nil ? nil : "application/json", user: user)
        request.userAgent = userAgent
        return request
    }

    private func object(_ request: ResourceRequest) async throws -> KubeObject {
        guard case .object(let value, _, _) = try await core.handle(request), let object = KubeObject(value) else {
            throw APIError.internalError("unexpected response to \(request.verb.rawValue)")
        }
        return object
    }
}

extension GroupVersionResource {
    public static let namespaces = GroupVersionResource(group: "", version: "v1", resource: "namespaces")
    public static let pods = GroupVersionResource(group: "", version: "v1", resource: "pods")
    public static let services = GroupVersionResource(group: "", version: "v1", resource: "services")
    public static let persistentVolumeClaims = GroupVersionResource(group: "", version: "v1", resource: "persistentvolumeclaims")
    public static let events = GroupVersionResource(group: "", version: "v1", resource: "events")
    public static let deployments = GroupVersionResource(group: "apps", version: "v1", resource: "deployments")
    public static let statefulSets = GroupVersionResource(group: "apps", version: "v1", resource: "statefulsets")
    public static let jobs = GroupVersionResource(group: "batch", version: "v1", resource: "jobs")
    public static let customResourceDefinitions = GroupVersionResource(group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions")
}
