import Foundation
import Logging
import SQLKit

/// Applies pending migrations in order, each once, each in its own transaction, recording them in
/// `schema_migrations`. Safe to run from several processes at once: each migration re-checks the
/// table under the transaction's lock before applying.
public struct Migrator: Sendable {
    let client: DatabaseClient
    let logger: Logger

    public init(client: DatabaseClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Returns the versions it applied (empty when the schema was up to date). `through` stops after
    /// that version (tests use it to fill an older schema, then migrate it).
    @discardableResult
    public func migrate(through last: Int = .max) async throws -> [Int] {
        let backend = client.backend
        try await serialized { database in
            try await database.raw(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    applied_at \(unsafeRaw: backend.timestampType) NOT NULL
                )
                """
            ).run()
        }
        var applied: [Int] = []
        for migration in allMigrations.sorted(by: { $0.version < $1.version }) where migration.version <= last {
            let didApply = try await serialized { database in
                let already = try await database.select().column("version").from("schema_migrations")
                    .where("version", .equal, migration.version).first()
                guard already == nil else { return false }
                for statement in migration.statements(backend) {
                    try await database.raw(SQLQueryString(statement)).run()
                }
                try await migration.backfill?(database)
                try await database.insert(into: "schema_migrations")
                    .columns("version", "name", "applied_at")
                    .values(SQLBind(migration.version), SQLBind(migration.name), SQLBind(Date()))
                    .run()
                return true
            }
            if didApply {
                logger.info("Applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                applied.append(migration.version)
            }
        }
        return applied
    }

    /// Runs `work` in a transaction that no other migrator runs concurrently with: PostgreSQL takes an
    /// advisory lock (released at commit or rollback), SQLite's `BEGIN IMMEDIATE` already excludes writers.
    func serialized<R: Sendable>(_ work: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let backend = client.backend
        return try await client.transaction { database in
            if backend == .postgres {
                try await database.raw("SELECT pg_advisory_xact_lock(7305726)").run()
            }
            return try await work(database)
        }
    }

    /// Versions recorded as applied, ascending.
    public func appliedVersions() async throws -> [Int] {
        try await client.sql.select().column("version").from("schema_migrations").orderBy("version").all()
            .map { try $0.decode(column: "version", as: Int.self) }
    }
}
