import SQLKit

/// `users.search_key`: email, first and last name case-folded in Swift (`SearchKey`), so that a search
/// for "émile" finds "Émile" on both engines (SQLite's `LOWER()` folds ASCII only, PostgreSQL's follows
/// the database's locale). Existing rows are filled in here, in Swift, the way the store writes new ones.
let userSearchKey = Migration(
    version: 4, name: "user_search_key",
    statements: { _ in ["ALTER TABLE users ADD COLUMN search_key TEXT NOT NULL DEFAULT ''"] },
    backfill: { database in
        for row in try await database.raw("SELECT id, email, first_name, last_name FROM users").all() {
            let key = SearchKey.of(
                email: try row.decode(column: "email", as: String.self), firstName: try row.decode(column: "first_name", as: String.self),
                lastName: try row.decode(column: "last_name", as: String.self)
            )
            try await database.raw(
                "UPDATE users SET search_key = \(bind: key) WHERE id = \(bind: try row.decode(column: "id", as: String.self))"
            ).run()
        }
    }
)
