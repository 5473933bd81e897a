//! `metadata.managedFields`: the entries (manager, operation, apiVersion,
//! time, subresource, `fieldsV1`) decoded into field sets per manager and
//! encoded back in kube-apiserver's order, with upstream's manager
//! identifiers and decoding errors. Pure.
import Foundation
import KubeCore

/// Which operation a managed-fields entry records.
public enum ManagedOperation: String, Sendable, Hashable {
    case apply = "Apply"
    case update = "Update"
}

/// Identifies one entry: apply entries are one per manager and subresource,
/// update entries one per manager, subresource and apiVersion (upstream `BuildManagerIdentifier`).
public struct ManagerKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The manager name (empty when the request named none and sent no User-Agent).
    public var manager: String
    public var operation: ManagedOperation
    /// Empty for apply entries.
    public var apiVersion: String
    /// The subresource written (`status`), empty for the main resource.
    public var subresource: String

    /// The key of an entry; `apiVersion` is dropped for apply entries.
    public init(manager: String, operation: ManagedOperation, apiVersion: String, subresource: String = "") {
        self.manager = manager
        self.operation = operation
        self.apiVersion = operation == .apply ? "" : apiVersion
        self.subresource = subresource
    }

    /// The JSON identifier upstream keys managers by (field order of `ManagedFieldsEntry`).
    public var identifier: String {
        var members: [String] = []
        func add(_ name: String, _ value: String) {
            if !value.isEmpty { members.append("\"\(name)\":\(JSONValue.string(value).jsonString())") }
        }
        add("manager", manager)
        add("operation", operation.rawValue)
        add("apiVersion", apiVersion)
        add("subresource", subresource)
        return "{" + members.joined(separator: ",") + "}"
    }

    /// Ordered by identifier, as upstream sorts managers in messages.
    public static func < (lhs: ManagerKey, rhs: ManagerKey) -> Bool {
        lhs.identifier.utf8.lexicographicallyPrecedes(rhs.identifier.utf8)
    }

    /// How conflict messages name the manager (upstream `printManager`).
    public var description: String {
        var out = GoQuote.quote(manager)
        if !subresource.isEmpty { out += " with subresource \(GoQuote.quote(subresource))" }
        if operation == .update { out += " using \(apiVersion)" }
        return out
    }
}

/// The fields one manager owns (upstream `VersionedSet`) and when it last changed them.
public struct ManagedEntry: Sendable, Hashable {
    /// The owned fields, the apiVersion they were recorded at, and whether by apply.
    public var fields: FieldSet
    public var apiVersion: String
    public var applied: Bool
    /// RFC 3339 seconds, as stored; nil when the entry has no time.
    public var time: String?

    /// An entry; `time` defaults to none.
    public init(fields: FieldSet, apiVersion: String, applied: Bool, time: String? = nil) {
        self.fields = fields
        self.apiVersion = apiVersion
        self.applied = applied
        self.time = time
    }
}

/// All managers of an object.
public struct ManagedFields: Sendable, Hashable {
    /// The entries by manager.
    public var entries: [ManagerKey: ManagedEntry]

    /// Managed fields with these entries (none by default).
    public init(_ entries: [ManagerKey: ManagedEntry] = [:]) { self.entries = entries }

    /// An entry list that could not be decoded (upstream `DecodeManagedFields` errors).
    public struct DecodingError: Error, Sendable, Hashable, CustomStringConvertible {
        /// Upstream's decoding error text.
        public var message: String
        public var description: String { message }
    }

    /// Reads `metadata.managedFields`; absent or null is empty.
    public static func decode(_ value: JSONValue?) throws(DecodingError) -> ManagedFields {
        guard let value, !value.isNull else { return ManagedFields() }
        guard let items = value.arrayValue else { throw DecodingError(message: "managedFields must be a list") }
        var out = ManagedFields()
        for (i, item) in items.enumerated() {
            let operation = item["operation"]?.stringValue ?? ""
            guard let op = ManagedOperation(rawValue: operation) else {
                throw DecodingError(message: "operation must be `Apply` or `Update`")
            }
            let apiVersion = item["apiVersion"]?.stringValue ?? ""
            guard !apiVersion.isEmpty else { throw DecodingError(message: "apiVersion must not be empty") }
            switch item["fieldsType"]?.stringValue ?? "" {
            case "FieldsV1": break
            case "": throw DecodingError(message: "missing fieldsType in managed fields entry \(i)")
            case let other: throw DecodingError(message: "invalid fieldsType \(GoQuote.quote(other)) in managed fields entry \(i)")
            }
            let fields: FieldSet
            do {
                fields = try FieldsV1.decode(item["fieldsV1"] ?? .object([:]))
            } catch {
                throw DecodingError(message: "error decoding versioned set: \(error)")
            }
            let key = ManagerKey(manager: item["manager"]?.stringValue ?? "", operation: op, apiVersion: apiVersion,
                                 subresource: item["subresource"]?.stringValue ?? "")
            out.entries[key] = ManagedEntry(fields: fields, apiVersion: apiVersion, applied: op == .apply,
                                            time: item["time"]?.stringValue)
        }
        return out
    }

    /// Whether a request's `managedFields` asks to reset them: an empty list, or one empty entry.
    public static func isReset(_ value: JSONValue?) -> Bool {
        guard let items = value?.arrayValue else { return false }
        if items.isEmpty { return true }
        return items.count == 1 && items[0] == .object([:])
    }

    /// The `managedFields` list, sorted as upstream sorts it (operation, time,
    /// manager, apiVersion, subresource); nil when there are no managers.
    public func encoded() -> JSONValue? {
        guard !entries.isEmpty else { return nil }
        let sorted = entries.sorted { a, b in
            if a.key.operation != b.key.operation { return a.key.operation.rawValue < b.key.operation.rawValue }
            let (ta, tb) = (Self.seconds(a.value.time), Self.seconds(b.value.time))
            if ta != tb { return ta < tb }
            if a.key.manager != b.key.manager { return a.key.manager.utf8.lexicographicallyPrecedes(b.key.manager.utf8) }
            if a.value.apiVersion != b.value.apiVersion { return a.value.apiVersion < b.value.apiVersion }
            return a.key.subresource < b.key.subresource
        }
        return .array(sorted.map { key, entry in
            var item: JSONObject = [
                "operation": .string(entry.applied ? ManagedOperation.apply.rawValue : key.operation.rawValue),
                "apiVersion": .string(entry.apiVersion),
                "fieldsType": "FieldsV1",
                "fieldsV1": FieldsV1.encode(entry.fields),
            ]
            if !key.manager.isEmpty { item["manager"] = .string(key.manager) }
            if let time = entry.time { item["time"] = .string(time) }
            if !key.subresource.isEmpty { item["subresource"] = .string(key.subresource) }
            return .object(item)
        })
    }

    static func seconds(_ time: String?) -> Int64 {
        guard let time, let date = KubeTime.parse(time) else { return 0 }
        return Int64(date.timeIntervalSince1970.rounded(.down))
    }
}
