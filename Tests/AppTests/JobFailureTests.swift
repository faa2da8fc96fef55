import Foundation
import HTTPTypes
import HummingbirdTesting
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
}
