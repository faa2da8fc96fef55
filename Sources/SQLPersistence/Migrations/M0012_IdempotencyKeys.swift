/// Idempotency keys: one row per (caller, key), claimed by the first request under a random token and
/// holding its answer once it has one (`status` null while the request is at work). The answer is
/// JSON text, as every answer of the API. Rows are pruned by age (`created_at`).
let idempotencyKeysSchema = Migration(version: 12, name: "idempotency_keys") { backend in
    [
        """
        CREATE TABLE idempotency_keys (
            caller TEXT NOT NULL,
            key TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            claim_token TEXT NOT NULL,
            claimed_at \(backend.timestampType) NOT NULL,
            status INTEGER,
            content_type TEXT,
            location TEXT,
            body TEXT,
            created_at \(backend.timestampType) NOT NULL,
            PRIMARY KEY (caller, key)
        )
        """,
        "CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at)",
    ]
}
