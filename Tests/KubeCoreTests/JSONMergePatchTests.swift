import Testing
@testable import KubeCore

private func json(_ text: String) throws -> JSONValue { try JSONValue.parse(text) }

struct JSONMergePatchTests {
    /// RFC 7386, Appendix A: original, patch, result.
    @Test(arguments: [
        (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
        (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
        (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
        (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
        (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
        (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
        (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
        (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
        (#"{"a":"foo"}"#, #"null"#, #"null"#),
        (#"{"a":"foo"}"#, #""bar""#, #""bar""#),
        (#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
        (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
        (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
    ])
    func rfc7386AppendixA(original: String, patch: String, result: String) throws {
        #expect(JSONMergePatch.apply(try json(patch), to: try json(original)) == (try json(result)))
    }

    /// original, modified, the minimal patch.
    @Test(arguments: [
        (#"{"a":1,"b":2}"#, #"{"a":1,"b":3}"#, #"{"b":3}"#),
        (#"{"a":1,"b":2}"#, #"{"a":1,"b":2}"#, #"{}"#),
        (#"{"a":1}"#, #"{}"#, #"{"a":null}"#),
        (#"{"a":null}"#, #"{}"#, #"{"a":null}"#),
        (#"{"a":null}"#, #"{"a":null}"#, #"{}"#),
        (#"{}"#, #"{"a":{"b":1}}"#, #"{"a":{"b":1}}"#),
        (#"{"m":{"x":1,"y":2}}"#, #"{"m":{"x":1,"y":3}}"#, #"{"m":{"y":3}}"#),
        (#"{"m":{"x":1,"y":2}}"#, #"{"m":{"x":1}}"#, #"{"m":{"y":null}}"#),
        (#"{"l":[1,2]}"#, #"{"l":[1,2,3]}"#, #"{"l":[1,2,3]}"#),
        (#"{"a":"s"}"#, #"{"a":{"b":1}}"#, #"{"a":{"b":1}}"#),
        (#"{"a":{"b":1}}"#, #"{"a":"s"}"#, #"{"a":"s"}"#),
        (#"{"a":1}"#, #"{"a":1.5}"#, #"{"a":1.5}"#),
        (#"{"metadata":{"labels":{"a":"1"},"name":"x"}}"#, #"{"metadata":{"labels":{"a":"1","b":"2"},"name":"x"}}"#,
         #"{"metadata":{"labels":{"b":"2"}}}"#),
        (#"[1]"#, #"[2]"#, #"[2]"#),
        (#"{"a":1}"#, #"[2]"#, #"[2]"#),
    ])
    func createMergePatch(original: String, modified: String, patch: String) throws {
        let before = try json(original), after = try json(modified)
        let created = JSONMergePatch.createMergePatch(from: before, to: after)
        #expect(created == (try json(patch)))
        #expect(JSONMergePatch.apply(created, to: before) == after)
    }

    @Test func nullsInsideModifiedValuesAreDroppedFromWholeValues() throws {
        // A new object carrying a null member is sent without it: applying
        // `null` would delete, so the result holds the object minus the null.
        let before = try json(#"{"a":"s"}"#)
        let after = try json(#"{"a":{"b":1,"c":null}}"#)
        let created = JSONMergePatch.createMergePatch(from: before, to: after)
        #expect(created == (try json(#"{"a":{"b":1}}"#)))
        #expect(JSONMergePatch.apply(created, to: before) == (try json(#"{"a":{"b":1}}"#)))
    }
}
