//! EmbedMigrations: a build-tool plugin that turns the package's
//! `migrations/*.sql` (the single source of the work queue's schema) into a
//! generated Swift file in the plugin work directory, by running the
//! `embed-migrations` tool.
import Foundation
import PackagePlugin

@main
struct EmbedMigrations: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
        let directory = context.package.directoryURL.appending(path: "migrations", directoryHint: .isDirectory)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path(percentEncoded: false))
            .filter { $0.hasSuffix(".sql") }
            .sorted()
        guard !names.isEmpty else {
            throw PluginError(description: "no migrations/*.sql in \(directory.path(percentEncoded: false))")
        }
        let files = names.map { directory.appending(path: $0, directoryHint: .notDirectory) }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift", directoryHint: .notDirectory)
        // SwiftPM caches this plugin's commands until the package's own sources
        // change, so a migration added later is not in `files` yet. The directory
        // itself is an input too (adding a file changes it), and the tool lists the
        // directory rather than trusting this list.
        return [
            .buildCommand(
                displayName: "Embedding SQL migrations into \(target.name)",
                executable: try context.tool(named: "embed-migrations").url,
                arguments: [output.path(percentEncoded: false), directory.path(percentEncoded: false)],
                inputFiles: [directory] + files,
                outputFiles: [output]
            )
        ]
    }
}

struct PluginError: Error, CustomStringConvertible {
    var description: String
}
