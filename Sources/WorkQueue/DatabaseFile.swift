//! DatabaseFile: the file-system side of the queue's SQLite file — creating it
//! 0600 before SQLite opens it, keeping it and its -wal/-shm files private,
//! moving an unreadable file aside (`<path>.corrupt-<unix time>`), and the
//! look at an open file that notices it was deleted, replaced, truncated,
//! overwritten or made unwritable.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

enum DatabaseFile {
    /// The permission bits of the database and its -wal/-shm files.
    static let mode: mode_t = 0o600

    /// The files SQLite keeps next to the database in WAL mode.
    static func companions(of path: String) -> [String] { [path + "-wal", path + "-shm"] }

    /// Creates `path` with mode 0600 when it does not exist; when it exists,
    /// checks it is a regular file and tightens group/other permission bits.
    /// Throws `NotADatabaseFile` for a directory or other non-regular file.
    /// Returns whether the file was created.
    @discardableResult
    static func prepare(_ path: String) throws -> Bool {
        var info = stat()
        if lstat(path, &info) != 0 {
            guard errno == ENOENT else { throw fileError(path, "cannot inspect") }
            let descriptor = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, mode)
            guard descriptor >= 0 else { throw fileError(path, "cannot create") }
            // The umask may only remove bits; set them exactly anyway.
            defer { close(descriptor) }
            guard fchmod(descriptor, mode) == 0 else { throw fileError(path, "cannot set mode 0600 on") }
            return true
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw NotADatabaseFile(reason: "\(path) is not a regular file")
        }
        try tighten(path, mode: info.st_mode)
        return false
    }

    /// Tightens the -wal/-shm files (SQLite gives them the database's mode; this
    /// also fixes ones left by an older, laxer process).
    static func tightenCompanions(of path: String) throws {
        for companion in companions(of: path) {
            var info = stat()
            guard lstat(companion, &info) == 0 else { continue }
            try tighten(companion, mode: info.st_mode)
        }
    }

    private static func tighten(_ path: String, mode current: mode_t) throws {
        guard current & 0o077 != 0 else { return }
        guard chmod(path, mode) == 0 else { throw fileError(path, "cannot set mode 0600 on") }
    }

    /// Whether this process may read and write `path`.
    static func isReadableAndWritable(_ path: String) -> Bool {
        access(path, R_OK | W_OK) == 0
    }

    /// Moves `path` (and its -wal/-shm files, which must never be replayed
    /// into the rebuilt database) to `<path>.corrupt-<unix time>[-n]`. Returns the new path.
    static func moveAside(_ path: String, now: Date) throws -> String {
        let stamp = Int64(now.timeIntervalSince1970.rounded(.down))
        var target = "\(path).corrupt-\(stamp)"
        var suffix = 1
        while FileManager.default.fileExists(atPath: target) {
            suffix += 1
            target = "\(path).corrupt-\(stamp)-\(suffix)"
        }
        guard rename(path, target) == 0 else { throw fileError(path, "cannot move aside to \(target)") }
        for (companion, name) in zip(companions(of: path), ["-wal", "-shm"]) {
            guard FileManager.default.fileExists(atPath: companion) else { continue }
            if rename(companion, target + name) != 0 {
                // A stale WAL next to the new file would be replayed into it: remove it instead.
                guard unlink(companion) == 0 else { throw fileError(companion, "cannot move aside or remove") }
            }
        }
        return target
    }

    /// Removes the -wal/-shm files of a database that is gone (they belong to
    /// it, and would be replayed into a new file at the same path).
    static func removeCompanions(of path: String) throws {
        for companion in companions(of: path) where unlink(companion) != 0 && errno != ENOENT {
            throw fileError(companion, "cannot remove")
        }
    }

    /// Which file `path` names now; nil when nothing is there.
    static func identity(of path: String) -> FileIdentity? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// What is at `path` now: identity, size, the first 100 bytes, access, free space.
    static func observe(_ path: String) -> FileObservation {
        var info = stat()
        guard lstat(path, &info) == 0 else { return FileObservation(identity: nil) }
        var header = [UInt8](repeating: 0, count: 100)
        var count = 0
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor >= 0 {
            count = max(0, header.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, 100, 0) })
            close(descriptor)
        }
        var space = statvfs()
        // Root may also use the blocks reserved for it.
        let freeBytes = statvfs(path, &space) == 0
            ? Int64(geteuid() == 0 ? space.f_bfree : space.f_bavail) * Int64(space.f_frsize) : nil
        return FileObservation(
            identity: FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)), size: Int64(info.st_size),
            header: Array(header.prefix(count)), isReadableAndWritable: isReadableAndWritable(path), freeBytes: freeBytes)
    }

    private static func fileError(_ path: String, _ action: String) -> FileSystemError {
        let code = errno
        return FileSystemError(path: path, message: "\(action) the file: \(String(cString: strerror(code)))", errno: code)
    }
}

/// A file-system call on the database path failed.
struct FileSystemError: Error, CustomStringConvertible {
    var path: String
    var message: String
    var errno: Int32
    var description: String { "\(path): \(message)" }
}

/// The path holds something SQLite cannot use as a database file.
struct NotADatabaseFile: Error, CustomStringConvertible {
    var reason: String
    /// What is wrong: `corrupt` (not a regular file) or `unwritable` (no access).
    var fault: DatabaseFault = .corrupt
    var description: String { reason }
}
