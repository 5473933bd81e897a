//! The pure decision of leader election: the Lease's leader-election record,
//! and the state machine that decides, from the record the API server holds
//! and the local time, whether to create, take over, renew or wait.
//! client-go's `tryAcquireOrRenew`, without IO.
import Foundation
import KubeCore

/// The leader-election fields of a Lease's `spec` (client-go's `LeaderElectionRecord`).
public struct LeaderElectionRecord: Sendable, Hashable {
    /// The holder; empty when the lease is free (released).
    public var holderIdentity: String
    public var leaseDurationSeconds: Int
    public var acquireTime: Date?
    public var renewTime: Date?
    public var leaseTransitions: Int

    public init(holderIdentity: String, leaseDurationSeconds: Int, acquireTime: Date?, renewTime: Date?, leaseTransitions: Int) {
        self.holderIdentity = holderIdentity
        self.leaseDurationSeconds = leaseDurationSeconds
        self.acquireTime = acquireTime
        self.renewTime = renewTime
        self.leaseTransitions = leaseTransitions
    }

    /// Reads the record from a Lease object; absent fields read as empty/zero.
    public init(lease: KubeObject) {
        let spec = lease.json["spec"]
        holderIdentity = spec?["holderIdentity"]?.stringValue ?? ""
        leaseDurationSeconds = Int(spec?["leaseDurationSeconds"]?.intValue ?? 0)
        acquireTime = spec?["acquireTime"]?.stringValue.flatMap(KubeTime.parse)
        renewTime = spec?["renewTime"]?.stringValue.flatMap(KubeTime.parse)
        leaseTransitions = Int(spec?["leaseTransitions"]?.intValue ?? 0)
    }

    /// Writes the record into `lease.spec`, keeping the spec's other fields.
    /// An empty holder is written as an absent `holderIdentity`.
    public func write(to lease: inout KubeObject) {
        var spec = lease.json["spec"]?.objectValue ?? [:]
        spec["holderIdentity"] = holderIdentity.isEmpty ? nil : .string(holderIdentity)
        spec["leaseDurationSeconds"] = .int(Int64(leaseDurationSeconds))
        spec["acquireTime"] = acquireTime.map { .string(KubeTime.formatMicro($0)) }
        spec["renewTime"] = renewTime.map { .string(KubeTime.formatMicro($0)) }
        spec["leaseTransitions"] = .int(Int64(leaseTransitions))
        lease.json["spec"] = .object(spec)
    }
}

/// One contender's view of the lease, and its decisions.
///
/// Expiry is judged by the **local** time at which this contender last saw
/// the record change, plus the record's `leaseDurationSeconds` — never by the
/// holder's `renewTime`, so clock skew between machines does not matter.
struct LeaseElection: Sendable {
    enum Action: Sendable, Hashable {
        /// No Lease exists: create it with this record.
        case create(LeaderElectionRecord)
        /// Write this record over the current one (renewal or takeover),
        /// conditional on the resourceVersion that was read.
        case update(LeaderElectionRecord)
        /// Someone else holds an unexpired lease.
        case wait(holder: String)
    }

    let identity: String
    let leaseDurationSeconds: Int
    /// The record last seen (read or written).
    private(set) var observed: LeaderElectionRecord?
    /// The local time at which `observed` last changed.
    private(set) var observedAt: Date?

    init(identity: String, leaseDurationSeconds: Int) {
        self.identity = identity
        self.leaseDurationSeconds = leaseDurationSeconds
    }

    /// Whether the last record seen names us as the holder.
    var isLeader: Bool { observed?.holderIdentity == identity }

    /// The holder of the last record seen; empty when none or free.
    var observedHolder: String { observed?.holderIdentity ?? "" }

    /// Whether the observed lease is still valid at `now`, judged locally.
    func isObservedLeaseValid(at now: Date) -> Bool {
        guard let observed, let observedAt else { return false }
        return observedAt.addingTimeInterval(TimeInterval(observed.leaseDurationSeconds)) > now
    }

    /// When the lease another holder has runs out, judged locally (the last
    /// change seen plus its duration); nil when we hold it, it is free, or
    /// nothing was seen yet.
    var observedExpiry: Date? {
        guard let observed, let observedAt, !observed.holderIdentity.isEmpty, observed.holderIdentity != identity else { return nil }
        return observedAt.addingTimeInterval(TimeInterval(observed.leaseDurationSeconds))
    }

    /// How long a contender sleeps before its next attempt: the jittered
    /// retry period, or just past `expiry` when that comes sooner — so a lease
    /// left by a crashed holder is taken when it runs out, not up to 2.2 retry
    /// periods later. The lease still has to go unchanged for its whole
    /// duration as observed here; only the wait after that shrinks.
    static func nextAttemptDelay(jittered: Duration, expiry: Date?, now: Date) -> Duration {
        guard let expiry else { return jittered }
        let untilExpiry = Duration.milliseconds(Int64((max(0, expiry.timeIntervalSince(now)) * 1000).rounded(.up)) + 1)
        return min(jittered, untilExpiry)
    }

    /// Decides what to do given the record currently on the server (`nil`
    /// when the Lease does not exist), and notes when it changed.
    mutating func decide(current: LeaderElectionRecord?, now: Date) -> Action {
        guard let current else {
            return .create(LeaderElectionRecord(
                holderIdentity: identity, leaseDurationSeconds: leaseDurationSeconds, acquireTime: now, renewTime: now,
                leaseTransitions: 0))
        }
        if current != observed {
            observed = current
            observedAt = now
        }
        if !current.holderIdentity.isEmpty, current.holderIdentity != identity, isObservedLeaseValid(at: now) {
            return .wait(holder: current.holderIdentity)
        }
        var record = LeaderElectionRecord(
            holderIdentity: identity, leaseDurationSeconds: leaseDurationSeconds, acquireTime: now, renewTime: now,
            leaseTransitions: current.leaseTransitions)
        if current.holderIdentity == identity {
            record.acquireTime = current.acquireTime ?? now
        } else {
            record.leaseTransitions += 1
        }
        return .update(record)
    }

    /// Notes a record the server accepted (as it returned it).
    mutating func recorded(_ record: LeaderElectionRecord, now: Date) {
        observed = record
        observedAt = now
    }

    /// The record that releases the lease (client-go's `ReleaseOnCancel`):
    /// no holder, a one-second duration so others need not wait; `nil` when
    /// we do not hold it.
    func releaseRecord(now: Date) -> LeaderElectionRecord? {
        guard let observed, isLeader else { return nil }
        return LeaderElectionRecord(
            holderIdentity: "", leaseDurationSeconds: 1, acquireTime: now, renewTime: now,
            leaseTransitions: observed.leaseTransitions)
    }
}
