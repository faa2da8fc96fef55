import Synchronization
import Testing

@testable import SQLPersistence

/// The read cache's rules without a database: a moved counter or an old entry means a reload, and
/// eviction takes one entry at a time.
@Suite("Generation cache")
struct GenerationCacheTests {
    /// A change counter the test moves by hand; nil plays a counter that cannot be read.
    final class FakeCounter: ChangeCounter {
        let value = Mutex<Int64?>(1)
        func current() async -> CacheGeneration? { value.withLock { $0 }.map { CacheGeneration(epoch: 1, version: $0) } }
        func commit() { value.withLock { $0 = ($0 ?? 0) + 1 } }
    }

    /// A clock the test moves by hand.
    final class FakeClock: Sendable {
        let start = ContinuousClock.now
        let offset = Mutex(Duration.zero)
        var now: ContinuousClock.Instant { start + offset.withLock { $0 } }
        func advance(_ duration: Duration) { offset.withLock { $0 += duration } }
    }

    /// Counts the loads, so a test sees whether an answer came from the cache.
    final class Loads: Sendable {
        let count = Mutex(0)
        func load<V>(_ value: V) -> V {
            count.withLock { $0 += 1 }
            return value
        }
        var total: Int { count.withLock { $0 } }
    }

    static func cache(
        capacity: Int = 100, counter: FakeCounter = FakeCounter(), clock: FakeClock = FakeClock()
    ) -> GenerationCache<Int, String> {
        GenerationCache(counter: counter, capacity: capacity, maxAge: .seconds(5), now: { clock.now })
    }

    @Test("A value is served from memory until the counter moves")
    func counterMoves() async throws {
        let counter = FakeCounter()
        let cache = Self.cache(counter: counter)
        let loads = Loads()
        #expect(try await cache.value(for: 1) { loads.load("a") } == "a")
        #expect(try await cache.value(for: 1) { loads.load("b") } == "a")
        #expect(loads.total == 1)

        counter.commit()

        #expect(try await cache.value(for: 1) { loads.load("c") } == "c")
        #expect(loads.total == 2)
    }

    @Test("No entry is served older than the age bound, even when the counter never moves")
    func ageBound() async throws {
        let clock = FakeClock()
        let cache = Self.cache(clock: clock)
        let loads = Loads()
        _ = try await cache.value(for: 1) { loads.load("a") }

        clock.advance(.milliseconds(4_999))
        #expect(try await cache.value(for: 1) { loads.load("b") } == "a")

        clock.advance(.milliseconds(1))
        #expect(try await cache.value(for: 1) { loads.load("c") } == "c")
        #expect(loads.total == 2)
    }

    @Test("When the counter cannot be read, every lookup loads and nothing is kept")
    func unreadableCounter() async throws {
        let counter = FakeCounter()
        let cache = Self.cache(counter: counter)
        let loads = Loads()
        counter.value.withLock { $0 = nil }

        _ = try await cache.value(for: 1) { loads.load("a") }
        _ = try await cache.value(for: 1) { loads.load("a") }

        #expect(loads.total == 2)
        #expect(cache.count == 0)
    }

    @Test("Nil and refused results are not kept")
    func notKept() async throws {
        let cache = Self.cache()
        for key in 0..<50 {
            _ = try await cache.value(for: key) { nil }
            _ = try await cache.value(for: key + 1_000, keep: { _ in false }) { "stranger" }
        }
        #expect(cache.count == 0)
    }

    @Test("A flood of keys used once neither empties the cache nor evicts an entry in use")
    func floodKeepsHotEntry() async throws {
        let cache = Self.cache(capacity: 100)
        let hotLoads = Loads()
        _ = try await cache.value(for: -1) { hotLoads.load("hot") }

        for key in 0..<10_000 {
            _ = try await cache.value(for: key) { "cold \(key)" }
            // Used about as often as any real caller would be, compared with a flood.
            if key % 50 == 0 { #expect(try await cache.value(for: -1) { hotLoads.load("hot") } == "hot") }
            #expect(cache.count == min(key + 2, 100))
        }

        #expect(hotLoads.total == 1)
    }

    @Test("The clock table evicts one entry at a time, unmarked ones first")
    func clockTable() {
        var table = ClockTable<Int, Int>(capacity: 3)
        for key in 0..<3 { table.set(key, for: key) }
        _ = table.value(for: 0)

        table.set(3, for: 3)

        #expect(table.count == 3)
        #expect(table.value(for: 0) == 0)
        #expect(table.value(for: 1) == nil)
        #expect(table.value(for: 2) == 2)
        #expect(table.value(for: 3) == 3)
    }
}
