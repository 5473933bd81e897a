//! The Kubernetes protobuf codec on bodies built by a small test-side encoder
//! that writes fields the way Kubernetes' generated Go marshallers do (value
//! fields always present, zero or not): golden objects compared with the exact
//! JSON expected, decoding semantics, and every refusal (415 and 400).
import Foundation
import KubeCore
import LocalAPIServer
import Testing
import TestSupport

// MARK: - Test-side encoder

/// A protobuf field as a test writes it.
indirect enum PB {
    case varint(Int, UInt64)
    /// An int32/int64 as a two's-complement varint (negative values take ten bytes).
    case int(Int, Int64)
    case bool(Int, Bool)
    case string(Int, String)
    case bytes(Int, [UInt8])
    case message(Int, [PB])
    /// Repeated varints in packed form.
    case packed(Int, [UInt64])

    /// A map entry {1: key, 2: value}; `value` must use field number 2.
    static func entry(_ number: Int, _ key: String, _ value: PB) -> PB { .message(number, [.string(1, key), value]) }

    static func stringMap(_ number: Int, _ pairs: KeyValuePairs<String, String>) -> [PB] {
        pairs.map { entry(number, $0.key, .string(2, $0.value)) }
    }

    static func quantity(_ number: Int, _ text: String) -> PB { .message(number, [.string(1, text)]) }

    /// An IntOrString holding an int, with every field present as Go writes it.
    static func intOrString(_ number: Int, int value: Int32) -> PB {
        .message(number, [.varint(1, 0), .int(2, Int64(value)), .string(3, "")])
    }

    /// An IntOrString holding a string.
    static func intOrString(_ number: Int, string value: String) -> PB {
        .message(number, [.varint(1, 1), .int(2, 0), .string(3, value)])
    }

    static func time(_ number: Int, seconds: Int64, nanos: Int32 = 0) -> PB {
        .message(number, [.int(1, seconds), .int(2, Int64(nanos))])
    }

    /// ObjectMeta as Go writes it for a new object: every value field present, the zero time as an empty message.
    static func objectMeta(_ number: Int = 1, name: String, namespace: String = "",
                           labels: KeyValuePairs<String, String> = [:], extra: [PB] = []) -> PB {
        .message(number, [
            .string(1, name), .string(2, ""), .string(3, namespace), .string(4, ""), .string(5, ""), .string(6, ""),
            .int(7, 0), .message(8, []),
        ] + stringMap(11, labels) + extra)
    }

    static func encode(_ fields: [PB]) -> [UInt8] {
        var out: [UInt8] = []
        for field in fields { field.write(into: &out) }
        return out
    }

    private static func varint(_ value: UInt64, into out: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            out.append(UInt8(value & 0x7f) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
    }

    private static func key(_ number: Int, _ wireType: UInt64, into out: inout [UInt8]) {
        varint(UInt64(number) << 3 | wireType, into: &out)
    }

    private static func lengthDelimited(_ number: Int, _ payload: [UInt8], into out: inout [UInt8]) {
        key(number, 2, into: &out)
        varint(UInt64(payload.count), into: &out)
        out += payload
    }

    private func write(into out: inout [UInt8]) {
        switch self {
        case .varint(let number, let value):
            Self.key(number, 0, into: &out)
            Self.varint(value, into: &out)
        case .int(let number, let value):
            Self.key(number, 0, into: &out)
            Self.varint(UInt64(bitPattern: value), into: &out)
        case .bool(let number, let value):
            Self.key(number, 0, into: &out)
            out.append(value ? 1 : 0)
        case .string(let number, let value):
            Self.lengthDelimited(number, Array(value.utf8), into: &out)
        case .bytes(let number, let value):
            Self.lengthDelimited(number, value, into: &out)
        case .message(let number, let fields):
            Self.lengthDelimited(number, Self.encode(fields), into: &out)
        case .packed(let number, let values):
            var payload: [UInt8] = []
            for value in values { Self.varint(value, into: &payload) }
            Self.lengthDelimited(number, payload, into: &out)
        }
    }
}

/// A request body: the `k8s\0` magic and a `runtime.Unknown` envelope around `object`.
func protobufBody(apiVersion: String, kind: String, _ object: [PB], contentEncoding: String = "") -> Data {
    Data(KubernetesProtobufCodec.magic + PB.encode([
        .message(1, [.string(1, apiVersion), .string(2, kind)]),
        .bytes(2, PB.encode(object)),
        .string(3, contentEncoding),
        .string(4, ""),
    ]))
}

/// Decodes with the server's codec, returning the APIError it throws.
func protobufError(_ body: Data, sourceLocation: SourceLocation = #_sourceLocation) -> APIError? {
    do {
        let value = try KubernetesProtobufCodec.standard.decode(body)
        Issue.record("expected the body to be refused, decoded \(value)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// A container as `kubectl create deployment` sends it, plus `extra` fields.
func container(name: String, image: String, extra: [PB] = []) -> PB {
    .message(2, [
        .string(1, name), .string(2, image), .string(5, ""), .message(8, []), .string(13, ""), .string(14, ""),
        .bool(16, false), .bool(17, false), .bool(18, false), .string(20, ""),
    ] + extra)
}

/// A PodTemplateSpec around `podSpec`, with labels.
func podTemplate(_ number: Int, labels: KeyValuePairs<String, String>, _ podSpec: [PB]) -> PB {
    .message(number, [
        .objectMeta(name: "", labels: labels),
        // Go writes the value fields first here; the test's own fields come after so they win.
        .message(2, [.string(3, ""), .string(6, ""), .string(8, ""), .string(9, ""), .string(10, ""),
                     .bool(11, false), .bool(12, false), .bool(13, false), .string(16, ""), .string(17, ""),
                     .string(19, ""), .string(24, "")] + podSpec),
    ])
}

// MARK: - Tests

@Suite("Kubernetes protobuf codec")
struct ProtobufCodecTests {
    let codec = KubernetesProtobufCodec.standard

    // MARK: Golden objects

    @Test("ConfigMap: metadata, string data (including empty and missing values) and binary data")
    func configMap() throws {
        let body = protobufBody(apiVersion: "v1", kind: "ConfigMap", [
            .objectMeta(name: "settings", namespace: "default", labels: ["app": "web"]),
            .entry(2, "greeting", .string(2, "hello")),
            .entry(2, "empty", .string(2, "")),
            .message(2, [.string(1, "missing")]),
            .entry(3, "blob", .bytes(2, [0, 1, 2, 255])),
        ])
        let expected: JSONValue = [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": "settings", "namespace": "default", "creationTimestamp": nil, "labels": ["app": "web"]],
            "data": ["greeting": "hello", "empty": "", "missing": ""],
            "binaryData": ["blob": "AAEC/w=="],
        ]
        #expect(try codec.decode(body) == expected)
    }

    @Test("Secret: binary data as base64, stringData, type and immutable")
    func secret() throws {
        let body = protobufBody(apiVersion: "v1", kind: "Secret", [
            .objectMeta(name: "creds", namespace: "prod"),
            .entry(2, "key", .bytes(2, [0xde, 0xad, 0xbe, 0xef])),
            .entry(2, "token", .bytes(2, Array("abc".utf8))),
            .message(2, [.string(1, "none")]),
            .entry(4, "plain", .string(2, "text")),
            .string(3, "Opaque"),
            .bool(5, true),
        ])
        let expected: JSONValue = [
            "apiVersion": "v1", "kind": "Secret",
            "metadata": ["name": "creds", "namespace": "prod", "creationTimestamp": nil],
            "data": ["key": "3q2+7w==", "token": "YWJj", "none": ""],
            "stringData": ["plain": "text"],
            "type": "Opaque",
            "immutable": true,
        ]
        #expect(try codec.decode(body) == expected)
    }

    @Test("Deployment: replicas, selector, strategy, and a container with ports, env, resources and probes")
    func deployment() throws {
        let web = container(name: "web", image: "nginx:1.27", extra: [
            .message(6, [.string(1, "http"), .int(2, 0), .int(3, 80), .string(4, "TCP"), .string(5, "")]),
            .message(7, [.string(1, "MODE"), .string(2, "prod")]),
            .message(7, [.string(1, "PASSWORD"), .string(2, ""), .message(3, [
                .message(4, [.message(1, [.string(1, "creds")]), .string(2, "password")]),
            ])]),
            .message(7, [.string(1, "POD"), .string(2, ""), .message(3, [
                .message(1, [.string(1, "v1"), .string(2, "metadata.name")]),
            ])]),
            .message(7, [.string(1, "LEVEL"), .string(2, ""), .message(3, [
                .message(3, [.message(1, [.string(1, "settings")]), .string(2, "level"), .bool(3, true)]),
            ])]),
            .message(8, [
                .entry(1, "cpu", .quantity(2, "500m")), .entry(1, "memory", .quantity(2, "128Mi")),
                .entry(2, "cpu", .quantity(2, "250m")),
            ]),
            .message(10, [
                .message(1, [.message(2, [.string(1, "/healthz"), .intOrString(2, int: 8080), .string(3, ""), .string(4, "HTTP")])]),
                .int(2, 5), .int(3, 0), .int(4, 10), .int(5, 0), .int(6, 0),
            ]),
            .message(11, [
                .message(1, [.message(3, [.intOrString(1, string: "http"), .string(2, "")])]),
                .int(2, 0), .int(3, 0), .int(4, 0), .int(5, 0), .int(6, 0),
            ]),
            .message(22, [
                .message(1, [.message(1, [.string(1, "cat"), .string(1, "/tmp/ready")])]),
                .int(2, 0), .int(3, 0), .int(4, 0), .int(5, 0), .int(6, 30), .int(7, 0),
            ]),
            .message(10, []),
            .string(14, "IfNotPresent"),
        ])
        let body = protobufBody(apiVersion: "apps/v1", kind: "Deployment", [
            .objectMeta(name: "web", namespace: "default", labels: ["app": "web"]),
            .message(2, [
                .int(1, 2),
                .message(2, PB.stringMap(1, ["app": "web"])),
                podTemplate(3, labels: ["app": "web"], [web, .int(4, 30)]),
                .message(4, [.string(1, "RollingUpdate"), .message(2, [
                    .intOrString(1, string: "25%"), .intOrString(2, int: 1),
                ])]),
                .int(5, 0), .int(6, 10), .bool(7, false), .int(9, 600),
            ]),
            .message(3, [.int(1, 0), .int(2, 0), .int(3, 0), .int(4, 0), .int(5, 0), .int(7, 0)]),
        ])
        let expected: JSONValue = [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": "web", "namespace": "default", "creationTimestamp": nil, "labels": ["app": "web"]],
            "spec": [
                "replicas": 2,
                "selector": ["matchLabels": ["app": "web"]],
                "template": [
                    "metadata": ["creationTimestamp": nil, "labels": ["app": "web"]],
                    "spec": [
                        "containers": [[
                            "name": "web", "image": "nginx:1.27",
                            "ports": [["name": "http", "containerPort": 80, "protocol": "TCP"]],
                            "env": [
                                ["name": "MODE", "value": "prod"],
                                ["name": "PASSWORD", "valueFrom": ["secretKeyRef": ["name": "creds", "key": "password"]]],
                                ["name": "POD", "valueFrom": ["fieldRef": ["apiVersion": "v1", "fieldPath": "metadata.name"]]],
                                ["name": "LEVEL", "valueFrom": ["configMapKeyRef": ["name": "settings", "key": "level", "optional": true]]],
                            ],
                            "resources": [
                                "limits": ["cpu": "500m", "memory": "128Mi"],
                                "requests": ["cpu": "250m"],
                            ],
                            // The second, empty livenessProbe occurrence merges into the first.
                            "livenessProbe": [
                                "httpGet": ["path": "/healthz", "port": 8080, "scheme": "HTTP"],
                                "initialDelaySeconds": 5, "periodSeconds": 10,
                            ],
                            "readinessProbe": ["tcpSocket": ["port": "http"]],
                            "startupProbe": [
                                "exec": ["command": ["cat", "/tmp/ready"]],
                                "failureThreshold": 30, "terminationGracePeriodSeconds": 0,
                            ],
                            "imagePullPolicy": "IfNotPresent",
                        ]],
                        "terminationGracePeriodSeconds": 30,
                    ],
                ],
                "strategy": ["type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": "25%", "maxSurge": 1]],
                "revisionHistoryLimit": 10,
                "progressDeadlineSeconds": 600,
            ],
            "status": [:],
        ]
        #expect(try codec.decode(body) == expected)
    }

    @Test("Job: pointer fields keep explicit zeros; the template carries command and restart policy")
    func job() throws {
        let hello = container(name: "hello", image: "busybox", extra: [.string(3, "echo"), .string(3, "hi")])
        let body = protobufBody(apiVersion: "batch/v1", kind: "Job", [
            .objectMeta(name: "hello", namespace: "default"),
            .message(2, [
                .int(1, 1), .int(2, 1), .int(7, 0), .bool(10, false), .int(8, 100),
                podTemplate(6, labels: [:], [hello, .string(3, "Never")]),
            ]),
            .message(3, [.int(4, 0), .int(5, 0), .int(6, 0), .string(7, "")]),
        ])
        let expected: JSONValue = [
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": ["name": "hello", "namespace": "default", "creationTimestamp": nil],
            "spec": [
                "parallelism": 1, "completions": 1, "backoffLimit": 0, "suspend": false, "ttlSecondsAfterFinished": 100,
                "template": [
                    "metadata": ["creationTimestamp": nil],
                    "spec": [
                        "containers": [["name": "hello", "image": "busybox", "command": ["echo", "hi"], "resources": [:]]],
                        "restartPolicy": "Never",
                    ],
                ],
            ],
            "status": [:],
        ]
        #expect(try codec.decode(body) == expected)
    }

    @Test("RoleBinding: subjects and roleRef, with roleRef's fields kept even when empty")
    func roleBinding() throws {
        let body = protobufBody(apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", [
            .objectMeta(name: "readers", namespace: "team"),
            .message(2, [.string(1, "User"), .string(2, "rbac.authorization.k8s.io"), .string(3, "alice"), .string(4, "")]),
            .message(2, [.string(1, "ServiceAccount"), .string(2, ""), .string(3, "robot"), .string(4, "team")]),
            .message(3, [.string(1, "rbac.authorization.k8s.io"), .string(2, "Role"), .string(3, "reader")]),
        ])
        let expected: JSONValue = [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": ["name": "readers", "namespace": "team", "creationTimestamp": nil],
            "subjects": [
                ["kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"],
                ["kind": "ServiceAccount", "name": "robot", "namespace": "team"],
            ],
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"],
        ]
        #expect(try codec.decode(body) == expected)
    }

    @Test("Lease: MicroTime keeps six fractional digits, truncated like Go")
    func lease() throws {
        let body = protobufBody(apiVersion: "coordination.k8s.io/v1", kind: "Lease", [
            .objectMeta(name: "leader", namespace: "kube-system"),
            .message(2, [
                .string(1, "node-1"), .int(2, 40),
                .time(3, seconds: 1_764_380_000, nanos: 999_999_999),
                .time(4, seconds: 1_764_380_082, nanos: 123_456_789),
                .int(5, 0),
            ]),
        ])
        let expected: JSONValue = [
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": ["name": "leader", "namespace": "kube-system", "creationTimestamp": nil],
            "spec": [
                "holderIdentity": "node-1", "leaseDurationSeconds": 40,
                "acquireTime": "2025-11-29T01:33:20.999999Z", "renewTime": "2025-11-29T01:34:42.123456Z",
                "leaseTransitions": 0,
            ],
        ]
        #expect(try codec.decode(body) == expected)
    }

    @Test("Service: ports with an int target port, selector, type, and the empty load balancer status")
    func service() throws {
        let body = protobufBody(apiVersion: "v1", kind: "Service", [
            .objectMeta(name: "web", namespace: "default", labels: ["app": "web"]),
            .message(2, [
                .message(1, [.string(1, "80-8080"), .string(2, "TCP"), .int(3, 80), .intOrString(4, int: 8080), .int(5, 0)]),
            ] + PB.stringMap(2, ["app": "web"]) + [
                .string(3, ""), .string(4, "ClusterIP"), .string(7, ""), .string(8, ""), .string(10, ""), .string(11, ""),
                .int(12, 0), .bool(13, false),
            ]),
            .message(3, [.message(1, [])]),
        ])
        let expected: JSONValue = [
            "apiVersion": "v1", "kind": "Service",
            "metadata": ["name": "web", "namespace": "default", "creationTimestamp": nil, "labels": ["app": "web"]],
            "spec": [
                "ports": [["name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080]],
                "selector": ["app": "web"],
                "type": "ClusterIP",
            ],
            "status": ["loadBalancer": [:]],
        ]
        #expect(try codec.decode(body) == expected)
    }

    @Test("ResourceQuota: hard limits as quantity strings")
    func resourceQuota() throws {
        let body = protobufBody(apiVersion: "v1", kind: "ResourceQuota", [
            .objectMeta(name: "q", namespace: "default"),
            .message(2, [.entry(1, "pods", .quantity(2, "3")), .entry(1, "requests.cpu", .quantity(2, "2")),
                         .message(1, [.string(1, "zero")])]),
            .message(3, []),
        ])
        let decoded = try codec.decode(body)
        #expect(decoded["spec"] == ["hard": ["pods": "3", "requests.cpu": "2", "zero": "0"]])
        #expect(decoded["status"] == [:])
    }

    // MARK: Semantics

    @Test("Time fields keep whole seconds, and an empty Time is null")
    func times() throws {
        let body = protobufBody(apiVersion: "v1", kind: "ConfigMap", [
            .objectMeta(name: "t", extra: [.time(9, seconds: 1_764_380_082, nanos: 500_000_000), .int(10, 30)]),
        ])
        let metadata = try codec.decode(body)["metadata"]
        #expect(metadata?["creationTimestamp"] == .null)
        #expect(metadata?["deletionTimestamp"] == "2025-11-29T01:34:42Z")
        #expect(metadata?["deletionGracePeriodSeconds"] == 30)
    }

    @Test("omitempty value fields drop their zero values; pointer fields keep them")
    func zeroValues() throws {
        let body = protobufBody(apiVersion: "apps/v1", kind: "Deployment", [
            .objectMeta(name: "zero"),
            .message(2, [.int(1, 0), .int(5, 0), .bool(7, false), .int(6, 0), .message(4, [.string(1, "")])]),
        ])
        let decoded = try codec.decode(body)
        #expect(decoded["metadata"] == ["name": "zero", "creationTimestamp": nil])
        #expect(decoded["spec"] == ["replicas": 0, "revisionHistoryLimit": 0, "strategy": [:]])
    }

    @Test("negative int32 and int64 values decode from their ten-byte varints")
    func negativeIntegers() throws {
        let body = protobufBody(apiVersion: "v1", kind: "Pod", [
            .objectMeta(name: "p"),
            .message(2, [.int(25, -5), .message(14, [.int(2, -1)])]),
        ])
        let spec = try codec.decode(body)["spec"]
        #expect(spec?["priority"] == -5)
        #expect(spec?["securityContext"]?["runAsUser"] == -1)
    }

    @Test("repeated scalars decode the same packed and unpacked")
    func packedAndUnpacked() throws {
        func groups(_ field: PB...) throws -> JSONValue? {
            let body = protobufBody(apiVersion: "v1", kind: "Pod", [.objectMeta(name: "p"), .message(2, [.message(14, field)])])
            return try codec.decode(body)["spec"]?["securityContext"]?["supplementalGroups"]
        }
        #expect(try groups(.packed(4, [1000, 2000])) == [1000, 2000])
        #expect(try groups(.int(4, 1000), .int(4, 2000)) == [1000, 2000])
        #expect(try groups(.packed(4, [1000]), .int(4, 2000), .packed(4, [3000])) == [1000, 2000, 3000])
    }

    @Test("a message field repeated on the wire is merged; a scalar keeps its last value")
    func merging() throws {
        let body = protobufBody(apiVersion: "v1", kind: "ConfigMap", [
            .message(1, [.string(1, "first"), .string(3, "ns")]),
            .message(1, [.string(1, "second")] + PB.stringMap(11, ["a": "1"])),
            .message(1, PB.stringMap(11, ["b": "2"])),
        ])
        #expect(try codec.decode(body)["metadata"] == ["name": "second", "namespace": "ns", "labels": ["a": "1", "b": "2"]])
    }

    @Test("inline messages merge their fields into the enclosing object")
    func inlineFields() throws {
        let body = protobufBody(apiVersion: "v1", kind: "Pod", [
            .objectMeta(name: "p"),
            .message(2, [
                .message(1, [.string(1, "cfg"), .message(2, [.message(19, [.message(1, [.string(1, "settings")]), .int(3, 420)])])]),
                .message(1, [.string(1, "scratch"), .message(2, [.message(2, [.string(1, ""), .quantity(2, "1Gi")])])]),
                .message(1, [.string(1, "data"), .message(2, [.message(10, [.string(1, "claim"), .bool(2, false)])])]),
            ]),
        ])
        #expect(try codec.decode(body)["spec"]?["volumes"] == [
            ["name": "cfg", "configMap": ["name": "settings", "defaultMode": 420]],
            ["name": "scratch", "emptyDir": ["sizeLimit": "1Gi"]],
            ["name": "data", "persistentVolumeClaim": ["claimName": "claim"]],
        ])
    }

    @Test("managed fields carry their FieldsV1 JSON")
    func managedFields() throws {
        let fields = #"{"f:data":{"f:a":{}}}"#
        let body = protobufBody(apiVersion: "v1", kind: "ConfigMap", [
            .objectMeta(name: "m", extra: [.message(17, [
                .string(1, "kubectl"), .string(2, "Update"), .string(3, "v1"), .time(4, seconds: 1_764_380_082),
                .string(6, "FieldsV1"), .message(7, [.bytes(1, Array(fields.utf8))]), .string(8, ""),
            ])]),
        ])
        #expect(try codec.decode(body)["metadata"]?["managedFields"] == [[
            "manager": "kubectl", "operation": "Update", "apiVersion": "v1", "time": "2025-11-29T01:34:42Z",
            "fieldsType": "FieldsV1", "fieldsV1": ["f:data": ["f:a": [:]]],
        ]])
    }

    @Test("DeleteOptions decode in whichever group version the client sends them")
    func deleteOptions() throws {
        for apiVersion in ["v1", "apps/v1", "meta.k8s.io/v1"] {
            let body = protobufBody(apiVersion: apiVersion, kind: "DeleteOptions", [
                .int(1, 0), .message(2, [.string(1, "uid-1")]), .string(4, "Foreground"), .string(5, "All"),
            ])
            #expect(try codec.decode(body) == [
                "apiVersion": .string(apiVersion), "kind": "DeleteOptions",
                "gracePeriodSeconds": 0, "preconditions": ["uid": "uid-1"], "propagationPolicy": "Foreground", "dryRun": ["All"],
            ])
        }
    }

    @Test("the schema tables are consistent: no duplicate numbers, no dangling message references")
    func schemaIsSound() {
        #expect(ProtobufSchemaSet.kubernetes.problems == [])
        #expect(ProtobufSchemaSet.kubernetes.kinds.count == 18)
    }

    @Test("the consistency check reports broken tables")
    func schemaProblemsAreReported() {
        let broken = ProtobufSchemaSet(
            messages: [
                ProtobufMessageSchema("t.A", [
                    .field(1, "a", .string), .field(1, "b", .string), .field(2, "a", .int32),
                    .field(3, "c", .message("t.Missing")), .omitEmpty(4, "d", .message("t.A")),
                    ProtobufFieldSchema(number: 5, jsonName: "", kind: .string, cardinality: .inline),
                ]),
                ProtobufMessageSchema("t.A", []),
            ],
            kinds: [ProtobufSchemaSet.Kind(apiVersion: "v1", kind: "Gone"): "t.Gone"])
        #expect(broken.problems == [
            "message t.A is declared twice",
            "t.A: field number 1 is declared twice",
            "t.A: JSON name a is declared twice",
            "t.A.c: unknown message t.Missing",
            "t.A.d: omitEmpty needs a string, bool or integer",
            "t.A: inline field 5 is not a message",
            "kind v1, Kind=Gone names unknown message t.Gone",
        ])
    }

    @Test("the Content-Type check accepts the protobuf media type with parameters, and nothing else", arguments: [
        ("application/vnd.kubernetes.protobuf", true),
        ("application/vnd.kubernetes.protobuf; charset=utf-8", true),
        ("Application/VND.Kubernetes.Protobuf", true),
        ("application/vnd.kubernetes.protobuf;stream=watch", true),
        ("application/json", false),
        ("application/vnd.kubernetes.protobuf+json", false),
        ("application/apply-patch+yaml", false),
    ])
    func contentTypes(_ contentType: String, _ isProtobuf: Bool) {
        #expect(KubernetesProtobufCodec.isProtobuf(contentType: contentType) == isProtobuf)
    }

    // MARK: Refusals

    @Test("an unknown field number inside a known message is a 400 naming the message and the number")
    func unknownField() {
        let error = protobufError(protobufBody(apiVersion: "v1", kind: "ConfigMap", [.objectMeta(name: "x"), .string(99, "?")]))
        #expect(error?.code == 400)
        #expect(error?.reason == .badRequest)
        #expect(error?.message == "unable to decode application/vnd.kubernetes.protobuf body of kind \"v1, Kind=ConfigMap\": "
            + "unknown field number 99 in protobuf message core/v1.ConfigMap; the server does not decode it")
    }

    @Test("an unknown field deep inside an object names its path")
    func unknownNestedField() {
        let body = protobufBody(apiVersion: "apps/v1", kind: "Deployment", [
            .objectMeta(name: "x"),
            .message(2, [podTemplate(3, labels: [:], [container(name: "a", image: "b", extra: [.message(25, [])])])]),
        ])
        let error = protobufError(body)
        #expect(error?.code == 400)
        #expect(error?.message.contains("unknown field number 25 in protobuf message core/v1.Container at spec.template.spec.containers[0]") == true)
    }

    @Test("a kind the server does not decode is a 415 naming the kind")
    func unsupportedKind() {
        let error = protobufError(protobufBody(apiVersion: "apps/v1", kind: "StatefulSet", [.objectMeta(name: "x")]))
        #expect(error?.code == 415)
        #expect(error?.reason == .unsupportedMediaType)
        #expect(error?.message == "the server cannot decode application/vnd.kubernetes.protobuf bodies of kind "
            + "\"apps/v1, Kind=StatefulSet\"; send it as application/json or application/yaml")
    }

    @Test("a compressed body is a 415")
    func contentEncoding() {
        let error = protobufError(protobufBody(apiVersion: "v1", kind: "ConfigMap", [], contentEncoding: "gzip"))
        #expect(error?.code == 415)
        #expect(error?.message.contains("gzip") == true)
    }

    @Test("a body without the k8s magic is a 400 with kube-apiserver's message")
    func missingMagic() {
        let error = protobufError(Data([0x0a, 0x00]))
        #expect(error?.code == 400)
        #expect(error?.message == "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]")
    }

    struct MalformedCase: Sendable, CustomTestStringConvertible {
        let name: String
        let object: [UInt8]
        let fragment: String
        var testDescription: String { name }
    }

    @Test("malformed objects are a 400 that says what is wrong", arguments: [
        MalformedCase(name: "truncated", object: [0x0a, 0x05, 0x0a], fragment: "malformed protobuf in core/v1.ConfigMap: unexpected end of data"),
        MalformedCase(name: "wire type mismatch", object: PB.encode([.message(1, [.int(1, 7)])]),
                      fragment: "field 1 of protobuf message meta/v1.ObjectMeta at metadata.name has unexpected wire type varint"),
        MalformedCase(name: "invalid UTF-8", object: PB.encode([.message(1, [.bytes(1, [0xff, 0xfe])])]),
                      fragment: "string is not valid UTF-8"),
        MalformedCase(name: "impossible IntOrString type", object: PB.encode([.message(2, [.message(1, [.message(4, [.varint(1, 2)])])])]),
                      fragment: "IntOrString has impossible type 2"),
        MalformedCase(name: "timestamp nanos out of range", object: PB.encode([.message(1, [.message(9, [.int(1, 1), .int(2, 1_000_000_000)])])]),
                      fragment: "timestamp nanos 1000000000 out of range"),
        MalformedCase(name: "map entry with a third field", object: PB.encode([.message(2, [.string(1, "k"), .string(2, "v"), .string(3, "?")])]),
                      fragment: "map entry has unknown field number 3"),
    ])
    func malformed(_ example: MalformedCase) {
        let kind = example.name == "impossible IntOrString type" ? "Service" : "ConfigMap"
        var bytes = KubernetesProtobufCodec.magic
        bytes += PB.encode([.message(1, [.string(1, "v1"), .string(2, kind)]), .bytes(2, example.object)])
        let error = protobufError(Data(bytes))
        #expect(error?.code == 400)
        #expect(error?.message.contains(example.fragment) == true, "\(error?.message ?? "no error")")
    }

    @Test("a malformed envelope is a 400")
    func malformedEnvelope() {
        let error = protobufError(Data(KubernetesProtobufCodec.magic + PB.encode([.string(7, "?")])))
        #expect(error?.code == 400)
        #expect(error?.message == "unable to decode application/vnd.kubernetes.protobuf envelope: unknown field number 7 in runtime.Unknown")
    }
}
