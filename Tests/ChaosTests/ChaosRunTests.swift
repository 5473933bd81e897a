//! Shortened chaos runs against the real operator binary: the crash storm
//! with 40 sandboxes and 5 SIGKILLs, and a 30-second API fault soak; the
//! same invariants as the full `make chaos-crash` / `make chaos-api` runs.
import ChaosSupport
import Foundation
import Testing

@Suite("Chaos runs (shortened)", .serialized)
struct ChaosRunTests {
    static func settings(seed: UInt64, duration: Double) -> ChaosSettings {
        var settings = ChaosSettings()
        settings.count = 40
        settings.namespaces = 2
        settings.seed = seed
        settings.duration = duration
        settings.convergeTimeout = .seconds(60)
        settings.progress = { print($0) }
        return settings
    }

    @Test("crash storm: 40 sandboxes, 5 SIGKILLs and restarts, every invariant holds")
    func crashStorm() async throws {
        let report = try await ChaosRuns.crash(Self.settings(seed: 11, duration: 15), kills: 5)
        #expect(report.counts["kills"] == 5)
        #expect(report.violations.isEmpty, "\((report.violations.map(\.description) + report.details).joined(separator: "\n"))\nkept: \(report.keptDirectory ?? "-")")
        #expect(report.failures.isEmpty, "\(report.failures)")
    }

    @Test("API fault soak: 30 s of 500s, 429s, cut watches and compactions, every invariant holds")
    func faultSoak() async throws {
        var faults = ChaosRuns.Faults()
        faults.compactEvery = .seconds(10)
        let report = try await ChaosRuns.faultSoak(Self.settings(seed: 12, duration: 30), faults: faults, baseline: false)
        #expect((report.counts["answered500"] ?? 0) > 0)
        #expect((report.counts["answered429"] ?? 0) > 0)
        #expect((report.counts["compactions"] ?? 0) >= 2)
        #expect(report.violations.isEmpty, "\((report.violations.map(\.description) + report.details).joined(separator: "\n"))\nkept: \(report.keptDirectory ?? "-")")
        #expect(report.failures.isEmpty, "\(report.failures)")
    }
}
