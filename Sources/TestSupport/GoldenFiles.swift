//! GoldenFiles: byte-for-byte comparison of rendered text with files kept
//! beside the tests (`Golden/`), regenerated with `UPDATE_GOLDEN=1`. Used by
//! every renderer's golden tests.
import Foundation
import Testing

public struct GoldenFiles: Sendable {
    /// The folder holding the golden files.
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    /// `Golden/` beside the calling test file.
    public init(besideFile filePath: String = #filePath) {
        directory = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    }

    /// True when the run rewrites the golden files instead of comparing (`UPDATE_GOLDEN=1`).
    public static var updating: Bool { ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" }

    /// Compares `text` with `<directory>/<file>` and records the first differing
    /// line; with `UPDATE_GOLDEN=1` rewrites the file instead.
    public func expect(_ text: String, file: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = directory.appendingPathComponent(file)
        if Self.updating {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
            return
        }
        let expected = try? String(contentsOf: url, encoding: .utf8)
        #expect(expected != nil, "missing golden \(file); run the tests with UPDATE_GOLDEN=1", sourceLocation: sourceLocation)
        if let expected, text != expected {
            let got = text.split(separator: "\n", omittingEmptySubsequences: false)
            let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let line = zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(got.count, want.count)
            let gotLine = line < got.count ? String(got[line]) : "<end>"
            let wantLine = line < want.count ? String(want[line]) : "<end>"
            Issue.record("\(file) differs at line \(line + 1): rendered \(gotLine), golden \(wantLine); rerun with UPDATE_GOLDEN=1 if intended",
                         sourceLocation: sourceLocation)
        }
    }
}
