import Core
import Foundation
import SQLPersistence
import TestSupport
import Testing

/// The contract of the durable job queue and the VM logs, run on each SQL engine.
@Suite("Compute stores contract: jobs and logs")
struct JobQueueContractTests {
    typealias Contract = ComputeStoreContractTests
    static let now = Contract.now

    static func job(_ vm: VMID, _ kind: JobKind = .start, second: Double = 0, runAt: Date? = nil) -> Job {
        let at = now.addingTimeInterval(second)
        return Job(id: JobID(UUID()), vmID: vm, kind: kind, runAt: runAt ?? at, createdAt: at)
    }

    @Test("A claim leases due jobs to one token, oldest first; nobody else gets them while the lease lives", arguments: TestBackend.available)
    func claimLeases(backend: TestBackend) async throws {
        try await Contract.withFixture(backend) { fixture in
            let jobs = fixture.stores.jobs
            let (a, b, c) = (fixture.vm("a"), fixture.vm("b"), fixture.vm("c"))
            for vm in [a, b, c] { try await fixture.stores.vms.insertVM(vm) }
            let (first, second) = (Self.job(a.id, .create, second: 1), Self.job(b.id, .create, second: 2))
            let later = Self.job(c.id, .create, second: 3, runAt: Self.now.addingTimeInterval(600))
            for job in [second, later, first] { try await jobs.enqueue(job) }
            let (token, rival) = (UUID(), UUID())
            let until = Self.now.addingTimeInterval(30)
            let clock = Self.now.addingTimeInterval(5)

            let claimed = try await jobs.claimJobs(limit: 10, token: token, now: clock, leaseUntil: until)
            let again = try await jobs.claimJobs(limit: 10, token: rival, now: clock.addingTimeInterval(10), leaseUntil: until)
            let afterRunAt = try await jobs.claimJobs(limit: 10, token: rival, now: Self.now.addingTimeInterval(601), leaseUntil: until)

            #expect(claimed.map(\.id) == [first.id, second.id])
            #expect(claimed.allSatisfy { $0.lease == Job.Lease(token: token, expiresAt: until) })
            #expect(claimed.first?.kind == .create && claimed.first?.vmID == a.id && claimed.first?.attempt == 0)
            #expect(again.isEmpty, "leased jobs are not claimed again, and the third is not due")
            #expect(afterRunAt.map(\.id).contains(later.id))
            #expect(try await jobs.jobCount() == 3)
        }
    }

    @Test("A claim takes at most `limit` jobs", arguments: TestBackend.available)
    func claimLimit(backend: TestBackend) async throws {
        try await Contract.withFixture(backend) { fixture in
            let vms = try await fixture.insertVMs(5)
            for (index, vm) in vms.enumerated() { try await fixture.stores.jobs.enqueue(Self.job(vm.id, second: Double(index))) }

            let claimed = try await fixture.stores.jobs.claimJobs(limit: 2, token: UUID(), now: Self.now.addingTimeInterval(10), leaseUntil: Self.now.addingTimeInterval(60))

            #expect(claimed.map(\.vmID) == [vms[0].id, vms[1].id])
        }
    }

    @Test("An expired lease is claimable again, and the old token no longer holds the job", arguments: TestBackend.available)
    func expiredLease(backend: TestBackend) async throws {
        try await Contract.withFixture(backend) { fixture in
            let jobs = fixture.stores.jobs
            let job = try await fixture.vmWithJob()
            let (old, new) = (UUID(), UUID())

            _ = try await jobs.claimJobs(limit: 1, token: old, now: Self.now, leaseUntil: Self.now.addingTimeInterval(30))
            let renewed = try await jobs.renewLease(of: job.id, token: old, until: Self.now.addingTimeInterval(60))
            let stillHeld = try await jobs.claimJobs(limit: 1, token: new, now: Self.now.addingTimeInterval(59), leaseUntil: Self.now.addingTimeInterval(120))
            let expiredButHeld = try await fixture.compute.transaction { try await $0.jobs.lockedJob(job.id, token: old) }
            let reclaimed = try await jobs.claimJobs(limit: 1, token: new, now: Self.now.addingTimeInterval(61), leaseUntil: Self.now.addingTimeInterval(120))
            let oldHolder = try await fixture.compute.transaction { try await $0.jobs.lockedJob(job.id, token: old) }
            let newHolder = try await fixture.compute.transaction { try await $0.jobs.lockedJob(job.id, token: new) }

            #expect(renewed)
            #expect(stillHeld.isEmpty)
            #expect(expiredButHeld?.id == job.id, "until someone else claims it, the holder may still complete it")
            #expect(reclaimed.map(\.id) == [job.id] && reclaimed.first?.lease?.token == new)
            #expect(oldHolder == nil)
            #expect(newHolder?.lease == Job.Lease(token: new, expiresAt: Self.now.addingTimeInterval(120)))
            #expect(try await jobs.renewLease(of: job.id, token: old, until: Self.now.addingTimeInterval(300)) == false)
        }
    }

    @Test("Jobs of one VM run one at a time, oldest first", arguments: TestBackend.available)
    func perVMOrder(backend: TestBackend) async throws {
        try await Contract.withFixture(backend) { fixture in
            let jobs = fixture.stores.jobs
            let (a, b) = (fixture.vm("a"), fixture.vm("b"))
            for vm in [a, b] { try await fixture.stores.vms.insertVM(vm) }
            // a's older job is not due yet: its younger one waits for it all the same.
            let aFirst = Self.job(a.id, .start, second: 1, runAt: Self.now.addingTimeInterval(100))
            let aSecond = Self.job(a.id, .stop, second: 2)
            let bFirst = Self.job(b.id, .start, second: 3)
            let bSecond = Self.job(b.id, .stop, second: 4)
            for job in [aSecond, bSecond, aFirst, bFirst] { try await jobs.enqueue(job) }
            let lease = Self.now.addingTimeInterval(1000)

            let early = try await jobs.claimJobs(limit: 10, token: UUID(), now: Self.now.addingTimeInterval(10), leaseUntil: lease)
            let whileBRuns = try await jobs.claimJobs(limit: 10, token: UUID(), now: Self.now.addingTimeInterval(100), leaseUntil: lease)
            try await jobs.deleteJob(bFirst.id)
            let afterB = try await jobs.claimJobs(limit: 10, token: UUID(), now: Self.now.addingTimeInterval(101), leaseUntil: lease)

            #expect(early.map(\.id) == [bFirst.id], "only b's oldest: a's oldest is not due, b's second waits")
            #expect(whileBRuns.map(\.id) == [aFirst.id])
            #expect(afterB.map(\.id) == [bSecond.id], "a's second still waits for a's first")
        }
    }

    @Test("A rescheduled job is released, counts its attempt and waits for its time", arguments: TestBackend.available)
    func reschedule(backend: TestBackend) async throws {
        try await Contract.withFixture(backend) { fixture in
            let jobs = fixture.stores.jobs
            let job = try await fixture.vmWithJob()
            let token = UUID()
            _ = try await jobs.claimJobs(limit: 1, token: token, now: Self.now, leaseUntil: Self.now.addingTimeInterval(30))

            try await jobs.rescheduleJob(job.id, attempt: 1, runAt: Self.now.addingTimeInterval(20), lastError: "host busy")
            let tooEarly = try await jobs.claimJobs(limit: 1, token: UUID(), now: Self.now.addingTimeInterval(19), leaseUntil: Self.now.addingTimeInterval(60))
            let due = try await jobs.claimJobs(limit: 1, token: UUID(), now: Self.now.addingTimeInterval(20), leaseUntil: Self.now.addingTimeInterval(60))

            #expect(tooEarly.isEmpty)
            #expect(due.first?.attempt == 1 && due.first?.lastError == "host busy" && due.first?.runAt == Self.now.addingTimeInterval(20))
            #expect(try await fixture.compute.transaction { try await $0.jobs.lockedJob(job.id, token: token) } == nil)
        }
    }

    @Test("A released job is claimable at once, unchanged; another token cannot release it", arguments: TestBackend.available)
    func release(backend: TestBackend) async throws {
        try await Contract.withFixture(backend) { fixture in
            let jobs = fixture.stores.jobs
            let job = try await fixture.vmWithJob()
            let token = UUID()
            let lease = Self.now.addingTimeInterval(30)
            _ = try await jobs.claimJobs(limit: 1, token: token, now: Self.now, leaseUntil: lease)

            try await jobs.releaseLease(of: job.id, token: UUID())
            #expect(try await jobs.claimJobs(limit: 1, token: UUID(), now: Self.now, leaseUntil: lease).isEmpty, "a stranger's release is ignored")
            try await jobs.releaseLease(of: job.id, token: token)
            let again = try await jobs.claimJobs(limit: 1, token: UUID(), now: Self.now, leaseUntil: lease)
            #expect(again.map(\.id) == [job.id] && again.first?.attempt == 0)
        }
    }

    @Test("Cancelling a VM's queued jobs leaves the one a worker holds", arguments: TestBackend.available)
    func cancelQueued(backend: TestBackend) async throws {
        try await Contract.withFixture(backend) { fixture in
            let jobs = fixture.stores.jobs
            let (a, b) = (fixture.vm("a"), fixture.vm("b"))
            for vm in [a, b] { try await fixture.stores.vms.insertVM(vm) }
            let running = Self.job(a.id, .start, second: 1)
            let queued = Self.job(a.id, .stop, second: 2)
            let otherVM = Self.job(b.id, .start, second: 3)
            for job in [running, queued, otherVM] { try await jobs.enqueue(job) }
            let token = UUID()
            let claimed = try await jobs.claimJobs(limit: 10, token: token, now: Self.now.addingTimeInterval(5), leaseUntil: Self.now.addingTimeInterval(60))

            try await jobs.cancelQueuedJobs(of: a.id, now: Self.now.addingTimeInterval(10))

            #expect(claimed.map(\.id) == [running.id, otherVM.id])
            #expect(try await fixture.compute.transaction { try await $0.jobs.lockedJob(running.id, token: token) }?.id == running.id)
            #expect(try await jobs.jobCount() == 2, "a's queued job went, b's stays")
            // Once its lease expired, the job no worker holds any more is cancelled too.
            try await jobs.cancelQueuedJobs(of: a.id, now: Self.now.addingTimeInterval(61))
            #expect(try await fixture.compute.transaction { try await $0.jobs.lockedJob(running.id, token: token) } == nil)
            #expect(try await fixture.compute.transaction { try await $0.jobs.lockedJob(otherVM.id, token: UUID()) } == nil, "a wrong token")
        }
    }

    @Test("Taking a finished job removes it only for the claim that holds it", arguments: TestBackend.available)
    func takeJob(backend: TestBackend) async throws {
        try await Contract.withFixture(backend) { fixture in
            let jobs = fixture.stores.jobs
            let vm = fixture.vm("a")
            try await fixture.stores.vms.insertVM(vm)
            let job = Self.job(vm.id, .start, second: 1)
            try await jobs.enqueue(job)
            let old = UUID()
            _ = try await jobs.claimJobs(limit: 1, token: old, now: Self.now.addingTimeInterval(5), leaseUntil: Self.now.addingTimeInterval(10))
            // The lease ran out and another worker claimed the job: the first holder may not take it.
            let new = UUID()
            let reclaimed = try await jobs.claimJobs(limit: 1, token: new, now: Self.now.addingTimeInterval(11), leaseUntil: Self.now.addingTimeInterval(60))

            #expect(reclaimed.map(\.id) == [job.id])
            #expect(try await fixture.compute.transaction { try await $0.jobs.takeJob(job.id, token: old) } == false)
            #expect(try await jobs.jobCount() == 1)
            #expect(try await fixture.compute.transaction { try await $0.jobs.takeJob(job.id, token: new) })
            #expect(try await jobs.jobCount() == 0)
            #expect(try await fixture.compute.transaction { try await $0.jobs.takeJob(job.id, token: new) } == false, "taken once")
        }
    }

    /// Sixteen claimers drain 500 jobs (ten per VM, fifty VMs), completing each job they claim: every
    /// job is claimed exactly once, never while another job of its VM is held, and in its VM's order.
    @Test("Concurrent claimers get each job exactly once, one job of a VM at a time", arguments: TestBackend.available)
    func concurrentClaimers(backend: TestBackend) async throws {
        try await Contract.withFixture(backend) { fixture in
            let jobs = fixture.stores.jobs
            let vms = try await fixture.insertVMs(50)
            let all = (0..<10).flatMap { round in
                vms.enumerated().map { index, vm in Self.job(vm.id, second: Double(round * 100 + index)) }
            }
            try await fixture.compute.transaction { stores in
                for job in all { try await stores.jobs.enqueue(job) }
            }
            let ledger = ClaimLedger()

            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        var idle = 0
                        while idle < 3 {
                            let token = UUID()
                            let claimed = try await jobs.claimJobs(
                                limit: 4, token: token, now: Self.now.addingTimeInterval(10_000), leaseUntil: Self.now.addingTimeInterval(20_000)
                            )
                            if claimed.isEmpty {
                                idle = try await jobs.jobCount() == 0 ? idle + 1 : 0
                                try await Task.sleep(for: .milliseconds(5))
                                continue
                            }
                            for job in claimed { await ledger.claimed(job) }
                            for job in claimed {
                                // Released before the job goes: the next job of the VM cannot be claimed before then.
                                await ledger.finished(job)
                                let held = try await fixture.compute.transaction { stores -> Bool in
                                    guard try await stores.jobs.lockedJob(job.id, token: token) != nil else { return false }
                                    try await stores.jobs.deleteJob(job.id)
                                    return true
                                }
                                if !held { await ledger.lost(job) }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }

            let report = await ledger.report()
            #expect(report.claims.count == 500)
            #expect(Set(report.claims).count == 500, "no job claimed twice")
            #expect(Set(report.claims) == Set(all.map(\.id)))
            #expect(report.overlaps == 0, "never two jobs of one VM held at once")
            #expect(report.lost == 0)
            let expectedOrder = Dictionary(grouping: all, by: \.vmID).mapValues { $0.map(\.id) }
            #expect(report.orderPerVM == expectedOrder)
            #expect(try await jobs.jobCount() == 0)
        }
    }

    // MARK: Logs

    @Test("Logs come newest first, limited, and only for the VM's own tenant", arguments: TestBackend.available)
    func logs(backend: TestBackend) async throws {
        try await Contract.withFixture(backend) { fixture in
            let logs = fixture.stores.logs
            let other = try await fixture.newTenant("Other")
            let (vm, neighbour) = (fixture.vm("a"), fixture.vm("b"))
            for vm in [vm, neighbour] { try await fixture.stores.vms.insertVM(vm) }
            let entries = (0..<5).map { VMLogEntry(vmID: vm.id, timestamp: Self.now.addingTimeInterval(Double($0)), level: .info, message: "line \($0)") }
            // Two lines of one transition share their timestamp: the later appended comes first.
            let sameTime = [
                VMLogEntry(vmID: vm.id, timestamp: Self.now.addingTimeInterval(10), level: .warning, message: "first"),
                VMLogEntry(vmID: vm.id, timestamp: Self.now.addingTimeInterval(10), level: .error, message: "second"),
            ]
            try await logs.appendLogs(entries)
            try await logs.appendLogs(sameTime)
            try await logs.appendLogs([VMLogEntry(vmID: neighbour.id, timestamp: Self.now.addingTimeInterval(20), level: .info, message: "x")])
            try await logs.appendLogs([])

            let newest = try await logs.logs(of: vm.id, in: fixture.tenant.id, limit: 4)
            let all = try await logs.logs(of: vm.id, in: fixture.tenant.id, limit: 100)

            #expect(newest.map(\.message) == ["second", "first", "line 4", "line 3"])
            #expect(newest.first == sameTime[1])
            #expect(all.count == 7)
            #expect(try await logs.logs(of: vm.id, in: other.id, limit: 100).isEmpty)
            #expect(try await logs.logs(of: VMID(UUID()), in: fixture.tenant.id, limit: 100).isEmpty)
        }
    }
}

extension ComputeStoreContractTests.Fixture {
    /// A new VM with one job queued for it, due now.
    func vmWithJob() async throws -> Job {
        let vm = vm("a")
        try await stores.vms.insertVM(vm)
        let job = JobQueueContractTests.job(vm.id)
        try await stores.jobs.enqueue(job)
        return job
    }
}

/// What the concurrent claimers did, checked afterwards.
actor ClaimLedger {
    private var claims: [JobID] = []
    private var held: Set<VMID> = []
    private var overlaps = 0
    private var lostJobs = 0
    private var orderPerVM: [VMID: [JobID]] = [:]

    func claimed(_ job: Job) {
        claims.append(job.id)
        if !held.insert(job.vmID).inserted { overlaps += 1 }
        orderPerVM[job.vmID, default: []].append(job.id)
    }

    func finished(_ job: Job) { held.remove(job.vmID) }

    func lost(_ job: Job) { lostJobs += 1 }

    func report() -> (claims: [JobID], overlaps: Int, lost: Int, orderPerVM: [VMID: [JobID]]) {
        (claims, overlaps, lostJobs, orderPerVM)
    }
}
