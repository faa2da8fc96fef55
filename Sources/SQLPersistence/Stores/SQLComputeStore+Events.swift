import Core
import Foundation
import SQLKit

/// The feed of VM changes that the `vm_events` triggers write (see the migration for why its order holds
/// across processes on PostgreSQL).
extension SQLComputeStore: VMChangeFeed {
    public func changes(after position: VMChangePosition, of tenantID: TenantID?, limit: Int) async throws -> [VMChange] {
        var conditions: [SQLQueryString] = [
            "(e.commit_order > \(bind: position.commitOrder) OR (e.commit_order = \(bind: position.commitOrder) AND e.seq > \(bind: position.sequence)))"
        ]
        if let tenantID { conditions.append("e.tenant_id = \(bind: tenantID.description)") }
        if let settled = settledHorizon { conditions.append("e.commit_order < \(settled)") }
        // The VM as it is now, when it is still listed: one query for the batch, whatever its size.
        return try await database.raw(
            """
            SELECT e.seq AS event_seq, e.commit_order AS event_order, e.tenant_id AS event_tenant, e.vm_id AS event_vm,
                e.kind AS event_kind, \(Self.vmColumns)
            FROM vm_events e LEFT JOIN vms v ON v.id = e.vm_id AND v.name_key IS NOT NULL
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY e.commit_order, e.seq
            LIMIT \(literal: max(0, limit))
            """
        ).all().map { row in
            VMChange(
                position: VMChangePosition(commitOrder: try row.decode(column: "event_order", as: Int64.self), sequence: try row.decode(column: "event_seq", as: Int64.self)),
                tenantID: try row.id("event_tenant"), vmID: try row.id("event_vm"), kind: try row.enumValue("event_kind"),
                vm: try row.decodeNil(column: "id") ? nil : row.virtualMachine()
            )
        }
    }

    public func latestChangePosition() async throws -> VMChangePosition {
        let settled: SQLQueryString = settledHorizon.map { "WHERE commit_order < \($0)" } ?? ""
        guard let row = try await database.raw(
            "SELECT commit_order, seq FROM vm_events \(settled) ORDER BY commit_order DESC, seq DESC LIMIT 1"
        ).first() else { return .start }
        return VMChangePosition(commitOrder: try row.decode(column: "commit_order", as: Int64.self), sequence: try row.decode(column: "seq", as: Int64.self))
    }

    public func pruneChanges(before date: Date) async throws -> Int {
        try await database.raw("DELETE FROM vm_events WHERE occurred_at < \(bind: date) RETURNING seq").all().count
    }

    /// On PostgreSQL, rows of transactions older than every one still running: final, so nothing that
    /// commits later sorts before them. SQLite commits one writer at a time in `seq` order: every row is final.
    private var settledHorizon: SQLQueryString? {
        client.backend == .postgres ? "pg_snapshot_xmin(pg_current_snapshot())::text::bigint" : nil
    }
}
