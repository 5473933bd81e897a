//! Structured log handlers for swift-log: one line per record in logfmt or
//! JSON — time (RFC 3339, milliseconds, UTC), level, logger label, message,
//! then the metadata flattened with sorted keys — with registered secrets
//! scrubbed from the message and every value.
import Foundation
import KubeCore
import KubeRuntime
import Logging

/// The log line formats the operator offers (`--log-format`).
public enum LogFormat: String, Sendable, Hashable, CaseIterable {
    /// `time=… level=info logger=… msg="…" key=value`
    case logfmt
    /// `{"time":"…","level":"info","logger":"…","msg":"…","key":"value"}`
    case json

    /// A `LoggingSystem.bootstrap` factory for this format.
    public func handlerFactory(
        sink: any LogSink = FileHandleLogSink.standardError, scrubber: SecretScrubber? = nil, level: Logger.Level = .info,
        clock: any WallClock = SystemWallClock()
    ) -> @Sendable (String) -> any LogHandler {
        switch self {
        case .logfmt:
            return { label in LogfmtLogHandler(label: label, sink: sink, scrubber: scrubber, level: level, clock: clock) }
        case .json:
            return { label in JSONLogHandler(label: label, sink: sink, scrubber: scrubber, level: level, clock: clock) }
        }
    }
}

/// How one record's fields become a line.
public protocol LogLineEncoding: Sendable {
    /// Encodes `fields` (fixed fields first, then metadata in key order) as one line.
    static func encode(_ fields: [(key: String, value: LogFieldValue)]) -> String
}

/// A field's value: text, or a list (a metadata array).
public enum LogFieldValue: Sendable, Hashable {
    case string(String)
    case list([String])
}

/// logfmt lines: `key=value` pairs separated by spaces.
public typealias LogfmtLogHandler = StructuredLogHandler<LogfmtEncoding>
/// JSON lines: one object per line.
public typealias JSONLogHandler = StructuredLogHandler<JSONLineEncoding>

/// A swift-log handler writing one structured line per record.
///
/// Fields, in order: `time` (UTC, `2026-01-02T03:04:05.678Z`), `level`
/// (swift-log's names: trace … critical), `logger` (the label), `msg`, then
/// `error` when the record carries one, then metadata — handler, provider and
/// call-site metadata merged (call site wins), nested dictionaries flattened
/// to dotted keys (`a.b`), sorted by key. Metadata keys that collide with a
/// fixed field are written as `meta.<key>`. With a scrubber, registered
/// secrets are replaced in the message, the error and every value.
public struct StructuredLogHandler<Encoding: LogLineEncoding>: LogHandler {
    public let label: String
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level
    private let sink: any LogSink
    private let scrubber: SecretScrubber?
    private let clock: any WallClock

    static var fixedKeys: Set<String> { ["time", "level", "logger", "msg", "error"] }

    public init(
        label: String, sink: any LogSink = FileHandleLogSink.standardError, scrubber: SecretScrubber? = nil,
        level: Logger.Level = .info, clock: any WallClock = SystemWallClock(),
        metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider
    ) {
        self.label = label
        self.sink = sink
        self.scrubber = scrubber
        self.logLevel = level
        self.clock = clock
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        sink.write(line: line(for: event))
    }

    /// The line for `event`, without the newline.
    func line(for event: LogEvent) -> String {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }

        var fields: [(key: String, value: LogFieldValue)] = [
            ("time", .string(LogTime.format(clock.now()))),
            ("level", .string(event.level.rawValue)),
            ("logger", .string(label)),
            ("msg", .string(scrub(event.message.description))),
        ]
        if let error = event.error { fields.append(("error", .string(scrub(String(describing: error))))) }
        var flat: [(key: String, value: LogFieldValue)] = []
        Self.flatten(merged, prefix: "", into: &flat)
        for (key, value) in flat.sorted(by: { $0.key < $1.key }) {
            let name = Self.fixedKeys.contains(key) ? "meta.\(key)" : key
            switch value {
            case .string(let text): fields.append((name, .string(scrub(text))))
            case .list(let items): fields.append((name, .list(items.map(scrub))))
            }
        }
        return Encoding.encode(fields)
    }

    private func scrub(_ text: String) -> String { scrubber?.scrub(text) ?? text }

    static func flatten(_ metadata: Logger.Metadata, prefix: String, into fields: inout [(key: String, value: LogFieldValue)]) {
        for (key, value) in metadata {
            let name = prefix.isEmpty ? key : "\(prefix).\(key)"
            switch value {
            case .string(let text): fields.append((name, .string(text)))
            case .stringConvertible(let convertible): fields.append((name, .string(convertible.description)))
            case .dictionary(let nested): flatten(nested, prefix: name, into: &fields)
            case .array(let items): fields.append((name, .list(items.map(\.description))))
            }
        }
    }
}

/// RFC 3339 UTC with milliseconds: `2026-01-02T03:04:05.678Z`.
enum LogTime {
    static func format(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let millis = min(999, Int(((date.timeIntervalSince1970 - seconds) * 1000).rounded(.down)))
        let whole = KubeTime.format(Date(timeIntervalSince1970: seconds))
        let padded = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(whole.dropLast()).\(padded)Z"
    }
}

// MARK: - Encodings

/// logfmt: `key=value`; a value is quoted when empty or when it contains a
/// space, `=`, `"`, or a control character; inside quotes `\` and `"` are
/// escaped and control characters are written as `\n`, `\r`, `\t` or
/// `\u00XX`. Keys lose spaces, `=`, `"` and control characters (`_` instead).
/// A list is written as `[a b c]` (quoted as a whole when needed).
public enum LogfmtEncoding: LogLineEncoding {
    public static func encode(_ fields: [(key: String, value: LogFieldValue)]) -> String {
        fields.map { key, value in
            let text = switch value {
            case .string(let text): text
            case .list(let items): "[" + items.joined(separator: " ") + "]"
            }
            return sanitizeKey(key) + "=" + quoteIfNeeded(text)
        }.joined(separator: " ")
    }

    static func sanitizeKey(_ key: String) -> String {
        guard !key.isEmpty else { return "_" }
        return String(String.UnicodeScalarView(key.unicodeScalars.map { scalar in
            scalar == " " || scalar == "=" || scalar == "\"" || scalar.properties.generalCategory == .control ? "_" : scalar
        }))
    }

    static func quoteIfNeeded(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.unicodeScalars.contains { scalar in
            scalar == " " || scalar == "=" || scalar == "\"" || scalar == "\\" || scalar.value < 0x20 || scalar.value == 0x7F
                || scalar.properties.isWhitespace
        }
        guard needsQuotes else { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u" + hex4(scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// JSON lines: an object with the fields in order; strings escaped per RFC
/// 8259 (`"`, `\`, and control characters; other characters as UTF-8); a list
/// is an array of strings.
public enum JSONLineEncoding: LogLineEncoding {
    public static func encode(_ fields: [(key: String, value: LogFieldValue)]) -> String {
        "{" + fields.map { key, value in
            let encoded = switch value {
            case .string(let text): string(text)
            case .list(let items): "[" + items.map(string).joined(separator: ",") + "]"
            }
            return string(key) + ":" + encoded
        }.joined(separator: ",") + "}"
    }

    /// A JSON string literal, escaped by KubeCore's JSON writer.
    static func string(_ text: String) -> String {
        JSONValue.string(text).jsonString()
    }
}

private func hex4(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
