import Logging
import Synchronization

/// The loop that keeps up to `policy.concurrency` jobs running in this process: it claims as many
/// due jobs as it has free slots, runs each in a child task, and sleeps until a job finishes, this
/// process queues one (`wakeUp`), or the poll interval passes (for jobs queued by other processes
/// and retries coming due). Which process runs a job is decided by the claim in the database only.
public struct JobWorker: Sendable {
    let runner: JobRunner
    let wakeUp: WakeSignal
    let logger: Logger

    public init(runner: JobRunner, wakeUp: WakeSignal, logger: Logger) {
        self.runner = runner
        self.wakeUp = wakeUp
        self.logger = logger
    }

    /// Runs until the task is cancelled. Jobs in flight are cancelled with it; their leases expire and
    /// the next process to claim them runs them again (driver operations are idempotent).
    public func run() async {
        let policy = runner.policy
        let running = RunningCount()
        let clock = ContinuousClock()
        var lastClaim = clock.now - policy.claimInterval
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                let free = policy.concurrency - running.value.load(ordering: .acquiring)
                var claimed = 0
                if free > 0 {
                    lastClaim = clock.now
                    do {
                        let jobs = try await runner.claim(limit: free)
                        claimed = jobs.count
                        for job in jobs {
                            running.value.add(1, ordering: .acquiringAndReleasing)
                            group.addTask {
                                await runner.execute(job)
                                running.value.subtract(1, ordering: .acquiringAndReleasing)
                                wakeUp.signal()
                            }
                        }
                    } catch {
                        if Task.isCancelled { break }
                        logger.warning("Could not claim jobs", metadata: ["error": "\(error)"])
                    }
                }
                // A full claim suggests more jobs are due: claim again at once, if a slot is free.
                if claimed > 0 && claimed == free { continue }
                await wakeUp.wait(upTo: policy.pollInterval)
                // Under a stream of requests every queued and every finished job signals; claiming for
                // each signal would cost more writes than the jobs themselves. The signals of one
                // interval are answered by one claim.
                try? await clock.sleep(until: lastClaim + policy.claimInterval)
            }
        }
    }
}

/// Jobs in flight, shared by the loop and the job tasks.
private final class RunningCount: Sendable {
    let value = Atomic<Int>(0)
}
