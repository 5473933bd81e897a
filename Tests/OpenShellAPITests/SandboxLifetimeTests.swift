import Foundation
import Testing
@testable import OpenShellAPI

/// 2026-01-01T00:00:00Z.
private let created = Date(timeIntervalSince1970: 1_767_225_600)
private let hour: TimeInterval = 3600

struct SandboxLifetimeTests {
    @Test func expiresAtWinsOverEverything() {
        let spec = OpenShellSandboxSpec(lifetime: LifetimeSpec(ttl: "1h", expiresAt: "2026-03-01T12:00:00Z"))
        let cls = OpenShellSandboxClassSpec(lifetime: ClassLifetime(defaultTTL: "2h", maximumTTL: "3h"))
        #expect(SandboxLifetime.expiry(spec: spec, class: cls, createdAt: created) == Date(timeIntervalSince1970: 1_772_366_400))
    }

    @Test(arguments: [
        // (spec ttl, class default, class maximum, expected hours after creation; nil = never)
        ("90m", "2h", "8h", 1.5),
        (nil, "2h", "8h", 2.0),
        (nil, nil, "8h", 8.0),
        (nil, nil, nil, nil),
        ("bad", "2h", nil, 2.0),
        ("0s", nil, "8h", 8.0),
        ("30s", nil, nil, 30.0 / 3600),
    ] as [(String?, String?, String?, Double?)])
    func expiryFallsBackFromTTLToTheClass(ttl: String?, defaultTTL: String?, maximumTTL: String?, hours: Double?) {
        let spec = OpenShellSandboxSpec(lifetime: ttl.map { LifetimeSpec(ttl: $0) })
        let cls = OpenShellSandboxClassSpec(lifetime: ClassLifetime(defaultTTL: defaultTTL, maximumTTL: maximumTTL))
        #expect(SandboxLifetime.expiry(spec: spec, class: cls, createdAt: created) == hours.map { created.addingTimeInterval($0 * hour) })
    }

    @Test func noClassAndNoLifetimeNeverExpires() {
        #expect(SandboxLifetime.expiry(spec: OpenShellSandboxSpec(), class: nil, createdAt: created) == nil)
    }

    @Test func unparseableExpiresAtFallsBackToTheTTL() {
        let spec = OpenShellSandboxSpec(lifetime: LifetimeSpec(ttl: "1h", expiresAt: "soon"))
        #expect(SandboxLifetime.expiry(spec: spec, class: nil, createdAt: created) == created.addingTimeInterval(hour))
    }

    @Test(arguments: [
        (nil, true), ("Delete", true), ("Stop", false), ("stop", true),
    ] as [(String?, Bool)])
    func deletesUnlessStop(onExpiry: String?, deletes: Bool) {
        let spec = OpenShellSandboxSpec(lifetime: LifetimeSpec(onExpiry: onExpiry))
        #expect(SandboxLifetime.deletesOnExpiry(spec) == deletes)
        #expect(SandboxLifetime.deletesOnExpiry(OpenShellSandboxSpec()))
    }
}
