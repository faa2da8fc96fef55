import Core
import Foundation
import SQLPersistence
import SecurityAdapters
import TestSupport
import Testing

/// Counts the password work a login does, around the real bcrypt hasher.
final class CountingHasher: PasswordHasher, @unchecked Sendable {
    let base = BcryptPasswordHasher(cost: 10, threads: 1)
    private let lock = NSLock()
    private var verifications = 0

    var count: Int { lock.withLock { verifications } }

    func hash(_ password: String) async throws -> String { try await base.hash(password) }

    func verify(_ password: String, against hash: String) async -> Bool {
        lock.withLock { verifications += 1 }
        return await base.verify(password, against: hash)
    }

    func verifyDecoy(_ password: String) async {
        lock.withLock { verifications += 1 }
        await base.verifyDecoy(password)
    }
}

@Suite("Login work")
struct LoginWorkTests {
    @Test("Unknown email, malformed email, wrong password and disabled account each cost one bcrypt verification")
    func everyFailureCostsOneVerification() async throws {
        try await withTestDatabase(.sqlite) { database in
            try await withClient(database) { client in
                try await Migrator(client: client, logger: testLogger).migrate()
                let store = SQLIdentityStore(client: client)
                let hasher = CountingHasher()
                let codec = JWTAccessTokenCodec()
                try await codec.install(secret: String(repeating: "x", count: 32))
                _ = try await BootstrapService(store: store, hasher: hasher, environment: .live)
                    .bootstrap(email: "ada@example.com", password: "right-password")
                let ada = try #require(try await store.user(email: EmailAddress("ada@example.com")))
                let auth = AuthenticationService(
                    store: store, hasher: hasher, tokens: codec, environment: .live, tokenLifetime: 60,
                    throttle: LoginThrottle(policy: .init(freeFailures: 100), store: SQLLoginAttemptStore(client: client)),
                    audit: SQLAuditTrail(client: client)
                )

                for (email, password) in [("nobody@example.com", "x"), ("not an email", "x"), ("ada@example.com", "wrong")] {
                    let before = hasher.count
                    await #expect(throws: DomainError.self) { try await auth.login(email: email, password: password, clientAddress: nil) }
                    #expect(hasher.count == before + 1, "\(email)")
                }
                try await execute("UPDATE users SET is_active = FALSE WHERE id = '\(ada.id)'", on: client)
                let before = hasher.count
                await #expect(throws: DomainError.self) {
                    try await auth.login(email: "ada@example.com", password: "right-password", clientAddress: nil)
                }
                #expect(hasher.count == before + 1)
            }
        }
    }
}
