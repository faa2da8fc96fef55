/// Quotas: the limits superusers set per tenant, and what the tenant's VMs consume.
///
/// - `tenant_quotas` holds the limits a superuser set (null = unlimited); a tenant without a row
///   follows the configured defaults.
/// - Consumption is summed where VMs are already counted: `vm_tallies` (migration 8) gains the vCPUs,
///   memory and disk of the VMs it counts, kept by the same triggers, so that no code path can grow
///   or release usage without them, and a quota check reads a few rows instead of the tenant's VMs.
/// - A size change of a listed VM now moves it in the tallies as a status change does.
let quotasSchema = Migration(version: 11, name: "quotas") { backend in
    func shard(_ row: String) -> String { "substr(\(row).id, 36, 1)" }
    let quotas = """
        CREATE TABLE tenant_quotas (
            tenant_id TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
            max_vms INTEGER,
            max_vcpus INTEGER,
            max_memory_gb INTEGER,
            max_disk_gb INTEGER,
            updated_at \(backend.timestampType) NOT NULL
        )
        """
    let columns = ["vcpus", "memory_gb", "disk_gb"].map { "ALTER TABLE vm_tallies ADD COLUMN \($0) INTEGER NOT NULL DEFAULT 0" }
    func sum(_ column: String) -> String {
        """
        (SELECT COALESCE(SUM(vms.\(column)), 0) FROM vms WHERE vms.tenant_id = vm_tallies.tenant_id
            AND vms.status = vm_tallies.status AND \(shard("vms")) = vm_tallies.shard AND vms.name_key IS NOT NULL)
        """
    }
    let backfill = "UPDATE vm_tallies SET vcpus = \(sum("cpu")), memory_gb = \(sum("memory_gb")), disk_gb = \(sum("disk_gb"))"
    /// The statements that take `row` (OLD or NEW) out of its tally, and put it in, when `condition` holds.
    func decrement(_ row: String, when condition: String = "TRUE") -> String {
        """
        UPDATE vm_tallies SET listed = listed - 1, vcpus = vcpus - \(row).cpu, memory_gb = memory_gb - \(row).memory_gb,
            disk_gb = disk_gb - \(row).disk_gb
        WHERE tenant_id = \(row).tenant_id AND status = \(row).status AND shard = \(shard(row)) AND \(condition)
        """
    }
    func increment(_ row: String, when condition: String = "TRUE") -> String {
        // A SELECT with a WHERE clause, so that SQLite reads `ON CONFLICT` as the upsert's.
        """
        INSERT INTO vm_tallies (tenant_id, status, shard, listed, vcpus, memory_gb, disk_gb)
        SELECT \(row).tenant_id, \(row).status, \(shard(row)), 1, \(row).cpu, \(row).memory_gb, \(row).disk_gb WHERE \(condition)
        ON CONFLICT (tenant_id, status, shard) DO UPDATE SET listed = vm_tallies.listed + 1,
            vcpus = vm_tallies.vcpus + excluded.vcpus, memory_gb = vm_tallies.memory_gb + excluded.memory_gb,
            disk_gb = vm_tallies.disk_gb + excluded.disk_gb
        """
    }
    let moves = """
        OLD.status <> NEW.status OR (OLD.name_key IS NULL) <> (NEW.name_key IS NULL)
            OR OLD.cpu <> NEW.cpu OR OLD.memory_gb <> NEW.memory_gb OR OLD.disk_gb <> NEW.disk_gb
        """
    let updatedColumns = "status, name_key, cpu, memory_gb, disk_gb"
    switch backend {
    case .sqlite:
        return [quotas] + columns + [
            backfill,
            "DROP TRIGGER vms_tally_insert", "DROP TRIGGER vms_tally_delete", "DROP TRIGGER vms_tally_update",
            "CREATE TRIGGER vms_tally_insert AFTER INSERT ON vms WHEN NEW.name_key IS NOT NULL BEGIN \(increment("NEW")); END",
            "CREATE TRIGGER vms_tally_delete AFTER DELETE ON vms WHEN OLD.name_key IS NOT NULL BEGIN \(decrement("OLD")); END",
            """
            CREATE TRIGGER vms_tally_update AFTER UPDATE OF \(updatedColumns) ON vms WHEN \(moves) BEGIN
                \(decrement("OLD", when: "OLD.name_key IS NOT NULL"));
                \(increment("NEW", when: "NEW.name_key IS NOT NULL"));
            END
            """,
        ]
    case .postgres:
        return [quotas] + columns + [
            backfill,
            """
            CREATE OR REPLACE FUNCTION vms_tally() RETURNS trigger LANGUAGE plpgsql AS $$
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
            "DROP TRIGGER vms_tally_update ON vms",
            "CREATE TRIGGER vms_tally_update AFTER UPDATE OF \(updatedColumns) ON vms FOR EACH ROW WHEN (\(moves)) EXECUTE FUNCTION vms_tally()",
        ]
    }
}
