//! LeaderElector: contends for a `coordination.k8s.io/v1` Lease, runs the
//! given work only while holding it, renews it, and gives it up — by
//! cancelling the work — when renewal fails past the renew deadline.
//! The IO around `LeaseElection`'s decisions; client-go's `leaderelection`.
import CoreMetrics
import Foundation
import KubeClient
import KubeCore
import Logging

/// Leader election on a Lease, with client-go's semantics.
///
/// - Acquisition: every retry period (jittered by up to 0.2×,
///   `LeaderElectionConfiguration.acquireJitter`), read the Lease;
///   take it when it is free (no holder) or expired — expired meaning not
///   changed for `leaseDurationSeconds` as observed *locally*, so clock skew
///   between machines does not matter. Writes are conditional on the
///   resourceVersion read; a conflict means someone else won. Unlike
///   client-go, an attempt due after the observed lease runs out is made
///   when it runs out (`LeaseElection.nextAttemptDelay`).
/// - Leading: the body runs in a child task while the lease is renewed every
///   retry period. If no renewal succeeds within the renew deadline, or the
///   Lease turns out to be held by someone else, the body is cancelled at
///   once and `run` throws `LeaderElectionError.lost`.
/// - Shutdown: cancelling `run` cancels the body, waits for it, then releases
///   the lease (holder cleared, `leaseDurationSeconds` 1) so another replica
///   takes over at its next retry instead of after the lease duration.
///
/// Gauge `leader_election_master_status{name}` is 1 while leading, else 0.
public final class LeaderElector: Sendable {
    public let configuration: LeaderElectionConfiguration
    private let client: RESTClient
    private let clock: any WallClock
    private let logger: Logger
    private let masterStatus: Gauge
    private let state: Locked<State>

    private struct State: Sendable {
        var election: LeaseElection
        /// The Lease as last read or written; its resourceVersion guards the next write.
        var lease: KubeObject?
        /// True between acquiring and stopping (loss, release or the body's end).
        var leading = false
        /// The holder last logged as leader, to log each change once.
        var reportedLeader = ""
    }

    static let leases = GroupVersionResource(group: "coordination.k8s.io", version: "v1", resource: "leases")

    /// - Parameters:
    ///   - client: the API client; its retry policy applies to each request,
    ///     but the renew deadline bounds every renewal regardless.
    ///   - clock: "now" for the times written to and judged from the Lease.
    ///   - factory: where the `leader_election_master_status` gauge goes.
    /// - Throws: `LeaderElectionError.invalidConfiguration` when the timings do
    ///   not satisfy lease duration > renew deadline > 1.2 × retry period.
    public init(
        client: RESTClient, configuration: LeaderElectionConfiguration, clock: any WallClock = SystemWallClock(),
        logger: Logger = Logger(label: "leader-election"), metrics factory: any MetricsFactory = MetricsSystem.factory
    ) throws {
        try configuration.validate()
        self.client = client
        self.configuration = configuration
        self.clock = clock
        var logger = logger
        logger[metadataKey: "lease"] = "\(configuration.namespace)/\(configuration.name)"
        logger[metadataKey: "identity"] = "\(configuration.identity)"
        self.logger = logger
        self.masterStatus = Gauge(label: "leader_election_master_status", dimensions: [("name", configuration.name)], factory: factory)
        self.state = Locked(State(election: LeaseElection(
            identity: configuration.identity, leaseDurationSeconds: configuration.leaseDurationSeconds)))
        masterStatus.record(0)
    }

    /// Whether this elector currently leads (holds the lease and runs the body).
    public var isLeader: Bool { state.withLock { $0.leading } }

    /// The holder of the lease as last observed; empty when unknown or free.
    public var observedLeader: String { state.withLock { $0.election.observedHolder } }

    private var leaseDescription: String { "\(configuration.namespace)/\(configuration.name)" }

    // MARK: Run

    /// Acquires the lease, then runs `whileLeading` in a child task while renewing.
    ///
    /// - Returns: when cancelled (before or after acquiring; in the latter case
    ///   after the body has finished and the lease has been released), or when
    ///   the body returns (the lease is then released too).
    /// - Throws: `LeaderElectionError.lost` when the lease is lost — the body
    ///   has been cancelled and has finished by then; or the body's own error
    ///   (after releasing the lease).
    public func run(whileLeading body: @escaping @Sendable () async throws -> Void) async throws {
        logger.info("attempting to acquire leader lease \(leaseDescription)...")
        guard await acquire() else { return }
        logger.info("successfully acquired lease \(leaseDescription)")
        setLeading(true)

        enum Ending: Sendable {
            case bodyFinished(Result<Void, any Error>)
            case renewalStopped(lost: Bool)
        }
        let first = await withTaskGroup(of: Ending.self) { group -> Ending? in
            group.addTask {
                do {
                    try await body()
                    return .bodyFinished(.success(()))
                } catch {
                    return .bodyFinished(.failure(error))
                }
            }
            group.addTask { .renewalStopped(lost: await self.renewUntilLost()) }
            let first = await group.next()
            group.cancelAll()
            return first
        }

        if case .renewalStopped(lost: true) = first, !Task.isCancelled {
            setLeading(false)
            logger.error("leader election lost")
            throw LeaderElectionError.lost(lease: leaseDescription)
        }
        // Cancelled, or the body returned: give the lease up for the next leader.
        await release()
        setLeading(false)
        if case .bodyFinished(.failure(let error)) = first, !Task.isCancelled { throw error }
    }

    private func setLeading(_ leading: Bool) {
        state.withLock { $0.leading = leading }
        masterStatus.record(leading ? 1 : 0)
    }

    // MARK: Acquire and renew

    /// Tries every retry period (jittered) until the lease is ours.
    /// Returns false when cancelled first.
    private func acquire() async -> Bool {
        while !Task.isCancelled {
            switch await tryAcquireOrRenew() {
            case .acquired:
                return true
            case .heldBy(let holder):
                logger.debug("lock is held by \(holder) and has not yet expired")
            case .failed(let error):
                logger.info("failed to acquire lease \(leaseDescription): \(error)")
            }
            let jittered = configuration.retryPeriod * (1 + Double.random(in: 0..<LeaderElectionConfiguration.acquireJitter))
            let expiry = state.withLock { $0.election.observedExpiry }
            let delay = LeaseElection.nextAttemptDelay(jittered: jittered, expiry: expiry, now: clock.now())
            do { try await Task.sleep(for: delay) } catch { return false }
        }
        return false
    }

    /// Renews every retry period. Returns true when leadership is lost (no
    /// renewal within the renew deadline, or someone else holds the lease),
    /// false when cancelled.
    private func renewUntilLost() async -> Bool {
        var lastRenewal = ContinuousClock.now
        while true {
            do { try await Task.sleep(for: configuration.retryPeriod) } catch { return false }
            let deadline = lastRenewal + configuration.renewDeadline
            let outcome = await attempt(until: deadline)
            if Task.isCancelled { return false }
            switch outcome {
            case .acquired:
                lastRenewal = ContinuousClock.now
            case .heldBy(let holder):
                logger.info("failed to renew lease \(leaseDescription): the lease is held by \(holder)")
                return true
            case .failed(let error):
                if ContinuousClock.now >= deadline {
                    logger.info("failed to renew lease \(leaseDescription): \(error)")
                    return true
                }
                logger.debug("retrying lease renewal after error: \(error)")
            case nil:
                logger.info("failed to renew lease \(leaseDescription): timed out waiting for the condition")
                return true
            }
        }
    }

    /// One `tryAcquireOrRenew`, abandoned (nil) at `deadline`.
    private func attempt(until deadline: ContinuousClock.Instant) async -> AttemptOutcome? {
        await withTaskGroup(of: AttemptOutcome?.self) { group in
            group.addTask { await self.tryAcquireOrRenew() }
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    private enum AttemptOutcome: Sendable {
        case acquired
        case heldBy(String)
        case failed(any Error)
    }

    /// Reads the Lease and creates, takes over or renews it as `LeaseElection` decides.
    private func tryAcquireOrRenew() async -> AttemptOutcome {
        let current: KubeObject?
        do {
            current = try await client.get(Self.leases, namespace: configuration.namespace, name: configuration.name)
        } catch let error as APIError where error.code == 404 {
            current = nil
        } catch {
            return .failed(error)
        }
        let now = clock.now()
        let action = state.withLock { state -> LeaseElection.Action in
            let action = state.election.decide(current: current.map(LeaderElectionRecord.init(lease:)), now: now)
            if current != nil { state.lease = current }
            return action
        }
        reportLeaderChange()

        let written: KubeObject
        do {
            switch action {
            case .wait(let holder):
                return .heldBy(holder)
            case .create(let record):
                var lease = KubeObject([
                    "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                    "metadata": ["name": .string(configuration.name), "namespace": .string(configuration.namespace)],
                ])
                record.write(to: &lease)
                written = try await client.create(Self.leases, namespace: configuration.namespace, lease)
            case .update(let record):
                guard var lease = current else { return .failed(LeaseMissing()) }
                record.write(to: &lease)
                written = try await client.update(Self.leases, namespace: configuration.namespace, lease)
            }
        } catch {
            // AlreadyExists on create and Conflict on update both mean another
            // contender wrote first; the next read shows who.
            return .failed(error)
        }
        state.withLock {
            $0.election.recorded(LeaderElectionRecord(lease: written), now: clock.now())
            $0.lease = written
        }
        reportLeaderChange()
        return .acquired
    }

    private struct LeaseMissing: Error, CustomStringConvertible {
        var description: String { "the Lease disappeared" }
    }

    /// Logs the observed holder when it changes (client-go's `OnNewLeader`).
    private func reportLeaderChange() {
        let changed = state.withLock { state -> String? in
            let holder = state.election.observedHolder
            guard holder != state.reportedLeader else { return nil }
            state.reportedLeader = holder
            return holder
        }
        guard let changed, !changed.isEmpty else { return }
        if changed == configuration.identity {
            logger.debug("this process is the leader")
        } else {
            logger.info("new leader elected: \(changed)")
        }
    }

    // MARK: Release

    /// Clears the holder so the next contender need not wait for expiry.
    /// Runs in its own task, as the caller is usually cancelled by now, and is
    /// bounded by the renew deadline.
    private func release() async {
        await Task { await self.releaseUncancelled() }.value
    }

    private func releaseUncancelled() async {
        let (record, lease) = state.withLock { ($0.election.releaseRecord(now: clock.now()), $0.lease) }
        guard let record, var lease else { return }
        record.write(to: &lease)
        let releasing = lease
        let outcome = await withTaskGroup(of: Result<KubeObject, any Error>?.self) { group in
            group.addTask { [client, configuration] in
                do {
                    return .success(try await client.update(Self.leases, namespace: configuration.namespace, releasing))
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                try? await Task.sleep(for: self.configuration.renewDeadline)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        switch outcome {
        case .success(let released):
            state.withLock {
                $0.election.recorded(LeaderElectionRecord(lease: released), now: clock.now())
                $0.lease = released
            }
            logger.info("released lease \(leaseDescription)")
        case .failure(let error):
            logger.error("failed to release lease \(leaseDescription): \(error)")
        case nil:
            logger.error("failed to release lease \(leaseDescription): timed out")
        }
    }
}
