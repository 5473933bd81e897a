//! String formats CRD schemas may use (`format:` on string fields), with the
//! checks kube-openapi's `strfmt` registry applies. Unsupported formats are
//! ignored, exactly as apiextensions strips them before validating.
import Foundation

enum StringFormats {
    /// Formats validated for CRDs (names normalised without dashes, as go-openapi does).
    static let supported: Set<String> = [
        "bsonobjectid", "uri", "email", "hostname", "ipv4", "ipv6", "cidr", "mac",
        "uuid", "uuid3", "uuid4", "uuid5", "isbn", "isbn10", "isbn13", "creditcard", "ssn",
        "hexcolor", "rgbcolor", "byte", "password", "date", "duration", "datetime", "quantity",
        "k8sshortname", "k8slongname",
    ]

    static func normalized(_ format: String) -> String { format.replacingOccurrences(of: "-", with: "") }

    /// The format kube-openapi still sees after apiextensions strips unsupported
    /// ones (`StripUnsupportedFormatsPostProcessor`); nil when stripped.
    static func effectiveFormat(_ format: String?, types: [String]) -> String? {
        guard let format, !format.isEmpty else { return nil }
        let schemaType = types.count == 1 ? types[0] : ""
        switch schemaType {
        case "", "string":
            return supported.contains(normalized(format)) ? format : nil
        case "integer":
            return format == "int32" || format == "int64" ? format : nil
        case "number":
            return format == "float" || format == "double" ? format : nil
        default:
            return nil
        }
    }

    /// Whether `value` conforms to the (supported, string) format.
    static func validates(_ format: String, _ value: String) -> Bool {
        switch normalized(format) {
        case "bsonobjectid": return value.count == 24 && value.allSatisfy(\.isHexDigit)
        case "uri": return isRequestURI(value)
        case "email": return isEmail(value)
        case "hostname": return isHostname(value)
        case "ipv4": return isIPv4(value)
        case "ipv6": return value.contains(":") && parseIPv6(value)
        case "cidr": return isCIDR(value)
        case "mac": return isMAC(value)
        case "uuid": return matches(value, "^(?i)[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$")
        case "uuid3": return matches(value, "^(?i)[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$")
        case "uuid4": return matches(value, "^(?i)[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$")
        case "uuid5": return matches(value, "^(?i)[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$")
        case "isbn": return isISBN10(value) || isISBN13(value)
        case "isbn10": return isISBN10(value)
        case "isbn13": return isISBN13(value)
        case "creditcard": return isCreditCard(value)
        case "ssn": return matches(value, "^\\d{3}[- ]?\\d{2}[- ]?\\d{4}$")
        case "hexcolor": return matches(value, "^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
        case "rgbcolor":
            let c = "(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])"
            return matches(value, "^rgb\\(\\s*\(c)\\s*,\\s*\(c)\\s*,\\s*\(c)\\s*\\)$")
        case "byte": return matches(value, "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$")
        case "password": return true
        case "date": return isDate(value)
        case "duration": return isDuration(value)
        case "datetime": return isDateTime(value)
        case "quantity": return isQuantity(value)
        case "k8sshortname": return value.count <= 63 && matches(value, "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
        case "k8slongname": return value.count <= 253 && matches(value, "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
        default: return true
        }
    }

    static func matches(_ value: String, _ pattern: String) -> Bool {
        guard let re = try? NSRegularExpression(pattern: pattern) else { return false }
        let range = NSRange(value.startIndex..., in: value)
        return re.firstMatch(in: value, range: range) != nil
    }

    // MARK: Dates and times

    /// `YYYY-MM-DD` with a valid calendar day (RFC 3339 `full-date`).
    static func isDate(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), day >= 1
        else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= days[month - 1]
    }

    /// RFC 3339 `date-time` as go-openapi checks it: `full-date` `T` `HH:MM:SS[.frac]` `Z`|`±HH:MM`
    /// (case-insensitive `T`/`Z`).
    static func isDateTime(_ s: String) -> Bool {
        let lower = s.lowercased()
        let halves = lower.split(separator: "t", maxSplits: 1, omittingEmptySubsequences: false)
        guard halves.count == 2, isDate(String(halves[0])) else { return false }
        return matches(String(halves[1]), "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?(z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$")
    }

    /// Go `time.ParseDuration` syntax (`1h30m`, `-1.5s`, `0`), plus go-openapi's
    /// `<n> <unit>` form with day/week units.
    static func isDuration(_ s: String) -> Bool {
        if s == "0" { return true }
        let unit = "(ns|us|µs|μs|ms|s|m|h)"
        if matches(s, "^[-+]?(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)\(unit))+$") { return true }
        let long = "(ns|us|µs|ms|s|m|h|d|w|nanoseconds?|microseconds?|milliseconds?|seconds?|minutes?|hours?|days?|weeks?|sec|min|hr)"
        return matches(s, "^[0-9]+\\s*\(long)$")
    }

    // MARK: Networks

    static func isIPv4(_ s: String) -> Bool {
        // net.ParseIP (sloppy: leading zeros tolerated) and the text must contain a dot.
        if s.contains(":") { return s.contains(".") && parseIPv6(s) }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { p in
            !p.isEmpty && p.count <= 3 && p.allSatisfy { $0.isASCII && $0.isNumber } && (Int(p) ?? 256) <= 255
        }
    }

    static func parseIPv6(_ s: String) -> Bool {
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII && ($0.isHexDigit || $0 == ":" || $0 == ".") }) else { return false }
        var text = Substring(s)
        var groupsNeeded = 8
        // Embedded IPv4 tail.
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard isIPv4(String(text[text.index(after: lastColon)...])) else { return false }
            text = text[...lastColon]
            if !text.hasSuffix("::") { text = text.dropLast() }
            groupsNeeded = 6
        }
        let doubleColon = text.components(separatedBy: "::")
        if doubleColon.count > 2 { return false }
        func groups(_ part: String) -> [Substring]? {
            if part.isEmpty { return [] }
            let g = part.split(separator: ":", omittingEmptySubsequences: false)
            guard g.allSatisfy({ !$0.isEmpty && $0.count <= 4 && $0.allSatisfy(\.isHexDigit) }) else { return nil }
            return g
        }
        if doubleColon.count == 2 {
            guard let head = groups(doubleColon[0]), let tail = groups(doubleColon[1]) else { return false }
            return head.count + tail.count < groupsNeeded
        }
        guard let all = groups(String(text)) else { return false }
        return all.count == groupsNeeded
    }

    static func isCIDR(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
              let prefix = Int(parts[1]) else { return false }
        let ip = String(parts[0])
        if ip.contains(":") { return parseIPv6(ip) && prefix <= 128 }
        return isIPv4(ip) && prefix <= 32
    }

    static func isMAC(_ s: String) -> Bool {
        let h2 = "[0-9A-Fa-f]{2}"
        let h4 = "[0-9A-Fa-f]{4}"
        for count in [6, 8, 20] {
            let colon = "^" + Array(repeating: h2, count: count).joined(separator: ":") + "$"
            let dash = "^" + Array(repeating: h2, count: count).joined(separator: "-") + "$"
            let dot = "^" + Array(repeating: h4, count: count / 2).joined(separator: "\\.") + "$"
            if matches(s, colon) || matches(s, dash) || matches(s, dot) { return true }
        }
        return false
    }

    static func isHostname(_ s: String) -> Bool {
        let c = "[a-zA-Z0-9\\p{S}\\p{L}]"
        let pattern = "^(\(c)((-?\(c){0,62})?)|(\(c)(([a-zA-Z0-9\\-\\p{S}\\p{L}]{0,61}\(c))?)(\\.)){1,}([a-zA-Z\\p{L}]){2,63})$"
        guard matches(s, pattern), s.utf8.count <= 255 else { return false }
        return s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { $0.utf8.count <= 63 }
    }

    /// `url.ParseRequestURI`: an absolute URI (`scheme:...`) or an absolute path.
    static func isRequestURI(_ s: String) -> Bool {
        if s.isEmpty || s.contains(" ") { return false }
        if s.hasPrefix("/") { return true }
        return matches(s, "^[A-Za-z][A-Za-z0-9+.\\-]*:.+")
    }

    /// `net/mail.ParseAddress`, approximately: `local@domain` or `Name <local@domain>`.
    static func isEmail(_ s: String) -> Bool {
        let addr = "[^@\\s<>\"(),:;\\[\\]]+@[^@\\s<>\"(),:;\\[\\]]+"
        return matches(s, "^\(addr)$") || matches(s, "^[^<>]*<\(addr)>$")
    }

    // MARK: Numbers

    static func isISBN10(_ s: String) -> Bool {
        let chars = Array(s.filter { $0 != " " && $0 != "-" })
        guard chars.count == 10 else { return false }
        var sum = 0
        for (i, ch) in chars.enumerated() {
            if i == 9 && (ch == "X" || ch == "x") { sum += 10 * 10; continue }
            guard let d = ch.wholeNumberValue, ch.isASCII else { return false }
            sum += d * (i + 1)
        }
        return sum % 11 == 0
    }

    static func isISBN13(_ s: String) -> Bool {
        let chars = Array(s.filter { $0 != " " && $0 != "-" })
        guard chars.count == 13 else { return false }
        var sum = 0
        for (i, ch) in chars.enumerated() {
            guard let d = ch.wholeNumberValue, ch.isASCII else { return false }
            sum += i % 2 == 0 ? d : 3 * d
        }
        return sum % 10 == 0
    }

    static func isCreditCard(_ s: String) -> Bool {
        let digits = s.filter { $0.isASCII && $0.isNumber }
        let pattern = "^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|(222[1-9]|22[3-9][0-9]|2[3-6][0-9]{2}|27[01][0-9]|2720)[0-9]{12}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\\d{3})\\d{11}|6[27][0-9]{14})$"
        guard matches(digits, pattern) else { return false }
        var sum = 0
        for (i, ch) in digits.reversed().enumerated() {
            var d = ch.wholeNumberValue ?? 0
            if i % 2 == 1 { d *= 2; if d > 9 { d -= 9 } }
            sum += d
        }
        return sum % 10 == 0
    }

    /// `resource.ParseQuantity`: a decimal number with an optional binary/decimal SI suffix or exponent.
    static func isQuantity(_ s: String) -> Bool {
        matches(s, "^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$")
    }
}
