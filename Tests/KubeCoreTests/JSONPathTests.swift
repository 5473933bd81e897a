import Testing
@testable import KubeCore

private let document: JSONValue = {
    let text = #"""
    {
      "metadata": {
        "name": "web-0",
        "labels": {"app.kubernetes.io/name": "web", "tier": "frontend"},
        "annotations": {"example.com/note": "x"}
      },
      "spec": {
        "replicas": 3,
        "containers": [
          {"name": "app", "image": "nginx", "ports": [{"containerPort": 80}, {"containerPort": 443}]},
          {"name": "sidecar", "image": "envoy"}
        ]
      },
      "status": {
        "ready": true,
        "conditions": [
          {"type": "Ready", "status": "True", "lastTransitionTime": "2024-01-01T00:00:00Z", "priority": 2},
          {"type": "Progressing", "status": "False", "priority": 1},
          {"type": "Degraded", "status": "Unknown", "priority": 3.5}
        ]
      }
    }
    """#
    return (try? JSONValue.parse(text)) ?? .null
}()

struct JSONPathEvaluateTests {
    /// Expression, expected results as a JSON array.
    @Test(arguments: [
        (".metadata.name", #"["web-0"]"#),
        ("{.metadata.name}", #"["web-0"]"#),
        ("$.metadata.name", #"["web-0"]"#),
        (".spec.replicas", #"[3]"#),
        (".status.ready", #"[true]"#),
        (".metadata.labels['app.kubernetes.io/name']", #"["web"]"#),
        (#".metadata.labels["app.kubernetes.io/name"]"#, #"["web"]"#),
        (#".metadata.labels.app\.kubernetes\.io/name"#, #"["web"]"#),
        (".metadata.labels.*", #"["web","frontend"]"#),
        (".spec.containers[0].image", #"["nginx"]"#),
        (".spec.containers[-1].name", #"["sidecar"]"#),
        (".spec.containers[*].name", #"["app","sidecar"]"#),
        (".spec.containers[0:1].name", #"["app"]"#),
        (".spec.containers[1:].name", #"["sidecar"]"#),
        (".spec.containers[::2].name", #"["app"]"#),
        (".spec.containers[0,1].name", #"["app","sidecar"]"#),
        (".spec.containers[*].ports[*].containerPort", #"[80,443]"#),
        (".spec.containers[5].name", #"[]"#),
        (".spec.containers.name", #"[]"#),
        (".missing.field", #"[]"#),
        (".metadata.name.deeper", #"[]"#),
        ("..name", #"["web-0","app","sidecar"]"#),
        ("..containerPort", #"[80,443]"#),
        ("", "[DOC]"),
    ])
    func paths(expression: String, expected: String) throws {
        let wanted: [JSONValue] = expected == "[DOC]" ? [document] : (try JSONValue.parse(expected).arrayValue ?? [])
        #expect(try JSONPath(expression).evaluate(on: document) == wanted)
    }

    /// Filters over `status.conditions`.
    @Test(arguments: [
        (#".status.conditions[?(@.type=="Ready")].status"#, #"["True"]"#),
        (".status.conditions[?(@.type=='Ready')].status", #"["True"]"#),
        (#".status.conditions[?(@.type == "Ready")].status"#, #"["True"]"#),
        (#".status.conditions[?(@.type=="Nope")].status"#, #"[]"#),
        (#".status.conditions[?(@.status!="True")].type"#, #"["Progressing","Degraded"]"#),
        (".status.conditions[?(@.priority>1)].type", #"["Ready","Degraded"]"#),
        (".status.conditions[?(@.priority<2)].type", #"["Progressing"]"#),
        (".status.conditions[?(@.priority>=2)].type", #"["Ready","Degraded"]"#),
        (".status.conditions[?(@.priority<=2)].type", #"["Ready","Progressing"]"#),
        (".status.conditions[?(@.priority==3.5)].type", #"["Degraded"]"#),
        (".status.conditions[?(@.priority>1.5)].type", #"["Ready","Degraded"]"#),
        (".status.conditions[?(@.lastTransitionTime)].type", #"["Ready"]"#),
        (#".status.conditions[?(@.type>"Q")].type"#, #"["Ready"]"#),
        (".status.conditions[?(@.priority=='2')].type", #"[]"#),
        (#".spec.containers[?(@.name=="app")].ports[?(@.containerPort>100)].containerPort"#, #"[443]"#),
        (".spec.containers[?(@.name==@.image)].name", #"[]"#),
        (#".status.conditions[?(@.type=="Ready")]"#,
         #"[{"type": "Ready", "status": "True", "lastTransitionTime": "2024-01-01T00:00:00Z", "priority": 2}]"#),
    ])
    func filters(expression: String, expected: String) throws {
        #expect(try JSONPath(expression).evaluate(on: document) == (try JSONValue.parse(expected).arrayValue ?? []))
    }

    @Test func filtersCompareBooleansAndPaths() throws {
        let items = try JSONValue.parse(#"[{"on":true,"a":1,"b":1},{"on":false,"a":1,"b":2}]"#)
        #expect(try JSONPath("[?(@.on==true)].a").evaluate(on: items) == [1])
        #expect(try JSONPath("[?(@.on!=true)].b").evaluate(on: items) == [2])
        #expect(try JSONPath("[?(@.on>false)].a").evaluate(on: items) == [])
        #expect(try JSONPath("[?(@.a==@.b)].b").evaluate(on: items) == [1])
    }

    @Test func expressionIsKept() throws {
        #expect(try JSONPath(".a.b").description == ".a.b")
    }
}

struct JSONPathParseErrorTests {
    @Test(arguments: [
        (".a[", "unterminated array"),
        (".a['x]", "unterminated array"),
        (#".a[?(@.b=="c""#, "unterminated filter"),
        (#".a[?(@.b=="c")"#, "unclosed array expect ]"),
        (".a[x]", "invalid array index x"),
        (".a[1:2:3:4]", "invalid array index 1:2:3:4"),
        (".a[]", "invalid array index "),
        (".a[1:2:0]", "step must be > 0"),
        ("!a", "unrecognized character in action: U+0021 '!'"),
        (".a}", "unrecognized character in action: U+007D '}'"),
        ("{.a", "unclosed action"),
        (".a....b", "invalid multiple recursive descent"),
        (#".a[?(@.b="c")]"#, "unrecognized filter operator ="),
        (#".a[?(@.b=!"c")]"#, "unrecognized filter operator =!"),
        ("metadata.name", "unrecognized identifier metadata"),
        (".a[?(@.b==)]", "invalid filter: missing right operand"),
        (".a[?(@.b==x)]", "unrecognized identifier x"),
        (".a[?(==1)]", "invalid filter ==1"),
    ])
    func parseErrors(expression: String, message: String) {
        #expect(throws: JSONPathError(message)) { try JSONPath(expression) }
    }
}
