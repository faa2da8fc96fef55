import Foundation

/// The VM lifecycle as a pure function: every (state, event) pair yields the next state, the log
/// lines to write and the job to queue, or a `409` saying why not. No I/O: services and the worker
/// apply what it decides, in one transaction with the VM row.
///
/// States are a status (`PROVISIONING`, `RUNNING`, `STOPPED`, `ERROR`) and the task in progress,
/// if any. Rules an operator relies on:
/// - one operation at a time: a power action while a task runs is `409`;
/// - delete is accepted in every state and supersedes whatever is queued; a job already running
///   finishes first (its outcome no longer changes the VM), then the delete job runs;
/// - a failed operation retries with backoff, and after the last attempt the VM goes to `ERROR`
///   with the reason in its log; from `ERROR` every power action may be tried again;
/// - a delete job never gives up: a VM whose machine could not be removed stays queued for deletion,
///   because giving up would leave a machine behind on the host.
public enum VMLifecycle {
    /// What a user asks for through the API.
    public enum Request: String, Sendable, CaseIterable {
        case start, stop, restart, delete
    }

    /// The power state a driver reports for a machine.
    public enum Power: String, Sendable {
        case running, stopped
    }

    public struct Transition: Sendable, Equatable {
        public var next: VMState
        public var logs: [Line]
        /// The driver operation to queue, if any.
        public var job: JobKind?
        /// Queued jobs of the VM that are not running yet are dropped (a delete supersedes them).
        public var cancelsQueuedJobs: Bool
        /// The VM row goes away (its machine is gone).
        public var removesVM: Bool

        public init(next: VMState, logs: [Line] = [], job: JobKind? = nil, cancelsQueuedJobs: Bool = false, removesVM: Bool = false) {
            self.next = next
            self.logs = logs
            self.job = job
            self.cancelsQueuedJobs = cancelsQueuedJobs
            self.removesVM = removesVM
        }
    }

    public struct Line: Sendable, Equatable {
        public let level: VMLogEntry.Level
        public let message: String

        public init(_ level: VMLogEntry.Level, _ message: String) {
            self.level = level
            self.message = message
        }
    }

    /// A new VM: provisioning, with its create job.
    public static func created(by actor: String) -> Transition {
        Transition(
            next: VMState(status: .provisioning), logs: [Line(.info, "Creation requested by \(actor)")], job: .create
        )
    }

    /// A user's request in `state`, or `409` with the reason.
    public static func request(_ request: Request, in state: VMState, by actor: String) throws(DomainError) -> Transition {
        if state.task == .deleting { throw .notFound("VM not found") }
        if request == .delete {
            return Transition(
                next: VMState(status: state.status, task: .deleting), logs: [Line(.info, "Deletion requested by \(actor)")],
                job: .delete, cancelsQueuedJobs: true
            )
        }
        if let task = state.task {
            throw .conflict("The VM is \(task.rawValue) already; wait until that has finished")
        }
        let task: VMTask
        let job: JobKind
        switch (state.status, request) {
        case (.provisioning, _):
            throw .conflict("The VM is still being provisioned; wait until it is running")
        case (.running, .start):
            throw .conflict("The VM is running already")
        case (.stopped, .stop):
            throw .conflict("The VM is stopped already")
        case (.stopped, .restart):
            throw .conflict("The VM is stopped; start it instead")
        case (_, .start):
            (task, job) = (.starting, .start)
        case (_, .stop):
            (task, job) = (.stopping, .stop)
        case (_, .restart):
            (task, job) = (.restarting, .restart)
        case (_, .delete):
            preconditionFailure("handled above")
        }
        return Transition(
            next: VMState(status: state.status, task: task), logs: [Line(.info, "\(request.rawValue.capitalized) requested by \(actor)")],
            job: job
        )
    }

    /// A job of `kind` finished well. While the VM is being deleted, only the delete job's outcome counts.
    public static func succeeded(_ kind: JobKind, in state: VMState) -> Transition {
        if kind == .delete {
            return Transition(next: state, logs: [Line(.info, "The machine was deleted")], removesVM: true)
        }
        if state.task == .deleting {
            return Transition(next: state, logs: [Line(.info, "\(kind.rawValue.capitalized) finished; the deletion follows")])
        }
        let next: VMStatus
        let message: String
        switch kind {
        case .create: (next, message) = (.running, "The VM was created and is running")
        case .start: (next, message) = (.running, "The VM started and is running")
        case .stop: (next, message) = (.stopped, "The VM stopped")
        case .restart: (next, message) = (.running, "The VM restarted and is running")
        case .delete: preconditionFailure("handled above")
        }
        return Transition(next: VMState(status: next), logs: [Line(.info, message)])
    }

    /// A job of `kind` failed with `reason` on attempt `attempt`. With `retryIn` set it runs again
    /// after that many seconds; without, it gave up.
    public static func failed(_ kind: JobKind, in state: VMState, reason: String, attempt: Int, retryIn: Double?) -> Transition {
        let what = kind.rawValue.capitalized
        if let retryIn {
            let seconds = retryIn < 10 ? String(format: "%.1f", retryIn) : String(Int(retryIn))
            return Transition(
                next: state, logs: [Line(.warning, "\(what) failed (attempt \(attempt)): \(reason); retrying in \(seconds) s")]
            )
        }
        if state.task == .deleting || kind == .delete {
            return Transition(next: state, logs: [Line(.warning, "\(what) failed (attempt \(attempt)): \(reason)")])
        }
        return Transition(
            next: VMState(status: .error),
            logs: [Line(.error, "\(what) failed after \(attempt) attempt\(attempt == 1 ? "" : "s"): \(reason)")]
        )
    }

    /// What reconciliation does when the host reports `observed` (nil: no such machine) for a VM in
    /// `state` that has no job queued or running. Nil when the database is right.
    public static func observed(_ observed: Power?, in state: VMState) -> Transition? {
        guard state.task == nil else { return nil }
        switch (state.status, observed) {
        case (.running, .stopped?):
            return Transition(next: VMState(status: .stopped), logs: [Line(.warning, "The machine stopped outside VirtualStack")])
        case (.stopped, .running?):
            return Transition(next: VMState(status: .running), logs: [Line(.warning, "The machine started outside VirtualStack")])
        case (.running, nil), (.stopped, nil):
            return Transition(
                next: VMState(status: .error),
                logs: [Line(.error, "The machine is gone from its host; it was removed outside VirtualStack")]
            )
        default:
            return nil
        }
    }
}
