import Synchronization

/// A gate that opens once and stays open: `wait()` suspends until `open()`, then returns at once
/// (one atomic load). For work that must not begin before start-up has (the schema is migrated, the
/// database pool runs).
///
/// A waiter whose task is cancelled returns at once, and only that waiter: the others keep waiting.
/// It sees the cancellation itself (`Task.isCancelled`); the gate says nothing about it.
public final class OneTimeGate: Sendable {
    private struct State {
        var isOpen = false
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        /// Waiters cancelled before they got to suspend.
        var cancelledEarly: Set<Int> = []
    }

    private let isOpenFlag = Atomic(false)
    private let state = Mutex(State())

    public init() {}

    public var isOpen: Bool { isOpenFlag.load(ordering: .acquiring) }

    public func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        isOpenFlag.store(true, ordering: .releasing)
        for waiter in waiters { waiter.resume() }
    }

    public func wait() async {
        if isOpen { return }
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.isOpen || state.cancelledEarly.remove(id) != nil { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            // Runs at once if the task was cancelled already, possibly before the waiter suspended.
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
                if !state.isOpen { state.cancelledEarly.insert(id) }
                return nil
            }
            waiter?.resume()
        }
    }
}
