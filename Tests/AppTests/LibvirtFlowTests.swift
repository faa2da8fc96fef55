#if LIBVIRT
import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import LibvirtTestSupport
import NIOCore
import TestSupport
import Testing

/// The VM flow through HTTP on a libvirt host: libvirt's built-in test host (`test:///default`, in
/// this process), as `VIRTUALSTACK_COMPUTE_DRIVER=libvirt` starts the service.
@Suite("VM flow on a libvirt host")
struct LibvirtFlowTests {
    static let settings = ["compute.driver": "libvirt", "libvirt.uri": "test:///default", "libvirt.iso.pool": "default-pool"]
    /// QEMU would read the ISO itself; the test driver does not read it at all.
    static var isoVM: [String: Any] { [
        "source_type": "iso", "iso_url": "https://cdimage.debian.org/debian-12.iso", "cpu": 1, "memory_gb": 1, "disk_gb": 10,
    ] }

    @Test("Template VM: create (a clone of the base), run, stop, start, restart, delete (domain and clone gone, base kept)", arguments: TestBackend.available)
    func templateFlow(backend: TestBackend) async throws {
        let raw = try SecondConnection("test:///default")
        let base = "flow-base-\(UUID()).qcow2"
        try raw.ensureVolume(base, capacity: 64 << 20, inPool: "default-pool")
        try await withApp(backend, settings: Self.settings) { client, _ in
            let root = try await client.login()
            let hosts = try #require(try JSONBody(try await client.json(.get, "/api/v1/hosts", token: root)).array as? [[String: Any]])
            #expect(hosts.map { $0["driver"] as? String } == ["libvirt"] && hosts.first?["uri"] as? String == "test:///default")
            let tenant = try await client.createTenant("Libvirt", token: root)
            let template = try await client.json(
                .post, "/api/v1/vm-templates", token: root,
                body: ["name": "Base \(UUID())", "cpu": 1, "memory_gb": 1, "disk_gb": 4, "images": ["libvirt": "default-pool/\(base)"]]
            )
            #expect(template.status == .created, "\(String(buffer: template.body))")
            let templateID = try #require(try JSONBody(template)["id"] as? String)

            let id = try await client.createVM("web-1", in: tenant, token: root, body: ["template_id": templateID])
            let running = try await client.waitForVM(id, status: "RUNNING", in: tenant, token: root)
            let vmID = try #require(VMID(id))
            #expect(raw.hasDomain(vmID))
            #expect(try raw.domainXML(vmID).contains("<name>vs-\(id)</name>"))
            let disk = try #require(try raw.volumeXML("vs-\(id).qcow2", inPool: "default-pool"))
            #expect(disk.contains("<backingStore>") && disk.contains(base), "a copy-on-write clone of the base: \(disk)")
            #expect((running["ip_address"] as? String)?.isEmpty == false, "the test driver reports an address: \(running.value)")

            _ = try await client.act("stop", on: id, in: tenant, token: root)
            try await client.waitForVM(id, status: "STOPPED", in: tenant, token: root)
            _ = try await client.act("start", on: id, in: tenant, token: root)
            try await client.waitForVM(id, status: "RUNNING", in: tenant, token: root)
            _ = try await client.act("restart", on: id, in: tenant, token: root)
            try await client.waitForVM(id, status: "RUNNING", in: tenant, token: root)
            #expect(try await client.json(.delete, "/api/v1/vms/\(id)", token: root, tenant: tenant).status == .accepted)
            try await client.waitForHostsEmpty(rootToken: root)

            #expect(!raw.hasDomain(vmID))
            #expect(try raw.volumeXML("vs-\(id).qcow2", inPool: "default-pool") == nil)
            #expect(try raw.volumeXML(base, inPool: "default-pool") != nil, "the base stays")
        }
    }

    @Test("With the configuration's defaults, the catalog's templates and ISO VMs run on test:///default", arguments: TestBackend.available)
    func defaults(backend: TestBackend) async throws {
        try await withApp(backend, settings: ["compute.driver": "libvirt"]) { client, _ in
            let root = try await client.login()
            let tenant = try await client.createTenant("Defaults", token: root)
            let fromCatalog = try await client.createVM("catalog", in: tenant, token: root)
            let installer = try await client.createVM("installer", in: tenant, token: root, body: Self.isoVM)
            for id in [fromCatalog, installer] {
                try await client.waitForVM(id, status: "RUNNING", in: tenant, token: root)
                #expect(try await client.json(.delete, "/api/v1/vms/\(id)", token: root, tenant: tenant).status == .accepted)
            }
            try await client.waitForHostsEmpty(rootToken: root)
        }
    }

    @Test("A domain powered off through another connection: libvirt's event moves the VM to STOPPED before any periodic pass", arguments: TestBackend.available)
    func outsideChange(backend: TestBackend) async throws {
        let raw = try SecondConnection("test:///default")
        try await withApp(backend, settings: Self.settings) { client, _ in
            let root = try await client.login()
            let tenant = try await client.createTenant("Outside", token: root)
            let id = try await client.createVM("db-1", in: tenant, token: root, body: Self.isoVM)
            try await client.waitForVM(id, status: "RUNNING", in: tenant, token: root)

            try raw.destroy(try #require(VMID(id)))

            // The test app reconciles every hour (settings of `buildTestApplication`): only the event can do it.
            try await client.waitForVM(id, status: "STOPPED", in: tenant, token: root, timeout: .seconds(10))
            let logs = try await client.logMessages(id, in: tenant, token: root)
            #expect(logs.first?.contains("outside") == true || logs.first?.contains("stopped") == true, "\(logs)")
        }
    }

    @Test("Hosts of kind libvirt: virt_type kvm or qemu, anything else 422", arguments: TestBackend.available)
    func registration(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            for (name, virtType) in [("kvm-host", "kvm"), ("tcg-host", "qemu")] {
                let created = try await client.json(
                    .post, "/api/v1/hosts", token: root, body: ["name": name, "driver": "libvirt", "uri": "test:///default", "virt_type": virtType]
                )
                #expect(created.status == .created, "\(String(buffer: created.body))")
                #expect(try JSONBody(created)["virt_type"] as? String == virtType)
            }
            let defaulted = try await client.json(.post, "/api/v1/hosts", token: root, body: ["name": "plain", "driver": "libvirt", "uri": "qemu:///system"])
            #expect(try JSONBody(defaulted)["virt_type"] as? String == "kvm")
            for bad in ["xen", "", "KVM"] {
                try expectError(
                    try await client.json(.post, "/api/v1/hosts", token: root, body: ["name": "bad", "driver": "libvirt", "uri": "test:///default", "virt_type": bad]),
                    .unprocessableContent
                )
            }
        }
    }

    @Test("A libvirt host that does not answer: the create job retries instead of failing at once", arguments: TestBackend.available)
    func unreachableHost(backend: TestBackend) async throws {
        let socket = FileManager.default.temporaryDirectory.appendingPathComponent("no-daemon-\(UUID())/sock").path
        try await withApp(backend, settings: ["compute.driver": "libvirt", "libvirt.uri": "qemu+unix:///system?socket=\(socket)", "job.max.attempts": "100"]) {
            client, _ in
            let root = try await client.login()
            let tenant = try await client.createTenant("Down", token: root)
            let id = try await client.createVM("waiting", in: tenant, token: root, body: Self.isoVM)

            let deadline = ContinuousClock.now + .seconds(10)
            var logs: [String] = []
            while ContinuousClock.now < deadline {
                logs = try await client.logMessages(id, in: tenant, token: root)
                if logs.filter({ $0.contains("Failed to connect socket") || $0.contains("retry") }).count >= 2 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(logs.filter { $0.contains("retry") }.count >= 2, "two failed attempts, each retried: \(logs)")
            #expect(try await client.vm(id, in: tenant, token: root)["status"] as? String == "PROVISIONING")
        }
    }
}
#endif
