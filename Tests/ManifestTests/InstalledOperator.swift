//! A local API server with RBAC enforced, the simulated cluster controllers,
//! the rendered install's CRDs, namespace and access objects applied by the
//! admin, and the operator process (in-process, the same assembly as the
//! binary) configured from the rendered Deployment's flags and authenticated
//! with a token as the Deployment's ServiceAccount, running the controllers
//! its `--controllers` flag chooses (default all).
import ClusterSimulators
import Foundation
import GatewayController
import KubeClient
import KubeCore
import LocalAPIServer
import Logging
import OpenShellAPI
import Operator
import SandboxController
import TestSupport

struct InstalledOperator: Sendable {
    let test: TestServer
    /// The user the operator authenticates as: `system:serviceaccount:<namespace>:<name>`.
    let user: String
    /// The namespace the operator watches (`--namespace`), nil for all.
    let watchNamespace: String?

    /// The admin client.
    var client: RESTClient { test.client }

    /// The operator's requests the server refused with 403, by verb and resource.
    var denials: [RequestKey: Int] {
        test.server.requests.snapshot.filter { $0.key.user == user && $0.key.code == 403 }
    }

    /// Whether the server refused the operator a request matching (verb, resource); nil matches any.
    func wasDenied(_ patterns: [(verb: String?, resource: String?)]) -> Bool {
        denials.keys.contains { key in
            patterns.contains { ($0.verb == nil || $0.verb == key.verb) && ($0.resource == nil || $0.resource == key.resource) }
        }
    }

    /// The operator's requests by verb and logged resource (any response code).
    var calls: Set<String> {
        Set(test.server.requests.snapshot.keys.filter { $0.user == user }.map { "\($0.verb) \($0.resource)" })
    }

    /// Installs `install` (with `access` in place of its access objects, when given) and runs
    /// `body` while the operator runs; stops the operator afterwards.
    static func with<T: Sendable>(
        _ install: RenderedInstall, access: [KubeObject]? = nil, _ body: @Sendable (InstalledOperator) async throws -> T
    ) async throws -> T {
        guard let account = install.serviceAccount else { throw TestFailure("the rendered install has no operator Deployment") }
        return try await TestServer.with(authorizationMode: .rbac) { test in
            var logger = Logger(label: "manifest-tests")
            logger.logLevel = .critical
            var options = SimulatorOptions()
            options.podReadyDelay = .milliseconds(50)
            options.podStopDelay = .milliseconds(50)
            options.retryInitialDelay = .milliseconds(10)
            options.retryMaximumDelay = .milliseconds(300)
            options.brokenImages = [GatewayOptionalScenario.brokenImage]
            let simulators = ClusterSimulators.services(core: test.server.core, faults: test.server.faults, options: options, logger: logger)

            try await test.installCRD(AgentSandboxCRD.definition, resource: SandboxResources.agentSandboxes)
            for crd in install.objects(kind: "CustomResourceDefinition") {
                let group = crd.json["spec"]?["group"]?.stringValue ?? ""
                let version = crd.json["spec"]?["versions"]?.arrayValue?.first?["name"]?.stringValue ?? ""
                let plural = crd.json["spec"]?[path: ["names", "plural"]]?.stringValue ?? ""
                try await test.installCRD(crd, resource: GroupVersionResource(group: group, version: version, resource: plural))
            }
            for namespace in install.objects(kind: "Namespace") {
                _ = try await test.client.create(.namespaces, namespace)
            }
            for object in access ?? install.accessObjects {
                try await apply(object, with: test.client)
            }

            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("manifests-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let token = UUID().uuidString.lowercased()
            let identity = UserInfo.serviceAccount(namespace: account.namespace, name: account.name)
            test.server.authenticator.addToken(token, for: identity)
            let kubeconfig = directory.appendingPathComponent("kubeconfig").path
            try Data(KubeconfigFile.render(
                server: test.url, caPEM: test.credentials.authority.certificate.pem, user: account.name, credential: .token(token),
                namespace: account.namespace).utf8).write(to: URL(fileURLWithPath: kubeconfig))

            let configuration = OperatorConfiguration(
                kubeconfig: kubeconfig, watchNamespace: install.flag("namespace"),
                databasePath: directory.appendingPathComponent("queue.db").path, metricsAddress: nil, probeAddress: nil,
                leaderElection: install.arguments.contains("--leader-elect")
                    ? LeaderElectionSettings(
                        name: install.flag("leader-election-id") ?? LeaderElectionSettings().name,
                        leaseDuration: .seconds(3), renewDeadline: .seconds(2), retryPeriod: .milliseconds(300))
                    : nil)
            let selection = try install.flag("controllers").map { try ControllerSelection(parsing: $0) } ?? .all
            let process = OperatorProcess(
                configuration: configuration,
                setups: selection.setups([.sandbox: SandboxControllerSetup(), .gateway: GatewayControllerSetup()]), logger: logger)
            let installed = InstalledOperator(test: test, user: identity.name, watchNamespace: configuration.watchNamespace)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                for service in simulators { group.addTask { try await service.run() } }
                group.addTask { try await process.run() }
                let result: Result<T, any Error>
                do { result = .success(try await body(installed)) } catch { result = .failure(error) }
                await quiesce(test)
                group.cancelAll()
                return try result.get()
            }
        }
    }

    /// Stops every write before the operator and the simulators are cancelled.
    ///
    /// Works around a lock-order inversion in `ObjectStore`: a writer resumes
    /// watchers' streams while it holds the store's lock, and a watch stream's
    /// `onTermination` takes that lock, so cancelling a watcher's task while a
    /// write resumes it can deadlock the two threads (seen here: a stuck test
    /// process). So: the simulators are paused, every HTTP request is refused
    /// with a 500 (not retried), and the store's resourceVersion must stand
    /// still for a moment, before anything is cancelled.
    static func quiesce(_ test: TestServer) async {
        for controller in SimulatedController.allCases { test.server.faults.pause(controller: controller.rawValue) }
        _ = test.server.faults.add(FaultRule(code: 500))
        let store = test.server.core.store
        var last = store.resourceVersion
        var unchanged = 0
        for _ in 0..<200 where unchanged < 4 {
            try? await Task.sleep(for: .milliseconds(25))
            let current = store.resourceVersion
            if current == last { unchanged += 1 } else { (last, unchanged) = (current, 0) }
        }
    }

    /// Creates one access object as the admin.
    static func apply(_ object: KubeObject, with client: RESTClient) async throws {
        let rbac = "rbac.authorization.k8s.io"
        let resource: GroupVersionResource
        switch object.kind {
        case "ServiceAccount": resource = GroupVersionResource(group: "", version: "v1", resource: "serviceaccounts")
        case "ClusterRole": resource = GroupVersionResource(group: rbac, version: "v1", resource: "clusterroles")
        case "Role": resource = GroupVersionResource(group: rbac, version: "v1", resource: "roles")
        case "ClusterRoleBinding": resource = GroupVersionResource(group: rbac, version: "v1", resource: "clusterrolebindings")
        case "RoleBinding": resource = GroupVersionResource(group: rbac, version: "v1", resource: "rolebindings")
        default: throw TestFailure("not an access object: \(object.kind)")
        }
        let namespace = object.namespace.isEmpty ? nil : object.namespace
        if let namespace, (try? await client.get(.namespaces, name: namespace)) == nil {
            _ = try await client.create(.namespaces, KubeObject(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]]))
        }
        _ = try await client.create(resource, namespace: namespace, object)
    }
}
