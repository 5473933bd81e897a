//! `InformerConfiguration`: what an informer watches (resource, namespace,
//! selectors) and how (page size, backoff, watch timeouts), with client-go's
//! reflector defaults.
import KubeCore

/// What an `Informer` lists and watches, and its reflector's tuning.
public struct InformerConfiguration: Sendable, Hashable {
    /// The resource to list and watch.
    public var resource: GroupVersionResource
    /// One namespace, or `nil` for all namespaces (and for cluster-scoped resources).
    public var namespace: String?
    /// A label selector (`app=web,tier!=db`) applied by the server to lists and watches.
    public var labelSelector: String?
    /// A field selector (`metadata.name=x`) applied by the server to lists and watches.
    public var fieldSelector: String?
    /// Items per LIST page (`limit`); 0 or less lists in one request. Default 500, as client-go's pager.
    public var pageSize: Int
    /// Reconnect backoff after failed lists and watches. Default `ReflectorBackoff.default`.
    public var backoff: ReflectorBackoff
    /// Seconds each watch asks the server to run (`timeoutSeconds`), drawn at
    /// random per watch so that many informers do not reconnect together.
    /// Default 300...600, as client-go. The client gives up on a watch that
    /// stays silent (not even a bookmark) for the drawn timeout plus 5 s.
    public var watchTimeout: ClosedRange<Int>
    /// Keep only the keys of `data` and `stringData`, never their values:
    /// for Secrets a controller only checks exist, so no Secret value sits in
    /// the cache (memory, and nothing to leak). Default false.
    public var redactData: Bool
    /// What the cache keeps of each object, applied after `managedFields`
    /// are stripped and before the object is cached or handed to a handler
    /// (controller-runtime's `TransformFunc`): drop what no reader needs.
    /// Default nil (keep everything).
    public var transform: CacheTransform?

    public init(
        resource: GroupVersionResource, namespace: String? = nil, labelSelector: String? = nil,
        fieldSelector: String? = nil, pageSize: Int = 500, backoff: ReflectorBackoff = .default,
        watchTimeout: ClosedRange<Int> = 300...600, redactData: Bool = false, transform: CacheTransform? = nil
    ) {
        self.redactData = redactData
        self.transform = transform
        self.resource = resource
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.pageSize = pageSize
        self.backoff = backoff
        self.watchTimeout = watchTimeout
    }
}

/// A named function that trims an object before an informer caches it.
/// Two transforms are the same when their names are: informers are shared
/// by configuration, so a name must always mean one function.
public struct CacheTransform: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    private let function: @Sendable (KubeObject) -> KubeObject

    public init(name: String, _ function: @escaping @Sendable (KubeObject) -> KubeObject) {
        self.name = name
        self.function = function
    }

    public func callAsFunction(_ object: KubeObject) -> KubeObject { function(object) }

    public var description: String { name }

    public static func == (lhs: CacheTransform, rhs: CacheTransform) -> Bool { lhs.name == rhs.name }

    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}
