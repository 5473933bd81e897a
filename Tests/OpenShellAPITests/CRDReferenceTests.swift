//! The generated CRD reference: `docs/crd-reference.md` is current, every
//! field of every CRD is in it, and the rendering of types, limits and rules
//! reads as documented.
import Foundation
import KubeCore
@testable import OpenShellAPI
import Testing

@Suite("CRD reference")
struct CRDReferenceTests {
    static let document = CRDFixtures.repositoryRoot.appendingPathComponent("docs/crd-reference.md")

    @Test("docs/crd-reference.md holds exactly what `openshell-operator crds --reference` prints")
    func committedReferenceIsCurrent() throws {
        let onDisk = (try? String(contentsOf: Self.document, encoding: .utf8)) ?? ""
        let current = onDisk == CRDReference.markdown  // a Bool, so a failure prints the hint, not the document
        #expect(current, "docs/crd-reference.md is stale: run `make docs` and commit the result")
    }

    @Test("every field of every CRD's spec and status has a row")
    func everyFieldHasARow() {
        func paths(_ node: JSONValue, _ path: String) -> [String] {
            var found: [String] = []
            for (name, child) in node["properties"]?.objectValue ?? [:] {
                found.append("\(path).\(name)")
                found += paths(child, "\(path).\(name)")
            }
            if let items = node["items"] { found += paths(items, path + "[]") }
            if let values = node["additionalProperties"], values.objectValue != nil { found += paths(values, path + "{}") }
            return found
        }
        let markdown = CRDReference.markdown
        for crd in OpenShellCRDs.all {
            let schema = crd.spec?[path: ["versions"]]?.arrayValue?.first?[path: ["schema", "openAPIV3Schema"]] ?? [:]
            for part in ["spec", "status"] {
                for path in paths(schema[path: ["properties", part]] ?? [:], part) {
                    #expect(markdown.contains("| `\(path)` |"), "\(crd.name): \(path) has no row")
                }
            }
        }
    }

    static let typeCases: [(JSONValue, String)] = [
        (["type": "string"], "string"),
        (["type": "string", "format": "date-time"], "string (date-time)"),
        (["type": "array", "items": ["type": "string"]], "list of string"),
        (["type": "object", "additionalProperties": ["type": "string"]], "map of string"),
        (["type": "array", "items": ["type": "object", "properties": ["a": ["type": "integer"]]]], "list of object"),
        (["x-kubernetes-int-or-string": true], "integer or string"),
        (["type": "object", "x-kubernetes-preserve-unknown-fields": true], "object (free-form)"),
    ]

    @Test("types read as Kubernetes users write them", arguments: typeCases)
    func typeNames(node: JSONValue, expected: String) {
        #expect(CRDReference.typeName(node) == expected)
    }

    static let detailCases: [(JSONValue, Bool, String)] = [
        (["description": "How long.", "maxLength": 10], false, "How long. *Limits:* at most 10 characters."),
        (["description": "Mode.", "enum": ["A", "B"]], true, "**Required.** Mode. *Limits:* one of `A`, `B`."),
        (["description": "Port.", "minimum": 1, "maximum": 65535], false, "Port. *Limits:* 1–65535."),
        (["description": "Names.", "maxItems": 4, "x-kubernetes-list-type": "set"], false, "Names. *Limits:* at most 4 items; no duplicates."),
        (["description": "X.", "x-kubernetes-validations": [["rule": "self > 0", "message": "must be positive"]]], false,
         "X. *Rules:* must be positive."),
    ]

    @Test("limits and rules follow the description", arguments: detailCases)
    func details(node: JSONValue, required: Bool, expected: String) {
        #expect(CRDReference.details(node, required: required) == expected)
    }

    @Test("a pipe or a line break in a description cannot break the table")
    func cellsAreEscaped() {
        #expect(CRDReference.cell("a|b\nc") == "a\\|b c")
    }

    @Test("each CRD has a section with its group, scope and short names")
    func sections() {
        let markdown = CRDReference.markdown
        #expect(markdown.contains("## OpenShellSandbox\n\n`openshell.ai/v1alpha1`, namespaced, resource `openshellsandboxes`, short name `oss`."))
        #expect(markdown.contains("## OpenShellSandboxClass\n\n`openshell.ai/v1alpha1`, cluster-scoped"))
        #expect(markdown.contains("## OpenShellGateway\n\n"))
        #expect(markdown.contains("- [OpenShellPolicy](#openshellpolicy)"))
    }
}
