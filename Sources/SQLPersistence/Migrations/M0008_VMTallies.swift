/// Per-tenant VM counts by status, kept by triggers, in place of `tenant_vm_counts`.
///
/// - The totals of `GET /vms` without a filter and with `?status=` are sums of a few rows instead of
///   counts of the tenant's index entries (a `?status=` page cost three first pages in a tenant of
///   10,000 VMs).
/// - A trigger keeps them inside the statement that changes the VM: no statement of its own, and no
///   code path can forget it.
/// - Each (tenant, status) count is split over 16 rows by the last hex digit of the VM id: concurrent
///   creates in one tenant on PostgreSQL each lock one row of 16 until they commit, instead of all
///   queueing on the tenant's single row.
/// - A VM counts while it is listed (`name_key` is set); it stops counting when its deletion begins.
let vmTalliesSchema = Migration(version: 8, name: "vm_tallies") { backend in
    func shard(_ row: String) -> String { "substr(\(row).id, 36, 1)" }
    let table = """
        CREATE TABLE vm_tallies (
            tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            status TEXT NOT NULL,
            shard TEXT NOT NULL,
            listed INTEGER NOT NULL,
            PRIMARY KEY (tenant_id, status, shard)
        )
        """
    let backfill = """
        INSERT INTO vm_tallies (tenant_id, status, shard, listed)
        SELECT tenant_id, status, \(shard("vms")), COUNT(*) FROM vms WHERE name_key IS NOT NULL
        GROUP BY tenant_id, status, \(shard("vms"))
        """
    /// The statements that take `row` (OLD or NEW) out of its count, and put it in, when `condition` holds.
    func decrement(_ row: String, when condition: String = "TRUE") -> String {
        """
        UPDATE vm_tallies SET listed = listed - 1
        WHERE tenant_id = \(row).tenant_id AND status = \(row).status AND shard = \(shard(row)) AND \(condition)
        """
    }
    func increment(_ row: String, when condition: String = "TRUE") -> String {
        // A SELECT with a WHERE clause, so that SQLite reads `ON CONFLICT` as the upsert's.
        """
        INSERT INTO vm_tallies (tenant_id, status, shard, listed)
        SELECT \(row).tenant_id, \(row).status, \(shard(row)), 1 WHERE \(condition)
        ON CONFLICT (tenant_id, status, shard) DO UPDATE SET listed = vm_tallies.listed + 1
        """
    }
    // Only an update that moves a listed VM between counts touches them.
    let moves = "OLD.status <> NEW.status OR (OLD.name_key IS NULL) <> (NEW.name_key IS NULL)"
    switch backend {
    case .sqlite:
        return [
            table, backfill, "DROP TABLE tenant_vm_counts",
            "CREATE TRIGGER vms_tally_insert AFTER INSERT ON vms WHEN NEW.name_key IS NOT NULL BEGIN \(increment("NEW")); END",
            "CREATE TRIGGER vms_tally_delete AFTER DELETE ON vms WHEN OLD.name_key IS NOT NULL BEGIN \(decrement("OLD")); END",
            """
            CREATE TRIGGER vms_tally_update AFTER UPDATE OF status, name_key ON vms WHEN \(moves) BEGIN
                \(decrement("OLD", when: "OLD.name_key IS NOT NULL"));
                \(increment("NEW", when: "NEW.name_key IS NOT NULL"));
            END
            """,
        ]
    case .postgres:
        return [
            table, backfill, "DROP TABLE tenant_vm_counts",
            """
            CREATE FUNCTION vms_tally() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' AND OLD.name_key IS NOT NULL THEN
                    \(decrement("OLD"));
                END IF;
                IF TG_OP <> 'DELETE' AND NEW.name_key IS NOT NULL THEN
                    \(increment("NEW"));
                END IF;
                RETURN NULL;
            END
            $$
            """,
            "CREATE TRIGGER vms_tally_insert AFTER INSERT ON vms FOR EACH ROW WHEN (NEW.name_key IS NOT NULL) EXECUTE FUNCTION vms_tally()",
            "CREATE TRIGGER vms_tally_delete AFTER DELETE ON vms FOR EACH ROW WHEN (OLD.name_key IS NOT NULL) EXECUTE FUNCTION vms_tally()",
            "CREATE TRIGGER vms_tally_update AFTER UPDATE OF status, name_key ON vms FOR EACH ROW WHEN (\(moves)) EXECUTE FUNCTION vms_tally()",
        ]
    }
}
