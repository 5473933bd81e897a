//! Type conversion functions: `int()`, `uint()`, `double()`, `string()`,
//! `bytes()`, `bool()`, `duration()`, `timestamp()`, with cel-go's range
//! checks and Go's `strconv` error texts.

enum Conversions {
    static var declarations: [FunctionDecl] {
        [
            FunctionDecl(name: "int", overloads: [.int, .uint, .double, .string, .timestamp].map { Library.global([$0], .int) }) { args in
                switch args[0] {
                case .int: return args[0]
                case .uint(let u): return u > UInt64(Int64.max) ? .error(.intOverflow) : .int(Int64(u))
                case .double(let d):
                    guard d > -9.223372036854775809e18, d < 9.223372036854775807e18, !d.isNaN else { return .error(.intOverflow) }
                    return .int(Int64(d.rounded(.towardZero)))
                case .string(let s):
                    guard let i = Int64(s) else {
                        let reason = isInteger(s) ? "value out of range" : "invalid syntax"
                        return .error(CELError("strconv.ParseInt: parsing \(s.goQuoted): \(reason)"))
                    }
                    return .int(i)
                case .timestamp(let t): return .int(t.seconds)
                default: return .error(.noSuchOverload)
                }
            },
            FunctionDecl(name: "uint", overloads: [.int, .uint, .double, .string].map { Library.global([$0], .uint) }) { args in
                switch args[0] {
                case .uint: return args[0]
                case .int(let i): return i < 0 ? .error(.uintOverflow) : .uint(UInt64(i))
                case .double(let d):
                    guard d > -1, d < 1.8446744073709551615e19, !d.isNaN else { return .error(.uintOverflow) }
                    return .uint(UInt64(d.rounded(.towardZero)))
                case .string(let s):
                    guard let u = UInt64(s) else {
                        let reason = isInteger(s) && !s.hasPrefix("-") ? "value out of range" : "invalid syntax"
                        return .error(CELError("strconv.ParseUint: parsing \(s.goQuoted): \(reason)"))
                    }
                    return .uint(u)
                default: return .error(.noSuchOverload)
                }
            },
            FunctionDecl(name: "double", overloads: [.int, .uint, .double, .string].map { Library.global([$0], .double) }) { args in
                switch args[0] {
                case .double: return args[0]
                case .int(let i): return .double(Double(i))
                case .uint(let u): return .double(Double(u))
                case .string(let s):
                    guard let d = parseDouble(s) else {
                        return .error(CELError("strconv.ParseFloat: parsing \(s.goQuoted): invalid syntax"))
                    }
                    return .double(d)
                default: return .error(.noSuchOverload)
                }
            },
            FunctionDecl(name: "string", overloads: [.string, .int, .uint, .double, .bool, .bytes, .timestamp, .duration]
                .map { Library.global([$0], .string) }) { args in
                switch args[0] {
                case .string: return args[0]
                case .int(let i): return .string(String(i))
                case .uint(let u): return .string(String(u))
                case .double(let d): return .string(GoFloat.formatG(d))
                case .bool(let b): return .string(String(b))
                case .bytes(let b):
                    guard let s = String(validating: b, as: UTF8.self) else {
                        return .error(CELError("invalid UTF-8 in bytes, cannot convert to string"))
                    }
                    return .string(s)
                case .timestamp(let t): return .string(t.description)
                case .duration(let d): return .string(d.description)
                default: return .error(.noSuchOverload)
                }
            },
            FunctionDecl(name: "bytes", overloads: [Library.global([.bytes], .bytes), Library.global([.string], .bytes)]) { args in
                switch args[0] {
                case .bytes: return args[0]
                case .string(let s): return .bytes(Array(s.utf8))
                default: return .error(.noSuchOverload)
                }
            },
            FunctionDecl(name: "bool", overloads: [Library.global([.bool], .bool), Library.global([.string], .bool)]) { args in
                switch args[0] {
                case .bool: return args[0]
                case .string(let s):
                    switch s {
                    case "1", "t", "T", "TRUE", "true", "True": return .bool(true)
                    case "0", "f", "F", "FALSE", "false", "False": return .bool(false)
                    default: return .error(CELError("strconv.ParseBool: parsing \(s.goQuoted): invalid syntax"))
                    }
                default: return .error(.noSuchOverload)
                }
            },
            FunctionDecl(name: "duration", overloads: [Library.global([.duration], .duration), Library.global([.string], .duration)]) { args in
                switch args[0] {
                case .duration: return args[0]
                case .string(let s):
                    switch CELDuration.parse(s) {
                    case .success(let d): return .duration(d)
                    case .failure(let e): return .error(e)
                    }
                default: return .error(.noSuchOverload)
                }
            },
            FunctionDecl(name: "timestamp", overloads: [.timestamp, .string, .int].map { Library.global([$0], .timestamp) }) { args in
                switch args[0] {
                case .timestamp: return args[0]
                case .string(let s):
                    switch CELTimestamp.parse(s) {
                    case .success(let t): return .timestamp(t)
                    case .failure(let e): return .error(e)
                    }
                case .int(let i):
                    let t = CELTimestamp(seconds: i)
                    return t.isInRange ? .timestamp(t) : .error(CELError("timestamp overflow"))
                default: return .error(.noSuchOverload)
                }
            },
        ]
    }

    private static func isInteger(_ s: String) -> Bool {
        var body = Substring(s)
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        return !body.isEmpty && body.allSatisfy(\.isASCIIDigit)
    }

    /// Go's `strconv.ParseFloat` for decimal input plus `Inf`/`NaN` spellings.
    static func parseDouble(_ s: String) -> Double? {
        switch s.lowercased() {
        case "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        case "nan": return .nan
        default: break
        }
        guard !s.isEmpty, s.allSatisfy({ $0.isASCIIDigit || "+-.eE".contains($0) }) else { return nil }
        return Double(s)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
