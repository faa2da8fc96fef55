import Logging
import NIOPosix
import SQLiteNIO
import Synchronization

/// The identity caches' change counter on SQLite: the row of `identity_generation`, which triggers
/// move on every write to a table those caches read from (migration 9), whoever writes: this process,
/// another `serve`, `virtualstack bootstrap`, the `sqlite3` shell. Writes to other tables (VMs, jobs)
/// leave it alone, so the caches stay warm while VMs change. Read on a connection of its own that
/// never writes; nil (caches bypassed) while the table does not exist yet.
///
/// Reads are shared between concurrent callers by `CoalescedCheck`, which never lets a caller share
/// a read that began before it arrived.
final class SQLiteIdentityGeneration: ChangeCounter {
    private let reader: Reader
    private let check: CoalescedCheck<CacheGeneration?>

    init(path: String, threads: NIOThreadPool, logger: Logger) {
        let reader = Reader(path: path, threads: threads, logger: logger)
        self.reader = reader
        self.check = CoalescedCheck { await reader.read() }
    }

    /// The counter now, or nil when it cannot be read (then callers must not trust their caches).
    func current() async -> CacheGeneration? {
        await check.value()
    }

    /// Reads started so far, for tests.
    var reads: Int { check.runs }

    func close() async {
        await reader.close()
    }

    /// The connection and the read. One read at a time (`CoalescedCheck` guarantees it), so the
    /// connection needs no lease.
    private final class Reader: Sendable {
        private struct State {
            var connection: SQLiteConnection?
            /// Counts openings: a reopened connection may read a database file replaced meanwhile (a
            /// restored backup), so its values are not compared with the old connection's.
            var epoch: UInt64 = 0
            var isClosed = false
        }

        private let path: String
        private let threads: NIOThreadPool
        private let logger: Logger
        private let state = Mutex(State())

        init(path: String, threads: NIOThreadPool, logger: Logger) {
            self.path = path
            self.threads = threads
            self.logger = logger
        }

        func read() async -> CacheGeneration? {
            do {
                let (existing, epoch, isClosed) = state.withLock { ($0.connection, $0.epoch, $0.isClosed) }
                if isClosed { return nil }
                let connection: SQLiteConnection
                var readEpoch = epoch
                if let existing {
                    connection = existing
                } else {
                    // `query_only`: this connection only ever reads.
                    let opened = try await SQLiteConnectionPool.open(
                        path: path, threads: threads, logger: logger, pragmas: ["busy_timeout = 10000", "query_only = ON"]
                    )
                    let epoch = state.withLock { state -> UInt64? in
                        if state.isClosed { return nil }
                        state.epoch += 1
                        state.connection = opened
                        return state.epoch
                    }
                    guard let epoch else {
                        try? await SQLiteConnectionPool.close(opened)
                        return nil
                    }
                    connection = opened
                    readEpoch = epoch
                }
                let rows = try await connection.query("SELECT version FROM identity_generation")
                guard let version = rows.first?.column("version")?.integer else { return nil }
                return CacheGeneration(epoch: readEpoch, version: Int64(version))
            } catch {
                logger.warning("Could not read the identity generation; reads go to the database", metadata: ["error": "\(error)"])
                let broken = state.withLock { state in
                    defer { state.connection = nil }
                    return state.connection
                }
                if let broken { try? await SQLiteConnectionPool.close(broken) }
                return nil
            }
        }

        func close() async {
            let connection = state.withLock { state in
                state.isClosed = true
                defer { state.connection = nil }
                return state.connection
            }
            if let connection { try? await SQLiteConnectionPool.close(connection) }
        }
    }
}
