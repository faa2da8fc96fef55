import Core
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
///
/// A task that finds every connection lent waits in line, at most `waitTimeout`; then it fails with
/// `DomainError.unavailable` (a `503`). A cancelled waiter leaves the line at once. A connection is
/// only ever handed to a waiter taken out of the line under the lock, so a waiter that times out or
/// is cancelled never takes a connection with it.
final class SQLiteConnectionPool: Sendable {
    /// What a waiter is handed: a connection, or a free slot to open one in (when another task's
    /// opening failed; that failure, perhaps its cancellation, is not the waiter's).
    private enum Handoff {
        case connection(SQLiteConnection)
        case slot
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Handoff, any Error>
        /// The timer that ends the wait; set just after the waiter joins the line.
        var timeout: Scheduled<Void>?
    }

    private struct State {
        var idle: [SQLiteConnection] = []
        /// Open connections, lent or idle, plus those being opened.
        var count = 0
        /// Tasks waiting for a connection, served first come, first served.
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
        var isClosed = false

        /// Takes the waiter `id` out of the line, if it is still in it.
        mutating func removeWaiter(_ id: UInt64) -> Waiter? {
            guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return waiters.remove(at: index)
        }
    }

    struct Closed: Error, CustomStringConvertible {
        var description: String { "the SQLite connection pool is closed" }
    }

    /// What the pool holds at a moment (for tests and diagnostics).
    struct Statistics: Equatable {
        var open: Int
        var idle: Int
        var waiting: Int
    }

    let path: String
    let capacity: Int
    let waitTimeout: Duration
    private let threads: NIOThreadPool
    private let logger: Logger
    private let state = Mutex(State())

    init(path: String, capacity: Int, waitTimeout: Duration = .seconds(5), threads: NIOThreadPool, logger: Logger) {
        self.path = path
        self.capacity = capacity
        self.waitTimeout = waitTimeout
        self.threads = threads
        self.logger = logger
    }

    var statistics: Statistics {
        state.withLock { Statistics(open: $0.count, idle: $0.idle.count, waiting: $0.waiters.count) }
    }

    /// Runs `body` with a connection of its own, returned to the pool when `body` ends.
    func withConnection<R>(_ body: (SQLiteConnection) async throws -> R) async throws -> R {
        let connection = try await lease()
        defer { giveBack(connection) }
        return try await body(connection)
    }

    /// Closes idle connections now, and lent ones as they come back; waiting tasks fail. Returns once
    /// every connection is closed, or after `drainTimeout` when one is still lent: closing a connection
    /// needs the pool's threads, so whoever stops them must wait for this (a connection that cannot be
    /// closed any more trips SQLiteNIO's assertion when it is freed, in debug builds).
    func close(drainTimeout: Duration = .seconds(10)) async {
        let (idle, waiters) = state.withLock { state in
            state.isClosed = true
            defer { (state.idle, state.waiters) = ([], []) }
            return (state.idle, state.waiters)
        }
        for waiter in waiters {
            waiter.timeout?.cancel()
            waiter.continuation.resume(throwing: Closed())
        }
        for connection in idle { await closeCounted(connection) }
        let deadline = ContinuousClock.now + drainTimeout
        while statistics.open > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Closes a connection of the closed pool and stops counting it.
    private func closeCounted(_ connection: SQLiteConnection) async {
        try? await Self.close(connection)
        state.withLock { $0.count -= 1 }
    }

    private enum Lease {
        case idle(SQLiteConnection)
        case open
        case wait(id: UInt64)
    }

    private func lease() async throws -> SQLiteConnection {
        let lease = try state.withLock { state throws(Closed) -> Lease in
            if state.isClosed { throw Closed() }
            if let connection = state.idle.popLast() { return .idle(connection) }
            guard state.count < capacity else {
                state.nextWaiterID += 1
                return .wait(id: state.nextWaiterID)
            }
            state.count += 1
            return .open
        }
        switch lease {
        case .idle(let connection):
            return connection
        case .open:
            return try await openInSlot()
        case .wait(let id):
            switch try await waitInLine(id: id) {
            case .connection(let connection): return connection
            case .slot: return try await openInSlot()
            }
        }
    }

    /// Opens a connection in a slot already counted as open.
    private func openInSlot() async throws -> SQLiteConnection {
        do {
            return try await open()
        } catch {
            // The slot passes to the first waiter, which would otherwise wait for a connection that never comes.
            let waiter = state.withLock { state in
                if state.waiters.isEmpty || state.isClosed {
                    state.count -= 1
                    return nil as Waiter?
                }
                return state.waiters.removeFirst()
            }
            waiter?.timeout?.cancel()
            waiter?.continuation.resume(returning: .slot)
            throw error
        }
    }

    private func waitInLine(id: UInt64) async throws -> Handoff {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                // Checked again under the lock: a connection may have come back since the first look,
                // and the task may have been cancelled before its handler could find it in the line.
                let ready: Result<Handoff, any Error>? = state.withLock { state in
                    if state.isClosed { return .failure(Closed()) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if let connection = state.idle.popLast() { return .success(.connection(connection)) }
                    if state.count < capacity {
                        state.count += 1
                        return .success(.slot)
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let ready { return continuation.resume(with: ready) }
                let timeout = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .init(waitTimeout)) { [self] in
                    endWait(id, with: DomainError.unavailable("The database is busy; try again shortly"))
                }
                let served = state.withLock { state in
                    guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return true }
                    state.waiters[index].timeout = timeout
                    return false
                }
                if served { timeout.cancel() }
            }
        } onCancel: {
            endWait(id, with: CancellationError())
        }
    }

    /// Fails the waiter `id` if it is still in line; otherwise it was served and nothing happens.
    private func endWait(_ id: UInt64, with error: any Error) {
        guard let waiter = state.withLock({ $0.removeWaiter(id) }) else { return }
        waiter.timeout?.cancel()
        waiter.continuation.resume(throwing: error)
    }

    private func giveBack(_ connection: SQLiteConnection) {
        enum Next {
            case hand(Waiter)
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
        case .hand(let waiter):
            waiter.timeout?.cancel()
            waiter.continuation.resume(returning: .connection(connection))
        case .close: Task { await closeCounted(connection) }
        case .keep: break
        }
    }

    /// Foreign keys on; a busy timeout so a writer from another process is waited for rather than
    /// failed; write-ahead logging so readers never block the writer.
    static let connectionPragmas = ["foreign_keys = ON", "busy_timeout = 10000", "journal_mode = WAL", "synchronous = NORMAL"]

    private func open() async throws -> SQLiteConnection {
        try await Self.open(path: path, threads: threads, logger: logger, pragmas: Self.connectionPragmas)
    }

    /// Opens a connection to `path` and sets `pragmas` on it (closing it again if one fails).
    static func open(path: String, threads: NIOThreadPool, logger: Logger, pragmas: [String]) async throws -> SQLiteConnection {
        let connection = try await SQLiteConnection.open(
            storage: .file(path: path), threadPool: threads, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any()
        )
        do {
            for pragma in pragmas {
                _ = try await connection.query("PRAGMA \(pragma)")
            }
            return connection
        } catch {
            try? await close(connection)
            throw error
        }
    }

    /// SQLiteNIO's async `close()` gives up when the task is cancelled, which is exactly when a
    /// service shuts down; the future-based one always closes.
    static func close(_ connection: SQLiteConnection) async throws {
        let closed: EventLoopFuture<Void> = connection.close()
        try await closed.get()
    }
}
