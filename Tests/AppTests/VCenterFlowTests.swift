import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import SQLKit
import SQLPersistence
import SecurityAdapters
import TestSupport
import Testing
import VCenterHypervisor
import VCenterTestSupport

/// The VM flow through HTTP on a vcenter host: govmomi's simulator (`scripts/vcsim-setup.sh`), as an
/// operator registers it with `POST /hosts`.
@Suite("VM flow on a vcenter host", .enabled(if: VCSim.available, "needs scripts/vcsim-setup.sh"))
struct VCenterFlowTests {
    static let secretKey = SimulatorEnvironment.randomKey()
    static let settings = ["secret.key": secretKey, "reconcile.interval.seconds": "1"]

    @Test("Register, then template and ISO VMs: create, stop, start, restart, a power-off seen from outside, delete", arguments: TestBackend.available)
    func flow(backend: TestBackend) async throws {
        try await withApp(backend, settings: Self.settings) { client, database in
            let root = try await client.login()
            let host = try await client.registerVCSim(token: root)
            let hostID = try #require(host["id"] as? String)
            #expect(host["password"] == nil && host["password_sealed"] == nil, "\(host.value)")
            #expect(host["username"] as? String == VCSim.username && host["driver"] as? String == "vcenter")
            try await client.drainSimulatedHosts(token: root)
            let tenant = try await client.createTenant("vSphere", token: root)
            let template = try await client.json(
                .post, "/api/v1/vm-templates", token: root,
                body: ["name": "vSphere \(UUID())", "cpu": 2, "memory_gb": 2, "disk_gb": 10, "images": ["vcenter": VCSim.template]]
            )
            #expect(template.status == .created, "\(String(buffer: template.body))")
            let templateID = try #require(try JSONBody(template)["id"] as? String)

            let web = try await client.createVM("web-1", in: tenant, token: root, body: ["template_id": templateID])
            let installer = try await client.createVM("installer", in: tenant, token: root, body: [
                "source_type": "iso", "iso_url": "https://cdimage.debian.org/debian-12.iso", "cpu": 1, "memory_gb": 1, "disk_gb": 10,
            ])
            for id in [web, installer] { try await client.waitForVM(id, status: "RUNNING", in: tenant, token: root) }

            let cloud = VCenterCloud(secrets: try AESGCMSecretBox(key: Self.secretKey), logger: Logger(label: "second-client"))
            let second = try SecondClient(cloud, for: try await withClient(database) { try await storedHost(hostID, in: $0) })
            let webID = try #require(VMID(web))
            let hardware = try await second.properties(of: webID, ["config.hardware.numCPU", "config.hardware.memoryMB"])
            #expect(hardware["config.hardware.numCPU"]?.text == "2" && hardware["config.hardware.memoryMB"]?.text == "2048")

            _ = try await client.act("stop", on: web, in: tenant, token: root)
            try await client.waitForVM(web, status: "STOPPED", in: tenant, token: root)
            _ = try await client.act("start", on: web, in: tenant, token: root)
            try await client.waitForVM(web, status: "RUNNING", in: tenant, token: root)
            _ = try await client.act("restart", on: web, in: tenant, token: root)
            try await client.waitForVM(web, status: "RUNNING", in: tenant, token: root)

            try await second.powerOff(webID)
            try await client.waitForVM(web, status: "STOPPED", in: tenant, token: root, timeout: .seconds(20))
            #expect(try await client.logMessages(web, in: tenant, token: root).first == "The machine stopped outside VirtualStack")

            for id in [web, installer] {
                #expect(try await client.json(.delete, "/api/v1/vms/\(id)", token: root, tenant: tenant).status == .accepted)
            }
            try await client.waitForHostsEmpty(rootToken: root)
            #expect(try await second.host.machine(webID) == nil)
            await second.close()
            await cloud.shutdown()
        }
    }

    @Test("The database holds the password sealed (AES-GCM, bound to the host), never in the clear", arguments: TestBackend.available)
    func passwordAtRest(backend: TestBackend) async throws {
        try await withApp(backend, settings: Self.settings) { client, database in
            let root = try await client.login()
            let hostID = try #require(try await client.registerVCSim(token: root)["id"] as? String)
            let row = try await withClient(database) { client in
                try await client.sql.raw("SELECT settings FROM hosts WHERE id = \(bind: hostID)").first()?.decode(column: "settings", as: String.self)
            }
            let settings = try #require(row)
            #expect(!settings.contains(VCSim.password), "no plaintext password: \(settings)")
            #expect(settings.contains("\"password_sealed\":\"v1:"), "\(settings)")
            let listed = String(buffer: try await client.json(.get, "/api/v1/hosts", token: root).body)
            #expect(!listed.contains(VCSim.password) && !listed.contains("password"), "\(listed)")
        }
    }

    @Test("A wrong password marks the host down with a clear reason; the right one brings it up", arguments: TestBackend.available)
    func wrongPassword(backend: TestBackend) async throws {
        try await withApp(backend, settings: Self.settings) { client, _ in
            let root = try await client.login()
            let hostID = try #require(try await client.registerVCSim(token: root, password: "wrong-password")["id"] as? String)
            let down = try await client.waitForHost(hostID, status: "down", token: root)
            #expect((down["down_reason"] as? String)?.contains("refused the username or password") == true, "\(down.value)")
            #expect(down["down_since"] is String)

            let patched = try await client.json(.patch, "/api/v1/hosts/\(hostID)", token: root, body: ["password": VCSim.password])
            #expect(patched.status == .ok, "\(String(buffer: patched.body))")
            let up = try await client.waitForHost(hostID, status: "up", token: root)
            #expect(up["down_reason"] == nil)
        }
    }

    @Test("TLS: a certificate neither trusted nor pinned marks the host down; a wrong pin too; the right pin works", arguments: TestBackend.available)
    func tls(backend: TestBackend) async throws {
        try await withApp(backend, settings: Self.settings) { client, _ in
            let root = try await client.login()
            let untrusted = try #require(try await client.registerVCSim(token: root, trust: [:])["id"] as? String)
            let refused = try await client.waitForHost(untrusted, status: "down", token: root)
            #expect((refused["down_reason"] as? String)?.contains("certificate") == true, "\(refused.value)")

            let wrongPin = try #require(
                try await client.registerVCSim(token: root, trust: ["thumbprint": String(repeating: "ab", count: 32)])["id"] as? String
            )
            let mismatch = try await client.waitForHost(wrongPin, status: "down", token: root)
            #expect((mismatch["down_reason"] as? String)?.contains("not the pinned") == true, "\(mismatch.value)")

            let patched = try await client.json(.patch, "/api/v1/hosts/\(wrongPin)", token: root, body: ["thumbprint": VCSim.thumbprint])
            let pinned = try JSONBody(patched)["thumbprint"] as? String
            #expect(patched.status == .ok && pinned == VCSim.thumbprint)
            _ = try await client.waitForHost(wrongPin, status: "up", token: root)
        }
    }

    @Test("Registration checks what it can without vCenter, with a clear 422", arguments: TestBackend.available)
    func validation(backend: TestBackend) async throws {
        try await withApp(backend, settings: Self.settings) { client, _ in
            let root = try await client.login()
            let base: [String: Any] = ["name": "vc", "driver": "vcenter", "uri": VCSim.url, "username": VCSim.username, "password": "x"]
            let cases: [(String, [String: Any], String)] = [
                ("no password", base.filter { $0.key != "password" }, "password is required"),
                ("no username", base.filter { $0.key != "username" }, "username is required"),
                ("http", base.merging(["uri": "http://127.0.0.1/sdk"]) { $1 }, "https URL"),
                ("credentials in the URL", base.merging(["uri": "https://u:p@127.0.0.1/sdk"]) { $1 }, "https URL"),
                ("insecure and pinned", base.merging(["insecure": true, "thumbprint": VCSim.thumbprint]) { $1 }, "cannot be combined"),
                ("a SHA-1 thumbprint", base.merging(["thumbprint": String(repeating: "AB:", count: 19) + "AB"]) { $1 }, "SHA-256"),
                ("not PEM", base.merging(["ca_pem": "hello"]) { $1 }, "PEM"),
                ("vCenter fields on a simulated host", ["name": "s", "driver": "simulated", "uri": "simulated://s", "username": "u"], "only for vcenter"),
            ]
            for (what, body, detail) in cases {
                let response = try await client.json(.post, "/api/v1/hosts", token: root, body: body)
                #expect(response.status == .unprocessableContent, "\(what): \(response.status)")
                #expect((try JSONBody(response)["detail"] as? String)?.contains(detail) == true, "\(what): \(String(buffer: response.body))")
            }
            let simulated = try #require(try JSONBody(try await client.json(.get, "/api/v1/hosts", token: root)).array?.first as? [String: Any])
            let patch = try await client.json(.patch, "/api/v1/hosts/\(simulated["id"] as? String ?? "")", token: root, body: ["password": "x"])
            #expect(patch.status == .unprocessableContent, "credentials of a simulated host: \(String(buffer: patch.body))")
        }
    }

    @Test("Without VIRTUALSTACK_SECRET_KEY a vcenter host is refused: no password is stored in the clear", arguments: TestBackend.available)
    func noSecretKey(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            let response = try await client.json(.post, "/api/v1/hosts", token: root, body: VCSim.registration(password: VCSim.password, trust: [:]))
            #expect(response.status == .unprocessableContent)
            #expect((try JSONBody(response)["detail"] as? String)?.contains("VIRTUALSTACK_SECRET_KEY") == true, "\(String(buffer: response.body))")
        }
    }
}

/// The simulator (see `SimulatorEnvironment`), as the service is told of it.
enum VCSim {
    static var available: Bool { SimulatorEnvironment.available }
    static var url: String { SimulatorEnvironment.url }
    static var username: String { SimulatorEnvironment.username }
    static var password: String { SimulatorEnvironment.password }
    static var thumbprint: String { SimulatorEnvironment.thumbprint }
    static var template: String { SimulatorEnvironment.template }
    static var caPEM: String { SimulatorEnvironment.caPEM }

    static func registration(password: String, trust: [String: Any]) -> [String: Any] {
        ["name": "vcsim-\(UUID().uuidString.prefix(8))", "driver": "vcenter", "uri": url, "username": username, "password": password]
            .merging(trust) { $1 }
    }
}

/// A host row as the service stored it (for a second client that needs its sealed password).
private func storedHost(_ id: String, in client: SQLPersistence.DatabaseClient) async throws -> HypervisorHost {
    let hostID = try #require(HostID(id))
    return try #require(try await SQLComputeStore(client: client).host(hostID))
}

extension TestClientProtocol {
    /// Registers the simulator as a vcenter host, trusting its certificate through `ca_pem` unless
    /// `trust` says otherwise; the host as created.
    func registerVCSim(token: String, password: String = VCSim.password, trust: [String: Any]? = nil) async throws -> JSONBody {
        let body = VCSim.registration(password: password, trust: trust ?? ["ca_pem": VCSim.caPEM])
        let response = try await json(.post, "/api/v1/hosts", token: token, body: body)
        #expect(response.status == .created, "register the simulator: \(String(buffer: response.body))")
        return try JSONBody(response)
    }

    /// Drains every simulated host, so that new VMs land on the others.
    func drainSimulatedHosts(token: String) async throws {
        let hosts = try #require(try JSONBody(try await json(.get, "/api/v1/hosts", token: token)).array as? [[String: Any]])
        for host in hosts where host["driver"] as? String == "simulated" {
            let id = host["id"] as? String ?? ""
            #expect(try await json(.patch, "/api/v1/hosts/\(id)", token: token, body: ["enabled": false]).status == .ok)
        }
    }

    /// Waits until host `id` has `status` (`up` or `down`); the host then.
    func waitForHost(_ id: String, status: String, token: String, timeout: Duration = .seconds(20)) async throws -> JSONBody {
        let deadline = ContinuousClock.now + timeout
        var last: JSONBody?
        while ContinuousClock.now < deadline {
            let host = try JSONBody(try await json(.get, "/api/v1/hosts/\(id)", token: token))
            if host["status"] as? String == status { return host }
            last = host
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("host \(id) did not become \(status): \(last?.value ?? "nothing")")
        throw CancellationError()
    }
}
