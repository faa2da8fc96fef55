import Synchronization
import TestSupport
import Testing

@testable import SQLPersistence

@Suite("Async lock with lanes", .timeLimit(.minutes(5)))
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

    /// Queues a waiter named `name` in `lane` behind the current holder, and returns once it waits.
    static func enqueue(_ name: String, _ lane: AsyncLock.Lane, on lock: AsyncLock, log: Log) async -> Task<Void, Never> {
        let before = lock.waiting
        let task = Task {
            await AsyncLock.$lane.withValue(lane) {
                _ = try? await lock.withLock { log.append(name) }
            }
        }
        try? await waitUntil {
            let now = lock.waiting
            return now.foreground + now.background > before.foreground + before.background
        }
        return task
    }

    /// Holds the lock until the returned continuation is resumed.
    static func hold(_ lock: AsyncLock) async -> (Task<Void, Never>, CheckedContinuation<Void, Never>) {
        let (stream, continuation) = AsyncStream<CheckedContinuation<Void, Never>>.makeStream()
        let holder = Task {
            _ = try? await lock.withLock {
                await withCheckedContinuation { continuation.yield($0) }
            }
        }
        var iterator = stream.makeAsyncIterator()
        let release = await iterator.next()!
        return (holder, release)
    }

    @Test("One holder at a time, whatever the lanes")
    func exclusion() async {
        let lock = AsyncLock()
        let counts = Counts()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<100 {
                group.addTask {
                    await AsyncLock.$lane.withValue(index % 3 == 0 ? .background : .foreground) {
                        _ = try? await lock.withLock {
                            let now = counts.inside.add(1, ordering: .relaxed).newValue
                            counts.most.max(now, ordering: .relaxed)
                            await Task.yield()
                            counts.inside.subtract(1, ordering: .relaxed)
                        }
                    }
                }
            }
        }
        #expect(counts.most.load(ordering: .relaxed) == 1)
        #expect(lock.waiting == (0, 0))
    }

    @Test("Requests go before background work, each lane in arrival order")
    func lanes() async {
        let lock = AsyncLock(foregroundRun: 10)
        let log = Log()
        let (holder, release) = await Self.hold(lock)
        var tasks: [Task<Void, Never>] = []
        for name in ["b1", "b2"] { tasks.append(await Self.enqueue(name, .background, on: lock, log: log)) }
        for name in ["f1", "f2", "f3"] { tasks.append(await Self.enqueue(name, .foreground, on: lock, log: log)) }

        release.resume()
        for task in tasks + [holder] { await task.value }

        #expect(log.value == ["f1", "f2", "f3", "b1", "b2"])
    }

    @Test("Background work waiting goes after every run of foreground grants")
    func fairness() async {
        let lock = AsyncLock(foregroundRun: 2)
        let log = Log()
        let (holder, release) = await Self.hold(lock)
        var tasks: [Task<Void, Never>] = []
        for name in ["b1", "b2"] { tasks.append(await Self.enqueue(name, .background, on: lock, log: log)) }
        for name in ["f1", "f2", "f3", "f4", "f5"] { tasks.append(await Self.enqueue(name, .foreground, on: lock, log: log)) }

        release.resume()
        for task in tasks + [holder] { await task.value }

        #expect(log.value == ["f1", "f2", "b1", "f3", "f4", "b2", "f5"])
    }

    @Test("The lane is inherited by the tasks a background task starts")
    func inheritance() async {
        let lock = AsyncLock(foregroundRun: 10)
        let log = Log()
        let (holder, release) = await Self.hold(lock)
        let child = await DatabaseClient.asBackgroundWork {
            Task { _ = try? await lock.withLock { log.append("background child") } }
        }
        try? await waitUntil { lock.waiting.background == 1 }
        let foreground = await Self.enqueue("foreground", .foreground, on: lock, log: log)

        release.resume()
        for task in [child, foreground, holder] { await task.value }

        #expect(log.value == ["foreground", "background child"])
    }
}
