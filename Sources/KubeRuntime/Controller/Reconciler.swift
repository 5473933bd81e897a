//! The contract between the controller loop and a reconciler: what it is
//! asked, what it answers, and the errors that change how it is retried.
import Foundation
import KubeCore

/// One unit of work: bring the object `key` names to the state it asks for.
public struct ReconcileRequest: Sendable, Hashable, CustomStringConvertible {
    /// The primary object's namespace/name. The object may no longer exist.
    public var key: ObjectKey
    /// 1 on the first try, counting up while reconciles of this key fail.
    public var attempt: Int

    public init(key: ObjectKey, attempt: Int = 1) {
        self.key = key
        self.attempt = attempt
    }

    public var description: String { key.description }
}

/// What a successful reconcile asks of the queue.
public enum ReconcileResult: Sendable, Hashable {
    /// Nothing more to do until something changes.
    case done
    /// Look again after this delay (a TTL deadline, a rollout to watch). When
    /// the key is also queued for another reason, the earlier time wins.
    case requeue(after: Duration)
}

/// Errors with a meaning for the controller loop. Any other error is retried
/// with the queue's per-key exponential backoff.
public enum ReconcileError: Error, Sendable, CustomStringConvertible {
    /// The input is wrong and retrying cannot help: the reconciler has
    /// already reported it (condition, Event). The key is not retried until
    /// the object changes. Counted in `controller_runtime_terminal_reconcile_errors_total`.
    case terminal(String)

    public var description: String {
        switch self {
        case .terminal(let message): message
        }
    }
}

/// Reconciles one kind of primary object.
///
/// The contract (controller-runtime's, restated):
/// - `reconcile` is level-based and idempotent: it reads the current state
///   (from caches or the API server), compares it with the desired state and
///   writes only the difference. It may be interrupted at any point (a crash,
///   a lost lease) and is simply run again.
/// - The loop never runs two reconciles of the same key at once, and runs at
///   most `maxConcurrentReconciles` reconciles of this controller at once.
/// - The object named by the request may be gone; that is normal.
public protocol Reconciler: Sendable {
    /// Brings the world to the state the object `request.key` asks for.
    /// - Returns: `.done`, or `.requeue(after:)` to look again later.
    /// - Throws: `ReconcileError.terminal` for input no retry can fix; any
    ///   other error is retried with backoff.
    func reconcile(_ request: ReconcileRequest) async throws -> ReconcileResult

    /// A stable digest of everything the reconciler reads beyond the object's
    /// spec (which `metadata.generation` already covers): labels and
    /// annotations it honours, referenced objects' versions. Remembered after
    /// each successful reconcile; at start-up, objects whose generation and
    /// digest are unchanged are not reconciled at once.
    ///
    /// The default digests labels and annotations.
    func inputHash(for object: KubeObject) -> String

    /// Called at start-up for objects reconciled before but deleted while the
    /// operator was down, so work outside Kubernetes can be cleaned up.
    /// Owned Kubernetes objects are left to the garbage collector. The
    /// default does nothing.
    func cleanup(_ key: ObjectKey) async throws
}

extension Reconciler {
    public func inputHash(for object: KubeObject) -> String {
        InputDigest.of(labels: object.labels, annotations: object.annotations)
    }

    public func cleanup(_ key: ObjectKey) async throws {}
}

/// Builds the stable digests `Reconciler.inputHash(for:)` returns.
public enum InputDigest {
    /// A digest of JSON values: FNV-1a 64 over their canonical (sorted-key)
    /// serialisation. Stable across processes and releases.
    public static func of(_ values: [JSONValue]) -> String {
        FNV1a.hex64(JSONValue.array(values).jsonString())
    }

    /// A digest of labels and annotations.
    public static func of(labels: [String: String], annotations: [String: String]) -> String {
        of([.object(labels.mapValues(JSONValue.string)), .object(annotations.mapValues(JSONValue.string))])
    }
}
