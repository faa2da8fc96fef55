import CLibvirt
import Core
import Foundation
import LibvirtHypervisor
import LibvirtTestSupport
import Synchronization
import Testing

/// Changes made through another connection (an operator's `virsh`): the driver reports them, and
/// its lifecycle events say so at once.
@Suite("libvirt driver: changes behind VirtualStack's back")
struct ReconciliationTests {
    @Test("A domain destroyed, started and undefined through a second connection: machine() and inventory() follow, and events fire")
    func secondConnection() async throws {
        try await withTestHost(.builtIn) { uri, raw in
            let events = EventLog()
            try await withCloud(LibvirtSettings(isoPool: "default-pool"), onHostEvent: { events.record($0) }) { cloud in
                let host = cloud.host(uri)
                let id = VMID(UUID())
                _ = try await host.create(LibvirtFixture(kind: .builtIn).spec(for: id))
                let before = events.count(for: uri)

                try raw.change(id, "destroy") { virDomainDestroy($0) }

                #expect(try await host.machine(id)?.power == .stopped)
                #expect(try await host.inventory().first { $0.vmID == id }?.power == .stopped)
                try await events.wait(for: uri, moreThan: before)

                let stopped = events.count(for: uri)
                try raw.change(id, "start") { virDomainCreate($0) }
                #expect(try await host.machine(id)?.power == .running)
                try await events.wait(for: uri, moreThan: stopped)

                try raw.change(id, "destroy") { virDomainDestroy($0) }
                try raw.change(id, "undefine") { virDomainUndefine($0) }
                #expect(try await host.machine(id) == nil)
                #expect(try await host.inventory().allSatisfy { $0.vmID != id })
            }
        }
    }
}

/// The host URIs events arrived for.
final class EventLog: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func record(_ uri: String) { counts.withLock { $0[uri, default: 0] += 1 } }

    func count(for uri: String) -> Int { counts.withLock { $0[uri] ?? 0 } }

    /// Waits up to 5 s for more than `count` events of `uri`.
    func wait(for uri: String, moreThan count: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if self.count(for: uri) > count { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("no event for \(uri) within 5 s", sourceLocation: sourceLocation)
    }
}
