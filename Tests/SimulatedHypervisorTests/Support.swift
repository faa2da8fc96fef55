import Core
import Foundation
import HypervisorContract
import SQLPersistence
import SimulatedHypervisor
import TestSupport

/// Runs `body` with a migrated database of `backend` open.
func withMigratedClient(_ backend: TestBackend, _ body: @Sendable (DatabaseClient) async throws -> Void) async throws {
    try await withTestDatabase(backend) { database in
        try await withClient(database) { client in
            try await Migrator(client: client, logger: testLogger).migrate()
            try await body(client)
        }
    }
}

/// Runs `body` with a fresh host of a cloud without delay or failures, and a running machine on it, and
/// the database (for another cloud on the same host).
func withRunningMachine(_ backend: TestBackend, _ body: @Sendable (SimulatedHost, MachineSpec, DatabaseClient) async throws -> Void) async throws {
    try await withMigratedClient(backend) { client in
        let host = SimulatedCloud(client: client).host(freshHostURI())
        let machine = spec()
        _ = try await host.create(machine)
        try await body(host, machine, client)
    }
}

/// What each changing operation throws on `host`: a create of a new VM, then start, stop, restart
/// and delete of `existing` (nil for one that succeeded).
func errorsOfEveryOperation(on host: SimulatedHost, existing: VMID) async -> [(any Error)?] {
    [
        await error { _ = try await host.create(spec()) },
        await error { _ = try await host.start(existing) },
        await error { _ = try await host.stop(existing, timeout: .seconds(1)) },
        await error { _ = try await host.restart(existing) },
        await error { try await host.delete(existing) },
    ]
}

/// A fresh host URI, so tests sharing a database never share a host by accident.
func freshHostURI() -> String { "simulated://test-\(UUID())" }

func spec(_ id: VMID = VMID(UUID())) -> MachineSpec {
    MachineSpec(id: id, size: VMSize(cpu: 2, memoryGB: 4, diskGB: 20), source: .template(TemplateID(UUID()), image: nil))
}

/// The contract's host: a fresh database, a driver without delay, and one whose operations take 30 s.
struct SimulatedFixture: HypervisorFixture {
    let backend: TestBackend

    func withHost(_ body: @Sendable (HostUnderTest) async throws -> Void) async throws {
        try await withMigratedClient(backend) { client in
            let uri = freshHostURI()
            try await body(
                HostUnderTest(
                    driver: SimulatedCloud(client: client).host(uri),
                    slowDriver: SimulatedCloud(client: client, delay: .seconds(30)).host(uri)
                )
            )
        }
    }
}

/// The error `operation` throws, or nil when it succeeds.
func error(of operation: () async throws -> Void) async -> (any Error)? {
    do {
        try await operation()
        return nil
    } catch {
        return error
    }
}
