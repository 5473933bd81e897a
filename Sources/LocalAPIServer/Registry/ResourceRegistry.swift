//! ResourceRegistry: the live set of served resource types. Built-in types are
//! fixed; CRD types come and go as CustomResourceDefinitions are established
//! and deleted. Safe to read from any task.
import KubeCore
import Synchronization

public final class ResourceRegistry: Sendable {
    private struct State {
        var types: [GroupResource: ResourceType] = [:]
        /// Bumped on every change, so discovery/OpenAPI documents can be cached.
        var generation: Int = 0
    }

    private let state = Mutex(State())

    public init(builtins: [ResourceType] = ResourceType.builtins) {
        state.withLock { s in
            for type in builtins { s.types[type.groupResource] = type }
        }
    }

    /// All types, sorted by group then resource.
    public var all: [ResourceType] {
        state.withLock { Array($0.types.values) }.sorted { $0.groupResource < $1.groupResource }
    }

    public var generation: Int { state.withLock { $0.generation } }

    public func type(_ resource: GroupResource) -> ResourceType? {
        state.withLock { $0.types[resource] }
    }

    /// The type serving `resource` at `group/version`, if that version is served.
    public func type(group: String, version: String, resource: String) -> ResourceType? {
        guard let type = type(GroupResource(group: group, resource: resource)), type.version(version) != nil else { return nil }
        return type
    }

    /// The type with this group and kind.
    public func type(for kind: GroupKind) -> ResourceType? {
        state.withLock { s in s.types.values.first { $0.group == kind.group && $0.kind == kind.kind } }
    }

    /// The served group versions, core first, then groups alphabetically; within
    /// a group the preferred (storage) version first.
    public var groupVersions: [(group: String, versions: [String], preferred: String)] {
        var byGroup: [String: (versions: Set<String>, preferred: String)] = [:]
        for type in all {
            var entry = byGroup[type.group] ?? ([], type.storageVersion)
            for version in type.versions where version.served { entry.versions.insert(version.name) }
            byGroup[type.group] = entry
        }
        return byGroup.keys.sorted().map { group in
            let entry = byGroup[group] ?? ([], "v1")
            let ordered = entry.versions.sorted { a, b in
                if a == entry.preferred { return true }
                if b == entry.preferred { return false }
                return KubeVersionOrder.isHigher(a, than: b)
            }
            return (group, ordered, entry.preferred)
        }
    }

    /// Registers or replaces a type.
    public func register(_ type: ResourceType) {
        state.withLock { s in
            s.types[type.groupResource] = type
            s.generation += 1
        }
    }

    /// Removes a type (only custom types can be removed).
    public func unregister(_ resource: GroupResource) {
        state.withLock { s in
            guard s.types[resource]?.isCustom == true else { return }
            s.types[resource] = nil
            s.generation += 1
        }
    }
}

/// Kubernetes version priority: GA > beta > alpha, then by number (`v2` > `v1` > `v1beta2` > `v1beta1` > `v1alpha1`),
/// and anything that does not look like a Kubernetes version sorts last, alphabetically.
enum KubeVersionOrder {
    private static func parse(_ v: String) -> (major: Int, stability: Int, minor: Int)? {
        guard v.hasPrefix("v") else { return nil }
        let body = v.dropFirst()
        let digits = body.prefix(while: \.isNumber)
        guard let major = Int(digits) else { return nil }
        let rest = body.dropFirst(digits.count)
        if rest.isEmpty { return (major, 3, 0) }
        for (word, rank) in [("beta", 2), ("alpha", 1)] where rest.hasPrefix(word) {
            guard let minor = Int(rest.dropFirst(word.count)) else { return nil }
            return (major, rank, minor)
        }
        return nil
    }

    static func isHigher(_ a: String, than b: String) -> Bool {
        switch (parse(a), parse(b)) {
        case let (x?, y?):
            if x.stability != y.stability { return x.stability > y.stability }
            if x.major != y.major { return x.major > y.major }
            return x.minor > y.minor
        case (.some, nil): return true
        case (nil, .some): return false
        case (nil, nil): return a < b
        }
    }
}
