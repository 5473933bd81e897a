//! A tiny deterministic TOML writer for `gateway.toml`: tables in the order
//! they are added, keys in the order they are set, strings as basic strings.
//! Only what the gateway's config needs (strings, integers, booleans, arrays,
//! inline tables), and a lookup so tests and the reconciler can read values back.

/// A TOML value.
public indirect enum TOMLValue: Sendable, Hashable {
    case string(String)
    case integer(Int64)
    case boolean(Bool)
    case array([TOMLValue])
    /// Written on one line as `{ k = v, ... }`.
    case inlineTable([TOMLEntry])

    /// The value as TOML text.
    public var rendered: String {
        switch self {
        case .string(let s): TOMLDocument.basicString(s)
        case .integer(let i): String(i)
        case .boolean(let b): b ? "true" : "false"
        case .array(let items): "[" + items.map(\.rendered).joined(separator: ", ") + "]"
        case .inlineTable(let entries):
            entries.isEmpty ? "{}" : "{ " + entries.map { "\(TOMLDocument.key($0.key)) = \($0.value.rendered)" }.joined(separator: ", ") + " }"
        }
    }

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
}

/// One `key = value`.
public struct TOMLEntry: Sendable, Hashable {
    public var key: String
    public var value: TOMLValue
    public init(_ key: String, _ value: TOMLValue) {
        self.key = key
        self.value = value
    }
}

/// One `[a.b.c]` table and its entries.
public struct TOMLTable: Sendable, Hashable {
    /// The dotted path's parts (`["openshell", "gateway"]`).
    public var path: [String]
    public var entries: [TOMLEntry]
    public init(_ path: [String], _ entries: [TOMLEntry] = []) {
        self.path = path
        self.entries = entries
    }

    /// The header's name, each part quoted when it is not a bare key.
    public var name: String { path.map(TOMLDocument.key).joined(separator: ".") }

    public subscript(key: String) -> TOMLValue? { entries.first { $0.key == key }?.value }
}

/// A document of tables. The same document always renders to the same bytes.
public struct TOMLDocument: Sendable, Hashable {
    public var tables: [TOMLTable]
    public init(_ tables: [TOMLTable] = []) { self.tables = tables }

    /// The table at `path` (a header name as written, e.g. `openshell.gateway.tls`).
    public func table(_ name: String) -> TOMLTable? { tables.first { $0.name == name } }

    /// The value of `key` in table `name`.
    public func value(_ name: String, _ key: String) -> TOMLValue? { table(name)?[key] }

    /// Every table whose entries include `key`, by header name.
    public func tables(containing key: String) -> [String] { tables.filter { $0[key] != nil }.map(\.name) }

    /// The document: each table's header, its entries, a blank line between tables.
    public func render() -> String {
        tables.map { table in
            (["[\(table.name)]"] + table.entries.map { "\(Self.key($0.key)) = \($0.value.rendered)" }).joined(separator: "\n") + "\n"
        }.joined(separator: "\n")
    }

    /// A key bare when it is `[A-Za-z0-9_-]+`, else a basic string.
    static func key(_ text: String) -> String {
        let bare = !text.isEmpty && text.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
        return bare ? text : basicString(text)
    }

    /// A basic string: `"` and `\` escaped, control characters as the short escapes or `\uXXXX`.
    static func basicString(_ text: String) -> String {
        var out = "\""
        for s in text.unicodeScalars {
            switch s {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if s.value < 0x20 || s.value == 0x7F {
                    let hex = String(s.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(s)
                }
            }
        }
        return out + "\""
    }
}

/// Builds a table's entries, skipping unset values.
struct TOMLTableBuilder {
    var entries: [TOMLEntry] = []

    mutating func set(_ key: String, _ value: String?) {
        if let value { entries.append(TOMLEntry(key, .string(value))) }
    }

    mutating func set(_ key: String, _ value: Int64?) {
        if let value { entries.append(TOMLEntry(key, .integer(value))) }
    }

    mutating func set(_ key: String, _ value: Int?) {
        if let value { entries.append(TOMLEntry(key, .integer(Int64(value)))) }
    }

    mutating func set(_ key: String, _ value: Bool?) {
        if let value { entries.append(TOMLEntry(key, .boolean(value))) }
    }

    mutating func set(_ key: String, strings: [String]?) {
        if let strings { entries.append(TOMLEntry(key, .array(strings.map(TOMLValue.string)))) }
    }
}
