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

    public init(
        resource: GroupVersionResource, namespace: String? = nil, labelSelector: String? = nil,
        fieldSelector: String? = nil, pageSize: Int = 500, backoff: ReflectorBackoff = .default,
        watchTimeout: ClosedRange<Int> = 300...600, redactData: Bool = false
    ) {
        self.redactData = redactData
        self.resource = resource
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.pageSize = pageSize
        self.backoff = backoff
        self.watchTimeout = watchTimeout
    }
}
