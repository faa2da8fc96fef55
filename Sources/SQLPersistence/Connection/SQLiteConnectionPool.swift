import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLiteNIO
import Synchronization

/// Up to `capacity` connections to one SQLite file, opened on first need and lent to one task at a time.
///
/// Written for async callers, not on AsyncKit's event-loop pool: a lease is a lock and an array
/// operation, with no future to chain and no hop to a particular event loop. Each connection runs
/// its statements on `threads` (one thread per connection, see `DatabaseClient`).
final class SQLiteConnectionPool: Sendable {
    private struct State {
        var idle: [SQLiteConnection] = []
        /// Open connections, lent or idle, plus those being opened.
        var count = 0
        /// Tasks waiting for a connection, served first come, first served.
        var waiters: [CheckedContinuation<SQLiteConnection, any Error>] = []
        var isClosed = false
    }

    struct Closed: Error, CustomStringConvertible {
        var description: String { "the SQLite connection pool is closed" }
    }

    let path: String
    let capacity: Int
    private let threads: NIOThreadPool
    private let logger: Logger
    private let state = Mutex(State())

    init(path: String, capacity: Int, threads: NIOThreadPool, logger: Logger) {
        self.path = path
        self.capacity = capacity
        self.threads = threads
        self.logger = logger
    }

    /// Runs `body` with a connection of its own, returned to the pool when `body` ends.
    func withConnection<R>(_ body: (SQLiteConnection) async throws -> R) async throws -> R {
        let connection = try await lease()
        defer { giveBack(connection) }
        return try await body(connection)
    }

    /// Closes idle connections now, and lent ones as they come back; waiting tasks fail.
    func close() async {
        let (idle, waiters) = state.withLock { state in
            state.isClosed = true
            defer { (state.idle, state.waiters) = ([], []) }
            return (state.idle, state.waiters)
        }
        for waiter in waiters { waiter.resume(throwing: Closed()) }
        for connection in idle { try? await Self.close(connection) }
    }

    private enum Lease {
        case idle(SQLiteConnection)
        case open
        case wait
    }

    private func lease() async throws -> SQLiteConnection {
        let lease = try state.withLock { state throws(Closed) -> Lease in
            if state.isClosed { throw Closed() }
            if let connection = state.idle.popLast() { return .idle(connection) }
            guard state.count < capacity else { return .wait }
            state.count += 1
            return .open
        }
        switch lease {
        case .idle(let connection):
            return connection
        case .open:
            do {
                return try await open()
            } catch {
                // The slot is free again; a waiter would otherwise wait for a connection that never comes.
                let waiter = state.withLock { state in
                    state.count -= 1
                    return state.waiters.isEmpty ? nil : state.waiters.removeFirst()
                }
                waiter?.resume(throwing: error)
                throw error
            }
        case .wait:
            // Not cancellable: the wait ends when another task's statement does.
            return try await withCheckedThrowingContinuation { continuation in
                // Checked again under the lock: a connection may have come back since the first look.
                let ready: Result<SQLiteConnection, Closed>? = state.withLock { state in
                    if state.isClosed { return .failure(Closed()) }
                    if let connection = state.idle.popLast() { return .success(connection) }
                    state.waiters.append(continuation)
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        }
    }

    private func giveBack(_ connection: SQLiteConnection) {
        enum Next {
            case hand(CheckedContinuation<SQLiteConnection, any Error>)
            case close
            case keep
        }
        let next = state.withLock { state -> Next in
            if state.isClosed { return .close }
            if !state.waiters.isEmpty { return .hand(state.waiters.removeFirst()) }
            state.idle.append(connection)
            return .keep
        }
        switch next {
        case .hand(let waiter): waiter.resume(returning: connection)
        case .close: Task { try? await Self.close(connection) }
        case .keep: break
        }
    }

    /// Foreign keys on; a busy timeout so a writer from another process is waited for rather than
    /// failed; write-ahead logging so readers never block the writer.
    private func open() async throws -> SQLiteConnection {
        let connection = try await SQLiteConnection.open(
            storage: .file(path: path), threadPool: threads, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any()
        )
        do {
            for pragma in ["foreign_keys = ON", "busy_timeout = 10000", "journal_mode = WAL", "synchronous = NORMAL"] {
                _ = try await connection.query("PRAGMA \(pragma)")
            }
            return connection
        } catch {
            try? await Self.close(connection)
            throw error
        }
    }

    /// SQLiteNIO's async `close()` gives up when the task is cancelled, which is exactly when a
    /// service shuts down; the future-based one always closes.
    private static func close(_ connection: SQLiteConnection) async throws {
        let closed: EventLoopFuture<Void> = connection.close()
        try await closed.get()
    }
}
