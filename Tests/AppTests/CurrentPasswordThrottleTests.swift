import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

/// `current_password` on `PATCH /users/me` is a guess at the password: throttled like a login, with
/// the same counts.
@Suite("Throttling current_password")
struct CurrentPasswordThrottleTests {
    static func changePassword(_ client: any TestClientProtocol, token: String, current: String) async throws -> TestResponse {
        try await client.json(.patch, "/api/v1/users/me", token: token, body: ["password": "a-brand-new-password", "current_password": current])
    }

    @Test("Wrong guesses beyond the account's free failures get 429 with Retry-After, even the right one", arguments: TestBackend.available)
    func guessesAreThrottled(backend: TestBackend) async throws {
        try await withApp(backend, settings: ["login.backoff.seconds": "600"]) { client, _ in
            let token = try await client.login()
            var statuses: [HTTPResponse.Status] = []
            for guess in 0..<10 {
                statuses.append(try await Self.changePassword(client, token: token, current: "guess-\(guess)").status)
            }
            let right = try await Self.changePassword(client, token: token, current: Admin.password)
            let login = try await client.json(.post, "/api/v1/auth/token", body: ["username": Admin.email, "password": Admin.password])

            #expect(statuses == Array(repeating: .forbidden, count: 5) + Array(repeating: .tooManyRequests, count: 5))
            try expectError(right, .tooManyRequests)
            #expect((Int(right.headers[.retryAfter] ?? "") ?? 0) > 500)
            #expect(login.status == .tooManyRequests, "a guess is a guess, wherever it comes from")
        }
    }

    @Test("Logins and current_password share the account's count; a right current_password clears it", arguments: TestBackend.available)
    func sharedAccountCount(backend: TestBackend) async throws {
        try await withApp(backend, settings: ["login.max.failures": "2", "login.backoff.seconds": "4"]) { client, _ in
            let token = try await client.login()
            let wrongLogin = try await client.json(.post, "/api/v1/auth/token", body: ["username": Admin.email, "password": "wrong"])
            let wrongGuess = try await Self.changePassword(client, token: token, current: "wrong-1")
            let rightGuess = try await Self.changePassword(client, token: token, current: Admin.password)
            // The back-off is 4 s rather than 1 s so that a machine loaded by the rest of the suite cannot
            // let it run out between the failures and the throttled attempt.
            try await Task.sleep(for: .milliseconds(4100))
            let changed = try await Self.changePassword(client, token: token, current: Admin.password)
            let fresh = try await client.login(Admin.email, "a-brand-new-password")
            let afterClear = [
                try await Self.changePassword(client, token: fresh, current: "wrong-2").status,
                try await Self.changePassword(client, token: fresh, current: "wrong-3").status,
            ]

            #expect(wrongLogin.status == .unauthorized)
            #expect(wrongGuess.status == .forbidden)
            try expectError(rightGuess, .tooManyRequests)
            #expect(changed.status == .ok)
            #expect(afterClear == [.forbidden, .forbidden], "the change cleared the account's two failures")
        }
    }

    @Test("Guesses count against the client's address, as logins do", arguments: TestBackend.available)
    func addressCount(backend: TestBackend) async throws {
        let settings = ["login.max.failures": "100", "login.max.failures.per.address": "3", "login.backoff.seconds": "600"]
        try await withApp(backend, settings: settings, mode: .live) { client, _ in
            let token = try await client.login()
            for guess in 0..<3 {
                #expect(try await Self.changePassword(client, token: token, current: "guess-\(guess)").status == .forbidden)
            }

            let otherAccount = try await client.json(.post, "/api/v1/auth/token", body: ["username": "someone@example.com", "password": "x"])
            let fourthGuess = try await Self.changePassword(client, token: token, current: "guess-3")

            try expectError(otherAccount, .tooManyRequests)
            try expectError(fourthGuess, .tooManyRequests)
        }
    }
}
