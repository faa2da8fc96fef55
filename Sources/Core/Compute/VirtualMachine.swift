import Foundation

public typealias VMID = EntityID<VirtualMachine>

/// What a VM is doing as the seeds name it: the `status` field of the API.
public enum VMStatus: String, Sendable, CaseIterable {
    case provisioning = "PROVISIONING"
    case running = "RUNNING"
    case stopped = "STOPPED"
    case error = "ERROR"
}

/// The operation in progress on a VM, if any: the `task` field of the API. While a task runs, the
/// VM's job is queued or running; `deleting` VMs are gone from every list already.
public enum VMTask: String, Sendable, CaseIterable {
    case starting, stopping, restarting, deleting
}

/// Where a VM's first disk comes from.
public enum VMSource: Sendable, Equatable {
    /// A template of the catalog (nil once it was removed from the catalog), and the image the VM's
    /// host builds it from (nil on the simulated driver, which serves every template).
    case template(TemplateID?, image: String?)
    /// An installation ISO the hypervisor reads itself (http or https); the control plane never fetches it.
    case iso(String)
}

/// A tenant's virtual machine, as stored.
public struct VirtualMachine: Sendable, Equatable {
    public let id: VMID
    public let tenantID: TenantID
    public var name: String
    public var status: VMStatus
    public var task: VMTask?
    public let size: VMSize
    public let source: VMSource
    /// The template's name when the VM was made: it stays when the template is removed from the catalog.
    public let templateName: String?
    public let hostID: HostID
    public var ipAddress: String?
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: VMID, tenantID: TenantID, name: String, status: VMStatus, task: VMTask?, size: VMSize, source: VMSource,
        templateName: String?, hostID: HostID, ipAddress: String?, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.status = status
        self.task = task
        self.size = size
        self.source = source
        self.templateName = templateName
        self.hostID = hostID
        self.ipAddress = ipAddress
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The VM's lifecycle state, as the state machine reads it.
    public var state: VMState { VMState(status: status, task: task) }
}

/// Status and task together: what `VMLifecycle` decides on.
public struct VMState: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var status: VMStatus
    public var task: VMTask?

    public init(status: VMStatus, task: VMTask? = nil) {
        self.status = status
        self.task = task
    }

    public var description: String { task.map { "\(status.rawValue)/\($0.rawValue)" } ?? status.rawValue }
}

/// What `GET /vms` filters by.
public struct VMFilter: Sendable, Equatable {
    /// A case-insensitive substring of the name.
    public var search: String?
    public var status: VMStatus?

    public init(search: String? = nil, status: VMStatus? = nil) {
        self.search = search
        self.status = status
    }
}
