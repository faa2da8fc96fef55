import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

/// Strict isolation: for every tenant-scoped endpoint, a member of tenant B gets 403 with A's header
/// and 404 for A's ids in their own tenant.
@Suite("Tenant isolation")
struct TenantIsolationTests {
    /// (method, path, body) for every tenant-scoped endpoint, with A's ids filled in.
    static func endpoints(_ f: TwoTenants) -> [(HTTPRequest.Method, String, Any?)] {
        [
            (.get, "/api/v1/users", nil),
            (.post, "/api/v1/users", ["email": "new@example.com", "password": "long-password", "first_name": "N", "last_name": "U"]),
            (.get, "/api/v1/users/\(f.memberA)", nil),
            (.patch, "/api/v1/users/\(f.memberA)", ["is_active": false]),
            (.delete, "/api/v1/users/\(f.memberA)", nil),
            (.post, "/api/v1/users/\(f.memberA)/roles", ["role_id": SystemRoleID.readOnly]),
            (.delete, "/api/v1/users/\(f.memberA)/roles/\(SystemRoleID.readOnly)", nil),
            (.get, "/api/v1/roles", nil),
            (.post, "/api/v1/roles", ["name": "Sneaky", "permission_ids": ["user:read"]]),
            (.get, "/api/v1/roles/\(f.roleA)", nil),
            (.patch, "/api/v1/roles/\(f.roleA)", ["name": "Renamed"]),
            (.delete, "/api/v1/roles/\(f.roleA)", nil),
            (.get, "/api/v1/roles/\(f.roleA)/users", nil),
            (.put, "/api/v1/roles/\(f.roleA)/users", ["user_ids": [String]()]),
            (.get, "/api/v1/permissions", nil),
            (.get, "/api/v1/invitations", nil),
            (.post, "/api/v1/invitations", ["email": "new@example.com", "role_id": SystemRoleID.readOnly]),
        ]
    }

    @Test("A member of B using A's tenant header gets 403 everywhere", arguments: TestBackend.available)
    func foreignHeaderIsForbidden(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)

            for (method, path, body) in Self.endpoints(f) {
                let response = try await client.json(method, path, token: f.tokenB, tenant: f.tenantA, body: body)
                #expect(response.status == .forbidden, "\(method) \(path): \(String(buffer: response.body))")
                try expectError(response, .forbidden)
            }
            let pathTenant = try await client.json(.get, "/api/v1/tenants/\(f.tenantA)/users", token: f.tokenB)
            try expectError(pathTenant, .forbidden)
        }
    }

    @Test("A member of B using A's ids in B gets 404, exactly as for ids that do not exist", arguments: TestBackend.available)
    func foreignIDsAreNotFound(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)
            let idEndpoints = Self.endpoints(f).filter { $0.1.contains(f.memberA) || $0.1.contains(f.roleA) }

            for (method, path, body) in idEndpoints {
                let response = try await client.json(method, path, token: f.tokenB, tenant: f.tenantB, body: body)
                #expect(response.status == .notFound, "\(method) \(path): \(String(buffer: response.body))")
                try expectError(response, .notFound)
                let ghost = path.replacingOccurrences(of: f.memberA, with: UUID().uuidString.lowercased())
                    .replacingOccurrences(of: f.roleA, with: UUID().uuidString.lowercased())
                let unknown = try await client.json(method, ghost, token: f.tokenB, tenant: f.tenantB, body: body)
                #expect(unknown.status == .notFound, "\(method) \(ghost)")
                #expect(String(buffer: unknown.body) == String(buffer: response.body), "\(method) \(path) leaks existence")
            }
            // Nothing of A changed.
            let member = try await client.json(.get, "/api/v1/users/\(f.memberA)", token: f.tokenA, tenant: f.tenantA)
            #expect(member.status == .ok)
            #expect(try JSONBody(member)["is_active"] as? Bool == true)
            let role = try await client.json(.get, "/api/v1/roles/\(f.roleA)", token: f.tokenA, tenant: f.tenantA)
            #expect(try JSONBody(role)["name"] as? String == "Auditors")
        }
    }

    @Test("Lists show only the caller's tenant", arguments: TestBackend.available)
    func listsAreScoped(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)

            let users = try JSONBody(try await client.json(.get, "/api/v1/users", token: f.tokenB, tenant: f.tenantB))
            let roles = try JSONBody(try await client.json(.get, "/api/v1/roles", token: f.tokenB, tenant: f.tenantB))
            let tenants = try JSONBody(try await client.json(.get, "/api/v1/tenants", token: f.tokenB))

            let emails = (users["items"] as? [[String: Any]] ?? []).compactMap { $0["email"] as? String }
            #expect(emails == ["admin-b@example.com"])
            #expect(users["total"] as? Int == 1)
            let roleNames = (roles.array as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(!roleNames.contains("Auditors"))
            #expect(Set(roleNames).isSuperset(of: ["Tenant Admin", "Read Only User", "VM Operator"]))
            #expect((tenants.array as? [[String: Any]])?.compactMap { $0["id"] as? String } == [f.tenantB])
        }
    }

    @Test("A role of B cannot be given to a member of A, nor A's member put into B's role", arguments: TestBackend.available)
    func crossTenantAssignment(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)

            let putForeignUser = try await client.json(
                .put, "/api/v1/roles/\(SystemRoleID.readOnly)/users", token: f.tokenB, tenant: f.tenantB,
                body: ["user_ids": [f.memberA]]
            )
            let assignForeignRole = try await client.json(
                .post, "/api/v1/users/\(f.adminB)/roles", token: f.tokenB, tenant: f.tenantB, body: ["role_id": f.roleA]
            )

            try expectError(putForeignUser, .unprocessableContent)
            try expectError(assignForeignRole, .unprocessableContent)
        }
    }
}
