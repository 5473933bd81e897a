//! OwnerWriter: a reconciler's writes to its own primary object — adding and
//! removing its finalizer, and the status write with the plan's Events
//! (`StatusCommit`) — each with the resourceVersion the run read as
//! precondition, so a run that planned from an outdated copy writes nothing
//! and stops.
import KubeClient
import KubeCore
import Logging

/// Writes to the primary object of one reconciler.
///
/// The contract: every write carries the owner's `metadata.resourceVersion` as read by this run.
/// A 409 (our copy was behind) or 404 (the owner is gone) is not an error: the write returns nil
/// (`.superseded` for the status) and the run should stop, since the newer version's (or the
/// deletion's) watch event runs the key again and re-plans. Any other error is thrown.
public struct OwnerWriter: Sendable {
    public let client: RESTClient
    /// The owner's resource; the status goes to its `status` subresource.
    public let resource: GroupVersionResource
    public let recorder: EventRecorder
    /// `managedFields` manager of the writes.
    public let fieldManager: String
    /// The Events' `action`.
    public let action: String
    let logger: Logger

    public init(
        client: RESTClient, resource: GroupVersionResource, recorder: EventRecorder, fieldManager: String,
        action: String = "Reconcile", logger: Logger
    ) {
        self.client = client
        self.resource = resource
        self.recorder = recorder
        self.fieldManager = fieldManager
        self.action = action
        self.logger = logger
    }

    /// Writes `planned` if it changed and records `events` about `owner` (with `related`), as `StatusCommit` says.
    @discardableResult
    public func commit<Status: Codable & Equatable>(
        owner: KubeObject, planned: Status?, events: [PlannedEvent], related: KubeObject? = nil
    ) async throws -> StatusCommitOutcome {
        let commit = try StatusCommit(owner: owner, planned: planned, events: events)
        let outcome = try await commit.run(
            write: { update in
                _ = try await client.update(
                    resource, namespace: namespace(of: owner), update, subresource: "status",
                    options: WriteOptions(fieldManager: fieldManager))
            },
            record: { event in
                recorder.record(regarding: owner, related: related, type: event.type, reason: event.reason, action: action, note: event.note)
            })
        if outcome == .superseded {
            logger.debug("status write superseded by a newer version; its Events are dropped", metadata: ["key": "\(owner.key)"])
        }
        return outcome
    }

    /// `owner` with `finalizer` added; nil when the owner moved on or is gone (stop the run).
    public func addFinalizer(_ finalizer: String, to owner: KubeObject) async throws -> KubeObject? {
        guard !owner.finalizers.contains(finalizer) else { return owner }
        return try await setFinalizers(of: owner, owner.finalizers + [finalizer])
    }

    /// `owner` without `finalizer`; nil when the owner moved on or is gone (stop the run).
    public func removeFinalizer(_ finalizer: String, from owner: KubeObject) async throws -> KubeObject? {
        guard owner.finalizers.contains(finalizer) else { return owner }
        return try await setFinalizers(of: owner, owner.finalizers.filter { $0 != finalizer })
    }

    /// A merge patch of the finalizers with the read resourceVersion as precondition.
    func setFinalizers(of owner: KubeObject, _ finalizers: [String]) async throws -> KubeObject? {
        guard !owner.resourceVersion.isEmpty else { throw OwnerWriteError.noResourceVersion(owner.key) }
        let patch: JSONValue = [
            "metadata": ["finalizers": .array(finalizers.map(JSONValue.string)), "resourceVersion": .string(owner.resourceVersion)],
        ]
        do {
            return try await client.patch(
                resource, namespace: namespace(of: owner), name: owner.name, type: .merge, patch: patch,
                options: WriteOptions(fieldManager: fieldManager))
        } catch let error as APIError where error.code == 409 || error.code == 404 {
            logger.debug("finalizer write superseded by a newer version", metadata: ["key": "\(owner.key)", "code": "\(error.code)"])
            return nil
        }
    }

    func namespace(of owner: KubeObject) -> String? { owner.namespace.isEmpty ? nil : owner.namespace }
}
