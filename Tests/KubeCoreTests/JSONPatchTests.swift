import Foundation
import Testing
@testable import KubeCore

private func json(_ text: String) throws -> JSONValue { try JSONValue.parse(text) }

struct JSONPatchApplyTests {
    /// RFC 6902, Appendix A (A.1–A.8, A.10, A.11, A.14, A.16): document, patch, result.
    @Test(arguments: [
        ("A.1", #"{"foo":"bar"}"#, #"[{"op":"add","path":"/baz","value":"qux"}]"#, #"{"baz":"qux","foo":"bar"}"#),
        ("A.2", #"{"foo":["bar","baz"]}"#, #"[{"op":"add","path":"/foo/1","value":"qux"}]"#, #"{"foo":["bar","qux","baz"]}"#),
        ("A.3", #"{"baz":"qux","foo":"bar"}"#, #"[{"op":"remove","path":"/baz"}]"#, #"{"foo":"bar"}"#),
        ("A.4", #"{"foo":["bar","qux","baz"]}"#, #"[{"op":"remove","path":"/foo/1"}]"#, #"{"foo":["bar","baz"]}"#),
        ("A.5", #"{"baz":"qux","foo":"bar"}"#, #"[{"op":"replace","path":"/baz","value":"boo"}]"#, #"{"baz":"boo","foo":"bar"}"#),
        ("A.6", #"{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}"#,
         #"[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]"#,
         #"{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}"#),
        ("A.7", #"{"foo":["all","grass","cows","eat"]}"#, #"[{"op":"move","from":"/foo/1","path":"/foo/3"}]"#,
         #"{"foo":["all","cows","eat","grass"]}"#),
        ("A.8", #"{"baz":"qux","foo":["a",2,"c"]}"#,
         #"[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]"#,
         #"{"baz":"qux","foo":["a",2,"c"]}"#),
        ("A.10", #"{"foo":"bar"}"#, #"[{"op":"add","path":"/child","value":{"grandchild":{}}}]"#,
         #"{"foo":"bar","child":{"grandchild":{}}}"#),
        ("A.11", #"{"foo":"bar"}"#, #"[{"op":"add","path":"/baz","value":"qux","xyz":123}]"#, #"{"foo":"bar","baz":"qux"}"#),
        ("A.14", #"{"/":9,"~1":10}"#, #"[{"op":"test","path":"/~01","value":10}]"#, #"{"/":9,"~1":10}"#),
        ("A.16", #"{"foo":["bar"]}"#, #"[{"op":"add","path":"/foo/-","value":["abc","def"]}]"#, #"{"foo":["bar",["abc","def"]]}"#),
        ("copy", #"{"a":{"b":1}}"#, #"[{"op":"copy","from":"/a/b","path":"/c"}]"#, #"{"a":{"b":1},"c":1}"#),
        ("copy into array", #"{"a":[1,2]}"#, #"[{"op":"copy","from":"/a/0","path":"/a/-"}]"#, #"{"a":[1,2,1]}"#),
        ("add replaces member", #"{"a":1}"#, #"[{"op":"add","path":"/a","value":2}]"#, #"{"a":2}"#),
        ("add root", #"{"a":1}"#, #"[{"op":"add","path":"","value":[1]}]"#, #"[1]"#),
        ("replace root", #"{"a":1}"#, #"[{"op":"replace","path":"","value":{"b":2}}]"#, #"{"b":2}"#),
        ("replace array element", #"{"a":[1,2,3]}"#, #"[{"op":"replace","path":"/a/1","value":9}]"#, #"{"a":[1,9,3]}"#),
        ("move to self", #"{"a":1}"#, #"[{"op":"move","from":"/a","path":"/a"}]"#, #"{"a":1}"#),
        ("test numbers by value", #"{"a":1,"o":{"x":1,"y":[2.0]}}"#,
         #"[{"op":"test","path":"/a","value":1.0},{"op":"test","path":"/o","value":{"y":[2],"x":1}}]"#,
         #"{"a":1,"o":{"x":1,"y":[2.0]}}"#),
        ("empty key", #"{"":{"a":1}}"#, #"[{"op":"remove","path":"//a"}]"#, #"{"":{}}"#),
        ("sequence", #"{"metadata":{"labels":{"a":"1"}}}"#,
         #"[{"op":"test","path":"/metadata/labels/a","value":"1"},{"op":"replace","path":"/metadata/labels/a","value":"2"},{"op":"add","path":"/metadata/labels/app.kubernetes.io~1name","value":"x"}]"#,
         #"{"metadata":{"labels":{"a":"2","app.kubernetes.io/name":"x"}}}"#),
    ])
    func appliesOperations(name: String, document: String, patch: String, result: String) throws {
        let patch = try JSONPatch(json: try json(patch))
        #expect(try patch.apply(to: try json(document)) == (try json(result)), "\(name)")
    }

    /// Document, patch, the failure message; every one is a 422 "does not apply".
    @Test(arguments: [
        ("A.9", #"{"baz":"qux"}"#, #"[{"op":"test","path":"/baz","value":"bar"}]"#, "testing value /baz failed: test failed"),
        ("A.12", #"{"foo":"bar"}"#, #"[{"op":"add","path":"/baz/bat","value":"qux"}]"#,
         #"add operation does not apply: doc is missing path: "/baz/bat": missing value"#),
        ("A.15", #"{"/":9,"~1":10}"#, #"[{"op":"test","path":"/~01","value":"10"}]"#, "testing value /~01 failed: test failed"),
        ("test missing", #"{}"#, #"[{"op":"test","path":"/a","value":null}]"#, "testing value /a failed: test failed"),
        ("remove missing", #"{"a":1}"#, #"[{"op":"remove","path":"/b"}]"#,
         #"remove operation does not apply: doc is missing path: "/b": missing value"#),
        ("remove root", #"{"a":1}"#, #"[{"op":"remove","path":""}]"#,
         "remove operation does not apply: cannot remove the whole document"),
        ("replace missing", #"{"a":1}"#, #"[{"op":"replace","path":"/b","value":1}]"#,
         "replace operation does not apply: doc is missing key: /b: missing value"),
        ("move missing", #"{"a":1}"#, #"[{"op":"move","from":"/b","path":"/c"}]"#,
         "move operation does not apply: doc is missing from path: /b: missing value"),
        ("move into child", #"{"a":{"b":1}}"#, #"[{"op":"move","from":"/a","path":"/a/b/c"}]"#,
         #"move operation does not apply: cannot move "/a" into its own child "/a/b/c""#),
        ("copy missing", #"{"a":1}"#, #"[{"op":"copy","from":"/b","path":"/c"}]"#,
         #"copy operation does not apply: doc is missing from path: "/b": missing value"#),
        ("index past end", #"{"a":[1]}"#, #"[{"op":"add","path":"/a/2","value":0}]"#,
         "Unable to access invalid index: 2: invalid index referenced"),
        ("leading zero index", #"{"a":[1,2]}"#, #"[{"op":"add","path":"/a/01","value":0}]"#,
         "Unable to access invalid index: 01: invalid index referenced"),
        ("remove dash", #"{"a":[1]}"#, #"[{"op":"remove","path":"/a/-"}]"#,
         "Unable to access invalid index: -: invalid index referenced"),
        ("through scalar", #"{"a":1}"#, #"[{"op":"add","path":"/a/b","value":0}]"#,
         #"add operation does not apply: doc is missing path: "/a/b": missing value"#),
        ("through array", #"{"a":[{"b":1}]}"#, #"[{"op":"replace","path":"/a/1/b","value":0}]"#,
         "replace operation does not apply: doc is missing key: /a/1/b: missing value"),
    ])
    func failures(name: String, document: String, patch: String, message: String) throws {
        let patch = try JSONPatch(json: try json(patch))
        let input = try json(document)
        #expect(throws: JSONPatchError(.unprocessable, message), "\(name)") { try patch.apply(to: input) }
    }

    @Test func aFailingOperationDiscardsEarlierOnes() throws {
        let patch = JSONPatch([.add(JSONPointer(tokens: ["b"]), 2), .test(JSONPointer(tokens: ["a"]), 3)])
        let input: JSONValue = ["a": 1]
        #expect(throws: JSONPatchError.self) { try patch.apply(to: input) }
        // The same first operation alone applies, so the failure above came from the test, not the add.
        #expect(try JSONPatch([patch.operations[0]]).apply(to: input) == ["a": 1, "b": 2])
    }
}

struct JSONPatchDecodeTests {
    @Test(arguments: [
        (#"{"op":"add"}"#, JSONPatchError.Kind.malformed, "json: cannot unmarshal object into Go value of type jsonpatch.Patch"),
        (#""x""#, .malformed, "json: cannot unmarshal string into Go value of type jsonpatch.Patch"),
        (#"[1]"#, .malformed, "json: cannot unmarshal number into Go value of type jsonpatch.Operation"),
        (#"[{"op":"frobnicate","path":"/a"}]"#, .unprocessable, "Unexpected kind: frobnicate"),
        (#"[{"path":"/a"}]"#, .unprocessable, "Unexpected kind: unknown"),
        (#"[{"op":"add","value":1}]"#, .unprocessable, "add operation failed to decode path: operation missing path field: missing value"),
        (#"[{"op":"add","path":"/a"}]"#, .unprocessable, "add operation missing value"),
        (#"[{"op":"test","path":"/a"}]"#, .unprocessable, "test operation missing value"),
        (#"[{"op":"move","path":"/a"}]"#, .unprocessable, "move operation failed to decode from: operation missing from field: missing value"),
        (#"[{"op":"add","path":"a","value":1}]"#, .unprocessable, #"JSON pointer must be empty or start with '/': "a""#),
        (#"[{"op":"remove","path":"/a~2"}]"#, .unprocessable,
         #"invalid escape in JSON pointer "/a~2": '~' must be followed by '0' or '1'"#),
    ])
    func decodeErrors(document: String, kind: JSONPatchError.Kind, message: String) throws {
        let value = try json(document)
        #expect(throws: JSONPatchError(kind, message)) { try JSONPatch(json: value) }
    }

    @Test func nullIsTheEmptyPatch() throws {
        #expect(try JSONPatch(json: .null).operations.isEmpty)
    }

    @Test func tooManyOperations() throws {
        let operation: JSONValue = ["op": "test", "path": "", "value": 1]
        let atLimit = JSONValue.array(Array(repeating: operation, count: JSONPatch.maxOperations))
        #expect(try JSONPatch(json: atLimit).operations.count == 10_000)
        let over = JSONValue.array(Array(repeating: operation, count: JSONPatch.maxOperations + 1))
        #expect(throws: JSONPatchError(.tooManyOperations, "The allowed maximum operations in a JSON patch is 10000, got 10001")) {
            try JSONPatch(json: over)
        }
    }

    @Test func invalidJSONBytesAreMalformed() {
        let error = #expect(throws: JSONPatchError.self) { try JSONPatch(data: Data("[{".utf8)) }
        #expect(error?.kind == .malformed)
    }

    @Test func roundTripsThroughJSON() throws {
        let text = #"[{"op":"add","path":"/a~1b","value":{"x":[1]}},{"op":"remove","path":"/c/0"},{"op":"move","from":"/d","path":"/e"},{"op":"copy","from":"","path":"/f"},{"op":"test","path":"/g","value":null},{"op":"replace","path":"/h","value":true}]"#
        let patch = try JSONPatch(json: try json(text))
        #expect(patch.operations.map(\.op) == [.add, .remove, .move, .copy, .test, .replace])
        #expect(patch.operations[0].path.tokens == ["a/b"])
        #expect(patch.operations[4].value == .null)
        #expect(patch.json == (try json(text)))
        #expect(try JSONPatch(json: patch.json) == patch)
    }

    @Test(arguments: [
        (JSONPatchError(.malformed, "bad"), 400, StatusReason.badRequest, "bad"),
        (JSONPatchError(.tooManyOperations, "The allowed maximum operations in a JSON patch is 10000, got 10001"), 413,
         .requestEntityTooLarge, "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001"),
        (JSONPatchError(.unprocessable, "testing value /a failed: test failed"), 422, .invalid,
         "the server rejected our request due to an error in our request"),
    ])
    func statusLikeKubeAPIServer(error: JSONPatchError, code: Int, reason: StatusReason, message: String) {
        let status = error.apiError.status
        #expect(status.code == code)
        #expect(status.reason == reason)
        #expect(status.message == message)
    }

    @Test func unprocessableStatusHasEmptyDetails() throws {
        let status = JSONPatchError(.unprocessable, "x").apiError.status
        #expect(status.details == StatusDetails())
        #expect(try JSONValue(encoding: status)["details"] == [:])
    }
}

struct JSONPointerTests {
    @Test(arguments: [
        ("", [String]()),
        ("/", [""]),
        ("/a/0/b", ["a", "0", "b"]),
        ("/a~1b/~0c/~01", ["a/b", "~c", "~1"]),
        ("//x", ["", "x"]),
    ])
    func parsesTokens(text: String, tokens: [String]) throws {
        let pointer = try JSONPointer(parsing: text)
        #expect(pointer.tokens == tokens)
        #expect(pointer.description == text)
    }

    @Test func resolvesValues() throws {
        let document = try json(#"{"a":[{"b/c":1}],"":2}"#)
        #expect(try JSONPointer(parsing: "/a/0/b~1c").resolve(in: document) == 1)
        #expect(try JSONPointer(parsing: "/").resolve(in: document) == 2)
        #expect(try JSONPointer(parsing: "").resolve(in: document) == document)
        #expect(try JSONPointer(parsing: "/a/1").resolve(in: document) == nil)
        #expect(try JSONPointer(parsing: "/a/-").resolve(in: document) == nil)
        #expect(try JSONPointer(parsing: "/x/y").resolve(in: document) == nil)
    }
}
