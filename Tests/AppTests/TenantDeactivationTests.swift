import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

@Suite("Deactivated tenants and tenant lists")
struct TenantDeactivationTests {
    static func tenantIDs(_ response: TestResponse) throws -> [String] {
        ((try JSONBody(response).array as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
    }

    @Test("A deactivated tenant refuses its members and its invitations until it is active again; superusers still enter", arguments: TestBackend.available)
    func deactivatedTenant(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)
            let member = try await client.loginAs("member-a@example.com")
            let memberKey = try await client.createAPIKey(token: member).key
            let invitation = try await client.invite("newcomer@example.com", role: SystemRoleID.readOnly, in: f.tenantA, token: f.tokenA)
            let invitationToken = try #require(invitation["token"] as? String)

            let off = try await client.json(.patch, "/api/v1/tenants/\(f.tenantA)", token: f.rootToken, body: ["is_active": false])
            #expect(off.status == .ok)
            #expect(try JSONBody(off)["is_active"] as? Bool == false)

            try expectError(try await client.json(.get, "/api/v1/users", token: member, tenant: f.tenantA), .forbidden)
            try expectError(try await client.json(.get, "/api/v1/users", token: member), .forbidden)  // its only tenant
            try expectError(try await client.json(.get, "/api/v1/roles", token: f.tokenA, tenant: f.tenantA), .forbidden)
            try expectError(try await client.json(.get, "/api/v1/users", apiKey: memberKey, tenant: f.tenantA), .forbidden)
            try expectError(try await client.json(.get, "/api/v1/tenants/\(f.tenantA)/users", token: f.tokenA), .forbidden)
            #expect(try Self.tenantIDs(try await client.json(.get, "/api/v1/tenants", token: member)).isEmpty)
            #expect(try await client.json(.get, "/api/v1/users/me", token: member).status == .ok, "the account itself works")
            try expectError(try await client.accept(invitationToken, as: "newcomer@example.com"), .forbidden)
            #expect(!(try await client.canLogIn("newcomer@example.com")), "refusing the invitation created nothing")
            // Tenant B is untouched.
            #expect(try await client.json(.get, "/api/v1/users", token: f.tokenB, tenant: f.tenantB).status == .ok)
            // Superusers administer it and see it, marked inactive.
            #expect(try await client.json(.get, "/api/v1/users", token: f.rootToken, tenant: f.tenantA).status == .ok)
            let all = try JSONBody(try await client.json(.get, "/api/v1/tenants", token: f.rootToken)).array as? [[String: Any]] ?? []
            #expect(all.first { $0["id"] as? String == f.tenantA }?["is_active"] as? Bool == false)

            let on = try await client.json(.patch, "/api/v1/tenants/\(f.tenantA)", token: f.rootToken, body: ["is_active": true])
            #expect(on.status == .ok)
            #expect(try await client.json(.get, "/api/v1/users", token: member, tenant: f.tenantA).status == .ok)
            #expect(try await client.json(.get, "/api/v1/users", apiKey: memberKey, tenant: f.tenantA).status == .ok)
            #expect(try Self.tenantIDs(try await client.json(.get, "/api/v1/tenants", token: member)) == [f.tenantA])
            #expect(try await client.accept(invitationToken, as: "newcomer@example.com").status == .ok, "the invitation stayed pending")
        }
    }

    @Test("A superuser's scoped API key lists only the superuser's own tenants; an unscoped key lists all", arguments: TestBackend.available)
    func scopedSuperuserKeyListsOwnTenants(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)
            let scoped = try await client.createAPIKey(permissions: ["user:read"], token: f.rootToken).key
            let unscoped = try await client.createAPIKey(token: f.rootToken).key

            let viaToken = Set(try Self.tenantIDs(try await client.json(.get, "/api/v1/tenants", token: f.rootToken)))
            let viaScoped = try Self.tenantIDs(try await client.json(.get, "/api/v1/tenants", apiKey: scoped))
            let viaUnscoped = Set(try Self.tenantIDs(try await client.json(.get, "/api/v1/tenants", apiKey: unscoped)))

            #expect(viaToken.isSuperset(of: [f.tenantA, f.tenantB]))
            #expect(viaUnscoped == viaToken)
            #expect(!viaScoped.contains(f.tenantA) && !viaScoped.contains(f.tenantB), "\(viaScoped)")
            #expect(viaScoped.count == 1, "only the bootstrap tenant the superuser belongs to")
        }
    }
}
