import Foundation

/// The change feed behind `GET /events`: one row per change of a listed VM (created, changed, deleted),
/// written by triggers inside the statement that changes the VM, so no code path can forget one and
/// a rolled-back change leaves none.
///
/// Every process delivers the feed in the order of `(commit_order, seq)`, and a position once delivered
/// must never be followed by a row that appears later below it:
/// - SQLite has one writer at a time, so `seq` (never reused: AUTOINCREMENT) grows in commit order;
///   `commit_order` is 0.
/// - PostgreSQL hands out `seq` at insert, not at commit, so two transactions may commit in the other
///   order. `commit_order` is the writing transaction's id; readers take only rows of transactions
///   older than every transaction still running (`pg_snapshot_xmin`), which are final. A row that
///   becomes readable later belongs to a transaction at least as new as that horizon, so it sorts
///   after everything delivered before it.
///
/// Rows carry no copy of the VM: the stream reads the VM when it delivers the event. Old rows are
/// pruned (24 hours).
let vmEventsSchema = Migration(version: 14, name: "vm_events") { backend in
    let table = """
        CREATE TABLE vm_events (
            seq \(backend == .postgres ? "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT"),
            commit_order BIGINT NOT NULL,
            tenant_id TEXT NOT NULL,
            vm_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            occurred_at \(backend.timestampType) NOT NULL
        )
        """
    let indexes = [
        "CREATE INDEX vm_events_in_order ON vm_events (commit_order, seq)",
        "CREATE INDEX vm_events_of_tenant ON vm_events (tenant_id, commit_order, seq)",
        "CREATE INDEX vm_events_by_age ON vm_events (occurred_at)",
    ]
    // A listed VM (name_key set) that changes what a client shows; entering deletion unlists it.
    let shown = "OLD.status IS DISTINCT FROM NEW.status OR OLD.task IS DISTINCT FROM NEW.task OR OLD.name <> NEW.name OR OLD.ip_address IS DISTINCT FROM NEW.ip_address"
    let updated = "OLD.name_key IS NOT NULL AND NEW.name_key IS NOT NULL AND (\(shown))"
    let unlisted = "OLD.name_key IS NOT NULL AND NEW.name_key IS NULL"
    switch backend {
    case .sqlite:
        func record(_ row: String, _ kind: String, at time: String? = nil) -> String {
            "INSERT INTO vm_events (commit_order, tenant_id, vm_id, kind, occurred_at) VALUES (0, \(row).tenant_id, \(row).id, '\(kind)', \(time ?? row + ".updated_at"))"
        }
        let sqliteShown = shown.replacingOccurrences(of: "IS DISTINCT FROM", with: "IS NOT")
        return [table] + indexes + [
            "CREATE TRIGGER vms_event_insert AFTER INSERT ON vms WHEN NEW.name_key IS NOT NULL BEGIN \(record("NEW", "created")); END",
            """
            CREATE TRIGGER vms_event_update AFTER UPDATE ON vms
            WHEN OLD.name_key IS NOT NULL AND NEW.name_key IS NOT NULL AND (\(sqliteShown)) BEGIN \(record("NEW", "updated")); END
            """,
            "CREATE TRIGGER vms_event_unlist AFTER UPDATE ON vms WHEN \(unlisted) BEGIN \(record("NEW", "deleted")); END",
            "CREATE TRIGGER vms_event_delete AFTER DELETE ON vms WHEN OLD.name_key IS NOT NULL BEGIN \(record("OLD", "deleted", at: "(julianday('now') - 2440587.5) * 86400.0")); END",
        ]
    case .postgres:
        return [table] + indexes + [
            """
            CREATE FUNCTION vms_event() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    INSERT INTO vm_events (commit_order, tenant_id, vm_id, kind, occurred_at)
                    VALUES (pg_current_xact_id()::text::bigint, OLD.tenant_id, OLD.id, 'deleted', now());
                ELSE
                    INSERT INTO vm_events (commit_order, tenant_id, vm_id, kind, occurred_at)
                    VALUES (pg_current_xact_id()::text::bigint, NEW.tenant_id, NEW.id, TG_ARGV[0], NEW.updated_at);
                END IF;
                RETURN NULL;
            END
            $$
            """,
            "CREATE TRIGGER vms_event_insert AFTER INSERT ON vms FOR EACH ROW WHEN (NEW.name_key IS NOT NULL) EXECUTE FUNCTION vms_event('created')",
            "CREATE TRIGGER vms_event_update AFTER UPDATE ON vms FOR EACH ROW WHEN (\(updated)) EXECUTE FUNCTION vms_event('updated')",
            "CREATE TRIGGER vms_event_unlist AFTER UPDATE ON vms FOR EACH ROW WHEN (\(unlisted)) EXECUTE FUNCTION vms_event('deleted')",
            "CREATE TRIGGER vms_event_delete AFTER DELETE ON vms FOR EACH ROW WHEN (OLD.name_key IS NOT NULL) EXECUTE FUNCTION vms_event('deleted')",
        ]
    }
}
