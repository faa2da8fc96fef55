import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Endpoint helpers for invitations and API keys; they fail the test when the set-up call fails.
extension TestClientProtocol {
    /// Logs in as the bootstrap superuser and creates a tenant with no members yet.
    func loginWithTenant(_ name: String) async throws -> (token: String, tenant: String) {
        let token = try await login()
        return (token, try await createTenant(name, token: token))
    }

    /// Invites `email` into `tenant` with `role` and returns the created invitation's body (with its token).
    func invite(_ email: String, role: String, in tenant: String, token: String) async throws -> JSONBody {
        let response = try await json(.post, "/api/v1/invitations", token: token, tenant: tenant, body: ["email": email, "role_id": role])
        #expect(response.status == .created, "invite \(email): \(String(buffer: response.body))")
        return try JSONBody(response)
    }

    /// Accepts as a new account with password `password-<email>` (so `loginAs` works afterwards).
    func accept(_ invitationToken: String, as email: String, token: String? = nil, apiKey: String? = nil) async throws -> TestResponse {
        try await json(
            .post, "/api/v1/invitations/accept", token: token, apiKey: apiKey,
            body: ["token": invitationToken, "password": Self.password(email), "first_name": "Invited", "last_name": "Person"]
        )
    }

    /// Creates an API key as the holder of `token`; returns its id and secret.
    func createAPIKey(
        _ name: String = "automation", permissions: [String]? = nil, expiresAt: Date? = nil, token: String
    ) async throws -> (id: String, key: String) {
        var body: [String: Any] = ["name": name]
        if let permissions { body["permission_ids"] = permissions }
        if let expiresAt { body["expires_at"] = ISO8601DateFormatter().string(from: expiresAt) }
        let response = try await json(.post, "/api/v1/api-keys", token: token, body: body)
        #expect(response.status == .created, "create API key: \(String(buffer: response.body))")
        let created = try JSONBody(response)
        return (try #require(created["id"] as? String), try #require(created["key"] as? String))
    }

    /// How many members `tenant` has, as its admin sees it.
    func memberCount(of tenant: String, token: String) async throws -> Int {
        let response = try await json(.get, "/api/v1/users", token: token, tenant: tenant)
        #expect(response.status == .ok, "\(String(buffer: response.body))")
        return try #require(JSONBody(response)["total"] as? Int)
    }

    /// Whether `email` can log in with the password the helpers give it.
    func canLogIn(_ email: String) async throws -> Bool {
        try await json(.post, "/api/v1/auth/token", body: ["username": email, "password": Self.password(email)]).status == .ok
    }
}

extension JSONBody {
    var items: [[String: Any]] { (self["items"] as? [[String: Any]]) ?? [] }
}
