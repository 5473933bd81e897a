//! A deterministic YAML writer for JSON trees: block style, keys sorted,
//! strings left plain only when every YAML 1.1 and 1.2 reader (Yams here,
//! serde_yaml in the supervisor) reads them back as the same string.
//! Used for the generated CRDs and the supervisor's policy and routes files.
import KubeCore

public enum DeterministicYAML {
    /// The value as a YAML document ending in a newline. The same value always gives the same bytes.
    public static func render(_ value: JSONValue) -> String {
        let lines: [String]
        switch value {
        case .object(let object) where !object.isEmpty: lines = block(value)
        case .array(let array) where !array.isEmpty: lines = block(value)
        default: lines = [scalar(value)]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The lines of a non-empty object or array, unindented.
    private static func block(_ value: JSONValue) -> [String] {
        var lines: [String] = []
        switch value {
        case .object(let object):
            for key in object.keys.sorted() {
                let child = object[key] ?? .null
                let label = quoted(key)
                if isNonEmptyContainer(child) {
                    lines.append(label + ":")
                    lines.append(contentsOf: block(child).map { "  " + $0 })
                } else {
                    lines.append(label + ": " + scalar(child))
                }
            }
        case .array(let items):
            for item in items {
                if isNonEmptyContainer(item) {
                    let inner = block(item)
                    for (index, line) in inner.enumerated() {
                        lines.append((index == 0 ? "- " : "  ") + line)
                    }
                } else {
                    lines.append("- " + scalar(item))
                }
            }
        default:
            lines.append(scalar(value))
        }
        return lines
    }

    private static func isNonEmptyContainer(_ value: JSONValue) -> Bool {
        switch value {
        case .object(let object): !object.isEmpty
        case .array(let array): !array.isEmpty
        default: false
        }
    }

    /// A scalar or an empty container in flow style.
    private static func scalar(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .int(let i): String(i)
        case .double(let d): double(d)
        case .string(let s): quoted(s)
        case .array: "[]"
        case .object: "{}"
        }
    }

    private static func double(_ d: Double) -> String {
        if d.isNaN { return ".nan" }
        if d.isInfinite { return d < 0 ? "-.inf" : ".inf" }
        if d.rounded() == d, abs(d) < 1e15 { return String(Int64(d)) }
        var text = String(d)
        // YAML 1.1 floats need a dot before the exponent: "1e+20" would read back as a string.
        if !text.contains("."), let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            text.insert(contentsOf: ".0", at: e)
        }
        return text
    }

    /// Words some YAML reader resolves to null or a boolean.
    private static let reservedWords: Set<String> = ["null", "true", "false", "yes", "no", "on", "off", "y", "n"]

    /// The string plain when that is unambiguous, else double-quoted.
    static func quoted(_ text: String) -> String {
        isPlainSafe(text) ? text : doubleQuoted(text)
    }

    /// Plain scalars are limited to `[A-Za-z_/][A-Za-z0-9_./-]*`, minus the
    /// reserved words: no indicator, no number, no timestamp can look like that.
    private static func isPlainSafe(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first else { return false }
        guard isLetter(first) || first == "_" || first == "/" else { return false }
        guard text.unicodeScalars.allSatisfy({ isLetter($0) || isDigit($0) || "_./-".unicodeScalars.contains($0) }) else {
            return false
        }
        return !reservedWords.contains(text.lowercased())
    }

    private static func isLetter(_ s: Unicode.Scalar) -> Bool { ("a"..."z").contains(s) || ("A"..."Z").contains(s) }
    private static func isDigit(_ s: Unicode.Scalar) -> Bool { ("0"..."9").contains(s) }

    /// A double-quoted scalar: JSON-compatible escapes, plus escapes for the
    /// characters YAML 1.1 treats as line breaks or byte-order marks.
    private static func doubleQuoted(_ text: String) -> String {
        var out = "\""
        for s in text.unicodeScalars {
            switch s {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                let v = s.value
                if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || v == 0x2028 || v == 0x2029 || v == 0xFEFF {
                    let hex = String(v, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                } else {
                    out.unicodeScalars.append(s)
                }
            }
        }
        return out + "\""
    }
}
