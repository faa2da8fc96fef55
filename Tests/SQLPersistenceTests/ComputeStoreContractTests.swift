import Core
import Foundation
import SQLKit
import SQLPersistence
import TestSupport
import Testing

/// The contract of the compute repositories (VMs, templates, hosts), run on each SQL engine. Jobs and
/// logs are in `JobQueueContractTests`.
@Suite("Compute stores contract")
struct ComputeStoreContractTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    /// "Ubuntu 24.04 LTS" of the seeded catalog.
    static let ubuntu = TemplateID(UUID(uuidString: "00000000-0000-4000-9000-000000000001")!)

    /// A migrated database with one tenant ("Acme") and one host.
    struct Fixture: Sendable {
        let client: DatabaseClient
        let compute: SQLComputeStore
        let identity: SQLIdentityStore
        let tenant: Tenant
        let host: Core.HypervisorHost

        var stores: ComputeStores { compute.stores }

        /// A listed VM of the fixture's tenant (or `tenant`), created `second` seconds after `now`.
        func vm(
            _ name: String, second: Int = 0, status: VMStatus = .running, tenant: TenantID? = nil,
            source: VMSource = .template(ComputeStoreContractTests.ubuntu, image: "default/ubuntu-24.04.qcow2")
        ) -> VirtualMachine {
            let at = ComputeStoreContractTests.now.addingTimeInterval(Double(second))
            return VirtualMachine(
                id: VMID(UUID()), tenantID: tenant ?? self.tenant.id, name: name, status: status, task: nil,
                size: VMSize(cpu: 2, memoryGB: 4, diskGB: 40), source: source, templateName: "Ubuntu 24.04 LTS", hostID: host.id,
                ipAddress: "10.0.0.1", createdAt: at, updatedAt: at
            )
        }

        func newTenant(_ name: String) async throws -> Tenant {
            let tenant = IdentityStoreContractTests.tenant(name)
            try await identity.insertTenant(tenant)
            return tenant
        }

        /// Inserts `count` VMs named `prefix-000`…, one second apart, in one transaction.
        @discardableResult
        func insertVMs(_ count: Int, prefix: String = "vm", tenant: TenantID? = nil) async throws -> [VirtualMachine] {
            let vms = (0..<count).map { vm(prefix + String(format: "-%03d", $0), second: $0, status: $0 % 2 == 0 ? .running : .stopped, tenant: tenant) }
            try await compute.transaction { stores in
                for vm in vms { try await stores.vms.insertVM(vm) }
            }
            return vms
        }
    }

    static func host(_ name: String, driver: DriverKind = .simulated) -> Core.HypervisorHost {
        Core.HypervisorHost(
            id: HostID(UUID()), name: name, driver: driver, uri: "simulated://\(name)", enabled: true,
            capacity: HostCapacity(vcpus: 16, memoryGB: 64, diskGB: 1000, cpuOvercommit: 4, memoryOvercommit: 1.5, diskOvercommit: 1),
            settings: ["virt_type": "kvm"], createdAt: now, updatedAt: now
        )
    }

    static func withFixture(_ backend: TestBackend, _ body: @Sendable (Fixture) async throws -> Void) async throws {
        try await withTestDatabase(backend) { database in
            try await withClient(database) { client in
                try await Migrator(client: client, logger: testLogger).migrate()
                let identity = SQLIdentityStore(client: client)
                let compute = SQLComputeStore(client: client)
                let tenant = IdentityStoreContractTests.tenant("Acme")
                try await identity.insertTenant(tenant)
                let host = host("node-1")
                try await compute.stores.hosts.insertHost(host)
                try await body(Fixture(client: client, compute: compute, identity: identity, tenant: tenant, host: host))
            }
        }
    }

    // MARK: VMs

    @Test("A VM round-trips and is seen only in its own tenant", arguments: TestBackend.available)
    func vmRoundTrip(backend: TestBackend) async throws {
        try await Self.withFixture(backend) { fixture in
            let vms = fixture.stores.vms
            let other = try await fixture.newTenant("Other")
            let vm = fixture.vm("web-1")
            let iso = fixture.vm("installer", second: 1, source: .iso("https://example.com/os.iso"))

            try await vms.insertVM(vm)
            try await vms.insertVM(iso)

            #expect(try await vms.vm(vm.id, in: fixture.tenant.id) == vm)
            #expect(try await vms.vm(iso.id, in: fixture.tenant.id) == iso)
            #expect(try await vms.vm(vm.id, in: other.id) == nil)
            #expect(try await vms.vm(vm.id) == vm)
            #expect(try await vms.vm(VMID(UUID())) == nil)
            let unknown = VMID(UUID())
            #expect(try await vms.knownVMIDs([vm.id, iso.id, unknown]) == [vm.id, iso.id])
            #expect(try await vms.vmCount(in: fixture.tenant.id) == 2)
            #expect(try await vms.vmCount(in: other.id) == 0)
        }
    }

    @Test("VM names are unique per tenant case-insensitively, and deleting frees the name", arguments: TestBackend.available)
    func vmNameConflict(backend: TestBackend) async throws {
        try await Self.withFixture(backend) { fixture in
            let vms = fixture.stores.vms
            let other = try await fixture.newTenant("Other")
            let first = fixture.vm("Web")
            try await vms.insertVM(first)

            let error = await #expect(throws: DomainError.self) { try await vms.insertVM(fixture.vm("WEB")) }
            try await vms.insertVM(fixture.vm("web", tenant: other.id))
            try await vms.setState(of: first.id, VMState(status: .running, task: .deleting), ipAddress: nil, at: Self.now)
            let again = fixture.vm("web", second: 5)
            try await vms.insertVM(again)

            #expect(error == .conflict("A VM named 'WEB' already exists in this tenant"))
            #expect(try await vms.vm(first.id, in: fixture.tenant.id) == nil, "a deleting VM is gone from the tenant's view")
            #expect(try await vms.vm(first.id)?.task == .deleting, "the worker still sees it")
            #expect(try await vms.vmCount(in: fixture.tenant.id) == 2, "deleting VMs count until removed")
            let page = try await vms.vms(in: fixture.tenant.id, filter: VMFilter(), page: PageRequest(page: 1, limit: 10))
            #expect(page.items.map(\.id) == [again.id] && page.total == 1)
        }
    }

    @Test("Lists are newest first, searchable and filterable, with the total of what matches", arguments: TestBackend.available)
    func vmPages(backend: TestBackend) async throws {
        try await Self.withFixture(backend) { fixture in
            let vms = fixture.stores.vms
            let other = try await fixture.newTenant("Other")
            let made = try await fixture.insertVMs(30)
            try await fixture.insertVMs(3, tenant: other.id)
            let odd = fixture.vm("a_b%c\\d", second: 100)
            let plain = fixture.vm("aXbYc", second: 101)
            try await vms.insertVM(odd)
            try await vms.insertVM(plain)
            let newestFirst = ([odd, plain] + made).sorted { $0.createdAt > $1.createdAt }.map(\.id)
            func list(_ filter: VMFilter = VMFilter(), page: Int = 1, limit: Int = 10) async throws -> Page<VirtualMachine> {
                try await vms.vms(in: fixture.tenant.id, filter: filter, page: PageRequest(page: page, limit: limit))
            }

            let first = try await list()
            let third = try await list(page: 3)
            let beyond = try await list(page: 5)
            let search = try await list(VMFilter(search: "VM-01"), limit: 100)
            let literal = try await list(VMFilter(search: "_b%c"))
            let backslash = try await list(VMFilter(search: "%C\\D"))
            let stopped = try await list(VMFilter(status: .stopped), limit: 100)
            let stoppedSearch = try await list(VMFilter(search: "vm-00", status: .stopped))

            #expect(first.items.map(\.id) == Array(newestFirst[0..<10]))
            #expect(first.total == 32)
            #expect(third.items.map(\.id) == Array(newestFirst[20..<30]))
            #expect(beyond.items.isEmpty && beyond.total == 32)
            #expect(search.items.map(\.name) == (10...19).reversed().map { String(format: "vm-%03d", $0) })
            #expect(search.total == 10)
            #expect(literal.items.map(\.id) == [odd.id], "% and _ match themselves")
            #expect(backslash.items.map(\.id) == [odd.id], "so does \\")
            #expect(stopped.items.map(\.name) == made.filter { $0.status == .stopped }.reversed().map(\.name))
            #expect(stopped.total == 15)
            #expect(stoppedSearch.items.map(\.name) == ["vm-009", "vm-007", "vm-005", "vm-003", "vm-001"])
            #expect(stoppedSearch.total == 5)
        }
    }

    @Test("A deep page is cut from the same order", arguments: TestBackend.available)
    func deepPage(backend: TestBackend) async throws {
        try await Self.withFixture(backend) { fixture in
            let made = try await fixture.insertVMs(420)
            let newestFirst = made.reversed().map(\.id)

            let page400 = try await fixture.stores.vms.vms(in: fixture.tenant.id, filter: VMFilter(), page: PageRequest(page: 400, limit: 1))
            let page21 = try await fixture.stores.vms.vms(in: fixture.tenant.id, filter: VMFilter(), page: PageRequest(page: 21, limit: 20))

            #expect(page400.items.map(\.id) == [newestFirst[399]])
            #expect(page21.items.map(\.id) == Array(newestFirst[400..<420]))
            #expect(page400.total == 420 && page21.total == 420)
        }
    }

    @Test("Pages far into the list, cut from the nearer end of the index, are the same pages", arguments: TestBackend.available)
    func farPages(backend: TestBackend) async throws {
        try await Self.withFixture(backend) { fixture in
            // Far enough for pages past `skipWorthCounting`, of the whole list and of one status.
            let made = try await fixture.insertVMs(2_050)
            let newestFirst = made.reversed().map(\.id)
            let stopped = made.reversed().filter { $0.status == .stopped }.map(\.id)
            func page(_ number: Int, _ limit: Int, _ status: VMStatus? = nil) async throws -> Page<VirtualMachine> {
                try await fixture.stores.vms.vms(in: fixture.tenant.id, filter: VMFilter(status: status), page: PageRequest(page: number, limit: limit))
            }
            func slice(_ ids: [VMID], _ number: Int, _ limit: Int) -> [VMID] {
                Array(ids[min(ids.count, (number - 1) * limit)..<min(ids.count, number * limit)])
            }

            for (number, limit) in [(50, 20), (51, 20), (60, 20), (80, 25), (102, 20), (103, 20), (21, 100), (11, 100), (2_050, 1), (1_030, 2)] {
                let listed = try await page(number, limit)
                #expect(listed.items.map(\.id) == slice(newestFirst, number, limit), "page \(number) of \(limit)")
                #expect(listed.total == 2_050)
            }
            for (number, limit) in [(51, 20), (52, 20), (11, 100)] {
                let listed = try await page(number, limit, .stopped)
                #expect(listed.items.map(\.id) == slice(stopped, number, limit), "stopped: page \(number) of \(limit)")
                #expect(listed.total == 1_025)
            }
            let beyond = try await page(200, 20)
            #expect(beyond.items.isEmpty && beyond.total == 2_050)
        }
    }

    @Test("setState writes status, task and (only when given) the address; rename writes the name", arguments: TestBackend.available)
    func vmPartialWrites(backend: TestBackend) async throws {
        try await Self.withFixture(backend) { fixture in
            let vms = fixture.stores.vms
            let vm = fixture.vm("web")
            try await vms.insertVM(vm)
            try await vms.insertVM(fixture.vm("db"))
            let later = Self.now.addingTimeInterval(60)

            try await vms.setState(of: vm.id, VMState(status: .running, task: .stopping), ipAddress: nil, at: later)
            let keptAddress = try await vms.vm(vm.id)
            let renamed = try await vms.renameVM(vm.id, in: fixture.tenant.id, to: "Frontend", at: later)
            try await vms.setState(of: vm.id, VMState(status: .stopped), ipAddress: .some("10.0.0.9"), at: later)
            let newAddress = try await vms.vm(vm.id)
            try await vms.setState(of: vm.id, VMState(status: .stopped), ipAddress: .some(nil), at: later)
            let cleared = try await vms.vm(vm.id)
            let taken = await #expect(throws: DomainError.self) { try await vms.renameVM(vm.id, in: fixture.tenant.id, to: "DB", at: later) }
            let other = try await fixture.newTenant("Other")

            #expect(keptAddress?.state == VMState(status: .running, task: .stopping))
            #expect(keptAddress?.ipAddress == "10.0.0.1" && keptAddress?.updatedAt == later && keptAddress?.name == "web")
            #expect(renamed)
            #expect(newAddress?.name == "Frontend" && newAddress?.ipAddress == "10.0.0.9" && newAddress?.state == VMState(status: .stopped))
            #expect(cleared?.ipAddress == nil && cleared?.name == "Frontend" && cleared?.size == vm.size && cleared?.source == vm.source)
            #expect(taken?.code == .conflict)
            #expect(try await vms.renameVM(vm.id, in: other.id, to: "x", at: later) == false, "another tenant's VM")
            try await vms.setState(of: vm.id, VMState(status: .stopped, task: .deleting), ipAddress: nil, at: later)
            #expect(try await vms.renameVM(vm.id, in: fixture.tenant.id, to: "y", at: later) == false, "a deleting VM")
        }
    }

    @Test("Totals by status follow every change of state, concurrent ones included", arguments: TestBackend.available)
    func statusTotals(backend: TestBackend) async throws {
        try await Self.withFixture(backend) { fixture in
            let vms = fixture.stores.vms
            let tenant = fixture.tenant.id
            let made = (0..<40).map { fixture.vm("vm-\($0)", second: $0, status: .provisioning) }
            // Concurrently, in transactions of their own: each VM is created, then moves on.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, vm) in made.enumerated() {
                    group.addTask {
                        try await fixture.compute.transaction { try await $0.vms.insertVM(vm) }
                        let next: VMState =
                            switch index % 4 {
                            case 0: VMState(status: .running)
                            case 1: VMState(status: .stopped)
                            case 2: VMState(status: .running, task: .deleting)
                            default: VMState(status: .provisioning)
                            }
                        try await fixture.compute.transaction { try await $0.vms.setState(of: vm.id, next, ipAddress: nil, at: Self.now) }
                    }
                }
                try await group.waitForAll()
            }
            try await vms.setState(of: made[0].id, VMState(status: .error), ipAddress: nil, at: Self.now)
            try await vms.removeVM(made[2].id)
            try await vms.removeVM(made[4].id)

            func total(_ status: VMStatus?) async throws -> Int {
                try await vms.vms(in: tenant, filter: VMFilter(status: status), page: PageRequest(page: 1, limit: 1)).total
            }
            func counted(_ status: VMStatus) async throws -> Int {
                try await fixture.client.sql.raw(
                    "SELECT COUNT(*) AS n FROM vms WHERE tenant_id = \(bind: tenant.description) AND status = \(bind: status.rawValue) AND name_key IS NOT NULL"
                ).first()?.decode(column: "n", as: Int.self) ?? -1
            }
            #expect(try await total(nil) == 29, "40 made, 10 deleting, one of the running removed")
            var totals: [VMStatus: Int] = [:]
            for status in VMStatus.allCases {
                totals[status] = try await total(status)
                #expect(try await totals[status] == counted(status), "\(status)")
            }
            #expect(totals == [.running: 8, .stopped: 10, .provisioning: 10, .error: 1])
        }
    }

    @Test("removeVM takes the VM's log and jobs with it and frees its place in the count", arguments: TestBackend.available)
    func removeVM(backend: TestBackend) async throws {
        try await Self.withFixture(backend) { fixture in
            let (vms, stores) = (fixture.stores.vms, fixture.stores)
            let vm = fixture.vm("web")
            let kept = fixture.vm("db", second: 1)
            try await vms.insertVM(vm)
            try await vms.insertVM(kept)
            try await stores.logs.appendLogs([VMLogEntry(vmID: vm.id, timestamp: Self.now, level: .info, message: "made")])
            try await stores.jobs.enqueue(Job(id: JobID(UUID()), vmID: vm.id, kind: .create, runAt: Self.now, createdAt: Self.now))

            try await vms.removeVM(vm.id)
            try await vms.removeVM(vm.id)  // nothing left: no effect

            #expect(try await vms.vm(vm.id) == nil)
            let logRows = try await fixture.client.sql.raw("SELECT COUNT(*) AS n FROM vm_logs").first()
            #expect(try logRows?.decode(column: "n", as: Int.self) == 0)
            #expect(try await stores.jobs.jobCount() == 0)
            let page = try await vms.vms(in: fixture.tenant.id, filter: VMFilter(), page: PageRequest(page: 1, limit: 10))
            #expect(page.items.map(\.id) == [kept.id] && page.total == 1)
            // A deleting VM left the count when it started deleting, not again when removed.
            try await vms.setState(of: kept.id, VMState(status: .running, task: .deleting), ipAddress: nil, at: Self.now)
            try await vms.setState(of: kept.id, VMState(status: .running, task: .deleting), ipAddress: nil, at: Self.now)
            try await vms.removeVM(kept.id)
            try await vms.insertVM(fixture.vm("next", second: 2))
            #expect(try await vms.vms(in: fixture.tenant.id, filter: VMFilter(), page: PageRequest(page: 1, limit: 10)).total == 1)
        }
    }

    @Test("Settled VMs have no task and no job", arguments: TestBackend.available)
    func settledVMs(backend: TestBackend) async throws {
        try await Self.withFixture(backend) { fixture in
            let stores = fixture.stores
            let settled = fixture.vm("settled")
            let busy = fixture.vm("busy", second: 1)
            let queued = fixture.vm("queued", second: 2)
            for vm in [settled, busy, queued] { try await stores.vms.insertVM(vm) }
            try await stores.vms.setState(of: busy.id, VMState(status: .running, task: .stopping), ipAddress: nil, at: Self.now)
            try await stores.jobs.enqueue(Job(id: JobID(UUID()), vmID: queued.id, kind: .start, runAt: Self.now, createdAt: Self.now))
            let elsewhere = Self.host("node-2")
            try await stores.hosts.insertHost(elsewhere)

            #expect(try await stores.vms.settledVMs(onHost: fixture.host.id).map(\.id) == [settled.id])
            #expect(try await stores.vms.settledVMs(onHost: elsewhere.id).isEmpty)
        }
    }

    @Test("A tenant with VMs cannot be deleted", arguments: TestBackend.available)
    func tenantWithVMs(backend: TestBackend) async throws {
        try await Self.withFixture(backend) { fixture in
            let vm = fixture.vm("web")
            try await fixture.stores.vms.insertVM(vm)

            let error = await #expect(throws: DomainError.self) { try await fixture.identity.deleteTenant(id: fixture.tenant.id) }
            #expect(error?.code == .conflict)
            #expect(try await fixture.identity.tenant(id: fixture.tenant.id) != nil)

            try await fixture.stores.vms.removeVM(vm.id)
            try await fixture.identity.deleteTenant(id: fixture.tenant.id)
            #expect(try await fixture.identity.tenant(id: fixture.tenant.id) == nil)
        }
    }

    @Test("A failed compute transaction leaves nothing behind", arguments: TestBackend.available)
    func transactionRollsBack(backend: TestBackend) async throws {
        struct Boom: Error {}
        try await Self.withFixture(backend) { fixture in
            let vm = fixture.vm("web")

            await #expect(throws: Boom.self) {
                try await fixture.compute.transaction { stores -> Void in
                    try await stores.vms.insertVM(vm)
                    try await stores.jobs.enqueue(Job(id: JobID(UUID()), vmID: vm.id, kind: .create, runAt: Self.now, createdAt: Self.now))
                    try await stores.hosts.allocate(vm.size, vms: 1, on: vm.hostID)
                    throw Boom()
                }
            }

            let vmLeft = try await fixture.stores.vms.vm(vm.id)
            let jobsLeft = try await fixture.stores.jobs.jobCount()
            let host = try await fixture.stores.hosts.host(fixture.host.id)
            let listed = try await fixture.stores.vms.vms(in: fixture.tenant.id, filter: VMFilter(), page: PageRequest(page: 1, limit: 5))
            #expect(vmLeft == nil && jobsLeft == 0)
            #expect(host?.vmCount == 0 && host?.allocated == .zero)
            #expect(listed.total == 0)
        }
    }

    // MARK: Templates

    @Test("The migration seeds the catalog", arguments: TestBackend.available)
    func seededCatalog(backend: TestBackend) async throws {
        try await Self.withFixture(backend) { fixture in
            let templates = try await fixture.stores.templates.templates()
            let ubuntu = try await fixture.stores.templates.template(Self.ubuntu)

            #expect(templates.map(\.name) == ["Alpine Linux 3.20", "Debian 12", "Rocky Linux 9", "Ubuntu 24.04 LTS", "Windows Server 2022"])
            #expect(ubuntu?.name == "Ubuntu 24.04 LTS")
            #expect(ubuntu?.defaultSize == VMSize(cpu: 2, memoryGB: 4, diskGB: 40))
            #expect(ubuntu?.images == [.libvirt: "default/ubuntu-24.04.qcow2", .vcenter: "ubuntu-24.04-template"])
            #expect(templates.first { $0.name == "Alpine Linux 3.20" }?.defaultSize == VMSize(cpu: 1, memoryGB: 1, diskGB: 8))
        }
    }

    @Test("Deleting a template keeps its VMs with their sizes and template name", arguments: TestBackend.available)
    func templateDeletion(backend: TestBackend) async throws {
        try await Self.withFixture(backend) { fixture in
            let stores = fixture.stores
            let template = VMTemplate(
                id: TemplateID(UUID()), name: "Fedora 41", description: nil, defaultSize: VMSize(cpu: 2, memoryGB: 2, diskGB: 20),
                images: [.libvirt: "default/fedora-41.qcow2"], createdAt: Self.now
            )
            try await stores.templates.insertTemplate(template)
            let duplicate = await #expect(throws: DomainError.self) {
                try await stores.templates.insertTemplate(
                    VMTemplate(id: TemplateID(UUID()), name: "FEDORA 41", description: nil, defaultSize: template.defaultSize, images: [:], createdAt: Self.now)
                )
            }
            let vm = VirtualMachine(
                id: VMID(UUID()), tenantID: fixture.tenant.id, name: "f", status: .running, task: nil, size: VMSize(cpu: 3, memoryGB: 5, diskGB: 30),
                source: .template(template.id, image: "default/fedora-41.qcow2"), templateName: "Fedora 41", hostID: fixture.host.id,
                ipAddress: nil, createdAt: Self.now, updatedAt: Self.now
            )
            try await stores.vms.insertVM(vm)
            #expect(try await stores.templates.template(template.id) == template)

            #expect(try await stores.templates.deleteTemplate(template.id))
            #expect(try await stores.templates.deleteTemplate(template.id) == false)

            let kept = try #require(try await stores.vms.vm(vm.id))
            #expect(duplicate == .conflict("A template named 'FEDORA 41' already exists"))
            #expect(kept.templateName == "Fedora 41" && kept.size == vm.size)
            #expect(kept.source == .template(nil, image: "default/fedora-41.qcow2"))
            let row = try await fixture.client.sql.raw("SELECT COUNT(*) AS n FROM vms WHERE template_id IS NULL").first()
            #expect(try row?.decode(column: "n", as: Int.self) == 1)
        }
    }

    // MARK: Hosts

    @Test("Hosts round-trip; patches and allocation change only their columns", arguments: TestBackend.available)
    func hosts(backend: TestBackend) async throws {
        try await Self.withFixture(backend) { fixture in
            let hosts = fixture.stores.hosts
            let second = Self.host("Alpha", driver: .libvirt)
            try await hosts.insertHost(second)
            let later = Self.now.addingTimeInterval(60)

            let duplicate = await #expect(throws: DomainError.self) { try await hosts.insertHost(Self.host("ALPHA")) }
            try await hosts.allocate(VMSize(cpu: 4, memoryGB: 8, diskGB: 80), vms: 2, on: second.id)
            try await hosts.allocate(VMSize(cpu: -2, memoryGB: -4, diskGB: -40), vms: -1, on: second.id)
            let renamed = try await hosts.updateHost(second.id, HostPatch(name: "Alpha-1"), at: later)
            let drained = try await hosts.updateHost(second.id, HostPatch(enabled: false), at: later)
            let capacity = HostCapacity(vcpus: 8, memoryGB: 32, diskGB: 500, cpuOvercommit: 2, memoryOvercommit: 1, diskOvercommit: 1.25)
            let resized = try await hosts.updateHost(second.id, HostPatch(capacity: capacity), at: later)
            let taken = await #expect(throws: DomainError.self) { try await hosts.updateHost(second.id, HostPatch(name: "NODE-1"), at: later) }

            #expect(duplicate == .conflict("A host named 'ALPHA' already exists"))
            #expect(taken == .conflict("A host named 'NODE-1' already exists"))
            #expect(renamed?.name == "Alpha-1" && renamed?.enabled == true && renamed?.capacity == second.capacity)
            #expect(renamed?.allocated == VMSize(cpu: 2, memoryGB: 4, diskGB: 40) && renamed?.vmCount == 1)
            #expect(drained?.name == "Alpha-1" && drained?.enabled == false)
            #expect(resized?.capacity == capacity && resized?.enabled == false && resized?.allocated == VMSize(cpu: 2, memoryGB: 4, diskGB: 40))
            #expect(resized?.settings == ["virt_type": "kvm"] && resized?.driver == .libvirt && resized?.updatedAt == later)
            #expect(try await hosts.hosts().map(\.name) == ["Alpha-1", "node-1"])
            #expect(try await hosts.hostCount() == 2)
            #expect(try await hosts.updateHost(HostID(UUID()), HostPatch(enabled: true), at: later) == nil)
            #expect(try await hosts.host(fixture.host.id) == fixture.host)
        }
    }

    @Test("A host with VMs cannot be deleted; an empty one can", arguments: TestBackend.available)
    func hostDeletion(backend: TestBackend) async throws {
        try await Self.withFixture(backend) { fixture in
            let hosts = fixture.stores.hosts
            let empty = Self.host("empty")
            try await hosts.insertHost(empty)
            try await fixture.stores.vms.insertVM(fixture.vm("web"))

            let error = await #expect(throws: DomainError.self) { try await hosts.deleteHost(fixture.host.id) }

            #expect(error?.code == .conflict)
            #expect(try await hosts.deleteHost(empty.id))
            #expect(try await hosts.deleteHost(empty.id) == false)
        }
    }

    @Test("Concurrent reservations never overfill a host", arguments: TestBackend.available)
    func reservationsNeverOverfill(backend: TestBackend) async throws {
        try await Self.withFixture(backend) { fixture in
            // 16 vCPUs at 4× overcommit: room for four VMs of 16 vCPUs, each reserved last in a
            // transaction of its own, as placement does.
            let size = VMSize(cpu: 16, memoryGB: 1, diskGB: 1)
            let host = fixture.host
            let reserved = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<10 {
                    group.addTask { try await fixture.compute.transaction { try await $0.hosts.reserve(size, on: host) } }
                }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }

            #expect(reserved == 4)
            let after = try #require(try await fixture.stores.hosts.host(host.id))
            #expect(after.vmCount == 4 && after.allocated == VMSize(cpu: 64, memoryGB: 4, diskGB: 4))
        }
    }

    @Test("A reservation made on hosts read before a drain or a resize fails", arguments: TestBackend.available)
    func reservationsSeeHostChanges(backend: TestBackend) async throws {
        try await Self.withFixture(backend) { fixture in
            let hosts = fixture.stores.hosts
            let size = VMSize(cpu: 1, memoryGB: 1, diskGB: 1)
            let read = fixture.host

            _ = try await hosts.updateHost(read.id, HostPatch(enabled: false), at: Self.now)
            #expect(try await hosts.reserve(size, on: read) == false)
            _ = try await hosts.updateHost(read.id, HostPatch(enabled: true), at: Self.now)
            #expect(try await hosts.reserve(size, on: read))
            var smaller = read.capacity
            smaller.memoryOvercommit = 1.25
            _ = try await hosts.updateHost(read.id, HostPatch(capacity: smaller), at: Self.now)
            #expect(try await hosts.reserve(size, on: read) == false)

            let fresh = try #require(try await hosts.host(read.id))
            #expect(try await hosts.reserve(size, on: fresh))
            #expect(try await hosts.host(read.id)?.vmCount == 2)
        }
    }
}
