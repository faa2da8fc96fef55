import Core
import Foundation
import SQLPersistence
import TestSupport
import Testing

/// The contract every `IdentityStore` adapter must honour, run on each SQL engine.
@Suite("IdentityStore contract")
struct IdentityStoreContractTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func user(_ email: String, superuser: Bool = false) throws -> User {
        User(
            id: UserID(UUID()), email: try EmailAddress(email), firstName: "Ada", lastName: "Lovelace",
            passwordHash: "$2b$10$hash", isActive: true, isSuperuser: superuser,
            tokensValidAfter: Date(timeIntervalSince1970: 0), createdAt: now, updatedAt: now
        )
    }

    static func tenant(_ name: String) -> Tenant {
        Tenant(id: TenantID(UUID()), name: name, description: nil, isActive: true, createdAt: now, updatedAt: now)
    }

    /// A migrated store on a fresh database of `backend`.
    static func withStore(_ backend: TestBackend, _ body: @Sendable (SQLIdentityStore) async throws -> Void) async throws {
        try await withTestDatabase(backend) { database in
            try await withClient(database) { client in
                try await Migrator(client: client, logger: testLogger).migrate()
                try await body(SQLIdentityStore(client: client))
            }
        }
    }

    @Test("Users round-trip and are found by email case-insensitively", arguments: TestBackend.available)
    func userRoundTrip(backend: TestBackend) async throws {
        try await Self.withStore(backend) { store in
            let user = try Self.user("Ada@Example.com")
            try await store.insertUser(user)

            let byID = try await store.user(id: user.id)
            let byEmail = try await store.user(email: EmailAddress("ada@EXAMPLE.com"))

            #expect(byID == user)
            #expect(byEmail?.id == user.id)
            #expect(byEmail?.email.value == "Ada@Example.com")
            #expect(try await store.countUsers() == 1)
            #expect(try await store.user(id: UserID(UUID())) == nil)
        }
    }

    @Test("A second account with the same email in other case is a conflict", arguments: TestBackend.available)
    func duplicateEmail(backend: TestBackend) async throws {
        try await Self.withStore(backend) { store in
            try await store.insertUser(try Self.user("ada@example.com"))

            await #expect(throws: DomainError.self) {
                try await store.insertUser(try Self.user("ADA@example.com"))
            }
            #expect(try await store.countUsers() == 1)
        }
    }

    @Test("Tenant names are unique case-insensitively", arguments: TestBackend.available)
    func duplicateTenantName(backend: TestBackend) async throws {
        try await Self.withStore(backend) { store in
            try await store.insertTenant(Self.tenant("Acme"))

            let error = await #expect(throws: DomainError.self) { try await store.insertTenant(Self.tenant("acme")) }

            #expect(error?.code == .conflict)
            #expect(try await store.tenant(named: "ACME")?.name == "Acme")
        }
    }

    @Test("caller() loads the user with every membership, or only the requested one", arguments: TestBackend.available)
    func callerStandings(backend: TestBackend) async throws {
        try await Self.withStore(backend) { store in
            let user = try Self.user("ada@example.com")
            let (a, b, c) = (Self.tenant("A"), Self.tenant("B"), Self.tenant("C"))
            try await store.insertUser(user)
            for tenant in [a, b, c] { try await store.insertTenant(tenant) }
            try await store.insertMembership(Membership(userID: user.id, tenantID: a.id, isActive: true, createdAt: Self.now))
            try await store.insertMembership(Membership(userID: user.id, tenantID: b.id, isActive: false, createdAt: Self.now))

            let all = try #require(try await store.caller(userID: user.id, tenant: nil))
            let onlyB = try #require(try await store.caller(userID: user.id, tenant: b.id))
            let notMember = try #require(try await store.caller(userID: user.id, tenant: c.id))
            let unknownTenant = try #require(try await store.caller(userID: user.id, tenant: TenantID(UUID())))

            #expect(all.0 == user)
            #expect(Set(all.1.map(\.tenantID)) == [a.id, b.id])
            #expect(onlyB.1 == [TenantStanding(tenantID: b.id, isActive: false, permissions: [])])
            #expect(onlyB.tenantExists)
            #expect(notMember.1.isEmpty && notMember.tenantExists)
            #expect(unknownTenant.1.isEmpty && !unknownTenant.tenantExists)
            #expect(try await store.caller(userID: UserID(UUID()), tenant: nil) == nil)
        }
    }

    @Test("A failed transaction leaves nothing behind", arguments: TestBackend.available)
    func transactionRollsBack(backend: TestBackend) async throws {
        struct Boom: Error {}
        try await Self.withStore(backend) { store in
            let user = try Self.user("ada@example.com")

            await #expect(throws: Boom.self) {
                try await store.transaction { store in
                    try await store.insertUser(user)
                    try await store.insertTenant(Self.tenant("A"))
                    throw Boom()
                }
            }

            #expect(try await store.user(id: user.id) == nil)
            #expect(try await store.tenant(named: "A") == nil)
        }
    }

    @Test("Settings keep the first value stored under a key", arguments: TestBackend.available)
    func settingsFirstWriterWins(backend: TestBackend) async throws {
        try await withTestDatabase(backend) { database in
            try await withClient(database) { client in
                try await Migrator(client: client, logger: testLogger).migrate()
                let settings = SQLSettingsStore(client: client)

                let first = try await settings.valueInsertingIfAbsent(key: "k", value: "one")
                let second = try await settings.valueInsertingIfAbsent(key: "k", value: "two")

                #expect(first == "one")
                #expect(second == "one")
            }
        }
    }
}

/// Writers queue for the database's write lock; none may starve the transaction that holds it.
@Suite("Concurrent write transactions")
struct ConcurrentWriteTests {
    @Test("Sixteen concurrent two-statement transactions all commit", arguments: TestBackend.available)
    func concurrentTransactions(backend: TestBackend) async throws {
        try await IdentityStoreContractTests.withStore(backend) { store in
            // A starved transaction is not slow but fails: the pool gives up on its connection request
            // after 10 s (`connectionRequestTimeout`), which is what this test caught before SQLite got
            // a thread per connection. No timing bound here: the full suite loads the CPU too much.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<16 {
                    group.addTask {
                        try await store.transaction { store in
                            try await store.insertTenant(IdentityStoreContractTests.tenant("first \(index)"))
                            try await store.insertTenant(IdentityStoreContractTests.tenant("second \(index)"))
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await store.allTenants().count == 32)
        }
    }

    @Test("A transaction whose task is cancelled midway rolls back and frees the connection", arguments: TestBackend.available)
    func cancelledTransaction(backend: TestBackend) async throws {
        try await IdentityStoreContractTests.withStore(backend) { store in
            let (started, signal) = AsyncStream<Void>.makeStream()
            let doomed = Task {
                try await store.transaction { store in
                    try await store.insertTenant(IdentityStoreContractTests.tenant("doomed"))
                    signal.yield()
                    while !Task.isCancelled { await Task.yield() }
                    throw CancellationError()
                }
            }
            for await _ in started { break }
            doomed.cancel()
            _ = await doomed.result

            // Had the ROLLBACK been skipped, the connection would hold an open transaction (and, on
            // SQLite, the write lock): this transaction would fail, or see the doomed row.
            try await store.transaction { try await $0.insertTenant(IdentityStoreContractTests.tenant("next")) }
            #expect(try await store.allTenants().map(\.name) == ["next"])
        }
    }
}

@Suite("Member pages")
struct MemberPageTests {
    typealias Contract = IdentityStoreContractTests

    @Test("A page holds `limit` members whatever their number of roles, each with its roles by name", arguments: TestBackend.available)
    func pagesWithSeveralRoles(backend: TestBackend) async throws {
        try await Contract.withStore(backend) { store in
            let tenant = Contract.tenant("Acme")
            try await store.insertTenant(tenant)
            var users: [User] = []
            for (index, email) in ["a@example.com", "b@example.com", "c@example.com"].enumerated() {
                let user = try Contract.user(email, superuser: index == 1)
                users.append(user)
                try await store.insertUser(user)
                let joined = Contract.now.addingTimeInterval(Double(index))
                try await store.insertMembership(Membership(userID: user.id, tenantID: tenant.id, isActive: true, createdAt: joined))
            }
            let admin = try #require(try await store.roleID(named: "Tenant Admin", visibleIn: tenant.id))
            let readOnly = try #require(try await store.roleID(named: "Read Only User", visibleIn: tenant.id))
            try await store.assign(admin, to: users[0].id, in: tenant.id, at: Contract.now)
            try await store.assign(readOnly, to: users[0].id, in: tenant.id, at: Contract.now)
            try await store.assign(readOnly, to: users[2].id, in: tenant.id, at: Contract.now)

            let first = try await store.members(of: tenant.id, search: nil, page: PageRequest(page: 1, limit: 2))
            let second = try await store.members(of: tenant.id, search: nil, page: PageRequest(page: 2, limit: 2))

            #expect(first.total == 3)
            #expect(first.items.map(\.profile) == [MemberProfile(users[0]), MemberProfile(users[1])])
            #expect(first.items.map(\.membership.createdAt) == [Contract.now, Contract.now.addingTimeInterval(1)])
            #expect(first.items.allSatisfy { $0.membership.isActive && $0.membership.tenantID == tenant.id })
            #expect(first.items.map(\.roleNames) == [["Read Only User", "Tenant Admin"], []])
            #expect(second.items.map(\.profile.id) == [users[2].id])
            #expect(second.items.map(\.roleNames) == [["Read Only User"]])
        }
    }
}
