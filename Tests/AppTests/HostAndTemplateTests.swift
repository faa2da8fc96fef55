import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

/// What superusers manage: hosts (placement, draining, removal) and the template catalog.
@Suite("Hosts and templates")
struct HostAndTemplateTests {
    @Test("A fresh database has the configured host; superusers register, drain, resize and remove hosts", arguments: TestBackend.available)
    func hosts(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            let listed = try JSONBody(try await client.json(.get, "/api/v1/hosts", token: root))
            let hosts = try #require(listed.array as? [[String: Any]])
            #expect(hosts.count == 1 && hosts[0]["driver"] as? String == "simulated" && hosts[0]["enabled"] as? Bool == true)
            let first = try #require(hosts[0]["id"] as? String)

            let body: [String: Any] = [
                "name": "rack-2", "driver": "simulated", "uri": "simulated://rack-2",
                "capacity": ["vcpus": 4, "memory_gb": 8, "disk_gb": 100, "cpu_overcommit": 1],
            ]
            let created = try await client.json(.post, "/api/v1/hosts", token: root, body: body)
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let second = try #require(try JSONBody(created)["id"] as? String)
            let capacity = try JSONBody(created)["capacity"] as? [String: Any]
            #expect(capacity?["vcpus"] as? Int == 4 && capacity?["memory_overcommit"] as? Double != nil)
            try expectError(try await client.json(.post, "/api/v1/hosts", token: root, body: body), .conflict)
            for bad in [
                ["name": "x", "driver": "hyper-v", "uri": "x"], ["name": "x", "driver": "simulated", "uri": ""],
                ["name": "x", "driver": "simulated", "uri": "simulated://x", "virt_type": "kvm"],
                ["name": "x", "driver": "simulated", "uri": "simulated://x", "capacity": ["vcpus": 0, "memory_gb": 1, "disk_gb": 1]],
                ["name": "x", "driver": "simulated", "uri": "simulated://x", "capacity": ["vcpus": 1, "memory_gb": 1, "disk_gb": 1, "cpu_overcommit": 0]],
            ] as [[String: Any]] {
                let response = try await client.json(.post, "/api/v1/hosts", token: root, body: bad)
                #expect([.badRequest, .unprocessableContent].contains(response.status), "\(bad): \(response.status)")
            }

            // Drain the big host: VMs go to the small one until it is full, then creation is refused.
            let drained = try await client.json(.patch, "/api/v1/hosts/\(first)", token: root, body: ["enabled": false])
            #expect(drained.status == .ok)
            #expect(try JSONBody(drained)["enabled"] as? Bool == false)
            let tenant = try await client.createTenant("Placement", token: root)
            let vmBody: [String: Any] = ["source_type": "iso", "iso_url": "https://example.com/a.iso", "cpu": 2, "memory_gb": 4, "disk_gb": 10]
            let a = try await client.createVM("a", in: tenant, token: root, body: vmBody)
            _ = try await client.createVM("b", in: tenant, token: root, body: vmBody)
            let full = try await client.json(.post, "/api/v1/vms", token: root, tenant: tenant, body: vmBody.merging(["name": "c"]) { $1 })
            try expectError(full, .conflict)
            #expect((try JSONBody(full)["detail"] as? String)?.contains("No host has room") == true)
            let small = try JSONBody(try await client.json(.get, "/api/v1/hosts/\(second)", token: root))
            #expect(small["vm_count"] as? Int == 2 && (small["allocated"] as? [String: Any])?["cpu"] as? Int == 4)

            try expectError(try await client.json(.delete, "/api/v1/hosts/\(second)", token: root), .conflict)
            let resized = try await client.json(
                .patch, "/api/v1/hosts/\(second)", token: root, body: ["capacity": ["vcpus": 8, "memory_gb": 16, "disk_gb": 100, "cpu_overcommit": 1]]
            )
            #expect(resized.status == .ok)
            _ = try await client.createVM("c", in: tenant, token: root, body: vmBody)
            #expect(try await client.json(.patch, "/api/v1/hosts/\(first)", token: root, body: ["enabled": true]).status == .ok)
            let d = try await client.createVM("d", in: tenant, token: root, body: vmBody)
            #expect(
                try JSONBody(try await client.json(.get, "/api/v1/hosts/\(first)", token: root))["vm_count"] as? Int == 1,
                "the emptier host takes the next VM"
            )
            for id in [a, d] { try await client.waitForVM(id, status: "RUNNING", in: tenant, token: root) }
            try expectError(try await client.json(.get, "/api/v1/hosts/\(UUID().uuidString)", token: root), .notFound)
            try expectError(try await client.json(.delete, "/api/v1/hosts/not-a-uuid", token: root), .notFound)
        }
    }

    @Test("Concurrent creates fill a host exactly and never beyond it", arguments: TestBackend.available)
    func concurrentPlacement(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            let configured = try #require((try JSONBody(try await client.json(.get, "/api/v1/hosts", token: root)).array?.first as? [String: Any])?["id"] as? String)
            #expect(try await client.json(.patch, "/api/v1/hosts/\(configured)", token: root, body: ["enabled": false]).status == .ok)
            let small = try await client.json(
                .post, "/api/v1/hosts", token: root,
                body: ["name": "five", "driver": "simulated", "uri": "simulated://five", "capacity": ["vcpus": 10, "memory_gb": 10, "disk_gb": 50, "cpu_overcommit": 1]]
            )
            let host = try #require(try JSONBody(small)["id"] as? String)
            let tenant = try await client.createTenant("Crowd", token: root)

            // Room for five VMs of 2 vCPUs; twelve ask at once.
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<12 {
                    group.addTask {
                        let body: [String: Any] = [
                            "name": "vm-\(index)", "source_type": "iso", "iso_url": "https://example.com/a.iso", "cpu": 2, "memory_gb": 1, "disk_gb": 1,
                        ]
                        return try await client.json(.post, "/api/v1/vms", token: root, tenant: tenant, body: body).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }

            #expect(statuses.filter { $0 == .accepted }.count == 5 && statuses.filter { $0 == .conflict }.count == 7, "\(statuses)")
            let after = try JSONBody(try await client.json(.get, "/api/v1/hosts/\(host)", token: root))
            #expect(after["vm_count"] as? Int == 5 && (after["allocated"] as? [String: Any])?["cpu"] as? Int == 10)
            #expect(try JSONBody(try await client.json(.get, "/api/v1/vms", token: root, tenant: tenant))["total"] as? Int == 5)
        }
    }

    @Test("An empty host is removed; a VM's machine keeps its host until the machine is gone", arguments: TestBackend.available)
    func removal(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            let created = try await client.json(
                .post, "/api/v1/hosts", token: root, body: ["name": "spare", "driver": "simulated", "uri": "simulated://spare"]
            )
            let id = try #require(try JSONBody(created)["id"] as? String)
            #expect(try await client.json(.delete, "/api/v1/hosts/\(id)", token: root).status == .noContent)
            try expectError(try await client.json(.get, "/api/v1/hosts/\(id)", token: root), .notFound)
            try expectError(try await client.json(.delete, "/api/v1/hosts/\(id)", token: root), .notFound)
        }
    }

    @Test("Superusers add and remove templates; VMs made from a removed template keep its name and sizes", arguments: TestBackend.available)
    func templates(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            let body: [String: Any] = [
                "name": "Fedora 41", "description": "Workstation", "cpu": 2, "memory_gb": 4, "disk_gb": 30,
                "images": ["libvirt": "default/fedora-41.qcow2", "vcenter": "fedora-41"],
            ]
            let created = try await client.json(.post, "/api/v1/vm-templates", token: root, body: body)
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let template = try JSONBody(created)
            let id = try #require(template["id"] as? String)
            #expect((template["images"] as? [String: Any])?["libvirt"] as? String == "default/fedora-41.qcow2")
            try expectError(try await client.json(.post, "/api/v1/vm-templates", token: root, body: body.merging(["name": "fedora 41"]) { $1 }), .conflict)
            let invalid: [[String: Any]] = [
                ["name": "T1", "cpu": 0], ["name": "T2", "disk_gb": 70000], ["name": ""], ["name": "T3", "images": ["hyperv": "x"]],
                ["name": "T4", "images": ["libvirt": ""]],
            ]
            for bad in invalid {
                let response = try await client.json(.post, "/api/v1/vm-templates", token: root, body: body.merging(bad) { $1 })
                #expect([.badRequest, .unprocessableContent].contains(response.status), "\(bad): \(response.status)")
            }

            let tenant = try await client.createTenant("Catalog", token: root)
            let seen = try JSONBody(try await client.json(.get, "/api/v1/vm-templates", token: root, tenant: tenant))
            let names = (seen.array as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
            #expect(names.contains("Fedora 41") && names.count >= 4, "the seeded catalog and the new template: \(names)")
            #expect((seen.array as? [[String: Any]])?.allSatisfy { $0["images"] != nil } == true, "superusers see images")

            let vm = try await client.createVM("fedora", in: tenant, token: root, body: ["template_id": id])
            try await client.waitForVM(vm, status: "RUNNING", in: tenant, token: root)
            #expect(try await client.json(.delete, "/api/v1/vm-templates/\(id)", token: root).status == .noContent)
            try expectError(try await client.json(.delete, "/api/v1/vm-templates/\(id)", token: root), .notFound)
            let kept = try await client.vm(vm, in: tenant, token: root)
            #expect(kept["template_name"] as? String == "Fedora 41" && kept["cpu"] as? Int == 2 && kept["status"] as? String == "RUNNING")
            try expectError(
                try await client.json(.post, "/api/v1/vms", token: root, tenant: tenant, body: ["name": "late", "template_id": id]), .unprocessableContent
            )
            #expect(try await client.act("stop", on: vm, in: tenant, token: root).status == .accepted)
            try await client.waitForVM(vm, status: "STOPPED", in: tenant, token: root)
        }
    }

    @Test("Hosts and catalog changes are for unrestricted superusers: tenant admins and scoped keys get 403 everywhere", arguments: TestBackend.available)
    func superusersOnly(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)
            let hosts = try JSONBody(try await client.json(.get, "/api/v1/hosts", token: f.rootToken))
            let host = try #require((hosts.array as? [[String: Any]])?.first?["id"] as? String)
            let template = try await client.templateID(token: f.rootToken, tenant: f.tenantA)
            let scopedKey = try await client.createAPIKey(permissions: ["vm:read", "template:read"], token: f.rootToken).key
            let hostBody: [String: Any] = ["name": "x", "driver": "simulated", "uri": "simulated://x"]
            let templateBody: [String: Any] = ["name": "x", "cpu": 1, "memory_gb": 1, "disk_gb": 1]
            let requests: [(HTTPRequest.Method, String, Any?)] = [
                (.get, "/api/v1/hosts", nil), (.post, "/api/v1/hosts", hostBody), (.get, "/api/v1/hosts/\(host)", nil),
                (.patch, "/api/v1/hosts/\(host)", ["enabled": false]), (.delete, "/api/v1/hosts/\(host)", nil),
                (.post, "/api/v1/vm-templates", templateBody), (.delete, "/api/v1/vm-templates/\(template)", nil),
            ]
            for (method, path, body) in requests {
                try expectError(try await client.json(method, path, token: f.tokenA, body: body), .forbidden)
                try expectError(try await client.json(method, path, apiKey: scopedKey, body: body), .forbidden)
            }
            let still = try JSONBody(try await client.json(.get, "/api/v1/hosts/\(host)", token: f.rootToken))
            #expect(still["enabled"] as? Bool == true)
        }
    }
}
