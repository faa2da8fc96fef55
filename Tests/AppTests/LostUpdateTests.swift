import Core
import Foundation
import SQLPersistence
import SecurityAdapters
import TestSupport
import Testing

/// Two requests that change different fields of one account at the same time must both survive. The
/// password change is stopped inside bcrypt (after it read the account) while the other write runs, so
/// the interleaving that used to lose a write happens every time.
@Suite("Concurrent writes")
struct LostUpdateTests {
    /// A migrated store with the bootstrap superuser, the `Default` tenant and a member Ada whose
    /// password is `old-password`.
    struct World: Sendable {
        let store: SQLIdentityStore
        let throttle: LoginThrottle
        let admin: TenantAccess
        let ada: User

        func members(_ hasher: some PasswordHasher) -> MemberService {
            MemberService(store: store, hasher: hasher, environment: .live)
        }

        func profile(_ hasher: some PasswordHasher) -> ProfileService {
            ProfileService(store: store, hasher: hasher, environment: .live, throttle: throttle)
        }

        var adaPrincipal: Principal { Principal(user: ada, credential: .accessToken) }
    }

    static func withWorld(_ backend: TestBackend, _ body: @Sendable (World) async throws -> Void) async throws {
        try await withTestDatabase(backend) { database in
            try await withClient(database) { client in
                try await Migrator(client: client, logger: testLogger).migrate()
                let store = SQLIdentityStore(client: client)
                let hasher = BcryptPasswordHasher(cost: 10, threads: 1)
                guard case .created(let adminID) = try await BootstrapService(store: store, hasher: hasher, environment: .live)
                    .bootstrap(email: "root@example.com", password: "root-password")
                else { Issue.record("bootstrap created nothing"); return }
                let admin = try #require(try await store.user(id: adminID))
                let tenant = try #require(try await store.tenant(named: Tenant.defaultName))
                let access = TenantAccess(principal: Principal(user: admin, credential: .accessToken), tenantID: tenant.id, permissions: [])
                let member = try await MemberService(store: store, hasher: hasher, environment: .live).create(
                    in: access,
                    .init(email: "ada@example.com", password: "old-password", firstName: "Ada", lastName: "Lovelace", roleIDs: [])
                )
                let ada = try #require(try await store.user(id: member.profile.id))
                let throttle = LoginThrottle(policy: .init(), store: SQLLoginAttemptStore(client: client))
                try await body(World(store: store, throttle: throttle, admin: access, ada: ada))
            }
        }
    }

    static let backendsAndSteps: [(TestBackend, GatedHasher.Step)] = TestBackend.available.flatMap { [($0, .verify), ($0, .hash)] }

    @Test("An admin renames a user while the user's password change is inside bcrypt: both changes survive", arguments: backendsAndSteps)
    func renameDuringPasswordChange(backend: TestBackend, step: GatedHasher.Step) async throws {
        try await Self.withWorld(backend) { world in
            let hasher = GatedHasher(holding: step == .verify ? "old-password" : "new-password", at: step)
            let change = Task {
                try await world.profile(hasher).update(world.adaPrincipal, .init(newPassword: "new-password", currentPassword: "old-password"), clientAddress: nil)
            }
            #expect(await hasher.checkpoint.reached(), "the password change never reached bcrypt")

            _ = try await world.members(hasher).update(in: world.admin, userID: world.ada.id, firstName: "Augusta", lastName: "King", isActive: nil)
            hasher.checkpoint.release()
            _ = try await change.value

            let stored = try #require(try await world.store.user(id: world.ada.id))
            #expect(stored.firstName == "Augusta" && stored.lastName == "King", "the rename was lost")
            #expect(await hasher.base.verify("new-password", against: stored.passwordHash), "the password change was lost")
            #expect(stored.tokensValidAfter > world.ada.tokensValidAfter, "older tokens were not revoked")
        }
    }

    @Test("The user renames themself while their password change is inside bcrypt: both changes survive", arguments: TestBackend.available)
    func ownRenameDuringPasswordChange(backend: TestBackend) async throws {
        try await Self.withWorld(backend) { world in
            let hasher = GatedHasher(holding: "new-password", at: .hash)
            let profile = world.profile(hasher)
            let change = Task { try await profile.update(world.adaPrincipal, .init(newPassword: "new-password", currentPassword: "old-password"), clientAddress: nil) }
            #expect(await hasher.checkpoint.reached())

            _ = try await profile.update(world.adaPrincipal, .init(firstName: "Augusta"), clientAddress: nil)
            hasher.checkpoint.release()
            let answered = try await change.value

            let stored = try #require(try await world.store.user(id: world.ada.id))
            #expect(stored.firstName == "Augusta")
            #expect(answered.firstName == "Augusta", "the answer shows the account as stored")
            #expect(await hasher.base.verify("new-password", against: stored.passwordHash))
        }
    }

    @Test("Of two password changes checked against the same current password, the second to finish is 409", arguments: TestBackend.available)
    func concurrentPasswordChanges(backend: TestBackend) async throws {
        try await Self.withWorld(backend) { world in
            let hasher = GatedHasher(holding: "first-new-password", at: .hash)
            let profile = world.profile(hasher)
            let first = Task {
                try await profile.update(world.adaPrincipal, .init(newPassword: "first-new-password", currentPassword: "old-password"), clientAddress: nil)
            }
            #expect(await hasher.checkpoint.reached())

            _ = try await profile.update(world.adaPrincipal, .init(newPassword: "second-new-password", currentPassword: "old-password"), clientAddress: nil)
            hasher.checkpoint.release()

            await #expect(throws: DomainError.conflict("The password was changed meanwhile; log in again and retry")) {
                try await first.value
            }
            let stored = try #require(try await world.store.user(id: world.ada.id))
            #expect(await hasher.base.verify("second-new-password", against: stored.passwordHash))
        }
    }

    @Test("A rename never writes the password back: tokens revoked by a password change stay revoked", arguments: TestBackend.available)
    func renameAfterPasswordChange(backend: TestBackend) async throws {
        try await Self.withWorld(backend) { world in
            // What the old code did in the other order: the rename read the account, the password
            // changed, the rename wrote the account it had read. The store has no such write any more:
            // names and password are separate statements that touch only their own columns.
            let later = Date().addingTimeInterval(60)
            #expect(
                try await world.store.replacePassword(
                    of: world.ada.id, expectedHash: world.ada.passwordHash, newHash: "$2b$10$new", tokensValidAfter: later, at: later
                )
            )
            #expect(try await world.store.updateNames(of: world.ada.id, firstName: "Augusta", lastName: nil, at: later))

            let stored = try #require(try await world.store.user(id: world.ada.id))
            #expect(stored.passwordHash == "$2b$10$new")
            #expect(abs(stored.tokensValidAfter.timeIntervalSince(later)) < 0.001)
            #expect(stored.firstName == "Augusta" && stored.lastName == "Lovelace")
            #expect(
                try await !world.store.replacePassword(
                    of: world.ada.id, expectedHash: world.ada.passwordHash, newHash: "$2b$10$stale", tokensValidAfter: later, at: later
                ),
                "a hash verified before the change no longer matches"
            )
        }
    }
}
