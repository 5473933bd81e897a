//! What the validators report: a `SpecProblem` is one Kubernetes-style field
//! error (`spec.env[2].name: Invalid value: "OPENSHELL_X": ...`) plus the
//! condition reason it is reported under. Also the message helpers every
//! validator shares, so all of them word and quote alike.
import KubeCore

/// Which condition reason and Event a problem is reported under.
public enum ProblemReason: String, Sendable, Hashable {
    /// The spec breaks an OpenShell limit or a Kubernetes rule on its own.
    case invalidSpec = "InvalidSpec"
    /// The spec is fine on its own but its OpenShellSandboxClass does not allow it.
    case classViolation = "ClassViolation"
    /// The sandbox policy (inline, referenced or a class default) breaks the policy format's rules.
    case policyInvalid = "PolicyInvalid"
}

/// One reason the operator will not run a spec.
public struct SpecProblem: Sendable, Hashable, CustomStringConvertible {
    public var reason: ProblemReason
    /// The field (`spec.env[2].name`) and message, worded as kube-apiserver words a 422 cause.
    public var error: FieldError
    public init(_ reason: ProblemReason, _ error: FieldError) {
        self.reason = reason
        self.error = error
    }
    /// `spec.image: Forbidden: ...`.
    public var description: String { error.description }
}

// MARK: - Message helpers

/// Field errors whose values are quoted as Go's `%q` quotes them, as
/// `field.Error` does: control characters are escaped, so a message never
/// carries a raw newline into a condition or Event.
extension FieldError {
    static func invalid(_ path: FieldPath, quoting value: String, _ detail: String) -> FieldError {
        FieldError(reason: FieldErrorReason.invalid, field: path.description, message: "Invalid value: \(value.goQuoted): \(detail)")
    }

    static func invalid(_ path: FieldPath, number: Int, _ detail: String) -> FieldError {
        .invalid(path, .int(Int64(number)), detail)
    }

    /// `Invalid value: <detail>` without the value, for values that may be
    /// secrets (environment values, command arguments) or are too large to echo.
    static func invalid(_ path: FieldPath, _ detail: String) -> FieldError {
        .invalid(path, nil, detail)
    }

    static func duplicate(_ path: FieldPath, quoting value: String) -> FieldError {
        FieldError(reason: FieldErrorReason.duplicate, field: path.description, message: "Duplicate value: \(value.goQuoted)")
    }

    static func notSupported(_ path: FieldPath, quoting value: String, _ supported: [String]) -> FieldError {
        let list = supported.map(\.goQuoted).joined(separator: ", ")
        return FieldError(
            reason: FieldErrorReason.notSupported, field: path.description,
            message: "Unsupported value: \(value.goQuoted): supported values: \(list)")
    }

    /// Kubernetes' `InclusiveRangeError`.
    static func outOfRange(_ path: FieldPath, _ value: Int, _ range: ClosedRange<Int>) -> FieldError {
        .invalid(path, number: value, "must be between \(range.lowerBound) and \(range.upperBound), inclusive")
    }
}

/// The class a spec is checked against, with the words messages name it by.
struct ClassContext {
    var spec: OpenShellSandboxClassSpec
    /// `OpenShellSandboxClass "standard"`.
    var label: String

    init(_ spec: OpenShellSandboxClassSpec, name: String?) {
        self.spec = spec
        label = name.map { "OpenShellSandboxClass \($0.goQuoted)" } ?? "its OpenShellSandboxClass"
    }

    /// `Forbidden: <what> is not allowed by OpenShellSandboxClass "x" (<why>)`, reported as a class violation.
    func forbid(_ path: FieldPath, _ what: String, _ why: String) -> SpecProblem {
        SpecProblem(.classViolation, .forbidden(path, "\(what) is not allowed by \(label) (\(why))"))
    }
}

extension Array where Element == SpecProblem {
    mutating func append(_ reason: ProblemReason, _ errors: [FieldError]) {
        append(contentsOf: errors.map { SpecProblem(reason, $0) })
    }

    mutating func append(_ reason: ProblemReason, _ error: FieldError) {
        append(SpecProblem(reason, error))
    }
}
