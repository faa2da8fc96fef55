import Core
import Foundation
import SQLKit

/// Appending audit events, on whatever `database` is: the pool, or the transaction of the change.
enum AuditRows {
    static let columns: SQLQueryString = """
        id, occurred_at, tenant_id, actor_type, actor_id, operation, target_type, target_id, outcome, request_id, client_address, details
        """

    static func append(_ events: [AuditEvent], on database: any SQLDatabase) async throws {
        guard !events.isEmpty else { return }
        let rows = SQLList(events.map { event in
            SQLQueryString(
                """
                (\(bind: event.id.description), \(bind: event.occurredAt), \(bind: event.tenantID?.description), \(bind: event.actor.type),
                \(bind: event.actor.id), \(bind: event.operation), \(bind: event.targetType), \(bind: event.targetID),
                \(bind: event.outcome.rawValue), \(bind: event.requestID), \(bind: event.clientAddress), \(bind: JSONText.encode(event.details)))
                """
            ) as any SQLExpression
        })
        try await database.raw("INSERT INTO audit_events (\(columns)) VALUES \(rows)").run()
    }
}

extension SQLIdentityStore {
    public func appendAuditEvents(_ events: [AuditEvent]) async throws {
        try await AuditRows.append(events, on: database)
    }
}

extension SQLComputeStore: AuditLog {
    public func appendAuditEvents(_ events: [AuditEvent]) async throws {
        try await AuditRows.append(events, on: database)
    }
}

extension SQLRow {
    func auditEvent() throws -> AuditEvent {
        let actorID = try optionalString("actor_id")
        let actor: AuditActor =
            switch (try string("actor_type"), actorID) {
            case ("user", _?): .user(try self.id("actor_id"))
            case ("api_key", _?): .apiKey(try self.id("actor_id"))
            case ("system", _): .system
            default: .anonymous
            }
        return AuditEvent(
            id: try id("id"), occurredAt: try date("occurred_at"), tenantID: try optionalID("tenant_id"), actor: actor,
            operation: try string("operation"), targetType: try string("target_type"), targetID: try optionalString("target_id"),
            outcome: AuditEvent.Outcome(rawValue: try string("outcome")) ?? .failure, requestID: try optionalString("request_id"),
            clientAddress: try optionalString("client_address"), details: try JSONText.decode(try string("details"))
        )
    }
}

/// `AuditTrailStore` (and `AuditLog` for events outside any other transaction, such as logins) over
/// the audit tables. No read cache depends on them: their writes leave the caches' change counter alone.
public struct SQLAuditTrail: AuditTrailStore, AuditLog {
    let client: DatabaseClient
    let database: any SQLDatabase

    public init(client: DatabaseClient) {
        self.client = client.uncounted
        self.database = self.client.sql
    }

    /// One insert, queued behind this process's other writers on SQLite.
    public func appendAuditEvents(_ events: [AuditEvent]) async throws {
        try await client.writeStatement { try await AuditRows.append(events, on: $0) }
    }

    public func auditEvents(_ filter: AuditFilter, page: PageRequest) async throws -> Page<AuditEvent> {
        var conditions: [SQLQueryString] = []
        if let tenantID = filter.tenantID { conditions.append("tenant_id = \(bind: tenantID.description)") }
        if let since = filter.since { conditions.append("occurred_at >= \(bind: since)") }
        if let until = filter.until { conditions.append("occurred_at <= \(bind: until)") }
        if let actorID = filter.actorID { conditions.append("actor_id = \(bind: actorID)") }
        if let targetID = filter.targetID { conditions.append("target_id = \(bind: targetID)") }
        if let operation = filter.operation { conditions.append("operation = \(bind: operation)") }
        let clause: SQLQueryString = conditions.isEmpty ? "" : "WHERE \(conditions.joined(separator: " AND "))"
        let total = try await database.raw("SELECT COUNT(*) AS n FROM audit_events \(clause)").first()?.int("n") ?? 0
        guard page.offset < total else { return Page(items: [], total: total, request: page) }
        let rows = try await database.raw(
            """
            SELECT \(AuditRows.columns) FROM audit_events \(clause)
            ORDER BY occurred_at DESC, id DESC LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
            """
        ).all()
        return Page(items: try rows.map { try $0.auditEvent() }, total: total, request: page)
    }

    public func sealAuditEvents(
        limit: Int, link: @escaping @Sendable (_ event: AuditEvent, _ previousHash: String) -> String
    ) async throws -> Int {
        let backend = client.backend
        return try await client.transaction { session in
            // The head first: a second sealer (in this process or another) waits here, then finds
            // the events this one sealed gone from the unsealed ones.
            let lock: SQLQueryString = backend == .postgres ? " FOR UPDATE" : ""
            guard let head = try await session.raw("SELECT position, hash FROM audit_chain WHERE id = 1\(lock)").first() else { return 0 }
            var position = try head.int("position")
            var hash = try head.string("hash")
            let rows = try await session.raw(
                "SELECT \(AuditRows.columns) FROM audit_events WHERE position IS NULL ORDER BY occurred_at, id LIMIT \(bind: limit)"
            ).all()
            for row in rows {
                let event = try row.auditEvent()
                position += 1
                hash = link(event, hash)
                try await session.raw(
                    "UPDATE audit_events SET position = \(bind: position), hash = \(bind: hash) WHERE id = \(bind: event.id.description)"
                ).run()
            }
            if !rows.isEmpty {
                try await session.raw("UPDATE audit_chain SET position = \(bind: position), hash = \(bind: hash) WHERE id = 1").run()
            }
            return rows.count
        }
    }

    public func auditChain() async throws -> (head: AuditChainPoint, checkpoint: AuditChainPoint?) {
        let head = try await database.raw("SELECT position, hash FROM audit_chain WHERE id = 1").first().map {
            AuditChainPoint(position: try $0.int("position"), hash: try $0.string("hash"))
        }
        let checkpoint = try await database.raw("SELECT position, hash FROM audit_checkpoints ORDER BY position DESC LIMIT 1").first().map {
            AuditChainPoint(position: try $0.int("position"), hash: try $0.string("hash"))
        }
        return (head ?? AuditChainPoint(position: 0, hash: AuditTrail.genesisHash), checkpoint)
    }

    public func sealedAuditEvents(from position: Int, limit: Int) async throws -> [SealedAuditEvent] {
        try await database.raw(
            """
            SELECT \(AuditRows.columns), position, hash FROM audit_events
            WHERE position >= \(bind: position) ORDER BY position LIMIT \(bind: limit)
            """
        ).all().map { row in
            SealedAuditEvent(event: try row.auditEvent(), position: try row.int("position"), hash: try row.optionalString("hash") ?? "")
        }
    }

    public func unsealedAuditEventCount() async throws -> Int {
        try await database.raw("SELECT COUNT(*) AS n FROM audit_events WHERE position IS NULL").first()?.int("n") ?? 0
    }

    public func lastSealedAuditPoint(before date: Date) async throws -> AuditChainPoint? {
        try await database.raw(
            """
            SELECT position, hash FROM audit_events WHERE position IS NOT NULL AND occurred_at < \(bind: date)
            ORDER BY position DESC LIMIT 1
            """
        ).first().map { AuditChainPoint(position: try $0.int("position"), hash: try $0.string("hash")) }
    }

    public func dropAuditEvents(through point: AuditChainPoint, at date: Date) async throws -> Int {
        try await client.transaction { session in
            let dropped = try await session.raw(
                "DELETE FROM audit_events WHERE position IS NOT NULL AND position <= \(bind: point.position) RETURNING id"
            ).all().count
            try await session.raw(
                """
                INSERT INTO audit_checkpoints (position, hash, dropped, created_at)
                VALUES (\(bind: point.position), \(bind: point.hash), \(bind: dropped), \(bind: date))
                ON CONFLICT (position) DO NOTHING
                """
            ).run()
            return dropped
        }
    }
}
