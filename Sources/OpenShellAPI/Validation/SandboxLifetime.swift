//! When a sandbox's lifetime ends and what happens then: the one place the
//! planner, the renderer (`shutdownTime`) and the validator get it from.
import Foundation
import KubeCore

/// A sandbox's effective expiry.
public enum SandboxLifetime {
    /// The effective expiry, the first of:
    /// 1. `spec.lifetime.expiresAt`;
    /// 2. `createdAt + spec.lifetime.ttl`;
    /// 3. `createdAt + class.lifetime.defaultTTL`;
    /// 4. `createdAt + class.lifetime.maximumTTL` — a class with a maximum but
    ///    no default caps sandboxes that ask for nothing at its maximum (as a
    ///    LimitRange's `max` serves as the default when it has no `default`);
    /// 5. nil: the sandbox never expires.
    ///
    /// A value that does not parse (or a TTL that is not positive) is skipped
    /// as if unset; `SandboxValidation` reports it.
    public static func expiry(spec: OpenShellSandboxSpec, class: OpenShellSandboxClassSpec?, createdAt: Date) -> Date? {
        if let text = spec.lifetime?.expiresAt, let date = KubeTime.parse(text) { return date }
        let candidates = [spec.lifetime?.ttl, `class`?.lifetime?.defaultTTL, `class`?.lifetime?.maximumTTL]
        for text in candidates {
            if let ttl = positiveDuration(text) { return createdAt.adding(ttl) }
        }
        return nil
    }

    /// `Delete` unless `spec.lifetime.onExpiry` is `Stop`: at expiry the
    /// Sandbox, its pod and workspace are deleted; with `Stop` the pod stops
    /// and the workspace is kept.
    public static func deletesOnExpiry(_ spec: OpenShellSandboxSpec) -> Bool { spec.lifetime?.onExpiry != "Stop" }

    static func positiveDuration(_ text: String?) -> Duration? {
        guard let text, let duration = GoDuration.parse(text), duration > .zero else { return nil }
        return duration
    }
}

extension Date {
    /// The date `duration` later, to the nanosecond Foundation can hold.
    func adding(_ duration: Duration) -> Date {
        let (seconds, attoseconds) = duration.components
        return addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
    }
}
