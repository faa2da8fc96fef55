/// One step of the schema's history. Landed migrations are never edited: a change is a new migration.
struct Migration: Sendable {
    let version: Int
    let name: String
    /// The statements to run, in order, inside one transaction.
    let statements: @Sendable (SQLBackend) -> [String]
}

/// Every migration, oldest first. Append only.
let allMigrations: [Migration] = [
    foundationSchema,
    accessControlSchema,
    invitationsAndAPIKeysSchema,
    loginFailuresSchema,
]
