//! The credential providers in isolation: the token file's reload interval
//! and last-good-token rule on a manual clock, ExecCredential decoding and
//! its errors, and the exec provider's caching, expiry, single flight,
//! invalidation and failure messages with a fake plugin runner.
import Foundation
import KubeCore
import Synchronization
import Testing

@testable import KubeClient

@Suite("Token file provider")
struct TokenFileProviderTests {
    private func provider(_ files: FakeFiles, clock: ManualWallClock, initial: String? = nil) -> TokenFileProvider {
        TokenFileProvider(
            path: "/t", initialToken: initial, reloadInterval: .seconds(60), clock: clock, readFile: { try files.read($0) })
    }

    @Test("re-reads the file only after the interval")
    func interval() async throws {
        let files = FakeFiles(["/t": "a\n"])
        let clock = ManualWallClock()
        let tokens = provider(files, clock: clock)
        #expect(try await tokens.token() == "a")
        files.write("/t", "b")
        clock.advance(by: .seconds(59))
        #expect(try await tokens.token() == "a")
        clock.advance(by: .seconds(1))
        #expect(try await tokens.token() == "b")
    }

    @Test("an initial token counts as a fresh read")
    func initialToken() async throws {
        let files = FakeFiles(["/t": "b"])
        let clock = ManualWallClock()
        let tokens = provider(files, clock: clock, initial: "a")
        #expect(try await tokens.token() == "a")
        clock.advance(by: .seconds(60))
        #expect(try await tokens.token() == "b")
    }

    @Test("keeps the last good token when the file disappears or is empty")
    func keepsLastGood() async throws {
        let files = FakeFiles(["/t": "a"])
        let clock = ManualWallClock()
        let tokens = provider(files, clock: clock)
        #expect(try await tokens.token() == "a")
        files.remove("/t")
        clock.advance(by: .seconds(61))
        #expect(try await tokens.token() == "a")
        files.write("/t", "  \n")
        clock.advance(by: .seconds(61))
        #expect(try await tokens.token() == "a")
        files.write("/t", "c")
        clock.advance(by: .seconds(61))
        #expect(try await tokens.token() == "c")
    }

    @Test("throws while no token was ever read")
    func noToken() async throws {
        let files = FakeFiles()
        let tokens = provider(files, clock: ManualWallClock())
        await #expect(throws: FileReadError(path: "/t", reason: "no such file or directory", isNotFound: true)) {
            try await tokens.token()
        }
        files.write("/t", "")
        await #expect(throws: TokenFileError(path: "/t")) { try await tokens.token() }
    }

    @Test("invalidate re-reads at once and reports whether the token changed")
    func invalidate() async throws {
        let files = FakeFiles(["/t": "a"])
        let tokens = provider(files, clock: ManualWallClock())
        #expect(try await tokens.token() == "a")
        #expect(tokens.invalidate() == false)
        files.write("/t", "b")
        #expect(tokens.invalidate() == true)
        #expect(try await tokens.token() == "b")
    }

    @Test("the description never shows the token")
    func description() async throws {
        let tokens = TokenFileProvider(path: "/t", initialToken: "secret-token")
        #expect(!"\(tokens)".contains("secret-token"))
    }
}

@Suite("ExecCredential")
struct ExecCredentialTests {
    private let v1 = "client.authentication.k8s.io/v1"

    @Test("decodes token, certificate pair and expiry")
    func decodes() throws {
        let json = """
            {"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t",
             "clientCertificateData":"CERT","clientKeyData":"KEY","expirationTimestamp":"2030-01-02T03:04:05Z"}}
            """
        let credential = try ExecCredential.parse(Data(json.utf8), apiVersion: v1)
        #expect(credential.token == "t")
        #expect(credential.clientCertificate == ClientCertificate(certificatePEM: Data("CERT".utf8), keyPEM: Data("KEY".utf8)))
        #expect(credential.expirationTimestamp == KubeTime.parse("2030-01-02T03:04:05Z"))
        var dumped = ""
        dump(credential, to: &dumped)
        for text in ["\(credential)", String(reflecting: credential), dumped] {
            #expect(!text.contains("KEY") && !text.contains("CERT") && !text.contains("\"t\""))
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var output: String
        var message: String
        var testDescription: String { message }
    }

    @Test("rejects unusable output with client-go's messages", arguments: [
        Case(output: "not json", message: "decoding stdout: the output is not a JSON object"),
        Case(output: #"{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"t"}}"#,
             message: "exec plugin is configured to use API version client.authentication.k8s.io/v1, plugin returned version client.authentication.k8s.io/v1beta1"),
        Case(output: #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential"}"#,
             message: "exec plugin didn't return a status field"),
        Case(output: #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{}}"#,
             message: "exec plugin didn't return a token or cert/key pair"),
        Case(output: #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientCertificateData":"C"}}"#,
             message: "exec plugin returned only certificate or key, not both"),
        Case(output: #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t","expirationTimestamp":"soon"}}"#,
             message: #"decoding stdout: invalid expirationTimestamp "soon""#),
    ])
    func rejects(_ example: Case) {
        #expect(throws: ExecPluginError(example.message)) {
            try ExecCredential.parse(Data(example.output.utf8), apiVersion: v1)
        }
    }

    @Test("KUBERNETES_EXEC_INFO carries the cluster only when asked to")
    func execInfo() {
        let cluster = ExecClusterInfo(server: "https://s", tlsServerName: "n", certificateAuthorityData: Data("CA".utf8))
        #expect(ExecCredential.execInfo(apiVersion: v1, cluster: nil)
            == ["apiVersion": .string(v1), "kind": "ExecCredential", "spec": ["interactive": false]])
        #expect(ExecCredential.execInfo(apiVersion: v1, cluster: cluster)["spec"]?["cluster"]
            == ["server": "https://s", "tls-server-name": "n", "certificate-authority-data": .string(Data("CA".utf8).base64EncodedString())])
    }
}

/// A fake plugin: counts runs, answers with `respond(run)`, optionally waits for a gate.
private final class FakePlugin: Sendable {
    private let count = Mutex(0)
    private let invocations = Mutex<[ExecPluginRunner.Invocation]>([])
    let respond: @Sendable (Int) -> ExecPluginRunner.Output

    init(respond: @escaping @Sendable (Int) -> ExecPluginRunner.Output) { self.respond = respond }

    var runs: Int { count.withLock { $0 } }
    var lastInvocation: ExecPluginRunner.Invocation? { invocations.withLock { $0.last } }

    var runner: ExecPluginRunner {
        ExecPluginRunner { invocation in
            self.invocations.withLock { $0.append(invocation) }
            let run = self.count.withLock { count in
                count += 1
                return count
            }
            // Long enough for concurrent callers to pile up behind the run.
            try await Task.sleep(for: .milliseconds(50))
            return self.respond(run)
        }
    }

    static func credential(token: String, expiry: String?) -> ExecPluginRunner.Output {
        let expiryField = expiry.map { #","expirationTimestamp":"\#($0)""# } ?? ""
        let json = #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"\#(token)"\#(expiryField)}}"#
        return .init(exitCode: 0, stdout: Data(json.utf8), stderr: Data())
    }
}

@Suite("Exec credential provider")
struct ExecCredentialProviderTests {
    private let config = Kubeconfig.ExecConfig(
        apiVersion: "client.authentication.k8s.io/v1", command: "plugin", args: ["get"], env: [.init(name: "X", value: "1")],
        interactiveMode: .never, provideClusterInfo: true)

    private func provider(_ plugin: FakePlugin, clock: ManualWallClock, margin: Duration = .seconds(10)) -> ExecCredentialProvider {
        ExecCredentialProvider(
            config: config, userName: "bob", cluster: ExecClusterInfo(server: "https://s"), environment: ["PATH": "/bin"],
            refreshMargin: margin, clock: clock, runner: plugin.runner)
    }

    @Test("caches the credential until shortly before it expires")
    func cachesUntilExpiry() async throws {
        let clock = ManualWallClock(KubeTime.parse("2030-01-01T00:00:00Z") ?? Date())
        let plugin = FakePlugin { FakePlugin.credential(token: "t\($0)", expiry: "2030-01-01T00:10:00Z") }
        let credentials = provider(plugin, clock: clock)
        #expect(try await credentials.token() == "t1")
        clock.advance(by: .seconds(589))
        #expect(try await credentials.token() == "t1")
        clock.advance(by: .seconds(1))  // 10 s before expiry
        #expect(try await credentials.token() == "t2")
        #expect(plugin.runs == 2)
    }

    @Test("a credential without expiry is kept until invalidated")
    func noExpiry() async throws {
        let clock = ManualWallClock()
        let plugin = FakePlugin { FakePlugin.credential(token: "t\($0)", expiry: nil) }
        let credentials = provider(plugin, clock: clock)
        #expect(try await credentials.token() == "t1")
        clock.advance(by: .seconds(86_400))
        #expect(try await credentials.token() == "t1")
        #expect(credentials.invalidate())
        #expect(try await credentials.token() == "t2")
    }

    @Test("concurrent callers share one plugin run")
    func singleFlight() async throws {
        let plugin = FakePlugin { FakePlugin.credential(token: "t\($0)", expiry: nil) }
        let credentials = provider(plugin, clock: ManualWallClock())
        let tokens = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { try await credentials.token() } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(tokens == ["t1"])
        #expect(plugin.runs == 1)
    }

    @Test("the plugin gets its args, env and KUBERNETES_EXEC_INFO with the cluster")
    func invocation() async throws {
        let plugin = FakePlugin { FakePlugin.credential(token: "t\($0)", expiry: nil) }
        _ = try await provider(plugin, clock: ManualWallClock()).token()
        let invocation = try #require(plugin.lastInvocation)
        #expect(invocation.command == "plugin")
        #expect(invocation.arguments == ["get"])
        #expect(invocation.environment["X"] == "1")
        #expect(invocation.environment["PATH"] == "/bin")
        let info = try JSONValue.parse(invocation.environment["KUBERNETES_EXEC_INFO"] ?? "")
        #expect(info["spec"]?["cluster"]?["server"] == "https://s")
        #expect(info["spec"]?["interactive"] == false)
    }

    @Test("a failing plugin reports its exit code and truncated stderr, and is retried next time")
    func failure() async throws {
        let noisy = String(repeating: "x", count: 2000)
        let plugin = FakePlugin { run in
            run == 1
                ? .init(exitCode: 3, stdout: Data(), stderr: Data("login required\n\(noisy)".utf8))
                : FakePlugin.credential(token: "t\(run)", expiry: nil)
        }
        let credentials = provider(plugin, clock: ManualWallClock())
        do {
            _ = try await credentials.token()
            Issue.record("expected the plugin failure")
        } catch let error as ExecPluginError {
            #expect(error.description.hasPrefix("getting credentials: exec: executable plugin failed with exit code 3: login required"))
            #expect(error.description.hasSuffix("…(truncated)"))
            #expect(error.description.count < 1200)
        }
        #expect(try await credentials.token() == "t2")
    }

    @Test("the real runner reports a missing executable with the install hint")
    func missingExecutable() async throws {
        var config = config
        config.command = "no-such-plugin-\(UUID().uuidString)"
        config.installHint = "install it with: brew install plugin"
        let credentials = ExecCredentialProvider(
            config: config, userName: "bob", cluster: nil, environment: ["PATH": "/usr/bin:/bin"])
        await #expect(throws: ExecPluginError(
            "exec: executable \(config.command) not found\n\ninstall it with: brew install plugin")) {
            try await credentials.token()
        }
    }
}
