//! `goQuoted` renders strings as Go's `%q` does, which Kubernetes messages use.
import Testing
import KubeCore

@Suite("Go-style quoting")
struct GoQuoteTests {
    @Test("strings quote as strconv.Quote quotes them", arguments: [
        ("plain", #""plain""#),
        ("say \"hi\"", #""say \"hi\"""#),
        ("back\\slash", #""back\\slash""#),
        ("a\nb\tc\rd", #""a\nb\tc\rd""#),
        ("\u{07}\u{08}\u{0C}\u{0B}", #""\a\b\f\v""#),
        ("\u{01}\u{7F}", #""\x01\x7f""#),
        ("ünï ✓", #""ünï ✓""#),
        ("\u{200B}", #""\u200b""#),
    ])
    func quotes(input: String, expected: String) {
        #expect(input.goQuoted == expected)
    }
}
