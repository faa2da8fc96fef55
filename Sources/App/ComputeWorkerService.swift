import Core
import Logging
import ServiceLifecycle

/// Runs the job worker and the reconciliation loop for the service's lifetime. Every `serve`
/// process runs both; the database decides which process runs which job. Reconciliation runs every
/// `reconcileInterval` over every host, and early over the hosts whose driver reported a change
/// (`hostEvents`), at most once per `eventPause` so that the several events of one operation make one pass.
struct ComputeWorkerService: Service {
    let worker: JobWorker
    let reconciler: Reconciler
    let reconcileInterval: Duration
    let hostEvents: HostEvents
    var eventPause: Duration = .milliseconds(500)
    /// Opens once the schema is migrated.
    let readiness: OneTimeGate
    /// Runs when the service stops (closes the drivers' connections).
    var onStop: @Sendable () async -> Void = {}

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await readiness.wait()
            await withDiscardingTaskGroup { group in
                group.addTask { await worker.run() }
                group.addTask { await reconcile() }
            }
        }
        await onStop()
    }

    private func reconcile() async {
        var due = ContinuousClock.now + reconcileInterval
        while !Task.isCancelled {
            await hostEvents.wakeUp.wait(upTo: due - ContinuousClock.now)
            if Task.isCancelled { return }
            if ContinuousClock.now >= due {
                _ = hostEvents.take()
                await reconciler.reconcileAll()
                due = ContinuousClock.now + reconcileInterval
            } else {
                guard (try? await Task.sleep(for: eventPause)) != nil else { return }
                let uris = hostEvents.take()
                if !uris.isEmpty { await reconciler.reconcileAll(reportingUnknown: false) { uris.contains($0.uri) } }
            }
        }
    }
}
