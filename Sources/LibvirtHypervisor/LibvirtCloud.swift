import Core
import Foundation
import Synchronization

/// `<domain type=…>`: `kvm` on real hosts, `qemu` for software emulation (a host setting).
public enum LibvirtVirtType: String, Sendable {
    case kvm, qemu
}

/// How a machine's NIC is attached.
public enum LibvirtNetwork: Sendable, Equatable {
    /// QEMU's user-mode networking: what an unprivileged (session) daemon can offer.
    case user
    /// A libvirt network of the host, by name.
    case network(String)
}

/// The driver's settings, the same for every libvirt host of the service.
public struct LibvirtSettings: Sendable {
    /// The storage pool that holds the empty disks of ISO VMs (template VMs' disks go to their
    /// image's pool).
    public var isoPool: String
    /// The network NICs attach to; nil picks one from the URI: user networking on a session daemon
    /// (`…/session`), the libvirt network `default` otherwise.
    public var network: LibvirtNetwork?
    /// A directory on the host where each machine's serial console is written (`vs-<id>.log`);
    /// nil keeps the console on a pty.
    public var consoleLogDirectory: String?
    /// How often a stop looks whether the guest has shut itself down.
    public var stopPollInterval: Duration
    /// On hosts of libvirt's test driver (`test://` URIs) only: make a missing storage pool or base
    /// volume (empty) instead of refusing the VM. The test driver's storage lives inside the process and
    /// nothing outside can fill it, so without this `serve` on `test:///default` could build no template
    /// VM at all. Other hosts always refuse what they do not have.
    public var fillTestHosts: Bool

    public init(
        isoPool: String = "default", network: LibvirtNetwork? = nil, consoleLogDirectory: String? = nil,
        stopPollInterval: Duration = .milliseconds(250), fillTestHosts: Bool = false
    ) {
        self.isoPool = isoPool
        self.network = network
        self.consoleLogDirectory = consoleLogDirectory
        self.stopPollInterval = stopPollInterval
        self.fillTestHosts = fillTestHosts
    }

    func network(for uri: String) -> LibvirtNetwork {
        if let network { return network }
        let path = URLComponents(string: uri)?.path ?? ""
        return path == "/session" ? .user : .network("default")
    }
}

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
