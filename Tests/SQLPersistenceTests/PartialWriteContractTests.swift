import Core
import Foundation
import SQLPersistence
import TestSupport
import Testing

/// Writes change only what they name, and `locked…` reads hold their row until the transaction ends.
@Suite("Partial writes and row locks")
struct PartialWriteContractTests {
    typealias Contract = IdentityStoreContractTests

    @Test("Tenant patches change only their fields: a rename and a deactivation both survive", arguments: TestBackend.available)
    func tenantPatches(backend: TestBackend) async throws {
        try await Contract.withStore(backend) { store in
            let tenant = Contract.tenant("Acme")
            try await store.insertTenant(tenant)
            let later = Contract.now.addingTimeInterval(60)

            let renamed = try await store.updateTenant(tenant.id, TenantPatch(name: "Acme Ltd"), at: later)
            let deactivated = try await store.updateTenant(tenant.id, TenantPatch(isActive: false), at: later)
            let described = try await store.updateTenant(tenant.id, TenantPatch(description: .some("Hosting")), at: later)
            let cleared = try await store.updateTenant(tenant.id, TenantPatch(description: .some(nil)), at: later)

            #expect(renamed?.name == "Acme Ltd" && renamed?.isActive == true)
            #expect(deactivated?.name == "Acme Ltd" && deactivated?.isActive == false)
            #expect(described?.description == "Hosting" && described?.isActive == false)
            #expect(cleared?.description == nil && cleared?.name == "Acme Ltd")
            #expect(try await store.tenant(named: "acme ltd")?.id == tenant.id, "the name key follows the name")
            #expect(try await store.updateTenant(TenantID(UUID()), TenantPatch(isActive: false), at: later) == nil)
        }
    }

    @Test("Role patches change only their fields; the permission set is replaced only when given", arguments: TestBackend.available)
    func rolePatches(backend: TestBackend) async throws {
        try await Contract.withStore(backend) { store in
            let tenant = Contract.tenant("Acme")
            try await store.insertTenant(tenant)
            let role = Role(
                id: RoleID(UUID()), tenantID: tenant.id, name: "Auditors", description: "Read things",
                permissions: [.userRead, .roleRead], createdAt: Contract.now, updatedAt: Contract.now
            )
            try await store.insertRole(role)

            try await store.updateRole(role.id, of: tenant.id, RolePatch(name: "Reviewers"), at: Contract.now)
            let renamed = try await store.role(role.id, visibleIn: tenant.id)
            try await store.updateRole(role.id, of: tenant.id, RolePatch(permissions: [.vmRead]), at: Contract.now)
            let narrowed = try await store.role(role.id, visibleIn: tenant.id)

            #expect(renamed?.name == "Reviewers" && renamed?.description == "Read things" && renamed?.permissions == [.userRead, .roleRead])
            #expect(narrowed?.name == "Reviewers" && narrowed?.permissions == [.vmRead])
        }
    }

    @Test("Names and membership switches are separate writes", arguments: TestBackend.available)
    func userAndMembershipWrites(backend: TestBackend) async throws {
        try await Contract.withStore(backend) { store in
            let user = try Contract.user("ada@example.com")
            let tenant = Contract.tenant("Acme")
            try await store.insertUser(user)
            try await store.insertTenant(tenant)
            try await store.insertMembership(Membership(userID: user.id, tenantID: tenant.id, isActive: true, createdAt: Contract.now))

            #expect(try await store.updateNames(of: user.id, firstName: nil, lastName: "King", at: Contract.now))
            #expect(try await store.setMembershipActive(userID: user.id, tenantID: tenant.id, isActive: false))
            #expect(try await !store.updateNames(of: UserID(UUID()), firstName: "X", lastName: nil, at: Contract.now))
            #expect(try await !store.setMembershipActive(userID: user.id, tenantID: TenantID(UUID()), isActive: false))

            let stored = try #require(try await store.user(id: user.id))
            #expect(stored.firstName == "Ada" && stored.lastName == "King" && stored.passwordHash == user.passwordHash)
            #expect(try await store.membership(userID: user.id, tenantID: tenant.id)?.isActive == false)
            #expect(try await store.deleteMembership(userID: user.id, tenantID: tenant.id))
            #expect(try await !store.deleteMembership(userID: user.id, tenantID: tenant.id))
        }
    }

    /// Records the order in which concurrent transactions got somewhere.
    actor Timeline {
        var events: [String] = []
        func record(_ event: String) { events.append(event) }
    }

    enum LockedRow: String, CaseIterable, Sendable { case tenant, user, membership, customRole }

    static let backendsAndRows: [(TestBackend, LockedRow)] = TestBackend.available.flatMap { backend in
        LockedRow.allCases.map { (backend, $0) }
    }

    @Test("A transaction that holds a locked row keeps a second one waiting at the same lock until it ends", arguments: backendsAndRows)
    func lockedReadsWait(backend: TestBackend, row: LockedRow) async throws {
        try await Contract.withStore(backend) { store in
            let tenant = Contract.tenant("Acme")
            let user = try Contract.user("ada@example.com")
            let role = Role(
                id: RoleID(UUID()), tenantID: tenant.id, name: "Auditors", description: nil, permissions: [.userRead],
                createdAt: Contract.now, updatedAt: Contract.now
            )
            try await store.insertTenant(tenant)
            try await store.insertUser(user)
            try await store.insertMembership(Membership(userID: user.id, tenantID: tenant.id, isActive: true, createdAt: Contract.now))
            try await store.insertRole(role)
            @Sendable func lock(_ store: any IdentityStore) async throws -> Bool {
                switch row {
                case .tenant: try await store.lockedTenant(tenant.id) != nil
                case .user: try await store.lockedUser(user.id) != nil
                case .membership: try await store.lockedMembership(userID: user.id, tenantID: tenant.id) != nil
                case .customRole: try await store.lockedRole(role.id, visibleIn: tenant.id) != nil
                }
            }
            let timeline = Timeline()
            let (locked, signal) = AsyncStream<Void>.makeStream()

            let holder = Task {
                try await store.transaction { store in
                    let held = try await lock(store)
                    #expect(held)
                    signal.yield()
                    // Long enough for the second transaction to get past its lock, were there none.
                    try await Task.sleep(for: .milliseconds(300))
                    await timeline.record("first ends")
                }
            }
            for await _ in locked { break }
            try await store.transaction { store in
                let held = try await lock(store)
                #expect(held)
                await timeline.record("second holds the row")
            }
            try await holder.value

            #expect(await timeline.events == ["first ends", "second holds the row"])
        }
    }
}
