// swift-tools-version: 6.0
//
// openshell-operator: a Kubernetes operator for OpenShell, and the local
// Kubernetes API server (our envtest) it is built and tested against.
//
// Modules are split along IO boundaries, kube-rs style:
//   KubeCore          pure Kubernetes types: JSON values, metadata, selectors, patches, Status
//   KubeSchema        structural schemas: validation, defaulting, pruning (pure)
//   KubeCEL           the Common Expression Language: parser, type checker, evaluator (pure)
//   PKI               certificates and keys through OpenSSL (libssl)
//   GatewayPKI        the OpenShell gateway's CA, certificates, JWT key and KEK as Secrets (pure plans)
//   KubeClient        the Kubernetes REST client over libcurl
//   LocalAPIServer    the local API server: storage, REST, watch, discovery, CRDs, auth
//   ClusterSimulators garbage collector, namespaces, workloads, Agent Sandbox controller
//   LocalCluster      the embedded cluster: server + simulators + CRDs + kubeconfig
//   WorkQueue         the crash-safe work queue and observed-state cache in SQLite
//   KubeRuntime       informers, controllers, leader election, Events, runtime metrics
//   Operator          the operator process: configuration, HTTP endpoints, logging, assembly
//   ProcessSupport    the package's own executables as child processes (tests and the chaos harness)
//   TestSupport       test-only helpers (a local API server per test); never shipped
//   OperatorTestSupport  test-only: the operator against a simulated cluster, in-process or as its binary
import PackageDescription

let package = Package(
    name: "openshell-operator",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "local-cluster", targets: ["local-cluster"]),
        .executable(name: "openshell-operator", targets: ["openshell-operator"]),
        .executable(name: "kubectl-openshell", targets: ["kubectl-openshell"]),
        .executable(name: "operator-bench", targets: ["operator-bench"]),
        .executable(name: "operator-chaos", targets: ["operator-chaos"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // MARK: C shims over the system libraries named by the design
        .target(
            name: "COpenSSL",
            linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]
        ),
        .target(
            name: "CCurl",
            linkerSettings: [.linkedLibrary("curl")]
        ),
        .target(
            name: "CSQLite",
            linkerSettings: [.linkedLibrary("sqlite3")]
        ),

        // MARK: Pure libraries
        .target(
            name: "KubeCore",
            dependencies: [
                .product(name: "OrderedCollections", package: "swift-collections"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "KubeSchema",
            dependencies: ["KubeCore"]
        ),
        .target(
            name: "KubeCEL",
            dependencies: ["KubeCore"]
        ),
        .target(
            name: "PKI",
            dependencies: ["COpenSSL"]
        ),

        // MARK: IO
        .target(
            name: "KubeClient",
            dependencies: [
                "KubeCore", "CCurl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "LocalAPIServer",
            dependencies: [
                "KubeCore", "KubeSchema", "KubeCEL", "PKI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "ClusterSimulators",
            dependencies: [
                "KubeCore", "LocalAPIServer", "PKI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        .target(
            name: "LocalCluster",
            dependencies: [
                "LocalAPIServer", "ClusterSimulators", "KubeCore", "PKI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // MARK: The operator
        .target(
            name: "WorkQueue",
            dependencies: [
                "KubeCore", "CSQLite",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            plugins: ["EmbedMigrations"]
        ),
        // migrations/*.sql → a generated Swift file in WorkQueue, so the binary carries its schema.
        .plugin(name: "EmbedMigrations", capability: .buildTool(), dependencies: ["embed-migrations"]),
        .executableTarget(name: "embed-migrations"),
        .target(
            name: "KubeRuntime",
            dependencies: [
                "KubeCore", "KubeClient", "WorkQueue",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Operator",
            dependencies: [
                "KubeCore", "KubeClient", "KubeRuntime", "WorkQueue", "OpenShellAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        .target(
            name: "OpenShellAPI",
            dependencies: ["KubeCore", "KubeSchema"]
        ),
        .target(
            name: "GatewayPKI",
            dependencies: ["PKI", "KubeCore", "OpenShellAPI"]
        ),
        .target(
            name: "GatewayController",
            dependencies: [
                "OpenShellAPI", "KubeCore", "KubeClient", "KubeRuntime", "Operator", "GatewayPKI",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SandboxController",
            dependencies: [
                "OpenShellAPI", "Operator", "KubeCore", "KubeClient", "KubeRuntime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),

        // MARK: Executables
        .executableTarget(
            name: "openshell-operator",
            dependencies: [
                "Operator", "KubeCore", "OpenShellAPI", "SandboxController", "GatewayController",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "local-cluster",
            dependencies: [
                "LocalCluster", "LocalAPIServer", "KubeCore", "Operator", "SandboxController", "GatewayController", "OpenShellAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        .executableTarget(
            name: "kubectl-openshell",
            dependencies: [
                "KubeClient", "KubeCore", "OpenShellAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "BenchSupport",
            dependencies: ["LocalAPIServer", "KubeClient", "KubeCore", .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "apiserver-bench",
            dependencies: [
                "LocalAPIServer", "KubeClient", "KubeCore", "BenchSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .executableTarget(
            name: "controller-harness",
            dependencies: [
                "Operator", "KubeRuntime", "KubeClient", "KubeCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "operator-bench",
            dependencies: [
                "WorkQueue", "KubeCore", "KubeClient", "KubeRuntime", "BenchSupport",
                "LocalAPIServer", "ClusterSimulators", "Operator", "OpenShellAPI", "SandboxController",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),

        // Child processes and free ports, without the Testing library: used by ChaosSupport and TestSupport.
        .target(name: "ProcessSupport"),
        // The chaos harness: workload, invariant checker and the two runs, shared by operator-chaos and ChaosTests.
        .target(
            name: "ChaosSupport",
            dependencies: [
                "BenchSupport", "LocalAPIServer", "ClusterSimulators", "KubeClient", "KubeCore", "OpenShellAPI", "SandboxController",
                "ProcessSupport", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "operator-chaos",
            dependencies: ["ChaosSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // MARK: Tests
        .target(
            name: "TestSupport",
            dependencies: ["LocalAPIServer", "KubeClient", "KubeCore", "PKI", "ProcessSupport", .product(name: "Logging", package: "swift-log")],
            path: "Sources/TestSupport"
        ),
        // The operator's test cluster (server, simulators, CRDs, the operator in-process or as its binary),
        // kept out of TestSupport so the lower-level test targets need not build the operator.
        .target(
            name: "OperatorTestSupport",
            dependencies: [
                "TestSupport", "ProcessSupport", "ClusterSimulators", "OpenShellAPI", "Operator", "LocalAPIServer", "KubeClient", "KubeCore",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "KubeCoreTests", dependencies: ["KubeCore"]),
        .testTarget(name: "KubeSchemaTests", dependencies: ["KubeSchema"]),
        .testTarget(name: "KubeCELTests", dependencies: ["KubeCEL", "KubeCore"]),
        .testTarget(name: "PKITests", dependencies: ["PKI"]),
        .testTarget(name: "GatewayPKITests", dependencies: ["GatewayPKI", "PKI", "KubeCore", "OpenShellAPI"]),
        .testTarget(
            name: "KubeClientTests",
            dependencies: [
                "KubeClient", "KubeCore", "LocalAPIServer", "TestSupport",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ClusterSimulatorsTests",
            dependencies: ["ClusterSimulators", "LocalAPIServer", "KubeCore", "PKI"]
        ),
        .testTarget(
            name: "LocalClusterTests",
            dependencies: [
                "LocalCluster", "LocalAPIServer", "KubeCore", "Operator", "SandboxController",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "LocalAPIServerTests",
            dependencies: ["LocalAPIServer", "KubeClient", "KubeCore", "KubeSchema", "PKI", "ClusterSimulators", "TestSupport"]
        ),
        .testTarget(
            name: "WorkQueueTests",
            dependencies: [
                "WorkQueue", "KubeCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "KubeRuntimeTests",
            dependencies: [
                "KubeRuntime", "KubeClient", "KubeCore", "WorkQueue", "LocalAPIServer", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "OpenShellAPITests",
            dependencies: ["OpenShellAPI", "KubeCore", "KubeSchema", "KubeClient", "LocalAPIServer", "TestSupport"]
        ),
        .testTarget(
            name: "SandboxControllerTests",
            dependencies: [
                "SandboxController", "OpenShellAPI", "Operator", "KubeRuntime", "KubeClient", "KubeCore", "KubeSchema",
                "WorkQueue", "LocalAPIServer", "LocalCluster", "ClusterSimulators", "TestSupport", "OperatorTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Golden"]
        ),
        .testTarget(
            name: "HostileInputTests",
            dependencies: [
                "OpenShellAPI", "SandboxController", "Operator", "KubeClient", "KubeCore", "LocalAPIServer",
                "ClusterSimulators", "TestSupport", "OperatorTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Corpus"]
        ),
        .testTarget(
            name: "GatewayControllerTests",
            dependencies: [
                "GatewayController", "GatewayPKI", "OpenShellAPI", "Operator", "KubeRuntime", "KubeClient", "KubeCore", "KubeSchema",
                "LocalAPIServer", "ClusterSimulators", "TestSupport", "OperatorTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Golden"]
        ),
        .testTarget(
            name: "ManifestTests",
            dependencies: [
                "Operator", "SandboxController", "GatewayController", "OpenShellAPI", "ClusterSimulators", "KubeClient", "KubeCore",
                "LocalAPIServer", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ChaosTests",
            dependencies: ["ChaosSupport", "KubeCore", "LocalAPIServer"]
        ),
        .testTarget(
            name: "OperatorSafetyTests",
            dependencies: [
                "OpenShellAPI", "SandboxController", "ClusterSimulators", "KubeClient", "KubeCore",
                "LocalAPIServer", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "OperatorTests",
            dependencies: [
                "Operator", "OpenShellAPI", "ClusterSimulators", "KubeRuntime", "KubeClient", "KubeCore", "WorkQueue", "LocalAPIServer", "LocalCluster", "TestSupport", "OperatorTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
    ]
)
