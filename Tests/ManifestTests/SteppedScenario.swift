//! What the least-privilege scenarios share: steps that poll the server until
//! a condition holds, within a time limit, and stop early when the caller has
//! seen what it waited for.

/// Why a scenario stopped early.
enum ScenarioStop: Error, CustomStringConvertible {
    /// A step's condition did not hold in time.
    case timedOut(step: String)
    /// The caller asked to stop (what it waited for has happened).
    case stopped(step: String)

    var description: String {
        switch self {
        case .timedOut(let step): "the step \"\(step)\" did not complete in time"
        case .stopped(let step): "stopped during \"\(step)\""
        }
    }
}

/// A scenario of steps, each polling until its condition holds.
protocol SteppedScenario: Sendable {
    /// How long each step may take.
    var stepTimeout: Duration { get }
    /// Checked while waiting: true stops the scenario (`ScenarioStop.stopped`).
    var stop: @Sendable () -> Bool { get }
}

extension SteppedScenario {
    /// Polls `condition` until it holds; throws when the time is up or `stop` says so.
    func step(_ name: String, _ condition: @Sendable () async -> Bool) async throws {
        let deadline = ContinuousClock.now + stepTimeout
        while ContinuousClock.now < deadline {
            if stop() { throw ScenarioStop.stopped(step: name) }
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw ScenarioStop.timedOut(step: name)
    }
}
