import Foundation

/// The driven port to hypervisors: what the core asks of a host, whatever kind it is (simulated,
/// libvirt, vCenter). Every operation is idempotent, because a job may run again after a crash or a
/// lost lease: creating a machine that exists returns it, starting a running one succeeds, deleting
/// a missing one succeeds. Operations may take long (a graceful shutdown waits for the guest) and
/// are cancellable. Failures are `HypervisorError`s that say whether a retry can help.
public protocol Hypervisor: Sendable {
    /// Creates the machine `spec.id` and powers it on. The machine's identity on the host derives from
    /// the VM id, never from a name users can change.
    func create(_ spec: MachineSpec) async throws -> Machine
    func start(_ id: VMID) async throws -> Machine
    /// Asks the guest to shut down, and powers the machine off when it has not within `timeout`.
    func stop(_ id: VMID, timeout: Duration) async throws -> Machine
    func restart(_ id: VMID) async throws -> Machine
    func delete(_ id: VMID) async throws
    /// The machine's state; nil when the host has no such machine.
    func machine(_ id: VMID) async throws -> Machine?
    /// Every machine on the host, those VirtualStack does not know included.
    func inventory() async throws -> [Machine]
}

/// Finds the driver for a host and connects it (drivers keep one connection per host).
public protocol HypervisorProvider: Sendable {
    /// Whether this build has a driver for `kind` (hosts of other kinds are refused at registration).
    func supports(_ kind: DriverKind) -> Bool
    func hypervisor(for host: HypervisorHost) async throws -> any Hypervisor
}

/// What a driver needs to build a machine.
public struct MachineSpec: Sendable, Equatable {
    public let id: VMID
    public let size: VMSize
    public let source: VMSource

    public init(id: VMID, size: VMSize, source: VMSource) {
        self.id = id
        self.size = size
        self.source = source
    }
}

/// A machine as its host reports it.
public struct Machine: Sendable, Equatable {
    /// The VM the machine belongs to; nil for a machine VirtualStack did not make.
    public let vmID: VMID?
    /// The host's own name for it, for reporting unknown machines.
    public let name: String
    public let power: VMLifecycle.Power
    public let ipAddress: String?

    public init(vmID: VMID?, name: String, power: VMLifecycle.Power, ipAddress: String?) {
        self.vmID = vmID
        self.name = name
        self.power = power
        self.ipAddress = ipAddress
    }
}

/// A driver failure. `retryable` says whether the same operation may succeed later (a host that
/// does not answer, a busy lock) or never will (an unknown image, a refused configuration).
/// `hostDown` says the failure is the host's rather than the machine's (it does not answer, refuses
/// the credentials or presents a certificate that is not trusted): every operation on the host fails
/// until that changes, and the core marks the host down meanwhile.
public struct HypervisorError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public let retryable: Bool
    public let hostDown: Bool

    public init(_ message: String, retryable: Bool, hostDown: Bool = false) {
        self.message = message
        self.retryable = retryable
        self.hostDown = hostDown
    }

    public var description: String { message }
}
