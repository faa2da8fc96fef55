import CLibvirt
import Core
import Foundation
import LibvirtHypervisor
import LibvirtTestSupport
import Testing

/// What the driver puts on a host: domains named and identified by the VM, copy-on-write disks,
/// hosts that do not share anything.
@Suite("libvirt driver: domains, disks and hosts")
struct DomainTests {
    @Test("A template VM's domain: UUID and name from the VM id, q35, virtio disk on a qcow2 clone of the base, agent channel, serial console")
    func templateDomain() async throws {
        try await withTestHost(.builtIn) { uri, raw in
            try await withCloud { cloud in
                let host = cloud.host(uri, virtType: .qemu)
                let id = VMID(UUID())

                _ = try await host.create(MachineSpec(id: id, size: VMSize(cpu: 2, memoryGB: 3, diskGB: 2), source: .template(nil, image: "default-pool/\(baseVolume)")))

                let xml = try raw.domainXML(id)
                #expect(xml.contains("<name>vs-\(id)</name>") && xml.contains("<uuid>\(id)</uuid>"))
                #expect(xml.contains("type='qemu'") && !xml.contains("<cpu"), "software emulation has no <cpu>: \(xml)")
                #expect(xml.contains("machine='q35'") && xml.contains("bus='virtio'") && xml.contains("org.qemu.guest_agent.0"))
                #expect(xml.contains("<vcpu placement='static'>2</vcpu>") && xml.contains("<memory unit='KiB'>3145728</memory>"))
                #expect(xml.contains("volume='vs-\(id).qcow2'") && xml.contains("<serial type='pty'>"))
                let disk = try #require(try raw.volumeXML("vs-\(id).qcow2", inPool: "default-pool"))
                #expect(disk.contains("<capacity unit='bytes'>\(UInt64(2) << 30)</capacity>"), "grown to disk_gb: \(disk)")
                #expect(disk.contains("<backingStore>") && disk.contains("/\(baseVolume)</path>"), "a clone of the base: \(disk)")
            }
        }
    }

    @Test("A kvm host's domain passes the host CPU through")
    func kvmDomain() async throws {
        try await withTestHost(.builtIn) { uri, raw in
            try await withCloud { cloud in
                let id = VMID(UUID())

                _ = try await cloud.host(uri, virtType: .kvm).create(LibvirtFixture(kind: .builtIn).spec(for: id))

                let xml = try raw.domainXML(id)
                #expect(xml.contains("type='kvm'") && xml.contains("host-passthrough"))
            }
        }
    }

    @Test("An ISO VM gets an empty qcow2 disk in the ISO pool and the ISO as an https CD-ROM")
    func isoDomain() async throws {
        try await withTestHost(.builtIn) { uri, raw in
            try await withCloud(LibvirtSettings(isoPool: "default-pool")) { cloud in
                let id = VMID(UUID())

                _ = try await cloud.host(uri).create(
                    MachineSpec(id: id, size: VMSize(cpu: 1, memoryGB: 1, diskGB: 1), source: .iso("https://cdimage.example.org:8443/debian/netinst.iso?v=1"))
                )

                let xml = try raw.domainXML(id)
                #expect(xml.contains("device='cdrom'") && xml.contains("protocol='https'") && xml.contains("name='/debian/netinst.iso'"))
                #expect(xml.contains("<host name='cdimage.example.org' port='8443'/>"))
                let disk = try #require(try raw.volumeXML("vs-\(id).qcow2", inPool: "default-pool"))
                #expect(!disk.contains("<backingStore>") && disk.contains("<capacity unit='bytes'>\(UInt64(1) << 30)</capacity>"))
            }
        }
    }

    @Test("Delete removes the domain and its disk, and leaves the base and other volumes alone")
    func deleteKeepsTheBase() async throws {
        try await withTestHost(.builtIn) { uri, raw in
            try await withCloud { cloud in
                let host = cloud.host(uri)
                let fixture = LibvirtFixture(kind: .builtIn)
                let (gone, kept) = (VMID(UUID()), VMID(UUID()))
                _ = try await host.create(fixture.spec(for: gone))
                _ = try await host.create(fixture.spec(for: kept))

                try await host.delete(gone)

                #expect(try await host.machine(gone) == nil)
                #expect(try raw.volumeXML("vs-\(gone).qcow2", inPool: "default-pool") == nil)
                #expect(try raw.volumeXML(baseVolume, inPool: "default-pool") != nil)
                #expect(try raw.volumeXML("vs-\(kept).qcow2", inPool: "default-pool") != nil)
                #expect(try await host.machine(kept) != nil)
            }
        }
    }

    @Test("A disk left by a create that stopped halfway is used again, and removed by delete without a domain")
    func leftoverDisk() async throws {
        try await withTestHost(.builtIn) { uri, raw in
            try await withCloud { cloud in
                let host = cloud.host(uri)
                let id = VMID(UUID())
                try raw.ensureVolume("vs-\(id).qcow2", capacity: 1 << 30, inPool: "default-pool")

                try await host.delete(id)
                #expect(try raw.volumeXML("vs-\(id).qcow2", inPool: "default-pool") == nil)

                try raw.ensureVolume("vs-\(id).qcow2", capacity: 1 << 30, inPool: "default-pool")
                let created = try await host.create(LibvirtFixture(kind: .builtIn).spec(for: id))
                #expect(created.power == .running)
                #expect(try raw.domainXML(id).contains("volume='vs-\(id).qcow2'"))
            }
        }
    }

    @Test("On the test driver, fillTestHosts makes a missing pool and base volume instead of refusing")
    func filledTestHost() async throws {
        try await withTestHost(.builtIn) { uri, raw in
            try await withCloud(LibvirtSettings(fillTestHosts: true)) { cloud in
                let id = VMID(UUID())
                let pool = "catalog-\(UUID())"

                let created = try await cloud.host(uri).create(
                    MachineSpec(id: id, size: VMSize(cpu: 1, memoryGB: 1, diskGB: 1), source: .template(nil, image: "\(pool)/debian-12.qcow2"))
                )

                #expect(created.power == .running)
                #expect(try raw.volumeXML("debian-12.qcow2", inPool: pool) != nil)
                #expect(try raw.volumeXML("vs-\(id).qcow2", inPool: pool)?.contains("debian-12.qcow2") == true)
                try await cloud.host(uri).delete(id)
            }
        }
    }

    @Test("Concurrent creates of one VM through separate connections (as from several processes) make one running, persistent machine")
    func concurrentConnections() async throws {
        try await withTestHost(.builtIn) { uri, raw in
            let clouds = (0..<4).map { _ in LibvirtCloud() }
            let fixture = LibvirtFixture(kind: .builtIn)
            for _ in 0..<5 {
                let spec = fixture.spec(for: VMID(UUID()))

                let created = try await withThrowingTaskGroup(of: Machine.self) { group in
                    for cloud in clouds { group.addTask { try await cloud.host(uri).create(spec) } }
                    return try await group.reduce(into: [Machine]()) { $0.append($1) }
                }

                // A create that found the domain another one had just defined returns it as it was then
                // (perhaps not started yet): as the port says, create never powers a machine on again.
                #expect(created.count == 4 && created.allSatisfy { $0.vmID == spec.id }, "\(created)")
                #expect(try await clouds[0].host(uri).inventory().filter { $0.vmID == spec.id }.map(\.power) == [.running])
                // Persistent: it stays defined when it stops (a transient domain would vanish).
                _ = try await clouds[0].host(uri).stop(spec.id, timeout: .seconds(5))
                #expect(raw.hasDomain(spec.id))
                try await clouds[0].host(uri).delete(spec.id)
            }
            for cloud in clouds { await cloud.shutdown() }
        }
    }

    @Test("Two node-file hosts are independent: a machine on one is not on the other")
    func independentHosts() async throws {
        try await withTestHost(.nodeFile) { first, _ in
            try await withTestHost(.nodeFile) { second, _ in
                try await withCloud { cloud in
                    let fixture = LibvirtFixture(kind: .nodeFile)
                    let (a, b) = (VMID(UUID()), VMID(UUID()))

                    _ = try await cloud.host(first).create(fixture.spec(for: a))
                    _ = try await cloud.host(second).create(fixture.spec(for: b))

                    #expect(try await cloud.host(first).inventory().compactMap(\.vmID) == [a])
                    #expect(try await cloud.host(second).inventory().compactMap(\.vmID) == [b])
                    #expect(cloud.connectionsOpened(to: first) == 1 && cloud.connectionsOpened(to: second) == 1, "one connection per host, kept")
                }
            }
        }
    }

    @Test("Machines VirtualStack did not make are listed without a VM id")
    func foreignDomains() async throws {
        try await withTestHost(.builtIn) { uri, raw in
            try await withCloud { cloud in
                let (operators, impostor) = ("operators-\(UUID())", UUID())
                try raw.define("<domain type='test'><name>\(operators)</name><memory>1048576</memory><os><type>hvm</type></os></domain>")
                // A domain whose UUID could be a VM's but whose name is not `vs-<that uuid>`.
                try raw.define("<domain type='test'><name>not-vs-\(impostor)</name><uuid>\(impostor)</uuid><memory>1048576</memory><os><type>hvm</type></os></domain>")

                let machines = try await cloud.host(uri).inventory().filter { [operators, "not-vs-\(impostor)"].contains($0.name) }

                #expect(machines.count == 2 && machines.allSatisfy { $0.vmID == nil && $0.power == .stopped }, "\(machines)")
            }
        }
    }
}
