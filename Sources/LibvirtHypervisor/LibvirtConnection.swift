#if LIBVIRT
import CLibvirt
import Core
import NIOPosix
import Synchronization

/// One host's connection: opened on first use, checked before every call and opened again when
/// libvirt dropped it. Every libvirt call runs on the connection's own thread (a one-thread
/// `NIOThreadPool`), never on a NIO event loop or the Swift concurrency pool, where one blocking call
/// (a remote host that stops answering) would stall requests. One thread per host also means that
/// a host that hangs holds up its own operations only, and that `virGetLastError`, which is
/// per thread, is read on the thread whose call failed.
final class LibvirtConnection: @unchecked Sendable {
    let uri: String
    /// Called (on libvirt's event thread) when a domain of this host changes state or its guest
    /// agent connects; must not block.
    private let onEvent: @Sendable (String) -> Void
    private let thread = NIOThreadPool(numberOfThreads: 1)
    /// Only touched on `thread`.
    private var open: Open?
    /// How many times a connection was opened (the first open and every reopen).
    let opens = Atomic<Int>(0)

    private struct Open {
        let pointer: virConnectPtr
        let callbacks: [Int32]
    }

    init(uri: String, onEvent: @escaping @Sendable (String) -> Void) {
        LibvirtRuntime.ready
        self.uri = uri
        self.onEvent = onEvent
        thread.start()
    }

    /// Runs `body` on the connection's thread with an open connection. A libvirt failure becomes a
    /// `HypervisorError`; one that looks like a dead connection closes it, so the next call reopens.
    func run<T: Sendable>(_ body: @escaping @Sendable (Session) throws -> T) async throws -> T {
        try Task.checkCancellation()
        do {
            return try await thread.runIfActive { [self] in
                let session = Session(pointer: try connected())
                do {
                    return try body(session)
                } catch let error as LibvirtCallError where error.dropsConnection {
                    close()
                    throw error
                }
            }
        } catch let error as LibvirtCallError {
            throw error.hypervisorError
        } catch is NIOThreadPoolError.ThreadPoolInactive {
            throw HypervisorError("The connection to \(uri) is closed", retryable: true)
        }
    }

    /// Closes the connection and stops its thread; calls after this fail (retryably).
    func shutdown() async {
        _ = try? await thread.runIfActive { [self] in close() }
        try? await thread.shutdownGracefully()
    }

    // MARK: - On the connection's thread

    private func connected() throws -> virConnectPtr {
        if let open {
            if virConnectIsAlive(open.pointer) == 1 { return open.pointer }
            close()
        }
        guard let pointer = virConnectOpen(uri) else { throw LibvirtCallError.last("connect to \(uri)") }
        opens.add(1, ordering: .relaxed)
        // Remote connections notice a dead peer through keepalives (every 5 s, 3 missed); local
        // drivers do not support them, which is fine.
        _ = virConnectSetKeepAlive(pointer, 5, 3)
        virResetLastError()
        let callbacks = [VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE].compactMap { event in
            register(event, on: pointer)
        }
        open = Open(pointer: pointer, callbacks: callbacks)
        return pointer
    }

    /// Subscribes to an event of every domain; nil when the driver does not offer it (events are a
    /// hint: reconciliation catches what they miss).
    private func register(_ event: virDomainEventID, on pointer: virConnectPtr) -> Int32? {
        let sink = Unmanaged.passRetained(EventSink(uri: uri, handler: onEvent)).toOpaque()
        let id = virConnectDomainEventRegisterAny(
            pointer, nil, Int32(event.rawValue), unsafeBitCast(domainEvent, to: virConnectDomainEventGenericCallback.self), sink,
            releaseSink
        )
        guard id >= 0 else {
            virResetLastError()
            Unmanaged<EventSink>.fromOpaque(sink).release()
            return nil
        }
        return id
    }

    private func close() {
        guard let open else { return }
        self.open = nil
        for id in open.callbacks { _ = virConnectDomainEventDeregisterAny(open.pointer, id) }
        _ = virConnectClose(open.pointer)
        virResetLastError()
    }
}

/// What an event callback calls: the host's URI and the handler, kept alive by libvirt until it
/// releases the callback.
final class EventSink: Sendable {
    let uri: String
    let handler: @Sendable (String) -> Void

    init(uri: String, handler: @escaping @Sendable (String) -> Void) {
        self.uri = uri
        self.handler = handler
    }
}

/// The callback of both the lifecycle and the agent-lifecycle event: both carry two ints before the
/// opaque pointer. libvirt registers every callback through the generic type, hence the cast above.
private let domainEvent: @convention(c) (virConnectPtr?, virDomainPtr?, Int32, Int32, UnsafeMutableRawPointer?) -> Void = {
    _, _, _, _, opaque in
    guard let opaque else { return }
    let sink = Unmanaged<EventSink>.fromOpaque(opaque).takeUnretainedValue()
    sink.handler(sink.uri)
}

private let releaseSink: @convention(c) (UnsafeMutableRawPointer?) -> Void = { opaque in
    guard let opaque else { return }
    Unmanaged<EventSink>.fromOpaque(opaque).release()
}
#endif
