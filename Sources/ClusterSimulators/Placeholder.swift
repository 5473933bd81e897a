//! The simulated cluster controllers' entry point. This first version runs
//! none; the garbage collector, namespace, workload and Agent Sandbox
//! controllers arrive in the next change.
import LocalAPIServer
import Logging
import ServiceLifecycle

/// Which simulated controllers run, and how fast the simulated cluster moves.
public struct SimulatorOptions: Sendable {
    public var enabled = true
    public var disabled: Set<String> = []
    public var podReadyDelay: Duration = .seconds(1)
    public var brokenImages: Set<String> = []
    public init() {}
}

public enum ClusterSimulators {
    /// The services that simulate the cluster's controllers.
    public static func services(core: APIServerCore, faults: FaultInjector, options: SimulatorOptions, logger: Logger) -> [any Service] { [] }
}
