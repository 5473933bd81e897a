//! Strategic merge patch, table-driven: lists merged by key, sets of scalars,
//! replaced lists, the `$patch` / `$retainKeys` / `$deleteFromPrimitiveList` /
//! `$setElementOrder` directives, `null` deletions, and the errors with the
//! status kube-apiserver answers.
import Foundation
import KubeCore
import LocalAPIServer
import Testing
import TestSupport

struct SMPCase: Sendable, CustomStringConvertible {
    var name: String
    var kind: String
    var group: String = ""
    var original: String
    var patch: String
    var expected: String

    var description: String { name }
}

struct SMPErrorCase: Sendable, CustomStringConvertible {
    var name: String
    var kind: String
    var group: String = ""
    var original: String
    var patch: String
    var code: Int
    var message: String

    var description: String { name }
}

private func json(_ text: String) throws -> JSONValue { try JSONValue.parse(text) }

@Suite("Strategic merge patch")
struct StrategicMergePatchTests {
    static let cases: [SMPCase] = [
        SMPCase(name: "maps merge and null deletes",
                kind: "ConfigMap",
                original: #"{"metadata":{"labels":{"a":"1","b":"2"}},"data":{"x":"1"}}"#,
                patch: #"{"metadata":{"labels":{"b":null,"c":"3"}},"data":{"y":"2"}}"#,
                expected: #"{"metadata":{"labels":{"a":"1","c":"3"}},"data":{"x":"1","y":"2"}}"#),
        SMPCase(name: "containers merge by name, fields inside merged",
                kind: "Pod",
                original: #"{"spec":{"containers":[{"name":"a","image":"x","args":["1"]},{"name":"b","image":"y"}]}}"#,
                patch: #"{"spec":{"containers":[{"name":"b","image":"z"}]}}"#,
                expected: #"{"spec":{"containers":[{"name":"a","image":"x","args":["1"]},{"name":"b","image":"z"}]}}"#),
        SMPCase(name: "a new keyed item goes before server-only items without an order directive",
                kind: "Pod",
                original: #"{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}"#,
                patch: #"{"spec":{"containers":[{"name":"c","image":"z"}]}}"#,
                expected: #"{"spec":{"containers":[{"name":"c","image":"z"},{"name":"a"},{"name":"b"}]}}"#),
        SMPCase(name: "$setElementOrder orders the merged list",
                kind: "Pod",
                original: #"{"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}]}}"#,
                patch: #"{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"},{"name":"c"}],"containers":[{"name":"c","image":"z"}]}}"#,
                expected: #"{"spec":{"containers":[{"name":"b","image":"y"},{"name":"a","image":"x"},{"name":"c","image":"z"}]}}"#),
        SMPCase(name: "nested keyed lists: env by name, ports by containerPort",
                kind: "Deployment", group: "apps",
                original: #"{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"A","value":"1"}],"ports":[{"containerPort":80,"protocol":"TCP"}]}]}}}}"#,
                patch: #"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"$setElementOrder/env":[{"name":"A"},{"name":"B"}],"$setElementOrder/ports":[{"containerPort":80},{"containerPort":443}],"env":[{"name":"B","value":"2"}],"name":"web","ports":[{"containerPort":443}]}]}}}}"#,
                expected: #"{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":443}]}]}}}}"#),
        SMPCase(name: "$patch: delete removes the item with that key",
                kind: "Pod",
                original: #"{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}"#,
                patch: #"{"spec":{"containers":[{"$patch":"delete","name":"a"}]}}"#,
                expected: #"{"spec":{"containers":[{"name":"b"}]}}"#),
        SMPCase(name: "$patch: replace in a list replaces the list",
                kind: "Pod",
                original: #"{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}"#,
                patch: #"{"spec":{"containers":[{"name":"c"},{"$patch":"replace"}]}}"#,
                expected: #"{"spec":{"containers":[{"name":"c"}]}}"#),
        SMPCase(name: "$patch: replace in a map replaces the map",
                kind: "ConfigMap",
                original: #"{"data":{"a":"1","b":"2"}}"#,
                patch: #"{"data":{"$patch":"replace","c":"3"}}"#,
                expected: #"{"data":{"c":"3"}}"#),
        SMPCase(name: "$patch: delete in a map empties it",
                kind: "ConfigMap",
                original: #"{"data":{"a":"1"},"metadata":{"name":"x"}}"#,
                patch: #"{"data":{"$patch":"delete"}}"#,
                expected: #"{"data":{},"metadata":{"name":"x"}}"#),
        SMPCase(name: "$retainKeys clears keys not listed",
                kind: "Deployment", group: "apps",
                original: #"{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%"}}}}"#,
                patch: #"{"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":null,"type":"Recreate"}}}"#,
                expected: #"{"spec":{"strategy":{"type":"Recreate"}}}"#),
        SMPCase(name: "finalizers merge as a set",
                kind: "ConfigMap",
                original: #"{"metadata":{"finalizers":["a/x","b/y"]}}"#,
                patch: #"{"metadata":{"finalizers":["b/y","c/z"]}}"#,
                expected: #"{"metadata":{"finalizers":["a/x","b/y","c/z"]}}"#),
        SMPCase(name: "$deleteFromPrimitiveList removes set items",
                kind: "ConfigMap",
                original: #"{"metadata":{"finalizers":["a/x","b/y","c/z"]}}"#,
                patch: #"{"metadata":{"$deleteFromPrimitiveList/finalizers":["b/y","q/q"]}}"#,
                expected: #"{"metadata":{"finalizers":["a/x","c/z"]}}"#),
        SMPCase(name: "$setElementOrder orders a primitive list",
                kind: "ConfigMap",
                original: #"{"metadata":{"finalizers":["a/x","b/y"]}}"#,
                patch: #"{"metadata":{"$setElementOrder/finalizers":["c/z","b/y","a/x"],"finalizers":["c/z"]}}"#,
                expected: #"{"metadata":{"finalizers":["c/z","b/y","a/x"]}}"#),
        SMPCase(name: "lists without a merge strategy are replaced",
                kind: "Pod",
                original: #"{"spec":{"tolerations":[{"key":"a"}],"containers":[{"name":"c","args":["1","2"]}]}}"#,
                patch: #"{"spec":{"tolerations":[{"key":"b"}],"containers":[{"name":"c","args":["3"]}]}}"#,
                expected: #"{"spec":{"tolerations":[{"key":"b"}],"containers":[{"name":"c","args":["3"]}]}}"#),
        SMPCase(name: "service ports merge by port",
                kind: "Service",
                original: #"{"spec":{"ports":[{"port":80,"targetPort":8080,"protocol":"TCP"}]}}"#,
                patch: #"{"spec":{"ports":[{"port":80,"targetPort":9090}]}}"#,
                expected: #"{"spec":{"ports":[{"port":80,"targetPort":9090,"protocol":"TCP"}]}}"#),
        SMPCase(name: "values taken as a whole lose nulls and directives",
                kind: "Pod",
                original: #"{"spec":{}}"#,
                patch: #"{"spec":{"containers":[{"name":"a","image":null,"env":[{"name":"E","$patch":"delete"}]}]}}"#,
                expected: #"{"spec":{"containers":[{"name":"a","env":[]}]}}"#),
        SMPCase(name: "a null for an absent key changes nothing",
                kind: "ConfigMap",
                original: #"{"data":{"a":"1"}}"#,
                patch: #"{"data":{"b":null},"immutable":null}"#,
                expected: #"{"data":{"a":"1"}}"#),
        SMPCase(name: "owner references merge by uid",
                kind: "ConfigMap",
                original: #"{"metadata":{"ownerReferences":[{"uid":"1","name":"a"}]}}"#,
                patch: #"{"metadata":{"ownerReferences":[{"uid":"2","name":"b"}]}}"#,
                expected: #"{"metadata":{"ownerReferences":[{"uid":"2","name":"b"},{"uid":"1","name":"a"}]}}"#),
        SMPCase(name: "conditions merge by type",
                kind: "Deployment", group: "apps",
                original: #"{"status":{"conditions":[{"type":"Available","status":"False"},{"type":"Progressing","status":"True"}]}}"#,
                patch: #"{"status":{"$setElementOrder/conditions":[{"type":"Available"},{"type":"Progressing"}],"conditions":[{"type":"Available","status":"True"}]}}"#,
                expected: #"{"status":{"conditions":[{"type":"Available","status":"True"},{"type":"Progressing","status":"True"}]}}"#),
    ]

    @Test("applies", arguments: cases)
    func applies(_ c: SMPCase) throws {
        let result = try StrategicMergePatch.apply(try json(c.patch), to: try json(c.original), schema: .builtin(group: c.group, kind: c.kind))
        #expect(result == (try json(c.expected)), "\(result.jsonString())")
    }

    static let errors: [SMPErrorCase] = [
        SMPErrorCase(name: "an item without its merge key", kind: "Pod",
                     original: #"{"spec":{"containers":[{"name":"a"}]}}"#,
                     patch: #"{"spec":{"containers":[{"image":"httpd"}]}}"#,
                     code: 500, message: "map: map[image:httpd] does not contain declared merge key: name"),
        SMPErrorCase(name: "$patch: merge in a list", kind: "Pod",
                     original: #"{"spec":{"containers":[{"name":"a"}]}}"#,
                     patch: #"{"spec":{"containers":[{"$patch":"merge"}]}}"#,
                     code: 500, message: "merging lists cannot yet be specified in the patch"),
        SMPErrorCase(name: "an unknown $patch in a map", kind: "Pod",
                     original: #"{"spec":{}}"#,
                     patch: #"{"spec":{"$patch":"bogus","a":"b"}}"#,
                     code: 500, message: "unknown patch type: bogus in map: map[$patch:bogus a:b]"),
        SMPErrorCase(name: "$retainKeys not listing a patched key", kind: "Deployment", group: "apps",
                     original: #"{"spec":{"strategy":{"type":"RollingUpdate"}}}"#,
                     patch: #"{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate","other":"x"}}}"#,
                     code: 400, message: "invalid patch format of retainKeys"),
        SMPErrorCase(name: "$retainKeys that is not a list", kind: "Deployment", group: "apps",
                     original: #"{"spec":{"strategy":{}}}"#,
                     patch: #"{"spec":{"strategy":{"$retainKeys":"type"}}}"#,
                     code: 400, message: "invalid patch format of retainKeys"),
        SMPErrorCase(name: "$setElementOrder disagreeing with the patch order", kind: "Pod",
                     original: #"{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}"#,
                     patch: #"{"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"b"}],"containers":[{"name":"b","image":"x"},{"name":"a","image":"y"}]}}"#,
                     code: 500, message: "the order in patch list:\n[map[image:x name:b] map[image:y name:a]]\n doesn't match $setElementOrder list:\n[map[name:a] map[name:b]]"),
        SMPErrorCase(name: "a list of lists", kind: "ConfigMap",
                     original: #"{"metadata":{"finalizers":[["a"]]}}"#,
                     patch: #"{"metadata":{"finalizers":[["b"]]}}"#,
                     code: 422, message: "the server rejected our request due to an error in our request"),
    ]

    @Test("fails as kube-apiserver does", arguments: errors)
    func fails(_ c: SMPErrorCase) throws {
        let (patch, original) = (try json(c.patch), try json(c.original))
        let failure = #expect(throws: StrategicMergePatch.Failure.self) {
            _ = try StrategicMergePatch.apply(patch, to: original, schema: .builtin(group: c.group, kind: c.kind))
        }
        #expect(failure?.apiError.code == c.code)
        #expect(failure?.apiError.message == c.message)
    }
}
