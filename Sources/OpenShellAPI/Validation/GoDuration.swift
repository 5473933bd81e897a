//! Go's duration syntax (`time.ParseDuration` / `Duration.String`), the way
//! Kubernetes users already write TTLs: `30m`, `8h`, `1h30m`, `500ms`.

/// Parses and prints durations as Go does.
public enum GoDuration {
    /// Parses Go duration syntax: a sequence of decimal numbers, each with an
    /// optional fraction and a unit (`ns`, `us`/`µs`/`μs`, `ms`, `s`, `m`, `h`),
    /// e.g. `1h30m`, `1.5h`, `45s`, `500ms`; `0` needs no unit.
    ///
    /// - Returns: nil for anything Go rejects (empty text, a number without a
    ///   unit, an unknown unit, more than Go's ~292 years) and for negative durations.
    public static func parse(_ text: String) -> Duration? {
        var rest = text.unicodeScalars[...]
        var negative = false
        if let sign = rest.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            rest = rest.dropFirst()
        }
        if rest.elementsEqual("0".unicodeScalars) { return .zero }
        if rest.isEmpty { return nil }
        var total: UInt64 = 0
        while !rest.isEmpty {
            // The number: digits, then optionally '.' and digits; at least one digit overall.
            var whole: UInt64 = 0
            var sawDigits = false
            while let c = rest.first, let d = digit(c) {
                let (times10, o1) = whole.multipliedReportingOverflow(by: 10)
                let (next, o2) = times10.addingReportingOverflow(d)
                if o1 || o2 { return nil }
                whole = next
                sawDigits = true
                rest = rest.dropFirst()
            }
            var fraction: UInt64 = 0
            var fractionScale: Double = 1
            if rest.first == "." {
                rest = rest.dropFirst()
                while let c = rest.first, let d = digit(c) {
                    sawDigits = true
                    // Digits beyond what fits are dropped, as Go drops them.
                    if fractionScale < 1e18 {
                        fraction = fraction * 10 + d
                        fractionScale *= 10
                    }
                    rest = rest.dropFirst()
                }
            }
            guard sawDigits else { return nil }
            var unitText = ""
            while let c = rest.first, c != ".", digit(c) == nil {
                unitText.unicodeScalars.append(c)
                rest = rest.dropFirst()
            }
            guard let unit = units[unitText] else { return nil }
            let (scaled, o1) = whole.multipliedReportingOverflow(by: unit)
            if o1 { return nil }
            var part = scaled
            if fraction > 0 {
                let (withFraction, o2) = part.addingReportingOverflow(UInt64(Double(fraction) * (Double(unit) / fractionScale)))
                if o2 { return nil }
                part = withFraction
            }
            let (sum, o3) = total.addingReportingOverflow(part)
            if o3 || sum > UInt64(Int64.max) { return nil }
            total = sum
        }
        if negative && total > 0 { return nil }
        return .nanoseconds(Int64(total))
    }

    /// Prints a duration as Go's `Duration.String` does: `1h30m0s`, `45s`,
    /// `1.5s`, `500ms`, `0s`.
    public static func format(_ duration: Duration) -> String {
        let nanos = nanoseconds(duration)
        let sign = nanos < 0 ? "-" : ""
        var u = nanos.magnitude
        if u == 0 { return "0s" }
        if u < 1_000_000_000 {
            let (unit, precision): (String, Int) =
                u < 1_000 ? ("ns", 0) : u < 1_000_000 ? ("µs", 3) : ("ms", 6)
            let fraction: String
            (fraction, u) = fractionDigits(u, precision)
            return sign + String(u) + fraction + unit
        }
        let fraction: String
        (fraction, u) = fractionDigits(u, 9)
        var text = String(u % 60) + fraction + "s"
        u /= 60
        if u > 0 {
            text = String(u % 60) + "m" + text
            u /= 60
            if u > 0 { text = String(u) + "h" + text }
        }
        return sign + text
    }

    /// The duration in whole nanoseconds (sub-nanosecond parts dropped).
    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    private static let units: [String: UInt64] = [
        "ns": 1, "us": 1_000, "\u{B5}s": 1_000, "\u{3BC}s": 1_000, "ms": 1_000_000,
        "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000,
    ]

    private static func digit(_ c: Unicode.Scalar) -> UInt64? {
        c >= "0" && c <= "9" ? UInt64(c.value - 48) : nil
    }

    /// Go's `fmtFrac`: the low `precision` digits as `.ddd` without trailing
    /// zeros (nothing when they are all zero), and the value divided by 10^precision.
    private static func fractionDigits(_ value: UInt64, _ precision: Int) -> (String, UInt64) {
        var v = value
        var digits = ""
        var printing = false
        for _ in 0..<precision {
            let d = v % 10
            printing = printing || d != 0
            if printing { digits = String(d) + digits }
            v /= 10
        }
        return (printing ? "." + digits : "", v)
    }
}
