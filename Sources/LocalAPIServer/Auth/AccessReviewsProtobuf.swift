//! The review kinds in `application/vnd.kubernetes.protobuf`, which kubectl's
//! typed clients send (`kubectl auth can-i`, `auth whoami`): the `k8s\0` magic,
//! the `runtime.Unknown` envelope {1: typeMeta {1: apiVersion, 2: kind}, 2: raw,
//! 3: contentEncoding, 4: contentType} and the review message inside it, decoded
//! into the JSON a JSON client would have sent. Field numbers are those of the
//! upstream `generated.proto` of authorization/v1 and authentication/v1; fields
//! a review does not use (label and field selector attributes, most of
//! ObjectMeta) are skipped.
import Foundation
import KubeCore

enum AccessReviewProtobuf {
    static let mediaType = "application/vnd.kubernetes.protobuf"
    private static let magic: [UInt8] = [0x6b, 0x38, 0x73, 0x00]

    static func isProtobuf(contentType: String) -> Bool {
        contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } == mediaType
    }

    /// How one field of a message maps to JSON.
    private indirect enum Field {
        case string(String)
        case strings(String)
        case message(String, Message)
        case stringMap(String)
        /// `map<string, ExtraValue>` where ExtraValue is {1: repeated string items}.
        case extraMap(String)
    }

    private struct Message {
        var fields: [Int: Field]
    }

    private static let objectMeta = Message(fields: [
        1: .string("name"), 2: .string("generateName"), 3: .string("namespace"),
        11: .stringMap("labels"), 12: .stringMap("annotations"),
    ])
    private static let resourceAttributes = Message(fields: [
        1: .string("namespace"), 2: .string("verb"), 3: .string("group"), 4: .string("version"),
        5: .string("resource"), 6: .string("subresource"), 7: .string("name"),
    ])
    private static let nonResourceAttributes = Message(fields: [1: .string("path"), 2: .string("verb")])
    private static let subjectAccessReviewSpec = Message(fields: [
        1: .message("resourceAttributes", resourceAttributes), 2: .message("nonResourceAttributes", nonResourceAttributes),
        3: .string("user"), 4: .strings("groups"), 5: .extraMap("extra"), 6: .string("uid"),
    ])
    private static let selfSubjectAccessReviewSpec = Message(fields: [
        1: .message("resourceAttributes", resourceAttributes), 2: .message("nonResourceAttributes", nonResourceAttributes),
    ])

    /// The top-level messages by kind: metadata, spec (status is ignored on create).
    private static let kinds: [String: Message] = [
        "SelfSubjectAccessReview": Message(fields: [1: .message("metadata", objectMeta), 2: .message("spec", selfSubjectAccessReviewSpec)]),
        "SubjectAccessReview": Message(fields: [1: .message("metadata", objectMeta), 2: .message("spec", subjectAccessReviewSpec)]),
        "LocalSubjectAccessReview": Message(fields: [1: .message("metadata", objectMeta), 2: .message("spec", subjectAccessReviewSpec)]),
        "SelfSubjectRulesReview": Message(fields: [1: .message("metadata", objectMeta), 2: .message("spec", Message(fields: [1: .string("namespace")]))]),
        "TokenReview": Message(fields: [
            1: .message("metadata", objectMeta),
            2: .message("spec", Message(fields: [1: .string("token"), 2: .strings("audiences")])),
        ]),
        "SelfSubjectReview": Message(fields: [1: .message("metadata", objectMeta)]),
    ]

    /// Decodes a protobuf review body into its JSON object. A kind that is not a
    /// review answers 415; malformed data answers 400.
    static func decode(_ data: Data) throws -> JSONValue {
        let bytes = [UInt8](data)
        guard bytes.count >= magic.count, Array(bytes.prefix(magic.count)) == magic else {
            throw APIError.badRequest("the body of the request is not a Kubernetes protobuf object (missing the k8s\\0 prefix)")
        }
        var apiVersion = ""
        var kind = ""
        var raw: ArraySlice<UInt8> = []
        var encoding = ""
        try forEachField(bytes[magic.count...]) { number, value in
            switch (number, value) {
            case (1, .bytes(let typeMeta)):
                try forEachField(typeMeta) { number, value in
                    if case .bytes(let text) = value {
                        if number == 1 { apiVersion = try string(text) }
                        if number == 2 { kind = try string(text) }
                    }
                }
            case (2, .bytes(let body)): raw = body
            case (3, .bytes(let text)): encoding = try string(text)
            default: break
            }
        }
        guard encoding.isEmpty, let message = kinds[kind] else {
            throw APIError.unsupportedMediaType("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml")
        }
        var object = try decode(raw, message)
        object["apiVersion"] = .string(apiVersion)
        object["kind"] = .string(kind)
        return .object(object)
    }

    private static func decode(_ bytes: ArraySlice<UInt8>, _ message: Message) throws -> JSONObject {
        var object: JSONObject = [:]
        try forEachField(bytes) { number, value in
            guard let field = message.fields[number], case .bytes(let payload) = value else { return }
            switch field {
            case .string(let name):
                let text = try string(payload)
                if !text.isEmpty { object[name] = .string(text) }
            case .strings(let name):
                let items = object[name]?.arrayValue ?? []
                object[name] = .array(items + [.string(try string(payload))])
            case .message(let name, let inner):
                object[name] = .object(try decode(payload, inner))
            case .stringMap(let name):
                let (key, entry) = try mapEntry(payload)
                var map = object[name]?.objectValue ?? [:]
                map[key] = .string(try entry.map(string) ?? "")
                object[name] = .object(map)
            case .extraMap(let name):
                let (key, entry) = try mapEntry(payload)
                var items: [JSONValue] = []
                if let entry {
                    try forEachField(entry) { number, value in
                        if number == 1, case .bytes(let text) = value { items.append(.string(try string(text))) }
                    }
                }
                var map = object[name]?.objectValue ?? [:]
                map[key] = .array(items)
                object[name] = .object(map)
            }
        }
        return object
    }

    /// A map entry message {1: key, 2: value}.
    private static func mapEntry(_ bytes: ArraySlice<UInt8>) throws -> (String, ArraySlice<UInt8>?) {
        var key = ""
        var value: ArraySlice<UInt8>?
        try forEachField(bytes) { number, field in
            guard case .bytes(let payload) = field else { return }
            if number == 1 { key = try string(payload) }
            if number == 2 { value = payload }
        }
        return (key, value)
    }

    private static func string(_ bytes: ArraySlice<UInt8>) throws -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw APIError.badRequest("the protobuf body holds a string that is not valid UTF-8")
        }
        return text
    }

    // MARK: Wire format

    private enum WireValue {
        case varint(UInt64)
        case bytes(ArraySlice<UInt8>)
        case fixed
    }

    /// Calls `body` with each field of a message, in order.
    private static func forEachField(_ bytes: ArraySlice<UInt8>, _ body: (Int, WireValue) throws -> Void) throws {
        var index = bytes.startIndex
        func varint() throws -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while index < bytes.endIndex, shift < 64 {
                let byte = bytes[index]
                index += 1
                result |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { return result }
                shift += 7
            }
            throw APIError.badRequest("the protobuf body is truncated or malformed")
        }
        func skip(_ count: Int) throws {
            guard count >= 0, bytes.endIndex - index >= count else {
                throw APIError.badRequest("the protobuf body is truncated or malformed")
            }
            index += count
        }
        while index < bytes.endIndex {
            let key = try varint()
            let number = Int(key >> 3)
            switch key & 0x7 {
            case 0: try body(number, .varint(try varint()))
            case 1:
                try skip(8)
                try body(number, .fixed)
            case 2:
                let length = try varint()
                guard length <= UInt64(bytes.endIndex - index) else {
                    throw APIError.badRequest("the protobuf body is truncated or malformed")
                }
                let start = index
                index += Int(length)
                try body(number, .bytes(bytes[start..<index]))
            case 5:
                try skip(4)
                try body(number, .fixed)
            default:
                throw APIError.badRequest("the protobuf body uses an unsupported wire type \(key & 0x7)")
            }
        }
    }
}
