import Foundation

/// VMs of tenants. Requests reach VMs only through methods that take the tenant; the unscoped reads
/// are for the worker and reconciliation, which act for the system.
///
/// Adapters report a VM name taken in the tenant (case-insensitively) as `DomainError.conflict`.
public protocol VMRepository: Sendable {
    func insertVM(_ vm: VirtualMachine) async throws
    /// A VM of `tenantID`, unless it is being deleted.
    func vm(_ id: VMID, in tenantID: TenantID) async throws -> VirtualMachine?
    /// Inside a transaction: like `vm(_:in:)`, held until the transaction ends.
    func lockedVM(_ id: VMID, in tenantID: TenantID) async throws -> VirtualMachine?
    /// Inside a transaction: any VM, deleting ones included, held until the transaction ends. For the worker.
    func lockedVM(_ id: VMID) async throws -> VirtualMachine?
    /// Any VM, deleting ones included. For the worker.
    func vm(_ id: VMID) async throws -> VirtualMachine?
    /// The tenant's VMs that are not being deleted, newest first.
    func vms(in tenantID: TenantID, filter: VMFilter, page: PageRequest) async throws -> Page<VirtualMachine>
    /// False when the tenant has no such VM (or it is being deleted).
    func renameVM(_ id: VMID, in tenantID: TenantID, to name: String, at: Date) async throws -> Bool
    /// Writes status, task and (when given) the address. Entering `deleting` frees the VM's name.
    func setState(of id: VMID, _ state: VMState, ipAddress: String??, at: Date) async throws
    /// Removes the VM with its log.
    func removeVM(_ id: VMID) async throws
    /// VMs on `hostID` with no task and no job queued or running: those reconciliation may correct.
    func settledVMs(onHost hostID: HostID) async throws -> [VirtualMachine]
    /// Which of `ids` are VMs at all, deleting ones included.
    func knownVMIDs(_ ids: Set<VMID>) async throws -> Set<VMID>
    /// VMs of the tenant, deleting ones included (their machines may still exist).
    func vmCount(in tenantID: TenantID) async throws -> Int
}

/// The VM catalog.
public protocol TemplateRepository: Sendable {
    /// Every template, by name.
    func templates() async throws -> [VMTemplate]
    func template(_ id: TemplateID) async throws -> VMTemplate?
    /// `DomainError.conflict` when the name is taken (case-insensitively).
    func insertTemplate(_ template: VMTemplate) async throws
    /// False when there was no such template. VMs made from it keep their sizes and template name.
    func deleteTemplate(_ id: TemplateID) async throws -> Bool
}

/// Hypervisor hosts and what is allocated on each.
public protocol HostRepository: Sendable {
    /// Every host, by name.
    func hosts() async throws -> [HypervisorHost]
    func host(_ id: HostID) async throws -> HypervisorHost?
    /// Inside a transaction: one host, held until the transaction ends.
    func lockedHost(_ id: HostID) async throws -> HypervisorHost?
    func hostCount() async throws -> Int
    /// `DomainError.conflict` when the name is taken.
    func insertHost(_ host: HypervisorHost) async throws
    /// Applies the fields of `patch` that are set; the host as it now is, nil when unknown.
    func updateHost(_ id: HostID, _ patch: HostPatch, at: Date) async throws -> HypervisorHost?
    func deleteHost(_ id: HostID) async throws -> Bool
    /// Adds `size` to the host's allocation and `vms` to its VM count (negative values release).
    func allocate(_ size: VMSize, vms: Int, on hostID: HostID) async throws
    /// Adds `size` and one VM to the allocation of `host` if the host is still enabled and up, with the capacity
    /// `host` shows and still has room for `size`; false when not (another placement filled it, an
    /// operator drained or resized it meanwhile). Placement decides on hosts read without a lock and
    /// reserves last in its transaction, so placements on one host hold its row only for their commit.
    func reserve(_ size: VMSize, on host: HypervisorHost) async throws -> Bool
    /// Marks the host down with `reason` since `date`, or up when `reason` is nil.
    func setHostDown(_ id: HostID, reason: String?, at date: Date) async throws
}

/// The durable queue of driver operations. Jobs of one VM run one at a time, oldest first.
public protocol JobQueue: Sendable {
    func enqueue(_ job: Job) async throws
    /// Removes the VM's jobs that no worker holds (queued ones, and those whose lease expired).
    func cancelQueuedJobs(of vmID: VMID, now: Date) async throws
    /// In a transaction of its own: leases up to `limit` due jobs (`run_at` passed, no live lease, no
    /// other job of the same VM running or older) to `token` until `leaseUntil`, oldest first. A job
    /// goes to one claimant only, across every process on the database.
    func claimJobs(limit: Int, token: UUID, now: Date, leaseUntil: Date) async throws -> [Job]
    /// Extends the lease of `id` while `token` holds it; false when it was lost.
    func renewLease(of id: JobID, token: UUID, until: Date) async throws -> Bool
    /// Gives the job back while `token` holds it, unchanged and due at once: for a worker that stops
    /// before the job finished (the process shuts down), so that another need not wait for the lease.
    func releaseLease(of id: JobID, token: UUID) async throws
    /// Inside a transaction: the job if `token` still holds it, held until the transaction ends.
    func lockedJob(_ id: JobID, token: UUID) async throws -> Job?
    /// Removes the job if `token` still holds it: a finished job's claim and removal in one step.
    /// False when the claim was lost (another worker claimed the job, or it went with its VM).
    func takeJob(_ id: JobID, token: UUID) async throws -> Bool
    func deleteJob(_ id: JobID) async throws
    /// Releases the lease and sets the job to run again at `runAt`.
    func rescheduleJob(_ id: JobID, attempt: Int, runAt: Date, lastError: String) async throws
    /// Jobs queued or running.
    func jobCount() async throws -> Int
}

/// The activity log of each VM.
public protocol VMLogRepository: Sendable {
    func appendLogs(_ entries: [VMLogEntry]) async throws
    /// The newest `limit` entries of a VM of `tenantID`, newest first.
    func logs(of vmID: VMID, in tenantID: TenantID, limit: Int) async throws -> [VMLogEntry]
}

/// The compute repositories, bound together: to the pool, or to one transaction.
public struct ComputeStores: Sendable {
    public let vms: any VMRepository
    public let templates: any TemplateRepository
    public let hosts: any HostRepository
    public let jobs: any JobQueue
    public let logs: any VMLogRepository
    public let quotas: any QuotaRepository
    public let audit: any AuditLog

    public init(
        vms: any VMRepository, templates: any TemplateRepository, hosts: any HostRepository, jobs: any JobQueue, logs: any VMLogRepository,
        quotas: any QuotaRepository, audit: any AuditLog
    ) {
        self.vms = vms
        self.templates = templates
        self.hosts = hosts
        self.jobs = jobs
        self.logs = logs
        self.quotas = quotas
        self.audit = audit
    }
}

/// One transaction across the compute repositories: a VM row, its job and its log lines commit
/// together or not at all.
public protocol ComputeUnitOfWork: Sendable {
    /// The repositories outside any transaction.
    var stores: ComputeStores { get }
    /// Runs `work` against repositories bound to one transaction: committed when `work` returns,
    /// rolled back when it throws.
    func transaction<R: Sendable>(_ work: @escaping @Sendable (ComputeStores) async throws -> R) async throws -> R
}
