/// Invitations into tenants and users' API keys. Both keep only a digest of their secret, unique so
/// that a lookup by digest is one index probe.
let invitationsAndAPIKeysSchema = Migration(version: 3, name: "invitations_and_api_keys") { backend in
    let timestamp = backend.timestampType
    return [
        // Deleting a custom role withdraws the invitations that would grant it; an inviter's account
        // going away leaves the invitation standing without `invited_by`.
        """
        CREATE TABLE invitations (
            id TEXT PRIMARY KEY,
            tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            email TEXT NOT NULL,
            role_id TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
            token_hash TEXT NOT NULL UNIQUE,
            invited_by TEXT REFERENCES users (id) ON DELETE SET NULL,
            created_at \(timestamp) NOT NULL,
            expires_at \(timestamp) NOT NULL,
            accepted_at \(timestamp),
            revoked_at \(timestamp)
        )
        """,
        // Serves the tenant's list, newest first, and its count.
        "CREATE INDEX invitations_by_tenant_created ON invitations (tenant_id, created_at, id)",
        // Serves "is there a pending invitation for this email here?".
        "CREATE INDEX invitations_by_tenant_email ON invitations (tenant_id, email)",
        """
        CREATE TABLE api_keys (
            id TEXT PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            prefix TEXT NOT NULL,
            key_hash TEXT NOT NULL UNIQUE,
            permission_ids TEXT,
            created_at \(timestamp) NOT NULL,
            expires_at \(timestamp),
            last_used_at \(timestamp)
        )
        """,
        "CREATE INDEX api_keys_by_user ON api_keys (user_id, created_at, id)",
    ]
}
