import Core
import Foundation
import SQLKit

/// `IdentityStore` over SQLKit, one implementation for SQLite and PostgreSQL.
public struct SQLIdentityStore: IdentityStore {
    let client: DatabaseClient
    /// The database queries run on: the pool, or one connection inside a transaction.
    let database: any SQLDatabase
    let inTransaction: Bool
    /// Reads served from memory while the database's change counter stays put (and for a short
    /// while at most); nil inside transactions, which must see their own writes.
    let cache: ReadCache?

    /// The reads that repeat most: every authenticated request loads its caller (and, with an API
    /// key, the key and its owner), and every page of `/users` counts the tenant's members (a scan of
    /// the tenant's index, the costliest query left).
    final class ReadCache: Sendable {
        /// Entries per cache, each evicted on its own when full.
        static let capacity = 10_000

        let users: GenerationCache<UserID, User>
        let callers: GenerationCache<CallerKey, CallerRecord>
        let memberCounts: GenerationCache<TenantID, Int>
        /// By key digest. Revoking or renaming a key, or recording its use, is a write like any other.
        let apiKeys: GenerationCache<String, APIKeyRecord>

        /// `maxAge`: no entry is served older than this, whatever the change counter says.
        init(changes: any ChangeCounter, capacity: Int = capacity, maxAge: Duration) {
            users = GenerationCache(counter: changes, capacity: capacity, maxAge: maxAge)
            callers = GenerationCache(counter: changes, capacity: capacity, maxAge: maxAge)
            memberCounts = GenerationCache(counter: changes, capacity: capacity, maxAge: maxAge)
            apiKeys = GenerationCache(counter: changes, capacity: capacity, maxAge: maxAge)
        }
    }

    struct APIKeyRecord: Sendable {
        let key: APIKey
        let storedDigest: String
        let owner: User
    }

    struct CallerKey: Hashable, Sendable {
        let userID: UserID
        let tenant: TenantID?
    }

    struct CallerRecord: Sendable {
        let user: User
        let standings: [TenantStanding]
        let tenantExists: Bool
    }

    public init(client: DatabaseClient) {
        self.client = client
        self.database = client.sql
        self.inTransaction = false
        self.cache = ReadCache(changes: client.changes, maxAge: client.cacheMaxAge)
    }

    init(client: DatabaseClient, session: any SQLDatabase) {
        self.client = client
        self.database = session
        self.inTransaction = true
        self.cache = nil
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

    /// Appended to the reads of `locked…` methods: inside a PostgreSQL transaction the rows read stay
    /// locked against other writers until it ends (`NO KEY UPDATE`: inserts that merely reference the
    /// row still proceed). SQLite needs nothing: its write transactions exclude every other writer.
    var rowLock: SQLQueryString {
        inTransaction && client.backend == .postgres ? " FOR NO KEY UPDATE" : ""
    }

    public func ping() async throws {
        _ = try await database.raw("SELECT 1 AS ok").first()
    }
}
