//! `ObjectCache`: an informer's thread-safe store of the objects it watches,
//! keyed by namespace/name, with indexes by namespace, controller owner UID,
//! label and custom index functions. Objects are held packed (`PackedJSON`)
//! and unpacked on each read; label and owner indexes are built on first use.
import KubeCore

/// An index of an `ObjectCache`, and what its values are.
public enum CacheIndex: Sendable, Hashable, CustomStringConvertible {
    /// `metadata.namespace` (`""` for cluster-scoped objects).
    case namespace
    /// The UID of the controller owner reference (`controller: true`).
    /// Maintained from its first lookup on (which indexes the objects cached then).
    case controllerUID
    /// The value of the label with this key. Maintained per label key from
    /// that key's first lookup on (which indexes the objects cached then).
    case label(String)
    /// The values returned by the index function registered under this name
    /// with `ObjectCache.addIndex(_:_:)`.
    case custom(String)

    public var description: String {
        switch self {
        case .namespace: "namespace"
        case .controllerUID: "controllerUID"
        case .label(let key): "label:\(key)"
        case .custom(let name): "custom:\(name)"
        }
    }
}

/// The objects of one informer, safe to read from any thread.
///
/// Only the owning `Informer` writes; everything else reads. Objects are
/// stored as the informer received them, minus `metadata.managedFields`
/// (and whatever its configuration's transform drops). They are held packed
/// — a byte array each, a fraction of the memory of the `JSONValue` tree —
/// so every read unpacks a fresh copy: read what a decision needs, once.
/// Results of `list` and index lookups are sorted by key.
public final class ObjectCache: Sendable {
    /// An index function: the values under which an object is found.
    public typealias IndexFunction = @Sendable (KubeObject) -> [String]

    /// One cached object: packed, with its resourceVersion at hand.
    private struct Entry {
        var packed: [UInt8]
        var resourceVersion: String

        init(_ object: KubeObject) {
            packed = PackedJSON.pack(object.value)
            resourceVersion = object.resourceVersion
        }

        var object: KubeObject? {
            do {
                return KubeObject(try PackedJSON.unpack(packed))
            } catch {
                assertionFailure("a cached object does not unpack: \(error)")
                return nil
            }
        }
    }

    private struct State {
        var objects: [ObjectKey: Entry] = [:]
        var index: [CacheIndex: [String: Set<ObjectKey>]] = [:]
        var functions: [String: IndexFunction] = [:]
        /// Label keys and whether controller UIDs are indexed: each from its
        /// first lookup on, as most caches are never asked (an index entry
        /// per unique label value would cost more than the object).
        var labelKeys: Set<String> = []
        var indexesControllerUID = false

        /// Starts maintaining `index` (a label key or controller UIDs), covering the objects cached now.
        mutating func enable(_ index: CacheIndex) {
            switch index {
            case .label(let key) where !labelKeys.contains(key):
                labelKeys.insert(key)
            case .controllerUID where !indexesControllerUID:
                indexesControllerUID = true
            default:
                return
            }
            for (key, entry) in objects {
                guard let object = entry.object else { continue }
                let value: String?
                switch index {
                case .label(let label): value = object.labels[label]
                default: value = object.controllerReference.flatMap { $0.uid.isEmpty ? nil : $0.uid }
                }
                if let value { self.index[index, default: [:]][value, default: []].insert(key) }
            }
        }
    }

    private let state = Locked(State())

    public init() {}

    // MARK: Reads

    /// The object with `key`, if cached.
    public func get(_ key: ObjectKey) -> KubeObject? {
        state.withLock { $0.objects[key] }?.object
    }

    /// The resourceVersion of the object with `key`, if cached; cheaper than `get`.
    public func resourceVersion(_ key: ObjectKey) -> String? {
        state.withLock { $0.objects[key]?.resourceVersion }
    }

    /// The objects in `namespace`, or all objects when `namespace` is `nil`.
    public func list(namespace: String? = nil) -> [KubeObject] {
        guard let namespace else {
            return state.withLock { s in s.objects.keys.sorted().compactMap { s.objects[$0] } }.compactMap(\.object)
        }
        return objects(index: .namespace, value: namespace)
    }

    /// The keys of all cached objects.
    public var keys: [ObjectKey] { state.withLock { $0.objects.keys.sorted() } }

    /// The number of cached objects.
    public var count: Int { state.withLock { $0.objects.count } }

    /// The objects whose `index` has `value`, e.g. `.label("app")` / `"web"`.
    /// Empty for an unknown custom index.
    public func objects(index: CacheIndex, value: String) -> [KubeObject] {
        state.withLock { s in
            s.enable(index)
            return (s.index[index]?[value] ?? []).sorted().compactMap { s.objects[$0] }
        }.compactMap(\.object)
    }

    /// The keys of the objects whose `index` has `value`.
    public func keys(index: CacheIndex, value: String) -> [ObjectKey] {
        state.withLock { s in
            s.enable(index)
            return (s.index[index]?[value] ?? []).sorted()
        }
    }

    /// All cached objects by key.
    public func snapshot() -> [ObjectKey: KubeObject] {
        state.withLock { $0.objects }.compactMapValues(\.object)
    }

    // MARK: Custom indexes

    /// Registers (or replaces) the custom index `name`, computed by `function`
    /// for every cached object now and every object stored later. Query it
    /// with `.custom(name)`. `function` runs under the cache's lock: keep it
    /// quick, and do not touch the cache from it.
    public func addIndex(_ name: String, _ function: @escaping IndexFunction) {
        state.withLock { s in
            s.functions[name] = function
            s.index[.custom(name)] = nil
            for (key, entry) in s.objects {
                guard let object = entry.object else { continue }
                for value in function(object) { s.index[.custom(name), default: [:]][value, default: []].insert(key) }
            }
        }
    }

    // MARK: Writes (the informer's)

    /// Stores `object` under its key and returns the object it replaced.
    @discardableResult
    package func put(_ object: KubeObject) -> KubeObject? {
        let entry = Entry(object)
        return state.withLock { s in
            let key = object.key
            let old = s.objects.updateValue(entry, forKey: key)?.object
            if let old { Self.unindex(old, key: key, in: &s) }
            Self.index(object, key: key, in: &s)
            return old
        }
    }

    /// Removes the object with `key` and returns it.
    @discardableResult
    package func remove(_ key: ObjectKey) -> KubeObject? {
        state.withLock { s in
            guard let old = s.objects.removeValue(forKey: key)?.object else { return nil }
            Self.unindex(old, key: key, in: &s)
            return old
        }
    }

    /// Applies an informer event: stores the new object, or removes a deleted one.
    package func apply(_ event: InformerEvent) {
        switch event {
        case .added(let object), .updated(_, let object): put(object)
        case .deleted(let object): remove(object.key)
        }
    }

    // MARK: Index maintenance

    private static func entries(of object: KubeObject, in s: State) -> [(CacheIndex, String)] {
        var entries: [(CacheIndex, String)] = [(.namespace, object.namespace)]
        if s.indexesControllerUID, let owner = object.controllerReference, !owner.uid.isEmpty { entries.append((.controllerUID, owner.uid)) }
        for (key, value) in object.labels where s.labelKeys.contains(key) { entries.append((.label(key), value)) }
        for (name, function) in s.functions {
            for value in function(object) { entries.append((.custom(name), value)) }
        }
        return entries
    }

    private static func index(_ object: KubeObject, key: ObjectKey, in s: inout State) {
        for (index, value) in entries(of: object, in: s) {
            s.index[index, default: [:]][value, default: []].insert(key)
        }
    }

    private static func unindex(_ object: KubeObject, key: ObjectKey, in s: inout State) {
        for (index, value) in entries(of: object, in: s) {
            s.index[index]?[value]?.remove(key)
            if s.index[index]?[value]?.isEmpty == true { s.index[index]?[value] = nil }
            if s.index[index]?.isEmpty == true { s.index[index] = nil }
        }
    }
}
