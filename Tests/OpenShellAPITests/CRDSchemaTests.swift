//! The schemas agree with the Swift types: a maximal object of each kind
//! (every schema property set, checked) validates and loses nothing to
//! pruning, and decodes back to the same value; every schema node carries a
//! description for `kubectl explain`.
import Foundation
import KubeCore
import KubeSchema
import OpenShellAPI
import Testing

/// Schema paths of every property (`spec.env[].name`, `spec.nodeSelector{}`), stepping into items and map values.
private func propertyPaths(_ schema: JSONSchemaProps, _ prefix: String = "") -> Set<String> {
    var paths: Set<String> = []
    for (name, property) in schema.properties {
        let path = prefix.isEmpty ? name : prefix + "." + name
        paths.insert(path)
        paths.formUnion(propertyPaths(property, path))
    }
    if let items = schema.items { paths.formUnion(propertyPaths(items, prefix + "[]")) }
    if let values = schema.mapValueSchema { paths.formUnion(propertyPaths(values, prefix + "{}")) }
    return paths
}

/// The same paths for the fields a value sets, following `schema` to tell map keys from properties.
private func valuePaths(_ value: JSONValue, _ schema: JSONSchemaProps, _ prefix: String = "") -> Set<String> {
    var paths: Set<String> = []
    switch value {
    case .object(let object):
        for (key, child) in object {
            if let property = schema.properties[key] {
                let path = prefix.isEmpty ? key : prefix + "." + key
                paths.insert(path)
                paths.formUnion(valuePaths(child, property, path))
            } else if let values = schema.mapValueSchema {
                paths.formUnion(valuePaths(child, values, prefix + "{}"))
            }
        }
    case .array(let items):
        if let itemSchema = schema.items {
            for item in items { paths.formUnion(valuePaths(item, itemSchema, prefix + "[]")) }
        }
    default:
        break
    }
    return paths
}

@Suite("openshell.ai CRD schemas")
struct CRDSchemaTests {
    struct Maximal: Sendable, CustomTestStringConvertible {
        var crd: KubeObject
        var namespace: String?
        var spec: JSONValue
        var status: JSONValue
        var testDescription: String { crd.name }
    }

    static let maximal: [Maximal] = {
        do {
            return [
                Maximal(crd: OpenShellCRDs.sandbox, namespace: "team-a", spec: try JSONValue(encoding: CRDFixtures.fullSandboxSpec),
                        status: try JSONValue(encoding: CRDFixtures.fullSandboxStatus)),
                Maximal(crd: OpenShellCRDs.sandboxClass, namespace: nil, spec: try JSONValue(encoding: CRDFixtures.fullClassSpec),
                        status: [:]),
                Maximal(crd: OpenShellCRDs.policy, namespace: "team-a", spec: try JSONValue(encoding: CRDFixtures.fullPolicy),
                        status: try JSONValue(encoding: CRDFixtures.fullPolicyStatus)),
                Maximal(crd: OpenShellCRDs.gateway, namespace: "openshell", spec: try JSONValue(encoding: CRDFixtures.fullGatewaySpec),
                        status: try JSONValue(encoding: CRDFixtures.fullGatewayStatus)),
            ]
        } catch {
            fatalError("fixtures do not encode: \(error)")
        }
    }()

    @Test("the maximal object sets every property the schema declares", arguments: maximal)
    func maximalCoversSchema(_ m: Maximal) throws {
        let schema = try CRDFixtures.schema(m.crd)
        let object = CRDFixtures.object(m.crd, name: "demo", namespace: m.namespace, spec: m.spec, status: m.status)
        // metadata is ObjectMeta (left to the server); the class status is empty in v1alpha1.
        let unset = propertyPaths(schema).subtracting(valuePaths(object.value, schema)).subtracting(["metadata", "status"])
        #expect(unset.sorted() == [])
    }

    @Test("the maximal object validates against the schema and loses nothing to pruning", arguments: maximal)
    func maximalValidatesAndSurvivesPruning(_ m: Maximal) throws {
        let schema = try CRDFixtures.schema(m.crd)
        let object = CRDFixtures.object(m.crd, name: "demo", namespace: m.namespace, spec: m.spec, status: m.status).value
        #expect(validate(object, against: schema, path: FieldPath()).map(\.description) == [])
        var pruned = object
        #expect(prune(&pruned, schema: schema, isResourceRoot: true) == [])
        #expect(pruned == object)
    }

    @Test("the maximal values decode back to the same Swift values")
    func maximalDecodes() throws {
        let encoded = try JSONValue(encoding: CRDFixtures.fullSandboxSpec)
        #expect(try encoded.decode(OpenShellSandboxSpec.self) == CRDFixtures.fullSandboxSpec)
        #expect(try JSONValue(encoding: CRDFixtures.fullClassSpec).decode(OpenShellSandboxClassSpec.self) == CRDFixtures.fullClassSpec)
        #expect(try JSONValue(encoding: CRDFixtures.fullSandboxStatus).decode(OpenShellSandboxStatus.self) == CRDFixtures.fullSandboxStatus)
        #expect(try JSONValue(encoding: CRDFixtures.fullGatewaySpec).decode(OpenShellGatewaySpec.self) == CRDFixtures.fullGatewaySpec)
        #expect(try JSONValue(encoding: CRDFixtures.fullGatewayStatus).decode(OpenShellGatewayStatus.self) == CRDFixtures.fullGatewayStatus)
    }

    @Test("an unknown field is pruned, so the check above would catch a misspelt property")
    func unknownFieldIsPruned() throws {
        let schema = try CRDFixtures.schema(OpenShellCRDs.sandbox)
        var object = CRDFixtures.object(OpenShellCRDs.sandbox, name: "demo", namespace: "a", spec: ["lifetime": ["timeToLive": "1h"]]).value
        #expect(prune(&object, schema: schema, isResourceRoot: true) == ["spec.lifetime.timeToLive"])
    }

    @Test("every schema node has a description (root metadata excepted: kube-apiserver forbids one)", arguments: OpenShellCRDs.all.map(\.name))
    func everyPropertyIsDescribed(_ name: String) throws {
        let crd = try #require(OpenShellCRDs.all.first { $0.name == name })
        let schema = try CRDFixtures.schema(crd)
        var undescribed: [String] = []
        var visited = 0
        schema.visitSchemas { path, node in
            visited += 1
            if path.description == "properties[metadata]" { return }
            if (node.description ?? "").trimmingCharacters(in: .whitespaces).isEmpty { undescribed.append(path.description) }
        }
        #expect(visited > 10)
        #expect(undescribed == [])
    }

    @Test("kubectl explain paths find the field descriptions")
    func explainPaths() throws {
        let schema = try CRDFixtures.schema(OpenShellCRDs.sandbox)
        #expect(schema.description(forExplainPath: ["spec", "lifetime", "ttl"])?.contains("Go duration") == true)
        #expect(schema.description(forExplainPath: ["spec", "env", "valueFrom", "secretKeyRef", "key"]) == "The key in the Secret's data.")
        let gateway = try CRDFixtures.schema(OpenShellCRDs.gateway)
        #expect(gateway.description(forExplainPath: ["spec", "workload", "kind"])?.contains("requires externalDatabaseSecretRef") == true)
        #expect(gateway.description(forExplainPath: ["spec", "tls", "certManager", "externalIssuer", "dnsNames"]) == "The external DNS names; the first is the common name.")
    }

    @Test("the chart's removed postgres.enabled has no field: an OpenShellGateway that sets it loses it to pruning")
    func postgresIsPruned() throws {
        let schema = try CRDFixtures.schema(OpenShellCRDs.gateway)
        var object = CRDFixtures.object(OpenShellCRDs.gateway, name: "openshell", namespace: "openshell",
                                        spec: ["postgres": ["enabled": true], "workload": ["replicaCount": 2]]).value
        #expect(prune(&object, schema: schema, isResourceRoot: true) == ["spec.postgres", "spec.workload.replicaCount"])
    }
}
