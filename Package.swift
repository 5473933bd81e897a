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
//   KubeClient        the Kubernetes REST client over libcurl
//   LocalAPIServer    the local API server: storage, REST, watch, discovery, CRDs, auth
//   ClusterSimulators garbage collector, namespaces, workloads, Agent Sandbox controller
//   LocalCluster      the embedded cluster: server + simulators + CRDs + kubeconfig
import PackageDescription

let package = Package(
    name: "openshell-operator",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "local-cluster", targets: ["local-cluster"]),
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
                "KubeCore", "LocalAPIServer",
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

        // MARK: Executables
        .executableTarget(
            name: "local-cluster",
            dependencies: [
                "LocalCluster", "LocalAPIServer", "KubeCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        .executableTarget(
            name: "apiserver-bench",
            dependencies: [
                "LocalAPIServer", "KubeClient", "KubeCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Tests
        .testTarget(name: "KubeCoreTests", dependencies: ["KubeCore"]),
        .testTarget(name: "KubeSchemaTests", dependencies: ["KubeSchema"]),
        .testTarget(name: "KubeCELTests", dependencies: ["KubeCEL", "KubeCore"]),
        .testTarget(name: "PKITests", dependencies: ["PKI"]),
        .testTarget(
            name: "KubeClientTests",
            dependencies: [
                "KubeClient", "KubeCore",
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
            dependencies: ["ClusterSimulators", "LocalAPIServer", "KubeCore"]
        ),
        .testTarget(
            name: "LocalClusterTests",
            dependencies: [
                "LocalCluster", "KubeCore",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "LocalAPIServerTests",
            dependencies: ["LocalAPIServer", "KubeClient", "KubeCore", "KubeSchema", "PKI", "ClusterSimulators"]
        ),
    ]
)
