//! Expression sources and compile issues: code-point offsets, line/column
//! lookup, and the `ERROR: <input>:line:col: message` rendering (with the
//! source snippet and caret line) that cel-go prints and kube-apiserver quotes.

/// The text of one expression, indexed by Unicode code point as CEL positions are.
struct CELSource: Sendable {
    let text: String
    let scalars: [Unicode.Scalar]
    /// Code-point offsets at which each line after the first starts.
    let lineStarts: [Int]

    init(_ text: String) {
        self.text = text
        scalars = Array(text.unicodeScalars)
        var starts: [Int] = []
        for (i, s) in scalars.enumerated() where s == "\n" { starts.append(i + 1) }
        lineStarts = starts
    }

    /// 1-based line and 0-based column of a code-point offset.
    func location(of offset: Int) -> (line: Int, column: Int) {
        var line = 1
        var start = 0
        for s in lineStarts where s <= offset {
            line += 1
            start = s
        }
        return (line, offset - start)
    }

    /// The text of a 1-based line, without its line break.
    func snippet(line: Int) -> String? {
        let starts = [0] + lineStarts
        guard line >= 1, line <= starts.count else { return nil }
        let begin = starts[line - 1]
        let end = line < starts.count ? starts[line] - 1 : scalars.count
        guard begin <= end else { return "" }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[begin..<end])
        return String(view)
    }
}

/// One problem found while parsing or type-checking an expression.
public struct CELIssue: Sendable, Hashable, CustomStringConvertible {
    /// 1-based line.
    public var line: Int
    /// 0-based column in code points (rendered 1-based, as cel-go does).
    public var column: Int
    public var message: String

    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "\(line):\(column + 1): \(message)" }
}

/// Compilation failed: the expression does not parse or does not type-check.
///
/// `description` is cel-go's `Issues.String()`: every issue, sorted by position, as
/// ```
/// ERROR: <input>:1:6: undeclared reference to 'foo' (in container '')
///  | self.foo
///  | .....^
/// ```
/// joined by newlines.
public struct CELCompileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var issues: [CELIssue]
    public var source: String

    public init(issues: [CELIssue], source: String) {
        self.issues = issues
        self.source = source
    }

    public var description: String {
        let src = CELSource(source)
        let sorted = issues.enumerated().sorted { a, b in
            (a.element.line, a.element.column, a.offset) < (b.element.line, b.element.column, b.offset)
        }.map(\.element)
        return sorted.map { issue in
            var text = "ERROR: <input>:\(issue.line):\(issue.column + 1): \(issue.message)"
            if let snippet = src.snippet(line: issue.line) {
                let line = snippet.replacingTabs()
                text += "\n | " + line
                var indicator = "\n | "
                var scalars = Array(line.unicodeScalars)[...]
                for _ in 0..<issue.column {
                    guard let s = scalars.popFirst() else { break }
                    indicator += s.value > 0x7F ? "\u{FF0E}" : "."
                }
                if let s = scalars.first, s.value > 0x7F { indicator += "\u{FF3E}" } else { indicator += "^" }
                text += indicator
            }
            return text
        }.joined(separator: "\n")
    }
}

extension String {
    fileprivate func replacingTabs() -> String {
        var view = String.UnicodeScalarView()
        for s in unicodeScalars { view.append(s == "\t" ? " " : s) }
        return String(view)
    }
}

/// Collects issues with their code-point offsets while compiling.
struct IssueCollector: Sendable {
    let source: CELSource
    private(set) var issues: [CELIssue] = []

    init(_ source: CELSource) { self.source = source }

    mutating func report(at offset: Int, _ message: String) {
        let (line, column) = source.location(of: offset)
        issues.append(CELIssue(line: line, column: column, message: message))
    }

    var isEmpty: Bool { issues.isEmpty }
}
