//! The expression tree the parser builds and the checker and evaluator walk.
//! Operators are calls (`_+_`, `_[_]`, `!_`, `@in`, `_?_:_`, `_&&_`), as in
//! cel-spec; macros are expanded into presence tests and comprehensions.

/// One node of a parsed expression.
struct Expr: Sendable {
    /// Code-point offset used for error locations (the operator, `.`, `(` or token start, as cel-go records).
    var offset: Int
    var kind: Kind
    /// Height of the tree below and including this node (bounded by the parser,
    /// so checking and evaluation recurse a bounded number of levels).
    var depth: Int

    indirect enum Kind: Sendable {
        case literal(CELValue)
        case ident(String)
        /// `operand.field`; `presenceTest` for `has(operand.field)`; `optional` for `operand.?field`.
        case select(operand: Expr, field: String, presenceTest: Bool, optional: Bool)
        /// A function or operator call; `target` is the receiver of `x.f(...)`.
        case call(function: String, target: Expr?, args: [Expr])
        case list([Expr])
        case map([MapEntry])
        case comprehension(Comprehension)
    }

    init(_ offset: Int, _ kind: Kind) {
        self.offset = offset
        self.kind = kind
        var children = 0
        switch kind {
        case .literal, .ident: break
        case .select(let operand, _, _, _): children = operand.depth
        case .call(_, let target, let args): children = max(target?.depth ?? 0, args.map(\.depth).max() ?? 0)
        case .list(let elements): children = elements.map(\.depth).max() ?? 0
        case .map(let entries): children = entries.map { max($0.key.depth, $0.value.depth) }.max() ?? 0
        case .comprehension(let c):
            children = max(c.range.depth, c.body.depth, c.filter?.depth ?? 0)
        }
        depth = children + 1
    }
}

struct MapEntry: Sendable {
    var key: Expr
    var value: Expr
}

/// An expanded macro over a list or map.
struct Comprehension: Sendable {
    enum Kind: Sendable, Equatable {
        case all, exists, existsOne, map, filter
    }

    var kind: Kind
    /// The element (list) or key (map) variable; with two variables, the index or key.
    var iterVar: String
    /// The second variable of two-variable comprehensions: the element or map value.
    var iterVar2: String?
    var range: Expr
    /// The predicate (`all`, `exists`, `exists_one`, `filter`) or the transform (`map`).
    var body: Expr
    /// The filter of three-argument `map(x, filter, transform)`.
    var filter: Expr?
}

/// Operator function names, as cel-spec spells them.
enum Operator {
    static let conditional = "_?_:_"
    static let logicalAnd = "_&&_"
    static let logicalOr = "_||_"
    static let logicalNot = "!_"
    static let negate = "-_"
    static let equals = "_==_"
    static let notEquals = "_!=_"
    static let less = "_<_"
    static let lessEquals = "_<=_"
    static let greater = "_>_"
    static let greaterEquals = "_>=_"
    static let add = "_+_"
    static let subtract = "_-_"
    static let multiply = "_*_"
    static let divide = "_/_"
    static let modulo = "_%_"
    static let index = "_[_]"
    static let optionalIndex = "_[?_]"
    static let `in` = "@in"
}
