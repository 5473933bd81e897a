//! Database faults: the pure classification of SQLite errors and of a look
//! at the file, the recovery chosen for each fault, and the queue's failover
//! while it runs — the file deleted (recreated, work kept), overwritten or
//! truncated (moved aside and rebuilt, work re-derived, claims still held).
import Foundation
import KubeCore
import Synchronization
import Testing
@testable import WorkQueue

private let controller = "c"

@Suite("Database faults")
struct DatabaseFaultTests {
    @Test("SQLite result codes and errnos map to faults", arguments: [
        (11, 0, DatabaseFault.corrupt), (26, 0, .corrupt), (10 | (2 << 8), 0, .corrupt), (13, 0, .full),
        (10 | (3 << 8), 28, .full), (10 | (3 << 8), 122, .full), (8, 0, .unwritable), (8 | (4 << 8), 0, .missing),
        (10 | (3 << 8), 1, .unwritable), (10 | (3 << 8), 30, .unwritable), (14, 13, .unwritable), (14, 2, .missing),
        (5, 0, .locked), (6, 0, .locked), (10 | (3 << 8), 5, .io), (3, 0, .unwritable),
    ] as [(Int32, Int32, DatabaseFault)])
    func classify(code: Int32, errno: Int32, fault: DatabaseFault) {
        #expect(DatabaseFault.classify(code: code, systemErrno: errno) == fault)
    }

    @Test("errors that are not the file's fault are not classified", arguments: [1, 7, 9, 19, 21] as [Int32])
    func notAFault(code: Int32) {
        #expect(DatabaseFault.classify(code: code, systemErrno: 0) == nil)
    }

    @Test("each fault's recovery, at open and while running")
    func recoveries() {
        let atOpen = Dictionary(uniqueKeysWithValues: DatabaseFault.allCases.map { ($0, $0.recovery(atOpen: true)) })
        let running = Dictionary(uniqueKeysWithValues: DatabaseFault.allCases.map { ($0, $0.recovery(atOpen: false)) })
        #expect(atOpen == [.missing: .recreate, .corrupt: .rebuild, .unwritable: .rebuild, .io: .rebuild, .full: .memory, .locked: .memory])
        #expect(running == [.missing: .recreate, .corrupt: .rebuild, .unwritable: .memory, .io: .memory, .full: .memory, .locked: .memory])
        #expect(DatabaseFault.allCases.filter { !$0.keepsState } == [.corrupt])
    }

    static let opened = FileIdentity(device: 1, inode: 42)

    /// A header of `pages` pages of 4096 bytes.
    static func header(pages: UInt32) -> [UInt8] {
        var bytes = Array("SQLite format 3\u{0}".utf8) + [0x10, 0x00] + [UInt8](repeating: 0, count: 82)
        bytes[28] = UInt8(pages >> 24); bytes[29] = UInt8((pages >> 16) & 0xFF)
        bytes[30] = UInt8((pages >> 8) & 0xFF); bytes[31] = UInt8(pages & 0xFF)
        return bytes
    }

    @Test("a look at the file finds deletion, replacement, truncation, overwriting, lost write access and a full disk")
    func fileCheck() {
        let cases: [(String, FileObservation, DatabaseFault?)] = [
            ("healthy", FileObservation(identity: Self.opened, size: 8192, header: Self.header(pages: 2)), nil),
            ("grown past its header", FileObservation(identity: Self.opened, size: 12288, header: Self.header(pages: 2)), nil),
            ("deleted", FileObservation(identity: nil), .missing),
            ("replaced", FileObservation(identity: FileIdentity(device: 1, inode: 43), size: 8192, header: Self.header(pages: 2)), .missing),
            ("truncated to 0", FileObservation(identity: Self.opened, size: 0), .corrupt),
            ("truncated", FileObservation(identity: Self.opened, size: 4096, header: Self.header(pages: 2)), .corrupt),
            ("overwritten", FileObservation(identity: Self.opened, size: 8192, header: [UInt8](repeating: 0xA5, count: 100)), .corrupt),
            ("unwritable", FileObservation(identity: Self.opened, size: 8192, header: Self.header(pages: 2), isReadableAndWritable: false), .unwritable),
            ("disk full", FileObservation(identity: Self.opened, size: 8192, header: Self.header(pages: 2), freeBytes: 4096), .full),
            ("disk with room", FileObservation(identity: Self.opened, size: 8192, header: Self.header(pages: 2), freeBytes: 1 << 20), nil),
        ]
        for (name, observation, fault) in cases {
            #expect(DatabaseFileCheck.fault(of: observation, expected: Self.opened)?.fault == fault, "\(name)")
        }
    }

    @Test("deleted while open: recreated at the path on the next operation, the pending work kept, one error line, counted")
    func deletedWhileRunning() throws {
        try withHarness { harness in
            let queue = try harness.open()
            let lost = Mutex(0)
            queue.onStateLost { lost.withLock { $0 += 1 } }
            try queue.add(controller: controller, keys: [key("a"), key("b")])
            let claimed = try queue.claim(controller: controller, limit: 1)
            for file in [harness.path, harness.path + "-wal", harness.path + "-shm"] { unlink(file) }

            harness.clock.advance(by: 2)
            try queue.add(controller: controller, keys: [key("c")])
            #expect(FileManager.default.fileExists(atPath: harness.path), "a new file is at the path")
            #expect(queue.storage == .file)
            #expect(try queue.pendingKeys(controller: controller) == [key("a"), key("b"), key("c")])
            try queue.finish(try #require(claimed.first), .success(observed: nil, requeueAfter: nil))
            #expect(harness.logs.messages(at: .warning).isEmpty, "the claim was carried over")
            #expect(lost.withLock { $0 } == 0)
            #expect(harness.logs.messages(at: .error).count == 1)
            #expect(harness.logs.messages(at: .error).first?.contains("deleted") == true)
            #expect(harness.metric("openshell_operator_queue_database_recoveries_total{reason=\"missing\"}") == 1)

            // What the new file holds survives a restart.
            queue.close()
            let reopened = try harness.open()
            #expect(try reopened.pendingKeys(controller: controller) == [key("b"), key("c")])
        }
    }

    @Test("overwritten while open: moved aside and rebuilt, the loss reported, claims still held", arguments: ["garbage", "truncated"])
    func damagedWhileRunning(damage: String) throws {
        try withHarness { harness in
            let queue = try harness.open()
            let lost = Mutex(0)
            queue.onStateLost { lost.withLock { $0 += 1 } }
            try queue.add(controller: controller, keys: (0..<200).map { key("object-\($0)") })
            try queue.withConnection { db in try db.execute("PRAGMA wal_checkpoint(TRUNCATE)") }
            let claimed = try #require(try queue.claim(controller: controller, limit: 1).first)
            let size = (try FileManager.default.attributesOfItem(atPath: harness.path)[.size] as? NSNumber)?.intValue ?? 0
            let handle = try #require(FileHandle(forUpdatingAtPath: harness.path))
            if damage == "garbage" {
                try handle.write(contentsOf: Data(repeating: 0xA5, count: size))
            } else {
                try handle.truncate(atOffset: UInt64(size / 2))
            }
            try handle.close()

            harness.clock.advance(by: 2)
            try queue.add(controller: controller, keys: [key("after")])
            #expect(queue.storage == .file)
            #expect(lost.withLock { $0 } == 1, "the pending work was reported lost")
            #expect(try queue.pendingKeys(controller: controller) == [claimed.key, key("after")])
            let aside = try FileManager.default.contentsOfDirectory(atPath: harness.directory).filter { $0.contains(".corrupt-") }
            #expect(!aside.isEmpty, "the damaged file was moved aside")
            try queue.finish(claimed, .success(observed: nil, requeueAfter: nil))
            #expect(harness.logs.messages(at: .warning).isEmpty, "the claim was carried into the new file")
            #expect(harness.metric("openshell_operator_queue_database_recoveries_total{reason=\"corrupt\"}") == 1)
            let errors = harness.logs.messages(at: .error)
            #expect(errors.count == 1 && errors.first?.contains("moved it aside and rebuilt it") == true, "\(errors)")
        }
    }
}
