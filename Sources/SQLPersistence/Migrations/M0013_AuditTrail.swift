/// The audit trail.
///
/// - `audit_events`: one row per event, appended in the transaction of the change it records.
///   `position` and `hash` are null until the sealer chains the event (unique once set); the list's
///   filters each have an index in the order the list reads (newest first).
/// - `audit_chain`: one row, the head of the chain (the newest sealed event's position and hash),
///   locked by whoever seals.
/// - `audit_checkpoints`: where events were dropped for retention: the position and hash of the last
///   dropped event, from which verification goes on.
/// - The permission `audit:read`, held by Tenant Admin and (as every `:read` permission) Read Only User.
let auditTrailSchema = Migration(version: 13, name: "audit_trail") { backend in
    let timestamp = backend.timestampType
    return [
        """
        CREATE TABLE audit_events (
            id TEXT PRIMARY KEY,
            occurred_at \(timestamp) NOT NULL,
            tenant_id TEXT,
            actor_type TEXT NOT NULL,
            actor_id TEXT,
            operation TEXT NOT NULL,
            target_type TEXT NOT NULL,
            target_id TEXT,
            outcome TEXT NOT NULL,
            request_id TEXT,
            client_address TEXT,
            details TEXT NOT NULL,
            position BIGINT UNIQUE,
            hash TEXT
        )
        """,
        "CREATE INDEX audit_events_newest ON audit_events (occurred_at DESC, id DESC)",
        "CREATE INDEX audit_events_by_tenant ON audit_events (tenant_id, occurred_at DESC, id DESC)",
        "CREATE INDEX audit_events_by_actor ON audit_events (actor_id, occurred_at DESC, id DESC)",
        "CREATE INDEX audit_events_by_target ON audit_events (target_id, occurred_at DESC, id DESC)",
        "CREATE INDEX audit_events_by_operation ON audit_events (operation, occurred_at DESC, id DESC)",
        "CREATE INDEX audit_events_unsealed ON audit_events (occurred_at, id) WHERE position IS NULL",
        """
        CREATE TABLE audit_chain (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            position BIGINT NOT NULL,
            hash TEXT NOT NULL
        )
        """,
        "INSERT INTO audit_chain (id, position, hash) VALUES (1, 0, '\(String(repeating: "0", count: 64))')",
        """
        CREATE TABLE audit_checkpoints (
            position BIGINT PRIMARY KEY,
            hash TEXT NOT NULL,
            dropped INTEGER NOT NULL,
            created_at \(timestamp) NOT NULL
        )
        """,
        "INSERT INTO permissions (id, name, module) VALUES ('audit:read', 'View the audit trail', 'Audit')",
        "INSERT INTO role_permissions (role_id, permission_id) VALUES ('00000000-0000-4000-8000-000000000001', 'audit:read')",
        "INSERT INTO role_permissions (role_id, permission_id) VALUES ('00000000-0000-4000-8000-000000000002', 'audit:read')",
    ]
}
