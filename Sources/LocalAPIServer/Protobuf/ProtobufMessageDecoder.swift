//! Schema-driven decoding of protobuf messages into `JSONValue`, producing the
//! JSON that Go's encoder would write for the same Kubernetes object. Pure: bytes
//! and a `ProtobufSchemaSet` in, a JSON tree or a `ProtobufDecodingError` out.
import Foundation
import KubeCore

/// Why a message could not be decoded. Every case names the message (and the
/// JSON path inside the object) so the client can tell what the server refused.
public enum ProtobufDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes are not valid protobuf.
    case malformed(ProtobufWireError, message: String, path: String)
    /// A field number the schema does not know: decoding it would drop data.
    case unknownField(Int, message: String, path: String)
    /// A known field arrived with a wire type its kind cannot have.
    case wireTypeMismatch(field: Int, message: String, path: String, got: ProtobufWireType)
    /// A value is not valid for its kind (bad UTF-8, an IntOrString type out of range, JSON that does not parse).
    case invalidValue(field: Int, message: String, path: String, reason: String)
    /// The schema refers to a message it does not declare (a bug in the tables).
    case undeclaredMessage(String)

    public var description: String {
        switch self {
        case .malformed(let error, let message, let path):
            "malformed protobuf in \(message)\(Self.at(path)): \(error)"
        case .unknownField(let number, let message, let path):
            "unknown field number \(number) in protobuf message \(message)\(Self.at(path)); the server does not decode it"
        case .wireTypeMismatch(let field, let message, let path, let got):
            "field \(field) of protobuf message \(message)\(Self.at(path)) has unexpected wire type \(got)"
        case .invalidValue(let field, let message, let path, let reason):
            "field \(field) of protobuf message \(message)\(Self.at(path)): \(reason)"
        case .undeclaredMessage(let name):
            "protobuf message \(name) is not declared"
        }
    }

    private static func at(_ path: String) -> String { path.isEmpty ? "" : " at \(path)" }
}

/// Decodes protobuf messages described by a `ProtobufSchemaSet`.
///
/// Semantics follow Kubernetes' generated Go code:
/// - a field repeated on the wire keeps its last value; a message field repeated on
///   the wire is merged (its payloads are concatenated, as protobuf specifies);
/// - repeated scalars may be packed or not;
/// - map entries missing their key or value get the zero value; later keys win;
/// - any field number the schema does not list is an error, never skipped.
public struct ProtobufMessageDecoder: Sendable {
    public let schemas: ProtobufSchemaSet

    public init(schemas: ProtobufSchemaSet) {
        self.schemas = schemas
    }

    /// Decodes `bytes` as the message named `message`.
    /// - Parameter path: the JSON path of the message inside the object, for error messages.
    public func decode(_ bytes: ArraySlice<UInt8>, as message: String, path: String = "") throws(ProtobufDecodingError) -> JSONObject {
        guard let schema = schemas.messages[message] else { throw .undeclaredMessage(message) }
        let wireFields: [ProtobufWireField]
        do {
            wireFields = try ProtobufWireReader.fields(in: bytes)
        } catch {
            throw .malformed(error, message: message, path: path)
        }
        // Group the occurrences of each field, keeping the order of first appearance.
        var order: [Int] = []
        var occurrences: [Int: [ProtobufWireValue]] = [:]
        for field in wireFields {
            guard schema.fieldsByNumber[field.number] != nil else {
                throw .unknownField(field.number, message: message, path: path)
            }
            if occurrences[field.number] == nil { order.append(field.number) }
            occurrences[field.number, default: []].append(field.value)
        }
        var object: JSONObject = [:]
        for number in order {
            guard let field = schema.fieldsByNumber[number], let values = occurrences[number] else { continue }
            let context = Context(message: message, field: field, path: Self.join(path, field.jsonName))
            switch field.cardinality {
            case .single, .omitEmpty:
                let value = try single(values, field.kind, context)
                if field.cardinality == .omitEmpty, Self.isZero(value) { continue }
                object[field.jsonName] = value
            case .inline:
                let inlined = try single(values, field.kind, Context(message: message, field: field, path: path))
                for (key, value) in inlined.objectValue ?? [:] { object[key] = value }
            case .repeated:
                let items = try repeated(values, field.kind, context)
                if !items.isEmpty { object[field.jsonName] = .array(items) }
            case .map:
                let entries = try map(values, field.kind, context)
                if !entries.isEmpty { object[field.jsonName] = .object(entries) }
            }
        }
        return object
    }

    // MARK: Cardinalities

    private struct Context {
        let message: String
        let field: ProtobufFieldSchema
        let path: String

        func invalid(_ reason: String) -> ProtobufDecodingError {
            .invalidValue(field: field.number, message: message, path: path, reason: reason)
        }

        func mismatch(_ value: ProtobufWireValue) -> ProtobufDecodingError {
            .wireTypeMismatch(field: field.number, message: message, path: path, got: value.wireType)
        }
    }

    /// One value from every occurrence of a non-repeated field.
    private func single(_ values: [ProtobufWireValue], _ kind: ProtobufValueKind, _ context: Context) throws(ProtobufDecodingError) -> JSONValue {
        if Self.isLengthDelimitedMessage(kind), values.count > 1 {
            // Protobuf merges repeated occurrences of a message field; concatenating the payloads does exactly that.
            var merged: [UInt8] = []
            for value in values {
                guard case .lengthDelimited(let payload) = value else { throw context.mismatch(value) }
                merged.append(contentsOf: payload)
            }
            return try decodeValue(.lengthDelimited(merged[...]), kind, context)
        }
        guard let last = values.last else { return .null }
        return try decodeValue(last, kind, context)
    }

    private func repeated(_ values: [ProtobufWireValue], _ kind: ProtobufValueKind, _ context: Context) throws(ProtobufDecodingError) -> [JSONValue] {
        var items: [JSONValue] = []
        for value in values {
            let itemContext = Context(message: context.message, field: context.field, path: context.path + "[\(items.count)]")
            if case .lengthDelimited(let payload) = value, Self.isVarintScalar(kind) {
                // Packed encoding: one payload holding many varints.
                let numbers: [UInt64]
                do {
                    numbers = try ProtobufWireReader.packedVarints(payload)
                } catch {
                    throw .malformed(error, message: context.message, path: context.path)
                }
                for number in numbers { items.append(try decodeValue(.varint(number), kind, itemContext)) }
            } else {
                items.append(try decodeValue(value, kind, itemContext))
            }
        }
        return items
    }

    private func map(_ values: [ProtobufWireValue], _ kind: ProtobufValueKind, _ context: Context) throws(ProtobufDecodingError) -> JSONObject {
        var entries: JSONObject = [:]
        for value in values {
            guard case .lengthDelimited(let payload) = value else { throw context.mismatch(value) }
            let fields: [ProtobufWireField]
            do {
                fields = try ProtobufWireReader.fields(in: payload)
            } catch {
                throw .malformed(error, message: context.message, path: context.path)
            }
            var key: ProtobufWireValue?
            var entryValues: [ProtobufWireValue] = []
            for field in fields {
                switch field.number {
                case 1: key = field.value
                case 2: entryValues.append(field.value)
                default: throw context.invalid("map entry has unknown field number \(field.number)")
                }
            }
            let keyString: String
            switch key {
            case nil: keyString = ""
            case .lengthDelimited(let bytes)?: keyString = try Self.utf8(bytes, context)
            case let other?: throw context.mismatch(other)
            }
            let valueContext = Context(message: context.message, field: context.field, path: context.path + "[\(keyString)]")
            let decoded: JSONValue = entryValues.isEmpty
                ? try zeroValue(kind, valueContext)
                : try single(entryValues, kind, valueContext)
            entries[keyString] = decoded
        }
        return entries
    }

    // MARK: Values

    /// The JSON value of a missing map value (Go's zero value for the type).
    private func zeroValue(_ kind: ProtobufValueKind, _ context: Context) throws(ProtobufDecodingError) -> JSONValue {
        switch kind {
        case .string, .bytes: return .string("")
        case .bool: return .bool(false)
        case .int32, .int64: return .int(0)
        default: return try decodeValue(.lengthDelimited(ArraySlice<UInt8>()), kind, context)
        }
    }

    private func decodeValue(_ value: ProtobufWireValue, _ kind: ProtobufValueKind, _ context: Context) throws(ProtobufDecodingError) -> JSONValue {
        switch (kind, value) {
        case (.string, .lengthDelimited(let bytes)):
            return .string(try Self.utf8(bytes, context))
        case (.bytes, .lengthDelimited(let bytes)):
            return .string(Data(bytes).base64EncodedString())
        case (.bool, .varint(let raw)):
            return .bool(raw != 0)
        case (.int32, .varint(let raw)):
            return .int(Int64(Int32(truncatingIfNeeded: raw)))
        case (.int64, .varint(let raw)):
            return .int(Int64(bitPattern: raw))
        case (.message(let name), .lengthDelimited(let bytes)):
            return .object(try decode(bytes, as: name, path: context.path))
        case (.time, .lengthDelimited(let bytes)):
            return try timestamp(bytes, context, micro: false)
        case (.microTime, .lengthDelimited(let bytes)):
            return try timestamp(bytes, context, micro: true)
        case (.quantity, .lengthDelimited(let bytes)):
            return try quantity(bytes, context)
        case (.intOrString, .lengthDelimited(let bytes)):
            return try intOrString(bytes, context)
        case (.fieldsV1, .lengthDelimited(let bytes)):
            return try fieldsV1(bytes, context)
        default:
            throw context.mismatch(value)
        }
    }

    /// `Time`/`MicroTime`: {1: int64 seconds, 2: int32 nanos}. Empty means the zero time, which Go writes as `null`.
    private func timestamp(_ bytes: ArraySlice<UInt8>, _ context: Context, micro: Bool) throws(ProtobufDecodingError) -> JSONValue {
        if bytes.isEmpty { return .null }
        var seconds: Int64 = 0
        var nanos: Int32 = 0
        for field in try Self.fields(bytes, context) {
            switch (field.number, field.value) {
            case (1, .varint(let raw)): seconds = Int64(bitPattern: raw)
            case (2, .varint(let raw)): nanos = Int32(truncatingIfNeeded: raw)
            default: throw context.invalid("timestamp has unexpected field \(field.number) (\(field.value.wireType))")
            }
        }
        guard (0..<1_000_000_000).contains(nanos) else { throw context.invalid("timestamp nanos \(nanos) out of range") }
        if micro {
            // Go truncates to microseconds. Aim half a microsecond past the truncated value so
            // binary floating point cannot round it down to the previous microsecond.
            let micros = Double(nanos / 1000)
            return .string(KubeTime.formatMicro(Date(timeIntervalSince1970: Double(seconds) + (micros + 0.5) / 1_000_000)))
        }
        return .string(KubeTime.format(Date(timeIntervalSince1970: Double(seconds))))
    }

    /// `Quantity`: {1: string}. The server keeps the string as sent, as it does for JSON bodies.
    private func quantity(_ bytes: ArraySlice<UInt8>, _ context: Context) throws(ProtobufDecodingError) -> JSONValue {
        var text: String?
        for field in try Self.fields(bytes, context) {
            guard field.number == 1, case .lengthDelimited(let raw) = field.value else {
                throw context.invalid("quantity has unexpected field \(field.number) (\(field.value.wireType))")
            }
            text = try Self.utf8(raw, context)
        }
        // An empty message is Go's zero Quantity, which marshals as "0".
        return .string(text ?? "0")
    }

    /// `IntOrString`: {1: type (0 int, 1 string), 2: intVal, 3: strVal}.
    private func intOrString(_ bytes: ArraySlice<UInt8>, _ context: Context) throws(ProtobufDecodingError) -> JSONValue {
        var type: Int64 = 0
        var intValue: Int32 = 0
        var stringValue = ""
        for field in try Self.fields(bytes, context) {
            switch (field.number, field.value) {
            case (1, .varint(let raw)): type = Int64(bitPattern: raw)
            case (2, .varint(let raw)): intValue = Int32(truncatingIfNeeded: raw)
            case (3, .lengthDelimited(let raw)): stringValue = try Self.utf8(raw, context)
            default: throw context.invalid("IntOrString has unexpected field \(field.number) (\(field.value.wireType))")
            }
        }
        switch type {
        case 0: return .int(Int64(intValue))
        case 1: return .string(stringValue)
        default: throw context.invalid("IntOrString has impossible type \(type)")
        }
    }

    /// `FieldsV1`: {1: raw JSON}.
    private func fieldsV1(_ bytes: ArraySlice<UInt8>, _ context: Context) throws(ProtobufDecodingError) -> JSONValue {
        var raw: ArraySlice<UInt8>?
        for field in try Self.fields(bytes, context) {
            guard field.number == 1, case .lengthDelimited(let payload) = field.value else {
                throw context.invalid("FieldsV1 has unexpected field \(field.number) (\(field.value.wireType))")
            }
            raw = payload
        }
        guard let raw, !raw.isEmpty else { return .null }
        do {
            return try JSONValue.parse(Data(raw))
        } catch {
            throw context.invalid("FieldsV1 does not hold JSON: \(error)")
        }
    }

    // MARK: Helpers

    private static func fields(_ bytes: ArraySlice<UInt8>, _ context: Context) throws(ProtobufDecodingError) -> [ProtobufWireField] {
        do {
            return try ProtobufWireReader.fields(in: bytes)
        } catch {
            throw .malformed(error, message: context.message, path: context.path)
        }
    }

    private static func utf8(_ bytes: ArraySlice<UInt8>, _ context: Context) throws(ProtobufDecodingError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw context.invalid("string is not valid UTF-8") }
        return text
    }

    /// Kinds whose single values are length-delimited messages (merged when repeated on the wire).
    private static func isLengthDelimitedMessage(_ kind: ProtobufValueKind) -> Bool {
        switch kind {
        case .message, .time, .microTime, .quantity, .intOrString, .fieldsV1: true
        case .string, .bytes, .bool, .int32, .int64: false
        }
    }

    private static func isVarintScalar(_ kind: ProtobufValueKind) -> Bool {
        switch kind {
        case .bool, .int32, .int64: true
        default: false
        }
    }

    /// Go's zero value for the scalars `omitempty` drops.
    private static func isZero(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text): text.isEmpty
        case .int(let number): number == 0
        case .bool(let flag): !flag
        default: false
        }
    }

    private static func join(_ path: String, _ name: String) -> String {
        path.isEmpty ? name : path + "." + name
    }
}
