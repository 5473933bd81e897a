//! How Go prints values inside kube-apiserver messages: `%q` strings, `%v`
//! numbers, `%#v` maps/slices of unstructured JSON, and the `field.Error`
//! rendering of bad values. Kept internal to this module.
import Foundation
import KubeCore

enum GoFormat {



    /// `%v` of a float64 (`strconv.FormatFloat(f, 'g', -1, 64)`): shortest
    /// round-trip digits, exponent form when the exponent is < -4 or >= 6.
    static func float(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Inf" : "+Inf" }
        if d == 0 { return d.sign == .minus ? "-0" : "0" }
        let (negative, digits, pointPosition) = shortestDigits(d)
        let exp = pointPosition - 1
        let body = (exp < -4 || exp >= 6) ? exponentForm(digits, exp) : fixedForm(digits, pointPosition)
        return (negative ? "-" : "") + body
    }

    private static func exponentForm(_ digits: [Character], _ exp: Int) -> String {
        var mantissa = String(digits[0])
        if digits.count > 1 { mantissa += "." + String(digits[1...]) }
        let sign = exp < 0 ? "-" : "+"
        let e = abs(exp)
        return mantissa + "e" + sign + (e < 10 ? "0\(e)" : "\(e)")
    }

    private static func fixedForm(_ digits: [Character], _ pointPosition: Int) -> String {
        if pointPosition <= 0 {
            return "0." + String(repeating: "0", count: -pointPosition) + String(digits)
        }
        if pointPosition >= digits.count {
            return String(digits) + String(repeating: "0", count: pointPosition - digits.count)
        }
        return String(digits[..<pointPosition]) + "." + String(digits[pointPosition...])
    }

    /// Decimal digits (no leading/trailing zeros) and the position of the decimal point.
    private static func shortestDigits(_ d: Double) -> (Bool, [Character], Int) {
        let text = "\(abs(d))"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var intPart = mantissa
        var fracPart: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            intPart = mantissa[..<dot]
            fracPart = mantissa[mantissa.index(after: dot)...]
        }
        var digits = Array(intPart + fracPart)
        var point = intPart.count + exponent
        while let first = digits.first, first == "0", digits.count > 1 {
            digits.removeFirst()
            point -= 1
        }
        while let last = digits.last, last == "0", digits.count > 1 { digits.removeLast() }
        return (d < 0, digits, point)
    }

    /// `%v` of a JSON number or scalar as Go prints `interface{}` values.
    static func scalar(_ value: JSONValue) -> String {
        switch value {
        case .int(let i): return String(i)
        case .double(let d): return float(d)
        case .bool(let b): return b ? "true" : "false"
        case .string(let s): return s
        case .null: return "<nil>"
        default: return goSyntax(value)
        }
    }

    /// `%#v` of unstructured JSON (`map[string]interface {}{...}`, `[]interface {}{...}`).
    static func goSyntax(_ value: JSONValue) -> String {
        switch value {
        case .null: return "interface {}(nil)"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return float(d)
        case .string(let s): return s.goQuoted
        case .array(let a): return "[]interface {}{" + a.map(goSyntax).joined(separator: ", ") + "}"
        case .object(let o):
            let entries = o.keys.sorted().map { "\(($0).goQuoted):\(goSyntax(o[$0] ?? .null))" }
            return "map[string]interface {}{" + entries.joined(separator: ", ") + "}"
        }
    }

    /// How `field.Error` renders a bad value: strings quoted, simple types bare,
    /// compound values in `%#v`, nil as `null`.
    static func badValue(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .string(let s): return s.goQuoted
        case .int, .double, .bool: return scalar(value)
        case .array, .object: return goSyntax(value)
        }
    }

    /// `encoding/json` rendering (used for non-string enum values in messages).
    static func json(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return jsonFloat(d)
        case .string: return value.jsonString()
        case .array(let a): return "[" + a.map(json).joined(separator: ",") + "]"
        case .object(let o):
            return "{" + o.keys.sorted().map { JSONValue.string($0).jsonString() + ":" + json(o[$0] ?? .null) }.joined(separator: ",") + "}"
        }
    }

    /// `encoding/json` float: `'f'` form unless the exponent is < -6 or >= 21.
    private static func jsonFloat(_ d: Double) -> String {
        if d == 0 { return "0" }
        let (negative, digits, point) = shortestDigits(d)
        let exp = point - 1
        let body = (exp < -6 || exp >= 21) ? exponentForm(digits, exp) : fixedForm(digits, point)
        return (negative ? "-" : "") + body
    }
}

/// Field errors with Go's rendering of bad values (KubeCore's constructors
/// print Swift renderings for doubles and compound values).
enum KubeFieldError {
    static func invalid(_ field: String, _ value: JSONValue?, _ detail: String) -> FieldError {
        var message = "Invalid value"
        if let value { message += ": " + GoFormat.badValue(value) }
        if !detail.isEmpty { message += ": " + detail }
        return FieldError(reason: FieldErrorReason.invalid, field: field, message: message)
    }

    static func typeInvalid(_ field: String, _ value: JSONValue, _ detail: String) -> FieldError {
        FieldError(reason: FieldErrorReason.typeInvalid, field: field, message: "Invalid value: \(GoFormat.badValue(value)): \(detail)")
    }

    static func required(_ field: String, _ detail: String = "") -> FieldError {
        FieldError(reason: FieldErrorReason.required, field: field, message: detail.isEmpty ? "Required value" : "Required value: \(detail)")
    }

    static func forbidden(_ field: String, _ detail: String) -> FieldError {
        FieldError(reason: FieldErrorReason.forbidden, field: field, message: "Forbidden: \(detail)")
    }

    static func notSupported(_ field: String, _ value: JSONValue, _ supported: [String]) -> FieldError {
        var message = "Unsupported value: \(GoFormat.badValue(value))"
        if !supported.isEmpty {
            message += ": supported values: " + supported.map(\.goQuoted).joined(separator: ", ")
        }
        return FieldError(reason: FieldErrorReason.notSupported, field: field, message: message)
    }

    static func duplicate(_ field: String, _ value: JSONValue) -> FieldError {
        FieldError(reason: FieldErrorReason.duplicate, field: field, message: "Duplicate value: \(GoFormat.badValue(value))")
    }

    static func tooLong(_ field: String, max: Int64) -> FieldError {
        let detail = max >= 0 ? "may not be more than \(max) bytes" : "value is too long"
        return FieldError(reason: FieldErrorReason.tooLong, field: field, message: "Too long: \(detail)")
    }

    static func tooMany(_ field: String, actual: Int64, max: Int64) -> FieldError {
        let detail = max >= 0 ? "must have at most \(max) items" : "has too many items"
        let value = actual >= 0 ? "\(actual): " : ""
        return FieldError(reason: FieldErrorReason.tooMany, field: field, message: "Too many: \(value)\(detail)")
    }
}
