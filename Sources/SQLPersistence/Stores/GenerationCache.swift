import Synchronization

/// Values read from the database, kept until this process writes anything (`WriteGeneration`).
///
/// Correct only while this process is the database's only writer, which is why `DatabaseClient`
/// turns it on for SQLite alone. A value is tagged with the generation read *before* its query ran,
/// so a write that commits while the query runs leaves the entry already stale.
final class GenerationCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        let generation: UInt64
        let value: Value
    }

    private let writes: WriteGeneration
    private let capacity: Int
    private let entries = Mutex<[Key: Entry]>([:])

    init(writes: WriteGeneration, capacity: Int) {
        self.writes = writes
        self.capacity = capacity
    }

    /// The cached value for `key`, or what `load` reads (remembered unless it is nil).
    func value(for key: Key, load: () async throws -> Value?) async throws -> Value? {
        let generation = writes.current
        if let entry = entries.withLock({ $0[key] }), entry.generation == generation {
            return entry.value
        }
        guard let value = try await load() else { return nil }
        entries.withLock { entries in
            // Bounded: when full, start over rather than track recency.
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(generation: generation, value: value)
        }
        return value
    }
}
