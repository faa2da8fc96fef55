import Core
import Foundation

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
