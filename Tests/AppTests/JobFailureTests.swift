import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SimulatedHypervisor
import TestSupport
import Testing

/// What users see when the hypervisor fails: retries in the log, then ERROR with the reason.
@Suite("Job failures")
struct JobFailureTests {
    @Test("Every operation failing: retries with backoff, then ERROR with the reason; a delete keeps trying", arguments: TestBackend.available)
    func retriesThenError(backend: TestBackend) async throws {
        let settings = ["simulated.failure.rate": "1", "job.max.attempts": "3", "job.retry.delay.ms": "20"]
        try await withApp(backend, settings: settings) { client, _ in
            let root = try await client.login()
            let tenant = try await client.createTenant("Failing", token: root)
            let id = try await client.createVM("doomed", in: tenant, token: root)
            let failed = try await client.waitForVM(id, status: "ERROR", in: tenant, token: root)
            #expect(failed["ip_address"] is NSNull)
            let logs = try await client.logMessages(id, in: tenant, token: root)
            #expect(logs.first?.hasPrefix("Create failed after 3 attempts: ") == true, "\(logs)")
            #expect(logs.filter { $0.hasPrefix("Create failed (attempt") && $0.contains("retrying in") }.count == 2, "\(logs)")
            #expect(logs.last == "Creation requested by \(Admin.email)")

            // From ERROR the user may try again; it fails the same way.
            #expect(try await client.act("start", on: id, in: tenant, token: root).status == .accepted)
            try await client.waitForVM(id, status: "ERROR", in: tenant, token: root)
            #expect(try await client.logMessages(id, in: tenant, token: root).first?.hasPrefix("Start failed after 3 attempts") == true)

            // Delete is accepted and the VM is gone for the user; its machine is not, so the host keeps it.
            #expect(try await client.json(.delete, "/api/v1/vms/\(id)", token: root, tenant: tenant).status == .accepted)
            try expectError(try await client.json(.get, "/api/v1/vms/\(id)", token: root, tenant: tenant), .notFound)
            try await Task.sleep(for: .milliseconds(500))
            let hosts = try JSONBody(try await client.json(.get, "/api/v1/hosts", token: root))
            #expect((hosts.array as? [[String: Any]])?.first?["vm_count"] as? Int == 1, "a delete that cannot finish never gives up")
            try expectError(try await client.json(.delete, "/api/v1/tenants/\(tenant)", token: root), .conflict)
        }
    }

    /// The configured simulated host of a test app, reached through the database as the worker does.
    static func withHost<R: Sendable>(_ database: TestDatabase, _ body: @Sendable (SimulatedHost) async throws -> R) async throws -> R {
        try await withClient(database) { client in try await body(SimulatedCloud(client: client).host("simulated://default")) }
    }

    @Test("Injected failures: a few are retried away, a permanent one is ERROR at once, a host that went away recovers", arguments: TestBackend.available)
    func injectedFaults(backend: TestBackend) async throws {
        try await withApp(backend, settings: ["job.max.attempts": "4"]) { client, database in
            let root = try await client.login()
            let tenant = try await client.createTenant("Faults", token: root)
            let id = try await client.createVM("flaky", in: tenant, token: root)
            try await client.waitForVM(id, status: "RUNNING", in: tenant, token: root)
            let vmID = try #require(VMID(id))

            try await Self.withHost(database) { try await $0.failNextOperations(of: vmID, count: 2) }
            _ = try await client.act("stop", on: id, in: tenant, token: root)
            try await client.waitForVM(id, status: "STOPPED", in: tenant, token: root)
            let retried = try await client.logMessages(id, in: tenant, token: root)
            #expect(retried.prefix(3).map { $0.hasPrefix("Stop failed (attempt") } == [false, true, true], "\(retried)")

            try await Self.withHost(database) { try await $0.failPermanently(vmID) }
            _ = try await client.act("start", on: id, in: tenant, token: root)
            try await client.waitForVM(id, status: "ERROR", in: tenant, token: root)
            #expect(try await client.logMessages(id, in: tenant, token: root).first?.hasPrefix("Start failed after 1 attempt: ") == true)

            try await Self.withHost(database) { host in
                try await host.clearFaults(of: vmID)
                try await host.setDown(true)
            }
            _ = try await client.act("start", on: id, in: tenant, token: root)
            try await client.waitForVM(id, status: "ERROR", in: tenant, token: root)
            #expect(try await client.logMessages(id, in: tenant, token: root).first?.hasPrefix("Start failed after 4 attempts") == true)
            let down = try #require(try JSONBody(try await client.json(.get, "/api/v1/hosts", token: root)).array?.first as? [String: Any])
            #expect(down["status"] as? String == "down" && (down["down_reason"] as? String)?.contains("does not answer") == true, "\(down)")
            let refused = try await client.json(
                .post, "/api/v1/vms", token: root, tenant: tenant,
                body: ["name": "nowhere", "template_id": try await client.templateID(token: root, tenant: tenant)]
            )
            #expect(refused.status == .conflict, "a down host takes no new VMs: \(String(buffer: refused.body))")
            try await Self.withHost(database) { try await $0.setDown(false) }
            _ = try await client.act("start", on: id, in: tenant, token: root)
            try await client.waitForVM(id, status: "RUNNING", in: tenant, token: root)
            let up = try #require(try JSONBody(try await client.json(.get, "/api/v1/hosts", token: root)).array?.first as? [String: Any])
            #expect(up["status"] as? String == "up" && up["down_reason"] == nil, "the next call that succeeds brings it up: \(up)")
        }
    }

    @Test("Reconciliation follows machines changed behind VirtualStack's back and leaves unknown machines alone", arguments: TestBackend.available)
    func reconciliation(backend: TestBackend) async throws {
        try await withApp(backend, settings: ["reconcile.interval.seconds": "1"]) { client, database in
            let root = try await client.login()
            let tenant = try await client.createTenant("Drift", token: root)
            let id = try await client.createVM("drifting", in: tenant, token: root)
            try await client.waitForVM(id, status: "RUNNING", in: tenant, token: root)
            let vmID = try #require(VMID(id))
            try await Self.withHost(database) { host in
                _ = try await host.addUnknownMachine(name: "operator-build-box", power: .running)
                try await host.setPowerBehindTheBack(of: vmID, to: .stopped)
            }
            try await client.waitForVM(id, status: "STOPPED", in: tenant, token: root, timeout: .seconds(20))
            #expect(try await client.logMessages(id, in: tenant, token: root).first == "The machine stopped outside VirtualStack")

            try await Self.withHost(database) { try await $0.setPowerBehindTheBack(of: vmID, to: .running) }
            try await client.waitForVM(id, status: "RUNNING", in: tenant, token: root, timeout: .seconds(20))
            #expect(try await client.logMessages(id, in: tenant, token: root).first == "The machine started outside VirtualStack")

            try await Self.withHost(database) { try await $0.removeBehindTheBack(vmID) }
            try await client.waitForVM(id, status: "ERROR", in: tenant, token: root, timeout: .seconds(20))
            #expect(try await client.logMessages(id, in: tenant, token: root).first?.contains("gone from its host") == true)

            let names = try await Self.withHost(database) { try await $0.inventory().map(\.name) }
            #expect(names == ["operator-build-box"], "the unknown machine is reported, never deleted")
            let listed = try JSONBody(try await client.json(.get, "/api/v1/vms", token: root, tenant: tenant))
            #expect(listed["total"] as? Int == 1)
        }
    }
}
