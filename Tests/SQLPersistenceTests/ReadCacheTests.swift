import Core
import Foundation
import SQLKit
import TestSupport
import Testing

@testable import SQLPersistence

/// The store caches the caller, API keys and member counts in memory (`GenerationCache`).
/// These tests prove that any commit (a repository method, a transaction, plain SQL that no
/// repository knows about, another connection, another process) makes the next read go to the
/// database again.
@Suite("Read cache invalidation")
struct ReadCacheTests {
    typealias Contract = IdentityStoreContractTests

    static func withStoreAndClient(
        _ backend: TestBackend, _ body: @Sendable (SQLIdentityStore, DatabaseClient) async throws -> Void
    ) async throws {
        try await withTestDatabase(backend) { database in
            try await withClient(database) { client in
                try await Migrator(client: client, logger: testLogger).migrate()
                try await body(SQLIdentityStore(client: client), client)
            }
        }
    }

    @Test("A write in plain SQL is seen by the next read of the user and of the caller", arguments: TestBackend.available)
    func plainSQLWrite(backend: TestBackend) async throws {
        try await Self.withStoreAndClient(backend) { store, client in
            let user = try Contract.user("ada@example.com")
            try await store.insertUser(user)
            #expect(try await store.user(id: user.id)?.firstName == "Ada")
            #expect(try await store.caller(userID: user.id, tenant: nil)?.0.firstName == "Ada")

            try await client.sql.raw("UPDATE users SET first_name = 'Grace' WHERE id = \(bind: user.id.description)").run()

            #expect(try await store.user(id: user.id)?.firstName == "Grace")
            #expect(try await store.caller(userID: user.id, tenant: nil)?.0.firstName == "Grace")
        }
    }

    @Test("VM and host writes leave the caches' counter alone; a write to any identity table moves it", arguments: TestBackend.available)
    func onlyIdentityWritesCount(backend: TestBackend) async throws {
        try await Self.withStoreAndClient(backend) { store, client in
            let compute = SQLComputeStore(client: client)
            let now = Date()
            let before = await client.changes.current()
            let host = HypervisorHost(
                id: HostID(UUID()), name: "h", driver: .simulated, uri: "simulated://h", enabled: true,
                capacity: HostCapacity(vcpus: 8, memoryGB: 8, diskGB: 8), createdAt: now, updatedAt: now
            )
            try await compute.transaction { try await $0.hosts.insertHost(host) }
            _ = try await compute.reserve(VMSize(cpu: 1, memoryGB: 1, diskGB: 1), on: host)

            #expect(before != nil)
            #expect(await client.changes.current() == before)

            // Every table the caches read from, written in plain SQL that no repository knows about.
            let user = try Contract.user("ada@example.com")
            try await store.insertUser(user)
            var last = await client.changes.current()
            #expect(last != before)
            for statement: SQLQueryString in [
                "UPDATE users SET first_name = 'Grace' WHERE id = \(bind: user.id.description)",
                "UPDATE roles SET description = 'changed'",
                "DELETE FROM role_permissions WHERE permission_id = 'vm:read'",
                "UPDATE permissions SET name = 'changed' WHERE id = 'vm:read'",
            ] {
                try await client.sql.raw(statement).run()
                let now = await client.changes.current()
                #expect(now != last, "\(statement)")
                last = now
            }
        }
    }

    @Test("Role and membership changes made in a transaction are seen by the next caller read", arguments: TestBackend.available)
    func transactionWrite(backend: TestBackend) async throws {
        try await Self.withStoreAndClient(backend) { store, _ in
            let user = try Contract.user("ada@example.com")
            let tenant = Contract.tenant("Acme")
            try await store.insertUser(user)
            try await store.insertTenant(tenant)
            try await store.insertMembership(Membership(userID: user.id, tenantID: tenant.id, isActive: true, createdAt: Contract.now))
            let before = try await store.caller(userID: user.id, tenant: tenant.id)
            #expect(before?.1.first?.permissions.isEmpty == true)

            let readOnly = try #require(try await store.roleID(named: "Read Only User", visibleIn: tenant.id))
            try await store.transaction { store in
                try await store.assign(readOnly, to: user.id, in: tenant.id, at: Contract.now)
            }
            #expect(try await store.caller(userID: user.id, tenant: tenant.id)?.1.first?.permissions.contains(Permission("user:read")) == true)

            try await store.transaction { store in
                _ = try await store.deleteMembership(userID: user.id, tenantID: tenant.id)
            }
            #expect(try await store.caller(userID: user.id, tenant: tenant.id)?.1.isEmpty == true)
        }
    }

    @Test("The member count of a page follows joins and removals", arguments: TestBackend.available)
    func memberCount(backend: TestBackend) async throws {
        try await Self.withStoreAndClient(backend) { store, _ in
            let tenant = Contract.tenant("Acme")
            try await store.insertTenant(tenant)
            let page = try PageRequest(page: 1, limit: 20)
            #expect(try await store.members(of: tenant.id, search: nil, page: page).total == 0)

            let user = try Contract.user("ada@example.com")
            try await store.insertUser(user)
            try await store.insertMembership(Membership(userID: user.id, tenantID: tenant.id, isActive: true, createdAt: Contract.now))
            #expect(try await store.members(of: tenant.id, search: nil, page: page).total == 1)

            _ = try await store.deleteMembership(userID: user.id, tenantID: tenant.id)
            #expect(try await store.members(of: tenant.id, search: nil, page: page).total == 0)
        }
    }

    @Test("An API key's revocation, scope change and use are seen by the next lookup", arguments: TestBackend.available)
    func apiKeys(backend: TestBackend) async throws {
        try await Self.withStoreAndClient(backend) { store, client in
            let owner = try Contract.user("ada@example.com")
            try await store.insertUser(owner)
            let key = InvitationAndAPIKeyStoreContractTests.key(of: owner, scope: [.userRead])
            try await store.insertAPIKey(key, digest: "digest")
            #expect(try await store.apiKey(digest: "digest")?.key.scope == [.userRead])

            try await client.sql.raw("UPDATE api_keys SET permission_ids = 'vm:read' WHERE id = \(bind: key.id.description)").run()
            #expect(try await store.apiKey(digest: "digest")?.key.scope == [.vmRead])

            try await store.recordUse(of: key.id, at: Contract.now, unlessUsedAfter: Contract.now.addingTimeInterval(-60))
            #expect(try await store.apiKey(digest: "digest")?.key.lastUsedAt == Contract.now)

            #expect(try await store.deleteAPIKey(key.id, of: owner.id))
            #expect(try await store.apiKey(digest: "digest") == nil)
        }
    }

    @Test(
        "A commit by another connection or another process is seen by the next read (SQLite) or within the age bound (PostgreSQL)",
        arguments: TestBackend.available
    )
    func outsideCommit(backend: TestBackend) async throws {
        try await withTestDatabase(backend) { database in
            try await withClient(database) { client in
                try await Migrator(client: client, logger: testLogger).migrate()
                let store = SQLIdentityStore(client: client)
                let user = try Contract.user("ada@example.com")
                try await store.insertUser(user)
                #expect(try await store.user(id: user.id)?.firstName == "Ada")
                #expect(try await store.caller(userID: user.id, tenant: nil)?.0.firstName == "Ada")

                try await withClient(database) { other in
                    try await other.sql.raw("UPDATE users SET first_name = 'Grace' WHERE id = \(bind: user.id.description)").run()
                }

                let bound = backend.crossProcessBound
                #expect(try await eventually(within: bound) { try await store.user(id: user.id)?.firstName } until: { $0 == "Grace" } == "Grace")
                #expect(
                    try await eventually(within: bound) { try await store.caller(userID: user.id, tenant: nil)?.0.firstName }
                        until: { $0 == "Grace" } == "Grace"
                )

                try await database.executeInAnotherProcess("UPDATE users SET first_name = 'Edsger' WHERE id = '\(user.id)'")

                #expect(try await eventually(within: bound) { try await store.user(id: user.id)?.firstName } until: { $0 == "Edsger" } == "Edsger")
                #expect(
                    try await eventually(within: bound) { try await store.caller(userID: user.id, tenant: nil)?.0.firstName }
                        until: { $0 == "Edsger" } == "Edsger"
                )
            }
        }
    }

    @Test("Naming tenants that do not exist fills no cache entry", arguments: TestBackend.available)
    func unknownTenantsNotKept(backend: TestBackend) async throws {
        try await Self.withStoreAndClient(backend) { store, _ in
            let cache = try #require(store.cache)
            let user = try Contract.user("ada@example.com")
            try await store.insertUser(user)
            _ = try await store.caller(userID: user.id, tenant: nil)

            for _ in 0..<100 {
                let record = try await store.caller(userID: user.id, tenant: TenantID(UUID()))
                #expect(record?.tenantExists == false)
            }

            #expect(cache.callers.count == 1)
        }
    }
}
