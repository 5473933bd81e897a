//! SQLite: the small wrapper over libsqlite3 the work queue needs — one
//! connection, prepared statements (cached per SQL text) with typed binds and
//! columns, and a `BEGIN IMMEDIATE` transaction helper. Not thread-safe by
//! itself: `PersistentWorkQueue` keeps its connection behind a Mutex.
import CSQLite

/// A failed SQLite call: the (extended) result code and SQLite's own message.
struct SQLiteError: Error, CustomStringConvertible {
    var code: Int32
    var message: String
    /// The OS error behind an I/O failure (`sqlite3_system_errno`), 0 when none.
    var systemErrno: Int32 = 0

    /// The primary result code (`SQLITE_CORRUPT`, `SQLITE_FULL`, …) of an extended code.
    var primaryCode: Int32 { code & 0xFF }

    var description: String { "\(message) (SQLite code \(code))" }
}

/// A value bound to a statement parameter.
enum SQLiteValue {
    case integer(Int64)
    case text(String)
    case null
}

extension SQLiteValue {
    static func int(_ value: Int) -> SQLiteValue { .integer(Int64(value)) }
    static func optionalText(_ value: String?) -> SQLiteValue { value.map(SQLiteValue.text) ?? .null }
}

/// One open database connection (opened read-write, never creating the file).
final class SQLiteConnection {
    private let handle: OpaquePointer
    private var cache: [String: SQLiteStatement] = [:]
    private var isClosed = false

    /// Opens an existing file, or with `path` `:memory:` a new in-memory
    /// database. SQLite's own mutexes are off: callers serialize access.
    init(path: String) throws(SQLiteError) {
        var pointer: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (path == Self.memoryPath ? SQLITE_OPEN_CREATE : 0)
        let code = sqlite3_open_v2(path, &pointer, flags, nil)
        guard let pointer else {
            throw SQLiteError(code: code, message: "cannot allocate an SQLite connection")
        }
        guard code == SQLITE_OK else {
            let error = SQLiteError(
                code: sqlite3_extended_errcode(pointer), message: String(cString: sqlite3_errmsg(pointer)),
                systemErrno: sqlite3_system_errno(pointer))
            sqlite3_close_v2(pointer)
            throw error
        }
        handle = pointer
        sqlite3_extended_result_codes(handle, 1)
    }

    /// The path that opens an in-memory database.
    static let memoryPath = ":memory:"

    deinit { close() }

    /// Copies this database's whole content over `target`'s (SQLite's online backup).
    func copy(to target: SQLiteConnection) throws(SQLiteError) {
        guard let backup = sqlite3_backup_init(target.handle, "main", handle, "main") else {
            throw target.lastError(SQLITE_ERROR)
        }
        let step = sqlite3_backup_step(backup, -1)
        let finish = sqlite3_backup_finish(backup)
        guard step == SQLITE_DONE, finish == SQLITE_OK else { throw target.lastError(step == SQLITE_DONE ? finish : step) }
    }

    /// Keeps the -wal and -shm files when this connection closes: after the
    /// database file was replaced, their names belong to the new file.
    func keepWALOnClose() {
        var persist: Int32 = 1
        _ = sqlite3_file_control(handle, "main", SQLITE_FCNTL_PERSIST_WAL, &persist)
    }

    /// Finalizes every cached statement and closes the connection. Idempotent.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        cache.values.forEach { $0.finalize() }
        cache = [:]
        sqlite3_close_v2(handle)
    }

    /// The error SQLite reports for the last call on this connection.
    func lastError(_ code: Int32) -> SQLiteError {
        SQLiteError(
            code: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)),
            systemErrno: sqlite3_system_errno(handle))
    }

    /// Runs one or more statements that return no rows of interest (schema, PRAGMAs).
    func execute(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        guard code == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_free(message)
            throw SQLiteError(code: sqlite3_extended_errcode(handle), message: text, systemErrno: sqlite3_system_errno(handle))
        }
    }

    /// A prepared statement for `sql`, reused across calls (reset before each use).
    func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let cached = cache[sql] { return cached }
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else { throw lastError(code) }
        let prepared = SQLiteStatement(handle: statement, connection: self)
        cache[sql] = prepared
        return prepared
    }

    /// Runs `sql` with `values` to completion; returns the number of rows changed.
    @discardableResult
    func run(_ sql: String, _ values: [SQLiteValue] = []) throws(SQLiteError) -> Int {
        let statement = try prepare(sql)
        try statement.bind(values)
        while try statement.step() {}
        return Int(sqlite3_changes(handle))
    }

    /// Every row `sql` returns, each mapped by `row`.
    func query<T>(_ sql: String, _ values: [SQLiteValue] = [], row: (SQLiteStatement) throws -> T) throws -> [T] {
        let statement = try prepare(sql)
        try statement.bind(values)
        defer { statement.reset() }
        var rows: [T] = []
        while try statement.step() {
            rows.append(try row(statement))
        }
        return rows
    }

    /// The first row `sql` returns, mapped by `row`, or nil.
    func queryFirst<T>(_ sql: String, _ values: [SQLiteValue] = [], row: (SQLiteStatement) throws -> T) throws -> T? {
        let statement = try prepare(sql)
        try statement.bind(values)
        defer { statement.reset() }
        return try statement.step() ? row(statement) : nil
    }

    /// Runs `body` inside `BEGIN IMMEDIATE` … `COMMIT` (the write lock is taken up
    /// front, so a read-modify-write never fails upgrading a read lock). Any error
    /// rolls back and is rethrown.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if sqlite3_get_autocommit(handle) == 0 {
                try? execute("ROLLBACK")
            }
            throw error
        }
    }
}

/// A prepared statement. Column accessors read the current row after `step()` returned true.
final class SQLiteStatement {
    private var handle: OpaquePointer?
    private unowned let connection: SQLiteConnection

    init(handle: OpaquePointer, connection: SQLiteConnection) {
        self.handle = handle
        self.connection = connection
    }

    func finalize() {
        sqlite3_finalize(handle)
        handle = nil
    }

    func reset() {
        sqlite3_reset(handle)
    }

    /// Resets the statement and binds `values` to parameters 1…n.
    func bind(_ values: [SQLiteValue]) throws(SQLiteError) {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .integer(let integer):
                code = sqlite3_bind_int64(handle, index, integer)
            case .null:
                code = sqlite3_bind_null(handle, index)
            case .text(let text):
                var text = text
                code = text.withUTF8 { bytes in
                    bytes.withMemoryRebound(to: CChar.self) { chars in
                        csqlite_bind_text_transient(handle, index, chars.baseAddress, Int32(chars.count))
                    }
                }
            }
            guard code == SQLITE_OK else { throw connection.lastError(code) }
        }
    }

    /// Advances to the next row: true when a row is available, false when done
    /// (the statement is then reset so it releases its locks).
    func step() throws(SQLiteError) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW:
            return true
        case SQLITE_DONE:
            sqlite3_reset(handle)
            return false
        default:
            let error = connection.lastError(code)
            sqlite3_reset(handle)
            throw error
        }
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }

    /// The column as text; nil for NULL.
    func text(_ column: Int32) -> String? {
        guard let bytes = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }
}

