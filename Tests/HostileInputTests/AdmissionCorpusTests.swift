//! The corpus cases the API server must refuse (schema, CEL, strict field
//! validation, name rules), each created against one shared local API server
//! with the generated CRDs installed: the exact status code, each expected
//! message naming its field, and nothing stored. And the gateway cases the
//! server admits but `GatewayValidation.validate` rejects, problem for problem.
import Foundation
import KubeClient
import KubeCore
import OpenShellAPI
import OperatorTestSupport
import Testing
import TestSupport

/// One local API server with the four CRDs for every admission case, started
/// on first use and kept for the rest of the test process.
actor SharedServer {
    static let shared = SharedServer()
    private var starting: Task<TestServer, any Error>?

    func server() async throws -> TestServer {
        if let starting { return try await starting.value }
        let task = Task<TestServer, any Error> {
            let (stream, continuation) = AsyncStream<Result<TestServer, any Error>>.makeStream()
            Task.detached {
                do {
                    try await TestServer.with { t in
                        try await t.installOperatorCRDs(agentSandbox: false)
                        continuation.yield(.success(t))
                        // Serve until the test process exits.
                        try await Task.sleep(for: .seconds(24 * 3600))
                    }
                } catch {
                    continuation.yield(.failure(error))
                }
            }
            for await result in stream { return try result.get() }
            throw CorpusError("the shared API server did not start")
        }
        starting = task
        return try await task.value
    }
}

func resource(of kind: String) -> GroupVersionResource {
    switch kind {
    case "OpenShellSandboxClass": OpenShellAPIGroup.sandboxClasses
    case "OpenShellPolicy": OpenShellAPIGroup.policies
    case "OpenShellGateway": OpenShellAPIGroup.gateways
    default: OpenShellAPIGroup.sandboxes
    }
}

/// `<field>: <message>` of each cause (the message alone for a cause without a field), then the status message.
func causeLines(_ error: APIError) -> [String] {
    let causes = (error.status.details?.causes ?? []).map { cause in
        let field = cause.field ?? ""
        return field.isEmpty || field == "<nil>" ? (cause.message ?? "") : "\(field): \(cause.message ?? "")"
    }
    return causes + [error.message]
}

@Suite("Hostile input: what admission refuses")
struct AdmissionCorpusTests {
    @Test("the corpus holds at least 100 cases across the four kinds")
    func corpusSize() {
        #expect(Corpus.all.count >= 100)
        for kind in Corpus.kinds {
            #expect(Corpus.all.contains { $0.kind == kind }, "no case of \(kind)")
        }
    }

    @Test("the API server refuses the case with its message, and stores nothing", arguments: Corpus.rejected)
    func rejected(_ hostile: HostileCase) async throws {
        let t = try await SharedServer.shared.server()
        let resource = resource(of: hostile.kind)
        let validation = FieldValidation(rawValue: hostile.fieldValidation)
        let error = await outcome(of: hostile) {
            _ = try await t.client.create(
                resource, namespace: hostile.namespace, hostile.object, options: WriteOptions(fieldValidation: validation))
        }
        let check = {
            #expect(error?.code == hostile.code, "\(error.map(causeLines) ?? [])")
            let lines = error.map(causeLines) ?? []
            for message in hostile.messages {
                #expect(lines.contains { $0.contains(message) }, "\(message.debugDescription) in \(lines)")
            }
        }
        if let bug = hostile.knownBug {
            withKnownIssue(Comment(rawValue: bug)) { check() }
        } else {
            check()
        }
        // Zero partial objects: whatever the outcome, a refused create left nothing behind.
        if error != nil {
            let stored = try? await t.client.get(resource, namespace: hostile.namespace, name: hostile.object.name)
            #expect(stored == nil)
        } else {
            _ = try? await t.client.delete(resource, namespace: hostile.namespace, name: hostile.object.name)
        }
    }

    @Test("the API server admits the gateway and GatewayValidation reports each problem", arguments: Corpus.gatewayInvalid)
    func gatewayValidation(_ hostile: HostileCase) async throws {
        let t = try await SharedServer.shared.server()
        let created = try await t.client.create(
            OpenShellAPIGroup.gateways, namespace: hostile.namespace, hostile.object, options: WriteOptions(fieldValidation: .strict))
        defer { Task { _ = try? await t.client.delete(OpenShellAPIGroup.gateways, namespace: hostile.namespace, name: created.name) } }
        let spec = try created.decodeSpec(OpenShellGatewaySpec.self)
        let problems = GatewayValidation.validate(spec).map { "\($0.reason.rawValue) \($0.description)" }
        let check = {
            #expect(!problems.isEmpty)
            for message in hostile.messages {
                #expect(problems.contains { $0.contains(message) }, "\(message.debugDescription) in \(problems)")
            }
        }
        if let bug = hostile.knownBug {
            withKnownIssue(Comment(rawValue: bug)) { check() }
        } else {
            check()
        }
    }
}

/// The APIError `body` throws, or nil when it succeeds (recorded unless the case is a known bug).
private func outcome(of hostile: HostileCase, _ body: () async throws -> Void) async -> APIError? {
    do {
        try await body()
        if hostile.knownBug == nil { Issue.record("\(hostile.id): the server accepted the object") }
        return nil
    } catch let error as APIError {
        return error
    } catch {
        Issue.record("\(hostile.id): expected an APIError, got \(error)")
        return nil
    }
}
