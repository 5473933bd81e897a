//! The protobuf wire reader on hand-assembled bytes: varints, keys, fixed-width
//! and length-delimited values, packed payloads, and every malformed-input error.
import LocalAPIServer
import Testing
import TestSupport

@Suite("Protobuf wire reader")
struct ProtobufWireTests {
    struct VarintCase: Sendable, CustomTestStringConvertible {
        let bytes: [UInt8]
        let value: UInt64
        var testDescription: String { "\(bytes) → \(value)" }
    }

    @Test("varints decode to their values and consume exactly their bytes", arguments: [
        VarintCase(bytes: [0x00], value: 0),
        VarintCase(bytes: [0x01], value: 1),
        VarintCase(bytes: [0x7f], value: 127),
        VarintCase(bytes: [0x80, 0x01], value: 128),
        VarintCase(bytes: [0xac, 0x02], value: 300),
        VarintCase(bytes: [0xff, 0xff, 0x03], value: 65_535),
        VarintCase(bytes: [0xff, 0xff, 0xff, 0xff, 0x0f], value: 4_294_967_295),
        VarintCase(bytes: [0x80, 0x80, 0x80, 0x80, 0x10], value: 4_294_967_296),
        // -1 as an int32/int64 is ten bytes of sign extension.
        VarintCase(bytes: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], value: UInt64.max),
        VarintCase(bytes: [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], value: 1 << 63),
    ])
    func varints(_ example: VarintCase) throws {
        var reader = ProtobufWireReader(example.bytes)
        #expect(try reader.readVarint() == example.value)
        #expect(reader.isAtEnd)
    }

    struct FieldsCase: Sendable, CustomTestStringConvertible {
        let name: String
        let bytes: [UInt8]
        let fields: [ProtobufWireField]
        var testDescription: String { name }
    }

    static let longString = [UInt8](repeating: 0x61, count: 300)

    @Test("fields decode with their numbers and wire values", arguments: [
        FieldsCase(name: "varint field 1", bytes: [0x08, 0x96, 0x01], fields: [.init(number: 1, value: .varint(150))]),
        FieldsCase(name: "string field 2", bytes: [0x12, 0x03, 0x61, 0x62, 0x63],
                   fields: [.init(number: 2, value: .lengthDelimited([0x61, 0x62, 0x63][...]))]),
        FieldsCase(name: "empty length-delimited", bytes: [0x1a, 0x00], fields: [.init(number: 3, value: .lengthDelimited([][...]))]),
        FieldsCase(name: "two-byte length", bytes: [0x0a, 0xac, 0x02] + longString,
                   fields: [.init(number: 1, value: .lengthDelimited(longString[...]))]),
        FieldsCase(name: "fixed32", bytes: [0x0d, 0x01, 0x02, 0x03, 0x04], fields: [.init(number: 1, value: .fixed32(0x0403_0201))]),
        FieldsCase(name: "fixed64", bytes: [0x09, 1, 2, 3, 4, 5, 6, 7, 8], fields: [.init(number: 1, value: .fixed64(0x0807_0605_0403_0201))]),
        FieldsCase(name: "two-byte key for field 16", bytes: [0x80, 0x01, 0x05], fields: [.init(number: 16, value: .varint(5))]),
        FieldsCase(name: "largest field number", bytes: [0xf8, 0xff, 0xff, 0xff, 0x0f, 0x00],
                   fields: [.init(number: (1 << 29) - 1, value: .varint(0))]),
        FieldsCase(name: "several fields in order", bytes: [0x08, 0x01, 0x12, 0x01, 0x78, 0x08, 0x02],
                   fields: [.init(number: 1, value: .varint(1)), .init(number: 2, value: .lengthDelimited([0x78][...])),
                            .init(number: 1, value: .varint(2))]),
        FieldsCase(name: "empty buffer", bytes: [], fields: []),
    ])
    func fields(_ example: FieldsCase) throws {
        #expect(try ProtobufWireReader.fields(in: example.bytes[...]) == example.fields)
    }

    @Test("a length-delimited payload is a view of its own bytes only")
    func payloadBounds() throws {
        let fields = try ProtobufWireReader.fields(in: [0x0a, 0x02, 0x08, 0x07, 0x10, 0x09][...])
        guard case .lengthDelimited(let payload)? = fields.first?.value else {
            Issue.record("expected a length-delimited first field")
            return
        }
        #expect(try ProtobufWireReader.fields(in: payload) == [.init(number: 1, value: .varint(7))])
        #expect(fields.last == .init(number: 2, value: .varint(9)))
    }

    @Test("packed varints decode every element")
    func packedVarints() throws {
        #expect(try ProtobufWireReader.packedVarints([0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05][...]) == [3, 270, 86_942])
        #expect(try ProtobufWireReader.packedVarints([][...]) == [])
    }

    @Test("packed fixed-width values decode little-endian")
    func packedFixed() throws {
        #expect(try ProtobufWireReader.packedFixed32([1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff][...]) == [1, UInt32.max])
        #expect(try ProtobufWireReader.packedFixed64([2, 0, 0, 0, 0, 0, 0, 0][...]) == [2])
    }

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        let name: String
        let bytes: [UInt8]
        let error: ProtobufWireError
        var testDescription: String { name }
    }

    @Test("malformed input fails with a precise error", arguments: [
        ErrorCase(name: "varint cut short", bytes: [0x08, 0x80], error: .truncated(offset: 2)),
        ErrorCase(name: "key cut short", bytes: [0x80], error: .truncated(offset: 1)),
        ErrorCase(name: "varint over ten bytes", bytes: [0x08] + [UInt8](repeating: 0x80, count: 10) + [0x01],
                  error: .varintTooLong(offset: 1)),
        ErrorCase(name: "length beyond the buffer", bytes: [0x0a, 0x05, 0x61, 0x62], error: .truncated(offset: 4)),
        ErrorCase(name: "length larger than any buffer", bytes: [0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
                  error: .truncated(offset: 11)),
        ErrorCase(name: "fixed32 cut short", bytes: [0x0d, 0x01, 0x02], error: .truncated(offset: 3)),
        ErrorCase(name: "fixed64 cut short", bytes: [0x09, 0x01], error: .truncated(offset: 2)),
        ErrorCase(name: "field number zero", bytes: [0x02, 0x00], error: .invalidFieldNumber(0, offset: 0)),
        ErrorCase(name: "field number above 2^29-1", bytes: [0x80, 0x80, 0x80, 0x80, 0x10], error: .invalidFieldNumber(1 << 29, offset: 0)),
        ErrorCase(name: "start group", bytes: [0x0b], error: .unsupportedWireType(3, field: 1, offset: 0)),
        ErrorCase(name: "end group", bytes: [0x08, 0x01, 0x0c], error: .unsupportedWireType(4, field: 1, offset: 2)),
        ErrorCase(name: "wire type 6", bytes: [0x0e], error: .unsupportedWireType(6, field: 1, offset: 0)),
        ErrorCase(name: "wire type 7", bytes: [0x0f], error: .unsupportedWireType(7, field: 1, offset: 0)),
    ])
    func malformed(_ example: ErrorCase) {
        #expect(throws: example.error) { try ProtobufWireReader.fields(in: example.bytes[...]) }
    }

    @Test("packed payloads that are cut short fail")
    func malformedPacked() {
        #expect(throws: ProtobufWireError.truncated(offset: 2)) { try ProtobufWireReader.packedVarints([0x01, 0x80][...]) }
        #expect(throws: ProtobufWireError.misalignedPackedPayload(width: 4, length: 3)) {
            try ProtobufWireReader.packedFixed32([1, 2, 3][...])
        }
        #expect(throws: ProtobufWireError.misalignedPackedPayload(width: 8, length: 4)) {
            try ProtobufWireReader.packedFixed64([1, 2, 3, 4][...])
        }
    }
}
