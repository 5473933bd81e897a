//! Go's `%q` (`strconv.Quote`): how Kubernetes messages quote strings, so our
//! messages read exactly like kube-apiserver's and client-go's.

extension StringProtocol {
    /// The string double-quoted with Go's escapes: `\"`, `\\`, `\a \b \f \n \r \t \v`, `\xNN`
    /// for other ASCII control characters, `\uNNNN`/`\UNNNNNNNN` for non-printable Unicode;
    /// printable Unicode is kept as it is.
    public var goQuoted: String { goQuote(String(self)) }
}

private func goQuote(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\u{07}": out += "\\a"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{0B}": out += "\\v"
        default:
            if isGoPrintable(scalar) {
                out.unicodeScalars.append(scalar)
            } else if scalar.value < 0x80 {
                out += "\\x" + hexDigits(scalar.value, width: 2)
            } else if scalar.value < 0x10000 {
                out += "\\u" + hexDigits(scalar.value, width: 4)
            } else {
                out += "\\U" + hexDigits(scalar.value, width: 8)
            }
        }
    }
    return out + "\""
}

private func hexDigits(_ value: UInt32, width: Int) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

/// Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space.
private func isGoPrintable(_ scalar: Unicode.Scalar) -> Bool {
    if scalar == " " { return true }
    switch scalar.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
         .nonspacingMark, .spacingMark, .enclosingMark,
         .decimalNumber, .letterNumber, .otherNumber,
         .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
         .initialPunctuation, .finalPunctuation, .otherPunctuation,
         .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
        return true
    default:
        return false
    }
}
