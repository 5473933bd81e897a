//! The interpreter: evaluates a checked expression against variable bindings.
//! Errors are values; `&&` and `||` are commutative over errors (`false && err`
//! and `err && false` are both false), `?:` evaluates only the chosen branch,
//! and `all`/`exists` absorb errors the same way while `exists_one`, `map`
//! and `filter` are strict.

struct Evaluator {
    let bindings: [String: CELValue]
    private var locals: [(name: String, value: CELValue)] = []

    init(bindings: [String: CELValue]) { self.bindings = bindings }

    private func lookup(_ name: String) -> CELValue? {
        for entry in locals.reversed() where entry.name == name { return entry.value }
        return bindings[name]
    }

    mutating func eval(_ e: Expr) -> CELValue {
        switch e.kind {
        case .literal(let v):
            return v

        case .ident(let name):
            return lookup(name) ?? .error(CELError("no such attribute: \(name)"))

        case .select(let operand, let field, let presenceTest, let optional):
            let base = eval(operand)
            return select(base, field, presenceTest: presenceTest, optional: optional)

        case .call(let function, let target, let args):
            switch function {
            case Operator.logicalAnd: return logical(args, absorbing: false)
            case Operator.logicalOr: return logical(args, absorbing: true)
            case Operator.conditional:
                switch eval(args[0]) {
                case .bool(true): return eval(args[1])
                case .bool(false): return eval(args[2])
                case .error(let err): return .error(err)
                default: return .error(.noSuchOverload)
                }
            default:
                var values: [CELValue] = []
                if let target { values.append(eval(target)) }
                for arg in args { values.append(eval(arg)) }
                for v in values { if case .error = v { return v } }
                guard let decl = Library.functions[function] else { return .error(.noSuchOverload) }
                return decl.impl(values)
            }

        case .list(let elements):
            var values: [CELValue] = []
            for element in elements {
                let v = eval(element)
                if case .error = v { return v }
                values.append(v)
            }
            return .list(CELList(values))

        case .map(let entries):
            var map = CELMap()
            for entry in entries {
                let k = eval(entry.key)
                if case .error = k { return k }
                let v = eval(entry.value)
                if case .error = v { return v }
                guard CELMapKey(k) != nil else { return .error(CELError("unsupported key type")) }
                guard map.insert(k, v) else { return .error(CELError("Failed with repeated key")) }
            }
            return .map(map)

        case .comprehension(let c):
            return comprehension(c)
        }
    }

    private func select(_ base: CELValue, _ field: String, presenceTest: Bool, optional: Bool) -> CELValue {
        switch base {
        case .error:
            return base
        case .optional(let inner):
            guard let inner else { return .optional(nil) }
            let v = select(inner, field, presenceTest: presenceTest, optional: false)
            if presenceTest { return v }
            if case .error = v, optional { return .optional(nil) }
            return .optional(v)
        case .map(let m):
            if presenceTest { return .bool(m[field] != nil) }
            if optional { return .optional(m[field]) }
            return m[field] ?? .error(CELError("no such key: \(field)"))
        default:
            if presenceTest { return .error(CELError("invalid type for field selection.")) }
            return .error(.noSuchOverload)
        }
    }

    /// `&&` (`absorbing` false) and `||` (true): the absorbing value wins over errors on either side.
    private mutating func logical(_ args: [Expr], absorbing: Bool) -> CELValue {
        let left = eval(args[0])
        if case .bool(let b) = left, b == absorbing { return left }
        let right = eval(args[1])
        if case .bool(let b) = right, b == absorbing { return right }
        switch (left, right) {
        case (.bool, .bool): return .bool(!absorbing)
        case (.error, _): return left
        case (_, .error): return right
        default: return .error(.noSuchOverload)
        }
    }

    /// The elements a comprehension iterates: (first variable, second variable) pairs.
    private func iterationPairs(_ range: CELValue, twoVariables: Bool) -> Result<[(CELValue, CELValue?)], CELError> {
        switch range {
        case .list(let l):
            if twoVariables { return .success(l.elements.enumerated().map { (.int(Int64($0.offset)), $0.element) }) }
            return .success(l.elements.map { ($0, nil) })
        case .map(let m):
            if twoVariables { return .success(m.entries.map { ($0.key, $0.value) }) }
            return .success(m.keys.map { ($0, nil) })
        case .error(let e):
            return .failure(e)
        default:
            return .failure(.noSuchOverload)
        }
    }

    private mutating func comprehension(_ c: Comprehension) -> CELValue {
        let pairs: [(CELValue, CELValue?)]
        switch iterationPairs(eval(c.range), twoVariables: c.iterVar2 != nil) {
        case .success(let p): pairs = p
        case .failure(let e): return .error(e)
        }
        let depth = locals.count
        defer { locals.removeSubrange(depth...) }
        func bind(_ pair: (CELValue, CELValue?)) {
            locals.removeSubrange(depth...)
            locals.append((c.iterVar, pair.0))
            if let v2 = c.iterVar2, let second = pair.1 { locals.append((v2, second)) }
        }
        switch c.kind {
        case .all, .exists:
            let absorbing = c.kind == .exists
            var firstError: CELValue?
            for pair in pairs {
                bind(pair)
                switch eval(c.body) {
                case .bool(let b) where b == absorbing: return .bool(absorbing)
                case .bool: continue
                case .error(let err): if firstError == nil { firstError = .error(err) }
                default: if firstError == nil { firstError = .error(.noSuchOverload) }
                }
            }
            return firstError ?? .bool(!absorbing)
        case .existsOne:
            var count = 0
            for pair in pairs {
                bind(pair)
                switch eval(c.body) {
                case .bool(true): count += 1
                case .bool(false): continue
                case .error(let err): return .error(err)
                default: return .error(.noSuchOverload)
                }
            }
            return .bool(count == 1)
        case .filter:
            var kept: [CELValue] = []
            for pair in pairs {
                bind(pair)
                switch eval(c.body) {
                case .bool(true): kept.append(pair.0)
                case .bool(false): continue
                case .error(let err): return .error(err)
                default: return .error(.noSuchOverload)
                }
            }
            return .list(CELList(kept))
        case .map:
            var mapped: [CELValue] = []
            for pair in pairs {
                bind(pair)
                if let filter = c.filter {
                    switch eval(filter) {
                    case .bool(true): break
                    case .bool(false): continue
                    case .error(let err): return .error(err)
                    default: return .error(.noSuchOverload)
                    }
                }
                let v = eval(c.body)
                if case .error = v { return v }
                mapped.append(v)
            }
            return .list(CELList(mapped))
        }
    }
}
