import Core
import Foundation
import SQLKit

/// The compute repositories (`VMRepository`, `TemplateRepository`, `HostRepository`, `JobQueue`,
/// `VMLogRepository`, `QuotaRepository`) over SQLKit, one implementation for SQLite and PostgreSQL. One
/// value serves all six ports: on the pool, or bound to one transaction.
public struct SQLComputeStore: ComputeUnitOfWork {
    let client: DatabaseClient
    /// The database queries run on: the pool, or one connection inside a transaction.
    let database: any SQLDatabase
    let inTransaction: Bool

    /// No read cache depends on these tables: their writes leave the caches' change counter alone.
    public init(client: DatabaseClient) {
        self.client = client.uncounted
        self.database = self.client.sql
        self.inTransaction = false
    }

    init(client: DatabaseClient, session: any SQLDatabase) {
        self.client = client
        self.database = session
        self.inTransaction = true
    }

    public var stores: ComputeStores { ComputeStores(vms: self, templates: self, hosts: self, jobs: self, logs: self, quotas: self, audit: self) }

    public func transaction<R: Sendable>(_ work: @escaping @Sendable (ComputeStores) async throws -> R) async throws -> R {
        try await withinTransaction { try await work($0.stores) }
    }

    /// Runs `work` with a store bound to one transaction; joins the current one rather than nesting.
    func withinTransaction<R: Sendable>(_ work: @escaping @Sendable (SQLComputeStore) async throws -> R) async throws -> R {
        if inTransaction { return try await work(self) }
        let client = self.client
        return try await translatingErrors {
            try await client.transaction { session in
                try await work(SQLComputeStore(client: client, session: session))
            }
        }
    }

    /// Appended to the reads of `locked…` methods: inside a PostgreSQL transaction the rows read stay
    /// locked against other writers until it ends. SQLite's write transactions exclude every other writer.
    var rowLock: SQLQueryString {
        inTransaction && client.backend == .postgres ? " FOR NO KEY UPDATE" : ""
    }

    /// Like `rowLock`, for rows whose key columns are not written either, but which are read to decide
    /// something that another transaction must not decide at the same time (an operator's change of a
    /// host against reservations on it).
    var exclusiveRowLock: SQLQueryString {
        inTransaction && client.backend == .postgres ? " FOR UPDATE" : ""
    }
}

/// Maps of strings kept as JSON text (template images, host settings): readable in both engines'
/// shells, and written with sorted keys so that equal maps are equal text.
enum JSONText {
    static func encode(_ map: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding a dictionary of strings cannot fail.
        return (try? String(decoding: encoder.encode(map), as: UTF8.self)) ?? "{}"
    }

    static func decode(_ text: String) throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
    }
}
