import Core
import Foundation
import SQLPersistence
import SecurityAdapters
import TestSupport
import Testing

/// One caller cannot fill the bcrypt pool: many concurrent wrong guesses at one account, or from one
/// address, leave another user's login at about one hash of extra wait. Real store, real bcrypt.
@Suite("Password checks in flight", .serialized)
struct PasswordCheckConcurrencyTests {
    enum Flood: String, CaseIterable {
        /// Every guess at one account, each from an address of its own.
        case oneAccount
        /// Every guess from one address, each at an account of its own.
        case oneAddress
    }

    @Test("A flood of concurrent guesses from one caller does not delay another user's login", arguments: TestBackend.available, Flood.allCases)
    func floodDoesNotDelayOthers(backend: TestBackend, flood: Flood) async throws {
        try await withTestDatabase(backend) { database in
            try await withClient(database) { client in
                try await Migrator(client: client, logger: testLogger).migrate()
                let store = SQLIdentityStore(client: client)
                let hasher = BcryptPasswordHasher(cost: 10, threads: 2)
                let codec = JWTAccessTokenCodec()
                try await codec.install(secret: String(repeating: "x", count: 32))
                _ = try await BootstrapService(store: store, hasher: hasher, environment: .live)
                    .bootstrap(email: "ada@example.com", password: "right-password")
                let policy = LoginThrottle.Policy(freeFailures: 10_000, freeFailuresPerAddress: 10_000)
                let auth = AuthenticationService(
                    store: store, hasher: hasher, tokens: codec, environment: .live, tokenLifetime: 60,
                    throttle: LoginThrottle(policy: policy, store: SQLLoginAttemptStore(client: client)),
                    audit: SQLAuditTrail(client: client)
                )
                let clock = ContinuousClock()
                await hasher.verifyDecoy("warm the decoy")
                // One hash on this machine as loaded now: the unit of the bound below.
                var hashTime = Duration.seconds(3600)
                for _ in 0..<3 { hashTime = min(hashTime, await clock.measure { await hasher.verifyDecoy("x") }) }

                let loginTime = try await withThrowingTaskGroup(of: Duration?.self) { group in
                    for index in 0..<64 {
                        group.addTask {
                            let (email, address) = switch flood {
                            case .oneAccount: ("target@example.com", "10.0.\(index / 256).\(index % 256)")
                            case .oneAddress: ("target\(index)@example.com", "192.0.2.66")
                            }
                            _ = try? await auth.login(email: email, password: "guess-\(index)", clientAddress: address)
                            return nil
                        }
                    }
                    group.addTask {
                        try await Task.sleep(for: .milliseconds(100))
                        return try await clock.measure {
                            _ = try await auth.login(email: "ada@example.com", password: "right-password", clientAddress: "198.51.100.1")
                        }
                    }
                    var measured: Duration?
                    for try await result in group where result != nil { measured = result }
                    return try #require(measured)
                }

                // Unbounded, 64 guesses queue ahead of the login in a pool of two threads: about 32 hashes.
                // Bounded, at most two guesses run ahead of it: about one hash of waiting, plus its own.
                #expect(loginTime < hashTime * 8, "login took \(loginTime); one hash takes \(hashTime)")
            }
        }
    }
}
