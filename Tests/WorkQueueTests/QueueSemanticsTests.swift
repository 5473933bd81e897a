//! Queue semantics: dedup, priority order, backoff, requeueAfter, dirty
//! re-adds, exclusive claims and the observed-state cache. Time moves only by
//! hand (ManualWallClock).
import Foundation
import KubeCore
import Testing
@testable import WorkQueue

private let controller = "sandboxes"

@Suite("Work queue semantics")
struct QueueSemanticsTests {
    @Test("adding a key that is already waiting keeps one row")
    func dedup() throws {
        try withHarness { harness in
            let queue = try harness.open()
            try queue.add(controller: controller, keys: [key("a"), key("a"), key("b")])
            try queue.add(controller: controller, keys: [key("a")])
            #expect(try queue.pendingKeys(controller: controller) == [key("a"), key("b")])
            #expect(try queue.depth(controller: controller) == 2)
            let claimed = try queue.claim(controller: controller, limit: 10)
            #expect(claimed.map(\.key) == [key("a"), key("b")])
            #expect(harness.metric(#"workqueue_adds_total{name="sandboxes"}"#) == 2)
        }
    }

    @Test("controllers have separate queues for the same key")
    func controllersAreSeparate() throws {
        try withHarness { harness in
            let queue = try harness.open()
            try queue.add(controller: "one", keys: [key("a")])
            try queue.add(controller: "two", keys: [key("a")])
            #expect(try queue.claim(controller: "one", limit: 10).map(\.key) == [key("a")])
            #expect(try queue.claim(controller: "two", limit: 10).map(\.key) == [key("a")])
        }
    }

    @Test("claims hand out higher priority first, then the earliest due, then the first added")
    func priorityOrder() throws {
        try withHarness { harness in
            let queue = try harness.open()
            try queue.add(controller: controller, keys: [key("low")], priority: WorkPriority.low)
            try queue.add(controller: controller, keys: [key("late-normal")], after: .seconds(2))
            try queue.add(controller: controller, keys: [key("early-normal")], after: .seconds(1))
            try queue.add(controller: controller, keys: [key("urgent")], priority: 10, after: .seconds(3))
            try queue.add(controller: controller, keys: [key("b-normal")], after: .seconds(1))
            try queue.add(controller: controller, keys: [key("a-normal")], after: .seconds(1))
            harness.clock.advance(by: .seconds(3))
            let claimed = try queue.claim(controller: controller, limit: 10)
            #expect(claimed.map(\.key.name) == ["urgent", "early-normal", "b-normal", "a-normal", "late-normal", "low"])
            #expect(claimed.map(\.priority) == [10, 0, 0, 0, 0, -100])
        }
    }

    @Test("claim respects its limit and hands out only due keys")
    func limitAndDue() throws {
        try withHarness { harness in
            let queue = try harness.open()
            try queue.add(controller: controller, keys: [key("a"), key("b"), key("c")])
            try queue.add(controller: controller, keys: [key("later")], after: .seconds(5))
            #expect(try queue.claim(controller: controller, limit: 2).map(\.key) == [key("a"), key("b")])
            #expect(try queue.claim(controller: controller, limit: 5).map(\.key) == [key("c")])
            #expect(try queue.claim(controller: controller, limit: 5).isEmpty)
            #expect(try queue.millisecondsUntilDue(controller, clock: harness.clock) == 5000)
            harness.clock.advance(by: .seconds(5))
            #expect(try queue.claim(controller: controller, limit: 5).map(\.key) == [key("later")])
            #expect(try queue.nextDueDate(controller: controller) == nil)
        }
    }

    @Test("re-adding a waiting key keeps the higher priority and the earlier due time")
    func mergeKeepsMaxPriorityAndMinTime() throws {
        try withHarness { harness in
            let queue = try harness.open()
            try queue.add(controller: controller, keys: [key("a")], priority: WorkPriority.low, after: .seconds(60))
            try queue.add(controller: controller, keys: [key("a")], priority: WorkPriority.normal, after: .seconds(600))
            #expect(try queue.millisecondsUntilDue(controller, clock: harness.clock) == 60_000)
            try queue.add(controller: controller, keys: [key("a")], priority: WorkPriority.low, after: .seconds(10))
            #expect(try queue.millisecondsUntilDue(controller, clock: harness.clock) == 10_000)
            harness.clock.advance(by: .seconds(10))
            let claimed = try queue.claim(controller: controller, limit: 1)
            #expect(claimed.map(\.priority) == [WorkPriority.normal])
        }
    }

    @Test("failures back off 5 ms · 2^(n-1) up to 1000 s; attempt counts up; success resets")
    func backoffSequenceCapAndReset() throws {
        try withHarness { harness in
            let queue = try harness.open()
            try queue.add(controller: controller, keys: [key("a")])
            var delays: [Int64] = []
            var attempts: [Int] = []
            for failure in 1...20 {
                let item = try #require(try queue.claim(controller: controller, limit: 1).first)
                attempts.append(item.attempt)
                #expect(item.lastError == (failure == 1 ? nil : "boom \(failure - 1)"))
                try queue.finish(item, .failure(message: "boom \(failure)"))
                let delay = try #require(try queue.millisecondsUntilDue(controller, clock: harness.clock))
                delays.append(delay)
                #expect(try queue.claim(controller: controller, limit: 1).isEmpty, "not due before its backoff")
                harness.clock.advance(by: .milliseconds(delay))
            }
            let expected: [Int64] = (0..<20).map { min(5 * (Int64(1) << $0), 1_000_000) }
            #expect(delays == expected)
            #expect(delays.suffix(3) == [655_360, 1_000_000, 1_000_000], "5 ms · 2^18 passes the cap")
            #expect(attempts == Array(1...20))
            #expect(harness.metric(#"workqueue_retries_total{name="sandboxes"}"#) == 20)

            // Success resets the key: the next failure waits the base delay again.
            let item = try #require(try queue.claim(controller: controller, limit: 1).first)
            try queue.finish(item, .success(observed: nil, requeueAfter: nil))
            #expect(try queue.pendingKeys(controller: controller).isEmpty)
            try queue.add(controller: controller, keys: [key("a")])
            let again = try #require(try queue.claim(controller: controller, limit: 1).first)
            #expect(again.attempt == 1)
            #expect(again.lastError == nil)
            try queue.finish(again, .failure(message: "once more"))
            #expect(try queue.millisecondsUntilDue(controller, clock: harness.clock) == 5)
        }
    }

    @Test("backoff base and cap are configurable")
    func configurableBackoff() throws {
        try withHarness { harness in
            let queue = try harness.open(WorkQueueConfiguration(baseDelay: .milliseconds(100), maxDelay: .milliseconds(250)))
            try queue.add(controller: controller, keys: [key("a")])
            var delays: [Int64] = []
            for _ in 1...4 {
                let item = try #require(try queue.claim(controller: controller, limit: 1).first)
                try queue.finish(item, .failure(message: "no"))
                let delay = try #require(try queue.millisecondsUntilDue(controller, clock: harness.clock))
                delays.append(delay)
                harness.clock.advance(by: .milliseconds(delay))
            }
            #expect(delays == [100, 200, 250, 250])
        }
    }

    @Test("requeueAfter schedules the key again, and the earliest request wins")
    func requeueAfterMinWins() throws {
        try withHarness { harness in
            let queue = try harness.open()
            try queue.add(controller: controller, keys: [key("a")])
            let item = try #require(try queue.claim(controller: controller, limit: 1).first)
            try queue.finish(item, .success(observed: nil, requeueAfter: .seconds(60)))
            #expect(try queue.millisecondsUntilDue(controller, clock: harness.clock) == 60_000)
            try queue.add(controller: controller, keys: [key("a")], after: .seconds(120))
            #expect(try queue.millisecondsUntilDue(controller, clock: harness.clock) == 60_000, "a later request does not postpone")
            try queue.add(controller: controller, keys: [key("a")], after: .seconds(10))
            #expect(try queue.millisecondsUntilDue(controller, clock: harness.clock) == 10_000, "an earlier request wins")
            #expect(try queue.pendingKeys(controller: controller) == [key("a")])
        }
    }

    @Test("requeueAfter on a key re-added while claimed keeps the earlier of the two")
    func requeueAfterWithDirtyReAdd() throws {
        try withHarness { harness in
            let queue = try harness.open()
            try queue.add(controller: controller, keys: [key("a"), key("b")])
            let items = try queue.claim(controller: controller, limit: 2)
            try #require(items.count == 2)
            try queue.add(controller: controller, keys: [key("a")], after: .seconds(30))
            try queue.add(controller: controller, keys: [key("b")], after: .seconds(300))
            try queue.finish(items[0], .success(observed: nil, requeueAfter: .seconds(60)))
            try queue.finish(items[1], .success(observed: nil, requeueAfter: .seconds(60)))
            harness.clock.advance(by: .seconds(30))
            #expect(try queue.claim(controller: controller, limit: 5).map(\.key) == [key("a")])
            harness.clock.advance(by: .seconds(30))
            #expect(try queue.claim(controller: controller, limit: 5).map(\.key) == [key("b")])
        }
    }

    @Test("a key re-added while claimed is not handed out again until finished, then runs once more")
    func dirtyReAdd() throws {
        try withHarness { harness in
            let queue = try harness.open()
            try queue.add(controller: controller, keys: [key("a")])
            let first = try #require(try queue.claim(controller: controller, limit: 1).first)
            harness.clock.advance(by: .seconds(1))
            try queue.add(controller: controller, keys: [key("a")], priority: 5)
            try queue.add(controller: controller, keys: [key("a")])
            #expect(try queue.claim(controller: controller, limit: 10).isEmpty)
            #expect(try queue.pendingKeys(controller: controller) == [key("a")])
            #expect(harness.metric(#"workqueue_adds_total{name="sandboxes"}"#) == 2, "the first add and the dirty mark; not the merge")

            try queue.finish(first, .success(observed: nil, requeueAfter: nil))
            let second = try #require(try queue.claim(controller: controller, limit: 10).first)
            #expect(second.key == key("a"))
            #expect(second.attempt == 1)
            #expect(second.priority == 5)
            #expect(second.addedAt == harness.clock.now())
            try queue.finish(second, .success(observed: nil, requeueAfter: nil))
            #expect(try queue.pendingKeys(controller: controller).isEmpty)
        }
    }

    @Test("a failed key that was re-added while claimed runs at the re-add's time, keeping its failure count")
    func dirtyFailure() throws {
        try withHarness { harness in
            let queue = try harness.open()
            try queue.add(controller: controller, keys: [key("a")])
            let first = try #require(try queue.claim(controller: controller, limit: 1).first)
            try queue.add(controller: controller, keys: [key("a")])
            try queue.finish(first, .failure(message: "conflict"))
            let second = try #require(try queue.claim(controller: controller, limit: 1).first)
            #expect(second.attempt == 2)
            #expect(second.lastError == "conflict")
        }
    }

    @Test("a claimed key is never claimed twice, by one call or many")
    func notClaimedTwice() throws {
        try withHarness { harness in
            let queue = try harness.open()
            let keys = (0..<50).map { key("k\($0)") }
            try queue.add(controller: controller, keys: keys)
            var seen: [ObjectKey] = []
            while true {
                let batch = try queue.claim(controller: controller, limit: 7)
                if batch.isEmpty { break }
                try queue.add(controller: controller, keys: batch.map(\.key))
                seen += batch.map(\.key)
            }
            #expect(seen.count == 50)
            #expect(Set(seen).count == 50)
        }
    }

    @Test("success writes the observed row in the same finish; failure does not; forget removes it and the item")
    func observedCache() throws {
        try withHarness { harness in
            let queue = try harness.open()
            try queue.add(controller: controller, keys: [key("a"), key("b")])
            let items = try queue.claim(controller: controller, limit: 2)
            try #require(items.count == 2)
            let observedA = ObservedState(
                key: key("a"), uid: "uid-a", generation: 3, resourceVersion: "42", inputHash: "h1",
                reconciledAt: harness.clock.now())
            try queue.finish(items[0], .success(observed: observedA, requeueAfter: nil))
            try queue.finish(items[1], .failure(message: "nope"))
            #expect(try queue.observed(controller: controller) == [key("a"): observedA])
            #expect(try queue.observed(controller: "other").isEmpty)

            try queue.add(controller: controller, keys: [key("a")])
            let again = try #require(try queue.claim(controller: controller, limit: 1).first)
            #expect(again.key == key("a"))
            try queue.finish(again, .forget)
            #expect(try queue.observed(controller: controller).isEmpty)
            #expect(try queue.pendingKeys(controller: controller) == [key("b")])
        }
    }

    @Test("forget keeps a request that arrived while the key was claimed")
    func forgetKeepsDirtyReAdd() throws {
        try withHarness { harness in
            let queue = try harness.open()
            try queue.add(controller: controller, keys: [key("a")])
            let item = try #require(try queue.claim(controller: controller, limit: 1).first)
            try queue.add(controller: controller, keys: [key("a")])
            try queue.finish(item, .forget)
            #expect(try queue.claim(controller: controller, limit: 1).map(\.key) == [key("a")])
        }
    }

    @Test("a key whose text form does not read back is refused")
    func invalidKey() throws {
        try withHarness { harness in
            let queue = try harness.open()
            #expect(throws: WorkQueueError.invalidKey("a/b/c")) {
                try queue.add(controller: controller, keys: [ObjectKey(namespace: "a/b", name: "c")])
            }
        }
    }

    @Test("metrics: queue and work durations, depth and unfinished work, labelled by controller")
    func metrics() throws {
        try withHarness { harness in
            let queue = try harness.open()
            try queue.add(controller: controller, keys: [key("a"), key("b")])
            try queue.add(controller: controller, keys: [key("c")], after: .seconds(60))
            #expect(try queue.depth(controller: controller) == 2)
            #expect(harness.metric(#"workqueue_depth{name="sandboxes"}"#) == 2)
            harness.clock.advance(by: .seconds(2))
            let items = try queue.claim(controller: controller, limit: 2)
            harness.clock.advance(by: .seconds(3))
            #expect(try queue.depth(controller: controller) == 0)
            #expect(harness.metric(#"workqueue_unfinished_work_seconds{name="sandboxes"}"#) == 6)
            for item in items { try queue.finish(item, .success(observed: nil, requeueAfter: nil)) }
            #expect(harness.metric(#"workqueue_queue_duration_seconds_count{name="sandboxes"}"#) == 2)
            #expect(harness.metric(#"workqueue_queue_duration_seconds_sum{name="sandboxes"}"#) == 4)
            #expect(harness.metric(#"workqueue_work_duration_seconds_count{name="sandboxes"}"#) == 2)
            #expect(harness.metric(#"workqueue_work_duration_seconds_sum{name="sandboxes"}"#) == 6)
        }
    }

    @Test("checkWritable passes on a healthy file and throws once closed")
    func checkWritable() throws {
        try withHarness { harness in
            let queue = try harness.open()
            try queue.checkWritable()
            queue.close()
            #expect(throws: WorkQueueError.closed) { try queue.checkWritable() }
            #expect(throws: WorkQueueError.closed) { try queue.add(controller: controller, keys: [key("a")]) }
        }
    }

    @Test("a write that finds the disk full moves the queue to memory, keeping its state, and succeeds there")
    func runtimeWriteFailure() throws {
        try withHarness { harness in
            let queue = try harness.open()
            try queue.add(controller: controller, keys: [key("before")])
            // Cap the file at its current size: the next growth fails like a full disk.
            try queue.withConnection { db in
                let pages = try db.queryFirst("PRAGMA page_count") { $0.int(0) } ?? 0
                try db.execute("PRAGMA max_page_count = \(pages)")
            }
            let keys = (0..<2000).map { key("object-\($0)", "a-rather-long-namespace-name-to-fill-pages") }
            try queue.add(controller: controller, keys: keys)
            #expect(queue.storage == .memory)
            #expect(try queue.pendingKeys(controller: controller) == Set(keys + [key("before")]), "the state was carried over")
            #expect(harness.metric("openshell_operator_queue_database_recoveries_total{reason=\"full\"}") == 1)
            #expect(harness.metric("openshell_operator_queue_database_in_memory") == 1)
            let errors = harness.logs.messages(at: .error)
            #expect(errors.count == 1)
            #expect(errors.first?.contains("continuing with the queue in memory") == true)
            #expect(harness.logs.metadata(at: .error).first?["path"] == "\(harness.path)")
            try queue.checkWritable()
        }
    }
}
