import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

/// Security data changed by anything other than this process (the database's own shell, another
/// `serve` on the same database) applies from the very next request on SQLite, and within the read
/// cache's age bound (1 s) on PostgreSQL.
@Suite("Writes from outside the process")
struct OutsideWriteTests {
    /// A member of a tenant with `Read Only User`, logged in, with an API key; every credential used
    /// once, so whatever the service caches is cached.
    struct Member {
        let tenant: String
        let token: String
        let key: String
    }

    static func member(_ client: some TestClientProtocol) async throws -> Member {
        let root = try await client.login()
        let tenant = try await client.createTenant("Acme", token: root)
        _ = try await client.createUser("ada@example.com", in: tenant, roles: [SystemRoleID.readOnly], token: root)
        let token = try await client.loginAs("ada@example.com")
        let key = try await client.createAPIKey(token: token).key
        for (token, key) in [(token, nil), (nil, key)] as [(String?, String?)] {
            #expect(try await client.json(.get, "/api/v1/users/me", token: token, apiKey: key).status == .ok)
            #expect(try await client.json(.get, "/api/v1/users", token: token, apiKey: key, tenant: tenant).status == .ok)
        }
        return Member(tenant: tenant, token: token, key: key)
    }

    /// Expects `status` from the request: at once on SQLite, within the bound on PostgreSQL.
    static func expectSoon(
        _ backend: TestBackend, _ status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation,
        _ request: () async throws -> TestResponse
    ) async throws {
        let response = try await eventually(within: backend.crossProcessBound, request) { $0.status == status }
        try expectError(response, status, sourceLocation: sourceLocation)
    }

    @Test("An account disabled from the database shell is refused on the very next request", arguments: TestBackend.available)
    func disabledAccount(backend: TestBackend) async throws {
        try await withApp(backend) { client, database in
            let member = try await Self.member(client)

            try await database.executeInAnotherProcess("UPDATE users SET is_active = FALSE WHERE email = 'ada@example.com'")

            try await Self.expectSoon(backend, .unauthorized) {
                try await client.json(.get, "/api/v1/users/me", token: member.token)
            }
            try await Self.expectSoon(backend, .unauthorized) {
                try await client.json(.get, "/api/v1/users", token: member.token, tenant: member.tenant)
            }
            try await Self.expectSoon(backend, .unauthorized) {
                try await client.json(.get, "/api/v1/users/me", apiKey: member.key)
            }
            try await Self.expectSoon(backend, .unauthorized) {
                try await client.json(.get, "/api/v1/users", apiKey: member.key, tenant: member.tenant)
            }
        }
    }

    @Test("An API key deleted from the database shell is refused on the very next request", arguments: TestBackend.available)
    func deletedKey(backend: TestBackend) async throws {
        try await withApp(backend) { client, database in
            let member = try await Self.member(client)

            try await database.executeInAnotherProcess("DELETE FROM api_keys")

            try await Self.expectSoon(backend, .unauthorized) {
                try await client.json(.get, "/api/v1/users/me", apiKey: member.key)
            }
            try await Self.expectSoon(backend, .unauthorized) {
                try await client.json(.get, "/api/v1/users", apiKey: member.key, tenant: member.tenant)
            }
        }
    }

    @Test("A role taken away from the database shell is missing on the very next request", arguments: TestBackend.available)
    func removedRole(backend: TestBackend) async throws {
        try await withApp(backend) { client, database in
            let member = try await Self.member(client)

            try await database.executeInAnotherProcess("DELETE FROM role_assignments WHERE role_id = '\(SystemRoleID.readOnly)'")

            try await Self.expectSoon(backend, .forbidden) {
                try await client.json(.get, "/api/v1/users", token: member.token, tenant: member.tenant)
            }
            try await Self.expectSoon(backend, .forbidden) {
                try await client.json(.get, "/api/v1/users", apiKey: member.key, tenant: member.tenant)
            }
        }
    }

    @Test("Two services on one database: a key revoked through one is refused by the other at once", arguments: TestBackend.available)
    func twoServices(backend: TestBackend) async throws {
        try await withTestDatabase(backend) { database in
            let first = try await buildTestApplication(database: database)
            try await first.test(.router) { one in
                let member = try await Self.member(one)
                let second = try await buildTestApplication(database: database)
                try await second.test(.router) { two in
                    #expect(try await two.json(.get, "/api/v1/users/me", apiKey: member.key).status == .ok)
                    let keys = try JSONBody(await one.json(.get, "/api/v1/api-keys", token: member.token)).items
                    let id = try #require(keys.first?["id"] as? String)

                    #expect(try await one.json(.delete, "/api/v1/api-keys/\(id)", token: member.token).status == .noContent)

                    try await Self.expectSoon(backend, .unauthorized) {
                        try await two.json(.get, "/api/v1/users/me", apiKey: member.key)
                    }
                }
            }
        }
    }
}
