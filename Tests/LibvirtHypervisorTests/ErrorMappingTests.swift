import Core
import Foundation
import LibvirtHypervisor
import LibvirtTestSupport
import Testing

/// libvirt's errors become port errors that say whether a retry can help.
@Suite("libvirt driver: error mapping")
struct ErrorMappingTests {
    @Test("A host that cannot be reached fails every operation retryably")
    func unreachableHost() async throws {
        try await withCloud { cloud in
            let socket = FileManager.default.temporaryDirectory.appendingPathComponent("no-daemon-\(UUID())/libvirt-sock").path
            let host = cloud.host("qemu+unix:///system?socket=\(socket)")
            let id = VMID(UUID())

            for (what, operation) in operations(on: host, id: id) {
                let error = try #require(await failure(of: operation), "\(what) succeeded on a host that does not exist")
                #expect(error.retryable, "\(what): \(error)")
            }
            #expect(cloud.connectionsOpened(to: host.uri) == 0)
        }
    }

    @Test("A domain libvirt refuses (its name is taken by another domain) fails for good")
    func refusedDomain() async throws {
        try await withTestHost(.builtIn) { uri, raw in
            try await withCloud { cloud in
                let id = VMID(UUID())
                try raw.define("<domain type='test'><name>vs-\(id)</name><memory>1048576</memory><os><type>hvm</type></os></domain>")

                let error = try #require(await failure { _ = try await cloud.host(uri).create(LibvirtFixture(kind: .builtIn).spec(for: id)) })

                #expect(!error.retryable, "\(error)")
                #expect(error.message.contains("vs-\(id)"), "says what libvirt refused: \(error)")
            }
        }
    }

    @Test("Images and pools the host does not have fail for good, and leave nothing behind")
    func missingImages() async throws {
        try await withTestHost(.nodeFile) { uri, _ in
            try await withCloud(LibvirtSettings(isoPool: "isos")) { cloud in
                let host = cloud.host(uri)
                let size = VMSize(cpu: 1, memoryGB: 1, diskGB: 10)
                let sources: [VMSource] = [
                    .template(nil, image: "default/no-such-volume.qcow2"), .template(nil, image: "nopool/\(baseVolume)"),
                    .template(nil, image: "no-slash"), .template(nil, image: nil), .iso("https://example.org/x.iso"),
                ]

                for source in sources {
                    let id = VMID(UUID())
                    let error = try #require(await failure { _ = try await host.create(MachineSpec(id: id, size: size, source: source)) }, "\(source)")
                    #expect(!error.retryable, "\(source): \(error)")
                    #expect(try await host.machine(id) == nil)
                }
            }
        }
    }

    func operations(on host: LibvirtHost, id: VMID) -> [(String, @Sendable () async throws -> Void)] {
        let spec = LibvirtFixture(kind: .nodeFile).spec(for: id)
        return [
            ("create", { _ = try await host.create(spec) }),
            ("start", { _ = try await host.start(id) }),
            ("stop", { _ = try await host.stop(id, timeout: .seconds(1)) }),
            ("restart", { _ = try await host.restart(id) }),
            ("delete", { try await host.delete(id) }),
            ("machine", { _ = try await host.machine(id) }),
            ("inventory", { _ = try await host.inventory() }),
        ]
    }

    /// The `HypervisorError` `operation` throws; nil when it succeeds (any other error fails the test).
    func failure(of operation: @Sendable () async throws -> Void) async -> HypervisorError? {
        do {
            try await operation()
            return nil
        } catch let error as HypervisorError {
            return error
        } catch {
            Issue.record("threw \(type(of: error)), not a HypervisorError: \(error)")
            return nil
        }
    }
}
