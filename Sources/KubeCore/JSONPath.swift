//! The Kubernetes JSONPath subset (`k8s.io/client-go/util/jsonpath`) as used by
//! CRD `additionalPrinterColumns` and `kubectl get -o jsonpath`: `.a.b`,
//! `['key.with.dots']`, `[n]`, `[-1]`, `[a:b:c]`, `[*]`, `.*`, `..` recursive
//! descent, unions `[a,b]`, and filters `[?(@.type=="Ready")]`.
//!
//! Evaluation follows printer-column semantics (`AllowMissingKeys(true)`):
//! a missing key, an index out of range or a step on the wrong type yields no
//! result instead of an error, so `evaluate` never fails.

/// An invalid JSONPath expression; messages follow upstream's parser.
public struct JSONPathError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A parsed JSONPath expression, e.g. `.status.conditions[?(@.type=="Ready")].status`.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    /// The text the path was parsed from.
    public let expression: String
    private let steps: [Step]

    /// Parses a bare path (`.metadata.name`) or one wrapped in a single template
    /// action (`{.metadata.name}`). The empty path selects the value itself.
    ///
    /// Differences from upstream, all more permissive: `['a.b']` and `["a.b"]`
    /// name the key `a.b` (upstream splits unescaped dots even inside
    /// brackets); `\.` escapes work in both forms; plain text outside `{}` and
    /// template keywords (`range`, `end`) are not supported.
    public init(_ expression: String) throws(JSONPathError) {
        self.expression = expression
        var text = Substring(expression)
        if text.first == "{" {
            guard text.last == "}", text.count >= 2 else { throw JSONPathError("unclosed action") }
            text = text.dropFirst().dropLast()
        }
        var parser = JSONPathParser(Array(text.unicodeScalars))
        steps = try parser.parsePath()
    }

    public var description: String { expression }

    /// The values the path selects, in document order (object members by key
    /// for wildcards and recursive descent). Empty when nothing matches.
    public func evaluate(on value: JSONValue) -> [JSONValue] {
        Self.evaluate(steps, on: [value])
    }

    // MARK: Evaluation

    private static func evaluate(_ steps: [Step], on input: [JSONValue]) -> [JSONValue] {
        var current = input
        for step in steps {
            if current.isEmpty { break }
            current = apply(step, to: current)
        }
        return current
    }

    private static func apply(_ step: Step, to input: [JSONValue]) -> [JSONValue] {
        switch step {
        case .field(let name):
            if name.isEmpty { return input }
            return input.compactMap { $0[name] }
        case .wildcard:
            return input.flatMap(children)
        case .recursive:
            return input.flatMap(containersRecursively)
        case .index(let index):
            return input.compactMap { value in
                guard case .array(let elements) = value else { return nil }
                let i = index < 0 ? index + elements.count : index
                return elements.indices.contains(i) ? elements[i] : nil
            }
        case .slice(let start, let end, let step):
            return input.flatMap { value -> [JSONValue] in
                guard case .array(let elements) = value else { return [] }
                return slice(elements, start, end, step)
            }
        case .union(let alternatives):
            return alternatives.flatMap { evaluate($0, on: input) }
        case .filter(let filter):
            return input.flatMap { value -> [JSONValue] in
                guard case .array(let elements) = value else { return [] }
                return elements.filter { filter.matches($0) }
            }
        }
    }

    private static func children(_ value: JSONValue) -> [JSONValue] {
        switch value {
        case .object(let members): return members.keys.sorted().compactMap { members[$0] }
        case .array(let elements): return elements
        default: return []
        }
    }

    /// Upstream's recursive descent: every non-empty container, pre-order.
    private static func containersRecursively(_ value: JSONValue) -> [JSONValue] {
        let kids = children(value)
        if kids.isEmpty { return [] }
        return [value] + kids.flatMap(containersRecursively)
    }

    private static func slice(_ elements: [JSONValue], _ start: Int?, _ end: Int?, _ step: Int?) -> [JSONValue] {
        let count = elements.count
        func clamp(_ i: Int) -> Int { min(max(i < 0 ? i + count : i, 0), count) }
        let from = clamp(start ?? 0)
        let to = clamp(end ?? count)
        let stride = step ?? 1
        guard stride > 0, from < to else { return [] }
        return Swift.stride(from: from, to: to, by: stride).map { elements[$0] }
    }

    // MARK: AST

    fileprivate indirect enum Step: Sendable, Hashable {
        case field(String)
        case wildcard
        case recursive
        case index(Int)
        case slice(start: Int?, end: Int?, step: Int?)
        case union([[Step]])
        case filter(Filter)
    }

    fileprivate enum Operand: Sendable, Hashable {
        case path([Step])
        case string(String)
        case int(Int64)
        case double(Double)
        case bool(Bool)
    }

    fileprivate enum Comparison: String, Sendable, Hashable {
        case equal = "==", notEqual = "!=", less = "<", greater = ">", lessOrEqual = "<=", greaterOrEqual = ">="
    }

    fileprivate struct Filter: Sendable, Hashable {
        var left: [Step]
        /// nil (with `right`): the filter only tests that `left` exists.
        var comparison: Comparison?
        var right: Operand?

        func matches(_ element: JSONValue) -> Bool {
            let lefts = JSONPath.evaluate(left, on: [element])
            guard let comparison, let right else { return !lefts.isEmpty }
            guard lefts.count == 1, let lhs = lefts.first else { return false }
            let rhs: JSONValue
            switch right {
            case .path(let steps):
                let rights = JSONPath.evaluate(steps, on: [element])
                guard rights.count == 1, let only = rights.first else { return false }
                rhs = only
            case .string(let s): rhs = .string(s)
            case .int(let i): rhs = .int(i)
            case .double(let d): rhs = .double(d)
            case .bool(let b): rhs = .bool(b)
            }
            if case .bool(let x) = lhs, case .bool(let y) = rhs {
                // Booleans are unordered: only equality tests apply.
                switch comparison {
                case .equal: return x == y
                case .notEqual: return x != y
                default: return false
                }
            }
            guard let order = JSONPath.compare(lhs, rhs) else { return false }
            switch comparison {
            case .equal: return order == 0
            case .notEqual: return order != 0
            case .less: return order < 0
            case .greater: return order > 0
            case .lessOrEqual: return order <= 0
            case .greaterOrEqual: return order >= 0
            }
        }
    }

    /// Orders two scalars of the same kind (numbers by value, strings by
    /// UTF-8 bytes as Go does, nulls as equal); nil when incomparable.
    fileprivate static func compare(_ a: JSONValue, _ b: JSONValue) -> Int? {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.int, .double), (.double, .int), (.double, .double):
            guard let x = a.doubleValue, let y = b.doubleValue else { return nil }
            return x < y ? -1 : (x == y ? 0 : 1)
        case (.string(let x), .string(let y)):
            if x == y { return 0 }
            return x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1
        case (.null, .null):
            return 0
        default:
            return nil
        }
    }
}

// MARK: - Parser

private struct JSONPathParser {
    typealias Step = JSONPath.Step
    private let input: [Unicode.Scalar]
    private var pos = 0

    init(_ input: [Unicode.Scalar]) { self.input = input }

    private var atEnd: Bool { pos >= input.count }
    private func peek(_ offset: Int = 0) -> Unicode.Scalar? { pos + offset < input.count ? input[pos + offset] : nil }
    private func startsWith(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        return pos + scalars.count <= input.count && Array(input[pos..<(pos + scalars.count)]) == scalars
    }

    private static func isTerminator(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case " ", "\t", "\r", "\n", ".", ",", "[", "]", "$", "@", "{", "}": return true
        default: return false
        }
    }

    private static func describe(_ c: Unicode.Scalar) -> String {
        "U+" + String(c.value, radix: 16, uppercase: true).leftPadded(to: 4) + " '" + String(Character(c)) + "'"
    }

    mutating func parsePath() throws(JSONPathError) -> [Step] {
        var steps: [Step] = []
        while let c = peek() {
            if startsWith("[?(") {
                steps.append(try parseFilter())
            } else if startsWith("..") {
                if steps.last == .recursive { throw JSONPathError("invalid multiple recursive descent") }
                pos += 2
                steps.append(.recursive)
                if let next = peek(), next != ".", next != "[", !Self.isTerminator(next) {
                    steps.append(parseField())
                }
            } else {
                switch c {
                case " ", "\t", "@", "$":
                    pos += 1
                case ".":
                    pos += 1
                    steps.append(parseField())
                case "[":
                    steps.append(try parseBracket())
                case "{", "}":
                    throw JSONPathError("unrecognized character in action: \(Self.describe(c))")
                case "\r", "\n":
                    throw JSONPathError("unclosed action")
                default:
                    if c.properties.isAlphabetic || c == "_" || ("0"..."9").contains(c) {
                        var word = ""
                        while let w = peek(), !Self.isTerminator(w) {
                            word.unicodeScalars.append(w)
                            pos += 1
                        }
                        throw JSONPathError("unrecognized identifier \(word)")
                    }
                    throw JSONPathError("unrecognized character in action: \(Self.describe(c))")
                }
            }
        }
        return steps
    }

    /// A field name after `.`: up to the next unescaped terminator; `\` escapes the next character.
    private mutating func parseField() -> Step {
        var name = ""
        while let c = peek() {
            if c == "\\" {
                pos += 1
                if let escaped = peek() {
                    name.unicodeScalars.append(escaped)
                    pos += 1
                }
                continue
            }
            if Self.isTerminator(c) { break }
            name.unicodeScalars.append(c)
            pos += 1
        }
        return name == "*" ? .wildcard : .field(name)
    }

    /// `[...]`: `*`, a quoted key, an index or slice, or a comma-separated union of those.
    private mutating func parseBracket() throws(JSONPathError) -> Step {
        pos += 1
        var content: [Unicode.Scalar] = []
        var quote: Unicode.Scalar?
        while true {
            guard let c = peek(), c != "\n" else { throw JSONPathError("unterminated array") }
            pos += 1
            if let q = quote {
                if c == "\\", let next = peek() {
                    content += [c, next]
                    pos += 1
                    continue
                }
                if c == q { quote = nil }
            } else if c == "'" || c == "\"" {
                quote = c
            } else if c == "]" {
                break
            }
            content.append(c)
        }
        let parts = Self.splitUnion(content)
        if parts.count > 1 {
            var alternatives: [[Step]] = []
            for part in parts { alternatives.append([try Self.parseSubscript(part)]) }
            return .union(alternatives)
        }
        return try Self.parseSubscript(content)
    }

    /// Splits bracket content on commas outside quotes.
    private static func splitUnion(_ content: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var parts: [[Unicode.Scalar]] = [[]]
        var quote: Unicode.Scalar?
        var escaped = false
        for c in content {
            if escaped {
                escaped = false
            } else if let q = quote {
                if c == "\\" { escaped = true } else if c == q { quote = nil }
            } else if c == "'" || c == "\"" {
                quote = c
            } else if c == "," {
                parts.append([])
                continue
            }
            parts[parts.count - 1].append(c)
        }
        return parts
    }

    private static func parseSubscript(_ raw: [Unicode.Scalar]) throws(JSONPathError) -> Step {
        var text = String(String.UnicodeScalarView(raw))
        text = String(text.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
        if text == "*" { return .wildcard }
        if let first = text.first, first == "'" || first == "\"" {
            guard text.count >= 2, text.last == first else { throw JSONPathError("unterminated quoted string") }
            return .field(try unquote(String(text.dropFirst().dropLast())))
        }
        // `n`, `start:end`, `start:end:step`, each part optional and possibly negative.
        let pieces = text.split(separator: ":", omittingEmptySubsequences: false)
        guard !text.isEmpty, pieces.count <= 3,
              pieces.allSatisfy({ piece in
                  let digits = piece.hasPrefix("-") ? piece.dropFirst() : piece
                  return digits.allSatisfy { ("0"..."9").contains($0) }
              })
        else { throw JSONPathError("invalid array index \(text)") }
        func number(_ piece: Substring) throws(JSONPathError) -> Int? {
            if piece.isEmpty { return nil }
            guard let value = Int(piece) else { throw JSONPathError("array index \(piece) is not a number") }
            return value
        }
        if pieces.count == 1 {
            guard let index = try number(pieces[0]) else { throw JSONPathError("invalid array index \(text)") }
            return .index(index)
        }
        let step = pieces.count == 3 ? try number(pieces[2]) : nil
        if let step, step <= 0 { throw JSONPathError("step must be > 0") }
        return .slice(start: try number(pieces[0]), end: try number(pieces[1]), step: step)
    }

    /// Removes backslash escapes: `\n`, `\t`, `\r`, and `\x` for any other `x` (quotes, backslash, dots).
    private static func unquote(_ text: String) throws(JSONPathError) -> String {
        var out = ""
        var escaped = false
        for c in text.unicodeScalars {
            if escaped {
                switch c {
                case "n": out += "\n"
                case "t": out += "\t"
                case "r": out += "\r"
                default: out.unicodeScalars.append(c)
                }
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else {
                out.unicodeScalars.append(c)
            }
        }
        if escaped { throw JSONPathError("unterminated quoted string") }
        return out
    }

    /// `[?(<left> <op> <right>)]` or `[?(<left>)]` (exists).
    private mutating func parseFilter() throws(JSONPathError) -> Step {
        pos += 3
        var body: [Unicode.Scalar] = []
        var quote: Unicode.Scalar?
        while true {
            guard let c = peek(), c != "\n" else { throw JSONPathError("unterminated filter") }
            pos += 1
            if let q = quote {
                if c == q && body.last != "\\" { quote = nil }
            } else if c == "'" || c == "\"" {
                quote = c
            } else if c == ")" {
                break
            }
            body.append(c)
        }
        guard peek() == "]" else { throw JSONPathError("unclosed array expect ]") }
        pos += 1

        // Split at the first run of comparison characters outside quotes.
        let operatorChars: Set<Unicode.Scalar> = ["!", "<", ">", "="]
        var opStart: Int?
        var inQuote: Unicode.Scalar?
        for (i, c) in body.enumerated() {
            if let q = inQuote {
                if c == q { inQuote = nil }
            } else if c == "'" || c == "\"" {
                inQuote = c
            } else if operatorChars.contains(c) {
                opStart = i
                break
            }
        }
        guard let start = opStart, start > 0 else {
            if opStart == 0 { throw JSONPathError("invalid filter \(String(String.UnicodeScalarView(body)))") }
            var sub = JSONPathParser(body)
            return .filter(JSONPath.Filter(left: try sub.parsePath(), comparison: nil, right: nil))
        }
        var end = start
        while end < body.count, operatorChars.contains(body[end]) { end += 1 }
        let opText = String(String.UnicodeScalarView(body[start..<end]))
        guard let comparison = JSONPath.Comparison(rawValue: opText) else {
            throw JSONPathError("unrecognized filter operator \(opText)")
        }
        var leftParser = JSONPathParser(Array(body[..<start]))
        let left = try leftParser.parsePath()
        let right = try Self.parseOperand(Array(body[end...]))
        return .filter(JSONPath.Filter(left: left, comparison: comparison, right: right))
    }

    private static func parseOperand(_ raw: [Unicode.Scalar]) throws(JSONPathError) -> JSONPath.Operand {
        let text = String(String(String.UnicodeScalarView(raw)).drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
        guard let first = text.first else { throw JSONPathError("invalid filter: missing right operand") }
        if first == "'" || first == "\"" {
            guard text.count >= 2, text.last == first else { throw JSONPathError("unterminated quoted string") }
            return .string(try unquote(String(text.dropFirst().dropLast())))
        }
        if text == "true" { return .bool(true) }
        if text == "false" { return .bool(false) }
        if first == "@" || first == "$" || first == "." {
            var parser = JSONPathParser(Array(text.unicodeScalars))
            return .path(try parser.parsePath())
        }
        if first == "-" || first == "+" || ("0"..."9").contains(first) {
            if let i = Int64(text.hasPrefix("+") ? String(text.dropFirst()) : text) { return .int(i) }
            if let d = Double(text), d.isFinite { return .double(d) }
            throw JSONPathError("cannot parse number \(text)")
        }
        throw JSONPathError("unrecognized identifier \(text)")
    }
}
