//! Fault injection for tests and chaos runs: failing requests with chosen
//! status codes, latency, dropped connections, cut watch streams, forced
//! compaction and paused controllers — all deterministic for a given seed.
import Foundation
import KubeCore
import Synchronization

/// One fault rule. Empty matchers match everything.
public struct FaultRule: Codable, Sendable, Hashable {
    public var verb: String?
    public var resource: String?
    public var namespace: String?
    /// The object's name: the path's, or for a create the body's `metadata.name`.
    public var name: String?
    /// HTTP status to answer with (500, 503, 429, 409, ...).
    public var code: Int?
    /// `Retry-After` seconds sent with the failure (429 and 503).
    public var retryAfterSeconds: Int?
    /// Chance of applying to a matching request (default 1).
    public var probability: Double?
    /// Applies this many times, then expires (default unlimited).
    public var count: Int?
    /// Delay before the request is served.
    public var latencyMilliseconds: Int?
    /// Close the connection instead of answering.
    public var dropConnection: Bool?
    /// End matching watch streams after this many events.
    public var cutWatchAfterEvents: Int?
    /// End matching watch streams after this many seconds.
    public var cutWatchAfterSeconds: Double?

    public init(verb: String? = nil, resource: String? = nil, namespace: String? = nil, name: String? = nil, code: Int? = nil,
                retryAfterSeconds: Int? = nil, probability: Double? = nil, count: Int? = nil, latencyMilliseconds: Int? = nil,
                dropConnection: Bool? = nil, cutWatchAfterEvents: Int? = nil, cutWatchAfterSeconds: Double? = nil) {
        self.verb = verb
        self.resource = resource
        self.namespace = namespace
        self.name = name
        self.code = code
        self.retryAfterSeconds = retryAfterSeconds
        self.probability = probability
        self.count = count
        self.latencyMilliseconds = latencyMilliseconds
        self.dropConnection = dropConnection
        self.cutWatchAfterEvents = cutWatchAfterEvents
        self.cutWatchAfterSeconds = cutWatchAfterSeconds
    }

    func matches(_ request: ResourceRequest) -> Bool {
        if let verb, verb != request.verb.rawValue { return false }
        if let resource, resource != request.resource && resource != request.groupResource.description { return false }
        if let namespace, namespace != (request.namespace ?? "") { return false }
        if let name, name != (request.name ?? Self.createdName(request) ?? "") { return false }
        return true
    }
}

extension FaultRule {
    /// The name a create is for: its body's `metadata.name` (what an audit log records as the
    /// request's object name), so a rule can hold up the create of one object.
    static func createdName(_ request: ResourceRequest) -> String? {
        guard request.verb == .create, let body = request.body, let object = try? JSONValue.parse(body) else { return nil }
        return object["metadata"]?["name"]?.stringValue
    }
}

/// What to do to one request.
public struct FaultDecision: Sendable {
    public var latency: Duration?
    public var failure: APIError?
    public var dropConnection = false
    public var cutWatchAfterEvents: Int?
    public var cutWatchAfter: Duration?

    public var isNone: Bool { latency == nil && failure == nil && !dropConnection && cutWatchAfterEvents == nil && cutWatchAfter == nil }
}

public final class FaultInjector: Sendable {
    private struct State {
        var rules: [(id: Int, rule: FaultRule)] = []
        var nextID = 1
        var random: SplitMix64
        var paused: Set<String> = []
    }

    private let state: Mutex<State>

    public init(seed: UInt64 = 1) {
        state = Mutex(State(random: SplitMix64(seed: seed)))
    }

    /// Re-seeds the random source (for reproducible chaos runs).
    public func reseed(_ seed: UInt64) {
        state.withLock { $0.random = SplitMix64(seed: seed) }
    }

    @discardableResult
    public func add(_ rule: FaultRule) -> Int {
        state.withLock { s in
            defer { s.nextID += 1 }
            s.rules.append((s.nextID, rule))
            return s.nextID
        }
    }

    public func remove(_ id: Int) {
        state.withLock { $0.rules.removeAll { $0.id == id } }
    }

    public func clear() {
        state.withLock { $0.rules.removeAll() }
    }

    public var rules: [FaultRule] { state.withLock { $0.rules.map(\.rule) } }

    /// Decides the faults for a request; consumes counted rules.
    public func decide(_ request: ResourceRequest) -> FaultDecision {
        state.withLock { s in
            var decision = FaultDecision()
            var expired: [Int] = []
            for index in s.rules.indices where s.rules[index].rule.matches(request) {
                let rule = s.rules[index].rule
                if let p = rule.probability, p < 1, s.random.nextUnit() >= p { continue }
                if let remaining = rule.count {
                    if remaining <= 1 { expired.append(s.rules[index].id) }
                    s.rules[index].rule.count = remaining - 1
                }
                if let ms = rule.latencyMilliseconds { decision.latency = .milliseconds(ms) }
                if rule.dropConnection == true { decision.dropConnection = true }
                if let n = rule.cutWatchAfterEvents { decision.cutWatchAfterEvents = n }
                if let seconds = rule.cutWatchAfterSeconds { decision.cutWatchAfter = .milliseconds(Int(seconds * 1000)) }
                if let code = rule.code, decision.failure == nil {
                    decision.failure = Self.failure(code: code, retryAfter: rule.retryAfterSeconds)
                }
            }
            s.rules.removeAll { expired.contains($0.id) }
            return decision
        }
    }

    static func failure(code: Int, retryAfter: Int?) -> APIError {
        switch code {
        case 429: return .tooManyRequests(retryAfterSeconds: retryAfter ?? 1)
        case 503:
            var error = APIError.serviceUnavailable("the server is currently unable to handle the request (injected fault)")
            if let retryAfter { error.status.details = StatusDetails(retryAfterSeconds: retryAfter) }
            return error
        case 409: return APIError.http(409, message: "Operation cannot be fulfilled: injected conflict")
        default: return APIError.http(code, message: "injected fault: HTTP \(code)")
        }
    }

    // MARK: Controllers

    public func pause(controller: String) { state.withLock { _ = $0.paused.insert(controller) } }
    public func resume(controller: String) { state.withLock { _ = $0.paused.remove(controller) } }
    public func isPaused(_ controller: String) -> Bool { state.withLock { $0.paused.contains(controller) } }
}

/// A small, fast, seedable random generator (SplitMix64).
struct SplitMix64: Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in [0, 1).
    mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
