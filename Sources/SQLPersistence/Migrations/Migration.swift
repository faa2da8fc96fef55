import SQLKit

/// One step of the schema's history. Landed migrations are never edited: a change is a new migration.
struct Migration: Sendable {
    let version: Int
    let name: String
    /// The statements to run, in order, inside one transaction.
    let statements: @Sendable (SQLBackend) -> [String]
    /// Work in Swift after the statements, in the same transaction: for values SQL cannot compute the
    /// same way on both engines (Unicode case folding).
    var backfill: (@Sendable (any SQLDatabase) async throws -> Void)? = nil
}

/// Every migration, oldest first. Append only.
let allMigrations: [Migration] = [
    foundationSchema,
    accessControlSchema,
    invitationsAndAPIKeysSchema,
    userSearchKey,
    loginFailuresSchema,
    computeSchema,
    simulatedMachinesSchema,
    vmTalliesSchema,
    identityGenerationSchema,
    hostHealthSchema,
    quotasSchema,
    idempotencyKeysSchema,
    auditTrailSchema,
    vmEventsSchema,
]
