import Core
import Synchronization
import TestSupport
import Testing

@testable import SQLPersistence

/// The lock SQLite's writers of one process queue at (`DatabaseClient.transaction`).
@Suite("Async lock", .timeLimit(.minutes(5)))
struct AsyncLockTests {
    /// The order in which holders got the lock.
    final class Log: Sendable {
        private let entries = Mutex<[String]>([])
        func append(_ entry: String) { entries.withLock { $0.append(entry) } }
        var value: [String] { entries.withLock { $0 } }
    }

    /// Holders inside the lock now, and the most there ever were at once.
    final class Counts: Sendable {
        let inside = Atomic(0)
        let most = Atomic(0)
    }

    @Test("One holder at a time")
    func exclusion() async {
        let lock = AsyncLock()
        let counts = Counts()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    _ = try? await lock.withLock {
                        let now = counts.inside.add(1, ordering: .relaxed).newValue
                        counts.most.max(now, ordering: .relaxed)
                        await Task.yield()
                        counts.inside.subtract(1, ordering: .relaxed)
                    }
                }
            }
        }
        #expect(counts.most.load(ordering: .relaxed) == 1)
        #expect(lock.waiting == 0)
    }

    @Test("Waiters get the lock in the order they came, and a holder that throws releases it")
    func order() async throws {
        let lock = AsyncLock()
        let log = Log()
        let release = OneTimeGate()
        let holder = Task { _ = try? await lock.withLock { log.append("holder"); await release.wait() } }
        try await waitUntil { log.value == ["holder"] }
        struct Boom: Error {}
        var waiters: [Task<Void, Never>] = []
        for name in ["a", "b", "c", "d"] {
            let before = lock.waiting
            waiters.append(Task { _ = try? await lock.withLock { log.append(name); if name == "b" { throw Boom() } } })
            try await waitUntil { lock.waiting > before }
        }

        release.open()
        for task in waiters + [holder] { await task.value }

        #expect(log.value == ["holder", "a", "b", "c", "d"])
        #expect(lock.waiting == 0)
    }
}
