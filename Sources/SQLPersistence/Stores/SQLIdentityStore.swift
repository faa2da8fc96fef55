import Core
import Foundation
import SQLKit

/// `IdentityStore` over SQLKit, one implementation for SQLite and PostgreSQL.
public struct SQLIdentityStore: IdentityStore {
    let client: DatabaseClient
    /// The database queries run on: the pool, or one connection inside a transaction.
    let database: any SQLDatabase
    let inTransaction: Bool

    public init(client: DatabaseClient) {
        self.client = client
        self.database = client.sql
        self.inTransaction = false
    }

    init(client: DatabaseClient, session: any SQLDatabase) {
        self.client = client
        self.database = session
        self.inTransaction = true
    }

    public func transaction<R: Sendable>(_ work: @escaping @Sendable (any IdentityStore) async throws -> R) async throws -> R {
        try await withinTransaction(work)
    }

    /// Runs `work` with a store bound to one transaction; joins the current one rather than nesting.
    func withinTransaction<R: Sendable>(_ work: @escaping @Sendable (SQLIdentityStore) async throws -> R) async throws -> R {
        if inTransaction { return try await work(self) }
        let client = self.client
        return try await translatingErrors {
            try await client.transaction { session in
                try await work(SQLIdentityStore(client: client, session: session))
            }
        }
    }

    public func ping() async throws {
        _ = try await database.raw("SELECT 1 AS ok").first()
    }
}
