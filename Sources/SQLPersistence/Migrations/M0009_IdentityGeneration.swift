/// On SQLite, the counter the identity read caches compare before use (`SQLiteIdentityGeneration`):
/// one row, moved by triggers on every table those caches read from, on any insert, update or delete,
/// whoever writes (this process, another `serve`, the `sqlite3` shell).
///
/// It replaced SQLite's `PRAGMA data_version`, which moves with every commit to the file: with VMs
/// changing state all the time, every request missed the caches and read its caller again (two
/// statements each). PostgreSQL counts this process's identity writes in memory instead (see
/// decisions.md), so it gets nothing here.
let identityGenerationSchema = Migration(version: 9, name: "identity_generation") { backend in
    guard backend == .sqlite else { return [] }
    let tables = ["tenants", "users", "memberships", "permissions", "roles", "role_permissions", "role_assignments", "api_keys", "invitations"]
    let triggers = tables.flatMap { table in
        ["INSERT", "UPDATE", "DELETE"].map { event in
            """
            CREATE TRIGGER \(table)_\(event.lowercased())_moves_identity_generation AFTER \(event) ON \(table)
            BEGIN UPDATE identity_generation SET version = version + 1; END
            """
        }
    }
    return ["CREATE TABLE identity_generation (version INTEGER NOT NULL)", "INSERT INTO identity_generation (version) VALUES (0)"] + triggers
}
