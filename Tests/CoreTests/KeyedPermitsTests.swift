@testable import Core
import Foundation
import Testing

/// `KeyedPermits`: its bookkeeping transition by transition, then the real waiting, with
/// concurrency and cancellation.
@Suite("Keyed permits")
struct KeyedPermitsTests {
    typealias State = KeyedPermitsState<String>

    @Test("Grants up to the limit per key, queues up to the maximum, then refuses; keys are independent")
    func grantsQueuesRefuses() {
        var state = State(limit: 2, maximumWaiting: 1)
        let waiters = (0..<5).map { _ in state.newWaiter() }

        #expect(state.acquire("a", waiter: waiters[0]) == .granted)
        #expect(state.acquire("a", waiter: waiters[1]) == .granted)
        #expect(state.acquire("a", waiter: waiters[2]) == .queued)
        #expect(state.acquire("a", waiter: waiters[3]) == .refused)
        #expect(state.acquire("b", waiter: waiters[4]) == .granted)
        #expect(state.holders == ["a": 2, "b": 1])
    }

    @Test("A release hands the permit to the longest waiter; the last release forgets the key")
    func releaseHandsOver() {
        var state = State(limit: 1, maximumWaiting: 5)
        let (first, second, third) = (state.newWaiter(), state.newWaiter(), state.newWaiter())
        _ = state.acquire("a", waiter: first)
        _ = state.acquire("a", waiter: second)
        _ = state.acquire("a", waiter: third)

        #expect(state.release("a") == second)
        #expect(state.release("a") == third)
        #expect(state.holders == ["a": 1])
        #expect(state.release("a") == nil)
        #expect(state.isIdle)
    }

    @Test("A queued waiter that is cancelled leaves the queue; a holder is not affected")
    func cancelQueued() {
        var state = State(limit: 1, maximumWaiting: 5)
        let (holder, cancelled, next) = (state.newWaiter(), state.newWaiter(), state.newWaiter())
        _ = state.acquire("a", waiter: holder)
        _ = state.acquire("a", waiter: cancelled)
        _ = state.acquire("a", waiter: next)

        #expect(state.cancel("a", waiter: cancelled) == true)
        #expect(state.cancel("a", waiter: holder) == false)
        #expect(state.release("a") == next, "the cancelled waiter's place is gone")
        #expect(state.release("a") == nil)
        #expect(state.isIdle)
    }

    @Test("A waiter cancelled before it asks is answered `cancelled` and takes nothing")
    func cancelBeforeAsking() {
        var state = State(limit: 1, maximumWaiting: 5)
        let waiter = state.newWaiter()

        #expect(state.cancel("a", waiter: waiter) == false)
        #expect(state.acquire("a", waiter: waiter) == .cancelled)
        #expect(state.isIdle)
    }

    /// Counts the bodies running at once, per key.
    final class Occupancy: @unchecked Sendable {
        private let lock = NSLock()
        private var running: [String: Int] = [:]
        private(set) var peak: [String: Int] = [:]

        func enter(_ key: String) { lock.withLock { running[key, default: 0] += 1; peak[key] = max(peak[key, default: 0], running[key]!) } }
        func leave(_ key: String) { lock.withLock { running[key, default: 0] -= 1 } }
        var peaks: [String: Int] { lock.withLock { peak } }
    }

    @Test("Many concurrent callers on one key run one at a time and do not delay another key")
    func concurrency() async throws {
        let permits = KeyedPermits<String>(limit: 1, maximumWaiting: 100)
        let occupancy = Occupancy()
        let clock = ContinuousClock()
        // 30 × 100 ms queue on the busy key; the quiet key must not wait behind them (a loaded CI
        // machine once took 250 ms for 20 ms of work, so the bound is half the busy queue).
        let work = Duration.milliseconds(100)

        let otherKeyTime = try await withThrowingTaskGroup(of: Duration?.self) { group in
            for _ in 0..<30 {
                group.addTask {
                    try await permits.withPermit(for: "busy") {
                        occupancy.enter("busy")
                        defer { occupancy.leave("busy") }
                        try await Task.sleep(for: work)
                    }
                    return nil
                }
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(50))
                return try await clock.measure { try await permits.withPermit(for: "quiet") { try await Task.sleep(for: work) } }
            }
            var measured: Duration?
            for try await result in group where result != nil { measured = result }
            return try #require(measured)
        }

        #expect(occupancy.peaks["busy"] == 1)
        #expect(otherKeyTime < work * 15, "the other key waited \(otherKeyTime) behind 30 × \(work)")
        #expect(permits.isIdle)
    }

    @Test("A cancelled waiter gives its place up at once, and the queue moves on")
    func cancellation() async throws {
        let permits = KeyedPermits<String>(limit: 1, maximumWaiting: 100)
        let (release, holding) = AsyncStream.makeStream(of: Void.self)
        let (started, startedSignal) = AsyncStream.makeStream(of: Void.self)

        let holder = Task {
            try await permits.withPermit(for: "a") {
                startedSignal.yield()
                for await _ in release { break }
            }
        }
        for await _ in started { break }
        let waiter = Task { try await permits.withPermit(for: "a") { "ran" } }
        try await Task.sleep(for: .milliseconds(20))
        waiter.cancel()

        await #expect(throws: CancellationError.self) { try await waiter.value }
        holding.yield()
        try await holder.value
        #expect(permits.isIdle, "the cancelled waiter left nothing behind")
        #expect(try await permits.withPermit(for: "a") { "next" } == "next")
    }

    @Test("Beyond the waiting maximum, callers are refused at once")
    func refusal() async throws {
        let permits = KeyedPermits<String>(limit: 1, maximumWaiting: 1)
        let (release, holding) = AsyncStream.makeStream(of: Void.self)
        let (started, startedSignal) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            try await permits.withPermit(for: "a") {
                startedSignal.yield()
                for await _ in release { break }
            }
        }
        for await _ in started { break }
        let queued = Task { try await permits.withPermit(for: "a") { "queued ran" } }
        try await Task.sleep(for: .milliseconds(20))

        await #expect(throws: KeyedPermits<String>.Refused.self) { try await permits.withPermit(for: "a") { "refused ran" } }
        holding.yield()
        try await holder.value
        #expect(try await queued.value == "queued ran")
    }
}
