import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SecurityAdapters
import TestSupport
import Testing

/// A request without valid credentials to an operation that needs them is 401 with
/// `WWW-Authenticate: Bearer`, whatever its path, query, headers and body hold: authentication runs
/// before any of them is read, so a stranger learns nothing of the schema from 400s and 422s.
/// The operations come from the served openapi.yaml: a new operation is covered without editing this.
@Suite("Authentication before validation")
struct AuthenticationFirstTests {
    static let secret = "a-test-secret-that-is-long-enough-for-hs256"

    @Test("Every protected operation of openapi.yaml answers 401 to bad credentials and garbage input", arguments: TestBackend.available)
    func everyProtectedOperation(backend: TestBackend) async throws {
        try await withApp(backend, settings: ["jwt.secret": Self.secret]) { client, _ in
            let operations = try await Self.documentedOperations(client)
            let protected = operations.filter { !$0.isPublic }
            #expect(protected.count >= 25, "only \(protected.count) protected operations found in openapi.yaml")

            let root = try await client.login()
            let me = try JSONBody(await client.json(.get, "/api/v1/users/me", token: root))["id"] as? String
            let admin = try #require(me.flatMap(UserID.init))
            let credentials: [(String, HTTPFields)] = try await [
                ("no credentials", [:]),
                ("a garbage bearer token", [.authorization: "Bearer garbage"]),
                ("an empty bearer token", [.authorization: "Bearer "]),
                ("a Basic authorization", [.authorization: "Basic YWRtaW5AZXhhbXBsZS5jb206YWRtaW4tcGFzc3dvcmQ="]),
                ("an expired token", [.authorization: "Bearer \(Self.token(for: admin, secret: Self.secret, expiresIn: -60))"]),
                ("a token signed with another key", [.authorization: "Bearer \(Self.token(for: admin, secret: String(Self.secret.reversed()), expiresIn: 600))"]),
                ("an unknown API key", [HTTPField.Name("X-API-Key")!: "vsk_" + String(repeating: "A", count: 43)]),
                ("a malformed API key", [HTTPField.Name("X-API-Key")!: "not-a-key"]),
            ]
            // What would be 400, 404, 413, 415 or 422 for an authenticated caller.
            let garbage: [(query: String, contentType: String, body: String)] = [
                ("?page=abc&limit=-5&search=%00&status=nope", "application/json", #"{"name": "#),
                ("?page=0&limit=101", "application/json", "{}"),
                ("?page&=&%zz", "text/plain", "\u{00}\u{01}not json"),
                ("", "application/json", #"{"name": 1, "name": 2}"#),
            ]
            for operation in protected {
                for (index, (what, authHeaders)) in credentials.enumerated() {
                    let input = garbage[index % garbage.count]
                    let path = operation.concretePath { _ in index.isMultiple(of: 3) ? "not-a-uuid" : UUID().uuidString }
                    var headers = authHeaders
                    headers[.contentType] = input.contentType
                    headers[HTTPField.Name("X-Tenant-ID")!] = index.isMultiple(of: 2) ? "not-a-uuid" : UUID().uuidString
                    let response = try await client.execute(
                        uri: path + input.query, method: operation.method, headers: headers, body: ByteBuffer(string: input.body)
                    )
                    #expect(response.status == .unauthorized, "\(operation) with \(what): \(String(buffer: response.body))")
                    #expect(response.headers[.wwwAuthenticate] == "Bearer", "\(operation) with \(what)")
                    try expectError(response, .unauthorized)
                }
            }
        }
    }

    @Test("Public operations of openapi.yaml read their input without credentials", arguments: TestBackend.available)
    func publicOperationsStayPublic(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let operations = try await Self.documentedOperations(client)
            let publicOnes = operations.filter(\.isPublic)
            #expect(Set(publicOnes.map(\.operationID)) == ["createAccessToken", "acceptInvitation", "getOpenAPIDocument"])
            for operation in publicOnes {
                let response = try await client.execute(
                    uri: operation.path, method: operation.method, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: "{}")
                )
                #expect(response.status != .unauthorized, "\(operation): \(String(buffer: response.body))")
            }
        }
    }

    @Test("Both an Authorization and an X-API-Key header is 400 on every authenticated operation", arguments: TestBackend.available)
    func bothCredentials(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            let key = try await client.createAPIKey(token: root).key
            for operation in try await Self.documentedOperations(client) where !operation.isPublic {
                let response = try await client.json(
                    operation.method, operation.concretePath { _ in UUID().uuidString }, token: root, apiKey: key, body: [String: String]()
                )
                try expectError(response, .badRequest)
                #expect(operation.statuses.contains("400"), "\(operation) does not document the 400 it answers")
            }
        }
    }

    static func documentedOperations(_ client: some TestClientProtocol) async throws -> [DocumentedOperation] {
        let document = try await client.execute(uri: "/api/v1/openapi.yaml", method: .get)
        #expect(document.status == .ok)
        return try OpenAPIDocument.operations(in: String(buffer: document.body))
    }

    /// A token for `user`, signed with `secret`, expiring `expiresIn` seconds from now.
    static func token(for user: UserID, secret: String, expiresIn: TimeInterval) async throws -> String {
        let codec = JWTAccessTokenCodec()
        try await codec.install(secret: secret)
        let now = Date()
        return try await codec.sign(
            AccessTokenClaims(subject: user, issuedAt: now.addingTimeInterval(-120), expiresAt: now.addingTimeInterval(expiresIn), tokenID: UUID().uuidString)
        )
    }
}
