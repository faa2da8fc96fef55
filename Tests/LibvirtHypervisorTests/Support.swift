import CLibvirt
import Core
import Foundation
import HypervisorContract
import LibvirtHypervisor
import LibvirtTestSupport
import Synchronization

/// The base image every test host has: `<pool>/base.qcow2`, 64 MiB.
let baseVolume = "base.qcow2"
let baseCapacity: UInt64 = 64 << 20

/// A host of libvirt's test driver, as the contract runs on it.
enum TestHost: String, Sendable, CaseIterable, CustomStringConvertible {
    /// `test:///default`: the driver's built-in host, shared by every connection of this process.
    case builtIn
    /// `test:///…/node.xml`: a host of its own, from a node file written for the check.
    case nodeFile

    var description: String { rawValue }
}

/// Runs each check on a fresh host: a node file of its own, or the built-in host (with fresh VM
/// ids, as the fixture protocol allows). A raw connection keeps the built-in host's state alive
/// while the check runs (it resets when the last connection closes) and puts the base volume in.
/// The machines a check made are deleted afterwards, so that the built-in host, which outlives the
/// check while other tests use it, does not fill up.
struct LibvirtFixture: HypervisorFixture {
    let kind: TestHost
    private let made = MadeIDs()

    init(kind: TestHost) {
        self.kind = kind
    }

    func withHost(_ body: @Sendable (HostUnderTest) async throws -> Void) async throws {
        try await withTestHost(kind) { uri, _ in
            try await withCloud(LibvirtSettings(isoPool: pool)) { cloud in
                let driver = cloud.host(uri)
                do {
                    try await body(HostUnderTest(driver: driver, slowDriver: cloud.host(uri, operationDelay: .seconds(30))))
                } catch {
                    await deleteMachines(on: driver)
                    throw error
                }
                await deleteMachines(on: driver)
            }
        }
    }

    private func deleteMachines(on driver: LibvirtHost) async {
        for id in made.ids.withLock({ $0 }) { try? await driver.delete(id) }
    }

    var pool: String { kind == .builtIn ? "default-pool" : "default" }

    /// 1 GB disks: the built-in host's pool counts them against its 100 GiB.
    func spec(for id: VMID) -> MachineSpec {
        _ = made.ids.withLock { $0.insert(id) }
        return MachineSpec(id: id, size: VMSize(cpu: 1, memoryGB: 1, diskGB: 1), source: .template(TemplateID(UUID()), image: "\(pool)/\(baseVolume)"))
    }
}

/// The VM ids a fixture handed out.
final class MadeIDs: Sendable {
    let ids = Mutex<Set<VMID>>([])
}

/// Runs `body` with a cloud of `settings`, and shuts it down (connections closed, threads stopped) afterwards.
func withCloud(
    _ settings: LibvirtSettings = LibvirtSettings(), onHostEvent: @escaping @Sendable (String) -> Void = { _ in },
    _ body: (LibvirtCloud) async throws -> Void
) async throws {
    let cloud = LibvirtCloud(settings: settings, onHostEvent: onHostEvent)
    do {
        try await body(cloud)
    } catch {
        await cloud.shutdown()
        throw error
    }
    await cloud.shutdown()
}

/// Runs `body` with the URI of a test host of `kind` and a raw libvirt connection to it (the
/// "second connection" through which tests change things behind the driver's back).
func withTestHost(_ kind: TestHost, _ body: (String, SecondConnection) async throws -> Void) async throws {
    switch kind {
    case .builtIn:
        let uri = "test:///default"
        let raw = try SecondConnection(uri)
        try raw.ensureVolume(baseVolume, capacity: baseCapacity, inPool: "default-pool")
        try await body(uri, raw)
    case .nodeFile:
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("libvirt-test-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let node = directory.appendingPathComponent("node.xml")
        try nodeXML(poolPath: directory.appendingPathComponent("pool").path).write(to: node, atomically: true, encoding: .utf8)
        let uri = "test://\(node.path)"
        try await body(uri, try SecondConnection(uri))
    }
}

/// A host with 4 CPUs and 8 GiB, the network `default` and a dir pool `default` holding the base
/// volume. Each open of the file gets private state: another host.
func nodeXML(poolPath: String) -> String {
    """
    <node>
      <cpu><mhz>2000</mhz><model>x86_64</model><active>4</active><nodes>1</nodes><sockets>1</sockets><cores>4</cores><threads>1</threads></cpu>
      <memory>8388608</memory>
      <network>
        <name>default</name>
        <bridge name='virbr0'/>
        <forward/>
        <ip address='192.168.122.1' netmask='255.255.255.0'><dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip>
      </network>
      <pool type='dir'>
        <name>default</name>
        <target><path>\(poolPath)</path></target>
        <volume type='file'>
          <name>\(baseVolume)</name>
          <capacity unit='bytes'>\(baseCapacity)</capacity>
          <target><path>\(poolPath)/\(baseVolume)</path><format type='qcow2'/></target>
        </volume>
      </pool>
    </node>
    """
}

