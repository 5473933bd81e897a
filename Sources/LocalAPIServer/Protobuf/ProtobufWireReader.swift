//! The protobuf wire format, read-only: varints, fixed 32/64-bit values,
//! length-delimited payloads and packed repeated scalars. Pure and schema-free;
//! `ProtobufMessageDecoder` gives the fields their meaning.

/// The wire types of the protobuf encoding (the low three bits of a field key).
public enum ProtobufWireType: UInt8, Sendable, CustomStringConvertible {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case startGroup = 3
    case endGroup = 4
    case fixed32 = 5

    public var description: String {
        switch self {
        case .varint: "varint"
        case .fixed64: "fixed64"
        case .lengthDelimited: "length-delimited"
        case .startGroup: "start-group"
        case .endGroup: "end-group"
        case .fixed32: "fixed32"
        }
    }
}

/// One field value as it appears on the wire, before any schema is applied.
public enum ProtobufWireValue: Sendable, Equatable {
    case varint(UInt64)
    case fixed64(UInt64)
    /// A string, bytes, embedded message, map entry or packed repeated scalars.
    case lengthDelimited(ArraySlice<UInt8>)
    case fixed32(UInt32)

    public var wireType: ProtobufWireType {
        switch self {
        case .varint: .varint
        case .fixed64: .fixed64
        case .lengthDelimited: .lengthDelimited
        case .fixed32: .fixed32
        }
    }
}

/// A field number with its wire value.
public struct ProtobufWireField: Sendable, Equatable {
    public let number: Int
    public let value: ProtobufWireValue

    public init(number: Int, value: ProtobufWireValue) {
        self.number = number
        self.value = value
    }
}

/// Malformed wire data. Offsets count bytes from the start of the buffer being read.
public enum ProtobufWireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The input ended inside a key, varint, fixed-width value or length-delimited payload.
    case truncated(offset: Int)
    /// A varint ran past ten bytes.
    case varintTooLong(offset: Int)
    /// A field key named field number 0 or one above 2^29-1.
    case invalidFieldNumber(UInt64, offset: Int)
    /// Groups (wire types 3 and 4, unused by Kubernetes) and the undefined wire types 6 and 7.
    case unsupportedWireType(UInt8, field: Int, offset: Int)
    /// A packed payload whose length is not a multiple of the element width.
    case misalignedPackedPayload(width: Int, length: Int)

    public var description: String {
        switch self {
        case .truncated(let offset): "unexpected end of data at byte \(offset)"
        case .varintTooLong(let offset): "varint longer than 10 bytes at byte \(offset)"
        case .invalidFieldNumber(let number, let offset): "invalid field number \(number) at byte \(offset)"
        case .unsupportedWireType(let type, let field, let offset): "unsupported wire type \(type) for field \(field) at byte \(offset)"
        case .misalignedPackedPayload(let width, let length): "packed payload of \(length) bytes is not a multiple of \(width)"
        }
    }
}

/// Reads protobuf fields from a byte buffer, front to back.
///
/// The reader never looks past its buffer: every length is checked against the
/// bytes that remain, so truncated or lying input fails with a `ProtobufWireError`.
public struct ProtobufWireReader: Sendable {
    private let bytes: ArraySlice<UInt8>
    private var position: ArraySlice<UInt8>.Index

    /// The largest field number protobuf allows.
    public static let maxFieldNumber: UInt64 = (1 << 29) - 1

    /// A reader over `bytes`; offsets in errors count from `bytes.startIndex`.
    public init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.position = bytes.startIndex
    }

    /// A reader over a whole array.
    public init(_ bytes: [UInt8]) {
        self.init(bytes[...])
    }

    /// Whether every byte has been consumed.
    public var isAtEnd: Bool { position == bytes.endIndex }

    /// The offset of the next byte, relative to the start of the buffer.
    public var offset: Int { position - bytes.startIndex }

    /// Reads one base-128 varint (at most ten bytes; bits beyond 64 are dropped, as Go does).
    public mutating func readVarint() throws(ProtobufWireError) -> UInt64 {
        let start = offset
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < bytes.endIndex else { throw .truncated(offset: offset) }
            guard shift < 64 else { throw .varintTooLong(offset: start) }
            let byte = bytes[position]
            position += 1
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Reads a little-endian fixed-width value of `width` bytes.
    private mutating func readFixed(_ width: Int) throws(ProtobufWireError) -> UInt64 {
        guard bytes.endIndex - position >= width else { throw .truncated(offset: bytes.endIndex - bytes.startIndex) }
        var result: UInt64 = 0
        for index in 0..<width {
            result |= UInt64(bytes[position + index]) << (8 * UInt64(index))
        }
        position += width
        return result
    }

    /// Reads the next field, or returns nil at the end of the buffer.
    public mutating func nextField() throws(ProtobufWireError) -> ProtobufWireField? {
        guard !isAtEnd else { return nil }
        let keyOffset = offset
        let key = try readVarint()
        let number = key >> 3
        guard number >= 1, number <= Self.maxFieldNumber else {
            throw .invalidFieldNumber(number, offset: keyOffset)
        }
        let field = Int(number)
        let rawType = UInt8(key & 7)
        switch ProtobufWireType(rawValue: rawType) {
        case .varint:
            return ProtobufWireField(number: field, value: .varint(try readVarint()))
        case .fixed64:
            return ProtobufWireField(number: field, value: .fixed64(try readFixed(8)))
        case .fixed32:
            return ProtobufWireField(number: field, value: .fixed32(UInt32(truncatingIfNeeded: try readFixed(4))))
        case .lengthDelimited:
            let length = try readVarint()
            let remaining = bytes.endIndex - position
            guard length <= UInt64(remaining) else { throw .truncated(offset: bytes.endIndex - bytes.startIndex) }
            let end = position + Int(length)
            let payload = bytes[position..<end]
            position = end
            return ProtobufWireField(number: field, value: .lengthDelimited(payload))
        case .startGroup, .endGroup, nil:
            throw .unsupportedWireType(rawType, field: field, offset: keyOffset)
        }
    }

    /// Every field of a buffer, in wire order.
    public static func fields(in bytes: ArraySlice<UInt8>) throws(ProtobufWireError) -> [ProtobufWireField] {
        var reader = ProtobufWireReader(bytes)
        var fields: [ProtobufWireField] = []
        while let field = try reader.nextField() { fields.append(field) }
        return fields
    }

    /// The varints of a packed repeated field's payload.
    public static func packedVarints(_ payload: ArraySlice<UInt8>) throws(ProtobufWireError) -> [UInt64] {
        var reader = ProtobufWireReader(payload)
        var values: [UInt64] = []
        while !reader.isAtEnd { values.append(try reader.readVarint()) }
        return values
    }

    /// The 32-bit values of a packed repeated fixed32/sfixed32/float field's payload.
    public static func packedFixed32(_ payload: ArraySlice<UInt8>) throws(ProtobufWireError) -> [UInt32] {
        guard payload.count % 4 == 0 else { throw .misalignedPackedPayload(width: 4, length: payload.count) }
        var reader = ProtobufWireReader(payload)
        var values: [UInt32] = []
        while !reader.isAtEnd { values.append(UInt32(truncatingIfNeeded: try reader.readFixed(4))) }
        return values
    }

    /// The 64-bit values of a packed repeated fixed64/sfixed64/double field's payload.
    public static func packedFixed64(_ payload: ArraySlice<UInt8>) throws(ProtobufWireError) -> [UInt64] {
        guard payload.count % 8 == 0 else { throw .misalignedPackedPayload(width: 8, length: payload.count) }
        var reader = ProtobufWireReader(payload)
        var values: [UInt64] = []
        while !reader.isAtEnd { values.append(try reader.readFixed(8)) }
        return values
    }
}
