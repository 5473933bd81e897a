import Testing
@testable import KubeCore

struct FieldSelectorTests {
    @Test(arguments: [
        ("", ""),
        ("metadata.name=foo", "metadata.name=foo"),
        ("metadata.name==foo", "metadata.name=foo"),
        ("status.phase!=Running", "status.phase!=Running"),
        ("b=1,a=2", "a=2,b=1"),
        ("a=b,,", "a=b"),
        ("a=", "a="),
        (#"a=b\,c"#, #"a=b\,c"#),
        (#"a=b\=c"#, #"a=b\=c"#),
        (#"a=b\\c"#, #"a=b\\c"#),
    ])
    func canonicalForm(input: String, expected: String) throws {
        let selector = try FieldSelector(parsing: input)
        #expect(selector.description == expected)
        #expect(try FieldSelector(parsing: selector.description) == selector)
    }

    @Test(arguments: [
        ("metadata.name=foo", [FieldSelectorRequirement(field: "metadata.name", operator: .equals, value: "foo")]),
        (#"x=a\,b,y!=c\\d"#, [
            FieldSelectorRequirement(field: "x", operator: .equals, value: "a,b"),
            FieldSelectorRequirement(field: "y", operator: .notEquals, value: #"c\d"#),
        ]),
        ("k==v", [FieldSelectorRequirement(field: "k", operator: .equals, value: "v")]),
        ("=v", [FieldSelectorRequirement(field: "", operator: .equals, value: "v")]),
    ])
    func parsedRequirements(input: String, expected: [FieldSelectorRequirement]) throws {
        #expect(try FieldSelector(parsing: input).requirements == expected)
    }

    @Test(arguments: [
        ("abc", "invalid selector: 'abc'; can't understand 'abc'"),
        ("a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'"),
        ("a=b=c", "invalid field selector: unescaped character in value: 61"),
        ("a!=b,c", "invalid selector: 'a!=b,c'; can't understand 'c'"),
        ("a!=b==c", "invalid field selector: unescaped character in value: 61"),
        (#"a=b\x"#, #"invalid field selector: invalid escape sequence: \x"#),
        (#"a=b\"#, #"invalid field selector: invalid escape sequence: \"#),
    ])
    func parseErrors(input: String, message: String) {
        #expect(throws: FieldSelectorError(message)) { try FieldSelector(parsing: input) }
    }

    static let fields = ["metadata.name": "foo", "metadata.namespace": "ns", "status.phase": "Running"]

    @Test(arguments: [
        ("", true),
        ("metadata.name=foo", true),
        ("metadata.name==foo", true),
        ("metadata.name=bar", false),
        ("metadata.name!=foo", false),
        ("status.phase!=Pending", true),
        ("spec.nodeName=", true),
        ("spec.nodeName!=", false),
        ("spec.nodeName=node-1", false),
        ("metadata.name=foo,metadata.namespace=ns", true),
        ("metadata.name=foo,metadata.namespace=other", false),
    ])
    func truthTable(selector: String, expected: Bool) throws {
        #expect(try FieldSelector(parsing: selector).matches(Self.fields) == expected)
    }

    @Test func unsupportedFieldLabel() throws {
        let selector = try FieldSelector(parsing: "metadata.name=a,spec.foo=b,spec.bar=c")
        #expect(selector.fields == ["metadata.name", "spec.bar", "spec.foo"])
        #expect(throws: FieldSelectorError("field label not supported: spec.bar")) {
            try selector.checkSupported(["metadata.name", "metadata.namespace"])
        }
        try selector.checkSupported(["metadata.name", "spec.foo", "spec.bar"])
    }

    @Test func requiresExactMatch() throws {
        let selector = try FieldSelector(parsing: "metadata.name=foo,status.phase!=Running")
        #expect(selector.requiresExactMatch("metadata.name") == "foo")
        #expect(selector.requiresExactMatch("status.phase") == nil)
        #expect(selector.requiresExactMatch("metadata.namespace") == nil)
    }

    @Test(arguments: ["plain", "a,b", "a=b", #"back\slash"#, #"\,=\"#, ""])
    func escapeRoundTrip(value: String) throws {
        #expect(try FieldSelector.unescapeValue(FieldSelector.escapeValue(value)) == value)
        let selector = FieldSelector(matching: ["f": value])
        #expect(try FieldSelector(parsing: selector.description) == selector)
    }
}
