//! The CEL lexer (cel-spec langdef.md, "Syntax"): identifiers, keywords,
//! int/uint/double literals, string and bytes literals with every escape form
//! (raw, triple-quoted, `\x`, octal, `\u`, `\U`), punctuation and `//` comments.
//! Unrecognised characters become ANTLR-style "token recognition error" issues.

struct Token: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case eof
        case identifier
        case int
        case uint
        case double
        case string
        case bytes
        case trueKeyword
        case falseKeyword
        case nullKeyword
        case inKeyword
        case punctuation
    }

    var kind: Kind
    /// Code-point offset of the first character.
    var offset: Int
    /// The source text of the token (`<EOF>` for the end).
    var text: String
    /// Decoded value of string literals.
    var stringValue: String = ""
    /// Decoded value of bytes literals.
    var bytesValue: [UInt8] = []

    func isPunctuation(_ p: String) -> Bool { kind == .punctuation && text == p }
}

struct Lexer {
    private let scalars: [Unicode.Scalar]
    private var position = 0
    private(set) var tokens: [Token] = []
    /// Recognition errors: offset and message.
    private(set) var errors: [(offset: Int, message: String)] = []

    init(_ source: CELSource) {
        scalars = source.scalars
    }

    static func tokenize(_ source: CELSource) -> (tokens: [Token], errors: [(offset: Int, message: String)]) {
        var lexer = Lexer(source)
        lexer.run()
        return (lexer.tokens, lexer.errors)
    }

    private func peek(_ ahead: Int = 0) -> Unicode.Scalar? {
        let i = position + ahead
        return i < scalars.count ? scalars[i] : nil
    }

    private func text(_ from: Int, _ to: Int) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[from..<min(to, scalars.count)])
        return String(view)
    }

    private static func isDigit(_ s: Unicode.Scalar?) -> Bool {
        guard let s else { return false }
        return s >= "0" && s <= "9"
    }

    private static func isHex(_ s: Unicode.Scalar?) -> Bool {
        guard let s else { return false }
        return isDigit(s) || (s >= "a" && s <= "f") || (s >= "A" && s <= "F")
    }

    private static func isIdentStart(_ s: Unicode.Scalar?) -> Bool {
        guard let s else { return false }
        return s == "_" || (s >= "a" && s <= "z") || (s >= "A" && s <= "Z")
    }

    private static func isIdentPart(_ s: Unicode.Scalar?) -> Bool { isIdentStart(s) || isDigit(s) }

    private mutating func run() {
        while true {
            skipWhitespaceAndComments()
            guard let c = peek() else {
                tokens.append(Token(kind: .eof, offset: scalars.count, text: "<EOF>"))
                return
            }
            let start = position
            if Self.isIdentStart(c) {
                // String prefixes r, b, rb, br (any case) directly followed by a quote.
                if let literal = lexPrefixedString() {
                    tokens.append(literal)
                    continue
                }
                while Self.isIdentPart(peek()) { position += 1 }
                let word = text(start, position)
                let kind: Token.Kind
                switch word {
                case "true": kind = .trueKeyword
                case "false": kind = .falseKeyword
                case "null": kind = .nullKeyword
                case "in": kind = .inKeyword
                default: kind = .identifier
                }
                tokens.append(Token(kind: kind, offset: start, text: word))
                continue
            }
            if Self.isDigit(c) || (c == "." && Self.isDigit(peek(1))) {
                lexNumber()
                continue
            }
            if c == "\"" || c == "'" {
                if let literal = lexString(start: start, raw: false, bytes: false) { tokens.append(literal) }
                continue
            }
            lexPunctuation()
        }
    }

    private mutating func skipWhitespaceAndComments() {
        while let c = peek() {
            if c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0C}" {
                position += 1
            } else if c == "/" && peek(1) == "/" {
                while let d = peek(), d != "\n" { position += 1 }
            } else {
                return
            }
        }
    }

    private mutating func lexPunctuation() {
        let start = position
        guard let c = peek() else { return }
        let two = peek(1).map { String(c) + String($0) } ?? String(c)
        for op in ["==", "!=", "<=", ">=", "&&", "||"] where two == op {
            position += 2
            tokens.append(Token(kind: .punctuation, offset: start, text: op))
            return
        }
        if "<>!-+*/%?:.,()[]{}".unicodeScalars.contains(c) {
            position += 1
            tokens.append(Token(kind: .punctuation, offset: start, text: String(c)))
            return
        }
        // ANTLR consumed the start of a longer token ('|' of '||', '&' of '&&') before failing.
        let width = (c == "|" || c == "&" || c == "=") && peek(1) != nil ? 2 : 1
        position += width
        errors.append((start, "Syntax error: token recognition error at: '\(text(start, position))'"))
    }

    private mutating func lexNumber() {
        let start = position
        var isFloat = false
        if peek() == "0", peek(1) == "x" || peek(1) == "X", Self.isHex(peek(2)) {
            position += 2
            while Self.isHex(peek()) { position += 1 }
        } else {
            while Self.isDigit(peek()) { position += 1 }
            if peek() == ".", Self.isDigit(peek(1)) {
                isFloat = true
                position += 1
                while Self.isDigit(peek()) { position += 1 }
            }
            if peek() == "e" || peek() == "E" {
                var ahead = 1
                if peek(1) == "+" || peek(1) == "-" { ahead = 2 }
                if Self.isDigit(peek(ahead)) {
                    isFloat = true
                    position += ahead
                    while Self.isDigit(peek()) { position += 1 }
                }
            }
        }
        if !isFloat, peek() == "u" || peek() == "U" {
            position += 1
            tokens.append(Token(kind: .uint, offset: start, text: text(start, position)))
            return
        }
        tokens.append(Token(kind: isFloat ? .double : .int, offset: start, text: text(start, position)))
    }

    private mutating func lexPrefixedString() -> Token? {
        let start = position
        var raw = false
        var bytes = false
        var i = 0
        while i < 2, let c = peek(i) {
            if (c == "r" || c == "R") && !raw {
                raw = true
            } else if (c == "b" || c == "B") && !bytes {
                bytes = true
            } else {
                break
            }
            i += 1
        }
        guard i > 0, let q = peek(i), q == "\"" || q == "'" else { return nil }
        position += i
        return lexString(start: start, raw: raw, bytes: bytes)
    }

    /// Lexes a quoted literal starting at the quote under `position`.
    private mutating func lexString(start: Int, raw: Bool, bytes: Bool) -> Token? {
        guard let quote = peek() else { return nil }
        let triple = peek(1) == quote && peek(2) == quote
        position += triple ? 3 : 1
        var out: [UInt8] = []
        var string = String.UnicodeScalarView()
        func appendScalar(_ s: Unicode.Scalar) {
            string.append(s)
            out.append(contentsOf: Array(String(s).utf8))
        }
        while true {
            guard let c = peek() else {
                errors.append((start, "Syntax error: token recognition error at: '\(text(start, position))'"))
                return nil
            }
            if triple {
                if c == quote && peek(1) == quote && peek(2) == quote {
                    position += 3
                    break
                }
            } else if c == quote {
                position += 1
                break
            } else if c == "\n" || c == "\r" {
                errors.append((start, "Syntax error: token recognition error at: '\(text(start, position + 1))'"))
                position += 1
                return nil
            }
            if c == "\\" && !raw {
                guard let escape = decodeEscape(bytes: bytes) else {
                    errors.append((start, "Syntax error: token recognition error at: '\(text(start, position + 1))'"))
                    skipRestOfString(quote: quote, triple: triple)
                    return nil
                }
                switch escape {
                case .scalar(let s): appendScalar(s)
                case .byte(let b):
                    out.append(b)
                    if let s = Unicode.Scalar(UInt32(b)) { string.append(s) }
                }
                continue
            }
            appendScalar(c)
            position += 1
        }
        var token = Token(kind: bytes ? .bytes : .string, offset: start, text: text(start, position))
        token.stringValue = String(string)
        token.bytesValue = out
        return token
    }

    private mutating func skipRestOfString(quote: Unicode.Scalar, triple: Bool) {
        while let c = peek() {
            position += 1
            if c == quote && (!triple || (peek() == quote && peek(1) == quote)) {
                if triple { position += 2 }
                return
            }
        }
    }

    private enum Escape {
        case scalar(Unicode.Scalar)
        case byte(UInt8)
    }

    /// Decodes the escape sequence at `position` (which holds the backslash).
    private mutating func decodeEscape(bytes: Bool) -> Escape? {
        guard let c = peek(1) else { return nil }
        func hexValue(_ count: Int, from: Int) -> UInt32? {
            var v: UInt32 = 0
            for k in 0..<count {
                guard let d = peek(from + k), Self.isHex(d), let digit = UInt32(String(d), radix: 16) else { return nil }
                v = v * 16 + digit
            }
            return v
        }
        switch c {
        case "a": position += 2; return .scalar("\u{07}")
        case "b": position += 2; return .scalar("\u{08}")
        case "f": position += 2; return .scalar("\u{0C}")
        case "n": position += 2; return .scalar("\n")
        case "r": position += 2; return .scalar("\r")
        case "t": position += 2; return .scalar("\t")
        case "v": position += 2; return .scalar("\u{0B}")
        case "\\", "?", "\"", "'", "`":
            position += 2
            return .scalar(c)
        case "x", "X":
            guard let v = hexValue(2, from: 2) else { return nil }
            position += 4
            if bytes { return .byte(UInt8(v)) }
            return Unicode.Scalar(v).map(Escape.scalar)
        case "u", "U":
            let count = c == "u" ? 4 : 8
            guard let v = hexValue(count, from: 2), let s = Unicode.Scalar(v) else { return nil }
            position += 2 + count
            return .scalar(s)
        case "0"..."3":
            guard let d1 = peek(2), let d2 = peek(3), ("0"..."7").contains(d1), ("0"..."7").contains(d2),
                  let a = UInt32(String(c)), let b = UInt32(String(d1)), let d = UInt32(String(d2)) else { return nil }
            let v = a * 64 + b * 8 + d
            position += 4
            if bytes { return .byte(UInt8(v)) }
            return Unicode.Scalar(v).map(Escape.scalar)
        default:
            return nil
        }
    }
}
