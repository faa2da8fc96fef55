import Core
import Testing

/// The lifecycle, transition by transition, without I/O.
@Suite("VM lifecycle")
struct VMLifecycleTests {
    typealias L = VMLifecycle
    static let provisioning = VMState(status: .provisioning)
    static let running = VMState(status: .running)
    static let stopped = VMState(status: .stopped)
    static let error = VMState(status: .error)

    @Test("Creation: provisioning with a create job and the actor in the log")
    func creation() {
        let transition = L.created(by: "ada@example.com")
        #expect(transition.next == Self.provisioning)
        #expect(transition.job == .create)
        #expect(transition.logs == [L.Line(.info, "Creation requested by ada@example.com")])
    }

    /// (state, request) → the task and job it starts, or nil for 409.
    @Test("Power requests: the table", arguments: [
        (provisioning, L.Request.start, nil), (provisioning, .stop, nil), (provisioning, .restart, nil),
        (running, .start, nil), (running, .stop, (VMTask.stopping, JobKind.stop)), (running, .restart, (.restarting, .restart)),
        (stopped, .start, (.starting, .start)), (stopped, .stop, nil), (stopped, .restart, nil),
        (error, .start, (.starting, .start)), (error, .stop, (.stopping, .stop)), (error, .restart, (.restarting, .restart)),
        (VMState(status: .running, task: .stopping), .start, nil), (VMState(status: .running, task: .stopping), .stop, nil),
        (VMState(status: .stopped, task: .starting), .restart, nil), (VMState(status: .running, task: .restarting), .restart, nil),
    ] as [(VMState, L.Request, (VMTask, JobKind)?)])
    func powerRequests(state: VMState, request: L.Request, expected: (VMTask, JobKind)?) throws {
        if let (task, job) = expected {
            let transition = try L.request(request, in: state, by: "ada")
            #expect(transition.next == VMState(status: state.status, task: task))
            #expect(transition.job == job)
            #expect(!transition.cancelsQueuedJobs && !transition.removesVM)
            #expect(transition.logs.count == 1 && transition.logs[0].message.contains("by ada"))
        } else {
            #expect(throws: DomainError.self) { try L.request(request, in: state, by: "ada") }
            do {
                _ = try L.request(request, in: state, by: "ada")
            } catch {
                #expect(error.code == .conflict && !error.message.isEmpty)
            }
        }
    }

    @Test("Delete is accepted in every state and supersedes queued jobs", arguments: [
        provisioning, running, stopped, error, VMState(status: .running, task: .stopping), VMState(status: .stopped, task: .starting),
        VMState(status: .running, task: .restarting),
    ])
    func deleteAnywhere(state: VMState) throws {
        let transition = try L.request(.delete, in: state, by: "ada")
        #expect(transition.next == VMState(status: state.status, task: .deleting))
        #expect(transition.job == .delete && transition.cancelsQueuedJobs && !transition.removesVM)
    }

    @Test("A VM being deleted is gone for every request", arguments: L.Request.allCases)
    func deletingIsGone(request: L.Request) {
        do {
            _ = try L.request(request, in: VMState(status: .running, task: .deleting), by: "ada")
            Issue.record("accepted \(request) on a deleting VM")
        } catch {
            #expect(error.code == .notFound)
        }
    }

    @Test("Successes: the status each job leads to, the task cleared", arguments: [
        (JobKind.create, provisioning, VMState(status: .running)),
        (.start, VMState(status: .stopped, task: .starting), VMState(status: .running)),
        (.start, VMState(status: .error, task: .starting), VMState(status: .running)),
        (.stop, VMState(status: .running, task: .stopping), VMState(status: .stopped)),
        (.restart, VMState(status: .running, task: .restarting), VMState(status: .running)),
    ] as [(JobKind, VMState, VMState)])
    func successes(kind: JobKind, state: VMState, expected: VMState) {
        let transition = L.succeeded(kind, in: state)
        #expect(transition.next == expected)
        #expect(transition.job == nil && !transition.removesVM)
        #expect(transition.logs.map(\.level) == [.info])
    }

    @Test("While deleting, other jobs' outcomes change nothing; the delete job's success removes the VM")
    func outcomesWhileDeleting() {
        let deleting = VMState(status: .provisioning, task: .deleting)
        for kind in [JobKind.create, .start, .stop, .restart] {
            #expect(L.succeeded(kind, in: deleting).next == deleting)
            #expect(L.failed(kind, in: deleting, reason: "boom", attempt: 5, retryIn: nil).next == deleting)
        }
        let removed = L.succeeded(.delete, in: deleting)
        #expect(removed.removesVM)
    }

    @Test("Failures: a retry keeps the state and says when; giving up is ERROR with the reason")
    func failures() {
        let starting = VMState(status: .stopped, task: .starting)
        let retry = L.failed(.start, in: starting, reason: "host busy", attempt: 2, retryIn: 4)
        #expect(retry.next == starting)
        #expect(retry.logs == [L.Line(.warning, "Start failed (attempt 2): host busy; retrying in 4.0 s")])

        let final = L.failed(.start, in: starting, reason: "host busy", attempt: 5, retryIn: nil)
        #expect(final.next == VMState(status: .error))
        #expect(final.logs == [L.Line(.error, "Start failed after 5 attempts: host busy")])

        let provisioningFailed = L.failed(.create, in: Self.provisioning, reason: "no image", attempt: 1, retryIn: nil)
        #expect(provisioningFailed.next == Self.error)
        #expect(provisioningFailed.logs[0].message == "Create failed after 1 attempt: no image")
    }

    @Test("A delete that failed never puts the VM in ERROR")
    func deleteFailure() {
        let deleting = VMState(status: .running, task: .deleting)
        let transition = L.failed(.delete, in: deleting, reason: "host down", attempt: 9, retryIn: nil)
        #expect(transition.next == deleting && !transition.removesVM)
    }

    @Test("Reconciliation: drift in either direction and vanished machines; nothing while a task runs", arguments: [
        (running, L.Power.stopped as L.Power??, VMState(status: .stopped) as VMState?),
        (stopped, .running, running),
        (running, .some(nil), error), (stopped, .some(nil), error),
        (running, .running, nil), (stopped, .stopped, nil),
        (provisioning, .some(nil), nil), (error, .running, nil), (error, .some(nil), nil),
        (VMState(status: .running, task: .stopping), .stopped, nil),
    ] as [(VMState, L.Power??, VMState?)])
    func reconciliation(state: VMState, observed: L.Power??, expected: VMState?) {
        let transition = L.observed(observed ?? nil, in: state)
        #expect(transition?.next == expected)
        if let transition { #expect(transition.logs.count == 1 && transition.logs[0].level != .info) }
    }
}
