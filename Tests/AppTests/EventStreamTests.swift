import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

/// `GET /events` over real TCP: live changes of the caller's tenant only, refused without access,
/// resumable with `Last-Event-ID`, ended when access goes, and one feed across processes.
@Suite("Event stream")
struct EventStreamTests {
    /// Quick polls and keep-alives; the simulated driver slow enough that PROVISIONING is seen first.
    /// The test client's one connection may sit idle while a test waits on its streams: under the full
    /// suite longer than the default idle timeout, after which the server would close it.
    static let settings = [
        "simulated.delay.ms": "300", "events.poll.interval.ms": "50", "events.keepalive.seconds": "1", "http.idle.timeout": "3600",
    ]

    static func isRunning(_ vm: String) -> @Sendable ([EventStreamClient.Event]) -> Bool {
        { events in events.contains { $0.name == "vm.updated" && $0.vmID == vm && $0.json?["status"] as? String == "RUNNING" && $0.json?["task"] is NSNull } }
    }

    static func positions(_ events: [EventStreamClient.Event]) -> [VMChangePosition] {
        events.compactMap { $0.id.flatMap(VMChangePosition.init) }
    }

    @Test("A tenant's stream shows its VMs change as it happens, in order, and nothing of another tenant", arguments: TestBackend.available)
    func liveAndIsolated(backend: TestBackend) async throws {
        try await withApp(backend, settings: Self.settings, mode: .live) { client, _ in
            let port = try #require(client.port)
            let tenants = try await TwoTenants(client)
            let streamA = try await EventStreamClient(port: port, token: tenants.tokenA, tenant: tenants.tenantA)
            defer { streamA.close() }
            let streamB = try await EventStreamClient(port: port, token: tenants.tokenB, tenant: tenants.tenantB)
            defer { streamB.close() }
            #expect(streamA.status == 200)
            #expect(streamA.contentType?.hasPrefix("text/event-stream") == true)
            let first = try await streamA.waitFor("the ready event") { !$0.isEmpty }
            #expect(first[0].name == "ready" && first[0].data == "{}" && first[0].id.flatMap(VMChangePosition.init) != nil)
            try await streamB.waitFor("the ready event") { !$0.isEmpty }

            let vmB = try await client.createVM("b-one", in: tenants.tenantB, token: tenants.tokenB)
            let vmA = try await client.createVM("a-one", in: tenants.tenantA, token: tenants.tokenA)
            var eventsA = try await streamA.waitFor("a-one RUNNING", Self.isRunning(vmA))
            let created = try #require(eventsA.first { $0.name == "vm.created" })
            #expect(created.vmID == vmA && created.json?["name"] as? String == "a-one")
            try await streamB.waitFor("b-one RUNNING", Self.isRunning(vmB))

            let stop = try await client.act("stop", on: vmA, in: tenants.tenantA, token: tenants.tokenA)
            #expect(stop.status == .accepted)
            eventsA = try await streamA.waitFor("a-one STOPPING then STOPPED") { events in
                events.contains { $0.vmID == vmA && $0.json?["task"] as? String == "stopping" }
                    && events.contains { $0.vmID == vmA && $0.json?["status"] as? String == "STOPPED" && $0.json?["task"] is NSNull }
            }
            let renamed = try await client.json(.patch, "/api/v1/vms/\(vmA)", token: tenants.tokenA, tenant: tenants.tenantA, body: ["name": "a-renamed"])
            #expect(renamed.status == .ok)
            try await streamA.waitFor("the rename") { $0.contains { $0.vmID == vmA && $0.json?["name"] as? String == "a-renamed" } }
            let deleted = try await client.json(.delete, "/api/v1/vms/\(vmA)", token: tenants.tokenA, tenant: tenants.tenantA)
            #expect(deleted.status == .accepted || deleted.status == .noContent)
            eventsA = try await streamA.waitFor("a-one deleted") { $0.contains { $0.name == "vm.deleted" && $0.vmID == vmA } }

            // Positions only grow; each tenant heard only of its own VM.
            let positions = Self.positions(eventsA)
            #expect(zip(positions, positions.dropFirst()).allSatisfy { $0 < $1 }, "positions do not grow: \(eventsA)")
            #expect(!eventsA.contains { $0.data.contains(vmB) }, "tenant A saw B's VM: \(eventsA)")
            let eventsB = await streamB.events
            #expect(!eventsB.contains { $0.data.contains(vmA) }, "tenant B saw A's VM: \(eventsB)")
            #expect(eventsB.allSatisfy { $0.name == "ready" || $0.vmID == vmB })
        }
    }

    @Test("No credentials is 401, no vm:read or a foreign tenant is 403, each with a detail; an unknown Last-Event-ID starts from now", arguments: TestBackend.available)
    func refusals(backend: TestBackend) async throws {
        try await withApp(backend, settings: Self.settings, mode: .live) { client, _ in
            let port = try #require(client.port)
            let tenants = try await TwoTenants(client)
            // A member whose only role (Auditors: user:read) does not let them read VMs.
            _ = try await client.createUser("auditor@example.com", in: tenants.tenantA, roles: [tenants.roleA], token: tenants.rootToken)
            let auditor = try await client.loginAs("auditor@example.com")
            let cases: [(String, String?, String?, String?, Int)] = [
                ("no credentials", nil, tenants.tenantA, nil, 401),
                ("a bad token", "not-a-token", tenants.tenantA, nil, 401),
                ("no vm:read", auditor, tenants.tenantA, nil, 403),
                ("another tenant's header", tenants.tokenB, tenants.tenantA, nil, 403),
            ]
            for (what, token, tenant, lastEventID, status) in cases {
                let stream = try await EventStreamClient(port: port, token: token, tenant: tenant, lastEventID: lastEventID)
                #expect(stream.status == status, "\(what): \(stream.errorBody)")
                let detail = (try? JSONSerialization.jsonObject(with: Data(stream.errorBody.utf8)) as? [String: Any])?["detail"] as? String
                #expect(detail?.isEmpty == false, "\(what): no detail in \(stream.errorBody)")
            }
            let now = try await EventStreamClient(port: port, token: tenants.tokenA, tenant: tenants.tenantA, accept: "*/*")
            try await now.waitForEnd()
            let current = try #require(await now.events.first?.id)
            for unknown in ["yesterday", "0", "99999999999999999999-1", "1-2-3", "-1-5", ""] {
                let stream = try await EventStreamClient(port: port, token: tenants.tokenA, tenant: tenants.tenantA, lastEventID: unknown, accept: "*/*")
                #expect(stream.status == 200, "\(unknown): \(stream.errorBody)")
                try await stream.waitForEnd()
                #expect(await stream.events.map(\.id) == [current], "\(unknown)")
            }
        }
    }

    @Test("Last-Event-ID replays what happened meanwhile with the VMs' current state, then goes on live; other Accepts get a catch-up that ends", arguments: TestBackend.available)
    func resume(backend: TestBackend) async throws {
        try await withApp(backend, settings: Self.settings, mode: .live) { client, _ in
            let port = try #require(client.port)
            let tenants = try await TwoTenants(client)
            let first = try await EventStreamClient(port: port, token: tenants.tokenA, tenant: tenants.tenantA)
            let ready = try #require(try await first.waitFor("ready") { !$0.isEmpty }.first?.id)
            first.close()

            // Missed while disconnected: a VM created and started, another tenant's VM.
            let missed = try await client.createVM("missed", in: tenants.tenantA, token: tenants.tokenA)
            _ = try await client.createVM("elsewhere", in: tenants.tenantB, token: tenants.tokenB)
            try await client.waitForVM(missed, status: "RUNNING", in: tenants.tenantA, token: tenants.tokenA)

            let resumed = try await EventStreamClient(port: port, token: tenants.tokenA, tenant: tenants.tenantA, lastEventID: ready)
            defer { resumed.close() }
            var events = try await resumed.waitFor("the replay of the missed VM", Self.isRunning(missed))
            #expect(events[0].name == "ready" && events[0].id == ready)
            #expect(events.contains { $0.name == "vm.created" && $0.vmID == missed })
            // Replayed events carry the VM as it is now.
            #expect(events.filter { $0.vmID == missed }.allSatisfy { $0.json?["status"] as? String == "RUNNING" })
            #expect(events.allSatisfy { $0.name == "ready" || $0.vmID == missed })

            let live = try await client.createVM("live", in: tenants.tenantA, token: tenants.tokenA)
            events = try await resumed.waitFor("the live VM", Self.isRunning(live))
            let lastSeen = try #require(events.last?.id)

            // Resuming from the last event seen replays nothing.
            let again = try await EventStreamClient(port: port, token: tenants.tokenA, tenant: tenants.tenantA, lastEventID: lastSeen)
            defer { again.close() }
            try await again.waitFor("ready") { !$0.isEmpty }
            try await Task.sleep(for: .milliseconds(300))
            #expect(await again.events.count == 1)

            // A client that does not ask for a stream gets what happened since its id, and the end.
            let catchUp = try await EventStreamClient(port: port, token: tenants.tokenA, tenant: tenants.tenantA, lastEventID: ready, accept: "*/*")
            try await catchUp.waitForEnd()
            let caught = await catchUp.events
            #expect(caught.first?.name == "ready")
            #expect(Set(caught.compactMap(\.vmID)) == [missed, live])
        }
    }

    @Test("A stream ends soon after the caller loses vm:read, and reconnecting is 403", arguments: TestBackend.available)
    func endsWhenAccessGoes(backend: TestBackend) async throws {
        try await withApp(backend, settings: Self.settings, mode: .live) { client, _ in
            let port = try #require(client.port)
            let tenants = try await TwoTenants(client)
            let member = try await client.createUser("watcher@example.com", in: tenants.tenantA, roles: [SystemRoleID.readOnly], token: tenants.rootToken)
            let token = try await client.loginAs("watcher@example.com")
            let stream = try await EventStreamClient(port: port, token: token, tenant: tenants.tenantA)
            defer { stream.close() }
            try await stream.waitFor("ready") { !$0.isEmpty }
            // Keep-alives arrive while nothing happens.
            let deadline = ContinuousClock.now + .seconds(10)
            while await stream.comments == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            #expect(await stream.comments > 0)

            let removed = try await client.json(
                .delete, "/api/v1/users/\(member)/roles/\(SystemRoleID.readOnly)", token: tenants.tokenA, tenant: tenants.tenantA
            )
            #expect(removed.status == .noContent, "\(String(buffer: removed.body))")
            try await stream.waitForEnd(timeout: .seconds(10))
            let again = try await EventStreamClient(port: port, token: token, tenant: tenants.tenantA)
            #expect(again.status == 403)
        }
    }

    @Test("Many streams at once each get exactly their tenant's changes, once, in order", arguments: TestBackend.available)
    func manyStreams(backend: TestBackend) async throws {
        try await withApp(backend, settings: Self.settings, mode: .live) { client, _ in
            let port = try #require(client.port)
            let tenants = try await TwoTenants(client)
            var streams: [(tenant: String, stream: EventStreamClient)] = []
            for index in 0..<20 {
                let (token, tenant) = index.isMultiple(of: 2) ? (tenants.tokenA, tenants.tenantA) : (tenants.tokenB, tenants.tenantB)
                streams.append((tenant, try await EventStreamClient(port: port, token: token, tenant: tenant)))
            }
            defer { for (_, stream) in streams { stream.close() } }
            for (_, stream) in streams { try await stream.waitFor("ready") { !$0.isEmpty } }
            var vms: [String: Set<String>] = [tenants.tenantA: [], tenants.tenantB: []]
            try await withThrowingTaskGroup(of: (String, String).self) { group in
                for index in 0..<6 {
                    let (token, tenant) = index.isMultiple(of: 2) ? (tenants.tokenA, tenants.tenantA) : (tenants.tokenB, tenants.tenantB)
                    group.addTask { (tenant, try await client.createVM("vm-\(index)", in: tenant, token: token)) }
                }
                for try await (tenant, vm) in group { vms[tenant]?.insert(vm) }
            }
            for (tenant, stream) in streams {
                let own = vms[tenant] ?? []
                let events = try await stream.waitFor("every VM of the tenant RUNNING") { events in
                    own.allSatisfy { vm in Self.isRunning(vm)(events) }
                }
                #expect(Set(events.compactMap(\.vmID)) == own)
                let positions = Self.positions(events.dropFirst().map { $0 })
                #expect(positions == positions.sorted() && Set(positions).count == positions.count, "out of order or repeated: \(events)")
            }
        }
    }
}

/// The feed is one across processes: what one `serve` commits reaches a stream held by another, and a
/// stopping process ends its streams instead of waiting for their clients.
@Suite("Event stream across processes", .serialized)
struct EventStreamProcessTests {
    @Test("A VM created through one process shows live on a stream of another; SIGTERM ends the stream at once", arguments: TestBackend.available)
    func acrossProcesses(backend: TestBackend) async throws {
        try await withTestDatabase(backend) { database in
            try await withTwoServeProcesses(database, delayMS: 300) { one, two in
                let token = try await one.login()
                let stream = try await EventStreamClient(port: two.port, token: token, tenant: nil)
                defer { stream.close() }
                #expect(stream.status == 200, "\(stream.errorBody)")
                try await stream.waitFor("ready") { !$0.isEmpty }
                let vm = try await JobDurabilityTests.createVM("across", on: one, token: token)
                try await stream.waitFor("the VM RUNNING through the other process", EventStreamTests.isRunning(vm))

                let clock = ContinuousClock()
                let stopping = clock.now
                let stopper = Task.detached { two.stop() }
                try await stream.waitForEnd(timeout: .seconds(10))
                await stopper.value
                #expect(clock.now - stopping < .seconds(8))
            }
        }
    }
}
