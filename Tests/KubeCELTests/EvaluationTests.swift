//! Table-driven tests of expression evaluation: literals, operators, the
//! commutative error semantics of `&&`/`||`, macros, the standard and
//! extension function libraries, and runtime errors.
import KubeCEL
import KubeCore
import Testing

/// One expression with its expected result: a value, or an evaluation error message.
struct EvalCase: Sendable, CustomStringConvertible {
    var expression: String
    var expected: Result<CELValue, CELError>
    var description: String { expression }

    init(_ expression: String, _ value: CELValue) {
        self.expression = expression
        expected = .success(value)
    }

    init(_ expression: String, error: String) {
        self.expression = expression
        expected = .failure(CELError(error))
    }
}

/// Compiles with every variable typed `dyn` and evaluates.
func evaluate(_ expression: String, _ bindings: [String: CELValue] = [:]) throws -> Result<CELValue, CELError> {
    let env = CELEnvironment(variables: bindings.mapValues { _ in .dyn })
    return try env.compile(expression).evaluate(bindings)
}

func list(_ values: CELValue...) -> CELValue { .list(CELList(values)) }

let literalCases: [EvalCase] = [
    EvalCase("1", .int(1)),
    EvalCase("-1", .int(-1)),
    EvalCase("-9223372036854775808", .int(.min)),
    EvalCase("0x1F", .int(31)),
    EvalCase("7u", .uint(7)),
    EvalCase("0xFFu", .uint(255)),
    EvalCase("1.5", .double(1.5)),
    EvalCase("1e3", .double(1000)),
    EvalCase(".5", .double(0.5)),
    EvalCase("-2.5e-1", .double(-0.25)),
    EvalCase("true", .bool(true)),
    EvalCase("null", .null),
    EvalCase(#"'a\nb'"#, .string("a\nb")),
    EvalCase(#""tab\there""#, .string("tab\there")),
    EvalCase(#"'\u00e9\U0001F600'"#, .string("é😀")),
    EvalCase(#"'\x41\101\''"#, .string("AA'")),
    EvalCase(#"r'\n\d'"#, .string(#"\n\d"#)),
    EvalCase("'''two\nlines'''", .string("two\nlines")),
    EvalCase(#"b'ab\xff'"#, .bytes([97, 98, 255])),
    EvalCase(#"b'é'"#, .bytes([0xC3, 0xA9])),
    EvalCase("[1, 2, 3]", list(.int(1), .int(2), .int(3))),
    EvalCase("[]", list()),
    EvalCase("{'a': 1}['a']", .int(1)),
    EvalCase("{1: 'one', 2: 'two'}[2]", .string("two")),
    EvalCase("dyn({1: 'one'})[1u]", .string("one")),
    EvalCase("size({'a': 1, 'b': 2})", .int(2)),
    EvalCase("// a comment\n 42", .int(42)),
]

let operatorCases: [EvalCase] = [
    EvalCase("1 + 2 * 3", .int(7)),
    EvalCase("(1 + 2) * 3", .int(9)),
    EvalCase("7 / 2", .int(3)),
    EvalCase("-7 / 2", .int(-3)),
    EvalCase("7 % 3", .int(1)),
    EvalCase("-7 % 3", .int(-1)),
    EvalCase("10u / 3u", .uint(3)),
    EvalCase("1.0 / 4.0", .double(0.25)),
    EvalCase("1.0 / 0.0", .double(.infinity)),
    EvalCase("-(3)", .int(-3)),
    EvalCase("--3", .int(3)),
    EvalCase("!true", .bool(false)),
    EvalCase("!!true", .bool(true)),
    EvalCase("'ab' + 'cd'", .string("abcd")),
    EvalCase("b'a' + b'b'", .bytes([97, 98])),
    EvalCase("[1] + [2, 3]", list(.int(1), .int(2), .int(3))),
    EvalCase("1 < 2", .bool(true)),
    EvalCase("2 <= 2", .bool(true)),
    EvalCase("'a' < 'b'", .bool(true)),
    EvalCase("'b' >= 'a'", .bool(true)),
    EvalCase("b'a' < b'b'", .bool(true)),
    EvalCase("false < true", .bool(true)),
    EvalCase("1 < 1.5", .bool(true)),
    EvalCase("2u > 1", .bool(true)),
    EvalCase("-1 < 0u", .bool(true)),
    EvalCase("1 == 1", .bool(true)),
    EvalCase("1 != 2", .bool(true)),
    EvalCase("dyn(1) == 1.0", .bool(true)),
    EvalCase("dyn(1u) == 1", .bool(true)),
    EvalCase("dyn('a') == 1", .bool(false)),
    EvalCase("[1, 2] == [1, 2]", .bool(true)),
    EvalCase("[1, 2] == [2, 1]", .bool(false)),
    EvalCase("{'a': 1, 'b': 2} == {'b': 2, 'a': 1}", .bool(true)),
    EvalCase("null == null", .bool(true)),
    EvalCase("1 in [1, 2]", .bool(true)),
    EvalCase("3 in [1, 2]", .bool(false)),
    EvalCase("'a' in {'a': 1}", .bool(true)),
    EvalCase("true ? 1 : 2", .int(1)),
    EvalCase("false ? 1 / 0 : 2", .int(2)),
    EvalCase("1 < 2 ? 'yes' : 'no'", .string("yes")),
    EvalCase("9223372036854775807 + 1", error: "integer overflow"),
    EvalCase("-9223372036854775808 - 1", error: "integer overflow"),
    EvalCase("0u - 1u", error: "unsigned integer overflow"),
    EvalCase("1 / 0", error: "division by zero"),
    EvalCase("1 % 0", error: "modulus by zero"),
    EvalCase("dyn('a') < 1", error: "no such overload"),
    EvalCase("dyn('a') + 1", error: "no such overload"),
]

/// `&&` and `||` are commutative over errors: a false (true) on either side wins.
let logicCases: [EvalCase] = [
    EvalCase("true && true", .bool(true)),
    EvalCase("true && false", .bool(false)),
    EvalCase("false || true", .bool(true)),
    EvalCase("false || false", .bool(false)),
    EvalCase("false && 1 / 0 == 1", .bool(false)),
    EvalCase("1 / 0 == 1 && false", .bool(false)),
    EvalCase("true && 1 / 0 == 1", error: "division by zero"),
    EvalCase("1 / 0 == 1 && true", error: "division by zero"),
    EvalCase("1 / 0 == 1 && 2 % 0 == 1", error: "division by zero"),
    EvalCase("true || 1 / 0 == 1", .bool(true)),
    EvalCase("1 / 0 == 1 || true", .bool(true)),
    EvalCase("false || 1 / 0 == 1", error: "division by zero"),
    EvalCase("1 / 0 == 1 || false", error: "division by zero"),
    EvalCase("dyn(1) && false", .bool(false)),
    EvalCase("dyn(1) || true", .bool(true)),
    EvalCase("dyn(1) && true", error: "no such overload"),
    EvalCase("{'a': 1}.b == 1 || true", .bool(true)),
    EvalCase("{'a': 1}.b == 1 && true", error: "no such key: b"),
]

let macroCases: [EvalCase] = [
    EvalCase("[1, 2, 3].all(x, x > 0)", .bool(true)),
    EvalCase("[1, 2, 3].all(x, x > 1)", .bool(false)),
    EvalCase("[].all(x, x > 1)", .bool(true)),
    EvalCase("[1, 2, 3].exists(x, x > 2)", .bool(true)),
    EvalCase("[].exists(x, true)", .bool(false)),
    EvalCase("[1, 2, 3].exists_one(x, x > 2)", .bool(true)),
    EvalCase("[1, 2, 3].exists_one(x, x > 1)", .bool(false)),
    EvalCase("[1, 2, 3].map(x, x * 2)", list(.int(2), .int(4), .int(6))),
    EvalCase("[1, 2, 3].map(x, x > 1, x * 10)", list(.int(20), .int(30))),
    EvalCase("[1, 2, 3].filter(x, x % 2 == 1)", list(.int(1), .int(3))),
    EvalCase("{'a': 1, 'b': 2}.all(k, k != 'c')", .bool(true)),
    EvalCase("{'a': 1, 'b': 2}.filter(k, k == 'b')", list(.string("b"))),
    EvalCase("{'a': 1}.map(k, k + '!')", list(.string("a!"))),
    EvalCase("[[1, 2], [3]].all(l, l.all(x, x > 0))", .bool(true)),
    EvalCase("[1, 2].all(i, v, i < v)", .bool(true)),
    EvalCase("{'a': 'a', 'b': 'c'}.exists(k, v, k == v)", .bool(true)),
    // Errors inside all/exists are absorbed by a decisive element, as with &&/||.
    EvalCase("[0, -1].all(x, 1 / x > 0)", .bool(false)),
    EvalCase("[0, 1].all(x, 1 / x > 0)", error: "division by zero"),
    EvalCase("[0, 1].exists(x, 1 / x > 0)", .bool(true)),
    EvalCase("[0, -1].exists(x, 1 / x > 0)", error: "division by zero"),
    EvalCase("[0, 1].exists_one(x, 1 / x > 0)", error: "division by zero"),
    EvalCase("[0, 1].map(x, 1 / x)", error: "division by zero"),
    EvalCase("has({'a': 1}.a)", .bool(true)),
    EvalCase("has({'a': 1}.b)", .bool(false)),
    EvalCase("has({'a': {'b': 1}}.a.b)", .bool(true)),
]

let stringCases: [EvalCase] = [
    EvalCase("size('héllo')", .int(5)),
    EvalCase("'héllo'.size()", .int(5)),
    EvalCase("size(b'abc')", .int(3)),
    EvalCase("'hello'.contains('ell')", .bool(true)),
    EvalCase("'hello'.contains('')", .bool(true)),
    EvalCase("'hello'.startsWith('he')", .bool(true)),
    EvalCase("'hello'.endsWith('lo')", .bool(true)),
    EvalCase("'hello'.endsWith('he')", .bool(false)),
    EvalCase("'abc'.matches('^a.c$')", .bool(true)),
    EvalCase("matches('abc', 'b')", .bool(true)),
    EvalCase("'abc'.matches('^b')", .bool(false)),
    EvalCase("'Hello World'.lowerAscii()", .string("hello world")),
    EvalCase("'héllo'.upperAscii()", .string("HéLLO")),
    EvalCase("'  x y \\t\\n'.trim()", .string("x y")),
    EvalCase("'a,b,c'.split(',')", list(.string("a"), .string("b"), .string("c"))),
    EvalCase("'a,b,c'.split(',', 2)", list(.string("a"), .string("b,c"))),
    EvalCase("'a,b'.split(',', 0)", list()),
    EvalCase("['a', 'b', 'c'].join('-')", .string("a-b-c")),
    EvalCase("['a', 'b'].join()", .string("ab")),
    EvalCase("'hello'.indexOf('l')", .int(2)),
    EvalCase("'hello'.indexOf('l', 3)", .int(3)),
    EvalCase("'hello'.indexOf('z')", .int(-1)),
    EvalCase("'hello'.indexOf('')", .int(0)),
    EvalCase("'hello'.indexOf('l', 9)", error: "index out of range: 9"),
    EvalCase("'hello'.lastIndexOf('l')", .int(3)),
    EvalCase("'hello'.lastIndexOf('l', 2)", .int(2)),
    EvalCase("'hello'.replace('l', 'L')", .string("heLLo")),
    EvalCase("'hello'.replace('l', 'L', 1)", .string("heLlo")),
    EvalCase("'hello'.substring(1)", .string("ello")),
    EvalCase("'hello'.substring(1, 3)", .string("el")),
    EvalCase("'héllo'.substring(1, 2)", .string("é")),
    EvalCase("'hello'.substring(3, 1)", error: "invalid substring range. start: 3, end: 1"),
    EvalCase("'hello'.substring(7)", error: "index out of range: 7"),
    EvalCase("'hello'.charAt(1)", .string("e")),
    EvalCase("'hello'.charAt(5)", .string("")),
    EvalCase("'hello'.charAt(6)", error: "index out of range: 6"),
    EvalCase("'%s has %d items'.format(['list', 3])", .string("list has 3 items")),
    EvalCase("'%.2f and %e'.format([1.5, 1000.0])", .string("1.50 and 1.000000e+03")),
    EvalCase("'%x %o %b'.format([255, 8, 5])", .string("ff 10 101")),
    EvalCase("'100%%'.format([])", .string("100%")),
    EvalCase("'%s'.format([[1, 'a']])", .string(#"[1, "a"]"#)),
    EvalCase("'%d'.format(['x'])", error: "error during formatting: decimal clause can only be used on integers, was given string"),
    EvalCase(#"strings.quote('a"b\n')"#, .string(#""a\"b\n""#)),
    EvalCase("'abc123def'.find('[0-9]+')", .string("123")),
    EvalCase("'a1b2c3'.findAll('[0-9]')", list(.string("1"), .string("2"), .string("3"))),
    EvalCase("'a1b2c3'.findAll('[0-9]', 2)", list(.string("1"), .string("2"))),
]

let libraryCases: [EvalCase] = [
    EvalCase("[1, 2, 3].isSorted()", .bool(true)),
    EvalCase("['b', 'a'].isSorted()", .bool(false)),
    EvalCase("[1, 2, 3].sum()", .int(6)),
    EvalCase("[1.5, 2.5].sum()", .double(4)),
    EvalCase("[duration('1m'), duration('1s')].sum() == duration('61s')", .bool(true)),
    EvalCase("[3, 1, 2].min()", .int(1)),
    EvalCase("[3, 1, 2].max()", .int(3)),
    EvalCase("dyn([]).min()", error: "min called on empty list"),
    EvalCase("[1, 2, 2].indexOf(2)", .int(1)),
    EvalCase("[1, 2, 2].lastIndexOf(2)", .int(2)),
    EvalCase("[1, 2].indexOf(5)", .int(-1)),
    EvalCase("sets.contains([1, 2, 3], [1, 2])", .bool(true)),
    EvalCase("sets.equivalent([1, 2], [2, 1, 1])", .bool(true)),
    EvalCase("sets.intersects([1], [2])", .bool(false)),
    EvalCase("int('42')", .int(42)),
    EvalCase("int('x')", error: #"strconv.ParseInt: parsing "x": invalid syntax"#),
    EvalCase("int(2.9)", .int(2)),
    EvalCase("int(-2.9)", .int(-2)),
    EvalCase("int(1e20)", error: "integer overflow"),
    EvalCase("int(18446744073709551615u)", error: "integer overflow"),
    EvalCase("uint(-1)", error: "unsigned integer overflow"),
    EvalCase("uint('7')", .uint(7)),
    EvalCase("double(3)", .double(3)),
    EvalCase("double('2.5')", .double(2.5)),
    EvalCase("string(1.5)", .string("1.5")),
    EvalCase("string(1000000.0)", .string("1e+06")),
    EvalCase("string(0.0001)", .string("0.0001")),
    EvalCase("string(-7)", .string("-7")),
    EvalCase("string(true)", .string("true")),
    EvalCase("string(b'abc')", .string("abc")),
    EvalCase("bytes('é')", .bytes([0xC3, 0xA9])),
    EvalCase("bool('false')", .bool(false)),
    EvalCase("type(1) == int", .bool(true)),
    EvalCase("type('a') == string", .bool(true)),
    EvalCase("type([]) == list", .bool(true)),
    EvalCase("duration('1h30m') == duration('90m')", .bool(true)),
    EvalCase("string(duration('1h30m'))", .string("5400s")),
    EvalCase("string(duration('1.5s'))", .string("1.5s")),
    EvalCase("duration('2h').getMinutes()", .int(120)),
    EvalCase("duration('1m') < duration('61s')", .bool(true)),
    EvalCase("timestamp('2024-01-02T03:04:05Z').getFullYear()", .int(2024)),
    EvalCase("timestamp('2024-01-02T03:04:05Z').getMonth()", .int(0)),
    EvalCase("timestamp('2024-01-02T03:04:05Z').getDate()", .int(2)),
    EvalCase("timestamp('2024-03-01T00:00:00Z').getDayOfWeek()", .int(5)),
    EvalCase("timestamp('2024-12-31T00:00:00Z').getDayOfYear()", .int(365)),
    EvalCase("timestamp('2024-01-02T03:04:05Z').getHours('+02:00')", .int(5)),
    EvalCase("timestamp('2024-01-02T03:04:05+01:00') == timestamp('2024-01-02T02:04:05Z')", .bool(true)),
    EvalCase("timestamp('2024-01-02T03:04:05Z') + duration('1h') == timestamp('2024-01-02T04:04:05Z')", .bool(true)),
    EvalCase("timestamp('2024-01-02T00:00:00Z') - timestamp('2024-01-01T00:00:00Z') == duration('24h')", .bool(true)),
    EvalCase("string(timestamp('2024-01-02T03:04:05.250Z'))", .string("2024-01-02T03:04:05.25Z")),
    EvalCase("int(timestamp('1970-01-01T00:01:00Z'))", .int(60)),
    EvalCase("timestamp(86400) == timestamp('1970-01-02T00:00:00Z')", .bool(true)),
    EvalCase("optional.of(1).hasValue()", .bool(true)),
    EvalCase("optional.none().hasValue()", .bool(false)),
    EvalCase("optional.of(1).value()", .int(1)),
    EvalCase("optional.none().orValue(2)", .int(2)),
    EvalCase("optional.ofNonZeroValue('').hasValue()", .bool(false)),
    EvalCase("optional.none().value()", error: "optional.none() dereference"),
    EvalCase("{'a': 1}.?a.orValue(0)", .int(1)),
    EvalCase("{'a': 1}.?b.orValue(0)", .int(0)),
    EvalCase("[1, 2][?5].hasValue()", .bool(false)),
    EvalCase("quantity('1Gi') == quantity('1024Mi')", .bool(true)),
    EvalCase("quantity('1').isLessThan(quantity('2'))", .bool(true)),
    EvalCase("quantity('3').compareTo(quantity('2'))", .int(1)),
    EvalCase("quantity('500m').isInteger()", .bool(false)),
    EvalCase("quantity('2k').asInteger()", .int(2000)),
    EvalCase("quantity('-1').sign()", .int(-1)),
    EvalCase("isQuantity('1x')", .bool(false)),
]

let runtimeErrorCases: [EvalCase] = [
    EvalCase("{'a': 1}.b", error: "no such key: b"),
    EvalCase("{'a': 1}['b']", error: "no such key: b"),
    EvalCase("[1][2]", error: "index '2' out of range in list size '1'"),
    EvalCase("{'a': 1, 'a': 2}", error: "Failed with repeated key"),
    EvalCase("duration(dyn('x'))", error: #"time: invalid duration "x""#),
    EvalCase("timestamp(dyn('2024-13-01T00:00:00Z'))",
             error: #"parsing time "2024-13-01T00:00:00Z" as "2006-01-02T15:04:05Z07:00": cannot parse "2024-13-01T00:00:00Z" as "2006""#),
]

@Test("literals evaluate", arguments: literalCases)
func literals(_ c: EvalCase) throws {
    #expect(try evaluate(c.expression) == c.expected)
}

@Test("operators evaluate with CEL's overflow and type rules", arguments: operatorCases)
func operators(_ c: EvalCase) throws {
    #expect(try evaluate(c.expression) == c.expected)
}

@Test("&& and || absorb errors commutatively", arguments: logicCases)
func logic(_ c: EvalCase) throws {
    #expect(try evaluate(c.expression) == c.expected)
}

@Test("macros expand and evaluate", arguments: macroCases)
func macros(_ c: EvalCase) throws {
    #expect(try evaluate(c.expression) == c.expected)
}

@Test("string functions and the strings extension", arguments: stringCases)
func strings(_ c: EvalCase) throws {
    #expect(try evaluate(c.expression) == c.expected)
}

@Test("lists, sets, conversions, time, optionals and quantities", arguments: libraryCases)
func libraries(_ c: EvalCase) throws {
    #expect(try evaluate(c.expression) == c.expected)
}

@Test("runtime errors carry cel-go's messages", arguments: runtimeErrorCases)
func runtimeErrors(_ c: EvalCase) throws {
    #expect(try evaluate(c.expression) == c.expected)
}

@Test("variables are bound at evaluation")
func variables() throws {
    let env = CELEnvironment(variables: ["x": .int, "names": .list(.string)])
    let program = try env.compile("x > 2 && names.exists(n, n == 'b')")
    #expect(program.evaluate(["x": .int(3), "names": list(.string("a"), .string("b"))]) == .success(.bool(true)))
    #expect(program.evaluate(["x": .int(1), "names": list()]) == .success(.bool(false)))
    #expect(program.referencedVariables == ["x", "names"])
    #expect(program.outputType == .bool)
}

@Test("JSON converts to CEL values without a schema")
func jsonConversion() throws {
    let json: JSONValue = ["a": 1, "b": [true, "x"], "c": 1.5, "d": nil]
    let result = try evaluate("v.a == 1 && v.b[1] == 'x' && v.c == 1.5 && v.d == null", ["v": CELValue(json: json)])
    #expect(result == .success(.bool(true)))
}
