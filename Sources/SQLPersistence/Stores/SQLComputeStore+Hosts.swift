import Core
import Foundation
import SQLKit

extension SQLComputeStore: HostRepository {
    static let hostColumns: SQLQueryString = """
        id, name, driver, uri, enabled, vcpus, memory_gb, disk_gb, cpu_overcommit, memory_overcommit, disk_overcommit, settings, \
        down_reason, down_since, \
        allocated_cpu, allocated_memory_gb, allocated_disk_gb, vm_count, created_at, updated_at
        """

    static func hostNameTaken(_ name: String) -> String { "A host named '\(name)' already exists" }

    public func hosts() async throws -> [Core.HypervisorHost] {
        try await database.raw("SELECT \(Self.hostColumns) FROM hosts ORDER BY name_key, id").all().map { try $0.host() }
    }

    public func host(_ id: HostID) async throws -> Core.HypervisorHost? {
        try await database.raw("SELECT \(Self.hostColumns) FROM hosts WHERE id = \(bind: id.description)").first()?.host()
    }

    public func lockedHost(_ id: HostID) async throws -> Core.HypervisorHost? {
        try await database.raw("SELECT \(Self.hostColumns) FROM hosts WHERE id = \(bind: id.description)\(exclusiveRowLock)")
            .first()?.host()
    }

    public func hostCount() async throws -> Int {
        try await database.raw("SELECT COUNT(*) AS n FROM hosts").first()?.int("n") ?? 0
    }

    public func insertHost(_ host: Core.HypervisorHost) async throws {
        let capacity = host.capacity
        try await translatingErrors(conflict: Self.hostNameTaken(host.name)) {
            try await database.raw(
                """
                INSERT INTO hosts (id, name, name_key, driver, uri, enabled, vcpus, memory_gb, disk_gb, cpu_overcommit, memory_overcommit,
                    disk_overcommit, settings, allocated_cpu, allocated_memory_gb, allocated_disk_gb, vm_count, created_at, updated_at)
                VALUES (\(bind: host.id.description), \(bind: host.name), \(bind: SearchKey.fold(host.name)), \(bind: host.driver.rawValue),
                    \(bind: host.uri), \(bind: host.enabled), \(bind: capacity.vcpus), \(bind: capacity.memoryGB), \(bind: capacity.diskGB),
                    \(bind: capacity.cpuOvercommit), \(bind: capacity.memoryOvercommit), \(bind: capacity.diskOvercommit),
                    \(bind: JSONText.encode(host.settings)), \(bind: host.allocated.cpu), \(bind: host.allocated.memoryGB),
                    \(bind: host.allocated.diskGB), \(bind: host.vmCount), \(bind: host.createdAt), \(bind: host.updatedAt))
                """
            ).run()
        }
    }

    public func updateHost(_ id: HostID, _ patch: HostPatch, at date: Date) async throws -> Core.HypervisorHost? {
        var assignments: [SQLQueryString] = ["updated_at = \(bind: date)"]
        if let name = patch.name { assignments += ["name = \(bind: name)", "name_key = \(bind: SearchKey.fold(name))"] }
        if let enabled = patch.enabled { assignments.append("enabled = \(bind: enabled)") }
        if let settings = patch.settings { assignments.append("settings = \(bind: JSONText.encode(settings))") }
        if let capacity = patch.capacity {
            assignments += [
                "vcpus = \(bind: capacity.vcpus)", "memory_gb = \(bind: capacity.memoryGB)", "disk_gb = \(bind: capacity.diskGB)",
                "cpu_overcommit = \(bind: capacity.cpuOvercommit)", "memory_overcommit = \(bind: capacity.memoryOvercommit)",
                "disk_overcommit = \(bind: capacity.diskOvercommit)",
            ]
        }
        return try await translatingErrors(conflict: Self.hostNameTaken(patch.name ?? "")) {
            try await database.raw(
                """
                UPDATE hosts SET \(assignments.joined(separator: ", ")) WHERE id = \(bind: id.description)
                RETURNING \(Self.hostColumns)
                """
            ).first()?.host()
        }
    }

    public func deleteHost(_ id: HostID) async throws -> Bool {
        try await translatingErrors(referenced: "The host still has VMs; it can be deleted once they are gone") {
            try await database.raw("DELETE FROM hosts WHERE id = \(bind: id.description) RETURNING id").first() != nil
        }
    }

    public func allocate(_ size: VMSize, vms: Int, on hostID: HostID) async throws {
        try await database.raw(
            """
            UPDATE hosts SET allocated_cpu = allocated_cpu + \(bind: size.cpu),
                allocated_memory_gb = allocated_memory_gb + \(bind: size.memoryGB),
                allocated_disk_gb = allocated_disk_gb + \(bind: size.diskGB), vm_count = vm_count + \(bind: vms)
            WHERE id = \(bind: hostID.description)
            """
        ).run()
    }

    public func reserve(_ size: VMSize, on host: Core.HypervisorHost) async throws -> Bool {
        let capacity = host.capacity
        let limit = capacity.allocatable
        // The capacity columns must still be what placement saw (doubles read and bound back compare
        // exactly), so that `limit`, computed from them, is still the host's.
        return try await database.raw(
            """
            UPDATE hosts SET allocated_cpu = allocated_cpu + \(bind: size.cpu),
                allocated_memory_gb = allocated_memory_gb + \(bind: size.memoryGB),
                allocated_disk_gb = allocated_disk_gb + \(bind: size.diskGB), vm_count = vm_count + 1
            WHERE id = \(bind: host.id.description) AND enabled AND down_reason IS NULL
            AND vcpus = \(bind: capacity.vcpus) AND memory_gb = \(bind: capacity.memoryGB) AND disk_gb = \(bind: capacity.diskGB)
            AND cpu_overcommit = \(bind: capacity.cpuOvercommit) AND memory_overcommit = \(bind: capacity.memoryOvercommit)
            AND disk_overcommit = \(bind: capacity.diskOvercommit)
            AND allocated_cpu + \(bind: size.cpu) <= \(bind: limit.cpu)
            AND allocated_memory_gb + \(bind: size.memoryGB) <= \(bind: limit.memoryGB)
            AND allocated_disk_gb + \(bind: size.diskGB) <= \(bind: limit.diskGB)
            RETURNING id
            """
        ).first() != nil
    }

    public func setHostDown(_ id: HostID, reason: String?, at date: Date) async throws {
        try await database.raw(
            """
            UPDATE hosts SET down_reason = \(bind: reason), down_since = \(bind: reason == nil ? nil : date)
            WHERE id = \(bind: id.description)
            """
        ).run()
    }
}

extension SQLRow {
    func host() throws -> Core.HypervisorHost {
        Core.HypervisorHost(
            id: try id("id"),
            name: try string("name"),
            driver: try enumValue("driver"),
            uri: try string("uri"),
            enabled: try bool("enabled"),
            capacity: HostCapacity(
                vcpus: try int("vcpus"), memoryGB: try int("memory_gb"), diskGB: try int("disk_gb"),
                cpuOvercommit: try double("cpu_overcommit"), memoryOvercommit: try double("memory_overcommit"),
                diskOvercommit: try double("disk_overcommit")
            ),
            settings: try JSONText.decode(try string("settings")),
            downReason: try optionalString("down_reason"),
            downSince: try optionalDate("down_since"),
            allocated: VMSize(cpu: try int("allocated_cpu"), memoryGB: try int("allocated_memory_gb"), diskGB: try int("allocated_disk_gb")),
            vmCount: try int("vm_count"),
            createdAt: try date("created_at"),
            updatedAt: try date("updated_at")
        )
    }

    func double(_ column: String) throws -> Double { try decode(column: column, as: Double.self) }
}
