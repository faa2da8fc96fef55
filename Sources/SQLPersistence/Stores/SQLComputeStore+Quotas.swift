import Core
import Foundation
import SQLKit

extension SQLComputeStore: QuotaRepository {
    public func explicitLimits(of tenantID: TenantID) async throws -> QuotaLimits? {
        try await database.raw(
            "SELECT max_vms, max_vcpus, max_memory_gb, max_disk_gb FROM tenant_quotas WHERE tenant_id = \(bind: tenantID.description)"
        ).first().map { row in
            QuotaLimits(
                vms: try row.decode(column: "max_vms", as: Int?.self), vcpus: try row.decode(column: "max_vcpus", as: Int?.self),
                memoryGB: try row.decode(column: "max_memory_gb", as: Int?.self), diskGB: try row.decode(column: "max_disk_gb", as: Int?.self)
            )
        }
    }

    public func setLimits(_ limits: QuotaLimits, of tenantID: TenantID, at date: Date) async throws {
        try await translatingErrors(referenced: "Tenant not found") {
            try await database.raw(
                """
                INSERT INTO tenant_quotas (tenant_id, max_vms, max_vcpus, max_memory_gb, max_disk_gb, updated_at)
                VALUES (\(bind: tenantID.description), \(bind: limits.vms), \(bind: limits.vcpus), \(bind: limits.memoryGB),
                    \(bind: limits.diskGB), \(bind: date))
                ON CONFLICT (tenant_id) DO UPDATE SET max_vms = excluded.max_vms, max_vcpus = excluded.max_vcpus,
                    max_memory_gb = excluded.max_memory_gb, max_disk_gb = excluded.max_disk_gb, updated_at = excluded.updated_at
                """
            ).run()
        }
    }

    public func usage(of tenantID: TenantID) async throws -> QuotaUsage {
        // A few rows per status (the tallies' shards), summed per status by the database.
        let rows = try await database.raw(
            """
            SELECT status, SUM(listed) AS vms, SUM(vcpus) AS vcpus, SUM(memory_gb) AS memory_gb, SUM(disk_gb) AS disk_gb
            FROM vm_tallies WHERE tenant_id = \(bind: tenantID.description) GROUP BY status
            """
        ).all()
        var usage = QuotaUsage()
        for row in rows {
            let tally = ResourceTally(
                vms: try row.int("vms"), vcpus: try row.int("vcpus"), memoryGB: try row.int("memory_gb"), diskGB: try row.int("disk_gb")
            )
            if try row.string("status") == VMStatus.provisioning.rawValue {
                usage.reserved = usage.reserved + tally
            } else {
                usage.used = usage.used + tally
            }
        }
        return usage
    }

    public func lockForGrowth(_ tenantID: TenantID) async throws {
        // SQLite's write transactions exclude every other writer already. On PostgreSQL the tenant's
        // row is the lock: `FOR NO KEY UPDATE` excludes other growth checks but not the key-share locks
        // that inserts referencing the tenant take.
        guard inTransaction, client.backend == .postgres else { return }
        _ = try await database.raw("SELECT id FROM tenants WHERE id = \(bind: tenantID.description) FOR NO KEY UPDATE").all()
    }
}
