import Core
import Foundation
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

    @Test("Migration 4 fills in the search key of existing accounts, folded beyond ASCII", arguments: TestBackend.available)
    func searchKeyBackfill(backend: TestBackend) async throws {
        try await withTestDatabase(backend) { database in
            try await withClient(database) { client in
                let migrator = Migrator(client: client, logger: testLogger)
                try await migrator.migrate(through: 3)
                let epoch = backend == .postgres ? "TIMESTAMPTZ 'epoch'" : "0"
                let (tenant, user) = (UUID().uuidString.lowercased(), UUID().uuidString.lowercased())
                for statement in [
                    "INSERT INTO tenants (id, name, name_key, is_active, created_at, updated_at) VALUES ('\(tenant)', 'A', 'a', TRUE, \(epoch), \(epoch))",
                    """
                    INSERT INTO users (id, email, email_key, first_name, last_name, password_hash, is_active, is_superuser,
                        tokens_valid_after, created_at, updated_at)
                    VALUES ('\(user)', 'Emile@Example.com', 'emile@example.com', 'Émile', 'ZOLA', 'x', TRUE, FALSE, \(epoch), \(epoch), \(epoch))
                    """,
                    "INSERT INTO memberships (tenant_id, user_id, is_active, created_at) VALUES ('\(tenant)', '\(user)', TRUE, \(epoch))",
                ] {
                    try await client.sql.raw(SQLQueryString(statement)).run()
                }

                #expect(try await migrator.migrate(through: 4) == [4])

                let store = SQLIdentityStore(client: client)
                let tenantID = try #require(TenantID(tenant))
                for term in ["émile", "ÉMILE", "zola", "emile@"] {
                    let page = try await store.members(of: tenantID, search: term, page: PageRequest(page: 1, limit: 10))
                    #expect(page.items.map(\.profile.id.description) == [user], "\(term)")
                }
            }
        }
    }

    @Test("Migration 8 counts the VMs that exist into the tallies, deleting ones left out", arguments: TestBackend.available)
    func vmTalliesBackfill(backend: TestBackend) async throws {
        try await withTestDatabase(backend) { database in
            try await withClient(database) { client in
                let migrator = Migrator(client: client, logger: testLogger)
                try await migrator.migrate(through: 7)
                let epoch = backend == .postgres ? "TIMESTAMPTZ 'epoch'" : "0"
                let tenant = UUID().uuidString.lowercased()
                try await client.sql.raw(
                    SQLQueryString("INSERT INTO tenants (id, name, name_key, is_active, created_at, updated_at) VALUES ('\(tenant)', 'A', 'a', TRUE, \(epoch), \(epoch))")
                ).run()
                let compute = SQLComputeStore(client: client)
                let now = Date(timeIntervalSince1970: 1_800_000_000)
                let host = HypervisorHost(
                    id: HostID(UUID()), name: "h", driver: .simulated, uri: "simulated://h", enabled: true,
                    capacity: HostCapacity(vcpus: 8, memoryGB: 8, diskGB: 8), createdAt: now, updatedAt: now
                )
                try await compute.insertHost(host)
                let states: [(VMStatus, VMTask?)] = [(.running, nil), (.running, nil), (.stopped, nil), (.running, .deleting)]
                for (index, state) in states.enumerated() {
                    try await compute.insertVM(
                        VirtualMachine(
                            id: VMID(UUID()), tenantID: try #require(TenantID(tenant)), name: "vm-\(index)", status: state.0, task: state.1,
                            size: VMSize(cpu: 1, memoryGB: 1, diskGB: 1), source: .iso("https://example.com/a.iso"), templateName: nil,
                            hostID: host.id, ipAddress: nil, createdAt: now, updatedAt: now
                        )
                    )
                }

                #expect(try await migrator.migrate(through: 8) == [8])

                let tenantID = try #require(TenantID(tenant))
                func total(_ status: VMStatus?) async throws -> Int {
                    try await compute.vms(in: tenantID, filter: VMFilter(status: status), page: PageRequest(page: 1, limit: 1)).total
                }
                #expect(try await total(nil) == 3)
                #expect(try await total(.running) == 2)
                #expect(try await total(.stopped) == 1)
            }
        }
    }
}
