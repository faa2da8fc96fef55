import Synchronization

/// Opens once start-up work (migrations) is done; services that need the schema wait here instead
/// of failing and logging until it exists.
final class Readiness: Sendable {
    private let state = Mutex<(ready: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func markReady() {
        let waiters = state.withLock { state in
            state.ready = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once ready, or at once when the task is cancelled (the service is stopping before it
    /// ever started: waiters then see the cancellation themselves).
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state in
                    if !state.ready && !Task.isCancelled { state.waiters.append(continuation) }
                    return state.ready || Task.isCancelled
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiters = state.withLock { state in
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }
}
