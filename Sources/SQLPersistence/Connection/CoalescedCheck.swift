import Synchronization

/// Runs a cheap check (a database's change counter) for concurrent callers, letting them share runs,
/// but never a run that started before the caller arrived: a change committed before a caller's
/// arrival must be seen by that caller, and a run already under way may have read the counter
/// before the commit.
///
/// At most one run is under way. Callers that arrive while one runs queue for the next; when a run
/// ends, the first of the queue leads the next run (in its own task, so no extra task is spawned) and
/// hands its result to the rest. A caller therefore waits for at most two runs.
final class CoalescedCheck<Value: Sendable>: Sendable {
    private typealias Waiter = CheckedContinuation<Turn, Never>

    private enum Turn {
        /// Run the check now, and hand its result to these followers.
        case lead(followers: [Waiter])
        /// Someone else ran it (having started after this caller arrived).
        case done(Value)
    }

    private struct State {
        var isRunning = false
        /// Callers that arrived while a run was under way, in order.
        var queued: [Waiter] = []
        /// Runs started so far, for tests.
        var runs = 0
    }

    private let state = Mutex(State())
    private let check: @Sendable () async -> Value

    init(_ check: @escaping @Sendable () async -> Value) {
        self.check = check
    }

    /// Runs started so far, and callers queued for the next run (for tests of the sharing rule).
    var runs: Int { state.withLock { $0.runs } }
    var waiting: Int { state.withLock { $0.queued.count } }

    func value() async -> Value {
        let leadsNow = state.withLock { state in
            if state.isRunning { return false }
            state.isRunning = true
            state.runs += 1
            return true
        }
        if leadsNow { return await lead(followers: []) }
        let turn = await withCheckedContinuation { (waiter: Waiter) in
            let leadsAfterAll = state.withLock { state in
                // The run may have ended between the first look and now.
                if state.isRunning {
                    state.queued.append(waiter)
                    return false
                }
                state.isRunning = true
                state.runs += 1
                return true
            }
            if leadsAfterAll { waiter.resume(returning: .lead(followers: [])) }
        }
        switch turn {
        case .done(let value): return value
        case .lead(let followers): return await lead(followers: followers)
        }
    }

    private func lead(followers: [Waiter]) async -> Value {
        let value = await check()
        for follower in followers { follower.resume(returning: .done(value)) }
        // Whoever queued during this run arrived after it started reading: they need a run of their own.
        let next = state.withLock { state -> [Waiter] in
            let queued = state.queued
            state.queued = []
            if queued.isEmpty {
                state.isRunning = false
            } else {
                state.runs += 1
            }
            return queued
        }
        if let leader = next.first { leader.resume(returning: .lead(followers: Array(next.dropFirst()))) }
        return value
    }
}
