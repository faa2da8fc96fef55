import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

/// Throttling of password guesses for the service as a whole: two application instances on one
/// database stand for two `serve` processes behind a load balancer.
@Suite("Login throttling across processes")
struct LoginThrottleTests {
    /// Two instances of the application on one database (`.live`: real TCP, so the client address is known).
    static func withTwoApps(
        _ backend: TestBackend, settings: [String: String],
        _ body: @escaping @Sendable (any TestClientProtocol, any TestClientProtocol) async throws -> Void
    ) async throws {
        try await withTestDatabase(backend) { database in
            let first = try await buildTestApplication(database: database, settings: settings)
            let second = try await buildTestApplication(database: database, settings: settings)
            try await first.test(.live) { a in
                try await second.test(.live) { b in try await body(a, b) }
            }
        }
    }

    static func login(_ client: any TestClientProtocol, _ email: String, _ password: String) async throws -> TestResponse {
        try await client.json(.post, "/api/v1/auth/token", body: ["username": email, "password": password])
    }

    @Test("An account's failures spread over two instances hit the limit as on one", arguments: TestBackend.available)
    func accountLimitIsShared(backend: TestBackend) async throws {
        try await Self.withTwoApps(backend, settings: ["login.max.failures": "2", "login.backoff.seconds": "600"]) { a, b in
            let statuses = [
                try await Self.login(a, Admin.email, "wrong-1").status,
                try await Self.login(b, Admin.email, "wrong-2").status,
                try await Self.login(a, Admin.email, Admin.password).status,
                try await Self.login(b, Admin.email, Admin.password).status,
            ]
            let throttled = try await Self.login(b, Admin.email, Admin.password)

            #expect(statuses == [.unauthorized, .unauthorized, .tooManyRequests, .tooManyRequests])
            try expectError(throttled, .tooManyRequests)
            #expect((Int(throttled.headers[.retryAfter] ?? "") ?? 0) > 500)
        }
    }

    @Test("An address's failures spread over two instances hit the limit as on one", arguments: TestBackend.available)
    func addressLimitIsShared(backend: TestBackend) async throws {
        let settings = ["login.max.failures": "100", "login.max.failures.per.address": "3", "login.backoff.seconds": "600"]
        try await Self.withTwoApps(backend, settings: settings) { a, b in
            var statuses: [HTTPResponse.Status] = []
            for index in 0..<5 {
                statuses.append(try await Self.login(index.isMultiple(of: 2) ? a : b, "nobody\(index)@example.com", "x").status)
            }

            #expect(statuses == [.unauthorized, .unauthorized, .unauthorized, .tooManyRequests, .tooManyRequests])
        }
    }

    @Test("A success on one instance clears the account's count for both", arguments: TestBackend.available)
    func successIsShared(backend: TestBackend) async throws {
        try await Self.withTwoApps(backend, settings: ["login.max.failures": "2", "login.backoff.seconds": "600"]) { a, b async throws in
            #expect(try await Self.login(a, Admin.email, "wrong-1").status == .unauthorized)
            #expect(try await Self.login(b, Admin.email, Admin.password).status == .ok)

            #expect(try await Self.login(a, Admin.email, "wrong-2").status == .unauthorized)
            #expect(try await Self.login(b, Admin.email, "wrong-3").status == .unauthorized, "the first failure was forgotten")
            #expect(try await Self.login(a, Admin.email, Admin.password).status == .tooManyRequests)
        }
    }
}
