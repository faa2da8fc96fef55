import Core
import Synchronization

#if LIBVIRT
/// The libvirt driver: the `HypervisorProvider` for hosts of kind `libvirt`, with one connection per
/// host URI, opened on first use and kept. `onHostEvent` hears of domain changes (lifecycle and guest
/// agent events) on a host, by URI, as they happen, including changes made outside VirtualStack.
public final class LibvirtCloud: HypervisorProvider {
    public let settings: LibvirtSettings
    private let onHostEvent: @Sendable (String) -> Void
    private let connections = Mutex<[String: LibvirtConnection]>([:])

    public init(settings: LibvirtSettings = LibvirtSettings(), onHostEvent: @escaping @Sendable (String) -> Void = { _ in }) {
        self.settings = settings
        self.onHostEvent = onHostEvent
    }

    public func supports(_ kind: DriverKind) -> Bool { kind == .libvirt }

    public func hypervisor(for host: HypervisorHost) async throws -> any Hypervisor {
        guard host.driver == .libvirt else {
            throw refused("Host \(host.name) uses the \(host.driver.rawValue) driver, not libvirt")
        }
        let virtType = host.settings["virt_type"].flatMap(LibvirtVirtType.init) ?? .kvm
        return self.host(host.uri, virtType: virtType)
    }

    /// The host at `uri`. `operationDelay` makes every changing operation wait that long first
    /// (cancellably): for tests that cancel an operation in flight on a host that answers at once.
    public func host(_ uri: String, virtType: LibvirtVirtType = .kvm, operationDelay: Duration = .zero) -> LibvirtHost {
        LibvirtHost(connection: connection(uri), virtType: virtType, settings: settings, operationDelay: operationDelay)
    }

    /// How many connections have been opened to `uri` (a reopened connection counts again).
    public func connectionsOpened(to uri: String) -> Int {
        connections.withLock { $0[uri] }?.opens.load(ordering: .relaxed) ?? 0
    }

    /// Closes every connection and stops their threads.
    public func shutdown() async {
        let all = connections.withLock { connections in
            defer { connections = [:] }
            return Array(connections.values)
        }
        for connection in all { await connection.shutdown() }
    }

    private func connection(_ uri: String) -> LibvirtConnection {
        connections.withLock { connections in
            if let existing = connections[uri] { return existing }
            let made = LibvirtConnection(uri: uri, onEvent: onHostEvent)
            connections[uri] = made
            return made
        }
    }
}
#else
/// This build has no libvirt driver: libvirt's C headers (Debian: `libvirt-dev`) were missing when it
/// was built (see Package.swift). Hosts of kind `libvirt` are refused, at registration and at start.
public final class LibvirtCloud: HypervisorProvider {
    public let settings: LibvirtSettings

    public init(settings: LibvirtSettings = LibvirtSettings(), onHostEvent: @escaping @Sendable (String) -> Void = { _ in }) {
        self.settings = settings
    }

    public func supports(_ kind: DriverKind) -> Bool { false }

    public func hypervisor(for host: HypervisorHost) async throws -> any Hypervisor {
        throw HypervisorError(
            "This build has no libvirt driver: install libvirt's development files (Debian: libvirt-dev) and build again",
            retryable: false
        )
    }

    public func shutdown() async {}
}
#endif
