//! The line splitter and watch event decoder over every way a stream can be
//! cut into chunks.
import Foundation
import KubeCore
import Testing

@testable import KubeClient

/// The events of `sampleWatchStream`, built independently of the decoder.
private let expectedSampleEvents: [WatchEvent] = [
    WatchEvent(type: .added, object: KubeObject(["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "café-🚀", "namespace": "default", "resourceVersion": "11"]])),
    WatchEvent(type: .modified, object: KubeObject([
        "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "naïve", "namespace": "default", "resourceVersion": "12"],
        "spec": ["note": "日本語のテキスト"],
    ])),
    WatchEvent(type: .bookmark, object: KubeObject(["apiVersion": "v1", "kind": "Pod", "metadata": ["resourceVersion": "13"]])),
    WatchEvent(type: .error, object: KubeObject([
        "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
        "message": "too old resource version: 1 (13)", "reason": "Expired", "code": 410,
    ])),
]

/// Decodes `bytes` cut at `cuts` (sorted offsets).
private func decode(_ bytes: [UInt8], cuts: [Int]) throws -> [WatchEvent] {
    var decoder = WatchEventDecoder()
    var events: [WatchEvent] = []
    var start = 0
    for cut in cuts + [bytes.count] {
        events += try decoder.decode(Data(bytes[start..<cut]))
        start = cut
    }
    return events + (try decoder.finish())
}

@Suite("Watch decoding")
struct WatchDecodingTests {
    let sample = Array(sampleWatchStream.utf8)

    @Test("the sample stream in one chunk decodes into its four events")
    func wholeStream() throws {
        #expect(try decode(sample, cuts: []) == expectedSampleEvents)
    }

    @Test("every single split point yields the same events")
    func everySplitPoint() throws {
        for cut in 0...sample.count {
            let events = try decode(sample, cuts: [cut])
            #expect(events == expectedSampleEvents, "split at byte \(cut)")
        }
    }

    @Test("every pair of split points yields the same lines")
    func everyPairOfSplitPoints() {
        // Bytes, not Characters: Swift treats "\r\n" as one Character.
        let expectedLines = sample.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast()
            .map { Array($0.filter { $0 != UInt8(ascii: "\r") }) }
        var failures: [[Int]] = []
        for first in 0...sample.count {
            for second in stride(from: first, through: sample.count, by: 5) {
                var splitter = LineSplitter()
                var lines: [[UInt8]] = []
                lines += splitter.append(Data(sample[0..<first]))
                lines += splitter.append(Data(sample[first..<second]))
                lines += splitter.append(Data(sample[second...]))
                if lines != expectedLines || splitter.finish() != nil { failures.append([first, second]) }
            }
        }
        #expect(failures.isEmpty)
    }

    @Test("fixed-size chunks yield the same events", arguments: [1, 2, 3, 4, 5, 7, 13, 64, 4096])
    func fixedChunks(size: Int) throws {
        let cuts = Array(stride(from: size, to: sample.count, by: size))
        #expect(try decode(sample, cuts: cuts) == expectedSampleEvents)
    }

    @Test("a multi-byte character split inside its UTF-8 sequence survives intact")
    func multiByteSplit() throws {
        let rocket = Array("🚀".utf8)
        let start = try #require(sample.firstRange(of: rocket)).lowerBound
        for offset in 1..<rocket.count {
            let events = try decode(sample, cuts: [start + offset])
            #expect(events.first?.object.name == "café-🚀", "split \(offset) bytes into the rocket")
        }
    }

    @Test("blank and whitespace-only lines are skipped")
    func blankLines() throws {
        let stream = "\n\r\n  \n" + #"{"type":"DELETED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"x"}}}"# + "\n\n"
        let events = try decode(Array(stream.utf8), cuts: [])
        #expect(events.map(\.type) == [.deleted])
        #expect(events.first?.object.name == "x")
    }

    @Test("a final event without a trailing newline is decoded at the end of the stream")
    func unterminatedFinalLine() throws {
        let stream = #"{"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"last"}}}"#
        var decoder = WatchEventDecoder()
        #expect(try decoder.decode(Data(stream.utf8)).isEmpty)
        #expect(try decoder.finish().map(\.object.name) == ["last"])
    }

    @Test("ERROR events expose their Status")
    func errorStatus() throws {
        let status = try #require(expectedSampleEvents[3].status)
        #expect(status.code == 410)
        #expect(status.reason == .expired)
        #expect(status.message == "too old resource version: 1 (13)")
        #expect(expectedSampleEvents[0].status == nil)
    }

    @Test(
        "malformed lines are rejected",
        arguments: [
            ("not json", "not JSON"),
            (#"{"object":{}}"#, "no type"),
            (#"{"type":"SYNC","object":{}}"#, "unknown type SYNC"),
            (#"{"type":"ADDED","object":"pod"}"#, "no object"),
        ])
    func malformed(line: String, reason: String) {
        var decoder = WatchEventDecoder()
        #expect(throws: WatchDecodingError(line: line, reason: reason)) {
            _ = try decoder.decode(Data((line + "\n").utf8))
        }
    }

    @Test("an event round-trips through its JSON form")
    func eventJSON() throws {
        for event in expectedSampleEvents {
            let line = Array(event.json.serialized())
            #expect(try WatchEventDecoder.event(from: line) == event)
        }
    }
}

@Suite("Line splitter")
struct LineSplitterTests {
    @Test("lines are returned without their terminators, partial lines are kept")
    func splitsAndKeepsTail() {
        var splitter = LineSplitter()
        #expect(splitter.append(Data("ab\r\ncd\nef".utf8)) == [Array("ab".utf8), Array("cd".utf8)])
        #expect(splitter.append(Data("g".utf8)).isEmpty)
        #expect(splitter.append(Data("\n".utf8)) == [Array("efg".utf8)])
        #expect(splitter.finish() == nil)
    }

    @Test("a carriage return split from its newline is still stripped")
    func splitCRLF() {
        var splitter = LineSplitter()
        #expect(splitter.append(Data("line\r".utf8)).isEmpty)
        #expect(splitter.append(Data("\nnext".utf8)) == [Array("line".utf8)])
        #expect(splitter.finish() == Array("next".utf8))
    }
}
