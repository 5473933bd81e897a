//! WorkQueue: the de-duplicating, delaying, rate-limited queue of keys a
//! simulated controller works through (client-go's workqueue, reduced to one
//! consumer). A key queued twice before it is taken is reconciled once;
//! `add(_:after:)` schedules a later look; failures back off exponentially.
import KubeCore

final class WorkQueue<Key: Hashable & Sendable>: Sendable {
    private struct State: Sendable {
        var ready: [Key] = []
        var head = 0
        var queued: Set<Key> = []
        /// Keys to add once their instant has passed (the earliest wins).
        var delayed: [Key: ContinuousClock.Instant] = [:]
        var failures: [Key: Int] = [:]
        var waiter: CheckedContinuation<Void, Never>?
        /// A wake-up arrived while nobody was waiting.
        var signalled = false

        mutating func pop() -> Key? {
            guard head < ready.count else { return nil }
            let key = ready[head]
            head += 1
            if head > 64, head * 2 > ready.count {
                ready.removeFirst(head)
                head = 0
            }
            queued.remove(key)
            return key
        }

        mutating func push(_ key: Key) -> Bool {
            guard queued.insert(key).inserted else { return false }
            ready.append(key)
            return true
        }
    }

    private let state = Locked(State())
    private let initialBackoff: Duration
    private let maximumBackoff: Duration

    init(initialBackoff: Duration, maximumBackoff: Duration) {
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
    }

    /// Queues a key now.
    func add(_ key: Key) {
        let pushed = state.withLock { $0.push(key) }
        if pushed { signal() }
    }

    /// Queues a key once `delay` has passed (at once when it is not positive).
    func add(_ key: Key, after delay: Duration) {
        guard delay > .zero else { return add(key) }
        let due = ContinuousClock.now.advanced(by: delay)
        state.withLock { s in
            if let existing = s.delayed[key], existing <= due { return }
            s.delayed[key] = due
        }
        // The worker may be sleeping towards a later deadline.
        signal()
    }

    /// Queues a key after its next back-off delay (exponential per key).
    func addRateLimited(_ key: Key) {
        let failures = state.withLock { s -> Int in
            s.failures[key, default: 0] += 1
            return s.failures[key] ?? 1
        }
        var delay = initialBackoff
        for _ in 1..<min(failures, 30) where delay < maximumBackoff { delay *= 2 }
        add(key, after: min(delay, maximumBackoff))
    }

    /// Resets a key's back-off after a successful reconcile.
    func forget(_ key: Key) {
        state.withLock { _ = $0.failures.removeValue(forKey: key) }
    }

    /// The next key to work on; waits for one. Nil once the task is cancelled.
    func next() async -> Key? {
        while !Task.isCancelled {
            let now = ContinuousClock.now
            let (key, deadline) = state.withLock { s -> (Key?, ContinuousClock.Instant?) in
                for (key, due) in s.delayed where due <= now {
                    s.delayed[key] = nil
                    _ = s.push(key)
                }
                if let key = s.pop() { return (key, nil) }
                return (nil, s.delayed.values.min())
            }
            if let key { return key }
            await waitForWork(until: deadline)
        }
        return nil
    }

    // MARK: Waking the worker

    private func signal() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard let waiter = s.waiter else {
                s.signalled = true
                return nil
            }
            s.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns after a signal, at `deadline`, or on cancellation, whichever comes first.
    private func waitForWork(until deadline: ContinuousClock.Instant?) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForSignal() }
            if let deadline {
                group.addTask {
                    try? await Task.sleep(until: deadline, clock: .continuous)
                    if !Task.isCancelled { self.signal() }
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForSignal() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let (resumeNow, stale) = state.withLock { s -> (Bool, CheckedContinuation<Void, Never>?) in
                    if s.signalled {
                        s.signalled = false
                        return (true, nil)
                    }
                    // One consumer: a stale waiter (none expected) is released rather than leaked.
                    let stale = s.waiter
                    s.waiter = continuation
                    return (false, stale)
                }
                stale?.resume()
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            self.signal()
        }
    }
}
