//! Watch events and their decoding from a chunked byte stream: a line
//! splitter that carries partial lines across chunks, and the decoder of
//! one JSON event per line.
import Foundation
import KubeCore

/// One event of a watch stream.
public struct WatchEvent: Sendable, Hashable {
    public enum EventType: String, Sendable, Hashable, CaseIterable {
        case added = "ADDED"
        case modified = "MODIFIED"
        case deleted = "DELETED"
        case bookmark = "BOOKMARK"
        case error = "ERROR"
    }

    public var type: EventType
    /// The object; for `ERROR` a `Status`, for `BOOKMARK` an object carrying
    /// only `metadata.resourceVersion` (and annotations).
    public var object: KubeObject

    public init(type: EventType, object: KubeObject) {
        self.type = type
        self.object = object
    }

    /// The `Status` of an `ERROR` event (e.g. code 410 when the requested
    /// resource version is too old); `nil` for other events.
    public var status: APIStatus? {
        guard type == .error else { return nil }
        return ResponseErrors.decodeStatus(object.value)
    }

    /// The event as the server encodes it, one line of a watch stream
    /// without the trailing newline.
    public var json: JSONValue { ["type": .string(type.rawValue), "object": object.value] }
}

/// A watch line that is not a valid event.
public struct WatchDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    public var line: String
    public var reason: String

    public var description: String { "invalid watch event (\(reason)): \(line.prefix(256))" }
}

/// Splits a byte stream into newline-terminated lines, whatever the chunk
/// boundaries: bytes of an unfinished line (including a partial UTF-8
/// sequence) are kept until the rest arrives.
struct LineSplitter: Sendable {
    private var buffer: [UInt8] = []
    /// Where to resume looking for a newline; bytes before it hold none.
    private var scanned = 0

    /// Adds a chunk and returns the lines it completed, without their `\n`
    /// (or `\r\n`).
    mutating func append(_ chunk: Data) -> [[UInt8]] {
        buffer.append(contentsOf: chunk)
        var lines: [[UInt8]] = []
        var lineStart = 0
        var index = scanned
        while index < buffer.count {
            if buffer[index] == UInt8(ascii: "\n") {
                var end = index
                if end > lineStart, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                lines.append(Array(buffer[lineStart..<end]))
                lineStart = index + 1
            }
            index += 1
        }
        if lineStart > 0 { buffer.removeFirst(lineStart) }
        scanned = buffer.count
        return lines
    }

    /// Ends the stream: the unterminated rest, if any.
    mutating func finish() -> [UInt8]? {
        defer {
            buffer.removeAll()
            scanned = 0
        }
        return buffer.isEmpty ? nil : buffer
    }
}

/// Decodes a watch response body, fed chunk by chunk, into events.
/// Blank lines are skipped.
public struct WatchEventDecoder: Sendable {
    private var splitter = LineSplitter()

    public init() {}

    /// The events completed by `chunk`.
    /// - Throws: `WatchDecodingError` for a line that is not an event.
    public mutating func decode(_ chunk: Data) throws -> [WatchEvent] {
        try splitter.append(chunk).compactMap(Self.event(from:))
    }

    /// The event in a final line the server did not terminate, if any.
    public mutating func finish() throws -> [WatchEvent] {
        guard let rest = splitter.finish() else { return [] }
        return try Self.event(from: rest).map { [$0] } ?? []
    }

    /// Decodes one line; `nil` for a blank one.
    static func event(from line: [UInt8]) throws -> WatchEvent? {
        guard line.contains(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0D) }) else { return nil }
        let text = String(decoding: line, as: UTF8.self)
        let value: JSONValue
        do {
            value = try JSONValue.parse(Data(line))
        } catch {
            throw WatchDecodingError(line: text, reason: "not JSON")
        }
        guard let rawType = value["type"]?.stringValue else {
            throw WatchDecodingError(line: text, reason: "no type")
        }
        guard let type = WatchEvent.EventType(rawValue: rawType) else {
            throw WatchDecodingError(line: text, reason: "unknown type \(rawType)")
        }
        guard let objectValue = value["object"], let object = KubeObject(objectValue) else {
            throw WatchDecodingError(line: text, reason: "no object")
        }
        return WatchEvent(type: type, object: object)
    }
}
