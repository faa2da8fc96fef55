import Synchronization

/// Wakes one waiting worker loop early: `signal()` from anywhere, `wait(upTo:)` in the loop. A signal
/// that arrives while nobody waits is kept (once), so none is lost between two waits. Only a hint:
/// the database decides which jobs exist and who runs them; a process that misses a signal finds
/// the job at its next poll.
public final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    public init() {}

    public func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns at the first signal (or one kept from before), after `timeout`, or when the task is
    /// cancelled. One waiter at a time.
    public func wait(upTo timeout: Duration) async {
        let timer = Task { [self] in
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            signal()
        }
        defer { timer.cancel() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            signal()
        }
        // A cancellation that came before the wait began leaves its signal pending: clear it.
        if Task.isCancelled { state.withLock { $0.pending = false } }
    }
}
