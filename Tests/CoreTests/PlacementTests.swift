import Core
import Foundation
import Testing

@Suite("Placement")
struct PlacementTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let small = VMSize(cpu: 2, memoryGB: 4, diskGB: 40)

    static func host(
        _ name: String, driver: DriverKind = .simulated, enabled: Bool = true, vcpus: Int = 16, memory: Int = 64, disk: Int = 1000,
        allocated: VMSize = .zero, vms: Int = 0
    ) -> HypervisorHost {
        HypervisorHost(
            id: HostID(UUID()), name: name, driver: driver, uri: "simulated://\(name)", enabled: enabled,
            capacity: HostCapacity(vcpus: vcpus, memoryGB: memory, diskGB: disk, cpuOvercommit: 1, memoryOvercommit: 1, diskOvercommit: 1),
            allocated: allocated, vmCount: vms, createdAt: now, updatedAt: now
        )
    }

    static func template(images: [DriverKind: String]) -> VMTemplate {
        VMTemplate(id: TemplateID(UUID()), name: "Debian", description: nil, defaultSize: small, images: images, createdAt: now)
    }

    @Test("The host with the most room left wins, measured by the scarcest dimension")
    func spreads() {
        let busy = Self.host("busy", allocated: VMSize(cpu: 8, memoryGB: 8, diskGB: 100), vms: 4)
        let memoryTight = Self.host("memory-tight", allocated: VMSize(cpu: 0, memoryGB: 56, diskGB: 0), vms: 1)
        let idle = Self.host("idle")
        #expect(Placement.choose(for: Self.small, template: nil, among: [busy, memoryTight, idle])?.host.name == "idle")
        #expect(Placement.choose(for: Self.small, template: nil, among: [busy, memoryTight])?.host.name == "busy")
    }

    @Test("A host that is down is skipped, however much room it has")
    func downHosts() {
        var down = Self.host("down")
        down.downReason = "vCenter refused the username or password"
        let busy = Self.host("busy", allocated: VMSize(cpu: 8, memoryGB: 8, diskGB: 100), vms: 4)
        #expect(Placement.choose(for: Self.small, template: nil, among: [down, busy])?.host.name == "busy")
        #expect(Placement.choose(for: Self.small, template: nil, among: [down]) == nil)
    }

    @Test("Full and drained hosts are skipped; nil when none fits")
    func fullAndDrained() {
        let full = Self.host("full", allocated: VMSize(cpu: 15, memoryGB: 0, diskGB: 0))
        let drained = Self.host("drained", enabled: false)
        #expect(Placement.choose(for: Self.small, template: nil, among: [full, drained]) == nil)
        #expect(Placement.choose(for: Self.small, template: nil, among: []) == nil)
        let exact = Self.host("exact", allocated: VMSize(cpu: 14, memoryGB: 60, diskGB: 960))
        #expect(Placement.choose(for: Self.small, template: nil, among: [exact, full, drained])?.host.name == "exact")
    }

    @Test("Overcommit multiplies what a host offers")
    func overcommit() {
        var host = Self.host("host", vcpus: 1)
        #expect(Placement.choose(for: Self.small, template: nil, among: [host]) == nil)
        host.capacity.cpuOvercommit = 2
        #expect(Placement.choose(for: Self.small, template: nil, among: [host]) != nil)
    }

    @Test("A template VM goes only where the driver has its image; the simulated driver serves every template")
    func images() {
        let libvirt = Self.host("kvm", driver: .libvirt)
        let simulated = Self.host("sim", allocated: VMSize(cpu: 10, memoryGB: 10, diskGB: 10))
        let withImage = Self.template(images: [.libvirt: "default/debian.qcow2"])
        let without = Self.template(images: [.vcenter: "debian-template"])

        let chosen = Placement.choose(for: Self.small, template: withImage, among: [libvirt, simulated])
        #expect(chosen?.host.name == "kvm" && chosen?.image == "default/debian.qcow2")
        #expect(Placement.choose(for: Self.small, template: without, among: [libvirt])?.host == nil)
        let fallback = Placement.choose(for: Self.small, template: without, among: [libvirt, simulated])
        #expect(fallback?.host.name == "sim" && fallback?.image == nil)
        #expect(Placement.choose(for: Self.small, template: nil, among: [libvirt])?.host.name == "kvm", "an ISO VM fits any host")
    }

    @Test("Ties go to the host with fewer VMs, then the lower id")
    func ties() {
        let a = Self.host("a", vms: 3)
        let b = Self.host("b", vms: 1)
        #expect(Placement.choose(for: Self.small, template: nil, among: [a, b])?.host.name == "b")
    }
}
