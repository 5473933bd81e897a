//! The pure rendering of an OpenShellSandbox into the objects that run it.
//! (Skeleton: the rendering helper fills this in.)
import Foundation
import KubeCore
import OpenShellAPI
import Operator

public struct NamespaceFacts: Sendable, Hashable {
    public var sandboxUID: Int64?
    public var sandboxGID: Int64?
    public init(sandboxUID: Int64? = nil, sandboxGID: Int64? = nil) {
        self.sandboxUID = sandboxUID
        self.sandboxGID = sandboxGID
    }
    public init(namespace: KubeObject?) { self.init() }
}

public struct OperatorDefaults: Sendable, Hashable {
    public var sandboxImage: String
    public var supervisorImage: String
    public var workspaceSize: String
    public init(
        sandboxImage: String = "ghcr.io/nvidia/openshell-community/sandboxes/base:latest",
        supervisorImage: String = "ghcr.io/nvidia/openshell/supervisor:\(OperatorVersion.openShell.drop { $0 == "v" })",
        workspaceSize: String = "2Gi"
    ) {
        self.sandboxImage = sandboxImage
        self.supervisorImage = supervisorImage
        self.workspaceSize = workspaceSize
    }
}

public enum OperatingMode: String, Sendable, Hashable {
    case running = "Running"
    case suspended = "Suspended"
}

public struct SandboxRenderInput: Sendable {
    public var owner: KubeObject
    public var spec: OpenShellSandboxSpec
    public var className: String?
    public var classSpec: OpenShellSandboxClassSpec
    public var policy: SandboxPolicySpec?
    public var policyRules: String?
    public var namespace: NamespaceFacts
    public var expiresAt: Date?
    public var deleteOnExpiry: Bool
    public var operatingMode: OperatingMode
    public var defaults: OperatorDefaults

    public init(
        owner: KubeObject, spec: OpenShellSandboxSpec, className: String? = nil,
        classSpec: OpenShellSandboxClassSpec = OpenShellSandboxClassSpec(), policy: SandboxPolicySpec? = nil,
        policyRules: String? = nil, namespace: NamespaceFacts = NamespaceFacts(), expiresAt: Date? = nil,
        deleteOnExpiry: Bool = true, operatingMode: OperatingMode = .running, defaults: OperatorDefaults = OperatorDefaults()
    ) {
        self.owner = owner
        self.spec = spec
        self.className = className
        self.classSpec = classSpec
        self.policy = policy
        self.policyRules = policyRules
        self.namespace = namespace
        self.expiresAt = expiresAt
        self.deleteOnExpiry = deleteOnExpiry
        self.operatingMode = operatingMode
        self.defaults = defaults
    }
}

public struct RenderedSandbox: Sendable {
    public var sandbox: KubeObject
    public var configMap: KubeObject
    public var networkPolicy: KubeObject?
    public var rolloutHash: String
    public init(sandbox: KubeObject, configMap: KubeObject, networkPolicy: KubeObject?, rolloutHash: String) {
        self.sandbox = sandbox
        self.configMap = configMap
        self.networkPolicy = networkPolicy
        self.rolloutHash = rolloutHash
    }
}

public enum SandboxRenderer {
    public static func render(_ input: SandboxRenderInput) -> RenderedSandbox {
        RenderedSandbox(sandbox: KubeObject([:]), configMap: KubeObject([:]), networkPolicy: nil, rolloutHash: "")
    }
}
