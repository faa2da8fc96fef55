import SQLKit

extension DatabaseClient {
    /// Runs `work` on one connection inside a transaction: committed when it returns, rolled back when it throws.
    public func transaction<R: Sendable>(_ work: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        switch backend {
        case .sqlite: try await sqliteWriters.withLock { try await run(work) }
        case .postgres: try await run(work)
        }
    }

    /// Runs `work`, which must be a single write statement, atomic on its own: without BEGIN and
    /// COMMIT around it, two round trips less than `transaction`. On SQLite it queues behind this
    /// process's write transactions as they queue behind each other, not in SQLite's busy handler.
    public func writeStatement<R: Sendable>(_ work: (any SQLDatabase) async throws -> R) async throws -> R {
        switch backend {
        case .sqlite: try await sqliteWriters.withLock { try await work(sql) }
        case .postgres: try await work(sql)
        }
    }

    private func run<R: Sendable>(_ work: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let begin = backend.beginTransaction
        return try await sql.withSession { session in
            try await session.raw(SQLQueryString(begin)).run()
            do {
                let result = try await work(session)
                try await Self.ending(session, with: "COMMIT")
                return result
            } catch {
                try? await Self.ending(session, with: "ROLLBACK")
                throw error
            }
        }
    }

    /// Runs COMMIT or ROLLBACK even when the task was cancelled (a database driver may skip the
    /// statements of a cancelled task): the connection goes back to the pool, and must not go back
    /// with a transaction still open, holding SQLite's write lock.
    private static func ending(_ session: any SQLDatabase, with statement: SQLQueryString) async throws {
        try await Task { try await session.raw(statement).run() }.value
    }
}
