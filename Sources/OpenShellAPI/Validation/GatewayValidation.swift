//! Validation of an OpenShellGateway beyond what its schema and CEL rules
//! enforce at admission (openshell-contract §2.9): values that must parse
//! (quantities, IP addresses, label keys), the version change against the
//! running release, and the Agent Sandbox preflight. Pure: values in,
//! problems (each naming its field) or a condition message out. A non-empty
//! result is reported as ConfigValid=False with a Warning Event, and nothing
//! is applied.
import Foundation
import KubeCore

/// Checks an `OpenShellGatewaySpec` before anything is rendered from it.
public enum GatewayValidation {
    /// Every problem of `spec`, in field order, as `InvalidSpec` field errors:
    /// - `images.gateway`, `images.supervisor`, `sandboxes.image`: no surrounding whitespace;
    /// - `resources`: quantities that parse, not negative, requests at most limits;
    /// - `workload.storage.size` and `sandboxes.workspace.defaultSize`: positive quantities;
    /// - `tls.extraIPAddresses[i]` and `sandboxes.hostGatewayIP`: IPv4 or IPv6 addresses;
    /// - `placement.nodeSelector`: valid label keys and values;
    /// - `podMetadata`: valid keys, none under openshell.ai/, openshell.io/ or agents.x-k8s.io/;
    /// - annotations of the service accounts and the OpenShift Route: qualified-name keys, 256 KiB in all.
    ///
    /// The chart's static rules (workload kind and replicas, credential
    /// drivers, cert-manager issuer and names, routes and listeners, rate
    /// limit) are CEL rules of the schema (`GatewayRuleMessages`) and are not repeated here.
    public static func validate(_ spec: OpenShellGatewaySpec) -> [SpecProblem] {
        let root = FieldPath("spec")
        var out: [SpecProblem] = []
        let images = root.child("images")
        SandboxValidation.checkImage(spec.images?.gateway, nil, images.child("gateway"), &out)
        SandboxValidation.checkImage(spec.images?.supervisor, nil, images.child("supervisor"), &out)
        if let storage = spec.workload?.storage?.size {
            checkPositiveQuantity(storage, root.child("workload").child("storage").child("size"), &out)
        }
        let sandboxes = root.child("sandboxes")
        SandboxValidation.checkImage(spec.sandboxes?.image, nil, sandboxes.child("image"), &out)
        if let size = spec.sandboxes?.workspace?.defaultSize {
            checkPositiveQuantity(size, sandboxes.child("workspace").child("defaultSize"), &out)
        }
        if let annotations = spec.sandboxes?.serviceAccount?.annotations {
            out.append(.invalidSpec, NameValidation.validateAnnotations(annotations, at: sandboxes.child("serviceAccount").child("annotations")))
        }
        if let ip = spec.sandboxes?.hostGatewayIP {
            checkIP(ip, sandboxes.child("hostGatewayIP"), &out)
        }
        for (i, ip) in (spec.tls?.extraIPAddresses ?? []).enumerated() {
            checkIP(ip, root.child("tls").child("extraIPAddresses").index(i), &out)
        }
        if let annotations = spec.exposure?.openShiftRoute?.annotations {
            out.append(.invalidSpec, NameValidation.validateAnnotations(
                annotations, at: root.child("exposure").child("openShiftRoute").child("annotations")))
        }
        SandboxValidation.checkResources(spec.resources, nil, root.child("resources"), &out)
        if let selector = spec.placement?.nodeSelector {
            out.append(.invalidSpec, SandboxValidation.labelErrors(selector, root.child("placement").child("nodeSelector")))
        }
        SandboxValidation.checkPodMetadata(spec.podMetadata, root.child("podMetadata"), &out)
        if let annotations = spec.serviceAccount?.annotations {
            out.append(.invalidSpec, NameValidation.validateAnnotations(annotations, at: root.child("serviceAccount").child("annotations")))
        }
        return out
    }

    /// The problems of `spec` for an operator that watches one namespace only (`--namespace`, the
    /// single-namespace install); none when it watches all (`nil`). The children the gateway puts in
    /// its sandbox namespace (`sandboxes.namespace`) and credential namespace
    /// (`credentials.kubernetesSecrets.namespace`) must be in the watched one: elsewhere the operator
    /// would neither see them (its caches hold that namespace only) nor, with that install's RBAC,
    /// be allowed to write them. Empty fields default to the gateway's own namespace, which is watched.
    public static func scopeProblems(_ spec: OpenShellGatewaySpec, watchNamespace: String?) -> [SpecProblem] {
        guard let watchNamespace else { return [] }
        let fields: [(FieldPath, String?)] = [
            (FieldPath("spec").child("sandboxes").child("namespace"), spec.sandboxes?.namespace),
            (FieldPath("spec").child("credentials").child("kubernetesSecrets").child("namespace"), spec.credentials?.kubernetesSecrets?.namespace),
        ]
        return fields.compactMap { path, value in
            guard let value, !value.isEmpty, value != watchNamespace else { return nil }
            return SpecProblem(.invalidSpec, .invalid(path, .string(value),
                "the operator watches only namespace \(watchNamespace.goQuoted) (--namespace): leave the field empty or set it to \(watchNamespace.goQuoted), or run the operator for all namespaces"))
        }
    }

    /// Whether moving from `running` to `requested` is allowed: going back to an
    /// older release is refused unless `allowDowngrade` (the annotation
    /// `openshell.ai/allow-downgrade: "true"`), because the gateway migrates
    /// its database forward. Nothing is running yet (`nil`) allows any version.
    public static func versionChangeProblem(running: String?, requested: String, allowDowngrade: Bool) -> SpecProblem? {
        guard let running, !allowDowngrade, let from = OpenShellRelease(running), let to = OpenShellRelease(requested),
              to < from else { return nil }
        return SpecProblem(.invalidSpec, .forbidden(FieldPath("spec").child("version"),
            "\(requested.goQuoted) is older than the running \(running.goQuoted): the gateway database migrates forward only; annotate the OpenShellGateway \(OpenShellLabels.allowDowngradeAnnotation)=true to downgrade anyway"))
    }

    // MARK: - Helpers

    static func checkPositiveQuantity(_ text: String, _ path: FieldPath, _ out: inout [SpecProblem]) {
        do {
            if try Quantity(parsing: text).sign <= 0 {
                out.append(.invalidSpec, .invalid(path, quoting: text, "must be greater than 0"))
            }
        } catch {
            out.append(.invalidSpec, .invalid(path, quoting: text, error.message))
        }
    }

    static func checkIP(_ text: String, _ path: FieldPath, _ out: inout [SpecProblem]) {
        if !isIPAddress(text) {
            out.append(.invalidSpec, .invalid(path, quoting: text, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
        }
    }

    /// An IPv4 address in dotted-quad form or an IPv6 address, as `inet_pton` reads them.
    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}

/// The Agent Sandbox check the chart makes at render time (`agent-sandbox-preflight.yaml`),
/// as the AgentSandboxAvailable condition's input.
public enum GatewayPreflight {
    /// The Sandbox API versions the gateway's driver can use, in the order it prefers them.
    public static let sandboxAPIVersions = ["agents.x-k8s.io/v1beta1", "agents.x-k8s.io/v1alpha1"]

    public static let agentSandboxMissingMessage =
        "Agent Sandbox is required but neither agents.x-k8s.io/v1beta1 nor agents.x-k8s.io/v1alpha1 Sandbox is served: install Agent Sandbox before the gateway"

    /// `nil` when one of `sandboxAPIVersions` serves `Sandbox`; otherwise the AgentSandboxAvailable=False message.
    /// - Parameter servedSandboxVersions: the group versions (`agents.x-k8s.io/v1beta1`) whose discovery lists the kind `Sandbox`.
    public static func agentSandboxProblem(servedSandboxVersions: Set<String>) -> String? {
        sandboxAPIVersions.contains(where: servedSandboxVersions.contains) ? nil : agentSandboxMissingMessage
    }
}

/// An OpenShell release number (`0.0.111`, `0.1.0-rc.1`), ordered as semantic versions.
public struct OpenShellRelease: Comparable, Sendable, Hashable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var patch: Int
    /// The pre-release after `-`, if any; a pre-release sorts before its release.
    public var preRelease: String?

    /// Parses `MAJOR.MINOR.PATCH[-PRE]`, with or without a leading `v`; nil otherwise.
    public init?(_ text: String) {
        var body = Substring(text)
        if body.hasPrefix("v") { body = body.dropFirst() }
        let dash = body.firstIndex(of: "-")
        let core = dash.map { body[..<$0] } ?? body
        let numbers = core.split(separator: ".", omittingEmptySubsequences: false)
        guard numbers.count == 3, numbers.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let major = Int(numbers[0]), let minor = Int(numbers[1]), let patch = Int(numbers[2]) else { return nil }
        self.major = major
        self.minor = minor
        self.patch = patch
        if let dash {
            let pre = body[body.index(after: dash)...]
            guard !pre.isEmpty else { return nil }
            preRelease = String(pre)
        }
    }

    public var description: String { "\(major).\(minor).\(patch)" + (preRelease.map { "-" + $0 } ?? "") }

    public static func < (lhs: OpenShellRelease, rhs: OpenShellRelease) -> Bool {
        if (lhs.major, lhs.minor, lhs.patch) != (rhs.major, rhs.minor, rhs.patch) {
            return (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
        }
        switch (lhs.preRelease, rhs.preRelease) {
        case (nil, _): return false
        case (_, nil): return true
        case let (l?, r?): return l.compare(r, options: .numeric) == .orderedAscending
        }
    }
}
