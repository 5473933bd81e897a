//! The public entry points: a `CELEnvironment` declares variables and compiles
//! expressions (parse + type-check) into `CELProgram`s, which evaluate against
//! variable bindings.

/// Declared variables an expression may use, and the compiler for expressions over them.
///
/// The function library is fixed: the CEL standard definitions plus the
/// extension libraries Kubernetes enables for CRD validation rules (strings,
/// lists, sets, regex, optionals, quantities). Anything else fails to compile.
public struct CELEnvironment: Sendable {
    /// Variable names and their types (use `.dyn` for untyped values).
    public var variables: [String: CELType]

    public init(variables: [String: CELType] = [:]) {
        self.variables = variables
    }

    /// Parses and type-checks `expression`.
    ///
    /// - Throws: `CELCompileError` with every syntax or type issue; its
    ///   description is cel-go's `ERROR: <input>:line:col: ...` text.
    public func compile(_ expression: String) throws(CELCompileError) -> CELProgram {
        let source = CELSource(expression)
        let parsed: Expr
        switch Parser.parse(source) {
        case .success(let e): parsed = e
        case .failure(let error): throw error
        }
        var checker = Checker(source: source, variables: variables)
        let (checked, type) = checker.check(parsed)
        if !checker.reportedIssues.isEmpty {
            throw CELCompileError(issues: checker.reportedIssues, source: expression)
        }
        return CELProgram(expression: expression, outputType: type, referencedVariables: checker.referenced, root: checked)
    }
}

/// A compiled expression.
public struct CELProgram: Sendable {
    /// The source text.
    public let expression: String
    /// The checked type of the result (`dyn` when only known at runtime).
    public let outputType: CELType
    /// The declared variables the expression refers to (e.g. whether a rule uses `oldSelf`).
    public let referencedVariables: Set<String>
    let root: Expr

    /// Evaluates with the given variable values. A variable the expression uses
    /// but `bindings` lacks evaluates to an error (`no such attribute: name`).
    ///
    /// - Returns: the value, or the evaluation error (`no such key: x`,
    ///   `division by zero`, `no such overload`, ...).
    public func evaluate(_ bindings: [String: CELValue] = [:]) -> Result<CELValue, CELError> {
        var evaluator = Evaluator(bindings: bindings)
        let value = evaluator.eval(root)
        if case .error(let e) = value { return .failure(e) }
        return .success(value)
    }
}
