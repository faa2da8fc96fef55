import Core
import Foundation
import SQLPersistence
import TestSupport
import Testing

/// The invitation and API key parts of the `IdentityStore` contract, on each SQL engine.
@Suite("IdentityStore contract: invitations and API keys")
struct InvitationAndAPIKeyStoreContractTests {
    typealias Fixtures = IdentityStoreContractTests
    static let now = Fixtures.now

    /// A tenant with an inviting member, and an invitation for `email` created at `now` that expires in an hour.
    static func invitation(
        _ email: String, into tenant: Tenant, by inviter: User, role: RoleID = SystemRole.readOnlyUser, createdAt: Date = now
    ) throws -> Invitation {
        Invitation(
            id: InvitationID(UUID()), tenantID: tenant.id, email: try EmailAddress(email), roleID: role, invitedBy: inviter.id,
            createdAt: createdAt, expiresAt: createdAt.addingTimeInterval(3600)
        )
    }

    static func withTenant(_ backend: TestBackend, _ body: @Sendable (SQLIdentityStore, Tenant, User) async throws -> Void) async throws {
        try await Fixtures.withStore(backend) { store in
            let tenant = Fixtures.tenant("Acme")
            let inviter = try Fixtures.user("admin@example.com")
            try await store.insertTenant(tenant)
            try await store.insertUser(inviter)
            try await body(store, tenant, inviter)
        }
    }

    @Test("Invitations round-trip, by id only within their tenant, and by token digest", arguments: TestBackend.available)
    func invitationRoundTrip(backend: TestBackend) async throws {
        try await Self.withTenant(backend) { store, tenant, inviter in
            let other = Fixtures.tenant("Other")
            try await store.insertTenant(other)
            let invitation = try Self.invitation("ada@example.com", into: tenant, by: inviter)

            try await store.insertInvitation(invitation, tokenDigest: "digest-1")

            #expect(try await store.invitation(invitation.id, in: tenant.id) == invitation)
            #expect(try await store.invitation(invitation.id, in: other.id) == nil)
            #expect(try await store.invitation(tokenDigest: "digest-1") == invitation)
            #expect(try await store.invitation(tokenDigest: "digest-2") == nil)
            await #expect(throws: DomainError.self) {
                try await store.insertInvitation(try Self.invitation("bob@example.com", into: tenant, by: inviter), tokenDigest: "digest-1")
            }
        }
    }

    @Test("Listing pages newest first and filters by status at the given instant", arguments: TestBackend.available)
    func invitationList(backend: TestBackend) async throws {
        try await Self.withTenant(backend) { store, tenant, inviter in
            var ids: [InvitationID] = []
            for index in 0..<4 {
                let invitation = try Self.invitation(
                    "user\(index)@example.com", into: tenant, by: inviter, createdAt: Self.now.addingTimeInterval(Double(index))
                )
                try await store.insertInvitation(invitation, tokenDigest: "digest-\(index)")
                ids.append(invitation.id)
            }
            #expect(try await store.revokeInvitation(ids[0], in: tenant.id, at: Self.now))
            #expect(try await store.markInvitationAccepted(ids[1], at: Self.now))
            let later = Self.now.addingTimeInterval(3602)  // after ids[2] expired, before ids[3] did

            let all = try await store.invitations(in: tenant.id, status: nil, now: later, page: PageRequest(page: 1, limit: 3))
            let second = try await store.invitations(in: tenant.id, status: nil, now: later, page: PageRequest(page: 2, limit: 3))
            func only(_ status: Invitation.Status) async throws -> [InvitationID] {
                try await store.invitations(in: tenant.id, status: status, now: later, page: PageRequest(page: 1, limit: 10)).items.map(\.id)
            }

            #expect(all.items.map(\.id) == [ids[3], ids[2], ids[1]])
            #expect(all.total == 4)
            #expect(second.items.map(\.id) == [ids[0]])
            #expect(try await only(.revoked) == [ids[0]])
            #expect(try await only(.accepted) == [ids[1]])
            #expect(try await only(.expired) == [ids[2]])
            #expect(try await only(.pending) == [ids[3]])
            #expect(try await store.invitations(in: tenant.id, status: .pending, now: later, page: PageRequest(page: 1, limit: 10)).total == 1)
        }
    }

    @Test("Only a pending invitation is accepted or revoked, each once", arguments: TestBackend.available)
    func conditionalWrites(backend: TestBackend) async throws {
        try await Self.withTenant(backend) { store, tenant, inviter in
            let pending = try Self.invitation("a@example.com", into: tenant, by: inviter)
            let revoked = try Self.invitation("b@example.com", into: tenant, by: inviter)
            try await store.insertInvitation(pending, tokenDigest: "a")
            try await store.insertInvitation(revoked, tokenDigest: "b")
            #expect(try await store.hasPendingInvitation(for: EmailAddress("A@example.com"), in: tenant.id, now: Self.now))

            #expect(try await store.revokeInvitation(revoked.id, in: tenant.id, at: Self.now))
            #expect(try await !store.revokeInvitation(revoked.id, in: tenant.id, at: Self.now))
            #expect(try await !store.markInvitationAccepted(revoked.id, at: Self.now))
            #expect(try await !store.markInvitationAccepted(pending.id, at: pending.expiresAt))
            #expect(try await store.markInvitationAccepted(pending.id, at: Self.now))
            #expect(try await !store.markInvitationAccepted(pending.id, at: Self.now))
            #expect(try await !store.revokeInvitation(pending.id, in: tenant.id, at: Self.now))

            #expect(try await store.invitation(pending.id, in: tenant.id)?.status(at: Self.now) == .accepted)
            #expect(try await store.invitation(revoked.id, in: tenant.id)?.status(at: Self.now) == .revoked)
            #expect(try await !store.hasPendingInvitation(for: EmailAddress("a@example.com"), in: tenant.id, now: Self.now))
        }
    }

    @Test("Of concurrent accepts in transactions, exactly one claims the invitation", arguments: TestBackend.available)
    func concurrentAccepts(backend: TestBackend) async throws {
        try await Self.withTenant(backend) { store, tenant, inviter in
            let invitation = try Self.invitation("a@example.com", into: tenant, by: inviter)
            try await store.insertInvitation(invitation, tokenDigest: "a")

            // Two, not more: SQLite waits for its write lock on a blocking thread, and more waiters than
            // threads would stall the lock holder's COMMIT until the busy timeout.
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        try await store.transaction { store in
                            let claimed = try await store.markInvitationAccepted(invitation.id, at: Self.now)
                            try await Task.sleep(for: .milliseconds(20))  // hold the transaction open a little
                            return claimed
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }

            #expect(outcomes.filter { $0 }.count == 1)
        }
    }

    @Test("Deleting the tenant or the invited custom role removes the invitations", arguments: TestBackend.available)
    func invitationsFollowTenantAndRole(backend: TestBackend) async throws {
        try await Self.withTenant(backend) { store, tenant, inviter in
            let role = Role(
                id: RoleID(UUID()), tenantID: tenant.id, name: "Custom", description: nil, permissions: [.userRead],
                createdAt: Self.now, updatedAt: Self.now
            )
            try await store.insertRole(role)
            let forRole = try Self.invitation("a@example.com", into: tenant, by: inviter, role: role.id)
            let forSystemRole = try Self.invitation("b@example.com", into: tenant, by: inviter)
            try await store.insertInvitation(forRole, tokenDigest: "a")
            try await store.insertInvitation(forSystemRole, tokenDigest: "b")

            try await store.deleteRole(role.id, of: tenant.id)
            #expect(try await store.invitation(forRole.id, in: tenant.id) == nil)
            #expect(try await store.invitation(forSystemRole.id, in: tenant.id) != nil)

            try await store.deleteTenant(id: tenant.id)
            #expect(try await store.invitation(tokenDigest: "b") == nil)
            #expect(try await store.tenant(id: tenant.id) == nil)
        }
    }

    static func key(of user: User, scope: Set<Permission>?, createdAt: Date = now) -> APIKey {
        APIKey(
            id: APIKeyID(UUID()), userID: user.id, name: "ci", prefix: "vsk_abcdefgh", scope: scope, createdAt: createdAt,
            expiresAt: createdAt.addingTimeInterval(86_400)
        )
    }

    @Test("API keys round-trip with their scope, found by digest together with their owner", arguments: TestBackend.available)
    func apiKeyRoundTrip(backend: TestBackend) async throws {
        try await Fixtures.withStore(backend) { store in
            let owner = try Fixtures.user("ada@example.com")
            try await store.insertUser(owner)
            let keys = [
                Self.key(of: owner, scope: nil),
                Self.key(of: owner, scope: [], createdAt: Self.now.addingTimeInterval(1)),
                Self.key(of: owner, scope: [.userRead, .vmRead], createdAt: Self.now.addingTimeInterval(2)),
            ]
            for (index, key) in keys.enumerated() { try await store.insertAPIKey(key, digest: "digest-\(index)") }

            let found = try #require(try await store.apiKey(digest: "digest-2"))
            let page = try await store.apiKeys(of: owner.id, page: PageRequest(page: 1, limit: 2))

            #expect(found.key == keys[2])
            #expect(found.storedDigest == "digest-2")
            #expect(found.owner == owner)
            #expect(try await store.apiKey(digest: "digest-1")?.key.scope == [])
            #expect(try await store.apiKey(digest: "digest-0")?.key.scope == nil)
            #expect(try await store.apiKey(digest: "nope") == nil)
            #expect(page.items == Array(keys.prefix(2)))
            #expect(page.total == 3)
        }
    }

    @Test("A key is deleted only by its owner", arguments: TestBackend.available)
    func apiKeyDeletion(backend: TestBackend) async throws {
        try await Fixtures.withStore(backend) { store in
            let (owner, other) = (try Fixtures.user("ada@example.com"), try Fixtures.user("bob@example.com"))
            try await store.insertUser(owner)
            try await store.insertUser(other)
            let key = Self.key(of: owner, scope: nil)
            try await store.insertAPIKey(key, digest: "d")

            #expect(try await !store.deleteAPIKey(key.id, of: other.id))
            #expect(try await store.apiKey(digest: "d") != nil)
            #expect(try await store.deleteAPIKey(key.id, of: owner.id))
            #expect(try await !store.deleteAPIKey(key.id, of: owner.id))
            #expect(try await store.apiKey(digest: "d") == nil)
        }
    }

    @Test("Recording a use writes only when the last record is older than the interval", arguments: TestBackend.available)
    func apiKeyUse(backend: TestBackend) async throws {
        try await Fixtures.withStore(backend) { store in
            let owner = try Fixtures.user("ada@example.com")
            try await store.insertUser(owner)
            try await store.insertAPIKey(Self.key(of: owner, scope: nil), digest: "d")
            let (first, soon, later) = (Self.now, Self.now.addingTimeInterval(30), Self.now.addingTimeInterval(61))

            try await store.recordUse(of: try #require(try await store.apiKey(digest: "d")).key.id, at: first, unlessUsedAfter: first.addingTimeInterval(-60))
            let id = try #require(try await store.apiKey(digest: "d")).key.id
            try await store.recordUse(of: id, at: soon, unlessUsedAfter: soon.addingTimeInterval(-60))
            let afterSoon = try await store.apiKey(digest: "d")?.key.lastUsedAt
            try await store.recordUse(of: id, at: later, unlessUsedAfter: later.addingTimeInterval(-60))
            let afterLater = try await store.apiKey(digest: "d")?.key.lastUsedAt

            #expect(afterSoon == first)
            #expect(afterLater == later)
        }
    }
}
