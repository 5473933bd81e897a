//! Leader election: the configuration's validation, the pure decisions of
//! `LeaseElection`, and electors contending for a Lease on the local API server.
import Foundation
import KubeClient
import KubeCore
import LocalAPIServer
import Logging
import TestSupport
import Testing

@testable import KubeRuntime

// MARK: - Configuration

struct LeaderElectionConfigurationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var lease: Duration
        var renew: Duration
        var retry: Duration
        var error: String?
        var testDescription: String { "\(lease)/\(renew)/\(retry)" }
    }

    @Test(arguments: [
        Case(lease: .seconds(15), renew: .seconds(10), retry: .seconds(2), error: nil),
        Case(lease: .seconds(2), renew: .milliseconds(1500), retry: .milliseconds(200), error: nil),
        Case(lease: .seconds(10), renew: .seconds(10), retry: .seconds(2), error: "leaseDuration must be greater than renewDeadline"),
        Case(lease: .seconds(15), renew: .seconds(12), retry: .seconds(10), error: "renewDeadline must be greater than retryPeriod*JitterFactor"),
        Case(lease: .seconds(15), renew: .milliseconds(2400), retry: .seconds(2), error: "renewDeadline must be greater than retryPeriod*JitterFactor"),
        Case(lease: .seconds(15), renew: .seconds(10), retry: .zero, error: "retryPeriod must be greater than zero"),
    ])
    func validation(_ c: Case) {
        let configuration = LeaderElectionConfiguration(
            namespace: "default", name: "lock", identity: "me", leaseDuration: c.lease, renewDeadline: c.renew, retryPeriod: c.retry)
        do {
            try configuration.validate()
            #expect(c.error == nil)
        } catch {
            #expect(error as? LeaderElectionError == .invalidConfiguration(c.error ?? ""))
        }
    }

    @Test func defaultsAreControllerRuntimes() {
        let configuration = LeaderElectionConfiguration(namespace: "ns", name: "lock")
        #expect(configuration.leaseDuration == .seconds(15))
        #expect(configuration.renewDeadline == .seconds(10))
        #expect(configuration.retryPeriod == .seconds(2))
        #expect(configuration.leaseDurationSeconds == 15)
        #expect(LeaderElectionConfiguration(namespace: "ns", name: "lock", leaseDuration: .milliseconds(1500)).leaseDurationSeconds == 2)
    }

    @Test func defaultIdentityIsHostnameUnderscoreUUID() throws {
        let identity = LeaderElectionConfiguration.defaultIdentity()
        let separator = try #require(identity.lastIndex(of: "_"))
        #expect(identity[..<separator] == ProcessInfo.processInfo.hostName)
        #expect(UUID(uuidString: String(identity[identity.index(after: separator)...])) != nil)
        #expect(LeaderElectionConfiguration.defaultIdentity() != identity)
    }

    @Test func invalidConfigurationIsRefusedByTheElector() throws {
        let client = try RESTClient(configuration: ClientConfiguration(server: "https://127.0.0.1:1"))
        #expect(throws: LeaderElectionError.invalidConfiguration("leaseDuration must be greater than renewDeadline")) {
            _ = try LeaderElector(client: client, configuration: LeaderElectionConfiguration(
                namespace: "default", name: "lock", leaseDuration: .seconds(5), renewDeadline: .seconds(5)))
        }
    }
}

// MARK: - Decisions

struct LeaseElectionTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func record(_ holder: String, renewed: Date?, transitions: Int = 0, duration: Int = 15) -> LeaderElectionRecord {
        LeaderElectionRecord(
            holderIdentity: holder, leaseDurationSeconds: duration, acquireTime: renewed, renewTime: renewed, leaseTransitions: transitions)
    }

    @Test func createsAMissingLease() {
        var election = LeaseElection(identity: "me", leaseDurationSeconds: 15)
        #expect(election.decide(current: nil, now: t0) == .create(record("me", renewed: t0)))
    }

    @Test func waitsWhileAnotherHolderIsFreshlyObserved() {
        var election = LeaseElection(identity: "me", leaseDurationSeconds: 15)
        let theirs = record("other", renewed: t0)
        #expect(election.decide(current: theirs, now: t0) == .wait(holder: "other"))
        #expect(election.decide(current: theirs, now: t0 + 14) == .wait(holder: "other"))
    }

    @Test func takesOverOnceTheRecordIsUnchangedForTheLeaseDuration() {
        var election = LeaseElection(identity: "me", leaseDurationSeconds: 15)
        let theirs = record("other", renewed: t0, transitions: 3)
        _ = election.decide(current: theirs, now: t0)
        #expect(election.decide(current: theirs, now: t0 + 15) == .update(record("me", renewed: t0 + 15, transitions: 4)))
    }

    @Test func judgesExpiryByLocalObservationNotTheRemoteRenewTime() {
        var election = LeaseElection(identity: "me", leaseDurationSeconds: 15)
        // The holder's clock is an hour behind: its renewTime looks long expired,
        // but the record just changed, so it is valid.
        let skewed = record("other", renewed: t0 - 3600)
        #expect(election.decide(current: skewed, now: t0) == .wait(holder: "other"))
        // A renewal (a changed record) restarts the local expiry.
        let renewed = record("other", renewed: t0 - 3590)
        #expect(election.decide(current: renewed, now: t0 + 10) == .wait(holder: "other"))
        #expect(election.decide(current: renewed, now: t0 + 24) == .wait(holder: "other"))
        #expect(election.decide(current: renewed, now: t0 + 25) == .update(record("me", renewed: t0 + 25, transitions: 1)))
    }

    @Test func observedExpiryIsTheLastChangeSeenPlusTheDurationOfAnotherHoldersLease() {
        var election = LeaseElection(identity: "me", leaseDurationSeconds: 15)
        #expect(election.observedExpiry == nil)
        _ = election.decide(current: record("other", renewed: t0 - 3600), now: t0 + 2)
        #expect(election.observedExpiry == t0 + 17)
        _ = election.decide(current: record("", renewed: t0, duration: 1), now: t0 + 3)
        #expect(election.observedExpiry == nil)
        election.recorded(record("me", renewed: t0 + 4), now: t0 + 4)
        #expect(election.observedExpiry == nil)
    }

    @Test(arguments: [
        // (expiry in seconds from now or nil, jittered retry in ms, expected sleep in ms)
        (nil as Double?, 3_000, 3_000),
        (10, 3_000, 3_000),
        (0.5, 3_000, 501),
        (0, 2_000, 1),
        (-4, 2_000, 1),
    ])
    func theNextAttemptComesWhenTheObservedLeaseRunsOutIfThatIsSooner(expiry: Double?, jittered: Int, expected: Int) {
        let delay = LeaseElection.nextAttemptDelay(
            jittered: .milliseconds(jittered), expiry: expiry.map { t0 + $0 }, now: t0)
        #expect(delay == .milliseconds(expected))
    }

    @Test func takesAReleasedLeaseAtOnce() {
        var election = LeaseElection(identity: "me", leaseDurationSeconds: 15)
        let released = record("", renewed: t0, transitions: 2, duration: 1)
        #expect(election.decide(current: released, now: t0) == .update(record("me", renewed: t0, transitions: 3)))
    }

    @Test func renewalKeepsAcquireTimeAndTransitions() {
        var election = LeaseElection(identity: "me", leaseDurationSeconds: 15)
        let ours = record("me", renewed: t0, transitions: 5)
        election.recorded(ours, now: t0)
        let decision = election.decide(current: ours, now: t0 + 2)
        #expect(decision == .update(LeaderElectionRecord(
            holderIdentity: "me", leaseDurationSeconds: 15, acquireTime: t0, renewTime: t0 + 2, leaseTransitions: 5)))
    }

    @Test func releaseClearsTheHolderOnlyWhenWeHoldIt() {
        var election = LeaseElection(identity: "me", leaseDurationSeconds: 15)
        #expect(election.releaseRecord(now: t0) == nil)
        election.recorded(record("me", renewed: t0, transitions: 2), now: t0)
        #expect(election.releaseRecord(now: t0 + 1) == record("", renewed: t0 + 1, transitions: 2, duration: 1))
        _ = election.decide(current: record("other", renewed: t0), now: t0 + 2)
        #expect(election.releaseRecord(now: t0 + 3) == nil)
    }

    @Test func recordRoundTripsThroughALease() {
        var lease = KubeObject(["apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "spec": ["preferredHolder": "x"]])
        let written = record("me", renewed: Date(timeIntervalSince1970: 1_800_000_000.25), transitions: 7)
        written.write(to: &lease)
        #expect(lease.json["spec"]?["renewTime"] == "2027-01-15T08:00:00.250000Z")
        #expect(lease.json["spec"]?["preferredHolder"] == "x")
        #expect(LeaderElectionRecord(lease: lease) == written)
        record("", renewed: nil).write(to: &lease)
        #expect(lease.json["spec"]?["holderIdentity"] == nil)
    }
}

// MARK: - Against the API server

@Suite(.serialized)
struct LeaderElectorTests {
    static let lease = "ops-lock"

    static func configuration(_ identity: String) -> LeaderElectionConfiguration {
        LeaderElectionConfiguration(
            namespace: "default", name: lease, identity: identity, leaseDuration: .seconds(2),
            renewDeadline: .milliseconds(1500), retryPeriod: .milliseconds(200))
    }

    static func adminClient(_ server: TestServer) throws -> RESTClient {
        let admin = try server.credentials.clientCredentials(user: "admin", groups: ["system:masters"])
        return try server.client(certificate: (admin.certificate, admin.key))
    }

    static func gauge(_ metrics: RuntimeOpsTestMetrics) -> Double? {
        metrics.value("leader_election_master_status", [("name", lease)])
    }

    static func currentLease(_ server: TestServer) async throws -> LeaderElectionRecord {
        LeaderElectionRecord(lease: try await server.client.get(LeaderElector.leases, namespace: "default", name: lease))
    }

    /// A body that marks itself started and runs until cancelled.
    static func body(_ name: String, _ log: Locked<[String]>) -> @Sendable () async throws -> Void {
        {
            log.withLock { $0.append("\(name) started") }
            do {
                try await Task.sleep(for: .seconds(3600))
            } catch {
                log.withLock { $0.append("\(name) cancelled") }
                throw error
            }
        }
    }

    @Test func contendersElectExactlyOneAndTheOtherTakesOverAfterRelease() async throws {
        try await TestServer.with { server in
            let log = Locked<[String]>([])
            let metrics = ["a": RuntimeOpsTestMetrics(), "b": RuntimeOpsTestMetrics()]
            var electors: [String: LeaderElector] = [:]
            var tasks: [String: Task<Void, any Error>] = [:]
            for name in ["a", "b"] {
                let elector = try LeaderElector(
                    client: try Self.adminClient(server), configuration: Self.configuration(name), metrics: metrics[name] ?? RuntimeOpsTestMetrics())
                electors[name] = elector
                tasks[name] = Task { try await elector.run(whileLeading: Self.body(name, log)) }
            }
            try await eventually { !log.value.isEmpty }
            // Several retry periods in which a second leader would show up.
            try await Task.sleep(for: .seconds(1))
            #expect(log.value.count == 1)
            let leader = try #require(log.value.first?.split(separator: " ").first.map(String.init))
            let follower = leader == "a" ? "b" : "a"
            #expect(electors[leader]?.isLeader == true)
            #expect(electors[follower]?.isLeader == false)
            #expect(Self.gauge(try #require(metrics[leader])) == 1)
            #expect(Self.gauge(try #require(metrics[follower])) == 0)
            #expect(try await Self.currentLease(server).holderIdentity == leader)
            #expect(electors[follower]?.observedLeader == leader)

            // Graceful shutdown of the leader: body cancelled, lease released, run returns.
            let leaderTask = try #require(tasks[leader])
            leaderTask.cancel()
            try await leaderTask.value
            #expect(log.value.contains("\(leader) cancelled"))
            #expect(electors[leader]?.isLeader == false)
            #expect(Self.gauge(try #require(metrics[leader])) == 0)

            try await eventually { log.value.contains("\(follower) started") }
            #expect(electors[follower]?.isLeader == true)
            #expect(Self.gauge(try #require(metrics[follower])) == 1)
            let record = try await Self.currentLease(server)
            #expect(record.holderIdentity == follower)
            #expect(record.leaseTransitions == 1)

            tasks[follower]?.cancel()
            try await tasks[follower]?.value
        }
    }

    @Test func cancellingTheLeaderReleasesTheLease() async throws {
        try await TestServer.with { server in
            let log = Locked<[String]>([])
            let elector = try LeaderElector(client: server.client, configuration: Self.configuration("solo"))
            let task = Task { try await elector.run(whileLeading: Self.body("solo", log)) }
            try await eventually { elector.isLeader }
            #expect(try await Self.currentLease(server).holderIdentity == "solo")
            task.cancel()
            try await task.value
            #expect(log.value == ["solo started", "solo cancelled"])
            let record = try await Self.currentLease(server)
            #expect(record.holderIdentity == "")
            #expect(record.leaseDurationSeconds == 1)
        }
    }

    @Test func aLeaseTakenByAnotherHolderCancelsTheBodyAndThrowsLost() async throws {
        try await TestServer.with { server in
            let log = Locked<[String]>([])
            let metrics = RuntimeOpsTestMetrics()
            let elector = try LeaderElector(client: server.client, configuration: Self.configuration("victim"), metrics: metrics)
            let task = Task { try await elector.run(whileLeading: Self.body("victim", log)) }
            try await eventually { elector.isLeader }
            #expect(Self.gauge(metrics) == 1)

            // Another client overwrites the holder (retrying over the victim's renewals).
            try await eventually {
                var lease = try await server.client.get(LeaderElector.leases, namespace: "default", name: Self.lease)
                var record = LeaderElectionRecord(lease: lease)
                record.holderIdentity = "intruder"
                record.renewTime = Date()
                record.write(to: &lease)
                return (try? await server.client.update(LeaderElector.leases, namespace: "default", lease)) != nil
            }
            await #expect(throws: LeaderElectionError.lost(lease: "default/\(Self.lease)")) { try await task.value }
            #expect(log.value == ["victim started", "victim cancelled"])
            #expect(elector.isLeader == false)
            #expect(Self.gauge(metrics) == 0)
            // A lost lease is not released: the intruder keeps it.
            #expect(try await Self.currentLease(server).holderIdentity == "intruder")
        }
    }

    @Test func renewalFailingPastTheDeadlineCancelsTheBodyAndThrowsLost() async throws {
        try await TestServer.with { server in
            let log = Locked<[String]>([])
            let elector = try LeaderElector(client: server.client, configuration: Self.configuration("flaky"))
            let task = Task { try await elector.run(whileLeading: Self.body("flaky", log)) }
            try await eventually { elector.isLeader }
            server.server.faults.add(FaultRule(verb: "update", resource: "leases", code: 500))
            await #expect(throws: LeaderElectionError.lost(lease: "default/\(Self.lease)")) { try await task.value }
            #expect(log.value == ["flaky started", "flaky cancelled"])
            #expect(elector.isLeader == false)
        }
    }

    @Test func aBodyThatReturnsReleasesTheLease() async throws {
        try await TestServer.with { server in
            let elector = try LeaderElector(client: server.client, configuration: Self.configuration("brief"))
            try await elector.run { }
            #expect(elector.isLeader == false)
            #expect(try await Self.currentLease(server).holderIdentity == "")
        }
    }
}
