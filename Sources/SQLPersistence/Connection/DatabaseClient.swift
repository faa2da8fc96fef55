import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit

/// An open database: the `SQLDatabase` repositories run on, which engine it is, and the pool behind it.
///
/// The pool lives while `run()` runs (as a long-lived service) or for the duration of
/// `withRunning(_:)` (for one-shot commands). Queries issued before `run()` starts wait for it.
public struct DatabaseClient: Sendable {
    public let sql: any SQLDatabase
    public let backend: SQLBackend
    let pool: Pool
    /// Moves on after every write through `sql`, for caches of reads (see `GenerationCache`).
    let writes: WriteGeneration
    /// Whether stores may cache reads in memory: only with SQLite, whose file this process alone
    /// serves. Several service processes may share one PostgreSQL, and none would see the others'
    /// writes, so there every read goes to the database.
    var cachesReads: Bool { backend == .sqlite }
    /// SQLite allows one writer at a time. Write transactions of this process queue here, suspended,
    /// rather than in SQLite's busy handler, which blocks a thread and polls with growing sleeps.
    let sqliteWriters = AsyncLock()

    enum Pool: Sendable {
        /// The pool, its threads, and the file to delete when it closes (for `sqlite::memory:`).
        case sqlite(SQLiteConnectionPool, NIOThreadPool, temporaryFile: String?)
        case postgres(PostgresClient)
    }

    /// Prepares the pool for `location`; connections are opened lazily.
    public init(location: DatabaseLocation, maximumConnections: Int = 16, logger: Logger) throws {
        switch location {
        case .sqliteFile(let path):
            self.init(sqlitePath: path, temporary: false, logger: logger)
        case .sqliteMemory:
            // Every connection must see the same data, and this SQLite is built without shared cache,
            // so "memory" is a file of this process's own in the temporary directory, deleted on close.
            let path = FileManager.default.temporaryDirectory
                .appendingPathComponent("virtualstack-memory-\(ProcessInfo.processInfo.processIdentifier)-\(UUID()).sqlite").path
            self.init(sqlitePath: path, temporary: true, logger: logger)
        case .postgres(let url):
            try self.init(postgresURL: url, maximumConnections: maximumConnections, logger: logger)
        }
    }

    init(sqlitePath path: String, temporary: Bool, logger: Logger) {
        let connections = 2 * NIOSingletons.groupLoopCountSuggestion
        // One thread per connection, not the shared pool of one per core: a connection whose
        // `BEGIN IMMEDIATE` waits for the write lock blocks its thread for up to the busy timeout,
        // and with fewer threads than connections the waiters could occupy every thread while the
        // transaction holding the lock waits for one to run its COMMIT.
        let threads = NIOThreadPool(numberOfThreads: connections)
        threads.start()
        let pool = SQLiteConnectionPool(path: path, capacity: connections, threads: threads, logger: logger)
        let writes = WriteGeneration()
        self.sql = WriteTrackingDatabase(base: PooledSQLiteDatabase(target: .pool(pool), logger: logger), generation: writes)
        self.writes = writes
        self.backend = .sqlite
        self.pool = .sqlite(pool, threads, temporaryFile: temporary ? path : nil)
    }

    init(postgresURL url: String, maximumConnections: Int, logger: Logger) throws {
        let core = try SQLPostgresConfiguration(url: url).coreConfiguration
        guard let host = core.host else {
            throw DatabaseLocation.InvalidURL(description: "PostgreSQL URL needs a host")
        }
        // TLS is not negotiated yet: point the service at a database on a trusted network or loopback.
        var configuration = PostgresClient.Configuration(
            host: host, port: core.port ?? 5432, username: core.username, password: core.password,
            database: core.database, tls: .disable
        )
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(5)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let writes = WriteGeneration()
        self.sql = WriteTrackingDatabase(
            base: PostgresClientDatabase(client: client, logger: logger, eventLoopGroup: MultiThreadedEventLoopGroup.singleton),
            generation: writes
        )
        self.writes = writes
        self.backend = .postgres
        self.pool = .postgres(client)
    }

    /// Keeps the pool running until the task is cancelled, then closes every connection.
    public func run() async {
        switch pool {
        case .postgres(let client):
            await client.run()
        case .sqlite(let pool, let threads, let temporaryFile):
            // Nothing to drive; wait for cancellation, then close the connections and their threads.
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(3600))
            }
            await pool.close()
            try? await threads.shutdownGracefully()
            if let temporaryFile {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: temporaryFile + suffix) }
            }
        }
    }

    /// Runs the pool for the duration of `body`: for commands that open the database, work and exit.
    public func withRunning<R: Sendable>(_ body: @Sendable (DatabaseClient) async throws -> R) async throws -> R {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.run() }
            defer { group.cancelAll() }
            return try await body(self)
        }
    }
}
