//! Compile-time behaviour: syntax errors and type errors with cel-go's
//! rendered text, unsupported functions failing to compile, and the
//! Agent Sandbox `volumeClaimTemplates` transition rule.
import KubeCEL
import KubeCore
import Testing

struct CompileCase: Sendable, CustomStringConvertible {
    var expression: String
    var expected: String
    var description: String { expression }
    init(_ expression: String, _ expected: String) {
        self.expression = expression
        self.expected = expected
    }
}

let selfType = CELType.object(CELObjectType(name: "selfType", fields: [
    "replicas": .int, "name": .string, "tags": .list(.string), "labels": .map(key: .string, value: .string),
]))

let compileCases: [CompileCase] = [
    CompileCase("self.foo == 1", "ERROR: <input>:1:5: undefined field 'foo'\n | self.foo == 1\n | ....^"),
    CompileCase("foo", "ERROR: <input>:1:1: undeclared reference to 'foo' (in container '')\n | foo\n | ^"),
    CompileCase("self.replicas + 'a' == 1",
                "ERROR: <input>:1:15: found no matching overload for '_+_' applied to '(int, string)'\n | self.replicas + 'a' == 1\n | ..............^"),
    CompileCase("self.name == 1", "ERROR: <input>:1:11: found no matching overload for '_==_' applied to '(string, int)'\n | self.name == 1\n | ..........^"),
    CompileCase("self.name.startsWith(1)",
                "ERROR: <input>:1:21: found no matching overload for 'startsWith' applied to 'string.(int)'\n | self.name.startsWith(1)\n | ....................^"),
    CompileCase("self.name.fakeFunction()",
                "ERROR: <input>:1:23: undeclared reference to 'fakeFunction' (in container '')\n | self.name.fakeFunction()\n | ......................^"),
    CompileCase("self.replicas.x", "ERROR: <input>:1:14: type 'int' does not support field selection\n | self.replicas.x\n | .............^"),
    CompileCase("self.replicas.all(x, true)",
                "ERROR: <input>:1:5: expression of type 'int' cannot be range of a comprehension (must be list, map, or dynamic)\n | self.replicas.all(x, true)\n | ....^"),
    CompileCase("self.tags.all(t, t)",
                "ERROR: <input>:1:18: found no matching overload for '_&&_' applied to '(bool, string)'\n | self.tags.all(t, t)\n | .................^"),
    CompileCase("self.replicas >",
                "ERROR: <input>:1:16: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}\n | self.replicas >\n | ...............^"),
    CompileCase("'Expected integer greater or equal to 1, got ' + this does not compile",
                "ERROR: <input>:1:55: Syntax error: mismatched input 'does' expecting <EOF>\n | 'Expected integer greater or equal to 1, got ' + this does not compile\n | ......................................................^"),
    CompileCase("self.replicas > 0 garbage",
                "ERROR: <input>:1:19: Syntax error: extraneous input 'garbage' expecting <EOF>\n | self.replicas > 0 garbage\n | ..................^"),
    CompileCase("a | b",
                "ERROR: <input>:1:3: Syntax error: token recognition error at: '| '\n | a | b\n | ..^\nERROR: <input>:1:5: Syntax error: extraneous input 'b' expecting <EOF>\n | a | b\n | ....^"),
    CompileCase("1 + 2\n3 +", "ERROR: <input>:2:1: Syntax error: mismatched input '3' expecting <EOF>\n | 3 +\n | ^"),
    CompileCase("[1].all(1, true)", "ERROR: <input>:1:9: argument must be a simple name\n | [1].all(1, true)\n | ........^"),
    CompileCase("has(self)", "ERROR: <input>:1:5: invalid argument to has() macro\n | has(self)\n | ....^"),
    CompileCase("if", "ERROR: <input>:1:1: reserved identifier: if\n | if\n | ^"),
    CompileCase("[1, 'a'] == []", "ERROR: <input>:1:5: expected type 'int' but found 'string'\n | [1, 'a'] == []\n | ....^"),
    CompileCase("duration('1x') > duration('1s')", "ERROR: <input>:1:10: invalid duration argument\n | duration('1x') > duration('1s')\n | .........^"),
    CompileCase("timestamp('yesterday') == timestamp(0)", "ERROR: <input>:1:11: invalid timestamp argument\n | timestamp('yesterday') == timestamp(0)\n | ..........^"),
    CompileCase("'é' + x", "ERROR: <input>:1:7: undeclared reference to 'x' (in container '')\n | 'é' + x\n | .\u{FF0E}....^"),
]

@Test("compile errors are rendered as cel-go renders them", arguments: compileCases)
func compileErrors(_ c: CompileCase) {
    let env = CELEnvironment(variables: ["self": selfType])
    #expect(throws: CELCompileError.self) { try env.compile(c.expression) }
    do {
        _ = try env.compile(c.expression)
    } catch {
        #expect(error.description == c.expected)
    }
}

@Test("well-typed rules compile to bool", arguments: [
    "self.replicas >= 0 && self.name.startsWith('a')",
    "self.tags.all(t, t.size() < 10) && self.labels.all(k, self.labels[k] != '')",
    "has(self.name) ? self.name.matches('^[a-z]+$') : true",
    "self.tags.map(t, t.upperAscii()).exists(t, t == 'X')",
    "'%s/%d'.format([self.name, self.replicas]) != ''",
    "self.labels.?app.orValue('none') == 'web'",
    "size(self.tags) == self.tags.size()",
    "type(self.replicas) == int",
])
func wellTyped(_ expression: String) throws {
    let env = CELEnvironment(variables: ["self": selfType])
    #expect(try env.compile(expression).outputType == .bool)
}

/// The rule of the Agent Sandbox CRD that makes `spec.volumeClaimTemplates` immutable.
let sandboxRule = "has(self.volumeClaimTemplates) == has(oldSelf.volumeClaimTemplates) && (!has(self.volumeClaimTemplates) || self.volumeClaimTemplates == oldSelf.volumeClaimTemplates)"

@Test("the Agent Sandbox volumeClaimTemplates immutability rule", arguments: [
    (nil, nil, true),
    ([["metadata": ["name": "a"]]] as [JSONValueLike]?, nil, false),
    (nil, [["metadata": ["name": "a"]]], false),
    ([["metadata": ["name": "a"]]], [["metadata": ["name": "a"]]], true),
    ([["metadata": ["name": "a"]]], [["metadata": ["name": "b"]]], false),
] as [([JSONValueLike]?, [JSONValueLike]?, Bool)])
func sandboxImmutability(_ new: [JSONValueLike]?, _ old: [JSONValueLike]?, _ expected: Bool) throws {
    let template = CELType.object(CELObjectType(name: "selfType.volumeClaimTemplates.@idx", fields: [
        "metadata": .object(CELObjectType(name: "selfType.volumeClaimTemplates.@idx.metadata", fields: ["name": .string])),
    ]))
    let spec = CELType.object(CELObjectType(name: "selfType", fields: ["volumeClaimTemplates": .list(template), "replicas": .int]))
    let env = CELEnvironment(variables: ["self": spec, "oldSelf": spec])
    let program = try env.compile(sandboxRule)
    #expect(program.referencedVariables.contains("oldSelf"))
    func value(_ templates: [JSONValueLike]?) -> CELValue {
        var fields: [String: CELValue] = ["replicas": .int(1)]
        if let templates { fields["volumeClaimTemplates"] = .list(CELList(templates.map { CELValue(json: $0.json) }, kind: .atomic)) }
        return .map(CELMap(fields))
    }
    #expect(program.evaluate(["self": value(new), "oldSelf": value(old)]) == .success(.bool(expected)))
}

/// A Sendable wrapper so JSON literals can be test arguments.
struct JSONValueLike: Sendable, ExpressibleByDictionaryLiteral {
    var json: JSONValue
    init(dictionaryLiteral elements: (String, JSONValue)...) {
        json = .object(Dictionary(elements, uniquingKeysWith: { a, _ in a }))
    }
}

@Test("expressions nested deeper than the recursion limit fail to compile instead of exhausting the stack", arguments: [
    Array(repeating: "1", count: 300).joined(separator: " + ") + " > 0",
    String(repeating: "(", count: 300) + "1" + String(repeating: ")", count: 300) + " > 0",
    String(repeating: "[", count: 300) + String(repeating: "]", count: 300) + " == []",
])
func recursionLimit(_ expression: String) {
    #expect {
        _ = try CELEnvironment().compile(expression)
    } throws: { error in
        (error as? CELCompileError)?.issues.first?.message == "expression recursion limit exceeded: 250"
    }
}
