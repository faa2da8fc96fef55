import Core
import Foundation
import SQLKit
import SQLPersistence

/// Fault injection, for tests and demonstrations: what goes wrong on real hosts, on purpose. Every
/// fault is a row in the database, so it reaches every process of the service, and none of these
/// calls waits the cloud's delay or fails at its failure rate.
extension SimulatedHost {
    /// Marks the host down (every operation, reads included, throws a retryable "does not answer")
    /// or up again.
    public func setDown(_ down: Bool) async throws {
        try await client.sql.raw(
            """
            INSERT INTO simulated_hosts (uri, down) VALUES (\(bind: uri), \(bind: down))
            ON CONFLICT (uri) DO UPDATE SET down = excluded.down
            """
        ).run()
    }

    /// Makes the next `count` changing operations (create, start, stop, restart, delete) on VM `id`
    /// fail with a retryable error. The VM's machine need not exist yet: a failing create is injected
    /// this way. Replaces any fault injected before for `id`.
    public func failNextOperations(of id: VMID, count: Int) async throws {
        try await setFault(of: id, failuresLeft: max(count, 0), permanently: false)
    }

    /// Makes every changing operation on VM `id` fail with a non-retryable error, until `clearFaults(of:)`.
    public func failPermanently(_ id: VMID) async throws {
        try await setFault(of: id, failuresLeft: 0, permanently: true)
    }

    public func clearFaults(of id: VMID) async throws {
        try await client.sql.raw(
            "DELETE FROM simulated_faults WHERE host_uri = \(bind: uri) AND vm_id = \(bind: id.description)"
        ).run()
    }

    /// Powers the machine of VM `id` on or off without VirtualStack, as someone at the console would.
    public func setPowerBehindTheBack(of id: VMID, to power: VMLifecycle.Power) async throws {
        let changed = try await client.sql.raw(
            """
            UPDATE simulated_machines SET power = \(bind: power.rawValue)
            WHERE host_uri = \(bind: uri) AND vm_id = \(bind: id.description)
            RETURNING name
            """
        ).first()
        if changed == nil { throw noSuchMachine(id) }
    }

    /// Removes the machine of VM `id` without VirtualStack (nothing happens when there is none).
    public func removeBehindTheBack(_ id: VMID) async throws {
        try await client.sql.raw(
            "DELETE FROM simulated_machines WHERE host_uri = \(bind: uri) AND vm_id = \(bind: id.description)"
        ).run()
    }

    /// Adds a machine VirtualStack did not make. `vmID` nil is a machine of someone else's; an id
    /// makes it look like one of VirtualStack's (an orphan when the database has no such VM).
    @discardableResult
    public func addUnknownMachine(
        name: String, vmID: VMID? = nil, power: VMLifecycle.Power = .running, ipAddress: String? = nil
    ) async throws -> Machine {
        try await client.sql.raw(
            """
            INSERT INTO simulated_machines
                (host_uri, name, vm_id, power, ip_address, cpu, memory_gb, disk_gb, image, iso, created_at)
            VALUES (\(bind: uri), \(bind: name), \(bind: vmID?.description), \(bind: power.rawValue), \(bind: ipAddress),
                1, 1, 1, NULL, NULL, \(bind: Date()))
            """
        ).run()
        return Machine(vmID: vmID, name: name, power: power, ipAddress: ipAddress)
    }

    /// How many times `operation` took effect for VM `id` on this host, across deletes: creates that
    /// made a machine, starts and stops that changed its power, restarts, deletes that removed one.
    public func operationCount(_ operation: SimulatedOperation, of id: VMID) async throws -> Int {
        let row = try await client.sql.raw(
            """
            SELECT times FROM simulated_operations
            WHERE host_uri = \(bind: uri) AND vm_id = \(bind: id.description) AND operation = \(bind: operation.rawValue)
            """
        ).first()
        return try row?.decode(column: "times", as: Int.self) ?? 0
    }

    /// How many machines were made for VM `id` on this host.
    public func creations(of id: VMID) async throws -> Int {
        try await operationCount(.create, of: id)
    }

    private func setFault(of id: VMID, failuresLeft: Int, permanently: Bool) async throws {
        try await client.sql.raw(
            """
            INSERT INTO simulated_faults (host_uri, vm_id, failures_left, fail_permanently)
            VALUES (\(bind: uri), \(bind: id.description), \(bind: failuresLeft), \(bind: permanently))
            ON CONFLICT (host_uri, vm_id) DO UPDATE
            SET failures_left = excluded.failures_left, fail_permanently = excluded.fail_permanently
            """
        ).run()
    }
}
