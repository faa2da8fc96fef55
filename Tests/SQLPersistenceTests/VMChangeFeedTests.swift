import Core
import Foundation
import SQLKit
import SQLPersistence
import TestSupport
import Testing

/// The VM change feed the triggers write, and the hub that reads it for a process's event streams: on
/// each engine, with real rows.
@Suite("VM change feed and hub")
struct VMChangeFeedTests {
    typealias Fixture = ComputeStoreContractTests.Fixture

    @Test("Triggers record what a client shows: created, updated, unlisted; not a change it cannot see", arguments: TestBackend.available)
    func triggers(backend: TestBackend) async throws {
        try await ComputeStoreContractTests.withFixture(backend) { fixture in
            let feed = fixture.compute
            let vms = fixture.stores.vms
            let start = try await feed.latestChangePosition()
            let vm = fixture.vm("web-1")
            try await vms.insertVM(vm)
            try await vms.setState(of: vm.id, VMState(status: .running, task: .stopping), ipAddress: nil, at: Date())
            // Only updated_at changes: nothing a client shows, no event.
            try await fixture.client.sql.raw("UPDATE vms SET updated_at = updated_at WHERE id = \(bind: vm.id.description)").run()
            #expect(try await vms.renameVM(vm.id, in: fixture.tenant.id, to: "web-2", at: Date()))
            try await vms.setState(of: vm.id, VMState(status: .running, task: .deleting), ipAddress: nil, at: Date())
            // Already unlisted: its removal is no news.
            try await vms.removeVM(vm.id)

            let changes = try await Self.changes(in: feed, after: start, of: fixture.tenant.id, count: 4)
            try #require(changes.count == 4)
            #expect(changes.map(\.kind) == [.created, .updated, .updated, .deleted])
            #expect(changes.allSatisfy { $0.vmID == vm.id && $0.tenantID == fixture.tenant.id && $0.vm == nil })
            #expect(zip(changes, changes.dropFirst()).allSatisfy { $0.position < $1.position })
            #expect(try await feed.latestChangePosition() == changes.last?.position)
            // Paged by position, per tenant.
            let other = try await fixture.newTenant("Other")
            try await vms.insertVM(fixture.vm("elsewhere", tenant: other.id))
            #expect(try await feed.changes(after: changes[1].position, of: fixture.tenant.id, limit: 1).map(\.position) == [changes[2].position])
            #expect(try await feed.changes(after: changes[3].position, of: fixture.tenant.id, limit: 100).isEmpty)
            #expect(try await Self.changes(in: feed, after: changes[3].position, of: nil, count: 1).map(\.tenantID) == [other.id])
            // A listed VM comes with its current row.
            let listed = try await feed.changes(after: changes[3].position, of: other.id, limit: 100)
            #expect(listed.first?.vm?.name == "elsewhere")
            // Pruning by age.
            // (The fixture's VMs are dated `ComputeStoreContractTests.now`, the other changes today.)
            #expect(try await feed.pruneChanges(before: ComputeStoreContractTests.now.addingTimeInterval(86_400)) == 5)
            #expect(try await feed.changes(after: .start, of: nil, limit: 100).isEmpty)
        }
    }

    @Test("PostgreSQL: a change is not read while an older transaction is still open, so none is skipped")
    func horizon() async throws {
        guard TestBackend.available.contains(.postgres) else { return }
        try await ComputeStoreContractTests.withFixture(.postgres) { fixture in
            let feed = fixture.compute
            let start = try await feed.latestChangePosition()
            let older = fixture.vm("older")
            let newer = fixture.vm("newer", second: 1)
            let (inserted, insertedSignal) = AsyncStream<Void>.makeStream()
            let (release, releaseSignal) = AsyncStream<Void>.makeStream()
            // The older transaction writes first (the lower transaction id) and stays open.
            let holder = Task {
                try await fixture.compute.transaction { stores in
                    try await stores.vms.insertVM(older)
                    insertedSignal.yield()
                    for await _ in release { break }
                }
            }
            for await _ in inserted { break }
            try await fixture.stores.vms.insertVM(newer)
            // The newer change is committed, but an older transaction may still commit below it.
            #expect(try await feed.changes(after: start, of: nil, limit: 100).isEmpty)
            #expect(try await feed.latestChangePosition() == start)
            releaseSignal.yield()
            try await holder.value
            let changes = try await Self.changes(in: feed, after: start, of: nil, count: 2)
            #expect(changes.map(\.vmID) == [older.id, newer.id])
        }
    }

    @Test("The hub hands each subscriber its tenant's changes; a subscriber that leaves or stalls is dropped; stop ends all", arguments: TestBackend.available)
    func hub(backend: TestBackend) async throws {
        try await ComputeStoreContractTests.withFixture(backend) { fixture in
            let hub = VMChangeHub(feed: fixture.compute, backlogLimit: 2)
            let other = try await fixture.newTenant("Other")
            let (startA, changesA) = try await hub.subscribe(to: fixture.tenant.id)
            let (startB, changesB) = try await hub.subscribe(to: other.id)
            #expect(startA == startB)
            #expect(await hub.subscriberCount == 2)

            /// Inserts a VM, waits until the feed shows its change (on PostgreSQL, once every older
            /// transaction on the server has ended), then lets the hub read once.
            @Sendable func insertAndPoll(_ vm: VirtualMachine) async throws {
                let before = try await fixture.compute.latestChangePosition()
                try await fixture.stores.vms.insertVM(vm)
                try await waitUntil {
                    (try? await fixture.compute.changes(after: before, of: nil, limit: 10).contains { $0.vmID == vm.id }) == true
                }
                try await hub.poll()
            }
            let vmA = fixture.vm("a")
            try await insertAndPoll(vmA)
            try await insertAndPoll(fixture.vm("b", tenant: other.id))
            var iteratorA = changesA.makeAsyncIterator()
            let batch = try #require(await iteratorA.next())
            #expect(batch.map(\.vmID) == [vmA.id] && batch[0].vm?.name == "a" && batch[0].position > startA)

            // B reads nothing: it holds two batches ("b", "b2"); the third does not fit and the hub drops it.
            for name in ["b2", "b3", "b4"] { try await insertAndPoll(fixture.vm(name, tenant: other.id)) }
            #expect(await hub.subscriberCount == 1)
            var iteratorB = changesB.makeAsyncIterator()
            var received = 0
            while let batch = await iteratorB.next() { received += batch.count }
            #expect(received == 2, "B keeps what fitted, then its subscription ends")

            // A subscriber whose task is cancelled leaves the hub.
            let (_, changesC) = try await hub.subscribe(to: other.id)
            let consumer = Task { for await _ in changesC {} }
            consumer.cancel()
            await consumer.value
            try await waitUntil { await hub.subscriberCount == 1 }

            await hub.stop()
            #expect(await iteratorA.next() == nil)
            let (_, late) = try await hub.subscribe(to: fixture.tenant.id)
            var lateIterator = late.makeAsyncIterator()
            #expect(await lateIterator.next() == nil, "a stopped hub takes no subscribers")
        }
    }

    /// The feed's changes after `position` once it shows at least `count` (for up to 30 seconds): on
    /// PostgreSQL a change is read only once every older transaction on the server has ended, and the
    /// other suites' transactions run on the same server.
    static func changes(in feed: SQLComputeStore, after position: VMChangePosition, of tenantID: TenantID?, count: Int) async throws -> [VMChange] {
        var found: [VMChange] = []
        for _ in 0..<1500 {
            found = try await feed.changes(after: position, of: tenantID, limit: 100)
            if found.count >= count { return found }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("the feed showed \(found.count) of \(count) changes")
        return found
    }

    /// Polls `condition` for up to 30 seconds (suites that hold transactions open on purpose share the
    /// PostgreSQL server, and hold its read horizon back while they do).
    func waitUntil(_ condition: @Sendable () async -> Bool) async throws {
        for _ in 0..<1500 {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("condition not met within 30 s")
    }
}
