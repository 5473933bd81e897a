//! JSONWriter produces what Foundation's JSONEncoder produces, and what it
//! writes parses back to the same value.
import Foundation
import Testing
@testable import KubeCore

@Suite("JSON serialization")
struct JSONWriterTests {
    static let samples: [JSONValue] = [
        .null, true, false, 0, -42, 9_007_199_254_740_993, 1.5, -0.25, 1e-7, 3.0,
        "", "plain", "quote \" backslash \\ slash /", "tab\tnewline\nreturn\r", "control \u{01}\u{1f}", "ünïcödé ✓ 🚀",
        [], [1, "two", nil, [3]], [:],
        ["b": 1, "a": ["nested": [true, false]], "c": "x"],
        ["metadata": ["name": "n", "labels": ["app": "web", "tier": "db"]], "spec": ["replicas": 3, "ratio": 0.5]],
    ]

    @Test("compact output equals JSONEncoder's with sorted keys", arguments: samples)
    func compactMatchesFoundation(value: JSONValue) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let foundation = String(decoding: try encoder.encode(value), as: UTF8.self)
        #expect(value.jsonString() == foundation)
    }

    /// Foundation prints empty containers as `[\n\n]`; the writer prints `[]` (checked below).
    static let nonEmptySamples = samples.filter { $0 != [] && $0 != [:] }

    @Test("pretty output equals JSONEncoder's pretty printing", arguments: nonEmptySamples)
    func prettyMatchesFoundation(value: JSONValue) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        let foundation = String(decoding: try encoder.encode(value), as: UTF8.self)
        #expect(value.jsonString(pretty: true) == foundation)
    }

    @Test("empty containers print compactly when pretty")
    func prettyEmptyContainers() {
        let value: JSONValue = ["list": [], "map": [:]]
        #expect(value.jsonString(pretty: true) == "{\n  \"list\" : [],\n  \"map\" : {}\n}")
    }

    /// Integral doubles are written as integers (as JSONEncoder does), so they read back as `.int`.
    static let roundTripSamples = samples.filter { if case .double(let d) = $0 { return d.rounded() != d } else { return true } }

    @Test("serialized values parse back unchanged", arguments: roundTripSamples)
    func roundTrip(value: JSONValue) throws {
        #expect(try JSONValue.parse(value.serialized()) == value)
    }
}

@Suite("JSON parsing")
struct JSONReaderTests {
    static let documents: [(String, JSONValue)] = [
        (#"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#, ["a": 1, "b": [true, false, nil], "c": ["d": "e"]] as JSONValue),
        (#"  [ 1 , -2 , 3.25 , -0.5e2 , 1E3 ]  "#, [1, -2, 3.25, -50.0, 1000.0]),
        (#""esc \" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude80""#, "esc \" \\ / \u{08} \u{0C} \n \r \t é 🚀"),
        (#"9223372036854775807"#, .int(Int64.max)),
        (#"9223372036854775808"#, .double(9_223_372_036_854_775_808)),
        (#"{}"#, [:]),
        (#"[]"#, []),
        (#""ünï""#, "ünï"),
    ]

    @Test("documents parse to the values Foundation reads", arguments: documents)
    func parses(text: String, expected: JSONValue) throws {
        #expect(try JSONValue.parse(text) == expected)
    }

    @Test("malformed documents are refused with a parse error", arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "01", "1.", "-", "tru", "\"unterminated", "\"\\x\"",
        "\"\\ud83d\"", "[1] 2", "{\"a\":1}}", "\"tab\there\"", "nul",
    ])
    func refuses(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test("nesting deeper than the limit is refused instead of exhausting the stack")
    func depthLimit() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep) }
    }
}
