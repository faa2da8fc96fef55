import Synchronization

/// A lock for async code: a waiter suspends instead of blocking a thread. Waiters queue in two lanes:
/// requests (the foreground) go before background work (the job worker), so that a user's write does
/// not queue behind a burst of job outcomes; while background work waits, after `foregroundRun`
/// foreground grants in a row one background waiter goes. By default the lanes alternate while both
/// wait: a request waits for at most one job's transaction besides the holder's, and the jobs, which
/// write three transactions per VM to a request's one, are not left behind by a burst of requests.
/// Each lane is first come, first served. The lane is the task's (`AsyncLock.lane`), inherited by the
/// tasks it starts.
final class AsyncLock: Sendable {
    enum Lane: Sendable {
        case foreground, background
    }

    /// The lane this task's waits queue in.
    @TaskLocal static var lane: Lane = .foreground

    private struct State {
        var isLocked = false
        var foreground: [CheckedContinuation<Void, Never>] = []
        var background: [CheckedContinuation<Void, Never>] = []
        /// Foreground grants since a background waiter last went, counted while one waits.
        var foregroundInARow = 0
    }

    let foregroundRun: Int
    private let state = Mutex(State())

    init(foregroundRun: Int = 1) {
        precondition(foregroundRun >= 1)
        self.foregroundRun = foregroundRun
    }

    func withLock<R>(_ body: () async throws -> R) async throws -> R {
        await lock()
        defer { unlock() }
        return try await body()
    }

    /// Waiters queued in each lane, for tests.
    var waiting: (foreground: Int, background: Int) {
        state.withLock { ($0.foreground.count, $0.background.count) }
    }

    private func lock() async {
        let lane = Self.lane
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = state.withLock { state in
                guard state.isLocked else {
                    state.isLocked = true
                    return true
                }
                switch lane {
                case .foreground: state.foreground.append(continuation)
                case .background: state.background.append(continuation)
                }
                return false
            }
            if acquired { continuation.resume() }
        }
    }

    /// Hands the lock straight to the next waiter, if any.
    private func unlock() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            let backgroundsTurn = state.foreground.isEmpty || state.foregroundInARow >= foregroundRun
            if !state.background.isEmpty && backgroundsTurn {
                state.foregroundInARow = 0
                return state.background.removeFirst()
            }
            if !state.foreground.isEmpty {
                state.foregroundInARow = state.background.isEmpty ? 0 : state.foregroundInARow + 1
                return state.foreground.removeFirst()
            }
            state.isLocked = false
            return nil
        }
        next?.resume()
    }
}
