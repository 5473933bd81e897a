//! The hostile input corpus: one YAML file per case under `Corpus/<Kind>/`,
//! each holding the object (`object:`) and its expected outcome (`expect:`),
//! read into `HostileCase`s. Big or repetitive inputs are written with two
//! expansions so the files stay small: `${repeat N TEXT}` inside a string is
//! TEXT N times, and a mapping with `$repeat: N` becomes N copies of its
//! `item` (a list) or N `key`/`value` entries (a map), `${i}` numbering them.
import Foundation
import KubeCore
import Testing

/// What a case expects.
enum Outcome: String, Sendable {
    /// The API server refuses the create (schema, CEL, strict decoding, name rules).
    case rejected
    /// The server admits it and the sandbox reconciler reports a condition and a Warning Event.
    case condition
    /// The server admits a gateway and `GatewayValidation.validate` reports problems.
    case invalid
}

struct HostileCase: Sendable, CustomTestStringConvertible {
    /// `OpenShellSandbox/012-image-too-long`.
    var id: String
    /// The directory: OpenShellSandbox, OpenShellSandboxClass, OpenShellPolicy or OpenShellGateway.
    var kind: String
    /// The three-digit number of the file name.
    var number: String
    var object: KubeObject
    var outcome: Outcome
    /// `rejected`: the HTTP status (422 unless said).
    var code: Int
    /// `rejected`: substrings each found in one `<field>: <message>` cause or
    /// the status message; `invalid`: substrings each found in one problem.
    var messages: [String]
    /// `condition`: the condition type, status, reason, the field its message
    /// and the Event's note must name, and an optional further substring.
    var condition: String
    var status: String
    var reason: String
    var field: String
    var message: String?
    /// The create's `fieldValidation` (Strict unless said, as kubectl sends it).
    var fieldValidation: String
    /// Set when the case exposes a product bug: the expectation is the correct
    /// outcome and the test records the mismatch as a known issue.
    var knownBug: String?
    var testDescription: String { id }

    var namespace: String? { kind == "OpenShellSandboxClass" ? nil : "default" }
}

enum Corpus {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")
    static let kinds = ["OpenShellSandbox", "OpenShellSandboxClass", "OpenShellPolicy", "OpenShellGateway"]

    /// Every case, by kind then file name.
    static let all: [HostileCase] = {
        do {
            return try kinds.flatMap { try load(kind: $0) }
        } catch {
            Issue.record("the corpus does not load: \(error)")
            return []
        }
    }()

    static var rejected: [HostileCase] { all.filter { $0.outcome == .rejected } }
    static var gatewayInvalid: [HostileCase] { all.filter { $0.outcome == .invalid } }
    static var operatorJudged: [HostileCase] { all.filter { $0.outcome == .condition } }

    static func load(kind: String) throws -> [HostileCase] {
        let folder = directory.appendingPathComponent(kind)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
        return try files.map { try load(file: folder.appendingPathComponent($0), kind: kind) }
    }

    static func load(file: URL, kind: String) throws -> HostileCase {
        let base = file.deletingPathExtension().lastPathComponent
        let id = "\(kind)/\(base)"
        let document = try JSONValue.parseYAML(String(contentsOf: file, encoding: .utf8))
        guard let expect = document["expect"], let outcomeText = expect["outcome"]?.stringValue,
              let outcome = Outcome(rawValue: outcomeText) else {
            throw CorpusError("\(id): no expect.outcome (rejected, condition or invalid)")
        }
        guard var object = document["object"].map(expand).flatMap(KubeObject.init) else {
            throw CorpusError("\(id): no object")
        }
        let number = String(base.prefix(while: \.isNumber))
        guard number.count == 3 else { throw CorpusError("\(id): the file name must start with NNN-") }
        if object.json["metadata"]?["name"] == nil {
            let prefix = ["OpenShellSandbox": "oss", "OpenShellSandboxClass": "ossc", "OpenShellPolicy": "ospol", "OpenShellGateway": "osgw"][kind] ?? "x"
            object.json["metadata", default: [:]]["name"] = .string("\(prefix)-\(number)")
        }
        func strings(_ key: String) -> [String] {
            switch expect[key] {
            case .string(let text)?: [text]
            case .array(let items)?: items.compactMap(\.stringValue)
            default: []
            }
        }
        let messages = strings("messages")
        if outcome != .condition, messages.isEmpty { throw CorpusError("\(id): expect.messages is required") }
        let reason = expect["reason"]?.stringValue ?? ""
        let field = expect["field"]?.stringValue ?? ""
        if outcome == .condition, reason.isEmpty || field.isEmpty { throw CorpusError("\(id): expect.reason and expect.field are required") }
        return HostileCase(
            id: id, kind: kind, number: number, object: object, outcome: outcome,
            code: expect["code"]?.intValue.map(Int.init) ?? 422, messages: messages,
            condition: expect["condition"]?.stringValue ?? "Valid", status: expect["status"]?.stringValue ?? "False",
            reason: reason, field: field, message: expect["message"]?.stringValue,
            fieldValidation: expect["fieldValidation"]?.stringValue ?? "Strict", knownBug: expect["known-bug"]?.stringValue)
    }

    /// Objects the operator-judged cases refer to (classes, policies, Secrets,
    /// ConfigMaps), from `Corpus/Fixtures/*.yaml`, in file order.
    static func fixtures() throws -> [KubeObject] {
        let folder = directory.appendingPathComponent("Fixtures")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
        return try files.flatMap { name in
            try JSONValue.parseYAMLDocuments(String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8))
                .compactMap { KubeObject(expand($0)) }
        }
    }

    // MARK: Expansion

    static func expand(_ value: JSONValue) -> JSONValue { expand(value, index: nil) }

    private static func expand(_ value: JSONValue, index: Int?) -> JSONValue {
        switch value {
        case .string(let text):
            return .string(expandString(text, index: index))
        case .array(let items):
            return .array(items.map { expand($0, index: index) })
        case .object(let object):
            if let count = object["$repeat"]?.intValue.map(Int.init) {
                if let item = object["item"] {
                    return .array((0..<count).map { expand(item, index: $0) })
                }
                var map = JSONObject()
                for i in 0..<count {
                    let key = expandString(object["key"]?.stringValue ?? "k${i}", index: i)
                    map[key] = expand(object["value"] ?? "", index: i)
                }
                return .object(map)
            }
            var out = JSONObject()
            for (key, member) in object { out[expandString(key, index: index)] = expand(member, index: index) }
            return .object(out)
        default:
            return value
        }
    }

    /// `${i}` is the copy's number; `${repeat N TEXT}` is TEXT N times.
    static func expandString(_ text: String, index: Int?) -> String {
        var result = text
        if let index { result = result.replacingOccurrences(of: "${i}", with: String(index)) }
        while let start = result.range(of: "${repeat "), let end = result[start.upperBound...].firstIndex(of: "}") {
            let body = result[start.upperBound..<end]
            let parts = body.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            let count = parts.first.flatMap { Int($0) } ?? 0
            let unit = parts.count > 1 ? String(parts[1]) : ""
            result.replaceSubrange(start.lowerBound...end, with: String(repeating: unit, count: count))
        }
        return result
    }
}

struct CorpusError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
