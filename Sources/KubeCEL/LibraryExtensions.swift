//! The extension libraries Kubernetes enables for CRD validation rules:
//! cel-go's strings extension (version 2: `charAt`, `indexOf`, `lastIndexOf`,
//! `lowerAscii`, `upperAscii`, `replace`, `split`, `substring`, `trim`, `join`,
//! `format`, `strings.quote`), sets (`sets.contains/equivalent/intersects`),
//! optionals (`optional.of/none/ofNonZeroValue`, `hasValue`, `value`, `orValue`,
//! `or`), and Kubernetes' lists (`isSorted`, `sum`, `min`, `max`, `indexOf`,
//! `lastIndexOf`), regex (`find`, `findAll`) and quantity libraries.
import Foundation
import KubeCore

extension Library {
    static var extensions: [FunctionDecl] {
        StringsLibrary.declarations + ListsLibrary.declarations + OptionalLibrary.declarations + QuantityLibrary.declarations
    }
}

// MARK: - Strings

enum StringsLibrary {
    typealias Scalars = [Unicode.Scalar]

    static func string(_ s: some Sequence<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: s)
        return String(view)
    }

    /// First code-point index of `needle` in `haystack` at or after `from`.
    static func index(of needle: Scalars, in haystack: Scalars, from: Int = 0) -> Int? {
        if needle.isEmpty { return from }
        guard haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        for i in from...(haystack.count - needle.count) where haystack[i..<i + needle.count].elementsEqual(needle) {
            return i
        }
        return nil
    }

    static func lastIndex(of needle: Scalars, in haystack: Scalars, upTo: Int) -> Int? {
        if needle.isEmpty { return upTo }
        guard haystack.count >= needle.count else { return nil }
        var i = min(upTo, haystack.count - needle.count)
        while i >= 0 {
            if haystack[i..<i + needle.count].elementsEqual(needle) { return i }
            i -= 1
        }
        return nil
    }

    static func outOfRange(_ i: Int64) -> CELValue { .error(CELError("index out of range: \(i)")) }

    static var declarations: [FunctionDecl] {
        let g = Library.global
        let m = Library.member
        return [
            FunctionDecl(name: "charAt", overloads: [m([.string, .int], .string)]) { args in
                guard case .string(let s) = args[0], case .int(let i) = args[1] else { return .error(.noSuchOverload) }
                let scalars = Array(s.unicodeScalars)
                guard i >= 0, i <= scalars.count else { return outOfRange(i) }
                return .string(i == scalars.count ? "" : string([scalars[Int(i)]]))
            },
            FunctionDecl(name: "indexOf", overloads: [m([.string, .string], .int), m([.string, .string, .int], .int)]) { args in
                guard case .string(let s) = args[0], case .string(let sub) = args[1] else { return .error(.noSuchOverload) }
                let scalars = Array(s.unicodeScalars)
                var offset: Int64 = 0
                if args.count == 3 {
                    guard case .int(let o) = args[2] else { return .error(.noSuchOverload) }
                    offset = o
                }
                guard offset >= 0, offset <= scalars.count else { return outOfRange(offset) }
                return .int(Int64(index(of: Array(sub.unicodeScalars), in: scalars, from: Int(offset)) ?? -1))
            },
            FunctionDecl(name: "lastIndexOf", overloads: [m([.string, .string], .int), m([.string, .string, .int], .int)]) { args in
                guard case .string(let s) = args[0], case .string(let sub) = args[1] else { return .error(.noSuchOverload) }
                let scalars = Array(s.unicodeScalars)
                var offset = Int64(scalars.count)
                if args.count == 3 {
                    guard case .int(let o) = args[2] else { return .error(.noSuchOverload) }
                    guard o >= 0, o <= scalars.count else { return outOfRange(o) }
                    offset = o
                }
                return .int(Int64(lastIndex(of: Array(sub.unicodeScalars), in: scalars, upTo: Int(offset)) ?? -1))
            },
            FunctionDecl(name: "lowerAscii", overloads: [m([.string], .string)]) { args in
                guard case .string(let s) = args[0] else { return .error(.noSuchOverload) }
                return .string(string(s.unicodeScalars.map { $0 >= "A" && $0 <= "Z" ? Unicode.Scalar($0.value + 32) ?? $0 : $0 }))
            },
            FunctionDecl(name: "upperAscii", overloads: [m([.string], .string)]) { args in
                guard case .string(let s) = args[0] else { return .error(.noSuchOverload) }
                return .string(string(s.unicodeScalars.map { $0 >= "a" && $0 <= "z" ? Unicode.Scalar($0.value - 32) ?? $0 : $0 }))
            },
            FunctionDecl(name: "replace", overloads: [m([.string, .string, .string], .string), m([.string, .string, .string, .int], .string)]) { args in
                guard case .string(let s) = args[0], case .string(let old) = args[1], case .string(let new) = args[2] else {
                    return .error(.noSuchOverload)
                }
                var limit: Int64 = -1
                if args.count == 4 {
                    guard case .int(let n) = args[3] else { return .error(.noSuchOverload) }
                    limit = n
                }
                return .string(replace(s, old, new, limit))
            },
            FunctionDecl(name: "split", overloads: [m([.string, .string], .list(.string)), m([.string, .string, .int], .list(.string))]) { args in
                guard case .string(let s) = args[0], case .string(let sep) = args[1] else { return .error(.noSuchOverload) }
                var limit: Int64 = -1
                if args.count == 3 {
                    guard case .int(let n) = args[2] else { return .error(.noSuchOverload) }
                    limit = n
                }
                return .list(CELList(split(s, sep, limit).map(CELValue.string)))
            },
            FunctionDecl(name: "substring", overloads: [m([.string, .int], .string), m([.string, .int, .int], .string)]) { args in
                guard case .string(let s) = args[0], case .int(let start) = args[1] else { return .error(.noSuchOverload) }
                let scalars = Array(s.unicodeScalars)
                var end = Int64(scalars.count)
                if args.count == 3 {
                    guard case .int(let e) = args[2] else { return .error(.noSuchOverload) }
                    end = e
                }
                guard start >= 0, start <= scalars.count else { return outOfRange(start) }
                guard end >= 0, end <= scalars.count else { return outOfRange(end) }
                guard start <= end else { return .error(CELError("invalid substring range. start: \(start), end: \(end)")) }
                return .string(string(scalars[Int(start)..<Int(end)]))
            },
            FunctionDecl(name: "trim", overloads: [m([.string], .string)]) { args in
                guard case .string(let s) = args[0] else { return .error(.noSuchOverload) }
                let scalars = Array(s.unicodeScalars)
                guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
                      let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return .string("") }
                return .string(string(scalars[first...last]))
            },
            FunctionDecl(name: "join", overloads: [m([.list(.string)], .string), m([.list(.string), .string], .string)]) { args in
                guard case .list(let l) = args[0] else { return .error(.noSuchOverload) }
                var sep = ""
                if args.count == 2 {
                    guard case .string(let s) = args[1] else { return .error(.noSuchOverload) }
                    sep = s
                }
                var parts: [String] = []
                for e in l.elements {
                    guard case .string(let s) = e else { return .error(.noSuchOverload) }
                    parts.append(s)
                }
                return .string(parts.joined(separator: sep))
            },
            FunctionDecl(name: "strings.quote", overloads: [g([.string], .string)]) { args in
                guard case .string(let s) = args[0] else { return .error(.noSuchOverload) }
                return .string(s.goQuoted)
            },
            FunctionDecl(name: "format", overloads: [m([.string, .list(.dyn)], .string)]) { args in
                guard case .string(let f) = args[0], case .list(let l) = args[1] else { return .error(.noSuchOverload) }
                return StringFormat.format(f, l.elements)
            },
            FunctionDecl(name: "find", overloads: [m([.string, .string], .string)]) { args in
                guard case .string(let s) = args[0], case .string(let p) = args[1] else { return .error(.noSuchOverload) }
                switch Regex.compile(p) {
                case .failure(let e): return .error(e)
                case .success(let re):
                    guard let match = re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)), let r = Range(match.range, in: s) else {
                        return .string("")
                    }
                    return .string(String(s[r]))
                }
            },
            FunctionDecl(name: "findAll", overloads: [m([.string, .string], .list(.string)), m([.string, .string, .int], .list(.string))]) { args in
                guard case .string(let s) = args[0], case .string(let p) = args[1] else { return .error(.noSuchOverload) }
                var limit = -1
                if args.count == 3 {
                    guard case .int(let n) = args[2] else { return .error(.noSuchOverload) }
                    limit = Int(clamping: n)
                }
                if limit == 0 { return .list(CELList([])) }
                switch Regex.compile(p) {
                case .failure(let e): return .error(e)
                case .success(let re):
                    var found: [CELValue] = []
                    for match in re.matches(in: s, range: NSRange(s.startIndex..., in: s)) {
                        if limit > 0 && found.count >= limit { break }
                        if let r = Range(match.range, in: s) { found.append(.string(String(s[r]))) }
                    }
                    return .list(CELList(found))
                }
            },
        ]
    }

    /// Go's `strings.Replace`.
    static func replace(_ s: String, _ old: String, _ new: String, _ limit: Int64) -> String {
        if limit == 0 || (old.isEmpty && new.isEmpty) { return s }
        let hay = Array(s.unicodeScalars)
        let needle = Array(old.unicodeScalars)
        var out = String.UnicodeScalarView()
        var replaced: Int64 = 0
        var i = 0
        if needle.isEmpty {
            // Insert `new` before every code point and at the end.
            for scalar in hay {
                if limit < 0 || replaced < limit {
                    out.append(contentsOf: new.unicodeScalars)
                    replaced += 1
                }
                out.append(scalar)
            }
            if limit < 0 || replaced < limit { out.append(contentsOf: new.unicodeScalars) }
            return String(out)
        }
        while i < hay.count {
            if (limit < 0 || replaced < limit), i + needle.count <= hay.count, hay[i..<i + needle.count].elementsEqual(needle) {
                out.append(contentsOf: new.unicodeScalars)
                i += needle.count
                replaced += 1
            } else {
                out.append(hay[i])
                i += 1
            }
        }
        return String(out)
    }

    /// Go's `strings.SplitN` (negative `limit`: all parts; zero: none).
    static func split(_ s: String, _ sep: String, _ limit: Int64) -> [String] {
        if limit == 0 { return [] }
        let hay = Array(s.unicodeScalars)
        let needle = Array(sep.unicodeScalars)
        if needle.isEmpty {
            var parts = hay.map { string([$0]) }
            if limit > 0, parts.count > Int(limit) {
                let head = parts.prefix(Int(limit) - 1)
                parts = Array(head) + [string(hay[(Int(limit) - 1)...])]
            }
            return parts
        }
        var parts: [String] = []
        var start = 0
        var i = 0
        while i + needle.count <= hay.count {
            if limit > 0 && parts.count == Int(limit) - 1 { break }
            if hay[i..<i + needle.count].elementsEqual(needle) {
                parts.append(string(hay[start..<i]))
                i += needle.count
                start = i
            } else {
                i += 1
            }
        }
        parts.append(string(hay[start...]))
        return parts
    }
}

// MARK: - format

enum StringFormat {
    static func format(_ template: String, _ args: [CELValue]) -> CELValue {
        var out = ""
        var argIndex = 0
        var scalars = Array(template.unicodeScalars)[...]
        while let c = scalars.popFirst() {
            guard c == "%" else {
                out.unicodeScalars.append(c)
                continue
            }
            if scalars.first == "%" {
                scalars = scalars.dropFirst()
                out += "%"
                continue
            }
            var precision: Int?
            if scalars.first == "." {
                scalars = scalars.dropFirst()
                var digits = ""
                while let d = scalars.first, d >= "0" && d <= "9" {
                    digits.unicodeScalars.append(d)
                    scalars = scalars.dropFirst()
                }
                precision = Int(digits) ?? 0
            }
            guard let verb = scalars.popFirst() else {
                return .error(CELError("could not parse formatting clause: unexpected end of string"))
            }
            guard argIndex < args.count else {
                return .error(CELError("index \(argIndex) out of range"))
            }
            let arg = args[argIndex]
            argIndex += 1
            switch formatClause(verb, precision, arg) {
            case .success(let text): out += text
            case .failure(let e): return .error(e)
            }
        }
        return .string(out)
    }

    private static func typeName(_ v: CELValue) -> String { v.type.description }

    private static func formatClause(_ verb: Unicode.Scalar, _ precision: Int?, _ arg: CELValue) -> Result<String, CELError> {
        switch verb {
        case "s": return stringify(arg, nested: false)
        case "d":
            switch arg {
            case .int(let i): return .success(String(i))
            case .uint(let u): return .success(String(u))
            default: return .failure(CELError("error during formatting: decimal clause can only be used on integers, was given \(typeName(arg))"))
            }
        case "f", "e":
            let p = precision ?? 6
            let d: Double
            switch arg {
            case .int(let i): d = Double(i)
            case .uint(let u): d = Double(u)
            case .double(let x): d = x
            default:
                let kind = verb == "f" ? "fixed-point" : "scientific"
                return .failure(CELError("error during formatting: \(kind) clause can only be used on doubles, was given \(typeName(arg))"))
            }
            if d.isNaN { return .success("NaN") }
            if d.isInfinite { return .success(d < 0 ? "-Infinity" : "Infinity") }
            return .success(String(format: "%.\(p)\(verb)", d))
        case "x", "X", "o", "b":
            let radix = verb == "o" ? 8 : (verb == "b" ? 2 : 16)
            let upper = verb == "X"
            switch arg {
            case .int(let i):
                let text = String(i.magnitude, radix: radix, uppercase: upper)
                return .success(i < 0 ? "-" + text : text)
            case .uint(let u): return .success(String(u, radix: radix, uppercase: upper))
            case .bool(let b) where verb == "b": return .success(b ? "1" : "0")
            case .string(let s) where radix == 16: return .success(hex(Array(s.utf8), upper))
            case .bytes(let b) where radix == 16: return .success(hex(b, upper))
            default:
                return .failure(CELError("error during formatting: only integers, byte buffers, and strings can be formatted as hex, was given \(typeName(arg))"))
            }
        default:
            return .failure(CELError("could not parse formatting clause: unrecognized formatting clause \"\(verb)\""))
        }
    }

    private static func hex(_ bytes: [UInt8], _ upper: Bool) -> String {
        bytes.map { b in
            let h = String(b, radix: 16, uppercase: upper)
            return h.count == 1 ? "0" + h : h
        }.joined()
    }

    /// `%s`: strings as-is, other values as `string()` renders them; lists and maps recursively.
    static func stringify(_ v: CELValue, nested: Bool) -> Result<String, CELError> {
        switch v {
        case .string(let s): return .success(nested ? s.goQuoted : s)
        case .bytes(let b): return .success(String(decoding: b, as: UTF8.self))
        case .int(let i): return .success(String(i))
        case .uint(let u): return .success(String(u))
        case .double(let d): return .success(GoFloat.formatG(d))
        case .bool(let b): return .success(String(b))
        case .null: return .success("null")
        case .timestamp(let t): return .success(t.description)
        case .duration(let d): return .success(d.description)
        case .type(let t): return .success(t.description)
        case .quantity(let q): return .success(q.description)
        case .list(let l):
            var parts: [String] = []
            for e in l.elements {
                switch stringify(e, nested: true) {
                case .success(let s): parts.append(s)
                case .failure(let err): return .failure(err)
                }
            }
            return .success("[" + parts.joined(separator: ", ") + "]")
        case .map(let m):
            var parts: [String] = []
            for (k, value) in m.entries {
                switch (stringify(k, nested: true), stringify(value, nested: true)) {
                case (.success(let ks), .success(let vs)): parts.append(ks + ": " + vs)
                case (.failure(let err), _), (_, .failure(let err)): return .failure(err)
                }
            }
            return .success("{" + parts.sorted().joined(separator: ", ") + "}")
        case .optional(let o):
            guard let o else { return .success("optional.none()") }
            return stringify(o, nested: nested).map { "optional.of(\($0))" }
        case .error(let e): return .failure(e)
        }
    }
}

// MARK: - Lists and sets

enum ListsLibrary {
    static var declarations: [FunctionDecl] {
        let m = Library.member
        let A = Library.A
        let summable: [CELType] = [.int, .uint, .double, .duration]
        return [
            FunctionDecl(name: "isSorted", overloads: Library.comparableTypes.map { m([.list($0)], .bool) }) { args in
                guard case .list(let l) = args[0] else { return .error(.noSuchOverload) }
                for (a, b) in zip(l.elements, l.elements.dropFirst()) {
                    switch CELValue.compare(a, b) {
                    case .success(let order?) where order > 0: return .bool(false)
                    case .failure(let e): return .error(e)
                    default: continue
                    }
                }
                return .bool(true)
            },
            FunctionDecl(name: "sum", overloads: summable.map { m([.list($0)], $0) }) { args in
                guard case .list(let l) = args[0] else { return .error(.noSuchOverload) }
                guard var total = l.elements.first else { return .int(0) }
                for e in l.elements.dropFirst() {
                    total = Arithmetic.add([total, e])
                    if case .error = total { return total }
                }
                switch total {
                case .int, .uint, .double, .duration: return total
                default: return .error(.noSuchOverload)
                }
            },
            extremum("min", prefer: -1),
            extremum("max", prefer: 1),
            FunctionDecl(name: "indexOf", overloads: [m([.list(A), A], .int)]) { args in
                guard case .list(let l) = args[0] else { return .error(.noSuchOverload) }
                for (i, e) in l.elements.enumerated() where CELValue.celEquals(e, args[1]) == .bool(true) { return .int(Int64(i)) }
                return .int(-1)
            },
            FunctionDecl(name: "lastIndexOf", overloads: [m([.list(A), A], .int)]) { args in
                guard case .list(let l) = args[0] else { return .error(.noSuchOverload) }
                for (i, e) in l.elements.enumerated().reversed() where CELValue.celEquals(e, args[1]) == .bool(true) {
                    return .int(Int64(i))
                }
                return .int(-1)
            },
            setFunction("sets.contains") { a, b in b.allSatisfy { CELValue.contains(a, $0) == .bool(true) } },
            setFunction("sets.equivalent") { a, b in
                b.allSatisfy { CELValue.contains(a, $0) == .bool(true) } && a.allSatisfy { CELValue.contains(b, $0) == .bool(true) }
            },
            setFunction("sets.intersects") { a, b in b.contains { CELValue.contains(a, $0) == .bool(true) } },
        ]
    }

    static func extremum(_ name: String, prefer: Int) -> FunctionDecl {
        FunctionDecl(name: name, overloads: Library.comparableTypes.map { Library.member([.list($0)], $0) }) { args in
            guard case .list(let l) = args[0] else { return .error(.noSuchOverload) }
            guard var best = l.elements.first else { return .error(CELError("\(name) called on empty list")) }
            for e in l.elements.dropFirst() {
                switch CELValue.compare(e, best) {
                case .success(let order?) where order == prefer: best = e
                case .failure(let err): return .error(err)
                default: continue
                }
            }
            return best
        }
    }

    static func setFunction(_ name: String, _ test: @escaping @Sendable ([CELValue], [CELValue]) -> Bool) -> FunctionDecl {
        FunctionDecl(name: name, overloads: [Library.global([.list(Library.A), .list(Library.A)], .bool)]) { args in
            guard case .list(let a) = args[0], case .list(let b) = args[1] else { return .error(.noSuchOverload) }
            return .bool(test(a.elements, b.elements))
        }
    }
}

// MARK: - Optionals

enum OptionalLibrary {
    static var declarations: [FunctionDecl] {
        let m = Library.member
        let g = Library.global
        let A = Library.A
        return [
            FunctionDecl(name: "optional.of", overloads: [g([A], .optional(A))]) { args in .optional(args[0]) },
            FunctionDecl(name: "optional.ofNonZeroValue", overloads: [g([A], .optional(A))]) { args in
                isZero(args[0]) ? .optional(nil) : .optional(args[0])
            },
            FunctionDecl(name: "optional.none", overloads: [g([], .optional(.dyn))]) { _ in .optional(nil) },
            FunctionDecl(name: "hasValue", overloads: [m([.optional(A)], .bool)]) { args in
                guard case .optional(let v) = args[0] else { return .error(.noSuchOverload) }
                return .bool(v != nil)
            },
            FunctionDecl(name: "value", overloads: [m([.optional(A)], A)]) { args in
                guard case .optional(let v) = args[0] else { return .error(.noSuchOverload) }
                return v ?? .error(CELError("optional.none() dereference"))
            },
            FunctionDecl(name: "orValue", overloads: [m([.optional(A), A], A)]) { args in
                guard case .optional(let v) = args[0] else { return .error(.noSuchOverload) }
                return v ?? args[1]
            },
            FunctionDecl(name: "or", overloads: [m([.optional(A), .optional(A)], .optional(A))]) { args in
                guard case .optional(let v) = args[0] else { return .error(.noSuchOverload) }
                return v == nil ? args[1] : args[0]
            },
        ]
    }

    static func isZero(_ v: CELValue) -> Bool {
        switch v {
        case .null: return true
        case .bool(let b): return !b
        case .int(let i): return i == 0
        case .uint(let u): return u == 0
        case .double(let d): return d == 0
        case .string(let s): return s.isEmpty
        case .bytes(let b): return b.isEmpty
        case .list(let l): return l.elements.isEmpty
        case .map(let m): return m.count == 0
        case .duration(let d): return d.nanoseconds == 0
        case .timestamp(let t): return t.seconds == 0 && t.nanos == 0
        case .optional(let o): return o == nil
        case .quantity(let q): return q.isZero
        case .type, .error: return false
        }
    }
}

// MARK: - Quantities

enum QuantityLibrary {
    static var declarations: [FunctionDecl] {
        let m = Library.member
        let g = Library.global
        func quantityMethod(_ name: String, _ params: [CELType], _ result: CELType,
                            _ body: @escaping @Sendable (Quantity, [CELValue]) -> CELValue) -> FunctionDecl {
            FunctionDecl(name: name, overloads: [m([.quantity] + params, result)]) { args in
                guard case .quantity(let q) = args[0] else { return .error(.noSuchOverload) }
                return body(q, Array(args.dropFirst()))
            }
        }
        return [
            FunctionDecl(name: "quantity", overloads: [g([.string], .quantity)]) { args in
                guard case .string(let s) = args[0] else { return .error(.noSuchOverload) }
                do throws(QuantityError) {
                    return .quantity(try Quantity(parsing: s))
                } catch {
                    return .error(CELError(error.message))
                }
            },
            FunctionDecl(name: "isQuantity", overloads: [g([.string], .bool)]) { args in
                guard case .string(let s) = args[0] else { return .error(.noSuchOverload) }
                return .bool((try? Quantity(parsing: s)) != nil)
            },
            quantityMethod("sign", [], .int) { q, _ in .int(Int64(q.sign)) },
            quantityMethod("isInteger", [], .bool) { q, _ in .bool(isInteger(q)) },
            quantityMethod("asInteger", [], .int) { q, _ in
                isInteger(q) ? .int(q.value) : .error(CELError("cannot convert value to integer"))
            },
            quantityMethod("asApproximateFloat", [], .double) { q, _ in .double(q.doubleValue) },
            quantityMethod("compareTo", [.quantity], .int) { q, args in compare(args, q).map { .int(Int64($0)) } ?? .error(.noSuchOverload) },
            quantityMethod("isLessThan", [.quantity], .bool) { q, args in compare(args, q).map { .bool($0 < 0) } ?? .error(.noSuchOverload) },
            quantityMethod("isGreaterThan", [.quantity], .bool) { q, args in compare(args, q).map { .bool($0 > 0) } ?? .error(.noSuchOverload) },
        ]
    }

    @Sendable static func compare(_ args: [CELValue], _ q: Quantity) -> Int? {
        guard case .quantity(let other) = args.first else { return nil }
        return q < other ? -1 : (other < q ? 1 : 0)
    }

    /// Whether the quantity is a whole number that fits in an int64.
    static func isInteger(_ q: Quantity) -> Bool {
        let whole = Quantity(q.value)
        return whole == q && q.value != .max && q.value != .min
    }
}
