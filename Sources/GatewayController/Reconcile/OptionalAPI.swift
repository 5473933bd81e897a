//! OptionalAPI: the children whose APIs a cluster may not serve — cert-manager
//! `Issuer` and `Certificate`, Gateway API `Gateway` and `GRPCRoute`, OpenShift
//! `Route` — with the CustomResourceDefinition that serves each, whether an
//! installed CRD serves it, and what the planner is told about each API
//! (`OptionalAPIState`). Pure.
import KubeCore

public enum OptionalAPI: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case issuers, certificates, gateways, grpcRoutes, routes

    public var group: String {
        switch self {
        case .issuers, .certificates: "cert-manager.io"
        case .gateways, .grpcRoutes: "gateway.networking.k8s.io"
        case .routes: "route.openshift.io"
        }
    }

    public var version: String { "v1" }

    public var kind: String {
        switch self {
        case .issuers: "Issuer"
        case .certificates: "Certificate"
        case .gateways: "Gateway"
        case .grpcRoutes: "GRPCRoute"
        case .routes: "Route"
        }
    }

    public var plural: String {
        switch self {
        case .issuers: "issuers"
        case .certificates: "certificates"
        case .gateways: "gateways"
        case .grpcRoutes: "grpcroutes"
        case .routes: "routes"
        }
    }

    public var resource: GroupVersionResource { GroupVersionResource(group: group, version: version, resource: plural) }

    /// The CustomResourceDefinition that serves the kind: `<plural>.<group>`.
    public var crdName: String { "\(plural).\(group)" }

    /// `cert-manager.io/v1 Certificate`.
    public var description: String { "\(group)/\(version) \(kind)" }

    /// The API of a child kind; nil for the built-in kinds.
    public init?(kind: String) {
        guard let api = Self.allCases.first(where: { $0.kind == kind }) else { return nil }
        self = api
    }

    /// Whether `crd` (nil when absent) serves this kind at `version`: Established, not being deleted,
    /// of this group and with the version marked `served`.
    public func isServed(by crd: KubeObject?) -> Bool {
        guard let crd, !crd.isBeingDeleted, crd.conditions[type: "Established"]?.isTrue == true,
              crd.json["spec"]?["group"]?.stringValue == group else { return false }
        let versions = crd.json["spec"]?["versions"]?.arrayValue ?? []
        return versions.contains { $0["name"]?.stringValue == version && $0["served"]?.boolValue == true }
    }
}

/// What the reconciler knows about one optional API.
public enum OptionalAPIState: Sendable, Hashable {
    /// No Established CustomResourceDefinition serves it: nothing of its kind is applied.
    case notServed
    /// Served, but the operator's cache of the kind has not synced yet: nothing of its kind is applied
    /// (a create could collide with an object the cache does not show yet).
    case syncing
    /// Served and cached: its children are in the snapshot and are applied.
    case ready
}
