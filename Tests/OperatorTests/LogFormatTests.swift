//! Golden tests of the logfmt and JSON log lines: field order, sorting and
//! flattening of metadata, quoting and escaping, secret scrubbing; and whole
//! lines under concurrent logging.
import Foundation
import KubeCore
import KubeRuntime
import Logging
import Testing

@testable import Operator

/// Collects lines in memory.
final class MemoryLogSink: LogSink {
    private let stored = Locked<[String]>([])
    func write(line: String) { stored.withLock { $0.append(line) } }
    var lines: [String] { stored.value }
}

struct LogFormatTests {
    struct Golden: Sendable, CustomTestStringConvertible {
        var name: String
        var level: Logger.Level = .info
        var message: String
        var metadata: Logger.Metadata = [:]
        var logfmt: String
        var json: String
        var testDescription: String { name }
    }

    static let prefix = "time=2027-01-15T08:00:00.250Z level=info logger=test"
    static let jsonPrefix = #"{"time":"2027-01-15T08:00:00.250Z","level":"info","logger":"test""#

    static let cases: [Golden] = [
        Golden(name: "plain", message: "started", logfmt: "\(prefix) msg=started", json: jsonPrefix + #","msg":"started"}"#),
        Golden(
            name: "sorted keys and quoting", message: "hello world", metadata: ["b": "x=y", "a": "plain", "c": ""],
            logfmt: #"\#(prefix) msg="hello world" a=plain b="x=y" c="""#,
            json: jsonPrefix + #","msg":"hello world","a":"plain","b":"x=y","c":""}"#),
        Golden(
            name: "escapes", message: "say \"hi\"\nnext", metadata: ["path": #"C:\dir"#, "tab": "a\tb"],
            logfmt: #"\#(prefix) msg="say \"hi\"\nnext" path="C:\\dir" tab="a\tb""#,
            json: jsonPrefix + #","msg":"say \"hi\"\nnext","path":"C:\\dir","tab":"a\tb"}"#),
        Golden(
            name: "control characters", message: "bell\u{07}", metadata: ["nul": "a\u{00}b"],
            logfmt: #"\#(prefix) msg="bell\u0007" nul="a\u0000b""#,
            json: jsonPrefix + #","msg":"bell\u0007","nul":"a\u0000b"}"#),
        Golden(
            name: "nested metadata is flattened", message: "request",
            metadata: ["request": .dictionary(["method": "GET", "code": .stringConvertible(200)]), "tags": .array(["x", "y z"])],
            logfmt: #"\#(prefix) msg=request request.code=200 request.method=GET tags="[x y z]""#,
            json: jsonPrefix + #","msg":"request","request.code":"200","request.method":"GET","tags":["x","y z"]}"#),
        Golden(
            name: "colliding keys", message: "m", metadata: ["msg": "shadow", "level": "x"],
            logfmt: "\(prefix) msg=m meta.level=x meta.msg=shadow",
            json: jsonPrefix + #","msg":"m","meta.level":"x","meta.msg":"shadow"}"#),
        Golden(
            name: "unicode", message: "grüße 🙂", metadata: ["ns": "café"],
            logfmt: #"\#(prefix) msg="grüße 🙂" ns=café"#,
            json: jsonPrefix + #","msg":"grüße 🙂","ns":"café"}"#),
        Golden(
            name: "level", level: .warning, message: "careful",
            logfmt: "time=2027-01-15T08:00:00.250Z level=warning logger=test msg=careful",
            json: #"{"time":"2027-01-15T08:00:00.250Z","level":"warning","logger":"test","msg":"careful"}"#),
        Golden(
            name: "secrets are scrubbed", message: "token topsecret-1 rejected",
            metadata: ["auth": "Bearer topsecret-1", "nested": .dictionary(["k": "topsecret-1"])],
            logfmt: #"\#(prefix) msg="token [redacted] rejected" auth="Bearer [redacted]" nested.k=[redacted]"#,
            json: jsonPrefix + #","msg":"token [redacted] rejected","auth":"Bearer [redacted]","nested.k":"[redacted]"}"#),
    ]

    static func line(_ format: LogFormat, _ golden: Golden) -> String? {
        let sink = MemoryLogSink()
        let scrubber = SecretScrubber()
        scrubber.register("topsecret-1")
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_800_000_000.25))
        let factory = format.handlerFactory(sink: sink, scrubber: scrubber, level: .trace, clock: clock)
        let logger = Logger(label: "test", factory: factory)
        logger.log(level: golden.level, "\(golden.message)", metadata: golden.metadata)
        #expect(sink.lines.count == 1)
        return sink.lines.first
    }

    @Test(arguments: cases)
    func logfmt(_ golden: Golden) {
        #expect(Self.line(.logfmt, golden) == golden.logfmt)
    }

    @Test(arguments: cases)
    func json(_ golden: Golden) throws {
        let line = try #require(Self.line(.json, golden))
        #expect(line == golden.json)
        // And it is valid JSON.
        #expect(throws: Never.self) { try JSONValue.parse(line) }
    }

    @Test func handlerMetadataIsMergedAndCallSiteWins() {
        let sink = MemoryLogSink()
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_800_000_000.25))
        var logger = Logger(label: "test", factory: LogFormat.logfmt.handlerFactory(sink: sink, clock: clock))
        logger[metadataKey: "controller"] = "sandbox"
        logger[metadataKey: "key"] = "ns/a"
        logger.info("reconciled", metadata: ["key": "ns/b"])
        logger.debug("below the level")
        #expect(sink.lines == ["\(Self.prefix) msg=reconciled controller=sandbox key=ns/b"])
    }

    @Test func concurrentRecordsAreWholeLines() async throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("log-\(UUID().uuidString).jsonl")
        #expect(FileManager.default.createFile(atPath: url.path, contents: nil))
        defer { try? FileManager.default.removeItem(at: url) }
        let handle = try FileHandle(forWritingTo: url)
        let sink = FileHandleLogSink(handle)
        let logger = Logger(label: "concurrent", factory: LogFormat.json.handlerFactory(sink: sink))
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for index in 0..<200 {
                        logger.info("record", metadata: ["task": "\(task)", "index": "\(index)", "padding": "\(String(repeating: "x", count: 500))"])
                    }
                }
            }
        }
        try handle.close()
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1600)
        #expect(lines.allSatisfy { (try? JSONValue.parse(String($0)))?["msg"] == "record" })
    }
}
