/// Failed password attempts per account and per client address, shared by every process of the
/// service (see `SQLLoginAttemptStore`). `scope` is `account` or `address`.
let loginFailuresSchema = Migration(version: 5, name: "login_failures") { backend in
    let timestamp = backend.timestampType
    return [
        """
        CREATE TABLE login_failures (
            scope TEXT NOT NULL,
            key TEXT NOT NULL,
            failures INTEGER NOT NULL,
            last_failure_at \(timestamp) NOT NULL,
            PRIMARY KEY (scope, key)
        )
        """,
        // Serves the periodic deletion of idle runs.
        "CREATE INDEX login_failures_by_last_failure ON login_failures (last_failure_at)",
    ]
}
