//! Validation of OpenShellSandbox specs against the upstream limits and their class.
//! (Skeleton: the validation helper fills this in.)
import Foundation
import KubeCore

/// Which condition reason and Event a problem is reported under.
public enum ProblemReason: String, Sendable, Hashable {
    case invalidSpec = "InvalidSpec"
    case classViolation = "ClassViolation"
    case policyInvalid = "PolicyInvalid"
}

/// One reason the operator will not run a spec.
public struct SpecProblem: Sendable, Hashable, CustomStringConvertible {
    public var reason: ProblemReason
    public var error: FieldError
    public init(_ reason: ProblemReason, _ error: FieldError) {
        self.reason = reason
        self.error = error
    }
    public var description: String { error.description }
}

public enum SandboxValidation {
    public static func validate(
        _ spec: OpenShellSandboxSpec, class: OpenShellSandboxClassSpec?, className: String?, createdAt: Date, now: Date
    ) -> [SpecProblem] { [] }
}

public enum PolicyValidation {
    public static func validate(_ policy: SandboxPolicySpec, path: FieldPath) -> [SpecProblem] { [] }
}

public enum GoDuration {
    public static func parse(_ text: String) -> Duration? { nil }
}

public enum SandboxLifetime {
    public static func expiry(spec: OpenShellSandboxSpec, class: OpenShellSandboxClassSpec?, createdAt: Date) -> Date? {
        spec.lifetime?.expiresAt.flatMap(KubeTime.parse)
    }

    public static func deletesOnExpiry(_ spec: OpenShellSandboxSpec) -> Bool { spec.lifetime?.onExpiry != "Stop" }
}

public enum ImagePattern {
    public static func matches(_ image: String, pattern: String) -> Bool { image == pattern }
}
