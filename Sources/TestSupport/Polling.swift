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
