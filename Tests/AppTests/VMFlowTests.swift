import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

/// The frontend's whole VM flow through real HTTP: log in, pick a tenant and a template, create,
/// watch it run, stop, start, restart, read the logs, rename, delete.
@Suite("VM flow")
struct VMFlowTests {
    @Test("Log in, pick a template, create, run, stop, start, restart, logs, rename, delete", arguments: TestBackend.available)
    func wholeFlow(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)
            let tenants = try JSONBody(try await client.json(.get, "/api/v1/tenants", token: f.tokenA))
            #expect((tenants.array as? [[String: Any]])?.map { $0["id"] as? String } == [f.tenantA])

            let templates = try JSONBody(try await client.json(.get, "/api/v1/vm-templates", token: f.tokenA, tenant: f.tenantA))
            let template = try #require((templates.array as? [[String: Any]])?.first)
            #expect(template["images"] == nil, "tenants never see the provider's images")
            #expect(template["cpu"] as? Int != nil && template["memory_gb"] as? Int != nil && template["disk_gb"] as? Int != nil)

            let created = try await client.json(
                .post, "/api/v1/vms", token: f.tokenA, tenant: f.tenantA,
                body: ["name": "web-1", "source_type": "template", "template_id": template["id"]!, "cpu": 4]
            )
            #expect(created.status == .accepted)
            let vm = try JSONBody(created)
            let id = try #require(vm["id"] as? String)
            #expect(vm["status"] as? String == "PROVISIONING" && vm["task"] is NSNull && vm["ip_address"] is NSNull)
            #expect(vm["cpu"] as? Int == 4 && vm["memory_gb"] as? Int == template["memory_gb"] as? Int, "overrides and defaults")
            #expect(vm["template_name"] as? String == template["name"] as? String && vm["source_type"] as? String == "template")

            let running = try await client.waitForVM(id, status: "RUNNING", in: f.tenantA, token: f.tokenA)
            #expect((running["ip_address"] as? String)?.isEmpty == false)

            let stopping = try JSONBody(try await client.act("stop", on: id, in: f.tenantA, token: f.tokenA))
            #expect(stopping["task"] as? String == "stopping" || stopping["status"] as? String == "STOPPED")
            try await client.waitForVM(id, status: "STOPPED", in: f.tenantA, token: f.tokenA)
            #expect(try await client.act("start", on: id, in: f.tenantA, token: f.tokenA).status == .accepted)
            try await client.waitForVM(id, status: "RUNNING", in: f.tenantA, token: f.tokenA)
            #expect(try await client.act("restart", on: id, in: f.tenantA, token: f.tokenA).status == .accepted)
            try await client.waitForVM(id, status: "RUNNING", in: f.tenantA, token: f.tokenA)

            let logs = try await client.logMessages(id, in: f.tenantA, token: f.tokenA)
            #expect(logs.first == "The VM restarted and is running", "newest first: \(logs)")
            #expect(logs.last == "Creation requested by admin-a@example.com")
            #expect(logs.contains("Stop requested by admin-a@example.com") && logs.contains("The VM stopped"))
            #expect(try await client.logMessages(id, in: f.tenantA, token: f.tokenA, limit: 2).count == 2)

            let renamed = try await client.json(.patch, "/api/v1/vms/\(id)", token: f.tokenA, tenant: f.tenantA, body: ["name": "web-01"])
            #expect(renamed.status == .ok)
            #expect(try JSONBody(renamed)["name"] as? String == "web-01")
            let page = try JSONBody(try await client.json(.get, "/api/v1/vms?search=WEB-0", token: f.tokenA, tenant: f.tenantA))
            #expect(page["total"] as? Int == 1)

            let deleting = try await client.json(.delete, "/api/v1/vms/\(id)", token: f.tokenA, tenant: f.tenantA)
            #expect(deleting.status == .accepted)
            #expect(try JSONBody(deleting)["task"] as? String == "deleting")
            try expectError(try await client.json(.get, "/api/v1/vms/\(id)", token: f.tokenA, tenant: f.tenantA), .notFound)
            let empty = try JSONBody(try await client.json(.get, "/api/v1/vms", token: f.tokenA, tenant: f.tenantA))
            #expect(empty["total"] as? Int == 0 && (empty["items"] as? [Any])?.isEmpty == true)
            try await client.waitForHostsEmpty(rootToken: f.rootToken)
        }
    }

    @Test("A VM from an ISO needs its sizes and fits any host", arguments: TestBackend.available)
    func isoVM(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            let tenant = try await client.createTenant("Iso", token: root)
            let id = try await client.createVM(
                "installer", in: tenant, token: root,
                body: ["source_type": "iso", "iso_url": "https://cdimage.debian.org/debian-12.iso", "cpu": 1, "memory_gb": 2, "disk_gb": 10]
            )
            let vm = try await client.waitForVM(id, status: "RUNNING", in: tenant, token: root)
            #expect(vm["iso_url"] as? String == "https://cdimage.debian.org/debian-12.iso" && vm["template_name"] is NSNull)
            #expect(vm["source_type"] as? String == "iso" && vm["disk_gb"] as? Int == 10)
        }
    }

    @Test("Lists page newest first and filter by status and name", arguments: TestBackend.available)
    func listing(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            let tenant = try await client.createTenant("Lists", token: root)
            var ids: [String] = []
            for index in 0..<5 { ids.append(try await client.createVM("vm-\(index)", in: tenant, token: root)) }
            for id in ids { try await client.waitForVM(id, status: "RUNNING", in: tenant, token: root) }
            _ = try await client.act("stop", on: ids[1], in: tenant, token: root)
            try await client.waitForVM(ids[1], status: "STOPPED", in: tenant, token: root)

            let first = try JSONBody(try await client.json(.get, "/api/v1/vms?limit=2", token: root, tenant: tenant))
            #expect(first["total"] as? Int == 5 && first["page"] as? Int == 1 && first["limit"] as? Int == 2)
            #expect((first["items"] as? [[String: Any]])?.map { $0["name"] as? String } == ["vm-4", "vm-3"])
            let last = try JSONBody(try await client.json(.get, "/api/v1/vms?limit=2&page=3", token: root, tenant: tenant))
            #expect((last["items"] as? [[String: Any]])?.map { $0["name"] as? String } == ["vm-0"])
            let stopped = try JSONBody(try await client.json(.get, "/api/v1/vms?status=STOPPED", token: root, tenant: tenant))
            #expect(stopped["total"] as? Int == 1 && (stopped["items"] as? [[String: Any]])?.first?["id"] as? String == ids[1])
            let searched = try JSONBody(try await client.json(.get, "/api/v1/vms?search=M-2", token: root, tenant: tenant))
            #expect((searched["items"] as? [[String: Any]])?.map { $0["name"] as? String } == ["vm-2"])
            let wildcard = try JSONBody(try await client.json(.get, "/api/v1/vms?search=%25", token: root, tenant: tenant))
            #expect(wildcard["total"] as? Int == 0, "% is a character, not a wildcard")
        }
    }
}
