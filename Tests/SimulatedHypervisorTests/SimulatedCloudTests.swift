import Core
import Foundation
import SQLPersistence
import SimulatedHypervisor
import TestSupport
import Testing

/// What the simulated driver does beyond the contract: delay, random failures, injected faults, and
/// state shared through the database.
@Suite("Simulated driver")
struct SimulatedCloudTests {
    @Test("Operations take the delay", arguments: TestBackend.available)
    func delayIsHonoured(backend: TestBackend) async throws {
        try await withMigratedClient(backend) { client in
            let host = SimulatedCloud(client: client, delay: .milliseconds(300)).host(freshHostURI())
            let clock = ContinuousClock()

            let elapsed = try await clock.measure {
                _ = try await host.create(spec())
            }

            #expect(elapsed >= .milliseconds(300))
        }
    }

    @Test("An operation cancelled during its delay ends at once and changes nothing", arguments: TestBackend.available)
    func delayIsCancellable(backend: TestBackend) async throws {
        try await withMigratedClient(backend) { client in
            let uri = freshHostURI()
            let slow = SimulatedCloud(client: client, delay: .seconds(60)).host(uri)
            let machine = spec()
            let clock = ContinuousClock()
            let started = clock.now

            let task = Task { try await slow.create(machine) }
            try await Task.sleep(for: .milliseconds(50))
            task.cancel()
            let thrown = await error { _ = try await task.value }

            #expect(thrown is CancellationError)
            #expect(clock.now - started < .seconds(10))
            let host = SimulatedCloud(client: client).host(uri)
            #expect(try await host.machine(machine.id) == nil)
            #expect(try await host.creations(of: machine.id) == 0)
        }
    }

    @Test("Failure rate 1 fails every changing operation retryably, before it does anything", arguments: TestBackend.available)
    func failureRateOne(backend: TestBackend) async throws {
        try await withRunningMachine(backend) { reliable, existing, client in
            let failing = SimulatedCloud(client: client, failureRate: 1).host(reliable.uri)

            let errors = await errorsOfEveryOperation(on: failing, existing: existing.id)

            for thrown in errors {
                #expect((thrown as? HypervisorError)?.retryable == true, "\(String(describing: thrown))")
            }
            let listed = try await reliable.inventory()
            #expect(listed.map(\.vmID) == [existing.id])
            #expect(try await reliable.machine(existing.id)?.power == .running)
            #expect(try await reliable.operationCount(.restart, of: existing.id) == 0)
            // Reads are not subject to the failure rate.
            #expect(try await failing.inventory().count == 1)
        }
    }

    @Test("Failure rate 0 never fails", arguments: TestBackend.available)
    func failureRateZero(backend: TestBackend) async throws {
        try await withMigratedClient(backend) { client in
            let host = SimulatedCloud(client: client, failureRate: 0).host(freshHostURI())

            for _ in 0..<40 {
                let machine = spec()
                _ = try await host.create(machine)
                _ = try await host.stop(machine.id, timeout: .seconds(1))
            }

            #expect(try await host.inventory().count == 40)
        }
    }

    @Test("A seeded generator makes the same operations fail every run", arguments: TestBackend.available)
    func seededFailures(backend: TestBackend) async throws {
        try await withMigratedClient(backend) { client in
            @Sendable func outcomes(seed: UInt64) async throws -> [Bool] {
                let host = SimulatedCloud(client: client, failureRate: 0.5, random: SeededGenerator(seed: seed)).host(freshHostURI())
                var outcomes: [Bool] = []
                for _ in 0..<32 {
                    outcomes.append(await error { _ = try await host.create(spec()) } == nil)
                }
                return outcomes
            }

            let first = try await outcomes(seed: 42)
            let second = try await outcomes(seed: 42)
            let other = try await outcomes(seed: 7)

            #expect(first == second)
            #expect(first != other)
            #expect(first.contains(true) && first.contains(false))
        }
    }

    @Test("A host marked down answers nothing, retryably, until it is up again", arguments: TestBackend.available)
    func hostDown(backend: TestBackend) async throws {
        try await withRunningMachine(backend) { host, machine, _ in
            try await host.setDown(true)
            let errors = await errorsOfEveryOperation(on: host, existing: machine.id) + [
                await error { _ = try await host.machine(machine.id) },
                await error { _ = try await host.inventory() },
            ]
            try await host.setDown(false)

            for thrown in errors {
                let failure = thrown as? HypervisorError
                #expect(failure?.retryable == true, "\(String(describing: thrown))")
                #expect(failure?.message.contains("does not answer") == true)
            }
            #expect(try await host.machine(machine.id)?.power == .running)
            #expect(try await host.inventory().count == 1)
        }
    }

    @Test("Injected faults: the next N operations fail retryably, a create included", arguments: TestBackend.available)
    func injectedRetryableFaults(backend: TestBackend) async throws {
        try await withMigratedClient(backend) { client in
            let host = SimulatedCloud(client: client).host(freshHostURI())
            let machine = spec()
            try await host.failNextOperations(of: machine.id, count: 2)

            let first = await error { _ = try await host.create(machine) }
            let second = await error { _ = try await host.create(machine) }
            _ = try await host.create(machine)
            try await host.failNextOperations(of: machine.id, count: 1)
            let stop = await error { _ = try await host.stop(machine.id, timeout: .seconds(1)) }

            #expect((first as? HypervisorError)?.retryable == true)
            #expect((second as? HypervisorError)?.retryable == true)
            #expect((stop as? HypervisorError)?.retryable == true)
            #expect(try await host.creations(of: machine.id) == 1)
            #expect(try await host.machine(machine.id)?.power == .running)
            #expect(try await host.stop(machine.id, timeout: .seconds(1)).power == .stopped)
        }
    }

    @Test("Injected permanent faults fail every operation for good, until cleared", arguments: TestBackend.available)
    func injectedPermanentFaults(backend: TestBackend) async throws {
        try await withRunningMachine(backend) { host, machine, _ in
            try await host.failPermanently(machine.id)

            let errors: [(any Error)?] = [
                await error { _ = try await host.stop(machine.id, timeout: .seconds(1)) },
                await error { _ = try await host.stop(machine.id, timeout: .seconds(1)) },
                await error { try await host.delete(machine.id) },
            ]
            try await host.clearFaults(of: machine.id)

            for thrown in errors {
                #expect((thrown as? HypervisorError)?.retryable == false, "\(String(describing: thrown))")
            }
            #expect(try await host.machine(machine.id)?.power == .running)
            try await host.delete(machine.id)
            #expect(try await host.machine(machine.id) == nil)
        }
    }

    @Test("Operation counts record what took effect, across deletes", arguments: TestBackend.available)
    func operationCounts(backend: TestBackend) async throws {
        try await withMigratedClient(backend) { client in
            let host = SimulatedCloud(client: client).host(freshHostURI())
            let machine = spec()

            _ = try await host.create(machine)
            _ = try await host.create(machine)
            _ = try await host.start(machine.id)
            _ = try await host.stop(machine.id, timeout: .seconds(1))
            _ = try await host.stop(machine.id, timeout: .seconds(1))
            try await host.delete(machine.id)
            try await host.delete(machine.id)
            _ = try await host.create(machine)

            #expect(try await host.creations(of: machine.id) == 2)
            #expect(try await host.operationCount(.start, of: machine.id) == 0)
            #expect(try await host.operationCount(.stop, of: machine.id) == 1)
            #expect(try await host.operationCount(.delete, of: machine.id) == 1)
        }
    }

    @Test("Two processes on one database see one hypervisor, and machines outlive a process", arguments: TestBackend.available)
    func sharedAcrossProcesses(backend: TestBackend) async throws {
        try await withTestDatabase(backend) { database in
            let uri = freshHostURI()
            let machine = spec()
            try await withClient(database) { first in
                try await Migrator(client: first, logger: testLogger).migrate()
                try await withClient(database) { second in
                    let a = SimulatedCloud(client: first).host(uri)
                    let b = SimulatedCloud(client: second).host(uri)

                    _ = try await a.create(machine)
                    let seenByB = try await b.machine(machine.id)
                    _ = try await b.create(machine)
                    _ = try await b.stop(machine.id, timeout: .seconds(1))
                    try await b.setDown(true)
                    let downForA = await error { _ = try await a.inventory() }
                    try await b.setDown(false)

                    #expect(seenByB?.power == .running)
                    #expect(try await a.machine(machine.id)?.power == .stopped)
                    #expect(try await a.creations(of: machine.id) == 1)
                    #expect((downForA as? HypervisorError)?.retryable == true)
                }
            }
            // A process started afterwards finds the machine as it was left.
            try await withClient(database) { restarted in
                let found = try await SimulatedCloud(client: restarted).host(uri).machine(machine.id)
                #expect(found?.power == .stopped)
            }
        }
    }

    @Test("Hosts are separate: each has its own machines and its own faults", arguments: TestBackend.available)
    func hostsAreSeparate(backend: TestBackend) async throws {
        try await withMigratedClient(backend) { client in
            let cloud = SimulatedCloud(client: client)
            let (a, b) = (cloud.host(freshHostURI()), cloud.host(freshHostURI()))
            let machine = spec()

            _ = try await a.create(machine)
            try await b.delete(machine.id)
            try await b.setDown(true)

            #expect(try await a.inventory().map(\.vmID) == [machine.id])
            #expect(try await a.machine(machine.id)?.power == .running)
            try await b.setDown(false)
            #expect(try await b.inventory().isEmpty)
            #expect(try await b.machine(machine.id) == nil)
        }
    }

    @Test("Changes behind VirtualStack's back show in machine() and inventory()", arguments: TestBackend.available)
    func behindTheBack(backend: TestBackend) async throws {
        try await withMigratedClient(backend) { client in
            let host = SimulatedCloud(client: client).host(freshHostURI())
            let (stopped, removed, orphan) = (spec(), spec(), VMID(UUID()))
            _ = try await host.create(stopped)
            _ = try await host.create(removed)

            try await host.setPowerBehindTheBack(of: stopped.id, to: .stopped)
            try await host.removeBehindTheBack(removed.id)
            try await host.addUnknownMachine(name: "legacy-db", power: .stopped)
            try await host.addUnknownMachine(name: SimulatedHost.machineName(of: orphan), vmID: orphan)

            #expect(try await host.machine(stopped.id)?.power == .stopped)
            #expect(try await host.machine(removed.id) == nil)
            #expect(try await host.machine(orphan)?.power == .running)
            let inventory = try await host.inventory()
            #expect(Set(inventory.map(\.name)) == ["legacy-db", SimulatedHost.machineName(of: orphan), SimulatedHost.machineName(of: stopped.id)])
            #expect(inventory.first { $0.name == "legacy-db" }?.vmID == nil)
            let missing = await error { try await host.setPowerBehindTheBack(of: removed.id, to: .running) }
            #expect((missing as? HypervisorError)?.retryable == false)
        }
    }

    @Test("Machines get an address from their VM id and keep their source", arguments: TestBackend.available)
    func addresses(backend: TestBackend) async throws {
        try await withMigratedClient(backend) { client in
            let host = SimulatedCloud(client: client).host(freshHostURI())
            let fromISO = MachineSpec(id: VMID(UUID()), size: VMSize(cpu: 1, memoryGB: 1, diskGB: 5), source: .iso("https://example.com/os.iso"))

            let machine = try await host.create(fromISO)

            #expect(machine.ipAddress == SimulatedHost.ipAddress(of: fromISO.id))
            #expect(machine.ipAddress?.hasPrefix("10.") == true)
            #expect(machine.name == SimulatedHost.machineName(of: fromISO.id))
        }
    }

    @Test("As a provider it serves simulated hosts only")
    func provider() async throws {
        try await withMigratedClient(.sqlite) { client in
            let cloud = SimulatedCloud(client: client)
            func host(_ driver: DriverKind) -> Core.HypervisorHost {
                Core.HypervisorHost(
                    id: HostID(UUID()), name: "rack-1", driver: driver, uri: "simulated://rack-1", enabled: true,
                    capacity: HostCapacity(vcpus: 8, memoryGB: 32, diskGB: 500), createdAt: Date(), updatedAt: Date()
                )
            }

            let simulated = try await cloud.hypervisor(for: host(.simulated))
            let refused = await error { _ = try await cloud.hypervisor(for: host(.libvirt)) }

            #expect(DriverKind.allCases.filter(cloud.supports) == [.simulated])
            #expect((simulated as? SimulatedHost)?.uri == "simulated://rack-1")
            #expect((refused as? HypervisorError)?.retryable == false)
        }
    }
}
