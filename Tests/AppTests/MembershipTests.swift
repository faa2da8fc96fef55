import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

@Suite("Users in tenants, tenant management, pagination")
struct MembershipTests {
    @Test("DELETE and PATCH act on the membership: the user keeps working in their other tenant", arguments: TestBackend.available)
    func membershipSemantics(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)
            // member-a also joins B, by accepting an invitation.
            let member = try await client.loginAs("member-a@example.com")
            let invitation = try await client.invite("member-a@example.com", role: SystemRoleID.readOnly, in: f.tenantB, token: f.tokenB)
            let joined = try await client.json(
                .post, "/api/v1/invitations/accept", token: member, body: ["token": try #require(invitation["token"] as? String)]
            )
            #expect(joined.status == .ok)
            try expectError(try await client.json(.get, "/api/v1/users", token: member), .badRequest)  // two tenants, no header

            let deactivated = try await client.json(.patch, "/api/v1/users/\(f.memberA)", token: f.tokenA, tenant: f.tenantA, body: ["is_active": false])
            #expect(try JSONBody(deactivated)["is_active"] as? Bool == false)
            try expectError(try await client.json(.get, "/api/v1/users", token: member, tenant: f.tenantA), .forbidden)
            #expect(try await client.json(.get, "/api/v1/users", token: member, tenant: f.tenantB).status == .ok)
            let visible = try JSONBody(try await client.json(.get, "/api/v1/tenants", token: member))
            #expect((visible.array as? [[String: Any]])?.compactMap { $0["id"] as? String } == [f.tenantB])

            #expect(try await client.json(.delete, "/api/v1/users/\(f.memberA)", token: f.tokenA, tenant: f.tenantA).status == .noContent)
            try expectError(try await client.json(.get, "/api/v1/users/\(f.memberA)", token: f.tokenA, tenant: f.tenantA), .notFound)
            try expectError(try await client.json(.get, "/api/v1/users", token: member, tenant: f.tenantA), .forbidden)
            #expect(try await client.json(.get, "/api/v1/users", token: member, tenant: f.tenantB).status == .ok)
            // Still exactly one tenant left: the header is optional again.
            #expect(try await client.json(.get, "/api/v1/users", token: member).status == .ok)
        }
    }

    @Test("POST /users with an existing account's email is 409, says nothing of the account, and adds nobody", arguments: TestBackend.available)
    func existingEmailIsConflict(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)
            let before = try await client.memberCount(of: f.tenantB, token: f.tokenB)

            // member-a belongs to tenant A only; B's admin tries to pull the account into B.
            let response = try await client.json(
                .post, "/api/v1/users", token: f.tokenB, tenant: f.tenantB,
                body: [
                    "email": "Member-A@Example.com", "password": "another-password", "first_name": "F", "last_name": "L",
                    "role_ids": [SystemRoleID.readOnly],
                ]
            )
            // The same for a member of the tenant itself.
            let ownMember = try await client.json(
                .post, "/api/v1/users", token: f.tokenA, tenant: f.tenantA,
                body: ["email": "member-a@example.com", "password": "another-password", "first_name": "F", "last_name": "L"]
            )

            try expectError(response, .conflict)
            try expectError(ownMember, .conflict)
            let body = String(buffer: response.body)
            #expect(!body.contains("First") && !body.contains("Last") && !body.contains(f.memberA), "names or ids leaked: \(body)")
            #expect(try await client.memberCount(of: f.tenantB, token: f.tokenB) == before)
            try expectError(try await client.json(.get, "/api/v1/users/\(f.memberA)", token: f.tokenB, tenant: f.tenantB), .notFound)
            #expect(try await client.canLogIn("member-a@example.com"), "the account's password is untouched")
        }
    }

    @Test("Tenant context errors: malformed header 400, unknown tenant 403 (404 for superusers)", arguments: TestBackend.available)
    func tenantHeaderErrors(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)
            let unknown = UUID().uuidString

            try expectError(try await client.json(.get, "/api/v1/users", token: f.tokenA, tenant: "not-a-uuid"), .badRequest)
            try expectError(try await client.json(.get, "/api/v1/users", token: f.tokenA, tenant: unknown), .forbidden)
            try expectError(try await client.json(.get, "/api/v1/users", token: f.rootToken, tenant: unknown), .notFound)
            #expect(try await client.json(.get, "/api/v1/users", token: f.rootToken, tenant: f.tenantB).status == .ok)
            try expectError(try await client.json(.get, "/api/v1/users"), .unauthorized)
        }
    }

    @Test("Users are paginated and searchable, each with their roles; bounds are checked", arguments: TestBackend.available)
    func paginationAndSearch(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            let tenant = try await client.createTenant("Paging", token: root)
            for index in 0..<5 {
                _ = try await client.createUser("user\(index)@example.com", in: tenant, roles: [SystemRoleID.readOnly], token: root)
            }
            _ = try await client.createUser("zed_50%@example.com", in: tenant, token: root)

            let page2 = try JSONBody(try await client.json(.get, "/api/v1/users?page=2&limit=2", token: root, tenant: tenant))
            let search = try JSONBody(try await client.json(.get, "/api/v1/users?search=USER3", token: root, tenant: tenant))
            let literal = try JSONBody(try await client.json(.get, "/api/v1/users?search=_50%25", token: root, tenant: tenant))
            let wildcard = try JSONBody(try await client.json(.get, "/api/v1/users?search=%25", token: root, tenant: tenant))

            #expect(page2["total"] as? Int == 6)
            #expect(page2["page"] as? Int == 2 && page2["limit"] as? Int == 2)
            let items = page2["items"] as? [[String: Any]] ?? []
            #expect(items.compactMap { $0["email"] as? String } == ["user2@example.com", "user3@example.com"])
            #expect(items.first?["roles"] as? [String] == ["Read Only User"])
            #expect((search["items"] as? [[String: Any]])?.compactMap { $0["email"] as? String } == ["user3@example.com"])
            #expect(literal["total"] as? Int == 1)
            #expect(wildcard["total"] as? Int == 1, "% is matched literally")
            for bad in ["limit=0", "limit=101", "page=0", "page=-1"] {
                try expectError(try await client.json(.get, "/api/v1/users?\(bad)", token: root, tenant: tenant), .unprocessableContent)
            }
            try expectError(try await client.json(.get, "/api/v1/users?limit=ten", token: root, tenant: tenant), .unprocessableContent)
            let tenantUsers = try JSONBody(try await client.json(.get, "/api/v1/tenants/\(tenant)/users?limit=100", token: root))
            #expect(tenantUsers["total"] as? Int == 6)
        }
    }

    @Test("Superusers manage tenants; deleting one removes its memberships and custom roles", arguments: TestBackend.available)
    func tenantLifecycle(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)

            let renamed = try await client.json(.patch, "/api/v1/tenants/\(f.tenantA)", token: f.rootToken, body: ["name": "Alpha", "description": "first"])
            #expect(try JSONBody(renamed)["name"] as? String == "Alpha")
            #expect(try JSONBody(renamed)["description"] as? String == "first")
            let all = try JSONBody(try await client.json(.get, "/api/v1/tenants", token: f.rootToken))
            #expect((all.array as? [[String: Any]])?.count == 3)  // Default, Alpha, Tenant B

            #expect(try await client.json(.delete, "/api/v1/tenants/\(f.tenantA)", token: f.rootToken).status == .noContent)

            try expectError(try await client.json(.get, "/api/v1/tenants/\(f.tenantA)", token: f.rootToken), .notFound)
            try expectError(try await client.json(.get, "/api/v1/users", token: f.tokenA, tenant: f.tenantA), .forbidden)
            let adminTenants = try JSONBody(try await client.json(.get, "/api/v1/tenants", token: f.tokenA))
            #expect(adminTenants.array?.isEmpty == true)
            try expectError(try await client.json(.get, "/api/v1/tenants/\(UUID().uuidString)", token: f.rootToken), .notFound)
            try expectError(try await client.json(.post, "/api/v1/tenants", token: f.rootToken, body: ["name": ""]), .unprocessableContent)
        }
    }

    @Test("Users change their own names and password; a new password revokes older tokens", arguments: TestBackend.available)
    func profileChanges(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)
            let old = try await client.loginAs("member-a@example.com")

            let renamed = try await client.json(.patch, "/api/v1/users/me", token: old, body: ["first_name": "Grace"])
            let noCurrent = try await client.json(.patch, "/api/v1/users/me", token: old, body: ["password": "brand-new-password"])
            let wrongCurrent = try await client.json(.patch, "/api/v1/users/me", token: old, body: ["password": "brand-new-password", "current_password": "nope"])
            let changed = try await client.json(
                .patch, "/api/v1/users/me", token: old,
                body: ["password": "brand-new-password", "current_password": "password-member-a@example.com"]
            )

            #expect(try JSONBody(renamed)["first_name"] as? String == "Grace")
            try expectError(noCurrent, .unprocessableContent)
            try expectError(wrongCurrent, .forbidden)
            #expect(changed.status == .ok)
            try expectError(try await client.json(.get, "/api/v1/users/me", token: old), .unauthorized)
            let fresh = try await client.login("member-a@example.com", "brand-new-password")
            #expect(try await client.json(.get, "/api/v1/users/me", token: fresh).status == .ok)
            _ = f
        }
    }

    @Test("Failed logins are throttled with 429 and Retry-After, per account, never locking out", arguments: TestBackend.available)
    func loginThrottling(backend: TestBackend) async throws {
        try await withApp(backend, settings: ["login.max.failures": "2", "login.backoff.seconds": "4"]) { client, _ in
            let attempt = { @Sendable (password: String) async throws -> TestResponse in
                try await client.json(.post, "/api/v1/auth/token", body: ["username": Admin.email, "password": password])
            }

            #expect(try await attempt("wrong-1").status == .unauthorized)
            #expect(try await attempt("wrong-2").status == .unauthorized)
            let throttled = try await attempt(Admin.password)
            let otherAccount = try await client.json(.post, "/api/v1/auth/token", body: ["username": "someone@example.com", "password": "x"])

            try expectError(throttled, .tooManyRequests)
            #expect(Int(throttled.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(otherAccount.status == .unauthorized, "other accounts are not affected")
            // The back-off is 4 s rather than 1 s so that a machine loaded by the rest of the suite cannot
            // let it run out between the failures and the throttled attempt.
            try await Task.sleep(for: .milliseconds(4100))
            #expect(try await attempt(Admin.password).status == .ok, "waiting is enough: no lock-out")
            #expect(try await attempt("wrong-3").status == .unauthorized, "success reset the counter")
        }
    }
}
