//! PackedJSON: a compact, lossless binary form of a `JSONValue` — one byte
//! array instead of a tree of dictionaries, arrays and strings — for values
//! held long and read rarely (an informer's cache). Unpacking gives back a
//! value equal to the one packed (integers stay integers, doubles doubles).
//! Pure.
import Foundation
import KubeCore

/// Packs and unpacks `JSONValue`s.
///
/// The format: one tag byte per value — null, false, true, integer (zig-zag
/// LEB128), double (8 bytes, little-endian IEEE 754), string (LEB128 length,
/// UTF-8), array (LEB128 count, items), object (LEB128 count, then key as a
/// string without tag, value). It is private to this process: nothing stores
/// or sends it.
public enum PackedJSON {
    private enum Tag: UInt8 {
        case null = 0, `false`, `true`, int, double, string, array, object
    }

    /// The packed bytes of `value`.
    public static func pack(_ value: JSONValue) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        write(value, to: &bytes)
        return bytes
    }

    /// The value `pack` packed into `bytes`.
    /// - Throws: `PackedJSONError` when `bytes` are not the output of `pack`.
    public static func unpack(_ bytes: [UInt8]) throws(PackedJSONError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(PackedJSONError) -> JSONValue in
            var reader = Reader(bytes: buffer)
            let value = try reader.value(depth: 0)
            guard reader.index == buffer.count else { throw PackedJSONError(offset: reader.index) }
            return value
        }
    }

    // MARK: Writing

    private static func write(_ value: JSONValue, to bytes: inout [UInt8]) {
        switch value {
        case .null: bytes.append(Tag.null.rawValue)
        case .bool(let b): bytes.append(b ? Tag.true.rawValue : Tag.false.rawValue)
        case .int(let i):
            bytes.append(Tag.int.rawValue)
            writeVarint(UInt64(bitPattern: (i << 1) ^ (i >> 63)), to: &bytes)
        case .double(let d):
            bytes.append(Tag.double.rawValue)
            var bits = d.bitPattern
            for _ in 0..<8 {
                bytes.append(UInt8(truncatingIfNeeded: bits))
                bits >>= 8
            }
        case .string(let s):
            bytes.append(Tag.string.rawValue)
            writeString(s, to: &bytes)
        case .array(let items):
            bytes.append(Tag.array.rawValue)
            writeVarint(UInt64(items.count), to: &bytes)
            for item in items { write(item, to: &bytes) }
        case .object(let object):
            bytes.append(Tag.object.rawValue)
            writeVarint(UInt64(object.count), to: &bytes)
            for (key, item) in object {
                writeString(key, to: &bytes)
                write(item, to: &bytes)
            }
        }
    }

    private static func writeString(_ s: String, to bytes: inout [UInt8]) {
        var s = s
        s.withUTF8 { utf8 in
            writeVarint(UInt64(utf8.count), to: &bytes)
            bytes.append(contentsOf: utf8)
        }
    }

    private static func writeVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    // MARK: Reading

    /// Deeper than any object the API server accepts; bounds the recursion on bad input.
    private static let maximumDepth = 1_000

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        mutating func value(depth: Int) throws(PackedJSONError) -> JSONValue {
            guard depth <= PackedJSON.maximumDepth, let tag = Tag(rawValue: try byte()) else { throw PackedJSONError(offset: index) }
            switch tag {
            case .null: return .null
            case .false: return .bool(false)
            case .true: return .bool(true)
            case .int:
                let zigzag = try varint()
                return .int(Int64(bitPattern: zigzag >> 1) ^ -Int64(bitPattern: zigzag & 1))
            case .double:
                guard bytes.count - index >= 8 else { throw PackedJSONError(offset: index) }
                var bits: UInt64 = 0
                for shift in 0..<8 { bits |= UInt64(bytes[index + shift]) << (8 * UInt64(shift)) }
                index += 8
                return .double(Double(bitPattern: bits))
            case .string:
                return .string(try string())
            case .array:
                let count = try count()
                var items: [JSONValue] = []
                items.reserveCapacity(count)
                for _ in 0..<count { items.append(try value(depth: depth + 1)) }
                return .array(items)
            case .object:
                let count = try count()
                var object = JSONObject(minimumCapacity: count)
                for _ in 0..<count {
                    let key = try string()
                    object[key] = try value(depth: depth + 1)
                }
                return .object(object)
            }
        }

        private mutating func byte() throws(PackedJSONError) -> UInt8 {
            guard index < bytes.count else { throw PackedJSONError(offset: index) }
            defer { index += 1 }
            return bytes[index]
        }

        private mutating func varint() throws(PackedJSONError) -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let byte = try byte()
                guard shift < 64 else { throw PackedJSONError(offset: index) }
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
        }

        /// A length or count: at most the bytes left (each element takes at least one).
        private mutating func count() throws(PackedJSONError) -> Int {
            let value = try varint()
            guard value <= UInt64(bytes.count - index) else { throw PackedJSONError(offset: index) }
            return Int(value)
        }

        private mutating func string() throws(PackedJSONError) -> String {
            let length = try count()
            defer { index += length }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[index..<(index + length)]), as: UTF8.self)
        }
    }
}

/// Bytes that `PackedJSON.pack` did not produce.
public struct PackedJSONError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where reading stopped.
    public var offset: Int
    public var description: String { "not packed JSON (at byte \(offset))" }
}
