import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The system roles' fixed ids (seeded by migration).
enum SystemRoleID {
    static let tenantAdmin = "00000000-0000-4000-8000-000000000001"
    static let readOnly = "00000000-0000-4000-8000-000000000002"
    static let vmOperator = "00000000-0000-4000-8000-000000000003"
}

/// Endpoint helpers that set up identities through the real API and fail the test when set-up fails.
extension TestClientProtocol {
    func createTenant(_ name: String, token: String) async throws -> String {
        let response = try await json(.post, "/api/v1/tenants", token: token, body: ["name": name])
        #expect(response.status == .created, "create tenant \(name): \(String(buffer: response.body))")
        return try #require(JSONBody(response)["id"] as? String)
    }

    /// Creates (or adds) a member with password `password-<email>` and the given roles.
    func createUser(_ email: String, in tenant: String, roles: [String] = [], token: String) async throws -> String {
        let response = try await json(
            .post, "/api/v1/users", token: token, tenant: tenant,
            body: ["email": email, "password": Self.password(email), "first_name": "First", "last_name": "Last", "role_ids": roles]
        )
        #expect(response.status == .created, "create user \(email): \(String(buffer: response.body))")
        return try #require(JSONBody(response)["id"] as? String)
    }

    func createRole(_ name: String, permissions: [String], in tenant: String, token: String) async throws -> String {
        let response = try await json(
            .post, "/api/v1/roles", token: token, tenant: tenant, body: ["name": name, "permission_ids": permissions]
        )
        #expect(response.status == .created, "create role \(name): \(String(buffer: response.body))")
        return try #require(JSONBody(response)["id"] as? String)
    }

    static func password(_ email: String) -> String { "password-\(email)" }

    func loginAs(_ email: String) async throws -> String {
        try await login(email, Self.password(email))
    }
}

/// Two tenants, each with its own admin, plus a member of A and a custom role of A: the fixture
/// the isolation tests attack from B.
struct TwoTenants {
    let rootToken: String
    let tenantA: String
    let tenantB: String
    let adminA: String
    let adminB: String
    let memberA: String
    let roleA: String
    let tokenA: String
    let tokenB: String

    init(_ client: some TestClientProtocol) async throws {
        rootToken = try await client.login()
        tenantA = try await client.createTenant("Tenant A", token: rootToken)
        tenantB = try await client.createTenant("Tenant B", token: rootToken)
        adminA = try await client.createUser("admin-a@example.com", in: tenantA, roles: [SystemRoleID.tenantAdmin], token: rootToken)
        adminB = try await client.createUser("admin-b@example.com", in: tenantB, roles: [SystemRoleID.tenantAdmin], token: rootToken)
        memberA = try await client.createUser("member-a@example.com", in: tenantA, roles: [SystemRoleID.readOnly], token: rootToken)
        roleA = try await client.createRole("Auditors", permissions: ["user:read"], in: tenantA, token: rootToken)
        tokenA = try await client.loginAs("admin-a@example.com")
        tokenB = try await client.loginAs("admin-b@example.com")
    }
}
