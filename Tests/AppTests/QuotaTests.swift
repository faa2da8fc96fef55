import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

/// Quotas through HTTP: what `GET /quota` shows as VMs come and go, what is refused, and that a
/// limit holds under concurrency, within one process and across two.
@Suite("Quotas")
struct QuotaTests {
    static let isoURL = "https://example.com/boot.iso"

    /// An ISO VM's body: its size is exactly what the test says.
    static func vm(_ name: String, cpu: Int = 1, memoryGB: Int = 1, diskGB: Int = 10) -> [String: Any] {
        ["name": name, "iso_url": isoURL, "cpu": cpu, "memory_gb": memoryGB, "disk_gb": diskGB]
    }

    static func limits(vms: Int?, vcpus: Int? = nil, memoryGB: Int? = nil, diskGB: Int? = nil) -> [String: Any] {
        ["vms": vms ?? NSNull(), "vcpus": vcpus ?? NSNull(), "memory_gb": memoryGB ?? NSNull(), "disk_gb": diskGB ?? NSNull()]
    }

    /// `GET /quota` as `[dimension: [figure: value]]`, with `null` as nil.
    static func quota(_ client: some TestClientProtocol, in tenant: String, token: String) async throws -> [String: [String: Int?]] {
        let response = try await client.json(.get, "/api/v1/quota", token: token, tenant: tenant)
        #expect(response.status == .ok, "\(String(buffer: response.body))")
        return try figures(JSONBody(response))
    }

    static func figures(_ body: JSONBody) throws -> [String: [String: Int?]] {
        var result: [String: [String: Int?]] = [:]
        for dimension in ["vms", "vcpus", "memory_gb", "disk_gb"] {
            let figure = try #require(body[dimension] as? [String: Any], "\(dimension) missing")
            #expect(Set(figure.keys) == ["limit", "used", "reserved", "headroom"])
            result[dimension] = figure.mapValues { $0 as? Int }
        }
        return result
    }

    static func setLimits(
        _ client: some TestClientProtocol, _ limits: Any, of tenant: String, token: String
    ) async throws -> TestResponse {
        try await client.json(.put, "/api/v1/tenants/\(tenant)/quota", token: token, body: limits)
    }

    @Test("A tenant is unlimited until a superuser sets limits; usage, reservation and headroom follow its VMs", arguments: TestBackend.available)
    func figuresFollowVMs(backend: TestBackend) async throws {
        try await withApp(backend, settings: ["simulated.delay.ms": "1500"]) { client, _ in
            let root = try await client.login()
            let tenant = try await client.createTenant("Metered", token: root)
            let fresh = try await Self.quota(client, in: tenant, token: root)
            #expect(fresh["vms"] == ["limit": nil, "used": 0, "reserved": 0, "headroom": nil])

            let set = try await Self.setLimits(client, Self.limits(vms: 3, vcpus: 4, memoryGB: 8, diskGB: 100), of: tenant, token: root)
            #expect(set.status == .ok, "\(String(buffer: set.body))")
            #expect(try Self.figures(JSONBody(set))["vcpus"] == ["limit": 4, "used": 0, "reserved": 0, "headroom": 4])

            let first = try await client.createVM("first", in: tenant, token: root, body: Self.vm("first", cpu: 2, memoryGB: 4, diskGB: 20))
            let provisioning = try await Self.quota(client, in: tenant, token: root)
            #expect(provisioning["vms"] == ["limit": 3, "used": 0, "reserved": 1, "headroom": 2])
            #expect(provisioning["vcpus"] == ["limit": 4, "used": 0, "reserved": 2, "headroom": 2])
            #expect(provisioning["memory_gb"] == ["limit": 8, "used": 0, "reserved": 4, "headroom": 4])
            #expect(provisioning["disk_gb"] == ["limit": 100, "used": 0, "reserved": 20, "headroom": 80])

            try await client.waitForVM(first, status: "RUNNING", in: tenant, token: root)
            let running = try await Self.quota(client, in: tenant, token: root)
            #expect(running["vcpus"] == ["limit": 4, "used": 2, "reserved": 0, "headroom": 2])

            let refused = try await client.json(.post, "/api/v1/vms", token: root, tenant: tenant, body: Self.vm("big", cpu: 3))
            try expectError(refused, .conflict)
            let detail = try #require(JSONBody(refused)["detail"] as? String)
            #expect(detail.contains("vcpus") && detail.contains("limit is 4") && detail.contains("2 in use") && detail.contains("3 asked"), "\(detail)")
            #expect(try await Self.quota(client, in: tenant, token: root) == running, "a refused create reserves nothing")

            #expect(try await client.json(.delete, "/api/v1/vms/\(first)", token: root, tenant: tenant).status == .accepted)
            let released = try await Self.quota(client, in: tenant, token: root)
            #expect(released["vcpus"] == ["limit": 4, "used": 0, "reserved": 0, "headroom": 4], "released once the deletion is accepted")
            _ = try await client.createVM("big", in: tenant, token: root, body: Self.vm("big", cpu: 3))
        }
    }

    @Test("A limit lowered below the usage refuses growth and touches nothing that exists", arguments: TestBackend.available)
    func lowering(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            let tenant = try await client.createTenant("Shrinking", token: root)
            let a = try await client.createVM("a", in: tenant, token: root, body: Self.vm("a"))
            let b = try await client.createVM("b", in: tenant, token: root, body: Self.vm("b"))
            try await client.waitForVM(a, status: "RUNNING", in: tenant, token: root)
            try await client.waitForVM(b, status: "RUNNING", in: tenant, token: root)

            let set = try await Self.setLimits(client, Self.limits(vms: 1), of: tenant, token: root)
            #expect(try Self.figures(JSONBody(set))["vms"] == ["limit": 1, "used": 2, "reserved": 0, "headroom": 0])
            let page = try JSONBody(try await client.json(.get, "/api/v1/vms", token: root, tenant: tenant))
            #expect(page["total"] as? Int == 2)
            #expect(try await client.act("stop", on: a, in: tenant, token: root).status == .accepted, "power actions do not grow usage")
            let refused = try await client.json(.post, "/api/v1/vms", token: root, tenant: tenant, body: Self.vm("c"))
            try expectError(refused, .conflict)
            #expect((try JSONBody(refused)["detail"] as? String)?.contains("vms") == true)

            _ = try await client.json(.delete, "/api/v1/vms/\(b)", token: root, tenant: tenant)
            try expectError(try await client.json(.post, "/api/v1/vms", token: root, tenant: tenant, body: Self.vm("c")), .conflict)
            _ = try await client.json(.delete, "/api/v1/vms/\(a)", token: root, tenant: tenant)
            _ = try await client.createVM("c", in: tenant, token: root, body: Self.vm("c"))
        }
    }

    @Test("A VM in ERROR counts until it is deleted", arguments: TestBackend.available)
    func errorCounts(backend: TestBackend) async throws {
        try await withApp(backend, settings: ["simulated.failure.rate": "1", "job.max.attempts": "1"]) { client, _ in
            let root = try await client.login()
            let tenant = try await client.createTenant("Failing", token: root)
            _ = try await Self.setLimits(client, Self.limits(vms: 1), of: tenant, token: root)
            let broken = try await client.createVM("broken", in: tenant, token: root, body: Self.vm("broken", cpu: 2))
            try await client.waitForVM(broken, status: "ERROR", in: tenant, token: root)
            let quota = try await Self.quota(client, in: tenant, token: root)
            #expect(quota["vms"] == ["limit": 1, "used": 1, "reserved": 0, "headroom": 0])
            #expect(quota["vcpus"] == ["limit": nil, "used": 2, "reserved": 0, "headroom": nil])
            try expectError(try await client.json(.post, "/api/v1/vms", token: root, tenant: tenant, body: Self.vm("next")), .conflict)
            #expect(try await client.json(.delete, "/api/v1/vms/\(broken)", token: root, tenant: tenant).status == .accepted)
            _ = try await client.createVM("next", in: tenant, token: root, body: Self.vm("next"))
        }
    }

    @Test("Configured defaults apply to tenants without limits of their own", arguments: TestBackend.available)
    func defaults(backend: TestBackend) async throws {
        try await withApp(backend, settings: ["quota.default.vms": "1", "quota.default.vcpus": "8"]) { client, _ in
            let root = try await client.login()
            let tenant = try await client.createTenant("Defaulted", token: root)
            let quota = try await Self.quota(client, in: tenant, token: root)
            #expect(quota["vms"]?["limit"] == 1 && quota["vcpus"]?["limit"] == 8 && quota["memory_gb"]?["limit"] == .some(nil))
            _ = try await client.createVM("one", in: tenant, token: root, body: Self.vm("one"))
            try expectError(try await client.json(.post, "/api/v1/vms", token: root, tenant: tenant, body: Self.vm("two")), .conflict)
            _ = try await Self.setLimits(client, Self.limits(vms: nil), of: tenant, token: root)
            _ = try await client.createVM("two", in: tenant, token: root, body: Self.vm("two"))
        }
    }

    @Test("50 concurrent creates against a quota of 10: exactly 10 succeed", arguments: TestBackend.available)
    func concurrentCreates(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            let tenant = try await client.createTenant("Contended", token: root)
            _ = try await Self.setLimits(client, Self.limits(vms: 10), of: tenant, token: root)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<50 {
                    group.addTask {
                        try await client.json(.post, "/api/v1/vms", token: root, tenant: tenant, body: Self.vm("vm-\(index)")).status
                    }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .accepted }.count == 10)
            #expect(statuses.filter { $0 == .conflict }.count == 40)
            let quota = try await Self.quota(client, in: tenant, token: root)
            #expect((quota["vms"]?["used"] ?? 0)! + (quota["vms"]?["reserved"] ?? 0)! == 10)
        }
    }

    @Test("Two serve processes on one database: 50 concurrent creates against a quota of 10 make 10 VMs", arguments: TestBackend.available)
    func twoProcesses(backend: TestBackend) async throws {
        try await withTestDatabase(backend) { database in
            try await withTwoServeProcesses(database) { one, two in
                let token = try await one.login()
                let (_, tenantBody) = try await one.json("POST", "/tenants", token: token, body: ["name": "Shared"])
                let tenant = try #require((tenantBody as? [String: Any])?["id"] as? String)
                let (setStatus, _) = try await two.json("PUT", "/tenants/\(tenant)/quota", token: token, body: Self.limits(vms: 10))
                #expect(setStatus == 200)
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for index in 0..<50 {
                        group.addTask {
                            try await (index % 2 == 0 ? one : two).json("POST", "/vms", token: token, tenant: tenant, body: Self.vm("vm-\(index)")).0
                        }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(statuses.filter { $0 == 202 }.count == 10, "\(statuses)")
                #expect(statuses.allSatisfy { $0 == 202 || $0 == 409 }, "\(statuses)")
                let (_, page) = try await one.json("GET", "/vms?limit=100", token: token, tenant: tenant)
                #expect((page as? [String: Any])?["total"] as? Int == 10)
            }
        }
    }

    @Test("Who may read and set quotas, and what bad input gets", arguments: TestBackend.available)
    func rulesAndInput(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)
            let member = try await client.loginAs("member-a@example.com")
            #expect(try await client.json(.get, "/api/v1/quota", token: member, tenant: f.tenantA).status == .ok, "Read Only holds vm:read")
            _ = try await client.createUser("auditor-a@example.com", in: f.tenantA, roles: [f.roleA], token: f.rootToken)
            let auditorToken = try await client.loginAs("auditor-a@example.com")
            try expectError(try await client.json(.get, "/api/v1/quota", token: auditorToken, tenant: f.tenantA), .forbidden)
            try expectError(try await client.json(.get, "/api/v1/quota", token: f.tokenA, tenant: f.tenantB), .forbidden)
            try expectError(try await client.json(.get, "/api/v1/quota"), .unauthorized)

            try expectError(try await Self.setLimits(client, Self.limits(vms: 100), of: f.tenantA, token: f.tokenA), .forbidden)
            try expectError(try await Self.setLimits(client, Self.limits(vms: 1), of: UUID().uuidString, token: f.rootToken), .notFound)
            try expectError(try await Self.setLimits(client, Self.limits(vms: 1), of: "not-a-uuid", token: f.rootToken), .notFound)
            try expectError(try await Self.setLimits(client, Self.limits(vms: -1), of: f.tenantA, token: f.rootToken), .unprocessableContent)
            try expectError(
                try await Self.setLimits(client, Self.limits(vms: nil, diskGB: 1_000_000_001), of: f.tenantA, token: f.rootToken),
                .unprocessableContent
            )
            let missingKey: [String: Any] = ["vms": 1, "vcpus": NSNull(), "memory_gb": NSNull()]
            let refusedMissing = try await Self.setLimits(client, missingKey, of: f.tenantA, token: f.rootToken)
            try expectError(refusedMissing, .unprocessableContent)
            #expect((try JSONBody(refusedMissing)["detail"] as? String)?.contains("disk_gb") == true, "a forgotten key is not 'unlimited'")
            let repeated = Data(#"{"vms": 1, "vms": 2, "vcpus": null, "memory_gb": null, "disk_gb": null}"#.utf8)
            try expectError(
                try await client.execute(
                    uri: "/api/v1/tenants/\(f.tenantA)/quota", method: .put,
                    headers: [.authorization: "Bearer \(f.rootToken)", .contentType: "application/json"], body: ByteBuffer(bytes: repeated)
                ),
                .badRequest
            )
            for bad: Any in [["vms": "ten", "vcpus": NSNull(), "memory_gb": NSNull(), "disk_gb": NSNull()], [1, 2], "x"] {
                let response = try await Self.setLimits(client, bad, of: f.tenantA, token: f.rootToken)
                #expect([.badRequest, .unprocessableContent].contains(response.status), "\(bad): \(String(buffer: response.body))")
                try expectError(response, response.status)
            }
            let untouched = try await Self.quota(client, in: f.tenantA, token: f.rootToken)
            #expect(untouched["vms"]?["limit"] == .some(nil), "refused writes changed nothing")

            _ = try await Self.setLimits(client, Self.limits(vms: 0), of: f.tenantA, token: f.rootToken)
            #expect(try await Self.quota(client, in: f.tenantB, token: f.tokenB)["vms"]?["limit"] == .some(nil), "another tenant's limit")
            try expectError(try await client.json(.post, "/api/v1/vms", token: f.tokenA, tenant: f.tenantA, body: Self.vm("x")), .conflict)
            _ = try await client.createVM("x", in: f.tenantB, token: f.tokenB, body: Self.vm("x"))
        }
    }
}
