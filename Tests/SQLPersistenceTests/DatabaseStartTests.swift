import SQLKit
import SQLPersistence
import TestSupport
import Testing

/// Queries issued while the pool is still starting wait for it, so PostgresNIO never warns that its
/// client was used before it ran (the warning reached operators running `virtualstack migrate`).
@Suite("Database start")
struct DatabaseStartTests {
    @Test("Queries at once after start and through migration log no warning", arguments: TestBackend.available)
    func noEarlyLease(backend: TestBackend) async throws {
        try await withTestDatabase(backend) { database in
            let recorder = LogRecorder()
            for _ in 0..<5 {
                let client = try DatabaseClient(location: database.location, logger: recorder.logger)
                try await client.withRunning { client in
                    _ = try await client.sql.raw("SELECT 1 AS one").first()
                    try await Migrator(client: client, logger: recorder.logger).migrate()
                }
            }

            #expect(recorder.recorded.isEmpty, "\(recorder.recorded)")
        }
    }
}
