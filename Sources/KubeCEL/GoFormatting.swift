//! Go's number and string renderings that CEL results inherit from cel-go:
//! `%g` for doubles (`string(1.5)`, `1e+06`), `strconv.Quote`, and the
//! `strconv.ParseInt` error text for failed conversions.

enum GoFloat {
    /// Shortest decimal digits and decimal-point position of a finite, non-zero magnitude.
    private static func digits(_ d: Double) -> (digits: [UInt8], point: Int) {
        let text = "\(d.magnitude)"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var digits: [UInt8] = []
        var point = 0
        var seenPoint = false
        for c in mantissa {
            if c == "." {
                seenPoint = true
                continue
            }
            guard let v = c.wholeNumberValue else { continue }
            digits.append(UInt8(v))
            if !seenPoint { point += 1 }
        }
        point += exponent
        while let first = digits.first, first == 0, digits.count > 1 {
            digits.removeFirst()
            point -= 1
        }
        while let last = digits.last, last == 0, digits.count > 1 { digits.removeLast() }
        return (digits, point)
    }

    /// Go's `fmt.Sprintf("%g", d)` (shortest representation).
    static func formatG(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Inf" : "+Inf" }
        if d == 0 { return d.sign == .minus ? "-0" : "0" }
        let sign = d < 0 ? "-" : ""
        let (digs, point) = digits(d)
        let text = digs.map { String($0) }
        let exp = point - 1
        if exp < -4 || exp >= 6 {
            var mantissa = text[0]
            if digs.count > 1 { mantissa += "." + text[1...].joined() }
            let e = abs(exp)
            return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + (e < 10 ? "0" : "") + String(e)
        }
        return sign + fixed(digs, point)
    }

    /// Go's `strconv.FormatFloat(d, 'f', -1, 64)`.
    static func formatF(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Inf" : "+Inf" }
        if d == 0 { return "0" }
        let (digs, point) = digits(d)
        return (d < 0 ? "-" : "") + fixed(digs, point)
    }

    private static func fixed(_ digs: [UInt8], _ point: Int) -> String {
        let text = digs.map { String($0) }
        if point <= 0 { return "0." + String(repeating: "0", count: -point) + text.joined() }
        if point >= digs.count { return text.joined() + String(repeating: "0", count: point - digs.count) }
        return text[..<point].joined() + "." + text[point...].joined()
    }
}

