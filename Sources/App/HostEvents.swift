import Core
import Synchronization

/// Hosts whose driver reported a change (a libvirt lifecycle or guest-agent event), waiting for the
/// reconciliation loop: an event wakes it for those hosts at once instead of at the next period.
/// Only a hint, as `WakeSignal` is; the periodic pass remains the safety net.
final class HostEvents: Sendable {
    private let pending = Mutex<Set<String>>([])
    let wakeUp = WakeSignal()

    /// Called on libvirt's event thread: must not block.
    func signal(_ uri: String) {
        pending.withLock { _ = $0.insert(uri) }
        wakeUp.signal()
    }

    /// The host URIs signalled since the last call.
    func take() -> Set<String> {
        pending.withLock { pending in
            defer { pending = [] }
            return pending
        }
    }
}
