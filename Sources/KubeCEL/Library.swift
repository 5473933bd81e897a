//! Function declarations: every function and operator the checker accepts,
//! with its overload signatures, and its runtime implementation. One table
//! serves both, so anything that type-checks can run and anything missing is
//! a compile error ("undeclared reference to ..."), never a runtime surprise.
//!
//! The standard definitions (operators, `size`, `contains`, `startsWith`,
//! `endsWith`, `matches`, conversions, time accessors) are here; the
//! Kubernetes extension libraries are in `LibraryExtensions.swift`.
import Foundation
import KubeCore

/// One signature of a function. For member (receiver-style) overloads the
/// receiver is the first parameter.
struct Overload: Sendable {
    var member: Bool
    var params: [CELType]
    var result: CELType
}

/// A declared function: its signatures and its implementation. `impl` receives
/// the receiver (if any) followed by the arguments, never error values.
struct FunctionDecl: Sendable {
    var name: String
    var overloads: [Overload]
    var impl: @Sendable ([CELValue]) -> CELValue
}

/// Every declared function, by name.
enum Library {
    static let functions: [String: FunctionDecl] = {
        var table: [String: FunctionDecl] = [:]
        for decl in standard + extensions {
            if var existing = table[decl.name] {
                // Same name in two libraries (indexOf of strings and lists): merge.
                let first = existing.impl
                let second = decl.impl
                existing.overloads += decl.overloads
                existing.impl = { args in
                    let r = first(args)
                    if case .error(let e) = r, e == .noSuchOverload { return second(args) }
                    return r
                }
                table[decl.name] = existing
            } else {
                table[decl.name] = decl
            }
        }
        return table
    }()

    static let A = CELType.typeParam("A")
    static let B = CELType.typeParam("B")

    static func global(_ params: [CELType], _ result: CELType) -> Overload { Overload(member: false, params: params, result: result) }
    static func member(_ params: [CELType], _ result: CELType) -> Overload { Overload(member: true, params: params, result: result) }

    static let comparableTypes: [CELType] = [.bool, .int, .uint, .double, .string, .bytes, .timestamp, .duration]

    // MARK: Standard definitions

    static var standard: [FunctionDecl] {
        [
            FunctionDecl(name: Operator.logicalNot, overloads: [global([.bool], .bool)]) { args in
                guard case .bool(let b) = args[0] else { return .error(.noSuchOverload) }
                return .bool(!b)
            },
            // `&&`, `||` and `?:` are not strict: the evaluator runs them itself; these entries only type-check them.
            FunctionDecl(name: Operator.logicalAnd, overloads: [global([.bool, .bool], .bool)]) { _ in .error(.noSuchOverload) },
            FunctionDecl(name: Operator.logicalOr, overloads: [global([.bool, .bool], .bool)]) { _ in .error(.noSuchOverload) },
            FunctionDecl(name: Operator.conditional, overloads: [global([.bool, A, A], A)]) { _ in .error(.noSuchOverload) },
            FunctionDecl(name: Operator.negate, overloads: [global([.int], .int), global([.double], .double)]) { args in
                switch args[0] {
                case .int(let i): return i == .min ? .error(.intOverflow) : .int(-i)
                case .double(let d): return .double(-d)
                default: return .error(.noSuchOverload)
                }
            },
            FunctionDecl(name: Operator.add, overloads: [
                global([.int, .int], .int), global([.uint, .uint], .uint), global([.double, .double], .double),
                global([.string, .string], .string), global([.bytes, .bytes], .bytes), global([.list(A), .list(A)], .list(A)),
                global([.timestamp, .duration], .timestamp), global([.duration, .timestamp], .timestamp),
                global([.duration, .duration], .duration),
            ], impl: Arithmetic.add),
            FunctionDecl(name: Operator.subtract, overloads: [
                global([.int, .int], .int), global([.uint, .uint], .uint), global([.double, .double], .double),
                global([.timestamp, .timestamp], .duration), global([.timestamp, .duration], .timestamp),
                global([.duration, .duration], .duration),
            ], impl: Arithmetic.subtract),
            FunctionDecl(name: Operator.multiply, overloads: numeric(), impl: Arithmetic.multiply),
            FunctionDecl(name: Operator.divide, overloads: numeric(), impl: Arithmetic.divide),
            FunctionDecl(name: Operator.modulo, overloads: [global([.int, .int], .int), global([.uint, .uint], .uint)], impl: Arithmetic.modulo),
            ordering(Operator.less) { $0 < 0 },
            ordering(Operator.lessEquals) { $0 <= 0 },
            ordering(Operator.greater) { $0 > 0 },
            ordering(Operator.greaterEquals) { $0 >= 0 },
            FunctionDecl(name: Operator.equals, overloads: [global([A, A], .bool)]) { args in CELValue.celEquals(args[0], args[1]) },
            FunctionDecl(name: Operator.notEquals, overloads: [global([A, A], .bool)]) { args in
                let eq = CELValue.celEquals(args[0], args[1])
                if case .bool(let b) = eq { return .bool(!b) }
                return eq
            },
            FunctionDecl(name: Operator.in, overloads: [global([A, .list(A)], .bool), global([A, .map(key: A, value: B)], .bool)]) { args in
                switch args[1] {
                case .list(let l): return CELValue.contains(l.elements, args[0])
                case .map(let m): return .bool(m[args[0]] != nil)
                default: return .error(.noSuchOverload)
                }
            },
            FunctionDecl(name: Operator.index, overloads: [global([.list(A), .int], A), global([.map(key: A, value: B), A], B)]) { args in
                Access.index(args[0], args[1])
            },
            FunctionDecl(name: Operator.optionalIndex, overloads: [
                global([.list(A), .int], .optional(A)), global([.map(key: A, value: B), A], .optional(B)),
            ]) { args in
                switch Access.index(args[0], args[1]) {
                case .error: return .optional(nil)
                case let v: return .optional(v)
                }
            },
            FunctionDecl(name: "size", overloads: [
                global([.string], .int), global([.bytes], .int), global([.list(A)], .int), global([.map(key: A, value: B)], .int),
                member([.string], .int), member([.bytes], .int), member([.list(A)], .int), member([.map(key: A, value: B)], .int),
            ]) { args in
                switch args[0] {
                case .string(let s): return .int(Int64(s.unicodeScalars.count))
                case .bytes(let b): return .int(Int64(b.count))
                case .list(let l): return .int(Int64(l.elements.count))
                case .map(let m): return .int(Int64(m.count))
                default: return .error(.noSuchOverload)
                }
            },
            stringPredicate("contains") { $0.contains($1) || $1.isEmpty },
            stringPredicate("startsWith") { $0.unicodeScalars.starts(with: $1.unicodeScalars) },
            stringPredicate("endsWith") { $0.unicodeScalars.reversed().starts(with: $1.unicodeScalars.reversed()) },
            FunctionDecl(name: "matches", overloads: [global([.string, .string], .bool), member([.string, .string], .bool)]) { args in
                guard case .string(let s) = args[0], case .string(let pattern) = args[1] else { return .error(.noSuchOverload) }
                switch Regex.compile(pattern) {
                case .success(let re): return .bool(re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil)
                case .failure(let e): return .error(e)
                }
            },
            FunctionDecl(name: "dyn", overloads: [global([A], .dyn)]) { args in args[0] },
            FunctionDecl(name: "type", overloads: [global([A], .type(A))]) { args in .type(args[0].type) },
        ] + Conversions.declarations + timeAccessors
    }

    static func numeric() -> [Overload] {
        [global([.int, .int], .int), global([.uint, .uint], .uint), global([.double, .double], .double)]
    }

    static func ordering(_ name: String, _ test: @escaping @Sendable (Int) -> Bool) -> FunctionDecl {
        var overloads = comparableTypes.map { global([$0, $0], .bool) }
        let numbers: [CELType] = [.int, .uint, .double]
        for a in numbers { for b in numbers where a != b { overloads.append(global([a, b], .bool)) } }
        return FunctionDecl(name: name, overloads: overloads) { args in
            switch CELValue.compare(args[0], args[1]) {
            case .success(let order?): return .bool(test(order))
            case .success(nil): return .bool(false)
            case .failure(let e): return .error(e)
            }
        }
    }

    static func stringPredicate(_ name: String, _ test: @escaping @Sendable (String, String) -> Bool) -> FunctionDecl {
        FunctionDecl(name: name, overloads: [member([.string, .string], .bool)]) { args in
            guard case .string(let s) = args[0], case .string(let t) = args[1] else { return .error(.noSuchOverload) }
            return .bool(test(s, t))
        }
    }

    static var timeAccessors: [FunctionDecl] {
        let timestampOnly = ["getFullYear", "getMonth", "getDate", "getDayOfMonth", "getDayOfYear", "getDayOfWeek"]
        let both = ["getHours", "getMinutes", "getSeconds", "getMilliseconds"]
        return (timestampOnly + both).map { name in
            var overloads = [member([.timestamp], .int), member([.timestamp, .string], .int)]
            if both.contains(name) { overloads.append(member([.duration], .int)) }
            return FunctionDecl(name: name, overloads: overloads) { args in
                switch (args.first, args.count) {
                case (.timestamp(let t)?, 1): return t.field(name, zone: nil)
                case (.timestamp(let t)?, 2):
                    guard case .string(let zone) = args[1] else { return .error(.noSuchOverload) }
                    return t.field(name, zone: zone)
                case (.duration(let d)?, 1):
                    switch name {
                    case "getHours": return .int(d.nanoseconds / 3_600_000_000_000)
                    case "getMinutes": return .int(d.nanoseconds / 60_000_000_000)
                    case "getSeconds": return .int(d.nanoseconds / 1_000_000_000)
                    default: return .int(d.nanoseconds / 1_000_000)
                    }
                default: return .error(.noSuchOverload)
                }
            }
        }
    }
}

// MARK: - Arithmetic

enum Arithmetic {
    @Sendable static func add(_ args: [CELValue]) -> CELValue {
        switch (args[0], args[1]) {
        case (.int(let a), .int(let b)):
            let (r, o) = a.addingReportingOverflow(b)
            return o ? .error(.intOverflow) : .int(r)
        case (.uint(let a), .uint(let b)):
            let (r, o) = a.addingReportingOverflow(b)
            return o ? .error(.uintOverflow) : .uint(r)
        case (.double(let a), .double(let b)): return .double(a + b)
        case (.string(let a), .string(let b)): return .string(a + b)
        case (.bytes(let a), .bytes(let b)): return .bytes(a + b)
        case (.list(let a), .list(let b)): return .list(concatenate(a, b))
        case (.timestamp(let t), .duration(let d)), (.duration(let d), .timestamp(let t)): return t.adding(d)
        case (.duration(let a), .duration(let b)):
            let (r, o) = a.nanoseconds.addingReportingOverflow(b.nanoseconds)
            return o ? .error(.intOverflow) : .duration(CELDuration(nanoseconds: r))
        default: return .error(.noSuchOverload)
        }
    }

    /// List concatenation; a `set` list on the left makes a union, a `map` list merges by key.
    static func concatenate(_ a: CELList, _ b: CELList) -> CELList {
        switch a.kind {
        case .set:
            var result = a.elements
            for e in b.elements where CELValue.contains(result, e) != .bool(true) { result.append(e) }
            return CELList(result, kind: a.kind)
        case .map(let keys):
            var result = a.elements
            for e in b.elements {
                let key = CELValue.mapListKey(e, keys)
                if let i = result.firstIndex(where: { CELValue.mapListKey($0, keys) == key }) {
                    result[i] = e
                } else {
                    result.append(e)
                }
            }
            return CELList(result, kind: a.kind)
        case .literal, .atomic:
            return CELList(a.elements + b.elements, kind: .literal)
        }
    }

    @Sendable static func subtract(_ args: [CELValue]) -> CELValue {
        switch (args[0], args[1]) {
        case (.int(let a), .int(let b)):
            let (r, o) = a.subtractingReportingOverflow(b)
            return o ? .error(.intOverflow) : .int(r)
        case (.uint(let a), .uint(let b)):
            let (r, o) = a.subtractingReportingOverflow(b)
            return o ? .error(.uintOverflow) : .uint(r)
        case (.double(let a), .double(let b)): return .double(a - b)
        case (.timestamp(let a), .timestamp(let b)): return a.difference(b)
        case (.timestamp(let t), .duration(let d)):
            guard d.nanoseconds != .min else { return .error(.intOverflow) }
            return t.adding(CELDuration(nanoseconds: -d.nanoseconds))
        case (.duration(let a), .duration(let b)):
            let (r, o) = a.nanoseconds.subtractingReportingOverflow(b.nanoseconds)
            return o ? .error(.intOverflow) : .duration(CELDuration(nanoseconds: r))
        default: return .error(.noSuchOverload)
        }
    }

    @Sendable static func multiply(_ args: [CELValue]) -> CELValue {
        switch (args[0], args[1]) {
        case (.int(let a), .int(let b)):
            let (r, o) = a.multipliedReportingOverflow(by: b)
            return o ? .error(.intOverflow) : .int(r)
        case (.uint(let a), .uint(let b)):
            let (r, o) = a.multipliedReportingOverflow(by: b)
            return o ? .error(.uintOverflow) : .uint(r)
        case (.double(let a), .double(let b)): return .double(a * b)
        default: return .error(.noSuchOverload)
        }
    }

    @Sendable static func divide(_ args: [CELValue]) -> CELValue {
        switch (args[0], args[1]) {
        case (.int(let a), .int(let b)):
            if b == 0 { return .error(.divisionByZero) }
            if a == .min && b == -1 { return .error(.intOverflow) }
            return .int(a / b)
        case (.uint(let a), .uint(let b)):
            return b == 0 ? .error(.divisionByZero) : .uint(a / b)
        case (.double(let a), .double(let b)): return .double(a / b)
        default: return .error(.noSuchOverload)
        }
    }

    @Sendable static func modulo(_ args: [CELValue]) -> CELValue {
        switch (args[0], args[1]) {
        case (.int(let a), .int(let b)):
            if b == 0 { return .error(.moduloByZero) }
            if a == .min && b == -1 { return .error(.intOverflow) }
            return .int(a % b)
        case (.uint(let a), .uint(let b)):
            return b == 0 ? .error(.moduloByZero) : .uint(a % b)
        default: return .error(.noSuchOverload)
        }
    }
}

// MARK: - Index access

enum Access {
    static func index(_ container: CELValue, _ key: CELValue) -> CELValue {
        switch container {
        case .list(let l):
            let i: Int64
            switch key {
            case .int(let v): i = v
            case .uint(let v) where v <= UInt64(Int64.max): i = Int64(v)
            case .double(let d) where d.rounded() == d && abs(d) < 9.2e18: i = Int64(d)
            default: return .error(CELError("unsupported index type '\(key.type)' in list"))
            }
            guard i >= 0, i < Int64(l.elements.count) else {
                if l.kind == .literal {
                    return .error(CELError("index '\(i)' out of range in list size '\(l.elements.count)'"))
                }
                return .error(CELError("index out of bounds: \(i)"))
            }
            return l.elements[Int(i)]
        case .map(let m):
            if let v = m[key] { return v }
            return .error(CELError("no such key: \(Access.keyText(key))"))
        default:
            return .error(.noSuchOverload)
        }
    }

    /// How a missing key renders in `no such key: ...` (Go's `%v`).
    static func keyText(_ key: CELValue) -> String {
        switch key {
        case .string(let s): return s
        case .double(let d): return GoFloat.formatG(d)
        case .uint(let u): return String(u)
        default: return key.debugText
        }
    }
}

// MARK: - Regular expressions

enum Regex {
    /// Compiles a pattern (ICU syntax standing in for RE2).
    static func compile(_ pattern: String) -> Result<NSRegularExpression, CELError> {
        do {
            return .success(try NSRegularExpression(pattern: pattern))
        } catch {
            return .failure(CELError("error parsing regexp: invalid regular expression: `\(pattern)`"))
        }
    }
}
