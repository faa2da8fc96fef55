import Synchronization

/// Holds queries back until the pool behind them runs. `PostgresClient` warns on every lease made
/// before its `run()` (and such leases wait anyway); a service's start-up work and one-shot commands
/// would otherwise race the task that starts it.
final class StartGate: Sendable {
    private let isOpen = Atomic(false)
    private let waiters = Mutex<(isOpen: Bool, list: [CheckedContinuation<Void, Never>])>((false, []))

    /// Returns at once when open (one atomic load); otherwise when `open()` is called.
    func wait() async {
        if isOpen.load(ordering: .acquiring) { return }
        await withCheckedContinuation { continuation in
            let isOpen = waiters.withLock { waiters in
                if !waiters.isOpen { waiters.list.append(continuation) }
                return waiters.isOpen
            }
            if isOpen { continuation.resume() }
        }
    }

    func open() {
        let list = waiters.withLock { waiters in
            waiters.isOpen = true
            defer { waiters.list = [] }
            return waiters.list
        }
        isOpen.store(true, ordering: .releasing)
        for waiter in list { waiter.resume() }
    }
}
