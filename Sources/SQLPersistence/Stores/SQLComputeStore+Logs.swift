import Core
import Foundation
import SQLKit

extension SQLComputeStore: VMLogRepository {
    public func appendLogs(_ entries: [VMLogEntry]) async throws {
        // A statement per 200 entries (well below either engine's limit on bound parameters); the
        // generated ids keep the entries' order among equal timestamps.
        for start in stride(from: 0, to: entries.count, by: 200) {
            let rows: [SQLQueryString] = entries[start..<min(start + 200, entries.count)].map { entry in
                "(\(bind: entry.vmID.description), \(bind: entry.level.rawValue), \(bind: entry.message), \(bind: entry.timestamp))"
            }
            try await database.raw("INSERT INTO vm_logs (vm_id, level, message, created_at) VALUES \(rows.joined(separator: ", "))").run()
        }
    }

    /// Scoped by the VM's tenant (another tenant's VM has no entries), deleting VMs included: whether
    /// such a VM may be looked at is for the caller to decide.
    public func logs(of vmID: VMID, in tenantID: TenantID, limit: Int) async throws -> [VMLogEntry] {
        guard limit > 0 else { return [] }
        return try await database.raw(
            """
            SELECT l.vm_id, l.level, l.message, l.created_at FROM vm_logs l
            WHERE l.vm_id = \(bind: vmID.description)
            AND EXISTS (SELECT 1 FROM vms v WHERE v.id = l.vm_id AND v.tenant_id = \(bind: tenantID.description))
            ORDER BY l.created_at DESC, l.id DESC
            LIMIT \(literal: limit)
            """
        ).all().map { row in
            VMLogEntry(vmID: try row.id("vm_id"), timestamp: try row.date("created_at"), level: try row.enumValue("level"), message: try row.string("message"))
        }
    }
}
