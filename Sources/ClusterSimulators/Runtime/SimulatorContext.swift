//! What every simulated controller shares: the server core, an in-process
//! client acting as `system:admin`, the options, and the read and write
//! helpers (reads come from the store's current state; writes go through the
//! client and are retried on conflict after re-reading, as controllers do).
import Foundation
import KubeCore
import LocalAPIServer
import Logging

struct SimulatorContext: Sendable {
    let core: APIServerCore
    let client: InProcessClient
    let options: SimulatorOptions
    let logger: Logger
    let podIPs: IPv4Allocator

    init(core: APIServerCore, options: SimulatorOptions, logger: Logger) {
        self.core = core
        self.client = InProcessClient(core: core)
        self.options = options
        self.logger = logger
        self.podIPs = IPv4Allocator(cidr: options.podCIDR)
    }

    var store: ObjectStore { core.store }

    /// The server's clock (tests may inject one).
    func now() -> Date { core.now() }

    /// The current time as a Kubernetes `Time`.
    func timestamp() -> String { KubeTime.format(core.now()) }

    // MARK: Reads

    func get(_ resource: GroupResource, namespace: String = "", name: String) -> KubeObject? {
        store.get(resource, ObjectKey(namespace: namespace, name: name))
    }

    func list(_ resource: GroupResource, namespace: String? = nil) -> [KubeObject] {
        store.list(resource, namespace: namespace).items.map(\.1)
    }

    /// Objects in a namespace whose controller reference has this UID.
    func controlled(_ resource: GroupResource, namespace: String, by uid: String) -> [KubeObject] {
        list(resource, namespace: namespace).filter { $0.controllerUID == uid }
    }

    /// The versioned resource to call for a stored resource (its storage version).
    func gvr(_ resource: GroupResource) -> GroupVersionResource? {
        guard let type = core.registry.type(resource) else { return nil }
        return GroupVersionResource(group: type.group, version: type.storageVersion, resource: type.resource)
    }

    // MARK: Writes

    /// Reads an object, lets `change` edit it, and updates it (the main endpoint or
    /// `subresource`) with its resourceVersion as precondition; re-reads and
    /// retries on conflict. Returns the stored result, or nil when the object is
    /// gone (or is another incarnation than `uid`). Makes no call when nothing changed.
    @discardableResult
    func modify(_ gvr: GroupVersionResource, namespace: String = "", name: String, uid: String? = nil,
                subresource: String? = nil, _ change: (inout KubeObject) throws -> Void) async throws -> KubeObject? {
        var attempt = 0
        while true {
            attempt += 1
            guard let current = try await client.getIfPresent(gvr, namespace: namespace.isEmpty ? nil : namespace, name: name),
                  uid == nil || current.uid == uid
            else { return nil }
            var changed = current
            try change(&changed)
            if changed == current { return current }
            do {
                return try await client.update(gvr, changed, subresource: subresource)
            } catch let error as APIError where error.reason == .conflict && attempt < 8 {
                continue
            } catch let error as APIError where error.reason == .notFound {
                return nil
            }
        }
    }

    /// Deletes an object if it is still the incarnation `uid`; quiet when it is already gone.
    func delete(_ gvr: GroupVersionResource, namespace: String, name: String, uid: String?,
                propagationPolicy: String? = nil, gracePeriodSeconds: Int64? = nil) async throws {
        do {
            try await client.delete(gvr, namespace: namespace.isEmpty ? nil : namespace, name: name,
                                    propagationPolicy: propagationPolicy, gracePeriodSeconds: gracePeriodSeconds,
                                    preconditionUID: uid)
        } catch let error as APIError where error.reason == .conflict && uid != nil {
            // The precondition failed: a new object holds the name; it is not ours to delete.
        }
    }
}

/// Hands out IPv4 addresses from a CIDR range in order, skipping the network
/// address, and wraps around only after the whole range is used.
final class IPv4Allocator: Sendable {
    private let base: UInt32
    private let size: UInt32
    private let next = Locked<UInt32>(1)

    init(cidr: String) {
        let parts = cidr.split(separator: "/")
        let octets = parts.first.map { $0.split(separator: ".").compactMap { UInt32($0) } } ?? []
        let prefix = parts.count > 1 ? min(max(UInt32(parts[1]) ?? 16, 8), 30) : 16
        var address: UInt32 = 0
        if octets.count == 4, octets.allSatisfy({ $0 < 256 }) {
            address = octets.reduce(0) { $0 << 8 | $1 }
        } else {
            address = 10 << 24 | 244 << 16
        }
        size = UInt32(1) << (32 - prefix)
        base = address & ~(size - 1)
    }

    func allocate() -> String {
        let offset = next.withLock { n -> UInt32 in
            defer { n = n + 1 >= size - 1 ? 1 : n + 1 }
            return n
        }
        let ip = base + offset
        return "\(ip >> 24).\(ip >> 16 & 255).\(ip >> 8 & 255).\(ip & 255)"
    }
}
