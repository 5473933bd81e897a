//! The documentation keeps up with the code: every Event and condition reason
//! the reconcilers declare is in docs/events-and-conditions.md, and every
//! relative link in README.md and docs/ points at a file that exists.
import Foundation
import Testing

@Suite("Documentation")
struct DocumentationTests {
    static let root = CRDFixtures.repositoryRoot

    /// The string values of `public static let name = "Value"` inside `enum <name> { … }` of a source file.
    static func reasons(in file: String, enum name: String) throws -> [String] {
        let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
        guard let start = text.range(of: "public enum \(name) {") else { return [] }
        let body = text[start.upperBound...].prefix { $0 != "}" }
        return body.split(separator: "\n").compactMap { line in
            guard line.contains("static let"), let open = line.firstIndex(of: "\""),
                  let close = line[line.index(after: open)...].firstIndex(of: "\"") else { return nil }
            return String(line[line.index(after: open)..<close])
        }
    }

    static let reasonSources: [(file: String, enum: String)] = [
        ("Sources/SandboxController/Reconcile/SandboxPlanner.swift", "SandboxEventReason"),
        ("Sources/GatewayController/Reconcile/GatewayPlanner.swift", "GatewayEventReason"),
        ("Sources/GatewayPKI/GatewayPKIPlanner.swift", "PKIEventReason"),
        ("Sources/GatewayPKI/GatewayPKIPlanner.swift", "PKIDegradedReason"),
    ]

    @Test("every declared Event reason is documented in events-and-conditions.md", arguments: reasonSources.map { "\($0.file):\($0.enum)" })
    func reasonsAreDocumented(source: String) throws {
        let parts = source.split(separator: ":").map(String.init)
        let reasons = try Self.reasons(in: parts[0], enum: parts[1])
        #expect(!reasons.isEmpty, "no reasons found in \(parts[1]) — did the enum move?")
        let document = try String(contentsOf: Self.root.appendingPathComponent("docs/events-and-conditions.md"), encoding: .utf8)
        for reason in reasons {
            #expect(document.contains("`\(reason)`"), "\(parts[1]): `\(reason)` is not in docs/events-and-conditions.md")
        }
    }

    /// Markdown without fenced code blocks and inline code spans, where `](` is not a link.
    static func withoutCode(_ markdown: String) -> String {
        var prose: [Substring] = []
        var fenced = false
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                fenced.toggle()
                continue
            }
            if fenced { continue }
            // Drop the odd-numbered pieces between backticks: the code spans.
            prose.append(contentsOf: line.split(separator: "`", omittingEmptySubsequences: false).enumerated()
                .filter { $0.offset % 2 == 0 }.map(\.element))
            prose.append("\n")
        }
        return prose.joined()
    }

    @Test("relative links in README.md and docs/ point at files that exist")
    func relativeLinksResolve() throws {
        let docs = Self.root.appendingPathComponent("docs")
        let pages = try FileManager.default.contentsOfDirectory(atPath: docs.path).filter { $0.hasSuffix(".md") }
            .map { docs.appendingPathComponent($0) } + [Self.root.appendingPathComponent("README.md")]
        var checked = 0
        for page in pages {
            let text = Self.withoutCode(try String(contentsOf: page, encoding: .utf8))
            var rest = text[...]
            while let open = rest.range(of: "](") {
                rest = rest[open.upperBound...]
                guard let close = rest.firstIndex(of: ")") else { break }
                let target = String(rest[..<close])
                rest = rest[close...]
                if target.contains("://") || target.hasPrefix("#") || target.hasPrefix("mailto:") { continue }
                let path = String(target.split(separator: "#", maxSplits: 1).first ?? "")
                let resolved = page.deletingLastPathComponent().appendingPathComponent(path).standardizedFileURL
                #expect(FileManager.default.fileExists(atPath: resolved.path), "\(page.lastPathComponent): link \(target) points at nothing")
                checked += 1
            }
        }
        #expect(checked > 20, "found only \(checked) relative links; is the scan broken?")
    }
}
