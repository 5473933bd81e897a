//! The type checker: resolves identifiers, field selections and function
//! overloads against the declared variables and the function library, and
//! reports cel-go's messages ("undeclared reference to 'x' (in container '')",
//! "found no matching overload for '_+_' applied to '(string, int)'",
//! "undefined field 'x'", ...). It also applies the literal validators
//! Kubernetes enables: homogeneous list/map literals and valid `duration`,
//! `timestamp` and regular-expression literals.

struct Checker {
    private var issues: IssueCollector
    private let variables: [String: CELType]
    private var scopes: [[String: CELType]] = []
    /// Declared variables the expression references.
    private(set) var referenced: Set<String> = []

    init(source: CELSource, variables: [String: CELType]) {
        issues = IssueCollector(source)
        self.variables = variables
    }

    var reportedIssues: [CELIssue] { issues.issues }

    static let typeIdentifiers: [String: CELType] = [
        "bool": .bool, "int": .int, "uint": .uint, "double": .double, "string": .string, "bytes": .bytes,
        "list": .list(.dyn), "map": .map(key: .dyn, value: .dyn), "null_type": .null, "type": .type(.dyn),
    ]

    private mutating func error(_ offset: Int, _ message: String) -> CELType {
        issues.report(at: offset, message)
        return .error
    }

    private func lookup(_ name: String) -> CELType? {
        for scope in scopes.reversed() {
            if let t = scope[name] { return t }
        }
        return nil
    }

    /// Checks `e`, returning the (possibly rewritten) expression and its type.
    mutating func check(_ e: Expr, inFormat: Bool = false) -> (Expr, CELType) {
        switch e.kind {
        case .literal(let v):
            return (e, v.type)

        case .ident(let name):
            if let t = lookup(name) { return (e, t) }
            if let t = variables[name] {
                referenced.insert(name)
                return (e, t)
            }
            if let t = Self.typeIdentifiers[name] {
                return (Expr(e.offset, .literal(.type(t))), .type(t))
            }
            return (e, error(e.offset, "undeclared reference to '\(name)' (in container '')"))

        case .select(let operand, let field, let presenceTest, let optional):
            let (checkedOperand, operandType) = check(operand)
            let rebuilt = Expr(e.offset, .select(operand: checkedOperand, field: field, presenceTest: presenceTest, optional: optional))
            var base = operandType
            var wrapInOptional = optional
            if case .optional(let inner) = operandType, !presenceTest {
                base = inner
                wrapInOptional = true
            }
            let fieldType = selectType(base, field, e.offset)
            if presenceTest { return (rebuilt, fieldType == .error ? .error : .bool) }
            if fieldType == .error { return (rebuilt, .error) }
            return (rebuilt, wrapInOptional ? .optional(fieldType) : fieldType)

        case .call(let function, let target, let args):
            return checkCall(e, function, target, args)

        case .list(let elements):
            var checked: [Expr] = []
            var types: [CELType] = []
            for element in elements {
                let (c, t) = check(element, inFormat: inFormat)
                checked.append(c)
                types.append(t)
            }
            var elementType: CELType?
            var mismatch = false
            for (i, t) in types.enumerated() {
                guard let expected = elementType else {
                    elementType = t
                    continue
                }
                if t != expected {
                    if !inFormat, t != .error, expected != .error {
                        issues.report(at: elements[i].offset, "expected type '\(expected)' but found '\(t)'")
                    }
                    mismatch = true
                    break
                }
            }
            return (Expr(e.offset, .list(checked)), .list(mismatch ? .dyn : (elementType ?? .dyn)))

        case .map(let entries):
            var checked: [MapEntry] = []
            var keyType: CELType?
            var valueType: CELType?
            var keyMismatch = false
            var valueMismatch = false
            for entry in entries {
                let (k, kt) = check(entry.key, inFormat: inFormat)
                let (v, vt) = check(entry.value, inFormat: inFormat)
                checked.append(MapEntry(key: k, value: v))
                if let expected = keyType, !keyMismatch, expected != kt {
                    keyMismatch = true
                    if !inFormat, expected != .error, kt != .error {
                        issues.report(at: entry.key.offset, "expected type '\(expected)' but found '\(kt)'")
                    }
                }
                if let expected = valueType, !valueMismatch, expected != vt {
                    valueMismatch = true
                    if !inFormat, expected != .error, vt != .error {
                        issues.report(at: entry.value.offset, "expected type '\(expected)' but found '\(vt)'")
                    }
                }
                if keyType == nil { keyType = kt }
                if valueType == nil { valueType = vt }
            }
            let k = keyMismatch ? CELType.dyn : (keyType ?? .dyn)
            let v = valueMismatch ? CELType.dyn : (valueType ?? .dyn)
            return (Expr(e.offset, .map(checked)), .map(key: k, value: v))

        case .comprehension(let c):
            return checkComprehension(e, c)
        }
    }

    /// The type of `base.field`, reporting unknown fields.
    private mutating func selectType(_ base: CELType, _ field: String, _ offset: Int) -> CELType {
        switch base {
        case .object(let o):
            guard let t = o.fields[field] else { return error(offset, "undefined field '\(field)'") }
            return t
        case .map(_, let v): return v
        case .dyn: return .dyn
        case .error: return .error
        default: return error(offset, "type '\(base)' does not support field selection")
        }
    }

    /// `a.b.c` as a qualified name, when `e` is a chain of identifiers.
    private func qualifiedName(_ e: Expr) -> String? {
        switch e.kind {
        case .ident(let name): return lookup(name) == nil && variables[name] == nil ? name : nil
        case .select(let operand, let field, false, false): return qualifiedName(operand).map { $0 + "." + field }
        default: return nil
        }
    }

    private mutating func checkCall(_ e: Expr, _ function: String, _ target: Expr?, _ args: [Expr]) -> (Expr, CELType) {
        var function = function
        var target = target
        // `optional.of(x)`, `sets.contains(a, b)`, `strings.quote(s)`: namespaced global functions.
        if let t = target, let namespace = qualifiedName(t), Library.functions["\(namespace).\(function)"] != nil {
            function = "\(namespace).\(function)"
            target = nil
        }
        var checkedArgs: [Expr] = []
        var types: [CELType] = []
        var checkedTarget: Expr?
        if let target {
            let (c, t) = check(target)
            checkedTarget = c
            types.append(t)
        }
        for arg in args {
            let formatArgument = function == "format" && target != nil
            let (c, t) = check(arg, inFormat: formatArgument)
            checkedArgs.append(c)
            types.append(t)
        }
        let rebuilt = Expr(e.offset, .call(function: function, target: checkedTarget, args: checkedArgs))
        validateLiteralArguments(function, target: checkedTarget, args: checkedArgs)
        guard let decl = Library.functions[function] else {
            return (rebuilt, error(e.offset, "undeclared reference to '\(function)' (in container '')"))
        }
        let isMember = checkedTarget != nil
        var results: [CELType] = []
        for overload in decl.overloads where overload.member == isMember && overload.params.count == types.count {
            var unifier = TypeUnifier()
            if zip(overload.params, types).allSatisfy({ unifier.assign($0, from: $1) }) {
                results.append(overload.result.substituting(unifier.bindings))
            }
        }
        guard let first = results.first else {
            if types.contains(.error) { return (rebuilt, .error) }
            return (rebuilt, error(e.offset, "found no matching overload for '\(function)' applied to '\(Self.signature(types, member: isMember))'"))
        }
        return (rebuilt, results.allSatisfy { $0 == first } ? first : .dyn)
    }

    static func signature(_ types: [CELType], member: Bool) -> String {
        var args = types
        var text = ""
        if member, let receiver = args.first {
            text = "\(receiver)."
            args.removeFirst()
        }
        return text + "(" + args.map(\.description).joined(separator: ", ") + ")"
    }

    /// cel-go's `ValidateDurationLiterals`, `ValidateTimestampLiterals` and `ValidateRegexLiterals`.
    private mutating func validateLiteralArguments(_ function: String, target: Expr?, args: [Expr]) {
        func literalString(_ e: Expr?) -> (String, Int)? {
            guard let e, case .literal(.string(let s)) = e.kind else { return nil }
            return (s, e.offset)
        }
        switch function {
        case "duration" where target == nil && args.count == 1:
            if let (s, offset) = literalString(args.first), case .failure = CELDuration.parse(s) {
                issues.report(at: offset, "invalid duration argument")
            }
        case "timestamp" where target == nil && args.count == 1:
            if let (s, offset) = literalString(args.first), case .failure = CELTimestamp.parse(s) {
                issues.report(at: offset, "invalid timestamp argument")
            }
        case "matches", "find", "findAll":
            let pattern = target == nil ? (args.count > 1 ? args[1] : nil) : args.first
            if let (s, offset) = literalString(pattern), case .failure = Regex.compile(s) {
                issues.report(at: offset, "invalid \(function) argument")
            }
        default:
            break
        }
    }

    private mutating func checkComprehension(_ e: Expr, _ c: Comprehension) -> (Expr, CELType) {
        let (range, rangeType) = check(c.range)
        var first: CELType
        var second: CELType?
        switch rangeType {
        case .list(let element):
            first = c.iterVar2 == nil ? element : .int
            second = c.iterVar2 == nil ? nil : element
        case .map(let k, let v):
            first = k
            second = c.iterVar2 == nil ? nil : v
        case .dyn, .error:
            first = .dyn
            second = c.iterVar2 == nil ? nil : .dyn
        default:
            _ = error(c.range.offset, "expression of type '\(rangeType)' cannot be range of a comprehension (must be list, map, or dynamic)")
            first = .error
            second = c.iterVar2 == nil ? nil : .error
        }
        var scope = [c.iterVar: first]
        if let v2 = c.iterVar2, let second { scope[v2] = second }
        scopes.append(scope)
        let (body, bodyType) = check(c.body)
        var filter: Expr?
        var filterType: CELType = .bool
        if let f = c.filter { (filter, filterType) = check(f) }
        scopes.removeLast()
        var checked = c
        checked.range = range
        checked.body = body
        checked.filter = filter
        let rebuilt = Expr(e.offset, .comprehension(checked))
        let elementType: CELType
        switch rangeType {
        case .list(let el): elementType = el
        case .map(let k, _): elementType = k
        default: elementType = .dyn
        }
        func requireBool(_ t: CELType, _ offset: Int, _ op: String, _ signature: [CELType]) -> Bool {
            var u = TypeUnifier()
            if u.assign(.bool, from: t) { return true }
            _ = error(offset, "found no matching overload for '\(op)' applied to '\(Self.signature(signature, member: false))'")
            return false
        }
        switch c.kind {
        case .all:
            return (rebuilt, requireBool(bodyType, c.body.offset, Operator.logicalAnd, [.bool, bodyType]) ? .bool : .error)
        case .exists:
            return (rebuilt, requireBool(bodyType, c.body.offset, Operator.logicalOr, [.bool, bodyType]) ? .bool : .error)
        case .existsOne:
            return (rebuilt, requireBool(bodyType, c.body.offset, Operator.conditional, [bodyType, .int, .int]) ? .bool : .error)
        case .filter:
            let ok = requireBool(bodyType, c.body.offset, Operator.conditional, [bodyType, .list(elementType), .list(elementType)])
            return (rebuilt, ok ? .list(elementType) : .error)
        case .map:
            if let f = c.filter {
                let ok = requireBool(filterType, f.offset, Operator.conditional, [filterType, .list(bodyType), .list(bodyType)])
                if !ok { return (rebuilt, .error) }
            }
            return (rebuilt, .list(bodyType))
        }
    }
}
