//! Locked: a shareable, lock-protected value — a reference wrapper around
//! `Mutex` for state that several tasks hold on to.
import Synchronization

public final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    public init(_ value: Value) { mutex = Mutex(value) }

    /// Runs `body` with exclusive access to the value. `body` must not block or call back into this lock.
    public func withLock<Result: Sendable>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        try mutex.withLock { value in try body(&value) }
    }

    public var value: Value { withLock { $0 } }
}
