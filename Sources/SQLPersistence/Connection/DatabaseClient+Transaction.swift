import SQLKit

extension DatabaseClient {
    /// Runs `work` on one connection inside a transaction: committed when it returns, rolled back when it throws.
    public func transaction<R: Sendable>(_ work: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        switch backend {
        case .sqlite: try await sqliteWriters.withLock { try await run(work) }
        case .postgres: try await run(work)
        }
    }

    private func run<R: Sendable>(_ work: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let begin = backend.beginTransaction
        return try await sql.withSession { session in
            try await session.raw(SQLQueryString(begin)).run()
            do {
                let result = try await work(session)
                try await session.raw("COMMIT").run()
                return result
            } catch {
                try? await session.raw("ROLLBACK").run()
                throw error
            }
        }
    }
}
