//! `openshell-operator crds`: prints the openshell.ai CustomResourceDefinitions
//! as one YAML stream, or writes one file per CRD with `--output-dir`
//! (`crds/openshell.ai_<plural>.yaml`, committed and checked for staleness);
//! with `--reference`, the Markdown CRD reference (`docs/crd-reference.md`).
import ArgumentParser
import Foundation
import OpenShellAPI

struct CRDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crds",
        abstract: "Print the openshell.ai CustomResourceDefinitions (YAML).",
        discussion: "Without --output-dir, prints every CRD as one multi-document YAML stream, ready for `kubectl apply -f -`.")

    @Option(help: "Write one file per CRD (openshell.ai_<plural>.yaml) into this directory instead of printing them.")
    var outputDir: String?

    @Flag(help: "Print the CRD reference (Markdown, docs/crd-reference.md) instead of the CRDs.")
    var reference = false

    func validate() throws {
        if reference, outputDir != nil { throw ValidationError("--reference prints to standard output; it takes no --output-dir") }
    }

    func run() throws {
        if reference {
            FileHandle.standardOutput.write(Data(CRDReference.markdown.utf8))
            return
        }
        guard let outputDir else {
            FileHandle.standardOutput.write(Data(OpenShellCRDs.stream.utf8))
            return
        }
        let directory = URL(fileURLWithPath: outputDir, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for crd in OpenShellCRDs.all {
            let file = OpenShellCRDs.file(crd)
            try Data(file.contents.utf8).write(to: directory.appendingPathComponent(file.name), options: .atomic)
            print(directory.appendingPathComponent(file.name).path)
        }
    }
}
