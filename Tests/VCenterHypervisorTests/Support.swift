import Core
import Foundation
import HypervisorContract
import Logging
import SecurityAdapters
import Synchronization
import Testing
import VCenterHypervisor
import VCenterTestSupport

/// Hosts, clouds and specs on govmomi's simulator (see `SimulatorEnvironment`).
enum Simulator {
    static var available: Bool { SimulatorEnvironment.available }
    static var password: String { SimulatorEnvironment.password }
    static var thumbprint: String { SimulatorEnvironment.thumbprint }
    static var template: String { SimulatorEnvironment.template }

    static let secrets = try! AESGCMSecretBox(key: SimulatorEnvironment.randomKey())

    /// A vcenter host on the simulator; by default trusting its certificate through `ca_pem`.
    static func host(
        password: String = Simulator.password, caPEM: String? = SimulatorEnvironment.caPEM, thumbprint: String? = nil,
        insecure: Bool = false, placement: VCenterHostSettings.Placement = .init()
    ) throws -> HypervisorHost {
        let id = HostID(UUID())
        let settings = VCenterHostSettings(
            username: SimulatorEnvironment.username, sealedPassword: try secrets.seal(password, context: id.description), insecure: insecure,
            caPEM: thumbprint == nil && !insecure ? caPEM : nil, thumbprint: thumbprint, placement: placement
        )
        return HypervisorHost(
            id: id, name: "vcsim", driver: .vcenter, uri: SimulatorEnvironment.url, enabled: true,
            capacity: HostCapacity(vcpus: 64, memoryGB: 256, diskGB: 4096), settings: settings.settings, createdAt: Date(), updatedAt: Date()
        )
    }

    /// Runs `body` with a cloud, and logs every session out afterwards.
    static func withCloud(_ body: (VCenterCloud) async throws -> Void) async throws {
        let cloud = VCenterCloud(secrets: secrets, logger: Logger(label: "vcenter-tests"))
        do {
            try await body(cloud)
        } catch {
            await cloud.shutdown()
            throw error
        }
        await cloud.shutdown()
    }

    /// Runs `body` with the driver of a fresh host, a machine it created from `spec`, and a second
    /// client; deletes the machine afterwards.
    static func withMachine(
        _ spec: MachineSpec = Simulator.spec(), _ body: (VCenterHost, MachineSpec, SecondClient) async throws -> Void
    ) async throws {
        try await withCloud { cloud in
            let host = try Simulator.host()
            let driver = try cloud.vcenterHost(for: host)
            _ = try await driver.create(spec)
            let second = try SecondClient(cloud, for: host)
            defer { Task { await second.close() } }
            try await body(driver, spec, second)
            try await driver.delete(spec.id)
            #expect(try await driver.machine(spec.id) == nil)
        }
    }

    /// A template VM of the simulator's template, 1 vCPU, 1 GB.
    static func spec(_ id: VMID = VMID(UUID()), cpu: Int = 1, memoryGB: Int = 1) -> MachineSpec {
        MachineSpec(id: id, size: VMSize(cpu: cpu, memoryGB: memoryGB, diskGB: 10), source: .template(TemplateID(UUID()), image: template))
    }
}

/// Each contract check on the simulator, with fresh VM ids; the machines it made are deleted afterwards.
struct VCenterFixture: HypervisorFixture {
    private let made = MadeIDs()

    func withHost(_ body: @Sendable (HostUnderTest) async throws -> Void) async throws {
        try await Simulator.withCloud { cloud in
            let host = try Simulator.host()
            let driver = try cloud.vcenterHost(for: host)
            let slow = try cloud.separateHost(for: host, operationDelay: .seconds(30))
            defer { Task { await slow.close() } }
            do {
                try await body(HostUnderTest(driver: driver, slowDriver: slow))
            } catch {
                await deleteMachines(on: driver)
                throw error
            }
            await deleteMachines(on: driver)
        }
    }

    private func deleteMachines(on driver: VCenterHost) async {
        for id in made.ids.withLock({ $0 }) { try? await driver.delete(id) }
    }

    func spec(for id: VMID) -> MachineSpec {
        _ = made.ids.withLock { $0.insert(id) }
        return Simulator.spec(id)
    }
}

/// The VM ids a fixture handed out.
final class MadeIDs: Sendable {
    let ids = Mutex<Set<VMID>>([])
}
