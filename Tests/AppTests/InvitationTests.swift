import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

@Suite("Invitations")
struct InvitationTests {
    @Test("The token is shown once; accepting creates the account with the role, and it can log in", arguments: TestBackend.available)
    func acceptCreatesTheAccount(backend: TestBackend) async throws {
        try await withApp(backend, settings: ["public.base.url": "https://app.example.com/"]) { client, _ in
            let (root, tenant) = try await client.loginWithTenant("Acme")

            let created = try await client.invite("New.Person@Example.com", role: SystemRoleID.readOnly, in: tenant, token: root)
            let token = try #require(created["token"] as? String)
            let id = try #require(created["id"] as? String)
            let listed = try JSONBody(try await client.json(.get, "/api/v1/invitations", token: root, tenant: tenant))
            let accepted = try await client.accept(token, as: "new.person@example.com")
            let newcomer = try await client.loginAs("new.person@example.com")
            let listUsers = try await client.json(.get, "/api/v1/users", token: newcomer, tenant: tenant)
            let createUser = try await client.json(
                .post, "/api/v1/users", token: newcomer, tenant: tenant,
                body: ["email": "x@example.com", "password": "long-password", "first_name": "X", "last_name": "Y"]
            )
            let afterwards = try JSONBody(try await client.json(.get, "/api/v1/invitations?status=accepted", token: root, tenant: tenant))

            #expect(token.count >= 22 && !token.contains("+") && !token.contains("/") && !token.contains("="))
            #expect(created["accept_url"] as? String == "https://app.example.com/invitations/accept?token=\(token)")
            #expect(created["email"] as? String == "new.person@example.com")
            #expect(created["status"] as? String == "pending")
            #expect(created["tenant_id"] as? String == tenant)
            #expect(created["role_id"] as? String == SystemRoleID.readOnly)
            #expect(created["invited_by"] is String)
            let createdAt = try #require((created["created_at"] as? String).flatMap(ISO8601DateFormatter().date(from:)))
            let expiresAt = try #require((created["expires_at"] as? String).flatMap(ISO8601DateFormatter().date(from:)))
            #expect(abs(expiresAt.timeIntervalSince(createdAt) - 604_800) <= 1)
            #expect(listed.items.map { $0["id"] as? String } == [id])
            #expect(listed.items.first?["token"] == nil && listed.items.first?["status"] as? String == "pending")
            #expect(!String(describing: listed.value).contains(token))
            #expect(accepted.status == .ok, "\(String(buffer: accepted.body))")
            let acceptance = try JSONBody(accepted)
            #expect(acceptance["account_created"] as? Bool == true)
            #expect(acceptance["tenant_id"] as? String == tenant)
            #expect(acceptance["role_id"] as? String == SystemRoleID.readOnly)
            #expect((acceptance["user"] as? [String: Any])?["email"] as? String == "new.person@example.com")
            #expect(listUsers.status == .ok)
            #expect(try JSONBody(listUsers).items.contains { $0["email"] as? String == "new.person@example.com" && ($0["roles"] as? [String]) == ["Read Only User"] })
            try expectError(createUser, .forbidden)
            #expect(afterwards.items.map { $0["id"] as? String } == [id])
        }
    }

    @Test("Accepting twice, a revoked token or an unknown token fails with a reason and changes nothing", arguments: TestBackend.available)
    func unusableTokens(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let (root, tenant) = try await client.loginWithTenant("Acme")
            let used = try #require(try await client.invite("used@example.com", role: SystemRoleID.readOnly, in: tenant, token: root)["token"] as? String)
            let revoked = try await client.invite("revoked@example.com", role: SystemRoleID.readOnly, in: tenant, token: root)
            #expect(try await client.accept(used, as: "used@example.com").status == .ok)
            let membersBefore = try await client.memberCount(of: tenant, token: root)
            let revokedID = try #require(revoked["id"] as? String)

            let firstRevoke = try await client.json(.delete, "/api/v1/invitations/\(revokedID)", token: root, tenant: tenant)
            let secondRevoke = try await client.json(.delete, "/api/v1/invitations/\(revokedID)", token: root, tenant: tenant)
            let again = try await client.accept(used, as: "used@example.com")
            let afterRevoke = try await client.accept(try #require(revoked["token"] as? String), as: "revoked@example.com")
            let unknown = try await client.accept("not-a-real-token", as: "someone@example.com")
            let noToken = try await client.json(.post, "/api/v1/invitations/accept", body: ["password": "long-password"])
            let notJSON = try await client.execute(
                uri: "/api/v1/invitations/accept", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: "{")
            )

            #expect(firstRevoke.status == .noContent)
            #expect(secondRevoke.status == .noContent)
            try expectError(again, .gone)
            #expect(try JSONBody(again)["detail"] as? String == "This invitation has already been accepted")
            try expectError(afterRevoke, .gone)
            #expect(try JSONBody(afterRevoke)["detail"] as? String == "This invitation has been revoked")
            try expectError(unknown, .notFound)
            try expectError(noToken, .unprocessableContent)
            try expectError(notJSON, .badRequest)
            #expect(try await client.memberCount(of: tenant, token: root) == membersBefore)
            #expect(try await !client.canLogIn("revoked@example.com"))
            #expect(try await !client.canLogIn("someone@example.com"))
            let statuses = try JSONBody(try await client.json(.get, "/api/v1/invitations", token: root, tenant: tenant)).items
                .compactMap { $0["status"] as? String }
            #expect(statuses == ["revoked", "accepted"])
        }
    }

    @Test("An expired invitation cannot be accepted and is listed as expired", arguments: TestBackend.available)
    func expiredInvitation(backend: TestBackend) async throws {
        try await withApp(backend, settings: ["invitation.ttl": "1"]) { client, _ in
            let (root, tenant) = try await client.loginWithTenant("Acme")
            let created = try await client.invite("late@example.com", role: SystemRoleID.readOnly, in: tenant, token: root)
            let membersBefore = try await client.memberCount(of: tenant, token: root)
            try await Task.sleep(for: .milliseconds(1_500))

            let accept = try await client.accept(try #require(created["token"] as? String), as: "late@example.com")
            let expired = try JSONBody(try await client.json(.get, "/api/v1/invitations?status=expired", token: root, tenant: tenant))
            let pending = try JSONBody(try await client.json(.get, "/api/v1/invitations?status=pending", token: root, tenant: tenant))

            try expectError(accept, .gone)
            #expect(try JSONBody(accept)["detail"] as? String == "This invitation has expired")
            #expect(expired.items.map { $0["id"] as? String } == [created["id"] as? String])
            #expect(pending["total"] as? Int == 0)
            #expect(try await client.memberCount(of: tenant, token: root) == membersBefore)
            #expect(try await !client.canLogIn("late@example.com"))
            // A new invitation can replace an expired one.
            _ = try await client.invite("late@example.com", role: SystemRoleID.readOnly, in: tenant, token: root)
        }
    }

    @Test("An existing account joins only with its current password; its names stay", arguments: TestBackend.available)
    func existingAccountNeedsItsPassword(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)
            _ = try await client.createUser("bob@example.com", in: f.tenantB, token: f.rootToken)
            let invitation = try await client.invite("BOB@example.com", role: f.roleA, in: f.tenantA, token: f.tokenA)
            let token = try #require(invitation["token"] as? String)
            let membersBefore = try await client.memberCount(of: f.tenantA, token: f.tokenA)

            let wrong = try await client.json(.post, "/api/v1/invitations/accept", body: ["token": token, "password": "not-bobs-password"])
            let missing = try await client.json(.post, "/api/v1/invitations/accept", body: ["token": token])
            let membersAfterFailures = try await client.memberCount(of: f.tenantA, token: f.tokenA)
            let right = try await client.json(
                .post, "/api/v1/invitations/accept",
                body: ["token": token, "password": "password-bob@example.com", "first_name": "Robert", "last_name": "Changed"]
            )
            let bob = try await client.loginAs("bob@example.com")
            let inA = try await client.json(.get, "/api/v1/users", token: bob, tenant: f.tenantA)
            let me = try JSONBody(try await client.json(.get, "/api/v1/users/me", token: bob))

            try expectError(wrong, .unauthorized)
            #expect(wrong.headers[.wwwAuthenticate] == "Bearer")
            try expectError(missing, .unauthorized)
            #expect(membersAfterFailures == membersBefore)
            #expect(right.status == .ok, "\(String(buffer: right.body))")
            #expect(try JSONBody(right)["account_created"] as? Bool == false)
            #expect(inA.status == .ok)
            #expect(try JSONBody(inA).items.contains { $0["email"] as? String == "bob@example.com" && ($0["roles"] as? [String]) == ["Auditors"] })
            #expect(me["first_name"] as? String == "First")
            #expect(try await client.memberCount(of: f.tenantA, token: f.tokenA) == membersBefore + 1)
        }
    }

    @Test("An existing account may accept with its own access token, not with someone else's or an API key", arguments: TestBackend.available)
    func acceptWithAccessToken(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)
            _ = try await client.createUser("carol@example.com", in: f.tenantB, token: f.rootToken)
            let carol = try await client.loginAs("carol@example.com")
            let carolKey = try await client.createAPIKey(token: carol).key
            let token = try #require(try await client.invite("carol@example.com", role: SystemRoleID.readOnly, in: f.tenantA, token: f.tokenA)["token"] as? String)

            let asSomeoneElse = try await client.json(.post, "/api/v1/invitations/accept", token: f.tokenB, body: ["token": token])
            let withKey = try await client.json(.post, "/api/v1/invitations/accept", apiKey: carolKey, body: ["token": token])
            let badToken = try await client.json(.post, "/api/v1/invitations/accept", token: "not-a-jwt", body: ["token": token])
            let asCarol = try await client.json(.post, "/api/v1/invitations/accept", token: carol, body: ["token": token])

            try expectError(asSomeoneElse, .forbidden)
            try expectError(withKey, .forbidden)
            try expectError(badToken, .unauthorized)
            #expect(asCarol.status == .ok, "\(String(buffer: asCarol.body))")
            #expect(try await client.json(.get, "/api/v1/users", token: carol, tenant: f.tenantA).status == .ok)
        }
    }

    @Test("Inviting needs invitation:create and cannot grant a role beyond the inviter's permissions", arguments: TestBackend.available)
    func noEscalationThroughInvitations(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)
            let inviterRole = try await client.createRole("Inviter", permissions: ["invitation:create", "user:read"], in: f.tenantA, token: f.tokenA)
            let narrow = try await client.createRole("Narrow", permissions: ["user:read"], in: f.tenantA, token: f.tokenA)
            _ = try await client.createUser("inviter@example.com", in: f.tenantA, roles: [inviterRole], token: f.tokenA)
            let inviter = try await client.loginAs("inviter@example.com")
            let readOnly = try await client.loginAs("member-a@example.com")
            func invite(_ role: String, token: String, email: String = "x@example.com") async throws -> TestResponse {
                try await client.json(.post, "/api/v1/invitations", token: token, tenant: f.tenantA, body: ["email": email, "role_id": role])
            }
            let roleB = try await client.createRole("B only", permissions: ["user:read"], in: f.tenantB, token: f.tokenB)

            try expectError(try await invite(SystemRoleID.tenantAdmin, token: inviter), .forbidden)
            try expectError(try await invite(SystemRoleID.readOnly, token: inviter), .forbidden)
            try expectError(try await invite(narrow, token: readOnly), .forbidden)
            try expectError(try await invite(UUID().uuidString, token: inviter), .unprocessableContent)
            try expectError(try await invite(roleB, token: inviter), .unprocessableContent)
            try expectError(try await invite("not-a-uuid", token: inviter), .unprocessableContent)
            try expectError(try await invite(narrow, token: inviter, email: "not an email"), .unprocessableContent)
            #expect(try await invite(narrow, token: inviter).status == .created)
        }
    }

    @Test("Members and pending invitees cannot be invited again; a revoked invitation can be replaced", arguments: TestBackend.available)
    func conflicts(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)
            _ = try await client.json(.patch, "/api/v1/users/\(f.memberA)", token: f.tokenA, tenant: f.tenantA, body: ["is_active": false])
            let first = try await client.invite("pending@example.com", role: SystemRoleID.readOnly, in: f.tenantA, token: f.tokenA)
            func invite(_ email: String) async throws -> TestResponse {
                try await client.json(.post, "/api/v1/invitations", token: f.tokenA, tenant: f.tenantA, body: ["email": email, "role_id": SystemRoleID.readOnly])
            }

            try expectError(try await invite("ADMIN-A@example.com"), .conflict)
            try expectError(try await invite("member-a@example.com"), .conflict)  // an inactive member is still a member
            try expectError(try await invite("Pending@Example.com"), .conflict)
            // The same email may be invited into another tenant meanwhile.
            #expect(try await client.json(
                .post, "/api/v1/invitations", token: f.tokenB, tenant: f.tenantB, body: ["email": "pending@example.com", "role_id": SystemRoleID.readOnly]
            ).status == .created)
            #expect(try await client.json(.delete, "/api/v1/invitations/\(try #require(first["id"] as? String))", token: f.tokenA, tenant: f.tenantA).status == .noContent)
            #expect(try await invite("pending@example.com").status == .created)
        }
    }

    @Test("Revoking an accepted invitation is a conflict", arguments: TestBackend.available)
    func revokeAccepted(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let (root, tenant) = try await client.loginWithTenant("Acme")
            let created = try await client.invite("joined@example.com", role: SystemRoleID.readOnly, in: tenant, token: root)
            #expect(try await client.accept(try #require(created["token"] as? String), as: "joined@example.com").status == .ok)

            let revoke = try await client.json(.delete, "/api/v1/invitations/\(try #require(created["id"] as? String))", token: root, tenant: tenant)

            try expectError(revoke, .conflict)
            #expect(try await client.canLogIn("joined@example.com"))
        }
    }

    @Test("Invitations are invisible across tenants: 404 for another tenant's id, 403 with its header", arguments: TestBackend.available)
    func tenantIsolation(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)
            let inA = try #require(try await client.invite("guest@example.com", role: SystemRoleID.readOnly, in: f.tenantA, token: f.tokenA)["id"] as? String)

            let foreignID = try await client.json(.delete, "/api/v1/invitations/\(inA)", token: f.tokenB, tenant: f.tenantB)
            let ghostID = try await client.json(.delete, "/api/v1/invitations/\(UUID().uuidString.lowercased())", token: f.tokenB, tenant: f.tenantB)
            let notUUID = try await client.json(.delete, "/api/v1/invitations/nope", token: f.tokenB, tenant: f.tenantB)
            let listB = try JSONBody(try await client.json(.get, "/api/v1/invitations", token: f.tokenB, tenant: f.tenantB))
            let foreignHeader = [
                try await client.json(.get, "/api/v1/invitations", token: f.tokenB, tenant: f.tenantA),
                try await client.json(.delete, "/api/v1/invitations/\(inA)", token: f.tokenB, tenant: f.tenantA),
            ]

            try expectError(foreignID, .notFound)
            #expect(String(buffer: foreignID.body) == String(buffer: ghostID.body))
            try expectError(notUUID, .notFound)
            #expect(listB["total"] as? Int == 0)
            for response in foreignHeader { try expectError(response, .forbidden) }
            let stillPending = try JSONBody(try await client.json(.get, "/api/v1/invitations?status=pending", token: f.tokenA, tenant: f.tenantA))
            #expect(stillPending.items.map { $0["id"] as? String } == [inA])
        }
    }

    @Test("The list pages like /users and checks its parameters", arguments: TestBackend.available)
    func listParameters(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let (root, tenant) = try await client.loginWithTenant("Acme")
            for index in 0..<3 { _ = try await client.invite("p\(index)@example.com", role: SystemRoleID.readOnly, in: tenant, token: root) }

            let page = try JSONBody(try await client.json(.get, "/api/v1/invitations?page=2&limit=2", token: root, tenant: tenant))

            #expect(page["total"] as? Int == 3 && page["page"] as? Int == 2 && page["limit"] as? Int == 2)
            #expect(page.items.map { $0["email"] as? String } == ["p0@example.com"])
            for query in ["limit=0", "limit=101", "page=0", "status=bogus"] {
                try expectError(try await client.json(.get, "/api/v1/invitations?\(query)", token: root, tenant: tenant), .unprocessableContent)
            }
        }
    }

    @Test("A tenant with invitations can still be deleted", arguments: TestBackend.available)
    func deleteTenantWithInvitations(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let (root, tenant) = try await client.loginWithTenant("Short-lived")
            let role = try await client.createRole("Custom", permissions: ["user:read"], in: tenant, token: root)
            let invitation = try await client.invite("gone@example.com", role: role, in: tenant, token: root)

            #expect(try await client.json(.delete, "/api/v1/tenants/\(tenant)", token: root).status == .noContent)
            try expectError(try await client.accept(try #require(invitation["token"] as? String), as: "gone@example.com"), .notFound)
        }
    }

    @Test("Of two concurrent accepts of one token, exactly one succeeds", arguments: TestBackend.available)
    func concurrentAccepts(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let (root, tenant) = try await client.loginWithTenant("Acme")
            let token = try #require(try await client.invite("race@example.com", role: SystemRoleID.readOnly, in: tenant, token: root)["token"] as? String)

            async let first = client.accept(token, as: "race@example.com")
            async let second = client.accept(token, as: "race@example.com")
            let statuses = try await [first.status, second.status]

            #expect(statuses.filter { $0 == .ok }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == .gone }.count == 1, "\(statuses)")
            #expect(try await client.memberCount(of: tenant, token: root) == 1)
        }
    }
}
