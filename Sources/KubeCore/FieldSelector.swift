//! Field selectors (`?fieldSelector=metadata.name=foo,status.phase!=Running`)
//! as `k8s.io/apimachinery/pkg/fields` parses them: comma-separated
//! `key=value`, `key==value` and `key!=value` terms, with `\`, `,` and `=`
//! escaped by a backslash inside values.
//!
//! Matching works on the object's selectable fields, which the caller supplies
//! (`metadata.name`, `metadata.namespace`, a CRD's `selectableFields`, ...).

/// A field selector that could not be parsed, or names an unsupported field;
/// `message` is upstream's wording.
public struct FieldSelectorError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    /// `field label not supported: <key>`, how kube-apiserver rejects a field it cannot select on.
    public static func unsupportedFieldLabel(_ field: String) -> FieldSelectorError {
        FieldSelectorError("field label not supported: \(field)")
    }
}

/// The operators of a field selector term (`=` and `==` are the same).
public enum FieldSelectorOperator: String, Sendable, Hashable {
    case equals = "="
    case notEquals = "!="
}

/// One term of a field selector, with its value unescaped.
public struct FieldSelectorRequirement: Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var `operator`: FieldSelectorOperator
    public var value: String

    public init(field: String, operator op: FieldSelectorOperator, value: String) {
        self.field = field
        self.operator = op
        self.value = value
    }

    /// A missing field reads as the empty string, as upstream's `Fields.Get` does.
    public func matches(_ fields: [String: String]) -> Bool {
        let actual = fields[field] ?? ""
        return self.operator == .equals ? actual == value : actual != value
    }

    /// `field=value` or `field!=value`, with the value escaped.
    public var description: String { field + self.operator.rawValue + FieldSelector.escapeValue(value) }
}

/// A parsed field selector: the AND of its requirements. The empty selector matches everything.
public struct FieldSelector: Sendable, Hashable, CustomStringConvertible {
    public var requirements: [FieldSelectorRequirement]

    public init(_ requirements: [FieldSelectorRequirement] = []) {
        self.requirements = requirements
    }

    /// Matches everything.
    public static let everything = FieldSelector()

    /// Parses the string form as `fields.ParseSelector` does: terms split on
    /// unescaped commas and sorted, empty terms skipped, each split at the first
    /// `!=`, `==` or `=` (keys cannot be escaped), values unescaped.
    /// Errors: `invalid selector: '<s>'; can't understand '<term>'`,
    /// `invalid field selector: invalid escape sequence: \x`,
    /// `invalid field selector: unescaped character in value: 61` (the rune number, as upstream prints it).
    public init(parsing selector: String) throws(FieldSelectorError) {
        var requirements: [FieldSelectorRequirement] = []
        for term in Self.splitTerms(selector).sorted() where !term.isEmpty {
            guard let (field, op, rawValue) = Self.splitTerm(term) else {
                throw FieldSelectorError("invalid selector: '\(selector)'; can't understand '\(term)'")
            }
            requirements.append(FieldSelectorRequirement(field: field, operator: op, value: try Self.unescapeValue(rawValue)))
        }
        self.init(requirements)
    }

    /// A selector requiring each `field=value` of the set (sorted by field).
    public init(matching fields: [String: String]) {
        self.init(fields.keys.sorted().map { FieldSelectorRequirement(field: $0, operator: .equals, value: fields[$0] ?? "") })
    }

    public var isEmpty: Bool { requirements.isEmpty }

    /// Whether every requirement holds for the object's selectable fields.
    public func matches(_ fields: [String: String]) -> Bool {
        requirements.allSatisfy { $0.matches(fields) }
    }

    /// The value an `=` term requires `field` to have, if any (e.g. `metadata.name` for a single-object watch).
    public func requiresExactMatch(_ field: String) -> String? {
        requirements.first { $0.field == field && $0.operator == .equals }?.value
    }

    /// The fields the selector uses, in order of first use.
    public var fields: [String] {
        var seen: Set<String> = []
        return requirements.map(\.field).filter { seen.insert($0).inserted }
    }

    /// Throws `field label not supported: <key>` for the first field not in `supported`.
    public func checkSupported(_ supported: Set<String>) throws(FieldSelectorError) {
        if let field = fields.first(where: { !supported.contains($0) }) {
            throw .unsupportedFieldLabel(field)
        }
    }

    /// The canonical string form: terms joined by `,`, values escaped.
    public var description: String { requirements.map(\.description).joined(separator: ",") }

    // MARK: Escaping

    /// Escapes `\`, `,` and `=` with a backslash so any string can be a selector value.
    public static func escapeValue(_ value: String) -> String {
        var out = ""
        for character in value {
            if character == "\\" || character == "," || character == "=" { out.append("\\") }
            out.append(character)
        }
        return out
    }

    /// Reverses `escapeValue`; rejects unknown escapes and unescaped `,` or `=`.
    public static func unescapeValue(_ value: String) throws(FieldSelectorError) -> String {
        var out = ""
        var inSlash = false
        for scalar in value.unicodeScalars {
            if inSlash {
                guard scalar == "\\" || scalar == "," || scalar == "=" else {
                    throw FieldSelectorError("invalid field selector: invalid escape sequence: \\\(Character(scalar))")
                }
                out.unicodeScalars.append(scalar)
                inSlash = false
                continue
            }
            switch scalar {
            case "\\": inSlash = true
            case ",", "=": throw FieldSelectorError("invalid field selector: unescaped character in value: \(scalar.value)")
            default: out.unicodeScalars.append(scalar)
            }
        }
        if inSlash { throw FieldSelectorError("invalid field selector: invalid escape sequence: \\") }
        return out
    }

    // MARK: Splitting

    /// Splits on commas not preceded by a backslash escape; the escapes stay in the terms.
    static func splitTerms(_ selector: String) -> [String] {
        if selector.isEmpty { return [] }
        var terms: [String] = []
        var current = String.UnicodeScalarView()
        var inSlash = false
        for scalar in selector.unicodeScalars {
            if inSlash {
                inSlash = false
            } else if scalar == "\\" {
                inSlash = true
            } else if scalar == "," {
                terms.append(String(current))
                current = String.UnicodeScalarView()
                continue
            }
            current.append(scalar)
        }
        terms.append(String(current))
        return terms
    }

    /// Splits a term at the first operator, trying `!=`, then `==`, then `=` at each position.
    static func splitTerm(_ term: String) -> (String, FieldSelectorOperator, String)? {
        let scalars = Array(term.unicodeScalars)
        func string(_ slice: ArraySlice<Unicode.Scalar>) -> String {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: slice)
            return String(view)
        }
        for i in scalars.indices {
            let next = i + 1 < scalars.count ? scalars[i + 1] : nil
            if scalars[i] == "!" && next == "=" {
                return (string(scalars[..<i]), .notEquals, string(scalars[(i + 2)...]))
            }
            if scalars[i] == "=" && next == "=" {
                return (string(scalars[..<i]), .equals, string(scalars[(i + 2)...]))
            }
            if scalars[i] == "=" {
                return (string(scalars[..<i]), .equals, string(scalars[(i + 1)...]))
            }
        }
        return nil
    }
}
