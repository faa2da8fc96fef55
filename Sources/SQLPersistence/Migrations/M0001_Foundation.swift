/// Tenants, global user accounts, memberships (user × tenant with the tenant's own `is_active`)
/// and the settings table that keeps the generated token signing key.
let foundationSchema = Migration(version: 1, name: "foundation") { backend in
    let timestamp = backend.timestampType
    return [
        """
        CREATE TABLE tenants (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            name_key TEXT NOT NULL UNIQUE,
            description TEXT,
            is_active BOOLEAN NOT NULL,
            created_at \(timestamp) NOT NULL,
            updated_at \(timestamp) NOT NULL
        )
        """,
        """
        CREATE TABLE users (
            id TEXT PRIMARY KEY,
            email TEXT NOT NULL,
            email_key TEXT NOT NULL UNIQUE,
            first_name TEXT NOT NULL,
            last_name TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            is_active BOOLEAN NOT NULL,
            is_superuser BOOLEAN NOT NULL,
            tokens_valid_after \(timestamp) NOT NULL,
            created_at \(timestamp) NOT NULL,
            updated_at \(timestamp) NOT NULL
        )
        """,
        """
        CREATE TABLE memberships (
            tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            is_active BOOLEAN NOT NULL,
            created_at \(timestamp) NOT NULL,
            PRIMARY KEY (tenant_id, user_id)
        )
        """,
        // The primary key serves "members of a tenant"; this serves "tenants of a user" (every request).
        "CREATE INDEX memberships_by_user ON memberships (user_id, tenant_id)",
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ]
}
