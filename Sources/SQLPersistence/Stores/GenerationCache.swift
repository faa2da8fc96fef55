import Synchronization

/// A value of a database's change counter: equal values mean no commit happened in between.
struct CacheGeneration: Equatable, Sendable {
    /// Which reader produced `version` (a reopened reader starts counting anew).
    let epoch: UInt64
    let version: Int64
}

/// Where a cache learns whether the data may have changed since it loaded a value.
protocol ChangeCounter: Sendable {
    /// The counter now, read after the call began; nil when it cannot be read (then the cache is bypassed).
    func current() async -> CacheGeneration?
}

/// Values read from the database, kept while its change counter stays put, and never longer than `maxAge`.
///
/// The counter is read before every use, so a commit by any connection (any process) is seen by the
/// next lookup. A value is tagged with the counter read *before* its query ran, so a commit landing
/// while the query runs leaves the entry stale at once. `maxAge` bounds every entry whatever the
/// counter says (a file restored underneath us, a counter we misread).
///
/// Bounded per entry: when full, one entry is evicted by CLOCK (`ClockTable`), so no caller can
/// empty the cache for everyone by making it load many keys.
final class GenerationCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        let generation: CacheGeneration
        let loadedAt: ContinuousClock.Instant
        let value: Value
    }

    private let counter: any ChangeCounter
    private let maxAge: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let entries: Mutex<ClockTable<Key, Entry>>

    init(
        counter: any ChangeCounter, capacity: Int, maxAge: Duration,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) {
        self.counter = counter
        self.maxAge = maxAge
        self.now = now
        self.entries = Mutex(ClockTable(capacity: capacity))
    }

    /// Entries held now (for tests).
    var count: Int { entries.withLock { $0.count } }

    /// The cached value for `key`, or what `load` reads. A loaded value is kept when it is not nil
    /// and `keep` accepts it (results anyone can produce without bound are better not kept).
    func value(
        for key: Key, keep: (Value) -> Bool = { _ in true }, load: () async throws -> Value?
    ) async throws -> Value? {
        guard let generation = await counter.current() else { return try await load() }
        let start = now()
        let cached = entries.withLock { $0.value(for: key) }
        if let cached, cached.generation == generation, start - cached.loadedAt < maxAge {
            return cached.value
        }
        guard let value = try await load() else { return nil }
        if keep(value) {
            entries.withLock { $0.set(Entry(generation: generation, loadedAt: start, value: value), for: key) }
        }
        return value
    }
}

/// A fixed number of slots with CLOCK (second-chance) eviction: a hit marks its slot; a new key takes
/// the first unmarked slot after the hand, unmarking the marked ones it passes. A key used again
/// before the hand comes round stays; a flood of keys used once replaces only itself and cold entries.
struct ClockTable<Key: Hashable, Value> {
    private struct Slot {
        var key: Key
        var value: Value
        var referenced: Bool
    }

    private let capacity: Int
    private var slots: [Slot] = []
    private var positions: [Key: Int] = [:]
    private var hand = 0

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    var count: Int { slots.count }

    mutating func value(for key: Key) -> Value? {
        guard let position = positions[key] else { return nil }
        slots[position].referenced = true
        return slots[position].value
    }

    /// Stores `value`; a key not yet held starts unmarked, so a key used once is the first to go.
    mutating func set(_ value: Value, for key: Key) {
        if let position = positions[key] {
            slots[position].value = value
            slots[position].referenced = true
            return
        }
        if slots.count < capacity {
            positions[key] = slots.count
            slots.append(Slot(key: key, value: value, referenced: false))
            return
        }
        while slots[hand].referenced {
            slots[hand].referenced = false
            hand = (hand + 1) % capacity
        }
        positions[slots[hand].key] = nil
        slots[hand] = Slot(key: key, value: value, referenced: false)
        positions[key] = hand
        hand = (hand + 1) % capacity
    }
}
