import Core
import Foundation
import NIOPosix
import SQLiteNIO
import Synchronization
import TestSupport
import Testing

@testable import SQLPersistence

/// The pool's waiting line: bounded, cancellable, and never losing a connection.
@Suite("SQLite connection pool", .timeLimit(.minutes(5)))
struct SQLiteConnectionPoolTests {
    static func withPool(
        capacity: Int, waitTimeout: Duration, _ body: @Sendable (SQLiteConnectionPool) async throws -> Void
    ) async throws {
        try await withTestDatabase(.sqlite) { database in
            let threads = NIOThreadPool(numberOfThreads: capacity)
            threads.start()
            let pool = SQLiteConnectionPool(
                path: String(database.url.dropFirst("sqlite://".count)), capacity: capacity, waitTimeout: waitTimeout,
                threads: threads, logger: testLogger
            )
            do {
                try await body(pool)
            } catch {
                await pool.close()
                try await threads.shutdownGracefully()
                throw error
            }
            await pool.close()
            try await threads.shutdownGracefully()
        }
    }

    /// Leases every connection of `pool` and keeps them until `gate` opens.
    static func occupy(_ pool: SQLiteConnectionPool, until gate: OneTimeGate) async throws -> [Task<Void, any Error>] {
        let holders = (0..<pool.capacity).map { _ in
            Task { try await pool.withConnection { _ in await gate.wait() } }
        }
        try await waitUntil { pool.statistics == .init(open: pool.capacity, idle: 0, waiting: 0) }
        return holders
    }

    static func selectOne(_ pool: SQLiteConnectionPool) async throws -> Int? {
        try await pool.withConnection { try await $0.query("SELECT 1 AS one").first?.column("one")?.integer }
    }

    @Test("A task that finds every connection lent gives up after the wait timeout with `unavailable`, and the pool still works")
    func timeout() async throws {
        try await Self.withPool(capacity: 1, waitTimeout: .milliseconds(200)) { pool in
            let gate = OneTimeGate()
            let holders = try await Self.occupy(pool, until: gate)
            let start = ContinuousClock.now

            let error = await #expect(throws: DomainError.self) { try await Self.selectOne(pool) }

            #expect(error?.code == .unavailable)
            #expect(ContinuousClock.now - start >= .milliseconds(200))
            #expect(pool.statistics.waiting == 0)
            gate.open()
            for holder in holders { try await holder.value }
            #expect(try await Self.selectOne(pool) == 1)
            #expect(pool.statistics == .init(open: 1, idle: 1, waiting: 0))
        }
    }

    @Test("A cancelled waiter leaves the line at once, and the connection it waited for is not lost")
    func cancelledWaiter() async throws {
        try await Self.withPool(capacity: 1, waitTimeout: .seconds(60)) { pool in
            let gate = OneTimeGate()
            let holders = try await Self.occupy(pool, until: gate)
            let waiter = Task { try await Self.selectOne(pool) }
            try await waitUntil { pool.statistics.waiting == 1 }

            waiter.cancel()

            await #expect(throws: CancellationError.self) { try await waiter.value }
            #expect(pool.statistics.waiting == 0)
            gate.open()
            for holder in holders { try await holder.value }
            #expect(try await Self.selectOne(pool) == 1)
            #expect(pool.statistics == .init(open: 1, idle: 1, waiting: 0))
        }
    }

    @Test("Closing waits for a lent connection to come back and closes it, so the threads can stop after")
    func closeDrains() async throws {
        try await withTestDatabase(.sqlite) { database in
            let threads = NIOThreadPool(numberOfThreads: 1)
            threads.start()
            let pool = SQLiteConnectionPool(
                path: String(database.url.dropFirst("sqlite://".count)), capacity: 1, threads: threads, logger: testLogger
            )
            let gate = OneTimeGate()
            let holders = try await Self.occupy(pool, until: gate)
            let closing = Task { await pool.close() }
            try await Task.sleep(for: .milliseconds(100))
            #expect(pool.statistics.open == 1, "still lent")

            gate.open()
            await closing.value

            #expect(pool.statistics == .init(open: 0, idle: 0, waiting: 0))
            for holder in holders { try await holder.value }
            // Stopping the threads now frees nothing that still needs them (a connection left open
            // would trip SQLiteNIO's assertion when freed).
            try await threads.shutdownGracefully()
        }
    }

    @Test("Many concurrent waiters, a third of them cancelled: every other one is served, and no connection is lost")
    func manyWaiters() async throws {
        // A wait timeout far above what 300 queries take, even on a loaded machine: this test is about
        // cancellation and lost connections, not about time.
        try await Self.withPool(capacity: 2, waitTimeout: .seconds(240)) { pool in
            let callers = 300
            let outcomes = await withTaskGroup(of: String.self) { group in
                for index in 0..<callers {
                    let task = Task { try await Self.selectOne(pool) }
                    if index % 3 == 0 { task.cancel() }
                    group.addTask {
                        do {
                            return try await task.value == 1 ? "served" : "wrong answer"
                        } catch is CancellationError {
                            return index % 3 == 0 ? "cancelled" : "cancelled without being asked"
                        } catch {
                            return "\(error)"
                        }
                    }
                }
                return await group.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
            }

            #expect(Set(outcomes.keys).isSubset(of: ["served", "cancelled"]), "\(outcomes)")
            #expect(outcomes["served", default: 0] >= callers * 2 / 3)
            let open = pool.statistics.open
            #expect(open <= 2)
            #expect(pool.statistics == .init(open: open, idle: open, waiting: 0))
        }
    }

    @Test("Fifty waiters in line at once all time out, and the pool then serves again")
    func manyTimeouts() async throws {
        try await Self.withPool(capacity: 2, waitTimeout: .milliseconds(100)) { pool in
            let gate = OneTimeGate()
            let holders = try await Self.occupy(pool, until: gate)

            let unavailable = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<50 {
                    group.addTask { ((try? await Self.selectOne(pool)) == nil) }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }

            #expect(unavailable == 50)
            #expect(pool.statistics.waiting == 0)
            gate.open()
            for holder in holders { try await holder.value }
            #expect(try await Self.selectOne(pool) == 1)
            #expect(pool.statistics == .init(open: 2, idle: 2, waiting: 0))
        }
    }
}
