//! What `make run` runs: the `local-cluster` binary with the operator in
//! process and the repository's `examples/` applied. In the mode that exits
//! once every example sandbox is Ready it must end with status 0, having
//! shown each sandbox's progress — from the repository as cloned (the CRDs
//! in `crds/`, nothing from outside the repository).
import Foundation
import Testing
import TestSupport

private let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Suite("make run demo")
struct MakeRunDemoTests {
    @Test("local-cluster --operator --examples examples --exit-when-ready: every example sandbox Ready, the gateway Available, exit 0")
    func demoReachesReady() async throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("make-run-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        let demo = try ChildProcess(
            executable: "local-cluster",
            arguments: [
                "--state-dir", state.path, "--port", "0", "--crds", repository.appendingPathComponent("crds").path,
                "--operator", "--operator-metrics-port", "0", "--operator-probe-port", "0",
                "--examples", repository.appendingPathComponent("examples").path, "--exit-when-ready",
                "--ready-timeout", "120", "--pod-ready-delay", "0.2", "--log-level", "warning",
            ],
            logPath: state.appendingPathComponent("demo.log").path)
        let status = await demo.waitForExit()
        let output = demo.output
        #expect(status == 0, "\(output)")
        #expect(output.contains("Applied 6 example objects"), "\(output)")
        #expect(output.contains("gateway demo/openshell: Available"), "\(output)")
        for sandbox in ["demo/shell", "demo/batch"] {
            #expect(output.contains("sandbox \(sandbox): Provisioning"), "\(output)")
            #expect(output.contains("sandbox \(sandbox): Ready"), "\(output)")
        }
        #expect(!output.contains(" error "), "\(output)")
    }
}
