//! The driver: one libcurl multi handle and the one thread that runs it.
//!
//! Swift tasks never touch libcurl. They put jobs and cancellations into a
//! lock-protected inbox and wake the driver thread with `curl_multi_wakeup`;
//! the thread moves them into the multi handle, runs transfers with
//! `curl_multi_perform`, delivers finished ones and sleeps in
//! `curl_multi_poll`. All transfers share the multi handle's connection pool.
import CCurl
import Foundation
import Synchronization

/// The libcurl multi handle.
///
/// `@unchecked Sendable` because its pointer is shared with calling threads:
/// the driver thread is the only one that calls into the handle, except for
/// `curl_multi_wakeup`, which libcurl documents as safe from any thread. The
/// driver's inbox lock orders every wakeup before the handle's cleanup.
final class CurlMultiHandle: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer

    init(maxIdleConnections: Int) throws(TransportError) {
        // curl_global_init must run before any other libcurl call; the stored
        // result makes it run exactly once per process.
        guard CurlGlobal.initResult == CURLE_OK else {
            throw TransportError(kind: .other, curlCode: Int(CurlGlobal.initResult.rawValue), message: "curl_global_init failed")
        }
        guard let raw = curl_multi_init() else {
            throw TransportError(kind: .other, message: "curl_multi_init failed")
        }
        self.raw = raw
        _ = ccurl_multi_setopt_long(raw, CURLMOPT_PIPELINING, CCURL_PIPE_MULTIPLEX)
        _ = ccurl_multi_setopt_long(raw, CURLMOPT_MAXCONNECTS, max(1, maxIdleConnections))
    }
}

/// Process-wide libcurl initialisation (an immutable, lazily computed value).
enum CurlGlobal {
    static let initResult: CURLcode = curl_global_init(CCURL_GLOBAL_DEFAULT)
}

/// What calling tasks hand to the driver thread.
struct DriverInbox {
    var submissions: [TransferJob] = []
    var cancellations: [UInt64] = []
    var nextID: UInt64 = 1
    /// Set by `shutdown()`; no submissions are accepted afterwards.
    var shuttingDown = false
    /// Set by the driver thread right before it cleans up the multi handle.
    var closed = false
}

/// Owns the multi handle, the inbox and the driver thread.
final class CurlDriver: Sendable {
    private let multi: CurlMultiHandle
    private let inbox = Mutex(DriverInbox())

    init(maxIdleConnections: Int) throws(TransportError) {
        multi = try CurlMultiHandle(maxIdleConnections: maxIdleConnections)
    }

    /// Starts the driver thread. The thread keeps the driver alive until `shutdown()`.
    func start() {
        let thread = Thread { [self] in
            let loop = DriverLoop(multi: multi.raw)
            loop.run(driver: self)
        }
        thread.name = "kube-client-curl"
        thread.start()
    }

    /// A fresh transfer id.
    func makeID() -> UInt64 {
        inbox.withLock { inbox in
            defer { inbox.nextID += 1 }
            return inbox.nextID
        }
    }

    /// Queues a job; fails it at once if the driver is shut down.
    func submit(_ job: TransferJob) {
        let accepted = inbox.withLock { inbox -> Bool in
            guard !inbox.shuttingDown else { return false }
            inbox.submissions.append(job)
            curl_multi_wakeup(multi.raw)
            return true
        }
        if !accepted {
            job.fail(TransportError(kind: .shutdown, message: "\(job.method) \(job.url): the transport is shut down"))
        }
    }

    /// Asks the driver to abort transfer `id` with `CancellationError`.
    /// Unknown or finished ids are ignored.
    func cancel(_ id: UInt64) {
        inbox.withLock { inbox in
            guard !inbox.closed else { return }
            inbox.cancellations.append(id)
            curl_multi_wakeup(multi.raw)
        }
    }

    /// Stops the driver: running and queued transfers fail with
    /// `TransportError.Kind.shutdown`, later submissions fail at once.
    func shutdown() {
        inbox.withLock { inbox in
            guard !inbox.shuttingDown else { return }
            inbox.shuttingDown = true
            if !inbox.closed { curl_multi_wakeup(multi.raw) }
        }
    }

    /// Takes what the driver thread has to do next.
    fileprivate func takeInbox() -> (jobs: [TransferJob], cancellations: [UInt64], shuttingDown: Bool) {
        inbox.withLock { inbox in
            defer {
                inbox.submissions.removeAll()
                inbox.cancellations.removeAll()
            }
            return (inbox.submissions, inbox.cancellations, inbox.shuttingDown)
        }
    }

    /// Marks the multi handle as gone; returns jobs that slipped in meanwhile.
    fileprivate func close() -> [TransferJob] {
        inbox.withLock { inbox in
            inbox.closed = true
            defer { inbox.submissions.removeAll() }
            return inbox.submissions
        }
    }
}

/// The driver thread's state. Confined to that thread.
private final class DriverLoop {
    private let multi: UnsafeMutableRawPointer
    private var transfers: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    private var handles: [UInt64: UnsafeMutableRawPointer] = [:]

    init(multi: UnsafeMutableRawPointer) { self.multi = multi }

    func run(driver: CurlDriver) {
        while true {
            let work = driver.takeInbox()
            for job in work.jobs { start(job) }
            for id in work.cancellations { abort(id, with: CancellationError()) }
            if work.shuttingDown { break }

            var running: Int32 = 0
            _ = curl_multi_perform(multi, &running)
            collectFinished()
            _ = curl_multi_poll(multi, nil, 0, 1000, nil)
        }
        for id in Array(handles.keys) {
            abort(id, with: TransportError(kind: .shutdown, message: "the transport was shut down during the request"))
        }
        for job in driver.close() {
            job.fail(TransportError(kind: .shutdown, message: "\(job.method) \(job.url): the transport is shut down"))
        }
        curl_multi_cleanup(multi)
    }

    private func start(_ job: TransferJob) {
        let transfer: CurlTransfer
        do {
            transfer = try CurlTransfer(job: job)
        } catch {
            job.fail(error)
            return
        }
        let code = curl_multi_add_handle(multi, transfer.easy)
        guard code == CURLM_OK else {
            transfer.fail(TransportError(
                kind: .other, message: "\(job.method) \(job.url): curl_multi_add_handle: \(String(cString: curl_multi_strerror(code)))"))
            return
        }
        transfers[transfer.easy] = transfer
        handles[transfer.id] = transfer.easy
    }

    /// Removes a transfer from the multi handle and forgets it; its easy
    /// handle is cleaned up when the last reference goes.
    private func remove(_ easy: UnsafeMutableRawPointer) -> CurlTransfer? {
        guard let transfer = transfers.removeValue(forKey: easy) else { return nil }
        handles[transfer.id] = nil
        curl_multi_remove_handle(multi, easy)
        return transfer
    }

    private func abort(_ id: UInt64, with error: any Error) {
        guard let easy = handles[id], let transfer = remove(easy) else { return }
        transfer.fail(error)
    }

    private func collectFinished() {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let result = message.pointee.data.result
            remove(easy)?.complete(result)
        }
    }
}
