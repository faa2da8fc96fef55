import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SecurityAdapters
import TestSupport
import Testing

@Suite("Logging in and access tokens")
struct AuthenticationTests {
    @Test("Login with a JSON body returns a bearer token that opens /users/me", arguments: TestBackend.available)
    func loginWithJSON(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let response = try await client.json(.post, "/api/v1/auth/token", body: ["username": Admin.email, "password": Admin.password])

            #expect(response.status == .ok)
            let body = try JSONBody(response)
            #expect(body["token_type"] as? String == "bearer")
            #expect(body["expires_in"] as? Int == 3600)
            let token = try #require(body["access_token"] as? String)

            let me = try await client.json(.get, "/api/v1/users/me", token: token)
            #expect(me.status == .ok)
            let user = try JSONBody(me)
            #expect(user["email"] as? String == Admin.email)
            #expect(user["is_superuser"] as? Bool == true)
            #expect(user["is_active"] as? Bool == true)
            #expect(UUID(uuidString: user["id"] as? String ?? "") != nil)
            #expect(user["password_hash"] == nil)
        }
    }

    @Test("Login with a form body, email in any case", arguments: TestBackend.available)
    func loginWithForm(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let form = "username=\(Admin.email.uppercased().addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&password=\(Admin.password)"
            let response = try await client.execute(
                uri: "/api/v1/auth/token", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: form)
            )

            #expect(response.status == .ok, "\(String(buffer: response.body))")
            #expect(try JSONBody(response)["access_token"] is String)
        }
    }

    @Test("Wrong password and unknown user get the same 401, after similar work", arguments: TestBackend.available)
    func failedLogins(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let clock = ContinuousClock()
            // Warm the decoy hash so both paths below do exactly one bcrypt verification.
            _ = try await client.json(.post, "/api/v1/auth/token", body: ["username": "warm@example.com", "password": "x"])

            // Minimum of a few rounds each: robust against other tests loading the CPU meanwhile.
            var wrongTimes: [Duration] = []
            var unknownTimes: [Duration] = []
            var wrong: TestResponse?
            var unknown: TestResponse?
            for round in 0..<5 {  // five: the account's free failures before back-off
                wrongTimes.append(try await clock.measure {
                    wrong = try await client.json(.post, "/api/v1/auth/token", body: ["username": Admin.email, "password": "not-the-password"])
                })
                unknownTimes.append(try await clock.measure {
                    unknown = try await client.json(.post, "/api/v1/auth/token", body: ["username": "nobody\(round)@example.com", "password": "not-the-password"])
                })
            }
            let (wrongTime, unknownTime) = (wrongTimes.min()!, unknownTimes.min()!)

            let (wrongResponse, unknownResponse) = (try #require(wrong), try #require(unknown))
            try expectError(wrongResponse, .unauthorized)
            try expectError(unknownResponse, .unauthorized)
            #expect(wrongResponse.headers[.wwwAuthenticate] == "Bearer")
            #expect(unknownResponse.headers[.wwwAuthenticate] == "Bearer")
            #expect(String(buffer: wrongResponse.body) == String(buffer: unknownResponse.body))
            // Both paths run one bcrypt verification (proven exactly in `LoginWorkTests`); with other tests
            // loading the CPU meanwhile, only an order of magnitude is a reliable bound here.
            #expect(unknownTime > wrongTime / 10 && wrongTime > unknownTime / 10, "wrong \(wrongTime), unknown \(unknownTime)")
        }
    }

    @Test("Every kind of bad token is 401 with WWW-Authenticate", arguments: TestBackend.available)
    func badTokens(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let token = try await client.login()
            let parts = token.split(separator: ".").map(String.init)
            let me = try await JSONBody(client.json(.get, "/api/v1/users/me", token: token))
            let userID = try #require(UserID(me["id"] as? String ?? ""))

            let otherSecret = JWTAccessTokenCodec()
            try await otherSecret.install(secret: String(repeating: "s", count: 48))
            let now = Date()
            let signedElsewhere = try await otherSecret.sign(.init(subject: userID, issuedAt: now, expiresAt: now + 600, tokenID: "x"))
            let tamperedPayload = parts[0] + "." + Self.base64URL(#"{"sub":"\#(userID)","iat":1,"exp":9999999999,"jti":"x"}"#) + "." + parts[2]
            let algNone = Self.base64URL(#"{"alg":"none","typ":"JWT"}"#) + "." + parts[1] + "."
            var flipped = Array(parts[2])
            flipped[3] = flipped[3] == "A" ? "B" : "A"

            let cases: [(String, String?)] = [
                ("tampered payload", tamperedPayload),
                ("tampered signature", parts[0] + "." + parts[1] + "." + String(flipped)),
                ("alg none", algNone),
                ("other secret", signedElsewhere),
                ("garbage", "not-a-token"),
                ("empty bearer", ""),
                ("no header", nil),
            ]
            for (name, candidate) in cases {
                var headers: HTTPFields = [:]
                if let candidate { headers[.authorization] = "Bearer \(candidate)" }
                let response = try await client.execute(uri: "/api/v1/users/me", method: .get, headers: headers, body: nil)
                #expect(response.status == .unauthorized, "\(name)")
                #expect(response.headers[.wwwAuthenticate] == "Bearer", "\(name)")
                try expectError(response, .unauthorized)
            }
        }
    }

    @Test("Only the canonical spelling of a token is accepted: no padding, no stray bits in a last character", arguments: TestBackend.available)
    func nonCanonicalTokens(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let token = try await client.login()
            let parts = token.split(separator: ".").map(String.init)
            // The sibling of a segment's last character that differs only in bits beyond the last byte.
            func sibling(_ segment: String) -> String? {
                let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
                let unused = [2: 0b1111, 3: 0b11][segment.count % 4]
                guard let unused, let last = segment.last, let value = alphabet.firstIndex(of: last) else { return nil }
                // A canonical last character has every unused bit clear, bit 0 among them.
                return value & unused == 0 ? String(segment.dropLast()) + String(alphabet[value | 1]) : nil
            }
            var variants = [("trailing =", token + "="), ("padded signature", token + "==")]
            for index in parts.indices {
                guard let changed = sibling(parts[index]) else { continue }
                var spelled = parts
                spelled[index] = changed
                variants.append(("segment \(index) with a non-canonical last character", spelled.joined(separator: ".")))
            }
            #expect(variants.count >= 3, "the signature of an HS256 token always leaves unused bits")
            #expect(try await client.json(.get, "/api/v1/users/me", token: token).status == .ok)
            for (name, variant) in variants {
                let response = try await client.json(.get, "/api/v1/users/me", token: variant)
                #expect(response.status == .unauthorized, "\(name): \(variant)")
            }
        }
    }

    @Test("An expired token is refused", arguments: TestBackend.available)
    func expiredToken(backend: TestBackend) async throws {
        let secret = String(repeating: "k", count: 40)
        try await withApp(backend, settings: ["jwt.secret": secret]) { client, _ in
            let me = try await JSONBody(client.json(.get, "/api/v1/users/me", token: try await client.login()))
            let userID = try #require(UserID(me["id"] as? String ?? ""))
            let codec = JWTAccessTokenCodec()
            try await codec.install(secret: secret)
            let past = Date().addingTimeInterval(-7200)
            let expired = try await codec.sign(.init(subject: userID, issuedAt: past, expiresAt: past + 3600, tokenID: "old"))
            let valid = try await codec.sign(.init(subject: userID, issuedAt: Date(), expiresAt: Date() + 60, tokenID: "new"))

            try expectError(try await client.json(.get, "/api/v1/users/me", token: expired), .unauthorized)
            #expect(try await client.json(.get, "/api/v1/users/me", token: valid).status == .ok)
        }
    }

    @Test("The generated signing secret is kept: tokens survive a restart", arguments: TestBackend.available)
    func tokensSurviveRestart(backend: TestBackend) async throws {
        try await withTestDatabase(backend) { database in
            let token = try await Self.firstRun(database)
            try await Self.restart(database) { client in
                let response = try await client.json(.get, "/api/v1/users/me", token: token)
                #expect(response.status == .ok)
            }
        }
    }

    static func firstRun(_ database: TestDatabase) async throws -> String {
        let app = try await buildTestApplication(database: database)
        return try await app.test(.router) { client in try await client.login() }
    }

    static func restart(_ database: TestDatabase, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = try await buildTestApplication(database: database)
        try await app.test(.router) { client in try await body(client) }
    }

    static func base64URL(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
