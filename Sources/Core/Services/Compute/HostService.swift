import Foundation

/// Hypervisor hosts, for superusers only: tenants never learn where their VMs run.
public struct HostService: Sendable {
    let compute: any ComputeUnitOfWork
    let hypervisors: any HypervisorProvider
    let secrets: any SecretBox
    let environment: CoreEnvironment
    /// Called after a host was registered or its credentials changed: the service checks it soon
    /// (a reconciliation pass), so that its status says at once whether it answers.
    let hostChanged: @Sendable (HypervisorHost) -> Void

    public init(
        compute: any ComputeUnitOfWork, hypervisors: any HypervisorProvider, secrets: any SecretBox = NoSecretBox(),
        environment: CoreEnvironment, hostChanged: @escaping @Sendable (HypervisorHost) -> Void = { _ in }
    ) {
        self.compute = compute
        self.hypervisors = hypervisors
        self.secrets = secrets
        self.environment = environment
        self.hostChanged = hostChanged
    }

    /// `POST /hosts` before validation.
    public struct Draft: Sendable {
        public var name: String
        public var driver: String
        public var uri: String
        public var capacity: HostCapacity?
        /// libvirt: `kvm` (default) or `qemu`.
        public var virtType: String?
        public var vcenter: VCenterDraft

        public init(
            name: String, driver: String, uri: String, capacity: HostCapacity? = nil, virtType: String? = nil, vcenter: VCenterDraft = .init()
        ) {
            self.name = name
            self.driver = driver
            self.uri = uri
            self.capacity = capacity
            self.virtType = virtType
            self.vcenter = vcenter
        }
    }

    /// What a host offers when its registration names no capacity: a large server, so that the
    /// two-command start and the simulated driver never run out of room by surprise.
    public static let defaultCapacity = HostCapacity(vcpus: 256, memoryGB: 2048, diskGB: 65536, cpuOvercommit: 4, memoryOvercommit: 1.5, diskOvercommit: 1)

    public func list(by principal: Principal) async throws -> [HypervisorHost] {
        try principal.requireUnrestrictedSuperuser(toManage: "hosts")
        return try await compute.stores.hosts.hosts()
    }

    public func get(by principal: Principal, id: HostID) async throws -> HypervisorHost {
        try principal.requireUnrestrictedSuperuser(toManage: "hosts")
        guard let host = try await compute.stores.hosts.host(id) else { throw DomainError.notFound("Host not found") }
        return host
    }

    public func register(by principal: Principal, _ draft: Draft) async throws -> HypervisorHost {
        try principal.requireUnrestrictedSuperuser(toManage: "hosts")
        let host = try newHost(draft)
        try await compute.transaction { [environment] stores in
            try await stores.hosts.insertHost(host)
            try await stores.audit.record(
                "host.create", on: .host(host.id), in: nil, by: AuditActor(principal), environment: environment,
                details: ["name": host.name, "driver": host.driver.rawValue, "uri": host.uri]
            )
        }
        hostChanged(host)
        return host
    }

    func newHost(_ draft: Draft) throws -> HypervisorHost {
        guard let driver = DriverKind(rawValue: draft.driver) else {
            throw DomainError.invalid("driver must be one of \(DriverKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard hypervisors.supports(driver) else {
            throw DomainError.invalid("The \(driver.rawValue) driver is not available in this build of VirtualStack")
        }
        var settings: [String: String] = [:]
        if driver == .libvirt {
            let virtType = draft.virtType ?? "kvm"
            guard ["kvm", "qemu"].contains(virtType) else { throw DomainError.invalid("virt_type must be 'kvm' or 'qemu'") }
            settings["virt_type"] = virtType
        } else if draft.virtType != nil {
            throw DomainError.invalid("virt_type is only for libvirt hosts")
        }
        let id: HostID = environment.newID()
        var uri = try ImageNames.valid(draft.uri, field: "uri")
        if driver == .vcenter {
            uri = try Self.vcenterURL(uri)
            settings = try vcenterSettings(draft.vcenter, for: id)
        } else if !draft.vcenter.givenFields.isEmpty {
            throw DomainError.invalid("\(draft.vcenter.givenFields.joined(separator: ", ")) only for vcenter hosts")
        }
        let now = environment.now()
        return HypervisorHost(
            id: id, name: try Names.valid(draft.name, field: "name"), driver: driver, uri: uri, enabled: true,
            capacity: try (draft.capacity ?? Self.defaultCapacity).validated(), settings: settings, createdAt: now, updatedAt: now
        )
    }

    /// `{"enabled": false}` drains the host: its VMs stay, no new VM lands on it. A vcenter host's
    /// credentials and TLS settings change through `vcenter`.
    public func update(by principal: Principal, id: HostID, _ patch: HostPatch, vcenter: VCenterDraft = .init()) async throws -> HypervisorHost {
        try principal.requireUnrestrictedSuperuser(toManage: "hosts")
        let patch = HostPatch(
            name: try patch.name.map { try Names.valid($0, field: "name") }, enabled: patch.enabled,
            capacity: try patch.capacity?.validated()
        )
        let fields = patch
        let host = try await compute.transaction { [environment] stores in
            var patch = fields
            if !vcenter.givenFields.isEmpty {
                guard let host = try await stores.hosts.lockedHost(id) else { throw DomainError.notFound("Host not found") }
                patch.settings = try patchedVCenterSettings(vcenter, of: host)
            }
            guard let updated = try await stores.hosts.updateHost(id, patch, at: environment.now()) else {
                throw DomainError.notFound("Host not found")
            }
            // The names of the fields changed, never their values: one of them may be a password.
            let changed = changedFields(
                [("name", fields.name != nil), ("enabled", fields.enabled != nil), ("capacity", fields.capacity != nil)]
                    + vcenter.givenFields.map { ($0, true) }
            )
            try await stores.audit.record("host.update", on: .host(id), in: nil, by: AuditActor(principal), environment: environment, details: changed)
            return updated
        }
        if !vcenter.givenFields.isEmpty { hostChanged(host) }
        return host
    }

    /// Refused (409) while VMs live on the host, deleting ones included: their machines are still there.
    public func delete(by principal: Principal, id: HostID) async throws {
        try principal.requireUnrestrictedSuperuser(toManage: "hosts")
        try await compute.transaction { [environment] stores in
            guard let host = try await stores.hosts.lockedHost(id) else { throw DomainError.notFound("Host not found") }
            guard host.vmCount == 0 else {
                throw DomainError.conflict("\(host.vmCount) VM\(host.vmCount == 1 ? " lives" : "s live") on this host; move or delete them first")
            }
            _ = try await stores.hosts.deleteHost(id)
            try await stores.audit.record(
                "host.delete", on: .host(id), in: nil, by: AuditActor(principal), environment: environment, details: ["name": host.name]
            )
        }
    }

    /// On a database without hosts, registers the one the configuration names (as the first admin
    /// comes from configuration). Several processes starting at once register it once: the name is unique.
    public func registerConfiguredHost(driver: DriverKind, uri: String, virtType: String? = nil) async throws -> HypervisorHost? {
        guard try await compute.stores.hosts.hostCount() == 0 else { return nil }
        let host = try newHost(Draft(name: "default", driver: driver.rawValue, uri: uri, virtType: virtType))
        do {
            try await compute.stores.hosts.insertHost(host)
        } catch let error as DomainError where error.code == .conflict {
            return nil
        }
        return host
    }
}
