import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

/// `GET /users/me/permissions`: what the caller may do in the tenant of the request, from the same
/// data every other request is checked against.
@Suite("The caller's permissions")
struct CallerPermissionsTests {
    static func permissions(_ response: TestResponse) throws -> (tenant: String?, ids: [String], superuser: Bool?) {
        let body = try JSONBody(response)
        return (body["tenant_id"] as? String, try #require(body["permission_ids"] as? [String]), body["is_superuser"] as? Bool)
    }

    @Test("Roles' union in the tenant, a key's scope, the catalog for a superuser; no tenant or a foreign one is refused", arguments: TestBackend.available)
    func callerPermissions(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let tenants = try await TwoTenants(client)
            let path = "/api/v1/users/me/permissions"

            // A member holding Read Only User and Auditors (user:read) in A: the union, sorted.
            let assigned = try await client.json(
                .post, "/api/v1/users/\(tenants.memberA)/roles", token: tenants.tokenA, tenant: tenants.tenantA, body: ["role_id": tenants.roleA]
            )
            #expect(assigned.status == .ok || assigned.status == .created || assigned.status == .noContent, "\(String(buffer: assigned.body))")
            let member = try await client.loginAs("member-a@example.com")
            let catalog = try #require(
                try JSONBody(try await client.json(.get, "/api/v1/permissions", token: tenants.tokenA, tenant: tenants.tenantA)).array as? [[String: Any]]
            ).compactMap { $0["id"] as? String }
            let readOnlyRole = try JSONBody(
                try await client.json(.get, "/api/v1/roles/\(SystemRoleID.readOnly)", token: tenants.tokenA, tenant: tenants.tenantA)
            )
            let reads = Set(try #require(readOnlyRole["permission_ids"] as? [String])).union(["user:read"]).sorted()
            let own = try Self.permissions(try await client.json(.get, path, token: member, tenant: tenants.tenantA))
            #expect(own.tenant == tenants.tenantA && own.superuser == false)
            #expect(own.ids == reads, "\(own.ids)")

            // The only tenant is taken without the header; a key holds the intersection with its scope.
            #expect(try Self.permissions(try await client.json(.get, path, token: member)).ids == reads)
            let key = try await client.createAPIKey(permissions: ["vm:read", "vm:create"], token: member)
            let scoped = try Self.permissions(try await client.json(.get, path, apiKey: key.key, tenant: tenants.tenantA))
            #expect(scoped.ids == ["vm:read"])

            // A superuser holds the whole catalog in any tenant; a scoped key of theirs only its scope.
            let root = try Self.permissions(try await client.json(.get, path, token: tenants.rootToken, tenant: tenants.tenantB))
            #expect(root.ids == catalog.sorted() && root.superuser == true && root.tenant == tenants.tenantB)
            let rootKey = try await client.createAPIKey(permissions: ["vm:read"], token: tenants.rootToken)
            let rootScoped = try Self.permissions(try await client.json(.get, path, apiKey: rootKey.key, tenant: tenants.tenantB))
            #expect(rootScoped.ids == ["vm:read"] && rootScoped.superuser == false)

            // What it answers is what is enforced: the member may list users but not create one.
            #expect(try await client.json(.get, "/api/v1/users", token: member, tenant: tenants.tenantA).status == .ok)
            let refused = try await client.json(
                .post, "/api/v1/users", token: member, tenant: tenants.tenantA,
                body: ["email": "x@example.com", "password": "long-enough-password", "first_name": "X", "last_name": "Y"]
            )
            try expectError(refused, .forbidden)

            try expectError(try await client.json(.get, path), .unauthorized)
            try expectError(try await client.json(.get, path, token: tenants.tokenB, tenant: tenants.tenantA), .forbidden)
            try expectError(try await client.json(.get, path, token: tenants.rootToken, tenant: "not-a-uuid"), .badRequest)
            try expectError(try await client.json(.get, path, token: tenants.rootToken, tenant: UUID().uuidString.lowercased()), .notFound)
        }
    }
}
