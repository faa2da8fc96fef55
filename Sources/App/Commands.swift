import Configuration
import Core
import Foundation
import Logging
import SQLPersistence
import SecurityAdapters

/// The one-shot operations of the CLI, run against the configured database.
public enum OperatorCommands {
    /// Applies pending migrations; returns the versions applied.
    public static func migrate(configuration: AppConfiguration, logger: Logger) async throws -> [Int] {
        let database = try DatabaseClient(
            location: configuration.database, poolWaitTimeout: configuration.databasePoolTimeout, logger: logger
        )
        return try await database.withRunning { database in
            try await Migrator(client: database, logger: logger).migrate()
        }
    }

    /// Migrates, then creates the superuser, the `Default` tenant and the membership (idempotent).
    public static func bootstrap(
        email: String, password: String, configuration: AppConfiguration, logger: Logger
    ) async throws -> BootstrapService.Outcome {
        let database = try DatabaseClient(
            location: configuration.database, poolWaitTimeout: configuration.databasePoolTimeout, logger: logger
        )
        return try await database.withRunning { database in
            try await Migrator(client: database, logger: logger).migrate()
            let core = CoreServices(configuration: configuration, database: database, logger: logger)
            return try await core.bootstrap.bootstrap(email: email, password: password)
        }
    }

    /// Checks the audit trail's hash chain (read-only).
    public static func verifyAudit(configuration: AppConfiguration, logger: Logger) async throws -> AuditTrail.Verification {
        let database = try DatabaseClient(
            location: configuration.database, poolWaitTimeout: configuration.databasePoolTimeout, logger: logger
        )
        return try await database.withRunning { database in
            try await AuditTrail(store: SQLAuditTrail(client: database), digests: SHA256SecretTokens(), environment: .live).verify()
        }
    }
}
