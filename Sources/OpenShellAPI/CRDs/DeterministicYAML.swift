//! A small YAML emitter for JSON trees: block style, keys sorted, sequences
//! under a key not indented (the kubectl / controller-gen layout), and every
//! string that YAML 1.1 could read as something else double-quoted. The same
//! tree always gives the same bytes, so generated CRDs diff cleanly.
import KubeCore

enum DeterministicYAML {
    /// `value` as a YAML document ending in a newline (no `---`).
    static func document(_ value: JSONValue) -> String {
        var lines: [String] = []
        switch value {
        case .object(let object) where !object.isEmpty: mapping(object, indent: 0, into: &lines)
        case .array(let items) where !items.isEmpty: sequence(items, indent: 0, into: &lines)
        default: lines.append(scalar(value))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func isBlock(_ value: JSONValue) -> Bool {
        switch value {
        case .object(let o): return !o.isEmpty
        case .array(let a): return !a.isEmpty
        default: return false
        }
    }

    private static func mapping(_ object: JSONObject, indent: Int, into lines: inout [String]) {
        let pad = String(repeating: " ", count: indent)
        for key in object.keys.sorted() {
            guard let value = object[key] else { continue }
            let label = pad + string(key) + ":"
            switch value {
            case .object(let child) where !child.isEmpty:
                lines.append(label)
                mapping(child, indent: indent + 2, into: &lines)
            case .array(let items) where !items.isEmpty:
                lines.append(label)
                sequence(items, indent: indent, into: &lines)
            default:
                lines.append(label + " " + scalar(value))
            }
        }
    }

    private static func sequence(_ items: [JSONValue], indent: Int, into lines: inout [String]) {
        let pad = String(repeating: " ", count: indent)
        for item in items {
            guard isBlock(item) else {
                lines.append(pad + "- " + scalar(item))
                continue
            }
            // Render the item two columns in, then put the dash on its first line.
            var nested: [String] = []
            switch item {
            case .object(let object): mapping(object, indent: indent + 2, into: &nested)
            case .array(let inner): sequence(inner, indent: indent + 2, into: &nested)
            default: break
            }
            if let first = nested.first {
                nested[0] = pad + "- " + first.dropFirst(indent + 2)
            }
            lines += nested
        }
    }

    /// A scalar, or an empty collection in flow style.
    private static func scalar(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return d.description
        case .string(let s): return string(s)
        case .array: return "[]"
        case .object: return "{}"
        }
    }

    /// `text` plain when YAML reads it back as the same string, else double-quoted.
    static func string(_ text: String) -> String {
        isPlainSafe(text) ? text : quoted(text)
    }

    private static let reservedWords: Set<String> = [
        "y", "yes", "n", "no", "true", "false", "on", "off", "null", "~", ".inf", ".nan", "+.inf", "-.inf",
    ]

    private static func isPlainSafe(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard let first = scalars.first, let last = scalars.last else { return false }
        // Start with a letter, '/', '_' or a '.' not followed by a digit: never an indicator, number or timestamp.
        let startsWell = first.properties.isAlphabetic || first == "/" || first == "_"
            || (first == "." && scalars.count > 1 && !("0"..."9").contains(scalars[1]))
        guard startsWell, last != " ", last != ":" else { return false }
        guard !reservedWords.contains(text.lowercased()) else { return false }
        guard !text.contains(": "), !text.contains(" #") else { return false }
        return scalars.allSatisfy(isPrintable)
    }

    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20...0x7E: return true
        case 0xA0...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return scalar.value != 0x2028 && scalar.value != 0x2029 && scalar.value != 0xFEFF
        default: return false
        }
    }

    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if isPrintable(scalar) {
                    out.unicodeScalars.append(scalar)
                } else {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += scalar.value <= 0xFFFF
                        ? "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                        : "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
                }
            }
        }
        return out + "\""
    }
}
