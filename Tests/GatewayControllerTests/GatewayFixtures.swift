//! Shared fixtures of the gateway renderer tests: gateway objects, rendering,
//! golden-file comparison, a line-based reader of the rendered TOML, and a
//! view with accessors for what the tests look at.
import Foundation
import GatewayPKI
import KubeCore
import OpenShellAPI
import Testing
import TestSupport
@testable import GatewayController

enum GatewayFixtures {
    /// Valid PKI Secrets (CA, server, client, JWT, KEK) for the default spec of gateway `ops/openshell`,
    /// issued an hour before `now`: what the planner tests start from.
    static func validPKISecrets(now: Date) -> ObservedGatewaySecrets {
        guard let settings = try? GatewayPKISettings(gatewayName: "openshell", namespace: "ops", spec: OpenShellGatewaySpec()),
              let writes = try? GatewayPKIWriter.writes(
                  plan: PKIPlan(createCertificates: true, createSigningKey: true, createKeyEncryptionKey: true),
                  observed: ObservedGatewaySecrets(), settings: settings, now: now.addingTimeInterval(-3600)) else { return ObservedGatewaySecrets() }
        func named(_ name: String?) -> KubeObject? { writes.first { $0.object.name == name }?.object }
        return ObservedGatewaySecrets(
            ca: named(settings.caSecretName), server: named(settings.serverSecretName), client: named(settings.clientSecretName),
            signingKey: named(settings.signingSecretName), keyEncryptionKey: named(settings.keyEncryptionKeySecretName))
    }

    static let uid = "5d0c2e1a-7b3f-4e6a-9c8d-1f2e3a4b5c6d"

    /// An OpenShellGateway as the API server returns it; `openshell` in `my-namespace`, like the chart's tests.
    static func gateway(_ spec: OpenShellGatewaySpec, name: String = "openshell", namespace: String = "my-namespace") -> KubeObject {
        KubeObject([
            "apiVersion": "openshell.ai/v1alpha1",
            "kind": "OpenShellGateway",
            "metadata": .object([
                "name": .string(name), "namespace": .string(namespace), "uid": .string(uid),
                "creationTimestamp": "2026-05-01T10:00:00Z", "generation": 2,
            ]),
            "spec": (try? JSONValue(encoding: spec)) ?? .object([:]),
        ])
    }

    static func input(_ spec: OpenShellGatewaySpec = OpenShellGatewaySpec(), name: String = "openshell", namespace: String = "my-namespace",
                      cluster: GatewayClusterFacts = GatewayClusterFacts(kubernetesMinorVersion: 35)) -> GatewayRenderInput {
        GatewayRenderInput(gateway: gateway(spec, name: name, namespace: namespace), spec: spec, cluster: cluster)
    }

    static func render(_ spec: OpenShellGatewaySpec = OpenShellGatewaySpec(), name: String = "openshell",
                       namespace: String = "my-namespace") -> GatewayView {
        GatewayView(GatewayRenderer.render(input(spec, name: name, namespace: namespace)))
    }

    // MARK: Goldens

    static let goldens = GoldenFiles()

    /// Compares `text` with `Golden/<file>`; with `UPDATE_GOLDEN=1` rewrites the file instead.
    static func expectGolden(_ text: String, file: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try goldens.expect(text, file: file, sourceLocation: sourceLocation)
    }
}

/// `gateway.toml` read back from its text, line by line: table header → key → the value's text as written.
/// Independent of the writer's model, so it shows where each key really landed.
struct TOMLText {
    var tables: [(name: String, entries: [(key: String, value: String)])] = []

    init(_ text: String) {
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                tables.append((String(line.dropFirst().dropLast()), []))
            } else if let eq = line.range(of: " = "), !tables.isEmpty {
                tables[tables.count - 1].entries.append((String(line[..<eq.lowerBound]), String(line[eq.upperBound...])))
            }
        }
    }

    var tableNames: [String] { tables.map(\.name) }

    /// The tables in which `key` appears.
    func tables(containing key: String) -> [String] { tables.filter { $0.entries.contains { $0.key == key } }.map(\.name) }

    func value(_ table: String, _ key: String) -> String? {
        tables.first { $0.name == table }?.entries.first { $0.key == key }?.value
    }

    func keys(_ table: String) -> [String] { tables.first { $0.name == table }?.entries.map(\.key) ?? [] }

    /// Every key of every table, as `table.key`.
    var allKeys: [String] { tables.flatMap { table in table.entries.map { "\(table.name).\($0.key)" } } }
}

/// A rendering with accessors.
struct GatewayView {
    var rendered: RenderedGateway
    init(_ rendered: RenderedGateway) { self.rendered = rendered }

    var objects: [KubeObject] { rendered.objects }
    var workload: KubeObject { rendered.workload }
    var podTemplate: JSONValue { workload.value[path: ["spec", "template"]] ?? .null }
    var podSpec: JSONValue { podTemplate["spec"] ?? .null }
    var container: JSONValue { podSpec["containers"]?.arrayValue?.first ?? .null }
    var toml: String { rendered.configMap.json["data"]?["gateway.toml"]?.stringValue ?? "" }
    var tomlText: TOMLText { TOMLText(toml) }

    func objects(_ kind: String) -> [KubeObject] { objects.filter { $0.kind == kind } }
    func object(_ kind: String, _ name: String) -> KubeObject? { objects.first { $0.kind == kind && $0.name == name } }

    var env: [JSONValue] { container["env"]?.arrayValue ?? [] }
    var envNames: [String] { env.compactMap { $0["name"]?.stringValue } }
    func envEntry(_ name: String) -> JSONValue? { env.first { $0["name"] == .string(name) } }

    var volumes: [JSONValue] { podSpec["volumes"]?.arrayValue ?? [] }
    var volumeNames: [String] { volumes.compactMap { $0["name"]?.stringValue } }
    var mounts: [JSONValue] { container["volumeMounts"]?.arrayValue ?? [] }
    var mountNames: [String] { mounts.compactMap { $0["name"]?.stringValue } }
    var args: [String] { (container["args"]?.arrayValue ?? []).compactMap(\.stringValue) }

    /// The rules of a ClusterRole or Role.
    func rules(_ kind: String, _ name: String) -> [JSONValue] { object(kind, name)?.json["rules"]?.arrayValue ?? [] }

    /// The whole rendering as a multi-document YAML stream in apply order.
    var yaml: String { objects.map { DeterministicYAML.render($0.value) }.joined(separator: "---\n") }
}

extension JSONValue {
    /// The strings of an array value.
    var strings: [String] { (arrayValue ?? []).compactMap(\.stringValue) }
}
