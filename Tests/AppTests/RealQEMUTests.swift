#if LIBVIRT
import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import LibvirtHypervisor
import LibvirtTestSupport
import NIOCore
import TestSupport
import Testing

/// The whole VM flow through HTTP on a real libvirt daemon running real QEMU guests (software
/// emulation), as prepared by scripts/libvirt-e2e-setup.sh, which scripts/test.sh (and so CI) runs
/// first: its daemon's socket is `VIRTUALSTACK_E2E_LIBVIRT_SOCKET`, its pool `vs-e2e` holds the tiny
/// bootable base image `base.qcow2`, and guests write their serial console to
/// `VIRTUALSTACK_E2E_CONSOLE_DIR/vs-<vm id>.log`. Without that daemon the suite is skipped.
@Suite(
    "VM flow on a real QEMU through libvirt",
    .serialized,
    .enabled(if: RealQEMU.socket != nil, "VIRTUALSTACK_E2E_LIBVIRT_SOCKET is not set: run scripts/libvirt-e2e-setup.sh (scripts/test.sh does)")
)
struct RealQEMUTests {
    @Test(
        "Template → create (a COW clone) → RUNNING and booted → agent's address → graceful stop → start → restart → delete; two VMs side by side",
        arguments: TestBackend.available
    )
    func wholeFlow(backend: TestBackend) async throws {
        let e2e = try #require(RealQEMU())
        let raw = try SecondConnection(e2e.uri)
        let baseBefore = try Data(contentsOf: e2e.basePath)
        try await withApp(backend, settings: e2e.settings) { client, _ in
            let root = try await client.login()
            let tenant = try await client.createTenant("QEMU", token: root)
            let template = try await client.json(
                .post, "/api/v1/vm-templates", token: root,
                body: ["name": "Tiny \(UUID())", "cpu": 1, "memory_gb": 1, "disk_gb": 1, "images": ["libvirt": "\(RealQEMU.pool)/\(RealQEMU.base)"]]
            )
            #expect(template.status == .created, "\(String(buffer: template.body))")
            let templateID = try #require(try JSONBody(template)["id"] as? String)

            // Two VMs from one template, created together.
            let posted = ContinuousClock.now
            let a = try await client.createVM("qemu-a", in: tenant, token: root, body: ["template_id": templateID])
            let b = try await client.createVM("qemu-b", in: tenant, token: root, body: ["template_id": templateID])
            do {
                try await flow((a, b), client: client, tenant: tenant, root: root, e2e: e2e, raw: raw, posted: posted, baseBefore: baseBefore)
            } catch {
                // Leave no guest running after a failure.
                for id in [a, b].compactMap(VMID.init) { raw.remove(id, diskPool: RealQEMU.pool) }
                throw error
            }
        }
    }

    @Test("The daemon restarts: calls fail retryably while it is away, then the driver opens a new connection")
    func daemonRestart() async throws {
        let e2e = try #require(RealQEMU())
        let cloud = LibvirtCloud()
        let host = cloud.host(e2e.uri, virtType: .qemu)
        _ = try await host.inventory()

        try e2e.setup("stop")
        try await e2e.waitForDaemon(up: false)
        let error = await #expect(throws: HypervisorError.self) { try await host.inventory() }
        #expect(error?.retryable == true, "\(String(describing: error))")
        try e2e.setup()
        let inventory = try await host.inventory()

        #expect(inventory.allSatisfy { $0.vmID == nil || $0.name.hasPrefix("vs-") })
        #expect(cloud.connectionsOpened(to: e2e.uri) == 2, "one connection, then one more after the daemon came back")
        await cloud.shutdown()
    }

    /// The flow on VMs `a` and `b`, just created from the template.
    func flow(
        _ vms: (a: String, b: String), client: some TestClientProtocol, tenant: String, root: String, e2e: RealQEMU,
        raw: SecondConnection, posted: ContinuousClock.Instant, baseBefore: Data
    ) async throws {
        let (a, b) = vms
        let (idA, idB) = (try #require(VMID(a)), try #require(VMID(b)))
        for id in [a, b] { try await client.waitForVM(id, status: "RUNNING", in: tenant, token: root, timeout: .seconds(90)) }
        let running = ContinuousClock.now - posted
        for id in [idA, idB] {
            try await e2e.waitForConsole(of: id, lines: 1)
            #expect(try e2e.backingFile(of: id) == e2e.basePath.path, "the disk is a copy-on-write clone of the base")
        }
        let booted = ContinuousClock.now - posted
        #expect(try raw.isActive(idA) && raw.isActive(idB), "both guests run side by side")
        print("real QEMU: POST /vms → RUNNING \(running), → both guests' ready lines \(booted) (two VMs at once)")

        let withAddress = try await client.waitForAddress(a, in: tenant, token: root)
        #expect(withAddress == "10.0.2.15", "the guest agent's address of eth0")

        let stopAsked = ContinuousClock.now
        _ = try await client.act("stop", on: a, in: tenant, token: root)
        try await client.waitForVM(a, status: "STOPPED", in: tenant, token: root, timeout: .seconds(90))
        print("real QEMU: graceful stop \(ContinuousClock.now - stopAsked)")
        #expect(try raw.shutOffByGuest(idA), "the guest shut itself down: no forced destroy")
        #expect(try e2e.console(of: idA).contains("reboot: Power down"))

        _ = try await client.act("start", on: a, in: tenant, token: root)
        try await client.waitForVM(a, status: "RUNNING", in: tenant, token: root, timeout: .seconds(90))
        try await e2e.waitForConsole(of: idA, lines: 2)
        _ = try await client.waitForAddress(a, in: tenant, token: root)

        _ = try await client.act("restart", on: a, in: tenant, token: root)
        try await client.waitForVM(a, status: "RUNNING", in: tenant, token: root, timeout: .seconds(90))
        try await e2e.waitForConsole(of: idA, lines: 3)
        #expect(try e2e.console(of: idA).contains("reboot: Restarting system"), "the guest rebooted")

        for id in [a, b] { #expect(try await client.json(.delete, "/api/v1/vms/\(id)", token: root, tenant: tenant).status == .accepted) }
        try await client.waitForHostsEmpty(rootToken: root, timeout: .seconds(60))
        for id in [idA, idB] {
            #expect(!raw.hasDomain(id))
            #expect(try raw.volumeXML("vs-\(id).qcow2", inPool: RealQEMU.pool) == nil, "the clone is gone")
        }
        #expect(try raw.volumeXML(RealQEMU.base, inPool: RealQEMU.pool) != nil)
        #expect(try Data(contentsOf: e2e.basePath) == baseBefore, "the base is untouched")
    }
}

/// The daemon scripts/libvirt-e2e-setup.sh started.
struct RealQEMU {
    static let socket = ProcessInfo.processInfo.environment["VIRTUALSTACK_E2E_LIBVIRT_SOCKET"]
    static let pool = "vs-e2e"
    static let base = "base.qcow2"

    let uri: String
    let consoleDirectory: URL
    let basePath: URL

    init?() {
        guard let socket = Self.socket, let console = ProcessInfo.processInfo.environment["VIRTUALSTACK_E2E_CONSOLE_DIR"] else { return nil }
        uri = "qemu:///session?socket=\(socket)"
        consoleDirectory = URL(fileURLWithPath: console)
        // The setup script's layout: <dir>/run/libvirt/libvirt-sock and the pool in <dir>/pool.
        let directory = URL(fileURLWithPath: socket).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        basePath = directory.appendingPathComponent("pool").appendingPathComponent(Self.base)
    }

    /// A libvirt host with software emulation and the console in a file; the periodic reconciliation
    /// is an hour away, so an address that shows up came from the guest agent's event.
    var settings: [String: String] {
        [
            "compute.driver": "libvirt", "libvirt.uri": uri, "libvirt.virt.type": "qemu", "libvirt.iso.pool": Self.pool,
            "libvirt.console.log.dir": consoleDirectory.path, "vm.stop.timeout.seconds": "60",
        ]
    }

    func console(of id: VMID) throws -> String {
        (try? String(contentsOf: consoleDirectory.appendingPathComponent("vs-\(id).log"), encoding: .utf8)) ?? ""
    }

    /// Waits until the guest's console holds `lines` ready lines (one per boot).
    func waitForConsole(of id: VMID, lines: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            if try console(of: id).components(separatedBy: "VIRTUALSTACK-GUEST-READY").count - 1 >= lines { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the guest of \(id) did not print its ready line \(lines) time(s): \(try console(of: id))", sourceLocation: sourceLocation)
        throw WaitFailed()
    }

    /// Runs scripts/libvirt-e2e-setup.sh (with `argument`): starts (or stops) the daemon.
    func setup(_ argument: String? = nil) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/libvirt-e2e-setup.sh")
        let process = Process()
        process.executableURL = script
        process.arguments = argument.map { [$0] } ?? []
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "libvirt-e2e-setup.sh \(argument ?? "") failed")
    }

    /// Waits until the daemon's process is gone (its socket stops answering) or up.
    func waitForDaemon(up: Bool) async throws {
        for _ in 0..<100 {
            let answers = (try? SecondConnection(uri)) != nil
            if answers == up { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the daemon is still \(up ? "down" : "up")")
    }

    /// The backing file of the VM's disk, as QEMU's own tool reads the qcow2 header.
    func backingFile(of id: VMID) throws -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/qemu-img")
        process.arguments = ["info", "-U", "--output=json", basePath.deletingLastPathComponent().appendingPathComponent("vs-\(id).qcow2").path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["backing-filename"] as? String
    }
}

extension TestClientProtocol {
    /// Polls the VM until it has an address; fails after a minute.
    func waitForAddress(_ id: String, in tenant: String, token: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let address = try await vm(id, in: tenant, token: token)["ip_address"] as? String { return address }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("VM \(id) never reported an address", sourceLocation: sourceLocation)
        throw WaitFailed()
    }
}
#endif
