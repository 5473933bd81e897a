//! A recursive-descent parser for the CEL grammar (cel-spec langdef.md):
//! conditional, `||`, `&&`, relations, arithmetic, unary, member access and
//! primaries, with the standard macros (`has`, `all`, `exists`, `exists_one`,
//! `map`, `filter`) and two-variable `all`/`exists`/`exists_one` expanded here.
//! Syntax errors use the ANTLR wording cel-go reports for the common cases
//! ("mismatched input ... expecting ...", "extraneous input ...").

struct Parser {
    struct Failure: Error {
        var offset: Int
        var message: String
    }

    /// What ANTLR lists when it expects the start of an expression.
    static let expressionStart = "{'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}"

    static let reservedIdentifiers: Set<String> = [
        "as", "break", "const", "continue", "else", "for", "function", "if", "import", "let", "loop", "package",
        "namespace", "return", "var", "void", "while",
    ]

    private let tokens: [Token]
    private var index = 0
    /// Nesting guard: deeply nested input (and trees deeper than this) is
    /// rejected instead of overflowing the stack, as cel-go's recursion limit.
    private var depth = 0
    private static let maxDepth = 250

    private init(tokens: [Token]) { self.tokens = tokens }

    /// Parses `source` into an expression, or returns every syntax issue found.
    static func parse(_ source: CELSource) -> Result<Expr, CELCompileError> {
        let (tokens, lexErrors) = Lexer.tokenize(source)
        var issues = IssueCollector(source)
        for e in lexErrors { issues.report(at: e.offset, e.message) }
        var parser = Parser(tokens: tokens)
        do {
            let expr = try parser.parseStart()
            if !issues.isEmpty { return .failure(CELCompileError(issues: issues.issues, source: source.text)) }
            return .success(expr)
        } catch let failure as Failure {
            issues.report(at: failure.offset, failure.message)
            return .failure(CELCompileError(issues: issues.issues, source: source.text))
        } catch {
            issues.report(at: 0, "\(error)")
            return .failure(CELCompileError(issues: issues.issues, source: source.text))
        }
    }

    // MARK: Token helpers

    private var current: Token { tokens[min(index, tokens.count - 1)] }
    private func lookahead(_ n: Int) -> Token { tokens[min(index + n, tokens.count - 1)] }

    private mutating func advance() -> Token {
        let t = current
        if index < tokens.count - 1 { index += 1 }
        return t
    }

    private func display(_ t: Token) -> String { "'\(t.text)'" }

    private func mismatched(_ expected: String) -> Failure {
        Failure(offset: current.offset, message: "Syntax error: mismatched input \(display(current)) expecting \(expected)")
    }

    private mutating func expect(_ punctuation: String) throws -> Token {
        guard current.isPunctuation(punctuation) else {
            // ANTLR's single-token deletion: the token after the offending one is the expected one.
            if current.kind != .eof, lookahead(1).isPunctuation(punctuation) {
                throw Failure(offset: current.offset, message: "Syntax error: extraneous input \(display(current)) expecting '\(punctuation)'")
            }
            throw mismatched("'\(punctuation)'")
        }
        return advance()
    }

    // MARK: Grammar

    private mutating func parseStart() throws -> Expr {
        let e = try parseExpr()
        if e.depth > Self.maxDepth {
            throw Failure(offset: e.offset, message: "expression recursion limit exceeded: \(Self.maxDepth)")
        }
        if current.kind != .eof {
            if lookahead(1).kind == .eof {
                throw Failure(offset: current.offset, message: "Syntax error: extraneous input \(display(current)) expecting <EOF>")
            }
            throw mismatched("<EOF>")
        }
        return e
    }

    private mutating func parseExpr() throws -> Expr {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth {
            throw Failure(offset: current.offset, message: "expression recursion limit exceeded: \(Self.maxDepth)")
        }
        let condition = try parseOr()
        guard current.isPunctuation("?") else { return condition }
        let op = advance()
        let truthy = try parseOr()
        _ = try expect(":")
        let falsy = try parseExpr()
        return Expr(op.offset, .call(function: Operator.conditional, target: nil, args: [condition, truthy, falsy]))
    }

    private mutating func parseOr() throws -> Expr {
        var left = try parseAnd()
        while current.isPunctuation("||") {
            let op = advance()
            let right = try parseAnd()
            left = Expr(op.offset, .call(function: Operator.logicalOr, target: nil, args: [left, right]))
        }
        return left
    }

    private mutating func parseAnd() throws -> Expr {
        var left = try parseRelation()
        while current.isPunctuation("&&") {
            let op = advance()
            let right = try parseRelation()
            left = Expr(op.offset, .call(function: Operator.logicalAnd, target: nil, args: [left, right]))
        }
        return left
    }

    private static let relations: [String: String] = [
        "<": Operator.less, "<=": Operator.lessEquals, ">": Operator.greater, ">=": Operator.greaterEquals,
        "==": Operator.equals, "!=": Operator.notEquals,
    ]

    private mutating func parseRelation() throws -> Expr {
        var left = try parseAdditive()
        while true {
            let function: String
            if current.kind == .inKeyword {
                function = Operator.in
            } else if current.kind == .punctuation, let f = Self.relations[current.text] {
                function = f
            } else {
                return left
            }
            let op = advance()
            let right = try parseAdditive()
            left = Expr(op.offset, .call(function: function, target: nil, args: [left, right]))
        }
    }

    private mutating func parseAdditive() throws -> Expr {
        var left = try parseMultiplicative()
        while current.isPunctuation("+") || current.isPunctuation("-") {
            let op = advance()
            let right = try parseMultiplicative()
            let f = op.text == "+" ? Operator.add : Operator.subtract
            left = Expr(op.offset, .call(function: f, target: nil, args: [left, right]))
        }
        return left
    }

    private mutating func parseMultiplicative() throws -> Expr {
        var left = try parseUnary()
        while current.isPunctuation("*") || current.isPunctuation("/") || current.isPunctuation("%") {
            let op = advance()
            let right = try parseUnary()
            let f = op.text == "*" ? Operator.multiply : op.text == "/" ? Operator.divide : Operator.modulo
            left = Expr(op.offset, .call(function: f, target: nil, args: [left, right]))
        }
        return left
    }

    private mutating func parseUnary() throws -> Expr {
        if current.isPunctuation("!") {
            var ops: [Token] = []
            while current.isPunctuation("!") { ops.append(advance()) }
            let operand = try parseMember()
            // cel-go drops pairs of negations.
            if ops.count % 2 == 0 { return operand }
            return Expr(ops[0].offset, .call(function: Operator.logicalNot, target: nil, args: [operand]))
        }
        if current.isPunctuation("-") {
            // `-` directly before a number is part of the literal (so the minimum int parses).
            if lookahead(1).kind == .int || lookahead(1).kind == .double {
                return try parseMember()
            }
            var ops: [Token] = []
            while current.isPunctuation("-") {
                if !ops.isEmpty, lookahead(1).kind == .int || lookahead(1).kind == .double { break }
                ops.append(advance())
            }
            let operand = try parseMember()
            if ops.count % 2 == 0 { return operand }
            return Expr(ops[0].offset, .call(function: Operator.negate, target: nil, args: [operand]))
        }
        return try parseMember()
    }

    private mutating func parseMember() throws -> Expr {
        var expr = try parsePrimary()
        while true {
            if current.isPunctuation(".") {
                let dot = advance()
                var optional = false
                if current.isPunctuation("?") {
                    _ = advance()
                    optional = true
                }
                guard current.kind == .identifier else {
                    if [.trueKeyword, .falseKeyword, .nullKeyword, .inKeyword].contains(current.kind) {
                        throw Failure(offset: dot.offset, message: "Syntax error: no viable alternative at input '.\(current.text)'")
                    }
                    throw mismatched("IDENTIFIER")
                }
                let name = advance()
                if current.isPunctuation("("), !optional {
                    let open = advance()
                    let args = try parseArguments(closing: ")")
                    expr = try memberCall(target: expr, name: name.text, args: args, offset: open.offset)
                } else {
                    expr = Expr(dot.offset, .select(operand: expr, field: name.text, presenceTest: false, optional: optional))
                }
            } else if current.isPunctuation("[") {
                let open = advance()
                var optional = false
                if current.isPunctuation("?") {
                    _ = advance()
                    optional = true
                }
                let key = try parseExpr()
                _ = try expect("]")
                expr = Expr(open.offset, .call(function: optional ? Operator.optionalIndex : Operator.index, target: nil, args: [expr, key]))
            } else {
                return expr
            }
        }
    }

    private mutating func parseArguments(closing: String) throws -> [Expr] {
        var args: [Expr] = []
        if current.isPunctuation(closing) {
            _ = advance()
            return args
        }
        while true {
            args.append(try parseExpr())
            if current.isPunctuation(",") {
                _ = advance()
                continue
            }
            _ = try expect(closing)
            return args
        }
    }

    private mutating func parsePrimary() throws -> Expr {
        let t = current
        switch t.kind {
        case .identifier:
            _ = advance()
            return try identOrCall(t)
        case .punctuation where t.text == "." && lookahead(1).kind == .identifier:
            // A leading dot names the root scope; names here have no other scope.
            _ = advance()
            let ident = advance()
            return try identOrCall(ident)
        case .punctuation where t.text == "(":
            _ = advance()
            let e = try parseExpr()
            _ = try expect(")")
            return e
        case .punctuation where t.text == "[":
            _ = advance()
            var elements: [Expr] = []
            while !current.isPunctuation("]") {
                elements.append(try parseExpr())
                if current.isPunctuation(",") {
                    _ = advance()
                } else {
                    break
                }
            }
            _ = try expect("]")
            return Expr(t.offset, .list(elements))
        case .punctuation where t.text == "{":
            _ = advance()
            var entries: [MapEntry] = []
            while !current.isPunctuation("}") {
                let key = try parseExpr()
                _ = try expect(":")
                let value = try parseExpr()
                entries.append(MapEntry(key: key, value: value))
                if current.isPunctuation(",") {
                    _ = advance()
                } else {
                    break
                }
            }
            _ = try expect("}")
            return Expr(t.offset, .map(entries))
        case .punctuation where t.text == "-":
            _ = advance()
            let number = current
            guard number.kind == .int || number.kind == .double else { throw mismatched(Self.expressionStart) }
            _ = advance()
            return try numericLiteral(number, negative: true, offset: t.offset)
        case .int, .uint, .double:
            _ = advance()
            return try numericLiteral(t, negative: false, offset: t.offset)
        case .string:
            _ = advance()
            return Expr(t.offset, .literal(.string(t.stringValue)))
        case .bytes:
            _ = advance()
            return Expr(t.offset, .literal(.bytes(t.bytesValue)))
        case .trueKeyword:
            _ = advance()
            return Expr(t.offset, .literal(.bool(true)))
        case .falseKeyword:
            _ = advance()
            return Expr(t.offset, .literal(.bool(false)))
        case .nullKeyword:
            _ = advance()
            return Expr(t.offset, .literal(.null))
        default:
            throw mismatched(Self.expressionStart)
        }
    }

    private func numericLiteral(_ t: Token, negative: Bool, offset: Int) throws -> Expr {
        switch t.kind {
        case .int:
            let text = t.text
            var magnitude: UInt64?
            if text.hasPrefix("0x") || text.hasPrefix("0X") {
                magnitude = UInt64(text.dropFirst(2), radix: 16)
            } else {
                magnitude = UInt64(text)
            }
            guard let m = magnitude else { throw Failure(offset: offset, message: "invalid int literal") }
            if negative {
                guard m <= UInt64(Int64.max) + 1 else { throw Failure(offset: offset, message: "invalid int literal") }
                return Expr(offset, .literal(.int(m == UInt64(Int64.max) + 1 ? Int64.min : -Int64(m))))
            }
            guard m <= UInt64(Int64.max) else { throw Failure(offset: offset, message: "invalid int literal") }
            return Expr(offset, .literal(.int(Int64(m))))
        case .uint:
            let text = t.text.dropLast()
            let value = text.hasPrefix("0x") || text.hasPrefix("0X") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
            guard let v = value else { throw Failure(offset: offset, message: "invalid uint literal") }
            return Expr(offset, .literal(.uint(v)))
        default:
            guard let d = Double(t.text) else { throw Failure(offset: offset, message: "invalid double literal") }
            return Expr(offset, .literal(.double(negative ? -d : d)))
        }
    }

    private mutating func identOrCall(_ ident: Token) throws -> Expr {
        if Self.reservedIdentifiers.contains(ident.text) {
            throw Failure(offset: ident.offset, message: "reserved identifier: \(ident.text)")
        }
        guard current.isPunctuation("(") else { return Expr(ident.offset, .ident(ident.text)) }
        let open = advance()
        let args = try parseArguments(closing: ")")
        if ident.text == "has", args.count == 1 {
            guard case .select(let operand, let field, false, false) = args[0].kind else {
                throw Failure(offset: args[0].offset, message: "invalid argument to has() macro")
            }
            return Expr(open.offset, .select(operand: operand, field: field, presenceTest: true, optional: false))
        }
        return Expr(open.offset, .call(function: ident.text, target: nil, args: args))
    }

    private func simpleName(_ e: Expr) throws -> String {
        guard case .ident(let name) = e.kind else { throw Failure(offset: e.offset, message: "argument must be a simple name") }
        return name
    }

    private func memberCall(target: Expr, name: String, args: [Expr], offset: Int) throws -> Expr {
        func comprehension(_ kind: Comprehension.Kind, twoVariables: Bool) throws -> Expr {
            let v = try simpleName(args[0])
            if twoVariables {
                let v2 = try simpleName(args[1])
                return Expr(offset, .comprehension(Comprehension(kind: kind, iterVar: v, iterVar2: v2, range: target, body: args[2])))
            }
            return Expr(offset, .comprehension(Comprehension(kind: kind, iterVar: v, range: target, body: args[1])))
        }
        switch (name, args.count) {
        case ("all", 2): return try comprehension(.all, twoVariables: false)
        case ("exists", 2): return try comprehension(.exists, twoVariables: false)
        case ("exists_one", 2), ("existsOne", 2): return try comprehension(.existsOne, twoVariables: false)
        case ("all", 3): return try comprehension(.all, twoVariables: true)
        case ("exists", 3): return try comprehension(.exists, twoVariables: true)
        case ("exists_one", 3), ("existsOne", 3): return try comprehension(.existsOne, twoVariables: true)
        case ("filter", 2): return try comprehension(.filter, twoVariables: false)
        case ("map", 2): return try comprehension(.map, twoVariables: false)
        case ("map", 3):
            let v = try simpleName(args[0])
            return Expr(offset, .comprehension(Comprehension(kind: .map, iterVar: v, range: target, body: args[2], filter: args[1])))
        default:
            return Expr(offset, .call(function: name, target: target, args: args))
        }
    }
}
