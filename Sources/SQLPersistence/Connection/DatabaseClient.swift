import Core
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
    public private(set) var sql: any SQLDatabase
    public let backend: SQLBackend
    let pool: Pool
    /// What caches of reads compare before use (see `GenerationCache`): on SQLite a counter that
    /// moves with every commit by anyone; on PostgreSQL this process's own writes.
    let changes: any ChangeCounter
    /// How long a cached read may be served at most, whatever `changes` says. On PostgreSQL this is
    /// how long another process's change may go unseen.
    let cacheMaxAge: Duration
    /// The same database for stores whose writes no read cache depends on (compute, the simulated
    /// hypervisor). On PostgreSQL their statements do not advance `changes`, this process's count of
    /// writes, so VMs changing state all the time leave the identity caches warm. On SQLite that
    /// counter moves only with writes to the identity tables anyway (triggers, migration 9).
    public var uncounted: DatabaseClient {
        guard let tracked = sql as? WriteTrackingDatabase else { return self }
        var client = self
        client.sql = tracked.base
        return client
    }

    /// SQLite allows one writer at a time. Write transactions of this process queue here, suspended,
    /// rather than in SQLite's busy handler, which blocks a thread and polls with growing sleeps.
    let sqliteWriters = AsyncLock()

    enum Pool: Sendable {
        /// The pool, its threads, and the file to delete when it closes (for `sqlite::memory:`).
        case sqlite(SQLiteConnectionPool, SQLiteIdentityGeneration, NIOThreadPool, temporaryFile: String?)
        /// The client, the gate its queries wait at, and how to open one connection outside it (the probe).
        case postgres(PostgresClient, OneTimeGate, PostgresConnection.Configuration)
    }

    /// Prepares the pool for `location`; connections are opened lazily. A query that finds every
    /// SQLite connection busy waits at most `poolWaitTimeout`, then fails as `DomainError.unavailable`.
    public init(
        location: DatabaseLocation, maximumConnections: Int = 16, poolWaitTimeout: Duration = .seconds(5), logger: Logger
    ) throws {
        switch location {
        case .sqliteFile(let path):
            self.init(sqlitePath: path, temporary: false, waitTimeout: poolWaitTimeout, logger: logger)
        case .sqliteMemory:
            // Every connection must see the same data, and this SQLite is built without shared cache,
            // so "memory" is a file of this process's own in the temporary directory, deleted on close.
            let path = FileManager.default.temporaryDirectory
                .appendingPathComponent("virtualstack-memory-\(ProcessInfo.processInfo.processIdentifier)-\(UUID()).sqlite").path
            self.init(sqlitePath: path, temporary: true, waitTimeout: poolWaitTimeout, logger: logger)
        case .postgres(let url):
            try self.init(postgresURL: url, maximumConnections: maximumConnections, logger: logger)
        }
    }

    init(sqlitePath path: String, temporary: Bool, waitTimeout: Duration, logger: Logger) {
        let connections = 2 * NIOSingletons.groupLoopCountSuggestion
        // One thread per connection, not the shared pool of one per core: a connection whose
        // `BEGIN IMMEDIATE` waits for the write lock blocks its thread for up to the busy timeout,
        // and with fewer threads than connections the waiters could occupy every thread while the
        // transaction holding the lock waits for one to run its COMMIT.
        // One more for the connection that reads `data_version`.
        let threads = NIOThreadPool(numberOfThreads: connections + 1)
        threads.start()
        let pool = SQLiteConnectionPool(path: path, capacity: connections, waitTimeout: waitTimeout, threads: threads, logger: logger)
        let version = SQLiteIdentityGeneration(path: path, threads: threads, logger: logger)
        self.sql = PooledSQLiteDatabase(target: .pool(pool), logger: logger)
        self.changes = version
        self.cacheMaxAge = .seconds(5)
        self.backend = .sqlite
        self.pool = .sqlite(pool, version, threads, temporaryFile: temporary ? path : nil)
    }

    init(postgresURL url: String, maximumConnections: Int, logger: Logger) throws {
        let tls = try PostgresTLS(url: url)
        // The query holds only our TLS settings; PostgresKit would read `sslmode` its own way.
        var withoutQuery = URLComponents(string: url)
        withoutQuery?.query = nil
        let core = try SQLPostgresConfiguration(url: withoutQuery?.string ?? url).coreConfiguration
        guard let host = core.host else {
            throw DatabaseLocation.InvalidURL(description: "PostgreSQL URL needs a host")
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: core.port ?? 5432, username: core.username, password: core.password,
            database: core.database, tls: try tls.clientTLS()
        )
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(5)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let started = OneTimeGate()
        let writes = WriteGeneration()
        self.sql = WriteTrackingDatabase(
            base: PostgresClientDatabase(
                client: client, started: started, logger: logger, eventLoopGroup: MultiThreadedEventLoopGroup.singleton
            ),
            generation: writes
        )
        self.changes = writes
        self.cacheMaxAge = .seconds(1)
        self.backend = .postgres
        let probe = PostgresConnection.Configuration(
            host: host, port: core.port ?? 5432, username: core.username, password: core.password,
            database: core.database, tls: try tls.connectionTLS()
        )
        self.pool = .postgres(client, started, probe)
    }

    /// Keeps the pool running until the task is cancelled, then closes every connection.
    public func run() async {
        switch pool {
        case .postgres(let client, let started, _):
            // Opened just before: `run()` marks the client running first thing, synchronously,
            // while the released queries still have to be scheduled.
            started.open()
            await client.run()
        case .sqlite(let pool, let version, let threads, let temporaryFile):
            // Nothing to drive; wait for cancellation, then close the connections and their threads.
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(3600))
            }
            await pool.close()
            await version.close()
            try? await threads.shutdownGracefully()
            if let temporaryFile {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: temporaryFile + suffix) }
            }
        }
    }

    /// Runs the pool for the duration of `body`: for commands that open the database, work and exit.
    /// A PostgreSQL that cannot be reached fails at once, saying why (see `checkConnection`).
    public func withRunning<R: Sendable>(_ body: @Sendable (DatabaseClient) async throws -> R) async throws -> R {
        try await checkConnection()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.run() }
            defer { group.cancelAll() }
            return try await body(self)
        }
    }

    /// Opens one PostgreSQL connection and closes it again, so that an unreachable server, a refused
    /// password or a certificate that fails verification is reported with its cause. PostgresNIO's
    /// pool instead retries in the background and fails waiting queries only much later, and without
    /// the cause. Nothing to check for SQLite.
    public func checkConnection() async throws {
        guard case .postgres(_, _, let configuration) = pool else { return }
        do {
            let connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 0, logger: sql.logger
            ).get()
            try await connection.close()
        } catch {
            // PSQLError's own description hides its cause; the cause holds no secret.
            let cause: String =
                if let error = error as? PSQLError {
                    error.underlying.map { "\($0)" } ?? error.serverInfo?[.message] ?? "\(error.code)"
                } else {
                    "\(error)"
                }
            throw DatabaseUnreachable(description: "cannot connect to PostgreSQL: \(cause)")
        }
    }
}

/// The database named by the configuration does not answer, and why.
public struct DatabaseUnreachable: Error, CustomStringConvertible {
    public let description: String
}
