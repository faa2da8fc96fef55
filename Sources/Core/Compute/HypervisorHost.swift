import Foundation

public typealias HostID = EntityID<HypervisorHost>

/// The kinds of hypervisor a host can be; each has a driver behind the `Hypervisor` port.
public enum DriverKind: String, Sendable, CaseIterable, Hashable {
    case simulated, libvirt, vcenter
}

/// How much a host offers: physical capacity times the overcommit ratio of each dimension.
public struct HostCapacity: Sendable, Equatable {
    public var vcpus: Int
    public var memoryGB: Int
    public var diskGB: Int
    /// Virtual CPUs per physical one that may be handed out (4 = four vCPUs per core).
    public var cpuOvercommit: Double
    public var memoryOvercommit: Double
    public var diskOvercommit: Double

    public init(vcpus: Int, memoryGB: Int, diskGB: Int, cpuOvercommit: Double = 4, memoryOvercommit: Double = 1, diskOvercommit: Double = 1) {
        self.vcpus = vcpus
        self.memoryGB = memoryGB
        self.diskGB = diskGB
        self.cpuOvercommit = cpuOvercommit
        self.memoryOvercommit = memoryOvercommit
        self.diskOvercommit = diskOvercommit
    }

    /// What may be allocated in all.
    public var allocatable: VMSize {
        VMSize(
            cpu: Int((Double(vcpus) * cpuOvercommit).rounded(.down)),
            memoryGB: Int((Double(memoryGB) * memoryOvercommit).rounded(.down)),
            diskGB: Int((Double(diskGB) * diskOvercommit).rounded(.down))
        )
    }

    public static let vcpuRange = 1...1_000_000
    public static let memoryRange = 1...100_000_000
    public static let diskRange = 1...1_000_000_000
    public static let overcommitRange: ClosedRange<Double> = 0.1...100

    public func validated() throws(DomainError) -> HostCapacity {
        try VMSize.require(vcpus, in: Self.vcpuRange, field: "vcpus")
        try VMSize.require(memoryGB, in: Self.memoryRange, field: "memory_gb")
        try VMSize.require(diskGB, in: Self.diskRange, field: "disk_gb")
        for (value, field) in [(cpuOvercommit, "cpu_overcommit"), (memoryOvercommit, "memory_overcommit"), (diskOvercommit, "disk_overcommit")] {
            guard value.isFinite, Self.overcommitRange.contains(value) else {
                throw .invalid("\(field) must be between \(Self.overcommitRange.lowerBound) and \(Self.overcommitRange.upperBound)")
            }
        }
        return self
    }
}

/// A hypervisor VMs are placed on. Only superusers see hosts; tenants see their VMs only.
public struct HypervisorHost: Sendable, Equatable {
    public let id: HostID
    public var name: String
    public let driver: DriverKind
    /// How the driver reaches the host: `simulated://name`, a libvirt URI, a vCenter URL.
    public let uri: String
    /// Drained hosts keep their VMs and take no new ones.
    public var enabled: Bool
    public var capacity: HostCapacity
    /// Driver settings that are not capacity (libvirt's `virt_type`, vCenter's inventory paths and
    /// credentials, the password sealed by the `SecretBox`).
    public var settings: [String: String]
    /// Why the host is down: the last failure of the host as a whole (see `HypervisorError.hostDown`),
    /// cleared by the next driver call that succeeds. Nil while the host answers. Down hosts take no new VMs.
    public var downReason: String?
    public var downSince: Date?
    /// The sum of the sizes of the VMs on the host, deleting ones included until their machine is gone.
    public var allocated: VMSize
    public var vmCount: Int
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: HostID, name: String, driver: DriverKind, uri: String, enabled: Bool, capacity: HostCapacity,
        settings: [String: String] = [:], downReason: String? = nil, downSince: Date? = nil, allocated: VMSize = .zero, vmCount: Int = 0,
        createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.name = name
        self.driver = driver
        self.uri = uri
        self.enabled = enabled
        self.capacity = capacity
        self.settings = settings
        self.downReason = downReason
        self.downSince = downSince
        self.allocated = allocated
        self.vmCount = vmCount
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// What is left to allocate (negative when a lowered capacity is below what is in use).
    public var free: VMSize { capacity.allocatable - allocated }

    /// Whether new VMs may land here: enabled and not known to be down.
    public var takesNewVMs: Bool { enabled && downReason == nil }
}

/// What `PATCH /hosts/{id}` may change; nil fields stay as they are.
public struct HostPatch: Sendable, Equatable {
    public var name: String?
    public var enabled: Bool?
    public var capacity: HostCapacity?
    /// The whole new settings (credentials changed, a password sealed again under a new key).
    public var settings: [String: String]?

    public init(name: String? = nil, enabled: Bool? = nil, capacity: HostCapacity? = nil, settings: [String: String]? = nil) {
        self.name = name
        self.enabled = enabled
        self.capacity = capacity
        self.settings = settings
    }
}
