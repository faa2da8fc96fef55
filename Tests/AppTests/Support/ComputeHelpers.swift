import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// VM helpers that go through the real API, as the frontend does.
extension TestClientProtocol {
    /// The id of the catalog's template named `name` (the first one when nil).
    func templateID(named name: String? = nil, token: String, tenant: String) async throws -> String {
        let response = try await json(.get, "/api/v1/vm-templates", token: token, tenant: tenant)
        #expect(response.status == .ok, "templates: \(String(buffer: response.body))")
        let templates = try #require(JSONBody(response).array as? [[String: Any]])
        let chosen = try #require(name.map { name in templates.first { $0["name"] as? String == name } } ?? templates.first)
        return try #require(chosen["id"] as? String)
    }

    /// Creates a VM from the first template (or with `body`'s fields) and expects 202 PROVISIONING.
    func createVM(_ name: String, in tenant: String, token: String, body extra: [String: Any] = [:]) async throws -> String {
        var body: [String: Any] = ["name": name]
        if extra["iso_url"] == nil, extra["template_id"] == nil {
            body["template_id"] = try await templateID(token: token, tenant: tenant)
        }
        body.merge(extra) { $1 }
        let response = try await json(.post, "/api/v1/vms", token: token, tenant: tenant, body: body)
        #expect(response.status == .accepted, "create VM \(name): \(String(buffer: response.body))")
        let vm = try JSONBody(response)
        #expect(vm["status"] as? String == "PROVISIONING")
        return try #require(vm["id"] as? String)
    }

    func vm(_ id: String, in tenant: String, token: String) async throws -> JSONBody {
        let response = try await json(.get, "/api/v1/vms/\(id)", token: token, tenant: tenant)
        #expect(response.status == .ok, "get VM: \(String(buffer: response.body))")
        return try JSONBody(response)
    }

    /// Polls `GET /vms/{id}` until the VM has `status` and no task; fails after `timeout`.
    @discardableResult
    func waitForVM(
        _ id: String, status: String, in tenant: String, token: String, timeout: Duration = .seconds(30),
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSONBody {
        let deadline = ContinuousClock.now + timeout
        var last: JSONBody?
        while ContinuousClock.now < deadline {
            let vm = try await self.vm(id, in: tenant, token: token)
            if vm["status"] as? String == status, vm["task"] is NSNull { return vm }
            last = vm
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("VM \(id) did not reach \(status): last \(String(describing: last?.value))", sourceLocation: sourceLocation)
        throw WaitFailed()
    }

    /// Polls `GET /hosts` (as the superuser `rootToken`) until no host holds a VM: every delete job
    /// has removed its machine and released the host's allocation.
    func waitForHostsEmpty(rootToken: String, timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let hosts = try JSONBody(try await json(.get, "/api/v1/hosts", token: rootToken))
            let list = hosts.array as? [[String: Any]] ?? []
            let busy = list.contains { ($0["vm_count"] as? Int) != 0 || (($0["allocated"] as? [String: Any])?["cpu"] as? Int) != 0 }
            if !list.isEmpty && !busy { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("hosts still hold VMs")
        throw WaitFailed()
    }

    func logMessages(_ id: String, in tenant: String, token: String, limit: Int = 100) async throws -> [String] {
        let response = try await json(.get, "/api/v1/vms/\(id)/logs?limit=\(limit)", token: token, tenant: tenant)
        #expect(response.status == .ok, "logs: \(String(buffer: response.body))")
        return (try JSONBody(response).array as? [[String: Any]])?.compactMap { $0["message"] as? String } ?? []
    }

    func act(_ action: String, on id: String, in tenant: String, token: String) async throws -> TestResponse {
        try await json(.post, "/api/v1/vms/\(id)/actions", token: token, tenant: tenant, body: ["action": action])
    }
}

struct WaitFailed: Error {}
