//! Request bodies in `application/vnd.kubernetes.protobuf`: the `k8s\0` magic,
//! the `runtime.Unknown` envelope {1: typeMeta {1: apiVersion, 2: kind}, 2: raw,
//! 3: contentEncoding, 4: contentType}, and the object message inside it, decoded
//! to the same JSON a JSON client would have sent. Failures are `APIError`s:
//! 415 for kinds or encodings the server does not decode, 400 for malformed data
//! and for fields the schema does not know.
import Foundation
import KubeCore

/// Decodes Kubernetes protobuf request bodies into `JSONValue` objects.
public struct KubernetesProtobufCodec: Sendable {
    /// The media type kubectl and client-go send for built-in kinds.
    public static let mediaType = "application/vnd.kubernetes.protobuf"

    /// The four bytes every Kubernetes protobuf body starts with: `k8s\0`.
    public static let magic: [UInt8] = [0x6b, 0x38, 0x73, 0x00]

    /// The codec over every kind the local API server knows (`ProtobufSchemaSet.kubernetes`).
    public static let standard = KubernetesProtobufCodec(schemas: .kubernetes)

    public let schemas: ProtobufSchemaSet
    private let decoder: ProtobufMessageDecoder

    public init(schemas: ProtobufSchemaSet) {
        self.schemas = schemas
        self.decoder = ProtobufMessageDecoder(schemas: schemas)
    }

    /// Whether a Content-Type header names the Kubernetes protobuf media type (parameters ignored).
    public static func isProtobuf(contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        return mediaType == Self.mediaType
    }

    /// The `runtime.Unknown` envelope of a body.
    public struct Envelope: Sendable, Equatable {
        public var apiVersion: String
        public var kind: String
        /// The object's own message, without type information.
        public var raw: ArraySlice<UInt8>
        public var contentEncoding: String
        public var contentType: String
    }

    /// Splits a body into its envelope. Throws 400 for a missing magic number or a malformed envelope.
    public func envelope(_ body: Data) throws(APIError) -> Envelope {
        let bytes = [UInt8](body)
        guard bytes.starts(with: Self.magic) else {
            throw APIError.badRequest("provided data does not appear to be a protobuf message, expected prefix [\(Self.magic.map(String.init).joined(separator: " "))]")
        }
        var envelope = Envelope(apiVersion: "", kind: "", raw: [], contentEncoding: "", contentType: "")
        do {
            for field in try ProtobufWireReader.fields(in: bytes[Self.magic.count...]) {
                switch (field.number, field.value) {
                case (1, .lengthDelimited(let typeMeta)):
                    for inner in try ProtobufWireReader.fields(in: typeMeta) {
                        switch (inner.number, inner.value) {
                        case (1, .lengthDelimited(let text)): envelope.apiVersion = try Self.string(text)
                        case (2, .lengthDelimited(let text)): envelope.kind = try Self.string(text)
                        default: throw Self.malformed("unknown field number \(inner.number) in runtime.TypeMeta")
                        }
                    }
                case (2, .lengthDelimited(let raw)): envelope.raw = raw
                case (3, .lengthDelimited(let text)): envelope.contentEncoding = try Self.string(text)
                case (4, .lengthDelimited(let text)): envelope.contentType = try Self.string(text)
                default: throw Self.malformed("unknown field number \(field.number) in runtime.Unknown")
                }
            }
        } catch let error as APIError {
            throw error
        } catch {
            throw Self.malformed("\(error)")
        }
        return envelope
    }

    /// Decodes a protobuf request body into the object it carries, with
    /// `apiVersion` and `kind` taken from the envelope.
    ///
    /// - Throws: `APIError` 415 (`UnsupportedMediaType`) when the kind or the content
    ///   encoding is not supported, naming the kind; 400 (`BadRequest`) when the data
    ///   is malformed or holds a field number the schema does not know, naming the
    ///   message and the field number.
    public func decode(_ body: Data) throws(APIError) -> JSONValue {
        let envelope = try envelope(body)
        guard !envelope.kind.isEmpty else {
            throw APIError.badRequest("the protobuf envelope does not name the kind of the object")
        }
        let kindName = ProtobufSchemaSet.Kind(apiVersion: envelope.apiVersion, kind: envelope.kind)
        guard envelope.contentEncoding.isEmpty else {
            throw APIError.unsupportedMediaType(
                "content encoding \"\(envelope.contentEncoding)\" of the protobuf body of kind \"\(kindName)\" is not supported")
        }
        guard envelope.contentType.isEmpty || Self.isProtobuf(contentType: envelope.contentType) else {
            throw APIError.unsupportedMediaType(
                "content type \"\(envelope.contentType)\" inside the protobuf body of kind \"\(kindName)\" is not supported")
        }
        guard let message = schemas.message(apiVersion: envelope.apiVersion, kind: envelope.kind) else {
            throw APIError.unsupportedMediaType(
                "the server cannot decode \(Self.mediaType) bodies of kind \"\(kindName)\"; send it as application/json or application/yaml")
        }
        var object: JSONObject
        do {
            object = try decoder.decode(envelope.raw, as: message)
        } catch {
            throw APIError.badRequest("unable to decode \(Self.mediaType) body of kind \"\(kindName)\": \(error)")
        }
        object["apiVersion"] = .string(envelope.apiVersion)
        object["kind"] = .string(envelope.kind)
        return .object(object)
    }

    private static func string(_ bytes: ArraySlice<UInt8>) throws(APIError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw malformed("runtime.Unknown holds a string that is not valid UTF-8")
        }
        return text
    }

    private static func malformed(_ detail: String) -> APIError {
        APIError.badRequest("unable to decode \(mediaType) envelope: \(detail)")
    }
}
