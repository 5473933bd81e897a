//! Options of the REST verbs and their query-string form, named as
//! kube-apiserver names its query parameters (`metav1.ListOptions`,
//! `CreateOptions`, `PatchOptions`, `DeleteOptions`).
import Foundation
import KubeCore

/// How a `resourceVersion` in a list is interpreted.
public enum ResourceVersionMatch: String, Sendable, Hashable {
    case notOlderThan = "NotOlderThan"
    case exact = "Exact"
}

/// Options of LIST (and DELETE collection).
public struct ListOptions: Sendable, Hashable {
    public var labelSelector: String?
    public var fieldSelector: String?
    /// Page size; `nil` asks for everything.
    public var limit: Int?
    /// The `continue` token of the previous page.
    public var continueToken: String?
    public var resourceVersion: String?
    public var resourceVersionMatch: ResourceVersionMatch?
    public var timeoutSeconds: Int?

    public init(
        labelSelector: String? = nil, fieldSelector: String? = nil, limit: Int? = nil, continueToken: String? = nil,
        resourceVersion: String? = nil, resourceVersionMatch: ResourceVersionMatch? = nil, timeoutSeconds: Int? = nil
    ) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.limit = limit
        self.continueToken = continueToken
        self.resourceVersion = resourceVersion
        self.resourceVersionMatch = resourceVersionMatch
        self.timeoutSeconds = timeoutSeconds
    }

    /// The options as query parameters; unset options are left out.
    public var queryItems: [URLQueryItem] {
        var items: [URLQueryItem] = []
        items.append(ifSet: "labelSelector", labelSelector)
        items.append(ifSet: "fieldSelector", fieldSelector)
        items.append(ifSet: "limit", limit.map(String.init))
        items.append(ifSet: "continue", continueToken)
        items.append(ifSet: "resourceVersion", resourceVersion)
        items.append(ifSet: "resourceVersionMatch", resourceVersionMatch?.rawValue)
        items.append(ifSet: "timeoutSeconds", timeoutSeconds.map(String.init))
        return items
    }
}

/// Options of WATCH.
public struct WatchOptions: Sendable, Hashable {
    public var labelSelector: String?
    public var fieldSelector: String?
    /// Start after this version; `nil` or `""` starts with synthetic ADDED
    /// events for the current state, `"0"` from any cached state.
    public var resourceVersion: String?
    public var resourceVersionMatch: ResourceVersionMatch?
    /// The server ends the watch after this many seconds.
    public var timeoutSeconds: Int?
    /// Ask for BOOKMARK events. Defaults to `true`, as client-go's reflector does.
    public var allowWatchBookmarks: Bool
    /// Ask for the initial state as events followed by a bookmark (watch list).
    public var sendInitialEvents: Bool?

    public init(
        labelSelector: String? = nil, fieldSelector: String? = nil, resourceVersion: String? = nil,
        resourceVersionMatch: ResourceVersionMatch? = nil, timeoutSeconds: Int? = nil,
        allowWatchBookmarks: Bool = true, sendInitialEvents: Bool? = nil
    ) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.resourceVersion = resourceVersion
        self.resourceVersionMatch = resourceVersionMatch
        self.timeoutSeconds = timeoutSeconds
        self.allowWatchBookmarks = allowWatchBookmarks
        self.sendInitialEvents = sendInitialEvents
    }

    /// The query, `watch=true` included.
    public var queryItems: [URLQueryItem] {
        var items = [URLQueryItem(name: "watch", value: "true")]
        items.append(ifSet: "labelSelector", labelSelector)
        items.append(ifSet: "fieldSelector", fieldSelector)
        items.append(ifSet: "resourceVersion", resourceVersion)
        items.append(ifSet: "resourceVersionMatch", resourceVersionMatch?.rawValue)
        items.append(ifSet: "timeoutSeconds", timeoutSeconds.map(String.init))
        if allowWatchBookmarks { items.append(URLQueryItem(name: "allowWatchBookmarks", value: "true")) }
        items.append(ifSet: "sendInitialEvents", sendInitialEvents.map { $0 ? "true" : "false" })
        return items
    }
}

/// How the server treats unknown or duplicate fields in a write.
public enum FieldValidation: String, Sendable, Hashable {
    case ignore = "Ignore"
    case warn = "Warn"
    case strict = "Strict"
}

/// Options of CREATE, UPDATE and PATCH.
public struct WriteOptions: Sendable, Hashable {
    /// Validate and admit, but do not persist (`dryRun=All`).
    public var dryRun: Bool
    /// The manager recorded in `managedFields`. Server-side apply requires
    /// one and takes it from `PatchType.apply` instead.
    public var fieldManager: String?
    public var fieldValidation: FieldValidation?

    public init(dryRun: Bool = false, fieldManager: String? = nil, fieldValidation: FieldValidation? = nil) {
        self.dryRun = dryRun
        self.fieldManager = fieldManager
        self.fieldValidation = fieldValidation
    }

    /// The options as query parameters; unset options are left out.
    public var queryItems: [URLQueryItem] {
        var items: [URLQueryItem] = []
        if dryRun { items.append(URLQueryItem(name: "dryRun", value: "All")) }
        items.append(ifSet: "fieldManager", fieldManager)
        items.append(ifSet: "fieldValidation", fieldValidation?.rawValue)
        return items
    }
}

/// The PATCH flavours and their content types.
public enum PatchType: Sendable, Hashable {
    /// JSON merge patch (RFC 7386).
    case merge
    /// JSON patch (RFC 6902).
    case json
    /// Strategic merge patch (built-in kinds only).
    case strategic
    /// Server-side apply as `fieldManager`; `force` takes over conflicting fields.
    case apply(fieldManager: String, force: Bool = false)

    /// The `Content-Type` kube-apiserver expects for this patch type.
    public var contentType: String {
        switch self {
        case .merge: "application/merge-patch+json"
        case .json: "application/json-patch+json"
        case .strategic: "application/strategic-merge-patch+json"
        case .apply: "application/apply-patch+yaml"
        }
    }
}

/// How dependents are handled when their owner is deleted.
public enum PropagationPolicy: String, Sendable, Hashable {
    case orphan = "Orphan"
    case background = "Background"
    case foreground = "Foreground"
}

/// Conditions the object must meet for a delete to proceed.
public struct Preconditions: Sendable, Hashable {
    public var uid: String?
    public var resourceVersion: String?

    public init(uid: String? = nil, resourceVersion: String? = nil) {
        self.uid = uid
        self.resourceVersion = resourceVersion
    }
}

/// Options of DELETE. Sent as a `DeleteOptions` body, except `dryRun`,
/// which goes into the query.
public struct DeleteOptions: Sendable, Hashable {
    public var preconditions: Preconditions?
    public var propagationPolicy: PropagationPolicy?
    public var gracePeriodSeconds: Int?
    public var dryRun: Bool

    public init(
        preconditions: Preconditions? = nil, propagationPolicy: PropagationPolicy? = nil,
        gracePeriodSeconds: Int? = nil, dryRun: Bool = false
    ) {
        self.preconditions = preconditions
        self.propagationPolicy = propagationPolicy
        self.gracePeriodSeconds = gracePeriodSeconds
        self.dryRun = dryRun
    }

    /// `dryRun=All` when dry-running, else nothing.
    public var queryItems: [URLQueryItem] {
        dryRun ? [URLQueryItem(name: "dryRun", value: "All")] : []
    }

    /// The `meta.k8s.io/v1` `DeleteOptions` body, or `nil` when no option needs one.
    public var body: JSONValue? {
        var object: JSONObject = [:]
        if let preconditions, preconditions.uid != nil || preconditions.resourceVersion != nil {
            var conditions: JSONObject = [:]
            conditions["uid"] = preconditions.uid.map(JSONValue.string)
            conditions["resourceVersion"] = preconditions.resourceVersion.map(JSONValue.string)
            object["preconditions"] = .object(conditions)
        }
        object["propagationPolicy"] = propagationPolicy.map { .string($0.rawValue) }
        object["gracePeriodSeconds"] = gracePeriodSeconds.map { .int(Int64($0)) }
        guard !object.isEmpty else { return nil }
        object["apiVersion"] = "v1"
        object["kind"] = "DeleteOptions"
        return .object(object)
    }
}

extension Array where Element == URLQueryItem {
    mutating func append(ifSet name: String, _ value: String?) {
        if let value { append(URLQueryItem(name: name, value: value)) }
    }
}
