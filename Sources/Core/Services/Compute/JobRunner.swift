import Foundation
import Logging

/// Runs one claimed job: reads the VM and its host, calls the driver outside any transaction
/// while renewing the lease, then writes the outcome (the lifecycle's transition, the log lines and
/// the job's removal or retry) in one transaction — but only while this claim still holds the job.
/// A worker that lost its lease (it hung, another process took over) writes nothing.
public struct JobRunner: Sendable {
    let compute: any ComputeUnitOfWork
    let hypervisors: any HypervisorProvider
    let environment: CoreEnvironment
    let policy: JobPolicy
    let logger: Logger

    public init(
        compute: any ComputeUnitOfWork, hypervisors: any HypervisorProvider, environment: CoreEnvironment, policy: JobPolicy, logger: Logger
    ) {
        self.compute = compute
        self.hypervisors = hypervisors
        self.environment = environment
        self.policy = policy
        self.logger = logger
    }

    /// Leases up to `limit` due jobs to a fresh claim token.
    public func claim(limit: Int) async throws -> [Job] {
        let now = environment.now()
        return try await compute.stores.jobs.claimJobs(
            limit: limit, token: UUID(), now: now, leaseUntil: now.addingTimeInterval(policy.lease.seconds)
        )
    }

    /// Never throws: a failure to write the outcome leaves the job leased, and the lease's expiry
    /// hands it to the next claim.
    public func execute(_ job: Job) async {
        guard let token = job.lease?.token else { return }
        do {
            let outcome = try await perform(job, token: token)
            try await record(outcome, of: job, token: token)
        } catch is CancellationError {
            // The process is stopping: give the job back at once rather than leave it to its lease. The
            // release runs in a task of its own, which the cancellation does not reach.
            let jobs = compute.stores.jobs
            await Task { try? await jobs.releaseLease(of: job.id, token: token) }.value
            logger.debug("Job given back unfinished", metadata: ["job": "\(job.id)"])
        } catch {
            logger.warning(
                "Could not finish a job; it runs again when its lease expires", metadata: ["job": "\(job.id)", "error": "\(error)"]
            )
        }
    }

    enum Outcome {
        /// The VM is gone: nothing to do.
        case vanished
        case succeeded(Machine?)
        case failed(HypervisorError)
    }

    func perform(_ job: Job, token: UUID) async throws -> Outcome {
        guard let vm = try await compute.stores.vms.vm(job.vmID) else { return .vanished }
        guard let host = try await compute.stores.hosts.host(vm.hostID) else {
            return .failed(HypervisorError("The VM's host is no longer registered", retryable: false))
        }
        let health = HostHealth(compute: compute, environment: environment, logger: logger)
        do {
            let hypervisor = try await hypervisors.hypervisor(for: host)
            let machine = try await renewingLease(of: job, token: token) {
                try await Self.run(job.kind, for: vm, on: hypervisor, stopTimeout: policy.stopTimeout)
            }
            await health.answered(host)
            return .succeeded(machine)
        } catch let error as HypervisorError {
            await health.failed(host, with: error)
            return .failed(error)
        } catch is CancellationError {
            throw CancellationError()
        } catch is LeaseLost {
            throw LeaseLost()
        } catch {
            // A driver's unexpected error: assume a retry may help, and say what it was.
            return .failed(HypervisorError("\(error)", retryable: true))
        }
    }

    static func run(_ kind: JobKind, for vm: VirtualMachine, on hypervisor: any Hypervisor, stopTimeout: Duration) async throws -> Machine? {
        switch kind {
        case .create: return try await hypervisor.create(MachineSpec(id: vm.id, size: vm.size, source: vm.source))
        case .start: return try await hypervisor.start(vm.id)
        case .stop: return try await hypervisor.stop(vm.id, timeout: stopTimeout)
        case .restart: return try await hypervisor.restart(vm.id)
        case .delete:
            try await hypervisor.delete(vm.id)
            return nil
        }
    }

    struct LeaseLost: Error {}

    /// Runs `operation` while renewing the job's lease every third of its length; cancels it when the
    /// lease was lost (another worker owns the job now).
    func renewingLease<T: Sendable>(of job: Job, token: UUID, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let jobs = compute.stores.jobs
        let policy = policy
        let environment = environment
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                while true {
                    try await Task.sleep(for: policy.lease / 3)
                    let until = environment.now().addingTimeInterval(policy.lease.seconds)
                    // A database that does not answer is no proof the lease is gone: keep working.
                    if (try? await jobs.renewLease(of: job.id, token: token, until: until)) == false { throw LeaseLost() }
                }
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw LeaseLost() }
            return value
        }
    }

    func record(_ outcome: Outcome, of job: Job, token: UUID) async throws {
        let now = environment.now()
        let policy = policy
        let environment = environment
        try await compute.transaction { stores in
            let vm: VirtualMachine
            let transition: VMLifecycle.Transition
            let event: AuditEvent
            var address: String?? = nil
            switch outcome {
            case .vanished:
                _ = try await stores.jobs.takeJob(job.id, token: token)
                return
            case .succeeded(let machine):
                // Removing the finished job is also the check that this claim still holds it.
                guard try await stores.jobs.takeJob(job.id, token: token), let found = try await stores.vms.lockedVM(job.vmID) else {
                    return
                }
                vm = found
                transition = VMLifecycle.succeeded(job.kind, in: vm.state)
                if let machine { address = .some(machine.ipAddress) }
                event = environment.auditEvent("vm.job.\(job.kind.rawValue)", on: .vm(vm.id), in: vm.tenantID, by: .system)
            case .failed(let error):
                guard let held = try await stores.jobs.lockedJob(job.id, token: token) else { return }
                guard let found = try await stores.vms.lockedVM(job.vmID) else {
                    try await stores.jobs.deleteJob(job.id)
                    return
                }
                vm = found
                let attempt = held.attempt + 1
                // Deleting never gives up: that would leave a machine behind on the host.
                let retries = job.kind == .delete || (error.retryable && attempt < policy.maxAttempts)
                let delay = error.retryable ? policy.delay(afterAttempt: attempt) : policy.maxRetryDelay.seconds
                transition = VMLifecycle.failed(job.kind, in: vm.state, reason: error.message, attempt: attempt, retryIn: retries ? delay : nil)
                event = environment.auditEvent(
                    "vm.job.\(job.kind.rawValue)", on: .vm(vm.id), in: vm.tenantID, by: .system, outcome: .failure,
                    details: ["attempt": String(attempt), "error": error.message, "retrying": retries ? "true" : "false"]
                )
                if retries {
                    try await stores.jobs.rescheduleJob(job.id, attempt: attempt, runAt: now.addingTimeInterval(delay), lastError: error.message)
                } else {
                    try await stores.jobs.deleteJob(job.id)
                }
            }
            try await stores.audit.appendAuditEvents([event])
            if transition.removesVM {
                try await stores.hosts.allocate(VMSize.zero - vm.size, vms: -1, on: vm.hostID)
                try await stores.vms.removeVM(vm.id)
                return
            }
            if transition.next != vm.state || address != nil {
                try await stores.vms.setState(of: vm.id, transition.next, ipAddress: address, at: now)
            }
            try await VMService.record(transition, for: vm.id, at: now, in: stores)
        }
    }
}
