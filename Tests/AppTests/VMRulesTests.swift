import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

/// What the VM endpoints refuse, and with which status: conflicts, bad input, other tenants'
/// VMs, missing permissions.
@Suite("VM rules")
struct VMRulesTests {
    @Test("Names are unique per tenant, case-insensitively; another tenant and a deleted VM's name are free", arguments: TestBackend.available)
    func names(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)
            let id = try await client.createVM("db", in: f.tenantA, token: f.tokenA)
            let template = try await client.templateID(token: f.tokenA, tenant: f.tenantA)
            try expectError(
                try await client.json(.post, "/api/v1/vms", token: f.tokenA, tenant: f.tenantA, body: ["name": "DB", "template_id": template]),
                .conflict
            )
            _ = try await client.createVM("db", in: f.tenantB, token: f.tokenB)
            let other = try await client.createVM("cache", in: f.tenantA, token: f.tokenA)
            try expectError(
                try await client.json(.patch, "/api/v1/vms/\(other)", token: f.tokenA, tenant: f.tenantA, body: ["name": "Db"]), .conflict
            )
            #expect(try await client.json(.delete, "/api/v1/vms/\(id)", token: f.tokenA, tenant: f.tenantA).status == .accepted)
            _ = try await client.createVM("db", in: f.tenantA, token: f.tokenA)
        }
    }

    @Test("Power actions that conflict with the state are 409 with a reason", arguments: TestBackend.available)
    func actionConflicts(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            let tenant = try await client.createTenant("Conflicts", token: root)
            let id = try await client.createVM("app", in: tenant, token: root)
            try await client.waitForVM(id, status: "RUNNING", in: tenant, token: root)
            try expectError(try await client.act("start", on: id, in: tenant, token: root), .conflict)
            _ = try await client.act("stop", on: id, in: tenant, token: root)
            try await client.waitForVM(id, status: "STOPPED", in: tenant, token: root)
            try expectError(try await client.act("stop", on: id, in: tenant, token: root), .conflict)
            try expectError(try await client.act("restart", on: id, in: tenant, token: root), .conflict)
        }
    }

    @Test("While a slow operation runs, other actions are 409; delete supersedes it and leaves nothing behind", arguments: TestBackend.available)
    func slowOperations(backend: TestBackend) async throws {
        try await withApp(backend, settings: ["simulated.delay.ms": "6000"]) { client, _ in
            let root = try await client.login()
            let tenant = try await client.createTenant("Slow", token: root)
            let id = try await client.createVM("slow", in: tenant, token: root)
            for action in ["start", "stop", "restart"] {
                try expectError(try await client.act(action, on: id, in: tenant, token: root), .conflict)
            }
            let deleted = try await client.json(.delete, "/api/v1/vms/\(id)", token: root, tenant: tenant)
            #expect(deleted.status == .accepted)
            try expectError(try await client.act("start", on: id, in: tenant, token: root), .notFound)
            try expectError(try await client.json(.delete, "/api/v1/vms/\(id)", token: root, tenant: tenant), .notFound)
            try await client.waitForHostsEmpty(rootToken: root)
        }
    }

    @Test("Bad input is 422 (or 400 for what is not JSON of the schema), never 500", arguments: TestBackend.available)
    func badInput(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            let tenant = try await client.createTenant("Input", token: root)
            let template = try await client.templateID(token: root, tenant: tenant)
            let iso = "https://example.com/boot.iso"
            let invalid: [[String: Any]] = [
                ["name": "a", "template_id": template, "cpu": 0], ["name": "a", "template_id": template, "cpu": 129],
                ["name": "a", "template_id": template, "memory_gb": 0], ["name": "a", "template_id": template, "memory_gb": 2049],
                ["name": "a", "template_id": template, "disk_gb": 0], ["name": "a", "template_id": template, "disk_gb": 65537],
                ["name": "a", "template_id": UUID().uuidString], ["name": "a", "template_id": "not-a-uuid"], ["name": "a"],
                ["name": "", "template_id": template], ["name": "a\u{200B}", "template_id": template],
                ["name": "a", "source_type": "iso", "iso_url": iso], ["name": "a", "source_type": "iso", "cpu": 1, "memory_gb": 1, "disk_gb": 1],
                ["name": "a", "iso_url": "ftp://example.com/boot.iso", "cpu": 1, "memory_gb": 1, "disk_gb": 1],
                ["name": "a", "iso_url": "https://user:secret@example.com/boot.iso", "cpu": 1, "memory_gb": 1, "disk_gb": 1],
                ["name": "a", "iso_url": "file:///etc/passwd", "cpu": 1, "memory_gb": 1, "disk_gb": 1],
                ["name": "a", "template_id": template, "iso_url": iso, "cpu": 1, "memory_gb": 1, "disk_gb": 1],
                ["name": "a", "source_type": "template", "iso_url": iso, "cpu": 1, "memory_gb": 1, "disk_gb": 1],
                ["name": "a", "iso_url": "https://example.com/" + String(repeating: "a", count: 2100), "cpu": 1, "memory_gb": 1, "disk_gb": 1],
            ]
            for body in invalid {
                try expectError(try await client.json(.post, "/api/v1/vms", token: root, tenant: tenant, body: body), .unprocessableContent)
            }
            let malformed: [Any] = [["name": "a", "template_id": template, "cpu": "two"], ["name": "a", "source_type": "disk"], "[]"]
            for body in malformed {
                let response = try await client.json(.post, "/api/v1/vms", token: root, tenant: tenant, body: body)
                #expect([.badRequest, .unprocessableContent].contains(response.status), "\(body): \(response.status)")
            }
            let id = try await client.createVM("ok", in: tenant, token: root)
            let reboot = try await client.act("reboot", on: id, in: tenant, token: root)
            #expect([.badRequest, .unprocessableContent].contains(reboot.status))
            for query in ["limit=0", "limit=1001", "limit=x"] {
                let response = try await client.json(.get, "/api/v1/vms/\(id)/logs?\(query)", token: root, tenant: tenant)
                #expect([.badRequest, .unprocessableContent].contains(response.status), "\(query): \(response.status)")
            }
            for query in ["limit=101", "page=0", "status=ON", "search=" + String(repeating: "x", count: 101)] {
                let response = try await client.json(.get, "/api/v1/vms?\(query)", token: root, tenant: tenant)
                #expect([.badRequest, .unprocessableContent].contains(response.status), "\(query): \(response.status)")
            }
            #expect(try await client.vm(id, in: tenant, token: root)["name"] as? String == "ok")
        }
    }

    @Test("Another tenant's VM is 404 for every operation, exactly like an unknown id", arguments: TestBackend.available)
    func isolation(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)
            let id = try await client.createVM("secret", in: f.tenantA, token: f.tokenA)
            try await client.waitForVM(id, status: "RUNNING", in: f.tenantA, token: f.tokenA)
            for target in [id, UUID().uuidString.lowercased(), "not-a-uuid"] {
                try expectError(try await client.json(.get, "/api/v1/vms/\(target)", token: f.tokenB, tenant: f.tenantB), .notFound)
                try expectError(
                    try await client.json(.patch, "/api/v1/vms/\(target)", token: f.tokenB, tenant: f.tenantB, body: ["name": "mine"]), .notFound
                )
                try expectError(try await client.act("stop", on: target, in: f.tenantB, token: f.tokenB), .notFound)
                try expectError(try await client.json(.get, "/api/v1/vms/\(target)/logs", token: f.tokenB, tenant: f.tenantB), .notFound)
                try expectError(try await client.json(.delete, "/api/v1/vms/\(target)", token: f.tokenB, tenant: f.tenantB), .notFound)
            }
            // Naming tenant A from B's account is refused at the door.
            try expectError(try await client.json(.get, "/api/v1/vms/\(id)", token: f.tokenB, tenant: f.tenantA), .forbidden)
            let listB = try JSONBody(try await client.json(.get, "/api/v1/vms", token: f.tokenB, tenant: f.tenantB))
            #expect(listB["total"] as? Int == 0)
            let vm = try await client.vm(id, in: f.tenantA, token: f.tokenA)
            #expect(vm["name"] as? String == "secret" && vm["status"] as? String == "RUNNING")
        }
    }

    @Test("Each endpoint checks its permission", arguments: TestBackend.available)
    func permissions(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)
            let id = try await client.createVM("guarded", in: f.tenantA, token: f.tokenA)
            try await client.waitForVM(id, status: "RUNNING", in: f.tenantA, token: f.tokenA)
            let template = try await client.templateID(token: f.tokenA, tenant: f.tenantA)
            _ = try await client.createUser("operator@example.com", in: f.tenantA, roles: [SystemRoleID.vmOperator], token: f.tokenA)
            let reader = try await client.loginAs("member-a@example.com")
            let operatorToken = try await client.loginAs("operator@example.com")

            // Read Only User: reads VMs and templates, nothing else (vm:read_logs is not a read permission).
            #expect(try await client.json(.get, "/api/v1/vms", token: reader, tenant: f.tenantA).status == .ok)
            #expect(try await client.json(.get, "/api/v1/vms/\(id)", token: reader, tenant: f.tenantA).status == .ok)
            #expect(try await client.json(.get, "/api/v1/vm-templates", token: reader, tenant: f.tenantA).status == .ok)
            try expectError(try await client.json(.get, "/api/v1/vms/\(id)/logs", token: reader, tenant: f.tenantA), .forbidden)
            try expectError(
                try await client.json(.post, "/api/v1/vms", token: reader, tenant: f.tenantA, body: ["name": "x", "template_id": template]),
                .forbidden
            )
            try expectError(try await client.json(.patch, "/api/v1/vms/\(id)", token: reader, tenant: f.tenantA, body: ["name": "x"]), .forbidden)
            try expectError(try await client.act("stop", on: id, in: f.tenantA, token: reader), .forbidden)
            try expectError(try await client.json(.delete, "/api/v1/vms/\(id)", token: reader, tenant: f.tenantA), .forbidden)

            // VM Operator: everything but delete.
            let own = try await client.createVM("operated", in: f.tenantA, token: operatorToken)
            try await client.waitForVM(own, status: "RUNNING", in: f.tenantA, token: operatorToken)
            #expect(try await client.act("stop", on: own, in: f.tenantA, token: operatorToken).status == .accepted)
            #expect(try await client.json(.get, "/api/v1/vms/\(own)/logs", token: operatorToken, tenant: f.tenantA).status == .ok)
            try expectError(try await client.json(.delete, "/api/v1/vms/\(own)", token: operatorToken, tenant: f.tenantA), .forbidden)

            // A key limited to vm:read lists VMs and is refused the rest.
            let key = try await client.createAPIKey(permissions: ["vm:read"], token: f.tokenA).key
            #expect(try await client.json(.get, "/api/v1/vms", apiKey: key, tenant: f.tenantA).status == .ok)
            try expectError(
                try await client.json(.post, "/api/v1/vms/\(id)/actions", apiKey: key, tenant: f.tenantA, body: ["action": "stop"]), .forbidden
            )
            try expectError(try await client.json(.get, "/api/v1/vm-templates", apiKey: key, tenant: f.tenantA), .forbidden)
            // Tenants never see hosts, nor manage templates.
            try expectError(try await client.json(.get, "/api/v1/hosts", token: f.tokenA), .forbidden)
            try expectError(
                try await client.json(.post, "/api/v1/vm-templates", token: f.tokenA, body: ["name": "t", "cpu": 1, "memory_gb": 1, "disk_gb": 1]),
                .forbidden
            )
            try expectError(try await client.json(.delete, "/api/v1/vm-templates/\(template)", token: f.tokenA), .forbidden)
        }
    }

    @Test("A tenant with VMs cannot be deleted; without them it can", arguments: TestBackend.available)
    func tenantDeletion(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            let tenant = try await client.createTenant("Doomed", token: root)
            let id = try await client.createVM("last", in: tenant, token: root)
            try expectError(try await client.json(.delete, "/api/v1/tenants/\(tenant)", token: root), .conflict)
            _ = try await client.json(.delete, "/api/v1/vms/\(id)", token: root, tenant: tenant)
            try await client.waitForHostsEmpty(rootToken: root)
            #expect(try await client.json(.delete, "/api/v1/tenants/\(tenant)", token: root).status == .noContent)
        }
    }
}
