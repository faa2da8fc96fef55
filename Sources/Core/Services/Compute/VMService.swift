import Foundation

/// A tenant's VMs: what users ask for. Every change is a transition of `VMLifecycle`, written with
/// its log lines and its job in one transaction; the worker does the slow part.
public struct VMService: Sendable {
    let compute: any ComputeUnitOfWork
    let environment: CoreEnvironment
    let quotas: QuotaPolicy
    /// Tells this process's worker that a job was queued, so it need not wait for its next poll.
    let jobsQueued: @Sendable () -> Void

    public init(
        compute: any ComputeUnitOfWork, environment: CoreEnvironment, quotas: QuotaPolicy = QuotaPolicy(),
        jobsQueued: @escaping @Sendable () -> Void = {}
    ) {
        self.compute = compute
        self.environment = environment
        self.quotas = quotas
        self.jobsQueued = jobsQueued
    }

    /// `POST /vms` before validation.
    public struct Draft: Sendable {
        public var name: String
        /// `template` or `iso`; inferred from `templateID` / `isoURL` when nil.
        public var sourceType: String?
        public var templateID: TemplateID?
        public var isoURL: String?
        public var cpu: Int?
        public var memoryGB: Int?
        public var diskGB: Int?

        public init(
            name: String, sourceType: String? = nil, templateID: TemplateID? = nil, isoURL: String? = nil, cpu: Int? = nil,
            memoryGB: Int? = nil, diskGB: Int? = nil
        ) {
            self.name = name
            self.sourceType = sourceType
            self.templateID = templateID
            self.isoURL = isoURL
            self.cpu = cpu
            self.memoryGB = memoryGB
            self.diskGB = diskGB
        }
    }

    public static let defaultLogLimit = 100
    public static let maximumLogLimit = 1000

    public func list(in access: TenantAccess, filter: VMFilter, page: PageRequest) async throws -> Page<VirtualMachine> {
        try access.require(.vmRead)
        let filter = VMFilter(search: filter.search.flatMap { $0.isEmpty ? nil : $0 }, status: filter.status)
        return try await compute.stores.vms.vms(in: access.tenantID, filter: filter, page: page)
    }

    public func get(in access: TenantAccess, id: VMID) async throws -> VirtualMachine {
        try access.require(.vmRead)
        guard let vm = try await compute.stores.vms.vm(id, in: access.tenantID) else { throw DomainError.notFound("VM not found") }
        return vm
    }

    public func create(in access: TenantAccess, _ draft: Draft) async throws -> VirtualMachine {
        try access.require(.vmCreate)
        let name = try Names.valid(draft.name, field: "name")
        let request = try Self.source(of: draft)
        let actor = Self.actor(access.principal)
        let id: VMID = environment.newID()
        let now = environment.now()
        // The template and the size are settled before the transaction, which holds the hosts (and on
        // SQLite the write lock): only placement and the writes run inside it. A template removed in
        // between makes the VM's insert fail on its foreign key (409).
        var template: VMTemplate?
        if case .template(let templateID) = request {
            guard let found = try await compute.stores.templates.template(templateID) else {
                throw DomainError.invalid("template_id names no template of the catalog")
            }
            template = found
        }
        let defaults = template?.defaultSize
        let size = try VMSize(
            cpu: try Self.required(draft.cpu ?? defaults?.cpu, "cpu"),
            memoryGB: try Self.required(draft.memoryGB ?? defaults?.memoryGB, "memory_gb"),
            diskGB: try Self.required(draft.diskGB ?? defaults?.diskGB, "disk_gb")
        ).validated()
        // Placement decides on hosts as read now, without holding them; the transaction reserves the
        // room last, on the condition that it is still there. A placement that lost the host to
        // another one (or to an operator's change) decides again on fresh figures. The tenant's quota
        // is checked first in the transaction, so that locks are always taken tenant before host.
        var attempt = 0
        while true {
            attempt += 1
            guard let choice = Placement.choose(for: size, template: template, among: try await compute.stores.hosts.hosts()) else {
                throw DomainError.conflict(
                    "No host has room for \(size.cpu) vCPUs, \(size.memoryGB) GB of memory and \(size.diskGB) GB of disk"
                        + (template.map { " from template '\($0.name)'" } ?? "") + "; ask an operator to add capacity"
                )
            }
            let source: VMSource =
                switch request {
                case .template(let templateID): .template(templateID, image: choice.image)
                case .iso(let url): .iso(url)
                }
            let transition = VMLifecycle.created(by: actor)
            let vm = VirtualMachine(
                id: id, tenantID: access.tenantID, name: name, status: transition.next.status, task: transition.next.task, size: size,
                source: source, templateName: template?.name, hostID: choice.host.id, ipAddress: nil, createdAt: now, updatedAt: now
            )
            do {
                try await compute.transaction { [quotas, environment] stores in
                    try await quotas.admit(ResourceTally(oneVMOf: size), in: access.tenantID, stores: stores)
                    try await stores.vms.insertVM(vm)
                    try await Self.record(transition, for: id, at: now, in: stores)
                    guard try await stores.hosts.reserve(size, on: choice.host) else { throw PlacementOutdated() }
                    try await stores.audit.record(
                        "vm.create", on: .vm(id), in: access, environment: environment,
                        details: ["name": name, "cpu": String(size.cpu), "memory_gb": String(size.memoryGB), "disk_gb": String(size.diskGB)]
                    )
                }
            } catch is PlacementOutdated where attempt < Self.placementAttempts {
                continue
            } catch is PlacementOutdated {
                throw DomainError.conflict("Hosts changed while this VM was being placed; try again")
            }
            jobsQueued()
            return vm
        }
    }

    /// How often a create decides on placement before it gives up; each retry means another request
    /// took the room (or an operator changed the host) between reading the hosts and reserving.
    static let placementAttempts = 5

    private struct PlacementOutdated: Error {}

    public func rename(in access: TenantAccess, id: VMID, to rawName: String) async throws -> VirtualMachine {
        try access.require(.vmUpdate)
        let name = try Names.valid(rawName, field: "name")
        let now = environment.now()
        let actor = Self.actor(access.principal)
        return try await compute.transaction { [environment] stores in
            guard var vm = try await stores.vms.lockedVM(id, in: access.tenantID) else { throw DomainError.notFound("VM not found") }
            guard vm.name != name else { return vm }
            guard try await stores.vms.renameVM(id, in: access.tenantID, to: name, at: now) else {
                throw DomainError.notFound("VM not found")
            }
            try await stores.logs.appendLogs([
                VMLogEntry(vmID: id, timestamp: now, level: .info, message: "Renamed from '\(vm.name)' to '\(name)' by \(actor)")
            ])
            try await stores.audit.record("vm.rename", on: .vm(id), in: access, environment: environment, details: ["name": name])
            vm.name = name
            vm.updatedAt = now
            return vm
        }
    }

    /// Accepted in every state: queued jobs of the VM are dropped, a running one finishes first.
    public func delete(in access: TenantAccess, id: VMID) async throws -> VirtualMachine {
        try access.require(.vmDelete)
        return try await request(.delete, of: id, in: access)
    }

    public func perform(_ action: VMLifecycle.Request, in access: TenantAccess, id: VMID) async throws -> VirtualMachine {
        guard action != .delete else { return try await delete(in: access, id: id) }
        try access.require(.vmPowerManage)
        return try await request(action, of: id, in: access)
    }

    public func logs(in access: TenantAccess, id: VMID, limit: Int?) async throws -> [VMLogEntry] {
        try access.require(.vmReadLogs)
        let limit = limit ?? Self.defaultLogLimit
        guard (1...Self.maximumLogLimit).contains(limit) else {
            throw DomainError.invalid("limit must be between 1 and \(Self.maximumLogLimit)")
        }
        guard try await compute.stores.vms.vm(id, in: access.tenantID) != nil else { throw DomainError.notFound("VM not found") }
        return try await compute.stores.logs.logs(of: id, in: access.tenantID, limit: limit)
    }

    func request(_ request: VMLifecycle.Request, of id: VMID, in access: TenantAccess) async throws -> VirtualMachine {
        let now = environment.now()
        let actor = Self.actor(access.principal)
        let vm = try await compute.transaction { [environment] stores in
            guard var vm = try await stores.vms.lockedVM(id, in: access.tenantID) else { throw DomainError.notFound("VM not found") }
            let transition = try VMLifecycle.request(request, in: vm.state, by: actor)
            if transition.cancelsQueuedJobs { try await stores.jobs.cancelQueuedJobs(of: id, now: now) }
            try await stores.vms.setState(of: id, transition.next, ipAddress: nil, at: now)
            try await Self.record(transition, for: id, at: now, in: stores)
            try await stores.audit.record("vm.\(request.rawValue)", on: .vm(id), in: access, environment: environment, details: ["name": vm.name])
            vm.status = transition.next.status
            vm.task = transition.next.task
            vm.updatedAt = now
            return vm
        }
        jobsQueued()
        return vm
    }

    /// Writes a transition's log lines and queues its job.
    static func record(_ transition: VMLifecycle.Transition, for id: VMID, at now: Date, in stores: ComputeStores) async throws {
        try await stores.logs.appendLogs(
            transition.logs.map { VMLogEntry(vmID: id, timestamp: now, level: $0.level, message: $0.message) }
        )
        if let kind = transition.job {
            try await stores.jobs.enqueue(Job(id: JobID(UUID()), vmID: id, kind: kind, runAt: now, createdAt: now))
        }
    }

    /// How log lines name who asked.
    static func actor(_ principal: Principal) -> String {
        switch principal.credential {
        case .accessToken: principal.user.email.value
        case .apiKey(let id, _): "\(principal.user.email.value) (API key \(id))"
        }
    }

    enum SourceRequest: Equatable {
        case template(TemplateID)
        case iso(String)
    }

    static func source(of draft: Draft) throws(DomainError) -> SourceRequest {
        let type = draft.sourceType ?? (draft.isoURL != nil && draft.templateID == nil ? "iso" : "template")
        switch type {
        case "template":
            guard draft.isoURL == nil else { throw .invalid("iso_url is only for source_type 'iso'") }
            guard let templateID = draft.templateID else { throw .invalid("template_id is required for source_type 'template'") }
            return .template(templateID)
        case "iso":
            guard draft.templateID == nil else { throw .invalid("template_id is only for source_type 'template'") }
            guard let url = draft.isoURL else { throw .invalid("iso_url is required for source_type 'iso'") }
            guard draft.cpu != nil, draft.memoryGB != nil, draft.diskGB != nil else {
                throw .invalid("A VM from an ISO needs cpu, memory_gb and disk_gb")
            }
            return .iso(try ISOURL.valid(url))
        default:
            throw .invalid("source_type must be 'template' or 'iso'")
        }
    }

    static func required(_ value: Int?, _ field: String) throws(DomainError) -> Int {
        guard let value else { throw .invalid("\(field) is required") }
        return value
    }
}

/// An installation ISO's address: absolute http or https with a host, at most 2,048 characters, no
/// credentials and nothing invisible. The hypervisor reads it; the control plane never fetches it.
enum ISOURL {
    static let maximumLength = 2048

    static func valid(_ raw: String) throws(DomainError) -> String {
        let text = raw.trimmingWhitespace()
        guard text.unicodeScalars.count <= maximumLength else { throw .invalid("iso_url must be at most \(maximumLength) characters") }
        guard text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F }),
            let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host, !host.isEmpty
        else {
            throw .invalid("iso_url must be an absolute http:// or https:// URL")
        }
        guard url.user == nil, url.password == nil else { throw .invalid("iso_url must not contain credentials") }
        return text
    }
}
