import Foundation
import Testing
@testable import KubeCore

struct LabelSelectorParseTests {
    /// Input → canonical string form (requirements sorted by key, values sorted).
    @Test(arguments: [
        ("", ""),
        ("   ", ""),
        ("a=b", "a=b"),
        ("a==b", "a==b"),
        ("a!=b", "a!=b"),
        ("a=", "a="),
        (" a = b , c ", "a=b,c"),
        ("b,a", "a,b"),
        ("!a", "!a"),
        ("a in (x)", "a in (x)"),
        ("a in (y,x,y)", "a in (x,y)"),
        ("a notin (x,y)", "a notin (x,y)"),
        ("a in (in)", "a in (in)"),
        ("in", "in"),
        ("x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()"),
        ("a in (b,)", "a in (,b)"),
        ("a>5", "a>5"),
        ("a<5", "a<5"),
        ("a=b,a!=c", "a=b,a!=c"),
        ("app.kubernetes.io/name=web", "app.kubernetes.io/name=web"),
        ("a\tin\n(x)", "a in (x)"),
    ])
    func canonicalForm(input: String, expected: String) throws {
        let selector = try LabelSelectorRequirements(parsing: input)
        #expect(selector.description == expected)
        // The canonical form parses back to the same selector.
        #expect(try LabelSelectorRequirements(parsing: selector.description) == selector)
    }

    @Test(arguments: [
        ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
        ("a=b c", "found 'c', expected: ',' or 'end of string'"),
        ("a=b,", "found '', expected: identifier after ','"),
        (",a", "found ',', expected: !, identifier, or 'end of string'"),
        ("a in", "unable to parse requirement: found '' expected: '('"),
        ("a in b", "unable to parse requirement: found 'b' expected: '('"),
        ("a in (b", "unable to parse requirement: found '', expected: ',' or ')'"),
        ("a in (b))", "found ')', expected: ',' or 'end of string'"),
        ("a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"),
        ("a in (b,=)", "unable to parse requirement: found '=', expected: ',', or identifier"),
        ("a=(b)", "unable to parse requirement: found '(', expected: identifier"),
        ("!", "unable to parse requirement: found '', expected: identifier"),
        ("!a=b", "found '=', expected: ',' or 'end of string'"),
        ("app:monolith",
         "unable to parse requirement: <nil>: Invalid value: \"app:monolith\": " + namePartMessage),
        ("a/b/c=d", "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": " + labelKeyMessage),
        ("a=-b", "unable to parse requirement: values[0][a]: Invalid value: \"-b\": " + labelValueMessage),
        ("a>b", "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' operators, the value must be an integer"),
        ("a in (-x,-y)",
         "unable to parse requirement: [values[0][a]: Invalid value: \"-x\": \(labelValueMessage), values[1][a]: Invalid value: \"-y\": \(labelValueMessage)]"),
    ])
    func parseErrors(input: String, message: String) {
        #expect(throws: LabelSelectorError(message)) { try LabelSelectorRequirements(parsing: input) }
    }
}

struct LabelSelectorMatchTests {
    static let labels = ["app": "web", "tier": "frontend", "replicas": "3"]

    @Test(arguments: [
        ("", true),
        ("app=web", true),
        ("app==web", true),
        ("app=db", false),
        ("app!=db", true),
        ("app!=web", false),
        ("missing!=x", true),
        ("app in (web,db)", true),
        ("app in (db)", false),
        ("missing in (x)", false),
        ("app notin (web)", false),
        ("app notin (db)", true),
        ("missing notin (x)", true),
        ("app", true),
        ("missing", false),
        ("!app", false),
        ("!missing", true),
        ("replicas>2", true),
        ("replicas>3", false),
        ("replicas<4", true),
        ("replicas<3", false),
        ("app>1", false),
        ("app=web,tier=frontend", true),
        ("app=web,tier=backend", false),
        ("missing=", false),
        ("missing!=", true),
    ])
    func truthTable(selector: String, expected: Bool) throws {
        #expect(try LabelSelectorRequirements(parsing: selector).matches(Self.labels) == expected)
    }

    @Test func everythingAndNothing() {
        #expect(LabelSelectorRequirements.everything.matches([:]))
        #expect(LabelSelectorRequirements.everything.isEmpty)
        #expect(!LabelSelectorRequirements.nothing.matches([:]))
        #expect(!LabelSelectorRequirements.nothing.matches(["a": "b"]))
        #expect(!LabelSelectorRequirements.nothing.isEmpty)
        #expect(LabelSelectorRequirements.nothing.description == "")
    }

    @Test func requiresExactMatch() throws {
        let selector = try LabelSelectorRequirements(parsing: "app=web,tier in (a,b),zone in (z),x!=y")
        #expect(selector.requiresExactMatch("app") == "web")
        #expect(selector.requiresExactMatch("tier") == nil)
        #expect(selector.requiresExactMatch("zone") == "z")
        #expect(selector.requiresExactMatch("x") == nil)
        #expect(selector.requiresExactMatch("missing") == nil)
    }

    @Test func fromMatchLabelsAndAdding() throws {
        var selector = try LabelSelectorRequirements(matchLabels: ["b": "2", "a": "1"])
        #expect(selector.description == "a=1,b=2")
        selector = selector.adding(try LabelRequirement(key: "0", operator: .exists))
        #expect(selector.description == "0,a=1,b=2")
        #expect(LabelSelectorRequirements.nothing.adding(try LabelRequirement(key: "a", operator: .exists)) == .nothing)
    }

    @Test(arguments: [
        (LabelSelectorOperator.in, [String](), "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty"),
        (.equals, ["a", "b"], "values: Invalid value: [\"a\",\"b\"]: exact-match compatibility requires one single value"),
        (.exists, ["x"], "values: Invalid value: [\"x\"]: values set must be empty for exists and does not exist"),
        (.greaterThan, ["1", "2"], "values: Invalid value: [\"1\",\"2\"]: for 'Gt', 'Lt' operators, exactly one value is required"),
    ])
    func requirementValidation(op: LabelSelectorOperator, values: [String], message: String) {
        #expect(throws: LabelSelectorError(message)) { try LabelRequirement(key: "k", operator: op, values: values) }
    }
}

struct LabelSelectorObjectTests {
    @Test func matchLabelsAndExpressionsFromJSON() throws {
        let json = try JSONValue.parse("""
            {"matchLabels": {"app": "web"},
             "matchExpressions": [
               {"key": "tier", "operator": "In", "values": ["frontend", "backend"]},
               {"key": "env", "operator": "NotIn", "values": ["dev"]},
               {"key": "team", "operator": "Exists"},
               {"key": "legacy", "operator": "DoesNotExist"}]}
            """)
        let selector = try LabelSelector(json: json)
        #expect(selector.matchLabels == ["app": "web"])
        #expect(selector.matchExpressions?.count == 4)
        let requirements = try selector.requirements()
        #expect(requirements.description == "app=web,env notin (dev),!legacy,team,tier in (backend,frontend)")
        #expect(requirements.matches(["app": "web", "tier": "backend", "team": "a"]))
        #expect(!requirements.matches(["app": "web", "tier": "backend"]))
        #expect(!requirements.matches(["app": "web", "tier": "backend", "team": "a", "env": "dev"]))
        #expect(!requirements.matches(["app": "web", "tier": "backend", "team": "a", "legacy": "true"]))
        #expect(selector.json == json)
    }

    @Test func nilSelectsNothingEmptySelectsEverything() throws {
        #expect(try LabelSelector.requirements(for: nil) == .nothing)
        #expect(try LabelSelector.requirements(for: LabelSelector()) == .everything)
        #expect(try LabelSelector(json: ["matchLabels": [:], "matchExpressions": []]).requirements() == .everything)
        #expect(try LabelSelector(json: ["matchLabels": nil]).isEmpty)
    }

    @Test(arguments: [
        (#"{"matchExpressions": [{"key": "a", "operator": "Foo"}]}"#, "\"Foo\" is not a valid label selector operator"),
        (#"{"matchExpressions": [{"key": "a", "operator": "In"}]}"#,
         "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty"),
        (#"{"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}"#,
         "values: Invalid value: [\"x\"]: values set must be empty for exists and does not exist"),
        (#"{"matchLabels": {"a/b/c": "x"}}"#, "key: Invalid value: \"a/b/c\": " + labelKeyMessage),
        (#"{"matchLabels": {"app": "bad value"}}"#, "values[0][app]: Invalid value: \"bad value\": " + labelValueMessage),
    ])
    func conversionErrors(json: String, message: String) throws {
        let selector = try LabelSelector(json: try JSONValue.parse(json))
        #expect(throws: LabelSelectorError(message)) { try selector.requirements() }
    }

    @Test(arguments: [
        (#"[]"#, "a label selector must be an object, not array"),
        (#"{"matchLabels": {"app": 1}}"#, "matchLabels[app] must be a string, not integer"),
        (#"{"matchLabels": []}"#, "matchLabels must be an object, not array"),
        (#"{"matchExpressions": {}}"#, "matchExpressions must be an array, not object"),
        (#"{"matchExpressions": [{"key": 1}]}"#, "matchExpressions[0].key must be a string, not integer"),
        (#"{"matchExpressions": [{"key": "a", "operator": "In", "values": [true]}]}"#,
         "matchExpressions[0].values[0] must be a string, not boolean"),
    ])
    func jsonShapeErrors(json: String, message: String) throws {
        let value = try JSONValue.parse(json)
        #expect(throws: LabelSelectorError(message)) { try LabelSelector(json: value) }
    }

    @Test func codableRoundTrip() throws {
        let selector = LabelSelector(
            matchLabels: ["app": "web"],
            matchExpressions: [LabelSelectorRequirement(key: "tier", operator: .in, values: ["a"])])
        let data = try JSONEncoder().encode(selector)
        #expect(try JSONDecoder().decode(LabelSelector.self, from: data) == selector)
        let decoded = try JSONDecoder().decode(LabelSelector.self, from: Data(#"{"matchExpressions":[{"key":"k","operator":"Bogus"}]}"#.utf8))
        #expect(decoded.matchExpressions?.first?.operator.rawValue == "Bogus")
    }

    @Test func validationReportsFieldErrors() {
        let selector = LabelSelector(
            matchLabels: ["app": "-bad"],
            matchExpressions: [
                LabelSelectorRequirement(key: "a", operator: .in),
                LabelSelectorRequirement(key: "b", operator: .exists, values: ["x"]),
                LabelSelectorRequirement(key: "c/d/e", operator: "Foo", values: ["-y"]),
            ])
        let errors = selector.validate(at: FieldPath("spec.selector")).map(\.description)
        #expect(errors == [
            "spec.selector.matchLabels: Invalid value: \"-bad\": " + labelValueMessage,
            "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
            "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            "spec.selector.matchExpressions[2].operator: Invalid value: \"Foo\": not a valid selector operator",
            "spec.selector.matchExpressions[2].key: Invalid value: \"c/d/e\": " + labelKeyMessage,
            "spec.selector.matchExpressions[2].values[0]: Invalid value: \"-y\": " + labelValueMessage,
        ])
        #expect(LabelSelector(matchLabels: ["app": "web"]).validate(at: FieldPath("spec.selector")).isEmpty)
    }
}
