import Synchronization

/// The bookkeeping of `KeyedPermits`, without any waiting: at most `limit` holders per key, then up
/// to `maximumWaiting` waiters per key in arrival order, then refusals. Pure, so that every
/// transition is tested on its own (see `KeyedPermitsTests`).
struct KeyedPermitsState<Key: Hashable & Sendable>: Sendable {
    typealias Waiter = Int

    enum Acquired: Equatable {
        /// The waiter holds a permit now.
        case granted
        /// The waiter is queued; a later `release` or `cancel` names it.
        case queued
        /// The queue for the key is full.
        case refused
        /// The waiter was cancelled before it asked.
        case cancelled
    }

    let limit: Int
    let maximumWaiting: Int
    private(set) var holders: [Key: Int] = [:]
    private(set) var queues: [Key: [Waiter]] = [:]
    /// Waiters numbered by `newWaiter()` that have not asked yet, and those of them already cancelled.
    private var announced: Set<Waiter> = []
    private var cancelledEarly: Set<Waiter> = []
    private var nextWaiter = 0

    init(limit: Int, maximumWaiting: Int) {
        precondition(limit >= 1 && maximumWaiting >= 0)
        self.limit = limit
        self.maximumWaiting = maximumWaiting
    }

    /// Numbers a waiter before it asks, so that a cancellation arriving first can be told apart.
    mutating func newWaiter() -> Waiter {
        defer { nextWaiter += 1 }
        announced.insert(nextWaiter)
        return nextWaiter
    }

    mutating func acquire(_ key: Key, waiter: Waiter) -> Acquired {
        announced.remove(waiter)
        if cancelledEarly.remove(waiter) != nil { return .cancelled }
        let held = holders[key, default: 0]
        if held < limit {
            holders[key] = held + 1
            return .granted
        }
        if queues[key, default: []].count >= maximumWaiting { return .refused }
        queues[key, default: []].append(waiter)
        return .queued
    }

    /// Gives the permit up; returns the waiter it passes to (which then holds it), if one waits.
    mutating func release(_ key: Key) -> Waiter? {
        if var queue = queues[key], !queue.isEmpty {
            let next = queue.removeFirst()
            queues[key] = queue.isEmpty ? nil : queue
            return next
        }
        let held = holders[key, default: 0] - 1
        precondition(held >= 0, "released a permit that was not held")
        holders[key] = held == 0 ? nil : held
        return nil
    }

    /// `true` when the waiter was queued and now leaves the queue (it must be told so); `false` when
    /// it holds a permit already (it gives it back by `release`) or has not asked yet (it will be
    /// answered `.cancelled` when it does).
    mutating func cancel(_ key: Key, waiter: Waiter) -> Bool {
        if announced.contains(waiter) {
            cancelledEarly.insert(waiter)
            return false
        }
        guard var queue = queues[key], let index = queue.firstIndex(of: waiter) else { return false }
        queue.remove(at: index)
        queues[key] = queue.isEmpty ? nil : queue
        return true
    }

    /// Nothing held and nobody waiting: memory is bounded by the work in flight, not by the keys seen.
    var isIdle: Bool { holders.isEmpty && queues.isEmpty && announced.isEmpty && cancelledEarly.isEmpty }
}

/// At most `limit` concurrent holders per key; further callers wait their turn (first come, first
/// served) without occupying a thread, and beyond `maximumWaiting` waiters they are refused. A
/// cancelled waiter leaves the queue at once.
public final class KeyedPermits<Key: Hashable & Sendable>: Sendable {
    private struct State {
        var permits: KeyedPermitsState<Key>
        var continuations: [Int: CheckedContinuation<Void, any Error>] = [:]
    }

    private let state: Mutex<State>

    public init(limit: Int, maximumWaiting: Int) {
        state = Mutex(State(permits: KeyedPermitsState(limit: limit, maximumWaiting: maximumWaiting)))
    }

    /// Thrown to a caller that finds the key's queue full.
    public struct Refused: Error {}

    /// Runs `body` holding a permit for `key`. Throws `Refused` when the queue is full, and
    /// `CancellationError` when the task is cancelled while it waits.
    public func withPermit<R>(for key: Key, _ body: () async throws -> R) async throws -> R {
        try await acquire(key)
        defer { release(key) }
        return try await body()
    }

    func acquire(_ key: Key) async throws {
        let waiter = state.withLock { $0.permits.newWaiter() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state in
                    let outcome = state.permits.acquire(key, waiter: waiter)
                    if outcome == .queued { state.continuations[waiter] = continuation }
                    return outcome
                }
                switch outcome {
                case .granted: continuation.resume()
                case .queued: break
                case .refused: continuation.resume(throwing: Refused())
                case .cancelled: continuation.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            let continuation = state.withLock { state in
                state.permits.cancel(key, waiter: waiter) ? state.continuations.removeValue(forKey: waiter) : nil
            }
            continuation?.resume(throwing: CancellationError())
        }
    }

    func release(_ key: Key) {
        let next = state.withLock { state in
            state.permits.release(key).flatMap { state.continuations.removeValue(forKey: $0) }
        }
        next?.resume()
    }

    /// For tests: nothing held, nobody waiting.
    public var isIdle: Bool { state.withLock { $0.permits.isIdle && $0.continuations.isEmpty } }
}
