//! The generated CRDs: `crds/` matches the generator, the YAML is
//! deterministic and reads back as the same tree, the schemas pass
//! kube-apiserver's CRD checks, and names, scope, printer columns and
//! subresources are the contract's.
import Foundation
import KubeCore
import KubeSchema
import OpenShellAPI
import Testing
import TestSupport

@Suite("openshell.ai CRD generation")
struct CRDGenerationTests {
    @Test("crds/ holds exactly what `openshell-operator crds` generates")
    func committedFilesAreCurrent() throws {
        let regenerate = "crds/ is stale: run `swift run openshell-operator crds --output-dir crds` and commit the result"
        let expected = Dictionary(uniqueKeysWithValues: OpenShellCRDs.all.map { OpenShellCRDs.file($0) }.map { ($0.name, $0.contents) })
        let present = try FileManager.default.contentsOfDirectory(atPath: CRDFixtures.crdsDirectory.path).filter { $0.hasSuffix(".yaml") }
        #expect(present.sorted() == expected.keys.sorted(), "\(regenerate)")
        for (name, contents) in expected.sorted(by: { $0.key < $1.key }) {
            let onDisk = (try? String(contentsOf: CRDFixtures.crdsDirectory.appendingPathComponent(name), encoding: .utf8)) ?? ""
            let (old, new) = (onDisk.split(separator: "\n", omittingEmptySubsequences: false),
                              contents.split(separator: "\n", omittingEmptySubsequences: false))
            let firstDifference = zip(old, new).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(old.count, new.count)
            let current = onDisk == contents  // a Bool, so a failure prints the hint, not two whole files
            #expect(current, "\(name) differs from line \(firstDifference + 1) on: \(regenerate)")
        }
    }

    @Test("`openshell-operator crds` prints the stream; with --output-dir it writes the files")
    func command() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("crds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let printed = try ChildProcess(executable: "openshell-operator", arguments: ["crds"], logPath: directory.path + "/stdout")
        #expect(await printed.waitForExit() == 0)
        #expect(printed.output == OpenShellCRDs.stream)

        let output = directory.appendingPathComponent("out")
        let written = try ChildProcess(executable: "openshell-operator", arguments: ["crds", "--output-dir", output.path],
                                       logPath: directory.path + "/written")
        #expect(await written.waitForExit() == 0, "\(written.output)")
        for crd in OpenShellCRDs.all {
            let file = OpenShellCRDs.file(crd)
            #expect(try String(contentsOf: output.appendingPathComponent(file.name), encoding: .utf8) == file.contents)
        }
    }

    @Test("the file names are openshell.ai_<plural>.yaml")
    func fileNames() {
        #expect(OpenShellCRDs.all.map { OpenShellCRDs.file($0).name } == [
            "openshell.ai_openshellsandboxes.yaml", "openshell.ai_openshellsandboxclasses.yaml", "openshell.ai_openshellpolicies.yaml",
            "openshell.ai_openshellgateways.yaml",
        ])
    }

    @Test("the YAML reads back as the CRD, and two renderings are byte-identical")
    func yamlRoundTrips() throws {
        for crd in OpenShellCRDs.all {
            let text = OpenShellCRDs.yaml(crd)
            #expect(text == OpenShellCRDs.yaml(crd))
            #expect(try JSONValue.parseYAML(text) == crd.value, "\(crd.name)")
        }
        let documents = try JSONValue.parseYAMLDocuments(OpenShellCRDs.stream)
        #expect(documents == OpenShellCRDs.all.map(\.value))
    }

    @Test("strings are plain only when every YAML reader reads them back as the same string", arguments: [
        ("plain words", "\"plain words\""), ("yes", "\"yes\""), ("On", "\"On\""), ("null", "\"null\""), ("~", "\"~\""),
        ("1.5", "\"1.5\""), ("0755", "\"0755\""), (".5", "\".5\""), (".status.phase", "\".status.phase\""),
        ("a: b", "\"a: b\""), ("a #b", "\"a #b\""), ("- x", "\"- x\""), ("*", "\"*\""), ("", "\"\""),
        ("trailing ", "\"trailing \""), ("say \"hi\"\n", "\"say \\\"hi\\\"\\n\""), ("^[a-z]$", "\"^[a-z]$\""),
        ("it's", "\"it's\""), ("plain_word", "plain_word"), ("2030-01-01T00:00:00Z", "\"2030-01-01T00:00:00Z\""),
    ])
    func scalarQuoting(_ text: String, _ rendered: String) throws {
        let document = OpenShellCRDs.yaml(KubeObject(["k": .string(text)]))
        #expect(document == "k: \(rendered)\n")
        #expect(try JSONValue.parseYAML(document) == ["k": .string(text)])
    }

    @Test("nested lists and empty collections render in block style and read back", arguments: [
        ["a": [[1, 2], ["x": [3]]], "b": [:], "c": []] as JSONValue,
        ["list": [["k": ["m": [true, nil]]]]] as JSONValue,
    ])
    func nestedCollections(_ value: JSONValue) throws {
        let object = try #require(KubeObject(value))
        #expect(try JSONValue.parseYAML(OpenShellCRDs.yaml(object)) == value)
    }

    @Test("every schema passes kube-apiserver's structural and OpenAPI checks with the status subresource")
    func schemasAreValid() throws {
        for crd in OpenShellCRDs.all {
            let schema = try CRDFixtures.schema(crd)
            let path = FieldPath("spec.versions[0].schema.openAPIV3Schema")
            #expect(validateCRDSchema(schema, path: path, statusSubresource: true) == [], "\(crd.name)")
        }
    }

    struct Facts: Sendable, CustomTestStringConvertible {
        var crd: KubeObject
        var name: String
        var kind: String
        var scope: String
        var shortNames: [String]
        var columns: [[String]]
        var testDescription: String { kind }
    }

    @Test("names, scope, short names, categories, version, subresource and printer columns", arguments: [
        Facts(crd: OpenShellCRDs.sandbox, name: "openshellsandboxes.openshell.ai", kind: "OpenShellSandbox", scope: "Namespaced",
              shortNames: ["oss"], columns: [
                ["Phase", "string", ".status.phase", "0"],
                ["Ready", "string", ".status.conditions[?(@.type=='Ready')].status", "0"],
                ["Class", "string", ".status.className", "1"],
                ["Expires", "date", ".status.expiresAt", "0"],
                ["Age", "date", ".metadata.creationTimestamp", "0"],
              ]),
        Facts(crd: OpenShellCRDs.sandboxClass, name: "openshellsandboxclasses.openshell.ai", kind: "OpenShellSandboxClass",
              scope: "Cluster", shortNames: ["ossc"], columns: [
                ["Default", "string", ".metadata.annotations.openshell\\.ai/is-default-class", "0"],
                ["Topology", "string", ".spec.topology", "0"],
                ["Age", "date", ".metadata.creationTimestamp", "0"],
              ]),
        Facts(crd: OpenShellCRDs.policy, name: "openshellpolicies.openshell.ai", kind: "OpenShellPolicy", scope: "Namespaced",
              shortNames: ["ospol"], columns: [
                ["Valid", "string", ".status.conditions[?(@.type=='Valid')].status", "0"],
                ["Age", "date", ".metadata.creationTimestamp", "0"],
              ]),
        Facts(crd: OpenShellCRDs.gateway, name: "openshellgateways.openshell.ai", kind: "OpenShellGateway", scope: "Namespaced",
              shortNames: ["osgw"], columns: [
                ["Version", "string", ".status.runningVersion", "0"],
                ["Available", "string", ".status.conditions[?(@.type=='Available')].status", "0"],
                ["Endpoint", "string", ".status.endpoint", "0"],
                ["Age", "date", ".metadata.creationTimestamp", "0"],
              ]),
    ])
    func crdFacts(_ facts: Facts) throws {
        let spec = try #require(facts.crd.spec)
        #expect(facts.crd.apiVersion == "apiextensions.k8s.io/v1")
        #expect(facts.crd.kind == "CustomResourceDefinition")
        #expect(facts.crd.name == facts.name)
        #expect(spec["group"] == "openshell.ai")
        #expect(spec["scope"] == .string(facts.scope))
        #expect(spec[path: ["names", "kind"]] == .string(facts.kind))
        #expect(spec[path: ["names", "listKind"]] == .string(facts.kind + "List"))
        #expect(spec[path: ["names", "shortNames"]] == .array(facts.shortNames.map(JSONValue.string)))
        #expect(spec[path: ["names", "categories"]] == ["openshell"])
        let versions = try #require(spec["versions"]?.arrayValue)
        #expect(versions.count == 1)
        let version = try #require(versions.first)
        #expect(version["name"] == "v1alpha1")
        #expect(version["served"] == true)
        #expect(version["storage"] == true)
        #expect(version["subresources"] == ["status": [:]])
        let columns = (version["additionalPrinterColumns"]?.arrayValue ?? []).map { column in
            [column["name"]?.stringValue ?? "", column["type"]?.stringValue ?? "", column["jsonPath"]?.stringValue ?? "",
             String(column["priority"]?.intValue ?? 0)]
        }
        #expect(columns == facts.columns)
    }
}
