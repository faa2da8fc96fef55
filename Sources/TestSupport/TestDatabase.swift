import Foundation
import Logging
import SQLKit
import SQLPersistence

/// The database engines every persistence and API test runs against.
public enum TestBackend: String, Sendable, CaseIterable {
    case sqlite
    case postgres

    /// SQLite always; PostgreSQL when a server is provided (`scripts/with-postgres.sh` does that).
    public static var available: [TestBackend] {
        postgresAdminURL == nil ? [.sqlite] : [.sqlite, .postgres]
    }

    /// URL of a PostgreSQL database allowed to create and drop test databases.
    public static var postgresAdminURL: String? {
        ProcessInfo.processInfo.environment["VIRTUALSTACK_TEST_POSTGRES_URL"]
    }
}

/// A database that exists only for one test: a temporary SQLite file, or a PostgreSQL database
/// created on the test server. `withTestDatabase` removes it afterwards, whatever the outcome.
public struct TestDatabase: Sendable {
    public let backend: TestBackend
    /// A `VIRTUALSTACK_DATABASE_URL` pointing at this database.
    public let url: String

    public var location: DatabaseLocation {
        get throws { try DatabaseLocation(url: url) }
    }
}

public let testLogger: Logger = {
    var logger = Logger(label: "virtualstack.test")
    logger.logLevel = .warning
    return logger
}()

public func withTestDatabase<R: Sendable>(
    _ backend: TestBackend, _ body: @Sendable (TestDatabase) async throws -> R
) async throws -> R {
    let name = "vs_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
    switch backend {
    case .sqlite:
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await body(TestDatabase(backend: .sqlite, url: "sqlite://" + directory.appendingPathComponent("test.sqlite").path))
    case .postgres:
        guard let adminURL = TestBackend.postgresAdminURL, var components = URLComponents(string: adminURL) else {
            throw TestDatabaseError.postgresNotConfigured
        }
        try await postgresAdmin(adminURL, "CREATE DATABASE \(name)")
        components.path = "/" + name
        do {
            let result = try await body(TestDatabase(backend: .postgres, url: components.string!))
            try await postgresAdmin(adminURL, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            return result
        } catch {
            try? await postgresAdmin(adminURL, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            throw error
        }
    }
}

/// Runs one statement as the PostgreSQL test administrator (create or drop a database).
public func postgresAdmin(_ adminURL: String, _ statement: String) async throws {
    let client = try DatabaseClient(location: DatabaseLocation(url: adminURL), maximumConnections: 1, logger: testLogger)
    try await client.withRunning { client in
        try await client.sql.raw(SQLQueryString(statement)).run()
    }
}

/// Opens `database` with a running pool for the duration of `body`.
public func withClient<R: Sendable>(_ database: TestDatabase, _ body: @Sendable (DatabaseClient) async throws -> R) async throws -> R {
    try await DatabaseClient(location: database.location, logger: testLogger).withRunning(body)
}

public enum TestDatabaseError: Error {
    case postgresNotConfigured
}

/// Runs one statement directly, as an operator or another program would (for states no endpoint
/// reaches, such as a disabled account).
public func execute(_ statement: String, on client: DatabaseClient) async throws {
    try await client.sql.raw(SQLQueryString(statement)).run()
}
