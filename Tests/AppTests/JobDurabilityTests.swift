import Core
import Foundation
import SQLKit
import SQLPersistence
import SimulatedHypervisor
import TestSupport
import Testing

/// Jobs live in the database: a crashed process's job is finished by the next one, and several
/// processes on one PostgreSQL share the work without running a job twice.
@Suite("Job durability", .serialized)
struct JobDurabilityTests {
    static func environment(_ database: TestDatabase, delayMS: Int) -> [String: String] {
        [
            "VIRTUALSTACK_DATABASE_URL": database.url, "VIRTUALSTACK_BCRYPT_COST": "10",
            "VIRTUALSTACK_ADMIN_EMAIL": Admin.email, "VIRTUALSTACK_ADMIN_PASSWORD": Admin.password,
            "VIRTUALSTACK_SIMULATED_DELAY_MS": String(delayMS), "VIRTUALSTACK_JOB_LEASE_SECONDS": "2",
            "VIRTUALSTACK_JOB_RETRY_DELAY_MS": "50", "VIRTUALSTACK_RECONCILE_INTERVAL_SECONDS": "3600",
        ]
    }

    static func createVM(_ name: String, on server: ServeProcess, token: String) async throws -> String {
        let (_, templates) = try await server.json("GET", "/vm-templates", token: token)
        let template = try #require((templates as? [[String: Any]])?.first?["id"] as? String)
        let (status, vm) = try await server.json("POST", "/vms", token: token, body: ["name": name, "template_id": template])
        #expect(status == 202, "\(String(describing: vm))")
        return try #require((vm as? [String: Any])?["id"] as? String)
    }

    static func status(of id: String, on server: ServeProcess, token: String) async throws -> String? {
        let (_, vm) = try await server.json("GET", "/vms/\(id)", token: token)
        return (vm as? [String: Any])?["status"] as? String
    }

    /// Polls the VM's status until it is `wanted` or `bound` has passed; the last status seen.
    static func status(of id: String, on server: ServeProcess, token: String, reaching wanted: String, within bound: Duration) async throws -> String? {
        let deadline = ContinuousClock.now + bound
        var status = try await Self.status(of: id, on: server, token: token)
        while status != wanted, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            status = try await Self.status(of: id, on: server, token: token)
        }
        return status
    }

    static func logs(of id: String, on server: ServeProcess, token: String) async throws -> [String] {
        let (_, entries) = try await server.json("GET", "/vms/\(id)/logs?limit=1000", token: token)
        return (entries as? [[String: Any]])?.compactMap { $0["message"] as? String } ?? []
    }

    /// The machines the simulated host holds for `id`, read from the hypervisor as the worker would.
    static func machines(of id: String, in database: TestDatabase) async throws -> [Machine] {
        try await withClient(database) { client in
            let hosts = try await SQLComputeStore(client: client).stores.hosts.hosts()
            let provider = SimulatedCloud(client: client)
            var found: [Machine] = []
            for host in hosts { found += try await provider.hypervisor(for: host).inventory().filter { $0.vmID?.description == id } }
            return found
        }
    }

    /// Waits until a worker holds the (only) job: the process is then in the middle of it.
    static func waitUntilLeased(_ database: TestDatabase) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let leased = try await withClient(database) { client in
                try await client.sql.raw("SELECT count(*) AS n FROM jobs WHERE lease_token IS NOT NULL").first()?.decode(column: "n", as: Int.self)
            }
            if leased == 1 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("no worker claimed the job within 30 s")
    }

    @Test("A serve process killed with SIGKILL in the middle of a create: the next one finishes the job, once", arguments: TestBackend.available)
    func crashMidJob(backend: TestBackend) async throws {
        try await withTestDatabase(backend) { database in
            let first = try ServeProcess(environment: Self.environment(database, delayMS: 30_000))
            defer { first.stop() }
            try await first.start()
            let token = try await first.login()
            let id = try await Self.createVM("survivor", on: first, token: token)
            // The worker claims the job and sleeps in the driver for 30 s (long enough on a loaded
            // machine): kill it there.
            try await Self.waitUntilLeased(database)
            #expect(try await Self.status(of: id, on: first, token: token) == "PROVISIONING")
            first.kill()

            let second = try ServeProcess(environment: Self.environment(database, delayMS: 200))
            defer { second.stop() }
            try await second.start()
            let status = try await Self.status(of: id, on: second, token: token, reaching: "RUNNING", within: .seconds(60))
            #expect(status == "RUNNING")
            let logs = try await Self.logs(of: id, on: second, token: token)
            #expect(logs.filter { $0 == "The VM was created and is running" }.count == 1, "\(logs)")
            #expect(try await Self.machines(of: id, in: database).count == 1)
            let vmID = try #require(VMID(id))
            let creations = try await withClient(database) { try await SimulatedCloud(client: $0).host("simulated://default").creations(of: vmID) }
            #expect(creations == 1, "the machine was made once")
            let jobs = try await withClient(database) { try await SQLComputeStore(client: $0).stores.jobs.jobCount() }
            #expect(jobs == 0)
        }
    }

    @Test("A serve process stopped with SIGTERM in the middle of a job gives it back: the next one runs it without waiting for the lease", arguments: TestBackend.available)
    func gracefulStopMidJob(backend: TestBackend) async throws {
        try await withTestDatabase(backend) { database in
            var environment = Self.environment(database, delayMS: 30_000)
            environment["VIRTUALSTACK_JOB_LEASE_SECONDS"] = "300"
            let first = try ServeProcess(environment: environment)
            defer { first.stop() }
            try await first.start()
            let token = try await first.login()
            let id = try await Self.createVM("handed-over", on: first, token: token)
            try await Self.waitUntilLeased(database)
            first.stop()

            environment["VIRTUALSTACK_SIMULATED_DELAY_MS"] = "200"
            let second = try ServeProcess(environment: environment)
            defer { second.stop() }
            try await second.start()
            let status = try await Self.status(of: id, on: second, token: token, reaching: "RUNNING", within: .seconds(60))
            #expect(status == "RUNNING", "the 300 s lease did not hold the job back")
        }
    }

    @Test("Two serve processes on one PostgreSQL: 200 VMs created across both all run, each job once")
    func twoProcesses() async throws {
        guard TestBackend.available.contains(.postgres) else { return }
        try await withTestDatabase(.postgres) { database in
            try await withTwoServeProcesses(database) { one, two in
                let token = try await one.login()
                let ids = try await withThrowingTaskGroup(of: String.self) { group in
                    for index in 0..<200 {
                        group.addTask { try await Self.createVM("vm-\(index)", on: index % 2 == 0 ? one : two, token: token) }
                    }
                    return try await group.reduce(into: [String]()) { $0.append($1) }
                }
                #expect(Set(ids).count == 200)
                let deadline = ContinuousClock.now + .seconds(90)
                var running = 0
                while ContinuousClock.now < deadline {
                    let (_, page) = try await one.json("GET", "/vms?status=RUNNING&limit=1", token: token)
                    running = (page as? [String: Any])?["total"] as? Int ?? 0
                    if running == 200 { break }
                    try await Task.sleep(for: .milliseconds(200))
                }
                #expect(running == 200)
                for id in ids.prefix(50) {
                    let logs = try await Self.logs(of: id, on: two, token: token)
                    #expect(logs.filter { $0.hasPrefix("The VM was created") }.count == 1, "\(logs)")
                    #expect(!logs.contains { $0.contains("failed") }, "\(logs)")
                }
                let perVM = try await withClient(database) { client in
                    try await client.sql.raw("SELECT vm_id, count(*) AS n FROM vm_logs WHERE message LIKE 'The VM was created%' GROUP BY vm_id")
                        .all().map { try $0.decode(column: "n", as: Int.self) }
                }
                #expect(perVM.count == 200 && perVM.allSatisfy { $0 == 1 })
            }
        }
    }
}
