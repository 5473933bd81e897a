//! Migrations: applies the schema in `migrations/*.sql` (embedded at build
//! time by the EmbedMigrations plugin as `Migration.embedded`) to a database,
//! each version in its own transaction, recorded in `schema_migrations` and
//! `PRAGMA user_version`.

/// One `migrations/NNNN_name.sql` file. Its SQL runs inside the migrator's
/// transaction, so it must not contain BEGIN/COMMIT.
struct Migration: Sendable, Hashable {
    var version: Int
    var name: String
    var sql: String
}

/// The file's schema is newer than any migration this binary knows: it was
/// written by a later version of the operator.
struct SchemaTooNewError: Error, CustomStringConvertible {
    var fileVersion: Int
    var knownVersion: Int
    var description: String {
        "schema version \(fileVersion) is newer than this binary's \(knownVersion)"
    }
}

enum Migrator {
    /// Brings the database up to the last of `migrations` (sorted by version,
    /// 1…n): creates `schema_migrations` if needed, then applies every version
    /// above the highest recorded one. Returns the versions applied.
    static func migrate(_ db: SQLiteConnection, to migrations: [Migration] = Migration.embedded, nowMilliseconds: Int64) throws -> [Int] {
        try db.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    INTEGER PRIMARY KEY NOT NULL,
                name       TEXT NOT NULL,
                applied_at INTEGER NOT NULL
            ) STRICT
            """)
        let current = try currentVersion(db)
        let known = migrations.last?.version ?? 0
        if current > known {
            throw SchemaTooNewError(fileVersion: current, knownVersion: known)
        }
        var applied: [Int] = []
        for migration in migrations where migration.version > current {
            try db.transaction {
                try db.execute(migration.sql)
                try db.run(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    [.int(migration.version), .text(migration.name), .integer(nowMilliseconds)])
                try db.execute("PRAGMA user_version = \(migration.version)")
            }
            applied.append(migration.version)
        }
        return applied
    }

    /// The highest version recorded in `schema_migrations` (0 when none).
    static func currentVersion(_ db: SQLiteConnection) throws -> Int {
        try db.queryFirst("SELECT COALESCE(MAX(version), 0) FROM schema_migrations") { $0.int(0) } ?? 0
    }
}
