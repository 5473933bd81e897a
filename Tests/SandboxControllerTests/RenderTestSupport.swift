//! Shared fixtures of the renderer tests: owners, the upstream v1beta1
//! Sandbox schema, golden-file comparison and a view with accessors.
import Foundation
import KubeCore
import KubeSchema
import OpenShellAPI
import Testing
import TestSupport
@testable import SandboxController

enum RenderFixtures {
    static let uid = "0b7f6a52-3d4e-4c1a-9e8f-2a6b5c4d3e21"

    static func owner(name: String = "demo", namespace: String = "team-a", uid: String = uid) -> KubeObject {
        KubeObject([
            "apiVersion": "openshell.ai/v1alpha1",
            "kind": "OpenShellSandbox",
            "metadata": .object([
                "name": .string(name), "namespace": .string(namespace), "uid": .string(uid),
                "creationTimestamp": "2026-05-01T10:00:00Z", "generation": 3,
            ]),
        ])
    }

    static func input(_ spec: OpenShellSandboxSpec = OpenShellSandboxSpec(), _ change: (inout SandboxRenderInput) -> Void = { _ in })
        -> SandboxRenderInput
    {
        var input = SandboxRenderInput(owner: owner(), spec: spec)
        change(&input)
        return input
    }

    static func render(_ spec: OpenShellSandboxSpec = OpenShellSandboxSpec(), _ change: (inout SandboxRenderInput) -> Void = { _ in })
        -> RenderView
    {
        RenderView(SandboxRenderer.render(input(spec, change)))
    }

    static func json(_ text: String) -> JSONValue {
        (try? JSONValue.parse(text)) ?? .null
    }

    // MARK: Upstream schema

    static let sandboxCRDPath = "/work/shared/upstream/agent-sandbox/crds/agents.x-k8s.io_sandboxes.yaml"
    static let sandboxCRDAvailable = FileManager.default.fileExists(atPath: sandboxCRDPath)

    /// The `v1beta1` schema of the upstream Sandbox CRD, loaded once.
    static let sandboxSchema: JSONSchemaProps? = {
        guard let text = try? String(contentsOfFile: sandboxCRDPath, encoding: .utf8),
              let crd = try? JSONValue.parseYAML(text),
              let versions = crd[path: ["spec", "versions"]]?.arrayValue,
              let version = versions.first(where: { $0["name"] == "v1beta1" }),
              let raw = version[path: ["schema", "openAPIV3Schema"]]
        else { return nil }
        return try? JSONSchemaProps(json: raw)
    }()

    /// The Sandbox with the schema's defaults applied.
    static func defaulted(_ sandbox: KubeObject) throws -> JSONValue {
        let schema = try #require(sandboxSchema)
        var value = sandbox.value
        applyDefaults(&value, schema: schema)
        return value
    }

    /// Problems of a rendered Sandbox against the upstream schema, defaults applied:
    /// validation errors and every field pruning would drop.
    static func schemaProblems(_ sandbox: KubeObject) throws -> [String] {
        let schema = try #require(sandboxSchema)
        let value = try defaulted(sandbox)
        var problems = validate(value, against: schema, path: FieldPath()).map(\.description)
        var pruned = value
        problems += prune(&pruned, schema: schema, isResourceRoot: true).map { "pruned: \($0)" }
        if pruned != value { problems.append("pruning changed the object") }
        return problems
    }

    // MARK: Goldens

    static let goldens = GoldenFiles()

    /// Compares `text` with `Golden/<file>`; with `UPDATE_GOLDEN=1` rewrites the file instead.
    static func expectGolden(_ text: String, file: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try goldens.expect(text, file: file, sourceLocation: sourceLocation)
    }
}

/// A rendering with accessors for the parts the tests look at.
struct RenderView {
    var rendered: RenderedSandbox
    init(_ rendered: RenderedSandbox) { self.rendered = rendered }

    var sandbox: KubeObject { rendered.sandbox }
    var configMap: KubeObject { rendered.configMap }
    var networkPolicy: KubeObject? { rendered.networkPolicy }
    var rolloutHash: String { rendered.rolloutHash }
    var spec: JSONValue { sandbox.value["spec"] ?? .null }
    var podSpec: JSONValue { spec[path: ["podTemplate", "spec"]] ?? .null }
    var podMetadata: JSONValue { spec[path: ["podTemplate", "metadata"]] ?? .null }
    var agent: JSONValue { container("agent", in: "containers") ?? .null }

    func container(_ name: String, in list: String = "initContainers") -> JSONValue? {
        podSpec[list]?.arrayValue?.first { $0["name"] == .string(name) }
    }

    var initContainerNames: [String] { (podSpec["initContainers"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue } }
    var volumeNames: [String] { (podSpec["volumes"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue } }
    func volume(_ name: String) -> JSONValue? { podSpec["volumes"]?.arrayValue?.first { $0["name"] == .string(name) } }

    /// The agent's mounts: volume name → mount path.
    var mountPaths: [String: String] {
        var paths: [String: String] = [:]
        for mount in agent["volumeMounts"]?.arrayValue ?? [] {
            if let name = mount["name"]?.stringValue, let path = mount["mountPath"]?.stringValue { paths[name] = path }
        }
        return paths
    }

    /// The agent's env entries by name.
    var env: [String: JSONValue] {
        var env: [String: JSONValue] = [:]
        for entry in agent["env"]?.arrayValue ?? [] {
            if let name = entry["name"]?.stringValue { env[name] = entry }
        }
        return env
    }

    var envNames: [String] { (agent["env"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue } }

    func envValue(_ name: String) -> String? { env[name]?["value"]?.stringValue }

    var configData: [String: String] {
        (configMap.json["data"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
    }
}
