/// Waits until `condition` holds, polling every couple of milliseconds; throws after `timeout`.
/// For tests that must see another task reach a state (queued, holding a lock) before acting.
public func waitUntil(timeout: Duration = .seconds(20), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { throw WaitTimedOut() }
        try await Task.sleep(for: .milliseconds(2))
    }
}

public struct WaitTimedOut: Error {}

extension TestBackend {
    /// How long a change committed by another process may go unseen by a service: nothing on SQLite
    /// (the read cache checks the identity generation), the read cache's age bound on PostgreSQL.
    public var crossProcessBound: Duration { self == .sqlite ? .zero : .seconds(1) }
}

/// The first result of `attempt` that `done` accepts, trying again for up to `bound` (plus a little
/// scheduling slack); with a zero bound, exactly one attempt. Returns the last result either way,
/// for the caller to check.
public func eventually<T>(
    within bound: Duration, _ attempt: () async throws -> T, until done: (T) -> Bool
) async throws -> T {
    let deadline = ContinuousClock.now + bound + (bound == .zero ? .zero : .milliseconds(300))
    while true {
        let result = try await attempt()
        if done(result) || ContinuousClock.now >= deadline { return result }
        try await Task.sleep(for: .milliseconds(10))
    }
}
