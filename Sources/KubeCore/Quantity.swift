//! Resource quantities (`100m`, `1Gi`, `2`, `1e3`, `500Mi`, `1.5`) as
//! `k8s.io/apimachinery/pkg/api/resource.Quantity` parses, compares and prints
//! them, including its limits: values below one nano-unit round up to `1n`,
//! and values needing the slow path are capped at 2^63-1.
//!
//! The number is kept as exact decimal digits and an exponent, so no precision
//! is lost and no 128-bit arithmetic is needed.

/// A quantity that could not be parsed; messages are upstream's error strings.
public struct QuantityError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    /// `resource.ErrFormatWrong`.
    public static let formatWrong = QuantityError(
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    /// `resource.ErrNumeric`.
    public static let numeric = QuantityError("unable to parse numeric part of quantity")
    /// `resource.ErrSuffix`.
    public static let suffix = QuantityError("unable to parse quantity's suffix")
}

/// A Kubernetes resource quantity. Equality, hashing and ordering compare the
/// numeric value only (`1Gi == 1024Mi`); `description` is the string upstream prints.
public struct Quantity: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// How the quantity prints, chosen by the suffix it was written with.
    public enum Format: String, Sendable, Hashable {
        /// `Ki`, `Mi`, `Gi`, ... (powers of 1024).
        case binarySI = "BinarySI"
        /// `n`, `u`, `m`, none, `k`, `M`, `G`, ... (powers of 1000).
        case decimalSI = "DecimalSI"
        /// `e3`, `E6`, ... (powers of ten).
        case decimalExponent = "DecimalExponent"
    }

    /// The value is `±digits × 10^exponent`; `digits` has no leading or
    /// trailing zeros and is empty for zero.
    private let digits: [UInt8]
    private let exponent: Int
    private let negative: Bool
    public let format: Format
    /// The input text, when upstream would print it back unchanged.
    private let verbatim: String?

    private init(digits: [UInt8], exponent: Int, negative: Bool, format: Format, verbatim: String? = nil) {
        let (d, e) = Self.normalized(digits, exponent)
        self.digits = d
        self.exponent = d.isEmpty ? 0 : e
        self.negative = d.isEmpty ? false : negative
        self.format = format
        self.verbatim = verbatim
    }

    /// Zero.
    public static let zero = Quantity(digits: [], exponent: 0, negative: false, format: .decimalSI)

    /// An integer quantity, e.g. `Quantity(2)` prints `2`, `Quantity(1024, format: .binarySI)` prints `1Ki`.
    public init(_ value: Int64, format: Format = .decimalSI) {
        self.init(digits: Self.decimalDigits(value.magnitude), exponent: 0, negative: value < 0, format: format)
    }

    /// A quantity of thousandths, e.g. `Quantity(milliValue: 1500)` prints `1500m`.
    public init(milliValue: Int64, format: Format = .decimalSI) {
        self.init(digits: Self.decimalDigits(milliValue.magnitude), exponent: -3, negative: milliValue < 0, format: format)
    }

    // MARK: Parsing

    /// Parses a quantity exactly as `resource.ParseQuantity` does: an optional
    /// sign, digits with an optional decimal point, and an optional suffix
    /// (`n u m k M G T P E`, `Ki Mi Gi Ti Pi Ei`, or `e<int>` / `E<int>`).
    public init(parsing text: String) throws(QuantityError) {
        let bytes = Array(text.utf8)
        if bytes.isEmpty { throw .formatWrong }
        if text == "0" {
            self.init(digits: [], exponent: 0, negative: false, format: .decimalSI, verbatim: "0")
            return
        }
        let parts = try Self.split(bytes)
        guard let (base, power, format) = Self.interpretSuffix(parts.suffix) else { throw .suffix }
        let num = parts.num.isEmpty ? [UInt8(ascii: "0")] : parts.num
        let denom = parts.denom

        // Upstream's int64 fast path keeps the value exact and unbounded and
        // may keep the input text; the slow path rounds to nano and caps.
        var fast = false
        var verbatim: String?
        if base == 10 {
            let scale = power - denom.count
            if num.count + denom.count <= 18 && scale >= -9 {
                fast = true
                let shifted = num + denom
                if scale % 3 == 0 && !(shifted.count >= 3 && shifted.suffix(3).allSatisfy { $0 == UInt8(ascii: "0") })
                    && shifted.first != UInt8(ascii: "0") {
                    verbatim = text
                }
            }
        } else if denom.isEmpty {
            let precision = 15 - num.count - Int(Float(power) * 3 / 10) - 1
            if precision >= 0, let value = Int64(String(decoding: num, as: UTF8.self)),
               value.multipliedReportingOverflow(by: Int64(1) << power).overflow == false {
                fast = true
                if power % 10 == 0 && value & 0x07 != 0 { verbatim = text }
            }
        }
        if !fast && !parts.hasDigits { throw .numeric }

        var digits = (num + denom).map { $0 - UInt8(ascii: "0") }
        var exponent = (base == 10 ? power : 0) - denom.count
        if base == 2 {
            for _ in 0..<power { digits = Self.multiply(digits, by: 2) }
        }
        (digits, exponent) = Self.normalized(digits, exponent)
        if !fast {
            (digits, exponent) = Self.roundUpToNano(digits, exponent)
            if Self.compareMagnitude(digits, exponent, Self.maxDigits, 0) > 0 {
                (digits, exponent) = (Self.maxDigits, 0)
            }
        }
        var finalFormat = format
        if format == .binarySI && !digits.isEmpty && Self.compareMagnitude(digits, exponent, [1], 0) < 0 {
            finalFormat = .decimalSI
        }
        self.init(digits: digits, exponent: exponent, negative: !parts.positive, format: finalFormat, verbatim: verbatim)
    }

    /// Reads a quantity from JSON: a string, or a number (as upstream accepts unquoted numbers).
    public init(json: JSONValue) throws(QuantityError) {
        switch json {
        case .string(let s): try self.init(parsing: s)
        case .int(let i): try self.init(parsing: String(i))
        case .double(let d) where d.isFinite: try self.init(parsing: "\(d)")
        default: throw .formatWrong
        }
    }

    // MARK: Values

    public var isZero: Bool { digits.isEmpty }

    /// -1, 0 or 1.
    public var sign: Int { digits.isEmpty ? 0 : (negative ? -1 : 1) }

    /// The value rounded up (away from zero) to an integer, saturating at the `Int64` range (`Quantity.Value`).
    public var value: Int64 { scaledValue(0) }

    /// The value in thousandths, rounded up away from zero (`Quantity.MilliValue`).
    public var milliValue: Int64 { scaledValue(-3) }

    /// The value in units of `10^scale`, rounded up away from zero, saturating
    /// at the `Int64` range (`Quantity.ScaledValue`); e.g. `scaledValue(-9)` is nano-units.
    public func scaledValue(_ scale: Int) -> Int64 {
        if digits.isEmpty { return 0 }
        let shifted = exponent - scale
        var integer: [UInt8]
        if shifted >= 0 {
            guard digits.count + shifted <= 19 else { return negative ? Int64.min : Int64.max }
            integer = digits + Array(repeating: 0, count: shifted)
        } else {
            let keep = digits.count + shifted
            integer = keep > 0 ? Array(digits.prefix(keep)) : []
            integer = Self.add1(integer)  // dropped digits are never all zero
        }
        guard integer.count <= 19 else { return negative ? Int64.min : Int64.max }
        let magnitude = integer.reduce(UInt64(0)) { $0 &* 10 &+ UInt64($1) }
        if integer.count == 19 && Self.compareMagnitude(integer, 0, Self.maxDigits, 0) > 0 {
            return negative ? Int64.min : Int64.max
        }
        return negative ? -Int64(magnitude) : Int64(magnitude)
    }

    /// The value as a `Double` (approximate for very large or precise values).
    public var doubleValue: Double {
        if digits.isEmpty { return 0 }
        let text = (negative ? "-" : "") + digits.map(String.init).joined() + "e\(exponent)"
        return Double(text) ?? 0
    }

    // MARK: Printing

    /// What upstream's `Quantity.String()` returns: the input text when upstream
    /// keeps it (already canonical), otherwise `canonical`.
    public var description: String { verbatim ?? canonical }

    /// The canonical form (`CanonicalizeBytes`): `1000m` → `1`, `1024Mi` → `1Gi`,
    /// `1.5` → `1500m`, `1000` → `1k`, `1e3` → `1e3`, `1536Mi` → `1536Mi`.
    /// Binary quantities below 1024 or not whole print as decimal SI.
    public var canonical: String {
        if digits.isEmpty { return "0" }
        let sign = negative ? "-" : ""
        if format == .binarySI, let binary = binaryCanonical() {
            return sign + binary
        }
        // Move the exponent down to a multiple of three.
        let drop = ((exponent % 3) + 3) % 3
        let mantissa = digits.map(String.init).joined() + String(repeating: "0", count: drop)
        let power = exponent - drop
        if format == .decimalExponent {
            return sign + mantissa + (power == 0 ? "" : "e\(power)")
        }
        if let suffix = Self.decimalSuffixes.first(where: { $0.power == power })?.suffix {
            return sign + mantissa + suffix
        }
        // Beyond `E`, upstream has no suffix; an exponent keeps the value right.
        return sign + mantissa + "e\(power)"
    }

    private func binaryCanonical() -> String? {
        // Below 1024, or with a fraction, binary quantities print as decimal.
        guard exponent >= 0, Self.compareMagnitude(digits, exponent, [1, 0, 2, 4], 0) >= 0,
              digits.count + exponent <= 19 else { return nil }
        var value = (digits + Array(repeating: 0, count: exponent)).reduce(UInt64(0)) { $0 &* 10 &+ UInt64($1) }
        var power = 0
        while value % 1024 == 0 && power < Self.binarySuffixes.count {
            value /= 1024
            power += 1
        }
        return String(value) + (power == 0 ? "" : Self.binarySuffixes[power - 1])
    }

    // MARK: Comparison

    public static func == (lhs: Quantity, rhs: Quantity) -> Bool {
        lhs.negative == rhs.negative && lhs.digits == rhs.digits && lhs.exponent == rhs.exponent
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(negative)
        hasher.combine(digits)
        hasher.combine(exponent)
    }

    public static func < (lhs: Quantity, rhs: Quantity) -> Bool {
        if lhs.sign != rhs.sign { return lhs.sign < rhs.sign }
        let magnitude = compareMagnitude(lhs.digits, lhs.exponent, rhs.digits, rhs.exponent)
        return lhs.negative ? magnitude > 0 : magnitude < 0
    }

    // MARK: Tables

    private static let decimalSuffixes: [(suffix: String, power: Int)] = [
        ("n", -9), ("u", -6), ("m", -3), ("", 0), ("k", 3), ("M", 6), ("G", 9), ("T", 12), ("P", 15), ("E", 18),
    ]
    private static let binarySuffixes = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
    /// 2^63 - 1, the cap of the slow path.
    private static let maxDigits: [UInt8] = Array("9223372036854775807".utf8).map { $0 - UInt8(ascii: "0") }

    private static func interpretSuffix(_ suffix: [UInt8]) -> (base: Int, power: Int, format: Format)? {
        let text = String(decoding: suffix, as: UTF8.self)
        if let entry = decimalSuffixes.first(where: { $0.suffix == text }) { return (10, entry.power, .decimalSI) }
        if let index = binarySuffixes.firstIndex(of: text) { return (2, (index + 1) * 10, .binarySI) }
        if suffix.count > 1, suffix[0] == UInt8(ascii: "e") || suffix[0] == UInt8(ascii: "E"),
           let power = Int64(String(decoding: suffix.dropFirst(), as: UTF8.self)) {
            // Upstream narrows to int32; clamp rather than wrap.
            return (10, Int(max(min(power, Int64(Int32.max)), Int64(Int32.min))), .decimalExponent)
        }
        return nil
    }

    private struct Parts {
        var positive = true
        var num: [UInt8] = []
        var denom: [UInt8] = []
        var suffix: [UInt8] = []
        /// Whether the numeric text has any digit (upstream's `value` string).
        var hasDigits = false
    }

    /// `parseQuantityString`: sign, leading zeros, numerator, `.` denominator, suffix.
    private static func split(_ s: [UInt8]) throws(QuantityError) -> Parts {
        var parts = Parts()
        var pos = 0
        let end = s.count
        func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
        if pos < end {
            if s[0] == UInt8(ascii: "-") { parts.positive = false; pos += 1 } else if s[0] == UInt8(ascii: "+") { pos += 1 }
        }
        while pos < end, s[pos] == UInt8(ascii: "0") {
            pos += 1
            parts.hasDigits = true
        }
        if pos >= end { return parts }
        let numStart = pos
        while pos < end, isDigit(s[pos]) { pos += 1 }
        parts.num = Array(s[numStart..<pos])
        if !parts.num.isEmpty { parts.hasDigits = true }
        if pos >= end { return parts }
        if s[pos] == UInt8(ascii: ".") {
            pos += 1
            let denomStart = pos
            while pos < end, isDigit(s[pos]) { pos += 1 }
            parts.denom = Array(s[denomStart..<pos])
            if !parts.denom.isEmpty { parts.hasDigits = true }
            if pos >= end { return parts }
        }
        let suffixStart = pos
        let suffixLetters = Array("eEinumkKMGTP".utf8)
        while pos < end, suffixLetters.contains(s[pos]) { pos += 1 }
        if pos < end, s[pos] == UInt8(ascii: "-") || s[pos] == UInt8(ascii: "+") { pos += 1 }
        while pos < end, isDigit(s[pos]) { pos += 1 }
        guard pos == end else { throw .formatWrong }
        parts.suffix = Array(s[suffixStart..<end])
        return parts
    }

    // MARK: Decimal digit arithmetic

    private static func decimalDigits(_ value: UInt64) -> [UInt8] {
        value == 0 ? [] : Array(String(value).utf8).map { $0 - UInt8(ascii: "0") }
    }

    /// Strips leading zeros, and trailing zeros into the exponent.
    private static func normalized(_ digits: [UInt8], _ exponent: Int) -> ([UInt8], Int) {
        guard let first = digits.firstIndex(where: { $0 != 0 }), let last = digits.lastIndex(where: { $0 != 0 }) else {
            return ([], 0)
        }
        return (Array(digits[first...last]), exponent + (digits.count - 1 - last))
    }

    private static func multiply(_ digits: [UInt8], by factor: UInt8) -> [UInt8] {
        var result = digits
        var carry = 0
        for i in result.indices.reversed() {
            let product = Int(result[i]) * Int(factor) + carry
            result[i] = UInt8(product % 10)
            carry = product / 10
        }
        while carry > 0 {
            result.insert(UInt8(carry % 10), at: 0)
            carry /= 10
        }
        return result
    }

    private static func add1(_ digits: [UInt8]) -> [UInt8] {
        var result = digits
        var i = result.count - 1
        while i >= 0 {
            if result[i] < 9 {
                result[i] += 1
                return result
            }
            result[i] = 0
            i -= 1
        }
        return [1] + result
    }

    /// Rounds a normalized value up (away from zero) to a multiple of 10^-9.
    private static func roundUpToNano(_ digits: [UInt8], _ exponent: Int) -> ([UInt8], Int) {
        guard !digits.isEmpty, exponent < -9 else { return (digits, exponent) }
        let drop = -9 - exponent
        if drop >= digits.count { return ([1], -9) }
        // The dropped digits end in a non-zero digit (the value is normalized).
        return normalized(add1(Array(digits.dropLast(drop))), -9)
    }

    /// Compares two normalized non-negative magnitudes.
    private static func compareMagnitude(_ a: [UInt8], _ ae: Int, _ b: [UInt8], _ be: Int) -> Int {
        if a.isEmpty || b.isEmpty { return a.isEmpty ? (b.isEmpty ? 0 : -1) : 1 }
        let aTop = a.count + ae, bTop = b.count + be
        if aTop != bTop { return aTop < bTop ? -1 : 1 }
        for i in 0..<max(a.count, b.count) {
            let x = i < a.count ? a[i] : 0, y = i < b.count ? b[i] : 0
            if x != y { return x < y ? -1 : 1 }
        }
        return 0
    }
}

extension Quantity: Codable {
    /// Decodes from a JSON string or number.
    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        do {
            try self.init(json: value)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message, underlyingError: error))
        }
    }

    /// Encodes as the string upstream writes.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
