import SQLKit
import SQLPersistence
import TestSupport
import Testing

@Suite("Migrations")
struct MigrationTests {
    @Test("An empty database gets every migration once, in order", arguments: TestBackend.available)
    func migratesEmptyDatabase(backend: TestBackend) async throws {
        try await withTestDatabase(backend) { database in
            try await withClient(database) { client in
                let migrator = Migrator(client: client, logger: testLogger)

                let applied = try await migrator.migrate()

                #expect(applied == applied.sorted())
                #expect(applied.first == 1)
                #expect(try await migrator.appliedVersions() == applied)
                // The schema is really there.
                _ = try await client.sql.raw("SELECT id, email_key FROM users").all()
            }
        }
    }

    @Test("An up-to-date database is left as it is", arguments: TestBackend.available)
    func upToDateDatabaseIsUntouched(backend: TestBackend) async throws {
        try await withTestDatabase(backend) { database in
            try await withClient(database) { client in
                let migrator = Migrator(client: client, logger: testLogger)
                let first = try await migrator.migrate()

                let second = try await migrator.migrate()

                #expect(second.isEmpty)
                #expect(try await migrator.appliedVersions() == first)
            }
        }
    }

    @Test("Concurrent migrators apply each migration exactly once", arguments: TestBackend.available)
    func concurrentMigrators(backend: TestBackend) async throws {
        try await withTestDatabase(backend) { database in
            try await withClient(database) { client in
                async let a = Migrator(client: client, logger: testLogger).migrate()
                async let b = Migrator(client: client, logger: testLogger).migrate()
                let (appliedA, appliedB) = try await (a, b)

                #expect(Set(appliedA).isDisjoint(with: appliedB))
                #expect((appliedA + appliedB).sorted() == (try await Migrator(client: client, logger: testLogger).appliedVersions()))
            }
        }
    }
}
