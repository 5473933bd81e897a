//! Request accounting: how many requests each user made, per verb, resource
//! and response code — what benchmarks count API calls with.
import Synchronization

public struct RequestKey: Sendable, Hashable, Codable {
    public var verb: String
    public var resource: String
    public var user: String
    public var code: Int
}

public final class RequestLog: Sendable {
    private let counts = Mutex<[RequestKey: Int]>([:])

    public init() {}

    public func record(verb: String, resource: String, user: String, code: Int) {
        counts.withLock { $0[RequestKey(verb: verb, resource: resource, user: user, code: code), default: 0] += 1 }
    }

    public var snapshot: [RequestKey: Int] { counts.withLock { $0 } }

    public func reset() { counts.withLock { $0.removeAll() } }

    /// Total requests matching the filters (nil matches anything).
    public func total(verb: String? = nil, resource: String? = nil, user: String? = nil, writesOnly: Bool = false) -> Int {
        let writes: Set<String> = ["create", "update", "patch", "delete", "deletecollection"]
        return snapshot.reduce(0) { sum, entry in
            let k = entry.key
            if let verb, k.verb != verb { return sum }
            if let resource, k.resource != resource { return sum }
            if let user, k.user != user { return sum }
            if writesOnly, !writes.contains(k.verb) { return sum }
            return sum + entry.value
        }
    }
}
