//! Protobuf bodies end to end: the real kubectl (which sends typed creates as
//! application/vnd.kubernetes.protobuf) against the HTTPS server, objects read
//! back with their fields intact; protobuf through the server core; and the 415
//! for a kind the codec does not decode.
import Foundation
import KubeClient
import KubeCore
import LocalAPIServer
import Testing
import TestSupport

private let kubectlPath = "/usr/bin/kubectl"

/// Runs the real kubectl against one test server, with its own kubeconfig and cache.
struct Kubectl: Sendable {
    let directory: URL
    let kubeconfig: URL

    init(server: TestServer) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kubectl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let admin = try server.credentials.clientCredentials(user: "admin", groups: ["system:masters"])
        let config = KubeconfigFile.render(
            server: server.url, caPEM: server.credentials.authority.certificate.pem, user: "admin",
            credential: .clientCertificate(certificatePEM: admin.certificate.pem, keyPEM: admin.key.pemPKCS8))
        kubeconfig = directory.appendingPathComponent("kubeconfig")
        try Data(config.utf8).write(to: kubeconfig)
    }

    struct Result: Sendable {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs kubectl with `arguments`, without blocking a concurrency thread while it runs.
    func run(_ arguments: [String]) async throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: kubectlPath)
        process.arguments = ["--kubeconfig", kubeconfig.path, "--cache-dir", directory.appendingPathComponent("cache").path] + arguments
        let id = UUID().uuidString
        let outURL = directory.appendingPathComponent("\(id).out")
        let errURL = directory.appendingPathComponent("\(id).err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in continuation.resume() }
            do {
                try process.run()
            } catch {
                continuation.resume(throwing: error)
            }
        }
        try out.close()
        try err.close()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    /// Runs kubectl and records an issue unless it succeeds.
    @discardableResult
    func succeed(_ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) async throws -> Result {
        let result = try await run(arguments)
        #expect(result.status == 0, "kubectl \(arguments.joined(separator: " ")) failed: \(result.stderr)", sourceLocation: sourceLocation)
        return result
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

extension GroupVersionResource {
    static let serviceAccounts = GroupVersionResource(group: "", version: "v1", resource: "serviceaccounts")
    static let resourceQuotas = GroupVersionResource(group: "", version: "v1", resource: "resourcequotas")
    static let roles = GroupVersionResource(group: "rbac.authorization.k8s.io", version: "v1", resource: "roles")
    static let roleBindings = GroupVersionResource(group: "rbac.authorization.k8s.io", version: "v1", resource: "rolebindings")
    static let clusterRoles = GroupVersionResource(group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles")
    static let clusterRoleBindings = GroupVersionResource(group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterrolebindings")
}

@Suite("Protobuf request bodies end to end")
struct ProtobufKubectlTests {
    @Test("kubectl's typed creates arrive as protobuf and store every field kubectl set",
          .enabled(if: FileManager.default.isExecutableFile(atPath: kubectlPath), "needs \(kubectlPath)"))
    func kubectlCreates() async throws {
        try await TestServer.with { t in
            let kubectl = try Kubectl(server: t)
            defer { kubectl.remove() }

            // Proof that this exercises protobuf: kubectl logs its request headers at -v=8.
            let namespace = try await kubectl.succeed("create", "namespace", "proto", "-v=8")
            #expect(namespace.stderr.contains("Content-Type: application/vnd.kubernetes.protobuf"), "\(namespace.stderr)")

            try await kubectl.succeed("create", "configmap", "settings", "-n", "proto",
                                      "--from-literal=greeting=hello", "--from-literal=empty=")
            try await kubectl.succeed("create", "secret", "generic", "creds", "-n", "proto",
                                      "--from-literal=user=admin", "--from-literal=password=s3cr=t")
            try await kubectl.succeed("create", "serviceaccount", "robot", "-n", "proto")
            try await kubectl.succeed("create", "deployment", "web", "-n", "proto", "--image=nginx:1.27", "--port=80", "--replicas=2")
            try await kubectl.succeed("create", "service", "clusterip", "web", "-n", "proto", "--tcp=80:8080")
            try await kubectl.succeed("create", "job", "hello", "-n", "proto", "--image=busybox", "--", "echo", "hi")
            try await kubectl.succeed("create", "role", "reader", "-n", "proto", "--verb=get", "--verb=list", "--resource=pods")
            try await kubectl.succeed("create", "rolebinding", "reader-binding", "-n", "proto", "--role=reader",
                                      "--user=alice", "--serviceaccount=proto:robot")
            try await kubectl.succeed("create", "clusterrole", "ns-reader", "--verb=get", "--resource=namespaces")
            try await kubectl.succeed("create", "clusterrolebinding", "ns-reader-binding", "--clusterrole=ns-reader", "--group=devs")
            try await kubectl.succeed("create", "quota", "pods", "-n", "proto", "--hard=pods=3")

            let ns = try await t.client.get(.namespaces, name: "proto")
            #expect(ns.name == "proto")

            let configMap = try await t.client.get(.configMaps, namespace: "proto", name: "settings")
            #expect(configMap.json["data"] == ["greeting": "hello", "empty": ""])

            let secret = try await t.client.get(.secrets, namespace: "proto", name: "creds")
            #expect(secret.json["data"] == [
                "user": .string(Data("admin".utf8).base64EncodedString()),
                "password": .string(Data("s3cr=t".utf8).base64EncodedString()),
            ])
            #expect(secret.json["type"] == "Opaque")

            let serviceAccount = try await t.client.get(.serviceAccounts, namespace: "proto", name: "robot")
            #expect(serviceAccount.name == "robot")

            let deployment = try await t.client.get(.deployments, namespace: "proto", name: "web")
            #expect(deployment.labels == ["app": "web"])
            #expect(deployment.spec?["replicas"] == 2)
            #expect(deployment.spec?["selector"] == ["matchLabels": ["app": "web"]])
            #expect(deployment.spec?["template"]?["metadata"]?["labels"] == ["app": "web"])
            let webContainer = deployment.spec?["template"]?["spec"]?["containers"]?.arrayValue?.first
            #expect(webContainer?["name"] == "nginx")
            #expect(webContainer?["image"] == "nginx:1.27")
            #expect(webContainer?["ports"]?.arrayValue?.first?["containerPort"] == 80)

            let service = try await t.client.get(.services, namespace: "proto", name: "web")
            #expect(service.spec?["type"] == "ClusterIP")
            #expect(service.spec?["selector"] == ["app": "web"])
            let port = service.spec?["ports"]?.arrayValue?.first
            #expect(port?["name"] == "80-8080")
            #expect(port?["port"] == 80)
            #expect(port?["targetPort"] == 8080)
            #expect(port?["protocol"] == "TCP")

            let job = try await t.client.get(.jobs, namespace: "proto", name: "hello")
            let podSpec = job.spec?["template"]?["spec"]
            #expect(podSpec?["restartPolicy"] == "Never")
            #expect(podSpec?["containers"]?.arrayValue?.first?["image"] == "busybox")
            #expect(podSpec?["containers"]?.arrayValue?.first?["command"] == ["echo", "hi"])

            let role = try await t.client.get(.roles, namespace: "proto", name: "reader")
            #expect(role.json["rules"] == [["verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"]]])

            let binding = try await t.client.get(.roleBindings, namespace: "proto", name: "reader-binding")
            #expect(binding.json["roleRef"] == ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"])
            #expect(binding.json["subjects"] == [
                ["kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"],
                ["kind": "ServiceAccount", "name": "robot", "namespace": "proto"],
            ])

            let clusterRole = try await t.client.get(.clusterRoles, name: "ns-reader")
            #expect(clusterRole.json["rules"] == [["verbs": ["get"], "apiGroups": [""], "resources": ["namespaces"]]])

            let clusterBinding = try await t.client.get(.clusterRoleBindings, name: "ns-reader-binding")
            #expect(clusterBinding.json["roleRef"] == ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "ns-reader"])
            #expect(clusterBinding.json["subjects"] == [["kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "devs"]])

            let quota = try await t.client.get(.resourceQuotas, namespace: "proto", name: "pods")
            #expect(quota.spec?["hard"] == ["pods": "3"])
        }
    }

    @Test("a protobuf body of a kind the codec does not decode is a 415 over HTTPS, naming the kind")
    func unsupportedKindOverHTTPS() async throws {
        try await TestServer.with { t in
            let body = protobufBody(apiVersion: "apps/v1", kind: "StatefulSet", [.objectMeta(name: "db", namespace: "default")])
            let error = await expectAPIError {
                _ = try await t.client.request(method: .post, path: "/apis/apps/v1/namespaces/default/statefulsets",
                                               body: body, contentType: KubernetesProtobufCodec.mediaType)
            }
            #expect(error?.code == 415)
            #expect(error?.reason == .unsupportedMediaType)
            #expect(error?.message.contains("\"apps/v1, Kind=StatefulSet\"") == true)
        }
    }

    @Test("the server core creates objects from protobuf bodies, and refuses unknown fields without storing anything")
    func throughTheCore() async throws {
        let core = APIServerCore()
        func create(_ resource: String, namespace: String?, _ body: Data) async throws -> JSONValue? {
            let request = ResourceRequest(verb: .create, group: "", version: "v1", resource: resource, namespace: namespace,
                                          body: body, contentType: KubernetesProtobufCodec.mediaType)
            guard case .object(let value, let code, _) = try await core.handle(request) else { return nil }
            #expect(code == 201)
            return value
        }
        _ = try await create("namespaces", namespace: nil, protobufBody(apiVersion: "v1", kind: "Namespace", [
            .objectMeta(name: "pb"), .message(2, []), .message(3, []),
        ]))
        let created = try await create("configmaps", namespace: "pb", protobufBody(apiVersion: "v1", kind: "ConfigMap", [
            .objectMeta(name: "cm", namespace: "pb", labels: ["tier": "backend"]),
            .entry(2, "k", .string(2, "v")),
        ]))
        #expect(created?["data"] == ["k": "v"])
        let stored = try await InProcessClient(core: core).get(.init(group: "", version: "v1", resource: "configmaps"), namespace: "pb", name: "cm")
        #expect(stored.labels == ["tier": "backend"])
        #expect(stored.json["data"] == ["k": "v"])
        #expect(stored.creationTimestamp != nil)

        let refused = await expectAPIError {
            _ = try await create("configmaps", namespace: "pb", protobufBody(apiVersion: "v1", kind: "ConfigMap", [
                .objectMeta(name: "other", namespace: "pb"), .string(42, "dropped?"),
            ]))
        }
        #expect(refused?.code == 400)
        #expect(refused?.message.contains("unknown field number 42 in protobuf message core/v1.ConfigMap") == true)
        let other = try await InProcessClient(core: core).getIfPresent(.init(group: "", version: "v1", resource: "configmaps"), namespace: "pb", name: "other")
        #expect(other == nil)
    }
}
