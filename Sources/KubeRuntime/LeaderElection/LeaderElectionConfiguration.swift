//! LeaderElectionConfiguration: which Lease to contend for, who we are, and
//! client-go's three timings (lease duration, renew deadline, retry period)
//! with client-go's validation of how they relate.
import Foundation

/// Settings of a `LeaderElector`. The defaults are controller-runtime's
/// (`pkg/manager/internal.go`): 15 s lease, 10 s renew deadline, 2 s retry.
public struct LeaderElectionConfiguration: Sendable, Hashable {
    /// Namespace of the `coordination.k8s.io/v1` Lease (it must exist).
    public var namespace: String
    /// Name of the Lease.
    public var name: String
    /// This process's identity, written to `spec.holderIdentity`. Must be
    /// unique among the contenders; the default is `<hostname>_<uuid>`.
    public var identity: String
    /// How long a lease is valid after its holder last renewed it, as observed
    /// locally by the other contenders. Written as whole seconds (rounded up).
    public var leaseDuration: Duration
    /// How long the leader keeps trying to renew before it gives up leadership.
    public var renewDeadline: Duration
    /// How often contenders try to acquire, and the leader renews.
    public var retryPeriod: Duration

    /// client-go's `JitterFactor`: the renew deadline must exceed 1.2 retry periods.
    public static let jitterFactor = 1.2

    /// How much later than one retry period an acquisition attempt may come: between one and
    /// 1.2 retry periods. client-go jitters by `jitterFactor` (up to 2.2 periods, 4.4 s by
    /// default), which is meant to spread many contenders; an operator has two or three, and the
    /// wider jitter alone puts a takeover after a released lease past 3 s. Spread is kept, the tail
    /// is not.
    public static let acquireJitter = 0.2

    public init(
        namespace: String, name: String, identity: String = LeaderElectionConfiguration.defaultIdentity(),
        leaseDuration: Duration = .seconds(15), renewDeadline: Duration = .seconds(10), retryPeriod: Duration = .seconds(2)
    ) {
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.leaseDuration = leaseDuration
        self.renewDeadline = renewDeadline
        self.retryPeriod = retryPeriod
    }

    /// `<hostname>_<uuid>`, as controller-runtime's `leaderelection.NewResourceLock`.
    public static func defaultIdentity() -> String {
        "\(ProcessInfo.processInfo.hostName)_\(UUID().uuidString.lowercased())"
    }

    /// `spec.leaseDurationSeconds` written to the Lease: the lease duration in whole seconds, rounded up.
    public var leaseDurationSeconds: Int {
        let (seconds, attoseconds) = leaseDuration.components
        return Int(seconds) + (attoseconds > 0 ? 1 : 0)
    }

    /// Checks the timings as client-go's `NewLeaderElector` does.
    /// - Throws: `LeaderElectionError.invalidConfiguration` naming the violated rule.
    public func validate() throws {
        func fail(_ message: String) -> LeaderElectionError { .invalidConfiguration(message) }
        if namespace.isEmpty { throw fail("Lease namespace may not be empty") }
        if name.isEmpty { throw fail("Lease name may not be empty") }
        if identity.isEmpty { throw fail("Lock identity is empty") }
        if leaseDuration <= renewDeadline { throw fail("leaseDuration must be greater than renewDeadline") }
        if renewDeadline <= retryPeriod * Self.jitterFactor { throw fail("renewDeadline must be greater than retryPeriod*JitterFactor") }
        if leaseDuration <= .zero { throw fail("leaseDuration must be greater than zero") }
        if renewDeadline <= .zero { throw fail("renewDeadline must be greater than zero") }
        if retryPeriod <= .zero { throw fail("retryPeriod must be greater than zero") }
    }
}

/// Why leader election stopped.
public enum LeaderElectionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The configuration's timings do not fit together (client-go's message).
    case invalidConfiguration(String)
    /// The lease could not be renewed within the renew deadline, or another
    /// contender took it. The work done while leading has been cancelled; the
    /// process should exit (controller-runtime does) rather than continue.
    case lost(lease: String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message): "invalid leader election configuration: \(message)"
        case .lost(let lease): "leader election lost (lease \(lease))"
        }
    }
}
