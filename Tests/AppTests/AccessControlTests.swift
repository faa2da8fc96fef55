import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

@Suite("Roles, permissions and their enforcement")
struct AccessControlTests {
    @Test("Each endpoint needs its permission: allowed with it, 403 without", arguments: TestBackend.available)
    func permissionsAreEnforced(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)
            let readOnly = try await client.loginAs("member-a@example.com")
            let t = f.tenantA

            // A read-only member reads...
            #expect(try await client.json(.get, "/api/v1/users", token: readOnly, tenant: t).status == .ok)
            #expect(try await client.json(.get, "/api/v1/users/\(f.adminA)", token: readOnly, tenant: t).status == .ok)
            #expect(try await client.json(.get, "/api/v1/roles", token: readOnly, tenant: t).status == .ok)
            #expect(try await client.json(.get, "/api/v1/roles/\(f.roleA)", token: readOnly, tenant: t).status == .ok)
            #expect(try await client.json(.get, "/api/v1/roles/\(f.roleA)/users", token: readOnly, tenant: t).status == .ok)
            #expect(try await client.json(.get, "/api/v1/permissions", token: readOnly, tenant: t).status == .ok)
            // ...and writes nothing.
            let writes: [(HTTPRequest.Method, String, Any?)] = [
                (.post, "/api/v1/users", ["email": "x@example.com", "password": "long-password", "first_name": "X", "last_name": "Y"]),
                (.patch, "/api/v1/users/\(f.adminA)", ["first_name": "Hacked"]),
                (.delete, "/api/v1/users/\(f.adminA)", nil),
                (.post, "/api/v1/users/\(f.adminA)/roles", ["role_id": SystemRoleID.readOnly]),
                (.post, "/api/v1/roles", ["name": "Mine", "permission_ids": [String]()]),
                (.patch, "/api/v1/roles/\(f.roleA)", ["name": "Mine"]),
                (.delete, "/api/v1/roles/\(f.roleA)", nil),
                (.put, "/api/v1/roles/\(f.roleA)/users", ["user_ids": [String]()]),
                (.post, "/api/v1/tenants", ["name": "Mine"]),
                (.get, "/api/v1/tenants/\(t)", nil),
                (.delete, "/api/v1/tenants/\(t)", nil),
            ]
            for (method, path, body) in writes {
                let response = try await client.json(method, path, token: readOnly, tenant: t, body: body)
                #expect(response.status == .forbidden, "\(method) \(path): \(String(buffer: response.body))")
            }
            // The tenant admin may do the tenant-level writes.
            #expect(try await client.json(.patch, "/api/v1/users/\(f.memberA)", token: f.tokenA, tenant: t, body: ["first_name": "Renamed"]).status == .ok)
            #expect(try await client.json(.patch, "/api/v1/roles/\(f.roleA)", token: f.tokenA, tenant: t, body: ["description": "Reads users"]).status == .ok)
        }
    }

    @Test("The escalation attack: role:create + role:assign_users cannot grant vm:delete", arguments: TestBackend.available)
    func noPrivilegeEscalation(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            let tenant = try await client.createTenant("Escalation", token: root)
            let limited = try await client.createRole(
                "Role manager", permissions: ["role:create", "role:assign_users", "role:read", "user:read"], in: tenant, token: root
            )
            let attackerID = try await client.createUser("attacker@example.com", in: tenant, roles: [limited], token: root)
            let attacker = try await client.loginAs("attacker@example.com")

            let createPowerful = try await client.json(
                .post, "/api/v1/roles", token: attacker, tenant: tenant, body: ["name": "Power", "permission_ids": ["vm:delete"]]
            )
            let selfAssignAdmin = try await client.json(
                .post, "/api/v1/users/\(attackerID)/roles", token: attacker, tenant: tenant, body: ["role_id": SystemRoleID.tenantAdmin]
            )
            let putSelfIntoAdmin = try await client.json(
                .put, "/api/v1/roles/\(SystemRoleID.tenantAdmin)/users", token: attacker, tenant: tenant, body: ["user_ids": [attackerID]]
            )
            let harmless = try await client.json(
                .post, "/api/v1/roles", token: attacker, tenant: tenant, body: ["name": "Readers", "permission_ids": ["user:read"]]
            )
            let harmlessID = try #require(try JSONBody(harmless)["id"] as? String)
            let growHarmless = try await client.json(
                .patch, "/api/v1/roles/\(harmlessID)", token: attacker, tenant: tenant, body: ["permission_ids": ["user:read", "vm:delete"]]
            )

            try expectError(createPowerful, .forbidden)
            try expectError(selfAssignAdmin, .forbidden)
            try expectError(putSelfIntoAdmin, .forbidden)
            try expectError(growHarmless, .forbidden)
            #expect(harmless.status == .created)
            // Still powerless: vm permissions were never granted.
            let me = try await client.json(.get, "/api/v1/users/\(attackerID)", token: attacker, tenant: tenant)
            #expect(try JSONBody(me)["roles"] as? [String] == ["Role manager"])
        }
    }

    @Test("System roles are immutable; names are unique; permission ids must exist", arguments: TestBackend.available)
    func roleRules(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)
            let t = f.tenantA

            try expectError(try await client.json(.patch, "/api/v1/roles/\(SystemRoleID.tenantAdmin)", token: f.tokenA, tenant: t, body: ["name": "Boss"]), .conflict)
            try expectError(try await client.json(.delete, "/api/v1/roles/\(SystemRoleID.readOnly)", token: f.tokenA, tenant: t), .conflict)
            try expectError(try await client.json(.post, "/api/v1/roles", token: f.tokenA, tenant: t, body: ["name": "auditors"]), .conflict)
            try expectError(try await client.json(.post, "/api/v1/roles", token: f.tokenA, tenant: t, body: ["name": "Tenant Admin"]), .conflict)
            try expectError(
                try await client.json(.post, "/api/v1/roles", token: f.tokenA, tenant: t, body: ["name": "X", "permission_ids": ["vm:fly"]]),
                .unprocessableContent
            )
            try expectError(try await client.json(.post, "/api/v1/roles", token: f.tokenA, tenant: t, body: ["name": "  "]), .unprocessableContent)
            try expectError(try await client.json(.post, "/api/v1/tenants", token: f.rootToken, body: ["name": "tenant a"]), .conflict)
            try expectError(
                try await client.json(.post, "/api/v1/users", token: f.tokenA, tenant: t, body: ["email": "MEMBER-A@example.com", "password": "long-password", "first_name": "M", "last_name": "A"]),
                .conflict
            )
            // The same custom name is fine in another tenant.
            #expect(try await client.json(.post, "/api/v1/roles", token: f.tokenB, tenant: f.tenantB, body: ["name": "Auditors"]).status == .created)
        }
    }

    @Test("Deleting a role: 409 while assigned, 204 once nobody holds it", arguments: TestBackend.available)
    func deleteAssignedRole(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)
            let t = f.tenantA
            let assign = try await client.json(.put, "/api/v1/roles/\(f.roleA)/users", token: f.tokenA, tenant: t, body: ["user_ids": [f.memberA]])
            #expect(try JSONBody(assign)["user_ids"] as? [String] == [f.memberA])
            let listed = try JSONBody(try await client.json(.get, "/api/v1/roles", token: f.tokenA, tenant: t))
            let auditors = (listed.array as? [[String: Any]])?.first { $0["id"] as? String == f.roleA }
            #expect(auditors?["user_count"] as? Int == 1)
            #expect(auditors?["is_system_role"] as? Bool == false)

            try expectError(try await client.json(.delete, "/api/v1/roles/\(f.roleA)", token: f.tokenA, tenant: t), .conflict)
            #expect(try await client.json(.delete, "/api/v1/users/\(f.memberA)/roles/\(f.roleA)", token: f.tokenA, tenant: t).status == .noContent)
            #expect(try await client.json(.delete, "/api/v1/roles/\(f.roleA)", token: f.tokenA, tenant: t).status == .noContent)
            try expectError(try await client.json(.get, "/api/v1/roles/\(f.roleA)", token: f.tokenA, tenant: t), .notFound)
        }
    }

    @Test("Role details list permissions; GET /permissions is the catalog", arguments: TestBackend.available)
    func catalogAndDetails(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)

            let catalog = try JSONBody(try await client.json(.get, "/api/v1/permissions", token: f.tokenA, tenant: f.tenantA))
            let admin = try JSONBody(try await client.json(.get, "/api/v1/roles/\(SystemRoleID.tenantAdmin)", token: f.tokenA, tenant: f.tenantA))

            let ids = (catalog.array as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
            for required in ["user:read", "role:assign_users", "invitation:create", "vm:power_manage", "template:read"] {
                #expect(ids.contains(required))
            }
            #expect((admin["permissions"] as? [[String: Any]])?.count == ids.count)
            #expect(admin["is_system_role"] as? Bool == true)
        }
    }

    @Test("A change of roles takes effect on the next request", arguments: TestBackend.available)
    func roleChangesApplyImmediately(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)
            let member = try await client.loginAs("member-a@example.com")
            #expect(try await client.json(.get, "/api/v1/users", token: member, tenant: f.tenantA).status == .ok)

            #expect(try await client.json(.delete, "/api/v1/users/\(f.memberA)/roles/\(SystemRoleID.readOnly)", token: f.tokenA, tenant: f.tenantA).status == .noContent)

            try expectError(try await client.json(.get, "/api/v1/users", token: member, tenant: f.tenantA), .forbidden)
        }
    }
}
