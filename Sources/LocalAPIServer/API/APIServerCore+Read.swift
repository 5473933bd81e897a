//! Reads: get, list (selectors, pagination, resourceVersion semantics) and watch.
import Foundation
import KubeCore

extension APIServerCore {
    func get(_ request: ResourceRequest, _ type: ResourceType) throws -> APIResponse {
        let key = key(request, type)
        guard let stored = store.get(type.storageResource, key) else {
            throw APIError.notFound(type.groupResource, name: key.name)
        }
        let object = present(stored, type, version: request.version)
        if let table = TableRequest(request) {
            return .ok(TableConverter.table(for: [stored], type: type, version: request.version, request: table,
                                            listMetadata: nil, now: now(), present: { self.present($0, type, version: request.version) }))
        }
        return .ok(object.value)
    }

    func list(_ request: ResourceRequest, _ type: ResourceType) throws -> APIResponse {
        let selectors = try ListSelectors(request, type)
        let limit = Int(request.query["limit"] ?? "") ?? 0
        var start: ObjectKey?
        var snapshotVersion: UInt64?
        if let token = request.query["continue"], !token.isEmpty {
            let decoded = try ContinueToken.decode(token)
            if decoded.resourceVersion < store.oldestResumableVersion {
                throw APIError(APIStatus(
                    message: "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
                    reason: .expired, code: 410))
            }
            start = decoded.after
            snapshotVersion = decoded.resourceVersion
        }
        try checkListResourceVersion(request)
        let namespace = type.namespaced ? request.namespace : nil
        let (all, resourceVersion) = store.list(type.storageResource, namespace: namespace)
        var matching = all.filter { key, object in (start.map { key > $0 } ?? true) && selectors.matches(object) }
        var continueToken: String?
        var remaining: Int?
        if limit > 0, matching.count > limit {
            let rest = matching.count - limit
            matching = Array(matching.prefix(limit))
            if let last = matching.last?.0 {
                continueToken = ContinueToken(resourceVersion: snapshotVersion ?? resourceVersion, after: last).encoded
            }
            // kube-apiserver reports the count only when no selector filters the list.
            if selectors.isEmpty { remaining = rest }
        }
        var metadata: JSONObject = ["resourceVersion": .string(String(resourceVersion))]
        if let continueToken { metadata["continue"] = .string(continueToken) }
        if let remaining { metadata["remainingItemCount"] = .int(Int64(remaining)) }

        if let table = TableRequest(request) {
            return .ok(TableConverter.table(for: matching.map(\.1), type: type, version: request.version, request: table,
                                            listMetadata: metadata, now: now(), present: { self.present($0, type, version: request.version) }))
        }
        let items = matching.map { self.present($0.1, type, version: request.version).value }
        return .ok(.object([
            "apiVersion": .string(request.groupVersion.apiVersion),
            "kind": .string(type.listKind),
            "metadata": .object(metadata),
            "items": .array(items),
        ]))
    }

    /// `resourceVersionMatch` is only valid with a resourceVersion, as upstream.
    private func checkListResourceVersion(_ request: ResourceRequest) throws {
        let match = request.query["resourceVersionMatch"] ?? ""
        let version = request.query["resourceVersion"] ?? ""
        if !match.isEmpty, version.isEmpty {
            throw APIError.invalid(GroupKind(group: "meta.k8s.io", kind: "ListOptions"), name: "", errors: [
                .forbidden(FieldPath("resourceVersionMatch"), "resourceVersionMatch is forbidden unless resourceVersion is provided"),
            ])
        }
        if !match.isEmpty, !["Exact", "NotOlderThan"].contains(match) {
            throw APIError.invalid(GroupKind(group: "meta.k8s.io", kind: "ListOptions"), name: "", errors: [
                .notSupported(FieldPath("resourceVersionMatch"), .string(match), ["Exact", "NotOlderThan"]),
            ])
        }
        if !version.isEmpty, UInt64(version) == nil {
            throw APIError.badRequest("Invalid value: \"\(version)\": invalid resource version")
        }
    }

    func watch(_ request: ResourceRequest, _ type: ResourceType) throws -> APIResponse {
        var request = request
        if let name = request.name {
            // A watch on one object is a watch with a name field selector.
            let existing = request.query["fieldSelector"].map { $0.isEmpty ? "" : $0 + "," } ?? ""
            request.query["fieldSelector"] = existing + "metadata.name=\(name)"
            request.name = nil
        }
        let selectors = try ListSelectors(request, type)
        let rawVersion = request.query["resourceVersion"] ?? ""
        guard rawVersion.isEmpty || UInt64(rawVersion) != nil else {
            throw APIError.badRequest("Invalid value: \"\(rawVersion)\": invalid resource version")
        }
        // "" and "0" start with the current state; anything else resumes after that version.
        let from: UInt64? = (rawVersion.isEmpty || rawVersion == "0") ? nil : UInt64(rawVersion)
        let filter = WatchFilter(resource: type.storageResource, namespace: type.namespaced ? request.namespace : nil,
                                 matches: { selectors.matches($0) })
        let timeout = Int(request.query["timeoutSeconds"] ?? "").map { Duration.seconds($0) }
        let bookmarks = request.flag("allowWatchBookmarks") ? options.bookmarkInterval : nil
        let table = TableRequest(request)
        let version = request.version
        let apiVersion = request.groupVersion.apiVersion
        let encode: @Sendable (StoreEvent, Bool) -> JSONValue = { event, first in
            var object: JSONValue
            switch event.type {
            case .bookmark:
                object = .object([
                    "apiVersion": .string(apiVersion), "kind": .string(type.kind),
                    "metadata": event.object.value["metadata"] ?? [:],
                ])
            case .error:
                object = event.object.value
            default:
                if let table {
                    var t = table
                    t.includeHeaders = first
                    object = TableConverter.table(for: [event.object], type: type, version: version, request: t,
                                                  listMetadata: nil, now: self.now(), present: { self.present($0, type, version: version) })
                } else {
                    object = self.present(event.object, type, version: version).value
                }
            }
            return .object(["type": .string(event.type.rawValue), "object": object])
        }
        do {
            let storeWatch = try store.watch(filter, from: from)
            return .watch(WatchSession(store: store, watch: storeWatch, timeout: timeout, bookmarkInterval: bookmarks,
                                       encode: encode, sharedEncodingKey: table == nil ? version : nil, initialError: nil))
        } catch ObjectStore.WatchStartError.gone(let requested, let oldest) {
            let status = APIError.gone("too old resource version: \(requested) (\(oldest))").status
            let error = (try? JSONValue(encoding: status)) ?? .null
            return .watch(WatchSession(store: store, watch: nil, timeout: timeout, bookmarkInterval: nil, encode: encode,
                                       sharedEncodingKey: nil, initialError: error))
        }
    }
}

/// The continue token of a paginated list: the snapshot version and the last key returned.
struct ContinueToken {
    var resourceVersion: UInt64
    var after: ObjectKey

    var encoded: String {
        let payload: JSONValue = ["v": "meta.k8s.io/v1", "rv": .int(Int64(resourceVersion)),
                                  "start": .string(after.namespace + "/" + after.name)]
        return payload.serialized().base64EncodedString()
    }

    static func decode(_ token: String) throws -> ContinueToken {
        guard let data = Data(base64Encoded: token), let value = try? JSONValue.parse(data),
              let rv = value["rv"]?.intValue, let start = value["start"]?.stringValue,
              let slash = start.lastIndex(of: "/")
        else {
            throw APIError.badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
        }
        return ContinueToken(resourceVersion: UInt64(rv),
                             after: ObjectKey(namespace: String(start[..<slash]), name: String(start[start.index(after: slash)...])))
    }
}

