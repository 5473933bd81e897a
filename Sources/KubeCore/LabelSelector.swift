//! Label selectors: the string form of `k8s.io/apimachinery/pkg/labels`
//! (`?labelSelector=a=b,c in (x,y),!d`) and the object form `metav1.LabelSelector`
//! (`matchLabels` / `matchExpressions`), both turned into one
//! `LabelSelectorRequirements` that matches label sets and prints the
//! canonical string form.
//!
//! Parsing follows upstream's lexer and parser token by token, so errors read
//! exactly as kube-apiserver's (`unable to parse requirement: ...`).

/// A label selector that could not be parsed or is invalid; `message` is upstream's wording.
public struct LabelSelectorError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The operators of a parsed requirement (`selection.Operator`); raw values are upstream's.
public enum LabelSelectorOperator: String, Sendable, Hashable, CaseIterable {
    case equals = "="
    case doubleEquals = "=="
    case notEquals = "!="
    case `in` = "in"
    case notIn = "notin"
    case exists = "exists"
    case doesNotExist = "!"
    case greaterThan = "gt"
    case lessThan = "lt"
}

// MARK: - Requirement

/// One requirement of a label selector: a key, an operator and values.
/// Values are kept sorted and de-duplicated (matching does not depend on order).
public struct LabelRequirement: Sendable, Hashable, CustomStringConvertible {
    public let key: String
    public let `operator`: LabelSelectorOperator
    public let values: [String]

    /// Builds a validated requirement, as `labels.NewRequirement` does:
    /// the key must be a qualified name and every value a valid label value;
    /// `in`/`notin` need at least one value, `=`/`==`/`!=` exactly one,
    /// `exists`/`!` none, and `gt`/`lt` exactly one integer.
    /// Errors are field errors aggregated the upstream way, e.g.
    /// `values[0][app]: Invalid value: "a b": a valid label must be ...`.
    public init(key: String, operator op: LabelSelectorOperator, values: [String] = []) throws(LabelSelectorError) {
        var errors: [String] = []
        let keyErrors = NameValidation.isQualifiedName(key)
        if !keyErrors.isEmpty {
            errors.append("key: Invalid value: \(key.goQuoted): " + keyErrors.joined(separator: "; "))
        }
        let rendered = JSONValue.array(values.map(JSONValue.string)).jsonString()
        switch op {
        case .in, .notIn:
            if values.isEmpty {
                errors.append("values: Invalid value: \(rendered): for 'in', 'notin' operators, values set can't be empty")
            }
        case .equals, .doubleEquals, .notEquals:
            if values.count != 1 {
                errors.append("values: Invalid value: \(rendered): exact-match compatibility requires one single value")
            }
        case .exists, .doesNotExist:
            if !values.isEmpty {
                errors.append("values: Invalid value: \(rendered): values set must be empty for exists and does not exist")
            }
        case .greaterThan, .lessThan:
            if values.count != 1 {
                errors.append("values: Invalid value: \(rendered): for 'Gt', 'Lt' operators, exactly one value is required")
            }
            for (i, value) in values.enumerated() where Int64(value) == nil {
                errors.append("values[\(i)]: Invalid value: \(value.goQuoted): for 'Gt', 'Lt' operators, the value must be an integer")
            }
        }
        for (i, value) in values.enumerated() {
            let valueErrors = NameValidation.isValidLabelValue(value)
            if !valueErrors.isEmpty {
                errors.append("values[\(i)][\(key)]: Invalid value: \(value.goQuoted): " + valueErrors.joined(separator: "; "))
            }
        }
        if !errors.isEmpty { throw LabelSelectorError(aggregateMessages(errors)) }
        self.init(unchecked: key, op, values)
    }

    init(unchecked key: String, _ op: LabelSelectorOperator, _ values: [String]) {
        self.key = key
        self.operator = op
        self.values = Array(Set(values)).sorted()
    }

    /// Whether the labels satisfy this requirement. `notin` and `!=` match
    /// when the key is absent; `gt`/`lt` need the label to be an integer.
    public func matches(_ labels: [String: String]) -> Bool {
        let label = labels[key]
        switch self.operator {
        case .in, .equals, .doubleEquals:
            guard let label else { return false }
            return values.contains(label)
        case .notIn, .notEquals:
            guard let label else { return true }
            return !values.contains(label)
        case .exists:
            return label != nil
        case .doesNotExist:
            return label == nil
        case .greaterThan, .lessThan:
            guard let label, let actual = Int64(label), values.count == 1, let bound = Int64(values[0]) else { return false }
            return self.operator == .greaterThan ? actual > bound : actual < bound
        }
    }

    /// The string form: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`, `a<1`.
    public var description: String {
        let joined = values.joined(separator: ",")
        switch self.operator {
        case .exists: return key
        case .doesNotExist: return "!" + key
        case .equals: return key + "=" + joined
        case .doubleEquals: return key + "==" + joined
        case .notEquals: return key + "!=" + joined
        case .in: return key + " in (" + joined + ")"
        case .notIn: return key + " notin (" + joined + ")"
        case .greaterThan: return key + ">" + joined
        case .lessThan: return key + "<" + joined
        }
    }
}

// MARK: - Selector

/// A parsed label selector: the AND of its requirements (sorted by key).
///
/// `everything` (no requirements) matches every label set; `nothing` matches
/// none. The distinction matters for `metav1.LabelSelector`: a *nil* selector
/// selects nothing, an *empty* one (`{}`) selects everything. The string form
/// cannot express `nothing`; its `description` is empty, like upstream's.
public struct LabelSelectorRequirements: Sendable, Hashable, CustomStringConvertible {
    public private(set) var requirements: [LabelRequirement]
    /// True only for `nothing`.
    public let selectsNothing: Bool

    /// A selector of the given requirements, sorted by key (stable for equal keys).
    public init(_ requirements: [LabelRequirement] = []) {
        self.requirements = Self.sortedByKey(requirements)
        self.selectsNothing = false
    }

    private init(nothing: ()) {
        self.requirements = []
        self.selectsNothing = true
    }

    /// Matches every label set (the empty selector).
    public static let everything = LabelSelectorRequirements()
    /// Matches no label set (what a nil `metav1.LabelSelector` means).
    public static let nothing = LabelSelectorRequirements(nothing: ())

    /// Parses the string form exactly as `labels.Parse` does. The empty string
    /// (or only whitespace) is `everything`.
    public init(parsing selector: String) throws(LabelSelectorError) {
        var parser = LabelSelectorParser(selector)
        self.init(try parser.parse())
    }

    /// A selector requiring every `key=value` of the set (`labels.ValidatedSelectorFromSet`);
    /// an empty set is `everything`.
    public init(matchLabels: [String: String]) throws(LabelSelectorError) {
        var requirements: [LabelRequirement] = []
        for key in matchLabels.keys.sorted() {
            requirements.append(try LabelRequirement(key: key, operator: .equals, values: [matchLabels[key] ?? ""]))
        }
        self.init(requirements)
    }

    /// True when the selector places no restriction (matches everything).
    public var isEmpty: Bool { !selectsNothing && requirements.isEmpty }

    /// Whether all requirements match (`nothing` never matches).
    public func matches(_ labels: [String: String]) -> Bool {
        if selectsNothing { return false }
        return requirements.allSatisfy { $0.matches(labels) }
    }

    /// A copy with one more requirement (ignored by `nothing`).
    public func adding(_ requirement: LabelRequirement) -> LabelSelectorRequirements {
        if selectsNothing { return self }
        return LabelSelectorRequirements(requirements + [requirement])
    }

    /// The single value the selector requires `key` to have (`=`, `==` or a
    /// one-value `in`), if any; useful for indexing (e.g. by namespace label).
    public func requiresExactMatch(_ key: String) -> String? {
        guard let requirement = requirements.first(where: { $0.key == key }) else { return nil }
        switch requirement.operator {
        case .equals, .doubleEquals, .in:
            return requirement.values.count == 1 ? requirement.values[0] : nil
        default:
            return nil
        }
    }

    /// The canonical string form: requirements joined by `,` (empty for `everything` and `nothing`).
    public var description: String { requirements.map(\.description).joined(separator: ",") }

    private static func sortedByKey(_ requirements: [LabelRequirement]) -> [LabelRequirement] {
        requirements.enumerated()
            .sorted { ($0.element.key, $0.offset) < ($1.element.key, $1.offset) }
            .map(\.element)
    }
}

// MARK: - metav1.LabelSelector

/// A `metav1.LabelSelectorRequirement`: `{key, operator, values}` inside `matchExpressions`.
public struct LabelSelectorRequirement: Codable, Sendable, Hashable {
    /// The operator name of a match expression. Any string decodes (so that
    /// validation can report an unsupported one); the valid ones are the constants.
    public struct Operator: RawRepresentable, Codable, Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { self.rawValue = value }
        public var description: String { rawValue }

        public static let `in`: Operator = "In"
        public static let notIn: Operator = "NotIn"
        public static let exists: Operator = "Exists"
        public static let doesNotExist: Operator = "DoesNotExist"

        public init(from decoder: any Decoder) throws {
            rawValue = try decoder.singleValueContainer().decode(String.self)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
    }

    public var key: String
    public var `operator`: Operator
    public var values: [String]?

    public init(key: String, operator op: Operator, values: [String]? = nil) {
        self.key = key
        self.operator = op
        self.values = values
    }
}

/// A `metav1.LabelSelector`, as found in `spec.selector` of workloads and in
/// many CRDs. Semantics (`metav1.LabelSelectorAsSelector`): a nil selector
/// selects nothing, an empty one (`{}`, or both fields empty) selects everything.
public struct LabelSelector: Codable, Sendable, Hashable {
    public var matchLabels: [String: String]?
    public var matchExpressions: [LabelSelectorRequirement]?

    public init(matchLabels: [String: String]? = nil, matchExpressions: [LabelSelectorRequirement]? = nil) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }

    /// Reads a selector from JSON. `null` members count as absent; unknown members are ignored.
    public init(json: JSONValue) throws(LabelSelectorError) {
        guard case .object(let object) = json else {
            throw LabelSelectorError("a label selector must be an object, not \(json.typeName)")
        }
        if let labels = object["matchLabels"], !labels.isNull {
            guard case .object(let map) = labels else {
                throw LabelSelectorError("matchLabels must be an object, not \(labels.typeName)")
            }
            var result: [String: String] = [:]
            for (key, value) in map {
                guard case .string(let s) = value else {
                    throw LabelSelectorError("matchLabels[\(key)] must be a string, not \(value.typeName)")
                }
                result[key] = s
            }
            matchLabels = result
        }
        if let expressions = object["matchExpressions"], !expressions.isNull {
            guard case .array(let items) = expressions else {
                throw LabelSelectorError("matchExpressions must be an array, not \(expressions.typeName)")
            }
            var result: [LabelSelectorRequirement] = []
            for (i, item) in items.enumerated() {
                guard case .object(let fields) = item else {
                    throw LabelSelectorError("matchExpressions[\(i)] must be an object, not \(item.typeName)")
                }
                func string(_ name: String) throws(LabelSelectorError) -> String {
                    guard let value = fields[name], !value.isNull else { return "" }
                    guard case .string(let s) = value else {
                        throw LabelSelectorError("matchExpressions[\(i)].\(name) must be a string, not \(value.typeName)")
                    }
                    return s
                }
                var values: [String]?
                if let raw = fields["values"], !raw.isNull {
                    guard case .array(let elements) = raw else {
                        throw LabelSelectorError("matchExpressions[\(i)].values must be an array, not \(raw.typeName)")
                    }
                    values = []
                    for (j, element) in elements.enumerated() {
                        guard case .string(let s) = element else {
                            throw LabelSelectorError("matchExpressions[\(i)].values[\(j)] must be a string, not \(element.typeName)")
                        }
                        values?.append(s)
                    }
                }
                result.append(LabelSelectorRequirement(key: try string("key"), operator: .init(rawValue: try string("operator")), values: values))
            }
            matchExpressions = result
        }
    }

    /// The selector as JSON (absent fields omitted).
    public var json: JSONValue {
        var object: JSONObject = [:]
        if let matchLabels { object["matchLabels"] = .object(matchLabels.mapValues(JSONValue.string)) }
        if let matchExpressions {
            object["matchExpressions"] = .array(matchExpressions.map { expression in
                var fields: JSONObject = ["key": .string(expression.key), "operator": .string(expression.operator.rawValue)]
                if let values = expression.values { fields["values"] = .array(values.map(JSONValue.string)) }
                return .object(fields)
            })
        }
        return .object(object)
    }

    /// True when neither `matchLabels` nor `matchExpressions` has an entry (selects everything).
    public var isEmpty: Bool { (matchLabels?.isEmpty ?? true) && (matchExpressions?.isEmpty ?? true) }

    /// The requirements this selector stands for (`metav1.LabelSelectorAsSelector`):
    /// `matchLabels` become `=` requirements, `In`/`NotIn`/`Exists`/`DoesNotExist`
    /// the corresponding set requirements; an empty selector is `everything`.
    /// An unknown operator fails with `"Foo" is not a valid label selector operator`.
    public func requirements() throws(LabelSelectorError) -> LabelSelectorRequirements {
        if isEmpty { return .everything }
        var requirements: [LabelRequirement] = []
        for key in (matchLabels ?? [:]).keys.sorted() {
            requirements.append(try LabelRequirement(key: key, operator: .equals, values: [matchLabels?[key] ?? ""]))
        }
        for expression in matchExpressions ?? [] {
            let op: LabelSelectorOperator
            switch expression.operator {
            case .in: op = .in
            case .notIn: op = .notIn
            case .exists: op = .exists
            case .doesNotExist: op = .doesNotExist
            default: throw LabelSelectorError("\(expression.operator.rawValue.goQuoted) is not a valid label selector operator")
            }
            requirements.append(try LabelRequirement(key: expression.key, operator: op, values: expression.values ?? []))
        }
        return LabelSelectorRequirements(requirements)
    }

    /// Requirements for an optional selector: nil selects `nothing`.
    public static func requirements(for selector: LabelSelector?) throws(LabelSelectorError) -> LabelSelectorRequirements {
        guard let selector else { return .nothing }
        return try selector.requirements()
    }

    /// Validates the selector as kube-apiserver validates `spec.selector`
    /// (`ValidateLabelSelector`): labels and keys are checked, `In`/`NotIn`
    /// need values, `Exists`/`DoesNotExist` forbid them.
    public func validate(at path: FieldPath) -> [FieldError] {
        var errors = NameValidation.validateLabels(matchLabels ?? [:], at: path.child("matchLabels"))
        for (i, expression) in (matchExpressions ?? []).enumerated() {
            let expressionPath = path.child("matchExpressions").index(i)
            let values = expression.values ?? []
            switch expression.operator {
            case .in, .notIn:
                if values.isEmpty {
                    errors.append(.required(expressionPath.child("values"), "must be specified when `operator` is 'In' or 'NotIn'"))
                }
            case .exists, .doesNotExist:
                if !values.isEmpty {
                    errors.append(.forbidden(expressionPath.child("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
                }
            default:
                errors.append(.invalid(expressionPath.child("operator"), .string(expression.operator.rawValue), "not a valid selector operator"))
            }
            errors += NameValidation.validateLabelName(expression.key, at: expressionPath.child("key"))
            for (j, value) in values.enumerated() {
                for message in NameValidation.isValidLabelValue(value) {
                    errors.append(.invalid(expressionPath.child("values").index(j), .string(value), message))
                }
            }
        }
        return errors
    }
}

// MARK: - Parser (labels.Parse)

/// Joins errors as `utilerrors.NewAggregate` prints them: one error alone, or
/// `[a, b]` with duplicates dropped.
func aggregateMessages(_ messages: [String]) -> String {
    var seen: Set<String> = []
    var unique: [String] = []
    for message in messages where seen.insert(message).inserted { unique.append(message) }
    return unique.count == 1 ? unique[0] : "[" + unique.joined(separator: ", ") + "]"
}

private enum LabelToken: Equatable {
    case endOfString, closedPar, comma, doesNotExist, doubleEquals, equals, greaterThan
    case identifier, `in`, lessThan, notEquals, notIn, openPar
}

private struct LabelSelectorParser {
    private struct Item {
        var token: LabelToken
        var literal: String
    }

    private var items: [Item] = []
    private var position = 0

    init(_ selector: String) {
        items = Self.lex(Array(selector.utf8))
    }

    private static let keywords: [String: LabelToken] = [
        ")": .closedPar, ",": .comma, "!": .doesNotExist, "==": .doubleEquals, "=": .equals,
        ">": .greaterThan, "in": .in, "<": .lessThan, "!=": .notEquals, "notin": .notIn, "(": .openPar,
    ]

    private static func isWhitespace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A }

    private static func isSpecial(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "="), UInt8(ascii: "!"), UInt8(ascii: "("), UInt8(ascii: ")"),
             UInt8(ascii: ","), UInt8(ascii: ">"), UInt8(ascii: "<"):
            return true
        default:
            return false
        }
    }

    private static func lex(_ s: [UInt8]) -> [Item] {
        var result: [Item] = []
        var pos = 0
        while true {
            while pos < s.count, isWhitespace(s[pos]) { pos += 1 }
            guard pos < s.count else {
                result.append(Item(token: .endOfString, literal: ""))
                return result
            }
            if isSpecial(s[pos]) {
                // The longest run of special characters that is a known operator.
                var end = pos
                var best: (LabelToken, Int)?
                while end < s.count, isSpecial(s[end]) {
                    end += 1
                    if let token = keywords[String(decoding: s[pos..<end], as: UTF8.self)] {
                        best = (token, end)
                    } else if best != nil {
                        break
                    }
                }
                // Every single special character is a token, so `best` is set.
                let (token, stop) = best ?? (.identifier, end)
                result.append(Item(token: token, literal: String(decoding: s[pos..<stop], as: UTF8.self)))
                pos = stop
            } else {
                var end = pos
                while end < s.count, !isSpecial(s[end]), !isWhitespace(s[end]) { end += 1 }
                let literal = String(decoding: s[pos..<end], as: UTF8.self)
                result.append(Item(token: keywords[literal] ?? .identifier, literal: literal))
                pos = end
            }
        }
    }

    /// In the values context, `in` and `notin` are ordinary identifiers.
    private func lookahead(values: Bool) -> (LabelToken, String) {
        let item = items[min(position, items.count - 1)]
        if values, item.token == .in || item.token == .notIn { return (.identifier, item.literal) }
        return (item.token, item.literal)
    }

    private mutating func consume(values: Bool) -> (LabelToken, String) {
        let result = lookahead(values: values)
        position += 1
        return result
    }

    mutating func parse() throws(LabelSelectorError) -> [LabelRequirement] {
        var requirements: [LabelRequirement] = []
        while true {
            let (token, literal) = lookahead(values: true)
            switch token {
            case .identifier, .doesNotExist:
                do {
                    requirements.append(try parseRequirement())
                } catch {
                    throw LabelSelectorError("unable to parse requirement: \(error.message)")
                }
                let (next, nextLiteral) = consume(values: true)
                switch next {
                case .endOfString:
                    return requirements
                case .comma:
                    let (after, afterLiteral) = lookahead(values: true)
                    if after != .identifier && after != .doesNotExist {
                        throw LabelSelectorError("found '\(afterLiteral)', expected: identifier after ','")
                    }
                default:
                    throw LabelSelectorError("found '\(nextLiteral)', expected: ',' or 'end of string'")
                }
            case .endOfString:
                return requirements
            default:
                throw LabelSelectorError("found '\(literal)', expected: !, identifier, or 'end of string'")
            }
        }
    }

    private mutating func parseRequirement() throws(LabelSelectorError) -> LabelRequirement {
        let (key, inferred) = try parseKeyAndInferOperator()
        if let inferred {
            return try LabelRequirement(key: key, operator: inferred, values: [])
        }
        let op = try parseOperator()
        let values: [String]
        switch op {
        case .in, .notIn: values = try parseValues()
        default: values = try parseExactValue()
        }
        return try LabelRequirement(key: key, operator: op, values: values)
    }

    private mutating func parseKeyAndInferOperator() throws(LabelSelectorError) -> (String, LabelSelectorOperator?) {
        var op: LabelSelectorOperator?
        var (token, literal) = consume(values: true)
        if token == .doesNotExist {
            op = .doesNotExist
            (token, literal) = consume(values: true)
        }
        guard token == .identifier else {
            throw LabelSelectorError("found '\(literal)', expected: identifier")
        }
        let keyErrors = NameValidation.isQualifiedName(literal)
        if !keyErrors.isEmpty {
            throw LabelSelectorError("<nil>: Invalid value: \(literal.goQuoted): " + keyErrors.joined(separator: "; "))
        }
        let (next, _) = lookahead(values: true)
        if (next == .endOfString || next == .comma) && op == nil {
            op = .exists
        }
        return (literal, op)
    }

    private mutating func parseOperator() throws(LabelSelectorError) -> LabelSelectorOperator {
        let (token, literal) = consume(values: false)
        switch token {
        case .in: return .in
        case .equals: return .equals
        case .doubleEquals: return .doubleEquals
        case .greaterThan: return .greaterThan
        case .lessThan: return .lessThan
        case .notIn: return .notIn
        case .notEquals: return .notEquals
        default:
            throw LabelSelectorError("found '\(literal)', expected: in, notin, =, ==, !=, gt, lt")
        }
    }

    private mutating func parseValues() throws(LabelSelectorError) -> [String] {
        let (open, openLiteral) = consume(values: true)
        guard open == .openPar else {
            throw LabelSelectorError("found '\(openLiteral)' expected: '('")
        }
        let (token, literal) = lookahead(values: true)
        switch token {
        case .identifier, .comma:
            let values = try parseIdentifiersList()
            if consume(values: true).0 != .closedPar {
                throw LabelSelectorError("found '\(literal)', expected: ')'")
            }
            return values
        case .closedPar:
            _ = consume(values: true)
            return [""]
        default:
            throw LabelSelectorError("found '\(literal)', expected: ',', ')' or identifier")
        }
    }

    private mutating func parseIdentifiersList() throws(LabelSelectorError) -> [String] {
        var values: Set<String> = []
        while true {
            let (token, literal) = consume(values: true)
            switch token {
            case .identifier:
                values.insert(literal)
                let (next, nextLiteral) = lookahead(values: true)
                switch next {
                case .comma: continue
                case .closedPar: return values.sorted()
                default: throw LabelSelectorError("found '\(nextLiteral)', expected: ',' or ')'")
                }
            case .comma:
                if values.isEmpty { values.insert("") }
                let (next, _) = lookahead(values: true)
                if next == .closedPar {
                    values.insert("")
                    return values.sorted()
                }
                if next == .comma {
                    _ = consume(values: true)
                    values.insert("")
                }
            default:
                throw LabelSelectorError("found '\(literal)', expected: ',', or identifier")
            }
        }
    }

    private mutating func parseExactValue() throws(LabelSelectorError) -> [String] {
        let (next, _) = lookahead(values: true)
        if next == .endOfString || next == .comma { return [""] }
        let (token, literal) = consume(values: true)
        guard token == .identifier else {
            throw LabelSelectorError("found '\(literal)', expected: identifier")
        }
        return [literal]
    }
}
